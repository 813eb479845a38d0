//! Issue 7, concurrency of daemons and the CLI in one CA directory: two `cert serve` processes
//! (different ports, autosign on) enroll agents and revoke certificates through the admin API,
//! while CLI processes submit, sign and revoke, all at once. The store's lock must serialize
//! them: no duplicate serial, no lost inventory line, no CRL missing a revocation (whichever
//! process made it), both daemons serve the CRL that is on disk, and a certificate revoked
//! through one daemon is refused in the TLS handshake by the other.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::serve::{client, strs, world_with_ca, Server};
use common::{assert_store_ok, crl_serials, pending, signed_serials, write_csrs, World};

const CA: &str = "/puppet-ca/v1";
/// Agent threads per daemon.
const AGENTS: usize = 2;
/// Names per agent thread and per CLI worker.
const NAMES: usize = 10;

/// Whether `name` is to be revoked, and by whom: even indexes by the other daemon (agents) or
/// the CLI (its own names); agents' indexes 1 mod 4 by the CLI as well.
fn revoked_by_design(name: &str) -> bool {
    let index: usize = name.rsplit('-').next().unwrap().parse().unwrap();
    index.is_multiple_of(2) || (!name.starts_with("cli") && index % 4 == 1)
}

/// Wait until `name` is signed (another process is signing it).
fn wait_signed(world: &World, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !world.ca(&format!("signed/{name}.pem")).exists() {
        assert!(Instant::now() < deadline, "{name} never got signed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_daemons_and_the_cli_sign_and_revoke_without_losing_anything() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    world.ok(&["generate", "--certname", "gone.test"]);
    let daemons = [Server::start(&world, &[]), Server::start(&world, &[])];
    let admin = client(&world.ssldir, "ca.test");
    let revoke_json = world.path().join("revoke.json");
    std::fs::write(&revoke_json, r#"{"desired_state":"revoked"}"#).unwrap();
    let agents: Vec<(usize, Vec<String>, Vec<PathBuf>)> = (0..daemons.len() * AGENTS)
        .map(|i| {
            let (names, csrs) = write_csrs(&world, &format!("d{}a{i}", i % 2), NAMES);
            (i % daemons.len(), names, csrs)
        })
        .collect();
    let (cli_names, cli_csrs) = write_csrs(&world, "cli", NAMES);

    std::thread::scope(|scope| {
        for (daemon, names, csrs) in &agents {
            let (world, server, other) = (&world, &daemons[*daemon], &daemons[1 - *daemon]);
            let (admin, revoke_json) = (&admin, &revoke_json);
            scope.spawn(move || {
                for (index, (name, csr)) in names.iter().zip(csrs).enumerate() {
                    let path = format!("{CA}/certificate_request/{name}");
                    let (code, body) = server.send("PUT", &path, "text/plain", csr, &[]);
                    assert_eq!(code, 200, "PUT {name}: {body}");
                    let (code, pem) = server.get(&format!("{CA}/certificate/{name}"), &[]);
                    assert_eq!(code, 200, "GET {name}: {pem}");
                    assert_eq!(pem, common::read(&world.ca(&format!("signed/{name}.pem"))));
                    if index.is_multiple_of(2) {
                        let (code, body) = other.send(
                            "PUT",
                            &format!("{CA}/certificate_status/{name}"),
                            "application/json",
                            revoke_json,
                            &strs(admin),
                        );
                        assert_eq!(code, 204, "revoke {name}: {body}");
                    }
                }
            });
        }
        // The CLI signing its own names (queued without autosign, then `--sign`) and revoking.
        let world = &world;
        let (cli_names, cli_csrs) = (&cli_names, &cli_csrs);
        scope.spawn(move || {
            for (index, (name, csr)) in cli_names.iter().zip(cli_csrs).enumerate() {
                world.ok(&["--autosign", "false", "submit", csr.to_str().unwrap()]);
                world.ok(&["--sign", name]);
                if index.is_multiple_of(2) {
                    world.ok(&["--revoke", name, "--yes"]);
                }
            }
        });
        // The CLI revoking agents' certificates as soon as a daemon signed them.
        let agents = &agents;
        scope.spawn(move || {
            for (_, names, _) in agents {
                for name in names.iter().filter(|n| revoked_by_design(n)) {
                    let index: usize = name.rsplit('-').next().unwrap().parse().unwrap();
                    if index % 4 == 1 {
                        wait_signed(world, name);
                        world.ok(&["--revoke", name, "--yes"]);
                    }
                }
            }
        });
    });

    assert_store_ok(&world, "after the concurrent run");
    assert!(
        pending(&world).is_empty(),
        "requests left: {:?}",
        pending(&world)
    );
    let signed = signed_serials(&world);
    let serials: BTreeSet<u128> = signed.iter().map(|(s, _)| *s).collect();
    assert_eq!(serials.len(), signed.len(), "duplicate serials: {signed:?}");
    let by_name: BTreeMap<&str, u128> = signed.iter().map(|(s, n)| (n.as_str(), *s)).collect();
    let mut expected: BTreeSet<String> = ["ca.test", "gone.test"].map(String::from).into();
    expected.extend(cli_names.iter().cloned());
    for (_, names, _) in &agents {
        expected.extend(names.iter().cloned());
    }
    let names: BTreeSet<String> = by_name.keys().map(|n| n.to_string()).collect();
    assert_eq!(names, expected, "signed names");

    let inventory = common::read(&world.ca("inventory.txt"));
    let listed: Vec<&str> = inventory
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(
        listed.len(),
        unique.len(),
        "a serial listed twice:\n{inventory}"
    );
    for (serial, name) in &signed {
        assert!(
            unique.contains(format!("0x{serial:04X}").as_str()),
            "inventory line of {name} ({serial:X}) lost:\n{inventory}"
        );
    }

    // Revoke gone.test through the first daemon: the second refuses it in the handshake.
    let gone = client(&world.ssldir, "gone.test");
    assert_eq!(
        daemons[1].get(&format!("{CA}/expirations"), &strs(&gone)).0,
        200
    );
    let (code, body) = daemons[0].send(
        "PUT",
        &format!("{CA}/certificate_status/gone.test"),
        "application/json",
        &revoke_json,
        &strs(&admin),
    );
    assert_eq!(code, 204, "{body}");
    let (code, error) = daemons[1].get(&format!("{CA}/expirations"), &strs(&gone));
    assert_eq!(
        code, 0,
        "the other daemon served a revoked certificate: {error}"
    );

    let revoked = crl_serials(&world);
    let mut wanted: BTreeSet<u128> = BTreeSet::new();
    for (name, serial) in &by_name {
        if *name == "gone.test" || (!name.starts_with("ca.") && revoked_by_design(name)) {
            wanted.insert(*serial);
        }
    }
    let missing: Vec<&str> = by_name
        .iter()
        .filter(|(_, s)| wanted.contains(s) && !revoked.contains(s))
        .map(|(n, _)| *n)
        .collect();
    assert!(
        missing.is_empty(),
        "revocations missing from the CRL: {missing:?}"
    );
    assert_eq!(revoked, wanted, "the CRL revokes more than was asked");

    // Both daemons serve the CRL on disk, and its chain verifies with openssl.
    let on_disk = common::read(&world.ca("ca_crl.pem"));
    for server in &daemons {
        let (code, crl) = server.get(&format!("{CA}/certificate_revocation_list/ca"), &[]);
        assert_eq!((code, crl.as_str()), (200, on_disk.as_str()));
        let log = server.log_text();
        assert!(!log.contains("\" 500 "), "{log}");
    }
    let (valid, detail) = world.openssl_verify(&world.ca("signed/cli-1.pem"));
    assert!(valid, "{detail}");
    let (valid, detail) = world.openssl_verify(&world.ca("signed/cli-0.pem"));
    assert!(!valid && detail.contains("revoked"), "{detail}");
}
