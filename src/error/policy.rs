//! Why the issuance policy, or a batch, refuses to sign a request.

/// Why the issuance policy refuses a request. (Puppet answers these with a 409 when signing.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// DNS/IP alt names other than the certname, without permission.
    #[error("CSR '{name}' contains subject alternative names ({alt_names}), which are disallowed")]
    AltNamesNotAllowed {
        /// The certname.
        name: String,
        /// The alt names, comma separated.
        alt_names: String,
    },
    /// pp_auth extensions without permission.
    #[error("CSR '{name}' contains an authorization extension ({oid}), which is disallowed")]
    AuthorizationExtensionNotAllowed {
        /// The certname.
        name: String,
        /// Which extension.
        oid: String,
    },
    /// An alt name type or value that is never signed (wildcard, URI, email, ...).
    #[error("CSR '{name}' contains a subject alternative name {alt_name} that is never signed")]
    BadAltName {
        /// The certname.
        name: String,
        /// The offending name.
        alt_name: String,
    },
    /// An extension the CA does not accept from a CSR.
    #[error("CSR '{name}' contains extensions that are not permitted: {oids}")]
    ExtensionNotPermitted {
        /// The certname.
        name: String,
        /// The OIDs, comma separated.
        oids: String,
    },
    /// A certificate exists already and duplicates are not allowed.
    #[error("{name} already has a {state} certificate; ignoring certificate request")]
    Duplicate {
        /// The certname.
        name: String,
        /// `signed` or `revoked`.
        state: &'static str,
    },
    /// The same name twice in one batch: the second is refused.
    #[error("invalid certname {name:?}: given twice")]
    GivenTwice {
        /// The certname.
        name: String,
    },
    /// `certificate_renewal` while puppetserver's `allow-auto-renewal` is off (its default).
    #[error(
        "certificate renewal is disabled (allow-auto-renewal in ca.conf); {name} was not renewed"
    )]
    RenewalDisabled {
        /// The certname of the certificate presented.
        name: String,
    },
    /// A change over HTTP to the certificate of the host `cert serve` runs as: its key and
    /// certificate are the daemon's TLS identity, changed on that host only.
    #[error("{name} is this CA server's own certificate; it is not {action} over HTTP")]
    OwnCertificate {
        /// The certname.
        name: String,
        /// `revoked`, `cleaned`, `deleted`.
        action: &'static str,
    },
    /// The certificate a client presented for renewal does not verify against this CA (another
    /// CA's, expired, revoked).
    #[error("certificate {name} cannot be renewed: {reason}")]
    NotRenewable {
        /// The certname.
        name: String,
        /// Why, OpenSSL's verdict or the issuer found.
        reason: String,
    },
    /// The queued request was replaced after an administrator reviewed it; the newer one
    /// stays pending (what is signed is exactly the request that was looked at).
    #[error(
        "the request of {name} was replaced after it was reviewed; the newer one stays pending"
    )]
    Replaced {
        /// The certname.
        name: String,
    },
    /// Too many alt names.
    #[error("CSR '{name}' has {count} subject alternative names; the limit is {limit}")]
    TooManyAltNames {
        /// The certname.
        name: String,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An uploaded CRL (`PUT certificate_revocation_list`) that the CA does not take.
    #[error("{reason}")]
    CrlRefused {
        /// Why, one line (puppetserver's words where it has them).
        reason: String,
    },
    /// A lifetime beyond the limit.
    #[error("certificate lifetime {requested} is longer than the limit of 50 years")]
    TtlTooLong {
        /// The requested lifetime, as given.
        requested: String,
    },
}
