//! Connections to the database, for synchronous callers: the backend owns a small tokio
//! runtime of its own that drives every connection, and each call blocks its (non-async)
//! thread on one flight of statements (`Database::block_on`). The CLI has no runtime; the
//! daemon calls the CA from tokio's blocking pool, where blocking is allowed, and never from
//! its async tasks.
//!
//! A WAN is the normal case, so round trips are what is counted here, not statements:
//! - each connection prepares a statement once and keeps it as long as it lives (the
//!   statements a transaction writes with are prepared together when it is opened), so a
//!   statement costs no round trip of its own to prepare;
//! - a transaction's writes whose answers nobody waits for are deferred ([`Pooled::defer`])
//!   and sent with the next statement that needs an answer, in one pipelined flight (tokio-
//!   postgres sends the requests polled together before reading any answer): a transaction
//!   that reads nothing is one flight, BEGIN to COMMIT.
//!
//! Every wait is bounded: connecting (as a whole, not only the socket: a link cut silently
//! accepts the socket and never answers), waiting for a pooled connection, and each flight.
//! A daemon bounds a whole transaction ([`Database::limit_waits`]) and trips a breaker
//! ([`Breaker`]) when the database stops answering: then the others fail at once rather than
//! each waiting its bound, until an answer comes back.
//!
//! Connections are pooled; one found dead is dropped and a new one made on the next use, so a
//! node reconnects by itself once the database is back or a standby was promoted (hosts are
//! tried in the URL's order, with `target_session_attrs=read-write`). Errors are sorted here:
//! what retrying may cure (no connection, a closed one, the server shutting down or starting,
//! a standby that is read-only, a deadlock) is [`StoreError::Unavailable`]; a COMMIT sent
//! whose answer never came is [`StoreError::OutcomeUnknown`]; a name that already has a
//! certificate where the transaction said it must not is [`StoreError::Conflict`]; the rest
//! is [`StoreError::Database`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;

