//! Why the CA's store or an ssldir cannot be used.

use std::path::{Path, PathBuf};

use super::FileError;

/// Why the CA's store or an ssldir cannot be used. A store is named as
/// [`crate::store::Location`] displays it (the CA directory's path for files), a thing in it
/// as [`crate::store::Store::locate`] names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Something that must not be overwritten is there.
    #[error("{what} already exists")]
    AlreadyExists {
        /// What (a path for files).
        what: String,
    },
    /// A store URL that cannot be used (`--store`, `CERT_STORE`, `ca_store`).
    #[error("cannot use the store {url}: {reason}")]
    BadUrl {
        /// The URL, its password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A batch of changes failed as a whole: each of its names gets this.
    #[error("cannot {action} {store}: {reason}")]
    BatchFailed {
        /// `sign`, `enroll`.
        action: &'static str,
        /// The store.
        store: String,
        /// Why the batch failed.
        reason: String,
    },
    /// The CA exists and cannot be set up again.
    #[error("a CA already exists in {store}")]
    CaExists {
        /// The store.
        store: String,
    },
    /// A transaction said some names must have no certificate, and one did (the database's
    /// constraints found it at commit): nothing of the transaction was committed. The CA
    /// meets it by doing the work again with the names' state read first; no user sees it.
    #[error("{store}: a certificate exists for {names}")]
    Conflict {
        /// The store.
        store: String,
        /// The names found, as the database reported them.
        names: String,
    },
    /// Something is there but does not contain what it should.
    #[error("{what} is corrupt: {reason}")]
    Corrupt {
        /// What (a path for files).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The database refused an operation for a reason that retrying will not fix (a
    /// permission, a constraint the CA's rules should have kept, a broken schema).
    #[error("the database {store} refused to {action}: {reason}")]
    Database {
        /// The store.
        store: String,
        /// What was being done: `reserve serials`, `record signed certificates`, ...
        action: &'static str,
        /// The database's message.
        reason: String,
    },
    /// Reading or writing one of the store's files failed (a files store, or a database
    /// store's client key).
    #[error(transparent)]
    File(FileError),
    /// No CA at all in the store.
    #[error("no CA in {store}")]
    NoCa {
        /// The store.
        store: String,
    },
    /// No private key for a name in this host's ssldir (keys stay where they were made).
    #[error("no private key for {name} in {}", ssldir.display())]
    NoPrivateKey {
        /// The certname.
        name: String,
        /// The ssldir looked in.
        ssldir: PathBuf,
    },
    /// A store that a CA is copied into holds something already (`cert migrate`), though no
    /// whole CA.
    #[error("{store} is not empty: it holds {holds}")]
    NotEmpty {
        /// The store.
        store: String,
        /// What it holds, listed.
        holds: String,
    },
    /// A name the CA knows nothing about.
    #[error("could not find {what} for {name}")]
    NotFound {
        /// `certificate`, `certificate request`, ...
        what: &'static str,
        /// The certname.
        name: String,
    },
    /// The database's schema is newer than this program knows.
    #[error("the schema of {store} is version {found}, newer than this cert knows ({known})")]
    SchemaTooNew {
        /// The store.
        store: String,
        /// The version found.
        found: i32,
        /// The newest version this program knows.
        known: i32,
    },
    /// Some of the CA is in the store, some not.
    #[error("the CA in {store} is incomplete: missing {missing}")]
    PartialCa {
        /// The store.
        store: String,
        /// What is missing, comma separated.
        missing: String,
    },
    /// A COMMIT was sent and its answer never came (the link was cut, the server went away):
    /// the change may or may not have landed. Never acknowledged as done; the same call made
    /// again finds out (a request whose certificate landed gets that certificate).
    #[error("cannot tell whether {store} committed: {reason}")]
    OutcomeUnknown {
        /// The store.
        store: String,
        /// Why no answer came.
        reason: String,
    },
    /// A transaction used an enrolment token that another had used up or revoked meanwhile
    /// (the database found no use left when the change came): nothing of the transaction was
    /// committed. The CA meets it by doing the work again with the token's state read first,
    /// as for [`StoreError::Conflict`]; no user sees it.
    #[error("{store}: enrolment token {id} has no use left")]
    TokenSpent {
        /// The store.
        store: String,
        /// The token's id.
        id: String,
    },
    /// The store cannot be reached now (the database is down, restarting, or failing over):
    /// nothing was changed that was not also undone, and the same call may succeed later.
    #[error("cannot reach {store}: {reason}")]
    Unavailable {
        /// The store.
        store: String,
        /// Why (the connection's error).
        reason: String,
    },
    /// The store does not keep something a setting or command needs (the infrastructure CRL
    /// in a database).
    #[error("{store} does not keep {what}")]
    Unsupported {
        /// The store.
        store: String,
        /// What it does not keep.
        what: &'static str,
    },
}

impl StoreError {
    /// Whether this is [`StoreError::Unavailable`]: the store cannot be reached now, and the
    /// same call may succeed later (the daemon answers 503 with `Retry-After`).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable { .. } | StoreError::OutcomeUnknown { .. }
        )
    }

    /// An I/O error on the store's file `path`.
    pub fn io(action: &'static str, path: &Path, error: std::io::Error) -> StoreError {
        FileError::io(action, path, error).into()
    }

    /// [`StoreError::AlreadyExists`] for a file.
    pub fn file_exists(path: &Path) -> StoreError {
        StoreError::AlreadyExists {
            what: path.display().to_string(),
        }
    }
}

/// A file that must be new being there is, in a store, one of its records already there.
impl From<FileError> for StoreError {
    fn from(error: FileError) -> StoreError {
        match error {
            FileError::Exists { path } => StoreError::AlreadyExists {
                what: path.display().to_string(),
            },
            other => StoreError::File(other),
        }
    }
}
