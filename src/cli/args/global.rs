//! The options every command takes, before or after its subcommand (`--ssldir`, `--cadir`,
//! `--store`, `--config`, `--format`, `--yes`, `--verbose`, `--autosign`, `--admin`).
//!
//! Owns those flags, their help and the output formats. It does not read settings with them
//! (`cli::Context` does) nor render anything (`cli::render`).

use std::path::PathBuf;

use clap::{Args, ValueEnum, ValueHint};

/// Options valid before and after any subcommand, as given.
///
/// Environment values are hidden from help so that generated man pages do not depend on the
/// environment of the machine that made them.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// Directory of Puppet's SSL files [default: the `ssldir` setting]
    ///
    /// Overrides `ssldir` from puppet.conf.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath, env = "CERT_SSLDIR", hide_env_values = true)]
    pub(crate) ssldir: Option<PathBuf>,

    /// Directory of the CA's files [default: the `cadir` setting]
    ///
    /// Overrides `cadir` from puppet.conf.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath, env = "CERT_CADIR", hide_env_values = true)]
    pub(crate) cadir: Option<PathBuf>,

    /// Where the CA's store is: a PostgreSQL URL, or a CA directory [default: the `ca_store`
    /// setting, else the files in --cadir]
    ///
    /// `postgresql://USER@HOST[:PORT][,HOST2[:PORT2]...]/DATABASE?PARAM=VALUE&...` keeps the
    /// CA in a database that several `cert serve` nodes share (its schema is created on first
    /// use; the CA's keys stay in --cadir). Parameters as libpq's: sslmode (disable, prefer,
    /// require, verify-ca, verify-full), sslrootcert, sslcert, sslkey, connect_timeout,
    /// target_session_attrs (read-write by default), application_name, options and the TCP
    /// ones; others are refused. The password may come from PGPASSWORD instead. A directory
    /// (or file://DIR) is Puppet's file layout there, as --cadir DIR. Overrides `ca_store`
    /// from puppet.conf's [server] section.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "CERT_STORE",
        hide_env_values = true
    )]
    pub(crate) store: Option<String>,

    /// puppet.conf to read settings from [default: Puppet's usual location]
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath, env = "CERT_CONFIG", hide_env_values = true)]
    pub(crate) config: Option<PathBuf>,

    /// Output format [default: the command's own text]
    ///
    /// `pkcs12` is for `export` only: it adds a PKCS#12 file of the key, certificate and CA
    /// chain to the bundle, encrypted with the passphrase of --passphrase-file.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<FormatArg>,

    /// Answer yes to every confirmation prompt
    ///
    /// Needed to revoke, clean or overwrite without a terminal to ask on.
    #[arg(short, long, global = true)]
    pub(crate) yes: bool,

    /// Report more detail on what is done
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,

    /// Autosign setting: true, false, or the path of an autosign.conf or policy program
    ///
    /// Overrides `autosign` from puppet.conf for `cert submit`, `cert autosign check`, and the
    /// autosign column of `--list` and `--sign --all`. An executable file is a policy program
    /// (run with the certname as its argument and the CSR on stdin, for at most
    /// `autosign_timeout`, default 10s); any other path is an autosign.conf.
    #[arg(long, global = true, value_name = "true|false|PATH", value_hint = ValueHint::AnyPath)]
    pub(crate) autosign: Option<String>,

    /// Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth
    ///
    /// Comma-separated and repeatable. Certificates carrying the pp_cli_auth extension (as
    /// `cert setup` makes for this host) are always allowed; both may also read /metrics.
    /// Autosign never signs these names (nor this host's certname): their requests wait for an
    /// administrator. Give the same list to `cert submit`, `cert autosign check` and `--list`
    /// to see the daemon's decisions.
    #[arg(long, global = true, value_name = "NAME", value_delimiter = ',')]
    pub(crate) admin: Vec<String>,
}

impl Global {
    /// The output format asked for; `None` when none was, or for `pkcs12`, which only changes
    /// what `export` writes.
    pub(crate) fn output_format(&self) -> Option<Format> {
        match self.format {
            Some(FormatArg::Json) => Some(Format::Json),
            Some(FormatArg::Puppet) => Some(Format::Puppet),
            Some(FormatArg::Text) => Some(Format::Text),
            Some(FormatArg::Pkcs12) | None => None,
        }
    }
}

/// The output formats of the render layer: [`FormatArg`] without `pkcs12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `--format json`.
    Json,
    /// `--format puppet`.
    Puppet,
    /// `--format text`, and the default.
    Text,
}

/// `--format` as typed: the [`Format`]s plus `pkcs12`, which only `export` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// One JSON document, for scripts
    Json,
    /// With export: add a PKCS#12 file (for Java and Windows consumers)
    Pkcs12,
    /// The text `puppet cert` and `puppetserver ca` print, for tools that read it
    Puppet,
    /// Text for people
    Text,
}
