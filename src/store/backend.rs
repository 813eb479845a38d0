//! What a store implementation provides ([`Backend`]), and its transactions and snapshots:
//! the seam between [`Store`] and [`files`] or [`postgres`].

use std::fmt;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;
use crate::tree::TreeFile;

use super::*;

/// A store implementation. Object-safe; one value serves every thread of a process.
pub trait Backend: Read + fmt::Debug + Send + Sync {
    /// Where the store is.
    fn location(&self) -> &Location;

    /// How `item` is named in messages (files: its path).
    fn locate(&self, item: &Item) -> String;

    /// Begin a transaction (files: blocks until no other `cert` process holds the CA
    /// directory's lock, then removes what a killed writer left, once per store).
    fn begin(&self) -> Result<Box<dyn BackendTransaction + '_>, StoreError>;

    /// A consistent read-only view, changing nothing (not even what a crashed writer left).
    fn snapshot(&self) -> Result<Box<dyn BackendSnapshot + '_>, StoreError>;

    /// The current [`CrlVersion`]; cheap enough to ask on every connection.
    fn crl_version(&self) -> Result<CrlVersion, StoreError>;

    /// The current [`CaChainVersion`]; cheap enough to ask on every connection.
    fn ca_chain_version(&self) -> Result<CaChainVersion, StoreError>;

    /// Keep the CRL and CA chain versions, and the CRL, current as other writers change them,
    /// answering for them without waiting from then on (what a daemon polls on its async
    /// threads). Files: nothing to do, their times are read every time; a database: a
    /// listener. Calling it again does nothing.
    fn watch(&self) {}

    /// From now on, reserve serials at least `count` at a time on disk, and hand the rest out
    /// to later transactions of this store without writing: what a daemon that signs batch
    /// after batch asks, so that most batches reserve no serial on disk (files: no `serial`
    /// rewrite and no sync before the certificates are written). The serials reserved ahead
    /// and never used are skipped when another process reserves in between or the process
    /// dies (a gap, never a serial used twice); a clean stop gives them back
    /// ([`Backend::give_back_serials`]). A database: nothing to do (its sequence does it).
    fn reserve_serials_ahead(&self, count: u128) {
        let _ = count;
    }

