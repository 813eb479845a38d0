//! Issue 11: failover. A primary with a synchronous hot standby (`pg_basebackup -R`,
//! `synchronous_standby_names`), two `cert serve` nodes with both hosts in their URL
//! (`target_session_attrs=read-write`). The primary is killed in the middle of a signing storm
//! and the standby promoted: no certificate acknowledged with a 200 is lost, no serial is used
//! twice, and both nodes sign again within 10 seconds of the promotion.

mod common;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::nodes::{curl, start_nodes, submit, API};
use common::postgres::{Cluster, USER};
use common::write_csrs;

/// Enrolments in the storm.
const STORM: usize = 160;
/// Agents enrolling at once.
const AGENTS: usize = 4;

#[test]
fn killing_the_primary_and_promoting_the_standby_loses_no_acknowledged_certificate() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let standby = primary.standby();
    primary.require_sync_standby();
    let url = format!(
        "postgresql://{USER}@127.0.0.1:{},127.0.0.1:{}/postgres?sslmode=disable&target_session_attrs=read-write",
        primary.port, standby.port
    );
    let (nodes, cacert) = start_nodes(&url, 2);
    let ports: Vec<u16> = nodes.iter().map(|node| node.port()).collect();
    let (names, csrs) = write_csrs(&nodes[0].world, "fail", STORM + 2);
    let queue: Mutex<VecDeque<usize>> = Mutex::new((0..STORM).collect());
    let acknowledged: Mutex<HashMap<usize, u16>> = Mutex::new(HashMap::new());
    let count = AtomicUsize::new(0);
    let unavailable = AtomicUsize::new(0);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut promoted = None;

    std::thread::scope(|scope| {
        for agent in 0..AGENTS {
            let (queue, acknowledged, count) = (&queue, &acknowledged, &count);
            let unavailable = &unavailable;
            let (names, csrs, cacert, ports) = (&names, &csrs, &cacert, &ports);
            scope.spawn(move || {
                let mut attempt = agent;
                while let Some(index) = {
                    let next = queue.lock().unwrap().pop_front();
                    next
                } {
                    loop {
                        let port = ports[attempt % ports.len()];
                        attempt += 1;
                        let reply = submit(port, cacert, &names[index], &csrs[index]);
                        match reply.status {
                            200 => {
                                acknowledged.lock().unwrap().insert(index, port);
                                count.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
                            // Committed on the old primary, its answer lost with it.
                            400 if reply.body.contains("already has a signed certificate") => break,
                            503 => {
                                unavailable.fetch_add(1, Ordering::SeqCst);
                            }
                            other => panic!("{}: unexpected {other}: {}", names[index], reply.body),
                        }
                        assert!(Instant::now() < deadline, "{} never signed", names[index]);
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        }
        while count.load(Ordering::SeqCst) < STORM / 2 {
            std::thread::sleep(Duration::from_millis(10));
        }
        primary.crash();
        std::thread::sleep(Duration::from_millis(500));
        standby.promote();
        promoted = Some(Instant::now());
    });
    let promoted = promoted.unwrap();

    // Both nodes sign again within 10 s of the promotion (the storm's agents did already; a
    // fresh name per node says so on its own).
    for (index, port) in ports.iter().enumerate() {
        let name = STORM + index;
        let reply = submit(*port, &cacert, &names[name], &csrs[name]);
        assert_eq!(reply.status, 200, "node {index}: {}", reply.body);
    }
    assert!(
        promoted.elapsed() < Duration::from_secs(60),
        "the storm took {:?} after the promotion",
        promoted.elapsed()
    );
    let acknowledged = acknowledged.into_inner().unwrap();
    let unavailable = unavailable.load(Ordering::SeqCst);
    eprintln!(
        "{} acknowledged, {unavailable} answered 503 during the failover",
        acknowledged.len()
    );
    assert!(unavailable > 0, "the failover was not seen by any request");
    assert_eq!(
        standby.psql("SELECT count(*) FROM signed WHERE name LIKE 'fail-%'"),
        (STORM + 2).to_string()
    );

    // Every acknowledged certificate is in the promoted database, for its CSR's key; no
    // serial is used twice, before and after the failover.
    let mut serials = BTreeSet::new();
    for index in (0..STORM).chain([STORM, STORM + 1]) {
        let name = names[index].as_str();
        let pem = standby.psql(&format!(
            "SELECT convert_from(pem, 'UTF8') FROM signed WHERE name = '{name}'"
        ));
        assert!(!pem.is_empty(), "{name} lost");
        let certificate = cert::certificate::Certificate::from_pem(name, pem.as_bytes()).unwrap();
        let csr = cert::csr::Csr::from_pem(&std::fs::read(&csrs[index]).unwrap()).unwrap();
        assert_eq!(certificate.public_key_der().unwrap(), csr.public_key_der());
        assert!(
            serials.insert(certificate.serial.unwrap().0),
            "{name}: serial used twice"
        );
    }
    assert!(
        acknowledged.len() >= STORM - 4,
        "{} acknowledged",
        acknowledged.len()
    );
    let reply = curl(
        ports[1],
        &cacert,
        &format!("{API}/certificate/{}", names[0]),
        &[],
    );
    assert_eq!(reply.status, 200);
    let check = nodes[0].world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
}

#[test]
fn nodes_sign_again_within_ten_seconds_of_a_promotion() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let standby = primary.standby();
    primary.require_sync_standby();
    let url = format!(
        "postgresql://{USER}@127.0.0.1:{},127.0.0.1:{}/postgres?sslmode=disable&target_session_attrs=read-write",
        primary.port, standby.port
    );
    let (nodes, cacert) = start_nodes(&url, 2);
    let (names, csrs) = write_csrs(&nodes[0].world, "promo", 4);
    assert_eq!(
        submit(nodes[0].port(), &cacert, &names[0], &csrs[0]).status,
        200
    );
    primary.crash();
    // Before the promotion: the standby is read-only, so writes are 503.
    let refused = submit(nodes[1].port(), &cacert, &names[1], &csrs[1]);
    assert_eq!(refused.status, 503, "{}", refused.body);
    standby.promote();
    let promoted = Instant::now();
    for (index, node) in nodes.iter().enumerate() {
        let name = 1 + index;
        while submit(node.port(), &cacert, &names[name], &csrs[name]).status != 200 {
            assert!(
                promoted.elapsed() < Duration::from_secs(10),
                "node {index} not signing 10 s after the promotion"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    eprintln!(
        "both nodes signing {:?} after the promotion",
        promoted.elapsed()
    );
    // The serial sequence went over with the data: the next serial is above every one used.
    let next: u128 = standby
        .psql("SELECT last_value FROM cert_serial")
        .parse()
        .unwrap();
    let highest: u128 = standby
        .psql("SELECT max(serial)::text FROM inventory")
        .parse()
        .unwrap();
    assert!(next >= highest, "{next} < {highest}");
}
