//! Why `cert agent` could not get or keep a certificate, and what to do next.

use std::path::PathBuf;

/// Why `cert agent` could not get or keep a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The CA offers a different CA certificate than the one pinned in the ssldir.
    #[error("the CA certificate at {server} (SHA256 {offered}) differs from the pinned {} (SHA256 {pinned}); refusing", path.display())]
    CaChanged {
        /// The CA server.
        server: String,
        /// The pinned `certs/ca.pem`.
        path: PathBuf,
        /// Fingerprint of the pinned certificate.
        pinned: String,
        /// Fingerprint of what the server offers.
        offered: String,
    },
    /// `--ca-fingerprint` was given and the CA certificate has another.
    #[error(
        "the CA certificate at {server} has fingerprint {actual}, not the expected {expected}"
    )]
    CaFingerprint {
        /// The CA server.
        server: String,
        /// What was asked for.
        expected: String,
        /// What the certificate has.
        actual: String,
    },
    /// The CRL has expired (its nextUpdate is past).
    #[error("the CRL of {issuer} expired at {next_update}")]
    CrlExpired {
        /// The CRL's issuer.
        issuer: String,
        /// Its nextUpdate.
        next_update: String,
    },
    /// `csr_attributes.yaml` cannot be used.
    #[error("invalid csr_attributes {:?}: {reason}", format!("{}:{}", .path.display(), .line))]
    CsrAttributes {
        /// The file.
        path: PathBuf,
        /// The 1-based line that is wrong.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate does not carry the public half of our private key.
    #[error("the certificate {what} for {name} does not match the private key")]
    KeyMismatch {
        /// The certname.
        name: String,
        /// Where the certificate came from.
        what: String,
    },
    /// Another agent run (`cert agent` or Puppet) holds `ssl.lock`.
    #[error("another agent (pid {pid}) is using the ssldir: {} is held; exiting", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// The pid in it.
        pid: u32,
    },
    /// The server answers, but not as a Puppet CA.
    #[error("{server} is not a Puppet CA: {reason}")]
    NotPuppetCa {
        /// The server.
        server: String,
        /// What it did instead.
        reason: String,
    },
    /// The response is cut short or not HTTP.
    #[error("bad response from {server}: {reason}")]
    Protocol {
        /// The server.
        server: String,
        /// What is wrong.
        reason: String,
    },
    /// The CA refused the certificate request.
    #[error("{server} refused the certificate request for {name}: {reason}")]
    Refused {
        /// The CA server.
        server: String,
        /// The certname.
        name: String,
        /// The CA's message.
        reason: String,
    },
    /// The certificate is on the CA's CRL.
    #[error("the certificate for {name} (serial {serial}) is revoked")]
    Revoked {
        /// The certname.
        name: String,
        /// Its serial, hex.
        serial: String,
    },
    /// The CA server (`--ca_server`, `--server`, `ca_server` or `server`) is not an address.
    #[error("invalid server {value:?}: not HOST or HOST:PORT")]
    ServerAddress {
        /// The value as given.
        value: String,
    },
    /// The CA answered with a status the API does not use for this request.
    #[error("{server} answered {request} with {status}: {body}")]
    Unexpected {
        /// The server.
        server: String,
        /// Method and path.
        request: String,
        /// The status code.
        status: u16,
        /// The first line of the body.
        body: String,
    },
    /// No connection to the CA.
    #[error("cannot reach the CA at {server}: {reason}")]
    Unreachable {
        /// The CA server.
        server: String,
        /// Why.
        reason: String,
    },
    /// A certificate does not verify against the pinned CA.
    #[error("{what} does not verify against the pinned CA: {reason}")]
    Untrusted {
        /// What failed (the server's TLS certificate, or our certificate).
        what: String,
        /// Why.
        reason: String,
    },
    /// The certificate is not signed yet and waiting is over.
    #[error("the certificate for {name} is not signed yet; {reason}")]
    Waiting {
        /// The certname.
        name: String,
        /// Why we stopped waiting.
        reason: String,
    },
}
