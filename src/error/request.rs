//! Why a request is unusable before any policy: a certname Puppet would refuse, a CSR that
//! does not parse or verify, or an alt name for a new CSR that is not what it says.

/// Why a certname is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertnameError {
    /// Empty string.
    #[error("certname is empty")]
    Empty,
    /// Contains a character Puppet does not allow in a label.
    #[error("certname {name:?} contains {character:?}, which is not allowed")]
    InvalidCharacter {
        /// The name as given (escaped when displayed).
        name: String,
        /// The first offending character.
        character: char,
    },
    /// A label is empty (`a..b`, leading or trailing dot) or ends in `-`.
    #[error("certname {name:?} has an invalid label {label:?}")]
    InvalidLabel {
        /// The name as given.
        name: String,
        /// The offending label.
        label: String,
    },
    /// Upper-case letters (Puppet: "Certificate names must be lower case").
    #[error("certname {name:?} must be lower case")]
    NotLowerCase {
        /// The name as given.
        name: String,
    },
    /// A name kept for the CA itself ([`crate::certname::RESERVED`]: `ca`, any case), which no
    /// host certificate may have.
    #[error("certname {name:?} is reserved for the CA's own certificate (certificate/ca, certs/ca.pem); a host cannot use it")]
    Reserved {
        /// The name as given.
        name: String,
    },
    /// Longer than 255 bytes.
    #[error("certname is {length} bytes long; the limit is 255")]
    TooLong {
        /// Its length in bytes.
        length: usize,
    },
    /// A wildcard.
    #[error("certname {name:?} contains a wildcard")]
    Wildcard {
        /// The name as given.
        name: String,
    },
}

/// Why a CSR cannot be used or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// An alt name given for a new CSR that is not what its prefix says (`IP:`, `DNS:`).
    #[error("invalid alt name {alt_name:?}: {reason}")]
    AltName {
        /// The alt name as given.
        alt_name: String,
        /// What it is not: `not an IP address`, `not a DNS name`.
        reason: &'static str,
    },
    /// An alt name typed with colons where commas separate alt names (`puppetca:puppet`).
    #[error("invalid alt name {alt_name:?}: alt names are comma-separated (--dns_alt_names {suggestion})")]
    AltNameList {
        /// The alt name as given.
        alt_name: String,
        /// The list it was probably meant to be, comma-separated.
        suggestion: String,
    },
    /// Not PEM, not a CSR, or not DER inside.
    #[error("malformed certificate request: {reason}")]
    Malformed {
        /// What the parser said.
        reason: String,
    },
    /// The CN does not equal the name it was submitted under.
    #[error("instance name {subject:?} does not match requested key {name:?}")]
    NameMismatch {
        /// The name the CSR was submitted for.
        name: String,
        /// The CN in the CSR.
        subject: String,
    },
    /// No CN at all.
    #[error("certificate request has no common name in its subject")]
    NoCommonName,
    /// The signature does not verify with the CSR's own key: tampered or corrupt.
    #[error("certificate request signature does not verify (tampered or corrupt)")]
    Signature,
    /// Bigger than the limit.
    #[error("certificate request is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A key type or size the CA does not sign.
    #[error("certificate request key is not acceptable: {reason}")]
    WeakKey {
        /// Which key and why.
        reason: String,
    },
}
