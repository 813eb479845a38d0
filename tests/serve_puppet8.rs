//! Issue 24: `cert serve` against the real Puppet 8.10 agent of Debian trixie (the tree of
//! `tests/common/trixie.rs`, entered with chroot): `puppet ssl bootstrap` autosigned, with the
//! `pp_auth_auto_renew` attribute Puppet 8 sends; automatic renewal through
//! `certificate_renewal` once the certificate is within `hostcert_renewal_interval` of its end
//! (new serial, same key); the CA and CRL refreshed with `If-Modified-Since` (304 while
//! unchanged, and a revocation reaching the agent's `crl.pem` once `crl_refresh_interval` has
//! passed). The Puppet 7 tests (`tests/serve_puppet.rs`) stay beside these.

mod common;

use std::time::Duration;

use common::hosts::{text, PuppetAgent};
use common::serve::{auto_renewal, world_with_ca, write_ca_conf, Server};
use common::trixie::{self, Release};
use common::World;

/// The Puppet 8 agent's tree, and the host tools these tests check with.
fn peers() -> Option<Release> {
    if !(common::require_peer("openssl") && common::require_peer("curl")) {
        return None;
    }
    trixie::require()
}

/// `puppet ssl bootstrap --verbose` of `agent` against `server`, with `extra` settings (RSA
/// 2048 keys keep key generation short): success and combined output.
fn bootstrap(agent: &PuppetAgent, server: &Server, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["ssl", "bootstrap", "--waitforcert", "0", "--verbose"];
    args.extend_from_slice(&["--keylength", "2048"]);
    args.extend_from_slice(extra);
    let output = agent.puppet(server, &args);
    (output.status.success(), text(&output))
}

/// The serial of a PEM certificate file, as openssl prints it (`serial=0A`).
fn serial(world: &World, certificate: &std::path::Path) -> String {
    world.openssl_ok(&[
        "x509",
        "-noout",
        "-serial",
        "-in",
        certificate.to_str().unwrap(),
    ])
}

/// The public key of a certificate or private key file, as PEM.
fn public_key(world: &World, file: &std::path::Path, private: bool) -> String {
    let path = file.to_str().unwrap();
    if private {
        world.openssl_ok(&["pkey", "-pubout", "-in", path])
    } else {
        world.openssl_ok(&["x509", "-noout", "-pubkey", "-in", path])
    }
}

/// Log lines of `server` for `request` (`"GET /puppet-ca/v1/..." STATUS`).
fn requests(server: &Server, request: &str) -> Vec<String> {
    server
        .log_text()
        .lines()
        .filter(|line| line.contains(request))
        .map(str::to_owned)
        .collect()
}

#[test]
fn puppet_8_bootstraps_and_renews_itself_through_certificate_renewal() {
    let Some(release) = peers() else {
        return;
    };
    let world = world_with_ca("autosign = true\n");
    write_ca_conf(&world, &auto_renewal("1h"));
    let server = Server::start(&world, &[]);
    let agent = PuppetAgent::of(&release, &world, "eight.test");
    let (ok, output) = bootstrap(&agent, &server, &[]);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("Completed SSL initialization"), "{output}");
    let certificate = agent.ssl("certs/eight.test.pem");
    let (valid, detail) = world.openssl_verify(&certificate);
    assert!(valid, "{detail}");
    // Puppet 8 says it renews itself (pp_auth_auto_renew), so it got auto-renewal-cert-ttl.
    let lives = |seconds: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &seconds.to_string(),
                "-in",
                certificate.to_str().unwrap(),
            ])
            .status
            .success()
    };
    assert!(lives(3000) && !lives(3700), "not auto-renewal-cert-ttl");
    let first = serial(&world, &certificate);

    // Within a renewal interval longer than the hour it has left, the next run renews it.
    let (ok, output) = bootstrap(&agent, &server, &["--hostcert_renewal_interval", "2h"]);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("Renewed client certificate"), "{output}");
    let renewals = requests(&server, "\"POST /puppet-ca/v1/certificate_renewal\" 200");
    assert_eq!(renewals.len(), 1, "{}", server.log_text());
    assert!(renewals[0].contains("eight.test"), "{renewals:?}");
    let second = serial(&world, &certificate);
    assert_ne!(first, second, "the renewed certificate has a new serial");
    assert_eq!(
        public_key(&world, &certificate, false),
        public_key(&world, &agent.ssl("private_keys/eight.test.pem"), true),
        "the renewed certificate is for the agent's same key"
    );
    let (valid, detail) = world.openssl_verify(&certificate);
    assert!(valid, "{detail}");
    assert_eq!(
        common::read(&certificate),
        common::read(&world.ca("signed/eight.test.pem")),
        "the CA keeps the renewed certificate"
    );
}

