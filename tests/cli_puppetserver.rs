//! The `puppetserver ca` dialect (`cert setup`, `import`, `generate`, `sign`, `revoke`, `clean`,
//! `list --format json`) driven through the real binary, with openssl as the verifier.

mod common;

use std::fs;

use common::{assert_inventory_line, assert_same, mode, pem_blocks, read, require_peer, World};
use serde_json::Value;

const PP_CLI_AUTH: &str = "1.3.6.1.4.1.34380.1.3.39";

fn list_json(world: &World) -> Vec<Value> {
    let out = world.ok(&["list", "--all", "--format", "json"]);
    let value: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    value.as_array().expect("a JSON array").clone()
}

fn entry<'a>(entries: &'a [Value], name: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entry for {name} in {entries:?}"))
}

#[test]
fn setup_makes_root_intermediate_and_the_servers_own_certificate() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    let out = world.ok(&["setup"]);
    assert!(out.contains("Puppet CA: ca.test"), "{out}");

    let chain = read(&world.ca("ca_crt.pem"));
    let certs = pem_blocks(&chain, "CERTIFICATE");
    assert_eq!(certs.len(), 2, "{chain}");
    fs::write(world.path().join("intermediate.pem"), &certs[0]).unwrap();
    fs::write(world.path().join("root.pem"), &certs[1]).unwrap();
    let intermediate = world.x509_text(&world.path().join("intermediate.pem"));
    let root = world.x509_text(&world.path().join("root.pem"));
    assert!(
        intermediate.contains("Subject: CN = Puppet CA: ca.test"),
        "{intermediate}"
    );
    assert!(
        intermediate.contains("Issuer: CN = Puppet Root CA: "),
        "{intermediate}"
    );
    assert!(
        intermediate.contains("Serial Number: 2 (0x2)"),
        "{intermediate}"
    );
    assert!(root.contains("Serial Number: 1 (0x1)"), "{root}");
    let root_cn = root
        .lines()
        .find_map(|l| l.trim().strip_prefix("Subject: CN = Puppet Root CA: "))
        .expect("root subject");
    assert_eq!(root_cn.len(), 14, "{root_cn}");
    assert!(root_cn.chars().all(|c| c.is_ascii_hexdigit()), "{root_cn}");
    assert!(root.contains(&format!("Issuer: CN = Puppet Root CA: {root_cn}")));
    for text in [&intermediate, &root] {
        assert!(text.contains("CA:TRUE"), "{text}");
    }

    let crls = world.crl_texts(&world.ca("ca_crl.pem"));
    assert_eq!(crls.len(), 2);
    assert!(
        crls[0].contains("Issuer: CN = Puppet CA: ca.test"),
        "{}",
        crls[0]
    );
    assert!(
        crls[1].contains("Issuer: CN = Puppet Root CA: "),
        "{}",
        crls[1]
    );

    assert!(world.ca("root_key.pem").is_file());
    assert_eq!(mode(&world.ca("root_key.pem")), 0o640);
    assert_eq!(mode(&world.ca("ca_key.pem")), 0o640);
    // Two different keys: the intermediate's is not the root's.
    assert_ne!(
        read(&world.ca("root_key.pem")),
        read(&world.ca("ca_key.pem"))
    );

    let host = world.ssl("certs/ca.test.pem");
    assert!(world.ssl("private_keys/ca.test.pem").is_file());
    assert_eq!(read(&host), read(&world.ca("signed/ca.test.pem")));
    let text = world.x509_text(&host);
    assert!(text.contains(PP_CLI_AUTH), "pp_cli_auth missing:\n{text}");
    assert!(text.contains("Issuer: CN = Puppet CA: ca.test"), "{text}");
    assert!(text.contains("DNS:ca.test"), "{text}");
    let (ok, out) = world.openssl_verify(&host);
    assert!(ok, "{out}");

    // Chain and CRL copies for the server's own ssldir.
    assert_eq!(read(&world.ssl("certs/ca.pem")), chain);
    assert_eq!(read(&world.ssl("crl.pem")), read(&world.ca("ca_crl.pem")));
    assert_inventory_line(read(&world.ca("inventory.txt")).trim_end(), 1, "ca.test");
    assert_eq!(read(&world.ca("serial")), "0002");

    // A second setup is refused and changes nothing.
    let before = world.snapshot_ca();
    let (_, _, stderr) = world.fails(&["setup"]);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("already"),
        "{stderr}"
    );
    assert_same(&before, &world.snapshot_ca(), "second setup");
}