use tokio_postgres::{Client, Socket, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

use super::breaker::Breaker;
use super::flight::Deferred;
use super::url::DatabaseUrl;

/// Longest wait for one flight's answers, and for a connection, when no tighter limit is set
/// ([`Database::limit_waits`]); past it the connection is given up on (a host gone without
/// closing its sockets) and the call is [`StoreError::Unavailable`].
pub(super) const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait for a new connection to be ready (socket, TLS, authentication, session
/// checks), when no tighter limit is set.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle connections kept for reuse.
const IDLE: usize = 16;

/// Connections open at once (the daemon's blocking pool has hundreds of threads; the
/// database's `max_connections` is shared by every node): a caller beyond waits for one.
const CONNECTIONS: usize = 32;

/// The SQLSTATE `cert_refuse_signed` raises when a name it is given has a certificate (a
/// class PostgreSQL does not use).
pub(super) const REFUSED_SIGNED: &str = "CE001";

/// The SQLSTATE `cert_use_token` raises when a token has no use left to take.
pub(super) const TOKEN_SPENT: &str = "CE002";

/// The database of one store: its runtime, URL, TLS connector and idle connections.
pub(super) struct Database {
    /// `Some` until dropped (then shut down without waiting, which is allowed anywhere).
    runtime: Option<tokio::runtime::Runtime>,
    url: DatabaseUrl,
    tls: MakeRustlsConnect,
    idle: Mutex<Vec<Connection>>,
    /// Connections taken (idle ones not counted), at most [`CONNECTIONS`].
    taken: Mutex<usize>,
    returned: Condvar,
    /// The bound on a whole transaction, when set ([`Database::limit_waits`]).
    limit: Mutex<Option<Duration>>,
    breaker: Arc<Breaker>,
    /// Statements every new connection prepares at once, in one flight.
    warm: &'static [&'static str],
}

/// A client with the statements it has prepared.
pub(super) struct Connection {
    client: Client,
    /// What it has prepared (`super::flight`).
    pub(super) statements: RefCell<HashMap<&'static str, Statement>>,
}

impl Database {
    /// The database at `url` (nothing is connected yet); new connections prepare `warm`.
    pub(super) fn new(
        url: &DatabaseUrl,
        warm: &'static [&'static str],
    ) -> Result<Database, StoreError> {
        let tls = super::tls::connector(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cert-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable {
                store: url.to_string(),
                reason: format!("cannot start the database client's runtime: {e}"),
            })?;
        Ok(Database {
            runtime: Some(runtime),
            url: url.clone(),
            tls,
            idle: Mutex::new(Vec::new()),
            taken: Mutex::new(0),
            returned: Condvar::new(),
            limit: Mutex::new(None),
            breaker: Arc::new(Breaker::default()),
            warm,
        })
    }

    /// The store's name in messages (the URL, password hidden).
    pub(super) fn name(&self) -> String {
        self.url.to_string()
    }

    /// Bound every transaction, and every read outside one, to `limit` in all (waiting for a
    /// connection, connecting, every flight, the commit), and fail at once while the database
    /// is known not to answer (one transaction at a time probes it). What a daemon asks, so
    /// that a request gets its answer, if only a 503, within seconds.
    pub(super) fn limit_waits(&self, limit: Duration) {
        *self.limit.lock().unwrap_or_else(PoisonError::into_inner) = Some(limit);
    }

    /// Whether every wait is bounded already ([`Database::limit_waits`]).
    pub(super) fn limited(&self) -> bool {
        self.limit().is_some()
    }

    fn limit(&self) -> Option<Duration> {
        *self.limit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // Only `Drop` takes it.
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the database")
    }

    /// Run `future` to completion on this database's runtime, blocking the calling thread
    /// (which must not be an async task's).
    pub(super) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    /// Spawn a task on this database's runtime (the listener).
    pub(super) fn spawn<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.runtime().spawn(future);
    }

    /// A new connection, its connection task spawned on the runtime, ready within `within`
    /// as a whole (async: for the runtime's own tasks).
    pub(super) async fn connect_async(
        url: &DatabaseUrl,
        tls: MakeRustlsConnect,
        within: Duration,
    ) -> Result<(Client, tokio_postgres::Connection<Socket, TlsStream>), StoreError> {
        match tokio::time::timeout(within, url.config().connect(tls)).await {
            Ok(connected) => connected.map_err(|e| classify(&url.to_string(), "connect", e)),
            Err(_) => Err(StoreError::Unavailable {
                store: url.to_string(),
                reason: format!("no connection within {}", seconds(within)),
            }),
        }
    }

    /// The URL and connector, for tasks that connect on their own.
    pub(super) fn parts(&self) -> (DatabaseUrl, MakeRustlsConnect) {
        (self.url.clone(), self.tls.clone())
    }

    /// A pooled connection: an idle one that is still open, else a new one.
    pub(super) fn connection(&self) -> Result<Pooled<'_>, StoreError> {
        let deadline = self.admit()?;
        self.take(deadline)?;
        match self.take_idle() {
            Some(connection) => Ok(Pooled::new(self, connection, true, deadline)),
            None => self.open(deadline).inspect_err(|_| self.put_back()),
        }
    }

    /// A new connection (not from the pool), within the same deadline as `previous`.
    pub(super) fn fresh(&self, previous: &Pooled<'_>) -> Result<Pooled<'_>, StoreError> {
        self.take(previous.deadline)?;
        self.open(previous.deadline)
            .inspect_err(|_| self.put_back())
    }

    /// The deadline of a new use of the database, or an error at once while it is known not
    /// to answer ([`Breaker`]).
    fn admit(&self) -> Result<Option<Instant>, StoreError> {
        let Some(limit) = self.limit() else {
            return Ok(None);
        };
        self.breaker.admit(&self.name(), limit)?;
        Ok(Some(Instant::now() + limit))
    }

    /// The breaker, for the listener.
    pub(super) fn breaker(&self) -> Arc<Breaker> {
        self.breaker.clone()
    }

    /// Record that the database answered.
    pub(super) fn answered(&self) {
        self.breaker.answered(&self.name());
    }

    /// Record that the database did not answer; the idle connections are given up on too (a
    /// link cut silently leaves them open and mute).
    pub(super) fn unanswered(&self) {
        self.breaker.unanswered();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Count one more connection taken, waiting while [`CONNECTIONS`] are.
    fn take(&self, deadline: Option<Instant>) -> Result<(), StoreError> {
        let deadline = deadline.unwrap_or_else(|| Instant::now() + STATEMENT_TIMEOUT);
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while *taken >= CONNECTIONS {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Unavailable {
                    store: self.name(),
                    reason: format!("all {CONNECTIONS} connections busy"),
                });
            }
            taken = self
                .returned
                .wait_timeout(taken, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *taken += 1;
        Ok(())
    }

    /// Count a taken connection as returned (closed or idle).
    fn put_back(&self) {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        *taken = taken.saturating_sub(1);
        self.returned.notify_one();
    }

    /// Connect and prepare [`Database::warm`] (the caller has taken its count).
    fn open(&self, deadline: Option<Instant>) -> Result<Pooled<'_>, StoreError> {
        let (url, tls) = self.parts();
        let within = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => CONNECT_TIMEOUT,
        };
        let connected = self.block_on(async move {
            let (client, connection) = Database::connect_async(&url, tls, within).await?;
            tokio::spawn(async move {
                // The connection's end is seen by the client (`is_closed`).
                let _ = connection.await;
            });
            Ok::<_, StoreError>(client)
        });
        let client = match connected {
            Ok(client) => client,
            Err(error) => {
                if error.is_unavailable() {
                    self.unanswered();
                }
                return Err(error);
            }
        };
        let pooled = Pooled::new(
            self,
            Connection {
                client,
                statements: RefCell::new(HashMap::new()),
            },
            false,
            deadline,
        );
        pooled.warm(self.warm)?;
        Ok(pooled)
    }

    fn take_idle(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(connection) = idle.pop() {
            if !connection.client.is_closed() {
                return Some(connection);
            }
        }
        None
    }

    fn give_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE && !connection.client.is_closed() {
            idle.push(connection);
        }
    }

    /// Run `work` on a pooled connection; when a reused connection turns out dead (the
    /// database restarted since it was last used), once more on a new one.
    pub(super) fn with_connection<T>(
        &self,
        work: impl Fn(&Pooled<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let connection = self.connection()?;
        match work(&connection) {
            Err(error) if connection.reused_and_closed() => {
                let fresh = self.fresh(&connection).map_err(|_| error)?;
                drop(connection);
                work(&fresh)
            }
            other => other,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Dropping a runtime blocks, which an async task (the daemon's, holding the last
            // handle on a replaced CA) may not do.
            runtime.shutdown_background();
        }
    }
}

/// The stream type of a connection (TLS or not, decided by `sslmode`).
pub(super) type TlsStream =
    <MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<Socket>>::Stream;

/// A connection taken from the pool, given back when dropped unless it failed.
pub(super) struct Pooled<'a> {
    database: &'a Database,
    connection: Option<Connection>,
    /// Whether it came from the pool (it may have died while idle).
    reused: bool,
    /// Whether it is fit to be used again (not mid-transaction, no connection error).
    healthy: Cell<bool>,
    /// When every wait of this use ends (a daemon's bound), else each flight has its own.
    pub(super) deadline: Option<Instant>,
    /// Statements to send with the next flight, in order (`super::flight`).
    pub(super) deferred: RefCell<Vec<Deferred>>,
}

