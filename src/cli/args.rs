//! Command-line definition of `cert` and its translation into one typed [`Action`].
//!
//! Owns every flag, subcommand and help text (the man page and shell completions are generated
//! from [`Cli::command`]), and the usage rules that can be checked without reading any file:
//! exactly one action, names where an action needs them, no mixing of the two dialects.
//! It does not check certificate names, durations or digests, nor read settings: those are the
//! library's job, so names and durations are kept exactly as given.
//!
//! Two dialects reach the same [`Action`]:
//! - Puppet 3 `puppet cert` flags at the top level: `cert --sign NAME...`, `cert --list --all`.
//! - `puppetserver ca` subcommands: `cert sign --certname NAME,NAME`, `cert list --all`.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum, ValueHint};

/// RSA key size, in bits, used when `--key-type rsa` is given without `--keylength`.
///
/// It is Puppet's default `keylength`.
pub const DEFAULT_RSA_BITS: u32 = 4096;

/// Digest used by `fingerprint` when `--digest` is not given.
pub const DEFAULT_DIGEST: &str = "sha256";

const ABOUT: &str =
    "Puppet-compatible certificate authority: set up a CA, sign, revoke and inspect certificates";

const LONG_ABOUT: &str = "\
Puppet-compatible certificate authority: set up or import a CA, sign, revoke and clean agent \
certificates, and inspect requests and certificates.

cert speaks two dialects that do the same things.

Puppet 3 `puppet cert` style, with exactly one action flag at the top level:

    cert --list --all
    cert --sign web01.example.com db01.example.com
    cert --generate web02.example.com --dns_alt_names puppet,puppet.example.com

`puppetserver ca` style, with one subcommand:

    cert list --all
    cert sign --certname web01.example.com,db01.example.com
    cert generate --certname web02.example.com --subject-alt-names puppet,puppet.example.com

In the Puppet 3 dialect, a certificate name that is also a subcommand name goes after `--`: \
`cert --clean -- list`.";

const AFTER_HELP: &str = "\
See the cert(1) manual page for every command, option and exit status; `cert man DIR` writes it. \
Run `cert help COMMAND` for the options of one command.";

const USAGE: &str = "\
cert [OPTIONS] <COMMAND>
       cert [OPTIONS] --<list|sign|revoke|clean|generate|print|fingerprint|verify> [NAME]...";

const NO_ACTION: &str = "\
no action given: use one Puppet 3 action flag or one subcommand

  Puppet 3 style:         cert --list --all
                          cert --sign NAME...
  puppetserver ca style:  cert list --all
                          cert sign --certname NAME[,NAME...]";

/// The whole command line of `cert`: global options, Puppet 3 action flags and subcommands.
///
/// Use [`parse`] to turn arguments into an [`Invocation`]; `Cli::command()` (from
/// [`clap::CommandFactory`]) gives the definition that the man page and completions are made from.
#[derive(Debug, Parser)]
#[command(
    name = "cert",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    bin_name = "cert",
    override_usage = USAGE,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    puppet_actions: PuppetActions,

    #[command(flatten)]
    puppet_options: PuppetOptions,

    /// Certificate names for a Puppet 3 action flag
    ///
    /// Names are used as given. A name that is also a subcommand name (such as `list`) must come
    /// after `--`.
    #[arg(value_name = "NAME", help_heading = "Puppet 3 options")]
    names: Vec<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Options accepted before or after any subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Global {
    /// Directory holding Puppet's SSL files, overriding the `ssldir` setting.
    pub ssldir: Option<PathBuf>,
    /// Directory holding the CA's files, overriding the `cadir` setting.
    pub cadir: Option<PathBuf>,
    /// The puppet.conf to read settings from.
    pub config: Option<PathBuf>,
    /// Output format; `None` leaves the choice to the render layer.
    pub format: Option<Format>,
    /// Whether to skip confirmation prompts.
    pub yes: bool,
    /// Whether to report more detail on what is done.
    pub verbose: bool,
    /// The `autosign` setting (`true`, `false` or a path), overriding puppet.conf.
    pub autosign: Option<String>,
}

/// Output format asked for with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document, for scripts
    Json,
    /// The text `puppet cert` and `puppetserver ca` print, for tools that read it
    Puppet,
    /// Text for people
    Text,
}

/// `--format` as typed: [`Format`] plus `pkcs12`, which only `export` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// One JSON document, for scripts
    Json,
    /// With export: add a PKCS#12 file (for Java and Windows consumers)
    Pkcs12,
    /// The text `puppet cert` and `puppetserver ca` print, for tools that read it
    Puppet,
    /// Text for people
    Text,
}

/// What the target of `cert export` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportRole {
    /// A Puppet agent: certificate, key, CA and `crl.pem`
    Agent,
    /// A TLS-terminating balancer before the masters: as an agent, plus server config
    Balancer,
    /// A compile master without the CA: `crl.pem` and `ca/ca_crl.pem`, plus server config
    Master,
}

/// TLS server for which `cert export --server` writes a config fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportServer {
    /// Apache httpd 2.4: a <VirtualHost> with its Listen line
    Apache,
    /// HAProxy 2.2+: a frontend/backend pair
    Haproxy,
    /// nginx: a file to include inside http {}
    Nginx,
}

/// What `cert export` bundles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportKind {
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
    },
}

/// Where `cert export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutput {
    /// A new directory.
    Directory(PathBuf),
    /// A new `.tar.gz` file.
    Tar(PathBuf),
}

/// Key pair asked for on the command line; `None` where an [`Action`] holds an
/// `Option<KeyChoice>` means "use the settings' default".
///
/// `--key-type rsa` without `--keylength` means [`DEFAULT_RSA_BITS`]; `--key-type ec` without
/// `--curve` means P-256; `--keylength` alone implies RSA and `--curve` alone implies EC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// Elliptic-curve key on the NIST curve of this size: 256 (P-256) or 384 (P-384).
    Ec {
        /// Curve size in bits: 256 or 384.
        curve_bits: u16,
    },
    /// RSA key of this many bits, 2048 to 16384.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
}

/// Shell for which `cert completions` writes a completion script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
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

