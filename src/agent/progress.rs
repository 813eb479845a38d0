//! What an agent run tells its caller as it goes ([`Progress`]), and the one line each step
//! reads as. The library never prints: the CLI shows these lines, in order, as they come.
//!
//! It owns the wording of progress and the date format in it (also used in the agent's
//! errors); it decides nothing.

use std::fmt;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Digest};
use crate::keys::PrivateKey;

/// One step of a run, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The CA accepted an identical request earlier (HTTP 400 on submit).
    AlreadySubmitted {
        /// The CA's message.
        message: String,
    },
    /// An existing certificate was found valid and kept.
    Adopted {
        /// Its expiry.
        not_after: String,
    },
    /// The CA certificate was fetched on first contact and pinned.
    CaPinned {
        /// SHA-256 fingerprint.
        fingerprint: String,
    },
    /// The CA offered a re-issued bundle of the pinned CA's keys (`cert extend-ca`); it is
    /// pinned in place of the old one.
    CaRenewed {
        /// SHA-256 fingerprint of its first (the issuing CA's) certificate.
        fingerprint: String,
        /// Its expiry.
        not_after: String,
    },
    /// A new CRL was stored.
    CrlUpdated {
        /// CRL number of the issuing CA's CRL.
        number: Option<u128>,
    },
    /// A private key was made.
    KeyCreated {
        /// Its description.
        key: String,
    },
    /// The certificate is close to expiry and renewal is being tried.
    Renewing {
        /// Its expiry.
        not_after: String,
    },
    /// A renewal request for a new key waits for the CA; the current certificate is kept.
    RenewalPending,
    /// The CA does not offer `certificate_renewal`; renewing with a new key and CSR instead.
    RenewalUnavailable {
        /// Why.
        reason: String,
    },
    /// A CSR was submitted.
    Requested,
    /// A new certificate was stored.
    Signed {
        /// SHA-256 fingerprint.
        fingerprint: String,
        /// Its expiry.
        not_after: String,
    },
    /// The certificate is not signed yet; the next poll follows after `seconds`.
    Waiting {
        /// Seconds until the next poll.
        seconds: u64,
    },
}

impl Progress {
    /// `key` was made.
    pub(super) fn key_created(key: &PrivateKey) -> Progress {
        Progress::KeyCreated {
            key: key.description(),
        }
    }

    /// `cert` was stored.
    pub(super) fn signed(cert: &Certificate) -> Progress {
        Progress::Signed {
            fingerprint: cert.fingerprint(Digest::Sha256),
            not_after: date(cert.not_after),
        }
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::AlreadySubmitted { message } => {
                write!(f, "certificate request already submitted ({message})")
            }
            Progress::Adopted { not_after } => {
                write!(f, "certificate present and valid until {not_after}")
            }
            Progress::CaPinned { fingerprint } => {
                write!(f, "pinned CA certificate (SHA256) {fingerprint}")
            }
            Progress::CaRenewed {
                fingerprint,
                not_after,
            } => write!(
                f,
                "stored the CA's re-issued certificate (SHA256) {fingerprint}, valid until {not_after}"
            ),
            Progress::CrlUpdated { number: Some(n) } => write!(f, "stored CRL number {n}"),
            Progress::CrlUpdated { number: None } => write!(f, "stored CRL"),
            Progress::KeyCreated { key } => write!(f, "created private key ({key})"),
            Progress::Renewing { not_after } => {
                write!(f, "certificate expires {not_after}; renewing")
            }
            Progress::RenewalPending => write!(
                f,
                "renewal request not signed yet; keeping the current certificate"
            ),
            Progress::RenewalUnavailable { reason } => write!(
                f,
                "certificate_renewal not available ({reason}); requesting a certificate for a new key"
            ),
            Progress::Requested => write!(f, "submitted certificate request"),
            Progress::Signed {
                fingerprint,
                not_after,
            } => write!(
                f,
                "stored certificate (SHA256) {fingerprint}, valid until {not_after}"
            ),
            Progress::Waiting { seconds } => {
                write!(
                    f,
                    "certificate not signed yet; checking again in {seconds}s"
                )
            }
        }
    }
}

/// A time as the agent shows it: `2025-01-31T12:00:00UTC`.
pub(super) fn date(time: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]UTC");
    time.format(&format).unwrap_or_else(|_| time.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let time = OffsetDateTime::from_unix_timestamp(784111777).unwrap();
        assert_eq!(date(time), "1994-11-06T08:49:37UTC");
    }
}
