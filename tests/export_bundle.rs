//! Issue 6: `cert export` bundles: layout and modes, checksums checked with `sha256sum -c`,
//! the bundle's certificate checked with `openssl verify` against the bundle's own CA and CRL
//! (what `puppet ssl verify` does), PKCS#12 read back by `openssl pkcs12`, tarballs read by
//! `tar`, the CA key only in a standby bundle, and every bad input refused with one error line
//! and nothing written.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{assert_one_error, mode, read, World};

fn world() -> World {
    let world = World::new();
    world.ok(&["setup", "--certname", "ca.test"]);
    world.ok(&["generate", "--certname", "master1.test,agent1.test"]);
    world
}

fn out(world: &World, name: &str) -> String {
    world.path().join(name).to_str().unwrap().to_string()
}

fn run_ok(program: &str, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
    text
}

#[test]
fn master_bundle_is_an_ssldir_with_checksums_and_no_ca_key() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = world();
    let dir = out(&world, "master");
    world.ok(&["export", "master1.test", "--for", "master", "--out", &dir]);
    let dir = Path::new(&dir);
    for (file, expected) in [
        ("certs/master1.test.pem", 0o644),
        ("certs/ca.pem", 0o644),
        ("private_keys/master1.test.pem", 0o600),
        ("crl.pem", 0o644),
        ("ca/ca_crl.pem", 0o644),
        ("README", 0o644),
        ("MANIFEST", 0o644),
    ] {
        assert_eq!(mode(&dir.join(file)), expected, "{file}");
    }
    assert_eq!(mode(&dir.join("private_keys")), 0o750);
    assert_eq!(
        read(&dir.join("certs/ca.pem")),
        read(&world.ca("ca_crt.pem"))
    );
    assert_eq!(read(&dir.join("crl.pem")), read(&world.ca("ca_crl.pem")));
    // No CA key anywhere in the tree.
    let ca_key = read(&world.ca("ca_key.pem"));
    for (path, (bytes, _)) in common::snapshot(dir) {
        assert!(!path.to_string_lossy().contains("ca_key"), "{path:?}");
        if let Some(bytes) = bytes {
            assert_ne!(String::from_utf8_lossy(&bytes), ca_key, "{path:?}");
        }
    }
    let readme = read(&dir.join("README"));
    assert!(readme.contains("/etc/puppetlabs/puppet/ssl/private_keys/master1.test.pem"));
    if common::require_peer("openssl") {
        let checked = run_ok("sha256sum", &["-c", "MANIFEST"], dir);
        assert!(
            checked.contains("private_keys/master1.test.pem: OK"),
            "{checked}"
        );
        assert!(!checked.contains("FAILED"), "{checked}");
        // What `puppet ssl verify` checks: the chain and every CRL of it, from the bundle alone.
        let verified = world.openssl_ok(&[
            "verify",
            "-CAfile",
            dir.join("certs/ca.pem").to_str().unwrap(),
            "-crl_check_all",
            "-CRLfile",
            dir.join("crl.pem").to_str().unwrap(),
            dir.join("certs/master1.test.pem").to_str().unwrap(),
        ]);
        assert!(verified.contains("OK"), "{verified}");
        let cert_key = world.openssl_ok(&[
            "x509",
            "-noout",
            "-pubkey",
            "-in",
            dir.join("certs/master1.test.pem").to_str().unwrap(),
        ]);
        let key_key = world.openssl_ok(&[
            "pkey",
            "-pubout",
            "-in",
            dir.join("private_keys/master1.test.pem").to_str().unwrap(),
        ]);
        assert_eq!(cert_key, key_key, "key does not match the certificate");
    }
}

