//! The paths of Puppet's CA HTTP API v1 (under `/puppet-ca/v1`, and the legacy
//! `/{environment}/certificate...` routes of Puppet 3 agents) and puppetserver's status API
//! (`/status/v1/simple`, `/status/v1/services`): which [`Route`] a path names, the methods each
//! allows, and the access Puppet's default `auth.conf` gives it, plus the daemon's own
//! `/metrics`, and our enrolment tokens (`/puppet-ca/v1/tokens`). Parsing only: what a route does is in its handler.

use hyper::Method;

use crate::serve::auth::Access;

/// One endpoint, with the (percent-decoded) name from the path where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    /// `certificate/NAME` (`ca` for the CA chain).
    Certificate(String),
    /// `certificate_renewal`.
    CertificateRenewal,
    /// `certificate_request/NAME`.
    CertificateRequest(String),
    /// `certificate_revocation_list/NAME` (puppetserver ignores the name; agents send `ca`).
    CertificateRevocationList,
    /// `certificate_revocation_list` (PUT: load CRLs of the CAs above this one).
    CrlUpload,
    /// `certificate_status/NAME`.
    CertificateStatus(String),
    /// `certificate_statuses/ANY`.
    CertificateStatuses,
    /// `clean`.
    Clean,
    /// `expirations`.
    Expirations,
    /// `/status/v1/simple` (`None`) or `/status/v1/simple/NAME`.
    Health(Option<String>),
    /// `/metrics`: the daemon's Prometheus metrics.
    Metrics,
    /// `sign`.
    Sign,
    /// `/status/v1/services` (`None`) or `/status/v1/services/NAME`.
    Services(Option<String>),
    /// `sign/all`.
    SignAll,
    /// `tokens` (ours): list (GET) or make (POST) enrolment tokens.
    Tokens,
    /// `tokens/ID` (ours): revoke (DELETE) an enrolment token.
    Token(String),
}

impl Route {
    /// The endpoint of `path`; `Ok(None)` for an unknown path, `Err` for a malformed one.
    pub(super) fn parse(path: &str) -> Result<Option<Route>, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Ok(None);
        };
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["status", "v1", "simple"] => Ok(Some(Route::Health(None))),
            ["status", "v1", "simple", name] => Ok(Some(Route::Health(Some(decode(name)?)))),
            ["status", "v1", "services"] => Ok(Some(Route::Services(None))),
            ["status", "v1", "services", name] => Ok(Some(Route::Services(Some(decode(name)?)))),
            // Before the legacy routes: `metrics` would pass for an environment name.
            ["metrics"] => Ok(Some(Route::Metrics)),
            ["puppet-ca", "v1", rest @ ..] => Route::ca(rest, false),
            [environment, rest @ ..] if is_environment(environment) => Route::ca(rest, true),
            _ => Ok(None),
        }
    }

    /// The endpoint below the API prefix; `legacy` keeps to the routes Puppet 3 agents use.
    fn ca(segments: &[&str], legacy: bool) -> Result<Option<Route>, String> {
        let name = |segment: &str| decode(segment);
        let endpoint = match segments {
            ["certificate", n] => Route::Certificate(name(n)?),
            ["certificate_request", n] => Route::CertificateRequest(name(n)?),
            ["certificate_revocation_list", _] => Route::CertificateRevocationList,
            ["certificate_status", n] => Route::CertificateStatus(name(n)?),
            ["certificate_statuses", _] => Route::CertificateStatuses,
            _ if legacy => return Ok(None),
            ["certificate_renewal"] => Route::CertificateRenewal,
            ["certificate_revocation_list"] => Route::CrlUpload,
            ["clean"] => Route::Clean,
            ["expirations"] => Route::Expirations,
            ["sign"] => Route::Sign,
            ["sign", "all"] => Route::SignAll,
            ["tokens"] => Route::Tokens,
            ["tokens", id] => Route::Token(name(id)?),
            _ => return Ok(None),
        };
        Ok(Some(endpoint))
    }

    pub(super) fn methods(&self) -> &'static [Method] {
        match self {
            Route::Certificate(_)
            | Route::CertificateRevocationList
            | Route::CertificateStatuses
            | Route::Expirations
            | Route::Health(_)
            | Route::Metrics
            | Route::Services(_) => &[Method::GET],
            Route::CertificateRequest(_) | Route::CertificateStatus(_) => {
                &[Method::GET, Method::PUT, Method::DELETE]
            }
            Route::CertificateRenewal | Route::Sign | Route::SignAll => &[Method::POST],
            Route::Clean | Route::CrlUpload => &[Method::PUT],
            Route::Tokens => &[Method::GET, Method::POST],
            Route::Token(_) => &[Method::DELETE],
        }
    }

    /// Puppet's default `auth.conf` (puppetserver's status service is open to all); deleting a
    /// request is an admin's act.
    pub(super) fn access(&self, method: &Method) -> Access {
        match self {
            Route::Certificate(_)
            | Route::CertificateRevocationList
            | Route::Health(_)
            | Route::Services(_) => Access::Public,
            Route::CertificateRequest(_) if *method != Method::DELETE => Access::Public,
            Route::CertificateRenewal | Route::Expirations => Access::Client,
            _ => Access::Admin,
        }
    }
}

