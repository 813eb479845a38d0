//! What the daemon benchmarks share: a fleet of fresh agents driven over TLS against a CA
//! server (`PUT certificate_request/NAME` then `GET certificate/NAME`, over keep-alive
//! connections or a new connection per request), starting and stopping the server, and the
//! CPU accounting of processes and of the machine from /proc.
//!
//! Included by `serve_load.rs`, `cost.rs`, `nodes.rs` and `sites.rs` with `#[path]`; each
//! uses part of it. `node` starts and stops a `cert serve` node of the database benchmarks.

#![allow(dead_code)]

pub mod node;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cert::certname::Certname;
use cert::csr::Csr;
use cert::keys::{KeySpec, PrivateKey};
use rustls::client::Resumption;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

pub type Tls = StreamOwned<ClientConnection, TcpStream>;

/// A rustls client configuration trusting the CA certificates of `cacert` (PEM), its random
/// generator seeded (aws-lc's first use costs ~50 ms of CPU jitter sampling: the client's
/// start-up, not the server's).
pub fn client_config(cacert: &str) -> Arc<ClientConfig> {
    let ca_pem = std::fs::read(cacert).expect("read the CA certificate");
    let mut roots = RootCertStore::empty();
    for block in pem::parse_many(&ca_pem).expect("CA PEM") {
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
    let _ = config.crypto_provider().secure_random.fill(&mut [0u8; 32]);
    Arc::new(config)
}

/// Start `command` in its own process group, its output discarded.
pub fn spawn(command: &[String]) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(&command[0])
        .args(&command[1..])
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server")
}

/// Wait until the server on `port` answers `/status/v1/simple`; the time from `started` to
/// that answer, and how long that one request took. Panics after `timeout`.
pub fn wait_ready(
    child: &mut Child,
    config: &Arc<ClientConfig>,
    port: u16,
    started: Instant,
    timeout: Duration,
) -> (Duration, Duration) {
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited with {status} before answering");
        }
        if started.elapsed() > timeout {
            stop(child);
            panic!("the server did not answer within {timeout:?}");
        }
        let attempt = Instant::now();
        if let Ok((200, _)) = one_shot(config, port, "GET", "/status/v1/simple", None) {
            return (started.elapsed(), attempt.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// SIGTERM to the server's process group (it was started in its own), then wait.
pub fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

/// `count` fresh agents named `PREFIX-NNNNNN.agents.bench`, each with a new key and CSR, made
/// on all cores.
pub fn make_csrs(prefix: &str, count: usize, key: KeySpec) -> Vec<(String, String)> {
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
                let certname = Certname::parse(&name).expect("certname");
                let key = PrivateKey::generate(key).expect("agent key");
                let csr = Csr::generate(&certname, &key, &[], &[]).expect("CSR");
                out.lock().unwrap().push((name, csr.to_pem()));
            });
        }
    });
    out.into_inner().unwrap()
}

/// What one run of a fleet measured.
pub struct Outcome {
    pub rate: f64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: usize,
    pub done: usize,
    /// Whether the time limit stopped it before every agent had begun.
    pub cut_short: bool,
}

/// What each agent does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One keep-alive connection per client, reused by its agents.
    KeepAlive,
    /// A new connection per request (the GET resumes the PUT's TLS session).
    New,
    /// A new connection per agent, its PUT and GET on it, then closed: what a Puppet agent
    /// does (its HTTP pool keeps the connection for the requests of one run).
    PerAgent,
    /// Only `PUT certificate_request/NAME` over keep-alive (queueing, for `sign --all`).
    SubmitOnly,
}

impl Mode {
    pub fn parse(text: &str) -> Mode {
        match text {
            "keepalive" | "keep-alive" => Mode::KeepAlive,
            "new" => Mode::New,
            "agent" => Mode::PerAgent,
            other => panic!("unknown mode {other:?} (keepalive, agent or new)"),
        }
    }

    /// A letter unique to the mode, for names that must differ from one mode to the next.
    pub fn tag(self) -> &'static str {
        match self {
            Mode::KeepAlive => "k",
            Mode::New => "n",
            Mode::PerAgent => "a",
            Mode::SubmitOnly => "s",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Mode::KeepAlive => "keep-alive",
            Mode::New => "new per request",
            Mode::PerAgent => "new per agent",
            Mode::SubmitOnly => "submit only",
        }
    }
}

/// Enrol every agent of `csrs` from `clients` concurrent clients, client `i` on the server at
/// `ports[i % ports.len()]` (several servers: `nodes.rs`).
pub fn drive(
    base: &Arc<ClientConfig>,
    ports: &[u16],
    csrs: &[(String, String)],
    clients: usize,
    mode: Mode,
) -> Outcome {
    drive_for(base, ports, csrs, clients, mode, None)
}

