//! Issue 22: a failover nobody typed. Two PostgreSQL members under Patroni (with etcd),
//! synchronous mode, their replication across a WAN link; two `cert serve` nodes on the URL
//! listing both members (`target_session_attrs=read-write`). The leader's whole host is
//! killed (SIGKILL to its Patroni and PostgreSQL) in the middle of a signing storm: Patroni
//! promotes the other member, no certificate acknowledged with a 200 is lost, no serial is
//! used twice, both nodes sign again, and the killed member comes back as the synchronous
//! standby. The time from the kill to the first signature is printed.

mod common;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::nodes::{curl, start_nodes, submit, API};
use common::patroni::Patroni;
use common::write_csrs;

/// Enrolments in the storm.
const STORM: usize = 60;
/// Agents enrolling at once.
const AGENTS: usize = 4;
/// One-way delay of the link between the members.
const WAN: Duration = Duration::from_millis(5);

#[test]
fn patroni_promotes_the_standby_when_the_leaders_host_dies_and_no_acknowledged_certificate_is_lost()
{
    if !common::require_peer("curl") {
        return;
    }
    let Some(mut patroni) = Patroni::start(Some(WAN)) else {
        return;
    };
    let old = patroni.leader().expect("a leader");
    let (nodes, cacert) = start_nodes(&patroni.url(), 2);
    let ports: Vec<u16> = nodes.iter().map(|node| node.port()).collect();
    // The storm, a fresh name per node afterwards, and one after the killed member is back.
    let (names, csrs) = write_csrs(&nodes[0].world, "patroni", STORM + 3);
    let queue: Mutex<VecDeque<usize>> = Mutex::new((0..STORM).collect());
    // Each 200: when its request was sent, when it was answered.
    let acknowledged: Mutex<HashMap<usize, (Instant, Instant)>> = Mutex::new(HashMap::new());
    let unavailable = AtomicUsize::new(0);
    let already_signed = AtomicUsize::new(0);
    let killed: OnceLock<Instant> = OnceLock::new();
    let deadline = Instant::now() + Duration::from_secs(150);
    let mut promoted = None;

    std::thread::scope(|scope| {
        for agent in 0..AGENTS {
            let (queue, acknowledged, unavailable) = (&queue, &acknowledged, &unavailable);
            let already_signed = &already_signed;
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
                        let sent = Instant::now();
                        let reply = submit(port, cacert, &names[index], &csrs[index]);
                        match reply.status {
                            200 => {
                                acknowledged
                                    .lock()
                                    .unwrap()
                                    .insert(index, (sent, Instant::now()));
                                break;
                            }
                            // Today's code: a retry of a request whose COMMIT landed on the
                            // old leader but whose answer was lost with it is refused; issue
                            // 22 ("Unknown outcome") wants the agent to get its certificate.
                            // Counted and printed until the store is fixed.
                            400 if reply.body.contains("already has a signed certificate") => {
                                already_signed.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
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
        while acknowledged.lock().unwrap().len() < STORM / 2 {
            assert!(Instant::now() < deadline, "the storm did not get going");
            std::thread::sleep(Duration::from_millis(10));
        }
        killed.set(Instant::now()).unwrap();
        patroni.kill_host(old);
        let new = patroni.wait_for_leader(Some(old));
        promoted = Some((new, Instant::now()));
    });
    let killed = *killed.get().unwrap();
    let (new, promoted) = promoted.unwrap();
    assert_ne!(new, old);

    // Both nodes sign a fresh name on the new leader.
    for (index, port) in ports.iter().enumerate() {
        let name = STORM + index;
        let reply = submit(*port, &cacert, &names[name], &csrs[name]);
        assert_eq!(reply.status, 200, "node {index}: {}", reply.body);
    }
    let acknowledged = acknowledged.into_inner().unwrap();
    // The first signature of a request sent after the kill (one sent before may have
    // committed before it).
    let first_after = acknowledged
        .values()
        .filter(|(sent, _)| *sent > killed)
        .map(|(_, answered)| *answered)
        .min()
        .expect("a signature after the kill");
    let already_signed = already_signed.load(Ordering::SeqCst);
    eprintln!(
        "killed the leader's host ({}): Patroni promoted {} {:.1} s later; first signature \
         {:.1} s after the kill; {} acknowledged, {} answered 503, {} answered \"already has \
         a signed certificate\" (a lost COMMIT answer, retried: issue 22)",
        patroni.members()[old].name,
        patroni.members()[new].name,
        (promoted - killed).as_secs_f64(),
        (first_after - killed).as_secs_f64(),
        acknowledged.len(),
        unavailable.load(Ordering::SeqCst),
        already_signed,
    );
    assert!(
        unavailable.load(Ordering::SeqCst) > 0,
        "the failover was not seen by any request"
    );
    assert_eq!(acknowledged.len() + already_signed, STORM);
    assert!(already_signed <= AGENTS, "{already_signed} refused retries");

    // Every name of the storm is in the new leader's database (acknowledged or not: a
    // refused retry means an earlier attempt committed), each certificate for its CSR's key,
    // and no serial twice.
    check_certificates(&patroni, new, &names, &csrs, STORM + 2);

    // The killed host comes back as the synchronous standby, and a commit waits for it again.
    let restarted = Instant::now();
    patroni.restart(old);
    assert_eq!(patroni.wait_for_sync_standby(), old);
    eprintln!(
        "{} back as the synchronous standby {:.1} s after its restart",
        patroni.members()[old].name,
        restarted.elapsed().as_secs_f64()
    );
    let last = STORM + 2;
    let reply = submit(ports[1], &cacert, &names[last], &csrs[last]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let deadline = Instant::now() + Duration::from_secs(10);
    let on_standby = format!("SELECT count(*) FROM signed WHERE name = '{}'", names[last]);
    while patroni.psql(old, &on_standby) != "1" {
        assert!(
            Instant::now() < deadline,
            "the standby lacks the last certificate"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    check_certificates(&patroni, new, &names, &csrs, STORM + 3);
    let reply = curl(
        ports[0],
        &cacert,
        &format!("{API}/certificate/{}", names[0]),
        &[],
    );
    assert_eq!(reply.status, 200);
    let check = nodes[0].world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
}

/// The first `count` names are signed in member `index`'s database, each for its CSR's key,
/// and no serial of the inventory is used twice.
fn check_certificates(
    patroni: &Patroni,
    index: usize,
    names: &[String],
    csrs: &[std::path::PathBuf],
    count: usize,
) {
    let mut serials = BTreeSet::new();
    for (name, csr) in names.iter().zip(csrs).take(count) {
        let pem = patroni.psql(
            index,
            &format!("SELECT convert_from(pem, 'UTF8') FROM signed WHERE name = '{name}'"),
        );
        assert!(!pem.is_empty(), "{name} lost");
        let certificate = cert::certificate::Certificate::from_pem(name, pem.as_bytes()).unwrap();
        let csr = cert::csr::Csr::from_pem(&std::fs::read(csr).unwrap()).unwrap();
        assert_eq!(certificate.public_key_der().unwrap(), csr.public_key_der());
        assert!(
            serials.insert(certificate.serial.unwrap().0),
            "{name}: serial used twice"
        );
    }
    assert_eq!(
        patroni.psql(
            index,
            "SELECT count(*) = count(DISTINCT serial) FROM inventory"
        ),
        "t",
        "a serial used twice in the inventory"
    );
}
