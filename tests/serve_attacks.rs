//! Issue 12, what an attacker on the network tries against `cert serve`, each by the request
//! itself (curl, a real OpenSSL-based HTTPS client): a host certificate called `ca`; admin
//! rights by winning the race to autosign an `--admin` name (or the CA server's own name);
//! cleaning or revoking the daemon's own certificate; renewal while puppetserver's
//! `allow-auto-renewal` is off, or of what the policy no longer signs; a lifetime beyond the CA's.
//! Each refusal is checked for its status, its one-line text and that nothing was written
//! (the CA directory and this host's ssldir byte for byte; the audit trail may only gain
//! refusals). Also: the first start without a CA makes one, as puppetserver does, and a partial
//! CA is still refused.

mod common;

use std::fs;
use std::path::Path;

use common::serve::{auto_renewal, client, strs, world_with_ca, write_ca_conf, Server};
use common::{assert_same, hostile_file, snapshot, World};
use serde_json::Value;

const CA: &str = "/puppet-ca/v1";

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

/// The audit trail as JSON values.
fn audit(world: &World) -> Vec<Value> {
    world
        .ok(&["log", "--format", "json"])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A JSON body in a file of the world, for curl's `--data-binary @FILE`.
fn body(world: &World, name: &str, json: &str) -> std::path::PathBuf {
    let path = world.path().join(name);
    fs::write(&path, json).unwrap();
    path
}

/// `openssl x509 -noout ARGS -in CERT`, trimmed.
fn x509(world: &World, cert: &Path, args: &[&str]) -> String {
    let mut all = vec!["x509", "-noout"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-in", cert.to_str().unwrap()]);
    world.openssl_ok(&all).trim().to_owned()
}

#[test]
fn no_host_certificate_is_ever_called_ca() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let before = world.snapshot_ca();
    let ssl_before = snapshot(&world.ssldir);
    // The attack of the issue: a CSR for CN=ca, autosign on. Any case.
    for (name, file) in [("ca", "ca.pem"), ("CA", "ca-upper.pem")] {
        let (code, text) = server.send(
            "PUT",
            &format!("{CA}/certificate_request/{name}"),
            "text/plain",
            &hostile_file(file),
            &[],
        );
        assert_eq!(code, 400, "{name}: {text}");
        assert_eq!(
            text,
            format!(
                "certname {name:?} is reserved for the CA's own certificate (certificate/ca, \
                 certs/ca.pem); a host cannot use it"
            )
        );
    }
    // Nor signed, cleaned or revoked under that name by an admin.
    let signed = body(&world, "signed.json", r#"{"desired_state":"signed"}"#);
    let revoked = body(&world, "revoked.json", r#"{"desired_state":"revoked"}"#);
    for json in [&signed, &revoked] {
        let (code, text) = server.send(
            "PUT",
            &format!("{CA}/certificate_status/ca"),
            "application/json",
            json,
            &strs(&admin),
        );
        assert_eq!(code, 400, "{text}");
        assert!(text.contains("is reserved"), "{text}");
    }
    let clean = body(&world, "clean.json", r#"{"certnames":["ca"]}"#);
    let (code, text) = server.send(
        "PUT",
        &format!("{CA}/clean"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("is reserved"), "{text}");
    let (code, text) = server.send(
        "POST",
        &format!("{CA}/sign"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(code, 200, "{text}");
    let outcome: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        outcome["signing-errors"],
        serde_json::json!(["ca"]),
        "{text}"
    );
    assert_eq!(outcome["signed"], serde_json::json!([]), "{text}");
    assert_same(&before, &world.snapshot_ca(), "the name ca");
    assert_same(
        &ssl_before,
        &snapshot(&world.ssldir),
        "the name ca (ssldir)",
    );
    assert!(!world.ca("signed/ca.pem").exists() && !world.ca("requests/ca.pem").exists());
    // `certificate/ca` is still the CA itself.
    let (code, chain) = server.get(&format!("{CA}/certificate/ca"), &[]);
    assert_eq!(code, 200);
    assert_eq!(chain, common::read(&world.ca("ca_crt.pem")));
}

#[test]
fn admin_names_are_left_for_a_person_however_autosign_is_set() {
    if !peers() {
        return;
    }
    // Duplicates allowed: otherwise the CA server's own name is refused as a duplicate before
    // autosign is asked; the hold must not depend on that.
    let world = world_with_ca("autosign = true\nallow_duplicate_certs = true\n");
    let server = Server::start(&world, &["--admin", "ops.test"]);
    // The attacker's requests: the --admin name, and the CA server's own name.
    for (name, grant) in [
        ("ops.test", "(cert serve --admin)"),
        ("ca.test", "(it is this CA server's own certname)"),
    ] {
        let csr = world.openssl_csr(name, &[]);
        let before = world.snapshot_ca();
        let (code, text) = server.send(
            "PUT",
            &format!("{CA}/certificate_request/{name}"),
            "text/plain",
            &csr,
            &[],
        );
        assert_eq!(code, 200, "{name}: {text}");
        let (code, _) = server.get(&format!("{CA}/certificate_request/{name}"), &[]);
        assert_eq!(code, 200, "{name}: queued");
        let expected = format!(
            "leave pending: autosign is true, but {name} holds admin rights {grant}; autosign \
             never signs it, an administrator does"
        );
        assert!(
            server.log_text().contains(&expected),
            "{}",
            server.log_text()
        );
        // Only the request was written (and the audit line below).
        let after = world.snapshot_ca();
        let changed: Vec<_> = after
            .keys()
            .filter(|p| before.get(*p) != after.get(*p) && p.as_os_str() != "audit.log")
            .collect();
        assert_eq!(
            changed,
            [Path::new(&format!("requests/{name}.pem"))],
            "{name}"
        );
        let event = audit(&world)
            .into_iter()
            .rev()
            .find(|e| e["name"] == name)
            .unwrap();
        assert_eq!(event["actor"], "autosign", "{event}");
        assert_eq!(event["decision"], "refused", "{event}");
        assert_eq!(event["reason"], expected.as_str(), "{event}");
    }
    assert_eq!(
        server.get(&format!("{CA}/certificate/ops.test"), &[]).0,
        404,
        "ops.test was autosigned"
    );
    // An ordinary name is still autosigned.
    let csr = world.openssl_csr("plain.test", &[]);
    let path = format!("{CA}/certificate_request/plain.test");
    assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    assert_eq!(
        server.get(&format!("{CA}/certificate/plain.test"), &[]).0,
        200
    );
    // What the CLI says about it, given the same --admin list.
    let output = world
        .cert(&["autosign", "check", "ops.test", "--admin", "ops.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("holds admin rights (cert serve --admin)"),
        "{stdout}"
    );
    let listing = world.ok(&["--list", "--admin", "ops.test"]);
    let row = listing
        .lines()
        .find(|l| l.starts_with("ops.test "))
        .unwrap();
    assert!(
        row.contains("no (leave pending: autosign is true, but ops.test"),
        "{row}"
    );
    // A person signs it; from then on its certificate has admin rights.
    world.ok(&["--sign", "ops.test"]);
    let (_, pem) = server.get(&format!("{CA}/certificate/ops.test"), &[]);
    let cert = world.path().join("ops.pem");
    fs::write(&cert, pem).unwrap();
    let key = world.path().join("ops_test.key");
    let ops = [
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let (code, text) = server.get(&format!("{CA}/certificate_statuses/any"), &ops);
    assert_eq!(code, 200, "{text}");
}

#[test]
fn clean_and_revoke_over_http_touch_only_what_the_ca_holds() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    // A host certificate made on the CA host: its key is in this host's ssldir.
    world.ok(&["--generate", "other.test"]);
    let server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let before = world.snapshot_ca();
    let ssl_before = snapshot(&world.ssldir);
    let clean = body(
        &world,
        "clean.json",
        r#"{"certnames":["other.test","ca.test"]}"#,
    );
    let (code, text) = server.send(
        "PUT",
        &format!("{CA}/clean"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(code, 400, "{text}");
    assert_eq!(
        text,
        "ca.test is this CA server's own certificate; it is not cleaned over HTTP"
    );
    let status = format!("{CA}/certificate_status/ca.test");
    let revoked = body(&world, "revoked.json", r#"{"desired_state":"revoked"}"#);
    let (code, text) = server.send("PUT", &status, "application/json", &revoked, &strs(&admin));
    assert_eq!(code, 409, "{text}");
    assert_eq!(
        text,
        "ca.test is this CA server's own certificate; it is not revoked over HTTP"
    );
    let mut delete = vec!["-X", "DELETE"];
    delete.extend(strs(&admin));
    let (code, text) = server.curl(&status, &delete);
    assert_eq!(code, 409, "{text}");
    assert!(text.contains("it is not deleted over HTTP"), "{text}");
    assert_same(
        &before,
        &world.snapshot_ca(),
        "the daemon's own certificate",
    );
    assert_same(&ssl_before, &snapshot(&world.ssldir), "the daemon's ssldir");
    let refusals = audit(&world)
        .into_iter()
        .filter(|e| e["name"] == "ca.test" && e["decision"] == "refused")
        .count();
    assert_eq!(refusals, 3);

    // Another name: revoked and removed from the CA, its files on this host left alone.
    let clean = body(&world, "clean.json", r#"{"certnames":["other.test"]}"#);
    let (code, text) = server.send(
        "PUT",
        &format!("{CA}/clean"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(
        (code, text.as_str()),
        (200, "Successfully cleaned all certs.")
    );
    assert!(!world.ca("signed/other.test.pem").exists());
    for file in ["private_keys/other.test.pem", "certs/other.test.pem"] {
        assert_eq!(
            fs::read(world.ssl(file)).unwrap(),
            ssl_before[Path::new(file)].0.clone().unwrap(),
            "{file}"
        );
    }
    let (valid, detail) = world.openssl_verify(&world.ssl("certs/other.test.pem"));
    assert!(!valid && detail.contains("revoked"), "{detail}");
    // The daemon still serves with its own certificate.
    assert_eq!(server.get("/status/v1/simple", &[]).0, 200);
}

/// An agent's key and certificate, autosigned through the daemon (`alt` adds alt names, for
/// which the world's ca.conf must allow them).
fn enrolled(
    world: &World,
    server: &Server,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let csr = world.openssl_csr(name, &[]);
    let path = format!("{CA}/certificate_request/{name}");
    let (code, text) = server.send("PUT", &path, "text/plain", &csr, &[]);
    assert_eq!(code, 200, "{text}");
    let (code, pem) = server.get(&format!("{CA}/certificate/{name}"), &[]);
    assert_eq!(code, 200, "{pem}");
    let cert = world.path().join(format!("{name}.pem"));
    fs::write(&cert, pem).unwrap();
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    (cert, world.path().join(format!("{stem}.key")))
}

fn renew(server: &Server, cert: &Path, key: &Path) -> (u16, String) {
    server.curl(
        &format!("{CA}/certificate_renewal"),
        &[
            "-X",
            "POST",
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    )
}

#[test]
fn renewal_is_puppetserver_8s_allow_auto_renewal_and_goes_through_the_policy() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let mut server = Server::start(&world, &[]);
    let (cert, key) = enrolled(&world, &server, "agent.test");
    // Off by default: puppetserver's 404, nothing written, nothing audited.
    let before = world.snapshot_ca();
    let audit_before = common::read(&world.ca("audit.log"));
    assert_eq!(renew(&server, &cert, &key), (404, "Not Found".into()));
    assert_same(&before, &world.snapshot_ca(), "renewal off");
    assert_eq!(common::read(&world.ca("audit.log")), audit_before);
    server.stop();

    // On, with its lifetime: 30 days from now, not ca_ttl.
    write_ca_conf(&world, &auto_renewal("30d"));
    let server = Server::start(&world, &[]);
    let (code, pem) = renew(&server, &cert, &key);
    assert_eq!(code, 200, "{pem}");
    let renewed = world.path().join("renewed.pem");
    fs::write(&renewed, &pem).unwrap();
    let lives = |seconds: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &seconds.to_string(),
                "-in",
                renewed.to_str().unwrap(),
            ])
            .status
            .success()
    };
    assert!(lives(29 * 86_400) && !lives(31 * 86_400));
    let (valid, detail) = world.openssl_verify(&renewed);
    assert!(valid, "{detail}");

    // A certificate an administrator signed with alt names by hand: the policy (no
    // allow-subject-alt-names) refuses to renew it, as it would refuse to sign it.
    let csr = world.openssl_csr("alt.test", &["alias.test"]);
    let path = format!("{CA}/certificate_request/alt.test");
    let (code, text) = server.send("PUT", &path, "text/plain", &csr, &[]);
    assert_eq!(code, 400, "{text}");
    // Held back only by a setting an admin may override: queued for them, as before.
    assert!(text.contains("which are disallowed"), "{text}");
    assert!(world.ca("requests/alt.test.pem").is_file());
    world.ok(&["--sign", "--allow-dns-alt-names", "alt.test"]);
    let alt = world.path().join("alt.pem");
    fs::copy(world.ca("signed/alt.test.pem"), &alt).unwrap();
    let before = world.snapshot_ca();
    let (code, text) = renew(&server, &alt, &world.path().join("alt_test.key"));
    assert_eq!(code, 400, "{text}");
    assert_eq!(
        text,
        "CSR 'alt.test' contains subject alternative names (DNS:alias.test), which are disallowed"
    );
    assert_same(
        &before,
        &world.snapshot_ca(),
        "renewal refused by the policy",
    );
    let last = audit(&world).pop().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["decision"].as_str()),
        (Some("renew"), Some("refused")),
        "{last}"
    );
}

#[test]
fn a_lifetime_beyond_the_cas_is_cut_to_the_cas_with_a_warning() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let csr = world.openssl_csr("long.test", &[]);
    let path = format!("{CA}/certificate_request/long.test");
    assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    // 20 years; the CA `cert setup` made lives 15.
    let sign = body(
        &world,
        "sign.json",
        &format!(
            r#"{{"desired_state":"signed","cert_ttl":{}}}"#,
            20 * 365 * 86_400
        ),
    );
    let (code, text) = server.send(
        "PUT",
        &format!("{CA}/certificate_status/long.test"),
        "application/json",
        &sign,
        &strs(&admin),
    );
    assert_eq!(code, 204, "{text}");
    let cert = world.ca("signed/long.test.pem");
    let ca = world.path().join("issuing-ca.pem");
    let chain = common::read(&world.ca("ca_crt.pem"));
    fs::write(&ca, &common::pem_blocks(&chain, "CERTIFICATE")[0]).unwrap();
    assert_eq!(
        x509(&world, &cert, &["-enddate"]),
        x509(&world, &ca, &["-enddate"])
    );
    let warning = "the CA expires before the lifetime asked for";
    assert!(server.log_text().contains(warning), "{}", server.log_text());
    let event = audit(&world).pop().unwrap();
    assert_eq!(event["action"], "sign");
    assert!(
        event["reason"].as_str().unwrap().contains(warning),
        "{event}"
    );
}

#[test]
fn the_first_start_without_a_ca_makes_one_and_a_partial_ca_is_refused() {
    if !peers() {
        return;
    }
    let world = World::with_config(common::serve::SERVE_CONFIG);
    assert!(!world.cadir.exists());
    let mut server = Server::start(&world, &[]);
    let log = server.log_text();
    // Root + intermediate, as `cert setup` (and puppetserver's container) makes them.
    let chain = common::read(&world.ca("ca_crt.pem"));
    let certificates = common::pem_blocks(&chain, "CERTIFICATE");
    assert_eq!(certificates.len(), 2, "{chain}");
    let issuing = world.path().join("issuing.pem");
    fs::write(&issuing, &certificates[0]).unwrap();
    let fingerprint = x509(&world, &issuing, &["-fingerprint", "-sha256"]);
    let fingerprint = fingerprint.split_once('=').unwrap().1;
    assert!(
        log.contains("NO CA FOUND: CREATED A NEW CA CN=Puppet CA: ca.test in ")
            && log.contains(&format!("(SHA256 fingerprint {fingerprint})")),
        "{log}"
    );
    // This host's certificate carries pp_cli_auth, as after `cert setup`, and serves TLS.
    let text = world.x509_text(&world.ssl("certs/ca.test.pem"));
    assert!(text.contains("1.3.6.1.4.1.34380.1.3.39"), "{text}");
    let admin = client(&world.ssldir, "ca.test");
    assert_eq!(
        server
            .get(&format!("{CA}/certificate_statuses/any"), &strs(&admin))
            .0,
        200
    );
    common::assert_store_ok(&world, "a CA made on the first start");
    server.stop();
    // The second start opens it.
    let mut server = Server::start(&world, &[]);
    assert!(!server.log_text().contains("CREATED A NEW CA"));
    server.stop();

    // A partial CA is refused, and nothing is written.
    fs::remove_file(world.ca("ca_key.pem")).unwrap();
    let before = world.snapshot_ca();
    let (code, _, stderr) = world.fails(&["serve", "--bind", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is incomplete: missing ca_key.pem"),
        "{stderr}"
    );
    assert_same(&before, &world.snapshot_ca(), "partial CA");
    // So is a directory whose CA files are gone but whose certificates are not.
    for file in ["ca_crt.pem", "ca_crl.pem", "serial", "inventory.txt"] {
        fs::remove_file(world.ca(file)).unwrap();
    }
    let before = world.snapshot_ca();
    let (code, _, stderr) = world.fails(&["serve", "--bind", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("signed/ still holds"), "{stderr}");
    assert_same(&before, &world.snapshot_ca(), "orphaned certificates");
}

/// Issue 24: puppetserver's `allow-header-cert-info` is off by default, and `cert serve` has
/// no such switch: an identity claimed in a TLS-terminating balancer's headers
/// (`X-Client-Verify`, `X-Client-DN`, `X-SSL-Subject`, and `X-Client-Cert` with the admin's own
/// certificate, URL-encoded) sent straight to the daemon grants nothing. Only the TLS layer's
/// verified client certificate counts.
#[test]
fn balancer_headers_sent_to_the_daemon_grant_nothing() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    world.ok(&["generate", "--certname", "agent.test"]);
    let server = Server::start(&world, &[]);
    let admin_pem = fs::read_to_string(world.ssl("certs/ca.test.pem")).unwrap();
    let encoded: String = admin_pem
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    let forged = [
        "-H".to_string(),
        "X-Client-Verify: SUCCESS".into(),
        "-H".into(),
        "X-Client-DN: CN=ca.test".into(),
        "-H".into(),
        "X-SSL-Subject: CN=ca.test".into(),
        "-H".into(),
        format!("X-Client-Cert: {encoded}"),
    ];
    let statuses = format!("{CA}/certificate_statuses/any");
    let (code, text) = server.get(&statuses, &strs(&forged));
    assert_eq!(code, 403, "{text}");
    assert!(text.contains("(authenticated: false)"), "{text}");
    // With another host's certificate in TLS, the headers do not make it the admin either.
    let mut as_agent = client(&world.ssldir, "agent.test");
    as_agent.extend(forged.iter().cloned());
    let (code, text) = server.get(&statuses, &strs(&as_agent));
    assert_eq!(code, 403, "{text}");
    assert!(text.contains("agent.test access"), "{text}");
    // Nor may they renew someone else's certificate.
    let renewal = body(&world, "empty.txt", "");
    let (code, text) = server.send(
        "POST",
        &format!("{CA}/certificate_renewal"),
        "text/plain",
        &renewal,
        &strs(&forged),
    );
    assert_eq!(code, 403, "{text}");
}
