//! What every connection shares ([`Shared`]): the current generation of the CA and the TLS
//! configuration made from it, and how a new one replaces it: when the store's CRL changed
//! (TLS client verification rebuilt), when its CA chain changed (the CA reopened), or on
//! SIGHUP (the settings re-read).

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio_rustls::TlsAcceptor;

use crate::audit::DAEMON_ACTOR;
use crate::ca::{Ca, HostIdentity};
use crate::error::Error;
use crate::store::{CaChainVersion, CrlVersion};

use super::*;

/// What every connection shares: the CA, the TLS configuration and the allow-list.
pub(crate) struct Shared {
    pub(super) generation: RwLock<Arc<Generation>>,
    pub(super) crl_version: Mutex<Option<CrlVersion>>,
    pub(super) ca_chain_version: Mutex<Option<CaChainVersion>>,
    pub(super) load: Loader,
    /// The group-commit signer every enrolment goes through.
    pub(crate) signer: signer::Signer,
    /// What this process counts.
    pub(crate) metrics: Arc<metrics::Metrics>,
    /// How each request is logged.
    pub(super) log_format: LogFormat,
    /// The balancers whose client headers are believed.
    pub(super) header_cert_info: Vec<std::net::IpAddr>,
}

/// One generation of the CA and the TLS configuration made from it.
pub(crate) struct Generation {
    pub(crate) ca: Arc<Ca>,
    pub(super) host: HostIdentity,
    pub(super) acceptor: TlsAcceptor,
}

impl Shared {
    /// The current generation.
    pub(crate) fn generation(&self) -> Arc<Generation> {
        self.generation
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn replace(&self, generation: Generation) {
        *self
            .generation
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(generation);
    }

    /// Serve `built` from now on, remembering the store versions it was built from.
    pub(super) fn install(&self, built: Built) {
        *self
            .crl_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = built.crl;
        *self
            .ca_chain_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = built.ca_chain;
        self.replace(built.generation);
    }

    /// Reopen the CA when its chain changed since the last look (`cert extend-ca`), else
    /// rebuild the TLS configuration when the CRL changed.
    pub(super) fn refresh(&self) {
        let current = self.generation();
        let chain = current.ca.store().ca_chain_version().ok();
        if !changed(&self.ca_chain_version, chain) {
            return self.refresh_crl(&current);
        }
        // Opening the CA may wait for its store (a database): not on an async thread.
        let reopened = tokio::task::block_in_place(|| {
            let ca = Ca::open(current.ca.config().clone())?;
            Built::new(
                Arc::new(ca.acting_as(DAEMON_ACTOR)),
                clone_host(&current.host),
            )
        });
        match reopened {
            Ok(built) => {
                tracing::info!("CA chain changed; serving the new one");
                // The chain's version as read before the CA was opened: a change since is
                // seen at the next look.
                self.install(Built {
                    ca_chain: chain,
                    ..built
                });
            }
            Err(error) => tracing::error!("cannot reload the changed CA chain: {error}"),
        }
    }

    /// Rebuild the TLS configuration when the CRL changed since the last build.
    pub(super) fn refresh_crl(&self, current: &Generation) {
        let version = current.ca.store().crl_version().ok();
        if !changed(&self.crl_version, version) {
            return;
        }
        match build_generation(current.ca.clone(), clone_host(&current.host)) {
            Ok(generation) => {
                tracing::info!("CRL changed; TLS client verification reloaded");
                self.replace(generation);
            }
            Err(error) => tracing::error!("cannot reload the CRL: {error}"),
        }
    }

    /// Re-read the settings, reopen the CA, rebuild TLS (SIGHUP).
    pub(super) fn reload(&self) -> Result<(), Error> {
        let config = (self.load)()?;
        let ca = Arc::new(Ca::open(config)?.acting_as(DAEMON_ACTOR));
        let host = ca.ensure_host_certificate(time::OffsetDateTime::now_utc())?;
        self.install(Built::new(ca, host)?);
        Ok(())
    }
}

/// A generation and the versions of the store it was built from (`None` where the store could
/// not say): a change of either means building a new one.
pub(super) struct Built {
    pub(super) generation: Generation,
    pub(super) crl: Option<CrlVersion>,
    pub(super) ca_chain: Option<CaChainVersion>,
}

impl Built {
    /// The generation serving `ca` with `host`; the versions are read first, so that a change
    /// while it is built is seen at the next look.
    pub(super) fn new(ca: Arc<Ca>, host: HostIdentity) -> Result<Built, Error> {
        let crl = ca.store().crl_version().ok();
        let ca_chain = ca.store().ca_chain_version().ok();
        Ok(Built {
            generation: build_generation(ca, host)?,
            crl,
            ca_chain,
        })
    }
}

/// Whether `version` differs from the one `seen` holds, which it replaces: of the connections
/// that meet one change at once, one rebuilds.
fn changed<T: PartialEq>(seen: &Mutex<T>, version: T) -> bool {
    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    if *seen == version {
        return false;
    }
    *seen = version;
    true
}

pub(super) fn clone_host(host: &HostIdentity) -> HostIdentity {
    HostIdentity {
        certificate: host.certificate.clone(),
        key_pem: host.key_pem.clone(),
        issued: false,
    }
}

pub(super) fn build_generation(ca: Arc<Ca>, host: HostIdentity) -> Result<Generation, Error> {
    ca.serve_continuously(signer::SERIALS_AHEAD, STORE_WAIT);
    let config = tls::server_config(&ca, &host)?;
    Ok(Generation {
        ca,
        host,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
