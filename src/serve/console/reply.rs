//! The console's replies: HTML pages, the static files, redirects, the session cookie, and the
//! headers every reply carries: a Content-Security-Policy that allows this console's own
//! script and style files and nothing else (no inline script, no frames, forms posting only
//! here), `X-Frame-Options: DENY`, no sniffing, no referrer to other sites, no caching.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use crate::session::Secret;

use super::request::COOKIE_NAME;

/// A reply, body and all.
pub(super) type Reply = Response<Full<Bytes>>;

/// The Content-Security-Policy of every reply.
pub(super) const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// A reply of `status` with `body` of `content_type`.
pub(super) fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    reply
}

/// An HTML page.
pub(super) fn html(status: StatusCode, page: String) -> Reply {
    with_type(status, "text/html; charset=utf-8", page)
}

/// A plain-text reply.
pub(super) fn text(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    with_type(status, "text/plain; charset=utf-8", body)
}

/// `303 See Other` to `path` (a path of this console).
pub(super) fn see_other(path: &'static str) -> Reply {
    let mut reply = text(StatusCode::SEE_OTHER, "");
    reply
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(path));
    reply
}

/// `reply` setting the session cookie to `secret`: only over TLS, never to scripts, never
/// sent with a request another site starts; no expiry of its own (the session's are the
/// server's).
pub(super) fn with_session(mut reply: Reply, secret: &Secret) -> Reply {
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/; Secure; HttpOnly; SameSite=Strict",
        secret.expose()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        reply.headers_mut().append(header::SET_COOKIE, value);
    }
    reply
}

/// `reply` clearing the session cookie.
pub(super) fn without_session(mut reply: Reply) -> Reply {
    let cookie = format!("{COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        reply.headers_mut().append(header::SET_COOKIE, value);
    }
    reply
}

/// `reply` with the headers every console reply carries.
pub(super) fn secured(mut reply: Reply) -> Reply {
    let headers = reply.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not no-referrer: under it browsers send `Origin: null` with the console's own forms, and
    // the Origin check needs theirs. Nothing secret is ever in a URL (a fragment never is in a
    // referrer).
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    reply
}
