//! Issue 7, crash safety of the daemon: `cert serve` (autosign true) takes a signing storm from
//! several client threads (curl: PUT certificate_request, then GET certificate) and is killed
//! with SIGKILL at a random moment, round after round, then restarted. After every kill the
//! store must hold its invariants (`cert check`; temp files are allowed right after a kill and
//! must be gone once the next daemon has written), no serial may ever go to two names, every
//! accepted request (PUT 200) must be on disk (pending or signed), and every certificate a
//! client got with a 200 must be in `signed/` byte for byte. At the end the CRL and a sample of
//! the certificates verify with `openssl verify -crl_check_all`.
//!
//! Set `CERT_TEST_SEED` to replay a run (the seed is printed on stderr).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::serve::{world_with_ca, Server};
use common::{
    assert_store_ok, check_allowing_temp_files, pending, signed_serials, write_csrs, Random, World,
};

const CA: &str = "/puppet-ca/v1";
/// Client threads of the storm.
const CLIENTS: usize = 4;
/// Names each client may enroll per round (more than it gets through before the kill).
const PER_CLIENT: usize = 12;
/// At most this many rounds, and no new round after [`TIME_LIMIT`].
const ROUNDS: usize = 15;
const TIME_LIMIT: Duration = Duration::from_secs(35);
/// The kill comes this long (at most) after the storm starts.
const MAX_DELAY_MS: u64 = 1500;

/// What the clients were told, over the whole run.
#[derive(Default)]
struct Told {
    /// Names whose PUT certificate_request got a 200.
    accepted: BTreeSet<String>,
    /// name -> body of a GET certificate that got a 200.
    certificates: BTreeMap<String, String>,
}

/// One client: enroll `names` (request, then fetch the certificate) until told to stop.
fn client(
    server: &Server,
    names: &[String],
    csrs: &[PathBuf],
    stop: &AtomicBool,
    told: &Mutex<Told>,
) {
    for (name, csr) in names.iter().zip(csrs) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let (code, body) = server.send(
            "PUT",
            &format!("{CA}/certificate_request/{name}"),
            "text/plain",
            csr,
            &["--max-time", "10"],
        );
        match code {
            200 => {
                told.lock().unwrap().accepted.insert(name.clone());
            }
            // The daemon died under us: the connection failed.
            0 => continue,
            other => panic!("PUT {name}: {other} {body}"),
        }
        let (code, body) = server.get(&format!("{CA}/certificate/{name}"), &["--max-time", "10"]);
        match code {
            200 => {
                told.lock().unwrap().certificates.insert(name.clone(), body);
            }
            0 => continue,
            other => panic!("GET certificate {name} after a 200 PUT: {other} {body}"),
        }
    }
}

/// Every name a client was told was accepted is on disk, and every certificate it got is in
/// `signed/` byte for byte.
fn assert_told_is_on_disk(world: &World, told: &Told, what: &str) {
    let waiting: BTreeSet<String> = pending(world).into_iter().collect();
    for name in &told.accepted {
        assert!(
            waiting.contains(name) || world.ca(&format!("signed/{name}.pem")).exists(),
            "{what}: {name} got a 200 for its request but is neither pending nor signed"
        );
    }
    for (name, pem) in &told.certificates {
        let path = world.ca(&format!("signed/{name}.pem"));
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{what}: {name} was served with 200 but {e}"));
        assert_eq!(
            &on_disk, pem,
            "{what}: {name} on disk differs from what was served"
        );
    }
}

/// `cert check` problems that are temp files: their paths.
fn temp_files(world: &World) -> BTreeSet<String> {
    let output = world.cert(&["check"]).output().expect("run cert check");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("temp file left behind"))
        .map(|l| l.split(": ").next().unwrap_or(l).to_owned())
        .collect()
}

