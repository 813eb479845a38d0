//! Moving a CA between stores (`cert migrate SOURCE DEST`): a CA directory into a database and
//! back, or between two of either. Everything of the CA is copied, byte for byte where Puppet
//! reads it (the chain and the chains `extend-ca` replaced, the CRL chain and its revocations,
//! the next serial, the inventory, requests, signed certificates, the audit log, puppetserver's
//! other files); never the keys, which no store holds ([`KeyDirectory`]).
//!
//! SOURCE is read in one snapshot (files: under its lock) and changes nothing there. DEST must
//! hold nothing, the CA's keys aside (a node's cadir that has them is the usual DEST of a move
//! back to files: its key is checked against the CA certificate first); it is written in one
//! transaction of its store, the next serial last, so that an interrupted copy leaves nothing
//! (a database) or an incomplete CA that every tool refuses (files: no `serial`). What a
//! database could not hold is refused before anything is written: an inventory line not in
//! Puppet's format, a serial issued twice, a certificate that does not parse. The copy is
//! audited in DEST.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::audit::{self, Event};
use crate::authority::Authority;
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::error::{Error, KeyError, StoreError};
use crate::progress::{Progress, Reporter, Stage};
use crate::store::{inventory, Item, Location, Presence, Read, Records, Snapshot, Store};

use super::KeyDirectory;

/// Requests or certificates read and written at a time.
const CHUNK: usize = 500;

/// What [`migrate`] copied.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// Where from.
    pub source: Location,
    /// Where to.
    pub dest: Location,
    /// Signed certificates copied.
    pub signed: usize,
    /// Requests copied.
    pub requests: usize,
    /// Inventory entries copied.
    pub inventory: usize,
    /// Revocations in the CRL copied.
    pub revocations: usize,
    /// CA chains `extend-ca` replaced, copied.
    pub archives: usize,
    /// puppetserver's other files copied (`ca_pub.pem`, `infra_*`).
    pub files: usize,
    /// Audit lines copied (the copy's own line not counted).
    pub audit_lines: usize,
    /// The next serial DEST issues.
    pub next_serial: Serial,
    /// Where the CA's keys are now.
    pub keys: Keys,
    /// What SOURCE holds that was not copied, not being part of a CA.
    pub left_behind: Vec<String>,
}

/// Where the CA's keys are after a [`migrate`] (it never copies them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// In DEST's directory already, and they are the CA certificate's: DEST is a whole CA.
    InDest(PathBuf),
    /// In SOURCE's directory: a node signing for DEST needs a copy in its cadir.
    InSource(PathBuf),
    /// In neither (SOURCE is a database, or a directory without them): in the cadir of the
    /// nodes that signed for SOURCE.
    Elsewhere,
}

/// Copy the CA in `source` into `dest` (see the module docs), on behalf of the command-line
/// user, reporting the copy of requests and certificates to `progress` ([`Stage::Copy`]).
pub fn migrate(
    source: &Location,
    dest: &Location,
    progress: Arc<dyn Progress>,
    now: OffsetDateTime,
) -> Result<Migrated, Error> {
    let progress = Reporter::new(progress);
    let from = Store::open(source)?;
    check_source(&from)?;
    if source.same_directory(dest) {
        // Its lock is the source's: it holds a CA.
        return Err(StoreError::CaExists {
            store: dest.to_string(),
        }
        .into());
    }
    let to = Store::open(dest)?;
    if to.presence()? == Presence::Complete {
        // Said before anything about the keys there (the import checks it again, in its
        // transaction, with whatever else DEST holds).
        return Err(StoreError::CaExists {
            store: dest.to_string(),
        }
        .into());
    }
    let snapshot = from.snapshot()?;
    let records = snapshot.records()?;
    let next_serial = snapshot.next_serial()?;
    check_inventory(&from, &records, next_serial)?;
    let keys = keys(&from, dest, &records)?;
    let requests = snapshot.request_names()?;
    let signed = snapshot.signed_names()?;
    let left_behind = snapshot.left_behind()?;

    let mut transaction = to.begin()?;
    transaction.import(&records)?;
    progress.stage(Stage::Copy, requests.len() + signed.len(), || {
        copy(
            &from,
            &snapshot,
            &mut transaction,
            &requests,
            &signed,
            &progress,
        )
    })?;
    let subject =
        Certificate::from_pem(&from.locate(&Item::CaChain), &records.chain_pem)?.common_name;
    let event = Event::about(now, &audit::cli_actor(), "migrate", &subject)
        .because(&format!("copied from {source}"));
    transaction.append_audit(&event.to_line())?;
    transaction.import_serial(next_serial)?;
    transaction.commit()?;
    Ok(Migrated {
        source: source.clone(),
        dest: dest.clone(),
        signed: signed.len(),
        requests: requests.len(),
        inventory: records.inventory.len(),
        revocations: records.revocations.len(),
        archives: records.archives.len(),
        files: records.files.len(),
        audit_lines: records.audit.lines().count(),
        next_serial,
        keys,
        left_behind,
    })
}

