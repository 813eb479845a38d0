//! Revoking (one new CRL per call, built by [`crate::crl`]) and cleaning, and reading the audit
//! trail. Signing is not here ([`Ca::sign`]).

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::audit::{self, Event};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::{self, Crl, Reason, Revocation};
use crate::error::{Error, StoreError};
use crate::ssldir::Ssldir;
use crate::store::Lock;

use super::{Ca, Cleaned, Outcome};

impl Ca {
    /// Revoke every certificate issued to each of `names` (found through `signed/` and the
    /// inventory) in one new CRL.
    pub fn revoke(
        &self,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        self.revoke_as(&self.actor, names, reason, now)
    }

    /// [`Ca::revoke`] on behalf of `actor`.
    pub fn revoke_as(
        &self,
        actor: &str,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        let lock = self.store.lock()?;
        self.revoke_locked(actor, &lock, names, reason, now)
    }

    pub(super) fn revoke_locked(
        &self,
        actor: &str,
        lock: &Lock,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        let mut crls = self.crls()?;
        let current = &crls[0];
        let already: HashSet<Serial> = current.revoked.iter().map(|r| r.serial).collect();
        let inventory = self.store.inventory()?;
        let mut outcomes = Vec::new();
        let mut new_entries = Vec::new();
        for name in names {
            let mut serials: Vec<Serial> = inventory
                .iter()
                .filter(|line| line.common_name() == Some(name.as_str()))
                .map(|line| line.serial)
                .collect();
            if let Some(pem) = self.store.signed(name)? {
                let cert = Certificate::from_pem(name.as_str(), &pem)?;
                if cert.issuer == self.authority.certificate().subject {
                    serials.extend(cert.serial);
                }
            }
            serials.sort();
            serials.dedup();
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
            let mut revoked = current.revoked.clone();
            revoked.extend(new_entries);
            let number = current.number.unwrap_or(0) + 1;
            let crl = Crl::sign(
                &self.authority,
                number,
                now,
                crl::DEFAULT_NEXT_UPDATE,
                &revoked,
            )?;
            crls[0] = crl;
            let pem: String = crls.iter().map(Crl::to_pem).collect();
            self.store.write_crl(lock, pem.as_bytes())?;
            // puppetserver keeps this host's CRL (`hostcrl`, what its TLS layer checks clients
            // against) in step with the CA's; a stale copy would let revoked agents connect.
            Ssldir::new(&self.config.ssldir).refresh_crl(pem.as_bytes())?;
        }
        let lines: String = outcomes
            .iter()
            .map(|(name, result)| {
                let event = Event::new(now, actor, "revoke", name);
                match result {
                    Ok(serials) if serials.is_empty() => event.because("already revoked").to_line(),
                    Ok(serials) => event
                        .serials(serials)
                        .because(&reason.to_string())
                        .to_line(),
                    Err(error) => event.refused(error).to_line(),
                }
            })
            .collect();
        self.store.append_audit(lock, &lines)?;
        Ok(outcomes)
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<Event>, Error> {
        Ok(audit::parse(&self.store.audit()?))
    }

    /// Revoke (when signed) and remove everything of each name: request, signed certificate, and
    /// on this host its key and certificate files.
    pub fn clean(
        &self,
        names: &[Certname],
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        self.clean_as(&self.actor, names, now)
    }

    /// [`Ca::clean`] on behalf of `actor`.
    pub fn clean_as(
        &self,
        actor: &str,
        names: &[Certname],
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        let lock = self.store.lock()?;
        let ssldir = Ssldir::new(&self.config.ssldir);
        let mut to_revoke = Vec::new();
        for name in names {
            if self.store.signed(name)?.is_some()
                || self
                    .store
                    .inventory()?
                    .iter()
                    .any(|l| l.common_name() == Some(name.as_str()))
            {
                to_revoke.push(name.clone());
            }
        }
        let revoked = self.revoke_locked(actor, &lock, &to_revoke, Reason::KeyCompromise, now)?;
        let mut outcomes = Vec::new();
        for name in names {
            let mut cleaned = Cleaned::default();
            if let Some((_, Ok(serials))) = revoked.iter().find(|(n, _)| n == name) {
                cleaned.revoked = serials.clone();
            }
            let signed = self.store.path("signed").join(name.file_name());
            if self.store.delete_signed(&lock, name)? {
                cleaned.removed.push(signed);
            }
            let request = self.store.path("requests").join(name.file_name());
            if self.store.delete_request(&lock, name)? {
                cleaned.removed.push(request);
            }
            cleaned.removed.extend(ssldir.remove_host(name)?);
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
        let lines: String = outcomes
            .iter()
            .map(|(name, result)| {
                let event = Event::new(now, actor, "clean", name);
                match result {
                    Ok(cleaned) => event
                        .serials(&cleaned.revoked)
                        .because(&format!("{} file(s) removed", cleaned.removed.len())),
                    Err(error) => event.refused(error),
                }
                .to_line()
            })
            .collect();
        self.store.append_audit(&lock, &lines)?;
        Ok(outcomes)
    }
}
