//! Why `cert export --format pkcs12` has no usable passphrase.

use std::path::PathBuf;

/// Why there is no usable passphrase for the PKCS#12 file of `cert export --format pkcs12`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PassphraseError {
    /// The passphrase typed on the terminal is empty.
    #[error("an empty passphrase protects nothing")]
    Empty,
    /// The first line of the passphrase file is empty.
    #[error("invalid passphrase file {path:?}: its first line is empty")]
    EmptyFile {
        /// The passphrase file.
        path: PathBuf,
    },
    /// No passphrase file was given and there is no terminal to ask on.
    #[error("no passphrase for --format pkcs12: give --passphrase-file FILE or run on a terminal")]
    NoTerminal,
    /// The passphrase file is not UTF-8 text.
    #[error("invalid passphrase file {path:?}: it is not UTF-8 text")]
    NotText {
        /// The passphrase file.
        path: PathBuf,
    },
    /// Reading the passphrase from the terminal failed.
    #[error("cannot read the passphrase from the terminal: {reason}")]
    Terminal {
        /// What the terminal library said.
        reason: String,
    },
}
