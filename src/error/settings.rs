//! [`SettingsError`]: why puppet.conf, its values or puppetserver's `ca.conf` cannot be used.
//!
//! Owns the error, the precise reasons it carries ([`BadValueReason`], [`SyntaxReason`]) and
//! their messages. Reading and resolving the settings is [`crate::settings`]; `ca.conf` is
//! [`crate::ca_conf`].

use std::path::PathBuf;

use super::DurationError;

/// Why the settings (puppet.conf, or puppetserver's `ca.conf`) cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A setting's value cannot be used.
    #[error("setting {setting} has bad value {value:?}: {reason}")]
    BadValue {
        /// The setting name.
        setting: String,
        /// The value after interpolation.
        value: String,
        /// What is wrong with it.
        #[source]
        reason: BadValueReason,
    },
    /// Settings refer to each other in a loop.
    #[error("settings refer to each other in a cycle: {chain}")]
    Cycle {
        /// The settings in the loop, like `ssldir -> cadir -> ssldir`.
        chain: String,
    },
    /// A non-root user has no home directory for the default layout.
    #[error("cannot find the home directory for the non-root layout: HOME is not set")]
    HomeMissing,
    /// A file could not be read.
    #[error("cannot read {}: {reason}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A line of puppet.conf (or of `ca.conf`) is not valid.
    #[error("cannot parse {} line {line}: {reason}", display_conf(.path))]
    Syntax {
        /// The file, when parsed from a file.
        path: Option<PathBuf>,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        #[source]
        reason: SyntaxReason,
    },
    /// A value refers to a variable that is no setting.
    #[error("setting {setting} refers to unknown variable ${variable}")]
    UnknownVariable {
        /// The setting whose value holds the reference.
        setting: String,
        /// The variable name, without `$`.
        variable: String,
    },
}

/// What is wrong with a setting's value ([`SettingsError::BadValue`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadValueReason {
    /// Not in Puppet's duration syntax; the duration parser's own error is the source.
    #[error("not a duration like 30d or 5y")]
    Duration(#[source] DurationError),
    /// Empty where a value is required (`certname`).
    #[error("empty")]
    Empty,
    /// A path setting that is not absolute.
    #[error("not an absolute path")]
    NotAbsolutePath,
    /// `autosign` that is neither `true`, `false` nor an absolute path.
    #[error("not true, false or an absolute path")]
    NotAutosign,
    /// An address setting that is not `ADDRESS:PORT` (`console_bind`).
    #[error("not an address and port like 127.0.0.1:8141")]
    NotAddress,
    /// `keylength` that is not a number.
    #[error("not a number of bits")]
    NotBits,
    /// A boolean setting that is neither `true` nor `false`, in any case.
    #[error("not true or false")]
    NotBoolean,
    /// `key_type` that is neither `rsa` nor `ec`.
    #[error("not rsa or ec")]
    NotKeyType,
    /// A port setting outside 1 to 65535.
    #[error("not a port from 1 to 65535")]
    NotPort,
    /// `ca_store` that is neither a usable database URL nor a CA directory.
    #[error("{0}")]
    Store(String),
    /// A duration that must be shorter than another setting's (`crl_refresh` than `crl_ttl`).
    #[error("not shorter than {other} ({limit})")]
    NotShorterThan {
        /// The other setting.
        other: &'static str,
        /// Its value, in seconds (`157680000s`).
        limit: String,
    },
    /// A duration that must not be zero (`crl_ttl`, `crl_refresh`).
    #[error("zero")]
    Zero,
}

/// What is wrong with a line of puppet.conf or `ca.conf` ([`SettingsError::Syntax`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxReason {
    /// A puppet.conf file option other than `owner`, `group` or an octal `mode`.
    #[error("bad file option {option:?}")]
    BadFileOption {
        /// The option as written, trimmed.
        option: String,
    },
    /// A puppet.conf `[section]` header whose name is not a word.
    #[error("bad section name {name:?}")]
    BadSectionName {
        /// The name between the brackets.
        name: String,
    },
    /// A `ca.conf` duration (`auto-renewal-cert-ttl`) that does not parse; the duration
    /// parser's error names the key and the value.
    #[error(transparent)]
    Duration(DurationError),
    /// A `ca.conf` policy key whose value is not a boolean.
    #[error("{key} is {value:?}, not true or false")]
    NotBoolean {
        /// The full dotted key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// A puppet.conf line that is neither a comment, a section header nor `key = value`.
    #[error("could not match line {line:?}")]
    UnmatchedLine {
        /// The line, trimmed.
        line: String,
    },
}

/// The file named in a syntax error: its path, or `puppet.conf` for text parsed without one.
fn display_conf(path: &Option<PathBuf>) -> String {
    path.as_ref().map_or_else(
        || "puppet.conf".to_owned(),
        |path| path.display().to_string(),
    )
}
