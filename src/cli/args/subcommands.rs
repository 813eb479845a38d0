//! The arguments of the `puppetserver ca`-style subcommands, one struct per subcommand plus the
//! pieces several share (`--certname`, NAME..., `--ttl`).
//!
//! Each struct is both the subcommand's clap definition (its flags, help and value names) and
//! the payload of its [`Action`](super::Action) variant; the Puppet 3 flags build the same
//! structs. Values are kept as given: names, durations and digests are checked by the library
//! when the command runs. `export` and `agent` have files of their own, and so do the key
//! options (`keys.rs`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum, ValueHint};

use super::keys::KeyChoice;

/// Digest used by `fingerprint` when `--digest` is not given.
pub(crate) const DEFAULT_DIGEST: &str = "sha256";

/// Names given with `--certname`, at least one (`clean`, `generate`, `revoke`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct Certnames {
    /// Certificate names (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',', required = true)]
    pub(crate) certname: Vec<String>,
}

/// Names given as arguments, at least one (`fingerprint`, `print`, `verify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct Names {
    /// Certificate names
    #[arg(value_name = "NAME", required = true)]
    pub(crate) names: Vec<String>,
}

/// `--ttl`, shared by `generate`, `setup` and `sign`; kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct TtlArg {
    /// Validity period [default: the `ca_ttl` setting]
    ///
    /// Puppet duration syntax: a number with an optional unit, `y`, `d`, `h`, `m` or `s`, as in
    /// `5y`, `30d`, `12h` or `3600` (seconds).
    #[arg(long, value_name = "DURATION")]
    pub(crate) ttl: Option<String>,
}

/// `cert autosign check NAME [--csr FILE]`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct AutosignCheckArgs {
    /// Certificate name the request is for
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// Request to judge [default: the stored request of NAME]
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub(crate) csr: Option<PathBuf>,
}

/// `cert check [--expiring [DURATION]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct CheckArgs {
    /// Instead, list what expires within DURATION: CA certificates, CRLs, hosts' certificates
    ///
    /// One line per finding (`--format json`: an array), exit status 1 when there is any: a
    /// monitoring check. Without a value, 30d. Expired ones are listed too; revoked
    /// certificates are not.
    #[arg(
        long,
        value_name = "DURATION",
        num_args = 0..=1,
        default_missing_value = DEFAULT_EXPIRING
    )]
    pub(crate) expiring: Option<String>,
}

/// The window of `check --expiring` without a value.
pub(crate) const DEFAULT_EXPIRING: &str = "30d";

/// `cert completions SHELL`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct CompletionsArgs {
    /// Shell to write the script for
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

/// Shell for which `cert completions` writes a completion script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// GNU Bash
    Bash,
    /// Elvish
    Elvish,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
    /// Z shell
    Zsh,
}

/// `cert delete --expired | --revoked | --certname NAME... | --all`, and `cert --delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[group(id = "delete_targets", required = true, multiple = true)]
pub(crate) struct DeleteArgs {
    /// Delete signed certificates that have expired
    #[arg(long)]
    pub(crate) expired: bool,

    /// Delete signed certificates that are revoked
    #[arg(long)]
    pub(crate) revoked: bool,

    /// Delete the signed certificates of these names (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) certname: Vec<String>,

    /// Delete every signed certificate
    #[arg(long, conflicts_with_all = ["expired", "revoked", "certname"])]
    pub(crate) all: bool,
}

/// `cert enable --infracrl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct EnableArgs {
    /// Create the files of the infrastructure-only CRL
    #[arg(long, required = true)]
    pub(crate) infracrl: bool,
}

/// `cert extend-ca [--ttl DURATION] [--keep-serials]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct ExtendCaArgs {
    #[command(flatten)]
    pub(crate) ttl: TtlArg,

    /// Keep every CA certificate's serial, as puppetlabs-ca_extend does
    ///
    /// By default a CA certificate keeps its serial only when a certificate it issued names it
    /// by serial in its authority key identifier (puppetserver's do; OpenSSL then wants that
    /// serial), and gets a new one otherwise. Only the certificates the CA directory holds are
    /// looked at: for an imported CA whose earlier certificates are elsewhere, keep them all.
    #[arg(long)]
    pub(crate) keep_serials: bool,
}

/// `cert fingerprint NAME... [--digest DIGEST]`, and `cert --fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct FingerprintArgs {
    #[command(flatten)]
    pub(crate) names: Names,

    /// Digest to use
    ///
    /// Any digest name the library knows, such as sha1, sha256, sha384 or sha512.
    #[arg(long, value_name = "DIGEST", default_value = DEFAULT_DIGEST)]
    pub(crate) digest: String,
}

