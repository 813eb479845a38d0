//! Two sites on loopback (issue 21): how a CA node signs a WAN away from the database.
//!
//! Site A holds the PostgreSQL primary (fsync on, `pg_stat_statements` loaded) and a
//! `cert serve` node connected to it directly. Site B holds the primary's synchronous standby,
//! streaming through a WAN link (`tests/common/wan.rs`), and a `cert serve` node whose database
//! URL names the primary through another link, so every query of node B crosses the WAN. Both
//! links delay each direction by half the row's RTT. Node A sets the CA up; node B has its
//! keys.
//!
//! Each row: fresh agents (EC P-256 keys, keep-alive TLS, `PUT certificate_request/NAME` then
//! `GET certificate/NAME`: the client of `serve_load.rs`) enrol at one site against that
//! site's node while the other site is idle (real sites have CPUs of their own; on one small
//! machine, loading both at once would measure their contention). A warm-up of one enrolment
//! per agent opens the node's database connections first. A row stops at its count of
//! enrolments or its time limit, whichever comes first ("cut short" then).
//!
//! Printed per row: certs/s, p50/p99 of PUT + GET, and two counts per enrolment, counted
//! during the row, not assumed: round trips between node B and the primary (turns of node B's
//! link: client data then server data on one connection; the connections it opened are shown
//! too), and statements the primary executed (`pg_stat_statements`, top level, BEGIN and
//! COMMIT included; preparing a statement is not one). Then the ratios the issue asks about
//! (site B at RTT r vs 0; site A with its standby r away vs local), and the statements of
//! one site B enrolment.
//!
//!     cargo bench --bench sites
//!     CERT_BENCH_RTTS=0,50 CERT_BENCH_AGENTS=1,64 CERT_BENCH_COUNT=1000 \
//!         CERT_BENCH_SECONDS=60 CERT_BENCH_CA_KEY=ec cargo bench --bench sites
//!
//! Knobs: CERT_BENCH_RTTS (round trips between the sites in ms, `0,20,50,100`),
//! CERT_BENCH_AGENTS (agents at once per row, `1,8,64`), CERT_BENCH_COUNT (enrolments per
//! row at most, 300), CERT_BENCH_SECONDS (a row's time limit, 10), CERT_BENCH_CA_KEY (`rsa`:
//! RSA-4096, as `cert setup` makes by default; `ec`: EC P-256).

#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod postgres;

#[allow(dead_code)]
#[path = "../tests/common/wan.rs"]
mod wan;

#[path = "load/mod.rs"]
mod load;

use std::time::Duration;

use cert::keys::KeySpec;
use load::node::Node;
use load::Mode;
use wan::Link;

/// Longest warm-up of a row.
const WARMUP_LIMIT: Duration = Duration::from_secs(5);

struct Knobs {
    rtts: Vec<u64>,
    agents: Vec<usize>,
    count: usize,
    seconds: u64,
    ca_key: String,
}

fn knobs() -> Knobs {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let list = |name: &str, default: &str| -> Vec<u64> {
        var(name, default)
            .split(',')
            .map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{name}: {n:?}")))
            .collect()
    };
    Knobs {
        rtts: list("CERT_BENCH_RTTS", "0,20,50,100"),
        agents: list("CERT_BENCH_AGENTS", "1,8,64")
            .into_iter()
            .map(|n| n.max(1) as usize)
            .collect(),
        count: var("CERT_BENCH_COUNT", "300")
            .parse()
            .expect("CERT_BENCH_COUNT"),
        seconds: var("CERT_BENCH_SECONDS", "10")
            .parse()
            .expect("CERT_BENCH_SECONDS"),
        ca_key: var("CERT_BENCH_CA_KEY", "rsa"),
    }
}

