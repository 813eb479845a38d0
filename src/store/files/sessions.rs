//! The web console's sign-in records in a CA directory: `.console-sessions`, one JSON object
//! per line (the hash of a secret, never the secret; its kind, actor and times), mode 0600,
//! rewritten atomically under the CA directory's lock. A hidden file: not part of Puppet's
//! layout, so puppetserver, `cert migrate` and standby copies pass it by (sessions are no CA
//! data). Also when each queued request arrived: its file's modification time.

use std::fs;
use std::io::ErrorKind;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::atomic::Durability;
use crate::certname::Certname;
use crate::error::StoreError;
use crate::store::{SessionKind, SessionRecord};

use super::Layout;

/// The file of the records, in the CA directory.
const FILE: &str = ".console-sessions";

/// One line of the file.
#[derive(Serialize, Deserialize)]
struct Line {
    hash: String,
    kind: String,
    actor: String,
    created: i64,
    seen: i64,
    expires: i64,
}

impl Layout {
    /// Every record in the file (lines that do not parse are dropped).
    pub(super) fn sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        Ok(self
            .read_records::<Line>(FILE)?
            .into_iter()
            .filter_map(|line| {
                Some(SessionRecord {
                    hash: line.hash,
                    kind: SessionKind::parse(&line.kind)?,
                    actor: line.actor,
                    created: OffsetDateTime::from_unix_timestamp(line.created).ok()?,
                    seen: OffsetDateTime::from_unix_timestamp(line.seen).ok()?,
                    expires: OffsetDateTime::from_unix_timestamp(line.expires).ok()?,
                })
            })
            .collect())
    }

    /// Replace the file with `records` (under the CA directory's lock), made durable
    /// `durability`'s way.
    pub(super) fn write_sessions(
        &self,
        records: &[SessionRecord],
        durability: Durability,
    ) -> Result<(), StoreError> {
        let lines = records.iter().map(|record| Line {
            hash: record.hash.clone(),
            kind: record.kind.as_str().to_owned(),
            actor: record.actor.clone(),
            created: record.created.unix_timestamp(),
            seen: record.seen.unix_timestamp(),
            expires: record.expires.unix_timestamp(),
        });
        self.write_records(FILE, lines, durability)
    }

    /// The arrival time of every queued request: its file's modification time.
    pub(super) fn request_times(&self) -> Result<Vec<(Certname, SystemTime)>, StoreError> {
        let directory = self.path("requests");
        let mut times = Vec::new();
        for name in super::layout::list_names(&directory)? {
            let path = directory.join(name.file_name());
            match fs::metadata(&path).and_then(|m| m.modified()) {
                Ok(time) => times.push((name, time)),
                // Signed or removed since it was listed.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("stat", &path, e)),
            }
        }
        Ok(times)
    }
}

/// `records` with `record` added and those ended before it was made dropped.
pub(super) fn with_added(
    records: Vec<SessionRecord>,
    record: &SessionRecord,
) -> Vec<SessionRecord> {
    let mut kept: Vec<SessionRecord> = records
        .into_iter()
        .filter(|r| r.expires > record.created && r.hash != record.hash)
        .collect();
    kept.push(record.clone());
    kept
}
