//! The store's invariants, checked ([`Ca::check`], `cert check`): what must hold in a CA's
//! store after any sequence of commands, crashes and concurrent writers (one writer at a time,
//! every write atomic, no serial ever issued twice).
//!
//! Everything is read in one snapshot of the store, and the problems found are returned, one
//! line each; nothing is changed. What is checked here, for every backend: `serial` is above
//! every issued serial; every signed certificate parses, is filed under its own name and has
//! its inventory entry; no serial is issued twice; every queued request parses; the CRL chain
//! is signed by the CA chain and the first CRL by the CA. What only one backend can get wrong (files: temp files left
//! behind, lines of `inventory.txt` or a `serial` that do not parse) is that backend's own
//! check ([`crate::store::BackendSnapshot::problems`]), reported first. An inventory entry
//! without a certificate is allowed (cleaned, or a signing killed between recording the
//! inventory and the certificate). What expires soon is not a problem of the store
//! (`expiry`).

use std::collections::HashMap;

use openssl::x509::{X509Crl, X509};

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::Error;
use crate::store::{Item, Problem, Read, Snapshot, Store};

use super::Ca;

impl Ca {
    /// Check the store's invariants (see the module docs). `Ok(vec![])` means all hold; `Err` is
    /// for a store that cannot be read at all.
    pub fn check(&self) -> Result<Vec<Problem>, Error> {
        let store = self.store();
        let snapshot = store.snapshot()?;
        let mut found = Found {
            store,
            problems: snapshot.problems()?,
        };
        // A `serial` that cannot be read is the backend's problem, reported above.
        let next = snapshot.next_serial().ok();
        let mut serials = Serials {
            next,
            listed: found.inventory(&snapshot, next)?,
            issued: HashMap::new(),
        };
        let ca_subject = &self.authority().certificate().subject;
        for name in snapshot.signed_names()? {
            if let Some(pem) = snapshot.signed(&name)? {
                found.certificate(&name, &pem, ca_subject, &mut serials);
            }
        }
        found.requests(&snapshot)?;
        self.check_crls(&snapshot, &mut found);
        Ok(found.problems)
    }

    /// Each CRL of the chain must be issued by a certificate of the CA chain and verify with
    /// its key.
    fn check_crls(&self, snapshot: &Snapshot<'_>, found: &mut Found<'_>) {
        let crl_what = found.store.locate(&Item::Crl);
        let crls = snapshot
            .crl_pem()
            .map_err(Error::from)
            .and_then(|pem| self.parse_crls(&pem));
        let crls = match crls {
            Ok(crls) => crls,
            Err(error) => return found.add(crl_what, error.to_string()),
        };
        for (index, crl) in crls.iter().enumerate() {
            let signer = self
                .authority()
                .chain()
                .iter()
                .find(|c| c.subject == crl.issuer);
            let reason = match signer {
                None => Some(format!(
                    "CRL {} is issued by {}, which is not in the CA chain",
                    index + 1,
                    crl.issuer
                )),
                Some(signer) if !crl_signed_by(crl.der(), signer.der()) => Some(format!(
                    "CRL {} does not verify with the key of {}",
                    index + 1,
                    crl.issuer
                )),
                Some(_) => None,
            };
            if let Some(reason) = reason {
                found.add(crl_what.clone(), reason);
            }
        }
    }
}

/// The problems found so far, and the store that names what each is about.
struct Found<'a> {
    store: &'a Store,
    problems: Vec<Problem>,
}

/// The serials the checks of the signed certificates compare with.
struct Serials {
    /// The next serial, when `serial` can be read.
    next: Option<Serial>,
    /// The inventory's serials, each with its subject.
    listed: HashMap<Serial, String>,
    /// The serials of the certificates checked so far, each with its name.
    issued: HashMap<Serial, String>,
}

