//! The files backend: Puppet's layout in the CA directory, byte-compatible with puppetserver.
//!
//! `cadir/`: `ca_crt.pem` (chain, issuing CA first), `ca_pub.pem`, `ca_crl.pem` (CRL chain:
//! its first CRL's entries are the revocations), `serial` (next serial, hex), `inventory.txt`,
//! `requests/NAME.pem`, `signed/NAME.pem`, `audit.log`, and `infra_*` when puppetserver made
//! it. The CA's keys (`ca_key.pem`, `root_key.pem`) live here too but are not this store's: it
//! only counts `ca_key.pem` as part of a complete CA, as puppetserver does.
//!
//! A transaction is an exclusive `flock` on the CA directory itself (shared by every `cert`
//! process on the directory; no lock file, so the directory keeps puppetserver's layout);
//! every write in it is atomic and durable when it returns (`crate::atomic`), and commit
//! releases the lock. The writes are in `transaction`, the check and standby copy in
//! `snapshot`, what a copy of the whole CA reads and writes (`cert migrate`) in `bulk`, the web
//! console's sign-in records (`.console-sessions`, no CA data) in `sessions`; this file has the
//! layout and the reads.

mod bulk;
mod infra;
mod sessions;
mod snapshot;
mod transaction;

use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::atomic::{self, read_optional};
use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::{Crl, Revocation};
use crate::error::StoreError;

use time::OffsetDateTime;

use super::{
    inventory, Backend, BackendSnapshot, BackendTransaction, CaChainVersion, CrlVersion, Item,
    Location, Presence, Published, Read, SessionRecord,
};

/// The files a complete CA must have (puppetserver refuses to start on a partial set).
const REQUIRED: [&str; 5] = [
    "ca_crt.pem",
    "ca_key.pem",
    "ca_crl.pem",
    "serial",
    "inventory.txt",
];

/// Mode of the CA directory when this store creates it.
const CADIR_MODE: u32 = 0o750;

/// A CA directory in Puppet's layout.
#[derive(Debug)]
pub struct Files {
    layout: Layout,
    location: Location,
    /// Whether this store has removed the temp files a killed writer left.
    swept: AtomicBool,
    /// How writes are made durable when not decided by the filesystem (tests of both ways).
    durability: Option<atomic::Durability>,
    /// Serials reserved on disk ahead of need (a daemon's; see [`transaction::SerialLease`]).
    serials: transaction::SerialLease,
}

impl Files {
    /// The store in `cadir`, which need not exist yet.
    pub fn new(cadir: &Path) -> Files {
        Files {
            layout: Layout {
                cadir: cadir.to_path_buf(),
            },
            location: Location::Files(cadir.to_path_buf()),
            swept: AtomicBool::new(false),
            durability: None,
            serials: transaction::SerialLease::default(),
        }
    }

    /// The store in `cadir`, made durable `durability`'s way wherever it is.
    #[cfg(test)]
    pub(crate) fn with_durability(cadir: &Path, durability: atomic::Durability) -> Files {
        Files {
            durability: Some(durability),
            ..Files::new(cadir)
        }
    }

    /// Take the exclusive lock on the CA directory (creating it), blocking until other `cert`
    /// processes release it.
    ///
    /// The lock is on the directory itself, opened read-only: a lock file would be a stray file
    /// in puppetserver's layout, and one created by root would lock out a later run as the
    /// `puppet` user (opening it for writing would fail).
    fn lock(&self) -> Result<File, StoreError> {
        let cadir = &self.layout.cadir;
        atomic::ensure_directory(cadir, CADIR_MODE)?;
        let file = self.lock_file()?;
        file.lock().map_err(|e| StoreError::io("lock", cadir, e))?;
        Ok(file)
    }

    /// The CA directory opened for its lock (see [`Files::lock`]), not locked yet.
    fn lock_file(&self) -> Result<File, StoreError> {
        let cadir = &self.layout.cadir;
        File::open(cadir).map_err(|e| StoreError::io("open the lock", cadir, e))
    }
}

