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
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Socket, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

use super::breaker::Breaker;
use super::url::DatabaseUrl;

/// Longest wait for one flight's answers, and for a connection, when no tighter limit is set
/// ([`Database::limit_waits`]); past it the connection is given up on (a host gone without
/// closing its sockets) and the call is [`StoreError::Unavailable`].
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

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

/// A parameter of a deferred statement, owned until it is sent.
pub(super) type Param = Box<dyn ToSql + Send + Sync>;

/// What a deferred statement's answer is checked with (rows affected) or handed to (rows).
enum Answer {
    /// Rows affected; an error refuses the transaction.
    Affected(Box<dyn FnOnce(u64) -> Result<(), StoreError> + Send>),
    /// The rows, to whoever waits for them.
    Rows(Box<dyn FnOnce(Vec<Row>) -> Result<(), StoreError> + Send>),
    /// A simple-protocol statement without parameters (BEGIN).
    Simple,
}

/// A statement whose answer nobody waits for: sent with the next flight.
pub(super) struct Deferred {
    action: &'static str,
    sql: &'static str,
    params: Vec<Param>,
    answer: Answer,
}

impl Deferred {
    /// `sql` with `params`, its rows affected checked by `check`.
    pub(super) fn execute(
        action: &'static str,
        sql: &'static str,
        params: Vec<Param>,
        check: impl FnOnce(u64) -> Result<(), StoreError> + Send + 'static,
    ) -> Deferred {
        Deferred {
            action,
            sql,
            params,
            answer: Answer::Affected(Box::new(check)),
        }
    }

    /// `sql` with `params`, its rows handed to `take` when they arrive.
    pub(super) fn query(
        action: &'static str,
        sql: &'static str,
        params: Vec<Param>,
        take: impl FnOnce(Vec<Row>) -> Result<(), StoreError> + Send + 'static,
    ) -> Deferred {
        Deferred {
            action,
            sql,
            params,
            answer: Answer::Rows(Box::new(take)),
        }
    }

    /// A parameterless statement on the simple protocol (`BEGIN`).
    pub(super) fn simple(action: &'static str, sql: &'static str) -> Deferred {
        Deferred {
            action,
            sql,
            params: Vec::new(),
            answer: Answer::Simple,
        }
    }
}

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
    statements: RefCell<HashMap<&'static str, Statement>>,
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

/// Why a flight failed: the error, and whether the server answered with it (then the
/// transaction is known to be rolled back) or no answer came at all.
struct Failed {
    error: StoreError,
    answered: bool,
}

