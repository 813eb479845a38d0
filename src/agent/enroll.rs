//! First enrolment: load or make the host's key, build the CSR a Puppet 7 agent would send
//! (alt names, `csr_attributes.yaml`, `pp_auth_auto_renew`), submit it — or the same request
//! again from an earlier run — and poll for the certificate until it comes or `waitforcert`
//! and `maxwaitforcert` say to stop.
//!
//! It does not decide whom to trust (the agent's `trust` module checks what it fetches), nor
//! renew (the `renew` module, which reuses the CSR and the storing here).

use std::time::Instant;

use crate::certificate::Certificate;
use crate::csr::Csr;
use crate::error::{AgentError, Error};
use crate::extension;
use crate::keys::PrivateKey;

use super::progress::Progress;
use super::trust::Anchors;
use super::Agent;

impl Agent {
    /// The host's key from the ssldir, or a new one written there.
    pub(super) fn key(&self, progress: &mut dyn FnMut(Progress)) -> Result<PrivateKey, Error> {
        let name = &self.config.certname;
        if let Some(pem) = self.ssldir.private_key(name)? {
            let what = self.ssldir.private_key_path(name).display().to_string();
            return Ok(PrivateKey::from_pem(&what, &pem)?);
        }
        let key = PrivateKey::generate(self.config.key)?;
        self.ssldir.write_private_key(name, &key.to_pem()?, false)?;
        progress(Progress::key_created(&key));
        Ok(key)
    }

    /// A new CSR for `key`.
    pub(super) fn csr(&self, key: &PrivateKey) -> Result<Csr, Error> {
        let mut attributes = self.config.csr_attributes.custom_attributes.clone();
        attributes.push((extension::PP_AUTH_AUTO_RENEW.to_vec(), "true".into()));
        Csr::generate_with_attributes(
            &self.config.certname,
            key,
            &self.config.dns_alt_names,
            &self.config.csr_attributes.extension_requests,
            &attributes,
        )
    }

    /// The CSR to submit: `certificate_requests/NAME.pem` from an earlier run when it asks for
    /// exactly what a new one would (key, name, alt names, extensions, attributes), so the CA
    /// sees the same request again; else a new one.
    fn request(&self, key: &PrivateKey) -> Result<String, Error> {
        let fresh = self.csr(key)?;
        let name = &self.config.certname;
        let stored = self.ssldir.request(name)?;
        if let Some(old) = stored.and_then(|pem| Csr::from_pem(&pem).ok()) {
            if old.public_key_der() == fresh.public_key_der()
                && old.common_name() == fresh.common_name()
                && old.alt_names() == fresh.alt_names()
                && old.extensions() == fresh.extensions()
                && old.attributes() == fresh.attributes()
            {
                return Ok(old.to_pem());
            }
        }
        Ok(fresh.to_pem())
    }

    /// Submit a CSR and poll for the certificate until it comes or waiting is over.
    pub(super) fn enroll(
        &self,
        anchors: &Anchors,
        key: &PrivateKey,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), Error> {
        let name = &self.config.certname;
        let pem = self.request(key)?;
        let trust = anchors.trust();
        match self.submit(&trust, &pem)? {
            None => {
                self.ssldir.write_request(name, pem.as_bytes())?;
                progress(Progress::Requested);
            }
            Some(message) => progress(Progress::AlreadySubmitted { message }),
        }

        let started = Instant::now();
        loop {
            if let Some(cert) = self.fetch_certificate(&trust)? {
                let what = format!("from {}", self.server());
                anchors.check(name, &what, &cert, key)?;
                return self.store(key, &cert, progress);
            }
            let wait = self.config.waitforcert;
            if wait.is_zero() {
                return Err(AgentError::Waiting {
                    name: name.to_string(),
                    reason: "exiting now because waitforcert is 0".into(),
                }
                .into());
            }
            if let Some(limit) = self.config.maxwaitforcert {
                if started.elapsed() + wait > limit {
                    return Err(AgentError::Waiting {
                        name: name.to_string(),
                        reason: format!("gave up after maxwaitforcert ({}s)", limit.as_secs()),
                    }
                    .into());
                }
            }
            progress(Progress::Waiting {
                seconds: wait.as_secs(),
            });
            std::thread::sleep(wait);
        }
    }

    /// Write `cert` (checked) and `key`'s public half into the ssldir.
    pub(super) fn store(
        &self,
        key: &PrivateKey,
        cert: &Certificate,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), Error> {
        self.ssldir.write_certificate(
            &self.config.certname,
            &key.public_key_pem()?,
            cert.to_pem().as_bytes(),
        )?;
        progress(Progress::signed(cert));
        Ok(())
    }
}