/// The two sites.
struct Sites {
    node_a: Node,
    node_b: Node,
    /// Node B to the primary.
    link_b: Link,
    /// The standby's replication to the primary.
    link_standby: Link,
    primary: postgres::Cluster,
    _standby: postgres::Cluster,
    _work: tempfile::TempDir,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Site {
    A,
    B,
}

/// One row's measurement.
struct Row {
    rtt: u64,
    site: Site,
    agents: usize,
    outcome: load::Outcome,
    /// Turns of node B's link per enrolment, and the connections it opened (site B only).
    round_trips: Option<(f64, u64)>,
    statements: f64,
}

fn main() {
    let knobs = knobs();
    let sites = set_up(&knobs.ca_key);
    println!(
        "== {} cores; CA key {}; per row at most {} enrolments or {} s (after a warm-up of one \
         per agent); fresh EC agents, keep-alive; one site loaded at a time",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if knobs.ca_key == "ec" {
            "EC P-256"
        } else {
            "RSA-4096"
        },
        knobs.count,
        knobs.seconds
    );
    println!(
        "| RTT ms | site | agents | enrolments | certs/s | p50 ms | p99 ms | round trips B-primary \
         / enrolment | connections opened | statements / enrolment | errors | |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let run = std::process::id();
    let mut rows = Vec::new();
    let mut statements_of_b = None;
    for &rtt in &knobs.rtts {
        let one_way = Duration::from_micros(rtt * 500);
        sites.link_b.set_delay(one_way);
        sites.link_standby.set_delay(one_way);
        for &agents in &knobs.agents {
            for site in [Site::A, Site::B] {
                let prefix = format!("r{run}-{rtt}-{agents}-{}", site.letter().to_lowercase());
                let row = measure(&knobs, &sites, site, rtt, agents, &prefix);
                print_row(&row);
                if site == Site::B && agents == 1 && rtt == *knobs.rtts.iter().max().unwrap() {
                    statements_of_b =
                        Some((rtt, row.outcome.done, sites.primary.statement_texts(20)));
                }
                rows.push(row);
            }
        }
    }
    print_ratios(&rows);
    if let Some((rtt, done, texts)) = statements_of_b {
        println!(
            "\n== statements at the primary per site B enrolment (1 agent, RTT {rtt} ms, {done} \
             enrolments), most frequent first"
        );
        for (calls, text) in texts {
            let text: String = text.chars().take(110).collect();
            println!("{:6.2}  {text}", calls as f64 / done.max(1) as f64);
        }
    }
    let (issued, distinct) = sites
        .primary
        .psql("SELECT count(*) || ' ' || count(DISTINCT serial) FROM inventory")
        .split_once(' ')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    assert_eq!(issued, distinct, "a serial was issued twice");
}

impl Site {
    fn letter(self) -> &'static str {
        match self {
            Site::A => "A",
            Site::B => "B",
        }
    }
}

/// The primary, its standby behind a link, node A on the primary, node B behind a link.
fn set_up(ca_key: &str) -> Sites {
    let primary =
        postgres::Cluster::start_with(postgres::STATEMENTS).expect("PostgreSQL is installed");
    let link_standby = Link::to_port(primary.port, Duration::ZERO);
    let standby = primary.standby_through(link_standby.port());
    primary.require_sync_standby();
    let link_b = Link::to_port(primary.port, Duration::ZERO);
    let work = tempfile::Builder::new()
        .prefix("cert-sites-bench-")
        .tempdir()
        .unwrap();
    let node_a = Node::set_up(work.path(), 0, Some(&primary.url()), ca_key);
    let url_b = format!(
        "postgresql://{}@127.0.0.1:{}/postgres?sslmode=disable",
        postgres::USER,
        link_b.port()
    );
    let node_b = Node::set_up(work.path(), 1, Some(&url_b), ca_key);
    Sites {
        node_a,
        node_b,
        link_b,
        link_standby,
        primary,
        _standby: standby,
        _work: work,
    }
}

/// One row: warm up, then time fresh agents at `site`, counting round trips and statements.
fn measure(knobs: &Knobs, sites: &Sites, site: Site, rtt: u64, agents: usize, prefix: &str) -> Row {
    let node = match site {
        Site::A => &sites.node_a,
        Site::B => &sites.node_b,
    };
    let config = load::client_config(&node.cacert.to_string_lossy());
    let warmup = load::make_csrs(&format!("{prefix}w"), agents, KeySpec::EcP256);
    load::drive_for(
        &config,
        &[node.port],
        &warmup,
        agents,
        Mode::KeepAlive,
        Some(WARMUP_LIMIT),
    );
    let timed = load::make_csrs(&format!("{prefix}t"), knobs.count, KeySpec::EcP256);
    sites.link_b.reset();
    sites.primary.reset_statements();
    let outcome = load::drive_for(
        &config,
        &[node.port],
        &timed,
        agents,
        Mode::KeepAlive,
        Some(Duration::from_secs(knobs.seconds)),
    );
    let turns = sites.link_b.round_trips();
    let opened = sites.link_b.accepted();
    let statements = sites.primary.statements();
    let done = outcome.done.max(1) as f64;
    Row {
        rtt,
        site,
        agents,
        round_trips: (site == Site::B).then_some((turns as f64 / done, opened)),
        statements: statements as f64 / done,
        outcome,
    }
}

fn print_row(row: &Row) {
    let outcome = &row.outcome;
    let (round_trips, opened) = match row.round_trips {
        Some((per, opened)) => (format!("{per:.1}"), opened.to_string()),
        None => ("- (direct)".to_owned(), "-".to_owned()),
    };
    println!(
        "| {} | {} | {} | {} | {:.1} | {:.0} | {:.0} | {} | {} | {:.1} | {} | {} |",
        row.rtt,
        row.site.letter(),
        row.agents,
        outcome.done,
        outcome.rate,
        outcome.p50.as_secs_f64() * 1000.0,
        outcome.p99.as_secs_f64() * 1000.0,
        round_trips,
        opened,
        row.statements,
        outcome.errors,
        if outcome.cut_short {
            format!("cut short at {:.0} s", outcome.elapsed.as_secs_f64())
        } else {
            String::new()
        }
    );
}

/// Each site's throughput at every RTT against its own at RTT 0, per agent count: for site
/// B the node is the WAN away, for site A its synchronous standby is.
fn print_ratios(rows: &[Row]) {
    let find = |site: Site, rtt: u64, agents: usize| {
        rows.iter()
            .find(|row| row.site == site && row.rtt == rtt && row.agents == agents)
    };
    println!(
        "\n== certs/s against the same site's at RTT 0 (site A: its standby that far; site B: \
         the node that far from the primary)"
    );
    for row in rows.iter().filter(|row| row.rtt != 0) {
        let Some(local) = find(row.site, 0, row.agents) else {
            continue;
        };
        println!(
            "site {} {:>2} agents, RTT {:>3} ms: {:6.1} vs {:6.1} certs/s = {:3.0}%; p50 {:.0} vs \
             {:.0} ms",
            row.site.letter(),
            row.agents,
            row.rtt,
            row.outcome.rate,
            local.outcome.rate,
            100.0 * row.outcome.rate / local.outcome.rate.max(f64::MIN_POSITIVE),
            row.outcome.p50.as_secs_f64() * 1000.0,
            local.outcome.p50.as_secs_f64() * 1000.0,
        );
    }
}
