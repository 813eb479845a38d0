//! A store's transactions and snapshots as callers hold them ([`Transaction`], [`Snapshot`]):
//! each a thin handle on its backend's, adding the checks every backend shares.

use std::fmt;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;
use crate::tree::TreeFile;

use super::*;

/// Changes to the store, in the caller's order, until [`Transaction::commit`] (see the module
/// docs for what dropping one does).
#[must_use = "a transaction's changes are only complete once committed"]
pub struct Transaction<'a> {
    pub(super) inner: Box<dyn BackendTransaction + 'a>,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

impl Transaction<'_> {
    /// Record a new CA (see [`BackendTransaction::create`]).
    pub fn create(&mut self, new: &NewCa<'_>) -> Result<(), StoreError> {
        self.inner.create(new)
    }

    /// Reserve `count` serials (see [`BackendTransaction::reserve_serials`]).
    pub fn reserve_serials(&mut self, count: u128) -> Result<Vec<Serial>, StoreError> {
        self.inner.reserve_serials(count)
    }

    /// Queue (or replace) requests in one group commit; nothing for none.
    pub fn put_requests(&mut self, requests: &[(Certname, String)]) -> Result<(), StoreError> {
        if requests.is_empty() {
            return Ok(());
        }
        self.inner.put_requests(requests)
    }

    /// Remove the queued request of `name`; `false` when there was none.
    pub fn delete_request(&mut self, name: &Certname) -> Result<bool, StoreError> {
        self.inner.delete_request(name)
    }

    /// Remove the queued requests of `names`, in one group commit where the backend can
    /// (see [`BackendTransaction::delete_requests`]); nothing for none.
    pub fn delete_requests(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        if names.is_empty() {
            return Ok(());
        }
        self.inner.delete_requests(names)
    }

    /// Require that none of `names` has a certificate (see
    /// [`BackendTransaction::require_no_certificate`]); nothing for none.
    pub fn require_no_certificate(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        if names.is_empty() {
            return Ok(());
        }
        self.inner.require_no_certificate(names)
    }

    /// Record freshly signed certificates (see [`BackendTransaction::record_signed`]); nothing
    /// for none.
    pub fn record_signed(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), StoreError> {
        if issued.is_empty() {
            return Ok(());
        }
        self.inner.record_signed(issued)
    }

    /// Remove the signed certificate of `name`; `false` when there was none.
    pub fn delete_signed(&mut self, name: &Certname) -> Result<bool, StoreError> {
        self.inner.delete_signed(name)
    }

    /// Remove the signed certificates of `names` (see
    /// [`BackendTransaction::delete_signed_many`]); nothing for none.
    pub fn delete_signed_many(&mut self, names: &[Certname]) -> Result<Vec<bool>, StoreError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        self.inner.delete_signed_many(names)
    }

    /// Claim `names` for the rest of the transaction (see [`BackendTransaction::claim`]).
    pub fn claim(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        if names.is_empty() {
            return Ok(());
        }
        self.inner.claim(names)
    }

    /// Become the one CRL writer of the store for the rest of the transaction; the
    /// revocations as they are then (see [`BackendTransaction::lock_revocations`]).
    pub fn lock_revocations(&mut self) -> Result<Vec<Revocation>, StoreError> {
        self.inner.lock_revocations()
    }

    /// Record new revocations with the CRL chain rendered from all of them (see
    /// [`BackendTransaction::record_revocations`]).
    pub fn record_revocations(
        &mut self,
        added: &[Revocation],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        self.inner.record_revocations(added, crl)
    }

    /// Record and drop revocations with the CRL chain rendered from what is then revoked (see
    /// [`BackendTransaction::replace_revocations`]).
    pub fn replace_revocations(
        &mut self,
        added: &[Revocation],
        removed: &[Serial],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        self.inner.replace_revocations(added, removed, crl)
    }

    /// Replace the CA chain, keeping the current one (see
    /// [`BackendTransaction::replace_ca_chain`]); the archive's name.
    pub fn replace_ca_chain(
        &mut self,
        chain_pem: &[u8],
        archived_at: OffsetDateTime,
        self_issued: &[Certificate],
    ) -> Result<Item, StoreError> {
        self.inner
            .replace_ca_chain(chain_pem, archived_at, self_issued)
    }

    /// Write the infrastructure CRL's files (see [`BackendTransaction::write_infra`]).
    pub fn write_infra(
        &mut self,
        serials: Option<&[Serial]>,
        crl_pem: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.inner.write_infra(serials, crl_pem)
    }

    /// Append audit lines, durably; nothing for none.
    pub fn append_audit(&mut self, lines: &str) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        self.inner.append_audit(lines)
    }

    /// Record a console login link or session (see [`BackendTransaction::put_session`]).
    pub fn put_session(&mut self, record: &SessionRecord) -> Result<(), StoreError> {
        self.inner.put_session(record)
    }

    /// Remove and return a console record of `kind` still valid at `now` (see
    /// [`BackendTransaction::take_session`]).
    pub fn take_session(
        &mut self,
        hash: &str,
        kind: SessionKind,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.inner.take_session(hash, kind, now)
    }

    /// Remove the console record of `hash` (see [`BackendTransaction::remove_session`]).
    pub fn remove_session(&mut self, hash: &str) -> Result<(), StoreError> {
        self.inner.remove_session(hash)
    }

    /// Record a new enrolment token (see [`BackendTransaction::put_token`]).
    pub fn put_token(&mut self, record: &TokenRecord) -> Result<(), StoreError> {
        self.inner.put_token(record)
    }

    /// The enrolment tokens of `hashes`, locked against other uses with `lock` (see
    /// [`BackendTransaction::tokens_of`]); nothing for none.
    pub fn tokens_of(
        &mut self,
        hashes: &[String],
        lock: bool,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        self.inner.tokens_of(hashes, lock)
    }

    /// Take uses of enrolment tokens, or fail the transaction (see
    /// [`BackendTransaction::use_tokens`]); nothing for none.
    pub fn use_tokens(&mut self, uses: &[TokenUse], now: OffsetDateTime) -> Result<(), StoreError> {
        if uses.is_empty() {
            return Ok(());
        }
        self.inner.use_tokens(uses, now)
    }

    /// Revoke the enrolment token of `id` (see [`BackendTransaction::revoke_token`]).
    pub fn revoke_token(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.revoke_token(id, now)
    }

    /// Make every change durable and visible, and end the transaction.
    pub fn commit(self) -> Result<(), StoreError> {
        self.inner.commit()
    }
}

impl Read for Transaction<'_> {
    read::through!(inner);
}

/// A consistent read-only view of the store ([`Store::snapshot`]).
pub struct Snapshot<'a> {
    pub(super) inner: Box<dyn BackendSnapshot + 'a>,
}

impl fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot").finish_non_exhaustive()
    }
}

impl Snapshot<'_> {
    /// What only the backend can see broken (see [`BackendSnapshot::problems`]).
    pub fn problems(&self) -> Result<Vec<Problem>, StoreError> {
        self.inner.problems()
    }

    /// What a standby CA node copies (see [`BackendSnapshot::standby_files`]).
    pub fn standby_files(&self) -> Result<Vec<TreeFile>, StoreError> {
        self.inner.standby_files()
    }
}

impl Read for Snapshot<'_> {
    read::through!(inner);
}
