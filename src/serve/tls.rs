//! The daemon's TLS configuration, built from the CA and this host's identity: TLS 1.2 and 1.3
//! with the aws-lc-rs provider, the server chain (host certificate, then the CA chain), and
//! optional client certificates verified against every CA certificate of the chain and the
//! CRL chain, so that a revoked agent fails the handshake. Rebuilt whenever the CRL changes.

use std::sync::Arc;

use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs1KeyDer,
    PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::ca::{Ca, HostIdentity};
use crate::error::{Error, ServeError};

/// A server configuration for `ca` serving as `host`.
pub(crate) fn server_config(ca: &Ca, host: &HostIdentity) -> Result<ServerConfig, Error> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    // AES-128-GCM with SHA-256 first, in the server's order rather than the client's (OpenSSL,
    // so Puppet agents, lists AES-256-GCM-SHA384 first): every TLS 1.3 client implements it
    // (RFC 8446, 9.1), and a handshake's key schedule and transcript hash then run on SHA-256,
    // which CPUs with the SHA extensions compute several times faster than SHA-384.
    provider
        .cipher_suites
        .sort_by_key(|suite| !PREFERRED_SUITES.contains(&suite.suite()));
    let provider = Arc::new(provider);
    let chain = ca.authority().chain();
    let mut roots = RootCertStore::empty();
    for certificate in chain {
        roots
            .add(CertificateDer::from(certificate.der().to_vec()))
            .map_err(tls_error)?;
    }
    let crls: Vec<CertificateRevocationListDer<'static>> = ca
        .crls()?
        .iter()
        .map(|crl| CertificateRevocationListDer::from(crl.der().to_vec()))
        .collect();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(crls)
        .allow_unauthenticated()
        .build()
        .map_err(tls_error)?;
    let mut certificates = vec![CertificateDer::from(host.certificate.der().to_vec())];
    certificates.extend(
        chain
            .iter()
            .map(|certificate| CertificateDer::from(certificate.der().to_vec())),
    );
    let key = private_key(&host.key_pem)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(tls_error)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certificates, key)
        .map_err(tls_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ignore_client_order = true;
    // One TLS 1.3 session ticket per connection (rustls sends 2): enough for a client to resume
    // its next connection; each ticket is a random ID kept in the session cache and a record.
    config.send_tls13_tickets = 1;
    Ok(config)
}

/// The suites put first, the others keeping rustls's order after them: AES-128-GCM with
/// SHA-256 in TLS 1.3, and in TLS 1.2 for either kind of server key.
const PREFERRED_SUITES: [rustls::CipherSuite; 3] = [
    rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
    rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

/// The host key in PKCS#1, PKCS#8 or SEC1 PEM.
fn private_key(pem_bytes: &[u8]) -> Result<PrivateKeyDer<'static>, Error> {
    let block = pem::parse(pem_bytes).map_err(|e| ServeError::Tls {
        reason: format!("cannot read the host private key: {e}"),
    })?;
    let der = block.contents().to_vec();
    match block.tag() {
        "RSA PRIVATE KEY" => Ok(PrivatePkcs1KeyDer::from(der).into()),
        "EC PRIVATE KEY" => Ok(PrivateSec1KeyDer::from(der).into()),
        "PRIVATE KEY" => Ok(PrivatePkcs8KeyDer::from(der).into()),
        other => Err(ServeError::Tls {
            reason: format!("the host private key is a {other:?} PEM block, not a private key"),
        }
        .into()),
    }
}

fn tls_error(error: impl std::fmt::Display) -> Error {
    ServeError::Tls {
        reason: error.to_string(),
    }
    .into()
}
