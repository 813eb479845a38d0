//! Renewing a certificate a client authenticated with (puppetserver 8's
//! `certificate_renewal`): same key and what the certificate carries, a new serial and
//! validity, the issuance policy as for a new request.

use time::OffsetDateTime;

use crate::authority::{Policy, Validity};
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::error::{Error, PolicyError};

use super::batch::Batch;
use super::{Actor, Ca};

impl Ca {
    /// Renew `current`, the certificate a client authenticated with, on behalf of `actor`
    /// (puppetserver's `certificate_renewal`): same key, subject, alt names and Puppet
    /// extensions, new serial, validity from `now` for `auto-renewal-cert-ttl`. Refused unless
    /// `allow-auto-renewal` is on ([`PolicyError::RenewalDisabled`]); `current` must verify
    /// against the CA chain and CRLs at `now` (revoked or foreign certificates are refused)
    /// and what it carries must pass the issuance policy as a new request would (this host's
    /// own certificate with the policy `generate` uses, and its `pp_cli_auth`). The new
    /// certificate replaces the signed one in the store and gets an inventory entry; the decision is
    /// audited either way.
    pub fn renew_by(
        &self,
        actor: &Actor,
        current: &Certificate,
        now: OffsetDateTime,
    ) -> Result<Certificate, Error> {
        let name = Certname::parse(&current.common_name)?;
        if !self.config.renewal.allowed {
            return Err(PolicyError::RenewalDisabled {
                name: name.to_string(),
            }
            .into());
        }
        let own_host = name.as_str() == self.config.certname;
        let policy = if own_host {
            Policy {
                allow_subject_alt_names: true,
                ..self.config.policy
            }
        } else {
            self.config.policy
        };
        let validity = Validity::new(now, self.config.renewal.ttl)?;
        let mut batch = Batch::begin(self, actor.name(), now)?;
        batch.claim(std::slice::from_ref(&name))?;
        let crl_pem = batch.reads().crl_pem()?;
        // What the client presented must verify and be this CA's (its refusal is the
        // client's, a request error); then the policy, before the serial: a refusal reserves
        // nothing.
        let renewed =
            crate::certificate::verify_with_openssl(current, self.authority.chain(), &crl_pem)
                .and_then(|()| self.authority.check_renewal(current, &policy, own_host))
                .map_err(|error| match error {
                    Error::Key(key) => PolicyError::NotRenewable {
                        name: name.to_string(),
                        reason: key.to_string(),
                    }
                    .into(),
                    other => other,
                })
                .and_then(|()| {
                    let serial = batch.reserve_one()?;
                    self.authority
                        .renew(current, serial, validity, &policy, own_host)
                });
        let event = batch.event("renew", &name);
        match renewed {
            Ok(cert) => {
                // Only the certificate: a renewal answers no queued request.
                batch
                    .transaction()
                    .record_signed(&[(name.clone(), cert.clone())])?;
                let event = event.because(&format!(
                    "renewed serial {}",
                    current.serial.map(|s| s.to_string()).unwrap_or_default()
                ));
                batch.audit(self.certificate_event(event, &cert));
                batch.commit()?;
                Ok(cert)
            }
            Err(error) => {
                batch.audit(event.refused(&error));
                batch.commit()?;
                Err(error)
            }
        }
    }
}
