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

#[path = "load/mod.rs"]
mod load;

use std::time::{Duration, Instant};

use cert::keys::KeySpec;

use load::Mode;

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
    let base = load::client_config(&args.cacert);

    // Start the server and time it to its first answer.
    let started = Instant::now();
    let mut child = load::spawn(&args.server);
    let pid = child.id();
    let (ready, first) =
        load::wait_ready(&mut child, &base, args.port, started, args.ready_timeout);
    let again = Instant::now();
    let _ = load::one_shot(&base, args.port, "GET", "/status/v1/simple", None);
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
        let csrs = load::make_csrs(&format!("warm{run}"), args.warmup, key);
        let result = load::drive(&base, &[args.port], &csrs, 8, Mode::KeepAlive);
        println!(
            "{}: warm-up {} certs, {:.0} certs/s ({} errors)",
            args.label, args.warmup, result.rate, result.errors
        );
    }
    // The server's CPU (utime + stime of its process tree, /proc) per enrolment.
    let ticks = load::clock_ticks();
    println!(
        "| server | connections | clients | certs | certs/s | p50 ms | p99 ms | server CPU ms/cert | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for mode in &args.modes {
        for &clients in &args.clients {
            let prefix = format!("{}{}c{clients}r{run}", &mode[..1], args.label.len());
            let csrs = load::make_csrs(&prefix, args.count, key);
            let before = load::tree_ticks(pid);
            let result = load::drive(&base, &[args.port], &csrs, clients, Mode::parse(mode));
            let cpu = (load::tree_ticks(pid) - before) as f64 / ticks;
            println!(
                "| {} | {} | {clients} | {} | {:.0} | {:.1} | {:.1} | {:.2} | {} |",
                args.label,
                Mode::parse(mode).describe(),
                args.count,
                result.rate,
                result.p50.as_secs_f64() * 1000.0,
                result.p99.as_secs_f64() * 1000.0,
                cpu * 1000.0 / result.done.max(1) as f64,
                result.errors
            );
        }
    }
    let rss = load::peak_rss_kib(pid);
    println!(
        "{}: peak RSS (VmHWM, process tree): {:.1} MiB",
        args.label,
        rss as f64 / 1024.0
    );
    load::stop(&mut child);
}
