//! puppetserver's infrastructure CRL files in a CA directory, as its CA keeps them:
//! `infra_inventory.txt` (certnames, one a line, written by the administrator; only read
//! here), `infra_serials` (the decimal serials of their certificates, one a line) and
//! `infra_crl.pem` (a CRL chain, the issuing CA's infrastructure-only CRL first). What goes in
//! them is decided by [`crate::ca`]; this file reads and writes their bytes.

use std::fs;

use crate::atomic::{self, read_optional, Durability, Pending};
use crate::certificate::Serial;
use crate::error::StoreError;
use crate::store::Infra;

use super::Layout;

/// The names of puppetserver's infrastructure CRL files.
pub(super) const INVENTORY: &str = "infra_inventory.txt";
pub(super) const SERIALS: &str = "infra_serials";
pub(super) const CRL: &str = "infra_crl.pem";

/// Read the three files; any may be missing.
pub(super) fn read(layout: &Layout) -> Result<Infra, StoreError> {
    let names = read_optional(&layout.path(INVENTORY))?.map(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    });
    let serials_path = layout.path(SERIALS);
    let mut serials = Vec::new();
    if let Some(bytes) = read_optional(&serials_path)? {
        for line in String::from_utf8_lossy(&bytes).lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let serial = line.parse::<u128>().map_err(|_| StoreError::Corrupt {
                what: serials_path.display().to_string(),
                reason: format!("expected a decimal serial, found {line:?}"),
            })?;
            serials.push(Serial(serial));
        }
    }
    let crl_path = layout.path(CRL);
    let crl = match read_optional(&crl_path)? {
        Some(pem) => {
            let modified = fs::metadata(&crl_path)
                .and_then(|m| m.modified())
                .map_err(|e| StoreError::io("stat", &crl_path, e))?;
            Some((pem, modified))
        }
        None => None,
    };
    Ok(Infra {
        names,
        serials,
        crl,
    })
}

/// Write `infra_serials` and `infra_crl.pem`, each when given, atomically (0644, as
/// puppetserver writes them).
pub(super) fn write(
    layout: &Layout,
    durability: Durability,
    serials: Option<&[Serial]>,
    crl_pem: Option<&[u8]>,
) -> Result<(), StoreError> {
    let serials_text: Option<String> =
        serials.map(|list| list.iter().map(|s| format!("{}\n", s.0)).collect());
    let mut pending = Vec::new();
    if let Some(text) = &serials_text {
        pending.push(Pending::public(layout.path(SERIALS), text.as_bytes()));
    }
    if let Some(pem) = crl_pem {
        pending.push(Pending::public(layout.path(CRL), pem));
    }
    if pending.is_empty() {
        return Ok(());
    }
    Ok(atomic::write_all_with(&pending, durability)?)
}