impl Backend for Files {
    fn keeps_infrastructure_crl(&self) -> bool {
        true
    }

    fn location(&self) -> &Location {
        &self.location
    }

    fn locate(&self, item: &Item) -> String {
        self.layout.path_of(item).display().to_string()
    }

    fn begin(&self) -> Result<Box<dyn BackendTransaction + '_>, StoreError> {
        let lock = self.lock()?;
        // Once per store: a killed writer's temp files are stale as soon as we hold the lock
        // (every write to the CA directory happens under it). Listing `signed/` on every lock
        // would cost too much with 100,000 certificates, so a long-running daemon sweeps at start.
        if !self.swept.swap(true, Ordering::Relaxed) {
            for path in self.layout.temp_files()? {
                atomic::remove(&path)?;
            }
        }
        // Looked at on each lock: `signed/` and `requests/` appear later than the CA directory.
        let (signed, requests) = (self.layout.path("signed"), self.layout.path("requests"));
        let durability = self
            .durability
            .unwrap_or_else(|| atomic::Durability::of(&[&self.layout.cadir, &signed, &requests]));
        Ok(Box::new(transaction::FilesTransaction::new(
            &self.layout,
            &self.serials,
            lock,
            durability,
        )))
    }

    fn reserve_serials_ahead(&self, count: u128) {
        self.serials.ahead(count);
    }

    fn give_back_serials(&self) -> Result<bool, StoreError> {
        let lock = self.lock_file()?;
        // Never waits: another writer holding the lock may be reserving right now.
        if lock.try_lock().is_err() {
            return Ok(false);
        }
        self.serials.give_back(&self.layout)
    }

    fn snapshot(&self) -> Result<Box<dyn BackendSnapshot + '_>, StoreError> {
        let lock = self.lock()?;
        Ok(Box::new(snapshot::FilesSnapshot::new(&self.layout, lock)))
    }

    fn crl_version(&self) -> Result<CrlVersion, StoreError> {
        Ok(CrlVersion(nanos(self.last_modified(Published::Crl)?)))
    }

    fn ca_chain_version(&self) -> Result<CaChainVersion, StoreError> {
        Ok(CaChainVersion(nanos(
            self.last_modified(Published::CaChain)?,
        )))
    }

    fn last_modified(&self, what: Published) -> Result<SystemTime, StoreError> {
        let path = self.layout.path_of(&match what {
            Published::CaChain => Item::CaChain,
            Published::Crl => Item::Crl,
        });
        fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|e| StoreError::io("stat", &path, e))
    }

    fn request_times(&self) -> Result<Vec<(Certname, SystemTime)>, StoreError> {
        self.layout.request_times()
    }

    fn session(&self, hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        // Rewritten atomically: a read without the lock sees the old file or the new one.
        Ok(self
            .layout
            .sessions()?
            .into_iter()
            .find(|record| record.hash == hash))
    }

    fn touch_session(&self, hash: &str, seen: OffsetDateTime) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut records = self.layout.sessions()?;
        let Some(record) = records.iter_mut().find(|record| record.hash == hash) else {
            return Ok(());
        };
        record.seen = seen;
        self.layout
            .write_sessions(&records, atomic::Durability::EachFile)
    }
}

impl Read for Files {
    super::read::through!(layout);
}

