//! The Puppet 3 dialect (`cert --generate`, `--list`, `--sign`, `--revoke`, `--clean`, `--print`,
//! `--fingerprint`, `--verify`) driven through the real binary, with openssl as the verifier.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{
    assert_inventory_line, assert_one_error, assert_same, mode, pem_blocks, read, require_peer,
    World,
};

/// `--generate NAME --dns_alt_names a,b` on an empty directory creates the CA and the host files.
#[test]
fn generate_creates_the_ca_and_a_host_certificate_openssl_accepts() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    let out = world.ok(&["--generate", "web01.test", "--dns_alt_names", "a,b"]);
    assert!(out.contains("Created CA"), "{out}");

    for file in [
        "ca_crt.pem",
        "ca_key.pem",
        "ca_crl.pem",
        "serial",
        "inventory.txt",
    ] {
        assert!(world.ca(file).is_file(), "{file} missing");
    }
    assert_eq!(mode(&world.ca("ca_key.pem")), 0o640);
    assert!(world.ssl("certs/ca.pem").is_file());
    let key = world.ssl("private_keys/web01.test.pem");
    assert_eq!(mode(&key), 0o600);
    let cert = world.ssl("certs/web01.test.pem");
    assert_eq!(read(&cert), read(&world.ca("signed/web01.test.pem")));
    assert_eq!(
        read(&world.ssl("certs/ca.pem")),
        read(&world.ca("ca_crt.pem"))
    );

    // The key belongs to the certificate.
    let cert_pub = world.openssl_ok(&["x509", "-noout", "-pubkey", "-in", cert.to_str().unwrap()]);
    let key_pub = world.openssl_ok(&["pkey", "-pubout", "-in", key.to_str().unwrap()]);
    assert_eq!(cert_pub, key_pub);

    let (ok, text) = world.openssl_verify(&cert);
    assert!(ok, "openssl verify: {text}");

    let text = world.x509_text(&cert);
    for expected in [
        "Subject: CN = web01.test",
        "Issuer: CN = Puppet CA: ca.test",
        "X509v3 Basic Constraints: critical\n                CA:FALSE",
        "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment",
        "X509v3 Extended Key Usage: critical\n                TLS Web Server Authentication, \
         TLS Web Client Authentication",
        "DNS:web01.test, DNS:a, DNS:b",
        "Puppet Server Internal Certificate",
        "X509v3 Authority Key Identifier",
        "X509v3 Subject Key Identifier",
    ] {
        assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
    }

    // Serial file: next serial, %04X, no newline; inventory: CA (1) then the host (2).
    assert_eq!(read(&world.ca("serial")), "0003");
    let inventory = read(&world.ca("inventory.txt"));
    let lines: Vec<&str> = inventory.lines().collect();
    assert_eq!(lines.len(), 2, "{inventory}");
    assert!(lines[0].starts_with("0x0001 ") && lines[0].ends_with(" /CN=Puppet CA: ca.test"));
    assert_inventory_line(lines[1], 2, "web01.test");
    assert!(inventory.ends_with('\n'));
}

/// Puppet writes PEM with LF line ends; so must we (CRLF broke byte-for-byte CRL round trips).
#[test]
fn every_pem_file_written_uses_lf_line_endings() {
    let world = World::new();
    world.ok(&["--generate", "web01.test"]);
    world.ok(&["--revoke", "web01.test"]);
    for root in [&world.cadir, &world.ssldir] {
        for (path, (bytes, _)) in common::snapshot(root) {
            if let Some(bytes) = bytes {
                assert!(
                    !bytes.contains(&b'\r'),
                    "{} contains CR",
                    root.join(path).display()
                );
            }
        }
    }
}

