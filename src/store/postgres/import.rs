//! What a copy of a whole CA writes into the database (`cert migrate`), in the transaction of
//! the copy: the records ([`Records`]) into tables that must all be empty, then the requests
//! and certificates in chunks, then the serial; nothing is visible before the COMMIT, so an
//! interrupted copy leaves nothing. Inventory lines keep their text when `cert` would write
//! them otherwise; a revocation listed twice in the CRL (puppetserver's CRLs can have
//! duplicates) is one row, the CRL itself kept as it was.

use std::collections::HashSet;

use crate::certname::Certname;
use crate::crl::{Crl, Revocation};
use crate::error::StoreError;
use crate::store::{inventory, Item, Records};

use super::transaction::PgTransaction;

/// The tables a CA is in, in the order [`PgTransaction::import_records`] names them, with what
/// their rows are called.
const TABLES: [(&str, &str); 9] = [
    ("ca", "a CA certificate"),
    ("crl", "a CRL"),
    ("ca_archive", "replaced CA certificates"),
    ("inventory", "inventory entries"),
    ("signed", "signed certificates"),
    ("requests", "requests"),
    ("revocations", "revocations"),
    ("audit", "audit lines"),
    ("files", "other files"),
];

impl PgTransaction<'_> {
    /// Record `records` into a database that holds no CA, nor any row of one.
    pub(super) fn import_records(&mut self, records: &Records) -> Result<(), StoreError> {
        self.check_empty()?;
        let store = self.store_name();
        let inserted = self.connection().run_unless_unique(
            "record the CA",
            self.client().execute(
                "INSERT INTO ca (chain_pem) VALUES ($1)",
                &[&records.chain_pem],
            ),
        )?;
        if inserted.is_none() {
            // Another copy or setup recorded a CA meanwhile.
            return Err(StoreError::CaExists { store });
        }
        self.insert_archives(records)?;
        self.insert_crl(&records.crl_pem)?;
        let mut seen = HashSet::new();
        let revocations: Vec<Revocation> = records
            .revocations
            .iter()
            .filter(|revocation| seen.insert(revocation.serial))
            .cloned()
            .collect();
        self.insert_revocations(&revocations)?;
        self.insert_inventory_lines(&records.inventory)?;
        if !records.files.is_empty() {
            let files: Vec<(&str, &[u8])> = records
                .files
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
                .collect();
            self.put_files(&files)?;
        }
        if !records.audit.is_empty() {
            use crate::store::BackendTransaction;
            self.append_audit(&records.audit)?;
        }
        Ok(())
    }

    /// Queue requests as they were.
    pub(super) fn insert_requests(
        &self,
        requests: &[(Certname, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let names: Vec<&str> = requests.iter().map(|(name, _)| name.as_str()).collect();
        let pems: Vec<&[u8]> = requests.iter().map(|(_, pem)| pem.as_slice()).collect();
        self.connection().run(
            "queue requests",
            self.client().execute(
                "INSERT INTO requests (name, pem) SELECT * FROM unnest($1::text[], $2::bytea[])",
                &[&names, &pems],
            ),
        )?;
        Ok(())
    }

    /// Refused unless every table of a CA is empty.
    fn check_empty(&self) -> Result<(), StoreError> {
        let counts: Vec<String> = TABLES
            .iter()
            .map(|(table, _)| format!("(SELECT count(*) FROM {table})"))
            .collect();
        let row = self.connection().run(
            "look for a CA",
            self.client()
                .query_one(&format!("SELECT {}", counts.join(", ")), &[]),
        )?;
        let store = self.store_name();
        let counts: Vec<i64> = (0..TABLES.len()).map(|index| row.get(index)).collect();
        if counts[0] > 0 || counts[1] > 0 {
            return Err(StoreError::CaExists { store });
        }
        let holds: Vec<String> = TABLES
            .iter()
            .zip(&counts)
            .filter(|(_, count)| **count > 0)
            .map(|((_, what), count)| format!("{count} {what}"))
            .collect();
        if holds.is_empty() {
            Ok(())
        } else {
            Err(StoreError::NotEmpty {
                store,
                holds: holds.join(", "),
            })
        }
    }

    fn insert_archives(&self, records: &Records) -> Result<(), StoreError> {
        if records.archives.is_empty() {
            return Ok(());
        }
        let times: Vec<i64> = records
            .archives
            .iter()
            .map(|(time, _)| time.unix_timestamp())
            .collect();
        let pems: Vec<&[u8]> = records
            .archives
            .iter()
            .map(|(_, pem)| pem.as_slice())
            .collect();
        self.connection().run(
            "record the replaced CA certificates",
            self.client().execute(
                "INSERT INTO ca_archive (archived_at, chain_pem)
                 SELECT to_timestamp(t), p FROM unnest($1::int8[], $2::bytea[]) AS x(t, p)",
                &[&times, &pems],
            ),
        )?;
        Ok(())
    }

    /// The CRL row: the chain as it was, its first CRL's number and next update.
    fn insert_crl(&self, pem: &[u8]) -> Result<(), StoreError> {
        use crate::store::Backend;
        let what = self.store().locate(&Item::Crl);
        let crls = Crl::chain_from_pem(&what, pem).map_err(|e| StoreError::Corrupt {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        let first = crls.first().ok_or_else(|| StoreError::Corrupt {
            what,
            reason: "it holds no CRL".into(),
        })?;
        let number = first.number.unwrap_or(0).to_string();
        let next_update = first.next_update.map(|t| t.unix_timestamp());
        self.connection().run(
            "record the CRL",
            self.client().execute(
                "INSERT INTO crl (number, pem, next_update)
                 VALUES ($1::text::numeric, $2, to_timestamp($3::int8))",
                &[&number, &pem, &next_update],
            ),
        )?;
        Ok(())
    }

    /// Inventory lines as text, in order; a line keeps its text when `cert` would format it
    /// otherwise.
    fn insert_inventory_lines(&self, lines: &[String]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut serials = Vec::with_capacity(lines.len());
        let mut not_before = Vec::with_capacity(lines.len());
        let mut not_after = Vec::with_capacity(lines.len());
        let mut subjects = Vec::with_capacity(lines.len());
        let mut texts: Vec<Option<&str>> = Vec::with_capacity(lines.len());
        for (number, text) in lines.iter().enumerate() {
            let line = inventory::Line::parse(text).ok_or_else(|| {
                self.corrupt(
                    &Item::Inventory,
                    format!("line {} is not in Puppet's format: {text:?}", number + 1),
                )
            })?;
            serials.push(line.serial.0.to_string());
            not_before.push(line.not_before.unix_timestamp());
            not_after.push(line.not_after.unix_timestamp());
            let formatted = line.format();
            texts.push((formatted.trim_end_matches('\n') != text).then_some(text.as_str()));
            subjects.push(line.subject);
        }
        self.connection().run(
            "record the inventory",
            self.client().execute(
                "INSERT INTO inventory (serial, not_before, not_after, subject, line)
                 SELECT s::numeric, to_timestamp(b), to_timestamp(a), j, l
                 FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[])
                      WITH ORDINALITY AS t(s, b, a, j, l, o)
                 ORDER BY o",
                &[&serials, &not_before, &not_after, &subjects, &texts],
            ),
        )?;
        Ok(())
    }
}
