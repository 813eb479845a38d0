//! The files backend's part of copying a whole CA (`cert migrate`): which files of the CA
//! directory are the CA's ([`Records`], the requests and certificates, `serial`), which are
//! its keys (never copied), and which are neither (left behind, and named); reading the
//! records, and writing them into a directory that holds nothing but, perhaps, the keys.
//! `serial` is written last ([`import_serial`]): until then the directory is an incomplete
//! CA, which `cert`, puppetserver and `cert migrate` itself refuse.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::atomic::{self, Pending, PUBLIC_MODE};
use crate::certificate::Serial;
use crate::certname::Certname;
use crate::error::StoreError;
use crate::store::{Presence, Read, Records};

use super::layout::{archive_name, Layout, AUDIT_MODE, KEY_FILES, REQUIRED};

/// The files of the records kept under their own names ([`Records`]' fields).
const RECORDS: [&str; 4] = ["ca_crt.pem", "ca_crl.pem", "inventory.txt", "audit.log"];

/// The time stamp of `ca_crt.pem.<time>` ([`archive_name`]).
const ARCHIVE_TIME: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// What a file at the top of the CA directory is.
enum Kind {
    /// One of the records' own files, `serial`, `requests/` or `signed/`.
    Ca,
    /// A chain `cert extend-ca` replaced, and when.
    Archive(OffsetDateTime),
    /// One of puppetserver's other files (`ca_pub.pem`, `infra_*`).
    Extra,
    /// A key of the CA.
    Key,
    /// Hidden: a temp file of an interrupted write, or a spare.
    Hidden,
    /// Anything else: not part of Puppet's layout.
    Other,
}

fn kind(name: &str) -> Kind {
    if name.starts_with('.') {
        Kind::Hidden
    } else if KEY_FILES.contains(&name) {
        Kind::Key
    } else if RECORDS.contains(&name) || ["serial", "requests", "signed"].contains(&name) {
        Kind::Ca
    } else if name == "ca_pub.pem" || name.starts_with("infra_") {
        Kind::Extra
    } else if let Some(time) = archive_time(name) {
        Kind::Archive(time)
    } else {
        Kind::Other
    }
}

/// When the archive `name` (`ca_crt.pem.<time>`) was made, if it is one.
fn archive_time(name: &str) -> Option<OffsetDateTime> {
    let stamp = name.strip_prefix("ca_crt.pem.")?;
    let time = PrimitiveDateTime::parse(stamp, ARCHIVE_TIME)
        .ok()?
        .assume_utc();
    // Only names this store writes, so that the copy's name is the same.
    (archive_name(time) == name).then_some(time)
}

