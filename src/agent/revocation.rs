//! The CA's CRL chain as an agent run gets it (split from `trust.rs`): fetched with
//! `If-Modified-Since` (the CA's `Last-Modified` of the stored one), or, within Puppet 8's
//! `crl_refresh_interval` of the last check, the stored one while it has not lapsed (issue
//! 24); refused when expired or not issued by the pinned CA. It writes nothing but the time of
//! a check ([`crate::ssldir::Ssldir::mark_checked`]); `trust.rs` writes what changed.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

use crate::crl::Crl;
use crate::error::{AgentError, Error};
use crate::ssldir::TrustFile;

use super::api;
use super::progress::date;
use super::trust::PinnedCa;
use super::Agent;

/// The CA's CRL chain as fetched.
pub(super) struct FetchedCrl {
    pub(super) pem: Vec<u8>,
    pub(super) crls: Vec<Crl>,
    /// Whether it differs from `crl.pem`.
    pub(super) is_new: bool,
    /// The CA's `Last-Modified` for it.
    pub(super) last_modified: Option<SystemTime>,
}

impl Agent {
    /// The CRL chain: a new one from the CA, or the stored one when the CA says it has not
    /// changed. `stored_crls` check the server's TLS certificate.
    pub(super) fn fetch_crl(
        &self,
        ca: &PinnedCa,
        stored_crls: &[Vec<u8>],
    ) -> Result<FetchedCrl, Error> {
        let server = self.server();
        let stored = self.ssldir.crl()?;
        let (pem, is_new, last_modified) = match stored {
            // Checked within `crl_refresh_interval`, and not lapsed.
            Some(stored) if self.checked_recently(TrustFile::Crl) && still_valid(&stored) => {
                (stored, false, None)
            }
            stored => self.download_crl(ca, stored_crls, stored)?,
        };
        let crls = Crl::chain_from_pem("the CRL", &pem).map_err(|e| AgentError::Protocol {
            server: server.clone(),
            reason: e.to_string(),
        })?;
        let now = OffsetDateTime::now_utc();
        for crl in &crls {
            if let Some(next_update) = crl.next_update {
                if next_update < now {
                    return Err(AgentError::CrlExpired {
                        issuer: crl.issuer.clone(),
                        next_update: date(next_update),
                    }
                    .into());
                }
            }
        }
        match crls.first() {
            Some(first) if first.issuer == ca.chain[0].subject => {}
            _ => {
                return Err(AgentError::NotPuppetCa {
                    server,
                    reason: "its CRL is not issued by its CA certificate".into(),
                }
                .into())
            }
        }
        Ok(FetchedCrl {
            pem,
            crls,
            is_new,
            last_modified,
        })
    }

    /// The CA's CRL chain, asked with `If-Modified-Since` when there is a `stored` one: the
    /// PEM, whether it differs from `stored`, and the CA's `Last-Modified` for it.
    fn download_crl(
        &self,
        ca: &PinnedCa,
        stored_crls: &[Vec<u8>],
        stored: Option<Vec<u8>>,
    ) -> Result<(Vec<u8>, bool, Option<SystemTime>), Error> {
        let mut request = api::get("certificate_revocation_list/ca");
        if stored.is_some() {
            if let Some(date) = self.ssldir.crl_modified().and_then(if_modified_since) {
                request = request.header("If-Modified-Since", date);
            }
        }
        let response = self.send(&ca.trust(stored_crls), &request)?;
        let last_modified = response
            .header("last-modified")
            .and_then(|text| httpdate::parse_http_date(text).ok());
        match (response.status, stored) {
            (304, Some(stored)) => {
                self.ssldir.mark_checked(TrustFile::Crl)?;
                Ok((stored, false, last_modified))
            }
            (200, stored) => {
                let same = stored.as_deref() == Some(response.body.as_slice());
                if same {
                    self.ssldir.mark_checked(TrustFile::Crl)?;
                }
                Ok((response.body, !same, last_modified))
            }
            _ => Err(self.unexpected(&request, &response)),
        }
    }

    /// The CRLs in `crl.pem` (DER), to check the server's TLS certificate before the CA's
    /// current CRL is in hand; none when there is no readable one yet.
    pub(super) fn stored_crls(&self) -> Vec<Vec<u8>> {
        match self.ssldir.crl() {
            Ok(Some(pem)) => Crl::chain_from_pem("crl.pem", &pem)
                .map(|crls| crl_ders(&crls))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// Whether every CRL of the chain `pem` parses and is before its nextUpdate.
fn still_valid(pem: &[u8]) -> bool {
    let now = OffsetDateTime::now_utc();
    Crl::chain_from_pem("crl.pem", pem).is_ok_and(|crls| {
        crls.iter()
            .all(|crl| crl.next_update.is_none_or(|next_update| next_update > now))
    })
}

pub(super) fn crl_ders(crls: &[Crl]) -> Vec<Vec<u8>> {
    crls.iter().map(|crl| crl.der().to_vec()).collect()
}

/// `crl.pem`'s time as an RFC 7231 date for If-Modified-Since. None outside 1970 to 9999,
/// which an HTTP date cannot say (and `httpdate` would panic on): then the CRL is fetched whole.
pub(super) fn if_modified_since(time: SystemTime) -> Option<String> {
    /// 10000-01-01T00:00:00Z.
    const YEAR_10000: u64 = 253_402_300_800;
    let seconds = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    (seconds < YEAR_10000).then(|| httpdate::fmt_http_date(time))
}
