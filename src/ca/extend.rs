//! Extending the CA before it expires (`cert extend-ca`): every certificate of the CA chain is
//! re-issued with the same keys, subjects and extensions and a new notAfter, in one store
//! transaction that keeps the old chain beside the new one and audits the change. Every
//! certificate signed before verifies under the new chain, because nothing a verifier matches
//! changes: names, keys, key identifiers ([`crate::reissue`]).
//!
//! Shapes: the one self-signed CA of `--generate` (signed with `ca_key.pem`), and a root and an
//! intermediate as `cert setup` and puppetserver make them (both signed with `root_key.pem`,
//! the intermediate never outliving the root).
//!
//! Serials. A certificate whose serial is named by the authorityKeyIdentifier of a certificate
//! it issued (puppetserver's leaves name their issuer's serial, `serial:02`) keeps it: OpenSSL
//! takes as issuer only a certificate with that serial, so a new one would orphan every such
//! leaf. Any other certificate gets a new serial from its issuer, as RFC 5280 asks: a
//! self-signed CA's from the store (the serial space its leaves use; the inventory lists it),
//! a root's certificates the one above the highest serial the root is known to have issued
//! (its own, the intermediate's, its CRL's entries). What names a serial is looked for in the
//! chain and among the signed certificates the store holds; a CA whose earlier certificates
//! are elsewhere (imported) can keep every serial instead (`keep_serials`).

use std::time::Duration;

use time::OffsetDateTime;

use crate::authority::{Authority, Validity};
use crate::certificate::{pem_chain, Certificate, Serial};
use crate::crl::Crl;
use crate::error::{Error, KeyError};
use crate::keys::PrivateKey;
use crate::reissue::reissue;
use crate::ssldir::Ssldir;
use crate::store::{Item, Read};
use crate::timestamp::format_time;

use super::batch::Batch;
use super::Ca;

/// What [`Ca::extend_ca`] did.
#[derive(Debug, Clone)]
pub struct Extended {
    /// Each certificate of the chain, issuing CA first.
    pub certificates: Vec<Reissued>,
    /// Where the old chain is kept (name it with [`crate::store::Store::locate`]).
    pub archive: Item,
}

/// One re-issued CA certificate.
#[derive(Debug, Clone)]
pub struct Reissued {
    /// The certificate it replaces.
    pub previous: Certificate,
    /// The new certificate.
    pub certificate: Certificate,
    /// How its serial was chosen.
    pub serial: SerialChoice,
}

/// How a re-issued certificate's serial was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialChoice {
    /// Kept, because the caller asked (`keep_serials`).
    Asked,
    /// Kept, because a certificate it issued refers to it by serial (the CN of the first
    /// found).
    NamedBy(String),
    /// A new serial from the issuer.
    New,
}

impl SerialChoice {
    /// From what was found naming the serial, and whether the caller asked to keep it.
    fn from(named_by: Option<String>, keep: bool) -> SerialChoice {
        match named_by {
            Some(name) => SerialChoice::NamedBy(name),
            None if keep => SerialChoice::Asked,
            None => SerialChoice::New,
        }
    }
}

