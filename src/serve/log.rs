//! The per-request log line, in the format `--log-format` chose: text for people (`REMOTE CN
//! "METHOD PATH" STATUS MSms`, `-` for a caller without a certificate) or structured fields
//! for a JSON log (`remote`, `client`, `method`, `path`, `status`, `duration_ms`; `client` left
//! out for a caller without a certificate). Where lines go and how fields become JSON is the
//! caller's tracing subscriber (`cert serve` writes one JSON object per line to stderr).

use std::net::SocketAddr;
use std::time::Duration;

use hyper::Method;

/// How the daemon's log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line; each request's line has its parts as fields.
    Json,
    /// Plain text lines (the default).
    #[default]
    Text,
}

/// One answered request.
pub(crate) struct Request<'a> {
    pub(crate) remote: SocketAddr,
    /// The CN of the client certificate, if any.
    pub(crate) client: Option<&'a str>,
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) status: u16,
    pub(crate) elapsed: Duration,
}

/// Log `request` at INFO in `format`.
pub(crate) fn request(format: LogFormat, request: &Request<'_>) {
    let milliseconds = request.elapsed.as_millis() as u64;
    match format {
        LogFormat::Text => tracing::info!(
            "{} {} \"{} {}\" {} {milliseconds}ms",
            request.remote,
            request.client.unwrap_or("-"),
            request.method,
            request.path,
            request.status,
        ),
        LogFormat::Json => tracing::info!(
            remote = %request.remote,
            client = request.client,
            method = %request.method,
            path = request.path,
            status = request.status,
            duration_ms = milliseconds,
            "request"
        ),
    }
}