/// [`drive`], no agent begun once `limit` has passed (those under way finish): a slow server
/// gets a bounded time, and [`Outcome::cut_short`] says when it did not finish.
pub fn drive_for(
    base: &Arc<ClientConfig>,
    ports: &[u16],
    csrs: &[(String, String)],
    clients: usize,
    mode: Mode,
    limit: Option<Duration>,
) -> Outcome {
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(csrs.len()));
    let errors = AtomicUsize::new(0);
    let cut_short = std::sync::atomic::AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..clients {
            let port = ports[client % ports.len()];
            let (next, latencies, errors, cut_short) = (&next, &latencies, &errors, &cut_short);
            scope.spawn(move || {
                let mut connection: Option<Tls> = None;
                loop {
                    if limit.is_some_and(|limit| started.elapsed() >= limit) {
                        cut_short.store(true, Ordering::Relaxed);
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, csr)) = csrs.get(index) else {
                        break;
                    };
                    let begun = Instant::now();
                    let ok = match mode {
                        Mode::KeepAlive => {
                            enroll_keepalive(base, port, &mut connection, name, csr, true)
                        }
                        Mode::SubmitOnly => {
                            enroll_keepalive(base, port, &mut connection, name, csr, false)
                        }
                        Mode::New => enroll_new_connections(base, port, name, csr),
                        Mode::PerAgent => enroll_new_connection(base, port, name, csr),
                    };
                    match ok {
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
        elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
        errors: errors.into_inner(),
        done: latencies.len(),
        cut_short: cut_short.into_inner() && next.into_inner() < csrs.len(),
    }
}

fn paths(name: &str) -> (String, String) {
    (
        format!("/puppet-ca/v1/certificate_request/{name}?environment=production"),
        format!("/puppet-ca/v1/certificate/{name}?environment=production"),
    )
}

fn enroll_keepalive(
    base: &Arc<ClientConfig>,
    port: u16,
    connection: &mut Option<Tls>,
    name: &str,
    csr: &str,
    fetch: bool,
) -> Result<(), String> {
    let (put, get) = paths(name);
    if connection.is_none() {
        *connection = Some(connect(base.clone(), port)?);
    }
    let stream = connection.as_mut().expect("connected");
    let (code, body) = exchange(stream, "PUT", &put, Some(csr), true)?;
    if code != 200 {
        return Err(format!("PUT: {code} {body}"));
    }
    if !fetch {
        return Ok(());
    }
    let (code, body) = exchange(stream, "GET", &get, None, true)?;
    check_certificate(code, &body)
}

/// `base` for a fresh agent: no TLS session of its own yet (not one other agents made).
fn fresh_agent(base: &Arc<ClientConfig>) -> Arc<ClientConfig> {
    let mut config = (**base).clone();
    config.resumption = Resumption::in_memory_sessions(4);
    Arc::new(config)
}

fn enroll_new_connections(
    base: &Arc<ClientConfig>,
    port: u16,
    name: &str,
    csr: &str,
) -> Result<(), String> {
    let (put, get) = paths(name);
    // Its second connection resumes the first's session.
    let config = fresh_agent(base);
    let (code, body) = one_shot(&config, port, "PUT", &put, Some(csr))?;
    if code != 200 {
        return Err(format!("PUT: {code} {body}"));
    }
    let (code, body) = one_shot(&config, port, "GET", &get, None)?;
    check_certificate(code, &body)
}

fn enroll_new_connection(
    base: &Arc<ClientConfig>,
    port: u16,
    name: &str,
    csr: &str,
) -> Result<(), String> {
    // No TLS session to resume: a full handshake.
    let config = fresh_agent(base);
    let mut connection = None;
    let result = enroll_keepalive(&config, port, &mut connection, name, csr, true);
    if let Some(mut stream) = connection {
        stream.conn.send_close_notify();
        let _ = stream.flush();
    }
    result
}

fn check_certificate(code: u16, body: &str) -> Result<(), String> {
    if code == 200 && body.starts_with("-----BEGIN CERTIFICATE-----") {
        Ok(())
    } else {
        Err(format!("GET certificate: {code} {body}"))
    }
}

fn connect(config: Arc<ClientConfig>, port: u16) -> Result<Tls, String> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let server = ServerName::try_from("localhost").expect("server name");
    let connection = ClientConnection::new(config, server).map_err(|e| e.to_string())?;
    Ok(StreamOwned::new(connection, tcp))
}

/// One request on a new connection, closed after the answer.
pub fn one_shot(
    config: &Arc<ClientConfig>,
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut stream = connect(config.clone(), port)?;
    let answer = exchange(&mut stream, method, path, body, false);
    stream.conn.send_close_notify();
    let _ = stream.flush();
    answer
}

/// One HTTP/1.1 request and its response (Content-Length or chunked body).
fn exchange(
    stream: &mut Tls,
    method: &str,
    path: &str,
    body: Option<&str>,
    keepalive: bool,
) -> Result<(u16, String), String> {
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain\r\nConnection: {}\r\n",
        if keepalive { "keep-alive" } else { "close" }
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
    } else if !keepalive {
        let _ = reader.read_to_end(&mut content);
    }
    Ok((code, String::from_utf8_lossy(&content).into_owned()))
}

/// `pid` and its descendants, from /proc.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut all = Vec::new();
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        all.push(pid);
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                    stack.extend(
                        children
                            .split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
    }
    all
}

/// Sum of VmHWM over `pid` and its descendants, in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    process_tree(pid)
        .into_iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU times of a process from /proc/PID/stat, in ticks: (utime + stime of all its threads,
/// live and exited; cutime + cstime of its waited-for children).
pub fn process_ticks(pid: &str) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let get = |index: usize| fields.get(index).copied().unwrap_or(0);
    (get(11) + get(12), get(13) + get(14))
}

/// CPU time of `pid`'s process tree (each process's own threads; children that were waited
/// for count in their parent's cutime), in ticks.
pub fn tree_ticks(pid: u32) -> u64 {
    process_tree(pid)
        .into_iter()
        .map(|p| {
            let (own, children) = process_ticks(&p.to_string());
            own + children
        })
        .sum()
}

/// Busy and total ticks of the whole machine (/proc/stat's first line; idle and iowait are
/// not busy).
pub fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// The 1-minute load average.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
