//! `cert` on a copy of a CA made by the real puppetserver 7.9.5 (tests/fixtures/README.md):
//! it must read that CA as puppetserver left it, and what it writes must be what puppetserver
//! and openssl expect (serials, inventory, the CRL chain).

mod common;

use std::collections::BTreeMap;
use std::fs;

use common::{assert_inventory_line, assert_same, mode, pem_blocks, read, require_peer, World};
use serde_json::Value;

const FIXTURE: &str = "puppetserver-7.9.5";
const CONFIG: &str = "[main]\ncertname = vm\nkey_type = ec\n";

fn fixture() -> World {
    World::from_fixture(FIXTURE, CONFIG)
}

fn states(world: &World) -> BTreeMap<String, String> {
    let out = world.ok(&["list", "--all", "--format", "json"]);
    let value: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn list_all_shows_what_puppetserver_left() {
    let world = fixture();
    // The fixture's own invariant the revocation test relies on.
    assert_eq!(read(&world.ssl("crl.pem")), read(&world.ca("ca_crl.pem")));
    let expected: BTreeMap<String, String> = [
        ("alt1.example.com", "requested"),
        ("node1.example.com", "signed"),
        ("node2.example.com", "revoked"),
        ("node3.example.com", "requested"),
        ("puppetca", "signed"),
        ("puppetmaster", "requested"),
        ("vm", "signed"),
        ("web01.agents.example.com", "signed"),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect();
    assert_eq!(states(&world), expected);

    let lines = world.ok(&["--list", "--all", "--format", "puppet"]);
    let glyph = |name: &str| {
        lines
            .lines()
            .find(|l| l.contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("{name} not listed:\n{lines}"))
            .chars()
            .next()
            .unwrap()
    };
    assert_eq!(glyph("node3.example.com"), ' ');
    assert_eq!(glyph("node1.example.com"), '+');
    assert_eq!(glyph("node2.example.com"), '-');
    for name in ["web01.agents.example.com", "vm", "puppetca"] {
        assert_eq!(glyph(name), '+', "{name}");
    }
    // Without --all: only the three pending requests.
    let pending = world.ok(&["--list", "--format", "puppet"]);
    assert_eq!(pending.lines().count(), 3, "{pending}");
}

#[test]
fn signing_node3_continues_the_serials_and_openssl_accepts_it() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let key_mode = mode(&world.ca("ca_key.pem"));
    let chain = read(&world.ca("ca_crt.pem"));
    let out = world.ok(&["--sign", "node3.example.com"]);
    assert!(out.contains("0006"), "{out}");

    assert_eq!(read(&world.ca("serial")), "0007");
    let inventory = read(&world.ca("inventory.txt"));
    let lines: Vec<&str> = inventory.lines().collect();
    assert_eq!(lines.len(), 6, "{inventory}");
    assert_eq!(
        lines[4],
        "0x0005 2026-11-22T07:14:40UTC 2031-11-22T07:14:40UTC /CN=node2.example.com"
    );
    assert_inventory_line(lines[5], 6, "node3.example.com");

    let cert = world.ca("signed/node3.example.com.pem");
    let text = world.x509_text(&cert);
    assert!(text.contains("Serial Number: 6 (0x6)"), "{text}");
    assert!(text.contains("Issuer: CN = Puppet CA: puppetca"), "{text}");
    assert!(text.contains("DNS:node3.example.com"), "{text}");
    let (ok, out) = world.openssl_verify(&cert);
    assert!(ok, "{out}");
    // The existing certificates still verify, node2 is still revoked.
    let (ok, out) = world.openssl_verify(&world.ca("signed/web01.agents.example.com.pem"));
    assert!(ok, "{out}");
    let (ok, _) = world.openssl_verify(&world.ca("signed/node2.example.com.pem"));
    assert!(!ok);

    assert!(!world.ca("requests/node3.example.com.pem").exists());
    assert_eq!(read(&world.ca("ca_crt.pem")), chain);
    assert_eq!(mode(&world.ca("ca_key.pem")), key_mode);
}

#[test]
fn requests_with_alt_names_need_the_flag() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let before = world.snapshot_ca();
    for name in ["alt1.example.com", "puppetmaster"] {
        let (code, _, stderr) = world.fails(&["--sign", name]);
        assert_eq!(code, 1);
        assert!(stderr.contains("subject alternative names"), "{stderr}");
        assert!(stderr.contains("--allow-dns-alt-names"), "{stderr}");
    }
    assert_same(&before, &world.snapshot_ca(), "refused signing");

    world.ok(&["--sign", "--allow-dns-alt-names", "alt1.example.com"]);
    let cert = world.ca("signed/alt1.example.com.pem");
    let text = world.x509_text(&cert);
    assert!(
        text.contains("DNS:alt1") && text.contains("DNS:alt1.svc.example.com"),
        "{text}"
    );
    assert!(text.contains("DNS:alt1.example.com"), "{text}");
    let (ok, out) = world.openssl_verify(&cert);
    assert!(ok, "{out}");
}

