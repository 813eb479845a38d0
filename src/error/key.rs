//! Why a private key or certificate cannot be loaded, made or trusted.

/// Why a key or certificate cannot be loaded or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// This node's CA key is not the key of the CA certificate in the store.
    #[error("the CA key {key} does not match {certificate}")]
    CaKeyMismatch {
        /// The key file (in the node's CA directory).
        key: String,
        /// The CA certificate, as the store names it.
        certificate: String,
    },
    /// The certificate does not parse.
    #[error("cannot read certificate {what}: {reason}")]
    Certificate {
        /// Which certificate.
        what: String,
        /// What the parser said.
        reason: String,
    },
    /// Generating a key failed.
    #[error("cannot generate key: {reason}")]
    Generate {
        /// What the library said.
        reason: String,
    },
    /// A private key that does not belong to its certificate.
    #[error("private key {what} does not match its certificate")]
    Mismatch {
        /// Which key.
        what: String,
    },
    /// A key this operation needs is not on this node.
    #[error("{what} is missing: it is needed to {purpose}")]
    Missing {
        /// Which key (a path).
        what: String,
        /// What it is needed for.
        purpose: &'static str,
    },
    /// This node has no CA key for the CA in its store (a database shared by several nodes:
    /// each keeps the key in its own CA directory).
    #[error("no CA key {key} on this node for the CA in {store}")]
    MissingCaKey {
        /// The key file looked for.
        key: String,
        /// The store.
        store: String,
    },
    /// The key does not parse, or is encrypted.
    #[error("cannot read private key {what}: {reason}")]
    Parse {
        /// Which key.
        what: String,
        /// What the parser said.
        reason: String,
    },
    /// Signing with the key failed.
    #[error("cannot sign: {reason}")]
    Sign {
        /// What the library said.
        reason: String,
    },
    /// A certificate that does not verify against the CA chain and CRLs.
    #[error("certificate {what} is not valid: {reason}")]
    Invalid {
        /// Which certificate.
        what: String,
        /// OpenSSL's verdict.
        reason: String,
    },
    /// A key type or size not supported.
    #[error("unsupported key: {reason}")]
    Unsupported {
        /// Which key and why.
        reason: String,
    },
}
