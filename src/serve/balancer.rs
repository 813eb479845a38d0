//! puppetserver's `allow-header-cert-info`: behind a TLS-terminating balancer the
//! client's certificate is checked by the balancer, which passes its verdict on in headers.
//! Off by default; `cert serve --allow-header-cert-info ADDR,...` names the balancers' addresses,
//! and only requests from those take their identity from the headers (puppetserver trusts the
//! headers from anyone once the setting is on, and relies on the network; `cert` asks for the
//! addresses instead). From such a balancer:
//! - `X-Client-Cert` (the URL-encoded PEM certificate, nginx's `$ssl_client_escaped_cert`) is
//!   the identity when it chains to this CA and is not revoked (checked here again by OpenSSL,
//!   as the TLS layer checks a certificate it is shown): its CN, its `pp_cli_auth`, and the
//!   certificate itself for `certificate_renewal`;
//! - else `X-Client-Verify: SUCCESS` with `X-Client-DN` (or `X-SSL-Subject`), RFC 2253 `CN=name`
//!   or OpenSSL's `/CN=name`, is a client of that CN, without `pp_cli_auth` (admin only through
//!   `--admin`) and without a certificate to renew;
//! - else the request has no client identity, whatever certificate the balancer itself showed.
//!
//! From every other address, and with the setting off, these headers are ignored: the TLS
//! layer's verified certificate is the only identity.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hyper::HeaderMap;

use crate::ca::Ca;
use crate::certificate::{self, Certificate};
use crate::store::Read;

use super::auth::Peer;

/// The client of a request: from the balancer's headers when `remote` is one of `balancers`,
/// else the TLS layer's `tls_peer`.
pub(crate) fn client(
    balancers: &[IpAddr],
    remote: SocketAddr,
    tls_peer: Option<Arc<Peer>>,
    headers: &HeaderMap,
    ca: &Ca,
) -> Option<Arc<Peer>> {
    if !balancers.contains(&remote.ip()) {
        return tls_peer;
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(escaped) = header("x-client-cert").filter(|value| !value.is_empty()) {
        return match certificate_of(escaped, ca) {
            Ok(peer) => Some(Arc::new(peer)),
            Err(reason) => {
                tracing::warn!("{remote}: X-Client-Cert refused: {reason}");
                None
            }
        };
    }
    if header("x-client-verify") != Some("SUCCESS") {
        return None;
    }
    let dn = header("x-client-dn").or_else(|| header("x-ssl-subject"))?;
    let common_name = common_name(dn)?;
    Some(Arc::new(Peer {
        common_name,
        cli_auth: false,
        certificate: None,
    }))
}

/// The peer of a URL-encoded PEM certificate that chains to the CA and is not revoked.
fn certificate_of(escaped: &str, ca: &Ca) -> Result<Peer, String> {
    let pem = percent_decode(escaped).ok_or("not URL-encoded")?;
    let certificate =
        Certificate::from_pem("X-Client-Cert", &pem).map_err(|error| error.to_string())?;
    let crl = ca.store().crl_pem().map_err(|error| error.to_string())?;
    certificate::verify_with_openssl(&certificate, ca.authority().chain(), &crl)
        .map_err(|error| error.to_string())?;
    Peer::from_der(certificate.der()).ok_or_else(|| "not a certificate".to_string())
}

/// The CN of a DN in RFC 2253 (`CN=a,O=b`) or OpenSSL's one-line form (`/O=b/CN=a`).
fn common_name(dn: &str) -> Option<String> {
    dn.split([',', '/'])
        .map(str::trim)
        .find_map(|part| {
            part.strip_prefix("CN=")
                .or_else(|| part.strip_prefix("cn="))
        })
        .filter(|cn| !cn.is_empty())
        .map(str::to_owned)
}

/// Percent-decode a header value (`+` is not a space in nginx's escaping).
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinguished_names() {
        assert_eq!(common_name("CN=agent1"), Some("agent1".into()));
        assert_eq!(common_name("CN=a.b,O=Example"), Some("a.b".into()));
        assert_eq!(common_name("/O=Example/CN=a.b"), Some("a.b".into()));
        assert_eq!(common_name("O=Example"), None);
        assert_eq!(common_name("CN="), None);
    }

    #[test]
    fn decoding() {
        assert_eq!(
            percent_decode("-----BEGIN%20X%0A").unwrap(),
            b"-----BEGIN X\n"
        );
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%4").is_none());
    }
}
