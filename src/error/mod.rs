//! The one error type of the library, [`Error`], with a nested enum per concept, each in its
//! own file: [`AgentError`], [`DurationError`], [`ExportError`], [`FileError`] (a file read
//! or written anywhere), [`KeyError`],
//! [`PassphraseError`], [`PolicyError`], [`CertnameError`] and [`CsrError`] (a request),
//! [`ServeError`], [`SessionError`] (the web console's sign-in), [`SettingsError`],
//! [`StoreError`], [`TokenError`] (enrolment tokens). This module imports no other module of the
//! crate, so it sits below all of them.
//!
//! Every message is one line, lower-case, without a trailing period, and names the thing and the
//! fact; what to do about it is the face's to say (the CLI's `hint:` line). [`Error::fault`] is
//! the one classification of errors for the wire ([`Fault`]).

mod agent;
mod duration;
mod export;
mod file;
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
pub use file::FileError;
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
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
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

/// Whose fault an error is, as every face that answers a remote client says it (the daemon's
/// HTTP status, its log level, its metrics, the console's pages): the one classification of
/// [`Error`] for the wire, as rustls's `AlertDescription` is for its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The CA itself failed (its store, its key, a bug): 500, logged as an error.
    Ca,
    /// The caller may not do this (a sign-in link that is unknown, expired or used).
    Denied,
    /// A name the CA does not know: 404.
    NotFound,
    /// The request is at fault (its name, its CSR or certificate, what the issuance policy
    /// refuses): 400 or 409, with the message in puppetserver's words.
    Request,
    /// The store cannot be reached now, or a commit's outcome is unknown: 503 with
    /// `Retry-After`; nothing was acknowledged, and the same request may succeed later.
    Unavailable,
}

impl Error {
    /// Whose fault this error is ([`Fault`]).
    pub fn fault(&self) -> Fault {
        match self {
            Error::Certname(_)
            | Error::Csr(_)
            | Error::Policy(_)
            | Error::Duration(_)
            | Error::BadSerial { .. }
            | Error::UnknownDigest { .. } => Fault::Request,
            Error::Session(SessionError::LinkUnusable) => Fault::Denied,
            Error::Session(_) => Fault::Request,
            Error::Token(TokenError::Unknown { .. }) => Fault::NotFound,
            Error::Token(_) => Fault::Request,
            Error::Store(StoreError::NotFound { .. }) => Fault::NotFound,
            Error::Store(store) if store.is_unavailable() => Fault::Unavailable,
            _ => Fault::Ca,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_classification_for_the_wire() {
        let store = |error: StoreError| Error::from(error).fault();
        let policy: Error = PolicyError::RenewalDisabled { name: "a".into() }.into();
        assert_eq!(policy.fault(), Fault::Request);
        assert_eq!(Error::from(CsrError::Signature).fault(), Fault::Request);
        assert_eq!(Error::from(CertnameError::Empty).fault(), Fault::Request);
        let unknown = store(StoreError::NotFound {
            what: "a certificate",
            name: "a".into(),
        });
        assert_eq!(unknown, Fault::NotFound);
        let down = StoreError::Unavailable {
            store: "db".into(),
            reason: "down".into(),
        };
        assert_eq!(store(down), Fault::Unavailable);
        let unknown_outcome = StoreError::OutcomeUnknown {
            store: "db".into(),
            reason: "cut".into(),
        };
        assert_eq!(store(unknown_outcome), Fault::Unavailable);
        // A key or certificate error is the CA's own, wherever it comes from: what a client
        // presents is judged as a request (a renewal's certificate: PolicyError::NotRenewable).
        let key: Error = KeyError::Sign {
            reason: "no".into(),
        }
        .into();
        assert_eq!(key.fault(), Fault::Ca);
        assert_eq!(
            Error::from(SessionError::LinkUnusable).fault(),
            Fault::Denied
        );
    }
}