#[test]
fn generate_sign_revoke_clean_and_list_json() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    world.ok(&[
        "generate",
        "--certname",
        "g1.test,g2.test",
        "--subject-alt-names",
        "x.test",
    ]);
    let csr = world.openssl_csr("agent.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);

    let entries = list_json(&world);
    assert_eq!(entries.len(), 4, "{entries:?}");
    let requested = entry(&entries, "agent.test");
    assert_eq!(requested["state"], "requested");
    assert!(requested.get("serial").is_none(), "{requested}");

    let g1 = entry(&entries, "g1.test");
    assert_eq!(g1["state"], "signed");
    assert_eq!(g1["serial"], "0002");
    assert_eq!(
        g1["dns_alt_names"],
        serde_json::json!(["g1.test", "x.test"])
    );
    let g1_pem = world.ca("signed/g1.test.pem");
    let openssl_fp = world.openssl_ok(&[
        "x509",
        "-noout",
        "-fingerprint",
        "-sha256",
        "-in",
        g1_pem.to_str().unwrap(),
    ]);
    assert_eq!(
        g1["fingerprint"].as_str().unwrap(),
        openssl_fp.trim().split_once('=').unwrap().1
    );
    let start = world.openssl_ok(&[
        "x509",
        "-noout",
        "-startdate",
        "-enddate",
        "-in",
        g1_pem.to_str().unwrap(),
    ]);
    for field in ["not_before", "not_after"] {
        let value = g1[field].as_str().unwrap();
        assert!(
            value.ends_with("UTC") && value.len() == 22,
            "{field}: {value}"
        );
    }
    // notAfter - notBefore: Puppet's default ca_ttl of 5 years (the years match up).
    let year = |v: &Value| v.as_str().unwrap()[..4].parse::<i32>().unwrap();
    assert_eq!(
        year(&g1["not_after"]) - year(&g1["not_before"]),
        5,
        "{start}"
    );
    assert_eq!(entry(&entries, "g2.test")["serial"], "0003");
    let server = entry(&entries, "ca.test");
    assert_eq!(server["authorization_extensions"]["pp_cli_auth"], "true");

    let out = world.ok(&["sign", "--certname", "agent.test"]);
    assert!(out.contains("agent.test"), "{out}");
    let (ok, text) = world.openssl_verify(&world.ca("signed/agent.test.pem"));
    assert!(ok, "{text}");
    assert_eq!(entry(&list_json(&world), "agent.test")["serial"], "0004");

    world.ok(&["revoke", "--certname", "g1.test,agent.test"]);
    let entries = list_json(&world);
    assert_eq!(entry(&entries, "g1.test")["state"], "revoked");
    assert_eq!(entry(&entries, "agent.test")["state"], "revoked");
    assert_eq!(entry(&entries, "g2.test")["state"], "signed");
    let crl = &world.crl_texts(&world.ca("ca_crl.pem"))[0];
    assert!(
        crl.contains("Serial Number: 02") && crl.contains("Serial Number: 04"),
        "{crl}"
    );
    for (name, good) in [("g1", false), ("agent", false), ("g2", true)] {
        let (ok, text) = world.openssl_verify(&world.ca(&format!("signed/{name}.test.pem")));
        assert_eq!(ok, good, "{name}: {text}");
    }

    world.ok(&["clean", "--certname", "g2.test"]);
    assert!(!world.ca("signed/g2.test.pem").exists());
    assert!(!world.ssl("private_keys/g2.test.pem").exists());
    let entries = list_json(&world);
    assert!(
        entries.iter().all(|e| e["name"] != "g2.test"),
        "{entries:?}"
    );
    let crl = &world.crl_texts(&world.ca("ca_crl.pem"))[0];
    assert!(crl.contains("Serial Number: 03"), "{crl}");
}