#[test]
fn killed_daemon_loses_no_certificate_and_never_reuses_a_serial() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let mut random = Random::new("crash_serve");
    let told = Mutex::new(Told::default());
    let mut serials: BTreeMap<u128, String> = BTreeMap::new();
    let mut remember = |world: &World, what: &str| {
        for (serial, name) in signed_serials(world) {
            let previous = serials.entry(serial).or_insert_with(|| name.clone());
            assert_eq!(
                *previous, name,
                "{what}: serial {serial:X} went to two names"
            );
        }
    };

    let start = Instant::now();
    let (mut rounds, mut kills_with_temp_files) = (0, 0);
    let mut left_behind: BTreeSet<String> = BTreeSet::new();
    while rounds < ROUNDS && start.elapsed() < TIME_LIMIT {
        let batches: Vec<(Vec<String>, Vec<PathBuf>)> = (0..CLIENTS)
            .map(|c| write_csrs(&world, &format!("r{rounds}c{c}"), PER_CLIENT))
            .collect();
        let server = Server::start(&world, &[]);
        let delay = Duration::from_millis(random.below(MAX_DELAY_MS));
        let stop = AtomicBool::new(false);
        let accepted_before = told.lock().unwrap().accepted.len();
        std::thread::scope(|scope| {
            for (names, csrs) in &batches {
                let (server, stop, told) = (&server, &stop, &told);
                scope.spawn(move || client(server, names, csrs, stop, told));
            }
            sleep(delay);
            server.signal("KILL");
            stop.store(true, Ordering::Relaxed);
        });
        drop(server); // reaps it
        let accepted_now = told.lock().unwrap().accepted.len();
        let what = format!("round {rounds}: killed after {delay:?}");

        // Right after the kill: only temp files may be wrong, and none a previous kill left
        // once a daemon has written since (it sweeps them when it first takes the lock).
        kills_with_temp_files += usize::from(check_allowing_temp_files(&world, &what) > 0);
        let temp = temp_files(&world);
        if accepted_now > accepted_before {
            let stale: Vec<&String> = temp.intersection(&left_behind).collect();
            assert!(
                stale.is_empty(),
                "{what}: temp files of an earlier kill stayed: {stale:?}"
            );
        }
        left_behind.extend(temp);
        remember(&world, &what);
        assert_told_is_on_disk(&world, &told.lock().unwrap(), &what);
        rounds += 1;
    }

    // A last, uninterrupted start: it must come up, sign, sweep and stop cleanly.
    let mut server = Server::start(&world, &[]);
    let (names, csrs) = write_csrs(&world, "final", 1);
    let (code, body) = server.send(
        "PUT",
        &format!("{CA}/certificate_request/{}", names[0]),
        "text/plain",
        &csrs[0],
        &[],
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = server.get(&format!("{CA}/certificate/{}", names[0]), &[]);
    assert_eq!(code, 200, "{body}");
    told.lock()
        .unwrap()
        .certificates
        .insert(names[0].clone(), body);
    assert_eq!(server.stop(), Some(0), "{}", server.log_text());
    assert!(
        temp_files(&world).is_empty(),
        "temp files left after a clean run"
    );
    // Requests a kill caught between queueing and signing are still pending: sign them.
    world.ok(&["--sign", "--all", "--yes"]);
    assert_store_ok(&world, "at the end");
    remember(&world, "at the end");
    let told = told.into_inner().unwrap();
    assert_told_is_on_disk(&world, &told, "at the end");
    for name in &told.accepted {
        assert!(
            world.ca(&format!("signed/{name}.pem")).exists(),
            "{name} was accepted but never signed"
        );
    }

    // The CRL and the certificates verify with an independent implementation.
    for name in told
        .certificates
        .keys()
        .step_by(told.certificates.len() / 10 + 1)
    {
        let (valid, detail) = world.openssl_verify(&world.ca(&format!("signed/{name}.pem")));
        assert!(valid, "{name}: {detail}");
    }
    eprintln!(
        "crash_serve: {rounds} rounds in {:?}, {} requests accepted, {} certificates served, \
         {kills_with_temp_files} kills left temp files",
        start.elapsed(),
        told.accepted.len(),
        told.certificates.len()
    );
    assert!(rounds >= 5, "only {rounds} rounds ran in {TIME_LIMIT:?}");
    assert!(
        told.certificates.len() > rounds,
        "the storm hardly signed anything: {} certificates",
        told.certificates.len()
    );
}
