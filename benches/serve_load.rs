//! Load generator for a Puppet CA over HTTPS (`cert serve` or puppetserver): a fleet of fresh
//! agents, each `PUT certificate_request/NAME` then `GET certificate/NAME`, from C concurrent
//! clients, over keep-alive connections (one per client) or a new connection per request (each
//! agent resumes its own TLS session for the GET, as a real agent's HTTP client would).
//!
//! It starts the server itself (the command after `--`), measures the time from exec to the
//! first `/status/v1/simple` answer, warms up, runs every (mode, clients) phase with its own
//! pre-made CSRs (a fresh key each, made before timing), reports certs/s and p50/p99 latency
//! of the whole enrolment, then the peak RSS (VmHWM, summed over the server's process tree)
//! and stops the server's process group.
//!
//!     cargo bench --bench serve_load -- --label cert --port 18140 --cacert CA.pem \
//!         --count 1000 --clients 8,64 --modes keepalive,new -- target/release/cert serve ...
//!
//! benches/serve.sh sets up the CA and runs it against `cert serve` and puppetserver.

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

type Tls = StreamOwned<ClientConnection, TcpStream>;

struct Args {
    label: String,
    port: u16,
    cacert: String,
    count: usize,
    warmup: usize,
    clients: Vec<usize>,
    modes: Vec<String>,
    key: String,
    ready_timeout: Duration,
    server: Vec<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        label: "server".into(),
        port: 18140,
        cacert: String::new(),
        count: 1000,
        warmup: 200,
        clients: vec![8, 64],
        modes: vec!["keepalive".into(), "new".into()],
        key: "ec".into(),
        ready_timeout: Duration::from_secs(180),
        server: Vec::new(),
    };
    let mut all = std::env::args().skip(1);
    while let Some(arg) = all.next() {
        let mut value = || all.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--label" => args.label = value(),
            "--port" => args.port = value().parse().expect("--port"),
            "--cacert" => args.cacert = value(),
            "--count" => args.count = value().parse().expect("--count"),
            "--warmup" => args.warmup = value().parse().expect("--warmup"),
            "--clients" => {
                args.clients = value()
                    .split(',')
                    .map(|c| c.parse().expect("--clients"))
                    .collect()
            }
            "--modes" => args.modes = value().split(',').map(str::to_owned).collect(),
            "--key" => args.key = value(),
            "--ready-timeout" => {
                args.ready_timeout = Duration::from_secs(value().parse().expect("--ready-timeout"))
            }
            "--bench" => {}
            "--" => {
                // cargo bench appends `--bench`; it is not the server's.
                args.server = all.by_ref().filter(|a| a != "--bench").collect();
                break;
            }
            other => panic!("unknown argument {other:?}"),
        }
    }
    assert!(!args.cacert.is_empty(), "--cacert is required");
    assert!(!args.server.is_empty(), "give the server command after --");
    args
}

