//! The daemon's metrics, in Prometheus' text exposition format (version 0.0.4): what this
//! process signed, refused and revoked, how long enrolments took and how large the signer's
//! batches were, how often the CA's storage failed, and, read from the CA at each scrape, the
//! pending requests and how long the CA certificates and CRLs have left.
//!
//! Owns the counters and histograms, their names, labels and help, and the rendering; the
//! handlers and the signer report into them. `GET /metrics` is served on the TLS listener to
//! admin clients (`routes`), and on a plain listener of its own with `--metrics-bind`
//! ([`serve_plain`]). Counters start at zero with the process and count this process only:
//! a certificate signed by `cert --sign` or by another `cert serve` is not counted here, while
//! the gauges read from the CA see everything.

use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::ca::Ca;
use crate::crl::Reason;
use crate::error::{Error, StoreError};

use super::{http1_builder, Shared};

/// The content type of the text exposition format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Connections the plain metrics listener serves at once (a scraper or two); more are closed.
const PLAIN_CONNECTIONS: usize = 16;

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
                Err(error @ Error::Store(store))
                    if !matches!(store, StoreError::NotFound { .. }) =>
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
    /// at fault (its name, CSR, key, or the issuance policy), as a store error when the store
    /// failed; a name the CA does not know, or the daemon itself failing, is neither.
    pub(crate) fn refused(&self, error: &Error) {
        match error {
            Error::Certname(_) | Error::Csr(_) | Error::Key(_) | Error::Policy(_) => {
                self.refused.add(&refusal_label(error), 1)
            }
            Error::Store(_) => self.failed(error),
            _ => {}
        }
    }

    /// A CA call failed with `error`: counted when the store failed (disk, lock, a corrupt
    /// file), not for a name it does not know.
    pub(crate) fn failed(&self, error: &Error) {
        if let Error::Store(store) = error {
            if !matches!(store, StoreError::NotFound { .. }) {
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
        text.histogram(
            "cert_enrollment_duration_seconds",
            "Time from receiving a certificate request to its durable answer.",
            &self.enrollment,
        );
        text.histogram(
            "cert_signing_batch_size",
            "Certificate requests enrolled together in one batch of the signer.",
            &self.batch_size,
        );
        if let Ok(pending) = pending {
            text.family(
                "cert_requests_pending",
                "gauge",
                "Certificate requests waiting in the CA.",
            );
            text.sample("cert_requests_pending", &[], pending as f64);
        }
        if let Ok(expirations) = expirations {
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
        text.0
    }
}

/// The exposition of `shared`'s metrics, rendered on the blocking pool (the gauges read the
/// CA's files): 200 with the text, or 500 when rendering itself failed.
pub(crate) async fn reply(shared: &Shared) -> Response<Full<Bytes>> {
    let ca = shared.generation().ca.clone();
    let metrics = shared.metrics.clone();
    let rendered =
        tokio::task::spawn_blocking(move || metrics.render(&ca, OffsetDateTime::now_utc())).await;
    match rendered {
        Ok(text) => {
            let mut response = Response::new(Full::new(Bytes::from(text)));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            response
        }
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot render the metrics",
        ),
    }
}

/// Serve `GET /metrics` in plain HTTP on `listener` (`--metrics-bind`) until the task is
/// aborted (at shutdown; a scrape in flight then is cut off, which a scraper retries):
/// nothing else is there (404), and other methods are refused (405). Connections are bounded
/// and get the daemon's HTTP/1 limits.
pub(crate) async fn serve_plain(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(PLAIN_CONNECTIONS));
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!("metrics listener: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!("{remote}: too many metrics connections; closed");
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request: Request<Incoming>| {
                let shared = shared.clone();
                async move {
                    let response = if request.uri().path() != "/metrics" {
                        plain(
                            StatusCode::NOT_FOUND,
                            format!("Not Found: {}", request.uri().path()),
                        )
                    } else if request.method() != Method::GET {
                        let mut response = plain(
                            StatusCode::METHOD_NOT_ALLOWED,
                            format!("Method {} is not allowed on /metrics", request.method()),
                        );
                        response
                            .headers_mut()
                            .insert(header::ALLOW, HeaderValue::from_static("GET"));
                        response
                    } else {
                        reply(&shared).await
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let connection = http1_builder().serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                tracing::debug!("{remote}: metrics connection ended: {error}");
            }
        });
    }
}

/// Bind the plain metrics listener.
pub(crate) async fn bind(address: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address).await.map_err(|e| {
        crate::error::ServeError::Bind {
            address: address.to_string(),
            reason: e.to_string(),
        }
        .into()
    })
}

fn plain(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// Counters by one label value.
#[derive(Default)]
struct Family(Mutex<BTreeMap<String, u64>>);

impl Family {
    fn add(&self, label: &str, count: u64) {
        let mut values = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *values.entry(label.to_owned()).or_default() += count;
    }

    fn values(&self) -> Vec<(String, u64)> {
        let values = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        values.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// A histogram with fixed bucket bounds.
struct Histogram {
    bounds: &'static [f64],
    state: Mutex<HistogramState>,
}

struct HistogramState {
    /// Observations at or below each bound (not cumulative).
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            state: Mutex::new(HistogramState {
                buckets: vec![0; bounds.len()],
                count: 0,
                sum: 0.0,
            }),
        }
    }

    fn observe(&self, value: f64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = self.bounds.iter().position(|bound| value <= *bound) {
            state.buckets[index] += 1;
        }
        state.count += 1;
        state.sum += value;
    }
}

/// The text being written.
#[derive(Default)]
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let pairs: Vec<String> = labels
                .iter()
                .map(|(key, value)| format!("{key}=\"{}\"", escape_label(value)))
                .collect();
            let _ = write!(self.0, "{{{}}}", pairs.join(","));
        }
        let _ = writeln!(self.0, " {}", number(value));
    }

    fn counters(&mut self, name: &str, help: &str, label: &str, family: &Family) {
        self.family(name, "counter", help);
        for (value, count) in family.values() {
            self.sample(name, &[(label, &value)], count as f64);
        }
    }

    fn histogram(&mut self, name: &str, help: &str, histogram: &Histogram) {
        self.family(name, "histogram", help);
        let state = histogram
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (bound, count) in histogram.bounds.iter().zip(&state.buckets) {
            cumulative += count;
            self.sample(&bucket, &[("le", &number(*bound))], cumulative as f64);
        }
        self.sample(&bucket, &[("le", "+Inf")], state.count as f64);
        self.sample(&format!("{name}_sum"), &[], state.sum);
        self.sample(&format!("{name}_count"), &[], state.count as f64);
    }
}

/// A sample value as the format writes numbers (`1`, `0.25`, `+Inf`).
fn number(value: f64) -> String {
    if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value.is_nan() {
        "NaN".to_owned()
    } else {
        format!("{value}")
    }
}

/// A label value escaped: backslash, double quote and line feed.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A help text escaped: backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
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
    use super::*;
    use crate::error::{CsrError, PolicyError};

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
            path: "x".into(),
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
