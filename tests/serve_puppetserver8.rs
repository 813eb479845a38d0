//! Issue 24: a real puppetserver 8.7 master (Debian trixie's, its own CA service disabled)
//! running on the bundle `cert export --for master` makes, and the real Puppet 8.10 agent: it
//! enrols with `cert serve` as its CA (`--ca_server`), then `puppet agent -t` gets its catalog
//! from puppetserver, which verifies the agent's certificate against the exported CA chain and
//! CRL, and applies it. puppetserver takes a minute or more to start, so this is one test.

mod common;

use common::hosts::{text, PuppetAgent};
use common::puppetserver::Master;
use common::serve::{world_with_ca, Server};
use common::trixie;

#[test]
fn puppet_8_applies_a_catalog_from_puppetserver_8_on_an_exported_bundle() {
    if !(common::require_peer("openssl") && common::require_peer("curl")) {
        return;
    }
    let Some(release) = trixie::require_puppetserver() else {
        return;
    };
    let world = world_with_ca("autosign = true\n");
    world.ok(&[
        "generate",
        "--certname",
        "master.test",
        "--subject-alt-names",
        "localhost,127.0.0.1",
    ]);
    let bundle = world.path().join("master-bundle");
    let target = bundle.display().to_string();
    world.ok(&[
        "export",
        "master.test",
        "--for",
        "master",
        "--out",
        &target,
        "--target-ssldir",
        &target,
    ]);
    let server = Server::start(&world, &[]);

    let applied = world.path().join("applied.txt");
    let site_pp = format!(
        "node default {{\n  file {{ '{}':\n    content => \"catalog from puppetserver 8\\n\",\n  \
         }}\n  notify {{ 'cert-issue-24': message => 'applied' }}\n}}\n",
        applied.display()
    );
    let master = Master::start(
        &release,
        &world.path().join("puppetserver"),
        "master.test",
        &bundle,
        &site_pp,
    );

    let agent = PuppetAgent::of(&release, &world, "web1.test");
    let ca_port = server.port.to_string();
    let output = agent.puppet_at(
        master.port,
        &[
            "agent",
            "--test",
            "--ca_server",
            "127.0.0.1",
            "--ca_port",
            &ca_port,
            "--keylength",
            "2048",
            "--waitforcert",
            "0",
        ],
    );
    let said = text(&output);
    // `--test` exits 2 when the run changed something (detailed exit codes).
    assert!(
        matches!(output.status.code(), Some(0 | 2)),
        "puppet agent -t failed ({:?}):\n{said}\n--- cert serve:\n{}\n--- puppetserver:\n{}",
        output.status.code(),
        server.log_text(),
        master.log_text()
    );
    assert!(said.contains("Applied catalog"), "{said}");
    assert!(said.contains("applied"), "{said}");
    assert_eq!(
        std::fs::read_to_string(&applied).unwrap(),
        "catalog from puppetserver 8\n"
    );
    // The agent enrolled with cert serve, not with puppetserver.
    assert!(
        server
            .log_text()
            .contains("\"PUT /puppet-ca/v1/certificate_request/web1.test\" 200"),
        "{}",
        server.log_text()
    );
    let (valid, detail) = world.openssl_verify(&agent.ssl("certs/web1.test.pem"));
    assert!(valid, "{detail}");
    assert!(
        master.log_text().contains("web1.test"),
        "puppetserver never named the agent:\n{}",
        master.log_text()
    );
}