/// A modification time as nanoseconds since the epoch (0 before it).
fn nanos(time: SystemTime) -> u128 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// `ca_crt.pem.<time>`: where the chain replaced at `time` is kept (ISO 8601 basic format, UTC:
/// sorts by time, no characters a shell or scp would mind).
fn archive_name(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "ca_crt.pem.{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Where everything is in the CA directory, and reading it.
#[derive(Debug)]
struct Layout {
    cadir: PathBuf,
}

/// Directories of the CA that hold files written atomically (and so, after a crash, may hold
/// stale temp files).
const WRITTEN_DIRECTORIES: [&str; 3] = ["", "requests", "signed"];

impl Layout {
    fn path(&self, file: &str) -> PathBuf {
        self.cadir.join(file)
    }

    fn path_of(&self, item: &Item) -> PathBuf {
        match item {
            Item::Audit => self.path("audit.log"),
            Item::CaChain => self.path("ca_crt.pem"),
            Item::CaChainArchive(time) => self.path(&archive_name(*time)),
            Item::Crl => self.path("ca_crl.pem"),
            Item::Inventory => self.path("inventory.txt"),
            Item::Request(name) => self.path("requests").join(name.file_name()),
            Item::Serial => self.path("serial"),
            Item::Signed(name) => self.path("signed").join(name.file_name()),
        }
    }

    fn read(&self, file: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(file);
        fs::read(&path).map_err(|e| StoreError::io("read", &path, e))
    }

    /// The inventory as text, every line (for the check, which must see malformed lines too).
    fn inventory_text(&self) -> Result<String, StoreError> {
        let text = self.read("inventory.txt")?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// Temp files (`.NAME.tmp-*`) in the CA directory, `requests/` and `signed/`: what a writer
    /// killed between writing and renaming leaves behind.
    fn temp_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut found = Vec::new();
        for directory in WRITTEN_DIRECTORIES {
            let directory = self.path(directory);
            let entries = match fs::read_dir(&directory) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("list", &directory, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io("list", &directory, e))?;
                if atomic::is_temp_name(&entry.file_name().to_string_lossy()) {
                    found.push(entry.path());
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

impl Read for Layout {
    fn presence(&self) -> Result<Presence, StoreError> {
        let missing: Vec<&'static str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !self.path(f).exists())
            .collect();
        Ok(match missing.len() {
            0 => Presence::Complete,
            n if n == REQUIRED.len() => Presence::Absent,
            _ => Presence::Partial(missing),
        })
    }

    fn ca_chain_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.read("ca_crt.pem")
    }

    fn crl_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.read("ca_crl.pem")
    }

    fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        let path = self.path("ca_crl.pem");
        let corrupt = |reason: String| StoreError::Corrupt {
            what: path.display().to_string(),
            reason,
        };
        let pem = self.crl_pem()?;
        let crls = Crl::chain_from_pem(&path.display().to_string(), &pem)
            .map_err(|e| corrupt(e.to_string()))?;
        crls.into_iter()
            .next()
            .map(|crl| crl.revoked)
            .ok_or_else(|| corrupt("it holds no CRL".into()))
    }

    fn next_serial(&self) -> Result<Serial, StoreError> {
        let text = self.read("serial")?;
        let text = String::from_utf8_lossy(&text);
        u128::from_str_radix(text.trim(), 16)
            .map(Serial)
            .map_err(|_| StoreError::Corrupt {
                what: self.path("serial").display().to_string(),
                reason: format!("expected a hex serial, found {:?}", text.trim()),
            })
    }

    fn inventory(&self) -> Result<Vec<inventory::Line>, StoreError> {
        Ok(inventory::parse(&self.inventory_text()?))
    }

    fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        read_optional(&self.path("requests").join(name.file_name()))
    }

    fn signed(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        read_optional(&self.path("signed").join(name.file_name()))
    }

    fn request_names(&self) -> Result<Vec<Certname>, StoreError> {
        list_names(&self.path("requests"))
    }

    fn signed_names(&self) -> Result<Vec<Certname>, StoreError> {
        list_names(&self.path("signed"))
    }

    fn audit(&self) -> Result<String, StoreError> {
        Ok(read_optional(&self.path("audit.log"))?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default())
    }

    fn infra(&self) -> Result<super::Infra, StoreError> {
        infra::read(self)
    }
}

/// Names of the `NAME.pem` files in `directory`, sorted; files whose names are not certnames
/// are skipped.
fn list_names(directory: &Path) -> Result<Vec<Certname>, StoreError> {
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", directory, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", directory, e))?;
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|f| f.strip_suffix(".pem")) else {
            continue;
        };
        if let Ok(name) = Certname::parse(stem) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::atomic::Durability;
    use crate::authority::{Authority, Policy, Validity, CA_TTL};
    use crate::crl::{Reason, DEFAULT_NEXT_UPDATE};
    use crate::csr::Csr;
    use crate::keys::{KeySpec, PrivateKey};
    use crate::store::{NewCa, RenderedCrl, Store};

    /// Both ways of making writes durable.
    const DURABILITIES: [Durability; 2] = [Durability::EachFile, Durability::Filesystem];

    /// A CA and its CRL made in memory, and a store in a temp dir holding it.
    fn store_with_ca(dir: &Path) -> (Store, Authority) {
        store_with_ca_made(dir, None)
    }

    /// [`store_with_ca`], its writes made durable `durability`'s way when given.
    fn store_with_ca_made(dir: &Path, durability: Option<Durability>) -> (Store, Authority) {
        let now = OffsetDateTime::now_utc();
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let public_key_pem = key.public_key_pem().unwrap();
        let validity = Validity::new(now, CA_TTL).unwrap();
        let ca = Authority::create_self_signed("Puppet CA: t", key, Serial(1), validity).unwrap();
        let crl = Crl::sign(&ca, 0, now, DEFAULT_NEXT_UPDATE, &[]).unwrap();
        let store = match durability {
            Some(durability) => Store::files_with_durability(&dir.join("ca"), durability),
            None => Store::open(&Location::Files(dir.join("ca"))).unwrap(),
        };
        assert_eq!(store.presence().unwrap(), Presence::Absent);
        let mut transaction = store.begin().unwrap();
        transaction
            .create(&NewCa {
                chain_pem: ca.chain_pem().as_bytes(),
                public_key_pem: &public_key_pem,
                crl_pem: crl.to_pem().as_bytes(),
                next_serial: Serial(2),
                inventory: &[],
            })
            .unwrap();
        transaction.commit().unwrap();
        (store, ca)
    }

    #[test]
    fn serials_reserved_ahead_are_handed_out_without_rewriting_serial() {
        for durability in DURABILITIES {
            reserved_ahead(durability);
        }
    }

    fn reserved_ahead(durability: Durability) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_ca_made(dir.path(), Some(durability));
        let serial_file = dir.path().join("ca/serial");
        let on_disk = || fs::read_to_string(&serial_file).unwrap();
        let reserve = |count: u128| -> Vec<u128> {
            let mut transaction = store.begin().unwrap();
            let serials = transaction.reserve_serials(count).unwrap();
            transaction.commit().unwrap();
            serials.into_iter().map(|s| s.0).collect()
        };
        // Exactly what is asked, as puppetserver does, until asked to reserve ahead.
        assert_eq!(reserve(2), [2, 3]);
        assert_eq!(on_disk(), "0004");
        store.reserve_serials_ahead(8);
        assert_eq!(reserve(2), [4, 5]);
        assert_eq!(
            on_disk(),
            "000C",
            "a block of 8 on disk before any of it is used"
        );
        let written = fs::metadata(&serial_file).unwrap().modified().unwrap();
        assert_eq!(reserve(3), [6, 7, 8]);
        assert_eq!(reserve(1), [9]);
        assert_eq!(
            on_disk(),
            "000C",
            "handed out of the block: serial untouched"
        );
        assert_eq!(
            fs::metadata(&serial_file).unwrap().modified().unwrap(),
            written
        );
        // More than the block has left: the next block goes on from there, no gap.
        assert_eq!(reserve(5), [10, 11, 12, 13, 14]);
        assert_eq!(on_disk(), "0012");
        // Another process reserved meanwhile (serial moved on): the rest of the block is
        // skipped, never handed out twice, and this reservation is exact (processes taking
        // turns leave no gaps); undisturbed, the next one is a block again.
        fs::write(&serial_file, "0020").unwrap();
        assert_eq!(reserve(1), [0x20]);
        assert_eq!(on_disk(), "0021");
        assert_eq!(reserve(2), [0x21, 0x22]);
        assert_eq!(on_disk(), "0029");
        // A store that does not reserve ahead (another process) starts where serial says.
        let other = Store::files_with_durability(&dir.path().join("ca"), durability);
        let mut transaction = other.begin().unwrap();
        assert_eq!(transaction.reserve_serials(1).unwrap(), [Serial(0x29)]);
        transaction.commit().unwrap();
        assert_eq!(on_disk(), "002A");
        assert_eq!(reserve(1), [0x2A], "the block was taken over: exactly one");
        assert_eq!(on_disk(), "002B");
        assert_eq!(reserve(1), [0x2B]);
        assert_eq!(on_disk(), "0033");
        // A clean stop gives the rest of the block back: serial as if reserved exactly.
        assert!(store.give_back_serials().unwrap());
        assert_eq!(on_disk(), "002C");
        assert!(!store.give_back_serials().unwrap(), "nothing left to give");
        assert_eq!(reserve(1), [0x2C]);
        assert_eq!(on_disk(), "0034");
        // Not while another writer holds the lock, nor once it has reserved since.
        let mut transaction = other.begin().unwrap();
        assert!(!store.give_back_serials().unwrap());
        assert_eq!(transaction.reserve_serials(1).unwrap(), [Serial(0x34)]);
        transaction.commit().unwrap();
        assert!(!store.give_back_serials().unwrap());
        assert_eq!(on_disk(), "0035");
    }

    #[test]
    fn a_ca_is_recorded_signed_and_revoked_in_puppets_layout() {
        for durability in DURABILITIES {
            recorded_signed_and_revoked(durability);
        }
    }

    fn recorded_signed_and_revoked(durability: Durability) {
        let dir = tempfile::tempdir().unwrap();
        let (store, ca) = store_with_ca_made(dir.path(), Some(durability));
        let cadir = dir.path().join("ca");
        // The key is the key directory's, but a CA without it is incomplete.
        assert_eq!(
            store.presence().unwrap(),
            Presence::Partial(vec!["ca_key.pem"])
        );
        fs::write(cadir.join("ca_key.pem"), b"key").unwrap();
        assert_eq!(store.presence().unwrap(), Presence::Complete);
        assert!(matches!(
            store.begin().unwrap().create(&NewCa {
                chain_pem: b"",
                public_key_pem: b"",
                crl_pem: b"",
                next_serial: Serial(1),
                inventory: &[],
            }),
            Err(StoreError::CaExists { .. })
        ));

        let name = Certname::parse("node1.test").unwrap();
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let csr = Csr::generate(&name, &key, &[], &[]).unwrap();
        let now = OffsetDateTime::now_utc();
        let mut transaction = store.begin().unwrap();
        transaction
            .put_requests(&[(name.clone(), csr.to_pem())])
            .unwrap();
        let serials = transaction.reserve_serials(3).unwrap();
        assert_eq!(serials, [Serial(2), Serial(3), Serial(4)]);
        assert_eq!(transaction.next_serial().unwrap(), Serial(5));
        let serial = serials[0];
        let validity = Validity::new(now, CA_TTL).unwrap();
        let cert = ca
            .issue(&name, &csr, &Policy::default(), serial, validity, false)
            .unwrap();
        transaction
            .record_signed(&[(name.clone(), cert.clone())])
            .unwrap();
        assert!(transaction.delete_request(&name).unwrap());
        transaction.commit().unwrap();
        assert_eq!(fs::read_to_string(cadir.join("serial")).unwrap(), "0005");
        assert_eq!(
            store.signed(&name).unwrap().unwrap(),
            cert.to_pem().into_bytes()
        );
        assert_eq!(store.signed_names().unwrap(), std::slice::from_ref(&name));
        assert!(store.request_names().unwrap().is_empty());
        let inventory = fs::read_to_string(cadir.join("inventory.txt")).unwrap();
        assert!(inventory.starts_with("0x0002 ") && inventory.ends_with(" /CN=node1.test\n"));
        assert_eq!(store.inventory().unwrap()[0].serial, Serial(2));
        assert_eq!(
            store.locate(&Item::Signed(name.clone())),
            cadir.join("signed/node1.test.pem").display().to_string()
        );

        let before = store.crl_version().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let revoked = [Revocation {
            serial,
            time: now,
            reason: Some(Reason::KeyCompromise),
        }];
        let crl = Crl::sign(&ca, 1, now, DEFAULT_NEXT_UPDATE, &revoked).unwrap();
        let pem = crl.to_pem();
        let mut transaction = store.begin().unwrap();
        assert!(transaction.lock_revocations().unwrap().is_empty());
        transaction
            .record_revocations(
                &revoked,
                &RenderedCrl {
                    pem: pem.as_bytes(),
                    number: 1,
                },
            )
            .unwrap();
        transaction.commit().unwrap();
        assert_eq!(store.crl_pem().unwrap(), pem.as_bytes());
        assert_eq!(store.revocations().unwrap()[0].serial, serial);
        let mut transaction = store.begin().unwrap();
        assert_eq!(transaction.lock_revocations().unwrap()[0].serial, serial);
        drop(transaction);
        assert!(store.is_revoked(serial).unwrap() && !store.is_revoked(Serial(3)).unwrap());
        assert_ne!(store.crl_version().unwrap(), before);
        assert!(store.snapshot().unwrap().problems().unwrap().is_empty());
    }

    /// Issue 14: `sign --all` records chunk after chunk in one transaction; each chunk's
    /// certificates are in place when it returns, and the requests they answer go only after
    /// the next sync (with one sync of the filesystem), all of them by commit.
    #[test]
    fn chunks_are_recorded_and_their_requests_removed_once_durable() {
        for durability in DURABILITIES {
            recorded_in_chunks(durability);
        }
    }

    fn recorded_in_chunks(durability: Durability) {
        let dir = tempfile::tempdir().unwrap();
        let (store, ca) = store_with_ca_made(dir.path(), Some(durability));
        let signed = dir.path().join("ca/signed");
        let requests = dir.path().join("ca/requests");
        let now = OffsetDateTime::now_utc();
        let issue = |name: &str, serial: u128| {
            let name = Certname::parse(name).unwrap();
            let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
            let csr = Csr::generate(&name, &key, &[], &[]).unwrap();
            let validity = Validity::new(now, CA_TTL).unwrap();
            let cert = ca
                .issue(
                    &name,
                    &csr,
                    &Policy::default(),
                    Serial(serial),
                    validity,
                    false,
                )
                .unwrap();
            (name, csr, cert)
        };
        let files = |directory: &Path| -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(directory)
                .map(|entries| {
                    entries
                        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        };
        let all = [issue("a.test", 2), issue("b.test", 3), issue("c.test", 4)];
        let mut transaction = store.begin().unwrap();
        let queued: Vec<(Certname, String)> = all
            .iter()
            .map(|(name, csr, _)| (name.clone(), csr.to_pem()))
            .collect();
        transaction.put_requests(&queued).unwrap();
        transaction.commit().unwrap();
        let [a, b, c] = all.map(|(name, _, cert)| (name, cert));

        let mut transaction = store.begin().unwrap();
        transaction.record_signed(std::slice::from_ref(&a)).unwrap();
        assert_eq!(files(&signed), ["a.test.pem"]);
        transaction
            .delete_requests(std::slice::from_ref(&a.0))
            .unwrap();
        // One sync of the filesystem: the request waits for the next sync (its certificate's
        // rename durable first); one sync per file: gone already.
        let left = match durability {
            Durability::Filesystem => vec!["a.test.pem", "b.test.pem", "c.test.pem"],
            Durability::EachFile => vec!["b.test.pem", "c.test.pem"],
            Durability::Unsynced => unreachable!("a files store always syncs"),
        };
        assert_eq!(files(&requests), left);
        transaction.record_signed(&[b.clone(), c.clone()]).unwrap();
        assert_eq!(files(&requests), ["b.test.pem", "c.test.pem"]);
        let names = [
            b.0.clone(),
            c.0.clone(),
            Certname::parse("none.test").unwrap(),
        ];
        transaction.delete_requests(&names).unwrap();
        transaction.commit().unwrap();
        assert!(files(&requests).is_empty(), "{:?}", files(&requests));
        assert_eq!(files(&signed), ["a.test.pem", "b.test.pem", "c.test.pem"]);
        for (name, cert) in [a, b, c] {
            assert_eq!(
                store.signed(&name).unwrap().unwrap(),
                cert.to_pem().into_bytes()
            );
        }
        assert_eq!(store.inventory().unwrap().len(), 3);
    }

    #[test]
    fn a_replaced_chain_is_archived_and_revocations_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (store, ca) = store_with_ca(dir.path());
        let cadir = dir.path().join("ca");
        let old = store.ca_chain_pem().unwrap();
        let version = store.ca_chain_version().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let at = OffsetDateTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        let mut transaction = store.begin().unwrap();
        let archive = transaction
            .replace_ca_chain(b"NEW CHAIN", at, &[ca.certificate().clone()])
            .unwrap();
        transaction.commit().unwrap();
        assert_eq!(archive, Item::CaChainArchive(at));
        let path = cadir.join("ca_crt.pem.20261118T110640Z");
        assert_eq!(store.locate(&archive), path.display().to_string());
        assert_eq!(fs::read(&path).unwrap(), old);
        assert_eq!(store.ca_chain_pem().unwrap(), b"NEW CHAIN");
        assert_ne!(store.ca_chain_version().unwrap(), version);
        let line = &store.inventory().unwrap()[0];
        assert_eq!(
            (line.serial, line.subject.as_str()),
            (Serial(1), "/CN=Puppet CA: t")
        );
        // An archive is never overwritten: a second replacement at the same time is refused.
        let mut transaction = store.begin().unwrap();
        assert!(matches!(
            transaction.replace_ca_chain(b"OTHER", at, &[]),
            Err(StoreError::AlreadyExists { .. })
        ));
        drop(transaction);
        assert_eq!(store.ca_chain_pem().unwrap(), b"NEW CHAIN");

        let crl = Crl::sign(&ca, 5, OffsetDateTime::now_utc(), DEFAULT_NEXT_UPDATE, &[]).unwrap();
        let mut transaction = store.begin().unwrap();
        transaction.lock_revocations().unwrap();
        transaction
            .replace_revocations(
                &[],
                &[Serial(9)],
                &RenderedCrl {
                    pem: crl.to_pem().as_bytes(),
                    number: 5,
                },
            )
            .unwrap();
        transaction.commit().unwrap();
        assert_eq!(store.crl_pem().unwrap(), crl.to_pem().as_bytes());
    }

    #[test]
    fn what_a_killed_writer_leaves_is_reported_then_swept() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _) = store_with_ca(dir.path());
        let cadir = dir.path().join("ca");
        let temp = cadir.join("signed/.x.pem.tmp-1-2");
        fs::write(&temp, b"half").unwrap();
        let mut inventory = fs::OpenOptions::new()
            .append(true)
            .open(cadir.join("inventory.txt"))
            .unwrap();
        std::io::Write::write_all(&mut inventory, b"torn lin").unwrap();
        // A new store (a new process): it sweeps on its first transaction, not in a snapshot.
        let store = Store::open(&Location::Files(cadir.clone())).unwrap();
        let reasons: Vec<String> = store
            .snapshot()
            .unwrap()
            .problems()
            .unwrap()
            .into_iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].contains("temp file left behind"));
        assert!(reasons[1].contains("line 1 is not in Puppet's format: \"torn lin\""));
        assert!(temp.exists());
        store.begin().unwrap().commit().unwrap();
        assert!(!temp.exists());
    }
}
