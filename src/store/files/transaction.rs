//! The files backend's transaction: the exclusive lock on the CA directory, held until commit,
//! and every write made under it, each atomic (temp file, sync, rename, sync). The order of the
//! writes is the caller's, and the crash tests depend on it: serials reserved before any
//! certificate, the inventory before `signed/`, group commits of many files at once.
//!
//! Where the CA directory's filesystem allows it ([`Durability::Filesystem`]), a group of writes
//! is made durable with one sync of the whole filesystem instead of one per file: the
//! certificates of a batch and its inventory lines with one sync before they are renamed into
//! place; the renames, the audit lines and the requests removed (each request only once its
//! certificate is durable) with one more at commit. Elsewhere every write is durable before it
//! returns.
//! Either way a write that must come after another durably does: whatever is not synced yet is
//! synced before any write that syncs on its own ([`FilesTransaction::settle`]).

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::atomic::{self, Durability, Pending, Staged, PUBLIC_MODE};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;
use crate::store::{inventory, BackendTransaction, Item, NewCa, Read, Records, RenderedCrl};

use super::Layout;

/// The hidden file `serial` trades places with on each rewrite (see `atomic::replace`).
const SERIAL_SPARE: &str = ".serial.spare";

/// Mode of `audit.log`: the CA's group may read it, others not.
pub(super) const AUDIT_MODE: u32 = 0o640;

/// Changes to a CA directory under its lock.
pub(super) struct FilesTransaction<'a> {
    layout: &'a Layout,
    /// Certificate files written ahead by `stage_signed` (each with the serial of its
    /// certificate), waiting for `record_signed`.
    staged: HashMap<PathBuf, (Option<Serial>, Staged)>,
    /// How groups of writes are made durable (see the module's documentation).
    durability: Durability,
    /// Writes made since the filesystem was last synced (with [`Durability::Filesystem`]).
    unsynced: bool,
    /// The lock: released when dropped (commit or not).
    _lock: File,
}

impl<'a> FilesTransaction<'a> {
    pub(super) fn new(
        layout: &'a Layout,
        lock: File,
        durability: Durability,
    ) -> FilesTransaction<'a> {
        FilesTransaction {
            layout,
            staged: HashMap::new(),
            durability,
            unsynced: false,
            _lock: lock,
        }
    }

    /// Make what was written without a sync durable, before a write that must come after it.
    fn settle(&mut self) -> Result<(), StoreError> {
        if self.unsynced {
            self.sync_filesystem()?;
        }
        Ok(())
    }

    /// Make every write so far durable ([`Durability::Filesystem`]).
    fn sync_filesystem(&mut self) -> Result<(), StoreError> {
        atomic::sync_filesystem(&self.layout.cadir)?;
        self.unsynced = false;
        Ok(())
    }

    /// The `signed/` files of `issued`, PEM.
    fn signed_files(&self, issued: &[(Certname, Certificate)]) -> Vec<(PathBuf, String)> {
        issued
            .iter()
            .map(|(name, cert)| (self.named("signed", name), cert.to_pem()))
            .collect()
    }

    fn pending<'b>(&self, file: &str, bytes: &'b [u8]) -> Pending<'b> {
        Pending::public(self.layout.path(file), bytes)
    }

    /// `NAME.pem` of each name in `directory` (`requests` or `signed`), written in one group
    /// commit.
    fn write_named<'b>(
        &mut self,
        directory: &str,
        files: impl Iterator<Item = (&'b Certname, &'b [u8])>,
    ) -> Result<(), StoreError> {
        self.settle()?;
        let directory = self.layout.path(directory);
        atomic::ensure_directory(&directory, 0o755)?;
        let pending: Vec<Pending<'_>> = files
            .map(|(name, bytes)| Pending::public(directory.join(name.file_name()), bytes))
            .collect();
        atomic::write_all_with(&pending, self.durability)
    }

    fn named(&self, directory: &str, name: &Certname) -> PathBuf {
        self.layout.path(directory).join(name.file_name())
    }
}

impl Drop for FilesTransaction<'_> {
    /// What was staged and never recorded goes (a crash leaves it for the next writer's sweep).
    fn drop(&mut self) {
        let staged = std::mem::take(&mut self.staged);
        atomic::discard(staged.into_values().map(|(_, file)| file).collect());
    }
}

impl Read for FilesTransaction<'_> {
    crate::store::read::through!(layout);
}

