//! Building replies: text and JSON bodies with their content types, `Connection: close`,
//! `Last-Modified`/`If-Modified-Since`, and the status and wording of an error (a client's
//! mistake is 400 in puppetserver's words, a missing name 404, the store unreachable 503 with
//! `Retry-After`, the CA failing 500).

use std::time::SystemTime;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::error::{Error, Fault};
use crate::wire;

/// What `Retry-After` says when the store cannot be reached: about the time the store takes
/// to reconnect once the database is back.
pub(super) const RETRY_AFTER_SECONDS: u32 = 5;

/// A reply, body and all.
pub(super) type Reply = Response<Full<Bytes>>;

/// The reply for an error of the CA itself (or a client error no handler expected), by whose
/// fault it is ([`Fault`]): the request's 400 in puppetserver's words, 404, 503 with
/// `Retry-After`, or the CA's 500.
pub(super) fn failure(error: &Error) -> Reply {
    match error.fault() {
        Fault::Request => text(StatusCode::BAD_REQUEST, wire::puppet_message(error)),
        Fault::NotFound => text(StatusCode::NOT_FOUND, wire::puppet_message(error)),
        Fault::Denied => text(StatusCode::FORBIDDEN, wire::puppet_message(error)),
        Fault::Unavailable => unavailable(error),
        Fault::Ca => {
            tracing::error!("{error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Internal Server Error: {error}"),
            )
        }
    }
}

/// 503 with `Retry-After`: the store cannot be reached, or a commit's outcome is unknown.
/// Nothing was acknowledged: the client may simply come back (the store reconnects on the
/// next request, and a request whose certificate landed then gets that certificate).
fn unavailable(error: &Error) -> Reply {
    tracing::warn!("{error}");
    let mut reply = text(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("Service Unavailable: {error}; try again later"),
    );
    reply
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    reply
}

/// Whether a resource last changed at `modified` is unchanged since the client's
/// `If-Modified-Since`.
pub(super) fn not_modified(since: Option<SystemTime>, modified: Option<SystemTime>) -> bool {
    match (since, modified) {
        (Some(since), Some(modified)) => {
            // HTTP dates have whole seconds.
            let seconds = |t: SystemTime| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            };
            seconds(modified) <= seconds(since)
        }
        _ => false,
    }
}

/// `reply` with a `Last-Modified` header, when the time is known.
pub(super) fn with_last_modified(mut reply: Reply, modified: Option<SystemTime>) -> Reply {
    if let Some(modified) = modified {
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified)) {
            reply.headers_mut().insert(header::LAST_MODIFIED, value);
        }
    }
    reply
}

/// A `text/plain` reply.
pub(super) fn text(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    reply
}

/// An `application/json` reply.
pub(super) fn json_reply(status: StatusCode, value: &Value) -> Reply {
    let mut reply = text(status, value.to_string());
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

/// A reply without a body.
pub(super) fn empty(status: StatusCode) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::new()));
    *reply.status_mut() = status;
    reply
}

/// `reply` with `Connection: close`.
pub(super) fn closing(mut reply: Reply) -> Reply {
    reply
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    reply
}
