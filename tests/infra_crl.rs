//! Issue 24: puppetserver's infrastructure CRL. `cert enable --infracrl` (puppetserver-ca's
//! `enable --infracrl`) writes `infra_serials` and `infra_crl.pem` from the administrator's
//! `infra_inventory.txt`; revoking an infrastructure node updates both CRLs, revoking any other
//! node only the CA's; with `enable-infra-crl: true` in ca.conf, `cert serve` gives agents the
//! infra chain. The files are those puppetserver-ca 2.7's own `enable --infracrl` writes: cert
//! revokes into the infra CRL that real CLI made. openssl verifies every CRL written.

mod common;

use std::fs;
use std::path::Path;

use cert::crl::Crl;
use common::serve::{client, strs, world_with_ca, write_ca_conf, Server};
use common::trixie;
use common::World;

const CA: &str = "/puppet-ca/v1";

fn crls(path: &Path) -> Vec<Crl> {
    Crl::chain_from_pem("crl", &fs::read(path).unwrap()).unwrap()
}

fn serial_of(world: &World, name: &str) -> u128 {
    let pem = fs::read(world.ca(&format!("signed/{name}.pem"))).unwrap();
    cert::certificate::Certificate::from_pem(name, &pem)
        .unwrap()
        .serial
        .unwrap()
        .0
}

fn listed(path: &Path) -> Vec<u128> {
    crls(path)[0].revoked.iter().map(|r| r.serial.0).collect()
}

