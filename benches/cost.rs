//! What an enrolment costs `cert serve` against what its one signature costs (issue 14), and
//! what `sign --all` costs against its signatures, in one run on this machine:
//!
//! - the CA key's signature: signatures/s with every core signing (as the daemon signs), and
//!   the CPU per signature (this process's utime + stime, /proc); the same for the server's
//!   own TLS key (the handshake signature of a new connection, through rustls); printed once
//!   at the start, and measured again right before and right after each row below, whose
//!   ratio is against the mean of those two (the CPU of one signature drifts by a third
//!   within minutes on a shared host, and a figure taken minutes earlier made ratios move
//!   with it); and the CPU of the server's own CA signatures during each row, from its
//!   metrics (`cert_ca_signature_cpu_seconds_total`), with the ratio to that ("ratio to it"):
//!   both sides measured at the same time in the same process;
//! - `cert serve`'s CPU per enrolment (utime + stime of the server's process tree, all
//!   threads, from /proc/PID/stat, not wall time) over N fresh agents (`PUT
//!   certificate_request` + `GET certificate`, autosign on), on keep-alive connections, on a
//!   new connection per agent (both requests on it: a Puppet agent's HTTP pool keeps its
//!   connection for the requests of a run) and on a new connection per request (the GET
//!   resuming the PUT's TLS session), and its ratio to one CA signature (new connections: to
//!   one CA signature plus one server handshake signature); certs/s and p50/p99 at 8 and at
//!   64 clients;
//! - `cert sign --all` and `cert --sign --all` of M pending requests: wall time against the
//!   time M signatures take on all cores, and their CPU;
//!
//! for each CA key (RSA-4096 and EC P-256 by default) and each server key (the CA's own type,
//! and EC P-256 through the `server_key_type` setting, for an RSA CA).
//!
//!     cargo bench --bench cost
//!     cargo bench --bench cost -- --repeat 3 --count 1000 --ca-keys rsa,ec --server-keys ca,ec
//!     cargo bench --bench cost -- --store 'postgresql://bench@localhost/bench_{ca}' \
//!         --store-reset 'dropdb --if-exists bench_{ca} && createdb bench_{ca}'
//!
//! `--store URL` is passed as `--store URL` to every `cert` command (`{ca}` in it becomes a
//! name unique to each CA the run sets up, such as `rsa_ca_1`); the store must be empty, which
//! `--store-reset CMD` (a shell command, `{ca}` replaced too) can see to before each CA is set
//! up. Without `--store`, each CA is Puppet's files in a temporary CA directory.
//!
//! `--profile CMD` runs a profiler for the timed enrolment phases (a shell command; `{pid}` is
//! the server's process id, `{ca}` as above; SIGINT ends it), such as
//! `--profile 'perf record -e cpu-clock -g -p {pid} -o /tmp/{ca}.perf'`.
//!
//! `--cert BINARY` measures another build of `cert` (an older one, to compare), instead of
//! this tree's.
//!
//! `--sign-wrapper CMD` runs `cert sign` under a command prefix (`{ca}` as above), such as
//! `--sign-wrapper 'perf record -e cpu-clock -g -o /tmp/{ca}-sign.perf --'`.
//!
//! Everything is on loopback; the run is bounded by the counts. The load generator runs on the
//! same cores as the server (its CPU is not the server's: each figure is one process's own).
//! What the rest of the machine used meanwhile is reported per phase ("others", in % of one
//! core and per operation), so a run on a busy machine shows as one, and so does work moved to
//! the kernel's threads (a filesystem's write-back and journal run there). Figures and their spread: docs/performance.md.

#[path = "load/mod.rs"]
mod load;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cert::keys::{KeySpec, PrivateKey};
use rcgen::SigningKey;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;

use load::Mode;

