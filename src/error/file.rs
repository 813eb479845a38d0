//! A file that could not be read or written: the crate's I/O error wherever a file is touched
//! (crash-safe writes, export trees, a host's ssldir, a file named on the command line). A
//! store that keeps its records in files wraps it ([`crate::error::StoreError::File`]).

use std::path::{Path, PathBuf};

use thiserror::Error;

/// A file operation that failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FileError {
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
    /// A file that must be new, or must not be overwritten, is there.
    #[error("{} already exists", path.display())]
    Exists {
        /// The path.
        path: PathBuf,
    },
}

impl FileError {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &Path, error: std::io::Error) -> FileError {
        FileError::Io {
            action,
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    }

    /// [`FileError::Exists`] for `path`.
    pub fn exists(path: &Path) -> FileError {
        FileError::Exists {
            path: path.to_path_buf(),
        }
    }
}