/// A CA made entirely by openssl (key, self-signed certificate, `openssl ca -gencrl`) is
/// imported, then issues certificates openssl accepts against the original files.
#[test]
fn import_a_ca_made_by_openssl() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    let dir = world.path();
    world.openssl_ok(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ext_key.pem",
        "-out",
        "ext_crt.pem",
        "-subj",
        "/CN=External Test CA",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    fs::write(dir.join("index.txt"), "").unwrap();
    fs::write(dir.join("crlnumber"), "01\n").unwrap();
    fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 30\n",
    )
    .unwrap();
    world.openssl_ok(&[
        "ca",
        "-gencrl",
        "-config",
        "ca.cnf",
        "-keyfile",
        "ext_key.pem",
        "-cert",
        "ext_crt.pem",
        "-out",
        "ext_crl.pem",
    ]);

    world.ok(&[
        "import",
        "--private-key",
        "ext_key.pem",
        "--cert-bundle",
        "ext_crt.pem",
        "--crl-chain",
        "ext_crl.pem",
    ]);
    for file in [
        "ca_crt.pem",
        "ca_key.pem",
        "ca_crl.pem",
        "serial",
        "inventory.txt",
    ] {
        assert!(world.ca(file).is_file(), "{file}");
    }
    assert_eq!(mode(&world.ca("ca_key.pem")), 0o640);
    assert_eq!(read(&world.ca("serial")), "0001");

    world.ok(&["generate", "--certname", "imported.test"]);
    let cert = world.ssl("certs/imported.test.pem");
    let out = world.openssl_ok(&[
        "verify",
        "-CAfile",
        "ext_crt.pem",
        "-crl_check",
        "-CRLfile",
        "ext_crl.pem",
        cert.to_str().unwrap(),
    ]);
    assert!(out.contains(": OK"), "{out}");
    let text = world.x509_text(&cert);
    assert!(text.contains("Issuer: CN = External Test CA"), "{text}");

    // Revoking it produces a CRL openssl accepts from the imported key.
    world.ok(&["revoke", "--certname", "imported.test"]);
    let (ok, text) = world.openssl_verify(&cert);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
}

