//! Why an enrolment token cannot be made or revoked as asked.

/// Why an enrolment token cannot be made or revoked as asked ([`crate::token`]). What a token
/// presented in a request says is no error: the request stays pending with the reason
/// ([`crate::token::Check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// A comment that cannot be kept as it is.
    #[error("invalid token comment: {reason}")]
    Comment {
        /// What is wrong with it.
        reason: String,
    },
    /// A glob that is not one of the forms a token takes.
    #[error("invalid token glob {glob:?}: {reason}")]
    Glob {
        /// The glob as given.
        glob: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A lifetime out of bounds.
    #[error("a token lives between 1 second and {most}; {asked} was asked")]
    Lifetime {
        /// What was asked, in seconds.
        asked: String,
        /// The longest allowed, in words.
        most: &'static str,
    },
    /// No token has this id.
    #[error("no enrolment token has the id {id:?}")]
    Unknown {
        /// The id as given.
        id: String,
    },
    /// A number of uses out of bounds.
    #[error("a token has between 1 and {most} uses; {asked} was asked")]
    Uses {
        /// What was asked.
        asked: u64,
        /// The most allowed.
        most: u32,
    },
}
