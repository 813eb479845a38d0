//! Why the CA directory or an ssldir cannot be used.

use std::path::{Path, PathBuf};

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
    pub fn io(action: &'static str, path: &Path, error: std::io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    }
}
