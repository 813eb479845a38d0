//! Issue 7, crash safety of the CLI: `cert --sign --all` and `cert --revoke` are killed with
//! SIGKILL at random moments, then the store's invariants are checked (`cert check`), the
//! command is run again and must finish the work, and no serial is ever issued twice.
//!
//! Set `CERT_TEST_SEED` to replay a run (the seed is printed on stderr).

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{
    assert_store_ok, check_allowing_temp_files, crl_serials, pending, signed_serials, write_csrs,
    Random, World,
};

/// Requests signed (and certificates revoked) per round: more than the 64 from which a batch
/// stages certificates while it signs (issue 14), so kills land in that path too.
const BATCH: usize = 80;
/// At most this many rounds, and no new round after [`TIME_LIMIT`].
const ROUNDS: usize = 30;
const TIME_LIMIT: Duration = Duration::from_secs(40);

/// Run `args`, kill it with SIGKILL after `delay` (unless it ended first); whether it was killed.
fn run_and_kill(world: &World, args: &[&str], delay: Duration) -> bool {
    let mut child = world
        .std_cert(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cert");
    sleep(delay);
    let killed = matches!(child.try_wait(), Ok(None)) && child.kill().is_ok();
    child.wait().expect("wait for cert");
    killed
}

/// How long an uninterrupted run of `args` takes.
fn timed(world: &World, args: &[&str]) -> Duration {
    let start = Instant::now();
    world.ok(args);
    start.elapsed()
}

#[test]
fn killed_sign_and_revoke_leave_a_consistent_store_and_never_reuse_a_serial() {
    let world = World::new();
    world.ok(&["--generate", "ca-host.test"]);
    let mut random = Random::new("crash_cli");
    // serial -> name, over the whole run: a serial seen for two names was reused.
    let mut serials: BTreeMap<u128, String> = BTreeMap::new();
    let mut remember = |world: &World| {
        for (serial, name) in signed_serials(world) {
            let previous = serials.entry(serial).or_insert_with(|| name.clone());
            assert_eq!(*previous, name, "serial {serial:X} was issued twice");
        }
    };

    // Calibrate: how long an uninterrupted batch takes on this machine.
    let (_, paths) = write_csrs(&world, "calibrate", BATCH);
    let mut submit: Vec<&str> = vec!["submit"];
    submit.extend(paths.iter().map(|p| p.to_str().unwrap()));
    world.ok(&submit);
    let sign_time = timed(&world, &["--sign", "--all", "--yes"]);
    let calibrate_names: Vec<String> = (0..BATCH).map(|i| format!("calibrate-{i}")).collect();
    let mut revoke: Vec<&str> = vec!["--revoke", "--yes"];
    revoke.extend(calibrate_names.iter().map(String::as_str));
    let revoke_time = timed(&world, &revoke);
    remember(&world);
    assert_store_ok(&world, "after calibration");

    let start = Instant::now();
    let (mut rounds, mut sign_kills, mut revoke_kills, mut temp_rounds) = (0, 0, 0, 0);
    while rounds < ROUNDS && start.elapsed() < TIME_LIMIT {
        let prefix = format!("round{rounds}");
        let (names, paths) = write_csrs(&world, &prefix, BATCH);
        let mut submit: Vec<&str> = vec!["submit"];
        submit.extend(paths.iter().map(|p| p.to_str().unwrap()));
        world.ok(&submit);

        // Sign, killed somewhere between start-up and a little after the usual end.
        let limit = sign_time.as_micros() as u64 * 5 / 4;
        let delay = Duration::from_micros(random.below(limit));
        if run_and_kill(&world, &["--sign", "--all", "--yes"], delay) {
            sign_kills += 1;
        }
        let what = format!("round {rounds}: sign killed after {delay:?}");
        temp_rounds += usize::from(check_allowing_temp_files(&world, &what) > 0);
        remember(&world);
        world.ok(&["--sign", "--all", "--yes"]);
        assert_store_ok(&world, &format!("{what}, then signed again"));
        assert!(pending(&world).is_empty(), "{what}: requests left");
        let signed: Vec<String> = signed_serials(&world).into_iter().map(|(_, n)| n).collect();
        for name in &names {
            assert!(signed.contains(name), "{what}: {name} is not signed");
        }
        remember(&world);

        // Revoke the batch, killed likewise.
        let limit = revoke_time.as_micros() as u64 * 5 / 4;
        let delay = Duration::from_micros(random.below(limit));
        let mut revoke: Vec<&str> = vec!["--revoke", "--yes"];
        revoke.extend(names.iter().map(String::as_str));
        if run_and_kill(&world, &revoke, delay) {
            revoke_kills += 1;
        }
        let what = format!("round {rounds}: revoke killed after {delay:?}");
        temp_rounds += usize::from(check_allowing_temp_files(&world, &what) > 0);
        world.ok(&revoke);
        assert_store_ok(&world, &format!("{what}, then revoked again"));
        let revoked = crl_serials(&world);
        for (serial, name) in signed_serials(&world) {
            if names.contains(&name) {
                assert!(
                    revoked.contains(&serial),
                    "{what}: {name} ({serial:X}) not in the CRL"
                );
            }
        }
        rounds += 1;
    }
    eprintln!(
        "crash_cli: {rounds} rounds, {sign_kills} signings and {revoke_kills} revocations \
         killed, {temp_rounds} kills left temp files (removed by the next run)"
    );
    assert!(rounds >= 5, "only {rounds} rounds ran in {TIME_LIMIT:?}");
    assert!(
        sign_kills + revoke_kills > 0,
        "no command was ever killed mid-way"
    );
    // A kill can skip serials (reserved, never used) but the inventory never lists one twice
    // (checked by `cert check`) and no serial went to two names (checked by `remember`).
}
