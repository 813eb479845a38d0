//! A whole CA copied between stores (`cert migrate`, [`crate::ca::migrate`]): what a store
//! holds besides its requests, signed certificates and next serial ([`Records`]), read from a
//! [`Snapshot`], and the import operations of a [`Transaction`] that write a copy into a store
//! holding nothing yet. The CA's keys are never part of it: no store holds them.
//!
//! The order of the import is fixed: [`Transaction::import`] (the records), then the requests
//! and certificates in chunks, then [`Transaction::import_serial`]; the files backend writes
//! `serial` last, so that an interrupted copy never looks like a complete CA, and a database
//! has it all in one transaction.

use time::OffsetDateTime;

use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;

use super::{Snapshot, Transaction};

/// Everything of a CA but its requests, signed certificates and next serial, as stored: what
/// makes a copy byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// The CA chain, issuing CA first.
    pub chain_pem: Vec<u8>,
    /// The chains `cert extend-ca` replaced, each with when, oldest first.
    pub archives: Vec<(OffsetDateTime, Vec<u8>)>,
    /// The CRL chain agents fetch, issuing CA's first.
    pub crl_pem: Vec<u8>,
    /// The revocations of certificates of the issuing CA, in the order they were made.
    pub revocations: Vec<Revocation>,
    /// The inventory's lines as stored (an old Ruby CA's `0x%04x` kept), without newlines.
    pub inventory: Vec<String>,
    /// The audit log's lines, each with its newline.
    pub audit: String,
    /// puppetserver's other files (`ca_pub.pem`, `infra_crl.pem`, `infra_inventory.txt`,
    /// `infra_serials`): name and bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Transaction<'_> {
    /// Record a whole CA copied from another store, but for its requests, certificates and
    /// next serial (see [`super::BackendTransaction::import`]).
    pub fn import(&mut self, records: &Records) -> Result<(), StoreError> {
        self.inner.import(records)
    }

    /// Queue requests of an imported CA as they were; nothing for none.
    pub fn import_requests(&mut self, requests: &[(Certname, Vec<u8>)]) -> Result<(), StoreError> {
        if requests.is_empty() {
            return Ok(());
        }
        self.inner.import_requests(requests)
    }

    /// Record signed certificates of an imported CA as they were; nothing for none.
    pub fn import_signed(
        &mut self,
        signed: &[(Certname, Serial, Vec<u8>)],
    ) -> Result<(), StoreError> {
        if signed.is_empty() {
            return Ok(());
        }
        self.inner.import_signed(signed)
    }

    /// Set the next serial of an imported CA, its last step (see
    /// [`super::BackendTransaction::import_serial`]).
    pub fn import_serial(&mut self, next: Serial) -> Result<(), StoreError> {
        self.inner.import_serial(next)
    }
}

impl Snapshot<'_> {
    /// Everything of the CA but its requests, certificates and next serial (see
    /// [`super::BackendSnapshot::records`]).
    pub fn records(&self) -> Result<Records, StoreError> {
        self.inner.records()
    }

    /// What the store holds that a copy leaves behind (see
    /// [`super::BackendSnapshot::left_behind`]).
    pub fn left_behind(&self) -> Result<Vec<String>, StoreError> {
        self.inner.left_behind()
    }
}
