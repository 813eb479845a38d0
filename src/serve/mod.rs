//! `cert serve`: the CA over HTTPS, speaking Puppet's CA HTTP API v1.
//!
//! Owns the listener, TLS (with optional, verified client certificates: `tls`), reading the
//! peer certificate of each connection for `auth`, the HTTP/1 settings, timeouts and limits
//! against slow or greedy clients, one log line per request, reloads and shutdown. The
//! endpoints are `routes` (paths, then one handler per endpoint family); enrolments go through
//! the group-commit `signer`. It owns no CA rule: every request becomes one call into
//! [`crate::ca::Ca`], run on tokio's blocking pool because the store takes a file lock (or
//! waits for a database) and signs with the CA key; what runs on the async threads (the CRL
//! version, the published times, the CRL for a TLS rebuild) is answered by the store without
//! waiting.
//!
//! Reloads: a changed CRL (written by this daemon, `cert --revoke` or another `cert serve`;
//! the store's [`crate::store::Store::crl_version`]) is noticed on the next connection and the
//! TLS verifier rebuilt; a changed CA chain (`cert extend-ca`;
//! [`crate::store::Store::ca_chain_version`]) likewise reopens the CA, so the new chain is
//! served at once; SIGHUP re-reads the settings and reopens the CA. The `expiry` watch
//! re-issues CRLs before they lapse and warns about what expires soon. The autosign setting's
//! file or program is read for every request anyway. SIGTERM and SIGINT stop accepting, let the requests in flight
//! finish (up to [`SHUTDOWN_GRACE`]) and return. Under systemd, readiness, reloads and shutdown
//! are reported with `notify`; counters and gauges are `metrics` (`GET /metrics`, and a plain
//! listener with [`ServeConfig::metrics_bind`]); the per-request line is `log`'s. The web
//! console (`console`) is off unless [`ServeConfig::console_bind`] names its own listener.

mod auth;
mod balancer;
mod console;
mod expiry;
mod generation;
// Routes without TLS or sockets, for fuzzing and tests; only in builds
// that ask for it (the `harness` feature), since it makes admin peers for any name.
#[cfg(feature = "harness")]
#[doc(hidden)]
pub mod harness;
mod log;
pub(crate) mod metrics;
mod notify;
mod routes;
mod signer;
mod tls;

pub use log::LogFormat;

use generation::Built;
pub(crate) use generation::Shared;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::Semaphore;

use crate::audit::DAEMON_ACTOR;
use crate::ca::{Ca, Config, HostIdentity};
use crate::error::{Error, ServeError};

use auth::Peer;

/// Largest request body accepted (a CSR with many extensions is a few KiB); larger is a 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Time a client has to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to send a request's headers (also the keep-alive idle limit).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// The longest a request waits for the store (a database: a connection, every flight, the
/// commit), so that one that cannot commit gets its 503 within 5 seconds, never a hang.
pub const STORE_WAIT: Duration = Duration::from_secs(4);

/// How to serve. Who is an admin besides `pp_cli_auth` holders is the CA's configuration
/// ([`Config::admins`]), since autosign must know it too.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Where to serve `GET /metrics` in plain HTTP too, for a scraper without a client
    /// certificate (the TLS listener serves it to admins only).
    pub metrics_bind: Option<SocketAddr>,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// The TLS-terminating balancers whose client headers are believed
    /// (`--allow-header-cert-info`, the `balancer` module); none by default.
    pub header_cert_info: Vec<std::net::IpAddr>,
    /// Where to serve the web console (TLS, the daemon's certificate, a listener of its
    /// own); no console when `None`.
    pub console_bind: Option<SocketAddr>,
}