/// Names at the top of `directory` (none when it is missing), sorted.
fn entries(directory: &Path) -> Result<Vec<(String, PathBuf, fs::FileType)>, StoreError> {
    let listing = match fs::read_dir(directory) {
        Ok(listing) => listing,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", directory, e)),
    };
    let mut found = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| StoreError::io("list", directory, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::io("read", &entry.path(), e))?;
        found.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
            kind,
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// The records of the CA in `layout`'s directory (under its lock).
pub(super) fn records(layout: &Layout) -> Result<Records, StoreError> {
    let mut archives = Vec::new();
    let mut files = Vec::new();
    for (name, path, file_type) in entries(&layout.cadir)? {
        if !file_type.is_file() {
            continue;
        }
        match kind(&name) {
            Kind::Archive(time) => archives.push((time, read(&path)?)),
            Kind::Extra => files.push((name, read(&path)?)),
            _ => {}
        }
    }
    archives.sort_by_key(|(time, _)| *time);
    let inventory = layout.inventory_text()?;
    Ok(Records {
        chain_pem: layout.ca_chain_pem()?,
        archives,
        crl_pem: layout.crl_pem()?,
        revocations: layout.revocations()?,
        inventory: inventory.lines().map(str::to_owned).collect(),
        audit: layout.audit()?,
        files,
    })
}

/// What the CA directory holds that is neither the CA's nor its keys (hidden files aside), and
/// files in `requests/` and `signed/` not named for a certname: paths.
pub(super) fn left_behind(layout: &Layout) -> Result<Vec<String>, StoreError> {
    let mut left = Vec::new();
    for (name, path, file_type) in entries(&layout.cadir)? {
        match kind(&name) {
            Kind::Other => left.push(path.display().to_string()),
            Kind::Ca if file_type.is_dir() => {
                for (inner, path, _) in entries(&path)? {
                    let named = inner
                        .strip_suffix(".pem")
                        .is_some_and(|stem| Certname::parse(stem).is_ok());
                    if !named && !inner.starts_with('.') {
                        left.push(path.display().to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(left)
}

/// Refused unless the CA directory holds nothing but the CA's keys, hidden files and empty
/// `requests/` and `signed/`: [`StoreError::CaExists`] when a CA is there,
/// [`StoreError::PartialCa`] when part of one is (an interrupted copy: no `serial`),
/// [`StoreError::NotEmpty`] for anything else.
fn check_empty(layout: &Layout) -> Result<(), StoreError> {
    let store = layout.cadir.display().to_string();
    if REQUIRED
        .iter()
        .any(|file| !KEY_FILES.contains(file) && layout.path(file).exists())
    {
        return Err(match layout.presence()? {
            Presence::Partial(missing) => StoreError::PartialCa {
                store,
                missing: missing.join(", "),
            },
            _ => StoreError::CaExists { store },
        });
    }
    let mut holds = Vec::new();
    for (name, path, file_type) in entries(&layout.cadir)? {
        match kind(&name) {
            Kind::Key | Kind::Hidden => {}
            Kind::Ca if file_type.is_dir() && name != "requests" && name != "signed" => {
                holds.push(name)
            }
            Kind::Ca if file_type.is_dir() => {
                let inside = entries(&path)?;
                if inside.iter().any(|(inner, _, _)| !inner.starts_with('.')) {
                    holds.push(format!("{name}/ with {} files", inside.len()));
                }
            }
            _ => holds.push(name),
        }
    }
    if holds.is_empty() {
        Ok(())
    } else {
        Err(StoreError::NotEmpty {
            store,
            holds: holds.join(", "),
        })
    }
}

/// Write `records` into the CA directory, which must be empty but for the keys; `serial` is
/// not written ([`import_serial`] is the last step).
pub(super) fn import(layout: &Layout, records: &Records) -> Result<(), StoreError> {
    check_empty(layout)?;
    atomic::ensure_directory(&layout.path("signed"), 0o755)?;
    atomic::ensure_directory(&layout.path("requests"), 0o755)?;
    let mut inventory = String::new();
    for line in &records.inventory {
        inventory.push_str(line);
        inventory.push('\n');
    }
    let archives: Vec<(String, &[u8])> = records
        .archives
        .iter()
        .map(|(time, pem)| (archive_name(*time), pem.as_slice()))
        .collect();
    let mut pending = vec![
        Pending::public(layout.path("ca_crt.pem"), &records.chain_pem),
        Pending::public(layout.path("ca_crl.pem"), &records.crl_pem),
        Pending::public(layout.path("inventory.txt"), inventory.as_bytes()),
    ];
    for (name, bytes) in &records.files {
        // Only the names of puppetserver's files, so that a row of a database is never a
        // path out of the CA directory, nor one of its other files.
        if matches!(kind(name), Kind::Extra) && !name.contains('/') {
            pending.push(Pending::public(layout.path(name), bytes));
        }
    }
    for (name, pem) in &archives {
        pending.push(Pending::public(layout.path(name), pem));
    }
    atomic::write_all(&pending)?;
    if !records.audit.is_empty() {
        atomic::write(
            &layout.path("audit.log"),
            records.audit.as_bytes(),
            AUDIT_MODE,
        )?;
    }
    Ok(())
}

/// Write `serial`: the imported CA is complete.
pub(super) fn import_serial(layout: &Layout, next: Serial) -> Result<(), StoreError> {
    Ok(atomic::write(
        &layout.path("serial"),
        next.to_string().as_bytes(),
        PUBLIC_MODE,
    )?)
}

fn read(path: &Path) -> Result<Vec<u8>, StoreError> {
    fs::read(path).map_err(|e| StoreError::io("read", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_of_archives_this_store_writes_are_archives() {
        let time = archive_time("ca_crt.pem.20261118T110640Z").unwrap();
        assert_eq!(archive_name(time), "ca_crt.pem.20261118T110640Z");
        assert!(archive_time("ca_crt.pem.2026-11-18").is_none());
        assert!(archive_time("ca_crt.pem.20261118T110640").is_none());
        assert!(matches!(kind("ca_crt.pem.orig"), Kind::Other));
        assert!(matches!(kind("ca_key.pem.bak"), Kind::Other));
        assert!(matches!(kind("infra_crl.pem"), Kind::Extra));
        assert!(matches!(kind(".serial.spare"), Kind::Hidden));
    }
}
