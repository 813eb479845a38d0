//! Several `cert serve` nodes on one PostgreSQL database, next to one node on the file store
//! (issue 11): a fleet of fresh agents (`PUT certificate_request/NAME` then `GET
//! certificate/NAME`, keep-alive TLS, the client of `serve_load.rs`), spread over the nodes,
//! with throughput, p50/p99 of an enrolment, and CPU per enrolment: utime + stime from /proc of
//! each node's process, and of PostgreSQL's processes (the postmaster, its children, and those
//! that exited meanwhile) separately.
//!
//!     cargo bench --bench nodes
//!     CERT_BENCH_NODES=1,2,3 CERT_BENCH_COUNT=2000 CERT_BENCH_CLIENTS=16 \
//!         CERT_BENCH_CA_KEY=ec cargo bench --bench nodes
//!
//! Knobs: CERT_BENCH_NODES (database nodes to try, `1,2,3`), CERT_BENCH_COUNT (enrolments
//! timed per configuration, 1000), CERT_BENCH_WARMUP (200), CERT_BENCH_CLIENTS (16, dealt
//! round-robin to the nodes), CERT_BENCH_CA_KEY (`rsa`: RSA-4096 as `cert setup` makes by
//! default, or `ec`: EC P-256, where signing costs little and the store's share shows),
//! CERT_BENCH_FILES=0 (skip the file store), CERT_BENCH_REPEAT (rounds, 3). Every configuration
//! gets a fresh CA (and a fresh PostgreSQL cluster, fsync on, in a temp dir beside the file
//! store's: the same disk); all are set up first, then each round times every configuration in
//! turn, so that load from elsewhere on a shared machine falls on all alike; each row is the
//! round of median throughput, with the range of all rounds.

#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod postgres;

#[path = "load/mod.rs"]
mod load;

use cert::keys::KeySpec;
use load::node::Node;
use load::Mode;

struct Knobs {
    nodes: Vec<usize>,
    count: usize,
    warmup: usize,
    clients: usize,
    ca_key: String,
    files: bool,
    repeat: usize,
}

fn knobs() -> Knobs {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    Knobs {
        nodes: var("CERT_BENCH_NODES", "1,2,3")
            .split(',')
            .map(|n| n.trim().parse().expect("CERT_BENCH_NODES"))
            .collect(),
        count: var("CERT_BENCH_COUNT", "1000")
            .parse()
            .expect("CERT_BENCH_COUNT"),
        warmup: var("CERT_BENCH_WARMUP", "200")
            .parse()
            .expect("CERT_BENCH_WARMUP"),
        clients: var("CERT_BENCH_CLIENTS", "16")
            .parse()
            .expect("CERT_BENCH_CLIENTS"),
        ca_key: var("CERT_BENCH_CA_KEY", "rsa"),
        files: var("CERT_BENCH_FILES", "1") != "0",
        repeat: var("CERT_BENCH_REPEAT", "3")
            .parse::<usize>()
            .expect("CERT_BENCH_REPEAT")
            .max(1),
    }
}

/// One configuration under test: its nodes, its cluster (none for the file store), and what
/// each round measured.
struct Setup {
    store: &'static str,
    nodes: Vec<Node>,
    cluster: Option<postgres::Cluster>,
    samples: Vec<Sample>,
    _work: tempfile::TempDir,
}

fn main() {
    let knobs = knobs();
    println!(
        "== {} cores; CA key {}; {} clients (keep-alive), {} enrolments timed per round after {} \
         warm-up; {} rounds, the configurations in turn; each row the round of median certs/s",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        knobs.ca_key,
        knobs.clients,
        knobs.count,
        knobs.warmup,
        knobs.repeat
    );
    let work = || {
        tempfile::Builder::new()
            .prefix("cert-nodes-bench-")
            .tempdir()
            .unwrap()
    };
    // Every configuration set up first (a fresh CA each, and a PostgreSQL cluster of its own,
    // fsync on, on the same disk), so that the rounds can take them in turn: this machine's
    // load from elsewhere then falls on all of them alike.
    let mut setups = Vec::new();
    if knobs.files {
        let work = work();
        let nodes = vec![Node::set_up(work.path(), 0, None, &knobs.ca_key)];
        setups.push(Setup {
            store: "files",
            nodes,
            cluster: None,
            samples: Vec::new(),
            _work: work,
        });
    }
    for &count in &knobs.nodes {
        let Some(cluster) = postgres::Cluster::start() else {
            println!("(PostgreSQL not installed: database rows skipped)");
            break;
        };
        let work = work();
        let url = cluster.url();
        let mut nodes = vec![Node::set_up(work.path(), 0, Some(&url), &knobs.ca_key)];
        for index in 1..count {
            nodes.push(Node::set_up(work.path(), index, Some(&url), &knobs.ca_key));
        }
        setups.push(Setup {
            store: "postgresql",
            nodes,
            cluster: Some(cluster),
            samples: Vec::new(),
            _work: work,
        });
    }
    let run = std::process::id();
    for round in 0..knobs.repeat {
        for (index, setup) in setups.iter_mut().enumerate() {
            let sample = measure(
                &knobs,
                &setup.nodes,
                setup.cluster.as_ref(),
                &format!("r{run}s{index}n{round}"),
            );
            setup.samples.push(sample);
        }
    }
    println!(
        "| store | nodes | certs/s | (min-max) | p50 ms | p99 ms | node CPU ms/enrolment | per node | \
         postgres CPU ms/enrolment | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for setup in &setups {
        print_row(setup);
        if let Some(cluster) = &setup.cluster {
            let (issued, distinct) = cluster
                .psql("SELECT count(*) || ' ' || count(DISTINCT serial) FROM inventory")
                .split_once(' ')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .unwrap();
            assert_eq!(issued, distinct, "a serial was issued twice");
        }
    }
    // The nodes go before their clusters.
    for setup in &mut setups {
        setup.nodes.clear();
    }
}

