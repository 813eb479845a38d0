//! The node's copy on disk of what agents fetch, so that a node started while the database is
//! unreachable still serves them: the CA chain, the CRL chain, and the certificates it signed
//! or served lately (at most [`CERTIFICATES`]), in `.database-copy/` of the node's CA
//! directory (hidden: Puppet's tools and the files store pass over hidden names). A daemon
//! keeps it ([`crate::store::Backend::watch`]) as its in-memory cache changes; every file is
//! written whole (a temp file renamed into place), without a sync: it is a cache, and what a
//! crash loses of it the database still has. What a node never learnt from the database is
//! not here, so a node that never reached it has no copy and does not start.
//!
//! The database's notion of when the chain was recorded and the CRL written (what the
//! listener compares) is kept in `state.json`, written after the files it describes; the CRL's
//! number is read from the CRL itself.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::atomic::{self, Durability, Pending, PUBLIC_MODE};
use crate::certname::Certname;
use crate::crl::Crl;

use super::reads::CrlRow;

/// The directory in the CA directory.
const DIRECTORY: &str = ".database-copy";

/// Most certificates kept on disk; past it the oldest tenth goes.
const CERTIFICATES: usize = 10_000;

/// What the copy holds, as it was written.
#[derive(Debug)]
pub(super) struct Loaded {
    /// The CA chain and when the database recorded it.
    pub(super) chain: (Vec<u8>, SystemTime),
    /// The CRL chain.
    pub(super) crl: CrlRow,
    /// Certificates by name.
    pub(super) certificates: Vec<(Certname, Vec<u8>)>,
}

/// The times of `state.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// When the database recorded the chain, microseconds since the epoch.
    chain_recorded_micros: u64,
    /// When the database wrote the CRL, seconds since the epoch.
    crl_updated: u64,
}

/// The copy of one node.
#[derive(Debug)]
pub(super) struct DiskCopy {
    directory: PathBuf,
    /// Certificates on disk, as far as this process knows (counted at first use).
    certificates: AtomicUsize,
}

impl DiskCopy {
    /// The copy in the CA directory `cadir`.
    pub(super) fn new(cadir: &Path) -> DiskCopy {
        let directory = cadir.join(DIRECTORY);
        let certificates = fs::read_dir(directory.join("signed")).map_or(0, Iterator::count);
        DiskCopy {
            directory,
            certificates: AtomicUsize::new(certificates),
        }
    }

    /// Where it is, for messages.
    pub(super) fn directory(&self) -> &Path {
        &self.directory
    }

    /// What the copy holds, if it has the chain and the CRL at least.
    pub(super) fn load(&self) -> Option<Loaded> {
        let chain = fs::read(self.directory.join("ca_crt.pem")).ok()?;
        let crl = fs::read(self.directory.join("ca_crl.pem")).ok()?;
        let number = Crl::chain_from_pem("the CRL copy", &crl)
            .ok()?
            .first()?
            .number
            .unwrap_or(0);
        let state: State = fs::read(self.directory.join("state.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let certificates = fs::read_dir(self.directory.join("signed"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let file = entry.file_name();
                let name = Certname::parse(file.to_str()?.strip_suffix(".pem")?).ok()?;
                Some((name, fs::read(entry.path()).ok()?))
            })
            .collect();
        Some(Loaded {
            chain: (
                chain,
                SystemTime::UNIX_EPOCH + Duration::from_micros(state.chain_recorded_micros),
            ),
            crl: CrlRow {
                number,
                pem: crl,
                updated: SystemTime::UNIX_EPOCH + Duration::from_secs(state.crl_updated),
            },
            certificates,
        })
    }

    /// Keep the chain the database recorded at `recorded`.
    pub(super) fn keep_chain(&self, pem: &[u8], recorded: SystemTime) {
        self.write(&[("ca_crt.pem", pem)]);
        self.update_state(|state| state.chain_recorded_micros = micros(recorded));
    }

    /// Keep the CRL chain.
    pub(super) fn keep_crl(&self, row: &CrlRow) {
        self.write(&[("ca_crl.pem", &row.pem)]);
        self.update_state(|state| state.crl_updated = micros(row.updated) / 1_000_000);
    }

    /// Keep the certificate of `name`.
    pub(super) fn keep_certificate(&self, name: &Certname, pem: &[u8]) {
        let file = format!("signed/{}", name.file_name());
        let existed = self.directory.join(&file).exists();
        self.write(&[(&file, pem)]);
        if !existed && self.certificates.fetch_add(1, Ordering::Relaxed) + 1 > CERTIFICATES {
            self.shed();
        }
    }

