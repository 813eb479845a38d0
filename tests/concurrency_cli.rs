//! Issue 7, concurrency of the CLI: several `cert` processes submit, sign and revoke distinct
//! names in one CA directory at the same time. The store's lock must serialize them: no
//! duplicate serial, no lost inventory line, no CRL missing a revocation.

mod common;

use std::collections::BTreeSet;

use common::{assert_store_ok, crl_serials, pending, signed_serials, write_csrs, World};

/// Concurrent workers, each a sequence of CLI processes.
const WORKERS: usize = 4;
/// Names per worker.
const NAMES: usize = 12;

#[test]
fn concurrent_signers_and_revokers_lose_nothing() {
    let world = World::new();
    world.ok(&["--generate", "ca-host.test"]);
    let batches: Vec<(Vec<String>, Vec<std::path::PathBuf>)> = (0..WORKERS)
        .map(|w| write_csrs(&world, &format!("worker{w}"), NAMES))
        .collect();

    std::thread::scope(|scope| {
        for (names, paths) in &batches {
            let world = &world;
            scope.spawn(move || {
                for (index, (name, path)) in names.iter().zip(paths).enumerate() {
                    world.ok(&["submit", path.to_str().unwrap()]);
                    let output = world.cert(&["--sign", name]).output().expect("run cert");
                    // The racing batch signer may have signed it first.
                    assert!(
                        output.status.success() || world.ca(&format!("signed/{name}.pem")).exists(),
                        "cert --sign {name}: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    if index.is_multiple_of(2) {
                        world.ok(&["--revoke", name, "--yes"]);
                    }
                }
            });
        }
        // And a batch signer racing them: whatever is pending when it looks.
        let world = &world;
        scope.spawn(move || {
            for _ in 0..NAMES {
                let _ = world
                    .std_cert(&["--sign", "--all", "--yes"])
                    .output()
                    .expect("run cert");
            }
        });
    });

    assert_store_ok(&world, "after the concurrent run");
    assert!(pending(&world).is_empty(), "requests left");
    let signed = signed_serials(&world);
    let serials: BTreeSet<u128> = signed.iter().map(|(s, _)| *s).collect();
    assert_eq!(serials.len(), signed.len(), "duplicate serials: {signed:?}");
    // ca-host.test plus every worker's names.
    assert_eq!(signed.len(), 1 + WORKERS * NAMES, "{signed:?}");

    let inventory = common::read(&world.ca("inventory.txt"));
    let listed: BTreeSet<String> = inventory
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        inventory.lines().count(),
        listed.len(),
        "an inventory serial is listed twice:\n{inventory}"
    );
    for (serial, name) in &signed {
        assert!(
            listed.contains(&format!("0x{serial:04X}")),
            "inventory line of {name} ({serial:X}) lost:\n{inventory}"
        );
    }

    let revoked = crl_serials(&world);
    for (serial, name) in &signed {
        let index: usize = name
            .rsplit('-')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(1);
        let should_be_revoked = name.starts_with("worker") && index.is_multiple_of(2);
        assert_eq!(
            revoked.contains(serial),
            should_be_revoked,
            "{name} ({serial:X}) revoked: {}",
            revoked.contains(serial)
        );
    }
    assert_eq!(revoked.len(), WORKERS * NAMES / 2);
}
