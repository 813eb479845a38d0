//! Why the CA's store or an ssldir cannot be used.

use std::path::{Path, PathBuf};

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
    /// Something is there but does not contain what it should.
    #[error("{what} is corrupt: {reason}")]
    Corrupt {
        /// What (a path for files).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("cannot {action} {}: {reason}", path.display())]
    Io {
        /// `read`, `write`, `lock`, ...
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
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
    /// A name the CA knows nothing about.
    #[error("could not find {what} for {name}")]
    NotFound {
        /// `certificate`, `certificate request`, ...
        what: &'static str,
        /// The certname.
        name: String,
    },
    /// Some of the CA is in the store, some not.
    #[error("the CA in {store} is incomplete: missing {missing}")]
    PartialCa {
        /// The store.
        store: String,
        /// What is missing, comma separated.
        missing: String,
    },
}

impl StoreError {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &Path, error: std::io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    }

    /// [`StoreError::AlreadyExists`] for a file.
    pub fn file_exists(path: &Path) -> StoreError {
        StoreError::AlreadyExists {
            what: path.display().to_string(),
        }
    }
}
