//! Why a sign-in to the web console, or a change made from it, is refused.

/// Why a sign-in to the web console, or a change an administrator reviewed there, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A login link that was never made, has expired, or was used already (each is used once).
    #[error("this sign-in link is unknown, expired or used already")]
    LinkUnusable,
    /// A login link's lifetime out of bounds.
    #[error("a sign-in link lives between 1 second and {most}; {asked} was asked")]
    LinkLifetime {
        /// What was asked, as given.
        asked: String,
        /// The longest allowed, in words.
        most: &'static str,
    },
    /// The queued request is not the one the administrator reviewed: it was replaced, signed
    /// or removed since.
    #[error("the request of {name} is not the one reviewed (fingerprint {reviewed}): {now}")]
    NotReviewed {
        /// The certname.
        name: String,
        /// The SHA-256 fingerprint the administrator saw.
        reviewed: String,
        /// What the CA holds now, in words.
        now: String,
    },
}
