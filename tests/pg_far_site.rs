//! A CA node at the far site: its database a WAN away (a [`Link`] on loopback that delays each
//! direction), counted in round trips through the link, which do not depend on the machine's
//! speed. One enrolment costs the node one round trip to the primary (the synchronous standby's
//! acknowledgement, the second of the issue's budget, is the primary's and happens behind that
//! one), and the agent's GET of the certificate it was just given none; admin writes from the
//! CLI cost a number of round trips that does not grow with the number of certificates. An
//! enrolment presenting an enrolment token (issue 26) costs two: its token read with the
//! transaction's first flight, its use taken with the commit.

mod common;

use std::path::Path;
use std::time::Duration;

use common::nodes::{curl, start_nodes, submit, Node, API};
use common::postgres::{Cluster, USER};
use common::wan::Link;
use common::{write_csrs, World};

/// The one-way delay of the test's WAN: short, since what is checked is round trips, not time.
const DELAY: Duration = Duration::from_millis(10);

/// `postgresql://` through `link`.
fn url_through(link: &Link) -> String {
    format!(
        "postgresql://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
        link.port()
    )
}

/// PUT then GET for agent `index` of `names`/`csrs` at `node`; both must succeed.
fn enrol(node: &Node, cacert: &Path, name: &str, csr: &Path) {
    let put = submit(node.port(), cacert, name, csr);
    assert_eq!(put.status, 200, "PUT {name}: {}", put.body);
    let get = curl(
        node.port(),
        cacert,
        &format!("{API}/certificate/{name}"),
        &[],
    );
    assert_eq!(get.status, 200, "GET {name}: {}", get.body);
    assert!(get.body.contains("BEGIN CERTIFICATE"), "{}", get.body);
}

#[test]
fn issue_21_an_enrolment_at_a_far_node_takes_at_most_two_round_trips_to_the_primary() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, DELAY);
    let (nodes, cacert) = start_nodes(&url_through(&link), 1);
    let node = &nodes[0];
    const AGENTS: usize = 12;
    const WARM: usize = 2;
    let (names, csrs) = write_csrs(&node.world, "far", AGENTS + WARM);
    // The node's connections made and its statements prepared, its serials reserved ahead.
    for index in 0..WARM {
        enrol(node, &cacert, &names[index], &csrs[index]);
    }
    link.reset();
    for index in WARM..WARM + AGENTS {
        enrol(node, &cacert, &names[index], &csrs[index]);
    }
    let round_trips = link.round_trips();
    eprintln!(
        "{AGENTS} enrolments (PUT + GET) at the far node: {round_trips} round trips to the primary \
         ({:.2} each), {} connections made",
        round_trips as f64 / AGENTS as f64,
        link.accepted()
    );
    // The listener's probe (every 5 s) may add one or two.
    assert!(
        round_trips <= 2 * AGENTS as u64,
        "{round_trips} round trips for {AGENTS} enrolments"
    );
    assert_eq!(link.accepted(), 0, "a new connection during the enrolments");
    assert_eq!(
        primary.psql("SELECT count(*) FROM signed WHERE name LIKE 'far-%'"),
        (AGENTS + WARM).to_string()
    );
}

#[test]
fn issue_26_an_enrolment_presenting_a_token_at_a_far_node_takes_at_most_two_round_trips() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, DELAY);
    let (nodes, cacert) = start_nodes(&url_through(&link), 1);
    let node = &nodes[0];
    const AGENTS: usize = 8;
    const WARM: usize = 2;
    let uses = (AGENTS + WARM).to_string();
    let token = node
        .world
        .ok(&["token", "create", "tok-*.example.com", "--uses", &uses])
        .trim()
        .to_owned();
    let names: Vec<String> = (0..AGENTS + WARM)
        .map(|index| format!("tok-{index}.example.com"))
        .collect();
    let csrs: Vec<_> = names
        .iter()
        .map(|name| node.world.openssl_csr_with_token(name, &token))
        .collect();
    for index in 0..WARM {
        enrol(node, &cacert, &names[index], &csrs[index]);
    }
    link.reset();
    for index in WARM..WARM + AGENTS {
        enrol(node, &cacert, &names[index], &csrs[index]);
    }
    let round_trips = link.round_trips();
    eprintln!(
        "{AGENTS} enrolments presenting a token (PUT + GET) at the far node: {round_trips} round \
         trips to the primary ({:.2} each)",
        round_trips as f64 / AGENTS as f64
    );
    // The token's row read in the flight that opens the transaction, its use taken in the one
    // that commits; the listener's probe (every 5 s) may add one or two.
    assert!(
        round_trips <= 2 * AGENTS as u64 + 2,
        "{round_trips} round trips for {AGENTS} enrolments presenting a token"
    );
    assert_eq!(primary.psql("SELECT uses_left FROM enrolment_tokens"), "0");
}

