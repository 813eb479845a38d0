//! Issue 4: Puppet's own CA client, `puppetserver ca` (Debian's `ruby-puppetserver-ca-cli`, the
//! code `/usr/bin/puppetserver ca` runs), talking to `cert serve` with a client certificate
//! `cert generate` made for it and allowed with `--admin`: `list`, `list --all`, `sign`,
//! `revoke`, `clean`, and its error for a name without a request. It reads server, port and
//! ssldir from a puppet.conf of its own, verifies the daemon against the ssldir's CA bundle and
//! CRL chain, and parses our JSON and status codes; the CA directory and the audit trail are
//! checked afterwards.

mod common;

use common::puppetserver_ca;
use common::serve::{world_with_ca, Server};

const CA: &str = "/puppet-ca/v1";

#[test]
fn puppetserver_ca_lists_signs_revokes_and_cleans_through_cert_serve() {
    if !(common::require_peer("curl")
        && common::require_peer("openssl")
        && puppetserver_ca::require())
    {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    world.ok(&["generate", "--certname", "cli.test"]);
    let server = Server::start(&world, &["--admin", "cli.test"]);
    let config = world.path().join("ca-cli.conf");
    std::fs::write(
        &config,
        format!(
            "[main]\ncertname = cli.test\nssldir = {}\nserver = localhost\nserverport = {}\n",
            world.ssldir.display(),
            server.port
        ),
    )
    .unwrap();
    for name in ["agent1.test", "agent2.test"] {
        let csr = world.openssl_csr(name, &[]);
        let path = format!("{CA}/certificate_request/{name}");
        assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    }

    let (code, out) = puppetserver_ca::run(&world, &config, &["list"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Requested Certificates:"), "{out}");
    assert!(
        out.contains("agent1.test") && out.contains("agent2.test"),
        "{out}"
    );

    let (code, out) = puppetserver_ca::run(
        &world,
        &config,
        &["sign", "--certname", "agent1.test,agent2.test"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Successfully signed certificate request for agent1.test"),
        "{out}"
    );
    let (valid, detail) = world.openssl_verify(&world.ca("signed/agent2.test.pem"));
    assert!(valid, "{detail}");

    let (code, out) =
        puppetserver_ca::run(&world, &config, &["revoke", "--certname", "agent1.test"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Certificate for agent1.test has been revoked"),
        "{out}"
    );
    let (code, out) =
        puppetserver_ca::run(&world, &config, &["clean", "--certname", "agent2.test"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Cleaned files related to agent2.test"),
        "{out}"
    );
    assert!(!world.ca("signed/agent2.test.pem").exists());

    let (code, out) = puppetserver_ca::run(&world, &config, &["list", "--all"]);
    assert_eq!(code, 0, "{out}");
    let revoked = out
        .split("Revoked Certificates:")
        .nth(1)
        .unwrap_or_default();
    assert!(revoked.contains("agent1.test"), "{out}");
    assert!(!out.contains("agent2.test"), "{out}");
    assert!(
        out.contains("authorization extensions: [pp_cli_auth: true]"),
        "{out}"
    );

    let (code, out) = puppetserver_ca::run(&world, &config, &["sign", "--certname", "nobody.test"]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("Cannot sign certificate for host nobody.test without a certificate request"),
        "{out}"
    );

    // Every change is audited as the CA CLI's certificate.
    let log = world.ok(&["log"]);
    for line in [
        "client:cli.test sign agent1.test done",
        "client:cli.test sign agent2.test done",
        "client:cli.test revoke agent1.test done",
        "client:cli.test revoke agent2.test done",
    ] {
        assert!(log.contains(line), "{line} not in\n{log}");
    }
    // The CRL it revoked into is served and verifies with openssl.
    let (code, crl) = server.get(&format!("{CA}/certificate_revocation_list/ca"), &[]);
    assert_eq!(code, 200, "{crl}");
    assert_eq!(
        crl,
        std::fs::read_to_string(world.ca("ca_crl.pem")).unwrap()
    );
}