/// A connection taken from the pool, given back when dropped unless it failed.
pub(super) struct Pooled<'a> {
    database: &'a Database,
    connection: Option<Connection>,
    /// Whether it came from the pool (it may have died while idle).
    reused: bool,
    /// Whether it is fit to be used again (not mid-transaction, no connection error).
    healthy: Cell<bool>,
    /// When every wait of this use ends (a daemon's bound), else each flight has its own.
    deadline: Option<Instant>,
    /// Statements to send with the next flight, in order.
    deferred: RefCell<Vec<Deferred>>,
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

    fn connection(&self) -> &Connection {
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

    /// Send `statement` with the next flight ([`Pooled::run`], [`Pooled::commit`]).
    pub(super) fn defer(&self, statement: Deferred) {
        self.deferred.borrow_mut().push(statement);
    }

    /// Send `statement` before everything deferred so far.
    pub(super) fn defer_first(&self, statement: Deferred) {
        self.deferred.borrow_mut().insert(0, statement);
    }

    /// `sql` prepared on this connection (prepared once, then kept).
    async fn statement(&self, sql: &'static str) -> Result<Statement, tokio_postgres::Error> {
        let cached = self.connection().statements.borrow().get(sql).cloned();
        if let Some(statement) = cached {
            return Ok(statement);
        }
        let statement = self.client().prepare(sql).await?;
        self.connection()
            .statements
            .borrow_mut()
            .insert(sql, statement.clone());
        Ok(statement)
    }

    /// Prepare, in one flight, those of `sqls` this connection has not prepared yet.
    async fn prepare_all(&self, sqls: &[&'static str]) -> Result<(), tokio_postgres::Error> {
        let missing: Vec<&'static str> = {
            let statements = self.connection().statements.borrow();
            let mut missing: Vec<&'static str> = sqls
                .iter()
                .copied()
                .filter(|sql| !statements.contains_key(sql))
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if missing.is_empty() {
            return Ok(());
        }
        let prepared =
            futures_util::future::join_all(missing.iter().map(|sql| self.client().prepare(sql)))
                .await;
        let mut statements = self.connection().statements.borrow_mut();
        for (sql, statement) in missing.into_iter().zip(prepared) {
            statements.insert(sql, statement?);
        }
        Ok(())
    }

    /// Prepare `sqls` now, in one flight; those that fail (a table not made yet) are
    /// prepared when first used instead.
    fn warm(&self, sqls: &'static [&'static str]) -> Result<(), StoreError> {
        if sqls.is_empty() {
            return Ok(());
        }
        let wait = self.wait();
        let prepared = self.database.block_on(async {
            tokio::time::timeout(wait, async {
                let results = futures_util::future::join_all(
                    sqls.iter().map(|sql| self.client().prepare(sql)),
                )
                .await;
                let mut statements = self.connection().statements.borrow_mut();
                for (sql, result) in sqls.iter().zip(results) {
                    if let Ok(statement) = result {
                        statements.insert(sql, statement);
                    }
                }
            })
            .await
        });
        prepared.map_err(|_| {
            self.discard();
            self.database.unanswered();
            StoreError::Unavailable {
                store: self.database.name(),
                reason: format!("no answer within {} to prepare statements", seconds(wait)),
            }
        })
    }

    /// Rows of the prepared `sql` with `params`.
    pub(super) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.statement(sql).await?;
        self.client().query(&statement, params).await
    }

    /// The one row of the prepared `sql` with `params`.
    pub(super) async fn query_one(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error> {
        let statement = self.statement(sql).await?;
        self.client().query_one(&statement, params).await
    }

    /// The row, if any, of the prepared `sql` with `params`.
    pub(super) async fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.statement(sql).await?;
        self.client().query_opt(&statement, params).await
    }

    /// Rows affected by the prepared `sql` with `params`.
    pub(super) async fn execute(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        let statement = self.statement(sql).await?;
        self.client().execute(&statement, params).await
    }

    /// How long the next flight may wait.
    fn wait(&self) -> Duration {
        match self.deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => STATEMENT_TIMEOUT,
        }
    }

    /// Send what was deferred, then `future`'s statement (`action` names it in errors), in one
    /// flight, and wait for the answers within this use's bound; the first failure is the
    /// answer. A connection that failed is discarded.
    pub(super) fn run<T, F>(&self, action: &'static str, future: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        self.flight(action, future).map_err(|failed| failed.error)
    }

    /// Send what was deferred and COMMIT, in one flight. A COMMIT sent whose answer never came
    /// (the link cut, the server gone) may or may not have landed:
    /// [`StoreError::OutcomeUnknown`].
    pub(super) fn commit(&self) -> Result<(), StoreError> {
        match self.flight("commit", self.client().batch_execute("COMMIT")) {
            Ok(()) => Ok(()),
            Err(Failed {
                error,
                answered: false,
            }) => Err(StoreError::OutcomeUnknown {
                store: self.database.name(),
                reason: match error {
                    StoreError::Unavailable { reason, .. } => reason,
                    other => other.to_string(),
                },
            }),
            Err(Failed { error, .. }) => Err(error),
        }
    }

    fn flight<T, F>(&self, action: &'static str, future: F) -> Result<T, Failed>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let deferred = self.deferred.take();
        let name = self.database.name();
        let wait = self.wait();
        let outcome = self.database.block_on(async {
            tokio::time::timeout(wait, self.send(&name, deferred, action, future)).await
        });
        let result = match outcome {
            Ok(result) => result,
            Err(_) => Err(Failed {
                error: StoreError::Unavailable {
                    store: name,
                    reason: format!("no answer within {} to {action}", seconds(wait)),
                },
                answered: false,
            }),
        };
        match &result {
            Ok(_) => self.database.answered(),
            Err(failed) => {
                if failed.error.is_unavailable() {
                    self.discard();
                    if !failed.answered {
                        self.database.unanswered();
                    }
                } else {
                    // The server answered: it is there.
                    self.database.answered();
                }
            }
        }
        result
    }

    /// The flight itself: the deferred statements' plans first when this connection has not
    /// made them yet, then every statement, polled together so that they go out together.
    async fn send<T, F>(
        &self,
        store: &str,
        deferred: Vec<Deferred>,
        action: &'static str,
        future: F,
    ) -> Result<T, Failed>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let failed = |action: &'static str, error: tokio_postgres::Error| Failed {
            answered: error.code().is_some(),
            error: classify(store, action, error),
        };
        let sqls: Vec<&'static str> = deferred
            .iter()
            .filter(|d| !matches!(d.answer, Answer::Simple))
            .map(|d| d.sql)
            .collect();
        self.prepare_all(&sqls)
            .await
            .map_err(|e| failed("prepare statements", e))?;
        let sends = deferred.into_iter().map(|statement| {
            Box::pin(self.send_deferred(statement))
                as Pin<Box<dyn Future<Output = Result<(), (&'static str, DeferredError)>> + '_>>
        });
        let (sent, result) =
            futures_util::future::join(futures_util::future::join_all(sends), future).await;
        // The first statement that failed made the server skip or refuse the rest.
        for outcome in sent {
            match outcome {
                Ok(()) => {}
                Err((action, DeferredError::Postgres(error))) => return Err(failed(action, error)),
                Err((_, DeferredError::Refused(error))) => {
                    return Err(Failed {
                        error,
                        answered: true,
                    })
                }
            }
        }
        result.map_err(|e| failed(action, e))
    }

    async fn send_deferred(
        &self,
        statement: Deferred,
    ) -> Result<(), (&'static str, DeferredError)> {
        let Deferred {
            action,
            sql,
            params,
            answer,
        } = statement;
        let postgres = |e| (action, DeferredError::Postgres(e));
        let refused = |e| (action, DeferredError::Refused(e));
        if let Answer::Simple = answer {
            return self.client().batch_execute(sql).await.map_err(postgres);
        }
        let statement = self.statement(sql).await.map_err(postgres)?;
        let params: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|param| param.as_ref() as &(dyn ToSql + Sync))
            .collect();
        match answer {
            Answer::Affected(check) => {
                let affected = self
                    .client()
                    .execute(&statement, &params)
                    .await
                    .map_err(postgres)?;
                check(affected).map_err(refused)
            }
            Answer::Rows(take) => {
                let rows = self
                    .client()
                    .query(&statement, &params)
                    .await
                    .map_err(postgres)?;
                take(rows).map_err(refused)
            }
            Answer::Simple => Ok(()),
        }
    }
}

/// How a deferred statement failed: the server refused it, or its answer did not pass.
enum DeferredError {
    Postgres(tokio_postgres::Error),
    Refused(StoreError),
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
        if let Some(connection) = self.connection.take() {
            if self.healthy.get() && self.deferred.get_mut().is_empty() {
                self.database.give_back(connection);
            }
        }
        self.database.put_back();
    }
}

/// Sort a database error: retrying may cure it ([`StoreError::Unavailable`]), a name has a
/// certificate the transaction said it must not ([`StoreError::Conflict`]), or neither
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
fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}
