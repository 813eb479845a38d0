//! The Puppet 3 `puppet cert` dialect: one action flag at the top level (`cert --sign NAME...`,
//! `cert --list --all`), its options, and the names it acts on.
//!
//! Owns those flags, their help, and their translation into the same [`Action`] the subcommands
//! make, with the usage rules clap cannot express (`--sign` needs names or `--all`, the other
//! actions need names). It does not define the subcommands (`action.rs`, `subcommands.rs`).

use clap::error::ErrorKind;
use clap::Args;

use super::action::Action;
use super::keys::KeyChoice;
use super::subcommands::{
    Certnames, DeleteArgs, FingerprintArgs, GenerateArgs, ListArgs, Names, PruneArgs, RevokeArgs,
    RevokeReason, SignArgs, SignTargets, TtlArg, DEFAULT_DIGEST,
};
use super::usage_error;

const NO_ACTION: &str = "\
no action given: use one Puppet 3 action flag or one subcommand

  Puppet 3 style:         cert --list --all
                          cert --sign NAME...
  puppetserver ca style:  cert list --all
                          cert sign --certname NAME[,NAME...]";

/// Everything of the Puppet 3 dialect on a command line.
#[derive(Debug, Args)]
pub(super) struct Puppet3 {
    #[command(flatten)]
    actions: PuppetActions,

    #[command(flatten)]
    options: PuppetOptions,

    /// Certificate names for a Puppet 3 action flag
    ///
    /// Names are used as given. A name that is also a subcommand name (such as `list`) must come
    /// after `--`.
    #[arg(value_name = "NAME", help_heading = "Puppet 3 options")]
    names: Vec<String>,
}

/// Puppet 3 action flags; the group lets at most one of them through.
#[derive(Debug, Args)]
#[group(id = "puppet_action", multiple = false)]
#[command(next_help_heading = "Puppet 3 actions (one at most)")]
struct PuppetActions {
    /// Remove everything the CA holds for NAME..., revoking signed certificates
    #[arg(long)]
    clean: bool,

    /// Delete the signed certificates of NAME... (or --expired, --revoked, --all), not revoking
    #[arg(long)]
    delete: bool,

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

    /// Remove duplicate entries from the CRL; with NAME..., the entries of those names and
    /// serials (0x-prefixed hex) instead
    #[arg(long)]
    prune: bool,

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
    /// With --list, include signed and revoked certificates; with --sign, sign every request;
    /// with --delete, delete every signed certificate
    #[arg(
        long,
        conflicts_with_all = ["clean", "fingerprint", "generate", "print", "prune", "revoke", "verify"]
    )]
    all: bool,

    /// With --delete, delete the signed certificates that have expired
    #[arg(
        long,
        conflicts_with_all = ["clean", "fingerprint", "generate", "list", "print", "prune", "revoke", "sign", "verify"]
    )]
    expired: bool,

    /// With --delete, delete the signed certificates that are revoked
    #[arg(
        long,
        conflicts_with_all = ["clean", "fingerprint", "generate", "list", "print", "prune", "revoke", "sign", "verify"]
    )]
    revoked: bool,

    /// With --sign, allow requests that carry subject alternative names
    #[arg(
        long,
        conflicts_with_all = ["clean", "delete", "fingerprint", "generate", "list", "print", "prune", "revoke", "verify"]
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
        conflicts_with_all = ["clean", "delete", "fingerprint", "list", "print", "prune", "revoke", "sign", "verify"]
    )]
    dns_alt_names: Vec<String>,

    /// With --fingerprint, the digest to use [default: sha256]
    ///
    /// Any digest name the library knows, such as sha1, sha256, sha384 or sha512.
    #[arg(
        long,
        value_name = "DIGEST",
        conflicts_with_all = ["clean", "delete", "generate", "list", "print", "prune", "revoke", "sign", "verify"]
    )]
    digest: Option<String>,
}