/// A Puppet environment name: `[a-z0-9_]+` (and never one of the API prefixes).
fn is_environment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "puppet-ca"
        && segment != "status"
        && segment
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Percent-decode one path segment.
fn decode(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in {segment:?}"))?;
            out.push(hex);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{segment:?} is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let parse = |p: &str| Route::parse(p).unwrap();
        assert_eq!(
            parse("/puppet-ca/v1/certificate/ca"),
            Some(Route::Certificate("ca".into()))
        );
        assert_eq!(
            parse("/production/certificate_request/a.b"),
            Some(Route::CertificateRequest("a.b".into()))
        );
        assert_eq!(parse("/production/sign"), None);
        assert_eq!(parse("/puppet-ca/v1/sign/all"), Some(Route::SignAll));
        assert_eq!(parse("/puppet-ca/v1/tokens"), Some(Route::Tokens));
        assert_eq!(
            parse("/puppet-ca/v1/tokens/0123abcd"),
            Some(Route::Token("0123abcd".into()))
        );
        assert_eq!(parse("/production/tokens"), None);
        assert_eq!(
            parse("/puppet-ca/v1/certificate_revocation_list"),
            Some(Route::CrlUpload)
        );
        // As puppetserver, any name after it is the CA's CRL.
        assert_eq!(
            parse("/puppet-ca/v1/certificate_revocation_list/anything"),
            Some(Route::CertificateRevocationList)
        );
        assert_eq!(parse("/status/v1/simple"), Some(Route::Health(None)));
        // puppetserver's status API, which the CA CLI asks for the CA's version.
        assert_eq!(parse("/status/v1/services"), Some(Route::Services(None)));
        assert_eq!(
            parse("/status/v1/services/ca"),
            Some(Route::Services(Some("ca".into())))
        );
        assert_eq!(parse("/status/v1/other"), None);
        // `/metrics` is the daemon's; an environment called `metrics` still works.
        assert_eq!(parse("/metrics"), Some(Route::Metrics));
        assert_eq!(
            parse("/metrics/certificate/a"),
            Some(Route::Certificate("a".into()))
        );
        assert_eq!(parse("/puppet-ca/v2/certificate/ca"), None);
        assert_eq!(parse("/"), None);
        assert_eq!(
            parse("/puppet-ca/v1/certificate/..%2f..%2fetc"),
            Some(Route::Certificate("../../etc".into()))
        );
        assert!(Route::parse("/puppet-ca/v1/certificate/%zz").is_err());
    }

    #[test]
    fn access_follows_auth_conf() {
        let request = Route::CertificateRequest("a".into());
        assert_eq!(request.access(&Method::PUT), Access::Public);
        assert_eq!(request.access(&Method::DELETE), Access::Admin);
        assert_eq!(Route::Expirations.access(&Method::GET), Access::Client);
        assert_eq!(Route::Metrics.access(&Method::GET), Access::Admin);
        assert_eq!(Route::Services(None).access(&Method::GET), Access::Public);
        assert_eq!(Route::CrlUpload.access(&Method::PUT), Access::Admin);
        assert_eq!(Route::Tokens.access(&Method::POST), Access::Admin);
        assert_eq!(Route::Tokens.access(&Method::GET), Access::Admin);
        assert_eq!(
            Route::Token("a".into()).access(&Method::DELETE),
            Access::Admin
        );
        assert_eq!(
            Route::CertificateStatus("a".into()).access(&Method::GET),
            Access::Admin
        );
    }
}