/// `openssl crl -CAfile ca_crt.pem` of the first CRL of `path`: it verifies.
fn openssl_verifies(world: &World, path: &Path) {
    let first = common::pem_blocks(&common::read(path), "X509 CRL")[0].clone();
    let file = world.path().join("first.crl");
    fs::write(&file, first).unwrap();
    let output = world.openssl(&[
        "crl",
        "-noout",
        "-CAfile",
        world.ca("ca_crt.pem").to_str().unwrap(),
        "-in",
        file.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && said.contains("verify OK"),
        "{said}"
    );
}

/// A CA with `master.test` (listed in infra_inventory.txt) and `agent.test`.
fn world_with_nodes() -> World {
    let world = world_with_ca("autosign = false\n");
    world.ok(&["generate", "--certname", "master.test"]);
    world.ok(&["generate", "--certname", "agent.test"]);
    fs::write(world.ca("infra_inventory.txt"), "master.test\n").unwrap();
    world
}

#[test]
fn enable_infracrl_and_revocations_of_infrastructure_nodes() {
    if !(common::require_peer("openssl") && common::require_peer("curl")) {
        return;
    }
    // A new CA has an empty list, as puppetserver's has; without one, nothing is done.
    let world = world_with_ca("");
    assert_eq!(common::read(&world.ca("infra_inventory.txt")), "");
    fs::remove_file(world.ca("infra_inventory.txt")).unwrap();
    let before = world.snapshot_ca();
    let (code, _, stderr) = world.fails(&["enable", "--infracrl"]);
    assert_eq!(code, 1, "{stderr}");
    common::assert_one_error(&stderr, "enable without infra_inventory.txt");
    assert!(stderr.contains("infra_inventory.txt"), "{stderr}");
    common::assert_same(&before, &world.snapshot_ca(), "a refused enable");

    let world = world_with_nodes();
    let master = serial_of(&world, "master.test");
    let out = world.ok(&["enable", "--infracrl"]);
    assert!(out.contains("Infra CRL files created."), "{out}");
    assert_eq!(
        common::read(&world.ca("infra_serials")),
        format!("{master}\n")
    );
    let infra = crls(&world.ca("infra_crl.pem"));
    let full = crls(&world.ca("ca_crl.pem"));
    assert_eq!(infra.len(), 2, "the infra CRL, then the root's");
    assert!(infra[0].revoked.is_empty());
    assert_eq!(infra[0].issuer, full[0].issuer);
    assert_eq!(infra[1].der(), full[1].der(), "the root's CRL as it is");
    openssl_verifies(&world, &world.ca("infra_crl.pem"));
    let (code, _, stderr) = world.fails(&["enable", "--infracrl"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");

    // Served to agents once ca.conf says so; the admin revokes over HTTP.
    write_ca_conf(
        &world,
        "certificate-authority: {\n    enable-infra-crl: true\n}\n",
    );
    let server = Server::start(&world, &[]);
    let crl_path = format!("{CA}/certificate_revocation_list/ca");
    let (code, served) = server.get(&crl_path, &[]);
    assert_eq!(code, 200, "{served}");
    assert_eq!(served, common::read(&world.ca("infra_crl.pem")));
    let admin = client(&world.ssldir, "ca.test");
    let revoke = world.path().join("revoke.json");
    fs::write(&revoke, r#"{"desired_state":"revoked"}"#).unwrap();
    let revoke_over_http = |name: &str| {
        let path = format!("{CA}/certificate_status/{name}");
        let (code, body) = server.send("PUT", &path, "application/json", &revoke, &strs(&admin));
        assert_eq!(code, 204, "{body}");
    };

    // An agent: the CA's CRL only.
    let agent = serial_of(&world, "agent.test");
    let infra_before = fs::read(world.ca("infra_crl.pem")).unwrap();
    revoke_over_http("agent.test");
    assert_eq!(listed(&world.ca("ca_crl.pem")), [agent]);
    assert_eq!(fs::read(world.ca("infra_crl.pem")).unwrap(), infra_before);
    assert_eq!(
        server.get(&crl_path, &[]).1,
        String::from_utf8(infra_before).unwrap()
    );

    // The master: both, the infra CRL numbered above the last.
    revoke_over_http("master.test");
    assert_eq!(listed(&world.ca("ca_crl.pem")), [agent, master]);
    assert_eq!(listed(&world.ca("infra_crl.pem")), [master]);
    assert_eq!(crls(&world.ca("infra_crl.pem"))[0].number, Some(1));
    openssl_verifies(&world, &world.ca("infra_crl.pem"));
    let (code, served) = server.get(&crl_path, &[]);
    assert_eq!(code, 200);
    assert_eq!(served, common::read(&world.ca("infra_crl.pem")));
    let log = world.ok(&["log"]);
    assert!(log.contains("enable-infracrl"), "{log}");
    assert!(log.contains("revoke-infra"), "{log}");
    world.ok(&["check"]);
}

/// The files puppetserver-ca 2.7's own `enable --infracrl` writes: cert revokes into them.
#[test]
fn cert_revokes_into_the_infra_crl_puppetserver_ca_made() {
    if !common::require_peer("openssl") {
        return;
    }
    let Some(release) = trixie::require() else {
        return;
    };
    let world = world_with_nodes();
    let offline = world.path().join("offline.conf");
    fs::write(
        &offline,
        format!(
            "[main]\ncertname = ca.test\nssldir = {}\nserver = 127.0.0.1\nserverport = 1\n\
             [server]\ncadir = {}\n",
            world.ssldir.display(),
            world.cadir.display()
        ),
    )
    .unwrap();
    let (code, out) =
        common::puppetserver_ca::run_in(&release, &world, &offline, &["enable", "--infracrl"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Infra CRL files created."), "{out}");
    openssl_verifies(&world, &world.ca("infra_crl.pem"));
    world.ok(&["revoke", "--certname", "master.test,agent.test"]);
    let master = serial_of(&world, "master.test");
    assert_eq!(listed(&world.ca("infra_crl.pem")), [master]);
    openssl_verifies(&world, &world.ca("infra_crl.pem"));
    assert_eq!(
        common::read(&world.ca("infra_serials")),
        format!("{master}\n")
    );
}

/// A database keeps no infrastructure CRL: said so, nothing changed.
#[test]
fn a_database_store_refuses_the_infra_crl() {
    let Some(cluster) = common::postgres::Cluster::start() else {
        return;
    };
    let world = World::with_config(&format!(
        "{}[server]\nca_store = {}\n",
        common::EC_CONFIG,
        cluster.url()
    ));
    world.ok(&["setup"]);
    let (code, _, stderr) = world.fails(&["enable", "--infracrl"]);
    assert_eq!(code, 1, "{stderr}");
    common::assert_one_error(&stderr, "enable on a database");
    assert!(
        stderr.contains("does not keep the infrastructure CRL"),
        "{stderr}"
    );
}

/// The infrastructure CRL never lapses before the CA's: re-issued whenever the CA's chain is
/// (here by the next write of the CLI once the 8-second CRLs are due), as puppetserver
/// re-issues both before they expire.
#[test]
fn the_infra_crl_is_re_issued_with_the_cas() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = world_with_ca("crl_ttl = 8s\n");
    world.ok(&["generate", "--certname", "master.test"]);
    fs::write(world.ca("infra_inventory.txt"), "master.test\n").unwrap();
    world.ok(&["enable", "--infracrl"]);
    world.ok(&["revoke", "--certname", "master.test"]);
    let before = crls(&world.ca("infra_crl.pem"));
    std::thread::sleep(std::time::Duration::from_millis(6500));
    world.ok(&["generate", "--certname", "later.test"]);
    let after = crls(&world.ca("infra_crl.pem"));
    let now = time::OffsetDateTime::now_utc();
    assert!(after[0].number > before[0].number);
    assert!(after[0].next_update.unwrap() > now + time::Duration::seconds(4));
    assert_eq!(
        after[0].revoked, before[0].revoked,
        "the master stays listed"
    );
    let main = crls(&world.ca("ca_crl.pem"));
    assert_eq!(
        after[1].der(),
        main[1].der(),
        "the root's CRL as the CA's chain has it"
    );
    openssl_verifies(&world, &world.ca("infra_crl.pem"));
}

/// `enable-infra-crl` without an infra CRL yet: the daemon says so at start and serves the
/// CA's whole CRL meanwhile.
#[test]
fn enabled_without_infra_files_serves_the_whole_crl_and_says_so() {
    if !(common::require_peer("openssl") && common::require_peer("curl")) {
        return;
    }
    let world = world_with_ca("");
    write_ca_conf(
        &world,
        "certificate-authority: {\n    enable-infra-crl: true\n}\n",
    );
    let server = Server::start(&world, &[]);
    assert!(
        server.log_text().contains("has no infra_crl.pem"),
        "{}",
        server.log_text()
    );
    let (code, served) = server.get(&format!("{CA}/certificate_revocation_list/ca"), &[]);
    assert_eq!(code, 200);
    assert_eq!(served, common::read(&world.ca("ca_crl.pem")));
}