/// `cert generate --certname NAME...`, and `cert --generate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct GenerateArgs {
    #[command(flatten)]
    pub(crate) certnames: Certnames,

    /// Subject alternative names for every new certificate
    ///
    /// Comma-separated and repeatable. A name may carry a `DNS:` or `IP:` prefix.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) subject_alt_names: Vec<String>,

    #[command(flatten)]
    pub(crate) ttl: TtlArg,

    #[command(flatten)]
    pub(crate) key: KeyChoice,

    /// Replace existing keys and certificates of these names
    #[arg(long)]
    pub(crate) force: bool,
}

/// `cert import`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct ImportArgs {
    /// PEM file with the CA's private key
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub(crate) private_key: PathBuf,

    /// PEM file with the CA certificate first, then the certificates above it
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub(crate) cert_bundle: PathBuf,

    /// PEM file with the CA's CRL first, then the CRLs of the CAs above it
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub(crate) crl_chain: PathBuf,

    /// Name for the CA server's own certificate [default: the `certname` setting]
    #[arg(long, value_name = "NAME")]
    pub(crate) certname: Option<String>,
}

/// `cert list [--all] [--certname NAME...]`, and `cert --list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct ListArgs {
    /// Include signed and revoked certificates
    #[arg(long)]
    pub(crate) all: bool,

    /// Only these names (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) certname: Vec<String>,

    /// Only certificates that expire within DURATION (expired ones too), such as 30d
    #[arg(long, value_name = "DURATION")]
    pub(crate) expiring: Option<String>,
}

/// `cert man DIR`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct ManArgs {
    /// Directory to write the pages into; it must exist
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub(crate) dir: PathBuf,
}

/// `cert migrate SOURCE DEST`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct MigrateArgs {
    /// The CA to copy: a CA directory or a postgresql:// URL
    #[arg(value_name = "SOURCE", value_hint = ValueHint::AnyPath)]
    pub(crate) source: String,

    /// Where to copy it: a CA directory (made when absent) or a postgresql:// URL, holding no CA
    #[arg(value_name = "DEST", value_hint = ValueHint::AnyPath)]
    pub(crate) dest: String,
}

/// `cert prune [--remove-duplicates] [--remove-expired] [--remove-entries --serial S... |
/// --certname NAME...]`, and `cert --prune`: puppetserver-ca 2.5's flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct PruneArgs {
    /// Remove entries listed more than once (the default with no other flag)
    #[arg(long)]
    pub(crate) remove_duplicates: bool,

    /// Remove the entries of certificates that have expired
    #[arg(long)]
    pub(crate) remove_expired: bool,

    /// Remove the entries given by --serial and --certname
    #[arg(long)]
    pub(crate) remove_entries: bool,

    /// With --remove-entries, serials to remove, hex (comma-separated, repeatable)
    #[arg(long, value_name = "SERIAL", value_delimiter = ',')]
    pub(crate) serial: Vec<String>,

    /// With --remove-entries, names whose certificates' entries to remove (comma-separated,
    /// repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) certname: Vec<String>,
}

/// `cert serve`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8140")]
    pub(crate) bind: SocketAddr,

    /// Also serve /metrics in plain HTTP on this address and port, for a scraper
    ///
    /// Only GET /metrics is served there (Prometheus' text format); the TLS listener serves
    /// it to admin clients whether or not this is given. Bind it to an address only the
    /// scraper reaches, such as 127.0.0.1:9140.
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics_bind: Option<SocketAddr>,

    /// Serve the web console over TLS on this address and port [default: the `console_bind`
    /// setting; none]
    ///
    /// Off unless given here or as `console_bind` in puppet.conf's [server]: its own listener
    /// with this host's certificate, never the agents' port. Bind it to an address only
    /// administrators reach, such as 127.0.0.1:8141 behind an SSH tunnel or a proxy. Sign in
    /// with the link `cert console login` prints, or with an admin's client certificate.
    #[arg(long, value_name = "ADDR")]
    pub(crate) console_bind: Option<SocketAddr>,

    /// Format of the log lines on stderr
    ///
    /// `text`: one line per request, `REMOTE CN "METHOD PATH" STATUS MSms`. `json`: every
    /// line one JSON object; a request's has the fields remote, client (absent without a
    /// client certificate), method, path, status and duration_ms.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub(crate) log_format: LogFormatArg,

    /// Believe the client headers of TLS-terminating balancers at these addresses
    ///
    /// puppetserver's allow-header-cert-info, off by default. From these addresses only, a
    /// request's client is the URL-encoded PEM certificate in X-Client-Cert (checked against
    /// the CA and its CRL), else the CN of X-Client-DN when X-Client-Verify is SUCCESS (an
    /// admin then only through --admin); without them, no client. From any other address
    /// the headers are ignored. Comma-separated, repeatable.
    #[arg(long, value_name = "ADDR", value_delimiter = ',')]
    pub(crate) allow_header_cert_info: Vec<std::net::IpAddr>,
}

