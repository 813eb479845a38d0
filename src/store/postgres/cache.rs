//! What a node keeps of the database in memory, to serve agents while the database is
//! unreachable: the CA chain (with when it was recorded: the [`CaChainVersion`]), the CRL chain
//! (with its number: the [`CrlVersion`] the daemon polls), and the certificates it has read or
//! written lately. The CRL is only ever replaced by one with a higher number, the chain by a
//! later one, whoever brings it (this node's commit, the listener). A daemon's cache is kept
//! on disk too ([`super::copy`]), so that a node restarted while the database is unreachable
//! starts from it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::SystemTime;

use crate::certname::Certname;
use crate::store::{CaChainVersion, CrlVersion};

use super::copy::DiskCopy;
use super::reads::CrlRow;

/// Most certificates kept (1 to 2 KiB each: about 20 MiB at most).
const CERTIFICATES: usize = 10_000;

/// The node's copy of what agents fetch.
#[derive(Debug, Default)]
pub(super) struct Cache {
    chain: RwLock<Option<(Vec<u8>, SystemTime)>>,
    crl: RwLock<Option<CrlRow>>,
    certificates: Mutex<HashMap<Certname, Vec<u8>>>,
    /// The copy on disk that follows it, once a daemon keeps one ([`Cache::keep_copy`]).
    copy: OnceLock<Arc<DiskCopy>>,
}

impl Cache {
    /// From now on, keep `copy` as this cache changes, starting with what it holds now.
    pub(super) fn keep_copy(&self, copy: Arc<DiskCopy>) {
        if let Some((pem, recorded)) = self.chain() {
            copy.keep_chain(&pem, recorded);
        }
        if let Some(row) = self.crl() {
            copy.keep_crl(&row);
        }
        let _ = self.copy.set(copy);
    }

    /// The CA chain and when it was recorded.
    pub(super) fn chain(&self) -> Option<(Vec<u8>, SystemTime)> {
        self.chain
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// When the CA chain kept was recorded, as its [`CaChainVersion`].
    pub(super) fn chain_version(&self) -> Option<CaChainVersion> {
        self.chain
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, recorded)| {
                CaChainVersion(
                    recorded
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0, |d| d.as_micros()),
                )
            })
    }

    /// Keep the CA chain recorded at `recorded`, unless the one kept is as recent or more;
    /// whether it was kept.
    pub(super) fn offer_chain(&self, pem: Vec<u8>, recorded: SystemTime) -> bool {
        let mut chain = self.chain.write().unwrap_or_else(PoisonError::into_inner);
        if chain.as_ref().is_some_and(|(_, kept)| *kept >= recorded) {
            return false;
        }
        if let Some(copy) = self.copy.get() {
            copy.keep_chain(&pem, recorded);
        }
        *chain = Some((pem, recorded));
        true
    }

    /// The CRL chain kept.
    pub(super) fn crl(&self) -> Option<CrlRow> {
        self.crl
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The number of the CRL kept.
    pub(super) fn crl_version(&self) -> Option<CrlVersion> {
        self.crl
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|row| CrlVersion(row.number))
    }

    /// Keep `row` unless the CRL kept already has its number or a higher one; whether it was
    /// kept.
    pub(super) fn offer_crl(&self, row: CrlRow) -> bool {
        let mut crl = self.crl.write().unwrap_or_else(PoisonError::into_inner);
        if crl.as_ref().is_some_and(|kept| kept.number >= row.number) {
            return false;
        }
        if let Some(copy) = self.copy.get() {
            copy.keep_crl(&row);
        }
        *crl = Some(row);
        true
    }

    /// A certificate kept.
    pub(super) fn certificate(&self, name: &Certname) -> Option<Vec<u8>> {
        self.certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Forget every certificate kept.
    pub(super) fn forget_certificates(&self) {
        self.certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        if let Some(copy) = self.copy.get() {
            copy.forget_certificates();
        }
    }

    /// Keep (`Some`) or forget (`None`) the certificate of `name`.
    pub(super) fn set_certificate(&self, name: &Certname, pem: Option<&[u8]>) {
        let mut certificates = self
            .certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(copy) = self.copy.get() {
            match pem {
                Some(pem) if certificates.get(name).map(Vec::as_slice) != Some(pem) => {
                    copy.keep_certificate(name, pem)
                }
                Some(_) => {}
                None => copy.forget_certificate(name),
            }
        }
        match pem {
            None => {
                certificates.remove(name);
            }
            Some(pem) => {
                if certificates.len() >= CERTIFICATES && !certificates.contains_key(name) {
                    // Full: make room by forgetting any one (an unread name is as likely next
                    // as any other).
                    if let Some(other) = certificates.keys().next().cloned() {
                        certificates.remove(&other);
                    }
                }
                certificates.insert(name.clone(), pem.to_vec());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[test]
    fn the_crl_only_moves_forward() {
        let cache = Cache::default();
        let row = |number: u128| CrlRow {
            number,
            pem: number.to_string().into_bytes(),
            updated: SystemTime::UNIX_EPOCH,
        };
        assert_eq!(cache.crl_version(), None);
        assert!(cache.offer_crl(row(3)));
        assert!(!cache.offer_crl(row(2)));
        assert!(!cache.offer_crl(row(3)));
        assert_eq!(cache.crl().unwrap().pem, b"3");
        assert!(cache.offer_crl(row(4)));
        assert_eq!(cache.crl_version(), Some(CrlVersion(4)));
    }
}
