//! Keeping the CA small, as puppetserver-ca 2.5 does: pruning the CRL ([`Ca::prune`], its
//! `prune`) and deleting signed certificates from the store ([`Ca::delete_certificates`], its
//! `delete`; one name's certificate and request, as `DELETE certificate_status`, [`Ca::delete`]). Both run in one store transaction and are audited. The CRL itself is rendered
//! by [`Ca::render_crls`], which also drops the entries of expired certificates.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::{Error, StoreError};

use super::batch::Batch;
use super::{Actor, Ca, Outcome, StaleCrl, State};

/// What [`Ca::prune`] removes from the CRL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prune {
    /// Entries listed more than once: all but the first.
    pub duplicates: bool,
    /// Entries of certificates that have expired.
    pub expired: bool,
    /// The entries of these serials.
    pub serials: Vec<Serial>,
    /// The entries of every certificate issued to these names (by the inventory and the
    /// signed certificate).
    pub names: Vec<Certname>,
}

/// What [`Ca::prune`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Entries of the CRL before.
    pub before: usize,
    /// Duplicate entries removed.
    pub duplicates: usize,
    /// Serials no longer listed: expired, or asked for.
    pub removed: Vec<Serial>,
    /// Serials and names asked for that the CRL does not list.
    pub not_listed: Vec<String>,
    /// The new CRL's number; `None` when nothing was removed (and nothing written).
    pub number: Option<u128>,
    /// CRLs of the chain due for re-issue that this node cannot sign (kept as they are).
    pub stale: Vec<StaleCrl>,
}

/// Which signed certificates [`Ca::delete_certificates`] removes (any combination; `all`
/// alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delete {
    /// Every one.
    pub all: bool,
    /// Those that have expired.
    pub expired: bool,
    /// Those that are revoked.
    pub revoked: bool,
    /// Those of these names (each must have one).
    pub names: Vec<Certname>,
}

/// One certificate [`Ca::delete_certificates`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Its serial.
    pub serial: Option<Serial>,
    /// Why: `expired`, `revoked`, `named` or `all`.
    pub reason: &'static str,
}

impl Ca {
    /// Remove the pending request of `name`; whether there was one.
    pub fn delete_request(&self, name: &Certname) -> Result<bool, Error> {
        let mut transaction = self.store.begin()?;
        let deleted = transaction.delete_request(name)?;
        transaction.commit()?;
        Ok(deleted)
    }

    /// [`Ca::delete`] on behalf of `actor` (`DELETE certificate_status`): refused for a remote
    /// one, with nothing changed but the audit line, for this CA server's own certname.
    pub fn delete_by(
        &self,
        actor: &Actor,
        name: &Certname,
        now: OffsetDateTime,
    ) -> Result<bool, Error> {
        self.refuse_own_certificate(actor, std::slice::from_ref(name), "delete", now)?;
        self.delete(name)
    }

    /// Remove the signed certificate and the request of `name` without revoking anything
    /// (puppetserver's `DELETE certificate_status`); whether anything was there.
    pub fn delete(&self, name: &Certname) -> Result<bool, Error> {
        let mut transaction = self.store.begin()?;
        let signed = transaction.delete_signed(name)?;
        let request = transaction.delete_request(name)?;
        transaction.commit()?;
        Ok(signed || request)
    }

    /// Remove entries from the CRL: duplicates, expired ones, given serials and names; one
    /// new CRL (number grown) when anything goes, nothing written otherwise.
    pub fn prune(&self, prune: &Prune, now: OffsetDateTime) -> Result<Pruned, Error> {
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let existing = batch.transaction().lock_revocations()?;
        let inventory = batch.reads().inventory()?;
        let mut asked: Vec<(String, Vec<Serial>)> = prune
            .serials
            .iter()
            .map(|serial| (format!("serial {serial}"), vec![*serial]))
            .collect();
        for (name, serials) in self.serials_of(batch.reads(), &prune.names, &inventory)? {
            asked.push((name.to_string(), serials));
        }
        let listed: HashSet<Serial> = existing.iter().map(|r| r.serial).collect();
        let mut removed: HashSet<Serial> = HashSet::new();
        let mut not_listed = Vec::new();
        for (what, serials) in &asked {
            let found: Vec<Serial> = serials
                .iter()
                .copied()
                .filter(|s| listed.contains(s))
                .collect();
            if found.is_empty() {
                not_listed.push(what.clone());
            }
            removed.extend(found);
        }
        if prune.expired {
            removed.extend(
                inventory
                    .iter()
                    .filter(|line| line.not_after < now && listed.contains(&line.serial))
                    .map(|line| line.serial),
            );
        }
        let mut seen = HashSet::new();
        let mut duplicates = 0;
        let mut kept: Vec<Revocation> = Vec::with_capacity(existing.len());
        for revocation in &existing {
            if removed.contains(&revocation.serial) {
                continue;
            }
            if !seen.insert(revocation.serial) && prune.duplicates {
                duplicates += 1;
                continue;
            }
            kept.push(*revocation);
        }
        let mut pruned = Pruned {
            before: existing.len(),
            duplicates,
            removed: Vec::new(),
            not_listed,
            number: None,
            stale: Vec::new(),
        };
        if removed.is_empty() && duplicates == 0 {
            batch.commit()?;
            return Ok(pruned);
        }
        let current = self.parse_crls(&batch.reads().crl_pem()?)?;
        let rendered = self.render_crls(&current, &kept, &HashSet::new(), &inventory, now)?;
        let mut listed_removed: Vec<Serial> = removed.iter().copied().collect();
        listed_removed.sort();
        self.record_crls(&mut batch, &[], &listed_removed, &rendered)?;
        removed.extend(rendered.dropped.iter().copied());
        let mut removed: Vec<Serial> = removed.into_iter().collect();
        removed.sort();
        let event = batch
            .event_about("prune", &self.authority.certificate().common_name)
            .serials(&removed)
            .because(&format!(
                "CRL number {}: {} entr{} removed, {duplicates} duplicate{}",
                rendered.number,
                removed.len(),
                if removed.len() == 1 { "y" } else { "ies" },
                if duplicates == 1 { "" } else { "s" }
            ));
        batch.audit(event);
        batch.commit()?;
        pruned.removed = removed;
        pruned.number = Some(rendered.number);
        pruned.stale = rendered.stale;
        Ok(pruned)
    }