    /// Forget the certificate of `name`.
    pub(super) fn forget_certificate(&self, name: &Certname) {
        let path = self.directory.join("signed").join(name.file_name());
        if fs::remove_file(path).is_ok() {
            self.certificates.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Forget every certificate.
    pub(super) fn forget_certificates(&self) {
        let signed = self.directory.join("signed");
        for entry in fs::read_dir(&signed).into_iter().flatten().flatten() {
            let _ = fs::remove_file(entry.path());
        }
        self.certificates.store(0, Ordering::Relaxed);
    }

    /// Write `files` (relative paths) whole; a failure is logged, never fatal (a cache).
    fn write(&self, files: &[(&str, &[u8])]) {
        let pending: Vec<Pending<'_>> = files
            .iter()
            .map(|(file, bytes)| Pending {
                path: self.directory.join(file),
                bytes,
                mode: PUBLIC_MODE,
            })
            .collect();
        let written = atomic::ensure_directory(&self.directory, 0o755)
            .and_then(|()| atomic::ensure_directory(&self.directory.join("signed"), 0o755))
            .and_then(|()| atomic::write_all_with(&pending, Durability::Unsynced));
        if let Err(error) = written {
            tracing::warn!("cannot keep the database's copy: {error}");
        }
    }

    fn update_state(&self, change: impl FnOnce(&mut State)) {
        let path = self.directory.join("state.json");
        let mut state: State = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        change(&mut state);
        if let Ok(bytes) = serde_json::to_vec(&state) {
            self.write(&[("state.json", &bytes)]);
        }
    }

    /// Remove the oldest tenth of the certificates (by when they were written).
    fn shed(&self) {
        let signed = self.directory.join("signed");
        let mut files: Vec<(SystemTime, PathBuf)> = fs::read_dir(&signed)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
            .collect();
        files.sort();
        let count = files.len();
        for (_, path) in files.iter().take(count / 10 + 1) {
            let _ = fs::remove_file(path);
        }
        self.certificates
            .store(count.saturating_sub(count / 10 + 1), Ordering::Relaxed);
    }
}

fn micros(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use time::OffsetDateTime;

    use super::*;
    use crate::authority::{Authority, Validity};
    use crate::certificate::Serial;
    use crate::keys::{KeySpec, PrivateKey};

    fn crl_row(number: u128) -> CrlRow {
        let now = OffsetDateTime::now_utc();
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let validity = Validity::new(now, Duration::from_secs(3600)).unwrap();
        let ca = Authority::create_self_signed("Puppet CA: t", key, Serial(1), validity).unwrap();
        let crl = Crl::sign(&ca, number, now, Duration::from_secs(3600), &[]).unwrap();
        CrlRow {
            number,
            pem: crl.to_pem().into_bytes(),
            updated: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_123),
        }
    }

    #[test]
    fn what_is_kept_comes_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let copy = DiskCopy::new(dir.path());
        assert!(copy.load().is_none(), "nothing kept yet");
        let recorded = SystemTime::UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        copy.keep_chain(b"chain", recorded);
        assert!(copy.load().is_none(), "a chain without a CRL is no copy");
        let row = crl_row(7);
        copy.keep_crl(&row);
        let (a, b) = (
            Certname::parse("a.test").unwrap(),
            Certname::parse("b.test").unwrap(),
        );
        copy.keep_certificate(&a, b"cert a");
        copy.keep_certificate(&b, b"cert b");
        copy.forget_certificate(&b);

        // A new process finds what the last one kept.
        let loaded = DiskCopy::new(dir.path()).load().unwrap();
        assert_eq!(loaded.chain, (b"chain".to_vec(), recorded));
        assert_eq!(loaded.crl.number, 7);
        assert_eq!(loaded.crl.pem, row.pem);
        assert_eq!(
            loaded.crl.updated,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_123)
        );
        assert_eq!(loaded.certificates, vec![(a, b"cert a".to_vec())]);
        let mode = fs::metadata(dir.path().join(DIRECTORY).join("ca_crt.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);

        // A CRL that does not parse makes no copy.
        copy.write(&[("ca_crl.pem", b"junk")]);
        assert!(copy.load().is_none());
    }

    #[test]
    fn certificates_past_the_bound_shed_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let copy = DiskCopy::new(dir.path());
        copy.certificates.store(CERTIFICATES, Ordering::Relaxed);
        for index in 0..20 {
            let name = Certname::parse(&format!("n{index}.test")).unwrap();
            copy.keep_certificate(&name, b"pem");
        }
        let left = fs::read_dir(dir.path().join(DIRECTORY).join("signed"))
            .unwrap()
            .count();
        assert!(left < 20, "{left} certificates left");
    }
}
