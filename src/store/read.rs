//! The reads every store offers, on the store itself, inside a transaction (reads that must
//! agree with its writes) and on a snapshot: the same trait for all three, so that the CA's
//! rules take a `&dyn Read` and work on any of them. What the bytes mean is the caller's.

use std::collections::HashSet;

use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;

use super::{inventory, Infra, Presence};

/// What can be read from a store.
pub trait Read {
    /// Whether a CA is there.
    fn presence(&self) -> Result<Presence, StoreError>;

    /// The CA certificate chain, PEM, issuing CA first.
    fn ca_chain_pem(&self) -> Result<Vec<u8>, StoreError>;

    /// The CRL chain, PEM, the issuing CA's CRL first (what agents fetch).
    fn crl_pem(&self) -> Result<Vec<u8>, StoreError>;

    /// Every revocation of a certificate of the issuing CA, in the order they were made
    /// (files: the entries of the first CRL of the chain, Puppet's layout).
    fn revocations(&self) -> Result<Vec<Revocation>, StoreError>;

    /// Whether the certificate of the issuing CA with `serial` is revoked (what the duplicate
    /// rule asks for every request of a name that has a certificate). A backend that can look
    /// one serial up answers without reading every revocation.
    fn is_revoked(&self, serial: Serial) -> Result<bool, StoreError> {
        Ok(self.revocations()?.iter().any(|r| r.serial == serial))
    }

    /// Those of `serials` that are revoked (certificates of the issuing CA), read at once: one
    /// query for a database, one read of the revocations for files.
    fn revoked_among(&self, serials: &[Serial]) -> Result<HashSet<Serial>, StoreError> {
        if serials.is_empty() {
            return Ok(HashSet::new());
        }
        let wanted: HashSet<Serial> = serials.iter().copied().collect();
        Ok(self
            .revocations()?
            .into_iter()
            .map(|r| r.serial)
            .filter(|serial| wanted.contains(serial))
            .collect())
    }

    /// The next serial to issue.
    fn next_serial(&self) -> Result<Serial, StoreError>;

    /// Every issued certificate, oldest first (entries a backend cannot read are skipped; its
    /// own check reports them).
    fn inventory(&self) -> Result<Vec<inventory::Line>, StoreError>;

    /// The queued request of `name`, PEM.
    fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError>;

    /// The current signed certificate of `name`, PEM.
    fn signed(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError>;

    /// The signed certificates of `names` that have one, PEM, in the order of `names`. A
    /// backend that can read many at once does (one query for a database).
    fn signed_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        each(names, |name| self.signed(name))
    }

    /// The queued requests of `names` that have one, PEM, in the order of `names` (see
    /// [`Read::signed_many`]).
    fn requests_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        each(names, |name| self.request(name))
    }

    /// Names with a queued request, sorted.
    fn request_names(&self) -> Result<Vec<Certname>, StoreError>;

    /// Names with a signed certificate, sorted.
    fn signed_names(&self) -> Result<Vec<Certname>, StoreError>;

    /// The audit log's lines (empty when there are none).
    fn audit(&self) -> Result<String, StoreError>;

    /// The infrastructure CRL's files ([`Infra`]); none at all from a backend that does not
    /// keep them ([`super::Backend::keeps_infrastructure_crl`]).
    fn infra(&self) -> Result<Infra, StoreError> {
        Ok(Infra::default())
    }
}

/// What `read` finds for each of `names`, those it finds, in order.
fn each(
    names: &[Certname],
    read: impl Fn(&Certname) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        if let Some(pem) = read(name)? {
            found.push((name.clone(), pem));
        }
    }
    Ok(found)
}

/// `impl Read for X { through!(field); }`: every [`Read`] method of `X` answered by
/// `self.field` (a handle, a transaction or a snapshot passing reads to what it wraps).
macro_rules! through {
    ($field:ident) => {
        fn presence(&self) -> Result<$crate::store::Presence, $crate::error::StoreError> {
            self.$field.presence()
        }
        fn ca_chain_pem(&self) -> Result<Vec<u8>, $crate::error::StoreError> {
            self.$field.ca_chain_pem()
        }
        fn crl_pem(&self) -> Result<Vec<u8>, $crate::error::StoreError> {
            self.$field.crl_pem()
        }
        fn revocations(&self) -> Result<Vec<$crate::crl::Revocation>, $crate::error::StoreError> {
            self.$field.revocations()
        }
        fn is_revoked(
            &self,
            serial: $crate::certificate::Serial,
        ) -> Result<bool, $crate::error::StoreError> {
            self.$field.is_revoked(serial)
        }
        fn revoked_among(
            &self,
            serials: &[$crate::certificate::Serial],
        ) -> Result<std::collections::HashSet<$crate::certificate::Serial>, $crate::error::StoreError>
        {
            self.$field.revoked_among(serials)
        }
        fn next_serial(&self) -> Result<$crate::certificate::Serial, $crate::error::StoreError> {
            self.$field.next_serial()
        }
        fn inventory(
            &self,
        ) -> Result<Vec<$crate::store::inventory::Line>, $crate::error::StoreError> {
            self.$field.inventory()
        }
        fn request(
            &self,
            name: &$crate::certname::Certname,
        ) -> Result<Option<Vec<u8>>, $crate::error::StoreError> {
            self.$field.request(name)
        }
        fn signed(
            &self,
            name: &$crate::certname::Certname,
        ) -> Result<Option<Vec<u8>>, $crate::error::StoreError> {
            self.$field.signed(name)
        }
        fn signed_many(
            &self,
            names: &[$crate::certname::Certname],
        ) -> Result<Vec<($crate::certname::Certname, Vec<u8>)>, $crate::error::StoreError> {
            self.$field.signed_many(names)
        }
        fn requests_many(
            &self,
            names: &[$crate::certname::Certname],
        ) -> Result<Vec<($crate::certname::Certname, Vec<u8>)>, $crate::error::StoreError> {
            self.$field.requests_many(names)
        }
        fn request_names(
            &self,
        ) -> Result<Vec<$crate::certname::Certname>, $crate::error::StoreError> {
            self.$field.request_names()
        }
        fn signed_names(
            &self,
        ) -> Result<Vec<$crate::certname::Certname>, $crate::error::StoreError> {
            self.$field.signed_names()
        }
        fn audit(&self) -> Result<String, $crate::error::StoreError> {
            self.$field.audit()
        }
        fn infra(&self) -> Result<$crate::store::Infra, $crate::error::StoreError> {
            self.$field.infra()
        }
    };
}

pub(crate) use through;
