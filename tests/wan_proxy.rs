//! Issues 21 and 22: the WAN link of the test support (`common::wan::Link`), checked with real
//! sockets and a real PostgreSQL: each direction is delayed by the set time (a round trip takes
//! twice it) without chunks waiting on each other, a cut holds data and new connections
//! silently until healed, turns are counted as the protocols' round trips (psql,
//! tokio-postgres, pipelined or not), a synchronous standby behind the link waits for it, a
//! `cert serve` node behind it sends its database traffic across it, and dropping the link
//! closes everything. Times are checked as lower bounds (a delay is never
//! shorter than set); upper bounds only in seconds, where a serialising or stuck link would be
//! seconds late.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::nodes::{curl, start_nodes_on, submit, API};
use common::postgres::{Cluster, STATEMENTS, USER};
use common::wan::Link;

/// Chunks a server received, each with the time it arrived.
type Arrivals = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;

/// An echo server on 127.0.0.1 that records when each chunk arrived, what it was, and how
/// many connections it accepted and saw closed.
struct Echo {
    port: u16,
    arrivals: Arrivals,
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Echo {
    fn start() -> Echo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let echo = Echo {
            port,
            arrivals: Arc::default(),
            accepted: Arc::default(),
            closed: Arc::default(),
        };
        let (arrivals, accepted, closed) = (
            echo.arrivals.clone(),
            echo.accepted.clone(),
            echo.closed.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                let (arrivals, closed) = (arrivals.clone(), closed.clone());
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 65536];
                    loop {
                        match stream.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(count) => {
                                let chunk = buffer[..count].to_vec();
                                arrivals.lock().unwrap().push((Instant::now(), chunk));
                                if stream.write_all(&buffer[..count]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        echo
    }

    fn arrivals(&self) -> Vec<(Instant, Vec<u8>)> {
        self.arrivals.lock().unwrap().clone()
    }

    /// The time the server received the chunk that ends with `tail`.
    fn arrival_of(&self, tail: &[u8]) -> Instant {
        self.arrivals()
            .iter()
            .find(|(_, chunk)| chunk.ends_with(tail))
            .unwrap_or_else(|| panic!("{tail:?} never arrived"))
            .0
    }
}

/// Connect to the link, with a read timeout of `timeout`.
fn connect(link: &Link, timeout: Duration) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", link.port())).unwrap();
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(timeout)).unwrap();
    stream
}

/// Send `message` and read its echo; the time it took.
fn exchange(stream: &mut TcpStream, message: &[u8]) -> Duration {
    let sent = Instant::now();
    stream.write_all(message).unwrap();
    let mut echoed = vec![0u8; message.len()];
    stream.read_exact(&mut echoed).unwrap();
    assert_eq!(echoed, message);
    sent.elapsed()
}

#[test]
fn each_direction_is_delayed_by_the_set_time_and_the_handshake_costs_a_round_trip() {
    let echo = Echo::start();
    let delay = Duration::from_millis(100);
    let link = Link::to_port(echo.port, delay);
    let connecting = Instant::now();
    let mut stream = connect(&link, Duration::from_secs(10));
    // The first bytes wait for the handshake's round trip, then cross: 3 delays to the
    // server, 4 back.
    let first = exchange(&mut stream, b"first");
    assert!(
        echo.arrival_of(b"first") >= connecting + 3 * delay,
        "the first bytes arrived {:?} after connecting",
        echo.arrival_of(b"first") - connecting
    );
    assert!(first >= 4 * delay, "first exchange took {first:?}");
    // Then each direction takes the delay, a round trip twice it.
    for round in 0..3 {
        let message = format!("round {round}");
        let sent = Instant::now();
        let took = exchange(&mut stream, message.as_bytes());
        let arrived = echo.arrival_of(message.as_bytes());
        assert!(
            arrived >= sent + delay,
            "round {round}: one way under {delay:?}"
        );
        assert!(took >= 2 * delay, "round {round}: a round trip of {took:?}");
        assert!(took < Duration::from_secs(5), "round {round}: {took:?}");
    }
    // A new delay applies to what is read from then on.
    link.set_delay(Duration::from_millis(250));
    let took = exchange(&mut stream, b"slower");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    link.set_delay(Duration::ZERO);
    let took = exchange(&mut stream, b"no delay");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn chunks_are_delayed_once_each_not_one_after_the_other_and_stay_in_order() {
    let echo = Echo::start();
    let delay = Duration::from_millis(500);
    let link = Link::to_port(echo.port, delay);
    let mut stream = connect(&link, Duration::from_secs(20));
    exchange(&mut stream, b"past the handshake");
    // Eight chunks 50 ms apart: each arrives its delay after it was sent, so the last about
    // 0.85 s after the first was sent; one after the other they would take 4 s.
    let mut sent = Vec::new();
    for index in 0..8u8 {
        sent.push(Instant::now());
        stream.write_all(&[b'A' + index]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut echoed = [0u8; 8];
    stream.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"ABCDEFGH");
    for index in 0..8u8 {
        let arrived = echo.arrival_of(&[b'A' + index]);
        assert!(
            arrived >= sent[index as usize] + delay,
            "chunk {index} early"
        );
    }
    let last = echo.arrival_of(b"H");
    assert!(
        last - sent[0] < Duration::from_secs(3),
        "the eighth chunk arrived {:?} after the first was sent: the link serialises",
        last - sent[0]
    );

    // A megabyte both ways, through many chunks, arrives whole and in order.
    link.set_delay(Duration::from_millis(20));
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut writer = stream.try_clone().unwrap();
    let sending = data.clone();
    let sender = std::thread::spawn(move || writer.write_all(&sending).unwrap());
    let mut back = vec![0u8; data.len()];
    stream.read_exact(&mut back).unwrap();
    sender.join().unwrap();
    assert!(back == data, "the echoed megabyte differs");
    assert!(link.bytes_up() >= 1_000_000 && link.bytes_down() >= 1_000_000);
}

#[test]
fn a_cut_holds_data_and_new_connections_silently_until_healed() {
    let echo = Echo::start();
    let delay = Duration::from_millis(20);
    let link = Link::to_port(echo.port, delay);
    let mut held = connect(&link, Duration::from_millis(1500));
    exchange(&mut held, b"before the cut");
    let turns = link.round_trips();
    assert_eq!(echo.accepted.load(Ordering::SeqCst), 1);

    link.cut();
    assert!(link.is_cut());
    held.write_all(b"during the cut").unwrap();
    // A new connection: the kernel may complete its handshake from the backlog, but the link
    // accepts nothing, so the server sees no connection and no byte.
    let mut late = connect(&link, Duration::from_millis(1500));
    late.write_all(b"connected during the cut").unwrap();
    let mut buffer = [0u8; 64];
    for stream in [&mut held, &mut late] {
        match stream.read(&mut buffer) {
            Err(error) => assert!(
                matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "a cut link must be silent, not {error}"
            ),
            Ok(count) => panic!("a cut link passed {count} bytes, or closed the connection"),
        }
    }
    assert_eq!(
        echo.accepted.load(Ordering::SeqCst),
        1,
        "accepted during the cut"
    );
    assert_eq!(echo.arrivals().len(), 1, "data crossed the cut link");
    assert_eq!(
        echo.closed.load(Ordering::SeqCst),
        0,
        "the cut closed the server's side"
    );
    assert_eq!(link.round_trips(), turns);

    let healed = Instant::now();
    link.heal();
    // Both connections carry on: what was held crosses the link, one delay after the heal.
    held.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    late.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut echoed = [0u8; 14];
    held.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"during the cut");
    let mut echoed = [0u8; 24];
    late.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"connected during the cut");
    assert!(echo.arrival_of(b"during the cut") >= healed + delay);
    assert_eq!(echo.accepted.load(Ordering::SeqCst), 2);
    exchange(&mut held, b"after the heal");
    exchange(&mut late, b"after the heal too");
}

#[test]
fn turns_count_request_and_response_round_trips() {
    let echo = Echo::start();
    let link = Link::to_port(echo.port, Duration::from_millis(50));
    let mut stream = connect(&link, Duration::from_secs(10));
    for round in 0..5 {
        exchange(&mut stream, format!("request {round}").as_bytes());
    }
    assert_eq!(link.round_trips(), 5);
    assert_eq!(link.accepted(), 1);
    let connections = link.connections();
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].turns, 5);
    assert!(connections[0].open);
    assert_eq!(connections[0].bytes_up, 5 * 9);
    assert_eq!(connections[0].bytes_down, 5 * 9);

    link.reset();
    assert_eq!(link.round_trips(), 0);
    assert_eq!(link.accepted(), 0);
    assert_eq!(link.bytes_up() + link.bytes_down(), 0);
    // Three requests sent together, their three answers read after: one round trip.
    stream.write_all(b"one").unwrap();
    stream.write_all(b"two").unwrap();
    stream.write_all(b"six").unwrap();
    let mut answers = [0u8; 9];
    stream.read_exact(&mut answers).unwrap();
    assert_eq!(&answers, b"onetwosix");
    assert_eq!(link.round_trips(), 1);

    // A second connection counts on its own; the total is the sum.
    let mut other = connect(&link, Duration::from_secs(10));
    exchange(&mut other, b"elsewhere");
    exchange(&mut other, b"again");
    assert_eq!(link.round_trips(), 3);
    let turns: Vec<u64> = link.connections().iter().map(|c| c.turns).collect();
    assert_eq!(turns, [1, 2]);
    // A closed connection is counted until the next reset, which forgets it.
    other.shutdown(Shutdown::Both).unwrap();
    drop(other);
    let deadline = Instant::now() + Duration::from_secs(5);
    while link.connections()[1].open {
        assert!(Instant::now() < deadline, "the link never saw the close");
        std::thread::sleep(Duration::from_millis(20));
    }
    link.reset();
    assert_eq!(link.connections().len(), 1);
}

