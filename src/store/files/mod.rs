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
//! releases the lock. Where everything is, and reading it, is `layout`; the writes are in
//! `transaction`, `serial` and the serials reserved ahead in `serials`, the check and standby
//! copy in `snapshot`, what a copy of the whole CA reads and writes (`cert migrate`) in `bulk`,
//! puppetserver's infrastructure CRL files in `infra`, the web console's sign-in records
//! (`.console-sessions`, no CA data) in `sessions`, the enrolment tokens (`.enrolment-tokens`,
//! no CA data) in `tokens`; this file has the store itself: its lock,
//! the sweep of a killed writer's temp files, and what the daemon polls.

mod bulk;
mod infra;
mod layout;

pub use layout::KEY_FILES;
mod serials;
mod sessions;
mod snapshot;
mod tokens;
mod transaction;

use std::fs::{self, File};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use time::OffsetDateTime;

use crate::atomic;
use crate::certname::Certname;
use crate::error::StoreError;

use super::{
    Backend, BackendSnapshot, BackendTransaction, CaChainVersion, CrlVersion, Item, Location,
    Published, Read, SessionRecord, TokenRecord,
};
use layout::{Layout, CADIR_MODE};
use serials::SerialLease;

/// A CA directory in Puppet's layout.
#[derive(Debug)]
pub struct Files {
    layout: Layout,
    location: Location,
    /// Whether this store has removed the temp files a killed writer left.
    swept: AtomicBool,
    /// How writes are made durable when not decided by the filesystem (tests of both ways).
    durability: Option<atomic::Durability>,
    /// Serials reserved on disk ahead of need (a daemon's; see [`SerialLease`]).
    serials: SerialLease,
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
            serials: SerialLease::default(),
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

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        // Rewritten atomically: a read without the lock sees the old file or the new one.
        self.layout.tokens()
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

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::atomic::Durability;
    use crate::authority::{Authority, Policy, Validity, CA_TTL};
    use crate::crl::Crl;
    use crate::crl::Revocation;
    use crate::crl::{Reason, DEFAULT_NEXT_UPDATE};
    use crate::csr::Csr;
    use crate::keys::{KeySpec, PrivateKey};
    use crate::store::{NewCa, Presence, RenderedCrl, Serial, Store};

    /// Both ways of making writes durable.
    pub(super) const DURABILITIES: [Durability; 2] = [Durability::EachFile, Durability::Filesystem];

    /// A CA and its CRL made in memory, and a store in a temp dir holding it.
    fn store_with_ca(dir: &Path) -> (Store, Authority) {
        store_with_ca_made(dir, None)
    }

    /// [`store_with_ca`], its writes made durable `durability`'s way when given.
    pub(super) fn store_with_ca_made(
        dir: &Path,
        durability: Option<Durability>,
    ) -> (Store, Authority) {
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
        assert_eq!(store.presence().unwrap(), Presence::WithoutKey);
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

    /// `sign --all` records chunk after chunk in one transaction; each chunk's
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