/// Something the daemon reports as it starts, for the caller to log or print.
#[derive(Debug)]
pub enum StartupEvent {
    /// There was no CA: one was made, as puppetserver does on its first start.
    CreatedCa {
        /// The CA certificate's subject.
        subject: String,
        /// Its SHA-256 fingerprint (what agents pin with `ca_fingerprint`).
        fingerprint: String,
        /// The CA directory.
        cadir: std::path::PathBuf,
    },
    /// This host's certificate was issued on this start.
    IssuedHostCertificate {
        /// Its CN.
        name: String,
    },
    /// Accepting connections.
    Listening {
        /// The bound address.
        address: SocketAddr,
    },
    /// Serving `GET /metrics` in plain HTTP.
    ListeningForMetrics {
        /// The bound address.
        address: SocketAddr,
    },
    /// Serving the web console.
    ListeningForConsole {
        /// The bound address.
        address: SocketAddr,
    },
}

/// Loads the CA configuration; called at start and on every SIGHUP.
pub type Loader = Box<dyn Fn() -> Result<Config, Error> + Send + Sync>;

/// Serve until SIGTERM or SIGINT. Issues this host's certificate first when it has none.
pub fn run(
    serve_config: ServeConfig,
    load: Loader,
    report: impl Fn(StartupEvent),
) -> Result<(), Error> {
    // Seeded while the CA loads, instead of in the first TLS handshake.
    crate::keys::seed_random_generator();
    // One worker per core: TLS handshakes (an RSA signature each) use every core, like the
    // signer's batches do.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime {
            reason: e.to_string(),
        })?;
    runtime.block_on(serve(serve_config, load, report))
}

/// The HTTP/1 settings of every connection: the header timeout (also the keep-alive idle
/// limit) and the size limits.
pub(crate) fn http1_builder() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(BODY_LIMIT)
        // `max_buf_size` alone lets a read overshoot it (~2x): cap the head itself.
        .max_header_size(BODY_LIMIT);
    builder
}

async fn serve(
    serve_config: ServeConfig,
    load: Loader,
    report: impl Fn(StartupEvent),
) -> Result<(), Error> {
    // The store may wait (a file lock, a database): not on an async thread.
    let (ca, created, host) = tokio::task::block_in_place(|| open(&load))?;
    report_start(&ca, created, &host, &report);
    let built = Built::new(ca, host)?;
    let metrics = Arc::new(metrics::Metrics::new());
    let shared = Arc::new(Shared {
        generation: RwLock::new(Arc::new(built.generation)),
        crl_version: Mutex::new(built.crl),
        ca_chain_version: Mutex::new(built.ca_chain),
        load,
        signer: signer::Signer::start(metrics.clone()),
        metrics,
        log_format: serve_config.log_format,
        header_cert_info: serve_config.header_cert_info.clone(),
    });
    let (listener, address) = listen(serve_config.bind).await?;
    report(StartupEvent::Listening { address });
    let metrics_listener = match serve_config.metrics_bind {
        Some(bind) => {
            let (listener, address) = listen(bind).await?;
            report(StartupEvent::ListeningForMetrics { address });
            Some(tokio::spawn(metrics::serve_plain(listener, shared.clone())))
        }
        None => None,
    };
    let console_listener = match serve_config.console_bind {
        Some(bind) => {
            let (listener, address) = listen(bind).await?;
            report(StartupEvent::ListeningForConsole { address });
            Some(listener)
        }
        None => None,
    };
    tokio::spawn(expiry::watch(shared.clone()));
    let notifier = notify::Notifier::from_environment();
    let status = format!("listening on https://{address}");
    notifier.ready(&status);
    let signals = Signals::register()?;
    let graceful = Arc::new(hyper_util::server::graceful::GracefulShutdown::new());
    // Accepting on a worker thread, not this one (the runtime's `block_on` thread): each new
    // connection's task then starts on the worker that accepted it, with no thread woken to
    // hand it over.
    let accepting = tokio::spawn(accept(
        listener,
        shared.clone(),
        graceful.clone(),
        "",
        logged,
    ));
    let console = console_listener.map(|listener| {
        tokio::spawn(accept(
            listener,
            shared.clone(),
            graceful.clone(),
            "console: ",
            console::logged,
        ))
    });
    signals.until_stopped(&shared, &notifier, &status).await;
    // The listeners close with their tasks.
    for task in [Some(accepting), console].into_iter().flatten() {
        task.abort();
        let _ = task.await;
    }
    if let Some(task) = metrics_listener {
        task.abort();
    }
    notifier.stopping();
    finish_requests(graceful).await;
    give_back_serials(&shared);
    Ok(())
}

