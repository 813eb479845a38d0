//! The argv tables of both dialects: what each command line parses into, which ones are
//! refused and with what kind of error, and that the two dialects agree.

use std::path::PathBuf;

use cert::keys::KeySpec;

use super::export::ExportOptions;
use super::global::FormatArg;
use super::keys::KeyChoice;
use super::subcommands::{
    AutosignCheckArgs, Certnames, CheckArgs, CompletionsArgs, ExtendCaArgs, FingerprintArgs,
    ListArgs, ManArgs, Names, SignTargets, SubmitArgs, TtlArg,
};
use super::*;

mod errors;

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
    Action::List(ListArgs {
        all,
        certname: strings(names),
        expiring: None,
    })
}

fn delete(expired: bool, revoked: bool, names: &[&str], all: bool) -> Action {
    Action::Delete(DeleteArgs {
        expired,
        revoked,
        certname: strings(names),
        all,
    })
}

/// `prune`: (duplicates, expired) flags, serials and names (entries when either is given).
fn prune(flags: (bool, bool), serials: &[&str], names: &[&str]) -> Action {
    Action::Prune(PruneArgs {
        remove_duplicates: flags.0,
        remove_expired: flags.1,
        remove_entries: !serials.is_empty() || !names.is_empty(),
        serial: strings(serials),
        certname: strings(names),
    })
}

fn check(expiring: Option<&str>) -> Action {
    Action::Check(CheckArgs {
        expiring: expiring.map(str::to_owned),
    })
}

fn sign(names: &[&str], all: bool, allow_alt_names: bool, ttl: Option<&str>) -> Action {
    let (names, ttl) = (strings(names), ttl.map(str::to_owned));
    Action::Sign(SignArgs {
        targets: SignTargets {
            certname: names,
            all,
        },
        ttl: TtlArg { ttl },
        allow_subject_alt_names: allow_alt_names,
    })
}

fn generate(names: &[&str], alt_names: &[&str]) -> Action {
    Action::Generate(GenerateArgs {
        certnames: certnames(names),
        subject_alt_names: strings(alt_names),
        ..GenerateArgs::default()
    })
}

fn setup(key: Option<KeySpec>) -> Action {
    Action::Setup(SetupArgs {
        key: KeyChoice(key),
        ..SetupArgs::default()
    })
}

fn fingerprint(names: &[&str], digest: &str) -> Action {
    Action::Fingerprint(FingerprintArgs {
        names: Names {
            names: strings(names),
        },
        digest: digest.to_owned(),
    })
}

fn certnames(names: &[&str]) -> Certnames {
    Certnames {
        certname: strings(names),
    }
}

fn clean(names: &[&str]) -> Action {
    Action::Clean(certnames(names))
}

fn print(names: &[&str]) -> Action {
    Action::Print(Names {
        names: strings(names),
    })
}

fn revoke(names: &[&str]) -> Action {
    Action::Revoke(RevokeArgs {
        certnames: certnames(names),
        reason: RevokeReason::default(),
    })
}

fn verify(names: &[&str]) -> Action {
    Action::Verify(Names {
        names: strings(names),
    })
}

fn completions(shell: Shell) -> Action {
    Action::Completions(CompletionsArgs { shell })
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
        store: None,
        admin: Vec::new(),
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
        // Prune and delete, puppetserver-ca's actions, as flags.
        ("--delete web01 db01", delete(false, false, &["web01", "db01"], false)),
        ("--delete --expired", delete(true, false, &[], false)),
        ("--delete --revoked --expired", delete(true, true, &[], false)),
        ("--delete --revoked web01", delete(false, true, &["web01"], false)),
        ("--delete --all", delete(false, false, &[], true)),
        ("--prune", prune((false, false), &[], &[])),
        ("--prune web01 0x0A", prune((false, false), &["0x0A"], &["web01"])),
        // Names that are subcommand names go after `--`; names are kept as given.
        ("--clean -- list", clean(&["list"])),
        ("--sign -- sign Web01.EXAMPLE", sign(&["sign", "Web01.EXAMPLE"], false, false, None)),
    ]);
}