impl Found<'_> {
    fn add(&mut self, what: String, reason: String) {
        self.problems.push(Problem { what, reason });
    }

    /// No serial listed twice in the inventory, and each below `next`; the inventory's
    /// serials with their subjects.
    fn inventory(
        &mut self,
        snapshot: &Snapshot<'_>,
        next: Option<Serial>,
    ) -> Result<HashMap<Serial, String>, Error> {
        let serial_what = self.store.locate(&Item::Serial);
        let inventory_what = self.store.locate(&Item::Inventory);
        let mut listed: HashMap<Serial, String> = HashMap::new();
        for line in snapshot.inventory()? {
            if let Some(earlier) = listed.insert(line.serial, line.subject.clone()) {
                self.add(
                    inventory_what.clone(),
                    format!(
                        "serial {} is listed twice ({earlier} and {})",
                        line.serial, line.subject
                    ),
                );
            }
            if next.is_some_and(|next| line.serial >= next) {
                self.add(
                    serial_what.clone(),
                    format!(
                        "next serial {} is not above serial {} of {} in the inventory",
                        display(next),
                        line.serial,
                        line.subject
                    ),
                );
            }
        }
        Ok(listed)
    }

    /// The signed certificate of `name` (`pem`) parses and is filed under its CN; when this
    /// CA (`ca_subject`) issued it, its serial is its own, below the next one and listed in
    /// the inventory for it.
    fn certificate(
        &mut self,
        name: &Certname,
        pem: &[u8],
        ca_subject: &str,
        serials: &mut Serials,
    ) {
        let what = self.store.locate(&Item::Signed(name.clone()));
        let certificate = match Certificate::from_pem(name.as_str(), pem) {
            Ok(certificate) => certificate,
            Err(error) => return self.add(what, error.to_string()),
        };
        if certificate.common_name != name.as_str() {
            self.add(
                what.clone(),
                format!(
                    "common name {:?} is not the name it is filed under",
                    certificate.common_name
                ),
            );
        }
        if certificate.issuer != ca_subject {
            // Not ours (an imported CA's older certificates): no serial of ours to check.
            return;
        }
        let Some(serial) = certificate.serial else {
            return self.add(what, "certificate has no usable serial".into());
        };
        if let Some(other) = serials.issued.insert(serial, name.to_string()) {
            self.add(
                what.clone(),
                format!("serial {serial} is also the serial of {other}"),
            );
        }
        if serials.next.is_some_and(|next| serial >= next) {
            self.add(
                self.store.locate(&Item::Serial),
                format!(
                    "next serial {} is not above serial {serial} of {name}",
                    display(serials.next)
                ),
            );
        }
        match serials.listed.get(&serial) {
            Some(subject) if *subject == format!("/CN={name}") => {}
            Some(subject) => self.add(
                what,
                format!("serial {serial} is listed in the inventory for {subject}"),
            ),
            None => self.add(what, format!("serial {serial} has no inventory line")),
        }
    }

    /// Every queued request parses.
    fn requests(&mut self, snapshot: &Snapshot<'_>) -> Result<(), Error> {
        for name in snapshot.request_names()? {
            if let Some(pem) = snapshot.request(&name)? {
                if let Err(error) = Csr::from_pem(&pem) {
                    self.add(self.store.locate(&Item::Request(name)), error.to_string());
                }
            }
        }
        Ok(())
    }
}

fn display(serial: Option<Serial>) -> String {
    serial.map(|s| s.to_string()).unwrap_or_default()
}

/// Whether the DER CRL's signature verifies with the DER certificate's public key (OpenSSL, an
/// independent implementation from the one that signed it).
fn crl_signed_by(crl_der: &[u8], certificate_der: &[u8]) -> bool {
    let verified = (|| -> Result<bool, openssl::error::ErrorStack> {
        let crl = X509Crl::from_der(crl_der)?;
        let key = X509::from_der(certificate_der)?.public_key()?;
        crl.verify(&key)
    })();
    verified.unwrap_or(false)
}
