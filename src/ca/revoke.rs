//! Revoking (the revocations are the store's data; one new CRL chain rendered from them by
//! [`crate::crl`] per call) and cleaning, and reading the audit trail. Signing is not here ([`Ca::sign`]).
//!
//! On this host (the CLI) cleaning also removes the name's files from this host's ssldir, as
//! `puppet cert --clean` did. Over HTTP (`*_over_http`, what `cert serve` calls) only what the
//! CA holds changes, as in puppetserver, and never the certificate of the host the daemon runs
//! as: its key and certificate are the daemon's own TLS identity. The one file of this host a
//! revocation writes either way is its copy of the CRL (`crl.pem`), kept in step with the CA's
//! as puppetserver keeps its `hostcrl`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::{Reason, Revocation};
use crate::error::{Error, PolicyError, StoreError};
use crate::ssldir::Ssldir;
use crate::store::{inventory, Item, Read};

use super::batch::Batch;
use super::{Actor, Ca, Outcome};

/// What `clean` did for a name.
#[derive(Debug, Clone, Default)]
pub struct Cleaned {
    /// Serials revoked.
    pub revoked: Vec<Serial>,
    /// What was removed, in order.
    pub removed: Vec<Removed>,
}

/// One thing `clean` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// A file of this host's ssldir.
    HostFile(PathBuf),
    /// Something of the store (name it with [`crate::store::Store::locate`]).
    Stored(Item),
}

impl Ca {
    /// Revoke every certificate issued to each of `names` (found through its signed
    /// certificate and the inventory) in one new CRL, on behalf of this handle's actor.
    pub fn revoke(
        &self,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        self.revoke_by(&Actor::local(self.actor.clone()), names, reason, now)
    }

    /// [`Ca::revoke`] on behalf of `actor`; a remote one is refused as a whole, with nothing
    /// changed but the audit line, when a name is this CA server's own certname.
    pub fn revoke_by(
        &self,
        actor: &Actor,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        self.refuse_own_certificate(actor, names, "revoke", now)?;
        let mut batch = Batch::begin(self, actor.name(), now)?;
        let outcomes = self.revoke_in(&mut batch, names, reason)?;
        batch.commit()?;
        Ok(outcomes)
    }

    /// Revoke in `batch`: the new revocations recorded with the CRL chain rendered from all of
    /// them ([`Ca::render_crls`]: entries of expired certificates dropped, the root's CRL of a
    /// chained CA re-issued only when due), and an audit line per name.
    fn revoke_in(
        &self,
        batch: &mut Batch<'_>,
        names: &[Certname],
        reason: Reason,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        let now = batch.now();
        let existing = batch.transaction().lock_revocations()?;
        let already: HashSet<Serial> = existing.iter().map(|r| r.serial).collect();
        let inventory = batch.reads().inventory()?;
        let mut outcomes = Vec::new();
        let mut new_entries = Vec::new();
        for (name, serials) in self.serials_of(batch.reads(), names, &inventory)? {
            if serials.is_empty() {
                outcomes.push((
                    name.clone(),
                    Err(StoreError::NotFound {
                        what: "a serial number",
                        name: name.to_string(),
                    }
                    .into()),
                ));
                continue;
            }
            let fresh: Vec<Serial> = serials
                .into_iter()
                .filter(|s| {
                    !already.contains(s) && !new_entries.iter().any(|r: &Revocation| r.serial == *s)
                })
                .collect();
            for serial in &fresh {
                new_entries.push(Revocation {
                    serial: *serial,
                    time: now,
                    reason: Some(reason),
                });
            }
            outcomes.push((name.clone(), Ok(fresh)));
        }
        if !new_entries.is_empty() {
            let current = self.parse_crls(&batch.reads().crl_pem()?)?;
            let mut revoked = existing;
            revoked.extend(new_entries.iter().copied());
            // What is revoked now stays listed, even a certificate that has expired.
            let keep: HashSet<Serial> = new_entries.iter().map(|r| r.serial).collect();
            let rendered = self.render_crls(&current, &revoked, &keep, &inventory, now)?;
            self.record_crls(batch, &new_entries, &[], &rendered)?;
            // An infrastructure node's revocation goes into the infrastructure CRL too.
            self.revoke_infra(batch, &new_entries, &inventory, &rendered.crls)?;
        }
        for (name, result) in &outcomes {
            let event = batch.event("revoke", name);
            batch.audit(match result {
                Ok(serials) if serials.is_empty() => event.because("already revoked"),
                Ok(serials) => event.serials(serials).because(&reason.to_string()),
                Err(error) => event.refused(error),
            });
        }
        Ok(outcomes)
    }