/// What one run of `cert` is asked to do, whichever dialect asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Enroll with a Puppet CA and keep the certificate and CRL fresh (`cert agent`).
    Agent(AgentRequest),
    /// Tell whether the autosign policy would sign `name`'s request.
    AutosignCheck {
        /// Certificate name the request is for.
        name: String,
        /// Request file to judge instead of the stored request.
        csr: Option<PathBuf>,
    },
    /// Check the CA directory's invariants and report every problem.
    Check,
    /// Remove every file the CA holds for these names, revoking signed certificates first.
    Clean {
        /// Certificate names.
        names: Vec<String>,
    },
    /// Write a shell completion script to standard output.
    Completions {
        /// Shell to write the script for.
        shell: Shell,
    },
    /// Print the fingerprints of the certificates or requests of these names.
    Fingerprint {
        /// Certificate names.
        names: Vec<String>,
        /// Digest name as given, [`DEFAULT_DIGEST`] when not given.
        digest: String,
    },
    /// Make a key pair and a certificate signed by the CA for each name.
    Generate {
        /// Certificate names.
        names: Vec<String>,
        /// Subject alternative names for every generated certificate.
        alt_names: Vec<String>,
        /// Validity period in Puppet duration syntax, as given.
        ttl: Option<String>,
        /// Key pair to make; `None` follows the settings.
        key: Option<KeyChoice>,
        /// Whether to replace existing files.
        force: bool,
    },
    /// Write a bundle of files for another host.
    Export {
        /// What goes into the bundle.
        kind: ExportKind,
        /// Where it goes.
        output: ExportOutput,
        /// Server config fragment to add.
        server: Option<ExportServer>,
        /// Where the bundle will sit on the target.
        target_ssldir: Option<PathBuf>,
        /// `PORT` or `ADDRESS:PORT` for the fragment, as given.
        listen: Option<String>,
        /// `HOST:PORT` of each master behind the fragment, as given.
        upstreams: Vec<String>,
        /// Whether the fragment re-encrypts to the masters.
        upstream_tls: bool,
        /// Whether to add a PKCS#12 file (`--format pkcs12`).
        pkcs12: bool,
        /// File holding the PKCS#12 passphrase.
        passphrase_file: Option<PathBuf>,
        /// Whether to replace an existing output.
        force: bool,
    },
    /// Install an existing CA from its key, certificate bundle and CRL chain.
    Import {
        /// PEM file with the CA's private key.
        private_key: PathBuf,
        /// PEM file with the CA certificate and the certificates above it.
        cert_bundle: PathBuf,
        /// PEM file with the CA's CRL and the CRLs above it.
        crl_chain: PathBuf,
        /// Name for the CA server's own certificate.
        certname: Option<String>,
    },
    /// List requests (and, with `all`, certificates), or only those of `names`.
    /// Show the audit trail.
    Log,
    List {
        /// Whether to include signed and revoked certificates.
        all: bool,
        /// Certificate names to restrict the list to; empty means no restriction.
        names: Vec<String>,
    },
    /// Write the manual pages into a directory.
    Man {
        /// Directory to write the pages into.
        dir: PathBuf,
    },
    /// Print the certificates or requests of these names in full.
    Print {
        /// Certificate names.
        names: Vec<String>,
    },
    /// Revoke the certificates of these names.
    Revoke {
        /// Certificate names.
        names: Vec<String>,
    },
    /// Create a new CA and the CA server's own certificate.
    Setup {
        /// Name for the CA server's own certificate.
        certname: Option<String>,
        /// Subject alternative names for the CA server's certificate.
        alt_names: Vec<String>,
        /// Common name of the CA certificate.
        ca_name: Option<String>,
        /// Validity period of the CA certificate in Puppet duration syntax, as given.
        ttl: Option<String>,
        /// Key pair to make; `None` follows the settings.
        key: Option<KeyChoice>,
    },
    /// Run the signing daemon (Puppet's CA HTTP API v1 over HTTPS) in the foreground.
    Serve {
        /// Address and port to listen on.
        bind: std::net::SocketAddr,
        /// Client certificate names allowed the admin endpoints without `pp_cli_auth`.
        admins: Vec<String>,
    },
    /// Sign the pending requests of `names`, or every pending request when `all`.
    Sign {
        /// Certificate names; empty when `all`.
        names: Vec<String>,
        /// Whether to sign every pending request.
        all: bool,
        /// Whether requests with subject alternative names may be signed.
        allow_alt_names: bool,
        /// Validity period in Puppet duration syntax, as given.
        ttl: Option<String>,
    },
    /// Queue certificate signing requests read from files.
    Submit {
        /// PEM files holding one request each.
        files: Vec<PathBuf>,
    },
    /// Check the certificates of these names against the CA and its CRL.
    Verify {
        /// Certificate names.
        names: Vec<String>,
    },
}

/// The options of `cert agent`, as given; `None` follows puppet.conf.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentRequest {
    /// CA server as `HOST[:PORT]` when no `ca_server` is given.
    pub server: Option<String>,
    /// CA server as `HOST[:PORT]`.
    pub ca_server: Option<String>,
    /// This host's certificate name.
    pub certname: Option<String>,
    /// Alt names to request.
    pub dns_alt_names: Vec<String>,
    /// Poll interval, Puppet duration syntax.
    pub waitforcert: Option<String>,
    /// Longest wait for the certificate, Puppet duration syntax.
    pub maxwaitforcert: Option<String>,
    /// Run once and exit.
    pub onetime: bool,
    /// Interval of the loop, Puppet duration syntax.
    pub runinterval: Option<String>,
    /// Required SHA-256 fingerprint of the CA certificate.
    pub ca_fingerprint: Option<String>,
    /// Command to run after a change of certificate or CRL.
    pub exec: Option<String>,
}

/// A parsed command line: the options for every command and the one thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Options valid for every command.
    pub global: Global,
    /// The thing to do.
    pub action: Action,
}

/// Parse argv (including argv[0]).
///
/// # Errors
///
/// Returns a clap error for `--help` and `--version` (kinds `DisplayHelp` and `DisplayVersion`,
/// exit code 0) and for every usage error (exit code 2), so they print as clap prints them:
/// `error.exit()`, or `error.print()` and `error.exit_code()`.
pub fn parse<I, T>(argv: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cli = Cli::try_parse_from(argv)?;
    let pkcs12 = cli.global.format == Some(FormatArg::Pkcs12);
    let global = cli.global.clone().into_global();
    let mut action = match cli.command.take() {
        Some(command) => {
            if let Some(flag) = cli.puppet_flag_used() {
                return Err(usage_error(
                    None,
                    ErrorKind::ArgumentConflict,
                    format!(
                        "the Puppet 3 argument '{flag}' cannot be used with the '{}' subcommand\n\
                         hint: use either one action flag or one subcommand; a certificate name \
                         that is also a subcommand name goes after '--'",
                        command.name()
                    ),
                ));
            }
            command.into_action()?
        }
        None => cli.puppet_action()?,
    };
    if pkcs12 {
        match &mut action {
            Action::Export {
                kind: ExportKind::Host { .. },
                pkcs12,
                ..
            } => *pkcs12 = true,
            _ => {
                return Err(usage_error(
                    None,
                    ErrorKind::InvalidValue,
                    "'--format pkcs12' is only for 'export NAME'",
                ))
            }
        }
    }
    Ok(Invocation { global, action })
}

/// Builds a usage error formatted with the usage of `subcommand`, or of `cert` when `None`.
fn usage_error(subcommand: Option<&str>, kind: ErrorKind, message: impl Display) -> clap::Error {
    let mut command = Cli::command();
    // Building first gives subcommands their full bin name, so usage reads `cert sign ...`.
    command.build();
    if let Some(sub) = subcommand.and_then(|name| command.find_subcommand_mut(name)) {
        return sub.error(kind, message);
    }
    command.error(kind, message)
}

/// Options valid before and after any subcommand.
///
/// Environment values are hidden from help so that generated man pages do not depend on the
/// environment of the machine that made them.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
struct GlobalArgs {
    /// Directory of Puppet's SSL files [default: the `ssldir` setting]
    ///
    /// Overrides `ssldir` from puppet.conf.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath, env = "CERT_SSLDIR", hide_env_values = true)]
    ssldir: Option<PathBuf>,