#[test]
fn postgres_clients_through_the_link_cost_the_round_trips_of_their_protocol() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let link = Link::to_port(cluster.port, Duration::from_millis(50));
    let bin = common::postgres::binaries().unwrap();
    // psql: the startup (trust: one round trip) and one simple query; no TLS or GSSAPI
    // negotiation, which would add theirs.
    let output = Command::new(bin.join("psql"))
        .arg(format!(
            "host=127.0.0.1 port={} user={USER} dbname=postgres sslmode=disable \
             gssencmode=disable",
            link.port()
        ))
        .args(["-tA", "-c", "SELECT 40 + 2"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "42");
    assert_eq!(link.round_trips(), 2, "psql: startup + one query");

    // tokio-postgres: queries polled together are pipelined, one round trip for all.
    link.reset();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!(
            "postgresql://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
            link.port()
        );
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        assert_eq!(link.round_trips(), 1, "the startup");
        use tokio_postgres::types::Type;
        let int = Type::INT4;
        // One statement without preparing (Parse, Bind, Execute, Sync in one message).
        let one = client
            .query_typed("SELECT $1::int4 + 1", &[(&1i32, int.clone())])
            .await
            .unwrap();
        assert_eq!(one[0].get::<_, i32>(0), 2);
        assert_eq!(link.round_trips(), 2);
        // Three of them polled together: one more round trip.
        type Parameter<'a> = (&'a (dyn tokio_postgres::types::ToSql + Sync), Type);
        let values = [1i32, 2, 3];
        let parameters: Vec<[Parameter; 1]> = values
            .iter()
            .map(|value| [(value as _, int.clone())])
            .collect();
        let (a, b, c) = tokio::join!(
            client.query_typed("SELECT $1::int4", &parameters[0]),
            client.query_typed("SELECT $1::int4", &parameters[1]),
            client.query_typed("SELECT $1::int4", &parameters[2]),
        );
        assert_eq!(a.unwrap()[0].get::<_, i32>(0), 1);
        assert_eq!(b.unwrap()[0].get::<_, i32>(0), 2);
        assert_eq!(c.unwrap()[0].get::<_, i32>(0), 3);
        assert_eq!(link.round_trips(), 3, "three pipelined statements");
        // The same three one after the other: three round trips.
        for value in 0..3i32 {
            client
                .query_typed("SELECT $1::int4", &[(&value, int.clone())])
                .await
                .unwrap();
        }
        assert_eq!(link.round_trips(), 6);
        drop(client);
        connection.await.unwrap().unwrap();
    });
}

