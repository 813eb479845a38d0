//! A CA node under faults of its link to the database (a [`Link`] on loopback that can be cut
//! silently: no RST, no FIN, as a dropped link): a write that cannot commit gets 503 with
//! `Retry-After` within 5 seconds while reads keep answering; a COMMIT whose answer was lost is
//! never answered 200 and the agent's retry gets the certificate that landed; a node restarted
//! during a cut starts from its copy on disk, serves what agents fetch, and catches up once the
//! link heals; a node that never reached the database does not start.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::nodes::{crl, crl_serials, curl, node_config, start_nodes, submit, Node, Reply, API};
use common::postgres::{Cluster, USER};
use common::serve::Server;
use common::wan::Link;
use common::{write_csrs, World};

/// `postgresql://` through `link`.
fn url_through(link: &Link) -> String {
    format!(
        "postgresql://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
        link.port()
    )
}

/// GET `path` at `node`.
fn get(node: &Node, cacert: &Path, path: &str) -> Reply {
    curl(node.port(), cacert, &format!("{API}/{path}"), &[])
}

/// A reply of a write that could not commit: 503, `Retry-After`, one line of text.
fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 503, "{what}: {}", reply.body);
    assert!(
        reply.header("retry-after").is_some(),
        "{what}: no Retry-After"
    );
    assert_eq!(reply.header("content-type"), Some("text/plain"), "{what}");
    assert_eq!(
        reply.body.trim_end().lines().count(),
        1,
        "{what}: {}",
        reply.body
    );
}

