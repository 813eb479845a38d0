//! Issue 13: CRLs stay small. `cert prune` (puppetserver-ca 2.5's flags) removes expired and
//! duplicate entries, or given ones, in one new CRL whose number grows, which `openssl crl`
//! verifies and a real Puppet agent takes; `cert delete` removes signed certificates; both
//! audited, in both dialects; and on puppetserver 7.9.5's CA.

mod common;

use std::fs;
use std::time::Duration;

use cert::crl::Crl;
use common::hosts::PuppetAgent;
use common::serve::{world_with_ca, Server};
use common::{assert_one_error, World};

fn crls(world: &World) -> Vec<Crl> {
    Crl::chain_from_pem("ca_crl.pem", &fs::read(world.ca("ca_crl.pem")).unwrap()).unwrap()
}

fn serial_of(world: &World, name: &str) -> u128 {
    let pem = fs::read(world.ca(&format!("signed/{name}.pem"))).unwrap();
    cert::certificate::Certificate::from_pem(name, &pem)
        .unwrap()
        .serial
        .unwrap()
        .0
}

/// `openssl crl -CAfile ca_crt.pem -text` of the CA's CRL: it verifies; its text.
fn openssl_crl(world: &World) -> String {
    let first = common::pem_blocks(&common::read(&world.ca("ca_crl.pem")), "X509 CRL")[0].clone();
    let path = world.path().join("first-crl.pem");
    fs::write(&path, first).unwrap();
    let output = world.openssl(&[
        "crl",
        "-noout",
        "-text",
        "-CAfile",
        world.ca("ca_crt.pem").to_str().unwrap(),
        "-in",
        path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success() && stderr.contains("verify OK"),
        "{stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn expired_and_duplicate_entries_leave_the_crl() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    world.ok(&["generate", "--certname", "short.test", "--ttl", "2"]);
    world.ok(&["generate", "--certname", "kept.test"]);
    world.ok(&["generate", "--certname", "other.test"]);
    world.ok(&["revoke", "--certname", "short.test,kept.test"]);
    let (short, kept) = (
        serial_of(&world, "short.test"),
        serial_of(&world, "kept.test"),
    );
    common::add_crl_duplicates(&world, &[kept]);
    std::thread::sleep(Duration::from_secs(3));
    let before = crls(&world);
    assert_eq!(before[0].revoked.len(), 3);

    let out = world.ok(&["prune"]);
    assert!(
        out.contains("Total number of certificates found in the CRL is: 3."),
        "{out}"
    );
    assert!(
        out.contains("Removed 1 duplicated certs from the CRL."),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "Removed 1 certs from the CRL (serials {short:04X})."
        )),
        "{out}"
    );
    let after = crls(&world);
    assert!(after[0].number > before[0].number);
    let serials: Vec<u128> = after[0].revoked.iter().map(|r| r.serial.0).collect();
    assert_eq!(serials, [kept]);
    let text = openssl_crl(&world);
    assert_eq!(text.matches("Serial Number: ").count(), 1, "{text}");
    assert!(
        text.contains(&format!("Serial Number: {kept:02X}")),
        "{text}"
    );
    assert_eq!(
        common::read(&world.ssl("crl.pem")),
        common::read(&world.ca("ca_crl.pem"))
    );
    // The revoked certificate is still refused, the others fine, under the pruned CRL.
    let (ok, said) = world.openssl_verify(&world.ca("signed/kept.test.pem"));
    assert!(!ok && said.contains("revoked"), "{said}");
    let (ok, said) = world.openssl_verify(&world.ca("signed/other.test.pem"));
    assert!(ok, "{said}");
    let audit = common::read(&world.ca("audit.log"));
    assert!(audit.contains("\"action\":\"prune\""), "{audit}");
    // Nothing left to prune: nothing written.
    let unchanged = fs::read(world.ca("ca_crl.pem")).unwrap();
    let out = world.ok(&["--prune"]);
    assert!(out.contains("No matching revocations found"), "{out}");
    assert_eq!(fs::read(world.ca("ca_crl.pem")).unwrap(), unchanged);

    // A real Puppet agent takes the pruned CRL (fetched and checked by its OpenSSL).
    if common::require_peer("puppet") && common::require_peer("curl") {
        let server = Server::start(&world, &[]);
        let agent = PuppetAgent::new(&world, "web1.test");
        let (ok, output) = agent.ssl_action(&server, "bootstrap");
        assert!(ok, "{output}\n{}", server.log_text());
        assert_eq!(
            common::read(&agent.ssl("crl.pem")),
            common::read(&world.ca("ca_crl.pem"))
        );
        let (ok, output) = agent.ssl_action(&server, "verify");
        assert!(ok, "{output}");
    }
}