struct Args {
    count: usize,
    clients: usize,
    latency_clients: usize,
    modes: Vec<Mode>,
    ca_keys: Vec<String>,
    server_keys: Vec<String>,
    repeat: usize,
    sign_count: usize,
    warmup: usize,
    port: u16,
    signature_time: Duration,
    store: Option<String>,
    store_reset: Option<String>,
    keep: Option<PathBuf>,
    profile: Option<String>,
    sign_wrapper: Option<String>,
    binary: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args {
        count: 1000,
        clients: 8,
        latency_clients: 64,
        modes: vec![Mode::KeepAlive, Mode::PerAgent, Mode::New],
        ca_keys: vec!["rsa".into(), "ec".into()],
        server_keys: vec!["ca".into(), "ec".into()],
        repeat: 1,
        sign_count: 1000,
        warmup: 200,
        port: 28150,
        signature_time: Duration::from_secs(2),
        store: None,
        store_reset: None,
        keep: None,
        profile: None,
        sign_wrapper: None,
        binary: None,
    };
    let list = |value: String| -> Vec<String> { value.split(',').map(str::to_owned).collect() };
    let mut all = std::env::args().skip(1);
    while let Some(arg) = all.next() {
        let mut value = || all.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => args.count = value().parse().expect("--count"),
            "--clients" => args.clients = value().parse().expect("--clients"),
            "--latency-clients" => {
                args.latency_clients = value().parse().expect("--latency-clients")
            }
            "--modes" => args.modes = list(value()).iter().map(|m| Mode::parse(m)).collect(),
            "--ca-keys" => args.ca_keys = list(value()),
            "--server-keys" => args.server_keys = list(value()),
            "--repeat" => args.repeat = value().parse().expect("--repeat"),
            "--sign-count" => args.sign_count = value().parse().expect("--sign-count"),
            "--warmup" => args.warmup = value().parse().expect("--warmup"),
            "--port" => args.port = value().parse().expect("--port"),
            "--signature-seconds" => {
                args.signature_time =
                    Duration::from_secs_f64(value().parse().expect("--signature-seconds"))
            }
            "--store" => args.store = Some(value()),
            "--store-reset" => args.store_reset = Some(value()),
            "--keep" => args.keep = Some(PathBuf::from(value())),
            "--profile" => args.profile = Some(value()),
            "--sign-wrapper" => args.sign_wrapper = Some(value()),
            "--cert" => args.binary = Some(PathBuf::from(value())),
            // cargo bench appends `--bench`.
            "--bench" => {}
            other => panic!("unknown argument {other:?}"),
        }
    }
    for key in &args.ca_keys {
        assert!(matches!(key.as_str(), "rsa" | "ec"), "--ca-keys: rsa or ec");
    }
    for key in &args.server_keys {
        assert!(
            matches!(key.as_str(), "ca" | "ec"),
            "--server-keys: ca or ec"
        );
    }
    args
}

/// One row of a result table: one kind of operation and what it cost.
#[derive(Clone)]
struct Row {
    /// What was measured, e.g. `RSA-4096 CA, RSA-4096 server key: keep-alive, 8 clients`.
    what: String,
    /// CPU per operation, ms (the server's per enrolment; `sign`'s per certificate).
    cpu_ms: f64,
    /// What it is compared with, ms: the CA signature's CPU (enrolments) or the wall time of
    /// the signatures on all cores (`sign --all`).
    baseline_ms: f64,
    /// `cpu_ms / baseline_ms`, or wall / signatures' wall for `sign --all`.
    ratio: f64,
    /// Operations per second.
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// The rest of the machine's CPU meanwhile, in % of one core.
    others: f64,
    /// The same per operation, ms: the kernel's threads (a filesystem's write-back and
    /// journal among them) and anything else running.
    others_ms: f64,
    errors: usize,
    /// A `sign --all` row: `p50_ms` and `p99_ms` hold its wall time.
    sign: bool,
    /// Requests per signer batch, on average (enrolment rows).
    batch: f64,
    /// The CPU of one of the server's own CA signatures meanwhile, ms (its metrics; enrolment
    /// rows; on new connections plus the handshake signature as measured for `baseline_ms`):
    /// `cpu_ms` against it is the ratio with both measured at the same time, in the same
    /// process.
    own_signature_ms: f64,
}

