//! Issue 11: several `cert serve` nodes and the CLI signing for one CA in one real PostgreSQL
//! database. A signing storm across three nodes survives one node SIGKILLed and the database
//! restarted in the middle of it: every 200 has its certificate in the database, no serial is
//! used twice, every node serves the same CRL afterwards. A revocation made on one node or
//! from the CLI reaches every node's CRL and TLS handshake within 2 seconds. With the database
//! down a node serves what it has cached and answers writes 503 with Retry-After, and signs
//! again by itself within 5 seconds of the database coming back.

mod common;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::nodes::{crl, crl_serials, curl, revoke_over_http, start_nodes, submit, Node, API};
use common::postgres::Cluster;
use common::serve::{client, strs};
use common::write_csrs;

/// Enrolments in the storm.
const STORM: usize = 240;
/// Agents enrolling at once.
const AGENTS: usize = 6;

/// Whether curl is there (every test here drives the daemons with it).
fn have_curl() -> bool {
    common::require_peer("curl")
}

/// What the agents saw for one name.
#[derive(Debug, Default, Clone)]
struct Outcome {
    statuses: Vec<u16>,
    acknowledged: bool,
}

#[test]
fn a_storm_across_three_nodes_survives_a_killed_node_and_a_database_restart() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (mut nodes, cacert) = start_nodes(&cluster.url(), 3);
    let (names, csrs) = write_csrs(&nodes[0].world, "storm", STORM);
    let queue: Mutex<VecDeque<usize>> = Mutex::new((0..STORM).collect());
    let ports: Mutex<Vec<u16>> = Mutex::new(nodes.iter().map(Node::port).collect());
    let outcomes: Mutex<HashMap<usize, Outcome>> = Mutex::new(HashMap::new());
    let acknowledged = AtomicUsize::new(0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);

    std::thread::scope(|scope| {
        for agent in 0..AGENTS {
            let (queue, ports, outcomes, acknowledged) = (&queue, &ports, &outcomes, &acknowledged);
            let (names, csrs, cacert) = (&names, &csrs, &cacert);
            scope.spawn(move || {
                let mut attempt = agent;
                loop {
                    let Some(index) = queue.lock().unwrap().pop_front() else {
                        return;
                    };
                    // An agent retries on the next node until it is answered for good, as a
                    // fleet behind a VIP does.
                    loop {
                        let port = {
                            let ports = ports.lock().unwrap();
                            ports[attempt % ports.len()]
                        };
                        attempt += 1;
                        let reply = submit(port, cacert, &names[index], &csrs[index]);
                        let mut outcomes = outcomes.lock().unwrap();
                        let outcome = outcomes.entry(index).or_default();
                        outcome.statuses.push(reply.status);
                        let done = match reply.status {
                            200 => {
                                outcome.acknowledged = true;
                                acknowledged.fetch_add(1, Ordering::SeqCst);
                                true
                            }
                            // The first attempt committed but its answer was lost (its node
                            // was killed): the certificate is there.
                            400 if reply.body.contains("already has a signed certificate") => true,
                            0 | 503 => false,
                            other => panic!("{}: unexpected {other}: {}", names[index], reply.body),
                        };
                        drop(outcomes);
                        if done || Instant::now() > deadline {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        }

        // The storm's middle: kill node 2 once a third is signed, restart the database once
        // two thirds are.
        while acknowledged.load(Ordering::SeqCst) < STORM / 3 {
            std::thread::sleep(Duration::from_millis(10));
        }
        nodes[2].server.as_mut().unwrap().kill();
        ports.lock().unwrap().pop();
        while acknowledged.load(Ordering::SeqCst) < 2 * STORM / 3 {
            std::thread::sleep(Duration::from_millis(10));
        }
        cluster.stop();
        std::thread::sleep(Duration::from_millis(500));
        cluster.restart();
    });
    let elapsed = started.elapsed();
    eprintln!("storm of {STORM} over 3 nodes (one killed, database restarted): {elapsed:?}");

    // Every name was answered, and every 200 has its certificate, for the key of its CSR.
    let outcomes = outcomes.into_inner().unwrap();
    assert_eq!(outcomes.len(), STORM);
    let mut seen: HashMap<u16, usize> = HashMap::new();
    for status in outcomes.values().flat_map(|o| &o.statuses) {
        *seen.entry(*status).or_default() += 1;
    }
    eprintln!("answers (status: count): {seen:?}");
    let saw_503 = outcomes.values().any(|o| o.statuses.contains(&503));
    assert!(saw_503, "the database restart was not seen by any request");
    let rows = cluster.psql("SELECT name FROM signed WHERE name LIKE 'storm-%'");
    let stored: BTreeSet<&str> = rows.lines().collect();
    let mut serials = BTreeSet::new();
    for (index, outcome) in &outcomes {
        let name = names[*index].as_str();
        assert!(
            stored.contains(name),
            "{name} ({:?}) has no certificate",
            outcome.statuses
        );
        let reply = curl(
            nodes[0].port(),
            &cacert,
            &format!("{API}/certificate/{name}"),
            &[],
        );
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        let certificate =
            cert::certificate::Certificate::from_pem(name, reply.body.as_bytes()).unwrap();
        let csr = cert::csr::Csr::from_pem(&std::fs::read(&csrs[*index]).unwrap()).unwrap();
        assert_eq!(certificate.public_key_der().unwrap(), csr.public_key_der());
        assert!(
            serials.insert(certificate.serial.unwrap().0),
            "{name}: serial used twice"
        );
    }
    assert!(outcomes.values().filter(|o| o.acknowledged).count() >= STORM - 10);
    // The daemons' own certificates have serials of their own too.
    assert_eq!(
        cluster.psql("SELECT count(*) = count(DISTINCT serial) FROM inventory"),
        "t"
    );
    assert_eq!(
        cluster.psql("SELECT count(*) FROM inventory"),
        (STORM + 3).to_string()
    );

    // Node 2 back; revocations from the CLI and from a node's API: every node's CRL is the
    // database's, with them in it.
    nodes[2].restart(&cacert);
    let world = &nodes[0].world;
    world.ok(&["revoke", "--certname", "storm-1,storm-2", "--yes"]);
    let reply = revoke_over_http(world, nodes[1].port(), &cacert, "storm-3");
    assert_eq!(reply.status, 204, "{}", reply.body);
    let expected = cluster.psql("SELECT convert_from(pem, 'UTF8') FROM crl");
    let converged = Instant::now() + Duration::from_secs(2);
    for node in &nodes {
        loop {
            let reply = crl(node.port(), &cacert);
            if reply.body.trim_end() == expected {
                assert_eq!(crl_serials(&reply.body).len(), 3);
                break;
            }
            assert!(Instant::now() < converged, "node's CRL did not converge");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let check = world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
}

#[test]
fn a_revocation_reaches_every_nodes_tls_within_two_seconds() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (nodes, cacert) = start_nodes(&cluster.url(), 3);
    let world = &nodes[0].world;
    world.ok(&["generate", "--certname", "agent1.test,agent2.test"]);
    let probe = |node: &Node, agent: &str| {
        let identity = client(&world.ssldir, agent);
        curl(
            node.port(),
            &cacert,
            &format!("{API}/certificate/ca"),
            &strs(&identity),
        )
        .status
    };
    for node in &nodes {
        assert_eq!(probe(node, "agent1.test"), 200);
        assert_eq!(probe(node, "agent2.test"), 200);
    }

    // agent1 revoked through node 1's API, agent2 from the CLI.
    for agent in ["agent1.test", "agent2.test"] {
        if agent == "agent1.test" {
            let reply = revoke_over_http(world, nodes[1].port(), &cacert, agent);
            assert_eq!(reply.status, 204, "{}", reply.body);
        } else {
            world.ok(&["revoke", "--certname", agent, "--yes"]);
        }
        let revoked = Instant::now();
        for (index, node) in nodes.iter().enumerate() {
            while probe(node, agent) != 0 {
                assert!(
                    revoked.elapsed() < Duration::from_secs(2),
                    "node {index} still lets {agent} in after {:?}",
                    revoked.elapsed()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        eprintln!(
            "{agent}: refused by every node's TLS after {:?}",
            revoked.elapsed()
        );
        for node in &nodes {
            let reply = crl(node.port(), &cacert);
            assert!(reply.body.contains("BEGIN X509 CRL"));
        }
    }
    for node in &nodes {
        assert_eq!(crl_serials(&crl(node.port(), &cacert).body).len(), 2);
    }
}

#[test]
fn with_the_database_down_nodes_serve_their_cache_answer_503_and_recover() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (nodes, cacert) = start_nodes(&cluster.url(), 2);
    let (names, csrs) = write_csrs(&nodes[0].world, "down", 12);
    let node = &nodes[0];
    assert_eq!(
        submit(node.port(), &cacert, &names[0], &csrs[0]).status,
        200
    );
    node.world.ok(&["revoke", "--certname", "down-0", "--yes"]);
    assert_eq!(
        submit(node.port(), &cacert, &names[1], &csrs[1]).status,
        200
    );
    let crl_before = crl(node.port(), &cacert).body;
    assert_eq!(crl_serials(&crl_before).len(), 1);

    cluster.stop();
    // What agents fetch: the CA, the CRL, the certificates this node wrote.
    let ca = curl(node.port(), &cacert, &format!("{API}/certificate/ca"), &[]);
    assert_eq!(ca.status, 200, "{}", ca.body);
    assert_eq!(crl(node.port(), &cacert).body, crl_before);
    let certificate = curl(
        node.port(),
        &cacert,
        &format!("{API}/certificate/down-1"),
        &[],
    );
    assert_eq!(certificate.status, 200, "{}", certificate.body);
    // Requests and admin changes: 503, Retry-After, a text body; nothing signed.
    let refused = submit(node.port(), &cacert, &names[2], &csrs[2]);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert!(refused
        .body
        .starts_with("Service Unavailable: cannot reach postgresql://"));
    assert_eq!(refused.header("content-type"), Some("text/plain"));
    let admin_change = revoke_over_http(&node.world, nodes[1].port(), &cacert, "down-1");
    assert_eq!(admin_change.status, 503, "{}", admin_change.body);
    assert!(admin_change.header("retry-after").is_some());

    // Back: both nodes sign again by themselves within 5 seconds.
    cluster.restart();
    let back = Instant::now();
    for (index, node) in nodes.iter().enumerate() {
        let name = 3 + index;
        loop {
            let reply = submit(node.port(), &cacert, &names[name], &csrs[name]);
            if reply.status == 200 {
                break;
            }
            assert_eq!(reply.status, 503, "{}", reply.body);
            assert!(
                back.elapsed() < Duration::from_secs(5),
                "node {index} not back in 5 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    eprintln!(
        "signing again {:?} after the database came back",
        back.elapsed()
    );
    assert_eq!(
        cluster.psql("SELECT count(*) FROM signed WHERE name LIKE 'down-%'"),
        "4"
    );
    assert_eq!(cluster.psql("SELECT count(*) FROM requests"), "0");
}

#[test]
fn extend_ca_and_prune_on_one_node_reach_every_node() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (nodes, cacert) = start_nodes(&cluster.url(), 2);
    let world = &nodes[0].world;
    world.ok(&["generate", "--certname", "agent1.test"]);
    world.ok(&["revoke", "--certname", "agent1.test", "--yes"]);
    let before = cluster.psql("SELECT convert_from(chain_pem, 'UTF8') FROM ca");

    // A new chain (same keys): the old one archived, both nodes serving the new one.
    world.ok(&["extend-ca", "--ttl", "10y"]);
    assert_eq!(
        cluster.psql("SELECT convert_from(chain_pem, 'UTF8') FROM ca_archive"),
        before
    );
    let after = cluster.psql("SELECT convert_from(chain_pem, 'UTF8') FROM ca");
    assert_ne!(after, before);
    let deadline = Instant::now() + Duration::from_secs(2);
    for node in &nodes {
        loop {
            let served = curl(node.port(), &cacert, &format!("{API}/certificate/ca"), &[]);
            if served.body.trim_end() == after {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a node still serves the old chain"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // Pruning an entry: gone from the table and from every node's CRL, the number grown.
    let number: u32 = cluster.psql("SELECT number FROM crl").parse().unwrap();
    world.ok(&[
        "prune",
        "--remove-entries",
        "--certname",
        "agent1.test",
        "--yes",
    ]);
    assert_eq!(cluster.psql("SELECT count(*) FROM revocations"), "0");
    let grown: u32 = cluster.psql("SELECT number FROM crl").parse().unwrap();
    assert!(grown > number, "{grown} after {number}");
    let deadline = Instant::now() + Duration::from_secs(2);
    for node in &nodes {
        while !crl_serials(&crl(node.port(), &cacert).body).is_empty() {
            assert!(
                Instant::now() < deadline,
                "a node still lists the pruned entry"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let check = world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
}
