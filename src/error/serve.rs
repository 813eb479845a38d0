//! Why the daemon cannot start or keep running.

use std::path::PathBuf;

/// Why the daemon cannot start or keep running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listening socket cannot be opened.
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        /// The address asked for.
        address: String,
        /// The OS error.
        reason: String,
    },
    /// The async runtime cannot start.
    #[error("cannot start the runtime: {reason}")]
    Runtime {
        /// What tokio said.
        reason: String,
    },
    /// This host's key is in the ssldir without its certificate, and the CA's certificate for
    /// the name cannot be used with it (another key, revoked, expired).
    #[error("cannot use this host's key {}: {reason}", key.display())]
    HostKey {
        /// The certname.
        name: String,
        /// The key file.
        key: PathBuf,
        /// Why the certificate the CA holds for it does not fit.
        reason: String,
    },
    /// The TLS configuration cannot be built from the CA and host files.
    #[error("cannot set up TLS: {reason}")]
    Tls {
        /// What rustls said.
        reason: String,
    },
}
