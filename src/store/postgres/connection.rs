//! Connections to the database, for synchronous callers: the backend owns a small tokio
//! runtime of its own that drives every connection, and each call blocks its (non-async)
//! thread on one query's future (`Database::block_on`). The CLI has no runtime; the daemon
//! calls the CA from tokio's blocking pool, where blocking is allowed, and never from its
//! async tasks.
//!
//! Connections are pooled; one found dead is dropped and a new one made on the next use, so a
//! node reconnects by itself once the database is back or a standby was promoted (hosts are
//! tried in the URL's order, with `target_session_attrs=read-write`). Errors are sorted here:
//! what retrying may cure (no connection, a closed one, the server shutting down or starting,
//! a standby that is read-only, a deadlock) is [`StoreError::Unavailable`]; the rest is
//! [`StoreError::Database`].

use std::cell::Cell;
use std::future::Future;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

use super::url::DatabaseUrl;

/// Longest wait for one statement's answer; past it the connection is given up on (a host
/// gone without closing its sockets) and the call is [`StoreError::Unavailable`].
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle connections kept for reuse.
const IDLE: usize = 16;

/// Connections open at once (the daemon's blocking pool has hundreds of threads; the
/// database's `max_connections` is shared by every node): a caller beyond waits for one.
const CONNECTIONS: usize = 32;

/// The database of one store: its runtime, URL, TLS connector and idle connections.
pub(super) struct Database {
    /// `Some` until dropped (then shut down without waiting, which is allowed anywhere).
    runtime: Option<tokio::runtime::Runtime>,
    url: DatabaseUrl,
    tls: MakeRustlsConnect,
    idle: Mutex<Vec<Client>>,
    /// Connections taken (idle ones not counted), at most [`CONNECTIONS`].
    taken: Mutex<usize>,
    returned: Condvar,
}

impl Database {
    /// The database at `url` (nothing is connected yet).
    pub(super) fn new(url: &DatabaseUrl) -> Result<Database, StoreError> {
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
        })
    }

    /// The store's name in messages (the URL, password hidden).
    pub(super) fn name(&self) -> String {
        self.url.to_string()
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

    /// A new connection, its connection task spawned on the runtime (async: for the runtime's
    /// own tasks).
    pub(super) async fn connect_async(
        url: &DatabaseUrl,
        tls: MakeRustlsConnect,
    ) -> Result<(Client, tokio_postgres::Connection<Socket, TlsStream>), StoreError> {
        url.config()
            .connect(tls)
            .await
            .map_err(|e| classify(&url.to_string(), "connect", e))
    }

    /// The URL and connector, for tasks that connect on their own.
    pub(super) fn parts(&self) -> (DatabaseUrl, MakeRustlsConnect) {
        (self.url.clone(), self.tls.clone())
    }

    /// A pooled connection: an idle one that is still open, else a new one.
    pub(super) fn connection(&self) -> Result<Pooled<'_>, StoreError> {
        self.take()?;
        match self.take_idle() {
            Some(client) => Ok(Pooled::new(self, client, true)),
            None => self.open().inspect_err(|_| self.put_back()),
        }
    }

    /// A new connection (not from the pool).
    pub(super) fn fresh(&self) -> Result<Pooled<'_>, StoreError> {
        self.take()?;
        self.open().inspect_err(|_| self.put_back())
    }

    /// Count one more connection taken, waiting while [`CONNECTIONS`] are.
    fn take(&self) -> Result<(), StoreError> {
        let deadline = Instant::now() + STATEMENT_TIMEOUT;
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while *taken >= CONNECTIONS {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Unavailable {
                    store: self.name(),
                    reason: format!("all {CONNECTIONS} connections busy for {STATEMENT_TIMEOUT:?}"),
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

    /// Connect (the caller has taken its count).
    fn open(&self) -> Result<Pooled<'_>, StoreError> {
        let (url, tls) = self.parts();
        let client = self.block_on(async move {
            let (client, connection) =
                tokio::time::timeout(STATEMENT_TIMEOUT, Database::connect_async(&url, tls))
                    .await
                    .map_err(|_| StoreError::Unavailable {
                        store: url.to_string(),
                        reason: format!("no connection within {STATEMENT_TIMEOUT:?}"),
                    })??;
            tokio::spawn(async move {
                // The connection's end is seen by the client (`is_closed`).
                let _ = connection.await;
            });
            Ok::<_, StoreError>(client)
        })?;
        Ok(Pooled::new(self, client, false))
    }

    fn take_idle(&self) -> Option<Client> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(client) = idle.pop() {
            if !client.is_closed() {
                return Some(client);
            }
        }
        None
    }

    fn give_back(&self, client: Client) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE && !client.is_closed() {
            idle.push(client);
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
                drop(connection);
                let connection = self.fresh().map_err(|_| error)?;
                work(&connection)
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
    client: Option<Client>,
    /// Whether it came from the pool (it may have died while idle).
    reused: bool,
    /// Whether it is fit to be used again (not mid-transaction, no connection error).
    healthy: Cell<bool>,
}

impl<'a> Pooled<'a> {
    fn new(database: &'a Database, client: Client, reused: bool) -> Pooled<'a> {
        Pooled {
            database,
            client: Some(client),
            reused,
            healthy: Cell::new(true),
        }
    }

    /// The client.
    pub(super) fn client(&self) -> &Client {
        // Only `Drop` takes it.
        self.client
            .as_ref()
            .expect("a pooled connection has its client until dropped")
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

    /// Run one statement's future (`action` names it in errors), within
    /// [`STATEMENT_TIMEOUT`]; a connection that failed is discarded.
    pub(super) fn run<T, F>(&self, action: &'static str, future: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let name = self.database.name();
        let result = self.database.block_on(async {
            match tokio::time::timeout(STATEMENT_TIMEOUT, future).await {
                Ok(result) => result.map_err(|e| classify(&name, action, e)),
                Err(_) => Err(StoreError::Unavailable {
                    store: name.clone(),
                    reason: format!("no answer within {STATEMENT_TIMEOUT:?} to {action}"),
                }),
            }
        });
        if let Err(error) = &result {
            if error.is_unavailable() {
                self.discard();
            }
        }
        result
    }
}

impl Pooled<'_> {
    /// [`Pooled::run`] for a statement that a unique constraint may refuse: `Ok(None)` then
    /// (the transaction is aborted: the caller must not go on with it).
    pub(super) fn run_unless_unique<T, F>(
        &self,
        action: &'static str,
        future: F,
    ) -> Result<Option<T>, StoreError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let outcome = self.run(action, async {
            match future.await {
                Ok(value) => Ok(Some(value)),
                Err(error) if is_unique_violation(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })?;
        if outcome.is_none() {
            self.discard();
        }
        Ok(outcome)
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if self.healthy.get() {
                self.database.give_back(client);
            }
        }
        self.database.put_back();
    }
}

/// Sort a database error: retrying may cure it ([`StoreError::Unavailable`]) or not
/// ([`StoreError::Database`]).
pub(super) fn classify(
    store: &str,
    action: &'static str,
    error: tokio_postgres::Error,
) -> StoreError {
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

/// Whether `error` is a unique violation (a constraint deciding between two writers).
fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}
