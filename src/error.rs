//! The one error type of the library, with a nested enum per concept.
//!
//! Every message is one line, lower-case, without a trailing period, and names the thing and the
//! fact. [`Error::hint`] gives an optional second line saying what to do about it.

use std::path::PathBuf;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the CA.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Enrolling with a CA or keeping its certificate fresh failed (`cert agent`).
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A certname that Puppet would refuse.
    #[error(transparent)]
    Certname(#[from] CertnameError),
    /// A certificate signing request that cannot be used.
    #[error(transparent)]
    Csr(#[from] CsrError),
    /// A private key or certificate that cannot be read or made.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A worker thread panicked (a bug): its part of the work has no result.
    #[error("internal error: {task} panicked")]
    Panicked {
        /// What the thread was doing (`signing node1.example.com`, ...).
        task: String,
    },
    /// The issuance policy refuses a request.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The daemon cannot listen, set up TLS or run.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// puppet.conf or another setting cannot be used.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// The CA directory or an ssldir is missing, broken or unwritable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A setting or argument value that does not parse.
    #[error("invalid {what} {value:?}: {reason}")]
    Value {
        /// What the value is for (`ttl`, `digest`, ...).
        what: &'static str,
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
}

impl Error {
    /// A second line for the user saying what to do next, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Policy(PolicyError::AltNamesNotAllowed { name, .. }) => Some(format!(
                "review the names, then sign with --allow-dns-alt-names (cert --sign --allow-dns-alt-names {name})"
            )),
            Error::Store(StoreError::NoCa { .. }) => Some(
                "create one with `cert setup` (or `cert --generate NAME`), or point --cadir at an existing CA"
                    .into(),
            ),
            Error::Store(StoreError::PartialCa { cadir, .. }) => Some(format!(
                "restore the missing files from a backup, or move {} away to start a new CA",
                cadir.display()
            )),
            Error::Store(StoreError::NotFound { name, .. }) => Some(format!(
                "`cert list --all` shows the names this CA knows; {name} is not one of them"
            )),
            Error::Store(StoreError::NoPrivateKey { name, .. }) => Some(format!(
                "a key stays on the host that made it: export {name} from there, or point --ssldir at the ssldir that holds it"
            )),
            Error::Store(StoreError::AlreadyExists { .. }) => {
                Some("pass --force to replace it".into())
            }
            Error::Serve(ServeError::HostKey { name, .. }) => Some(format!(
                "`cert clean {name}` revokes the CA's certificate for {name} and removes this host's files; the next start makes a new key and certificate"
            )),
            Error::Certname(_) => Some(
                "certnames are lower-case DNS-like names: letters, digits, '-', '_' and '.'".into(),
            ),
            Error::Agent(error) => error.hint(),
            _ => None,
        }
    }
}

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

impl AgentError {
    /// What to do next.
    pub fn hint(&self) -> Option<String> {
        match self {
            AgentError::CaChanged { path, .. } => Some(format!(
                "if the CA was really replaced, move {} and the ssldir's other files away and enroll again",
                path.display()
            )),
            AgentError::Waiting { name, .. } => Some(format!(
                "sign it on the CA (cert --sign {name}, or puppetserver ca sign --certname {name}), then run again"
            )),
            AgentError::KeyMismatch { name, .. } => Some(format!(
                "the CA holds a certificate for another key; clean it there (cert --clean {name}) and run again"
            )),
            AgentError::Locked { path, .. } => Some(format!(
                "wait for it to finish; if no such process is an agent, remove {}",
                path.display()
            )),
            AgentError::Revoked { name, .. } => Some(format!(
                "clean {name} on the CA and remove its files from the ssldir to enroll again"
            )),
            _ => None,
        }
    }
}

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

/// Why a CSR cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
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

/// Why a key or certificate cannot be loaded or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
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
    /// The queued request was replaced while autosign was deciding on it; the newer one stays
    /// pending (autosign signs exactly the request it decided on).
    #[error("certificate request for {name} was replaced before autosign signed it; the newer one stays pending")]
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
    /// A lifetime beyond the limit.
    #[error("certificate lifetime {requested} is longer than the limit of 50 years")]
    TtlTooLong {
        /// The requested lifetime, as given.
        requested: String,
    },
}

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

/// Why the CA directory or an ssldir cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file that must not be overwritten is there.
    #[error("{} already exists", path.display())]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// The CA exists and cannot be set up again.
    #[error("a CA already exists in {}", cadir.display())]
    CaExists {
        /// The CA directory.
        cadir: PathBuf,
    },
    /// A file exists but does not contain what it should.
    #[error("{} is corrupt: {reason}", path.display())]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("cannot {action} {}: {reason}", path.display())]
    Io {
        /// `read`, `write`, `lock`, ...
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// No CA at all in the directory.
    #[error("no CA in {}", cadir.display())]
    NoCa {
        /// The CA directory.
        cadir: PathBuf,
    },
    /// No private key for a name in this host's ssldir (keys stay where they were made).
    #[error("no private key for {name} in {}", ssldir.display())]
    NoPrivateKey {
        /// The certname.
        name: String,
        /// The ssldir looked in.
        ssldir: PathBuf,
    },
    /// A name the CA knows nothing about.
    #[error("could not find {what} for {name}")]
    NotFound {
        /// `certificate`, `certificate request`, ...
        what: &'static str,
        /// The certname.
        name: String,
    },
    /// Some of the CA files exist, some do not.
    #[error("the CA in {} is incomplete: missing {missing}", cadir.display())]
    PartialCa {
        /// The CA directory.
        cadir: PathBuf,
        /// The missing files, comma separated.
        missing: String,
    },
}

impl StoreError {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &std::path::Path, error: std::io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    }
}
