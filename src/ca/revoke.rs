//! Revoking (one new CRL per call, built by [`crate::crl`]) and cleaning, and reading the audit
//! trail. Signing is not here ([`Ca::sign`]).
//!
//! On this host (the CLI) cleaning also removes the name's files from this host's ssldir, as
//! `puppet cert --clean` did. Over HTTP (`*_over_http`, what `cert serve` calls) only what the
//! CA holds changes, as in puppetserver, and never the certificate of the host the daemon runs
//! as: its key and certificate are the daemon's own TLS identity. The one file of this host a
//! revocation writes either way is its copy of the CRL (`crl.pem`), kept in step with the CA's
//! as puppetserver keeps its `hostcrl`.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::audit::{self, Event};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::{self, Crl, Reason, Revocation};
use crate::error::{Error, PolicyError, StoreError};
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

    /// [`Ca::revoke_as`] for a client of `cert serve`: refused as a whole, with nothing
    /// changed but the audit line, when a name is this CA server's own certname.
    pub fn revoke_over_http(
        &self,
        actor: &str,
        names: &[Certname],
        reason: Reason,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Vec<Serial>>>, Error> {
        let lock = self.store.lock()?;
        self.refuse_own_certificate(actor, &lock, names, "revoke", now)?;
        self.revoke_locked(actor, &lock, names, reason, now)
    }

    /// Revoke and remove what the CA holds of each name (request, signed certificate) for a
    /// client of `cert serve`, as puppetserver's `clean`: nothing of this host's ssldir is
    /// removed. Refused as a whole, with nothing changed but the audit line, when a name is
    /// this CA server's own certname.
    pub fn clean_over_http(
        &self,
        actor: &str,
        names: &[Certname],
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
        let lock = self.store.lock()?;
        self.refuse_own_certificate(actor, &lock, names, "clean", now)?;
        self.clean_locked(actor, &lock, names, now, false)
    }

    /// [`Ca::delete`] for a client of `cert serve` (`DELETE certificate_status`): refused, with
    /// nothing changed but the audit line, for this CA server's own certname.
    pub fn delete_over_http(
        &self,
        actor: &str,
        name: &Certname,
        now: OffsetDateTime,
    ) -> Result<bool, Error> {
        let lock = self.store.lock()?;
        self.refuse_own_certificate(actor, &lock, std::slice::from_ref(name), "delete", now)?;
        let signed = self.store.delete_signed(&lock, name)?;
        let request = self.store.delete_request(&lock, name)?;
        Ok(signed || request)
    }

    /// [`PolicyError::OwnCertificate`] (audited) when `names` holds this host's certname.
    fn refuse_own_certificate(
        &self,
        actor: &str,
        lock: &Lock,
        names: &[Certname],
        action: &'static str,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
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
        let line = Event::new(now, actor, action, own)
            .refused(&error)
            .to_line();
        self.store.append_audit(lock, &line)?;
        Err(error)
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
        self.clean_locked(actor, &lock, names, now, true)
    }

    /// Clean under `lock`; this host's files of each name too when `host_files`.
    fn clean_locked(
        &self,
        actor: &str,
        lock: &Lock,
        names: &[Certname],
        now: OffsetDateTime,
        host_files: bool,
    ) -> Result<Vec<Outcome<Cleaned>>, Error> {
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
        let revoked = self.revoke_locked(actor, lock, &to_revoke, Reason::KeyCompromise, now)?;
        let mut outcomes = Vec::new();
        for name in names {
            let mut cleaned = Cleaned::default();
            if let Some((_, Ok(serials))) = revoked.iter().find(|(n, _)| n == name) {
                cleaned.revoked = serials.clone();
            }
            let signed = self.store.path("signed").join(name.file_name());
            if self.store.delete_signed(lock, name)? {
                cleaned.removed.push(signed);
            }
            let request = self.store.path("requests").join(name.file_name());
            if self.store.delete_request(lock, name)? {
                cleaned.removed.push(request);
            }
            if host_files {
                cleaned.removed.extend(ssldir.remove_host(name)?);
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
        self.store.append_audit(lock, &lines)?;
        Ok(outcomes)
    }
}