/// Open the CA the settings name, making it when there is none (whether it was made), as the
/// daemon, with this host's certificate (issued now when it has none).
fn open(load: &Loader) -> Result<(Arc<Ca>, bool, HostIdentity), Error> {
    let config = load()?;
    let (ca, created) = Ca::open_or_setup(config, time::OffsetDateTime::now_utc())?;
    let ca = Arc::new(ca.acting_as(DAEMON_ACTOR));
    let host = ca.ensure_host_certificate(time::OffsetDateTime::now_utc())?;
    Ok((ca, created, host))
}

/// Report what the start made (a CA, this host's certificate), and warn about an
/// infrastructure CRL that cannot be served.
fn report_start(ca: &Ca, created: bool, host: &HostIdentity, report: &impl Fn(StartupEvent)) {
    if created {
        let certificate = ca.authority().certificate();
        report(StartupEvent::CreatedCa {
            subject: certificate.subject.clone(),
            fingerprint: certificate.fingerprint(crate::certificate::Digest::Sha256),
            cadir: ca.config().cadir.clone(),
        });
    }
    if host.issued {
        report(StartupEvent::IssuedHostCertificate {
            name: host.certificate.common_name.clone(),
        });
    }
    if let Some(problem) = ca.infra_crl_problem() {
        tracing::warn!("{problem}");
    }
}

/// A listener on `address`, and the address it is on (the port the system chose, when
/// `address` asks for any).
async fn listen(address: SocketAddr) -> Result<(TcpListener, SocketAddr), Error> {
    let bound = match TcpListener::bind(address).await {
        Ok(listener) => listener.local_addr().map(|local| (listener, local)),
        Err(error) => Err(error),
    };
    bound.map_err(|e| {
        ServeError::Bind {
            address: address.to_string(),
            reason: e.to_string(),
        }
        .into()
    })
}

/// The signals the daemon handles: SIGTERM and SIGINT stop it, SIGHUP reloads.
struct Signals {
    terminate: Signal,
    interrupt: Signal,
    hangup: Signal,
}

impl Signals {
    /// Handle them from now on (instead of their default action).
    fn register() -> Result<Signals, Error> {
        let handle = |kind: SignalKind| {
            signal(kind).map_err(|e| ServeError::Runtime {
                reason: format!("cannot handle signals: {e}"),
            })
        };
        Ok(Signals {
            terminate: handle(SignalKind::terminate())?,
            interrupt: handle(SignalKind::interrupt())?,
            hangup: handle(SignalKind::hangup())?,
        })
    }

    /// Wait for SIGTERM or SIGINT; on each SIGHUP, reload ([`Shared::reload`]; a failure
    /// keeps the old state), telling systemd through `notifier` (`status` once ready again).
    async fn until_stopped(mut self, shared: &Shared, notifier: &notify::Notifier, status: &str) {
        loop {
            tokio::select! {
                _ = self.terminate.recv() => break,
                _ = self.interrupt.recv() => break,
                _ = self.hangup.recv() => {
                    notifier.reloading();
                    match tokio::task::block_in_place(|| shared.reload()) {
                        Ok(()) => tracing::info!("SIGHUP: settings, CA and CRL reloaded"),
                        Err(error) => tracing::error!("SIGHUP: reload failed, keeping the old state: {error}"),
                    }
                    notifier.ready(status);
                }
            }
        }
    }
}