#[test]
fn list_print_fingerprint_and_verify() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "web01.test", "--dns_alt_names", "a,b"]);
    let cert = world.ssl("certs/web01.test.pem");
    let cert = cert.to_str().unwrap();

    let sha256 = world.openssl_ok(&["x509", "-noout", "-fingerprint", "-sha256", "-in", cert]);
    let sha256 = sha256.trim().split_once('=').unwrap().1.to_string();
    let sha1 = world.openssl_ok(&["x509", "-noout", "-fingerprint", "-sha1", "-in", cert]);
    let sha1 = sha1.trim().split_once('=').unwrap().1.to_string();

    let list = world.ok(&["--list", "--all", "--format", "puppet"]);
    let line = list
        .lines()
        .find(|l| l.contains("\"web01.test\""))
        .unwrap_or_else(|| panic!("no line for web01.test:\n{list}"));
    assert!(line.starts_with("+ \"web01.test\""), "{line}");
    assert!(line.contains(&format!("(SHA256) {sha256}")), "{line}");
    // Issue 12: every alt name, the certname's own included, as `puppet cert` printed them.
    assert!(
        line.ends_with("(alt names: \"DNS:web01.test\", \"DNS:a\", \"DNS:b\")"),
        "{line}"
    );
    // Without --all, signed certificates are not listed.
    assert!(!world
        .ok(&["--list", "--format", "puppet"])
        .contains("web01.test"));

    let out = world.ok(&["--fingerprint", "web01.test"]);
    assert_eq!(out.trim(), format!("web01.test (SHA256) {sha256}"));
    let out = world.ok(&["--fingerprint", "--digest", "sha1", "web01.test"]);
    assert_eq!(out.trim(), format!("web01.test (SHA1) {sha1}"));

    let printed = world.ok(&["--print", "web01.test"]);
    assert!(printed.contains("Subject: CN=web01.test") || printed.contains("CN = web01.test"));
    assert!(
        printed.contains("Puppet Server Internal Certificate"),
        "{printed}"
    );

    let out = world.ok(&["--verify", "web01.test"]);
    assert!(out.contains("web01.test"), "{out}");
}

#[test]
fn revoke_is_seen_by_openssl_and_by_verify_then_clean_removes_files() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "web01.test"]);
    let cert = world.ssl("certs/web01.test.pem");
    let kept = world.path().join("web01.pem");
    fs::copy(&cert, &kept).unwrap();

    let out = world.ok(&["--revoke", "web01.test"]);
    assert!(out.contains("0002"), "{out}");
    let (ok, text) = world.openssl_verify(&kept);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    let crl = &world.crl_texts(&world.ca("ca_crl.pem"))[0];
    assert!(crl.contains("Serial Number: 02"), "{crl}");
    assert!(crl.contains("Key Compromise"), "{crl}");
    assert!(
        crl.contains("X509v3 CRL Number: \n                1"),
        "{crl}"
    );

    // This host's CRL copy follows the CA's.
    assert_eq!(read(&world.ssl("crl.pem")), read(&world.ca("ca_crl.pem")));

    let (code, _, stderr) = world.fails(&["--verify", "web01.test"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("revoked"), "{stderr}");
    let list = world.ok(&["--list", "--all", "--format", "puppet"]);
    assert!(list.starts_with("- \"web01.test\""), "{list}");

    world.ok(&["--clean", "web01.test"]);
    for gone in [
        world.ca("signed/web01.test.pem"),
        world.ssl("certs/web01.test.pem"),
        world.ssl("private_keys/web01.test.pem"),
        world.ssl("public_keys/web01.test.pem"),
    ] {
        assert!(!gone.exists(), "{} still there", gone.display());
    }
    // Cleaning a revoked certificate does not put it on the CRL twice.
    let crl = &world.crl_texts(&world.ca("ca_crl.pem"))[0];
    assert_eq!(crl.matches("Serial Number: 02").count(), 1, "{crl}");
    assert!(world
        .ok(&["--list", "--all"])
        .contains("No certificates to list"));
    let (ok, _) = world.openssl_verify(&kept);
    assert!(!ok);
}

#[test]
fn clean_of_a_signed_certificate_revokes_it() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "web01.test"]);
    let kept = world.path().join("web01.pem");
    fs::copy(world.ssl("certs/web01.test.pem"), &kept).unwrap();
    let out = world.ok(&["--clean", "web01.test"]);
    assert!(out.contains("Revoked"), "{out}");
    let (ok, text) = world.openssl_verify(&kept);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    assert!(!world.ca("signed/web01.test.pem").exists());
}

