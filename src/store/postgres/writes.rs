//! The rows both a transaction and a copy of a whole CA (`import`, `cert migrate`) write:
//! inventory lines, signed certificates, revocations, puppetserver's other files, many rows per
//! statement (`unnest` of arrays), deferred to the transaction's next flight; and the next
//! serial. What each operation writes, and when, is `transaction`'s and `import`'s; the rows
//! are those `schema` describes.

use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;
use crate::store::{inventory, Item};

use super::transaction::PgTransaction;

/// Inventory lines, in order (the primary key refuses a serial used before).
pub(super) const INSERT_INVENTORY: &str =
    "INSERT INTO inventory (serial, not_before, not_after, subject)
     SELECT s::numeric, to_timestamp(b), to_timestamp(a), j
     FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[])
          WITH ORDINALITY AS t(s, b, a, j, o)
     ORDER BY o";

/// Each name's current certificate, replacing the one it had.
pub(super) const UPSERT_SIGNED: &str = "INSERT INTO signed (name, serial, pem)
     SELECT n, s::numeric, p FROM unnest($1::text[], $2::text[], $3::bytea[]) AS t(n, s, p)
     ON CONFLICT (name) DO UPDATE SET serial = EXCLUDED.serial, pem = EXCLUDED.pem";

/// Revocations, in order.
pub(super) const INSERT_REVOCATIONS: &str = "INSERT INTO revocations (serial, reason, revoked_at)
     SELECT s::numeric, r, to_timestamp(t)
     FROM unnest($1::text[], $2::int2[], $3::int8[]) WITH ORDINALITY AS x(s, r, t, o)
     ORDER BY o";

/// puppetserver's other files, by name.
const PUT_FILES: &str =
    "INSERT INTO files (name, bytes) SELECT * FROM unnest($1::text[], $2::bytea[])
     ON CONFLICT (name) DO UPDATE SET bytes = EXCLUDED.bytes";

impl PgTransaction<'_> {
    /// Inventory lines, in order.
    pub(super) fn insert_inventory(&self, lines: &[inventory::Line]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let serials: Vec<String> = lines.iter().map(|l| l.serial.0.to_string()).collect();
        let not_before: Vec<i64> = lines
            .iter()
            .map(|l| l.not_before.unix_timestamp())
            .collect();
        let not_after: Vec<i64> = lines.iter().map(|l| l.not_after.unix_timestamp()).collect();
        let subjects: Vec<String> = lines.iter().map(|l| l.subject.clone()).collect();
        // The inventory's primary key refuses a serial used before: the statement fails, and
        // with it the whole transaction (never papered over).
        self.defer(
            "record the inventory",
            INSERT_INVENTORY,
            vec![
                Box::new(serials),
                Box::new(not_before),
                Box::new(not_after),
                Box::new(subjects),
            ],
        );
        Ok(())
    }

    /// Each name's current certificate (serial, PEM), replacing the one it had.
    pub(super) fn upsert_signed(
        &self,
        certificates: &[(&Certname, Serial, &[u8])],
    ) -> Result<(), StoreError> {
        if certificates.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = certificates
            .iter()
            .map(|(n, _, _)| n.as_str().to_owned())
            .collect();
        let serials: Vec<String> = certificates
            .iter()
            .map(|(_, s, _)| s.0.to_string())
            .collect();
        let pems: Vec<Vec<u8>> = certificates.iter().map(|(_, _, p)| p.to_vec()).collect();
        self.defer(
            "record signed certificates",
            UPSERT_SIGNED,
            vec![Box::new(names), Box::new(serials), Box::new(pems)],
        );
        Ok(())
    }

    /// Revocations, in order.
    pub(super) fn insert_revocations(&self, added: &[Revocation]) -> Result<(), StoreError> {
        if added.is_empty() {
            return Ok(());
        }
        let serials: Vec<String> = added.iter().map(|r| r.serial.0.to_string()).collect();
        let reasons: Vec<Option<i16>> = added
            .iter()
            .map(|r| r.reason.map(|reason| i16::from(reason.code())))
            .collect();
        let times: Vec<i64> = added.iter().map(|r| r.time.unix_timestamp()).collect();
        self.defer(
            "record revocations",
            INSERT_REVOCATIONS,
            vec![Box::new(serials), Box::new(reasons), Box::new(times)],
        );
        Ok(())
    }

    /// puppetserver's other files (`ca_pub.pem`, `infra_*`), by name.
    pub(super) fn put_files(&self, files: &[(&str, &[u8])]) -> Result<(), StoreError> {
        let names: Vec<String> = files.iter().map(|(n, _)| (*n).to_owned()).collect();
        let bytes: Vec<Vec<u8>> = files.iter().map(|(_, b)| b.to_vec()).collect();
        self.defer(
            "record the CA's other files",
            PUT_FILES,
            vec![Box::new(names), Box::new(bytes)],
        );
        Ok(())
    }

    /// The next serial `nextval` hands out.
    pub(super) fn set_next_serial(&self, next: Serial) -> Result<(), StoreError> {
        let next = i64::try_from(next.0)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                self.corrupt(
                    &Item::Serial,
                    format!("next serial {next} does not fit the sequence (1 to 2^63-1)"),
                )
            })?;
        self.connection().run(
            "set the next serial",
            self.client()
                .execute("SELECT setval('cert_serial', $1, false)", &[&next]),
        )?;
        Ok(())
    }
}