#[test]
fn revoking_node1_rewrites_only_the_issuing_crl() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let key_mode = mode(&world.ca("ca_key.pem"));
    let before = read(&world.ca("ca_crl.pem"));
    let old = pem_blocks(&before, "X509 CRL");
    assert_eq!(old.len(), 2);
    let old_texts = world.crl_texts(&world.ca("ca_crl.pem"));
    assert!(old_texts[0].contains("X509v3 CRL Number: \n                1"));

    world.ok(&["--revoke", "node1.example.com"]);

    let after = read(&world.ca("ca_crl.pem"));
    let new = pem_blocks(&after, "X509 CRL");
    assert_eq!(new.len(), 2, "{after}");
    assert_eq!(new[1], old[1], "the root's CRL must be kept byte for byte");
    let texts = world.crl_texts(&world.ca("ca_crl.pem"));
    let first = &texts[0];
    assert!(
        first.contains("Issuer: CN = Puppet CA: puppetca"),
        "{first}"
    );
    assert!(first.contains("Serial Number: 04"), "{first}");
    assert!(first.contains("Serial Number: 05"), "{first}");
    assert!(
        first.contains("X509v3 CRL Number: \n                2"),
        "{first}"
    );
    assert_eq!(first.matches("Key Compromise").count(), 2, "{first}");
    // The earlier revocation keeps its date.
    assert!(
        first.contains("Revocation Date: Nov 23 07:14:42 2026 GMT"),
        "{first}"
    );

    let (ok, out) = world.openssl_verify(&world.ca("signed/node1.example.com.pem"));
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = world.openssl_verify(&world.ca("signed/web01.agents.example.com.pem"));
    assert!(ok, "{out}");
    assert_eq!(
        states(&world).get("node1.example.com").map(String::as_str),
        Some("revoked")
    );
    assert_eq!(mode(&world.ca("ca_key.pem")), key_mode);
    // The serial does not move on a revocation.
    assert_eq!(read(&world.ca("serial")), "0006");
    // As puppetserver left it (server-ssl/crl.pem == cadir/ca_crl.pem after node2's
    // revocation), the server's own CRL follows the CA's: its TLS layer checks clients with it.
    assert_eq!(read(&world.ssl("crl.pem")), after);
    let status = world
        .openssl(&[
            "verify",
            "-CAfile",
            world.ssl("certs/ca.pem").to_str().unwrap(),
            "-crl_check_all",
            "-CRLfile",
            world.ssl("crl.pem").to_str().unwrap(),
            world.ca("signed/node1.example.com.pem").to_str().unwrap(),
        ])
        .status;
    assert!(
        !status.success(),
        "node1 still accepted with the server's CRL"
    );
}