#[test]
#[rustfmt::skip]
fn subcommand_dialect() {
    let rsa = |bits| Some(KeySpec::Rsa { bits });
    let ec = |curve_bits| match curve_bits {
        256 => Some(KeySpec::EcP256),
        384 => Some(KeySpec::EcP384),
        other => panic!("no NIST curve of {other} bits"),
    };
    let import = |certname: Option<&str>| Action::Import(ImportArgs {
        private_key: PathBuf::from("k.pem"),
        cert_bundle: PathBuf::from("c.pem"),
        crl_chain: PathBuf::from("r.pem"),
        certname: certname.map(str::to_owned),
    });
    let autosign_check = |csr: Option<&str>| Action::Autosign {
        command: AutosignCommand::Check(AutosignCheckArgs {
            name: "web01".to_owned(),
            csr: csr.map(PathBuf::from),
        }),
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
             --ca-name Puppet_CA --root-ca-name Root_CA --ttl 5y --key-type ec",
            Action::Setup(SetupArgs {
                certname: Some("ca.example".to_owned()),
                subject_alt_names: strings(&["puppet", "puppet.example"]),
                ca_name: Some("Puppet_CA".to_owned()),
                root_ca_name: Some("Root_CA".to_owned()),
                ttl: TtlArg { ttl: Some("5y".to_owned()) },
                key: KeyChoice(ec(256)),
            }),
        ),
        ("import --private-key k.pem --cert-bundle c.pem --crl-chain r.pem", import(None)),
        (
            "import --crl-chain r.pem --certname ca --cert-bundle c.pem --private-key k.pem",
            import(Some("ca")),
        ),
        ("generate --certname a", generate(&["a"], &[])),
        (
            "generate --certname a,b --subject-alt-names x,y --ttl 30d --keylength 3072 --force",
            Action::Generate(GenerateArgs {
                certnames: certnames(&["a", "b"]),
                subject_alt_names: strings(&["x", "y"]),
                ttl: TtlArg { ttl: Some("30d".to_owned()) },
                key: KeyChoice(rsa(3072)),
                force: true,
            }),
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
        ("submit a.csr b.csr", Action::Submit(SubmitArgs { files: vec![PathBuf::from("a.csr"), PathBuf::from("b.csr")] })),
        ("print a b", print(&["a", "b"])),
        ("fingerprint a", fingerprint(&["a"], "sha256")),
        ("fingerprint a b --digest sha512", fingerprint(&["a", "b"], "sha512")),
        ("verify a b", verify(&["a", "b"])),
        ("completions bash", completions(Shell::Bash)),
        ("completions elvish", completions(Shell::Elvish)),
        ("completions fish", completions(Shell::Fish)),
        ("completions powershell", completions(Shell::Powershell)),
        ("completions zsh", completions(Shell::Zsh)),
        ("man /tmp/man", Action::Man(ManArgs { dir: PathBuf::from("/tmp/man") })),
        ("autosign check web01", autosign_check(None)),
        ("autosign check web01 --csr web01.pem", autosign_check(Some("web01.pem"))),
        // Expiry.
        ("check", check(None)),
        ("check --expiring", check(Some("30d"))),
        ("check --expiring 7d", check(Some("7d"))),
        ("check --expiring=12h --format json", check(Some("12h"))),
        ("list --expiring 30d", Action::List(ListArgs { all: false, certname: Vec::new(), expiring: Some("30d".into()) })),
        ("extend-ca", Action::ExtendCa(ExtendCaArgs::default())),
        ("extend-ca --ttl 15y", Action::ExtendCa(ExtendCaArgs { ttl: TtlArg { ttl: Some("15y".into()) }, keep_serials: false })),
        ("extend-ca --keep-serials", Action::ExtendCa(ExtendCaArgs { keep_serials: true, ..ExtendCaArgs::default() })),
        ("prune", prune((false, false), &[], &[])),
        ("prune --remove-duplicates", prune((true, false), &[], &[])),
        ("prune --remove-expired --remove-duplicates", prune((true, true), &[], &[])),
        ("prune --remove-entries --serial 0A,0x0B --certname a", prune((false, false), &["0A", "0x0B"], &["a"])),
        ("delete --expired", delete(true, false, &[], false)),
        ("delete --revoked --certname a,b", delete(false, true, &["a", "b"], false)),
        ("delete --all", delete(false, false, &[], true)),
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
        ("--delete a b", "delete --certname a,b"),
        ("--delete --expired --revoked", "delete --revoked --expired"),
        ("--delete --all", "delete --all"),
        ("--prune", "prune"),
        ("--prune a 0x5", "prune --remove-entries --certname a --serial 0x5"),
    ];
    for (puppet, subcommand) in pairs {
        assert_eq!(invocation(puppet), invocation(subcommand), "{puppet:?} vs {subcommand:?}");
    }
}

