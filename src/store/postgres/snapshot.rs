//! The database backend's read-only view: a REPEATABLE READ, READ ONLY transaction, so that
//! every read sees one committed state while nodes go on signing. What only this backend can
//! get wrong is checked here: the CRL row must agree with the CRL it holds (its number) and
//! with the revocations it was rendered from. The standby copy is the public part of the CA
//! in Puppet's file names (the chain, the CRL, the inventory as `inventory.txt`, the other
//! files): the keys are added by the caller, and no `serial` is written, so that the copy can
//! never be run by mistake as a second, file-based CA beside the database.

use std::collections::BTreeSet;

use crate::atomic::PUBLIC_MODE;
use crate::crl::Crl;
use crate::error::StoreError;
use crate::store::{BackendSnapshot, Problem, Read, Records};
use crate::tree::TreeFile;

use super::connection::Pooled;
use super::reads::timestamp;

/// A consistent view of the database.
pub(super) struct PgSnapshot<'a> {
    connection: Pooled<'a>,
}

impl<'a> PgSnapshot<'a> {
    /// A snapshot on `connection`, on which its BEGIN has run.
    pub(super) fn new(connection: Pooled<'a>) -> PgSnapshot<'a> {
        // Its transaction is never committed: the connection is closed when done.
        connection.discard();
        PgSnapshot { connection }
    }
}

impl PgSnapshot<'_> {
    /// puppetserver's other files, by name; only plain names (a row is never a path out of
    /// the CA directory a copy goes to).
    fn files(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = self.connection.run(
            "read the CA's other files",
            self.connection
                .client()
                .query("SELECT name, bytes FROM files ORDER BY name", &[]),
        )?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, Vec<u8>>(1)))
            .filter(|(name, _)| !name.is_empty() && !name.contains('/') && !name.starts_with('.'))
            .collect())
    }
}

impl Read for PgSnapshot<'_> {
    crate::store::read::through!(connection);
}

impl BackendSnapshot for PgSnapshot<'_> {
    fn problems(&self) -> Result<Vec<Problem>, StoreError> {
        let mut problems = Vec::new();
        let Some(row) = self.connection.crl_row()? else {
            return Ok(problems);
        };
        let what = format!("the CRL in {}", self.connection.database().name());
        let first = match Crl::chain_from_pem(&what, &row.pem) {
            Ok(crls) => crls.into_iter().next(),
            // The shared check reports a CRL that does not parse.
            Err(_) => return Ok(problems),
        };
        let Some(first) = first else {
            return Ok(problems);
        };
        if first.number.unwrap_or(0) != row.number {
            problems.push(Problem {
                what: what.clone(),
                reason: format!(
                    "the row's number {} is not the number {} of the CRL it holds",
                    row.number,
                    first.number.unwrap_or(0)
                ),
            });
        }
        let listed: BTreeSet<u128> = first.revoked.iter().map(|r| r.serial.0).collect();
        let recorded: BTreeSet<u128> = self
            .connection
            .revocations()?
            .iter()
            .map(|r| r.serial.0)
            .collect();
        for serial in recorded.difference(&listed) {
            problems.push(Problem {
                what: what.clone(),
                reason: format!(
                    "serial {} is revoked but not in the CRL",
                    crate::certificate::Serial(*serial)
                ),
            });
        }
        for serial in listed.difference(&recorded) {
            problems.push(Problem {
                what: what.clone(),
                reason: format!(
                    "serial {} is in the CRL but has no revocation",
                    crate::certificate::Serial(*serial)
                ),
            });
        }
        Ok(problems)
    }

    fn standby_files(&self) -> Result<Vec<TreeFile>, StoreError> {
        let public = |path: &str, bytes: Vec<u8>| TreeFile {
            path: path.to_owned(),
            bytes,
            mode: PUBLIC_MODE,
        };
        let mut inventory = String::new();
        for line in self.connection.inventory_lines()? {
            inventory.push_str(&line);
            inventory.push('\n');
        }
        let mut files = vec![
            public("ca_crt.pem", self.connection.ca_chain_pem()?),
            public("ca_crl.pem", self.connection.crl_pem()?),
            public("inventory.txt", inventory.into_bytes()),
        ];
        for (name, bytes) in self.files()? {
            files.push(public(&name, bytes));
        }
        Ok(files)
    }

    fn records(&self) -> Result<Records, StoreError> {
        let rows = self.connection.run(
            "read the replaced CA certificates",
            self.connection.client().query(
                "SELECT extract(epoch FROM archived_at)::int8, chain_pem FROM ca_archive
                 ORDER BY archived_at",
                &[],
            ),
        )?;
        let archives = rows
            .into_iter()
            .map(|row| (timestamp(row.get(0)), row.get(1)))
            .collect();
        Ok(Records {
            chain_pem: self.connection.ca_chain_pem()?,
            archives,
            crl_pem: self.connection.crl_pem()?,
            revocations: self.connection.revocations()?,
            inventory: self.connection.inventory_lines()?,
            audit: self.connection.audit()?,
            files: self.files()?,
        })
    }
}
