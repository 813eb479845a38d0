//! puppetserver's status API (trapperkeeper-status): `GET /status/v1/simple[/ca]`
//! (plain `running`) and `GET /status/v1/services[/ca]` (JSON), unauthenticated as in
//! puppetserver's default `auth.conf`. cert runs one service, `ca`; the CA CLI reads its
//! `service_version` to choose its signing endpoints.

use hyper::StatusCode;
use serde_json::{json, Value};

use super::reply::{json_reply, text, Reply};

/// The puppetserver release whose CA API `cert serve` claims in `service_version`.
///
/// puppetserver reports its own version for its `ca` service. puppetserver-ca-cli 2.6 and
/// later (`CertificateAuthority#server_has_bulk_signing_endpoints`) signs through `POST sign`
/// and `POST sign/all` when that version is 8.4.0 or later, and else falls back to one `PUT
/// certificate_status` per name. `cert serve` serves every CA endpoint of puppetserver 8.7.0,
/// the release its tests run beside (Debian trixie's), bulk signing included, so it claims
/// that one.
pub(super) const SERVICE_VERSION: &str = "8.7.0";

/// The one service cert's status API knows.
const SERVICE: &str = "ca";

/// `GET /status/v1/simple` or `/status/v1/simple/NAME`: `running`, or 404 `not found: NAME`.
pub(super) fn simple(name: Option<&str>) -> Reply {
    match name {
        None | Some(SERVICE) => text(StatusCode::OK, "running"),
        Some(other) => text(StatusCode::NOT_FOUND, format!("not found: {other}")),
    }
}

/// `GET /status/v1/services[?level=...]` (every service by name) or `/status/v1/services/NAME`
/// (that one, with `service_name`), as trapperkeeper-status answers.
pub(super) fn services(name: Option<&str>, query: &str) -> Reply {
    let level = match level(query) {
        Ok(level) => level,
        Err(message) => return invalid(message),
    };
    if let Err(message) = timeout(query) {
        return invalid(message);
    }
    match name {
        None => json_reply(StatusCode::OK, &json!({ SERVICE: status(level) })),
        Some(SERVICE) => {
            let mut one = status(level);
            one["service_name"] = Value::from(SERVICE);
            json_reply(StatusCode::OK, &one)
        }
        Some(other) => json_reply(
            StatusCode::NOT_FOUND,
            &json!({
                "kind": "service-not-found",
                "msg": format!("No status information found for service {other}"),
            }),
        ),
    }
}

/// The `ca` service's status at `level`: running, and no details (puppetserver's CA reports
/// an empty `status` at every level).
fn status(level: &str) -> Value {
    json!({
        "service_version": SERVICE_VERSION,
        "service_status_version": 1,
        "detail_level": level,
        "state": "running",
        "status": {},
        "active_alerts": [],
    })
}

/// The `level` parameter: `critical`, `info` (the default) or `debug`.
fn level(query: &str) -> Result<&'static str, String> {
    match parameter(query, "level") {
        None => Ok("info"),
        Some("critical") => Ok("critical"),
        Some("info") => Ok("info"),
        Some("debug") => Ok("debug"),
        Some(other) => Err(format!("Invalid level: :{other}")),
    }
}

/// The `timeout` parameter, when given: a whole number of seconds above zero. Nothing here
/// waits, so its value is only checked.
fn timeout(query: &str) -> Result<(), String> {
    match parameter(query, "timeout") {
        None => Ok(()),
        Some(value) => match value.parse::<i64>() {
            Ok(seconds) if seconds > 0 => Ok(()),
            Ok(seconds) => Err(format!(
                "Invalid timeout. Timeout must be greater than zero but was {seconds}"
            )),
            Err(_) => Err(format!(
                "Invalid timeout. Should be an integer but was {value}"
            )),
        },
    }
}

/// trapperkeeper-status's 400 for a bad parameter.
fn invalid(message: String) -> Reply {
    json_reply(
        StatusCode::BAD_REQUEST,
        &json!({"kind": "data-invalid", "msg": message}),
    )
}

/// The value of `name` in a query string (the first one; no percent-decoding: every valid
/// value is plain ASCII).
fn parameter<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_timeouts() {
        assert_eq!(level(""), Ok("info"));
        assert_eq!(level("level=debug&x=1"), Ok("debug"));
        assert_eq!(level("level=critical"), Ok("critical"));
        assert_eq!(level("level=loud").unwrap_err(), "Invalid level: :loud");
        assert!(timeout("timeout=5").is_ok());
        assert!(timeout("timeout=0").is_err());
        assert!(timeout("timeout=soon").is_err());
    }

    #[test]
    fn the_ca_service_claims_a_version_with_bulk_signing() {
        // puppetserver-ca-cli compares the leading `X.Y.Z` with 8.4.0.
        let parts: Vec<u32> = SERVICE_VERSION
            .split('.')
            .map(|part| part.parse().unwrap())
            .collect();
        assert!(parts >= vec![8, 4, 0], "{SERVICE_VERSION}");
        let value = status("info");
        assert_eq!(value["service_status_version"], 1);
        assert_eq!(value["state"], "running");
    }
}