    /// Directory of the CA's files [default: the `cadir` setting]
    ///
    /// Overrides `cadir` from puppet.conf.
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath, env = "CERT_CADIR", hide_env_values = true)]
    cadir: Option<PathBuf>,

    /// puppet.conf to read settings from [default: Puppet's usual location]
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath, env = "CERT_CONFIG", hide_env_values = true)]
    config: Option<PathBuf>,

    /// Output format [default: the command's own text]
    ///
    /// `pkcs12` is for `export` only: it adds a PKCS#12 file of the key, certificate and CA
    /// chain to the bundle, encrypted with the passphrase of --passphrase-file.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,

    /// Answer yes to every confirmation prompt
    ///
    /// Needed to revoke, clean or overwrite without a terminal to ask on.
    #[arg(short, long, global = true)]
    yes: bool,

    /// Report more detail on what is done
    #[arg(short, long, global = true)]
    verbose: bool,

    /// Autosign setting: true, false, or the path of an autosign.conf or policy program
    ///
    /// Overrides `autosign` from puppet.conf for `cert submit`, `cert autosign check`, and the
    /// autosign column of `--list` and `--sign --all`. An executable file is a policy program
    /// (run with the certname as its argument and the CSR on stdin, for at most
    /// `autosign_timeout`, default 10s); any other path is an autosign.conf.
    #[arg(long, global = true, value_name = "true|false|PATH", value_hint = ValueHint::AnyPath)]
    autosign: Option<String>,
}

impl GlobalArgs {
    fn into_global(self) -> Global {
        Global {
            ssldir: self.ssldir,
            cadir: self.cadir,
            config: self.config,
            format: match self.format {
                Some(FormatArg::Json) => Some(Format::Json),
                Some(FormatArg::Puppet) => Some(Format::Puppet),
                Some(FormatArg::Text) => Some(Format::Text),
                Some(FormatArg::Pkcs12) | None => None,
            },
            yes: self.yes,
            verbose: self.verbose,
            autosign: self.autosign,
        }
    }
}

/// Puppet 3 action flags; the group lets at most one of them through.
#[derive(Debug, Args)]
#[group(id = "puppet_action", multiple = false)]
#[command(next_help_heading = "Puppet 3 actions (one at most)")]
struct PuppetActions {
    /// Remove everything the CA holds for NAME..., revoking signed certificates
    #[arg(long)]
    clean: bool,

    /// Print the fingerprints of the certificates or requests of NAME...
    #[arg(long)]
    fingerprint: bool,

    /// Make keys and CA-signed certificates for NAME...
    #[arg(long)]
    generate: bool,

    /// List pending requests; with --all, certificates too; with NAME..., only those
    #[arg(long)]
    list: bool,

    /// Print the certificates or requests of NAME... in full
    #[arg(long)]
    print: bool,

    /// Revoke the certificates of NAME...
    #[arg(long)]
    revoke: bool,

    /// Sign the pending requests of NAME..., or every one with --all
    #[arg(long)]
    sign: bool,

    /// Check the certificates of NAME... against the CA and its CRL
    #[arg(long)]
    verify: bool,
}

/// Options of the Puppet 3 action flags; each conflicts with the actions it does not apply to.
///
/// Conflicts rather than `requires`, because a `SetTrue` flag counts as present through its
/// `false` default and would satisfy any `requires`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Puppet 3 options")]
struct PuppetOptions {
    /// With --list, include signed and revoked certificates; with --sign, sign every request
    #[arg(long, conflicts_with_all = ["clean", "fingerprint", "generate", "print", "revoke", "verify"])]
    all: bool,

    /// With --sign, allow requests that carry subject alternative names
    #[arg(
        long,
        conflicts_with_all = ["clean", "fingerprint", "generate", "list", "print", "revoke", "verify"]
    )]
    allow_dns_alt_names: bool,

    /// With --generate, subject alternative names for the new certificates
    ///
    /// Comma-separated, repeatable: `--dns_alt_names a,b` equals
    /// `--dns_alt_names a --dns_alt_names b`.
    #[arg(
        long = "dns_alt_names",
        visible_alias = "dns-alt-names",
        value_name = "NAME",
        value_delimiter = ',',
        conflicts_with_all = ["clean", "fingerprint", "list", "print", "revoke", "sign", "verify"]
    )]
    dns_alt_names: Vec<String>,

    /// With --fingerprint, the digest to use [default: sha256]
    ///
    /// Any digest name the library knows, such as sha1, sha256, sha384 or sha512.
    #[arg(
        long,
        value_name = "DIGEST",
        conflicts_with_all = ["clean", "generate", "list", "print", "revoke", "sign", "verify"]
    )]
    digest: Option<String>,
}

impl Cli {
    /// Returns the first Puppet 3 argument given, spelled as on the command line.
    fn puppet_flag_used(&self) -> Option<&'static str> {
        let actions = &self.puppet_actions;
        let options = &self.puppet_options;
        [
            (actions.clean, "--clean"),
            (actions.fingerprint, "--fingerprint"),
            (actions.generate, "--generate"),
            (actions.list, "--list"),
            (actions.print, "--print"),
            (actions.revoke, "--revoke"),
            (actions.sign, "--sign"),
            (actions.verify, "--verify"),
            (options.all, "--all"),
            (options.allow_dns_alt_names, "--allow-dns-alt-names"),
            (!options.dns_alt_names.is_empty(), "--dns_alt_names"),
            (options.digest.is_some(), "--digest"),
            (!self.names.is_empty(), "NAME"),
        ]
        .into_iter()
        .find_map(|(used, flag)| used.then_some(flag))
    }

    /// Turns the Puppet 3 flags into an action; called only when no subcommand was given.
    fn puppet_action(self) -> Result<Action, clap::Error> {
        let actions = self.puppet_actions;
        let options = self.puppet_options;
        let names = self.names;
        let action = if actions.list {
            Action::List {
                all: options.all,
                names,
            }
        } else if actions.sign {
            if options.all && !names.is_empty() {
                return Err(usage_error(
                    None,
                    ErrorKind::ArgumentConflict,
                    "'--sign --all' signs every request and cannot also be given names",
                ));
            }
            if !options.all && names.is_empty() {
                return Err(usage_error(
                    None,
                    ErrorKind::MissingRequiredArgument,
                    "'--sign' needs certificate names or '--all'",
                ));
            }
            Action::Sign {
                names,
                all: options.all,
                allow_alt_names: options.allow_dns_alt_names,
                ttl: None,
            }
        } else {
            let (flag, action) = if actions.clean {
                ("--clean", Action::Clean { names })
            } else if actions.fingerprint {
                let digest = options.digest.unwrap_or_else(|| DEFAULT_DIGEST.to_owned());
                ("--fingerprint", Action::Fingerprint { names, digest })
            } else if actions.generate {
                let generate = Action::Generate {
                    names,
                    alt_names: options.dns_alt_names,
                    ttl: None,
                    key: None,
                    force: false,
                };
                ("--generate", generate)
            } else if actions.print {
                ("--print", Action::Print { names })
            } else if actions.revoke {
                ("--revoke", Action::Revoke { names })
            } else if actions.verify {
                ("--verify", Action::Verify { names })
            } else {
                return Err(no_action(&names));
            };
            if action_names(&action).is_empty() {
                return Err(usage_error(
                    None,
                    ErrorKind::MissingRequiredArgument,
                    format!("'{flag}' needs at least one certificate name"),
                ));
            }
            action
        };
        Ok(action)
    }
}