/// Assumes `CERT_SSLDIR`, `CERT_CADIR`, `CERT_CONFIG` and `CERT_STORE` are unset while tests
/// run.
#[test]
#[rustfmt::skip]
fn globals_before_and_after_the_subcommand() {
    let all = Global {
        ssldir: Some(PathBuf::from("/s")),
        cadir: Some(PathBuf::from("/c")),
        config: Some(PathBuf::from("/p.conf")),
        format: Some(FormatArg::Json),
        yes: true,
        verbose: true,
        autosign: None,
        store: None,
        admin: Vec::new(),
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
        ("sign --all --format puppet", Global { format: Some(FormatArg::Puppet), ..quiet() }),
        ("--format text --sign a", Global { format: Some(FormatArg::Text), ..quiet() }),
        ("--revoke a -y", Global { yes: true, ..quiet() }),
        ("list --store postgresql://u@h/d", Global { store: Some("postgresql://u@h/d".into()), ..quiet() }),
        ("fingerprint a --verbose", Global { verbose: true, ..quiet() }),
        ("--autosign /etc/policy list", Global { autosign: Some("/etc/policy".into()), ..quiet() }),
        ("submit x.pem --autosign false", Global { autosign: Some("false".into()), ..quiet() }),
        ("serve --admin ops.test,b.test", Global { admin: vec!["ops.test".into(), "b.test".into()], ..quiet() }),
        ("--admin ops.test --list", Global { admin: vec!["ops.test".into()], ..quiet() }),
        ("autosign check x --admin ops.test --admin x", Global { admin: vec!["ops.test".into(), "x".into()], ..quiet() }),
    ];
    for (line, expected) in cases {
        assert_eq!(invocation(line).global, expected, "{line:?}");
    }
}

#[test]
fn export_parses_into_one_request() {
    let expected = Export {
        kind: ExportKind::Host {
            name: "web01".to_owned(),
            role: ExportRole::Master,
            pkcs12: true,
        },
        output: ExportOutput::Tar(PathBuf::from("b.tar.gz")),
        options: ExportOptions {
            server: Some(ExportServer::Nginx),
            target_ssldir: None,
            listen: Some("8141".to_owned()),
            upstream: strings(&["m1:8140", "m2:8140"]),
            upstream_tls: false,
            passphrase_file: Some(PathBuf::from("pass")),
        },
        force: true,
    };
    let line = "export web01 --for master --tar b.tar.gz --server nginx --listen 8141 \
                --upstream m1:8140,m2:8140 --passphrase-file pass --force --format pkcs12";
    let parsed = invocation(line);
    assert_eq!(parsed.action, Action::Export(expected));
    // `pkcs12` is not an output format: the render layer sees none.
    assert_eq!(parsed.global.output_format(), None);
    let crl = invocation("export --crl-only --out d");
    let Action::Export(crl) = crl.action else {
        panic!("not an export: {crl:?}");
    };
    assert_eq!(
        (crl.kind, crl.output),
        (
            ExportKind::CrlOnly {
                role: ExportRole::Balancer
            },
            ExportOutput::Directory(PathBuf::from("d"))
        )
    );
}

/// `KeyChoice` and `Export` implement clap's traits by hand; an update must behave as a derived
/// one: flags absent from the matches leave the value as it was.
#[test]
fn typed_args_update_like_derived_ones() {
    use clap::{Args, FromArgMatches};
    let command = GenerateArgs::augment_args(clap::Command::new("generate"));
    let matches = |line: &str| {
        let argv = std::iter::once("generate").chain(line.split_whitespace());
        match command.clone().try_get_matches_from(argv) {
            Ok(matches) => matches,
            Err(error) => panic!("{line:?} was refused:\n{error}"),
        }
    };
    let parsed = GenerateArgs::from_arg_matches(&matches("--certname a --key-type ec"));
    let Ok(mut args) = parsed else {
        panic!("{parsed:?}");
    };
    assert!(args
        .update_from_arg_matches(&matches("--certname b"))
        .is_ok());
    assert_eq!(args.certnames.certname, strings(&["b"]));
    assert_eq!(args.key, KeyChoice(Some(KeySpec::EcP256)));
    let update = args.update_from_arg_matches(&matches("--certname b --keylength 2048"));
    assert!(update.is_ok(), "{update:?}");
    assert_eq!(args.key, KeyChoice(Some(KeySpec::Rsa { bits: 2048 })));
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
    let expected = Action::Setup(SetupArgs {
        certname: None,
        subject_alt_names: Vec::new(),
        ca_name: Some("Puppet CA: ca.example".to_owned()),
        root_ca_name: None,
        ttl: TtlArg {
            ttl: Some("5y".to_owned()),
        },
        key: KeyChoice(None),
    });
    assert!(
        matches!(parsed, Ok(ref action) if *action == expected),
        "{parsed:?}"
    );
}
