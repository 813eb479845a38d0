//! puppetserver's infrastructure CRL: a second CRL chain, `infra_crl.pem`, whose
//! first CRL lists only the revoked certificates of the infrastructure nodes an administrator
//! names in `infra_inventory.txt` (masters, compilers, balancers), so that a large fleet
//! downloads a few entries instead of every revoked agent. As in puppetserver 8:
//! - [`Ca::enable_infra_crl`] is `puppetserver ca enable --infracrl`: with
//!   `infra_inventory.txt` in place and no `infra_crl.pem` yet, it writes an empty infra CRL
//!   signed by the issuing CA, followed by the rest of the CA's CRL chain (the root's), and
//!   `infra_serials` (the serials of the listed nodes' certificates, decimal, one a line);
//! - a revocation that takes a listed node's certificate (by the inventory and the signed
//!   certificate, as puppetserver finds them) adds it to the infra CRL too, numbered above
//!   the last ([`Ca::revoke_infra`], called by the revocation itself);
//! - with `enable-infra-crl` in ca.conf, agents get the infra chain from
//!   `certificate_revocation_list/ca` ([`Ca::published_crl`]).
//!
//! The files live in a CA directory only; a database store refuses them.

use std::collections::HashSet;
use std::time::SystemTime;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::crl::{Crl, Revocation};
use crate::error::{Error, StoreError};
use crate::store::{inventory, Published, Read};

use super::batch::Batch;
use super::Ca;

/// What [`Ca::enable_infra_crl`] set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfraEnabled {
    /// The infrastructure nodes listed in `infra_inventory.txt`.
    pub names: Vec<String>,
    /// The serials of their certificates (`infra_serials`).
    pub serials: Vec<Serial>,
}

impl Ca {
    /// Set up the infrastructure CRL files, as `puppetserver ca enable --infracrl` does;
    /// refused without `infra_inventory.txt` and when `infra_crl.pem` exists.
    pub fn enable_infra_crl(&self, now: OffsetDateTime) -> Result<InfraEnabled, Error> {
        self.infra_store()?;
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let infra = batch.reads().infra()?;
        let Some(names) = infra.names else {
            return Err(StoreError::NotFound {
                what: "infra_inventory.txt (the certnames of the infrastructure nodes)",
                name: self.store.location().to_string(),
            }
            .into());
        };
        if infra.crl.is_some() {
            return Err(StoreError::AlreadyExists {
                what: format!("the infrastructure CRL of {}", self.store.location()),
            }
            .into());
        }
        let inventory = batch.reads().inventory()?;
        let serials = infra_serials(batch.reads(), &names, &inventory)?;
        let current = self.parse_crls(&batch.reads().crl_pem()?)?;
        let mut chain = current;
        chain[0] = Crl::sign(&self.authority, 0, now, self.config.crl.ttl(), &[])?;
        let pem: String = chain.iter().map(Crl::to_pem).collect();
        batch
            .transaction()
            .write_infra(Some(&serials), Some(pem.as_bytes()))?;
        let event = batch
            .event_about("enable-infracrl", &self.authority.certificate().common_name)
            .serials(&serials)
            .because(&format!(
                "{} infrastructure node{}",
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            ));
        batch.audit(event);
        batch.commit()?;
        Ok(InfraEnabled { names, serials })
    }

    /// In a revocation's `batch`: when the infra CRL exists and `added` takes certificates of
    /// the listed nodes, add them to it (one new infra CRL, its number above the last) and
    /// rewrite `infra_serials`. Nothing otherwise, and nothing on a store without these files.
    pub(super) fn revoke_infra(
        &self,
        batch: &mut Batch<'_>,
        added: &[Revocation],
        inventory: &[inventory::Line],
        main: &[Crl],
    ) -> Result<(), Error> {
        let infra = batch.reads().infra()?;
        let (Some(names), Some((pem, _))) = (infra.names, infra.crl) else {
            return Ok(());
        };
        let serials = infra_serials(batch.reads(), &names, inventory)?;
        let wanted: HashSet<Serial> = serials.iter().copied().collect();
        let what = format!("the infrastructure CRL of {}", self.store.location());
        let chain = Crl::chain_from_pem(&what, &pem)?;
        let Some(first) = chain.first() else {
            return Err(StoreError::Corrupt {
                what,
                reason: "it holds no CRL".into(),
            }
            .into());
        };
        let listed: HashSet<Serial> = first.revoked.iter().map(|r| r.serial).collect();
        let fresh: Vec<Revocation> = added
            .iter()
            .filter(|r| wanted.contains(&r.serial) && !listed.contains(&r.serial))
            .copied()
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut revoked = first.revoked.clone();
        revoked.extend(fresh.iter().copied());
        let number = self.reissue_infra(batch, first, &revoked, main, Some(&serials))?;
        let fresh_serials: Vec<Serial> = fresh.iter().map(|r| r.serial).collect();
        let event = batch
            .event_about("revoke-infra", &self.authority.certificate().common_name)
            .serials(&fresh_serials)
            .because(&format!("infrastructure CRL number {number}"));
        batch.audit(event);
        Ok(())
    }

