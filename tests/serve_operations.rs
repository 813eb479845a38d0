//! Issue 4, what `cert serve` does beyond the first cut, driven by curl and checked with
//! openssl: `certificate_renewal` (same key, subject, alt names and pp_* extensions, new serial),
//! the audit trail naming who asked (`client:<CN>`, `autosign`), starting with this host's key
//! but no certificate, two daemons plus the CLI signing on one CA directory without ever
//! issuing a serial twice, and the serials a daemon reserved ahead given back when it stops.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use common::serve::{
    auto_renewal, client, strs, world_with_ca, write_ca_conf, Server, SERVE_CONFIG,
};
use common::World;
use serde_json::Value;

const CA: &str = "/puppet-ca/v1";

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

/// `openssl x509 -noout ARGS -in CERT`, trimmed.
fn x509(world: &World, cert: &Path, args: &[&str]) -> String {
    let mut all = vec!["x509", "-noout"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-in", cert.to_str().unwrap()]);
    world.openssl_ok(&all).trim().to_owned()
}

/// The public key of a private key file, as openssl prints it.
fn public_key_of(world: &World, key: &Path) -> String {
    world.openssl_ok(&["pkey", "-pubout", "-in", key.to_str().unwrap()])
}

/// The audit trail as JSON lines.
fn audit(world: &World) -> Vec<Value> {
    world
        .ok(&["log", "--format", "json"])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Renew with curl and the client's certificate and key; check with openssl that the new
/// certificate chains, is for the same key and subject, and has a new serial.
fn renew_and_check(world: &World, server: &Server, cert: &Path, key: &Path) -> String {
    let args = [
        "-X",
        "POST",
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let (code, pem) = server.curl(&format!("{CA}/certificate_renewal"), &args);
    assert_eq!(code, 200, "{pem}");
    let renewed = world.path().join("renewed.pem");
    fs::write(&renewed, &pem).unwrap();
    let (valid, detail) = world.openssl_verify(&renewed);
    assert!(valid, "{detail}");
    assert_eq!(
        world.openssl_ok(&[
            "x509",
            "-pubkey",
            "-noout",
            "-in",
            renewed.to_str().unwrap()
        ]),
        public_key_of(world, key),
        "the renewed certificate is for another key"
    );
    assert_eq!(
        x509(world, &renewed, &["-subject"]),
        x509(world, cert, &["-subject"])
    );
    assert_ne!(
        x509(world, &renewed, &["-serial"]),
        x509(world, cert, &["-serial"])
    );
    world.x509_text(&renewed)
}

#[test]
fn renewal_keeps_key_names_and_extensions_with_a_new_serial() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    // Issue 12: renewal is off unless ca.conf turns it on, as in puppetserver.
    write_ca_conf(&world, &auto_renewal("90d"));
    let server = Server::start(&world, &[]);
    // An agent's key and CSR with a pp_role extension, autosigned through the daemon.
    let key = world.path().join("agent.key");
    let csr = world.path().join("agent.csr");
    world.openssl_ok(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=agent.test",
        "-addext",
        "1.3.6.1.4.1.34380.1.1.13=ASN1:UTF8String:webserver",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ]);
    let path = format!("{CA}/certificate_request/agent.test");
    assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    let (code, pem) = server.get(&format!("{CA}/certificate/agent.test"), &[]);
    assert_eq!(code, 200, "{pem}");
    let cert = world.path().join("agent.pem");
    fs::write(&cert, &pem).unwrap();

    // Nobody renews without a certificate.
    let (code, body) = server.curl(&format!("{CA}/certificate_renewal"), &["-X", "POST"]);
    assert_eq!(code, 403, "{body}");

    let text = renew_and_check(&world, &server, &cert, &key);
    assert!(text.contains("DNS:agent.test"), "{text}");
    assert!(text.contains("1.3.6.1.4.1.34380.1.1.13"), "{text}");
    assert!(text.contains("webserver"), "{text}");
    // The CA serves the renewed certificate from now on, and inventoried it.
    let (_, served) = server.get(&format!("{CA}/certificate/agent.test"), &[]);
    assert_eq!(served, common::read(&world.path().join("renewed.pem")));
    let inventory = common::read(&world.ca("inventory.txt"));
    assert_eq!(
        inventory.matches("/CN=agent.test").count(),
        2,
        "{inventory}"
    );

    // The admin's own certificate keeps its alt names and pp_cli_auth.
    let text = renew_and_check(
        &world,
        &server,
        &world.ssl("certs/ca.test.pem"),
        &world.ssl("private_keys/ca.test.pem"),
    );
    assert!(
        text.contains("DNS:ca.test, DNS:localhost, IP Address:127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("1.3.6.1.4.1.34380.1.3.39"), "{text}");

    let renewals: Vec<(String, String)> = audit(&world)
        .iter()
        .filter(|e| e["action"] == "renew")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        renewals,
        [
            ("client:agent.test".to_owned(), "done".to_owned()),
            ("client:ca.test".to_owned(), "done".to_owned())
        ]
    );
}

#[test]
fn audit_names_the_client_or_autosign() {
    if !peers() {
        return;
    }
    // No autosign setting: `$confdir/autosign.conf`, next to puppet.conf.
    let world = world_with_ca("");
    fs::write(world.path().join("autosign.conf"), "*.auto.test\n").unwrap();
    world.ok(&["generate", "--certname", "ops.test"]);
    let server = Server::start(&world, &["--admin", "ops.test"]);
    let admin = client(&world.ssldir, "ca.test");
    let ops = client(&world.ssldir, "ops.test");
    for name in ["a.auto.test", "manual.test", "other.test"] {
        let csr = world.openssl_csr(name, &[]);
        let path = format!("{CA}/certificate_request/{name}");
        assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    }
    let sign = world.path().join("sign.json");
    fs::write(&sign, r#"{"certnames":["manual.test"]}"#).unwrap();
    let (code, body) = server.send(
        "POST",
        &format!("{CA}/sign"),
        "application/json",
        &sign,
        &strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    let signed = world.path().join("signed.json");
    fs::write(&signed, r#"{"desired_state":"signed"}"#).unwrap();
    let status = format!("{CA}/certificate_status/other.test");
    let (code, body) = server.send("PUT", &status, "application/json", &signed, &strs(&ops));
    assert_eq!(code, 204, "{body}");
    let revoked = world.path().join("revoked.json");
    fs::write(&revoked, r#"{"desired_state":"revoked"}"#).unwrap();
    let status = format!("{CA}/certificate_status/a.auto.test");
    let (code, body) = server.send("PUT", &status, "application/json", &revoked, &strs(&ops));
    assert_eq!(code, 204, "{body}");
    let clean = world.path().join("clean.json");
    fs::write(&clean, r#"{"certnames":["manual.test"]}"#).unwrap();
    let (code, body) = server.send(
        "PUT",
        &format!("{CA}/clean"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    // The CLI at the same time is still its user.
    world.ok(&["--revoke", "other.test"]);

    let events: Vec<(String, String, String)> = audit(&world)
        .iter()
        .filter(|e| e["action"] != "generate")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let user = events.last().unwrap().0.clone();
    assert!(user.starts_with("cli:"), "{events:?}");
    let expected = [
        ("autosign", "sign", "a.auto.test"),
        ("client:ca.test", "sign", "manual.test"),
        ("client:ops.test", "sign", "other.test"),
        ("client:ops.test", "revoke", "a.auto.test"),
        ("client:ca.test", "revoke", "manual.test"),
        ("client:ca.test", "clean", "manual.test"),
        (user.as_str(), "revoke", "other.test"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(events, expected);
    let shown = world.ok(&["log"]);
    assert!(
        shown.contains("client:ca.test sign manual.test done serial"),
        "{shown}"
    );
    assert!(shown.contains("autosign sign a.auto.test done"), "{shown}");
}

#[test]
fn start_with_this_hosts_key_but_no_certificate() {
    if !peers() {
        return;
    }
    // A CA that never issued ca.test, and a key for ca.test already in the ssldir.
    let world = World::with_config(SERVE_CONFIG);
    world.ok(&["--generate", "other.test"]);
    let key = world.ssl("private_keys/ca.test.pem");
    world.openssl_ok(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.to_str().unwrap(),
    ]);
    let before = public_key_of(&world, &key);
    let mut server = Server::start(&world, &[]);
    let cert = world.ssl("certs/ca.test.pem");
    assert_eq!(
        world.openssl_ok(&["x509", "-pubkey", "-noout", "-in", cert.to_str().unwrap()]),
        before,
        "the certificate is not for the existing key"
    );
    let (valid, detail) = world.openssl_verify(&cert);
    assert!(valid, "{detail}");
    assert!(
        server
            .log_text()
            .contains("issued this host's certificate for ca.test"),
        "{}",
        server.log_text()
    );
    assert_eq!(server.stop(), Some(0));

    // The certificate file lost, the CA's copy fits the key: reused, nothing issued.
    let serial = x509(&world, &cert, &["-serial"]);
    fs::remove_file(&cert).unwrap();
    let mut server = Server::start(&world, &[]);
    assert_eq!(x509(&world, &cert, &["-serial"]), serial);
    assert!(
        !server.log_text().contains("issued"),
        "{}",
        server.log_text()
    );
    assert_eq!(server.stop(), Some(0));

    // A new key whose certificate is missing while the CA holds one for the old key: a clear
    // refusal naming what to do, and nothing issued.
    fs::remove_file(&cert).unwrap();
    fs::remove_file(&key).unwrap();
    world.openssl_ok(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.to_str().unwrap(),
    ]);
    let inventory = common::read(&world.ca("inventory.txt"));
    let (code, _, stderr) = world.fails(&["serve", "--bind", "127.0.0.1:0"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("is for another key"), "{stderr}");
    assert!(stderr.contains("cert clean ca.test"), "{stderr}");
    assert!(!stderr.contains("--force"), "{stderr}");
    assert_eq!(common::read(&world.ca("inventory.txt")), inventory);
    // Following the hint works.
    world.ok(&["clean", "--certname", "ca.test"]);
    let server = Server::start(&world, &[]);
    assert!(
        server.log_text().contains("issued this host's certificate"),
        "{}",
        server.log_text()
    );
}

#[test]
fn two_daemons_and_the_cli_never_issue_a_serial_twice() {
    if !peers() {
        return;
    }
    // No autosign setting: `$confdir/autosign.conf`, next to puppet.conf.
    let world = world_with_ca("");
    fs::write(world.path().join("autosign.conf"), "*.auto.test\n").unwrap();
    let servers = [Server::start(&world, &[]), Server::start(&world, &[])];
    let names: Vec<String> = (0..20)
        .map(|i| {
            if i % 2 == 0 {
                format!("n{i}.auto.test")
            } else {
                format!("n{i}.pending.test")
            }
        })
        .collect();
    let csrs: Vec<_> = names.iter().map(|n| world.openssl_csr(n, &[])).collect();
    std::thread::scope(|scope| {
        for (index, (name, csr)) in names.iter().zip(&csrs).enumerate() {
            let server = &servers[index % 2];
            scope.spawn(move || {
                let path = format!("{CA}/certificate_request/{name}");
                let (code, body) = server.send("PUT", &path, "text/plain", csr, &[]);
                assert_eq!(code, 200, "{name}: {body}");
            });
        }
        // The CLI signs whatever is pending meanwhile.
        scope.spawn(|| {
            for _ in 0..10 {
                let _ = world.cert(&["--sign", "--all"]).output();
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
    });
    // Whatever the CLI did not catch in flight.
    let _ = world.cert(&["--sign", "--all"]).output();
    for (index, name) in names.iter().enumerate() {
        let (code, pem) = servers[(index + 1) % 2].get(&format!("{CA}/certificate/{name}"), &[]);
        assert_eq!(code, 200, "{name}: {pem}");
    }
    let mut serials = HashSet::new();
    let mut count = 0;
    for entry in fs::read_dir(world.ca("signed")).unwrap() {
        let path = entry.unwrap().path();
        let serial = x509(&world, &path, &["-serial"]);
        assert!(
            serials.insert(serial.clone()),
            "serial {serial} issued twice"
        );
        count += 1;
    }
    assert_eq!(count, names.len() + 1, "the 20 agents and ca.test");
    let inventory = common::read(&world.ca("inventory.txt"));
    let lines: Vec<&str> = inventory.lines().collect();
    assert_eq!(lines.len(), count, "{inventory}");
    let inventoried: HashSet<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(inventoried.len(), count, "{inventory}");
    let audit_signs = audit(&world)
        .iter()
        .filter(|e| e["action"] == "sign" && e["decision"] == "done")
        .count();
    assert_eq!(audit_signs, names.len());
}

#[test]
fn a_clean_stop_gives_the_serials_reserved_ahead_back() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    fs::write(world.path().join("autosign.conf"), "*.auto.test\n").unwrap();
    let mut server = Server::start(&world, &[]);
    for i in 0..3 {
        let name = format!("n{i}.auto.test");
        let csr = world.openssl_csr(&name, &[]);
        let path = format!("{CA}/certificate_request/{name}");
        let (code, body) = server.send("PUT", &path, "text/plain", &csr, &[]);
        assert_eq!(code, 200, "{name}: {body}");
    }
    let highest = common::signed_serials(&world)
        .iter()
        .map(|(serial, _)| *serial)
        .max()
        .unwrap();
    let on_disk = || u128::from_str_radix(common::read(&world.ca("serial")).trim(), 16).unwrap();
    // While it runs, `serial` is ahead: a block reserved for the batches to come.
    assert!(
        on_disk() > highest + 1,
        "serial {:X}, highest {highest:X}",
        on_disk()
    );
    assert_eq!(server.stop(), Some(0));
    assert_eq!(on_disk(), highest + 1, "no gap after a clean stop");
}