#[test]
fn sign_a_submitted_openssl_request() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    let csr = world.openssl_csr("agent1.test", &[]);
    let out = world.ok(&["submit", csr.to_str().unwrap()]);
    assert!(out.contains("agent1.test"), "{out}");
    assert!(world.ca("requests/agent1.test.pem").is_file());
    let list = world.ok(&["--list", "--format", "puppet"]);
    assert!(list.starts_with("  \"agent1.test\""), "{list}");

    let out = world.ok(&["--sign", "agent1.test"]);
    assert!(out.contains("agent1.test") && out.contains("0003"), "{out}");
    assert!(!world.ca("requests/agent1.test.pem").exists());
    let signed = world.ca("signed/agent1.test.pem");
    let (ok, text) = world.openssl_verify(&signed);
    assert!(ok, "{text}");
    let text = world.x509_text(&signed);
    assert!(text.contains("Subject: CN = agent1.test"), "{text}");
    assert!(text.contains("DNS:agent1.test"), "{text}");
    // The certificate carries the request's key.
    let key = world.path().join("agent1_test.key");
    let key_pub = world.openssl_ok(&["pkey", "-pubout", "-in", key.to_str().unwrap()]);
    let cert_pub =
        world.openssl_ok(&["x509", "-noout", "-pubkey", "-in", signed.to_str().unwrap()]);
    assert_eq!(key_pub, cert_pub);

    assert_eq!(read(&world.ca("serial")), "0004");
    let inventory = read(&world.ca("inventory.txt"));
    assert_inventory_line(inventory.lines().last().unwrap(), 3, "agent1.test");
}

#[test]
fn alt_names_need_allow_dns_alt_names() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    let csr = world.openssl_csr("alt.test", &["alt.test", "www.alt.test"]);
    world.ok(&["submit", csr.to_str().unwrap()]);

    let before = world.snapshot_ca();
    let (code, _, stderr) = world.fails(&["--sign", "alt.test"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("subject alternative names"), "{stderr}");
    assert!(stderr.contains("--allow-dns-alt-names"), "{stderr}");
    assert_same(&before, &world.snapshot_ca(), "refused alt-name signing");

    world.ok(&["--sign", "--allow-dns-alt-names", "alt.test"]);
    let signed = world.ca("signed/alt.test.pem");
    let (ok, text) = world.openssl_verify(&signed);
    assert!(ok, "{text}");
    let text = world.x509_text(&signed);
    assert!(text.contains("DNS:alt.test, DNS:www.alt.test"), "{text}");
}

#[test]
fn sign_all_signs_every_pending_request() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    for name in ["n1.test", "n2.test", "n3.test"] {
        let csr = world.openssl_csr(name, &[]);
        world.ok(&["submit", csr.to_str().unwrap()]);
    }
    let out = world.ok(&["--sign", "--all", "--yes"]);
    assert_eq!(out.matches("Successfully signed").count(), 3, "{out}");
    for name in ["n1.test", "n2.test", "n3.test"] {
        let (ok, text) = world.openssl_verify(&world.ca(&format!("signed/{name}.pem")));
        assert!(ok, "{name}: {text}");
    }
    assert_eq!(read(&world.ca("serial")), "0006");
    let inventory = read(&world.ca("inventory.txt"));
    let lines: Vec<&str> = inventory.lines().collect();
    assert_eq!(lines.len(), 5, "{inventory}");
    let mut serials: Vec<&str> = lines[2..].iter().map(|l| &l[..6]).collect();
    serials.sort();
    assert_eq!(serials, ["0x0003", "0x0004", "0x0005"]);
    assert!(world.ok(&["--list"]).contains("No certificates to list"));
    // Nothing left: --sign --all is a no-op that succeeds.
    world.ok(&["--sign", "--all", "--yes"]);
    assert_eq!(read(&world.ca("serial")), "0006");
}

/// The chain in ca_crt.pem is one self-signed CA for the Puppet 3 dialect.
#[test]
fn first_use_ca_is_self_signed_and_its_crl_is_empty() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "web01.test"]);
    let chain = read(&world.ca("ca_crt.pem"));
    assert_eq!(pem_blocks(&chain, "CERTIFICATE").len(), 1);
    let text = world.x509_text(&world.ca("ca_crt.pem"));
    assert!(text.contains("Issuer: CN = Puppet CA: ca.test"), "{text}");
    assert!(text.contains("Subject: CN = Puppet CA: ca.test"), "{text}");
    assert!(text.contains("CA:TRUE"), "{text}");
    let crls = world.crl_texts(&world.ca("ca_crl.pem"));
    assert_eq!(crls.len(), 1);
    assert!(crls[0].contains("No Revoked Certificates"), "{}", crls[0]);
}

