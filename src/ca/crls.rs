//! The CRL chain the CA publishes, rendered from the revocations, and kept from lapsing.
//!
//! Every new CRL chain is rendered here ([`Ca::render_crls`]): by a revocation, by pruning,
//! and by a refresh ([`Ca::refresh_crls`]) when a CRL comes within `crl_refresh` of its
//! nextUpdate. The issuing CA's CRL gets the next number, a nextUpdate `crl_ttl` away, and
//! loses the entries of certificates that have expired (their notAfter from the inventory:
//! an expired certificate fails verification anyway, and the CRL stays small, as puppetserver
//! keeps it). The root's CRL of a chained CA is signed with `root_key.pem`: it is re-issued
//! when it is due and that key is on this node, and kept as it is otherwise (a
//! [`StaleCrl`] says when it lapses).
//!
//! A commit of any other change checks cheaply whether a CRL is due (the store's CRL version
//! against the last one looked at) and re-issues it then, in a transaction of its own; the
//! daemon also runs [`Ca::refresh_crls`] on a timer. What the CRLs hold is [`crate::crl`]'s.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::PoisonError;

use time::OffsetDateTime;

use crate::authority::Authority;
use crate::certificate::Serial;
use crate::crl::{Crl, Revocation};
use crate::error::{Error, KeyError};
use crate::ssldir::Ssldir;
use crate::store::{inventory, RenderedCrl};
use crate::timestamp::format_time;

use super::batch::Batch;
use super::Ca;

/// A new CRL chain and what went into it.
pub(super) struct Rendered {
    /// The chain, PEM, issuing CA's CRL first.
    pub(super) pem: String,
    /// The issuing CA's CRL number.
    pub(super) number: u128,
    /// Entries left out because their certificates expired.
    pub(super) dropped: Vec<Serial>,
    /// The CRLs of the chain as rendered.
    pub(super) crls: Vec<Crl>,
    /// Which CRLs (by position) were signed anew.
    pub(super) signed: Vec<usize>,
    /// CRLs due for re-issue that this node cannot sign.
    pub(super) stale: Vec<StaleCrl>,
}

/// A CRL of the chain that is due for re-issue but was kept: its issuer's key is not on this
/// node (the root's CRL of a chained CA without `root_key.pem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCrl {
    /// The issuer's CN.
    pub issuer: String,
    /// When it lapses (its nextUpdate).
    pub next_update: Option<OffsetDateTime>,
    /// The key that would re-issue it.
    pub key: PathBuf,
}

/// One CRL signed by a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCrl {
    /// The issuer's CN.
    pub issuer: String,
    /// Its CRL number.
    pub number: Option<u128>,
    /// Its nextUpdate.
    pub next_update: Option<OffsetDateTime>,
}

/// What [`Ca::refresh_crls`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrlRefresh {
    /// The CRLs signed anew (none when nothing was due).
    pub issued: Vec<IssuedCrl>,
    /// Entries dropped because their certificates expired.
    pub dropped: Vec<Serial>,
    /// Due CRLs kept because this node cannot sign them.
    pub stale: Vec<StaleCrl>,
}