impl BackendTransaction for FilesTransaction<'_> {
    fn create(&mut self, new: &NewCa<'_>) -> Result<(), StoreError> {
        self.settle()?;
        // The keys may already be there (the key directory writes them first); any other CA
        // file means a CA is here.
        let present = super::REQUIRED
            .iter()
            .filter(|file| **file != "ca_key.pem")
            .any(|file| self.layout.path(file).exists());
        if present {
            return Err(StoreError::CaExists {
                store: self.layout.cadir.display().to_string(),
            });
        }
        atomic::ensure_directory(&self.layout.path("signed"), 0o755)?;
        atomic::ensure_directory(&self.layout.path("requests"), 0o755)?;
        let inventory: String = new.inventory.iter().map(inventory::Line::format).collect();
        // `serial` last: a CA is only complete (and usable) once everything else is durable.
        atomic::write_all(&[
            self.pending("ca_pub.pem", new.public_key_pem),
            self.pending("ca_crt.pem", new.chain_pem),
            self.pending("ca_crl.pem", new.crl_pem),
            self.pending("inventory.txt", inventory.as_bytes()),
            self.pending("infra_inventory.txt", b""),
            self.pending("infra_serials", b""),
        ])?;
        atomic::write(
            &self.layout.path("serial"),
            new.next_serial.to_string().as_bytes(),
            PUBLIC_MODE,
        )
    }

    fn reserve_serials(&mut self, count: u128) -> Result<Vec<Serial>, StoreError> {
        self.settle()?;
        let first = self.layout.next_serial()?;
        let path = self.layout.path("serial");
        let next = first
            .0
            .checked_add(count)
            .ok_or_else(|| StoreError::Corrupt {
                what: path.display().to_string(),
                reason: "serial space exhausted".into(),
            })?;
        // `%04X`, no newline: puppetserver's format. Rewritten on every batch, so through a
        // spare inode (see `atomic::replace`). With one sync of the filesystem, the exchange
        // (its content synced before) is made durable by the next sync, which comes before
        // anything that depends on it: `record_signed` and every other write settle it before
        // writing (the inventory's lines never reach the disk before the serial that covers
        // them, even on a filesystem without a journal, where nothing orders two writes but a
        // sync between them), and `stage_signed`'s sync of a chunk does it on the way.
        atomic::replace(
            &path,
            &self.layout.path(SERIAL_SPARE),
            Serial(next).to_string().as_bytes(),
            PUBLIC_MODE,
            self.durability,
        )?;
        self.unsynced |= self.durability == Durability::Filesystem;
        Ok((first.0..next).map(Serial).collect())
    }

    fn put_requests(&mut self, requests: &[(Certname, String)]) -> Result<(), StoreError> {
        self.write_named(
            "requests",
            requests.iter().map(|(name, pem)| (name, pem.as_bytes())),
        )
    }

    fn delete_request(&mut self, name: &Certname) -> Result<bool, StoreError> {
        self.settle()?;
        atomic::remove(&self.named("requests", name))
    }

    fn delete_requests(&mut self, names: &[Certname]) -> Result<Vec<bool>, StoreError> {
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|name| self.named("requests", name))
            .collect();
        if self.durability == Durability::EachFile {
            return atomic::remove_all(&paths, Durability::EachFile);
        }
        // A request goes only once what came before (its certificate) is durable; the
        // removals themselves are synced with the rest at commit. Usually there is none (an
        // autosigned request is never written), and nothing to wait for.
        let present: Vec<bool> = paths.iter().map(|path| path.exists()).collect();
        if !present.contains(&true) {
            return Ok(present);
        }
        self.settle()?;
        let removed = atomic::remove_all(&paths, Durability::Filesystem)?;
        self.unsynced |= removed.contains(&true);
        Ok(removed)
    }

    fn stage_signed(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), StoreError> {
        atomic::ensure_directory(&self.layout.path("signed"), 0o755)?;
        let files = self.signed_files(issued);
        let pending: Vec<Pending<'_>> = files
            .iter()
            .map(|(path, pem)| Pending::public(path.clone(), pem.as_bytes()))
            .collect();
        let staged = atomic::stage_all(&pending, self.durability)?;
        if self.durability == Durability::Filesystem {
            // Synced now, while the rest is being signed, rather than all at the end.
            if let Err(error) = self.sync_filesystem() {
                atomic::discard(staged);
                return Err(error);
            }
        }
        for ((_, cert), file) in issued.iter().zip(staged) {
            if let Some((_, replaced)) = self
                .staged
                .insert(file.path().to_path_buf(), (cert.serial, file))
            {
                atomic::discard(vec![replaced]);
            }
        }
        Ok(())
    }

    fn record_signed(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), StoreError> {
        let mut lines = String::new();
        for (name, cert) in issued {
            if let Some(serial) = cert.serial {
                lines.push_str(
                    &inventory::Line {
                        serial,
                        not_before: cert.not_before,
                        not_after: cert.not_after,
                        subject: format!("/CN={name}"),
                    }
                    .format(),
                );
            }
        }
        // The serial's exchange durable before the inventory's lines are written.
        self.settle()?;
        // The inventory first: a crash in between leaves an inventory line without a
        // certificate (harmless: the serial is still found and revocable by name), never a
        // certificate the inventory does not know. With one sync of the filesystem, the
        // inventory's lines and the certificates' temp files are made durable together, then
        // the certificates renamed into place.
        atomic::append(
            &self.layout.path("inventory.txt"),
            lines.as_bytes(),
            None,
            self.durability,
        )?;
        // Each certificate's file as staged for it, or written now; all renamed together.
        let mut ready = Vec::with_capacity(issued.len());
        let mut missing = Vec::new();
        for (name, cert) in issued {
            match self.staged.remove(&self.named("signed", name)) {
                Some((serial, file)) if serial == cert.serial => ready.push(file),
                other => {
                    // Staged for another certificate of the name (never, in one batch).
                    if let Some((_, file)) = other {
                        atomic::discard(vec![file]);
                    }
                    missing.push((name.clone(), cert.clone()));
                }
            }
        }
        if !missing.is_empty() {
            atomic::ensure_directory(&self.layout.path("signed"), 0o755)?;
            let files = self.signed_files(&missing);
            let pending: Vec<Pending<'_>> = files
                .iter()
                .map(|(path, pem)| Pending::public(path.clone(), pem.as_bytes()))
                .collect();
            match atomic::stage_all(&pending, self.durability) {
                Ok(staged) => ready.extend(staged),
                Err(error) => {
                    atomic::discard(ready);
                    return Err(error);
                }
            }
        }
        if self.durability == Durability::Filesystem {
            if let Err(error) = self.sync_filesystem() {
                atomic::discard(ready);
                return Err(error);
            }
        }
        atomic::publish(ready, self.durability)?;
        // The renames are synced at commit (or before any write that must follow them).
        self.unsynced |= self.durability == Durability::Filesystem;
        Ok(())
    }

    fn delete_signed(&mut self, name: &Certname) -> Result<bool, StoreError> {
        self.settle()?;
        atomic::remove(&self.named("signed", name))
    }

    fn lock_revocations(&mut self) -> Result<Vec<Revocation>, StoreError> {
        self.layout.revocations()
    }

    fn record_revocations(
        &mut self,
        _added: &[Revocation],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        self.settle()?;
        // Puppet's layout keeps revocations in the CRL itself: the rendered chain holds them.
        atomic::write(&self.layout.path("ca_crl.pem"), crl.pem, PUBLIC_MODE)
    }

    fn replace_revocations(
        &mut self,
        _added: &[Revocation],
        _removed: &[Serial],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        self.settle()?;
        // As for `record_revocations`: the rendered chain is the revocations.
        atomic::write(&self.layout.path("ca_crl.pem"), crl.pem, PUBLIC_MODE)
    }

    fn replace_ca_chain(
        &mut self,
        chain_pem: &[u8],
        archived_at: OffsetDateTime,
        self_issued: &[Certificate],
    ) -> Result<Item, StoreError> {
        self.settle()?;
        let current = self.layout.read("ca_crt.pem")?;
        let archive = Item::CaChainArchive(archived_at);
        // The old chain is kept first (never overwriting an archive), so a crash at any point
        // leaves a usable chain in `ca_crt.pem`; the inventory before the new chain that
        // names its serials, as for `record_signed`.
        atomic::create_new(&self.layout.path_of(&archive), &current, PUBLIC_MODE)?;
        let lines: String = self_issued
            .iter()
            .filter_map(|cert| {
                Some(
                    inventory::Line {
                        serial: cert.serial?,
                        not_before: cert.not_before,
                        not_after: cert.not_after,
                        subject: format!("/CN={}", cert.common_name),
                    }
                    .format(),
                )
            })
            .collect();
        if !lines.is_empty() {
            atomic::append(
                &self.layout.path("inventory.txt"),
                lines.as_bytes(),
                None,
                Durability::EachFile,
            )?;
        }
        atomic::write(&self.layout.path("ca_crt.pem"), chain_pem, PUBLIC_MODE)?;
        Ok(archive)
    }

    fn append_audit(&mut self, lines: &str) -> Result<(), StoreError> {
        // Nothing later depends on them: with one sync of the filesystem, at commit.
        self.unsynced |= self.durability == Durability::Filesystem;
        atomic::append(
            &self.layout.path("audit.log"),
            lines.as_bytes(),
            Some(AUDIT_MODE),
            self.durability,
        )
    }

    fn import(&mut self, records: &Records) -> Result<(), StoreError> {
        self.settle()?;
        super::bulk::import(self.layout, records)
    }

    fn import_requests(&mut self, requests: &[(Certname, Vec<u8>)]) -> Result<(), StoreError> {
        self.write_named(
            "requests",
            requests.iter().map(|(name, pem)| (name, pem.as_slice())),
        )
    }

    fn import_signed(&mut self, signed: &[(Certname, Serial, Vec<u8>)]) -> Result<(), StoreError> {
        self.write_named(
            "signed",
            signed.iter().map(|(name, _, pem)| (name, pem.as_slice())),
        )
    }

    fn import_serial(&mut self, next: Serial) -> Result<(), StoreError> {
        self.settle()?;
        super::bulk::import_serial(self.layout, next)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        // What is not durable yet is made so; dropping the lock ends the transaction.
        self.settle()
    }
}
