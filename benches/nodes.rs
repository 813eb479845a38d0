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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cert::certname::Certname;
use cert::csr::Csr;
use cert::keys::{KeySpec, PrivateKey};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// The release `cert` that cargo built for this bench.
const CERT: &str = env!("CARGO_BIN_EXE_cert");

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

/// One `cert serve` and its directories.
struct Node {
    child: Child,
    port: u16,
    cacert: PathBuf,
}

impl Node {
    /// Node `index` in `work`: node 0 sets the CA up (in the database at `url`, or in its
    /// cadir), the others get its keys; then it serves on a free port.
    fn set_up(work: &Path, index: usize, url: Option<&str>, ca_key: &str) -> Node {
        let dir = work.join(format!("node{index}"));
        std::fs::create_dir_all(&dir).unwrap();
        let key_type = if ca_key == "ec" { "ec" } else { "rsa" };
        let store = url
            .map(|url| format!("[server]\nca_store = {url}\n"))
            .unwrap_or_default();
        std::fs::write(
            dir.join("puppet.conf"),
            format!(
                "[main]\ncertname = node{index}.bench\ndns_alt_names = localhost,127.0.0.1\n\
                 autosign = true\nkey_type = {key_type}\n{store}"
            ),
        )
        .unwrap();
        let cert = |args: &[&str]| {
            let status = Command::new(CERT)
                .arg("--config")
                .arg(dir.join("puppet.conf"))
                .arg("--cadir")
                .arg(dir.join("ca"))
                .arg("--ssldir")
                .arg(dir.join("ssl"))
                .args(args)
                .env("HOME", &dir)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "cert {args:?}");
        };
        if index == 0 {
            cert(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
        } else {
            let first = work.join("node0/ca");
            std::fs::create_dir_all(dir.join("ca")).unwrap();
            for key in ["ca_key.pem", "root_key.pem"] {
                std::fs::copy(first.join(key), dir.join("ca").join(key)).unwrap();
            }
        }
        let port = free_port();
        let child = Command::new(CERT)
            .arg("--config")
            .arg(dir.join("puppet.conf"))
            .arg("--cadir")
            .arg(dir.join("ca"))
            .arg("--ssldir")
            .arg(dir.join("ssl"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("HOME", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let cacert = work.join("node0/ssl/certs/ca.pem");
        let node = Node {
            child,
            port,
            cacert,
        };
        node.wait_ready();
        node
    }

    fn wait_ready(&self) {
        let config = client_config(&self.cacert);
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let answered = connect(&config, self.port)
                .and_then(|mut stream| exchange(&mut stream, "GET", "/status/v1/simple", None));
            if matches!(answered, Ok((200, _))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("node on port {} did not answer", self.port);
    }

    /// CPU time of its process so far, in clock ticks.
    fn ticks(&self) -> u64 {
        let (own, _) = process_ticks(self.child.id());
        own
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
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
    let config = client_config(&nodes[0].cacert);
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    if knobs.warmup > 0 {
        let csrs = make_csrs(&format!("{prefix}w"), knobs.warmup);
        drive(&config, &ports, &csrs, knobs.clients);
    }
    let csrs = make_csrs(&format!("{prefix}t"), knobs.count);
    let node_before: Vec<u64> = nodes.iter().map(Node::ticks).collect();
    let postgres_before = cluster.map(postgres_ticks);
    let outcome = drive(&config, &ports, &csrs, knobs.clients);
    let node_after: Vec<u64> = nodes.iter().map(Node::ticks).collect();
    let postgres_after = cluster.map(postgres_ticks);
    let tick_ms = 1000.0 / clock_ticks();
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

/// CPU of the cluster in clock ticks: the postmaster's own and its reaped children's, and
/// its live children's.
fn postgres_ticks(cluster: &postgres::Cluster) -> u64 {
    let pid: u32 = std::fs::read_to_string(cluster.data().join("postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let (own, reaped) = process_ticks(pid);
    let mut total = own + reaped;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if parent(child) == Some(pid) {
            total += process_ticks(child).0;
        }
    }
    total
}

/// (utime + stime, cutime + cstime) of `pid`, in clock ticks (0 when it is gone).
fn process_ticks(pid: u32) -> (u64, u64) {
    let Some(fields) = stat_fields(pid) else {
        return (0, 0);
    };
    let field = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok());
    // Fields after the command: state is field 3, so utime (14) is at 11.
    let own = field(11).unwrap_or(0) + field(12).unwrap_or(0);
    let reaped = field(13).unwrap_or(0) + field(14).unwrap_or(0);
    (own, reaped)
}

fn parent(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The fields of /proc/PID/stat after `(command)`.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// The client, as benches/serve_load.rs drives one server: keep-alive connections, here one
// per client dealt round-robin to the nodes.

fn client_config(cacert: &Path) -> Arc<ClientConfig> {
    let pem = std::fs::read(cacert).expect("read the CA certificate");
    let mut roots = RootCertStore::empty();
    for block in pem::parse_many(&pem).expect("CA PEM") {
        roots
            .add(CertificateDer::from(block.contents().to_vec()))
            .expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// `count` fresh agents (EC P-256 keys and CSRs), made on all cores before timing.
fn make_csrs(prefix: &str, count: usize) -> Vec<(String, String)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let out = Mutex::new(Vec::with_capacity(count));
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let name = format!("{prefix}-{index:06}.agents.bench");
                let key = PrivateKey::generate(KeySpec::EcP256).expect("agent key");
                let certname = Certname::parse(&name).expect("certname");
                let csr = Csr::generate(&certname, &key, &[], &[]).expect("CSR");
                out.lock().unwrap().push((name, csr.to_pem()));
            });
        }
    });
    out.into_inner().unwrap()
}

struct Outcome {
    rate: f64,
    p50: Duration,
    p99: Duration,
    done: usize,
    errors: usize,
}

/// Enrol every CSR from `clients` threads, client `i` on node `i % ports.len()`.
fn drive(
    config: &Arc<ClientConfig>,
    ports: &[u16],
    csrs: &[(String, String)],
    clients: usize,
) -> Outcome {
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(csrs.len()));
    let errors = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..clients {
            let port = ports[client % ports.len()];
            let (next, latencies, errors) = (&next, &latencies, &errors);
            scope.spawn(move || {
                let mut connection: Option<Tls> = None;
                while let Some((name, csr)) = csrs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let begun = Instant::now();
                    match enroll(config, port, &mut connection, name, csr) {
                        Ok(()) => latencies.lock().unwrap().push(begun.elapsed()),
                        Err(error) => {
                            if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("{name}: {error}");
                            }
                            connection = None;
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Outcome {
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
        done: latencies.len(),
        errors: errors.into_inner(),
    }
}

fn enroll(
    config: &Arc<ClientConfig>,
    port: u16,
    connection: &mut Option<Tls>,
    name: &str,
    csr: &str,
) -> Result<(), String> {
    if connection.is_none() {
        *connection = Some(connect(config, port)?);
    }
    let stream = connection.as_mut().expect("connected");
    let put = format!("/puppet-ca/v1/certificate_request/{name}?environment=production");
    let (code, body) = exchange(stream, "PUT", &put, Some(csr))?;
    if code != 200 {
        return Err(format!("PUT: {code} {body}"));
    }
    let get = format!("/puppet-ca/v1/certificate/{name}?environment=production");
    let (code, body) = exchange(stream, "GET", &get, None)?;
    if code == 200 && body.starts_with("-----BEGIN CERTIFICATE-----") {
        Ok(())
    } else {
        Err(format!("GET certificate: {code} {body}"))
    }
}

fn connect(config: &Arc<ClientConfig>, port: u16) -> Result<Tls, String> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let server = ServerName::try_from("localhost").expect("server name");
    let connection = ClientConnection::new(config.clone(), server).map_err(|e| e.to_string())?;
    Ok(StreamOwned::new(connection, tcp))
}

/// One keep-alive HTTP/1.1 request and its response (Content-Length or chunked body).
fn exchange(
    stream: &mut Tls,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain\r\nConnection: keep-alive\r\n"
    );
    if method == "PUT" {
        request.push_str(&format!(
            "Content-Type: text/plain\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| format!("send: {e}"))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| format!("status line: {e}"))?;
    let code: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        reader
            .read_line(&mut line)
            .map_err(|e| format!("header: {e}"))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((key, value)) = header.split_once(':') {
            let value = value.trim();
            if key.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if key.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut content = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader
                .read_line(&mut line)
                .map_err(|e| format!("chunk: {e}"))?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("bad chunk size {line:?}"))?;
            let mut chunk = vec![0; size + 2];
            reader
                .read_exact(&mut chunk)
                .map_err(|e| format!("chunk: {e}"))?;
            if size == 0 {
                break;
            }
            content.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        content.resize(length, 0);
        reader
            .read_exact(&mut content)
            .map_err(|e| format!("body: {e}"))?;
    }
    Ok((code, String::from_utf8_lossy(&content).into_owned()))
}