fn main() {
    let args = parse_args();
    let binary = args
        .binary
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cert")));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ticks = load::clock_ticks();
    // Not /tmp: on a filesystem that avoids reusing freed inodes (ext4 without a journal),
    // what other programs remove there makes every file the CA creates dearer. On ext4 the
    // parent is marked a top directory (chattr +T), so that each run's directory is placed
    // like a top-level one, away from where the previous run's files were removed.
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cost");
    std::fs::create_dir_all(&parent).expect("bench directory");
    let _ = Command::new("chattr")
        .arg("+T")
        .arg(&parent)
        .stderr(std::process::Stdio::null())
        .status();
    let temp = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&parent)
        .expect("temp dir");
    let root = args
        .keep
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    println!(
        "== {}\n== machine: {cores} cores, {}; load average {} at start",
        binary.display(),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c.lines().find_map(|l| l
                .strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())))
            .unwrap_or_default(),
        load::load_average()
    );
    let mut all_rows: Vec<Vec<Row>> = Vec::new();
    for run in 1..=args.repeat {
        let mut rows = Vec::new();
        let mut signing = Vec::new();
        for ca_key in &args.ca_keys {
            for (index, server_key) in args.server_keys.iter().enumerate() {
                if server_key == "ec" && ca_key == "ec" {
                    // The CA's own type is EC already.
                    continue;
                }
                let bench = Bench {
                    args: &args,
                    binary: &binary,
                    ticks,
                    cores,
                    directory: root.join(format!("{ca_key}-{server_key}-{run}")),
                    tag: format!("{ca_key}_{server_key}_{run}"),
                    ca_key,
                    server_key,
                };
                // Keep-alive and `sign --all` do not depend on the server's key: measured
                // with the first server key only.
                let enrolled = bench.enrolments(index == 0);
                rows.extend(enrolled);
                if index == 0 {
                    signing.push(bench);
                }
            }
        }
        // Signing queued requests removes them: on a filesystem that avoids reusing freed
        // inodes (ext4 without a journal), thousands of removals make the next file creations
        // dearer for minutes, so they come after every enrolment phase.
        for bench in &signing {
            rows.extend(bench.signing());
        }
        println!(
            "\n== run {run} of {}: load average {}",
            args.repeat,
            load::load_average()
        );
        print_rows(&rows);
        all_rows.push(rows);
    }
    if args.repeat > 1 {
        println!("\n== spread over {} runs: min / median / max", args.repeat);
        println!(
            "| what | CPU ms/op | ratio | ratio to the server's own signatures | ops/s | p99 or wall ms | others CPU ms/op |"
        );
        println!("|---|---|---|---|---|---|---|");
        for (index, row) in all_rows[0].iter().enumerate() {
            let column = |f: &dyn Fn(&Row) -> f64| {
                let mut values: Vec<f64> = all_rows
                    .iter()
                    .filter_map(|rows| rows.get(index))
                    .map(f)
                    .collect();
                values.sort_by(f64::total_cmp);
                format!(
                    "{:.2} / {:.2} / {:.2}",
                    values[0],
                    values[values.len() / 2],
                    values[values.len() - 1]
                )
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.what,
                column(&|r| r.cpu_ms),
                column(&|r| r.ratio),
                column(&|r| r.own_ratio()),
                column(&|r| r.rate),
                column(&|r| r.p99_ms),
                column(&|r| r.others_ms),
            );
        }
    }
}

impl Row {
    /// `cpu_ms` against the server's own signatures (0 for `sign --all` rows).
    fn own_ratio(&self) -> f64 {
        if self.own_signature_ms > 0.0 {
            self.cpu_ms / self.own_signature_ms
        } else {
            0.0
        }
    }
}

fn print_rows(rows: &[Row]) {
    println!(
        "| enrolments | server CPU ms/cert | signature CPU ms | ratio | server's own signature CPU ms | ratio to it | certs/s | p50 ms | p99 ms | batch | others % | others ms/cert | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows.iter().filter(|r| !r.sign) {
        println!(
            "| {} | {:.3} | {:.3} | {:.2} | {:.3} | {:.2} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} | {:.3} | {} |",
            row.what,
            row.cpu_ms,
            row.baseline_ms,
            row.ratio,
            row.own_signature_ms,
            row.own_ratio(),
            row.rate,
            row.p50_ms,
            row.p99_ms,
            row.batch,
            row.others,
            row.others_ms,
            row.errors
        );
    }
    println!();
    println!(
        "| signing pending requests | wall ms | signatures on all cores, ms | ratio | CPU ms/cert | others % | others ms/cert | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows.iter().filter(|r| r.sign) {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.3} | {:.0} | {:.3} | {} |",
            row.what,
            row.p50_ms,
            row.baseline_ms,
            row.ratio,
            row.cpu_ms,
            row.others,
            row.others_ms,
            row.errors
        );
    }
}