    /// Give back the serials reserved ahead and not used (a daemon stopping cleanly), when no
    /// other writer has reserved since and none holds the store right now (never waits);
    /// `true` when they were. What is not given back stays a gap. A database: nothing to do.
    fn give_back_serials(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// When `what` last changed.
    fn last_modified(&self, what: Published) -> Result<SystemTime, StoreError>;

    /// From now on, bound every transaction and read to `limit` in all, and answer at once
    /// ([`StoreError::Unavailable`]) while the store is known not to answer: what a daemon
    /// asks, so that a request never hangs. Files: nothing to do (a local disk answers).
    fn limit_waits(&self, limit: Duration) {
        let _ = limit;
    }

    /// Whether this backend keeps puppetserver's infrastructure CRL files ([`Infra`]): a CA
    /// directory does; the others read as having none and refuse to write them.
    fn keeps_infrastructure_crl(&self) -> bool {
        false
    }

    /// How many transactions of this process may usefully be in flight at once: files one (one
    /// writer at a time holds the lock), a database several.
    fn concurrent_writers(&self) -> usize {
        1
    }

    /// When each queued request arrived (files: its file's modification time; a database: the
    /// time it was queued), by name.
    fn request_times(&self) -> Result<Vec<(Certname, SystemTime)>, StoreError>;

    /// The console sign-in record whose secret hashes to `hash`, if the store holds it
    /// (whether it is still valid is [`crate::session`]'s to say).
    fn session(&self, hash: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Record that the session of `hash` was seen at `seen` (nothing when it is gone).
    fn touch_session(&self, hash: &str, seen: OffsetDateTime) -> Result<(), StoreError>;

    /// Every enrolment token the store keeps (ended ones too, until they are dropped
    /// [`crate::token::RETENTION`] after they expired), oldest first.
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
}

/// The changes of one [`Backend::begin`], in the caller's order; see [`Transaction`].
pub trait BackendTransaction: Read {
    /// Record a new CA. Refused ([`StoreError::CaExists`]) when the store holds any of one.
    fn create(&mut self, new: &NewCa<'_>) -> Result<(), StoreError>;

    /// Reserve `count` serials, durably, and return them (not necessarily consecutive: other
    /// nodes may reserve at the same time). Nothing is issued with them before this returns,
    /// so they are never handed out twice.
    fn reserve_serials(&mut self, count: u128) -> Result<Vec<Serial>, StoreError>;

    /// Queue (or replace) requests, PEM, in one group commit.
    fn put_requests(&mut self, requests: &[(Certname, String)]) -> Result<(), StoreError>;

    /// Remove the queued request of `name`; `false` when there was none.
    fn delete_request(&mut self, name: &Certname) -> Result<bool, StoreError>;

    /// Remove the queued requests of `names`, those that have one (one group commit where the
    /// backend can; a database sends it with the transaction's next flight).
    fn delete_requests(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        for name in names {
            self.delete_request(name)?;
        }
        Ok(())
    }

    /// Record freshly signed certificates, their serials reserved: the inventory first, then
    /// each name's current certificate (one group commit). A crash in between may leave an
    /// inventory entry without its certificate, never a certificate the inventory lacks. May
    /// be called again in the same transaction (a long batch records chunk by chunk as it
    /// signs): where a backend makes certificates visible before commit (files), each call's
    /// are as good as committed once it returns.
    fn record_signed(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), StoreError>;

    /// Remove the signed certificate of `name`; `false` when there was none.
    fn delete_signed(&mut self, name: &Certname) -> Result<bool, StoreError>;

    /// Remove the signed certificates of `names` (one statement for a database); for each,
    /// `false` when there was none.
    fn delete_signed_many(&mut self, names: &[Certname]) -> Result<Vec<bool>, StoreError> {
        names.iter().map(|name| self.delete_signed(name)).collect()
    }

    /// Claim `names` until the end of the transaction, before checking and changing what the
    /// store holds for them: another transaction claiming one of them waits until this one
    /// ends, then sees what it committed (so two nodes signing one name at once serialise, and
    /// the second meets the first's certificate). The files backend's lock already excludes
    /// every other writer, so there it does nothing.
    fn claim(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        let _ = names;
        Ok(())
    }

    /// Require that none of `names` has a signed certificate, as the transaction will see it
    /// after the claims made before this call: otherwise [`StoreError::Conflict`], and nothing
    /// of the transaction is committed. Call it before any change: files check at once (the
    /// lock holds every other writer off); a database checks in the transaction's next flight,
    /// so a transaction that reads nothing can still be one round trip, and the conflict may
    /// come out of any later call, [`Self::commit`] included.
    fn require_no_certificate(&mut self, names: &[Certname]) -> Result<(), StoreError>;

    /// Become the one CRL writer until the end of the transaction, and return the revocations
    /// as they are then: what a new CRL is rendered from (files: the lock of the transaction
    /// already excludes every other writer).
    fn lock_revocations(&mut self) -> Result<Vec<Revocation>, StoreError>;

    /// Record new revocations (`added`, not among those [`Self::lock_revocations`] returned)
    /// with the CRL chain rendered from all of them, its number above the current one.
    fn record_revocations(
        &mut self,
        added: &[Revocation],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError>;

    /// Record new revocations (`added`) and drop others (`removed`: serials no longer listed,
    /// because their certificates expired or the administrator pruned them), with the CRL
    /// chain rendered from what is then revoked (each serial once), its number above the
    /// current one. [`Self::lock_revocations`] came first. With nothing added or removed, it
    /// re-issues the CRL chain (a new nextUpdate).
    fn replace_revocations(
        &mut self,
        added: &[Revocation],
        removed: &[Serial],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError>;

    /// Replace the CA chain with `chain_pem` (the same CA re-issued: same keys and names, new
    /// validity), keeping the current one as the archive of `archived_at` (returned, to name
    /// it), and list `self_issued` in the inventory: the re-issued certificates that the
    /// issuing CA signed itself (a self-signed CA's own, with a serial reserved in this
    /// transaction).
    fn replace_ca_chain(
        &mut self,
        chain_pem: &[u8],
        archived_at: OffsetDateTime,
        self_issued: &[Certificate],
    ) -> Result<Item, StoreError>;

    /// Append audit lines (JSON, each with its newline), durably.
    fn append_audit(&mut self, lines: &str) -> Result<(), StoreError>;

    /// Write the infrastructure CRL's files ([`Infra`]): `serials` and `crl_pem` each when
    /// given. Refused ([`StoreError::Unsupported`]) by a backend that does not keep them.
    fn write_infra(
        &mut self,
        serials: Option<&[Serial]>,
        crl_pem: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let _ = (serials, crl_pem);
        Err(StoreError::Unsupported {
            store: "this store".into(),
            what: "the infrastructure CRL",
        })
    }
    /// Record a console login link or session (its secret's hash), dropping the records that
    /// ended before `record.created`.
    fn put_session(&mut self, record: &SessionRecord) -> Result<(), StoreError>;

    /// Remove the console record of `hash` and return it, if it is of `kind` and ends after
    /// `now`: a login link is used once, so that of two nodes given the same link at once,
    /// one signs in.
    fn take_session(
        &mut self,
        hash: &str,
        kind: SessionKind,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Remove the console record of `hash`, if any (signing out).
    fn remove_session(&mut self, hash: &str) -> Result<(), StoreError>;

    /// Record a new enrolment token (its hash), dropping the records that may be dropped at
    /// `record.created` ([`crate::token::droppable`]).
    fn put_token(&mut self, record: &TokenRecord) -> Result<(), StoreError>;

    /// The enrolment tokens of `hashes` the store keeps, as the transaction sees them after
    /// its claims; with `lock`, held against every other transaction's use until this one
    /// ends (a database: row locks, taken in the order of the hashes), so that what is read
    /// is what [`Self::use_tokens`] then finds. Files: the lock of the transaction already
    /// holds every other writer off.
    fn tokens_of(&mut self, hashes: &[String], lock: bool) -> Result<Vec<TokenRecord>, StoreError>;

    /// Take `uses` of enrolment tokens. When a token has fewer uses left than taken, has
    /// expired at `now` or was revoked, as the transaction finds it when the change is made,
    /// the transaction fails ([`StoreError::TokenSpent`]) and nothing of it is committed:
    /// files check at once (the lock holds every other writer off); a database in the
    /// transaction's next flight (so the conflict may come out of [`Self::commit`]), where it
    /// decides between two nodes taking the last use of one token at once.
    fn use_tokens(&mut self, uses: &[TokenUse], now: OffsetDateTime) -> Result<(), StoreError>;

    /// Mark the enrolment token of `id` revoked at `now` (the first revocation's time is
    /// kept) and return it; `None` when the store keeps no token of that id. A revoked token
    /// is kept, so that a request it left pending keeps its reason.
    fn revoke_token(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError>;

    /// Record a whole CA copied from another store (`cert migrate`): everything but its
    /// requests, signed certificates and next serial, which follow ([`Self::import_requests`],
    /// [`Self::import_signed`], and last [`Self::import_serial`]). Refused
    /// ([`StoreError::CaExists`], [`StoreError::NotEmpty`]) unless the store holds nothing,
    /// the CA's keys aside.
    fn import(&mut self, records: &Records) -> Result<(), StoreError>;

    /// Queue requests of an imported CA, their bytes as they were.
    fn import_requests(&mut self, requests: &[(Certname, Vec<u8>)]) -> Result<(), StoreError>;

    /// Record signed certificates of an imported CA, their bytes as they were, each with its
    /// serial (their inventory lines came with the records).
    fn import_signed(&mut self, signed: &[(Certname, Serial, Vec<u8>)]) -> Result<(), StoreError>;

    /// Set the next serial of an imported CA: its last step, which makes it complete (files:
    /// `serial` is written last, so that an interrupted import never looks like a whole CA).
    fn import_serial(&mut self, next: Serial) -> Result<(), StoreError>;

    /// Make every change durable and visible, and end the transaction.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// A consistent read-only view of a store; see [`Snapshot`].
pub trait BackendSnapshot: Read {
    /// The invariants only this backend can see broken (files: temp files left behind,
    /// inventory lines that do not parse, a `serial` file that does not parse).
    fn problems(&self) -> Result<Vec<Problem>, StoreError>;

    /// What a standby CA node copies from this one for this store (files: every file of the
    /// CA directory; keys get mode 0600). Paths are relative.
    fn standby_files(&self) -> Result<Vec<TreeFile>, StoreError>;

    /// Everything of the CA but its requests, signed certificates and next serial, as
    /// `cert migrate` copies it ([`Records`]).
    fn records(&self) -> Result<Records, StoreError>;

    /// What the store holds that is not part of a CA and so is not copied (files: other files
    /// in the CA directory; its keys are not counted), as [`Store::locate`] would name it.
    fn left_behind(&self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
}