#[test]
fn given_entries_are_removed_in_both_dialects() {
    let world = World::new();
    world.ok(&["setup"]);
    for name in ["a.test", "b.test", "c.test"] {
        world.ok(&["--generate", name]);
    }
    world.ok(&["--revoke", "a.test", "b.test", "c.test"]);
    let number = |world: &World| crls(world)[0].number.unwrap();
    let listed = |world: &World| -> Vec<u128> {
        crls(world)[0].revoked.iter().map(|r| r.serial.0).collect()
    };
    let (a, b, c) = (
        serial_of(&world, "a.test"),
        serial_of(&world, "b.test"),
        serial_of(&world, "c.test"),
    );
    assert_eq!(listed(&world), [a, b, c]);
    let first = number(&world);
    let out = world.ok(&["prune", "--remove-entries", "--certname", "a.test"]);
    assert!(out.contains("Removed 1 certs"), "{out}");
    assert_eq!(listed(&world), [b, c]);
    assert!(number(&world) > first);
    let second = number(&world);
    world.ok(&["--prune", &format!("0x{b:X}")]);
    assert_eq!(listed(&world), [c]);
    assert!(number(&world) > second);
    // What the CRL does not list: said, nothing written.
    let before = world.snapshot_ca();
    let output = world
        .cert(&["prune", "--remove-entries", "--serial", "0x99,a.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "bad serial is a usage error");
    assert_one_error(&String::from_utf8_lossy(&output.stderr), "bad serial");
    let output = world
        .cert(&[
            "prune",
            "--remove-entries",
            "--serial",
            "99",
            "--certname",
            "a.test",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("serial 0099 is not in the CRL"), "{stderr}");
    assert!(stderr.contains("a.test is not in the CRL"), "{stderr}");
    common::assert_same(&before, &world.snapshot_ca(), "nothing to prune");
    common::assert_store_ok(&world, "after prune");
}

#[test]
fn delete_removes_signed_certificates_in_both_dialects() {
    let world = World::new();
    world.ok(&["setup"]);
    world.ok(&["generate", "--certname", "gone.test", "--ttl", "1"]);
    for name in ["revoked.test", "named.test", "kept.test"] {
        world.ok(&["--generate", name]);
    }
    world.ok(&["--revoke", "revoked.test"]);
    std::thread::sleep(Duration::from_millis(1500));
    let out = world.ok(&["delete", "--expired"]);
    assert!(out.contains("signed/gone.test.pem"), "{out}");
    assert!(out.ends_with("1 certificate deleted.\n"), "{out}");
    assert!(!world.ca("signed/gone.test.pem").exists());
    world.ok(&["--delete", "--revoked"]);
    assert!(!world.ca("signed/revoked.test.pem").exists());
    world.ok(&["--delete", "named.test"]);
    assert!(!world.ca("signed/named.test.pem").exists());
    assert!(world.ca("signed/kept.test.pem").exists());
    // Deleting is not revoking.
    assert_eq!(crls(&world)[0].revoked.len(), 1);
    let (code, _, stderr) = world.fails(&["delete", "--certname", "named.test"]);
    assert_eq!(code, 1);
    assert_one_error(&stderr, "nothing to delete");
    let audit = common::read(&world.ca("audit.log"));
    assert_eq!(audit.matches("\"action\":\"delete\"").count(), 4, "{audit}");
    assert!(
        audit.contains("signed certificate removed (expired)"),
        "{audit}"
    );
    common::assert_store_ok(&world, "after delete");
}

#[test]
fn puppetserver_crl_is_pruned() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::from_fixture("puppetserver-7.9.5", "[main]\ncertname = puppetca\n");
    let before = crls(&world);
    let out = world.ok(&["prune"]);
    assert!(out.contains("No matching revocations found"), "{out}");
    world.ok(&[
        "prune",
        "--remove-entries",
        "--certname",
        "node2.example.com",
    ]);
    let after = crls(&world);
    assert!(after[0].revoked.is_empty());
    assert!(after[0].number > before[0].number);
    assert_eq!(after[1].der(), before[1].der(), "the root's CRL is kept");
    openssl_crl(&world);
    let (ok, said) = world.openssl_verify(&world.ca("signed/node2.example.com.pem"));
    assert!(ok, "no longer listed: {said}");
}

/// Issue 24: as puppetserver-ca 2.5 and later, `prune` with no flag removes duplicates only;
/// the entry of an expired certificate goes with `--remove-expired`.
#[test]
fn prune_without_flags_keeps_expired_entries() {
    let world = world_with_ca("autosign = true\n");
    world.ok(&["generate", "--certname", "short.test", "--ttl", "2"]);
    world.ok(&["revoke", "--certname", "short.test"]);
    let short = serial_of(&world, "short.test");
    std::thread::sleep(Duration::from_secs(3));
    let unchanged = fs::read(world.ca("ca_crl.pem")).unwrap();
    let out = world.ok(&["prune"]);
    assert!(out.contains("No matching revocations found"), "{out}");
    assert_eq!(fs::read(world.ca("ca_crl.pem")).unwrap(), unchanged);
    let out = world.ok(&["prune", "--remove-expired"]);
    assert!(
        out.contains(&format!(
            "Removed 1 certs from the CRL (serials {short:04X})."
        )),
        "{out}"
    );
    assert!(crls(&world)[0].revoked.is_empty());
}

/// The serials of a name are those this CA issued it: a certificate of an earlier CA in
/// signed/ (its serial numbered by that CA) names no entry of this CA's CRL, so pruning that
/// name must not drop the revocation of another certificate that has the same serial here.
#[test]
fn pruning_a_name_whose_certificate_came_from_an_earlier_ca_keeps_another_certificates_entry() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = world_with_ca("");
    world.ok(&["generate", "--certname", "revoked.test"]);
    world.ok(&["revoke", "--certname", "revoked.test"]);
    let serial = serial_of(&world, "revoked.test");
    // An earlier CA's certificate for old.test, with that same serial.
    let dir = world.path();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    world.openssl_ok(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=Puppet CA: earlier",
        "-days",
        "30",
        "-keyout",
        &path("earlier.key"),
        "-out",
        &path("earlier.pem"),
    ]);
    let csr = world.openssl_csr("old.test", &[]);
    world.openssl_ok(&[
        "x509",
        "-req",
        "-in",
        csr.to_str().unwrap(),
        "-CA",
        &path("earlier.pem"),
        "-CAkey",
        &path("earlier.key"),
        "-set_serial",
        &serial.to_string(),
        "-days",
        "30",
        "-out",
        &path("old.pem"),
    ]);
    fs::copy(dir.join("old.pem"), world.ca("signed/old.test.pem")).unwrap();
    assert_eq!(serial_of(&world, "old.test"), serial);

    let out = world.ok(&["prune", "--remove-entries", "--certname", "old.test"]);
    assert!(
        out.contains("No matching revocations found in the CRL for pruning"),
        "{out}"
    );
    let crl = crls(&world);
    assert!(
        crl[0].revoked.iter().any(|r| r.serial.0 == serial),
        "revoked.test's entry was dropped"
    );
}