#[test]
fn a_synchronous_standby_behind_the_link_delays_commits_and_a_cut_holds_them() {
    let Some(primary) = Cluster::start() else {
        return;
    };
    let delay = Duration::from_millis(100);
    let link = Link::to_port(primary.port, delay);
    let standby = primary.standby_through(link.port());
    primary.require_sync_standby();
    assert_eq!(
        primary.psql("SELECT application_name || ' ' || sync_state FROM pg_stat_replication"),
        "standby sync"
    );
    primary.psql("CREATE TABLE wan (x int)");
    // A commit waits for the standby's flush: the WAL one way, the answer back.
    let begun = Instant::now();
    primary.psql("INSERT INTO wan VALUES (1)");
    assert!(
        begun.elapsed() >= 2 * delay,
        "a synchronous commit took {:?}",
        begun.elapsed()
    );
    assert_eq!(standby.psql("SELECT count(*) FROM wan"), "1");
    let walsender = primary.psql("SELECT pid FROM pg_stat_replication");

    // Cut: the commit waits for the standby's confirmation, which does not come (and the
    // standby has nothing); cancelled, PostgreSQL warns that it committed on the primary
    // alone.
    link.cut();
    let insert = Command::new(common::postgres::binaries().unwrap().join("psql"))
        .args(["-h", "127.0.0.1", "-U", USER, "-d", "postgres", "-tA"])
        .arg("-p")
        .arg(primary.port.to_string())
        .args(["-c", "INSERT INTO wan VALUES (2)"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'";
    let deadline = Instant::now() + Duration::from_secs(10);
    while primary.psql(waiting) != "1" {
        assert!(
            Instant::now() < deadline,
            "the commit never waited for the standby"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(primary.psql(waiting), "1", "the commit stopped waiting");
    assert_eq!(standby.psql("SELECT count(*) FROM wan"), "1");
    primary
        .psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    let output = insert.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("canceling wait for synchronous replication"),
        "{stderr}"
    );
    assert_eq!(standby.psql("SELECT count(*) FROM wan"), "1");

    // Healed: the same replication connection (no RST, no reconnection) delivers what was
    // held.
    link.heal();
    let deadline = Instant::now() + Duration::from_secs(20);
    while standby.psql("SELECT count(*) FROM wan") != "2" {
        assert!(Instant::now() < deadline, "the standby never caught up");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        primary.psql("SELECT pid FROM pg_stat_replication"),
        walsender
    );
    assert!(link.round_trips() > 0);
}

#[test]
fn a_node_behind_the_link_sends_its_database_traffic_across_it() {
    if !common::require_peer("curl") {
        return;
    }
    let Some(primary) = Cluster::start_with(STATEMENTS) else {
        return;
    };
    let delay = Duration::from_millis(20);
    let link = Link::to_port(primary.port, delay);
    let far = format!(
        "postgresql://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
        link.port()
    );
    // Node 0 beside the primary, node 1 a WAN away from it.
    let (nodes, cacert) = start_nodes_on(&[&primary.url(), &far]);
    let (names, csrs) = common::write_csrs(&nodes[0].world, "far", 3);
    link.reset();
    primary.reset_statements();
    for (name, csr) in names.iter().zip(&csrs) {
        let begun = Instant::now();
        let reply = submit(nodes[1].port(), &cacert, name, csr);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = curl(
            nodes[1].port(),
            &cacert,
            &format!("{API}/certificate/{name}"),
            &[],
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        // At least the COMMIT crossed the link and came back.
        assert!(
            begun.elapsed() >= 2 * delay,
            "{name}: {:?}",
            begun.elapsed()
        );
    }
    let (turns, statements) = (link.round_trips(), primary.statements());
    eprintln!(
        "per enrolment at the far node (PUT + GET): {:.1} round trips to the primary, {:.1} \
         statements",
        turns as f64 / 3.0,
        statements as f64 / 3.0
    );
    assert!(turns >= 3, "{turns} round trips for 3 enrolments");
    assert!(
        statements >= 3 * 2,
        "{statements} statements for 3 enrolments"
    );
    for name in &names {
        assert_eq!(
            primary.psql(&format!(
                "SELECT count(*) FROM signed WHERE name = '{name}'"
            )),
            "1"
        );
    }
}

#[test]
fn dropping_the_link_closes_its_connections_and_its_port() {
    let echo = Echo::start();
    let link = Link::to_port(echo.port, Duration::from_millis(10));
    let port = link.port();
    let mut stream = connect(&link, Duration::from_secs(10));
    exchange(&mut stream, b"hello");
    drop(link);
    let mut buffer = [0u8; 16];
    match stream.read(&mut buffer) {
        Ok(0) => {}
        Ok(count) => panic!("{count} bytes after the drop"),
        Err(error) => assert!(
            matches!(
                error.kind(),
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
            ),
            "the connection was not closed: {error}"
        ),
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while echo.closed.load(Ordering::SeqCst) != 1 {
        assert!(
            Instant::now() < deadline,
            "the server's side was not closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused = TcpStream::connect(("127.0.0.1", port));
    assert!(refused.is_err(), "the link's port still accepts");
}
