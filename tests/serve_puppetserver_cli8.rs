//! Issue 24: puppetserver's CA CLI 2.7 (Debian trixie's `ruby-puppetserver-ca-cli`, in the tree
//! of `tests/common/trixie.rs`) against `cert serve`, on both stores (a CA directory and a
//! PostgreSQL database). It asks `GET /status/v1/services` for the CA's version first, and
//! with the version `cert serve` claims it signs through the bulk endpoints: `sign --certname
//! a,b` is one `POST sign`, `sign --all` one `POST sign/all` (both seen in the daemon's log,
//! and no `PUT certificate_status` for them). Then `revoke`, `clean`, `generate` (online: it
//! submits, signs and downloads), `list --all`; and, offline on the CA directory, `prune`
//! (duplicates, its default) and `delete --revoked`. The other way round, `cert` works on a CA
//! the CLI's own `setup --root-ca-name` made. The Puppet 7 CLI's tests
//! (`tests/serve_puppetserver_cli.rs`) stay beside these.

mod common;

use std::path::{Path, PathBuf};

use common::postgres::Cluster;
use common::puppetserver_ca::run_in;
use common::serve::{world_with_ca, Server, SERVE_CONFIG};
use common::trixie::{self, Release};
use common::World;

const CA: &str = "/puppet-ca/v1";

fn peers() -> Option<Release> {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return None;
    }
    trixie::require()
}

/// The CA CLI's own puppet.conf: its certname (an `--admin` of the daemon), the world's ssldir
/// (CA bundle, CRL and its certificate), the daemon's port.
fn cli_config(world: &World, server: &Server) -> PathBuf {
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
    config
}

/// Log lines of `server` holding `request`.
fn logged(server: &Server, request: &str) -> usize {
    server
        .log_text()
        .lines()
        .filter(|line| line.contains(request))
        .count()
}

/// The CLI's online commands against `server` on `world`'s CA (whatever its store), with the
/// CA certificate in `cacert`.
fn online_commands(release: &Release, world: &World, server: &Server, cacert: &Path) {
    let config = cli_config(world, server);
    for name in ["agent1.test", "agent2.test", "agent3.test", "agent4.test"] {
        let csr = world.openssl_csr(name, &[]);
        let path = format!("{CA}/certificate_request/{name}");
        assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    }
    let run = |args: &[&str]| {
        let (code, out) = run_in(release, world, &config, args);
        assert_eq!(
            code,
            0,
            "puppetserver ca {args:?}:\n{out}\n{}",
            server.log_text()
        );
        out
    };

    let out = run(&["list"]);
    assert!(out.contains("Requested Certificates:"), "{out}");
    assert!(
        out.contains("agent1.test") && out.contains("agent4.test"),
        "{out}"
    );

    // Bulk signing: the version check, then one POST for two names.
    let out = run(&["sign", "--certname", "agent1.test,agent2.test"]);
    assert!(
        out.contains("Successfully signed the following certificate requests:"),
        "{out}"
    );
    assert!(
        logged(server, "\"GET /status/v1/services\" 200") >= 1,
        "{}",
        server.log_text()
    );
    assert_eq!(
        logged(server, "\"POST /puppet-ca/v1/sign\" 200"),
        1,
        "{}",
        server.log_text()
    );
    let out = run(&["sign", "--all"]);
    assert!(
        out.contains("agent3.test") && out.contains("agent4.test"),
        "{out}"
    );
    assert_eq!(
        logged(server, "\"POST /puppet-ca/v1/sign/all\" 200"),
        1,
        "{}",
        server.log_text()
    );
    assert_eq!(
        logged(server, "\"PUT /puppet-ca/v1/certificate_status/agent"),
        0,
        "signing fell back to one request per name:\n{}",
        server.log_text()
    );
    for name in ["agent1.test", "agent4.test"] {
        let (code, pem) = server.get(&format!("{CA}/certificate/{name}"), &[]);
        assert_eq!(code, 200, "{pem}");
        let file = world.path().join(format!("{name}.crt"));
        std::fs::write(&file, pem).unwrap();
        verify(world, cacert, &file);
    }

    let out = run(&["revoke", "--certname", "agent1.test"]);
    assert!(
        out.contains("Certificate for agent1.test has been revoked"),
        "{out}"
    );
    let out = run(&["clean", "--certname", "agent2.test"]);
    assert!(
        out.contains("Cleaned files related to agent2.test"),
        "{out}"
    );
    assert_eq!(
        server.get(&format!("{CA}/certificate/agent2.test"), &[]).0,
        404
    );

    // Online generate: a key and CSR made by the CLI, submitted, signed, downloaded.
    let out = run(&["generate", "--certname", "gen.test"]);
    assert!(
        out.contains("Successfully signed certificate request for gen.test"),
        "{out}"
    );
    verify(world, cacert, &world.ssl("certs/gen.test.pem"));

    let out = run(&["list", "--all"]);
    let (_, rest) = out.split_once("Signed Certificates:").expect(&out);
    let (signed, revoked) = rest.split_once("Revoked Certificates:").expect(&out);
    for name in ["agent3.test", "agent4.test", "gen.test", "cli.test"] {
        assert!(signed.contains(name), "{out}");
    }
    assert!(revoked.contains("agent1.test"), "{out}");
    assert!(!out.contains("agent2.test"), "{out}");

    // Every change is audited as the CA CLI's certificate.
    let log = world.ok(&["log"]);
    for line in [
        "client:cli.test sign agent1.test done",
        "client:cli.test sign agent4.test done",
        "client:cli.test revoke agent1.test done",
        "client:cli.test sign gen.test done",
    ] {
        assert!(log.contains(line), "{line} not in\n{log}");
    }
}