/// A CA set up by `cert setup` elsewhere, imported from its files: same CA, same chain.
#[test]
fn import_the_files_of_another_setup() {
    if !require_peer("openssl") {
        return;
    }
    let origin = World::new();
    origin.ok(&["setup"]);
    let world = World::new();
    let (key, bundle, crl) = (
        origin.ca("ca_key.pem"),
        origin.ca("ca_crt.pem"),
        origin.ca("ca_crl.pem"),
    );
    world.ok(&[
        "import",
        "--private-key",
        key.to_str().unwrap(),
        "--cert-bundle",
        bundle.to_str().unwrap(),
        "--crl-chain",
        crl.to_str().unwrap(),
    ]);
    assert_eq!(read(&world.ca("ca_crt.pem")), read(&bundle));
    assert_eq!(read(&world.ca("ca_crl.pem")), read(&crl));
    world.ok(&["generate", "--certname", "n.test"]);
    let cert = world.ssl("certs/n.test.pem");
    let (ok, text) = origin.openssl_verify(&cert);
    assert!(ok, "verified with the origin's files: {text}");

    // Importing again over an existing CA is refused and changes nothing.
    let before = world.snapshot_ca();
    let (_, _, stderr) = world.fails(&[
        "import",
        "--private-key",
        key.to_str().unwrap(),
        "--cert-bundle",
        bundle.to_str().unwrap(),
        "--crl-chain",
        crl.to_str().unwrap(),
    ]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_same(&before, &world.snapshot_ca(), "second import");
}

/// `autosign.conf` in the confdir (next to `--config`) signs matching requests at submit; the
/// CA's policy still refuses what it would refuse by hand.
#[test]
fn submit_autosigns_matching_requests() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    fs::write(world.path().join("autosign.conf"), "# fleet\n*.auto.test\n").unwrap();

    let csr = world.openssl_csr("web.auto.test", &[]);
    let out = world.ok(&["submit", csr.to_str().unwrap()]);
    assert!(out.contains("Autosigned web.auto.test"), "{out}");
    let (ok, text) = world.openssl_verify(&world.ca("signed/web.auto.test.pem"));
    assert!(ok, "{text}");
    assert!(!world.ca("requests/web.auto.test.pem").exists());

    let csr = world.openssl_csr("other.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    assert!(world.ca("requests/other.test.pem").is_file());
    assert!(!world.ca("signed/other.test.pem").exists());

    let csr = world.openssl_csr("alt.auto.test", &["alt.auto.test", "extra.test"]);
    let (code, _, stderr) = world.fails(&["submit", csr.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("subject alternative names"), "{stderr}");
    assert!(world.ca("requests/alt.auto.test.pem").is_file());
    assert!(!world.ca("signed/alt.auto.test.pem").exists());
    assert_eq!(read(&world.ca("serial")), "0003");
}

/// `--ttl` sets the lifetime; notBefore is a day back, as puppetserver does.
#[test]
fn sign_with_a_ttl() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    let csr = world.openssl_csr("short.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    world.ok(&["sign", "--certname", "short.test", "--ttl", "30d"]);
    let cert = world.ca("signed/short.test.pem");
    // -checkend: still valid in 29 days, expired in 31.
    let check = |seconds: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &seconds.to_string(),
                "-in",
                cert.to_str().unwrap(),
            ])
            .status
            .success()
    };
    assert!(check(29 * 86400));
    assert!(!check(31 * 86400));
    let value: Value =
        serde_json::from_str(&world.ok(&["list", "--certname", "short.test", "--format", "json"]))
            .unwrap();
    let entry = &value[0];
    let day = |v: &Value| v.as_str().unwrap()[..10].to_string();
    assert_ne!(day(&entry["not_before"]), day(&entry["not_after"]));

    let csr = world.openssl_csr("long.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    let (_, _, stderr) = world.fails(&["sign", "--certname", "long.test", "--ttl", "51y"]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(world.ca("requests/long.test.pem").is_file());
}

/// The CA CLI writes `serial` in lower case without padding; any case and width is read, and
/// `%04X` written back.
#[test]
fn serial_in_any_case_and_width() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    fs::write(world.ca("serial"), "abc").unwrap();
    let csr = world.openssl_csr("hex.test", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    let out = world.ok(&["sign", "--certname", "hex.test"]);
    assert!(out.contains("0ABC"), "{out}");
    assert_eq!(read(&world.ca("serial")), "0ABD");
    let inventory = read(&world.ca("inventory.txt"));
    assert_inventory_line(inventory.lines().last().unwrap(), 0xabc, "hex.test");
    let text = world.x509_text(&world.ca("signed/hex.test.pem"));
    assert!(text.contains("Serial Number: 2748 (0xabc)"), "{text}");
}