#[test]
fn clean_removes_requests_and_certificates() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let key_mode = mode(&world.ca("ca_key.pem"));
    let web01 = world.path().join("web01.pem");
    fs::copy(world.ca("signed/web01.agents.example.com.pem"), &web01).unwrap();

    world.ok(&["--clean", "node3.example.com", "web01.agents.example.com"]);
    assert!(!world.ca("requests/node3.example.com.pem").exists());
    assert!(!world.ca("signed/web01.agents.example.com.pem").exists());
    let (ok, out) = world.openssl_verify(&web01);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let names = states(&world);
    assert!(!names.contains_key("node3.example.com"), "{names:?}");
    assert!(!names.contains_key("web01.agents.example.com"), "{names:?}");

    // Cleaning the server's own name removes its files from the server's ssldir too.
    world.ok(&["--clean", "puppetmaster"]);
    assert!(!world.ca("requests/puppetmaster.pem").exists());
    assert!(!world.ssl("private_keys/puppetmaster.pem").exists());
    assert!(!world.ssl("public_keys/puppetmaster.pem").exists());
    assert!(world.ssl("private_keys/vm.pem").exists());
    assert_eq!(mode(&world.ca("ca_key.pem")), key_mode);
}

/// Request fingerprints are over the CSR's DER, as puppetserver computes them.
#[test]
fn fingerprint_of_a_pending_request_and_verify() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let der = world.path().join("node3.der");
    let request = world.ca("requests/node3.example.com.pem");
    world.openssl_ok(&[
        "req",
        "-in",
        request.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        der.to_str().unwrap(),
    ]);
    let digest = world.openssl_ok(&["dgst", "-sha256", "-r", der.to_str().unwrap()]);
    let hex = digest.split_whitespace().next().unwrap().to_uppercase();
    let expected: Vec<String> = hex
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8(pair.to_vec()).unwrap())
        .collect();
    let out = world.ok(&["--fingerprint", "node3.example.com"]);
    assert_eq!(
        out.trim(),
        format!("node3.example.com (SHA256) {}", expected.join(":"))
    );

    world.ok(&[
        "--verify",
        "node1.example.com",
        "web01.agents.example.com",
        "vm",
    ]);
    let (code, _, stderr) = world.fails(&["--verify", "node2.example.com"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("revoked"), "{stderr}");
}

/// Revocation finds serials through the inventory when `signed/` no longer has the file.
#[test]
fn revoke_by_inventory_when_the_signed_file_is_gone() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    let kept = world.path().join("node1.pem");
    fs::copy(world.ca("signed/node1.example.com.pem"), &kept).unwrap();
    fs::remove_file(world.ca("signed/node1.example.com.pem")).unwrap();
    world.ok(&["--revoke", "node1.example.com"]);
    let (ok, out) = world.openssl_verify(&kept);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
}

/// A request for a name with a certificate, signed or revoked, is refused.
#[test]
fn duplicates_are_refused() {
    if !require_peer("openssl") {
        return;
    }
    let world = fixture();
    for (name, state) in [
        ("node1.example.com", "signed"),
        ("node2.example.com", "revoked"),
    ] {
        let csr = world.openssl_csr(name, &[]);
        let before = world.snapshot_ca();
        let (_, _, stderr) = world.fails(&["submit", csr.to_str().unwrap()]);
        assert!(
            stderr.contains(&format!("{name} already has a {state} certificate")),
            "{stderr}"
        );
        assert_same(&before, &world.snapshot_ca(), name);
    }
    // A request file placed by hand next to a signed certificate is not signed either.
    fs::copy(
        world.ca("requests/node3.example.com.pem"),
        world.ca("requests/node1.example.com.pem"),
    )
    .unwrap();
    let before = world.snapshot_ca();
    let (_, _, stderr) = world.fails(&["--sign", "node1.example.com"]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_same(
        &before,
        &world.snapshot_ca(),
        "sign over a signed certificate",
    );
}