/// `openssl verify` of `certificate` against the chain in `cacert` and the daemon's CRL
/// chain as the world's ssldir keeps it.
fn verify(world: &World, cacert: &Path, certificate: &Path) {
    let output = world.openssl(&[
        "verify",
        "-CAfile",
        cacert.to_str().unwrap(),
        certificate.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn puppetserver_ca_2_7_signs_in_bulk_on_a_ca_directory() {
    let Some(release) = peers() else {
        return;
    };
    let world = world_with_ca("autosign = false\n");
    world.ok(&["generate", "--certname", "cli.test"]);
    let mut server = Server::start(&world, &["--admin", "cli.test"]);
    online_commands(&release, &world, &server, &world.ca("ca_crt.pem"));
    assert_eq!(server.stop(), Some(0));

    // Offline, as puppetserver's CLI runs prune: on the CA directory, the server stopped (a
    // closed port), with the CA's own certname.
    let revoked = common::crl_serials(&world);
    let first = *revoked.iter().next().expect("a revoked serial");
    common::add_crl_duplicates(&world, &[first]);
    let offline = world.path().join("offline.conf");
    std::fs::write(
        &offline,
        format!(
            "[main]\ncertname = ca.test\nssldir = {}\nserver = 127.0.0.1\nserverport = 1\n\
             [server]\ncadir = {}\n",
            world.ssldir.display(),
            world.cadir.display()
        ),
    )
    .unwrap();
    let (code, out) = run_in(&release, &world, &offline, &["prune"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Removed 1 duplicated certs from Puppet's CRL."),
        "{out}"
    );
    assert_eq!(common::crl_serials(&world), revoked);
    let pem = std::fs::read(world.ca("ca_crl.pem")).unwrap();
    let chain = cert::crl::Crl::chain_from_pem("ca_crl.pem", &pem).unwrap();
    assert_eq!(chain[0].revoked.len(), revoked.len(), "a duplicate is left");
    world.ok(&["check"]);
    // Its offline delete of revoked certificates on cert's directory.
    let (code, out) = run_in(&release, &world, &offline, &["delete", "--revoked"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signed/agent1.test.pem"), "{out}");
    assert!(out.contains("1 certificate deleted."), "{out}");
    assert!(!world.ca("signed/agent1.test.pem").exists());
    world.ok(&["check"]);
    // What the CLI wrote, cert reads and serves again.
    let server = Server::start(&world, &[]);
    let (code, crl) = server.get(&format!("{CA}/certificate_revocation_list/ca"), &[]);
    assert_eq!(code, 200, "{crl}");
    assert_eq!(crl, common::read(&world.ca("ca_crl.pem")));
}

#[test]
fn puppetserver_ca_2_7_signs_in_bulk_on_a_database() {
    let Some(release) = peers() else {
        return;
    };
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let world = World::with_config(&format!(
        "{SERVE_CONFIG}autosign = false\n[server]\nca_store = {}\n",
        cluster.url()
    ));
    world.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    world.ok(&["generate", "--certname", "cli.test"]);
    let cacert = world.ssl("certs/ca.pem");
    let server = Server::start_trusting(&world, &["--admin", "cli.test"], &cacert);
    online_commands(&release, &world, &server, &cacert);
}

/// The other way: a CA that puppetserver-ca 2.7's own `setup --root-ca-name` made is one
/// `cert` lists, signs with (openssl verifies) and finds consistent.
#[test]
fn cert_works_on_a_ca_puppetserver_ca_2_7_set_up() {
    let Some(release) = peers() else {
        return;
    };
    let world = World::with_config("[main]\ncertname = ca.test\nkeylength = 2048\n");
    let config = world.path().join("ca-cli.conf");
    std::fs::write(
        &config,
        format!(
            "[main]\ncertname = ca.test\nkeylength = 2048\nssldir = {}\n\
             server = 127.0.0.1\nserverport = 1\n[server]\ncadir = {}\n",
            world.ssldir.display(),
            world.cadir.display()
        ),
    )
    .unwrap();
    let (code, out) = run_in(
        &release,
        &world,
        &config,
        &[
            "setup",
            "--root-ca-name",
            "Example Root",
            "--subject-alt-names",
            "localhost",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Generation succeeded"), "{out}");
    world.ok(&["check"]);
    let listed = world.ok(&["list", "--all"]);
    assert!(listed.contains("ca.test"), "{listed}");
    world.ok(&["generate", "--certname", "node.test"]);
    let (valid, detail) = world.openssl_verify(&world.ca("signed/node.test.pem"));
    assert!(valid, "{detail}");
    let root = common::pem_blocks(&common::read(&world.ca("ca_crt.pem")), "CERTIFICATE")[1].clone();
    let root_file = world.path().join("root.pem");
    std::fs::write(&root_file, root).unwrap();
    assert!(world.x509_text(&root_file).contains("CN = Example Root"));
    world.ok(&["check"]);
}