/// A node's world on the far database, autosign off, so that requests stay pending.
fn pending_world(url: &str, cadir_keys_from: &World) -> World {
    let config =
        common::nodes::node_config("ops.test", url).replace("autosign = true", "autosign = false");
    let world = World::with_config(&config);
    std::fs::create_dir_all(&world.cadir).unwrap();
    for key in ["ca_key.pem", "root_key.pem"] {
        std::fs::copy(cadir_keys_from.ca(key), world.ca(key)).unwrap();
    }
    world
}

/// Round trips of `cert ARGS` in `world` through `link`.
fn round_trips_of(link: &Link, world: &World, args: &[&str]) -> u64 {
    link.reset();
    world.ok(args);
    link.round_trips()
}

#[test]
fn issue_21_admin_writes_through_a_wan_take_round_trips_that_do_not_grow_with_the_certificates() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(primary.port, DELAY);
    let url = url_through(&link);
    let (mut nodes, _cacert) = start_nodes(&url, 1);
    // Only the CLI's round trips count: no daemon's listener on the link.
    nodes[0].server.as_mut().unwrap().stop();
    let admin = pending_world(&url, &nodes[0].world);
    let (few, many) = (4, 40);
    let (names, csrs) = write_csrs(&admin, "adm", few + many);
    let submit_all = |range: std::ops::Range<usize>| {
        for index in range {
            let csr = csrs[index].display().to_string();
            admin.ok(&["submit", &csr]);
        }
    };
    // sign --all of a few, then of many: the same round trips, give or take the listener.
    submit_all(0..few);
    let sign_few = round_trips_of(&link, &admin, &["--sign", "--all"]);
    submit_all(few..few + many);
    let sign_many = round_trips_of(&link, &admin, &["--sign", "--all"]);
    eprintln!("cert --sign --all: {few} certificates {sign_few} round trips, {many} {sign_many}");
    assert!(
        sign_many <= sign_few + 2,
        "signing {many} took {sign_many} round trips, {few} took {sign_few}"
    );
    assert_eq!(
        primary.psql("SELECT count(*) FROM signed WHERE name LIKE 'adm-%'"),
        (few + many).to_string()
    );
    // Revoking and cleaning many names: as many round trips as one name.
    let some: Vec<String> = names[..2].to_vec();
    let more: Vec<String> = names[2..few + many].to_vec();
    for command in ["revoke", "clean"] {
        let of_some = round_trips_of(
            &link,
            &admin,
            &[command, "--certname", &some.join(","), "--yes"],
        );
        let of_more = round_trips_of(
            &link,
            &admin,
            &[command, "--certname", &more.join(","), "--yes"],
        );
        eprintln!(
            "cert {command}: {} names {of_some} round trips, {} names {of_more}",
            some.len(),
            more.len()
        );
        assert!(
            of_more <= of_some + 2,
            "cert {command}: {of_more} > {of_some} + 2"
        );
    }
    assert_eq!(
        primary.psql("SELECT count(*) FROM signed WHERE name LIKE 'adm-%'"),
        "0"
    );
    let revoked: usize = primary
        .psql("SELECT count(*) FROM revocations")
        .parse()
        .unwrap();
    assert_eq!(revoked, few + many);
}