impl Ca {
    /// Re-issue the CA chain with a notAfter `ttl` from `now` (`ca_ttl` when `None`); see the
    /// module docs. `keep_serials` keeps every serial, as puppetlabs-ca_extend does: for a CA
    /// whose earlier certificates the store does not hold (imported), which may name their
    /// issuer by serial. This handle keeps the old chain: open the CA again to use the new one.
    pub fn extend_ca(
        &self,
        ttl: Option<Duration>,
        keep_serials: bool,
        now: OffsetDateTime,
    ) -> Result<Extended, Error> {
        let validity = Validity::new(now, ttl.unwrap_or(self.config.ttl))?;
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let chain = parse_chain(&batch.reads().ca_chain_pem()?)?;
        let keys = self.keys();
        let ca_key = keys.ca_key()?;
        // Still the CA this node holds the key of (another process may have changed it).
        let mismatch = || {
            Error::from(KeyError::Mismatch {
                what: keys.ca_key_path().display().to_string(),
            })
        };
        match chain.first() {
            Some(first) if ca_key.matches_certificate(first.der()) => {}
            _ => return Err(mismatch()),
        }
        let (reissued, self_issued) = match chain.as_slice() {
            [ca] if ca.is_self_signed() => {
                self.reissue_self_signed(&mut batch, ca, &ca_key, validity, keep_serials)?
            }
            [intermediate, root]
                if root.is_self_signed() && intermediate.issuer == root.subject =>
            {
                let chained = Chained { intermediate, root };
                let reissued =
                    self.reissue_chained(batch.reads(), chained, validity, keep_serials)?;
                (reissued, Vec::new())
            }
            [_] => {
                return Err(unsupported(
                    "the CA certificate is not self-signed, and its issuer's key is not here"
                        .into(),
                ))
            }
            other => {
                return Err(unsupported(format!(
                    "extend-ca re-issues a self-signed CA, or a root and its intermediate; this \
                     chain has {} certificates",
                    other.len()
                )))
            }
        };
        let new_pem: String = reissued.iter().map(|r| r.certificate.to_pem()).collect();
        // The key still fits the first certificate, and the chain loads as the CA's.
        Authority::new(new_pem.as_bytes(), ca_key).map_err(|_| mismatch())?;
        let archive =
            batch
                .transaction()
                .replace_ca_chain(new_pem.as_bytes(), now, &self_issued)?;
        Ssldir::new(&self.config.ssldir).refresh_ca_certificate(new_pem.as_bytes())?;
        let archived = self.store.locate(&archive);
        for one in &reissued {
            audit_reissued(&mut batch, one, &archived);
        }
        batch.commit()?;
        Ok(Extended {
            certificates: reissued,
            archive,
        })
    }

    /// The self-signed `ca` re-issued with its key `ca_key`, and the certificates to list in
    /// the inventory (itself, when it gets a new serial from the store).
    fn reissue_self_signed(
        &self,
        batch: &mut Batch<'_>,
        ca: &Certificate,
        ca_key: &PrivateKey,
        validity: Validity,
        keep_serials: bool,
    ) -> Result<(Vec<Reissued>, Vec<Certificate>), Error> {
        let choice = SerialChoice::from(self.named_by_serial(batch.reads(), ca)?, keep_serials);
        let serial = match choice {
            SerialChoice::New => Some(batch.reserve_one()?),
            _ => ca.serial,
        };
        let certificate = reissue(ca, ca_key, required(ca, serial)?, validity)?;
        let self_issued = match choice {
            SerialChoice::New => vec![certificate.clone()],
            _ => Vec::new(),
        };
        let one = Reissued {
            previous: ca.clone(),
            certificate,
            serial: choice,
        };
        Ok((vec![one], self_issued))
    }

    /// A root and its intermediate re-issued with the root's key (`root_key.pem`), the
    /// intermediate never outliving the root; intermediate first, as in the chain. New serials
    /// follow the highest the root is known to have issued.
    fn reissue_chained(
        &self,
        reads: &dyn Read,
        Chained { intermediate, root }: Chained<'_>,
        validity: Validity,
        keep_serials: bool,
    ) -> Result<Vec<Reissued>, Error> {
        let keys = self.keys();
        let root_key = keys.root_key()?.ok_or_else(|| KeyError::Missing {
            what: keys.root_key_path().display().to_string(),
            purpose: "re-issue the root and intermediate CA certificates",
        })?;
        if !root_key.matches_certificate(root.der()) {
            return Err(KeyError::Mismatch {
                what: keys.root_key_path().display().to_string(),
            }
            .into());
        }
        let crls = self.parse_crls(&reads.crl_pem()?)?;
        let mut next = highest_issued_by(root, &[intermediate, root], &crls)
            .checked_add(1)
            .ok_or_else(|| unsupported("the root's serials are exhausted".into()))?;
        let mut choose = |named: Option<String>, current: Option<Serial>| match SerialChoice::from(
            named,
            keep_serials,
        ) {
            SerialChoice::New => {
                let serial = Serial(next);
                next += 1;
                (Some(serial), SerialChoice::New)
            }
            kept => (current, kept),
        };
        let named_root = [intermediate, root]
            .into_iter()
            .find(|c| c.authority_key_serial().is_some() && c.authority_key_serial() == root.serial)
            .map(|c| c.common_name.clone());
        let root_serial = choose(named_root, root.serial);
        let named_intermediate = self.named_by_serial(reads, intermediate)?;
        let intermediate_serial = choose(named_intermediate, intermediate.serial);
        let new_root = reissue(root, &root_key, required(root, root_serial.0)?, validity)?;
        let capped = Validity {
            not_before: validity.not_before,
            not_after: validity.not_after.min(new_root.not_after),
        };
        let new_intermediate = reissue(
            intermediate,
            &root_key,
            required(intermediate, intermediate_serial.0)?,
            capped,
        )?;
        Ok(vec![
            Reissued {
                previous: intermediate.clone(),
                certificate: new_intermediate,
                serial: intermediate_serial.1,
            },
            Reissued {
                previous: root.clone(),
                certificate: new_root,
                serial: root_serial.1,
            },
        ])
    }