/// One CA set up and measured.
struct Bench<'a> {
    args: &'a Args,
    binary: &'a Path,
    ticks: f64,
    cores: usize,
    directory: PathBuf,
    /// Unique to this CA: what `{ca}` becomes in `--store`.
    tag: String,
    ca_key: &'a str,
    server_key: &'a str,
}

/// A signature's cost: signatures/s with every core signing, and CPU ms per signature.
#[derive(Clone, Copy)]
struct Signature {
    rate: f64,
    cpu_ms: f64,
}

impl Bench<'_> {
    fn describe_key(key: &str) -> &'static str {
        match key {
            "rsa" => "RSA-4096",
            _ => "EC P-256",
        }
    }

    fn server_key_name(&self) -> &'static str {
        match self.server_key {
            "ec" => "EC P-256",
            _ => Self::describe_key(self.ca_key),
        }
    }

    fn store(&self) -> Option<String> {
        self.args
            .store
            .as_ref()
            .map(|url| url.replace("{ca}", &self.tag))
    }

    /// `cert` with this CA's puppet.conf, directories and store.
    fn cert(&self) -> Command {
        let mut command = Command::new(self.binary);
        command
            .arg("--config")
            .arg(self.directory.join("puppet.conf"))
            .arg("--cadir")
            .arg(self.directory.join("ca"))
            .arg("--ssldir")
            .arg(self.directory.join("ssl"));
        if let Some(store) = self.store() {
            command.arg("--store").arg(store);
        }
        command
    }

    fn write_conf(&self, autosign: bool) {
        let mut conf = format!(
            "[main]\ncertname = ca.bench\ndns_alt_names = localhost,127.0.0.1\nautosign = {autosign}\n"
        );
        if self.server_key == "ec" {
            conf.push_str("server_key_type = ec\n");
        }
        std::fs::write(self.directory.join("puppet.conf"), conf).expect("puppet.conf");
    }

    /// Set the CA up, measure its signatures and the enrolment phases (keep-alive ones only
    /// when `full`); the rows.
    fn enrolments(&self, full: bool) -> Vec<Row> {
        std::fs::create_dir_all(&self.directory).expect("work directory");
        if let Some(reset) = &self.args.store_reset {
            let status = Command::new("sh")
                .arg("-c")
                .arg(reset.replace("{ca}", &self.tag))
                .status()
                .expect("run --store-reset");
            assert!(status.success(), "--store-reset failed: {status}");
        }
        self.write_conf(true);
        let key_flags: &[&str] = match self.ca_key {
            "rsa" => &["--key-type", "rsa", "--keylength", "4096"],
            _ => &["--key-type", "ec"],
        };
        let output = self
            .cert()
            .arg("setup")
            .args(key_flags)
            .args(["--subject-alt-names", "localhost,127.0.0.1"])
            .output()
            .expect("cert setup");
        assert!(
            output.status.success(),
            "cert setup: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let label = format!(
            "{} CA, {} server key",
            Self::describe_key(self.ca_key),
            self.server_key_name()
        );
        println!("\n== {label}: {}", self.directory.display());

        let ca_key = read_key(&self.directory.join("ca/ca_key.pem"));
        let ca_sign = |message: &[u8]| {
            ca_key.signing_key().sign(message).expect("sign");
        };
        // Printed for the record; each row measures its own again (`baseline_now`).
        self.signature("CA key", ca_sign);
        let host_key_pem = std::fs::read(self.directory.join("ssl/private_keys/ca.bench.pem"))
            .expect("the host key");
        let host_key = PrivateKeyDer::from_pem_slice(&host_key_pem).expect("host key PEM");
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let signing = provider
            .key_provider
            .load_private_key(host_key)
            .expect("host key");
        let schemes = [
            rustls::SignatureScheme::RSA_PSS_SHA256,
            rustls::SignatureScheme::ECDSA_NISTP256_SHA256,
        ];
        let handshake_sign = |message: &[u8]| {
            let signer = signing.choose_scheme(&schemes).expect("a scheme");
            signer.sign(message).expect("sign");
        };
        self.signature("server key (TLS handshake)", handshake_sign);
        // What a row is compared with: the signatures it needs, measured right before and
        // right after it and averaged, so that the machine's drift (on a shared host the CPU
        // of one signature moves by a third within minutes) weighs on both sides alike.
        // (CA signature, handshake signature: 0 on keep-alive connections), ms.
        let baseline_now = |mode: Mode| {
            let time = self.args.signature_time / 2;
            let ca = self.measure(ca_sign, time).cpu_ms;
            match mode {
                Mode::New | Mode::PerAgent => (ca, self.measure(handshake_sign, time).cpu_ms),
                _ => (ca, 0.0),
            }
        };

        self.file_probe();
        let mut rows = Vec::new();
        let config = load::client_config(&self.directory.join("ca/ca_crt.pem").to_string_lossy());
        let mut server = self.start_server(&config);
        let pid = server.id();
        let run = std::process::id();
        if self.args.warmup > 0 {
            let csrs = load::make_csrs(
                &format!("w{}r{run}", self.tag),
                self.args.warmup,
                KeySpec::EcP256,
            );
            load::drive(
                &config,
                &[self.args.port],
                &csrs,
                self.args.clients,
                Mode::KeepAlive,
            );
        }
        // A profiler attached to the server for the timed phases (SIGINT ends it).
        let profiler = self.args.profile.as_ref().map(|command| {
            let child = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "exec {}",
                    command
                        .replace("{pid}", &pid.to_string())
                        .replace("{ca}", &self.tag)
                ))
                .spawn()
                .expect("start --profile");
            std::thread::sleep(Duration::from_millis(500));
            child
        });
        for &mode in &self.args.modes {
            if mode == Mode::KeepAlive && !full {
                continue;
            }
            for (phase, clients) in [self.args.clients, self.args.latency_clients]
                .into_iter()
                .enumerate()
            {
                let prefix = format!("{}{}{phase}c{clients}r{run}", self.tag, mode.tag());
                let csrs = load::make_csrs(&prefix, self.args.count, KeySpec::EcP256);
                let baseline_before = baseline_now(mode);
                let (batches, signatures) = batch_totals(self.args.port + 1);
                let before = Usage::now(pid);
                let result = load::drive(&config, &[self.args.port], &csrs, clients, mode);
                let used = Usage::now(pid).since(&before, self.ticks);
                let (batches_after, signatures_after) = batch_totals(self.args.port + 1);
                let batch = (batches_after.0 - batches.0) / (batches_after.1 - batches.1).max(1.0);
                let cpu_ms = used.server * 1000.0 / result.done.max(1) as f64;
                let baseline_after = baseline_now(mode);
                let handshake = (baseline_before.1 + baseline_after.1) / 2.0;
                let baseline = (baseline_before.0 + baseline_after.0) / 2.0 + handshake;
                // The server's own signatures meanwhile: the CPU of one, ms (plus, on new
                // connections, the handshake signature measured beside the row).
                let own_signature_ms = (signatures_after.1 - signatures.1) * 1000.0
                    / (signatures_after.0 - signatures.0).max(1.0)
                    + handshake;
                rows.push(Row {
                    what: format!("{label}: {}, {clients} clients", mode.describe()),
                    cpu_ms,
                    baseline_ms: baseline,
                    ratio: cpu_ms / baseline,
                    own_signature_ms,
                    rate: result.rate,
                    p50_ms: result.p50.as_secs_f64() * 1000.0,
                    p99_ms: result.p99.as_secs_f64() * 1000.0,
                    others: used.others_percent(),
                    others_ms: used.others * 1000.0 / result.done.max(1) as f64,
                    errors: result.errors,
                    sign: false,
                    batch,
                });
            }
        }
        if let Some(mut profiler) = profiler {
            let _ = Command::new("kill")
                .args(["-INT", &profiler.id().to_string()])
                .status();
            let _ = profiler.wait();
        }
        load::stop(&mut server);
        rows
    }

    /// `sign --all` in both dialects, each against the signatures measured right before and
    /// right after it.
    fn signing(&self) -> Vec<Row> {
        if self.args.sign_count == 0 {
            return Vec::new();
        }
        let label = format!(
            "{} CA, {} server key",
            Self::describe_key(self.ca_key),
            self.server_key_name()
        );
        let config = load::client_config(&self.directory.join("ca/ca_crt.pem").to_string_lossy());
        let ca_key = read_key(&self.directory.join("ca/ca_key.pem"));
        // M signatures on all cores take M / rate.
        let signatures_ms = || {
            let sign = |message: &[u8]| {
                ca_key.signing_key().sign(message).expect("sign");
            };
            let rate = self.measure(sign, self.args.signature_time / 2).rate;
            self.args.sign_count as f64 * 1000.0 / rate
        };
        [&["sign", "--all"][..], &["--sign", "--all"][..]]
            .into_iter()
            .map(|dialect| self.sign_all(&label, dialect, &signatures_ms, &config))
            .collect()
    }

    /// What creating a file costs here (each certificate is one): 200 files made beside the
    /// CA directory, as the store makes them (exclusive create, write, fsync), kept until the
    /// end so the probe frees no inode.
    fn file_probe(&self) {
        let directory = self.directory.join("probe");
        std::fs::create_dir_all(&directory).expect("probe directory");
        let count = 200;
        let (mut creating, mut syncing) = (0, 0);
        for index in 0..count {
            let before = thread_cpu_ns();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(directory.join(format!(".{index}.pem.tmp")))
                .expect("probe file");
            std::io::Write::write_all(&mut file, &[b'x'; 1800]).expect("write");
            let written = thread_cpu_ns();
            file.sync_all().expect("fsync");
            let synced = thread_cpu_ns();
            creating += written - before;
            syncing += synced - written;
        }
        let per_file = |nanos: u64| nanos as f64 / 1e6 / count as f64;
        println!(
            "   a new file beside the CA: {:.3} ms CPU to create and write, {:.3} ms to fsync",
            per_file(creating),
            per_file(syncing)
        );
    }

    /// Sign on every core for `signature_time`: the rate and the CPU per signature, printed.
    fn signature(&self, what: &str, sign: impl Fn(&[u8]) + Sync) -> Signature {
        let signature = self.measure(sign, self.args.signature_time);
        println!(
            "   {what}: {:.0} signatures/s on {} cores, {:.3} ms CPU per signature",
            signature.rate, self.cores, signature.cpu_ms
        );
        signature
    }

    /// Sign on every core for `time`: the rate and the CPU per signature.
    fn measure(&self, sign: impl Fn(&[u8]) + Sync, time: Duration) -> Signature {
        // About what a certificate's to-be-signed part weighs.
        let message = vec![0x5a_u8; 900];
        let count = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let before = load::process_ticks("self").0;
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..self.cores {
                scope.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        sign(&message);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            std::thread::sleep(time);
            stop.store(true, Ordering::Relaxed);
        });
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = (load::process_ticks("self").0 - before) as f64 / self.ticks;
        let count = count.into_inner() as f64;
        Signature {
            rate: count / elapsed,
            cpu_ms: cpu * 1000.0 / count,
        }
    }

    fn start_server(&self, config: &std::sync::Arc<rustls::ClientConfig>) -> std::process::Child {
        let mut command: Vec<String> = vec![self.binary.to_string_lossy().into_owned()];
        let probe = self.cert();
        command.extend(probe.get_args().map(|a| a.to_string_lossy().into_owned()));
        command.extend([
            "serve".to_owned(),
            "--bind".to_owned(),
            format!("127.0.0.1:{}", self.args.port),
            "--metrics-bind".to_owned(),
            format!("127.0.0.1:{}", self.args.port + 1),
        ]);
        let started = Instant::now();
        let mut child = load::spawn(&command);
        load::wait_ready(
            &mut child,
            config,
            self.args.port,
            started,
            Duration::from_secs(60),
        );
        child
    }

    /// Queue `sign_count` requests through the daemon (autosign off), then time `cert` signing
    /// them all (`dialect`: `sign --all` or `--sign --all`).
    fn sign_all(
        &self,
        label: &str,
        dialect: &[&str],
        signatures_ms: &dyn Fn() -> f64,
        config: &std::sync::Arc<rustls::ClientConfig>,
    ) -> Row {
        self.write_conf(false);
        let mut server = self.start_server(config);
        let prefix = format!("{}s{}{}", self.tag, dialect[0].len(), std::process::id());
        let csrs = load::make_csrs(&prefix, self.args.sign_count, KeySpec::EcP256);
        let queued = load::drive(
            config,
            &[self.args.port],
            &csrs,
            self.args.clients,
            Mode::SubmitOnly,
        );
        load::stop(&mut server);
        assert_eq!(queued.errors, 0, "queueing the requests failed");
        let signatures_before = signatures_ms();
        let before = Usage::now(std::process::id());
        let started = Instant::now();
        let mut command = self.cert();
        command.args(dialect).arg("--yes");
        if let Some(wrapper) = &self.args.sign_wrapper {
            let wrapper = wrapper.replace("{ca}", &self.tag);
            let mut wrapped = Command::new("sh");
            wrapped
                .arg("-c")
                .arg(format!("exec {wrapper} \"$@\""))
                .arg("sh");
            wrapped.arg(command.get_program()).args(command.get_args());
            command = wrapped;
        }
        let output = command.output().expect("cert sign");
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let used = Usage::now(std::process::id()).since(&before, self.ticks);
        let signatures_ms = (signatures_before + signatures_ms()) / 2.0;
        let signed = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.starts_with("Successfully signed"))
            .count();
        self.write_conf(true);
        Row {
            what: format!(
                "{label}: `cert {}` of {} (wall ms vs {} signatures on all cores)",
                dialect.join(" "),
                self.args.sign_count,
                self.args.sign_count
            ),
            cpu_ms: used.children * 1000.0 / signed.max(1) as f64,
            baseline_ms: signatures_ms,
            ratio: wall / signatures_ms,
            rate: signed as f64 * 1000.0 / wall,
            p50_ms: wall,
            p99_ms: wall,
            others: used.others_percent(),
            others_ms: used.others * 1000.0 / signed.max(1) as f64,
            errors: self.args.sign_count - signed,
            sign: true,
            batch: signed as f64,
            own_signature_ms: 0.0,
        }
    }
}