impl Puppet3 {
    /// Returns the first Puppet 3 argument given, spelled as on the command line.
    pub(super) fn flag_used(&self) -> Option<&'static str> {
        let actions = &self.actions;
        let options = &self.options;
        [
            (actions.clean, "--clean"),
            (actions.delete, "--delete"),
            (actions.fingerprint, "--fingerprint"),
            (actions.generate, "--generate"),
            (actions.list, "--list"),
            (actions.print, "--print"),
            (actions.prune, "--prune"),
            (actions.revoke, "--revoke"),
            (actions.sign, "--sign"),
            (actions.verify, "--verify"),
            (options.all, "--all"),
            (options.allow_dns_alt_names, "--allow-dns-alt-names"),
            (options.expired, "--expired"),
            (options.revoked, "--revoked"),
            (!options.dns_alt_names.is_empty(), "--dns_alt_names"),
            (options.digest.is_some(), "--digest"),
            (!self.names.is_empty(), "NAME"),
        ]
        .into_iter()
        .find_map(|(used, flag)| used.then_some(flag))
    }

    /// Turns the Puppet 3 flags into an action; called only when no subcommand was given.
    pub(super) fn into_action(self) -> Result<Action, clap::Error> {
        let Self {
            actions,
            options,
            names,
        } = self;
        if actions.list {
            return Ok(Action::List(ListArgs {
                all: options.all,
                certname: names,
                expiring: None,
            }));
        }
        if actions.delete {
            return delete(names, &options);
        }
        if actions.prune {
            return Ok(prune(names));
        }
        if actions.sign {
            return sign(names, options.all, options.allow_dns_alt_names);
        }
        // The other actions take names and little else: the flag for the error message, and
        // how to make the action once the names are known to be there.
        type Make = fn(Vec<String>, PuppetOptions) -> Action;
        let (flag, make): (&str, Make) = if actions.clean {
            ("--clean", |names, _| {
                Action::Clean(Certnames { certname: names })
            })
        } else if actions.fingerprint {
            ("--fingerprint", |names, options| {
                Action::Fingerprint(FingerprintArgs {
                    names: Names { names },
                    digest: options.digest.unwrap_or_else(|| DEFAULT_DIGEST.to_owned()),
                })
            })
        } else if actions.generate {
            ("--generate", |names, options| {
                Action::Generate(GenerateArgs {
                    certnames: Certnames { certname: names },
                    subject_alt_names: options.dns_alt_names,
                    ttl: TtlArg::default(),
                    key: KeyChoice::default(),
                    force: false,
                })
            })
        } else if actions.print {
            ("--print", |names, _| Action::Print(Names { names }))
        } else if actions.revoke {
            ("--revoke", |names, _| {
                Action::Revoke(RevokeArgs {
                    certnames: Certnames { certname: names },
                    reason: RevokeReason::default(),
                })
            })
        } else if actions.verify {
            ("--verify", |names, _| Action::Verify(Names { names }))
        } else {
            return Err(no_action(&names));
        };
        if names.is_empty() {
            return Err(usage_error(
                None,
                ErrorKind::MissingRequiredArgument,
                format!("'{flag}' needs at least one certificate name"),
            ));
        }
        Ok(make(names, options))
    }
}

/// `--sign NAME...` or `--sign --all`, not both, not neither.
fn sign(names: Vec<String>, all: bool, allow_alt_names: bool) -> Result<Action, clap::Error> {
    if all && !names.is_empty() {
        return Err(usage_error(
            None,
            ErrorKind::ArgumentConflict,
            "'--sign --all' signs every request and cannot also be given names",
        ));
    }
    if !all && names.is_empty() {
        return Err(usage_error(
            None,
            ErrorKind::MissingRequiredArgument,
            "'--sign' needs certificate names or '--all'",
        ));
    }
    Ok(Action::Sign(SignArgs {
        targets: SignTargets {
            certname: names,
            all,
        },
        ttl: TtlArg::default(),
        allow_subject_alt_names: allow_alt_names,
    }))
}

/// `--delete NAME...`, `--delete --expired`, `--delete --revoked` (those two together, or with
/// names), or `--delete --all` alone.
fn delete(names: Vec<String>, options: &PuppetOptions) -> Result<Action, clap::Error> {
    if options.all && (options.expired || options.revoked || !names.is_empty()) {
        return Err(usage_error(
            None,
            ErrorKind::ArgumentConflict,
            "'--delete --all' deletes every signed certificate and takes no names, --expired or --revoked",
        ));
    }
    if !options.all && !options.expired && !options.revoked && names.is_empty() {
        return Err(usage_error(
            None,
            ErrorKind::MissingRequiredArgument,
            "'--delete' needs certificate names, '--expired', '--revoked' or '--all'",
        ));
    }
    Ok(Action::Delete(DeleteArgs {
        expired: options.expired,
        revoked: options.revoked,
        certname: names,
        all: options.all,
    }))
}

/// `--prune` (duplicate entries), or `--prune NAME|0xSERIAL...` (those entries).
fn prune(items: Vec<String>) -> Action {
    let (serials, names): (Vec<String>, Vec<String>) = items
        .into_iter()
        .partition(|item| item.starts_with("0x") || item.starts_with("0X"));
    Action::Prune(PruneArgs {
        remove_duplicates: false,
        remove_expired: false,
        remove_entries: !serials.is_empty() || !names.is_empty(),
        serial: serials,
        certname: names,
    })
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
