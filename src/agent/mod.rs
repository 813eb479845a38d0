//! The enrolment runner behind `cert agent`: get a certificate from a Puppet CA the way a
//! Puppet 7 agent does (`puppet ssl bootstrap`), then keep it and the CRL fresh.
//!
//! One [`Agent::run_once`] is one pass of the state machine: pin the CA certificate (first
//! contact unverified, later passes must see the same bundle), fetch the CRL (If-Modified-Since),
//! load or make the key, then adopt the certificate already in the ssldir, renew it when it is
//! close to expiry, or submit a CSR and poll for it. Every certificate is checked (key match,
//! chain, revocation) before it is written, and only [`crate::ssldir`] writes files; the pid lock
//! `ssl.lock`, held for the run as Puppet holds it, is [`lock`]'s.
//!
//! Where each part lives: the configuration ([`AgentConfig`], `config.rs`), what the caller is
//! told ([`Progress`], `progress.rs`), the CA's API and the pure decisions on its answers
//! ([`request_outcome`], [`retrieval`]: `api.rs`), the pinned CA and the certificate check
//! (`trust.rs`), the CRL (`revocation.rs`), first enrolment (`enroll.rs`), renewal ([`renewal_due`]: `renew.rs`),
//! the HTTPS client ([`http`]) and `csr_attributes.yaml` ([`attributes`]). Printing, the loop
//! between runs and `--exec` belong to the CLI. docs/agent.md describes the behaviour for users.

pub mod attributes;
pub mod http;
pub mod lock;

mod api;
mod config;
mod enroll;
mod progress;
mod renew;
mod revocation;
mod trust;

use crate::certificate::Certificate;
use crate::error::Error;
use crate::ssldir::Ssldir;

pub use api::{request_outcome, retrieval, RequestOutcome, Retrieval};
pub use attributes::CsrAttributes;
pub use config::{AgentConfig, Given, DEFAULT_PORT, RENEW_BEFORE};
pub use http::CaServer;
pub use progress::Progress;
pub use renew::renewal_due;

/// What a run changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// A new certificate was written.
    pub certificate_changed: bool,
    /// A new CRL (or CA certificate) was written.
    pub crl_changed: bool,
}

impl Report {
    /// Whether anything changed (`--exec` runs then).
    pub fn changed(&self) -> bool {
        self.certificate_changed || self.crl_changed
    }
}

/// The enrolment runner for one certname and ssldir.
#[derive(Debug)]
pub struct Agent {
    config: AgentConfig,
    ssldir: Ssldir,
}

impl Agent {
    /// An agent for `config`, writing into `ssldir`.
    pub fn new(config: AgentConfig, ssldir: Ssldir) -> Agent {
        Agent { config, ssldir }
    }

    /// The configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// One pass: pin the CA, refresh the CRL, then adopt, renew or enrol. `progress` hears
    /// about each step. Nothing already in the ssldir is replaced unless its replacement
    /// verified.
    pub fn run_once(&self, progress: &mut dyn FnMut(Progress)) -> Result<Report, Error> {
        let _lock = lock::SslLock::acquire(self.ssldir.root())?;
        let (anchors, crl_changed) = self.refresh_trust(progress)?;
        let key = self.key(progress)?;
        let name = &self.config.certname;
        let certificate_changed = match self.ssldir.certificate(name)? {
            Some(pem) => {
                let what = self.ssldir.certificate_path(name).display().to_string();
                let cert = Certificate::from_pem(&what, &pem)?;
                anchors.check(name, &what, &cert, &key)?;
                self.keep_or_renew(&anchors, &key, &cert, progress)?
            }
            None => {
                self.enroll(&anchors, &key, progress)?;
                true
            }
        };
        Ok(Report {
            certificate_changed,
            crl_changed,
        })
    }
}
