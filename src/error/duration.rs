//! [`DurationError`]: why a value in Puppet's duration syntax does not parse.
//!
//! Owns the error and its messages only; the parser is [`crate::duration`].

/// Why a value in Puppet's duration syntax (`3600`, `30s`, `15m`, `12h`, `30d`, `5y`) does not
/// parse. Each variant names what the value is for (`ttl`, `ca_ttl`, ...) and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not digits with an optional unit: empty, signed, fractional, spaced or a unit alone.
    #[error("invalid {what} {value:?}: expected a number with an optional unit s, m, h, d or y")]
    NotANumber {
        /// What the value is for.
        what: &'static str,
        /// The value as given.
        value: String,
    },
    /// More seconds than fit in 64 bits.
    #[error("invalid {what} {value:?}: too large")]
    TooLarge {
        /// What the value is for.
        what: &'static str,
        /// The value as given.
        value: String,
    },
    /// A letter other than `s`, `m`, `h`, `d` or `y` after the number.
    #[error("invalid {what} {value:?}: unknown unit; use s, m, h, d or y")]
    UnknownUnit {
        /// What the value is for.
        what: &'static str,
        /// The value as given.
        value: String,
    },
}