/// What one round measured on one configuration.
struct Sample {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// All nodes' CPU per enrolment, ms.
    node_cpu: f64,
    /// Each node's CPU over the round, ms.
    per_node: Vec<f64>,
    /// PostgreSQL's CPU per enrolment, ms.
    postgres_cpu: Option<f64>,
    errors: usize,
}

/// Warm up, then time `knobs.count` enrolments over `nodes`.
fn measure(
    knobs: &Knobs,
    nodes: &[Node],
    cluster: Option<&postgres::Cluster>,
    prefix: &str,
) -> Sample {
    let config = load::client_config(&nodes[0].cacert.to_string_lossy());
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let csrs = |phase: &str, count: usize| {
        load::make_csrs(&format!("{prefix}{phase}"), count, KeySpec::EcP256)
    };
    if knobs.warmup > 0 {
        let warmup = csrs("w", knobs.warmup);
        load::drive(&config, &ports, &warmup, knobs.clients, Mode::KeepAlive);
    }
    let timed = csrs("t", knobs.count);
    let node_before: Vec<u64> = nodes.iter().map(Node::ticks).collect();
    let postgres_before = cluster.map(postgres_ticks);
    let outcome = load::drive(&config, &ports, &timed, knobs.clients, Mode::KeepAlive);
    let node_after: Vec<u64> = nodes.iter().map(Node::ticks).collect();
    let postgres_after = cluster.map(postgres_ticks);
    let tick_ms = 1000.0 / load::clock_ticks();
    let done = outcome.done.max(1) as f64;
    let per_node: Vec<f64> = node_before
        .iter()
        .zip(&node_after)
        .map(|(before, after)| (after - before) as f64 * tick_ms)
        .collect();
    let node_total: u64 = node_after.iter().sum::<u64>() - node_before.iter().sum::<u64>();
    let postgres_cpu = match (postgres_before, postgres_after) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before) as f64 * tick_ms / done),
        _ => None,
    };
    Sample {
        rate: outcome.rate,
        p50_ms: outcome.p50.as_secs_f64() * 1000.0,
        p99_ms: outcome.p99.as_secs_f64() * 1000.0,
        node_cpu: node_total as f64 * tick_ms / done,
        per_node,
        postgres_cpu,
        errors: outcome.errors,
    }
}

/// A configuration's row: the round of median throughput, the range of all rounds, and the
/// errors of all rounds.
fn print_row(setup: &Setup) {
    let mut order: Vec<&Sample> = setup.samples.iter().collect();
    order.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let median = order[order.len() / 2];
    let per_node: Vec<String> = median
        .per_node
        .iter()
        .map(|ms| format!("{ms:.0}"))
        .collect();
    println!(
        "| {} | {} | {:.0} | {:.0}-{:.0} | {:.1} | {:.1} | {:.2} | {} ms | {} | {} |",
        setup.store,
        setup.nodes.len(),
        median.rate,
        order[0].rate,
        order[order.len() - 1].rate,
        median.p50_ms,
        median.p99_ms,
        median.node_cpu,
        per_node.join(" + "),
        median
            .postgres_cpu
            .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.2}")),
        setup.samples.iter().map(|s| s.errors).sum::<usize>()
    );
}

/// CPU of the cluster in clock ticks: the postmaster's process tree (its backends, and
/// those that exited meanwhile in its children's times).
fn postgres_ticks(cluster: &postgres::Cluster) -> u64 {
    let pid: u32 = std::fs::read_to_string(cluster.data().join("postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    load::tree_ticks(pid)
}