#[test]
fn agent_bundle_has_crl_pem_only_and_the_output_is_never_overwritten_without_force() {
    let world = world();
    let dir = out(&world, "agent");
    world.ok(&["export", "agent1.test", "--for", "agent", "--out", &dir]);
    let path = Path::new(&dir);
    assert!(path.join("crl.pem").is_file());
    assert!(!path.join("ca").exists());
    let before = common::snapshot(path);
    let (code, _, stderr) =
        world.fails(&["export", "agent1.test", "--for", "agent", "--out", &dir]);
    assert_eq!(code, 1);
    assert_one_error(&stderr, "existing output");
    assert!(stderr.contains("already exists"), "{stderr}");
    common::assert_same(&before, &common::snapshot(path), "refused export");
    world.ok(&[
        "export",
        "master1.test",
        "--for",
        "agent",
        "--out",
        &dir,
        "--force",
    ]);
    assert!(path.join("certs/master1.test.pem").is_file());
    assert!(
        !path.join("certs/agent1.test.pem").exists(),
        "old tree left behind"
    );
    let leftovers: Vec<_> = fs::read_dir(world.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".agent"))
        .collect();
    assert!(leftovers.is_empty(), "temp dirs left: {leftovers:?}");
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let world = world();
    // A signed certificate whose key lives elsewhere (the CSR came from openssl).
    let csr = world.openssl_csr("remote.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    world.ok(&["sign", "--certname", "remote.test"]);
    world.ok(&["generate", "--certname", "gone.test"]);
    world.ok(&["revoke", "--certname", "gone.test", "--yes"]);
    let file = world.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let under_file = file.join("out");
    let dir = out(&world, "never");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["export", "nobody.test", "--for", "agent", "--out", &dir],
            "nobody.test",
        ),
        (
            vec!["export", "remote.test", "--for", "agent", "--out", &dir],
            "no private key for remote.test",
        ),
        (
            vec!["export", "gone.test", "--for", "agent", "--out", &dir],
            "revoked",
        ),
        (
            vec![
                "export",
                "agent1.test",
                "--for",
                "agent",
                "--out",
                under_file.to_str().unwrap(),
            ],
            "cannot",
        ),
        (
            vec![
                "export",
                "agent1.test",
                "--for",
                "agent",
                "--out",
                &dir,
                "--server",
                "nginx",
                "--upstream",
                "m:8141",
            ],
            "agent bundle has no server config",
        ),
        (
            vec![
                "export",
                "master1.test",
                "--for",
                "balancer",
                "--out",
                &dir,
                "--server",
                "nginx",
                "--upstream",
                "m",
            ],
            "HOST:PORT",
        ),
        (
            vec![
                "export",
                "master1.test",
                "--for",
                "balancer",
                "--out",
                &dir,
                "--server",
                "nginx",
                "--upstream",
                "m:1",
                "--target-ssldir",
                "/a b",
            ],
            "target-ssldir",
        ),
    ];
    for (args, expected) in cases {
        let (_, _, stderr) = world.fails(&args);
        assert_one_error(&stderr, &format!("{args:?}"));
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!Path::new(&dir).exists(), "{args:?} wrote {dir}");
    }
    // Usage errors come from the argument parser.
    for args in [
        vec!["export", "agent1.test", "--out", &dir],
        vec!["export", "agent1.test", "--for", "agent"],
        vec![
            "export",
            "agent1.test",
            "--for",
            "balancer",
            "--out",
            &dir,
            "--server",
            "nginx",
        ],
        vec![
            "export",
            "agent1.test",
            "--for",
            "agent",
            "--out",
            &dir,
            "--format",
            "pkcs12",
        ],
        vec!["list", "--format", "pkcs12"],
    ] {
        let (code, _, _) = world.fails(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(!Path::new(&dir).exists());
    }
    let leftovers: Vec<_> = fs::read_dir(world.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".never"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn pkcs12_is_readable_by_openssl_with_the_passphrase() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = world();
    let passphrase = world.path().join("pass");
    fs::write(&passphrase, "correct horse\n").unwrap();
    let dir = out(&world, "p12");
    world.ok(&[
        "export",
        "agent1.test",
        "--for",
        "agent",
        "--out",
        &dir,
        "--format",
        "pkcs12",
        "--passphrase-file",
        passphrase.to_str().unwrap(),
    ]);
    let p12 = Path::new(&dir).join("private_keys/agent1.test.p12");
    assert_eq!(mode(&p12), 0o600);
    let info = world.openssl(&[
        "pkcs12",
        "-info",
        "-noout",
        "-in",
        p12.to_str().unwrap(),
        "-passin",
        &format!("file:{}", passphrase.display()),
    ]);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let certs = world.openssl_ok(&[
        "pkcs12",
        "-nokeys",
        "-in",
        p12.to_str().unwrap(),
        "-passin",
        &format!("file:{}", passphrase.display()),
    ]);
    assert!(
        certs.contains("CN = agent1.test") || certs.contains("CN=agent1.test"),
        "{certs}"
    );
    assert_eq!(
        certs.matches("BEGIN CERTIFICATE").count(),
        3,
        "cert + 2 CAs:\n{certs}"
    );
    fs::write(&passphrase, "wrong\n").unwrap();
    let wrong = world.openssl(&[
        "pkcs12",
        "-info",
        "-noout",
        "-in",
        p12.to_str().unwrap(),
        "-passin",
        &format!("file:{}", passphrase.display()),
    ]);
    assert!(!wrong.status.success(), "a wrong passphrase opened it");
}

#[test]
fn tarball_extracts_to_the_same_tree() {
    let world = world();
    let tarball = out(&world, "b.tar.gz");
    world.ok(&[
        "export",
        "master1.test",
        "--for",
        "balancer",
        "--tar",
        &tarball,
    ]);
    assert_eq!(mode(Path::new(&tarball)), 0o600);
    let target = world.path().join("target");
    fs::create_dir(&target).unwrap();
    run_ok(
        "tar",
        &["-xzpf", &tarball, "-C", target.to_str().unwrap()],
        world.path(),
    );
    assert_eq!(mode(&target.join("private_keys/master1.test.pem")), 0o600);
    run_ok("sha256sum", &["-c", "MANIFEST"], &target);
    let (code, _, stderr) = world.fails(&[
        "export",
        "master1.test",
        "--for",
        "balancer",
        "--tar",
        &tarball,
    ]);
    assert_eq!(code, 1);
    assert_one_error(&stderr, "existing tarball");
}

#[test]
fn crl_only_and_ca_standby() {
    let world = world();
    world.ok(&["revoke", "--certname", "agent1.test", "--yes"]);
    let crl = out(&world, "crl");
    world.ok(&["export", "--crl-only", "--out", &crl]);
    let crl = Path::new(&crl);
    assert_eq!(read(&crl.join("crl.pem")), read(&world.ca("ca_crl.pem")));
    assert!(!crl.join("certs").exists() && !crl.join("private_keys").exists());
    let masters = out(&world, "crl-masters");
    world.ok(&["export", "--crl-only", "--for", "master", "--out", &masters]);
    assert!(Path::new(&masters).join("ca/ca_crl.pem").is_file());

    let standby = out(&world, "standby");
    let output = world
        .cert(&["export", "--ca-standby", "--out", &standby])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WARNING") && stderr.contains("CA PRIVATE KEY"),
        "{stderr}"
    );
    let standby = Path::new(&standby);
    assert_eq!(
        read(&standby.join("ca_key.pem")),
        read(&world.ca("ca_key.pem"))
    );
    assert_eq!(mode(&standby.join("ca_key.pem")), 0o600);
    assert!(standby.join("signed/master1.test.pem").is_file());
    assert!(read(&standby.join("README")).contains("CA PRIVATE KEY"));
    run_ok("sha256sum", &["-c", "MANIFEST"], standby);
    // The standby copy is a working CA.
    let copy = World::new();
    let listed = Command::new(assert_cmd::cargo::cargo_bin("cert"))
        .env("HOME", copy.path())
        .arg("--cadir")
        .arg(standby)
        .arg("--ssldir")
        .arg(&copy.ssldir)
        .arg("--config")
        .arg(&copy.config)
        .args(["list", "--all"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("master1.test"),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
}
