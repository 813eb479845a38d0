//! What expires soon: the CA certificates, the CRLs and the hosts' certificates that lapse
//! within a window (`cert check --expiring`, the daemon's warnings). Reading only; what to
//! do about each is in docs/operations.md ("Expiry").

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::error::Error;
use crate::store::{inventory, Read};

use super::Ca;

/// What kind of thing expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExpiringKind {
    /// A certificate of the CA chain (its notAfter).
    CaCertificate,
    /// A host's signed certificate, not revoked (its notAfter).
    Certificate,
    /// A CRL of the chain (its nextUpdate).
    Crl,
}

impl ExpiringKind {
    /// The word for it in output: `ca-certificate`, `certificate`, `crl`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiringKind::CaCertificate => "ca-certificate",
            ExpiringKind::Certificate => "certificate",
            ExpiringKind::Crl => "crl",
        }
    }
}

/// One thing that expires within the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// What it is.
    pub kind: ExpiringKind,
    /// Its name: the CN of a CA certificate, the issuer CN of a CRL, a host's certname.
    pub name: String,
    /// When it expires (in the past when it already has).
    pub expires: OffsetDateTime,
}

impl Ca {
    /// The CA certificates, CRLs and hosts' certificates (signed, not revoked) that expire
    /// before `now + within`, including those that already have; soonest first. A CRL that
    /// this node re-issues (its key is here) counts only once its refresh is overdue: with
    /// `crl_ttl` shorter than the window it would always count, and it lapses only when
    /// nothing re-issues it. With `hosts: false`, only the CA's own (what the daemon warns
    /// about).
    pub fn expiring(
        &self,
        within: Duration,
        now: OffsetDateTime,
        hosts: bool,
    ) -> Result<Vec<Expiring>, Error> {
        let horizon = now + within;
        let mut found = Vec::new();
        for certificate in self.authority.chain() {
            if certificate.not_after < horizon {
                found.push(Expiring {
                    kind: ExpiringKind::CaCertificate,
                    name: certificate.common_name.clone(),
                    expires: certificate.not_after,
                });
            }
        }
        let root_key = self.keys().root_key_path().is_file();
        for (index, crl) in self.crls()?.iter().enumerate() {
            // A CRL this node re-issues before it lapses is no finding until its refresh is
            // overdue (nothing re-issued it: no daemon, no write).
            let reissued_here = index == 0 || root_key;
            let refresh_overdue = self
                .config
                .crl
                .due(crl.next_update)
                .is_some_and(|d| d <= now);
            if reissued_here && !refresh_overdue {
                continue;
            }
            if let Some(next_update) = crl.next_update.filter(|t| *t < horizon) {
                found.push(Expiring {
                    kind: ExpiringKind::Crl,
                    name: crl.issuer_common_name.clone(),
                    expires: next_update,
                });
            }
        }
        if hosts {
            found.extend(self.expiring_hosts(horizon)?);
        }
        found.sort_by(|a, b| (a.expires, a.kind, &a.name).cmp(&(b.expires, b.kind, &b.name)));
        Ok(found)
    }

    /// The hosts' current certificates, not revoked, that expire before `horizon`: found
    /// through the inventory (no certificate parsed unless its line is in the window), each
    /// confirmed as the name's current certificate.
    fn expiring_hosts(&self, horizon: OffsetDateTime) -> Result<Vec<Expiring>, Error> {
        let mut latest: HashMap<String, inventory::Line> = HashMap::new();
        for line in self.store.inventory()? {
            if let Some(name) = line.common_name() {
                latest.insert(name.to_owned(), line);
            }
        }
        let revoked: HashSet<Serial> = self.store.revocations()?.iter().map(|r| r.serial).collect();
        let mut found = Vec::new();
        for (name, line) in latest {
            if line.not_after >= horizon || revoked.contains(&line.serial) {
                continue;
            }
            let Ok(certname) = Certname::parse(&name) else {
                continue;
            };
            let Some(pem) = self.store.signed(&certname)? else {
                continue;
            };
            let Ok(certificate) = Certificate::from_pem(&name, &pem) else {
                continue;
            };
            if certificate.serial == Some(line.serial) {
                found.push(Expiring {
                    kind: ExpiringKind::Certificate,
                    name,
                    expires: certificate.not_after,
                });
            }
        }
        Ok(found)
    }
}
