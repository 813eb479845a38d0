//! Issue 13: CRLs never lapse. With a CRL lifetime of seconds (`crl_ttl`), `cert serve`
//! re-issues the chain before nextUpdate and a client polling it never sees an expired CRL;
//! without the daemon, any write of the CLI re-issues a CRL that is due; a node without
//! `root_key.pem` keeps the root's CRL and says when it lapses. OpenSSL checks every CRL.

mod common;

use std::time::{Duration, Instant};

use cert::crl::Crl;
use common::serve::{world_with_ca, Server};
use common::World;
use time::OffsetDateTime;

fn crls(pem: &[u8]) -> Vec<Crl> {
    Crl::chain_from_pem("CRL", pem).unwrap()
}

/// `openssl crl -CAfile ca_crt.pem` of each CRL in `pem`: every one must verify.
fn openssl_verifies_crls(world: &World, pem: &str) {
    for (index, block) in common::pem_blocks(pem, "X509 CRL").iter().enumerate() {
        let path = world.path().join(format!("fetched-{index}.pem"));
        std::fs::write(&path, block).unwrap();
        let output = world.openssl(&[
            "crl",
            "-noout",
            "-CAfile",
            world.ca("ca_crt.pem").to_str().unwrap(),
            "-in",
            path.to_str().unwrap(),
        ]);
        let said = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success() && said.contains("verify OK"),
            "{said}"
        );
    }
}

#[test]
fn the_daemon_re_issues_the_crl_chain_before_it_lapses() {
    if !common::require_peer("curl") || !common::require_peer("openssl") {
        return;
    }
    // 8 s CRLs, re-issued 2 s (a quarter) before they lapse.
    let world = world_with_ca("crl_ttl = 8s\n");
    let server = Server::start(&world, &[]);
    let started = Instant::now();
    let mut numbers = Vec::new();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(13) {
        let fetched_at = OffsetDateTime::now_utc();
        let (code, body) = server.get("/puppet-ca/v1/certificate_revocation_list/ca", &[]);
        assert_eq!(code, 200, "{body}");
        let chain = crls(body.as_bytes());
        assert_eq!(chain.len(), 2);
        for crl in &chain {
            let next_update = crl.next_update.expect("nextUpdate");
            assert!(
                next_update > fetched_at,
                "fetched an expired CRL of {} (next update {next_update}, fetched {fetched_at})\n{}",
                crl.issuer,
                server.log_text()
            );
        }
        numbers.push((chain[0].number.unwrap(), chain[1].number.unwrap()));
        last = body;
        std::thread::sleep(Duration::from_millis(300));
    }
    numbers.dedup();
    // Re-issued at least every 6 s: both CRLs (root_key.pem is here), numbers growing.
    assert!(numbers.len() >= 2, "{numbers:?}\n{}", server.log_text());
    assert!(
        numbers
            .windows(2)
            .all(|w| w[1].0 > w[0].0 && w[1].1 > w[0].1),
        "{numbers:?}"
    );
    openssl_verifies_crls(&world, &last);
    let log = server.log_text();
    assert!(
        log.contains("re-issued the CRL of Puppet CA: ca.test"),
        "{log}"
    );
    assert!(
        log.contains("re-issued the CRL of Puppet Root CA: "),
        "{log}"
    );
    // The TLS layer took the new CRLs too: an admin call with a client certificate works.
    let admin = common::serve::client(&world.ssldir, "ca.test");
    let (code, body) = server.get(
        "/puppet-ca/v1/certificate_statuses/any_key",
        &common::serve::strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    let audit = common::read(&world.ca("audit.log"));
    assert!(
        audit.contains("\"actor\":\"serve\",\"action\":\"refresh-crl\""),
        "{audit}"
    );
}

#[test]
fn any_cli_write_re_issues_a_due_crl_and_a_missing_root_key_keeps_the_root_crl() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::with_config(&format!("{}crl_ttl = 4s\n", common::EC_CONFIG));
    world.ok(&["setup"]);
    let before = crls(&std::fs::read(world.ca("ca_crl.pem")).unwrap());
    std::thread::sleep(Duration::from_secs(4));
    // A write: the CRLs, lapsed by now, are re-issued after it.
    world.ok(&["--generate", "node1.test"]);
    let after = crls(&std::fs::read(world.ca("ca_crl.pem")).unwrap());
    let now = OffsetDateTime::now_utc();
    for (old, new) in before.iter().zip(&after) {
        assert!(new.number > old.number, "{} not re-issued", new.issuer);
        assert!(new.next_update.unwrap() > now);
    }
    openssl_verifies_crls(&world, &common::read(&world.ca("ca_crl.pem")));
    assert_eq!(
        common::read(&world.ssl("crl.pem")),
        common::read(&world.ca("ca_crl.pem")),
        "this host's CRL follows"
    );
    world.ok(&["--verify", "node1.test"]);

    // Without root_key.pem the root's CRL is kept; `check --expiring` says when it lapses.
    std::fs::remove_file(world.ca("root_key.pem")).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    world.ok(&["--generate", "node2.test"]);
    let kept = crls(&std::fs::read(world.ca("ca_crl.pem")).unwrap());
    assert!(kept[0].number > after[0].number);
    assert_eq!(kept[1].der(), after[1].der(), "the root's CRL was kept");
    let output = world.cert(&["check", "--expiring", "1d"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("crl \"Puppet Root CA: ") && l.contains(" expired ")),
        "{stdout}"
    );
}

#[test]
fn the_daemon_says_when_a_root_crl_it_cannot_sign_lapses() {
    if !common::require_peer("curl") {
        return;
    }
    // CRLs of 2 s, lapsed by the time the daemon starts with an hour's lifetime.
    let world = world_with_ca("crl_ttl = 2s\n");
    std::fs::remove_file(world.ca("root_key.pem")).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let config = common::read(&world.config).replace("crl_ttl = 2s", "crl_ttl = 1h");
    std::fs::write(&world.config, config).unwrap();
    let server = Server::start(&world, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log_text().contains("cannot be re-issued without") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = server.log_text();
    assert!(
        log.contains("the CRL of Puppet Root CA: ")
            && log.contains("cannot be re-issued without")
            && log.contains("root_key.pem: it lapses at "),
        "{log}"
    );
    // The CA's own CRL was re-issued at start (due: within 59 minutes of its end).
    assert!(
        log.contains("re-issued the CRL of Puppet CA: ca.test"),
        "{log}"
    );
    // And the warning about what expires within 30 days.
    assert!(log.contains("crl \"Puppet Root CA: "), "{log}");
}
