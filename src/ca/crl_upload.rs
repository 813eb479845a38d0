//! Loading CRLs from outside (`PUT certificate_revocation_list`), as puppetserver
//! 6.16 and later take them: for a CA under an external root (or any chain), a newer CRL of a
//! CA above this one replaces the one in the CRL chain. The CA's own CRL is the CA's to
//! write: an uploaded copy of it is left out, and every other CRL is refused (400) with the
//! reason: not parsed, issued by no certificate of the chain, signed by another key, or two
//! CRLs of one issuer with the same number. A CRL not newer than the one in the chain keeps
//! the chain's (puppetserver warns and keeps it too).
//!
//! A change is one new CRL chain, the CA's own CRL re-issued (its number grows, as every
//! change of the chain makes it), written as a revocation is; the infrastructure CRL, where
//! there is one, gets the same CRLs above its first.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::crl::Crl;
use crate::error::{Error, PolicyError};

use super::batch::Batch;
use super::Ca;

/// What [`Ca::upload_crls`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlsUploaded {
    /// The issuers (CNs) whose CRLs were replaced; empty when none was newer.
    pub replaced: Vec<String>,
}

impl Ca {
    /// Take the CRLs of `pem` into the CRL chain (see the module's documentation).
    pub fn upload_crls(&self, pem: &[u8], now: OffsetDateTime) -> Result<CrlsUploaded, Error> {
        let refuse = |reason: String| Error::from(PolicyError::CrlRefused { reason });
        if !pem
            .windows(b"-----BEGIN X509 CRL-----".len())
            .any(|window| window == b"-----BEGIN X509 CRL-----")
        {
            return Err(refuse("No valid CRLs submitted.".into()));
        }
        let incoming = Crl::chain_from_pem("the submitted CRLs", pem)
            .map_err(|error| refuse(error.to_string()))?;
        if incoming.is_empty() {
            return Err(refuse("No valid CRLs submitted.".into()));
        }
        let chain = self.authority.chain();
        for crl in &incoming {
            if !chain
                .iter()
                .any(|certificate| crl.is_signed_by(certificate))
            {
                return Err(refuse(format!(
                    "the CRL of {:?} is not issued by a certificate of this CA's chain",
                    crl.issuer_common_name
                )));
            }
        }
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let existing = batch.transaction().lock_revocations()?;
        let current = self.parse_crls(&batch.reads().crl_pem()?)?;
        let mut updated = current.clone();
        let mut replaced = Vec::new();
        for (index, crl) in current.iter().enumerate().skip(1) {
            let Some(newest) = newest(&incoming, &crl.issuer).map_err(refuse)? else {
                continue;
            };
            if newest.number.unwrap_or(0) > crl.number.unwrap_or(0) {
                updated[index] = newest.clone();
                replaced.push(crl.issuer_common_name.clone());
            } else {
                tracing::warn!(
                    "received a CRL of {} that is not newer than the one kept; keeping it",
                    crl.issuer_common_name
                );
            }
        }
        if replaced.is_empty() {
            batch.commit()?;
            return Ok(CrlsUploaded { replaced });
        }
        let inventory = batch.reads().inventory()?;
        let rendered = self.render_crls(&updated, &existing, &HashSet::new(), &inventory, now)?;
        self.record_crls(&mut batch, &[], &[], &rendered)?;
        self.upload_infra_crls(&mut batch, &updated)?;
        let event = batch
            .event_about("upload-crl", &self.authority.certificate().common_name)
            .because(&format!(
                "replaced the CRL of {}; CRL number {}",
                replaced.join(", "),
                rendered.number
            ));
        batch.audit(event);
        batch.commit()?;
        Ok(CrlsUploaded { replaced })
    }

    /// The infrastructure CRL chain with `updated`'s CRLs above its first (files only; nothing
    /// when there is no infra CRL).
    fn upload_infra_crls(&self, batch: &mut Batch<'_>, updated: &[Crl]) -> Result<(), Error> {
        let Some((pem, _)) = batch.reads().infra()?.crl else {
            return Ok(());
        };
        let infra = Crl::chain_from_pem("the infrastructure CRL", &pem)?;
        let Some(first) = infra.first() else {
            return Ok(());
        };
        let chain: String = std::iter::once(first)
            .chain(updated.iter().skip(1))
            .map(Crl::to_pem)
            .collect();
        batch
            .transaction()
            .write_infra(None, Some(chain.as_bytes()))?;
        Ok(())
    }
}

/// The CRL of `issuer` in `incoming` with the highest number; an error when two share it
/// (puppetserver: "Could not determine newest CRL.").
fn newest<'a>(incoming: &'a [Crl], issuer: &str) -> Result<Option<&'a Crl>, String> {
    let mut best: Option<&Crl> = None;
    let mut tied = false;
    for crl in incoming.iter().filter(|crl| crl.issuer == issuer) {
        match best {
            Some(kept) if kept.number == crl.number && kept.der() != crl.der() => tied = true,
            Some(kept) if kept.number >= crl.number => {}
            _ => {
                best = Some(crl);
                tied = false;
            }
        }
    }
    if tied {
        return Err("Could not determine newest CRL.".into());
    }
    Ok(best)
}
