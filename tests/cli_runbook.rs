//! Issue 12, what a Puppet administrator trips over following the runbooks, each by the typed
//! command through the real binary: `--dns_alt_names puppetca:puppet` (refused before anything
//! is made, with the list it meant), the name `ca` (refused for hosts everywhere, still the CA
//! for reads), `--list --format puppet` (every alt name, as `puppet cert` printed them), the
//! listing on a pipe (plain aligned text; the table stays on a terminal), `export --crl-only`
//! into a live bundle (only the CRL changes), a lifetime beyond the CA's (cut, with a warning),
//! and an `--admin` name under autosign (held for a person, and said why).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{assert_one_error, assert_same, hostile_file, pem_blocks, read, snapshot, World};

const BOXES: &[char] = &[
    '─', '│', '┌', '┐', '└', '┘', '├', '┤', '┬', '┴', '┼', '═', '╞', '╡',
];

#[test]
fn the_runbooks_colon_separated_alt_names_make_nothing_and_say_what_to_type() {
    let world = World::new();
    let (code, stdout, stderr) = world.fails(&[
        "--generate",
        "--dns_alt_names",
        "puppetca:puppet",
        "puppetca",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: invalid alt name \"puppetca:puppet\": alt names are comma-separated \
         (--dns_alt_names puppetca,puppet)"
    );
    assert_one_error(&stderr, "colon-separated alt names");
    assert!(!world.cadir.exists(), "a CA was made");
    assert!(!world.ssldir.exists(), "a key was made");
    // The same through the other dialect, and for `cert setup`'s own certificate.
    for args in [
        &[
            "generate",
            "--certname",
            "puppetca",
            "--subject-alt-names",
            "puppetca:puppet",
        ][..],
        &["setup", "--subject-alt-names", "puppetca:puppet"],
        &["setup", "--subject-alt-names", "*.example.com"],
    ] {
        let (code, _, stderr) = world.fails(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_one_error(&stderr, "alt names");
        assert!(!world.cadir.exists(), "{args:?} made a CA");
        assert!(!world.ssldir.exists(), "{args:?} made a key");
    }
    // What the message suggests works.
    world.ok(&[
        "--generate",
        "--dns_alt_names",
        "puppetca,puppet",
        "puppetca",
    ]);
    let text = world.x509_text(&world.ssl("certs/puppetca.pem"));
    assert!(text.contains("DNS:puppetca, DNS:puppet"), "{text}");
}

#[test]
fn the_name_ca_is_refused_for_hosts_and_still_reads_the_ca() {
    if !common::require_peer("openssl") {
        return;
    }
    // `cert setup --certname ca` makes nothing.
    let fresh = World::new();
    let (code, _, stderr) = fresh.fails(&["setup", "--certname", "ca"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("certname \"ca\" is reserved"), "{stderr}");
    assert!(!fresh.cadir.exists() && !fresh.ssldir.exists());

    let world = World::new();
    world.ok(&["--generate", "web01.test"]);
    let before = world.snapshot_ca();
    let ssl_before = snapshot(&world.ssldir);
    let submit = hostile_file("ca.pem");
    let upper = hostile_file("ca-upper.pem");
    for args in [
        &["--generate", "ca"][..],
        &["generate", "--certname", "CA"],
        &["--sign", "ca"],
        &["sign", "--certname", "ca"],
        &["--revoke", "ca", "-y"],
        &["--clean", "ca", "-y"],
        &["clean", "--certname", "Ca", "-y"],
        &["--list", "ca"],
        &["export", "ca", "--for", "agent", "--out", "bundle"],
        &["submit", submit.to_str().unwrap()],
        &["submit", upper.to_str().unwrap()],
        &["autosign", "check", "ca"],
        &[
            "agent",
            "--certname",
            "ca",
            "--server",
            "127.0.0.1:1",
            "--onetime",
        ],
    ] {
        let (code, _, stderr) = world.fails(args);
        assert!(
            stderr.contains("is reserved for the CA's own certificate"),
            "{args:?}: {stderr}"
        );
        assert!(code == 1 || code == 2, "{args:?}: {code}");
        assert_same(&before, &world.snapshot_ca(), &format!("{args:?}"));
        assert_same(
            &ssl_before,
            &snapshot(&world.ssldir),
            &format!("{args:?} (ssldir)"),
        );
    }
    assert!(!world.path().join("bundle").exists());
    // Reads of the CA itself still say `ca`.
    let printed = world.ok(&["--print", "ca"]);
    assert!(printed.contains("Puppet CA: ca.test"), "{printed}");
    let fingerprint = world.ok(&["--fingerprint", "ca"]);
    assert!(fingerprint.starts_with("ca (SHA256) "), "{fingerprint}");
    assert_eq!(world.ok(&["--verify", "ca"]).trim(), "ca: OK");
}

/// The fixture made by puppetserver 7.9.5: every alt name of every entry, the certname's own
/// DNS entry included, as `puppet cert --list --all` printed them (a request's sorted, a
/// certificate's in its order, none for a revoked certificate).
#[test]
fn puppet_format_lists_every_alt_name_as_puppet_cert_did() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::from_fixture("puppetserver-7.9.5", "[main]\ncertname = vm\n");
    let fingerprint = |name: &str, request: bool| {
        let (kind, directory) = if request {
            ("req", "requests")
        } else {
            ("x509", "signed")
        };
        let path = world.ca(&format!("{directory}/{name}.pem"));
        let der = world.path().join(format!("{name}.der"));
        world.openssl_ok(&[
            kind,
            "-in",
            path.to_str().unwrap(),
            "-outform",
            "DER",
            "-out",
            der.to_str().unwrap(),
        ]);
        let digest = world.openssl_ok(&["dgst", "-sha256", "-r", der.to_str().unwrap()]);
        let hex = digest.split_whitespace().next().unwrap().to_uppercase();
        hex.as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(":")
    };
    let rows = [
        (
            ' ',
            "alt1.example.com",
            true,
            " (alt names: \"DNS:alt1\", \"DNS:alt1.example.com\", \"DNS:alt1.svc.example.com\")",
        ),
        (
            '+',
            "node1.example.com",
            false,
            " (alt names: \"DNS:node1.example.com\")",
        ),
        ('-', "node2.example.com", false, " (certificate revoked)"),
        (' ', "node3.example.com", true, ""),
        (
            '+',
            "puppetca",
            false,
            " (alt names: \"DNS:puppetca\", \"DNS:puppet\", \"DNS:puppetmaster\")",
        ),
        (
            ' ',
            "puppetmaster",
            true,
            " (alt names: \"DNS:puppet\", \"DNS:puppetmaster\", \"DNS:puppetmaster.example.com\")",
        ),
        (
            '+',
            "vm",
            false,
            " (alt names: \"DNS:puppet\", \"DNS:puppetmaster\", \"DNS:vm\")",
        ),
        (
            '+',
            "web01.agents.example.com",
            false,
            " (alt names: \"DNS:web01.agents.example.com\")",
        ),
    ];
    let expected: String = rows
        .iter()
        .map(|(glyph, name, request, tail)| {
            let quoted = format!("{name:?}");
            format!(
                "{glyph} {quoted:<26} (SHA256) {}{tail}\n",
                fingerprint(name, *request)
            )
        })
        .collect();
    let listed = world.ok(&["--list", "--all", "--format", "puppet"]);
    assert_eq!(listed, expected);
}

#[test]
fn the_listing_on_a_pipe_is_plain_aligned_text_and_a_table_on_a_terminal() {
    let world = World::from_fixture("puppetserver-7.9.5", "[main]\ncertname = vm\n");
    let listed = world.ok(&["--list", "--all"]);
    assert!(
        !listed.contains(BOXES),
        "box characters on a pipe:\n{listed}"
    );
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 9, "{listed}");
    let header = lines[0];
    assert!(header.starts_with("name "), "{header}");
    let column = |name: &str| header.find(name).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--list", "--all", "--format", "json"])).unwrap();
    for (line, entry) in lines[1..].iter().zip(json.as_array().unwrap()) {
        let at = |start: usize| line[start..].split_whitespace().next().unwrap().to_owned();
        assert_eq!(at(0), entry["name"].as_str().unwrap(), "{line}");
        assert_eq!(
            at(column("state")),
            entry["state"].as_str().unwrap(),
            "{line}"
        );
        assert_eq!(
            at(column("SHA256 fingerprint")),
            entry["fingerprint"].as_str().unwrap(),
            "{line}"
        );
        assert_eq!(line.trim_end(), *line, "trailing spaces: {line:?}");
    }
    // `grep` finds whole rows.
    let row = lines
        .iter()
        .find(|l| l.starts_with("node2.example.com "))
        .unwrap();
    assert!(row.contains(" revoked ") && row.contains(" 0005 "), "{row}");

    // On a terminal (script(1) gives the command one), the table.
    if !common::require_peer_with("script", "script", &["--version"]) {
        return;
    }
    let command = format!(
        "{} --cadir {} --ssldir {} --config {} --list --all",
        assert_cmd::cargo::cargo_bin("cert").display(),
        world.cadir.display(),
        world.ssldir.display(),
        world.config.display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("HOME", world.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains(BOXES), "no table on a terminal:\n{text}");
    assert!(text.contains("node2.example.com"), "{text}");
}

#[test]
fn a_crl_only_export_into_a_live_bundle_replaces_only_the_crl() {
    if !common::require_peer("openssl") || !common::require_peer("sha256sum") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "lb.test"]);
    world.ok(&["--generate", "gone.test"]);
    let live = world.path().join("live");
    let live_text = live.to_str().unwrap();
    world.ok(&[
        "export",
        "lb.test",
        "--for",
        "balancer",
        "--out",
        live_text,
        "--target-ssldir",
        live_text,
        "--server",
        "nginx",
        "--upstream",
        "m1.test:8141",
    ]);
    let before = snapshot(&live);
    world.ok(&["--revoke", "gone.test", "-y"]);
    let out = world.ok(&[
        "export",
        "--crl-only",
        "--out",
        live_text,
        "--target-ssldir",
        live_text,
        "--force",
    ]);
    assert!(out.contains("Updated the CRL in"), "{out}");
    let after = snapshot(&live);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or went"
    );
    let changed: Vec<&Path> = before
        .iter()
        .filter(|(path, entry)| after[*path] != **entry)
        .map(|(path, _)| path.as_path())
        .collect();
    assert_eq!(changed, [Path::new("MANIFEST"), Path::new("crl.pem")]);
    assert_eq!(read(&live.join("crl.pem")), read(&world.ca("ca_crl.pem")));
    assert_eq!(common::mode(&live.join("crl.pem")), 0o644);
    let check = Command::new("sha256sum")
        .args(["-c", "MANIFEST"])
        .current_dir(&live)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // No temp file beside the bundle or in it.
    let names: Vec<String> = fs::read_dir(world.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    // The bundle is still what it was for the balancer: its key, certificate and config.
    let (valid, detail) = world.openssl_verify(&live.join("certs/lb.test.pem"));
    assert!(valid, "{detail}");
    // Without --force an existing directory is still refused.
    let (_, _, stderr) = world.fails(&["export", "--crl-only", "--out", live_text]);
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[test]
fn a_lifetime_beyond_the_cas_is_cut_with_a_warning() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "first.test"]);
    let output = world
        .cert(&["generate", "--certname", "long.test", "--ttl", "20y"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = "the CA expires before the lifetime asked for";
    assert!(
        stderr.starts_with("warning: the certificate of long.test expires on ")
            && stderr.contains(warning),
        "{stderr}"
    );
    let end = |path: &Path| {
        world.openssl_ok(&["x509", "-noout", "-enddate", "-in", path.to_str().unwrap()])
    };
    let chain = read(&world.ca("ca_crt.pem"));
    let ca = world.path().join("ca-only.pem");
    fs::write(&ca, &pem_blocks(&chain, "CERTIFICATE")[0]).unwrap();
    assert_eq!(end(&world.ca("signed/long.test.pem")), end(&ca));
    let (valid, detail) = world.openssl_verify(&world.ca("signed/long.test.pem"));
    assert!(valid, "{detail}");
    let log = world.ok(&["log"]);
    let line = log
        .lines()
        .find(|l| l.contains(" generate long.test done"))
        .unwrap();
    assert!(line.contains(warning), "{line}");
    // A lifetime within the CA's: no warning.
    let output = world
        .cert(&["generate", "--certname", "short.test", "--ttl", "1y"])
        .output()
        .unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Signing a request likewise.
    let csr = world.openssl_csr("signed.test", &[]);
    world.ok(&["--autosign", "false", "submit", csr.to_str().unwrap()]);
    let output = world
        .cert(&["sign", "--certname", "signed.test", "--ttl", "30y"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(warning));
}

#[test]
fn an_admin_name_is_held_by_autosign_and_the_cli_says_why() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    let csr = world.openssl_csr("ops.test", &[]);
    let before = world.snapshot_ca();
    let out = world.ok(&[
        "--autosign",
        "true",
        "--admin",
        "ops.test",
        "submit",
        csr.to_str().unwrap(),
    ]);
    let why = "leave pending: autosign is true, but ops.test holds admin rights (cert serve \
               --admin); autosign never signs it, an administrator does";
    assert!(
        out.contains(&format!("ops.test is pending: {why}")),
        "{out}"
    );
    assert!(world.ca("requests/ops.test.pem").is_file());
    assert!(!world.ca("signed/ops.test.pem").exists());
    let after = world.snapshot_ca();
    let changed: Vec<_> = after
        .keys()
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert_eq!(changed, [Path::new("requests/ops.test.pem")]);
    let log = world.ok(&["log"]);
    assert!(
        log.lines()
            .any(|l| l.contains("autosign sign ops.test refused") && l.contains(why)),
        "{log}"
    );
    let output = world
        .cert(&[
            "--autosign",
            "true",
            "--admin",
            "ops.test",
            "autosign",
            "check",
            "ops.test",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), why);
    // Without --admin the CLI does not know it is one: the setting alone decides.
    let output = world
        .cert(&["--autosign", "true", "autosign", "check", "ops.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}
