//! The arguments of `cert export`, parsed into one [`Export`] request.
//!
//! Owns the export flags, their help, and the usage rules between them (a NAME, `--crl-only` or
//! `--ca-standby`; `--out` or `--tar`; server options only with `--server` and a NAME). It does
//! not decide what goes into a bundle or check paths, ports and upstreams: that is
//! `cert::export`, and `cmd/export.rs` calls it.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, ValueEnum, ValueHint};

/// What `cert export` is asked for; built only from a consistent set of flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Export {
    /// What goes into the bundle.
    pub(crate) kind: ExportKind,
    /// Where it goes.
    pub(crate) output: ExportOutput,
    /// How the bundle is fitted to its target, as given.
    pub(crate) options: ExportOptions,
    /// `--force`: replace an existing output.
    pub(crate) force: bool,
}

/// What `cert export` bundles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExportKind {
    /// The whole CA directory, CA key included, for a standby CA.
    CaStandby,
    /// Only the CRL chain; `role` decides where it goes (`crl.pem`, and `ca/ca_crl.pem` for a
    /// master).
    CrlOnly {
        /// The target, [`ExportRole::Balancer`] when not given.
        role: ExportRole,
    },
    /// One host's certificate, key, CA and CRL.
    Host {
        /// Certificate name, as given.
        name: String,
        /// What the host is.
        role: ExportRole,
        /// Whether to add a PKCS#12 file (the global `--format pkcs12`).
        pkcs12: bool,
    },
}

/// Where `cert export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExportOutput {
    /// A new directory.
    Directory(PathBuf),
    /// A new `.tar.gz` file.
    Tar(PathBuf),
}

/// What the target of `cert export` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportRole {
    /// A Puppet agent: certificate, key, CA and `crl.pem`
    Agent,
    /// A TLS-terminating balancer before the masters: as an agent, plus server config
    Balancer,
    /// A compile master without the CA: `crl.pem` and `ca/ca_crl.pem`, plus server config
    Master,
}

/// TLS server for which `cert export --server` writes a config fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportServer {
    /// Apache httpd 2.4: a <VirtualHost> with its Listen line
    Apache,
    /// HAProxy 2.2+: a frontend/backend pair
    Haproxy,
    /// nginx: a file to include inside http {}
    Nginx,
}

/// The flags that fit a bundle to its target; kept as given (the library parses them).
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct ExportOptions {
    /// Add a config fragment for this TLS server
    #[arg(long, value_enum, value_name = "SERVER")]
    pub(crate) server: Option<ExportServer>,

    /// Where the bundle will sit on the target [default: /etc/puppetlabs/puppet/ssl]
    ///
    /// Every path in the README and the server config is under it, so `--out X
    /// --target-ssldir X` makes a config that runs in place.
    #[arg(long, value_name = "PATH", value_hint = ValueHint::DirPath)]
    pub(crate) target_ssldir: Option<PathBuf>,

    /// Port, or ADDRESS:PORT, the server config listens on [default: 8140]
    #[arg(long, value_name = "[ADDRESS:]PORT")]
    pub(crate) listen: Option<String>,

    /// The masters behind the server config (comma-separated, repeatable)
    ///
    /// Plain HTTP to them unless --upstream-tls; they must trust the X-Client-* headers only
    /// from this host.
    #[arg(long, value_name = "HOST:PORT", value_delimiter = ',')]
    pub(crate) upstream: Vec<String>,

    /// Re-encrypt to the masters, with this host's certificate as client certificate
    #[arg(long)]
    pub(crate) upstream_tls: bool,

    /// File whose first line is the passphrase for --format pkcs12
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub(crate) passphrase_file: Option<PathBuf>,
}

/// The flags as typed; [`Export`] is made from them. The order of the fields is the order of
/// `cert export --help`, the man page and the completions.
#[derive(Debug, Args)]
struct ExportFlags {
    /// Host whose certificate and key to export (its key must be in this host's ssldir)
    #[arg(value_name = "NAME", conflicts_with_all = ["crl_only", "ca_standby"])]
    name: Option<String>,

    /// What the target host is
    #[arg(
        long = "for",
        value_enum,
        value_name = "ROLE",
        conflicts_with = "ca_standby"
    )]
    role: Option<ExportRole>,

    /// Write the bundle as a new directory DIR
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, conflicts_with = "tar")]
    out: Option<PathBuf>,

    /// Write the bundle as a new gzip-compressed tar file (extract with tar -xzpf in the ssldir)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    tar: Option<PathBuf>,

    #[command(flatten)]
    options: ExportOptions,

    /// Bundle only the CA's current CRL chain (after a revocation)
    #[arg(long)]
    crl_only: bool,

    /// Bundle the whole CA directory, CA private key included, for a standby CA host
    #[arg(long, conflicts_with = "crl_only")]
    ca_standby: bool,

    /// Replace an existing output
    #[arg(long)]
    force: bool,
}

impl ExportFlags {
    /// Checks the combination. Errors are raw: `args::parse` formats them with the usage of
    /// `cert export`.
    fn into_export(self) -> Result<Export, clap::Error> {
        let fail = clap::Error::raw;
        let output = match (self.out, self.tar) {
            (Some(dir), None) => ExportOutput::Directory(dir),
            (None, Some(file)) => ExportOutput::Tar(file),
            _ => {
                return Err(fail(
                    ErrorKind::MissingRequiredArgument,
                    "'export' needs '--out DIR' or '--tar FILE.tar.gz'",
                ))
            }
        };
        let kind = match (self.name, self.crl_only, self.ca_standby) {
            (Some(name), false, false) => match self.role {
                Some(role) => ExportKind::Host {
                    name,
                    role,
                    pkcs12: false,
                },
                None => {
                    return Err(fail(
                        ErrorKind::MissingRequiredArgument,
                        "'export NAME' needs '--for master|balancer|agent'",
                    ))
                }
            },
            (None, true, false) => ExportKind::CrlOnly {
                role: self.role.unwrap_or(ExportRole::Balancer),
            },
            (None, false, true) => ExportKind::CaStandby,
            _ => {
                return Err(fail(
                    ErrorKind::MissingRequiredArgument,
                    "'export' needs a NAME, '--crl-only' or '--ca-standby'",
                ))
            }
        };
        let options = self.options;
        let fragment_options =
            options.listen.is_some() || !options.upstream.is_empty() || options.upstream_tls;
        if options.server.is_none() && fragment_options {
            return Err(fail(
                ErrorKind::MissingRequiredArgument,
                "'--listen', '--upstream' and '--upstream-tls' need '--server nginx|haproxy|apache'",
            ));
        }
        let host = matches!(kind, ExportKind::Host { .. });
        if !host && (options.server.is_some() || options.passphrase_file.is_some()) {
            return Err(fail(
                ErrorKind::ArgumentConflict,
                "'--server' and '--passphrase-file' are for 'export NAME' only",
            ));
        }
        if options.server.is_some() && options.upstream.is_empty() {
            return Err(fail(
                ErrorKind::MissingRequiredArgument,
                "'--server' needs the masters behind it: '--upstream HOST:PORT[,HOST:PORT...]'",
            ));
        }
        Ok(Export {
            kind,
            output,
            options,
            force: self.force,
        })
    }
}

typed_args!(Export, ExportFlags, into_export);