/// The error for a command line with neither an action flag nor a subcommand.
fn no_action(names: &[String]) -> clap::Error {
    match names.first() {
        Some(first) => usage_error(
            None,
            ErrorKind::InvalidSubcommand,
            format!(
                "'{first}' is not a subcommand, and no Puppet 3 action flag was given\n\
                 hint: to act on '{first}', add an action flag, as in 'cert --sign {first}'"
            ),
        ),
        None => usage_error(None, ErrorKind::MissingSubcommand, NO_ACTION),
    }
}

/// The names of a name-taking Puppet 3 action; empty for the others.
fn action_names(action: &Action) -> &[String] {
    match action {
        Action::Clean { names }
        | Action::Fingerprint { names, .. }
        | Action::Generate { names, .. }
        | Action::Print { names }
        | Action::Revoke { names }
        | Action::Verify { names } => names,
        _ => &[],
    }
}

/// `puppetserver ca` subcommands and cert's own.
///
/// A later command (`serve`, `agent`, `export`) is a new variant with its own `Args` struct and
/// an arm in [`Command::into_action`] that makes a new [`Action`] variant.
#[derive(Debug, Subcommand)]
enum Command {
    /// Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh
    ///
    /// Fetches and pins the CA certificate (first contact: its SHA-256 fingerprint is printed;
    /// --ca-fingerprint requires one), fetches the CRL, makes or reuses the key, submits a CSR
    /// and waits for the certificate, then writes the ssldir as Puppet does. Without --onetime
    /// it stays in the foreground: every runinterval it refreshes the CRL and renews the
    /// certificate within 30 days of expiry, running --exec after any change.
    Agent(AgentArgs),

    /// Work with the autosign policy
    #[command(subcommand_required = true)]
    Autosign {
        #[command(subcommand)]
        command: AutosignCommand,
    },

    /// Check the CA directory: every file parses, serials, inventory, CRL chain, temp files
    ///
    /// Reads everything under the CA's lock and changes nothing. Checks that every file parses,
    /// that `serial` is above every issued serial, that every certificate in `signed/` has its
    /// inventory line and no serial is used twice, that the CRL chain is signed by the CA chain,
    /// and that no temp file of an interrupted write is left. Prints one line per problem and
    /// exits 1 when there is any.
    Check,

    /// Remove everything the CA holds for the given names, revoking signed certificates
    Clean {
        #[command(flatten)]
        certnames: RequiredCertnames,
    },

    /// Write a shell completion script to standard output
    ///
    /// For example, for bash: `cert completions bash > /etc/bash_completion.d/cert`.
    Completions {
        /// Shell to write the script for
        #[arg(value_enum)]
        shell: Shell,
    },

    /// Print the fingerprints of the certificates or requests of NAME...
    Fingerprint {
        /// Certificate names
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,

        /// Digest to use
        ///
        /// Any digest name the library knows, such as sha1, sha256, sha384 or sha512.
        #[arg(long, value_name = "DIGEST", default_value = DEFAULT_DIGEST)]
        digest: String,
    },

    /// Make keys and CA-signed certificates for the given names
    Generate {
        #[command(flatten)]
        certnames: RequiredCertnames,

        /// Subject alternative names for every new certificate
        ///
        /// Comma-separated and repeatable. A name may carry a `DNS:` or `IP:` prefix.
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        subject_alt_names: Vec<String>,

        #[command(flatten)]
        ttl: TtlArg,

        #[command(flatten)]
        key: KeyArgs,

        /// Replace existing keys and certificates of these names
        #[arg(long)]
        force: bool,
    },

    /// Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle
    ///
    /// The bundle is a tree laid out as the target's ssldir (certs/NAME.pem, certs/ca.pem,
    /// private_keys/NAME.pem, crl.pem and, for a master, ca/ca_crl.pem), with a README saying
    /// what goes where and a MANIFEST of SHA-256 checksums (`sha256sum -c MANIFEST`). It never
    /// holds the CA key, except with --ca-standby. Nothing is written unless all of it is.
    Export(ExportArgs),

    /// Install an existing CA from its key, certificate bundle and CRL chain
    Import {
        /// PEM file with the CA's private key
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        private_key: PathBuf,

        /// PEM file with the CA certificate first, then the certificates above it
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        cert_bundle: PathBuf,

        /// PEM file with the CA's CRL first, then the CRLs of the CAs above it
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        crl_chain: PathBuf,

        /// Name for the CA server's own certificate [default: the `certname` setting]
        #[arg(long, value_name = "NAME")]
        certname: Option<String>,
    },

    /// Show the audit trail: every sign, revoke, clean and generate, who did it and why
    ///
    /// One line per decision, oldest first, from `audit.log` in the CA directory; with
    /// `--format json`, the JSON lines as stored.
    Log,

    /// List pending requests; with --all, certificates too
    List {
        /// Include signed and revoked certificates
        #[arg(long)]
        all: bool,

        /// Only these names (comma-separated, repeatable)
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        certname: Vec<String>,
    },

    /// Write the manual pages into DIR
    Man {
        /// Directory to write the pages into; it must exist
        #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },

    /// Print the certificates or requests of NAME... in full
    Print {
        /// Certificate names
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
    },

    /// Revoke the certificates of the given names
    Revoke {
        #[command(flatten)]
        certnames: RequiredCertnames,
    },

    /// Create a new CA and the CA server's own certificate
    Setup {
        /// Name for the CA server's own certificate [default: the `certname` setting]
        #[arg(long, value_name = "NAME")]
        certname: Option<String>,

        /// Subject alternative names for the CA server's certificate
        ///
        /// Comma-separated and repeatable. A name may carry a `DNS:` or `IP:` prefix.
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        subject_alt_names: Vec<String>,

        /// Common name of the CA certificate [default: the `ca_name` setting]
        #[arg(long, value_name = "NAME")]
        ca_name: Option<String>,

        #[command(flatten)]
        ttl: TtlArg,

        #[command(flatten)]
        key: KeyArgs,
    },

    /// Run the signing daemon: Puppet's CA HTTP API v1 over HTTPS, in the foreground
    ///
    /// Serves the CA in --cadir to Puppet agents and tools (`puppet ssl bootstrap`,
    /// `puppetserver ca`) on --bind. On first start it issues this host's certificate (the
    /// `certname` setting, with `dns_alt_names`) into the ssldir. Client certificates are
    /// optional and checked against the CA and its CRL. One line per request goes to standard
    /// error. SIGHUP reloads the settings and the CRL; SIGTERM and SIGINT stop after the requests
    /// in flight.
    Serve {
        /// Address and port to listen on
        #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8140")]
        bind: std::net::SocketAddr,

        /// Client certificate names allowed the admin endpoints without pp_cli_auth
        ///
        /// Comma-separated and repeatable. Certificates carrying the pp_cli_auth extension (as
        /// `cert setup` makes for this host) are always allowed.
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        admin: Vec<String>,
    },

    /// Sign the pending requests of the given names, or every one with --all
    Sign {
        #[command(flatten)]
        targets: SignTargets,

        #[command(flatten)]
        ttl: TtlArg,

        /// Allow requests that carry subject alternative names
        #[arg(long, alias = "allow-dns-alt-names")]
        allow_subject_alt_names: bool,
    },

    /// Queue certificate signing requests read from PEM files
    Submit {
        /// PEM files holding one request each
        #[arg(value_name = "FILE", required = true, value_hint = ValueHint::FilePath)]
        files: Vec<PathBuf>,
    },

    /// Check the certificates of NAME... against the CA and its CRL
    Verify {
        /// Certificate names
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
    },
}

#[derive(Debug, Args)]
struct ExportArgs {
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