impl Ca {
    /// Re-issue the CRLs of the chain that are due (within `crl_refresh` of their nextUpdate):
    /// the issuing CA's whenever any is, the root's when due and its key is here. Audited as
    /// this handle's actor; nothing is written when nothing is due.
    pub fn refresh_crls(&self, now: OffsetDateTime) -> Result<CrlRefresh, Error> {
        let mut batch = Batch::begin(self, &self.actor, now)?;
        batch.no_crl_refresh();
        let revocations = batch.transaction().lock_revocations()?;
        let current = self.parse_crls(&batch.reads().crl_pem()?)?;
        let root = self.root_authority()?;
        let lifetime = self.config.crl;
        let due = |crl: &Crl| lifetime.due(crl.next_update).is_some_and(|d| d <= now);
        let others_due = current
            .iter()
            .skip(1)
            .any(|crl| due(crl) && signer_of(crl, root.as_ref()).is_some());
        if !due(&current[0]) && !others_due {
            let stale = self.stale_crls(&current, root.as_ref(), now);
            batch.commit()?;
            return Ok(CrlRefresh {
                stale,
                ..CrlRefresh::default()
            });
        }
        let inventory = batch.reads().inventory()?;
        let rendered = self.render(
            &current,
            &revocations,
            &HashSet::new(),
            &inventory,
            root.as_ref(),
            now,
        )?;
        self.record_crls(&mut batch, &[], &[], &rendered)?;
        // The infrastructure CRL is re-issued with the CA's.
        self.refresh_infra(&mut batch, &rendered.crls, &rendered.dropped)?;
        let issued: Vec<IssuedCrl> = rendered
            .signed
            .iter()
            .map(|index| {
                let crl = &rendered.crls[*index];
                IssuedCrl {
                    issuer: crl.issuer_common_name.clone(),
                    number: crl.number,
                    next_update: crl.next_update,
                }
            })
            .collect();
        let mut event = batch
            .event_about("refresh-crl", &self.authority.certificate().common_name)
            .serials(&rendered.dropped);
        event = event.because(&format!(
            "re-issued {}; {} expired entr{} dropped",
            issued
                .iter()
                .map(|c| format!(
                    "the CRL of {} (number {}, next update {})",
                    c.issuer,
                    c.number.unwrap_or(0),
                    c.next_update.map(format_time).unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", "),
            rendered.dropped.len(),
            if rendered.dropped.len() == 1 {
                "y"
            } else {
                "ies"
            }
        ));
        batch.audit(event);
        batch.commit()?;
        Ok(CrlRefresh {
            issued,
            dropped: rendered.dropped,
            stale: rendered.stale,
        })
    }

    /// Re-issue the CRLs when one is due, in a transaction of its own (what a commit of any
    /// other change does, [`Batch::commit`]).
    pub(super) fn refresh_crls_if_due(
        &self,
        now: OffsetDateTime,
    ) -> Result<Option<CrlRefresh>, Error> {
        if self.next_crl_refresh()?.is_some_and(|due| due <= now) {
            Ok(Some(self.refresh_crls(now)?))
        } else {
            Ok(None)
        }
    }

    /// When a CRL of the chain that this node can sign is next due for re-issue (`None`: none
    /// ever is, no nextUpdate). Cheap: the store's CRL version is compared with the one last
    /// looked at, and the chain parsed only when it changed.
    pub fn next_crl_refresh(&self) -> Result<Option<OffsetDateTime>, Error> {
        let version = self.store.crl_version()?;
        let cached = *self.crl_due.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((seen, due)) = cached {
            if seen == version {
                return Ok(due);
            }
        }
        let crls = self.crls()?;
        let root_key = self.keys().root_key_path().is_file();
        let lifetime = self.config.crl;
        let due = crls
            .iter()
            .enumerate()
            .filter(|(index, _)| *index == 0 || root_key)
            .filter_map(|(_, crl)| lifetime.due(crl.next_update))
            .min();
        *self.crl_due.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, due));
        Ok(due)
    }

    /// The CRL chain for `revocations` (the issuing CA's, in order) at `now`, from the
    /// `current` chain: the issuing CA's CRL numbered above the current one, valid for
    /// `crl_ttl`, without the entries whose certificates expired before `now` (by the
    /// `inventory`'s notAfter; entries in `keep` always stay); every other CRL re-signed when
    /// it is due and its key is here, kept as it is otherwise.
    /// Record a CRL chain `rendered` from the revocations in `batch`: the revocations `added`
    /// and `removed` (besides those rendering dropped, whose certificates expired) with it, and
    /// this host's copy of the CRL kept in step. The one way a new CRL chain is stored.
    pub(super) fn record_crls(
        &self,
        batch: &mut Batch<'_>,
        added: &[Revocation],
        removed: &[Serial],
        rendered: &Rendered,
    ) -> Result<(), Error> {
        let crl = RenderedCrl {
            pem: rendered.pem.as_bytes(),
            number: rendered.number,
        };
        let mut gone: Vec<Serial> = removed.to_vec();
        gone.extend(
            rendered
                .dropped
                .iter()
                .filter(|serial| !removed.contains(serial)),
        );
        if gone.is_empty() {
            batch.transaction().record_revocations(added, &crl)?;
        } else {
            batch
                .transaction()
                .replace_revocations(added, &gone, &crl)?;
        }
        // puppetserver keeps this host's CRL (`hostcrl`, what its TLS layer checks clients
        // against) in step with the CA's; a stale copy would let revoked agents connect.
        Ssldir::new(&self.config.ssldir).refresh_crl(rendered.pem.as_bytes())?;
        Ok(())
    }

    pub(super) fn render_crls(
        &self,
        current: &[Crl],
        revocations: &[Revocation],
        keep: &HashSet<Serial>,
        inventory: &[inventory::Line],
        now: OffsetDateTime,
    ) -> Result<Rendered, Error> {
        // The root's key is read only when its CRL needs it.
        let lifetime = self.config.crl;
        let root_due = current
            .iter()
            .skip(1)
            .any(|crl| lifetime.due(crl.next_update).is_some_and(|d| d <= now));
        let root = if root_due {
            self.root_authority()?
        } else {
            None
        };
        self.render(current, revocations, keep, inventory, root.as_ref(), now)
    }

    fn render(
        &self,
        current: &[Crl],
        revocations: &[Revocation],
        keep: &HashSet<Serial>,
        inventory: &[inventory::Line],
        root: Option<&Authority>,
        now: OffsetDateTime,
    ) -> Result<Rendered, Error> {
        let lifetime = self.config.crl;
        let expiry: HashMap<Serial, OffsetDateTime> = inventory
            .iter()
            .map(|line| (line.serial, line.not_after))
            .collect();
        let mut dropped = Vec::new();
        let mut entries = Vec::with_capacity(revocations.len());
        for revocation in revocations {
            let expired = expiry
                .get(&revocation.serial)
                .is_some_and(|not_after| *not_after < now);
            if expired && !keep.contains(&revocation.serial) {
                dropped.push(revocation.serial);
            } else {
                entries.push(*revocation);
            }
        }
        let number = current[0].number.unwrap_or(0) + 1;
        let mut crls = current.to_vec();
        crls[0] = Crl::sign(&self.authority, number, now, lifetime.ttl(), &entries)?;
        let mut signed = vec![0];
        let mut stale = Vec::new();
        for (index, crl) in current.iter().enumerate().skip(1) {
            let due = lifetime.due(crl.next_update).is_some_and(|d| d <= now);
            if !due {
                continue;
            }
            match signer_of(crl, root) {
                Some(signer) => {
                    let number = crl.number.unwrap_or(0) + 1;
                    crls[index] = Crl::sign(signer, number, now, lifetime.ttl(), &crl.revoked)?;
                    signed.push(index);
                }
                None => stale.push(self.stale(crl)),
            }
        }
        let pem = crls.iter().map(Crl::to_pem).collect();
        Ok(Rendered {
            pem,
            number,
            dropped,
            crls,
            signed,
            stale,
        })
    }

    /// The CRLs of `current` past the first that are due and that this node cannot sign.
    fn stale_crls(
        &self,
        current: &[Crl],
        root: Option<&Authority>,
        now: OffsetDateTime,
    ) -> Vec<StaleCrl> {
        let lifetime = self.config.crl;
        current
            .iter()
            .skip(1)
            .filter(|crl| lifetime.due(crl.next_update).is_some_and(|d| d <= now))
            .filter(|crl| signer_of(crl, root).is_none())
            .map(|crl| self.stale(crl))
            .collect()
    }

    fn stale(&self, crl: &Crl) -> StaleCrl {
        StaleCrl {
            issuer: crl.issuer_common_name.clone(),
            next_update: crl.next_update,
            key: self.keys().root_key_path(),
        }
    }

    /// The root CA of a chained CA with its key, when this node has `root_key.pem`; a key that
    /// is not the root certificate's is an error.
    pub(super) fn root_authority(&self) -> Result<Option<Authority>, Error> {
        let chain = self.authority.chain();
        if chain.len() < 2 {
            return Ok(None);
        }
        let keys = self.keys();
        let Some(key) = keys.root_key()? else {
            return Ok(None);
        };
        let pem: String = chain[1..].iter().map(|c| c.to_pem()).collect();
        Authority::new(pem.as_bytes(), key)
            .map(Some)
            .map_err(|error| match error {
                Error::Key(KeyError::Mismatch { .. }) => Error::Key(KeyError::Mismatch {
                    what: keys.root_key_path().display().to_string(),
                }),
                other => other,
            })
    }
}

/// The authority that signs `crl`, when it is `root`.
fn signer_of<'a>(crl: &Crl, root: Option<&'a Authority>) -> Option<&'a Authority> {
    root.filter(|root| root.certificate().subject == crl.issuer)
}
