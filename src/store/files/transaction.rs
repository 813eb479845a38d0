//! The files backend's transaction: the exclusive lock on the CA directory, held until commit,
//! and every write made under it, each atomic (temp file, sync, rename, sync). The order of the
//! writes is the caller's, and the crash tests depend on it: serials reserved before any
//! certificate, the inventory before `signed/`, group commits of many files at once.
//!
//! Where the CA directory's filesystem allows it ([`Durability::Filesystem`]), a group of writes
//! is made durable with one sync of the whole filesystem instead of one per file: the serials
//! reserved, with one sync before they are handed out (a daemon reserves a block at a time,
//! [`SerialLease`], so most batches reserve none on disk); the certificates of a batch (or of
//! a chunk of `sign --all`, as it signs) and their inventory lines with one sync before they
//! are renamed into place; the requests they answer removed right after the next sync (their
//! certificates durable by then); the renames, the removals and the audit lines with one more
//! at commit. Elsewhere every write is durable before it returns.
//! Either way a write that must come after another durably does: whatever is not synced yet is
//! synced before any write that syncs on its own ([`FilesTransaction::settle`]).

use std::fs::File;
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::atomic::{self, Durability, Pending, PUBLIC_MODE};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;
use crate::store::{
    inventory, BackendTransaction, Item, NewCa, Read, Records, RenderedCrl, SessionKind,
    SessionRecord, TokenRecord, TokenUse,
};

use super::layout::{Layout, AUDIT_MODE, KEY_FILES, REQUIRED};
use super::serials::{self, SerialLease};

