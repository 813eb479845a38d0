//! The reads of the store, as SQL on one connection: what a transaction, a snapshot and the
//! store itself (on a pooled connection, with the node's cache behind it) all answer with.
//! Serials and CRL numbers travel as text (`numeric` in the database), times as whole seconds
//! since the epoch (Puppet's inventory and CRLs have no finer ones).

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::{Reason, Revocation};
use crate::error::StoreError;
use crate::store::{inventory, Presence, Read};

use super::connection::Pooled;

/// The CA row: the chain, and when it was recorded (microseconds since the epoch: two
/// replacements within a second are told apart).
pub(super) const CA_ROW: &str =
    "SELECT chain_pem, (extract(epoch FROM updated_at) * 1000000)::int8 FROM ca";

/// A name's certificate.
pub(super) const SIGNED: &str = "SELECT pem FROM signed WHERE name = $1";

/// The certificates of many names.
pub(super) const SIGNED_MANY: &str = "SELECT name, pem FROM signed WHERE name = ANY ($1::text[])";

/// Whether a serial is revoked.
pub(super) const IS_REVOKED: &str =
    "SELECT EXISTS (SELECT 1 FROM revocations WHERE serial = $1::text::numeric)";

/// Those of some serials that are revoked.
pub(super) const REVOKED_AMONG: &str =
    "SELECT serial::text FROM revocations WHERE serial = ANY ($1::text[]::numeric[])";

pub(super) const CRL_ROW: &str =
    "SELECT number::text, pem, extract(epoch FROM updated_at)::int8 FROM crl";
pub(super) const REVOCATIONS: &str =
    "SELECT serial::text, reason, extract(epoch FROM revoked_at)::int8
     FROM revocations ORDER BY entry";
pub(super) const INVENTORY: &str = "SELECT serial::text, extract(epoch FROM not_before)::int8,
            extract(epoch FROM not_after)::int8, subject
     FROM inventory ORDER BY entry";
const REQUEST: &str = "SELECT pem FROM requests WHERE name = $1";
pub(super) const REQUESTS_MANY: &str =
    "SELECT name, pem FROM requests WHERE name = ANY ($1::text[])";

/// The CRL row: the chain agents fetch, its number, when it was written.
#[derive(Debug, Clone)]
pub(super) struct CrlRow {
    pub(super) number: u128,
    pub(super) pem: Vec<u8>,
    pub(super) updated: SystemTime,
}

impl Pooled<'_> {
    /// The CA chain and when it was recorded, if there is a CA.
    pub(super) fn ca_row(&self) -> Result<Option<(Vec<u8>, SystemTime)>, StoreError> {
        let row = self.run("read the CA certificate", self.query_opt(CA_ROW, &[]))?;
        Ok(row.map(|row| (row.get(0), epoch_micros(row.get(1)))))
    }

    /// The CRL row, if there is a CA.
    pub(super) fn crl_row(&self) -> Result<Option<CrlRow>, StoreError> {
        let row = self.run("read the CRL", self.query_opt(CRL_ROW, &[]))?;
        row.map(|row| {
            Ok(CrlRow {
                number: self.number("the CRL number", row.get(0))?,
                pem: row.get(1),
                updated: epoch(row.get(2)),
            })
        })
        .transpose()
    }

    /// A `numeric` read as text.
    pub(super) fn number(&self, what: &str, text: String) -> Result<u128, StoreError> {
        text.parse().map_err(|_| StoreError::Corrupt {
            what: format!("{what} in {}", self.database().name()),
            reason: format!("{text:?} is not a whole number below 2^128"),
        })
    }

    fn serial(&self, text: String) -> Result<Serial, StoreError> {
        self.number("a serial", text).map(Serial)
    }

    /// The inventory's lines as they are exported, oldest first: the line a row was imported
    /// from, else the row in Puppet's format (no newlines).
    pub(super) fn inventory_lines(&self) -> Result<Vec<String>, StoreError> {
        let rows = self.run(
            "read the inventory",
            self.client().query(
                "SELECT serial::text, extract(epoch FROM not_before)::int8,
                        extract(epoch FROM not_after)::int8, subject, line
                 FROM inventory ORDER BY entry",
                &[],
            ),
        )?;
        rows.into_iter()
            .map(|row| match row.get::<_, Option<String>>(4) {
                Some(line) => Ok(line),
                None => {
                    let line = inventory::Line {
                        serial: self.serial(row.get(0))?,
                        not_before: timestamp(row.get(1)),
                        not_after: timestamp(row.get(2)),
                        subject: row.get(3),
                    };
                    Ok(line.format().trim_end_matches('\n').to_owned())
                }
            })
            .collect()
    }

    /// The rows of `table` (`signed` or `requests`) named in `names`, in their order.
    fn many(
        &self,
        action: &'static str,
        sql: &'static str,
        names: &[Certname],
    ) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        let wanted: Vec<&str> = names.iter().map(Certname::as_str).collect();
        let rows = self.run(action, self.query(sql, &[&wanted]))?;
        let mut found: std::collections::HashMap<String, Vec<u8>> = rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        Ok(names
            .iter()
            .filter_map(|name| Some((name.clone(), found.remove(name.as_str())?)))
            .collect())
    }
}