fn main() {
    let args = parse_args();
    let ca_pem = std::fs::read(&args.cacert).expect("read --cacert");
    let mut roots = RootCertStore::empty();
    for block in pem::parse_many(&ca_pem).expect("CA PEM") {
        roots
            .add(CertificateDer::from(block.contents().to_vec()))
            .expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let base = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let base = Arc::new(base);

    // Seed the client's random generator first (aws-lc's first use costs ~50 ms of CPU
    // jitter sampling): that is the client's start-up, not the server's.
    let _ = base.crypto_provider().secure_random.fill(&mut [0u8; 32]);

    // Start the server and time it to its first answer.
    let started = Instant::now();
    let mut child = spawn(&args.server);
    let pid = child.id();
    let ready = loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited with {status} before answering");
        }
        if started.elapsed() > args.ready_timeout {
            stop(&mut child);
            panic!("the server did not answer within {:?}", args.ready_timeout);
        }
        let attempt = Instant::now();
        if let Ok((200, _)) = one_shot(&base, args.port, "GET", "/status/v1/simple", None) {
            break (started.elapsed(), attempt.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let (ready, first) = ready;
    let again = Instant::now();
    let _ = one_shot(&base, args.port, "GET", "/status/v1/simple", None);
    println!(
        "{}: exec to first served request: {:.1} ms (that request: {:.1} ms; the next one: {:.1} ms)",
        args.label,
        ready.as_secs_f64() * 1000.0,
        first.as_secs_f64() * 1000.0,
        again.elapsed().as_secs_f64() * 1000.0
    );

    let key = match args.key.as_str() {
        "rsa" => KeySpec::Rsa { bits: 2048 },
        _ => KeySpec::EcP256,
    };
    let run = std::process::id();
    if args.warmup > 0 {
        let csrs = make_csrs(&format!("warm{run}"), args.warmup, key);
        let result = drive(&base, args.port, &csrs, 8, true);
        println!(
            "{}: warm-up {} certs, {:.0} certs/s ({} errors)",
            args.label, args.warmup, result.rate, result.errors
        );
    }
    println!("| server | connections | clients | certs | certs/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    for mode in &args.modes {
        for &clients in &args.clients {
            let keepalive = mode == "keepalive";
            let prefix = format!("{}{}c{clients}r{run}", &mode[..1], args.label.len());
            let csrs = make_csrs(&prefix, args.count, key);
            let result = drive(&base, args.port, &csrs, clients, keepalive);
            println!(
                "| {} | {} | {clients} | {} | {:.0} | {:.1} | {:.1} | {} |",
                args.label,
                if keepalive {
                    "keep-alive"
                } else {
                    "new per request"
                },
                args.count,
                result.rate,
                result.p50.as_secs_f64() * 1000.0,
                result.p99.as_secs_f64() * 1000.0,
                result.errors
            );
        }
    }
    let rss = peak_rss_kib(pid);
    println!(
        "{}: peak RSS (VmHWM, process tree): {:.1} MiB",
        args.label,
        rss as f64 / 1024.0
    );
    stop(&mut child);
}

fn spawn(command: &[String]) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(&command[0])
        .args(&command[1..])
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server")
}

/// SIGTERM to the server's process group (it was started in its own), then wait.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

fn make_csrs(prefix: &str, count: usize, key: KeySpec) -> Vec<(String, String)> {
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

struct Outcome {
    rate: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

fn drive(
    base: &Arc<ClientConfig>,
    port: u16,
    csrs: &[(String, String)],
    clients: usize,
    keepalive: bool,
) -> Outcome {
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(csrs.len()));
    let errors = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let mut connection: Option<Tls> = None;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, csr)) = csrs.get(index) else {
                        break;
                    };
                    let begun = Instant::now();
                    let ok = if keepalive {
                        enroll_keepalive(base, port, &mut connection, name, csr)
                    } else {
                        enroll_new_connections(base, port, name, csr)
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
        p50: pick(0.50),
        p99: pick(0.99),
        errors: errors.into_inner(),
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
    let (code, body) = exchange(stream, "GET", &get, None, true)?;
    check_certificate(code, &body)
}

fn enroll_new_connections(
    base: &Arc<ClientConfig>,
    port: u16,
    name: &str,
    csr: &str,
) -> Result<(), String> {
    let (put, get) = paths(name);
    // A fresh agent: no TLS session yet; its second connection resumes the first's session.
    let mut config = (**base).clone();
    config.resumption = Resumption::in_memory_sessions(4);
    let config = Arc::new(config);
    let (code, body) = one_shot(&config, port, "PUT", &put, Some(csr))?;
    if code != 200 {
        return Err(format!("PUT: {code} {body}"));
    }
    let (code, body) = one_shot(&config, port, "GET", &get, None)?;
    check_certificate(code, &body)
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

fn one_shot(
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

/// Sum of VmHWM over `pid` and its descendants, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
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
    total
}
