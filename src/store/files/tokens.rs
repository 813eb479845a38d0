//! The enrolment tokens in a CA directory: `.enrolment-tokens`, one JSON object per line (the
//! hash of a token, never the token; its id, glob, comment, maker, times and uses), mode 0600,
//! rewritten atomically under the CA directory's lock, so that a use taken by one writer is
//! seen by the next. A hidden file: not part of Puppet's layout, so puppetserver, `cert
//! migrate` and standby copies pass it by (tokens are no CA data). A line that does not parse
//! is dropped, which can only take a grant away.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::atomic::Durability;
use crate::error::StoreError;
use crate::store::{TokenRecord, TokenUse};

use super::Layout;

/// The file of the records, in the CA directory.
const FILE: &str = ".enrolment-tokens";

/// One line of the file (times in seconds since the epoch).
#[derive(Serialize, Deserialize)]
struct Line {
    hash: String,
    id: String,
    glob: String,
    comment: String,
    creator: String,
    created: i64,
    expires: i64,
    uses: u32,
    uses_left: u32,
    revoked: Option<i64>,
}

impl Line {
    fn of(record: &TokenRecord) -> Line {
        Line {
            hash: record.hash.clone(),
            id: record.id.clone(),
            glob: record.glob.clone(),
            comment: record.comment.clone(),
            creator: record.creator.clone(),
            created: record.created.unix_timestamp(),
            expires: record.expires.unix_timestamp(),
            uses: record.uses,
            uses_left: record.uses_left,
            revoked: record.revoked.map(OffsetDateTime::unix_timestamp),
        }
    }

    fn record(self) -> Option<TokenRecord> {
        let time = |seconds| OffsetDateTime::from_unix_timestamp(seconds).ok();
        Some(TokenRecord {
            hash: self.hash,
            id: self.id,
            glob: self.glob,
            comment: self.comment,
            creator: self.creator,
            created: time(self.created)?,
            expires: time(self.expires)?,
            uses: self.uses,
            uses_left: self.uses_left.min(self.uses),
            revoked: match self.revoked {
                Some(seconds) => Some(time(seconds)?),
                None => None,
            },
        })
    }
}

impl Layout {
    /// Every record in the file, oldest first (lines that do not parse are dropped).
    pub(super) fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        Ok(self
            .read_records::<Line>(FILE)?
            .into_iter()
            .filter_map(Line::record)
            .collect())
    }

    /// Replace the file with `records` (under the CA directory's lock), made durable
    /// `durability`'s way.
    pub(super) fn write_tokens(
        &self,
        records: &[TokenRecord],
        durability: Durability,
    ) -> Result<(), StoreError> {
        self.write_records(FILE, records.iter().map(Line::of), durability)
    }
}

/// `records` with `record` added and those that may be dropped at its creation dropped.
pub(super) fn with_added(records: Vec<TokenRecord>, record: &TokenRecord) -> Vec<TokenRecord> {
    let mut kept: Vec<TokenRecord> = records
        .into_iter()
        .filter(|r| !crate::token::droppable(r, record.created) && r.hash != record.hash)
        .collect();
    kept.push(record.clone());
    kept
}

/// `records` with `uses` taken at `now`: [`StoreError::TokenSpent`] when one of them has not
/// that many left, has expired or was revoked, or is not there.
pub(super) fn with_uses_taken(
    layout: &Layout,
    mut records: Vec<TokenRecord>,
    uses: &[TokenUse],
    now: OffsetDateTime,
) -> Result<Vec<TokenRecord>, StoreError> {
    for taken in uses {
        let usable = records.iter_mut().find(|record| {
            record.hash == taken.hash
                && record.uses_left >= taken.count
                && record.expires > now
                && record.revoked.is_none()
        });
        match usable {
            Some(record) => record.uses_left -= taken.count,
            None => {
                return Err(StoreError::TokenSpent {
                    store: layout.cadir.display().to_string(),
                    id: taken.id.clone(),
                })
            }
        }
    }
    Ok(records)
}