/// With RSA (Puppet's default key type), keys are PKCS#1 as puppetserver writes them and
/// certificates are signed with SHA256withRSA.
#[test]
fn rsa_ca_writes_pkcs1_keys_and_sha256_with_rsa() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::with_config("[main]\ncertname = ca.test\nkeylength = 2048\n");
    world.ok(&["setup"]);
    for key in [
        world.ca("ca_key.pem"),
        world.ca("root_key.pem"),
        world.ssl("private_keys/ca.test.pem"),
    ] {
        assert!(
            read(&key).starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
            "{}",
            key.display()
        );
        let out = world.openssl_ok(&["rsa", "-check", "-noout", "-in", key.to_str().unwrap()]);
        assert!(out.contains("RSA key ok"), "{out}");
    }
    let cert = world.ssl("certs/ca.test.pem");
    let text = world.x509_text(&cert);
    assert!(
        text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{text}"
    );
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    let (ok, out) = world.openssl_verify(&cert);
    assert!(ok, "{out}");
}

/// Concurrent runs on one CA serialize on its lock: distinct serials, no lost inventory lines.
#[test]
fn concurrent_generates_get_distinct_serials() {
    let world = World::new();
    world.ok(&["setup"]);
    let children: Vec<_> = (0..6)
        .map(|i| {
            world
                .std_cert(&["generate", "--certname", &format!("c{i}.test")])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(read(&world.ca("serial")), "0008");
    let inventory = read(&world.ca("inventory.txt"));
    let mut serials: Vec<&str> = inventory.lines().map(|l| &l[..6]).collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 7, "{inventory}");
    assert!(!world.ca(".cert.lock").exists());
}

/// Issue 4: `IP:`/`DNS:` prefixes on `--subject-alt-names`, as `puppetserver ca list` prints them,
/// give an IP and a DNS alt name (`IP:127.0.0.1` used to become the DNS name `IP:127.0.0.1`).
#[test]
fn generate_takes_ip_and_dns_prefixed_alt_names() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    world.ok(&[
        "generate",
        "--certname",
        "lb.test",
        "--subject-alt-names",
        "IP:127.0.0.1,DNS:x.test",
    ]);
    let text = world.x509_text(&world.ca("signed/lb.test.pem"));
    assert!(
        text.contains("DNS:lb.test, IP Address:127.0.0.1, DNS:x.test"),
        "{text}"
    );
    let (valid, detail) = world.openssl_verify(&world.ca("signed/lb.test.pem"));
    assert!(valid, "{detail}");
    let (_, _, stderr) = world.fails(&[
        "generate",
        "--certname",
        "bad.test",
        "--subject-alt-names",
        "IP:not-an-address",
    ]);
    assert!(stderr.contains("not an IP address"), "{stderr}");
}

/// Issue 24: puppetserver-ca's `setup --root-ca-name` names the root; `ca-ttl` in ca.conf
/// (puppetserver 8.1) sets the lifetime of issued certificates over puppet.conf's `ca_ttl`.
#[test]
fn setup_root_ca_name_and_ca_conf_ca_ttl() {
    if !require_peer("openssl") {
        return;
    }
    let world = World::with_config(&format!("{}ca_ttl = 5y\n", common::EC_CONFIG));
    world.ok(&["setup", "--root-ca-name", "Example Root CA"]);
    let certs = pem_blocks(&read(&world.ca("ca_crt.pem")), "CERTIFICATE");
    fs::write(world.path().join("root.pem"), &certs[1]).unwrap();
    let root = world.x509_text(&world.path().join("root.pem"));
    assert!(root.contains("Subject: CN = Example Root CA"), "{root}");
    assert!(root.contains("Issuer: CN = Example Root CA"), "{root}");
    let intermediate = world.x509_text(&world.ca("ca_crt.pem"));
    assert!(
        intermediate.contains("Issuer: CN = Example Root CA"),
        "{intermediate}"
    );

    common::serve::write_ca_conf(&world, "certificate-authority: {\n    ca-ttl: 10d\n}\n");
    world.ok(&["generate", "--certname", "short.test"]);
    let lives = |seconds: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &seconds.to_string(),
                "-in",
                world.ca("signed/short.test.pem").to_str().unwrap(),
            ])
            .status
            .success()
    };
    assert!(
        lives(9 * 86_400) && !lives(11 * 86_400),
        "not ca.conf's ca-ttl"
    );
}