#[test]
fn issue_22_a_cut_link_gets_503_within_5_seconds_while_reads_keep_answering() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, Duration::from_millis(5));
    let (nodes, cacert) = start_nodes(&url_through(&link), 1);
    let node = &nodes[0];
    let (names, csrs) = write_csrs(&node.world, "cut", 12);
    assert_eq!(
        submit(node.port(), &cacert, &names[0], &csrs[0]).status,
        200
    );

    link.cut();
    // Agents enrolling during the cut, eight at once: each answered 503 within 5 s.
    std::thread::scope(|scope| {
        for index in 1..9 {
            let (names, csrs, cacert) = (&names, &csrs, &cacert);
            scope.spawn(move || {
                let started = Instant::now();
                let reply = submit(node.port(), cacert, &names[index], &csrs[index]);
                let took = started.elapsed();
                assert_unavailable(&reply, &names[index]);
                assert!(
                    took < Duration::from_secs(5),
                    "{}: 503 after {took:?}",
                    names[index]
                );
                eprintln!(
                    "{}: 503 after {took:?}: {}",
                    names[index],
                    reply.body.trim()
                );
            });
        }
    });
    // Reads answer at once: the CA, the CRL, a certificate the node wrote, the status.
    for path in [
        "certificate/ca",
        "certificate_revocation_list/ca",
        "certificate/cut-0",
    ] {
        let started = Instant::now();
        let reply = get(node, &cacert, path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} took {:?} during the cut",
            started.elapsed()
        );
    }
    let status = curl(node.port(), &cacert, "/status/v1/simple", &[]);
    assert_eq!((status.status, status.body.as_str()), (200, "running"));

    // Healed: the node signs again by itself.
    link.heal();
    let healed = Instant::now();
    loop {
        let reply = submit(node.port(), &cacert, &names[9], &csrs[9]);
        if reply.status == 200 {
            break;
        }
        assert_unavailable(&reply, "after the heal");
        assert!(
            healed.elapsed() < Duration::from_secs(15),
            "not back 15 s after the heal"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("signing again {:?} after the heal", healed.elapsed());
    // Those whose COMMIT was on the wire when the link was cut ("cannot tell whether") may
    // have landed once it healed. Every agent sends its request again: each gets its
    // certificate, none is signed twice.
    for index in 1..9 {
        let reply = submit(node.port(), &cacert, &names[index], &csrs[index]);
        assert_eq!(reply.status, 200, "{}: {}", names[index], reply.body);
    }
    assert_eq!(
        primary.psql("SELECT count(*) FROM signed WHERE name LIKE 'cut-%'"),
        "10"
    );
    assert_eq!(
        primary.psql("SELECT count(*) FROM inventory WHERE subject LIKE '/CN=cut-%'"),
        "10",
        "a name signed twice"
    );
}

#[test]
fn issue_22_a_commit_whose_answer_was_lost_is_not_200_and_the_retry_gets_what_landed() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    // Long enough to cut the link between the COMMIT's arrival and its answer's.
    let delay = Duration::from_millis(800);
    let link = Link::to_port(primary.port, Duration::from_millis(5));
    let (nodes, cacert) = start_nodes(&url_through(&link), 1);
    let node = &nodes[0];
    let (names, csrs) = write_csrs(&node.world, "lost", 3);
    // The node's connection made and its statements prepared: an enrolment is one flight.
    assert_eq!(
        submit(node.port(), &cacert, &names[0], &csrs[0]).status,
        200
    );
    link.set_delay(delay);
    assert_eq!(
        submit(node.port(), &cacert, &names[1], &csrs[1]).status,
        200
    );

    let put = std::thread::scope(|scope| {
        let sent = scope.spawn(|| submit(node.port(), &cacert, &names[2], &csrs[2]));
        // The flight reaches the primary `delay` after it left; its answer would be back
        // `delay` later: cut in between.
        std::thread::sleep(delay + delay / 2);
        link.cut();
        sent.join().unwrap()
    });
    assert_unavailable(&put, "the PUT whose answer was lost");
    assert!(
        put.body.contains("cannot tell whether"),
        "not an unknown outcome: {}",
        put.body
    );
    // It landed.
    let landed = primary.psql("SELECT encode(pem, 'escape') FROM signed WHERE name = 'lost-2'");
    assert!(
        landed.contains("BEGIN CERTIFICATE"),
        "the COMMIT did not land: {landed:?}"
    );

    link.set_delay(Duration::from_millis(5));
    link.heal();
    // The agent sends its request again: it gets the certificate that landed, not a refusal.
    let healed = Instant::now();
    let again = loop {
        let reply = submit(node.port(), &cacert, &names[2], &csrs[2]);
        if reply.status != 503 || healed.elapsed() > Duration::from_secs(15) {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(again.status, 200, "{}", again.body);
    let certificate = get(node, &cacert, "certificate/lost-2");
    assert_eq!(certificate.status, 200, "{}", certificate.body);
    assert_eq!(certificate.body.trim(), landed.trim());
    assert_eq!(
        primary.psql("SELECT count(*) FROM inventory WHERE subject = '/CN=lost-2'"),
        "1",
        "signed twice"
    );
}

#[test]
fn issue_22_a_node_restarted_during_a_cut_serves_from_its_copy_and_catches_up() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, Duration::from_millis(5));
    // Node 0 (site A) beside the database, node 1 (site B) through the link.
    let (mut nodes, cacert) = start_nodes(&primary.url(), 1);
    let far = World::with_config(&node_config("ca1.test", &url_through(&link)));
    std::fs::create_dir_all(&far.cadir).unwrap();
    for key in ["ca_key.pem", "root_key.pem"] {
        std::fs::copy(nodes[0].world.ca(key), far.ca(key)).unwrap();
    }
    nodes.push(Node {
        server: Some(Server::start_trusting(&far, &[], &cacert)),
        world: far,
    });
    let (names, csrs) = write_csrs(&nodes[0].world, "copy", 4);
    for index in 0..2 {
        assert_eq!(
            submit(nodes[1].port(), &cacert, &names[index], &csrs[index]).status,
            200
        );
    }
    let crl_before = crl(nodes[1].port(), &cacert).body;

    // Restarted during a cut: it starts, from its copy.
    nodes[1].server.as_mut().unwrap().stop();
    link.cut();
    let started = Instant::now();
    let restarted = Server::start_trusting(&nodes[1].world, &[], &cacert);
    eprintln!("started during the cut in {:?}", started.elapsed());
    nodes[1].server = Some(restarted);
    let far_node = &nodes[1];
    assert_eq!(get(far_node, &cacert, "certificate/ca").status, 200);
    assert_eq!(crl(far_node.port(), &cacert).body, crl_before);
    let certificate = get(far_node, &cacert, "certificate/copy-1");
    assert_eq!(certificate.status, 200, "{}", certificate.body);
    let begun = Instant::now();
    let refused = submit(far_node.port(), &cacert, &names[2], &csrs[2]);
    assert_unavailable(&refused, "a PUT at the node started from its copy");
    assert!(begun.elapsed() < Duration::from_secs(5));

    // Meanwhile site A revokes; once healed, the far node catches up by itself.
    nodes[0]
        .world
        .ok(&["revoke", "--certname", "copy-0", "--yes"]);
    let revoked: u128 = primary
        .psql("SELECT serial FROM signed WHERE name = 'copy-0'")
        .parse()
        .unwrap();
    link.heal();
    let healed = Instant::now();
    loop {
        if crl_serials(&crl(nodes[1].port(), &cacert).body).contains(&revoked) {
            break;
        }
        assert!(
            healed.elapsed() < Duration::from_secs(15),
            "the revocation never arrived"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    loop {
        let reply = submit(nodes[1].port(), &cacert, &names[3], &csrs[3]);
        if reply.status == 200 {
            break;
        }
        assert_unavailable(&reply, "after the heal");
        assert!(
            healed.elapsed() < Duration::from_secs(15),
            "not signing 15 s after the heal"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "caught up and signing {:?} after the heal",
        healed.elapsed()
    );
}

#[test]
fn issue_22_a_node_that_never_reached_the_database_does_not_start() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, Duration::from_millis(5));
    let (nodes, _cacert) = start_nodes(&primary.url(), 1);
    let never = World::with_config(&node_config("ca9.test", &url_through(&link)));
    std::fs::create_dir_all(&never.cadir).unwrap();
    for key in ["ca_key.pem", "root_key.pem"] {
        std::fs::copy(nodes[0].world.ca(key), never.ca(key)).unwrap();
    }
    link.cut();
    let started = Instant::now();
    let output = never
        .std_cert(&["serve", "--bind", "127.0.0.1:0"])
        .output()
        .expect("run cert serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach postgresql://"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?} to give up",
        started.elapsed()
    );
}