/// What a CSR may carry: pp_* extensions are copied, `pp_cli_auth` and wildcards never are,
/// whatever the flags; a refusal writes nothing.
#[test]
fn csr_extensions_policy() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    let make = |name: &str, ext: &str| {
        let csr = world.path().join(format!("{name}.csr"));
        let key = world.path().join(format!("{name}.key"));
        world.openssl_ok(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            csr.to_str().unwrap(),
            "-addext",
            ext,
        ]);
        csr
    };
    let pp = make("pp.test", "1.3.6.1.4.1.34380.1.1.1=ASN1:UTF8String:ED519BA");
    world.ok(&["submit", pp.to_str().unwrap()]);

    // Issue 12: what no flag could ever get signed is refused when submitted, with the
    // message signing gives, and never queued.
    let before = world.snapshot_ca();
    for (name, ext, expected) in [
        (
            "auth.test",
            "1.3.6.1.4.1.34380.1.3.39=ASN1:UTF8String:true",
            "authorization extension (pp_cli_auth)",
        ),
        (
            "wild.test",
            "subjectAltName=DNS:*.wild.test",
            "DNS:*.wild.test that is never signed",
        ),
    ] {
        let csr = make(name, ext);
        let (code, _, stderr) = world.fails(&["submit", csr.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert_one_error(&stderr, name);
        let (_, _, stderr) = world.fails(&["--sign", "--allow-dns-alt-names", name]);
        assert!(
            stderr.contains("could not find a certificate request"),
            "{stderr}"
        );
    }
    assert_same(&before, &world.snapshot_ca(), "refused extensions");

    world.ok(&["--sign", "pp.test"]);
    let signed = world.ca("signed/pp.test.pem");
    let text = world.x509_text(&signed);
    assert!(
        text.contains("1.3.6.1.4.1.34380.1.1.1:") && text.contains("ED519BA"),
        "{text}"
    );
    assert!(!text.contains("1.3.6.1.4.1.34380.1.3.39"), "{text}");
    let (ok, out) = world.openssl_verify(&signed);
    assert!(ok, "{out}");
}

/// The issued subject is `CN=name` only; IP alt names are signed with the flag, e-mail ones never.
#[test]
fn subject_is_the_certname_only_and_alt_name_types() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca.test"]);
    let request = |subject: &str, file: &str, ext: Option<&str>| {
        let path = world.path().join(file);
        let mut args = vec![
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "/dev/null",
            "-subj",
            subject,
            "-out",
            path.to_str().unwrap(),
        ];
        if let Some(ext) = ext {
            args.extend(["-addext", ext]);
        }
        world.openssl_ok(&args);
        path
    };
    let submit = |path: PathBuf| world.ok(&["submit", path.to_str().unwrap()]);
    submit(request("/O=Evil/CN=org.test", "org.csr", None));
    submit(request(
        "/CN=ip.test",
        "ip.csr",
        Some("subjectAltName=DNS:ip.test,IP:10.0.0.1"),
    ));
    let mail = request(
        "/CN=mail.test",
        "mail.csr",
        Some("subjectAltName=email:a@b.c"),
    );

    world.ok(&["--sign", "org.test"]);
    let org = world.ca("signed/org.test.pem");
    let subject = world.openssl_ok(&["x509", "-noout", "-subject", "-in", org.to_str().unwrap()]);
    assert_eq!(subject.trim(), "subject=CN = org.test");

    world.fails(&["--sign", "ip.test"]);
    world.ok(&["--sign", "--allow-dns-alt-names", "ip.test"]);
    let text = world.x509_text(&world.ca("signed/ip.test.pem"));
    assert!(text.contains("DNS:ip.test, IP Address:10.0.0.1"), "{text}");

    // Issue 12: never signed, so refused at submission and never queued.
    let before = world.snapshot_ca();
    let (_, _, stderr) = world.fails(&["submit", mail.to_str().unwrap()]);
    assert!(
        stderr.contains("email:a@b.c that is never signed"),
        "{stderr}"
    );
    assert_same(&before, &world.snapshot_ca(), "e-mail alt name");
}