    /// The CN of the first certificate in the store issued by `issuer` that names its serial
    /// in its authorityKeyIdentifier (`issuer` itself included, when self-signed).
    fn named_by_serial(
        &self,
        reads: &dyn Read,
        issuer: &Certificate,
    ) -> Result<Option<String>, Error> {
        let Some(serial) = issuer.serial else {
            return Ok(None);
        };
        if issuer.is_self_signed() && issuer.authority_key_serial() == Some(serial) {
            return Ok(Some(issuer.common_name.clone()));
        }
        for name in reads.signed_names()? {
            let Some(pem) = reads.signed(&name)? else {
                continue;
            };
            // One that does not parse is `cert check`'s to report, not a reason to stop here.
            let Ok(certificate) = Certificate::from_pem(name.as_str(), &pem) else {
                continue;
            };
            if certificate.issuer == issuer.subject
                && certificate.authority_key_serial() == Some(serial)
            {
                return Ok(Some(name.to_string()));
            }
        }
        Ok(None)
    }
}

/// A root and the intermediate it signed: the chain `cert setup` and puppetserver make.
#[derive(Clone, Copy)]
struct Chained<'a> {
    intermediate: &'a Certificate,
    root: &'a Certificate,
}

/// The CA chain as stored, each certificate parsed.
fn parse_chain(pem: &[u8]) -> Result<Vec<Certificate>, Error> {
    Ok(pem_chain("CA certificate", pem, "CERTIFICATE")?
        .iter()
        .map(|der| Certificate::from_der("CA certificate", der))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Keep the audit line of re-issuing `one`; the old chain is kept as `archived`.
fn audit_reissued(batch: &mut Batch<'_>, one: &Reissued, archived: &str) {
    let serial = match &one.serial {
        SerialChoice::Asked => "serial kept (asked)".to_owned(),
        SerialChoice::NamedBy(name) => format!("serial kept ({name} names it)"),
        SerialChoice::New => format!(
            "new serial (was {})",
            one.previous
                .serial
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
    };
    let event = batch
        .event_about("extend-ca", &one.certificate.common_name)
        .certificate(&one.certificate)
        .because(&format!(
            "re-issued with the same key, subject and extensions: notAfter {} -> {}, {serial}; the old chain is kept as {archived}",
            format_time(one.previous.not_after),
            format_time(one.certificate.not_after),
        ));
    batch.audit(event);
}

/// Why this chain cannot be extended.
fn unsupported(reason: String) -> Error {
    KeyError::Unsupported { reason }.into()
}

/// The highest serial `root` is known to have issued: its own certificate's, the chain's it
/// signed, and those its CRL lists.
fn highest_issued_by(root: &Certificate, chain: &[&Certificate], crls: &[Crl]) -> u128 {
    let in_chain = chain
        .iter()
        .filter(|c| c.issuer == root.subject)
        .filter_map(|c| c.serial.map(|s| s.0));
    let revoked = crls
        .iter()
        .filter(|crl| crl.issuer == root.subject)
        .flat_map(|crl| crl.revoked.iter().map(|r| r.serial.0));
    in_chain.chain(revoked).max().unwrap_or(0)
}

/// The serial a certificate is re-issued with (a kept serial wider than 128 bits cannot be).
fn required(certificate: &Certificate, serial: Option<Serial>) -> Result<Serial, Error> {
    serial.ok_or_else(|| {
        KeyError::Unsupported {
            reason: format!(
                "the serial of {} is wider than 128 bits",
                certificate.common_name
            ),
        }
        .into()
    })
}