/// Refused unless `store` holds a CA: complete, or a CA directory without its keys.
fn check_source(store: &Store) -> Result<(), Error> {
    match store.presence()? {
        Presence::Complete | Presence::WithoutKey => Ok(()),
        _ => Ok(store.check_complete()?),
    }
}

/// What a store of either kind must be able to hold: every inventory line in Puppet's format,
/// no serial listed twice, the next serial above them all.
fn check_inventory(store: &Store, records: &Records, next: Serial) -> Result<(), Error> {
    let what = store.locate(&Item::Inventory);
    let corrupt = |reason: String| StoreError::Corrupt {
        what: what.clone(),
        reason: format!("{reason}; `cert check` lists what to repair before migrating"),
    };
    let mut seen: HashMap<Serial, String> = HashMap::new();
    for (number, text) in records.inventory.iter().enumerate() {
        let line = inventory::Line::parse(text).ok_or_else(|| {
            corrupt(format!(
                "line {} is not in Puppet's format: {text:?}",
                number + 1
            ))
        })?;
        if let Some(earlier) = seen.insert(line.serial, line.subject.clone()) {
            return Err(corrupt(format!(
                "serial {} is listed twice ({earlier} and {}), which no database store holds",
                line.serial, line.subject
            ))
            .into());
        }
        if line.serial >= next {
            return Err(StoreError::Corrupt {
                what: store.locate(&Item::Serial),
                reason: format!(
                    "the next serial {next} is not above serial {} of {} in the inventory",
                    line.serial, line.subject
                ),
            }
            .into());
        }
    }
    Ok(())
}

/// Where the keys are; a key in DEST's directory must be the CA certificate's.
fn keys(source: &Store, dest: &Location, records: &Records) -> Result<Keys, Error> {
    if let Some(directory) = dest.directory() {
        let keys = KeyDirectory::new(directory);
        if keys.ca_key_path().exists() {
            let key = keys.ca_key()?;
            return match Authority::new(&records.chain_pem, key) {
                Ok(_) => Ok(Keys::InDest(directory.to_path_buf())),
                Err(Error::Key(KeyError::Mismatch { .. })) => Err(KeyError::CaKeyMismatch {
                    key: keys.ca_key_path().display().to_string(),
                    certificate: source.locate(&Item::CaChain),
                }
                .into()),
                Err(other) => Err(other),
            };
        }
    }
    match source.location().directory() {
        Some(directory) if KeyDirectory::new(directory).ca_key_path().exists() => {
            Ok(Keys::InSource(directory.to_path_buf()))
        }
        _ => Ok(Keys::Elsewhere),
    }
}

/// Copy the requests, then the signed certificates (each parsed for its serial, no serial
/// twice), a chunk at a time.
fn copy(
    source: &Store,
    snapshot: &Snapshot<'_>,
    transaction: &mut crate::store::Transaction<'_>,
    requests: &[Certname],
    signed: &[Certname],
    progress: &Reporter,
) -> Result<(), Error> {
    for chunk in requests.chunks(CHUNK) {
        transaction.import_requests(&snapshot.requests_many(chunk)?)?;
        progress.advance(chunk.len() as u64);
    }
    let mut serials: HashMap<Serial, Certname> = HashMap::new();
    for chunk in signed.chunks(CHUNK) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (name, pem) in snapshot.signed_many(chunk)? {
            let what = source.locate(&Item::Signed(name.clone()));
            let certificate = Certificate::from_pem(&what, &pem)?;
            let serial = certificate.serial.ok_or_else(|| StoreError::Corrupt {
                what: what.clone(),
                reason: "its serial is wider than 128 bits".into(),
            })?;
            if let Some(other) = serials.insert(serial, name.clone()) {
                return Err(StoreError::Corrupt {
                    what,
                    reason: format!(
                        "its serial {serial} is also the certificate of {other}'s; `cert check` lists what to repair before migrating"
                    ),
                }
                .into());
            }
            rows.push((name, serial, pem));
        }
        transaction.import_signed(&rows)?;
        progress.advance(chunk.len() as u64);
    }
    Ok(())
}
