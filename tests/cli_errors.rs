//! Bad input: every refusal is one `error:` line on stderr (plus an optional `hint:` line), a
//! non-zero exit, and a CA directory (and ssldir) byte-for-byte and mode-for-mode unchanged.

mod common;

use std::fs;

use common::{assert_one_error, assert_same, require_peer, snapshot, without_audit, World};

/// A CA with one signed certificate (`signed.test`) and one pending request (`pending.test`).
fn populated() -> World {
    let world = World::new();
    world.ok(&["--generate", "signed.test"]);
    let csr = csr_pem(&world, "pending.test");
    let path = world.path().join("pending.csr");
    fs::write(&path, csr).unwrap();
    world.ok(&["submit", path.to_str().unwrap()]);
    assert!(world.ca("requests/pending.test.pem").is_file());
    world
}

/// A CSR for `cn`: made by openssl when present, else by `cert generate` on a scratch CA is not
/// possible, so the tests that need one require openssl.
fn csr_pem(world: &World, cn: &str) -> Vec<u8> {
    if require_peer("openssl") {
        fs::read(world.openssl_csr(cn, &[])).unwrap()
    } else {
        // Without openssl: a CSR made with the library the binary itself uses.
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params
            .serialize_request(&key)
            .unwrap()
            .pem()
            .unwrap()
            .into_bytes()
    }
}

/// Run `args`, require a clean refusal with `expected` in the message and nothing changed in
/// the CA directory or the ssldir. Returns the exit code.
fn refused(world: &World, args: &[&str], expected: &str) -> i32 {
    let ca_before = snapshot(&world.cadir);
    let ssl_before = snapshot(&world.ssldir);
    let (code, _, stderr) = world.fails(args);
    let what = format!("cert {args:?}");
    assert_one_error(&stderr, &what);
    assert!(
        stderr.contains(expected),
        "{what}: stderr lacks {expected:?}:\n{stderr}"
    );
    // The audit trail records refusals too (issue 7): the one file a refusal may change.
    assert_same(
        &without_audit(ca_before),
        &without_audit(snapshot(&world.cadir)),
        &what,
    );
    assert_same(&ssl_before, &snapshot(&world.ssldir), &what);
    code
}

#[test]
fn unknown_names_are_refused() {
    let world = populated();
    for args in [
        &["--sign", "nobody.test"][..],
        &["--revoke", "nobody.test"],
        &["--clean", "nobody.test"],
        &["sign", "--certname", "nobody.test"],
        &["revoke", "--certname", "nobody.test"],
        &["clean", "--certname", "nobody.test"],
        &["--print", "nobody.test"],
        &["--fingerprint", "nobody.test"],
        &["--verify", "nobody.test"],
    ] {
        let code = refused(&world, args, "nobody.test");
        assert_eq!(code, 1, "{args:?}");
    }
    // A signed certificate has no request to sign.
    refused(&world, &["--sign", "signed.test"], "signed.test");
}

#[test]
fn invalid_certnames_are_refused_before_anything_happens() {
    let world = populated();
    let long = "a".repeat(300);
    let names = [
        ("Upper.example.com", "lower case"),
        ("a/../b", "'/'"),
        ("..", "label"),
        (long.as_str(), "300 bytes"),
        ("a\u{1}b", "\\u{1}"),
    ];
    for (name, expected) in names {
        for action in [
            "--sign",
            "--revoke",
            "--clean",
            "--generate",
            "--list",
            "--print",
            "--fingerprint",
            "--verify",
        ] {
            let code = refused(&world, &[action, name], expected);
            assert_ne!(code, 0);
        }
        for sub in ["sign", "revoke", "clean", "generate", "list"] {
            refused(&world, &[sub, "--certname", name], expected);
        }
    }
}

#[test]
fn one_invalid_name_stops_the_whole_command() {
    let world = populated();
    for args in [
        &["--sign", "pending.test", "Bad.test"][..],
        &["--sign", "--allow-dns-alt-names", "pending.test", ".."],
        &["--revoke", "signed.test", "Bad.test"],
        &["--clean", "signed.test", "pending.test", "a/../b"],
        &["--generate", "new.test", "Bad.test"],
        &["sign", "--certname", "pending.test,Bad.test"],
        &["revoke", "--certname", "signed.test,Bad.test"],
        &[
            "clean",
            "--certname",
            "signed.test",
            "--certname",
            "Bad.test",
        ],
        &["generate", "--certname", "new.test,Bad.test"],
    ] {
        let code = refused(&world, args, "error: certname");
        assert_eq!(code, 2, "{args:?}");
    }
    // And on an empty directory, a bad name does not create the CA on first use.
    let empty = World::new();
    refused(
        &empty,
        &["--generate", "new.test", "Bad.test"],
        "lower case",
    );
    assert!(!empty.cadir.exists() && !empty.ssldir.exists());
}