    /// The serials this CA issued to each of `names`: its inventory lines (`inventory`), and
    /// its current certificate when this CA issued it (a certificate of an earlier CA has a
    /// serial of another numbering, which may be a different certificate's here). The
    /// certificates are read at once; sorted, each serial once.
    pub(super) fn serials_of(
        &self,
        store: &dyn Read,
        names: &[Certname],
        inventory: &[inventory::Line],
    ) -> Result<Vec<(Certname, Vec<Serial>)>, Error> {
        let mut signed: HashMap<Certname, Vec<u8>> =
            store.signed_many(names)?.into_iter().collect();
        let issuer = &self.authority.certificate().subject;
        names
            .iter()
            .map(|name| {
                let mut serials: Vec<Serial> = inventory
                    .iter()
                    .filter(|line| line.common_name() == Some(name.as_str()))
                    .map(|line| line.serial)
                    .collect();
                if let Some(pem) = signed.remove(name) {
                    let cert = Certificate::from_pem(name.as_str(), &pem)?;
                    if &cert.issuer == issuer {
                        serials.extend(cert.serial);
                    }
                }
                serials.sort();
                serials.dedup();
                Ok((name.clone(), serials))
            })
            .collect()
    }

    /// [`PolicyError::OwnCertificate`] (audited) when a remote `actor` names this host's
    /// certname among `names`. The certname is configuration, so checking it before the
    /// change's own transaction is safe.
    pub(super) fn refuse_own_certificate(
        &self,
        actor: &Actor,
        names: &[Certname],
        action: &'static str,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        if !actor.is_remote() {
            return Ok(());
        }
        let Some(own) = names.iter().find(|n| n.as_str() == self.config.certname) else {
            return Ok(());
        };
        let error: Error = PolicyError::OwnCertificate {
            name: own.to_string(),
            action: match action {
                "revoke" => "revoked",
                "clean" => "cleaned",
                _ => "deleted",
            },
        }
        .into();
        let mut batch = Batch::begin(self, actor.name(), now)?;
        let event = batch.event(action, own).refused(&error);
        batch.audit(event);
        batch.commit()?;
        Err(error)
    }

    /// Revoke (when signed) and remove everything of each name: request, signed certificate, and
    /// on this host its key and certificate files; on behalf of this handle's actor.
    pub fn clean(
        &self,
        names: &[Certname],
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        self.clean_by(&Actor::local(self.actor.clone()), names, now)
    }

    /// [`Ca::clean`] on behalf of `actor`. A remote one (puppetserver's `clean`) removes what
    /// the CA holds of each name and nothing of this host's files, and is refused as a whole,
    /// with nothing changed but the audit line, when a name is this CA server's own certname.
    pub fn clean_by(
        &self,
        actor: &Actor,
        names: &[Certname],
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        self.refuse_own_certificate(actor, names, "clean", now)?;
        self.clean_with(actor.name(), names, now, !actor.is_remote())
    }

    /// Clean in one batch; this host's files of each name too when `host_files`.
    fn clean_with(
        &self,
        actor: &str,
        names: &[Certname],
        now: OffsetDateTime,
        host_files: bool,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        let mut batch = Batch::begin(self, actor, now)?;
        batch.claim(names)?;
        let ssldir = Ssldir::new(&self.config.ssldir);
        // What the names have, read at once (the claims keep it so until the commit).
        let signed: HashSet<Certname> = batch
            .reads()
            .signed_many(names)?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let queued: HashSet<Certname> = batch
            .reads()
            .requests_many(names)?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let inventory = batch.reads().inventory()?;
        let to_revoke: Vec<Certname> = names
            .iter()
            .filter(|name| {
                signed.contains(*name)
                    || inventory
                        .iter()
                        .any(|l| l.common_name() == Some(name.as_str()))
            })
            .cloned()
            .collect();
        let revoked = self.revoke_in(&mut batch, &to_revoke, Reason::KeyCompromise)?;
        // The revocations are audited before anything is removed.
        batch.write_audit()?;
        let removed = batch.transaction().delete_signed_many(names)?;
        let requests: Vec<Certname> = names
            .iter()
            .filter(|name| queued.contains(*name))
            .cloned()
            .collect();
        batch.transaction().delete_requests(&requests)?;
        let mut outcomes = Vec::new();
        for (name, removed) in names.iter().zip(removed) {
            let mut cleaned = Cleaned::default();
            if let Some((_, Ok(serials))) = revoked.iter().find(|(n, _)| n == name) {
                cleaned.revoked = serials.clone();
            }
            if removed {
                cleaned
                    .removed
                    .push(Removed::Stored(Item::Signed(name.clone())));
            }
            if queued.contains(name) {
                cleaned
                    .removed
                    .push(Removed::Stored(Item::Request(name.clone())));
            }
            if host_files {
                let removed = ssldir.remove_host(name)?;
                cleaned
                    .removed
                    .extend(removed.into_iter().map(Removed::HostFile));
            }
            let known = !cleaned.removed.is_empty() || to_revoke.contains(name);
            if known {
                outcomes.push((name.clone(), Ok(cleaned)));
            } else {
                outcomes.push((
                    name.clone(),
                    Err(StoreError::NotFound {
                        what: "a certificate or request",
                        name: name.to_string(),
                    }
                    .into()),
                ));
            }
        }
        for (name, result) in &outcomes {
            let event = batch.event("clean", name);
            batch.audit(match result {
                Ok(cleaned) => event
                    .serials(&cleaned.revoked)
                    .because(&format!("{} file(s) removed", cleaned.removed.len())),
                Err(error) => event.refused(error),
            });
        }
        batch.commit()?;
        Ok(outcomes)
    }
}