    /// Add a config fragment for this TLS server
    #[arg(long, value_enum, value_name = "SERVER")]
    server: Option<ExportServer>,

    /// Where the bundle will sit on the target [default: /etc/puppetlabs/puppet/ssl]
    ///
    /// Every path in the README and the server config is under it, so `--out X
    /// --target-ssldir X` makes a config that runs in place.
    #[arg(long, value_name = "PATH", value_hint = ValueHint::DirPath)]
    target_ssldir: Option<PathBuf>,

    /// Port, or ADDRESS:PORT, the server config listens on [default: 8140]
    #[arg(long, value_name = "[ADDRESS:]PORT")]
    listen: Option<String>,

    /// The masters behind the server config (comma-separated, repeatable)
    ///
    /// Plain HTTP to them unless --upstream-tls; they must trust the X-Client-* headers only
    /// from this host.
    #[arg(long, value_name = "HOST:PORT", value_delimiter = ',')]
    upstream: Vec<String>,

    /// Re-encrypt to the masters, with this host's certificate as client certificate
    #[arg(long)]
    upstream_tls: bool,

    /// File whose first line is the passphrase for --format pkcs12
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    passphrase_file: Option<PathBuf>,

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

impl ExportArgs {
    fn into_action(self) -> Result<Action, clap::Error> {
        let fail = |kind, message: &str| usage_error(Some("export"), kind, message);
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
                Some(role) => ExportKind::Host { name, role },
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
        let fragment_options =
            self.listen.is_some() || !self.upstream.is_empty() || self.upstream_tls;
        if self.server.is_none() && fragment_options {
            return Err(fail(
                ErrorKind::MissingRequiredArgument,
                "'--listen', '--upstream' and '--upstream-tls' need '--server nginx|haproxy|apache'",
            ));
        }
        let host = matches!(kind, ExportKind::Host { .. });
        if !host && (self.server.is_some() || self.passphrase_file.is_some()) {
            return Err(fail(
                ErrorKind::ArgumentConflict,
                "'--server' and '--passphrase-file' are for 'export NAME' only",
            ));
        }
        if self.server.is_some() && self.upstream.is_empty() {
            return Err(fail(
                ErrorKind::MissingRequiredArgument,
                "'--server' needs the masters behind it: '--upstream HOST:PORT[,HOST:PORT...]'",
            ));
        }
        Ok(Action::Export {
            kind,
            output,
            server: self.server,
            target_ssldir: self.target_ssldir,
            listen: self.listen,
            upstreams: self.upstream,
            upstream_tls: self.upstream_tls,
            pkcs12: false,
            passphrase_file: self.passphrase_file,
            force: self.force,
        })
    }
}

#[derive(Debug, Args)]
struct AgentArgs {
    /// CA server as HOST[:PORT] [default: the `ca_server`, then `server` setting]
    #[arg(long, value_name = "HOST[:PORT]")]
    server: Option<String>,

    /// CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]
    #[arg(
        long = "ca_server",
        visible_alias = "ca-server",
        value_name = "HOST[:PORT]"
    )]
    ca_server: Option<String>,

    /// This host's certificate name [default: the `certname` setting]
    #[arg(long, value_name = "NAME")]
    certname: Option<String>,

    /// Alt names to request, comma-separated [default: the `dns_alt_names` setting]
    #[arg(
        long = "dns_alt_names",
        visible_alias = "dns-alt-names",
        value_name = "NAME",
        value_delimiter = ','
    )]
    dns_alt_names: Vec<String>,

    /// Seconds between checks for the certificate; 0 exits at once [default: `waitforcert`, 2m]
    #[arg(long, value_name = "DURATION")]
    waitforcert: Option<String>,

    /// Give up waiting for the certificate after this long [default: wait for ever]
    #[arg(long, value_name = "DURATION")]
    maxwaitforcert: Option<String>,

    /// Enroll or check once, then exit
    #[arg(long, short = 'o', conflicts_with = "runinterval")]
    onetime: bool,

    /// Time between runs of the loop [default: the `runinterval` setting, 30m]
    #[arg(long, value_name = "DURATION")]
    runinterval: Option<String>,

    /// Required SHA-256 fingerprint of the CA certificate on first contact
    ///
    /// Colon-separated hex as `cert --fingerprint ca` and `puppet ssl show` print it; case,
    /// colons and a `SHA256:` prefix do not matter.
    #[arg(long, visible_alias = "ca_fingerprint", value_name = "FINGERPRINT")]
    ca_fingerprint: Option<String>,

    /// Command to run with `sh -c` after the certificate or CRL changed
    ///
    /// For example `systemctl reload nginx`. A failing command is reported, not fatal.
    #[arg(long, value_name = "COMMAND")]
    exec: Option<String>,
}