/// Changes to a CA directory under its lock.
pub(super) struct FilesTransaction<'a> {
    layout: &'a Layout,
    /// The store's serials reserved ahead.
    serials: &'a SerialLease,
    /// Requests to remove once what was written before them is durable: at the next sync
    /// (with [`Durability::Filesystem`]).
    removals: Vec<PathBuf>,
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
        serials: &'a SerialLease,
        lock: File,
        durability: Durability,
    ) -> FilesTransaction<'a> {
        FilesTransaction {
            layout,
            serials,
            removals: Vec::new(),
            durability,
            unsynced: false,
            _lock: lock,
        }
    }

    /// Make what was written without a sync durable, before a write that must come after it.
    fn settle(&mut self) -> Result<(), StoreError> {
        // Twice when requests wait for the first sync to be removed.
        while self.unsynced {
            self.sync_filesystem()?;
        }
        Ok(())
    }

    /// Make every write so far durable ([`Durability::Filesystem`]), then remove the requests
    /// that waited for it (unsynced again then).
    fn sync_filesystem(&mut self) -> Result<(), StoreError> {
        atomic::sync_filesystem(&self.layout.cadir)?;
        self.unsynced = false;
        if !self.removals.is_empty() {
            let removals = std::mem::take(&mut self.removals);
            atomic::remove_all(&removals, Durability::Filesystem)?;
            self.unsynced = true;
        }
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
        Ok(atomic::write_all_with(&pending, self.durability)?)
    }

    fn named(&self, directory: &str, name: &Certname) -> PathBuf {
        self.layout.path(directory).join(name.file_name())
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
        let present = REQUIRED
            .iter()
            .filter(|file| !KEY_FILES.contains(file))
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
        Ok(atomic::write(
            &self.layout.path("serial"),
            new.next_serial.to_string().as_bytes(),
            PUBLIC_MODE,
        )?)
    }

    fn reserve_serials(&mut self, count: u128) -> Result<Vec<Serial>, StoreError> {
        let on_disk = self.layout.next_serial()?.0;
        // Handed out of a block already durable: nothing to write, nothing to sync.
        if let Some(first) = self.serials.take(on_disk, count) {
            return Ok((first..first + count).map(Serial).collect());
        }
        self.settle()?;
        let first = self.serials.start(on_disk);
        let path = self.layout.path("serial");
        let end = first
            .checked_add(self.serials.block(on_disk, count))
            .ok_or_else(|| StoreError::Corrupt {
                what: path.display().to_string(),
                reason: "serial space exhausted".into(),
            })?;
        // With one sync of the filesystem, the exchange (its content synced before) is made
        // durable by a sync right after it: the inventory's lines never reach the disk before
        // the serial that covers them, even on a filesystem without a journal, where nothing
        // orders two writes but a sync between them; and a block is only handed out again
        // once it is durable.
        serials::write(self.layout, Serial(end), self.durability)?;
        if self.durability == Durability::Filesystem {
            self.sync_filesystem()?;
        }
        self.serials.hold(first, count, end);
        Ok((first..first + count).map(Serial).collect())
    }

    fn put_requests(&mut self, requests: &[(Certname, String)]) -> Result<(), StoreError> {
        self.write_named(
            "requests",
            requests.iter().map(|(name, pem)| (name, pem.as_bytes())),
        )
    }

    fn delete_request(&mut self, name: &Certname) -> Result<bool, StoreError> {
        self.settle()?;
        Ok(atomic::remove(&self.named("requests", name))?)
    }

    fn delete_requests(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|name| self.named("requests", name))
            .collect();
        if self.durability == Durability::EachFile {
            return Ok(atomic::remove_all(&paths, Durability::EachFile).map(drop)?);
        }
        // A request goes only once what came before (its certificate) is durable: right
        // away when nothing waits for a sync, else right after the next one (the next chunk's
        // or the commit's: no sync of its own); the removals themselves are synced with the
        // rest at commit. Usually there is none (an autosigned request is never written).
        let present: Vec<bool> = paths.iter().map(|path| path.exists()).collect();
        let present_paths: Vec<PathBuf> = paths
            .into_iter()
            .zip(&present)
            .filter_map(|(path, here)| here.then_some(path))
            .collect();
        if self.unsynced {
            self.removals.extend(present_paths);
        } else if !present_paths.is_empty() {
            atomic::remove_all(&present_paths, Durability::Filesystem)?;
            self.unsynced = true;
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
        // No sync first: what may come before in a transaction needs none (a serial
        // reserved is durable before it is handed out; an earlier chunk's certificates and
        // removals may reach the disk in any order with these lines). The inventory first: a
        // crash in between leaves an inventory line without a certificate (harmless: the
        // serial is still found and revocable by name), never a certificate the inventory
        // does not know. With one sync of the filesystem, the inventory's lines and the
        // certificates' temp files are made durable together, then the certificates renamed
        // into place.
        atomic::append(
            &self.layout.path("inventory.txt"),
            lines.as_bytes(),
            None,
            self.durability,
        )?;
        atomic::ensure_directory(&self.layout.path("signed"), 0o755)?;
        let files = self.signed_files(issued);
        let pending: Vec<Pending<'_>> = files
            .iter()
            .map(|(path, pem)| Pending::public(path.clone(), pem.as_bytes()))
            .collect();
        let ready = atomic::stage_all(&pending, self.durability)?;
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
        Ok(atomic::remove(&self.named("signed", name))?)
    }

    fn require_no_certificate(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        // The lock holds every other writer off: what is on disk now is what commit sees.
        let found: Vec<&str> = names
            .iter()
            .filter(|name| self.named("signed", name).exists())
            .map(Certname::as_str)
            .collect();
        if found.is_empty() {
            return Ok(());
        }
        Err(StoreError::Conflict {
            store: self.layout.cadir.display().to_string(),
            names: found.join(" "),
        })
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
        Ok(atomic::write(
            &self.layout.path("ca_crl.pem"),
            crl.pem,
            PUBLIC_MODE,
        )?)
    }

    fn replace_revocations(
        &mut self,
        _added: &[Revocation],
        _removed: &[Serial],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        self.settle()?;
        // As for `record_revocations`: the rendered chain is the revocations.
        Ok(atomic::write(
            &self.layout.path("ca_crl.pem"),
            crl.pem,
            PUBLIC_MODE,
        )?)
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

    fn write_infra(
        &mut self,
        serials: Option<&[Serial]>,
        crl_pem: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.settle()?;
        super::infra::write(self.layout, self.durability, serials, crl_pem)?;
        if self.durability == Durability::Filesystem {
            self.unsynced = true;
        }
        Ok(())
    }

    fn append_audit(&mut self, lines: &str) -> Result<(), StoreError> {
        // Nothing later depends on them: with one sync of the filesystem, at commit.
        self.unsynced |= self.durability == Durability::Filesystem;
        Ok(atomic::append(
            &self.layout.path("audit.log"),
            lines.as_bytes(),
            Some(AUDIT_MODE),
            self.durability,
        )?)
    }

    fn put_session(&mut self, record: &SessionRecord) -> Result<(), StoreError> {
        let records = super::sessions::with_added(self.layout.sessions()?, record);
        self.layout.write_sessions(&records, self.durability)
    }

    fn take_session(
        &mut self,
        hash: &str,
        kind: SessionKind,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let mut records = self.layout.sessions()?;
        let Some(index) = records
            .iter()
            .position(|record| record.hash == hash && record.kind == kind)
        else {
            return Ok(None);
        };
        // An expired one goes too.
        let record = records.remove(index);
        self.layout.write_sessions(&records, self.durability)?;
        Ok((record.expires > now).then_some(record))
    }

    fn remove_session(&mut self, hash: &str) -> Result<(), StoreError> {
        let mut records = self.layout.sessions()?;
        let before = records.len();
        records.retain(|record| record.hash != hash);
        if records.len() != before {
            self.layout.write_sessions(&records, self.durability)?;
        }
        Ok(())
    }

    fn put_token(&mut self, record: &TokenRecord) -> Result<(), StoreError> {
        let records = super::tokens::with_added(self.layout.tokens()?, record);
        self.layout.write_tokens(&records, self.durability)
    }

    fn tokens_of(
        &mut self,
        hashes: &[String],
        _lock: bool,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        // The transaction's lock holds every other writer off already.
        let mut found: Vec<TokenRecord> = self
            .layout
            .tokens()?
            .into_iter()
            .filter(|record| hashes.contains(&record.hash))
            .collect();
        found.sort_by(|a, b| a.hash.cmp(&b.hash));
        Ok(found)
    }

    fn use_tokens(&mut self, uses: &[TokenUse], now: OffsetDateTime) -> Result<(), StoreError> {
        let records =
            super::tokens::with_uses_taken(self.layout, self.layout.tokens()?, uses, now)?;
        // Durable before any certificate it pays for is written (the caller takes the uses
        // first): a crash in between costs a use, never gives one back.
        self.settle()?;
        self.layout.write_tokens(&records, self.durability)
    }

    fn revoke_token(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let mut records = self.layout.tokens()?;
        let Some(record) = records.iter_mut().find(|record| record.id == id) else {
            return Ok(None);
        };
        record.revoked.get_or_insert(now);
        let revoked = record.clone();
        self.layout.write_tokens(&records, self.durability)?;
        Ok(Some(revoked))
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