impl<'a> Pooled<'a> {
    fn new(
        database: &'a Database,
        connection: Connection,
        reused: bool,
        deadline: Option<Instant>,
    ) -> Pooled<'a> {
        Pooled {
            database,
            connection: Some(connection),
            reused,
            healthy: Cell::new(true),
            deadline,
            deferred: RefCell::new(Vec::new()),
        }
    }

    pub(super) fn connection(&self) -> &Connection {
        // Only `Drop` takes it.
        self.connection
            .as_ref()
            .expect("a pooled connection has its client until dropped")
    }

    /// The client.
    pub(super) fn client(&self) -> &Client {
        &self.connection().client
    }

    /// Whether it came from the pool and has died since (the database restarted): worth one
    /// more try on a new connection.
    pub(super) fn reused_and_closed(&self) -> bool {
        self.reused && self.client().is_closed()
    }

    /// The database it belongs to.
    pub(super) fn database(&self) -> &'a Database {
        self.database
    }

    /// Never give this connection back (a transaction left open on it, or it failed): closing
    /// it makes the server roll back whatever it had open.
    pub(super) fn discard(&self) {
        self.healthy.set(false);
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            if self.healthy.get() && self.deferred.get_mut().is_empty() {
                self.database.give_back(connection);
            }
        }
        self.database.put_back();
    }
}

/// Sort a database error: retrying may cure it ([`StoreError::Unavailable`]), a name has a
/// certificate the transaction said it must not ([`StoreError::Conflict`]), an enrolment token
/// had no use left to take ([`StoreError::TokenSpent`]), or none of these
/// ([`StoreError::Database`]).
pub(super) fn classify(
    store: &str,
    action: &'static str,
    error: tokio_postgres::Error,
) -> StoreError {
    if let Some(db) = error.as_db_error() {
        if db.code().code() == REFUSED_SIGNED {
            return StoreError::Conflict {
                store: store.to_owned(),
                names: db.detail().unwrap_or_default().to_owned(),
            };
        }
        if db.code().code() == TOKEN_SPENT {
            return StoreError::TokenSpent {
                store: store.to_owned(),
                id: db.detail().unwrap_or_default().to_owned(),
            };
        }
        if *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("signed_pkey") {
            return StoreError::Conflict {
                store: store.to_owned(),
                names: db.detail().unwrap_or_default().to_owned(),
            };
        }
    }
    let transient = match error.code() {
        None => true,
        Some(code) => {
            let class = &code.code()[..2];
            class == "08"
                || class == "53"
                || class == "57"
                || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
        }
    };
    let reason = match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => {
            // tokio-postgres says what failed ("error performing TLS handshake"); its sources
            // say why.
            let mut reason = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                reason.push_str(": ");
                reason.push_str(&cause.to_string());
                source = cause.source();
            }
            reason
        }
    };
    if transient {
        StoreError::Unavailable {
            store: store.to_owned(),
            reason: format!("{action}: {reason}"),
        }
    } else {
        StoreError::Database {
            store: store.to_owned(),
            action,
            reason,
        }
    }
}

/// A wait in messages: seconds, to a tenth.
pub(super) fn seconds(wait: Duration) -> String {
    format!("{:.1} s", wait.as_secs_f64())
}

/// Whether `error` is a unique violation (a constraint deciding between two writers).
pub(super) fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}
