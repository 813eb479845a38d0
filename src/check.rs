//! The store's invariants, checked: what must hold in a CA directory after any sequence of
//! commands, crashes and concurrent writers (one writer at a time under the lock, every file
//! written atomically, no serial ever issued twice).
//!
//! [`Ca::check`] reads everything under the lock and returns the problems it finds, one line
//! each; it never changes a file. What it checks: every file parses; `serial` is above every
//! issued serial; every certificate in `signed/` has its inventory line; no serial is issued
//! twice; the CRL chain is signed by the CA chain and the first CRL by the CA; no temp files are
//! left behind. An inventory line without a certificate is allowed (cleaned, or a signing killed
//! between the inventory append and the certificate write).

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use openssl::x509::{X509Crl, X509};

use crate::ca::Ca;
use crate::certificate::{Certificate, Serial};
use crate::csr::Csr;
use crate::error::Error;
use crate::store::inventory;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file it is about.
    pub path: PathBuf,
    /// What is wrong, one lower-case line.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl Ca {
    /// Check the store's invariants (see the module docs). `Ok(vec![])` means all hold; `Err` is
    /// for a store that cannot be read at all.
    pub fn check(&self) -> Result<Vec<Problem>, Error> {
        let store = self.store();
        let _lock = store.lock_for_reading()?;
        let mut problems = Vec::new();
        let mut problem = |path: PathBuf, reason: String| problems.push(Problem { path, reason });

        for path in store.temp_files()? {
            problem(path, "temp file left behind by an interrupted write".into());
        }

        let serial_path = store.path("serial");
        let next = match store.next_serial() {
            Ok(next) => Some(next),
            Err(error) => {
                problem(serial_path.clone(), error.to_string());
                None
            }
        };

        let inventory_path = store.path("inventory.txt");
        let mut inventory: HashMap<Serial, String> = HashMap::new();
        for (number, text) in store.inventory_text()?.lines().enumerate() {
            let Some(line) = inventory::Line::parse(text) else {
                problem(
                    inventory_path.clone(),
                    format!("line {} is not in Puppet's format: {text:?}", number + 1),
                );
                continue;
            };
            if let Some(earlier) = inventory.insert(line.serial, line.subject.clone()) {
                problem(
                    inventory_path.clone(),
                    format!(
                        "serial {} is listed twice ({earlier} and {})",
                        line.serial, line.subject
                    ),
                );
            }
            if next.is_some_and(|next| line.serial >= next) {
                problem(
                    serial_path.clone(),
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
        for name in store.signed_names()? {
            let path = store.path("signed").join(name.file_name());
            let Some(pem) = store.signed(&name)? else {
                continue;
            };
            let cert = match Certificate::from_pem(name.as_str(), &pem) {
                Ok(cert) => cert,
                Err(error) => {
                    problem(path, error.to_string());
                    continue;
                }
            };
            if cert.common_name != name.as_str() {
                problem(
                    path.clone(),
                    format!("common name {:?} is not the file's name", cert.common_name),
                );
            }
            if cert.issuer != ca_subject {
                // Not ours (an imported CA's older certificates): no serial of ours to check.
                continue;
            }
            let Some(serial) = cert.serial else {
                problem(path, "certificate has no usable serial".into());
                continue;
            };
            if let Some(other) = issued.insert(serial, name.to_string()) {
                problem(
                    path.clone(),
                    format!("serial {serial} is also the serial of {other}"),
                );
            }
            if next.is_some_and(|next| serial >= next) {
                problem(
                    serial_path.clone(),
                    format!(
                        "next serial {} is not above serial {serial} of {name}",
                        display(next)
                    ),
                );
            }
            match inventory.get(&serial) {
                Some(subject) if *subject == format!("/CN={name}") => {}
                Some(subject) => problem(
                    path,
                    format!("serial {serial} is listed in the inventory for {subject}"),
                ),
                None => problem(path, format!("serial {serial} has no inventory line")),
            }
        }

        for name in store.request_names()? {
            let path = store.path("requests").join(name.file_name());
            if let Some(pem) = store.request(&name)? {
                if let Err(error) = Csr::from_pem(&pem) {
                    problem(path, error.to_string());
                }
            }
        }

        let crl_path = store.path("ca_crl.pem");
        match self.crls() {
            Err(error) => problem(crl_path, error.to_string()),
            Ok(crls) => {
                for (index, crl) in crls.iter().enumerate() {
                    let signer = self
                        .authority()
                        .chain()
                        .iter()
                        .find(|c| c.subject == crl.issuer);
                    let reason = match signer {
                        None => Some(format!(
                            "CRL {} is issued by {}, which is not in ca_crt.pem",
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
                        problem(crl_path.clone(), reason);
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