impl Read for Pooled<'_> {
    fn presence(&self) -> Result<Presence, StoreError> {
        let row = self.run(
            "read the CA",
            self.client().query_one(
                "SELECT EXISTS (SELECT 1 FROM ca), EXISTS (SELECT 1 FROM crl)",
                &[],
            ),
        )?;
        let (ca, crl): (bool, bool) = (row.get(0), row.get(1));
        Ok(match (ca, crl) {
            (true, true) => Presence::Complete,
            (false, false) => Presence::Absent,
            (true, false) => Presence::Partial(vec!["the CRL"]),
            (false, true) => Presence::Partial(vec!["the CA certificate"]),
        })
    }

    fn ca_chain_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.ca_row()?
            .map(|(pem, _)| pem)
            .ok_or_else(|| no_ca(self))
    }

    fn crl_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.crl_row()?
            .map(|row| row.pem)
            .ok_or_else(|| no_ca(self))
    }

    fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        let rows = self.run("read the revocations", self.query(REVOCATIONS, &[]))?;
        rows.into_iter()
            .map(|row| {
                let reason: Option<i16> = row.get(1);
                Ok(Revocation {
                    serial: self.serial(row.get(0))?,
                    time: timestamp(row.get(2)),
                    reason: reason.map(|code| Reason::from_code(code as u8)),
                })
            })
            .collect()
    }

    fn is_revoked(&self, serial: Serial) -> Result<bool, StoreError> {
        let row = self.run(
            "read a revocation",
            self.query_one(IS_REVOKED, &[&serial.0.to_string()]),
        )?;
        Ok(row.get(0))
    }

    fn revoked_among(
        &self,
        serials: &[Serial],
    ) -> Result<std::collections::HashSet<Serial>, StoreError> {
        if serials.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        let wanted: Vec<String> = serials.iter().map(|s| s.0.to_string()).collect();
        let rows = self.run("read revocations", self.query(REVOKED_AMONG, &[&wanted]))?;
        rows.into_iter()
            .map(|row| self.serial(row.get(0)))
            .collect()
    }

    fn next_serial(&self) -> Result<Serial, StoreError> {
        let row = self.run(
            "read the next serial",
            self.client().query_one(
                "SELECT (CASE WHEN is_called THEN last_value + 1 ELSE last_value END)::text
                 FROM cert_serial",
                &[],
            ),
        )?;
        self.serial(row.get(0))
    }

    fn inventory(&self) -> Result<Vec<inventory::Line>, StoreError> {
        let rows = self.run("read the inventory", self.query(INVENTORY, &[]))?;
        rows.into_iter()
            .map(|row| {
                Ok(inventory::Line {
                    serial: self.serial(row.get(0))?,
                    not_before: timestamp(row.get(1)),
                    not_after: timestamp(row.get(2)),
                    subject: row.get(3),
                })
            })
            .collect()
    }

    fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.run("read a request", self.query_opt(REQUEST, &[&name.as_str()]))?;
        Ok(row.map(|row| row.get(0)))
    }

    fn signed(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.run(
            "read a certificate",
            self.query_opt(SIGNED, &[&name.as_str()]),
        )?;
        Ok(row.map(|row| row.get(0)))
    }

    fn signed_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        self.many("read certificates", SIGNED_MANY, names)
    }

    fn requests_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        self.many("read requests", REQUESTS_MANY, names)
    }

    fn request_names(&self) -> Result<Vec<Certname>, StoreError> {
        names(self, "SELECT name FROM requests")
    }

    fn signed_names(&self) -> Result<Vec<Certname>, StoreError> {
        names(self, "SELECT name FROM signed")
    }

    fn audit(&self) -> Result<String, StoreError> {
        let rows = self.run(
            "read the audit log",
            self.client()
                .query("SELECT line FROM audit ORDER BY id", &[]),
        )?;
        let mut text = String::new();
        for row in rows {
            text.push_str(row.get(0));
            text.push('\n');
        }
        Ok(text)
    }
}

/// The names `sql` selects that are certnames, sorted as certnames sort (not by the
/// database's collation).
fn names(connection: &Pooled<'_>, sql: &str) -> Result<Vec<Certname>, StoreError> {
    let rows = connection.run("list names", connection.client().query(sql, &[]))?;
    let mut names: Vec<Certname> = rows
        .into_iter()
        .filter_map(|row| Certname::parse(row.get(0)).ok())
        .collect();
    names.sort();
    Ok(names)
}

fn no_ca(connection: &Pooled<'_>) -> StoreError {
    StoreError::NoCa {
        store: connection.database().name(),
    }
}

/// Whole seconds since the epoch as a time (clamped to the epoch for earlier ones, which no
/// certificate of ours has).
pub(super) fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Microseconds since the epoch as a system time.
pub(super) fn epoch_micros(micros: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_micros(micros.max(0) as u64)
}

/// Whole seconds since the epoch as a system time.
pub(super) fn epoch(seconds: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64)
}