/// `cert serve --log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormatArg {
    /// One JSON object per line
    Json,
    /// Plain text lines
    Text,
}

/// `cert setup`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct SetupArgs {
    /// Name for the CA server's own certificate [default: the `certname` setting]
    #[arg(long, value_name = "NAME")]
    pub(crate) certname: Option<String>,

    /// Subject alternative names for the CA server's certificate
    ///
    /// Comma-separated and repeatable. A name may carry a `DNS:` or `IP:` prefix.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) subject_alt_names: Vec<String>,

    /// Common name of the CA certificate [default: the `ca_name` setting]
    #[arg(long, value_name = "NAME")]
    pub(crate) ca_name: Option<String>,

    /// Common name of the root CA certificate [default: Puppet Root CA: <14 random hex digits>]
    #[arg(long, value_name = "NAME")]
    pub(crate) root_ca_name: Option<String>,

    #[command(flatten)]
    pub(crate) ttl: TtlArg,

    #[command(flatten)]
    pub(crate) key: KeyChoice,
}

/// `cert sign --certname NAME... | --all`, and `cert --sign`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    pub(crate) targets: SignTargets,

    #[command(flatten)]
    pub(crate) ttl: TtlArg,

    /// Allow requests that carry subject alternative names
    #[arg(long, alias = "allow-dns-alt-names")]
    pub(crate) allow_subject_alt_names: bool,
}

/// What `sign` signs: the requests of some names, or all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[group(id = "targets", required = true, multiple = false)]
pub(crate) struct SignTargets {
    /// Certificate names to sign (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) certname: Vec<String>,

    /// Sign every pending request
    #[arg(long)]
    pub(crate) all: bool,
}

/// `cert revoke --certname NAME... [--reason REASON]`, and `cert --revoke`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    pub(crate) certnames: Certnames,

    /// Why, as the CRL entries say (RFC 5280's reason codes)
    #[arg(
        long,
        value_enum,
        value_name = "REASON",
        default_value = "key-compromise"
    )]
    pub(crate) reason: RevokeReason,
}

/// A reason `cert revoke` records; the web console offers the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum RevokeReason {
    /// affiliationChanged: the host's name or role changed
    AffiliationChanged,
    /// cessationOfOperation: the host is gone
    CessationOfOperation,
    /// keyCompromise: the key may be known to others (puppetserver's reason for every revocation)
    #[default]
    KeyCompromise,
    /// privilegeWithdrawn: the host may no longer hold it
    PrivilegeWithdrawn,
    /// superseded: a new certificate replaces it
    Superseded,
    /// unspecified
    Unspecified,
}

/// `cert console login [--ttl DURATION] [--url URL]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct ConsoleLoginArgs {
    /// How long the link works: once, within this time [default: 5m; at most 24h]
    #[arg(long, value_name = "DURATION")]
    pub(crate) ttl: Option<String>,

    /// The console's address as the browser reaches it [default: https:// and the
    /// `console_bind` setting, else https://127.0.0.1:8141]
    ///
    /// Where an SSH tunnel or a proxy puts the console elsewhere, give that address, such as
    /// https://localhost:9141.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
}

/// `cert token create GLOB [--ttl DURATION] [--uses N] [--comment TEXT]`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct TokenCreateArgs {
    /// Certnames the token grants: `*`, one certname, `*.DOMAIN` or `PREFIX*.DOMAIN`
    ///
    /// autosign.conf's syntax, matched as it reads: `*.example.com` matches `a.example.com` and
    /// `a.b.example.com` but not `example.com`; `web*.example.com` matches `web1.example.com`,
    /// never `db1.example.com`. Quote it from the shell.
    #[arg(value_name = "GLOB")]
    pub(crate) glob: String,

    /// How long the token grants anything [default: 1h; at most 366d]
    #[arg(long, value_name = "DURATION")]
    pub(crate) ttl: Option<String>,

    /// How many certificates it may get [default: 1]
    #[arg(long, value_name = "N")]
    pub(crate) uses: Option<u64>,

    /// Why it was made, shown by `cert token list` and in `cert log`
    #[arg(long, value_name = "TEXT")]
    pub(crate) comment: Option<String>,
}

/// `cert token revoke ID`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct TokenRevokeArgs {
    /// The token's id, as `cert token list` shows it
    #[arg(value_name = "ID")]
    pub(crate) id: String,
}

/// `cert submit FILE...`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct SubmitArgs {
    /// PEM files holding one request each
    #[arg(value_name = "FILE", required = true, value_hint = ValueHint::FilePath)]
    pub(crate) files: Vec<PathBuf>,
}