/// Let the requests in flight finish, for up to [`SHUTDOWN_GRACE`]; the tasks accepting
/// connections must have ended (they hold the other handles of `graceful`).
async fn finish_requests(graceful: Arc<hyper_util::server::graceful::GracefulShutdown>) {
    tracing::info!("shutting down: finishing requests in flight");
    let finished = match Arc::into_inner(graceful) {
        Some(graceful) => tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
            .await
            .is_ok(),
        None => false,
    };
    if !finished {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
}

/// Give the serials reserved ahead and not used back, so that a clean stop leaves no gap.
fn give_back_serials(shared: &Shared) {
    let generation = shared.generation();
    match tokio::task::block_in_place(|| generation.ca.give_back_serials()) {
        Ok(true) => tracing::debug!("unused serials given back"),
        Ok(false) => {}
        Err(error) => tracing::warn!("cannot give the unused serials back (a gap): {error}"),
    }
}

/// A response of either listener.
type Response = hyper::Response<http_body_util::Full<hyper::body::Bytes>>;

/// Accept connections on `listener` until the task is aborted, each served in a task of its
/// own (at most [`MAX_CONNECTIONS`] at once) and watched by `graceful`, every request answered
/// by `answer` (with the connection's client certificate, if any, and its address). Log lines
/// start with `label` (the console's listener says so; the agents' says nothing).
pub(crate) async fn accept<A, F>(
    listener: TcpListener,
    shared: Arc<Shared>,
    graceful: Arc<hyper_util::server::graceful::GracefulShutdown>,
    label: &'static str,
    answer: A,
) where
    A: Fn(Arc<Shared>, Option<Arc<Peer>>, SocketAddr, hyper::Request<hyper::body::Incoming>) -> F
        + Copy
        + Send
        + 'static,
    F: std::future::Future<Output = Response> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, remote) = next_connection(&listener, label).await;
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!("{label}{remote}: too many connections; closed");
            continue;
        };
        // Each answer goes out when written: with Nagle's algorithm, an answer written while
        // the client has not acknowledged the TLS session tickets yet waits for its delayed
        // acknowledgement (40 ms on Linux), on every new connection.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!("{label}{remote}: cannot set TCP_NODELAY: {error}");
        }
        shared.refresh();
        let acceptor = shared.generation().acceptor.clone();
        let shared = shared.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::info!("{label}{remote}: TLS handshake refused: {error}");
                    return;
                }
                Err(_) => {
                    tracing::info!("{label}{remote}: TLS handshake timed out");
                    return;
                }
            };
            let peer = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|der| Peer::from_der(der))
                .map(Arc::new);
            let service = service_fn(move |request| {
                let shared = shared.clone();
                let peer = peer.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(answer(shared, peer, remote, request).await)
                }
            });
            let connection = http1_builder().serve_connection(TokioIo::new(tls), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!("{label}{remote}: connection ended: {error}");
            }
        });
    }
}

/// The next connection on `listener`. A failed accept (out of file descriptors and the like)
/// is logged, its line starting with `label`, and tried again after a pause instead of
/// spinning.
pub(crate) async fn next_connection(
    listener: &TcpListener,
    label: &str,
) -> (tokio::net::TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(pair) => return pair,
            Err(error) => {
                tracing::warn!("{label}accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn logged(
    shared: Arc<Shared>,
    peer: Option<Arc<Peer>>,
    remote: SocketAddr,
    request: hyper::Request<hyper::body::Incoming>,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let peer = if shared.header_cert_info.is_empty() {
        peer
    } else {
        let ca = shared.generation().ca.clone();
        balancer::client(
            &shared.header_cert_info,
            remote,
            peer,
            request.headers(),
            &ca,
        )
    };
    let response = routes::handle(&shared, peer.as_deref(), request).await;
    log::request(
        shared.log_format,
        &log::Request {
            remote,
            client: peer.as_ref().map(|p| p.common_name.as_str()),
            method: &method,
            path: &path,
            status: response.status().as_u16(),
            elapsed: started.elapsed(),
        },
    );
    response
}
