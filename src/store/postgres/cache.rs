//! What a node keeps of the database in memory, to serve agents while the database is
//! unreachable: the CA chain (with when it was recorded: the [`CaChainVersion`]), the CRL chain
//! (with its number: the [`CrlVersion`] the daemon polls), and the certificates it has read or
//! written lately. The CRL is only ever replaced by one with a higher number, the chain by a
//! later one, whoever brings it (this node's commit, the listener).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use crate::certname::Certname;
use crate::store::{CaChainVersion, CrlVersion};

use super::reads::CrlRow;

/// Most certificates kept (1 to 2 KiB each: about 20 MiB at most).
const CERTIFICATES: usize = 10_000;

/// The node's copy of what agents fetch.
#[derive(Debug, Default)]
pub(super) struct Cache {
    chain: RwLock<Option<(Vec<u8>, SystemTime)>>,
    crl: RwLock<Option<CrlRow>>,
    certificates: Mutex<HashMap<Certname, Vec<u8>>>,
}

impl Cache {
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

    /// Keep (`Some`) or forget (`None`) the certificate of `name`.
    pub(super) fn set_certificate(&self, name: &Certname, pem: Option<&[u8]>) {
        let mut certificates = self
            .certificates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
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