/// CPU time of the calling thread so far, in ns (/proc/thread-self/schedstat).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// From `cert serve --metrics-bind`: the signer's batch size histogram (sum, count) and the
/// CA key's signatures (count, CPU seconds).
fn batch_totals(port: u16) -> ((f64, f64), (f64, f64)) {
    use std::io::{Read, Write};
    let mut text = String::new();
    if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        let _ = stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let _ = stream.read_to_string(&mut text);
    }
    let value = |name: &str| {
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    (
        (
            value("cert_signing_batch_size_sum"),
            value("cert_signing_batch_size_count"),
        ),
        (
            value("cert_ca_signatures_total"),
            value("cert_ca_signature_cpu_seconds_total"),
        ),
    )
}

fn read_key(path: &Path) -> PrivateKey {
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    PrivateKey::from_pem(&path.display().to_string(), &pem).expect("the key")
}

/// CPU counters at one instant: the server's process tree, this process (own and waited-for
/// children), the whole machine.
struct Usage {
    at: Instant,
    server: u64,
    own: u64,
    children: u64,
    machine: (u64, u64),
    pid: u32,
}

/// CPU used between two [`Usage`]s, in seconds.
struct Used {
    server: f64,
    children: f64,
    /// What neither the server, nor this process, nor its children used.
    others: f64,
    elapsed: f64,
}

impl Usage {
    fn now(pid: u32) -> Usage {
        let (own, children) = load::process_ticks("self");
        Usage {
            at: Instant::now(),
            server: if pid == std::process::id() {
                0
            } else {
                load::tree_ticks(pid)
            },
            own,
            children,
            machine: load::machine_ticks(),
            pid,
        }
    }

    fn since(&self, before: &Usage, ticks: f64) -> Used {
        let server = self.server.saturating_sub(before.server) as f64 / ticks;
        let own = self.own.saturating_sub(before.own) as f64 / ticks;
        let children = self.children.saturating_sub(before.children) as f64 / ticks;
        let machine = self.machine.0.saturating_sub(before.machine.0) as f64 / ticks;
        debug_assert_eq!(self.pid, before.pid);
        Used {
            server,
            children,
            others: (machine - server - own - children).max(0.0),
            elapsed: (self.at - before.at).as_secs_f64(),
        }
    }
}

impl Used {
    fn others_percent(&self) -> f64 {
        self.others * 100.0 / self.elapsed.max(1e-9)
    }
}
