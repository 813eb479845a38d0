//! Issue 13: after `cert extend-ca`, everything downstream follows without a restart. A
//! running `cert serve` serves the new chain at once (in `certificate/ca` and in its TLS
//! handshake); a real Puppet 7 agent whose ssldir holds the old `certs/ca.pem` still talks to
//! it and `puppet ssl verify` passes (old bundle, and the new one copied in as the runbook
//! says); `cert agent` pins the re-issued bundle, runs `--exec`, and still refuses a CA of
//! another key. The same on puppetserver 7.9.5's CA and its agent's ssldir.

mod common;

use std::fs;
use std::path::Path;

use common::hosts::{text, CertAgent, PuppetAgent};
use common::serve::{world_with_ca, Server, SERVE_CONFIG};
use common::{assert_one_error, snapshot, World};

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

fn assert_ok(output: &std::process::Output, what: &str, server: &Server) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({:?}):\n{}\nserver log:\n{}",
        output.status.code(),
        text(output),
        server.log_text()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `curl` of `path` trusting only `ca` (a chain file): (HTTP status, body).
fn curl_with(server: &Server, ca: &Path, path: &str) -> (u16, String) {
    let output = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "30",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(ca)
        .arg(server.url(path))
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    (
        code.trim().parse().unwrap_or(0),
        body.to_owned() + &String::from_utf8_lossy(&output.stderr),
    )
}

/// `openssl verify` of a host's certificate with its own ca.pem and crl.pem.
fn verifies_with_own_bundle(world: &World, ssldir: &Path, name: &str) -> (bool, String) {
    let output = world.openssl(&[
        "verify",
        "-CAfile",
        ssldir.join("certs/ca.pem").to_str().unwrap(),
        "-crl_check_all",
        "-CRLfile",
        ssldir.join("crl.pem").to_str().unwrap(),
        ssldir.join(format!("certs/{name}.pem")).to_str().unwrap(),
    ]);
    (output.status.success(), text(&output))
}

#[test]
fn the_daemon_and_the_agents_follow_an_extended_ca() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let node = CertAgent::new(&world, "web1.test");
    let marker = world.path().join("exec-ran");
    let exec = format!("echo ran >> {}", marker.display());
    assert_ok(
        &node.run(&server, &["--exec", &exec]),
        "enrollment",
        &server,
    );
    let puppet = common::require_peer("puppet").then(|| {
        let agent = PuppetAgent::new(&world, "web2.test");
        let (ok, output) = agent.ssl_action(&server, "bootstrap");
        assert!(ok, "{output}\n{}", server.log_text());
        agent
    });
    let old = world.path().join("old-chain.pem");
    fs::copy(world.ca("ca_crt.pem"), &old).unwrap();
    // Last-Modified has whole seconds.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    world.ok(&["extend-ca", "--ttl", "20y"]);
    let new = common::read(&world.ca("ca_crt.pem"));
    assert_ne!(new, common::read(&old));

    // Served at once, no restart: the new chain, to clients trusting the old one or the new.
    for trusted in [&old, &world.ca("ca_crt.pem")] {
        let (code, body) = curl_with(&server, trusted, "/puppet-ca/v1/certificate/ca");
        assert_eq!(code, 200, "{body}\n{}", server.log_text());
        assert_eq!(body, new);
    }
    assert!(
        server
            .log_text()
            .contains("CA chain changed; serving the new one"),
        "{}",
        server.log_text()
    );

    // `cert agent` pins the re-issued bundle and runs --exec.
    let stdout = assert_ok(&node.run(&server, &["--exec", &exec]), "next run", &server);
    assert!(
        stdout.contains("stored the CA's re-issued certificate (SHA256) "),
        "{stdout}"
    );
    assert_eq!(common::read(&node.ssl("certs/ca.pem")), new);
    assert_eq!(common::read(&marker), "ran\nran\n");
    let (ok, detail) = verifies_with_own_bundle(&world, &node.ssldir(), "web1.test");
    assert!(ok, "{detail}");
    let stdout = assert_ok(&node.run(&server, &[]), "third run", &server);
    assert!(!stdout.contains("re-issued"), "{stdout}");

    // A Puppet agent with the old certs/ca.pem: the CRL is fetched over TLS verified with
    // it, and `puppet ssl verify` passes; then with the new bundle copied in (the runbook).
    if let Some(agent) = puppet {
        assert_eq!(common::read(&agent.ssl("certs/ca.pem")), common::read(&old));
        fs::remove_file(agent.ssl("crl.pem")).unwrap();
        let (ok, output) = agent.ssl_action(&server, "bootstrap");
        assert!(ok, "{output}\n{}", server.log_text());
        assert!(agent.ssl("crl.pem").exists());
        let (ok, output) = agent.ssl_action(&server, "verify");
        assert!(ok, "{output}");
        fs::write(agent.ssl("certs/ca.pem"), &new).unwrap();
        let (ok, output) = agent.ssl_action(&server, "verify");
        assert!(ok, "{output}");
        assert!(output.contains("Verified client certificate"), "{output}");
    }

    // A CA of another key at the same place: refused, ssldir intact.
    let other = world_with_ca("autosign = true\n");
    let other_server = Server::start(&other, &[]);
    let before = snapshot(&node.ssldir());
    let output = node.run(&other_server, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_one_error(&stderr, "CA of another key");
    assert!(stderr.contains("differs from the pinned"), "{stderr}");
    common::assert_same(&before, &snapshot(&node.ssldir()), "CA of another key");
}

/// The same on puppetserver 7.9.5's CA: its agent's ssldir (puppetserver's bundle in
/// certs/ca.pem) against `cert serve` on the extended CA.
#[test]
fn puppetservers_agent_follows_the_extended_fixture_ca() {
    if !peers() {
        return;
    }
    let world = World::from_fixture(
        "puppetserver-7.9.5",
        &format!("{SERVE_CONFIG}autosign = false\n"),
    );
    world.ok(&["extend-ca", "--ttl", "20y"]);
    let server = Server::start(&world, &[]);
    let fixture_ssldir = world.dir.path().join("copy/agent-web01/ssl");
    let name = "web01.agents.example.com";

    if common::require_peer("puppet") {
        let agent = PuppetAgent::with_ssldir(&world, name, &fixture_ssldir);
        fs::remove_file(agent.ssl("crl.pem")).unwrap();
        let (ok, output) = agent.ssl_action(&server, "bootstrap");
        assert!(ok, "{output}\n{}", server.log_text());
        let (ok, output) = agent.ssl_action(&server, "verify");
        assert!(ok, "{output}");
    }

    // `cert agent` on a copy of the same ssldir: the re-issued bundle replaces puppetserver's.
    let node = CertAgent::new(&world, name);
    common::copy_writable(&fixture_ssldir, &node.ssldir());
    let old = common::read(&node.ssl("certs/ca.pem"));
    let stdout = assert_ok(&node.run(&server, &[]), "cert agent", &server);
    assert!(stdout.contains("re-issued"), "{stdout}");
    assert_ne!(common::read(&node.ssl("certs/ca.pem")), old);
    assert_eq!(
        common::read(&node.ssl("certs/ca.pem")),
        common::read(&world.ca("ca_crt.pem"))
    );
    let (ok, detail) = verifies_with_own_bundle(&world, &node.ssldir(), name);
    assert!(ok, "{detail}");
}
