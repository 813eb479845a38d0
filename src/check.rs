//! The store's invariants, checked: what must hold in a CA's store after any sequence of
//! commands, crashes and concurrent writers (one writer at a time, every write atomic, no serial
//! ever issued twice).
//!
//! [`Ca::check`] reads everything in one snapshot of the store and returns the problems it
//! finds, one line each; it never changes anything. What it checks here, for every backend:
//! `serial` is above every issued serial; every signed certificate parses, is filed under its
//! own name and has its inventory entry; no serial is issued twice; every queued request
//! parses; the CRL chain is signed by the CA chain and the first CRL by the CA. What only one
//! backend can get wrong (files: temp files left behind, lines of `inventory.txt` or a `serial`
//! that do not parse) is that backend's own check ([`crate::store::BackendSnapshot::problems`]),
//! reported first. An inventory entry without a certificate is allowed (cleaned, or a signing
//! killed between recording the inventory and the certificate).

use std::collections::HashMap;

use openssl::x509::{X509Crl, X509};

use crate::ca::Ca;
use crate::certificate::{Certificate, Serial};
use crate::csr::Csr;
use crate::error::Error;
use crate::store::{Item, Read};

pub use crate::store::Problem;

impl Ca {
    /// Check the store's invariants (see the module docs). `Ok(vec![])` means all hold; `Err` is
    /// for a store that cannot be read at all.
    pub fn check(&self) -> Result<Vec<Problem>, Error> {
        let store = self.store();
        let snapshot = store.snapshot()?;
        let mut problems = snapshot.problems()?;
        let mut problem = |what: String, reason: String| problems.push(Problem { what, reason });

        // A `serial` that cannot be read is the backend's problem, reported above.
        let next = snapshot.next_serial().ok();
        let serial_what = store.locate(&Item::Serial);
        let inventory_what = store.locate(&Item::Inventory);
        let mut inventory: HashMap<Serial, String> = HashMap::new();
        for line in snapshot.inventory()? {
            if let Some(earlier) = inventory.insert(line.serial, line.subject.clone()) {
                problem(
                    inventory_what.clone(),
                    format!(
                        "serial {} is listed twice ({earlier} and {})",
                        line.serial, line.subject
                    ),
                );
            }
            if next.is_some_and(|next| line.serial >= next) {
                problem(
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

        let ca_subject = self.authority().certificate().subject.clone();
        let mut issued: HashMap<Serial, String> = HashMap::new();
        for name in snapshot.signed_names()? {
            let Some(pem) = snapshot.signed(&name)? else {
                continue;
            };
            let what = store.locate(&Item::Signed(name.clone()));
            let cert = match Certificate::from_pem(name.as_str(), &pem) {
                Ok(cert) => cert,
                Err(error) => {
                    problem(what, error.to_string());
                    continue;
                }
            };
            if cert.common_name != name.as_str() {
                problem(
                    what.clone(),
                    format!(
                        "common name {:?} is not the name it is filed under",
                        cert.common_name
                    ),
                );
            }
            if cert.issuer != ca_subject {
                // Not ours (an imported CA's older certificates): no serial of ours to check.
                continue;
            }
            let Some(serial) = cert.serial else {
                problem(what, "certificate has no usable serial".into());
                continue;
            };
            if let Some(other) = issued.insert(serial, name.to_string()) {
                problem(
                    what.clone(),
                    format!("serial {serial} is also the serial of {other}"),
                );
            }
            if next.is_some_and(|next| serial >= next) {
                problem(
                    serial_what.clone(),
                    format!(
                        "next serial {} is not above serial {serial} of {name}",
                        display(next)
                    ),
                );
            }
            match inventory.get(&serial) {
                Some(subject) if *subject == format!("/CN={name}") => {}
                Some(subject) => problem(
                    what,
                    format!("serial {serial} is listed in the inventory for {subject}"),
                ),
                None => problem(what, format!("serial {serial} has no inventory line")),
            }
        }

        for name in snapshot.request_names()? {
            if let Some(pem) = snapshot.request(&name)? {
                if let Err(error) = Csr::from_pem(&pem) {
                    problem(store.locate(&Item::Request(name)), error.to_string());
                }
            }
        }

        let crl_what = store.locate(&Item::Crl);
        let crls = snapshot
            .crl_pem()
            .map_err(Error::from)
            .and_then(|pem| self.parse_crls(&pem));
        match crls {
            Err(error) => problem(crl_what, error.to_string()),
            Ok(crls) => {
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
                        problem(crl_what.clone(), reason);
                    }
                }
            }
        }
        Ok(problems)
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
