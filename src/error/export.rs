//! Why an export bundle or its server config cannot be made as asked (`cert export`).

/// Why an export bundle or its server config cannot be made as asked (`cert export`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// `--listen` is not a port or `ADDRESS:PORT`.
    #[error("invalid --listen {value:?}: {reason}")]
    Listen {
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A server config without a master behind it.
    #[error("invalid --upstream \"\": a server config needs the masters behind it: --upstream HOST:PORT[,...]")]
    NoUpstream,
    /// A server config asked for an agent's bundle, which has none.
    #[error("invalid --server {role:?}: an agent bundle has no server config; use --for master or --for balancer")]
    ServerConfigForAgent {
        /// The bundle's role (`agent`).
        role: &'static str,
    },
    /// A target ssldir that a server config cannot name.
    #[error("invalid --target-ssldir {path:?}: {reason}")]
    TargetSsldir {
        /// The path as given.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An upstream that is not `HOST:PORT`.
    #[error("invalid --upstream {value:?}: {reason}")]
    Upstream {
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
}
