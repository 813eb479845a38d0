//! The enrolment tokens in the database (`enrolment_tokens`, schema version 6: the hash of each
//! token, never the token), so that a token made on one node is honoured by every node and its
//! uses go on all of them at once.
//!
//! Taking a use is `cert_use_token` (schema version 6), deferred to the transaction's next
//! flight like every write an enrolment batch makes: it takes the uses only where the row still
//! has them, has not expired and is not revoked, and otherwise raises SQLSTATE `CE002` (the
//! token's id in its DETAIL), which fails the whole transaction on the server: of two nodes
//! taking the last use of one token at once, the second waits on the first's row lock, finds
//! no use left, and commits nothing ([`StoreError::TokenSpent`]; the CA does its batch again
//! with the token's state read). A check on rows affected made by this program would not do:
//! the COMMIT of the same flight would already have run. Reading the tokens a batch presents
//! is one query in the transaction (with `FOR UPDATE` when the batch is done again); making
//! and dropping tokens are deferred too; revoking is one `UPDATE ... RETURNING`.

use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::error::StoreError;
use crate::store::{TokenRecord, TokenUse};

use super::connection::Pooled;
use super::flight::Deferred;
use super::reads::timestamp;
use super::transaction::PgTransaction;

/// The columns of a record, in [`record`]'s order.
macro_rules! columns {
    () => {
        "hash, id, glob, comment, created_by, extract(epoch FROM created_at)::int8,
         extract(epoch FROM expires_at)::int8, uses, uses_left,
         extract(epoch FROM revoked_at)::int8"
    };
}

/// Every record, oldest first.
const ALL: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM enrolment_tokens ORDER BY created_at, id"
);

/// The records of some hashes.
pub(super) const OF: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM enrolment_tokens WHERE hash = ANY($1::text[]) ORDER BY hash"
);

/// The records of some hashes, locked until the transaction ends (in the order of the hashes,
/// so that two transactions never deadlock on them).
pub(super) const OF_LOCKED: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM enrolment_tokens WHERE hash = ANY($1::text[]) ORDER BY hash FOR UPDATE"
);

/// Taking uses of one token, or failing the transaction (`CE002`).
pub(super) const USE: &str = "SELECT cert_use_token($1, $2, $3::int4, to_timestamp($4::int8))";

/// A new record.
const PUT: &str = "INSERT INTO enrolment_tokens
         (hash, id, glob, comment, created_by, created_at, expires_at, uses, uses_left)
     VALUES ($1, $2, $3, $4, $5, to_timestamp($6::int8), to_timestamp($7::int8), $8::int4,
             $8::int4)";

/// The records that expired at or before a time (a new record's creation less
/// [`crate::token::RETENTION`]).
const DROP_ENDED: &str = "DELETE FROM enrolment_tokens WHERE expires_at <= to_timestamp($1::int8)";

/// Revoking one token, its first revocation's time kept.
const REVOKE: &str = concat!(
    "UPDATE enrolment_tokens SET revoked_at = coalesce(revoked_at, to_timestamp($2::int8))
     WHERE id = $1 RETURNING ",
    columns!()
);

/// The record of a row of the statements above.
fn record(row: &Row) -> TokenRecord {
    let count = |index: usize| u32::try_from(row.get::<_, i32>(index)).unwrap_or(0);
    let uses = count(7);
    TokenRecord {
        hash: row.get(0),
        id: row.get(1),
        glob: row.get(2),
        comment: row.get(3),
        creator: row.get(4),
        created: timestamp(row.get(5)),
        expires: timestamp(row.get(6)),
        uses,
        uses_left: count(8).min(uses),
        revoked: row.get::<_, Option<i64>>(9).map(timestamp),
    }
}

impl Pooled<'_> {
    /// Every record, oldest first.
    pub(super) fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = self.run("read the enrolment tokens", self.query(ALL, &[]))?;
        Ok(rows.iter().map(record).collect())
    }
}

impl PgTransaction<'_> {
    /// Record `record`, dropping what may be dropped (both with the next flight).
    pub(super) fn put_token_row(&self, record: &TokenRecord) {
        let created = record.created.unix_timestamp();
        let cutoff = (record.created - crate::token::RETENTION).unix_timestamp();
        self.connection().defer(Deferred::execute(
            "drop ended enrolment tokens",
            DROP_ENDED,
            vec![Box::new(cutoff)],
            |_| Ok(()),
        ));
        let uses = i32::try_from(record.uses).unwrap_or(i32::MAX);
        self.connection().defer(Deferred::execute(
            "record an enrolment token",
            PUT,
            vec![
                Box::new(record.hash.clone()),
                Box::new(record.id.clone()),
                Box::new(record.glob.clone()),
                Box::new(record.comment.clone()),
                Box::new(record.creator.clone()),
                Box::new(created),
                Box::new(record.expires.unix_timestamp()),
                Box::new(uses),
            ],
            |_| Ok(()),
        ));
    }

    /// The records of `hashes`, locked with `lock`.
    pub(super) fn token_rows(
        &self,
        hashes: &[String],
        lock: bool,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = if lock { OF_LOCKED } else { OF };
        let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
        let rows = self.connection().run(
            "read enrolment tokens",
            self.connection().query(sql, &[&hashes]),
        )?;
        Ok(rows.iter().map(record).collect())
    }

    /// Take `uses` at `now` (with the next flight, one statement per token in the order of
    /// their hashes).
    pub(super) fn use_token_rows(&self, uses: &[TokenUse], now: OffsetDateTime) {
        let mut uses: Vec<&TokenUse> = uses.iter().collect();
        uses.sort_by(|a, b| a.hash.cmp(&b.hash));
        for taken in uses {
            let count = i32::try_from(taken.count).unwrap_or(i32::MAX);
            self.connection().defer(Deferred::execute(
                "use an enrolment token",
                USE,
                vec![
                    Box::new(taken.hash.clone()),
                    Box::new(taken.id.clone()),
                    Box::new(count),
                    Box::new(now.unix_timestamp()),
                ],
                |_| Ok(()),
            ));
        }
    }

    /// Revoke the token of `id` at `now`, if there is one.
    pub(super) fn revoke_token_row(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let now = now.unix_timestamp();
        let rows = self.connection().run(
            "revoke an enrolment token",
            self.connection().query(REVOKE, &[&id, &now]),
        )?;
        Ok(rows.first().map(record))
    }
}