#[test]
fn bad_requests_are_refused_at_submit() {
    if !require_peer("openssl") {
        return;
    }
    let world = populated();

    // A signature byte flipped: the last byte of the DER is inside the signature.
    let good = fs::read(world.openssl_csr("tampered.test", &[])).unwrap();
    let mut block = pem::parse(&good).unwrap();
    let mut der = block.contents().to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    block = pem::Pem::new("CERTIFICATE REQUEST", der);
    let tampered = world.path().join("tampered.csr");
    fs::write(&tampered, pem::encode(&block)).unwrap();
    refused(
        &world,
        &["submit", tampered.to_str().unwrap()],
        "signature does not verify",
    );

    // A CN that is not a certname.
    let upper = world.openssl_csr("Bad.Example.com", &[]);
    refused(&world, &["submit", upper.to_str().unwrap()], "lower case");
    let slash = world.openssl_csr("a_b/c", &[]);
    refused(&world, &["submit", slash.to_str().unwrap()], "'/'");

    // Not a CSR at all.
    let garbage = world.path().join("garbage.csr");
    fs::write(&garbage, b"this is not a certificate request\n\x00\xff").unwrap();
    refused(&world, &["submit", garbage.to_str().unwrap()], "malformed");
    let empty = world.path().join("empty.csr");
    fs::write(&empty, b"").unwrap();
    refused(&world, &["submit", empty.to_str().unwrap()], "malformed");
    let cert = world.ssl("certs/signed.test.pem");
    refused(&world, &["submit", cert.to_str().unwrap()], "malformed");
    let missing = world.path().join("missing.csr");
    refused(
        &world,
        &["submit", missing.to_str().unwrap()],
        "missing.csr",
    );

    // A key too weak to sign.
    let weak = world.path().join("weak.csr");
    world.openssl_ok(&[
        "req",
        "-new",
        "-newkey",
        "rsa:1024",
        "-nodes",
        "-subj",
        "/CN=weak.test",
        "-keyout",
        "weak.key",
        "-out",
        weak.to_str().unwrap(),
    ]);
    refused(&world, &["submit", weak.to_str().unwrap()], "RSA 1024");

    // A request for a name that already has a certificate.
    let duplicate = world.openssl_csr("signed.test", &[]);
    refused(
        &world,
        &["submit", duplicate.to_str().unwrap()],
        "already has a signed certificate",
    );
}

#[test]
fn a_partial_ca_is_refused() {
    let world = populated();
    fs::remove_file(world.ca("ca_key.pem")).unwrap();
    for args in [
        &["--list", "--all"][..],
        &["--sign", "pending.test"],
        &["--revoke", "signed.test"],
        &["--clean", "signed.test"],
        &["--generate", "new.test"],
    ] {
        let code = refused(&world, args, "ca_key.pem");
        assert_ne!(code, 0, "{args:?}");
    }
    let (_, _, stderr) = world.fails(&["--list"]);
    assert!(stderr.contains("incomplete"), "{stderr}");
    // Nor is a new CA set up over the remains of the old one.
    refused(&world, &["setup"], "already exists");
}

#[test]
fn a_ca_key_that_does_not_match_the_certificate_is_refused() {
    if !require_peer("openssl") {
        return;
    }
    let world = populated();
    let other = world.path().join("other.key");
    world.openssl_ok(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        other.to_str().unwrap(),
    ]);
    fs::write(world.ca("ca_key.pem"), fs::read(&other).unwrap()).unwrap();
    for args in [
        &["--sign", "pending.test"][..],
        &["--revoke", "signed.test"],
        &["--clean", "signed.test"],
        &["--generate", "new.test"],
        &["--list", "--all"],
    ] {
        refused(&world, args, "does not match");
    }
    let (_, _, stderr) = world.fails(&["--sign", "pending.test"]);
    assert!(stderr.contains("ca_key.pem"), "{stderr}");
}

#[test]
fn no_ca_at_all_is_a_usage_error() {
    let world = World::new();
    for args in [
        &["--list"][..],
        &["--sign", "a.test"],
        &["--revoke", "a.test"],
    ] {
        let code = refused(&world, args, "no CA");
        assert_eq!(code, 2, "{args:?}");
    }
    assert!(!world.cadir.exists());
}
