//! Reading a console request: its form body (within a small limit and the body timeout), form
//! and query fields, the session cookie, and whether a change comes from a page of this
//! console (`Origin` and `Sec-Fetch-Site`). Parsing only: what is allowed is `mod.rs`'s.

use std::collections::HashMap;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, COOKIE, HOST, ORIGIN};
use hyper::Request;

use crate::session::Secret;

use super::super::BODY_TIMEOUT;

/// The session cookie's name: `__Host-` makes browsers refuse it unless it is `Secure`, for
/// path `/` and without a domain, so no other host (or plain-HTTP page) can set or shadow it.
pub(super) const COOKIE_NAME: &str = "__Host-cert-console";

/// Largest form body accepted (the largest form holds a token, a fingerprint and a reason).
pub(super) const FORM_LIMIT: usize = 16 * 1024;

/// Why a body was not read.
#[derive(Debug)]
pub(super) enum BodyError {
    /// Over [`FORM_LIMIT`].
    TooLarge,
    /// Not complete within the body timeout, or broken.
    Unreadable,
}

/// The form fields of a POST body (`application/x-www-form-urlencoded`).
pub(super) async fn form(request: Request<Incoming>) -> Result<Fields, BodyError> {
    let body = Limited::new(request.into_body(), FORM_LIMIT);
    match tokio::time::timeout(BODY_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => Ok(Fields::parse(&String::from_utf8_lossy(
            &collected.to_bytes(),
        ))),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            Err(BodyError::TooLarge)
        }
        _ => Err(BodyError::Unreadable),
    }
}

/// Decoded fields of a form body or query string (the last of a repeated name wins).
#[derive(Debug, Default)]
pub(super) struct Fields(HashMap<String, String>);

impl Fields {
    /// Parse `name=value&...` with `+` for spaces and percent-escapes.
    pub(super) fn parse(text: &str) -> Fields {
        Fields(
            text.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(name), decode(value))
                })
                .collect(),
        )
    }

    /// The value of `name`, or "".
    pub(super) fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

/// Percent-decode `text`, `+` as a space; bad escapes are kept as they are, bytes that are
/// not UTF-8 replaced.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    index += 3;
                    continue;
                }
                out.push(b'%');
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The session secret in the request's cookie, when it has a secret's shape.
pub(super) fn session_cookie(headers: &HeaderMap) -> Option<Secret> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .and_then(|(_, value)| Secret::parse(value))
}

/// Whether a state-changing request comes from a page of this console: its `Origin` is
/// `https://` and the `Host` it was sent to, and a browser that says where it was sent from
/// (`Sec-Fetch-Site`) says the same origin. A request without `Origin` is refused: every
/// browser sends it with a POST.
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(origin), Some(host)) = (value(ORIGIN.as_str()), value(HOST.as_str())) else {
        return false;
    };
    let fetched_from = value("sec-fetch-site");
    origin.strip_prefix("https://") == Some(host)
        && fetched_from.is_none_or(|site| site == "same-origin")
}

/// The first path segment after `prefix` and the rest, percent-decoded: `/pending/NAME/sign`
/// with prefix `/pending/` is `(NAME, "sign")`.
pub(super) fn name_and_action<'a>(path: &'a str, prefix: &str) -> Option<(String, &'a str)> {
    let rest = path.strip_prefix(prefix)?;
    let (name, action) = rest.split_once('/')?;
    if name.is_empty() || action.contains('/') {
        return None;
    }
    Some((decode(&name.replace('+', "%2B")), action))
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn form_fields() {
        let fields = Fields::parse("csrf=a%2Bb&reason=key+Compromise&empty=&flag&x=%zz");
        assert_eq!(fields.get("csrf"), "a+b");
        assert_eq!(fields.get("reason"), "key Compromise");
        assert_eq!(fields.get("empty"), "");
        assert_eq!(fields.get("flag"), "");
        assert_eq!(fields.get("x"), "%zz");
        assert_eq!(fields.get("missing"), "");
    }

    #[test]
    fn only_this_consoles_pages_may_change_anything() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        let host = ("host", "127.0.0.1:8141");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://127.0.0.1:8141"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://127.0.0.1:8141")
        ])));
        for refused in [
            headers(&[host]),
            headers(&[host, ("origin", "null")]),
            headers(&[host, ("origin", "http://127.0.0.1:8141")]),
            headers(&[host, ("origin", "https://evil.example")]),
            headers(&[host, ("origin", "https://127.0.0.1:8141.evil.example")]),
            headers(&[
                host,
                ("origin", "https://127.0.0.1:8141"),
                ("sec-fetch-site", "cross-site"),
            ]),
        ] {
            assert!(!same_origin(&refused), "{refused:?}");
        }
    }

    #[test]
    fn the_session_cookie() {
        let secret = Secret::from_random(&[3; 32]);
        let mut map = HeaderMap::new();
        let cookie = format!("a=b; {COOKIE_NAME}={}; c=d", secret.expose());
        map.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert_eq!(session_cookie(&map), Some(secret));
        map.insert(
            COOKIE,
            HeaderValue::from_static("__Host-cert-console=short"),
        );
        assert_eq!(session_cookie(&map), None);
    }

    #[test]
    fn names_in_paths() {
        assert_eq!(
            name_and_action("/pending/web1.test/sign", "/pending/"),
            Some(("web1.test".into(), "sign"))
        );
        assert_eq!(
            name_and_action("/pending/a%2Fb/sign", "/pending/"),
            Some(("a/b".into(), "sign"))
        );
        assert_eq!(name_and_action("/pending//sign", "/pending/"), None);
        assert_eq!(name_and_action("/pending/a/b/sign", "/pending/"), None);
        assert_eq!(name_and_action("/pending/a", "/pending/"), None);
    }
}
