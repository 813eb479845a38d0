//! The one error type of the library, [`Error`], with a nested enum per concept, each in its
//! own file: [`AgentError`], [`DurationError`], [`ExportError`], [`KeyError`],
//! [`PassphraseError`], [`PolicyError`], [`CertnameError`] and [`CsrError`] (a request),
//! [`ServeError`], [`SessionError`] (the web console's sign-in), [`SettingsError`],
//! [`StoreError`], [`TokenError`] (enrolment tokens). This module imports no other module of the
//! crate, so it sits below all of them.
//!
//! Every message is one line, lower-case, without a trailing period, and names the thing and the
//! fact. [`Error::hint`] gives an optional second line saying what to do about it.

mod agent;
mod duration;
mod export;
mod key;
mod passphrase;
mod policy;
mod request;
mod serve;
mod session;
mod settings;
mod store;
mod token;

pub use agent::AgentError;
pub use duration::DurationError;
pub use export::ExportError;
pub use key::KeyError;
pub use passphrase::PassphraseError;
pub use policy::PolicyError;
pub use request::{CertnameError, CsrError};
pub use serve::ServeError;
pub use session::SessionError;
pub use settings::{BadValueReason, SettingsError, SyntaxReason};
pub use store::StoreError;
pub use token::TokenError;

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
    /// A lifetime or interval in Puppet's duration syntax that does not parse.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// An export bundle or server config that cannot be made as asked.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A private key or certificate that cannot be read or made.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A serial given on the command line that is not hex.
    #[error("invalid serial {text:?}: use hex, as in 0x0A or 0a")]
    BadSerial {
        /// The serial as given.
        text: String,
    },
    /// A worker thread panicked (a bug): its part of the work has no result.
    #[error("internal error: {task} panicked")]
    Panicked {
        /// What the thread was doing (`signing node1.example.com`, ...).
        task: String,
    },
    /// No usable passphrase for a PKCS#12 file.
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
    /// The issuance policy refuses a request.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The daemon cannot listen, set up TLS or run.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// A sign-in to the web console, or a change reviewed there, is refused.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// puppet.conf or another setting cannot be used.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The CA directory or an ssldir is missing, broken or unwritable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An enrolment token that cannot be made or revoked as asked.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A fingerprint digest that is not one of those offered.
    #[error("invalid digest {name:?}: use one of md5, sha1, sha224, sha256, sha384, sha512")]
    UnknownDigest {
        /// The digest as given.
        name: String,
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
            Error::Store(StoreError::PartialCa { store, .. }) => Some(format!(
                "restore the missing files from a backup, or move {store} away to start a new CA"
            )),
            Error::Store(StoreError::NotEmpty { .. }) => Some(
                "migrate into a directory that is absent, empty or holds only the CA's keys, or into an empty database; what an interrupted migrate left can go (keep the keys)".into(),
            ),
            Error::Store(StoreError::NotFound { name, .. }) => Some(format!(
                "`cert list --all` shows the names this CA knows; {name} is not one of them"
            )),
            Error::Store(StoreError::NoPrivateKey { name, .. }) => Some(format!(
                "a key stays on the host that made it: export {name} from there, or point --ssldir at the ssldir that holds it"
            )),
            Error::Store(StoreError::Unavailable { .. }) => Some(
                "the database is down, restarting, failing over or refusing this connection (see why above); cert connects again on the next try".into(),
            ),
            Error::Store(StoreError::OutcomeUnknown { .. }) => Some(
                "run the same command again once the database answers: it finds what landed".into(),
            ),
            Error::Store(StoreError::SchemaTooNew { .. }) => {
                Some("a newer cert migrated the database: upgrade cert on this host".into())
            }
            Error::Key(KeyError::CaKeyMismatch { .. }) => Some(
                "this CA directory holds another CA's key: copy this CA's key from a node that signs for it (`cert export --ca-standby` there)".into(),
            ),
            Error::Key(KeyError::MissingCaKey { .. }) => Some(
                "copy the CA's key from a node that signs for it (`cert export --ca-standby` there) into this node's --cadir".into(),
            ),
            Error::Store(StoreError::AlreadyExists { .. }) => {
                Some("pass --force to replace it".into())
            }
            Error::Serve(ServeError::HostKey { name, .. }) => Some(format!(
                "`cert clean {name}` revokes the CA's certificate for {name} and removes this host's files; the next start makes a new key and certificate"
            )),
            Error::Certname(CertnameError::Reserved { .. }) => Some(
                "`ca` is the CA's own certificate in every Puppet tool (`cert --print ca` shows it); give the host another certname".into(),
            ),
            Error::Policy(PolicyError::OwnCertificate { name, .. }) => Some(format!(
                "change this host's own certificate on the CA host itself: `cert --clean {name}` there, then restart `cert serve`"
            )),
            Error::Policy(PolicyError::RenewalDisabled { .. }) => Some(
                "set allow-auto-renewal: true in the certificate-authority block of ca.conf".into(),
            ),
            Error::Certname(_) => Some(
                "certnames are lower-case DNS-like names: letters, digits, '-', '_' and '.'".into(),
            ),
            Error::Key(KeyError::Missing { what, .. }) => Some(format!(
                "copy {what} from the node that made the CA (`cert setup`, `puppetserver ca setup`), mode 0640, then run this again"
            )),
            Error::Agent(error) => error.hint(),
            Error::Session(SessionError::LinkUnusable) => Some(
                "run `cert console login` on the CA host for a new link; each link signs in once".into(),
            ),
            Error::Token(TokenError::Unknown { .. }) => {
                Some("`cert token list` shows the tokens' ids".into())
            }
            Error::Session(SessionError::NotReviewed { .. }) => Some(
                "review the request again (`cert --list`, or the console's Pending page) before acting on it".into(),
            ),
            _ => None,
        }
    }
}
