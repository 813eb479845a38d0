//! The daemon's metrics, in Prometheus' text exposition format (version 0.0.4): what this
//! process signed, refused and revoked, how long enrolments took and how large the signer's
//! batches were, how often the CA's storage failed, and, read from the CA at each scrape, the
//! pending requests and how long the CA certificates and CRLs have left.
//!
//! Owns the metrics, their names, labels and help; the handlers and the signer report into
//! them. The text format is `text`'s; `GET /metrics` is served on the TLS listener to admin
//! clients (`routes`, then [`reply`]), and on a plain listener of its own with
//! `--metrics-bind` (`listener`). Counters start at zero with the process and count this
//! process only: a certificate signed by `cert --sign` or by another `cert serve` is not
//! counted here, while the gauges read from the CA see everything.

mod listener;
mod text;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use time::OffsetDateTime;

use crate::ca::{Ca, Expirations};
use crate::crl::Reason;
use crate::error::{Error, Fault};

pub(crate) use listener::{reply, serve_plain};
use text::{Exposition, Family, Histogram};

/// Upper bounds of the enrolment latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds of the batch size buckets (the signer's batches hold at most 128).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// How a certificate came to be signed: the `reason` label of `cert_certificates_signed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    /// An admin asked (`certificate_status`, `sign`, `sign/all`).
    Admin,
    /// The `autosign` setting said sign, on `PUT certificate_request`.
    Autosign,
    /// `certificate_renewal`.
    Renewal,
}

impl Signing {
    fn label(self) -> &'static str {
        match self {
            Signing::Admin => "admin",
            Signing::Autosign => "autosign",
            Signing::Renewal => "renewal",
        }
    }
}

/// Everything this process counts.
pub(crate) struct Metrics {
    signed: Family,
    refused: Family,
    revoked: Family,
    store_errors: Family,
    enrollment: Histogram,
    batch_size: Histogram,
}

impl Metrics {
    /// All zero; the signing reasons and the revocation reason the daemon uses are shown at
    /// zero from the start, so that `rate()` sees their first increase.
    pub(crate) fn new() -> Metrics {
        let metrics = Metrics {
            signed: Family::default(),
            refused: Family::default(),
            revoked: Family::default(),
            store_errors: Family::default(),
            enrollment: Histogram::new(LATENCY_BUCKETS),
            batch_size: Histogram::new(BATCH_BUCKETS),
        };
        for signing in [Signing::Admin, Signing::Autosign, Signing::Renewal] {
            metrics.signed.add(signing.label(), 0);
        }
        metrics.revoked.add(&reason_label(Reason::KeyCompromise), 0);
        metrics
    }

    /// The result of one signing: counted as signed, refused (with its reason) or as a store
    /// error. A missing request (nothing to sign) is neither.
    pub(crate) fn signing<T>(&self, how: Signing, result: &Result<T, Error>) {
        match result {
            Ok(_) => self.signed.add(how.label(), 1),
            Err(error) => self.refused(error),
        }
    }

    /// The outcomes of one batch of signings: each counted as [`Metrics::signing`] does,
    /// except that the store failing counts once for the batch.
    pub(crate) fn signings<N, T>(&self, how: Signing, outcomes: &[(N, Result<T, Error>)]) {
        let mut store_failed = None;
        for (_, result) in outcomes {
            match result {
                Err(error @ Error::Store(_))
                    if matches!(error.fault(), Fault::Ca | Fault::Unavailable) =>
                {
                    store_failed = Some(error);
                }
                other => self.signing(how, other),
            }
        }
        if let Some(error) = store_failed {
            self.failed(error);
        }
    }

    /// A request or signing that ended in `error`: counted as refused when the request was
    /// at fault ([`Fault::Request`]), as a store error when the store failed; a name the CA
    /// does not know, or the daemon itself failing, is neither.
    pub(crate) fn refused(&self, error: &Error) {
        match error.fault() {
            Fault::Request => self.refused.add(&refusal_label(error), 1),
            _ => self.failed(error),
        }
    }

    /// A CA call failed with `error`: counted when the store failed (disk, lock, a corrupt
    /// file, the database not answering), not for a name it does not know.
    pub(crate) fn failed(&self, error: &Error) {
        if let Error::Store(store) = error {
            if matches!(error.fault(), Fault::Ca | Fault::Unavailable) {
                self.store_errors.add(&variant_label(store), 1);
            }
        }
    }

