//! Command-line definition of `cert` and its translation into one typed [`Action`].
//!
//! Owns every flag, subcommand and help text (the man page and shell completions are generated
//! from [`Cli::command`]), and the usage rules that can be checked without reading any file:
//! exactly one action, names where an action needs them, no mixing of the two dialects.
//! It does not check certificate names, durations or digests, nor read settings: those are the
//! library's job, so names and durations are kept exactly as given.
//!
//! Two dialects reach the same [`Action`]:
//! - Puppet 3 `puppet cert` flags at the top level (`puppet3.rs`): `cert --sign NAME...`,
//!   `cert --list --all`.
//! - `puppetserver ca` subcommands (`action.rs`, whose variants carry the argument structs of
//!   `subcommands.rs`, `export.rs`, `agent.rs` and `keys.rs`): `cert sign --certname NAME,NAME`,
//!   `cert list --all`.
//!
//! This file holds the top level: [`Cli`], [`parse`], the dialect check, and usage errors.
//! The options of every command are in `global.rs`.

/// Implements clap's `Args` and `FromArgMatches` for `$typed`, a value that `$flags` (a derived
/// `Args` struct) turns into with `fn $convert(self) -> Result<$typed, clap::Error>`.
///
/// `$typed` adds exactly the arguments of `$flags` (same order, help and headings), so it can be
/// flattened or carried by a subcommand like any derived `Args`. A conversion error is raw;
/// [`parse`] formats it with the usage of its subcommand. As with derived structs, an update
/// happens when the matches hold any of the flags; it converts them all again, since the flags
/// only make sense together.
macro_rules! typed_args {
    ($typed:ty, $flags:ty, $convert:ident) => {
        impl clap::Args for $typed {
            fn group_id() -> Option<clap::Id> {
                <$flags as clap::Args>::group_id()
            }

            fn augment_args(command: clap::Command) -> clap::Command {
                <$flags as clap::Args>::augment_args(command)
            }

            fn augment_args_for_update(command: clap::Command) -> clap::Command {
                <$flags as clap::Args>::augment_args_for_update(command)
            }
        }

        impl clap::FromArgMatches for $typed {
            fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
                <$flags as clap::FromArgMatches>::from_arg_matches(matches)?.$convert()
            }

            fn from_arg_matches_mut(matches: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
                <$flags as clap::FromArgMatches>::from_arg_matches_mut(matches)?.$convert()
            }

            fn update_from_arg_matches(
                &mut self,
                matches: &clap::ArgMatches,
            ) -> Result<(), clap::Error> {
                let flags = <$flags as clap::Args>::augment_args(clap::Command::new("flags"));
                let given = flags
                    .get_arguments()
                    .any(|arg| matches.contains_id(arg.get_id().as_str()));
                if given {
                    *self = <Self as clap::FromArgMatches>::from_arg_matches(matches)?;
                }
                Ok(())
            }
        }
    };
}

mod action;
mod agent;
mod export;
mod global;
mod keys;
mod puppet3;
mod subcommands;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fmt::Display;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser};

pub(crate) use action::{Action, AutosignCommand, ConsoleCommand, TokenCommand};
pub(crate) use agent::AgentArgs;
pub(crate) use export::{Export, ExportKind, ExportOutput, ExportRole, ExportServer};
pub(crate) use global::{Format, Global};
pub(crate) use subcommands::{
    ConsoleLoginArgs, DeleteArgs, GenerateArgs, ImportArgs, LogFormatArg, MigrateArgs, PruneArgs,
    RevokeArgs, RevokeReason, ServeArgs, SetupArgs, Shell, SignArgs, TokenCreateArgs,
};

use puppet3::Puppet3;

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
       cert [OPTIONS] --<list|sign|revoke|clean|delete|prune|generate|print|fingerprint|verify> [NAME]...";

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
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(flatten)]
    puppet: Puppet3,

    #[command(subcommand)]
    action: Option<Action>,
}

/// A parsed command line: the options for every command and the one thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// Options valid for every command.
    pub(crate) global: Global,
    /// The thing to do.
    pub(crate) action: Action,
}

/// Parse argv (including argv[0]).
///
/// # Errors
///
/// Returns a clap error for `--help` and `--version` (kinds `DisplayHelp` and `DisplayVersion`,
/// exit code 0) and for every usage error (exit code 2), so they print as clap prints them:
/// `error.exit()`, or `error.print()` and `error.exit_code()`.
pub(crate) fn parse<I, T>(argv: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut matches = Cli::command().try_get_matches_from(argv)?;
    let subcommand = matches.subcommand_name().map(str::to_owned);
    // Mixing the dialects is refused before a subcommand's own arguments are looked at.
    if let Some(name) = &subcommand {
        let puppet = Puppet3::from_arg_matches(&matches).map_err(|e| in_usage_of(None, e))?;
        if let Some(flag) = puppet.flag_used() {
            return Err(usage_error(
                None,
                ErrorKind::ArgumentConflict,
                format!(
                    "the Puppet 3 argument '{flag}' cannot be used with the '{name}' subcommand\n\
                     hint: use either one action flag or one subcommand; a certificate name \
                     that is also a subcommand name goes after '--'"
                ),
            ));
        }
    }
    // Arguments that parse into types (keys, export) fail here with raw errors; they get the
    // usage of the subcommand they belong to.
    let cli = Cli::from_arg_matches_mut(&mut matches)
        .map_err(|error| in_usage_of(subcommand.as_deref(), error))?;
    let mut action = match cli.action {
        Some(action) => action,
        None => cli.puppet.into_action()?,
    };
    if let Action::Prune(prune) = &action {
        let given = !prune.serial.is_empty() || !prune.certname.is_empty();
        if prune.remove_entries != given {
            return Err(usage_error(
                Some("prune"),
                ErrorKind::MissingRequiredArgument,
                "'--remove-entries' goes with '--serial' or '--certname', and they with it",
            ));
        }
    }
    if cli.global.format == Some(global::FormatArg::Pkcs12) {
        match &mut action {
            Action::Export(Export {
                kind: ExportKind::Host { pkcs12, .. },
                ..
            }) => *pkcs12 = true,
            _ => {
                return Err(usage_error(
                    None,
                    ErrorKind::InvalidValue,
                    "'--format pkcs12' is only for 'export NAME'",
                ))
            }
        }
    }
    Ok(Invocation {
        global: cli.global,
        action,
    })
}

/// Builds a usage error formatted with the usage of `subcommand`, or of `cert` when `None`.
fn usage_error(subcommand: Option<&str>, kind: ErrorKind, message: impl Display) -> clap::Error {
    in_usage_of(subcommand, clap::Error::raw(kind, message))
}

/// Formats a raw error with the usage of `subcommand`, or of `cert` when `None`; an error that
/// clap formatted already is left as it is.
fn in_usage_of(subcommand: Option<&str>, error: clap::Error) -> clap::Error {
    let mut command = Cli::command();
    // Building first gives subcommands their full bin name, so usage reads `cert sign ...`.
    command.build();
    match subcommand.and_then(|name| command.find_subcommand_mut(name)) {
        Some(sub) => error.format(sub),
        None => error.format(&mut command),
    }
}