#[derive(Debug, Subcommand)]
enum AutosignCommand {
    /// Tell whether the autosign policy would sign NAME's request
    Check {
        /// Certificate name the request is for
        #[arg(value_name = "NAME")]
        name: String,

        /// Request to judge [default: the stored request of NAME]
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        csr: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct RequiredCertnames {
    /// Certificate names (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',', required = true)]
    certname: Vec<String>,
}

#[derive(Debug, Args)]
#[group(id = "targets", required = true, multiple = false)]
struct SignTargets {
    /// Certificate names to sign (comma-separated, repeatable)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    certname: Vec<String>,

    /// Sign every pending request
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
struct TtlArg {
    /// Validity period [default: the `ca_ttl` setting]
    ///
    /// Puppet duration syntax: a number with an optional unit, `y`, `d`, `h`, `m` or `s`, as in
    /// `5y`, `30d`, `12h` or `3600` (seconds).
    #[arg(long, value_name = "DURATION")]
    ttl: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Key options")]
struct KeyArgs {
    /// Algorithm of the new key pair [default: the settings]
    ///
    /// `rsa` makes an RSA key of --keylength bits (4096 when not given); `ec` makes an
    /// elliptic-curve key on --curve (P-256 when not given). Without --key-type, --keylength
    /// alone means RSA and --curve alone means EC; with none of the three, the key follows the
    /// settings (`key_type`, `keylength` and `named_curve` in puppet.conf).
    #[arg(long, value_enum, value_name = "TYPE")]
    key_type: Option<KeyType>,

    /// RSA key size in bits, 2048 to 16384
    #[arg(
        long,
        value_name = "BITS",
        value_parser = clap::value_parser!(u32).range(2048..=16384),
        conflicts_with = "curve"
    )]
    keylength: Option<u32>,

    /// Elliptic curve of an EC key
    #[arg(long, value_enum, value_name = "CURVE")]
    curve: Option<Curve>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyType {
    /// Elliptic-curve key (see --curve)
    Ec,
    /// RSA key (see --keylength)
    Rsa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Curve {
    /// NIST P-256, also called prime256v1
    #[value(alias = "prime256v1")]
    P256,
    /// NIST P-384, also called secp384r1
    #[value(alias = "secp384r1")]
    P384,
}

impl KeyArgs {
    /// Combines the three key options; `subcommand` names the command for the usage line.
    fn into_choice(self, subcommand: &str) -> Result<Option<KeyChoice>, clap::Error> {
        let curve_bits = |curve: Option<Curve>| match curve {
            Some(Curve::P384) => 384,
            Some(Curve::P256) | None => 256,
        };
        let choice = match (self.key_type, self.keylength, self.curve) {
            (None, None, None) => None,
            (Some(KeyType::Rsa) | None, bits, None) => Some(KeyChoice::Rsa {
                bits: bits.unwrap_or(DEFAULT_RSA_BITS),
            }),
            (Some(KeyType::Ec) | None, None, curve) => Some(KeyChoice::Ec {
                curve_bits: curve_bits(curve),
            }),
            (Some(KeyType::Ec), Some(_), _) => {
                return Err(key_conflict(subcommand, "--keylength", "--key-type ec"));
            }
            // `--keylength` with `--curve` is refused by clap already; this arm covers
            // `--key-type rsa --curve ...` and keeps the match whole.
            (Some(KeyType::Rsa) | None, _, Some(_)) => {
                return Err(key_conflict(subcommand, "--curve", "--key-type rsa"));
            }
        };
        Ok(choice)
    }
}

fn key_conflict(subcommand: &str, option: &str, key_type: &str) -> clap::Error {
    usage_error(
        Some(subcommand),
        ErrorKind::ArgumentConflict,
        format!("the argument '{option}' cannot be used with '{key_type}'"),
    )
}

impl Command {
    /// The subcommand's name as typed.
    fn name(&self) -> &'static str {
        match self {
            Self::Agent(_) => "agent",
            Self::Autosign { .. } => "autosign",
            Self::Check => "check",
            Self::Clean { .. } => "clean",
            Self::Completions { .. } => "completions",
            Self::Export(_) => "export",
            Self::Fingerprint { .. } => "fingerprint",
            Self::Generate { .. } => "generate",
            Self::Import { .. } => "import",
            Self::List { .. } => "list",
            Self::Log => "log",
            Self::Man { .. } => "man",
            Self::Print { .. } => "print",
            Self::Revoke { .. } => "revoke",
            Self::Serve { .. } => "serve",
            Self::Setup { .. } => "setup",
            Self::Sign { .. } => "sign",
            Self::Submit { .. } => "submit",
            Self::Verify { .. } => "verify",
        }
    }

    fn into_action(self) -> Result<Action, clap::Error> {
        let action = match self {
            Self::Agent(agent) => Action::Agent(AgentRequest {
                server: agent.server,
                ca_server: agent.ca_server,
                certname: agent.certname,
                dns_alt_names: agent.dns_alt_names,
                waitforcert: agent.waitforcert,
                maxwaitforcert: agent.maxwaitforcert,
                onetime: agent.onetime,
                runinterval: agent.runinterval,
                ca_fingerprint: agent.ca_fingerprint,
                exec: agent.exec,
            }),
            Self::Autosign {
                command: AutosignCommand::Check { name, csr },
            } => Action::AutosignCheck { name, csr },
            Self::Check => Action::Check,
            Self::Clean { certnames } => Action::Clean {
                names: certnames.certname,
            },
            Self::Completions { shell } => Action::Completions { shell },
            Self::Export(export) => export.into_action()?,
            Self::Fingerprint { names, digest } => Action::Fingerprint { names, digest },
            Self::Generate {
                certnames,
                subject_alt_names,
                ttl,
                key,
                force,
            } => Action::Generate {
                names: certnames.certname,
                alt_names: subject_alt_names,
                ttl: ttl.ttl,
                key: key.into_choice("generate")?,
                force,
            },
            Self::Import {
                private_key,
                cert_bundle,
                crl_chain,
                certname,
            } => Action::Import {
                private_key,
                cert_bundle,
                crl_chain,
                certname,
            },
            Self::List { all, certname } => Action::List {
                all,
                names: certname,
            },
            Self::Log => Action::Log,
            Self::Man { dir } => Action::Man { dir },
            Self::Print { names } => Action::Print { names },
            Self::Revoke { certnames } => Action::Revoke {
                names: certnames.certname,
            },
            Self::Setup {
                certname,
                subject_alt_names,
                ca_name,
                ttl,
                key,
            } => Action::Setup {
                certname,
                alt_names: subject_alt_names,
                ca_name,
                ttl: ttl.ttl,
                key: key.into_choice("setup")?,
            },
            Self::Serve { bind, admin } => Action::Serve {
                bind,
                admins: admin,
            },
            Self::Sign {
                targets,
                ttl,
                allow_subject_alt_names,
            } => Action::Sign {
                names: targets.certname,
                all: targets.all,
                allow_alt_names: allow_subject_alt_names,
                ttl: ttl.ttl,
            },
            Self::Submit { files } => Action::Submit { files },
            Self::Verify { names } => Action::Verify { names },
        };
        Ok(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `line` split on whitespace, after an argv[0] of `cert`.
    fn try_parse(line: &str) -> Result<Invocation, clap::Error> {
        parse(std::iter::once("cert").chain(line.split_whitespace()))
    }

    fn invocation(line: &str) -> Invocation {
        match try_parse(line) {
            Ok(invocation) => invocation,
            Err(error) => panic!("{line:?} was refused:\n{error}"),
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|item| (*item).to_owned()).collect()
    }

    fn list(all: bool, names: &[&str]) -> Action {
        Action::List {
            all,
            names: strings(names),
        }
    }

    fn sign(names: &[&str], all: bool, allow_alt_names: bool, ttl: Option<&str>) -> Action {
        let (names, ttl) = (strings(names), ttl.map(str::to_owned));
        Action::Sign {
            names,
            all,
            allow_alt_names,
            ttl,
        }
    }

    fn generate(names: &[&str], alt_names: &[&str]) -> Action {
        let (names, alt_names) = (strings(names), strings(alt_names));
        Action::Generate {
            names,
            alt_names,
            ttl: None,
            key: None,
            force: false,
        }
    }

    fn setup(key: Option<KeyChoice>) -> Action {
        Action::Setup {
            certname: None,
            alt_names: Vec::new(),
            ca_name: None,
            ttl: None,
            key,
        }
    }

    fn fingerprint(names: &[&str], digest: &str) -> Action {
        Action::Fingerprint {
            names: strings(names),
            digest: digest.to_owned(),
        }
    }

    fn clean(names: &[&str]) -> Action {
        Action::Clean {
            names: strings(names),
        }
    }

    fn print(names: &[&str]) -> Action {
        Action::Print {
            names: strings(names),
        }
    }

    fn revoke(names: &[&str]) -> Action {
        Action::Revoke {
            names: strings(names),
        }
    }

    fn verify(names: &[&str]) -> Action {
        Action::Verify {
            names: strings(names),
        }
    }

    fn completions(shell: Shell) -> Action {
        Action::Completions { shell }
    }

    fn quiet() -> Global {
        let (ssldir, cadir, config, format) = (None, None, None, None);
        Global {
            ssldir,
            cadir,
            config,
            format,
            yes: false,
            verbose: false,
            autosign: None,
        }
    }

    fn check_actions(cases: Vec<(&str, Action)>) {
        for (line, expected) in cases {
            assert_eq!(invocation(line).action, expected, "{line:?}");
        }
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    #[rustfmt::skip]
    fn puppet_dialect() {
        check_actions(vec![
            ("--list", list(false, &[])),
            ("--list --all", list(true, &[])),
            ("--all --list", list(true, &[])),
            ("--list web01 db01", list(false, &["web01", "db01"])),
            ("--sign web01 db01", sign(&["web01", "db01"], false, false, None)),
            ("web01 --sign", sign(&["web01"], false, false, None)),
            ("--sign --all", sign(&[], true, false, None)),
            ("--sign --allow-dns-alt-names web01", sign(&["web01"], false, true, None)),
            ("--sign --all --allow-dns-alt-names", sign(&[], true, true, None)),
            ("--revoke web01 db01", revoke(&["web01", "db01"])),
            ("--clean web01", clean(&["web01"])),
            ("--generate web01", generate(&["web01"], &[])),
            ("--generate web01 db01", generate(&["web01", "db01"], &[])),
            ("--generate web01 --dns_alt_names x,y", generate(&["web01"], &["x", "y"])),
            ("--generate web01 --dns-alt-names x,y", generate(&["web01"], &["x", "y"])),
            ("--generate a --dns_alt_names x --dns-alt-names y,z", generate(&["a"], &["x", "y", "z"])),
            ("--generate --dns_alt_names=x,y web01", generate(&["web01"], &["x", "y"])),
            ("--print web01 db01", print(&["web01", "db01"])),
            ("--fingerprint web01", fingerprint(&["web01"], "sha256")),
            ("--fingerprint web01 --digest sha1", fingerprint(&["web01"], "sha1")),
            ("--fingerprint --digest=SHA512 a b", fingerprint(&["a", "b"], "SHA512")),
            ("--verify web01 db01", verify(&["web01", "db01"])),
            // Names that are subcommand names go after `--`; names are kept as given.
            ("--clean -- list", clean(&["list"])),
            ("--sign -- sign Web01.EXAMPLE", sign(&["sign", "Web01.EXAMPLE"], false, false, None)),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn subcommand_dialect() {
        let rsa = |bits| Some(KeyChoice::Rsa { bits });
        let ec = |curve_bits| Some(KeyChoice::Ec { curve_bits });
        let import = |certname: Option<&str>| Action::Import {
            private_key: PathBuf::from("k.pem"),
            cert_bundle: PathBuf::from("c.pem"),
            crl_chain: PathBuf::from("r.pem"),
            certname: certname.map(str::to_owned),
        };
        let autosign_check = |csr: Option<&str>| Action::AutosignCheck {
            name: "web01".to_owned(),
            csr: csr.map(PathBuf::from),
        };
        check_actions(vec![
            ("setup", setup(None)),
            ("setup --key-type rsa", setup(rsa(4096))),
            ("setup --key-type rsa --keylength 16384", setup(rsa(16384))),
            ("setup --keylength 2048", setup(rsa(2048))),
            ("setup --key-type ec", setup(ec(256))),
            ("setup --key-type ec --curve p384", setup(ec(384))),
            ("setup --curve secp384r1", setup(ec(384))),
            ("setup --curve prime256v1", setup(ec(256))),
            (
                "setup --certname ca.example --subject-alt-names puppet,puppet.example \
                 --ca-name Puppet_CA --ttl 5y --key-type ec",
                Action::Setup {
                    certname: Some("ca.example".to_owned()),
                    alt_names: strings(&["puppet", "puppet.example"]),
                    ca_name: Some("Puppet_CA".to_owned()),
                    ttl: Some("5y".to_owned()),
                    key: ec(256),
                },
            ),
            ("import --private-key k.pem --cert-bundle c.pem --crl-chain r.pem", import(None)),
            (
                "import --crl-chain r.pem --certname ca --cert-bundle c.pem --private-key k.pem",
                import(Some("ca")),
            ),
            ("generate --certname a", generate(&["a"], &[])),
            (
                "generate --certname a,b --subject-alt-names x,y --ttl 30d --keylength 3072 --force",
                Action::Generate {
                    names: strings(&["a", "b"]),
                    alt_names: strings(&["x", "y"]),
                    ttl: Some("30d".to_owned()),
                    key: rsa(3072),
                    force: true,
                },
            ),
            (
                "generate --certname a --certname b,c --subject-alt-names x --subject-alt-names y",
                generate(&["a", "b", "c"], &["x", "y"]),
            ),
            ("sign --certname a,b", sign(&["a", "b"], false, false, None)),
            ("sign --certname a --certname b", sign(&["a", "b"], false, false, None)),
            ("sign --all", sign(&[], true, false, None)),
            ("sign --certname a --ttl 12h --allow-subject-alt-names", sign(&["a"], false, true, Some("12h"))),
            ("sign --all --allow-dns-alt-names --ttl 3600", sign(&[], true, true, Some("3600"))),
            ("revoke --certname a,b", revoke(&["a", "b"])),
            ("revoke --certname a --certname b", revoke(&["a", "b"])),
            ("clean --certname a,b", clean(&["a", "b"])),
            ("clean --certname a --certname b", clean(&["a", "b"])),
            ("list", list(false, &[])),
            ("list --all", list(true, &[])),
            ("list --certname a,b --certname c", list(false, &["a", "b", "c"])),
            ("list --all --certname a", list(true, &["a"])),
            ("submit a.csr b.csr", Action::Submit { files: vec![PathBuf::from("a.csr"), PathBuf::from("b.csr")] }),
            ("print a b", print(&["a", "b"])),
            ("fingerprint a", fingerprint(&["a"], "sha256")),
            ("fingerprint a b --digest sha512", fingerprint(&["a", "b"], "sha512")),
            ("verify a b", verify(&["a", "b"])),
            ("completions bash", completions(Shell::Bash)),
            ("completions elvish", completions(Shell::Elvish)),
            ("completions fish", completions(Shell::Fish)),
            ("completions powershell", completions(Shell::Powershell)),
            ("completions zsh", completions(Shell::Zsh)),
            ("man /tmp/man", Action::Man { dir: PathBuf::from("/tmp/man") }),
            ("autosign check web01", autosign_check(None)),
            ("autosign check web01 --csr web01.pem", autosign_check(Some("web01.pem"))),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn dialects_agree() {
        let pairs = [
            ("--list", "list"),
            ("--list --all", "list --all"),
            ("--list a b", "list --certname a,b"),
            ("--sign a b", "sign --certname a,b"),
            ("--sign --all", "sign --all"),
            ("--sign --allow-dns-alt-names a", "sign --certname a --allow-subject-alt-names"),
            ("--revoke a b", "revoke --certname a --certname b"),
            ("--clean a b", "clean --certname a,b"),
            ("--generate a --dns_alt_names x,y", "generate --certname a --subject-alt-names x,y"),
            ("--print a b", "print a b"),
            ("--fingerprint a", "fingerprint a"),
            ("--fingerprint a --digest sha1", "fingerprint a --digest sha1"),
            ("--verify a", "verify a"),
        ];
        for (puppet, subcommand) in pairs {
            assert_eq!(invocation(puppet), invocation(subcommand), "{puppet:?} vs {subcommand:?}");
        }
    }

    /// Assumes `CERT_SSLDIR`, `CERT_CADIR` and `CERT_CONFIG` are unset while tests run.
    #[test]
    #[rustfmt::skip]
    fn globals_before_and_after_the_subcommand() {
        let all = Global {
            ssldir: Some(PathBuf::from("/s")),
            cadir: Some(PathBuf::from("/c")),
            config: Some(PathBuf::from("/p.conf")),
            format: Some(Format::Json),
            yes: true,
            verbose: true,
            autosign: None,
        };
        let cases = [
            ("list", quiet()),
            ("--list", quiet()),
            ("--ssldir /s --cadir /c --config /p.conf --format json -y -v list", all.clone()),
            ("list --ssldir /s --cadir /c --config /p.conf --format json --yes --verbose", all.clone()),
            ("--ssldir /s --cadir /c list --config=/p.conf --format=json -yv", all.clone()),
            ("--ssldir /s --cadir /c --config /p.conf --format json -y -v --list", all.clone()),
            ("--list --ssldir /s --cadir /c --config /p.conf --format json -y -v", all.clone()),
            ("-v autosign -y check a --format json --ssldir /s --cadir /c --config /p.conf", all),
            ("sign --all --format puppet", Global { format: Some(Format::Puppet), ..quiet() }),
            ("--format text --sign a", Global { format: Some(Format::Text), ..quiet() }),
            ("--revoke a -y", Global { yes: true, ..quiet() }),
            ("fingerprint a --verbose", Global { verbose: true, ..quiet() }),
            ("--autosign /etc/policy list", Global { autosign: Some("/etc/policy".into()), ..quiet() }),
            ("submit x.pem --autosign false", Global { autosign: Some("false".into()), ..quiet() }),
        ];
        for (line, expected) in cases {
            assert_eq!(invocation(line).global, expected, "{line:?}");
        }
    }

    #[test]
    fn values_with_spaces_are_kept_whole() {
        let argv = [
            "cert",
            "setup",
            "--ca-name",
            "Puppet CA: ca.example",
            "--ttl",
            "5y",
        ];
        let parsed = parse(argv).map(|invocation| invocation.action);
        let expected = Action::Setup {
            certname: None,
            alt_names: Vec::new(),
            ca_name: Some("Puppet CA: ca.example".to_owned()),
            ttl: Some("5y".to_owned()),
            key: None,
        };
        assert!(
            matches!(parsed, Ok(ref action) if *action == expected),
            "{parsed:?}"
        );
    }

    #[test]
    #[rustfmt::skip]
    fn usage_errors() {
        use ErrorKind::{
            ArgumentConflict as Conflict, InvalidSubcommand, InvalidValue,
            MissingRequiredArgument as Missing, MissingSubcommand, UnknownArgument,
            ValueValidation,
        };
        let cases = [
            ("", ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand),
            ("-v", MissingSubcommand),
            ("--ssldir /s --format json", MissingSubcommand),
            ("--all", MissingSubcommand),
            ("web01", InvalidSubcommand),
            ("sing --all", InvalidSubcommand),
            // Two Puppet 3 actions.
            ("--list --sign a", Conflict),
            ("--revoke --clean a", Conflict),
            ("--print --verify --fingerprint a", Conflict),
            // `--sign` needs names or `--all`, not both.
            ("--sign", Missing),
            ("--sign --allow-dns-alt-names", Missing),
            ("--sign --all a", Conflict),
            // Actions without names.
            ("--revoke", Missing),
            ("--clean", Missing),
            ("--print", Missing),
            ("--fingerprint", Missing),
            ("--fingerprint --digest sha1", Missing),
            ("--verify", Missing),
            ("--generate", Missing),
            ("--generate --dns_alt_names x", Missing),
            // Puppet 3 options with an action they do not apply to.
            ("--all --revoke a", Conflict),
            ("--fingerprint --all", Conflict),
            ("--digest sha1 --print a", Conflict),
            ("--dns_alt_names x --sign a", Conflict),
            ("--allow-dns-alt-names --generate a", Conflict),
            // Puppet 3 flags mixed with a subcommand.
            ("--list sign --certname a", Conflict),
            ("--sign list", Conflict),
            ("--all list", Conflict),
            ("--digest sha1 fingerprint a", Conflict),
            ("sign --list", UnknownArgument),
            ("list --sign", UnknownArgument),
            // `sign` needs `--certname` or `--all`, not both.
            ("sign", Missing),
            ("sign --ttl 5y", Missing),
            ("sign --all --certname a", Conflict),
            ("sign web01", UnknownArgument),
            // Subcommands without what they need.
            ("revoke", Missing),
            ("clean", Missing),
            ("generate", Missing),
            ("generate --subject-alt-names x", Missing),
            ("print", Missing),
            ("fingerprint --digest sha1", Missing),
            ("verify", Missing),
            ("submit", Missing),
            ("man", Missing),
            ("completions", Missing),
            ("import --private-key k --cert-bundle c", Missing),
            ("autosign check", Missing),
            ("autosign", ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand),
            // Key options that contradict each other or are out of range.
            ("generate --certname a --key-type ec --keylength 4096", Conflict),
            ("generate --certname a --key-type rsa --curve p256", Conflict),
            ("setup --keylength 4096 --curve p384", Conflict),
            ("setup --keylength 1024", ValueValidation),
            ("setup --keylength 32768", ValueValidation),
            ("setup --key-type dsa", InvalidValue),
            ("setup --curve p521", InvalidValue),
            // Bad values and unknown flags.
            ("completions tcsh", InvalidValue),
            ("--format yaml --list", InvalidValue),
            ("list --frobnicate", UnknownArgument),
            // Help and version come back as errors of their own kinds.
            ("--help", ErrorKind::DisplayHelp),
            ("sign -h", ErrorKind::DisplayHelp),
            ("--version", ErrorKind::DisplayVersion),
        ];
        for (line, expected) in cases {
            match try_parse(line) {
                Ok(invocation) => panic!("{line:?} was accepted as {invocation:?}"),
                Err(error) => assert_eq!(error.kind(), expected, "{line:?}:\n{error}"),
            }
        }
    }

    #[test]
    #[rustfmt::skip]
    fn error_messages_name_the_problem() {
        let cases = [
            ("-v", "Puppet 3 style"),
            ("-v", "puppetserver ca style"),
            ("--list sign --certname a", "'--list' cannot be used with the 'sign' subcommand"),
            ("--sign list", "'--sign' cannot be used with the 'list' subcommand"),
            ("--revoke", "'--revoke' needs at least one certificate name"),
            ("--sign", "'--sign' needs certificate names or '--all'"),
            ("web01", "hint: to act on 'web01'"),
            ("generate --certname a --key-type ec --keylength 4096", "Usage: cert generate"),
        ];
        for (line, expected) in cases {
            match try_parse(line) {
                Ok(invocation) => panic!("{line:?} was accepted as {invocation:?}"),
                Err(error) => {
                    let text = error.to_string();
                    assert!(text.contains(expected), "{line:?} said:\n{text}");
                }
            }
        }
    }

    #[test]
    fn help_shows_both_dialects() {
        let help = Cli::command().render_long_help().to_string();
        for expected in [
            "cert --sign web01",
            "cert sign --certname",
            "cert(1)",
            "--dns_alt_names",
        ] {
            assert!(help.contains(expected), "help lacks {expected:?}:\n{help}");
        }
    }
}