#[test]
fn puppet_8_refreshes_the_ca_and_crl_with_if_modified_since() {
    let Some(release) = peers() else {
        return;
    };
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let agent = PuppetAgent::of(&release, &world, "watcher.test");
    let (ok, output) = bootstrap(&agent, &server, &[]);
    assert!(ok, "{output}\n{}", server.log_text());
    let other = PuppetAgent::of(&release, &world, "doomed.test");
    let (ok, output) = bootstrap(&other, &server, &[]);
    assert!(ok, "{output}\n{}", server.log_text());
    let refresh = [
        "--crl_refresh_interval",
        "1s",
        "--ca_refresh_interval",
        "1s",
    ];

    // Unchanged since the agent's copies: both refreshes are answered 304.
    std::thread::sleep(Duration::from_millis(2100));
    let (ok, output) = bootstrap(&agent, &server, &refresh);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("CA certificate is unmodified"), "{output}");
    assert!(output.contains("CRL is unmodified"), "{output}");
    for path in ["certificate/ca", "certificate_revocation_list/ca"] {
        let line = format!("\"GET /puppet-ca/v1/{path}\" 304");
        assert_eq!(requests(&server, &line).len(), 1, "{}", server.log_text());
    }

    // A revocation made now reaches the agent's crl.pem on its next run.
    let crl = agent.ssl("crl.pem");
    let before = common::read(&crl);
    let doomed = serial(&world, &other.ssl("certs/doomed.test.pem"));
    world.ok(&["--revoke", "doomed.test"]);
    std::thread::sleep(Duration::from_millis(2100));
    let (ok, output) = bootstrap(&agent, &server, &refresh);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("Refreshed CRL"), "{output}");
    let after = common::read(&crl);
    assert_ne!(before, after, "the agent's crl.pem did not change");
    assert_eq!(
        after,
        common::read(&world.ca("ca_crl.pem")),
        "the agent holds the CA's CRL chain"
    );
    let revoked = world.crl_texts(&crl)[0].clone();
    let hex = doomed.trim().trim_start_matches("serial=");
    assert!(
        revoked.contains(&format!("Serial Number: {hex}")),
        "{hex} not in\n{revoked}"
    );
    // The CA certificate did not change, so it was still 304.
    let line = "\"GET /puppet-ca/v1/certificate/ca\" 304";
    assert_eq!(requests(&server, line).len(), 2, "{}", server.log_text());
}

/// With `enable-infra-crl` (and `cert enable --infracrl`), what a Puppet 8 agent stores as its
/// `crl.pem` is the infrastructure CRL chain: the revoked master in it, not the revoked agent
/// the CA's own CRL lists.
#[test]
fn puppet_8_gets_the_infrastructure_crl_when_enabled() {
    let Some(release) = peers() else {
        return;
    };
    let world = world_with_ca("autosign = true\n");
    for name in ["master.test", "compiler.test", "lost.test"] {
        world.ok(&["generate", "--certname", name]);
    }
    std::fs::write(
        world.ca("infra_inventory.txt"),
        "master.test\ncompiler.test\n",
    )
    .unwrap();
    world.ok(&["enable", "--infracrl"]);
    world.ok(&["--revoke", "compiler.test", "lost.test"]);
    write_ca_conf(
        &world,
        "certificate-authority: {\n    enable-infra-crl: true\n}\n",
    );
    let server = Server::start(&world, &[]);
    let agent = PuppetAgent::of(&release, &world, "fleet.test");
    let (ok, output) = bootstrap(&agent, &server, &[]);
    assert!(ok, "{output}\n{}", server.log_text());
    let crl = common::read(&agent.ssl("crl.pem"));
    assert_eq!(crl, common::read(&world.ca("infra_crl.pem")));
    assert_ne!(crl, common::read(&world.ca("ca_crl.pem")));
    let compiler = serial(&world, &world.ca("signed/compiler.test.pem"));
    let lost = serial(&world, &world.ca("signed/lost.test.pem"));
    let listed = world.crl_texts(&agent.ssl("crl.pem"))[0].clone();
    let hex = |s: &str| s.trim().trim_start_matches("serial=").to_owned();
    assert!(
        listed.contains(&format!("Serial Number: {}", hex(&compiler))),
        "{listed}"
    );
    assert!(
        !listed.contains(&format!("Serial Number: {}", hex(&lost))),
        "{listed}"
    );
}
