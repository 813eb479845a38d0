//! The daemon's request handling without TLS or sockets, for the fuzz target
//! `fuzz/fuzz_targets/http_request.rs` and regression tests. Raw bytes go, as one connection
//! over an in-memory pipe, through hyper's HTTP/1 parser with the daemon's settings
//! (`http1_builder`) and into the same `routes::handle` that `cert serve` uses; the raw
//! response bytes come back. The only difference from a served connection: TLS (the peer
//! certificate is given instead) and half-closure (the input ends with EOF, and the response
//! must still be written).

use std::convert::Infallible;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::ca::{Ca, Config};
use crate::error::{Error, ServeError};

use super::auth::Peer;
use super::generation::build_generation;
use super::{http1_builder, Shared};

/// The longest [`Harness::exchange`] waits for the daemon to answer and close.
pub const EXCHANGE_LIMIT: Duration = Duration::from_secs(20);

/// Who the (TLS-verified) client is, as the routes see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// No client certificate.
    Anonymous,
    /// A client certificate with this CN, without `pp_cli_auth`.
    Agent(String),
    /// A client certificate with this CN and `pp_cli_auth`.
    Admin(String),
}

/// An open CA with the daemon's routes in front of it.
pub struct Harness {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Runtime,
    /// The certificate every simulated client presents (the daemon's own, issued by the CA):
    /// routes that need one, like renewal, see a real certificate; the CN comes from [`Client`].
    client_certificate: crate::certificate::Certificate,
}

impl Harness {
    /// Open the CA of `config` (it must exist) as `cert serve` does; `config.admins` is the
    /// `--admin` list.
    pub fn new(config: Config) -> Result<Harness, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ServeError::Runtime {
                reason: e.to_string(),
            })?;
        let reload = config.clone();
        let ca = Arc::new(Ca::open(config)?.acting_as(crate::audit::DAEMON_ACTOR));
        let host = ca.ensure_host_certificate(time::OffsetDateTime::now_utc())?;
        let client_certificate = host.certificate.clone();
        // The signer task lives on this runtime, driven whenever `exchange` blocks on it.
        let metrics = Arc::new(super::metrics::Metrics::new());
        let signer = {
            let _context = runtime.enter();
            super::signer::Signer::start(metrics.clone())
        };
        let shared = Arc::new(Shared {
            generation: RwLock::new(Arc::new(build_generation(ca, host)?)),
            crl_version: Mutex::new(None),
            ca_chain_version: Mutex::new(None),
            load: Box::new(move || Ok(reload.clone())),
            signer,
            metrics,
            log_format: super::LogFormat::Text,
            header_cert_info: Vec::new(),
        });
        Ok(Harness {
            shared,
            runtime,
            client_certificate,
        })
    }

    /// Send `input` as the whole of one connection from `client`, then EOF; the bytes the
    /// daemon wrote back before closing. `Err` when it had not closed after [`EXCHANGE_LIMIT`].
    pub fn exchange(&self, client: &Client, input: &[u8]) -> Result<Vec<u8>, String> {
        let peer = match client {
            Client::Anonymous => None,
            Client::Agent(name) => Some(Arc::new(Peer {
                common_name: name.clone(),
                cli_auth: false,
                certificate: Some(self.client_certificate.clone()),
            })),
            Client::Admin(name) => Some(Arc::new(Peer {
                common_name: name.clone(),
                cli_auth: true,
                certificate: Some(self.client_certificate.clone()),
            })),
        };
        let shared = self.shared.clone();
        self.runtime.block_on(async move {
            let (mut near, far) = tokio::io::duplex(64 * 1024);
            let service = service_fn(move |request| {
                let shared = shared.clone();
                let peer = peer.clone();
                async move {
                    Ok::<_, Infallible>(
                        super::routes::handle(&shared, peer.as_deref(), request).await,
                    )
                }
            });
            // The settings of `serve`, plus half-closure (see the module docs).
            let mut builder = http1_builder();
            builder.half_close(true);
            let connection = builder.serve_connection(TokioIo::new(far), service);
            let client = async move {
                let mut response = Vec::new();
                let (mut reader, mut writer) = tokio::io::split(&mut near);
                let write = async {
                    // The server may close before reading everything: not an error here.
                    let _ = writer.write_all(input).await;
                    let _ = writer.shutdown().await;
                };
                let read = reader.read_to_end(&mut response);
                let (_, read) = tokio::join!(write, read);
                let _ = read;
                response
            };
            let exchange = async {
                let (_, response) = tokio::join!(connection, client);
                response
            };
            tokio::time::timeout(EXCHANGE_LIMIT, exchange)
                .await
                .map_err(|_| format!("no answer and close within {EXCHANGE_LIMIT:?}"))
        })
    }
}
