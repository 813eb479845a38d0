//! Issue 26: enrolment tokens on two `cert serve` nodes of one real PostgreSQL database. A
//! token made on one node is honoured by the other; two agents presenting one one-use token to
//! the two nodes at the same moment get exactly one certificate between them, the other request
//! left pending as used up; the database keeps only the token's hash.

mod common;

use std::sync::Barrier;

use common::nodes::{curl, start_nodes, submit, API};
use common::postgres::Cluster;

/// Races: each a fresh one-use token presented by two agents at once.
const ROUNDS: usize = 5;

#[test]
fn one_one_use_token_on_two_nodes_at_once_gives_one_certificate() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (nodes, cacert) = start_nodes(&cluster.url(), 2);
    let ports = [nodes[0].port(), nodes[1].port()];
    // Made on node 1 (its own CLI, the same database): honoured by both.
    let maker = &nodes[1].world;
    let mut tokens = Vec::new();
    for round in 0..ROUNDS {
        let glob = format!("race{round}-*.example.com");
        let token = maker.ok(&["token", "create", &glob]).trim().to_owned();
        tokens.push(token);
    }
    for (round, token) in tokens.iter().enumerate() {
        let names = [0, 1].map(|side| format!("race{round}-{side}.example.com"));
        let csrs = [0, 1].map(|side| nodes[0].world.openssl_csr_with_token(&names[side], token));
        let barrier = Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = [0, 1]
                .map(|side| {
                    let (barrier, cacert, name, csr) =
                        (&barrier, &cacert, &names[side], &csrs[side]);
                    scope.spawn(move || {
                        barrier.wait();
                        submit(ports[side], cacert, name, csr).status
                    })
                })
                .into_iter()
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // Both answered as puppetserver answers a request: 200, signed or pending alike.
        assert_eq!(statuses, vec![200, 200], "round {round}");
        let signed: Vec<&String> = names
            .iter()
            .filter(|name| {
                curl(ports[0], &cacert, &format!("{API}/certificate/{name}"), &[]).status == 200
            })
            .collect();
        assert_eq!(
            signed.len(),
            1,
            "round {round}: one certificate, got {signed:?}"
        );
        let loser = names.iter().find(|name| !signed.contains(name)).unwrap();
        let listing = nodes[0].world.ok(&["list"]);
        let line = listing
            .lines()
            .find(|line| line.contains(loser.as_str()))
            .unwrap_or_else(|| panic!("{loser} not pending: {listing}"));
        assert!(line.contains("used up"), "{line}");
    }
    // Every token used up, on either node's view; the database has hashes, never a token.
    let listed: serde_json::Value =
        serde_json::from_str(&nodes[0].world.ok(&["--format", "json", "token", "list"])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), ROUNDS);
    assert!(
        listed.iter().all(|token| token["uses_left"] == 0),
        "{listed:?}"
    );
    let stored = cluster.psql("SELECT hash, id, glob FROM enrolment_tokens");
    for token in &tokens {
        assert!(!stored.contains(&token[5..]), "{stored}");
    }
    // How many races the database decided (the later use refused, its batch done again with
    // the token held): timing decides how many of the rounds truly overlapped.
    let decided = cluster.log_text().matches("has no use left").count();
    eprintln!("{decided} of {ROUNDS} races decided by the database's refusal of a second use");
    let log = nodes[0].world.ok(&["log"]);
    assert_eq!(log.matches("token-use").count(), 2 * ROUNDS, "{log}");
}