    /// Remove signed certificates from the store (never revoking: a certificate already on
    /// its host keeps working until it expires or is revoked). One result per certificate
    /// removed, and an error for each given name without one, in name order.
    pub fn delete_certificates(
        &self,
        delete: &Delete,
        now: OffsetDateTime,
    ) -> Result<Vec<Outcome<Deleted>>, Error> {
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let names = batch.reads().signed_names()?;
        let mut chosen: Vec<(Certname, Deleted)> = Vec::new();
        if delete.all || delete.expired || delete.revoked {
            let revoked: HashSet<Serial> = batch
                .reads()
                .revocations()?
                .iter()
                .map(|r| r.serial)
                .collect();
            for entry in self.signed_entries(&names, &revoked)? {
                let reason = if delete.all {
                    Some("all")
                } else if delete.revoked && entry.state == State::Revoked {
                    Some("revoked")
                } else if delete.expired && entry.not_after.is_some_and(|t| t < now) {
                    Some("expired")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    chosen.push((
                        entry.name,
                        Deleted {
                            serial: entry.serial,
                            reason,
                        },
                    ));
                }
            }
        }
        let mut outcomes: Vec<Outcome<Deleted>> = Vec::new();
        let named: Vec<Certname> = delete
            .names
            .iter()
            .filter(|name| !chosen.iter().any(|(n, _)| n == *name))
            .cloned()
            .collect();
        let mut found: HashMap<Certname, Vec<u8>> =
            batch.reads().signed_many(&named)?.into_iter().collect();
        for name in &named {
            match found.remove(name) {
                Some(pem) => {
                    let serial = Certificate::from_pem(name.as_str(), &pem)
                        .ok()
                        .and_then(|c| c.serial);
                    chosen.push((
                        name.clone(),
                        Deleted {
                            serial,
                            reason: "named",
                        },
                    ));
                }
                None => outcomes.push((
                    name.clone(),
                    Err(StoreError::NotFound {
                        what: "a signed certificate",
                        name: name.to_string(),
                    }
                    .into()),
                )),
            }
        }
        let names: Vec<Certname> = chosen.iter().map(|(name, _)| name.clone()).collect();
        let removed = batch.transaction().delete_signed_many(&names)?;
        for ((name, deleted), removed) in chosen.into_iter().zip(removed) {
            if removed {
                outcomes.push((name, Ok(deleted)));
            }
        }
        outcomes.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, result) in &outcomes {
            let event = batch.event("delete", name);
            batch.audit(match result {
                Ok(deleted) => event
                    .serials(&deleted.serial.into_iter().collect::<Vec<_>>())
                    .because(&format!("signed certificate removed ({})", deleted.reason)),
                Err(error) => event.refused(error),
            });
        }
        batch.commit()?;
        Ok(outcomes)
    }
}

/// Parse a serial as `puppetserver ca prune --serial` takes it: hex, with or without `0x`.
pub fn parse_serial(text: &str) -> Option<Serial> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(digits, 16).ok().map(Serial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_hex_as_puppetserver_takes_them() {
        assert_eq!(parse_serial("0x0A"), Some(Serial(10)));
        assert_eq!(parse_serial("1f"), Some(Serial(31)));
        assert_eq!(parse_serial("0005"), Some(Serial(5)));
        assert_eq!(parse_serial(""), None);
        assert_eq!(parse_serial("0x"), None);
        assert_eq!(parse_serial("12g"), None);
        assert_eq!(parse_serial("-1"), None);
    }
}
