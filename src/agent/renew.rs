//! Keeping a certificate the host already has: adopt it while it is valid for longer than
//! `renew_before`, else renew it — through the CA's `certificate_renewal` (same key, the current
//! certificate as the client certificate), or, where the CA has none, with a new key and CSR
//! kept in `renewal/` until the CA signs them. The current key and certificate stay in place
//! until their replacement verified.
//!
//! It does not check certificates itself (the agent's `trust` module does) nor speak HTTP (the
//! `api` module).

use std::time::Duration;

use time::OffsetDateTime;

use crate::certificate::Certificate;
use crate::error::{AgentError, Error};
use crate::keys::PrivateKey;

use super::api::Renewal;
use super::progress::{date, Progress};
use super::trust::Anchors;
use super::Agent;

/// Whether a certificate valid until `not_after` should be renewed at `now`.
pub fn renewal_due(not_after: OffsetDateTime, now: OffsetDateTime, before: Duration) -> bool {
    not_after - now <= before
}

impl Agent {
    /// Keep `cert` (already checked) or renew it when it is due. Whether a new certificate
    /// was written.
    pub(super) fn keep_or_renew(
        &self,
        anchors: &Anchors,
        key: &PrivateKey,
        cert: &Certificate,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<bool, Error> {
        let now = OffsetDateTime::now_utc();
        if !renewal_due(cert.not_after, now, self.config.renew_before) {
            progress(Progress::Adopted {
                not_after: date(cert.not_after),
            });
            return Ok(false);
        }
        progress(Progress::Renewing {
            not_after: date(cert.not_after),
        });
        // A renewal by fresh enrolment already under way continues; otherwise the CA's
        // certificate_renewal first, a new key and CSR when it has none.
        if self
            .ssldir
            .renewal_request(&self.config.certname)?
            .is_some()
        {
            return self.reenroll(anchors, key, progress);
        }
        match self.renew(anchors, key, cert, progress)? {
            true => Ok(true),
            false => self.reenroll(anchors, key, progress),
        }
    }

    /// `POST certificate_renewal` with the current certificate as the client certificate.
    /// `Ok(false)` when the CA does not offer it (the certificate is kept).
    fn renew(
        &self,
        anchors: &Anchors,
        key: &PrivateKey,
        current: &Certificate,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<bool, Error> {
        let trust = anchors.trust_as(key, current)?;
        match self.renew_certificate(&trust)? {
            Renewal::Renewed(cert) => {
                let what = format!("renewed by {}", self.server());
                anchors.check(&self.config.certname, &what, &cert, key)?;
                self.store(key, &cert, progress)?;
                Ok(true)
            }
            Renewal::Unavailable(reason) => {
                progress(Progress::RenewalUnavailable { reason });
                Ok(false)
            }
        }
    }

    /// Renewal where the CA has no `certificate_renewal`: a new key (kept in `renewal/`) and a
    /// CSR for it, submitted as a fresh enrolment. The current key and certificate stay in
    /// place until the CA signs the new request; the CA needs `allow_duplicate_certs` for
    /// that, else it refuses. One look for the certificate per run, not `waitforcert`: the
    /// host still has a valid certificate, and the loop must keep the CRL fresh meanwhile.
    fn reenroll(
        &self,
        anchors: &Anchors,
        current_key: &PrivateKey,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<bool, Error> {
        let name = &self.config.certname;
        let key = match self.ssldir.renewal_key(name)? {
            Some(pem) => {
                let what = self.ssldir.renewal_key_path(name).display().to_string();
                PrivateKey::from_pem(&what, &pem)?
            }
            None => {
                let key = PrivateKey::generate(self.config.key)?;
                self.ssldir.write_renewal_key(name, &key.to_pem()?)?;
                progress(Progress::key_created(&key));
                key
            }
        };
        let trust = anchors.trust();
        if self.ssldir.renewal_request(name)?.is_none() {
            let pem = self.csr(&key)?.to_pem();
            match self.submit(&trust, &pem)? {
                // The CA still holds our current certificate and allows no second one.
                Some(line) if line.contains("signed") => {
                    return Err(AgentError::Refused {
                        server: self.server(),
                        name: name.to_string(),
                        reason: format!(
                            "{line} (it has no certificate_renewal, and renewing with a new key \
                             needs allow_duplicate_certs = true there); the current certificate is kept"
                        ),
                    }
                    .into());
                }
                _ => {
                    self.ssldir.write_renewal_request(name, pem.as_bytes())?;
                    progress(Progress::Requested);
                }
            }
        }
        let Some(cert) = self.fetch_certificate(&trust)? else {
            progress(Progress::RenewalPending);
            return Ok(false);
        };
        // Until the new request is signed the CA hands out the current certificate.
        if current_key.matches_certificate(cert.der()) {
            progress(Progress::RenewalPending);
            return Ok(false);
        }
        let what = format!("from {}", self.server());
        anchors.check(name, &what, &cert, &key)?;
        self.ssldir.promote_renewal(
            name,
            &key.to_pem()?,
            &key.public_key_pem()?,
            cert.to_pem().as_bytes(),
        )?;
        progress(Progress::signed(&cert));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::RENEW_BEFORE;
    use super::*;

    #[test]
    fn renewal_window() {
        let now = OffsetDateTime::now_utc();
        assert!(renewal_due(
            now + time::Duration::days(10),
            now,
            RENEW_BEFORE
        ));
        assert!(!renewal_due(
            now + time::Duration::days(60),
            now,
            RENEW_BEFORE
        ));
    }
}