    /// In a CRL refresh's `batch` (the CA's chain just re-issued as `main`, `dropped` the
    /// entries of expired certificates it left out): re-issue the infra CRL too, so that it
    /// never lapses before the CA's (puppetserver re-issues both within 30 days of their
    /// nextUpdate); nothing without one.
    pub(super) fn refresh_infra(
        &self,
        batch: &mut Batch<'_>,
        main: &[Crl],
        dropped: &[Serial],
    ) -> Result<(), Error> {
        let Some((pem, _)) = batch.reads().infra()?.crl else {
            return Ok(());
        };
        let what = format!("the infrastructure CRL of {}", self.store.location());
        let chain = Crl::chain_from_pem(&what, &pem)?;
        let Some(first) = chain.first() else {
            return Ok(());
        };
        let revoked: Vec<Revocation> = first
            .revoked
            .iter()
            .filter(|r| !dropped.contains(&r.serial))
            .copied()
            .collect();
        self.reissue_infra(batch, first, &revoked, main, None)?;
        Ok(())
    }

    /// In `batch`: the infra CRL after `previous` (its number one above), listing `revoked`,
    /// above the rest of the CA's chain `main`, written with `serials` as `infra_serials` when
    /// given; its number.
    fn reissue_infra(
        &self,
        batch: &mut Batch<'_>,
        previous: &Crl,
        revoked: &[Revocation],
        main: &[Crl],
        serials: Option<&[Serial]>,
    ) -> Result<u128, Error> {
        let number = previous.number.unwrap_or(0) + 1;
        let next = Crl::sign(
            &self.authority,
            number,
            batch.now(),
            self.config.crl.ttl(),
            revoked,
        )?;
        let pem = with_rest(&next, main);
        batch
            .transaction()
            .write_infra(serials, Some(pem.as_bytes()))?;
        Ok(number)
    }

    /// The CRL chain agents get from `certificate_revocation_list/ca`, with when it last
    /// changed: the infra CRL when `enable-infra-crl` is on and it exists, else the CA's.
    pub fn published_crl(&self) -> Result<(Vec<u8>, Option<SystemTime>), Error> {
        if self.config.infra_crl {
            if let Some((pem, modified)) = self.store.infra()?.crl {
                return Ok((pem, Some(modified)));
            }
        }
        let modified = self.store.last_modified(Published::Crl).ok();
        Ok((self.store.crl_pem()?, modified))
    }

    /// When the published CRL chain last changed (see [`Ca::published_crl`]), without reading
    /// it.
    pub fn published_crl_modified(&self) -> Option<SystemTime> {
        if self.config.infra_crl {
            if let Ok(infra) = self.store.infra() {
                if let Some((_, modified)) = infra.crl {
                    return Some(modified);
                }
            }
        }
        self.store.last_modified(Published::Crl).ok()
    }

    /// What is wrong with `enable-infra-crl` being on, when something is: the store keeps no
    /// infra CRL, or there is none yet (then agents get the CA's whole CRL, and puppetserver
    /// would refuse to start).
    pub fn infra_crl_problem(&self) -> Option<String> {
        if !self.config.infra_crl {
            return None;
        }
        if let Err(error) = self.infra_store() {
            return Some(format!("enable-infra-crl is on, but {error}"));
        }
        match self.store.infra() {
            Ok(infra) if infra.crl.is_some() => None,
            Ok(_) => Some(format!(
                "enable-infra-crl is on, but {} has no infra_crl.pem: agents get the whole CRL \
                 until `cert enable --infracrl` makes it",
                self.store.location()
            )),
            Err(error) => Some(format!("enable-infra-crl is on, but {error}")),
        }
    }

    /// Refuse a store that does not keep the infra CRL's files.
    fn infra_store(&self) -> Result<(), Error> {
        if self.store.keeps_infrastructure_crl() {
            return Ok(());
        }
        Err(StoreError::Unsupported {
            store: self.store.location().to_string(),
            what: "the infrastructure CRL (infra_crl.pem is kept in a CA directory only)",
        }
        .into())
    }
}

/// The infra chain: its own CRL `first`, then the CRLs above the CA's in `main` (the CA's
/// chain as just written, so that a re-issued root CRL reaches both).
fn with_rest(first: &Crl, main: &[Crl]) -> String {
    std::iter::once(first)
        .chain(main.iter().skip(1))
        .map(Crl::to_pem)
        .collect()
}

/// The serials of the certificates of `names`: every inventory line of each name, and its
/// signed certificate's (puppetserver's `extract-active-infra-serials`); sorted, once each.
fn infra_serials(
    reads: &dyn Read,
    names: &[String],
    inventory: &[inventory::Line],
) -> Result<Vec<Serial>, Error> {
    let mut serials: Vec<Serial> = inventory
        .iter()
        .filter(|line| {
            line.common_name()
                .is_some_and(|cn| names.iter().any(|n| n == cn))
        })
        .map(|line| line.serial)
        .collect();
    for name in names {
        let Ok(certname) = crate::certname::Certname::parse(name) else {
            continue;
        };
        if let Some(pem) = reads.signed(&certname)? {
            serials.extend(Certificate::from_pem(name, &pem)?.serial);
        }
    }
    serials.sort();
    serials.dedup();
    Ok(serials)
}
