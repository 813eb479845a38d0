//! The web console's sign-in records in the database (`console_sessions`, schema version 5:
//! the hash of each secret, never the secret), so that every node serves every session, and
//! when each queued request arrived. As everywhere in this backend, a change whose answer
//! nobody waits for is deferred to the transaction's next flight: recording a session (with
//! the records that ended dropped) and signing out cost no round trip of their own; using a
//! login link is one `DELETE ... RETURNING`, so that of two nodes given one link at once, one
//! gets it.

use std::time::SystemTime;

use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::certname::Certname;
use crate::error::StoreError;
use crate::store::{SessionKind, SessionRecord};

use super::connection::Pooled;
use super::flight::Deferred;
use super::reads::{epoch_micros, timestamp};
use super::transaction::PgTransaction;

/// One record by its hash.
pub(super) const SESSION: &str = "SELECT hash, kind, actor, extract(epoch FROM created_at)::int8,
            extract(epoch FROM seen_at)::int8, extract(epoch FROM expires_at)::int8
     FROM console_sessions WHERE hash = $1";

/// A session's last request.
pub(super) const TOUCH: &str = "UPDATE console_sessions SET seen_at = to_timestamp($2::int8)
     WHERE hash = $1 AND seen_at < to_timestamp($2::int8)";

/// A new record.
pub(super) const PUT: &str = "INSERT INTO console_sessions
         (hash, kind, actor, created_at, seen_at, expires_at)
     VALUES ($1, $2, $3, to_timestamp($4::int8), to_timestamp($5::int8), to_timestamp($6::int8))";

/// The records that ended before a time.
pub(super) const DROP_ENDED: &str =
    "DELETE FROM console_sessions WHERE expires_at <= to_timestamp($1::int8)";

/// Using a record of a kind (a login link): it goes, and comes back to be checked.
const TAKE: &str = "DELETE FROM console_sessions WHERE hash = $1 AND kind = $2
     RETURNING hash, kind, actor, extract(epoch FROM created_at)::int8,
               extract(epoch FROM seen_at)::int8, extract(epoch FROM expires_at)::int8";

/// Signing out.
const REMOVE: &str = "DELETE FROM console_sessions WHERE hash = $1";

/// When each request was queued (microseconds since the epoch).
const REQUEST_TIMES: &str =
    "SELECT name, (extract(epoch FROM queued_at) * 1000000)::int8 FROM requests";

/// The record of a row of [`SESSION`] or [`TAKE`]; `None` for a kind this program does not
/// know.
fn record(row: &Row) -> Option<SessionRecord> {
    Some(SessionRecord {
        hash: row.get(0),
        kind: SessionKind::parse(row.get(1))?,
        actor: row.get(2),
        created: timestamp(row.get(3)),
        seen: timestamp(row.get(4)),
        expires: timestamp(row.get(5)),
    })
}

impl Pooled<'_> {
    /// The record of `hash`, if any.
    pub(super) fn session(&self, hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = self.run("read a console session", self.query_opt(SESSION, &[&hash]))?;
        Ok(row.as_ref().and_then(record))
    }

    /// Record that the session of `hash` was seen at `seen`.
    pub(super) fn touch_session(&self, hash: &str, seen: OffsetDateTime) -> Result<(), StoreError> {
        let seen = seen.unix_timestamp();
        self.run(
            "record a console session's request",
            self.execute(TOUCH, &[&hash, &seen]),
        )?;
        Ok(())
    }

    /// When each queued request arrived.
    pub(super) fn request_times(&self) -> Result<Vec<(Certname, SystemTime)>, StoreError> {
        let rows = self.run("read the requests' times", self.query(REQUEST_TIMES, &[]))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let name = Certname::parse(row.get::<_, &str>(0)).ok()?;
                Some((name, epoch_micros(row.get(1))))
            })
            .collect())
    }
}

impl PgTransaction<'_> {
    /// Record `record`, dropping what ended before it was made (both with the next flight).
    pub(super) fn put_session_row(&self, record: &SessionRecord) {
        let created = record.created.unix_timestamp();
        self.connection().defer(Deferred::execute(
            "drop ended console sessions",
            DROP_ENDED,
            vec![Box::new(created)],
            |_| Ok(()),
        ));
        self.connection().defer(Deferred::execute(
            "record a console session",
            PUT,
            vec![
                Box::new(record.hash.clone()),
                Box::new(record.kind.as_str().to_owned()),
                Box::new(record.actor.clone()),
                Box::new(created),
                Box::new(record.seen.unix_timestamp()),
                Box::new(record.expires.unix_timestamp()),
            ],
            |_| Ok(()),
        ));
    }

    /// Remove the record of `hash` if it is of `kind`, and return it when it ends after `now`
    /// (an ended one goes too).
    pub(super) fn take_session_row(
        &self,
        hash: &str,
        kind: SessionKind,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let kind = kind.as_str();
        let rows = self.connection().run(
            "use a console sign-in link",
            self.connection().query(TAKE, &[&hash, &kind]),
        )?;
        Ok(rows
            .first()
            .and_then(record)
            .filter(|record| record.expires > now))
    }

    /// Remove the record of `hash` (with the next flight).
    pub(super) fn remove_session_row(&self, hash: &str) {
        self.connection().defer(Deferred::execute(
            "end a console session",
            REMOVE,
            vec![Box::new(hash.to_owned())],
            |_| Ok(()),
        ));
    }
}
