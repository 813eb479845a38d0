//! Command lines both dialects refuse, the kind of error each gets, and what its message
//! names.

use clap::error::ErrorKind;

use super::*;

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
        // Delete needs a selection, `--all` alone; prune's entries go with
        // `--remove-entries`.
        ("delete", Missing),
        ("delete --all --expired", Conflict),
        ("delete --all --certname a", Conflict),
        ("--delete", Missing),
        ("--delete --all a", Conflict),
        ("--expired --list", Conflict),
        ("--revoked --prune", Conflict),
        ("--all --prune", Conflict),
        ("prune --serial 0A", Missing),
        ("prune --remove-entries", Missing),
        ("extend-ca --certname a", UnknownArgument),
        ("check --expiring 1d 2d", UnknownArgument),
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
