//! A connection's flights: the statements of a transaction whose answers nobody waits for are
//! deferred ([`Deferred`]) and sent together with the next statement that needs an answer (or
//! with COMMIT), polled together so that tokio-postgres pipelines them: one round trip for all
//! of them. Each connection prepares a statement once and keeps it ([`Pooled::query`] and the
//! others use the prepared plan), and the statements a transaction writes with are prepared
//! together when a connection opens, so a flight has nothing to prepare first.
//!
//! A flight waits for its answers within the use's bound; the first failure among the
//! answers is the flight's (the server skips or refuses the rest of a transaction after one).
//! A flight that got no answer at all trips the breaker and is given up on; one that carried
//! COMMIT is then [`StoreError::OutcomeUnknown`].

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

use crate::error::StoreError;

use super::connection::{classify, is_unique_violation, seconds, Pooled, STATEMENT_TIMEOUT};

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

/// Why a flight failed: the error, and whether the server answered with it (then the
/// transaction is known to be rolled back) or no answer came at all.
struct Failed {
    error: StoreError,
    answered: bool,
}

impl Pooled<'_> {
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
    pub(super) fn warm(&self, sqls: &'static [&'static str]) -> Result<(), StoreError> {
        if sqls.is_empty() {
            return Ok(());
        }
        let wait = self.wait();
        let prepared = self.database().block_on(async {
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
            self.database().unanswered();
            StoreError::Unavailable {
                store: self.database().name(),
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
                store: self.database().name(),
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
        let name = self.database().name();
        let wait = self.wait();
        let outcome = self.database().block_on(async {
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
            Ok(_) => self.database().answered(),
            Err(failed) => {
                if failed.error.is_unavailable() {
                    self.discard();
                    if !failed.answered {
                        self.database().unanswered();
                    }
                } else {
                    // The server answered: it is there.
                    self.database().answered();
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