    /// `count` certificates were revoked for `reason`.
    pub(crate) fn revoked(&self, reason: Reason, count: usize) {
        self.revoked.add(&reason_label(reason), count as u64);
    }

    /// An enrolment (`PUT certificate_request`) was answered after `elapsed`.
    pub(crate) fn enrolled(&self, elapsed: Duration) {
        self.enrollment.observe(elapsed.as_secs_f64());
    }

    /// The signer enrolled a batch of `size` requests.
    pub(crate) fn batch(&self, size: usize) {
        self.batch_size.observe(size as f64);
    }

    /// The exposition: the counters and histograms, then the gauges read from `ca` at `now`.
    /// A gauge the CA cannot give (its storage failed) is left out and the failure counted.
    pub(crate) fn render(&self, ca: &Ca, now: OffsetDateTime) -> String {
        // Read first, so that a failure here is in the store errors this scrape shows.
        let pending = ca.pending().map(|names| names.len());
        let expirations = ca.expirations();
        if let Err(error) = &pending {
            self.failed(error);
        }
        if let Err(error) = &expirations {
            self.failed(error);
        }
        let mut text = Exposition::default();
        text.family(
            "cert_build_info",
            "gauge",
            "The version of cert serving; always 1.",
        );
        text.sample(
            "cert_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        self.render_counters(&mut text);
        render_ca_signatures(&mut text);
        self.render_histograms(&mut text);
        if let Ok(pending) = pending {
            text.family(
                "cert_requests_pending",
                "gauge",
                "Certificate requests waiting in the CA.",
            );
            text.sample("cert_requests_pending", &[], pending as f64);
        }
        if let Ok(expirations) = expirations {
            render_expirations(&mut text, &expirations, now);
        }
        text.0
    }

    /// What this process signed, refused and revoked, and how often its store failed.
    fn render_counters(&self, text: &mut Exposition) {
        text.counters(
            "cert_certificates_signed_total",
            "Certificates this process signed, by how: admin, autosign or renewal.",
            "reason",
            &self.signed,
        );
        text.counters(
            "cert_certificates_refused_total",
            "Requests and signings this process refused, by why (the error's kind).",
            "reason",
            &self.refused,
        );
        text.counters(
            "cert_certificates_revoked_total",
            "Certificates this process revoked, by CRL reason.",
            "reason",
            &self.revoked,
        );
        text.counters(
            "cert_store_errors_total",
            "CA calls of this process that failed in the CA's storage, by the error's kind.",
            "kind",
            &self.store_errors,
        );
    }

    /// How long enrolments took, and how large the signer's batches were.
    fn render_histograms(&self, text: &mut Exposition) {
        text.histogram(
            "cert_enrollment_duration_seconds",
            "Time from receiving a certificate request to its durable answer.",
            &self.enrollment,
        );
        text.histogram(
            "cert_signing_batch_size",
            "Certificate requests handled together in one batch of the signer, refused ones included.",
            &self.batch_size,
        );
    }
}

/// The signatures this process made with the CA's key, and their CPU time.
fn render_ca_signatures(text: &mut Exposition) {
    let (signatures, signature_cpu) = crate::keys::ca_signatures();
    text.family(
        "cert_ca_signatures_total",
        "counter",
        "Signatures this process made with the CA's key (certificates, CRLs, CA certificates).",
    );
    text.sample("cert_ca_signatures_total", &[], signatures as f64);
    text.family(
        "cert_ca_signature_cpu_seconds_total",
        "counter",
        "CPU time the threads of this process spent in those signatures.",
    );
    text.sample(
        "cert_ca_signature_cpu_seconds_total",
        &[],
        signature_cpu.as_secs_f64(),
    );
}

/// How long each CA certificate and CRL has left at `now`, in whole seconds.
fn render_expirations(text: &mut Exposition, expirations: &Expirations, now: OffsetDateTime) {
    let left = |at: OffsetDateTime| (at - now).as_seconds_f64().floor();
    text.family(
        "cert_ca_certificate_expires_in_seconds",
        "gauge",
        "Seconds until each certificate of the CA chain expires, by its CN.",
    );
    for (name, not_after) in soonest(&expirations.ca_certificates) {
        text.sample(
            "cert_ca_certificate_expires_in_seconds",
            &[("name", name)],
            left(not_after),
        );
    }
    text.family(
        "cert_crl_expires_in_seconds",
        "gauge",
        "Seconds until each CRL of the chain passes its nextUpdate, by its issuer's CN.",
    );
    for (issuer, next_update) in soonest(&expirations.crls) {
        text.sample(
            "cert_crl_expires_in_seconds",
            &[("issuer", issuer)],
            left(next_update),
        );
    }
}

/// Each name once, with its earliest time (a chain could repeat a CN).
fn soonest(items: &[(String, OffsetDateTime)]) -> Vec<(&str, OffsetDateTime)> {
    let mut by_name: BTreeMap<&str, OffsetDateTime> = BTreeMap::new();
    for (name, at) in items {
        let entry = by_name.entry(name.as_str()).or_insert(*at);
        *entry = (*entry).min(*at);
    }
    by_name.into_iter().collect()
}

/// The `reason` label of a refusal: the error's variant in snake case (`duplicate`,
/// `alt_names_not_allowed`), prefixed by its family for request errors (`csr_signature`,
/// `certname_not_lower_case`, `key_...`). A small, fixed set of values.
fn refusal_label(error: &Error) -> String {
    match error {
        Error::Policy(policy) => variant_label(policy),
        Error::Csr(csr) => format!("csr_{}", variant_label(csr)),
        Error::Certname(certname) => format!("certname_{}", variant_label(certname)),
        Error::Key(key) => format!("key_{}", variant_label(key)),
        other => variant_label(other),
    }
}

/// A CRL reason as a label: `key_compromise`.
fn reason_label(reason: Reason) -> String {
    snake_case(&format!("{reason:?}"))
}

/// The name of an enum value's variant, in snake case, from its derived `Debug` (which starts
/// with the variant's name): `Corrupt { path, .. }` is `corrupt`.
fn variant_label(value: &dyn Debug) -> String {
    let debug = format!("{value:?}");
    let name: String = debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    snake_case(&name)
}

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(character.to_ascii_lowercase());
        } else {
            out.push(character);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::text::escape_label;
    use super::*;
    use crate::error::{CsrError, PolicyError, StoreError};

    #[test]
    fn labels_name_the_kind_of_error() {
        let duplicate = Error::Policy(PolicyError::Duplicate {
            name: "a".into(),
            state: "signed",
        });
        assert_eq!(refusal_label(&duplicate), "duplicate");
        let alt_names = Error::Policy(PolicyError::AltNamesNotAllowed {
            name: "a".into(),
            alt_names: "DNS:b".into(),
        });
        assert_eq!(refusal_label(&alt_names), "alt_names_not_allowed");
        assert_eq!(refusal_label(&CsrError::Signature.into()), "csr_signature");
        assert_eq!(reason_label(Reason::KeyCompromise), "key_compromise");
        let corrupt = StoreError::Corrupt {
            what: "x".into(),
            reason: "y".into(),
        };
        assert_eq!(variant_label(&corrupt), "corrupt");
    }

    #[test]
    fn counters_and_histograms_render_in_the_text_format() {
        let metrics = Metrics::new();
        metrics.signing::<()>(Signing::Autosign, &Ok(()));
        metrics.refused(&CsrError::Signature.into());
        metrics.refused(&Error::Store(StoreError::NotFound {
            what: "a request",
            name: "x".into(),
        }));
        metrics.batch(3);
        metrics.batch(200);
        let mut text = Exposition::default();
        text.counters("t_total", "Help \\ me.", "reason", &metrics.signed);
        text.counters("r_total", "R.", "reason", &metrics.refused);
        text.histogram("b", "B.", &metrics.batch_size);
        let text = text.0;
        assert!(text.contains("# HELP t_total Help \\\\ me.\n"), "{text}");
        assert!(text.contains("t_total{reason=\"autosign\"} 1\n"), "{text}");
        assert!(text.contains("t_total{reason=\"admin\"} 0\n"), "{text}");
        assert!(
            text.contains("r_total{reason=\"csr_signature\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("not_found"), "{text}");
        assert!(
            text.contains("b_bucket{le=\"2\"} 0\nb_bucket{le=\"4\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("b_bucket{le=\"+Inf\"} 2\nb_sum 203\nb_count 2\n"),
            "{text}"
        );
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
