//! Scale benchmark for the CA core: a CA directory with 100,000 signed and 10,000 revoked
//! certificates, then `cert --list --all` and single `cert --revoke` runs timed through the real
//! release binary (what an operator types).
//!
//!     cargo bench --bench scale
//!
//! Environment: `CERT_BENCH_SIGNED` (default 100000), `CERT_BENCH_REVOKED` (10000),
//! `CERT_BENCH_RUNS` (5), `CERT_BENCH_CA_KEY` (`ec` default, or `rsa` for an RSA-4096 CA; the
//! CA key only changes the cost of the one CRL signature per revoke, and an RSA CA makes the
//! 100,000-certificate setup take minutes), `CERT_BENCH_DIR` (keep the CA there).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cert::authority::Policy;
use cert::ca::{Ca, Config, SignOptions};
use cert::certname::Certname;
use cert::crl::Reason;
use cert::csr::Csr;
use cert::keys::{KeySpec, PrivateKey};
use cert::store::Read;

fn main() {
    let signed: usize = env_number("CERT_BENCH_SIGNED", 100_000);
    let revoked: usize = env_number("CERT_BENCH_REVOKED", 10_000).min(signed);
    let runs: usize = env_number("CERT_BENCH_RUNS", 5);
    let ca_key = match std::env::var("CERT_BENCH_CA_KEY").as_deref() {
        Ok("rsa") => KeySpec::Rsa { bits: 4096 },
        _ => KeySpec::EcP256,
    };
    let keep = std::env::var_os("CERT_BENCH_DIR");
    let temp = tempfile::tempdir().expect("temp dir");
    let root = keep
        .as_ref()
        .map(Path::new)
        .unwrap_or(temp.path())
        .to_path_buf();
    let config = Config {
        cadir: root.join("ca"),
        store: cert::store::Location::Files(root.join("ca")),
        ssldir: root.join("ssl"),
        certname: "bench-ca".into(),
        dns_alt_names: Vec::new(),
        ttl: cert::authority::DEFAULT_TTL,
        crl: cert::crl::Lifetime::default(),
        policy: Policy::default(),
        allow_duplicate_certs: false,
        key: ca_key,
        server_key: None,
        ca_name: None,
        root_ca_name: None,
        infra_crl: false,
        autosign: cert::autosign::Autosign::Disabled,
        autosign_options: cert::autosign::ProgramLimits::default(),
        autosign_tokens: true,
        renewal: Default::default(),
        admins: Vec::new(),
    };
    let started = Instant::now();
    let (ca, _) = Ca::open_or_create(config, time::OffsetDateTime::now_utc()).expect("create CA");
    let existing = ca.store().signed_names().expect("list").len();
    if existing < signed {
        populate(&ca, existing, signed, revoked);
    }
    println!(
        "setup: {signed} signed, {revoked} revoked ({:?} CA key) in {:.1}s",
        ca_key,
        started.elapsed().as_secs_f64()
    );

    let binary = env!("CARGO_BIN_EXE_cert");
    let base = |args: &[&str]| {
        let mut command = Command::new(binary);
        command
            .arg("--cadir")
            .arg(root.join("ca"))
            .arg("--ssldir")
            .arg(root.join("ssl"))
            .arg("--config")
            .arg(root.join("puppet.conf"))
            .args(args);
        command
    };
    std::fs::write(root.join("puppet.conf"), "[main]\ncertname = bench-ca\n").expect("puppet.conf");

    let mut list = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let output = base(&["--list", "--all", "--format", "puppet"])
            .output()
            .expect("run cert");
        list.push(start.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            output.stdout.iter().filter(|b| **b == b'\n').count(),
            signed
        );
    }
    report("cert --list --all", &list);

    // Names still signed (a kept CA directory has names revoked by earlier runs, and revoking
    // those again writes no CRL, which would time nothing).
    let targets: Vec<Certname> = (revoked..signed)
        .rev()
        .map(name)
        .filter(|n| {
            ca.status(n)
                .is_ok_and(|e| e.state == cert::ca::State::Signed)
        })
        .take(runs)
        .collect();
    assert_eq!(
        targets.len(),
        runs,
        "not enough unrevoked certificates left"
    );
    let mut revoke = Vec::new();
    for target in &targets {
        let name = target.to_string();
        let start = Instant::now();
        let output = base(&["--revoke", &name]).output().expect("run cert");
        revoke.push(start.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    report("cert --revoke NAME", &revoke);
}

fn populate(ca: &Ca, from: usize, to: usize, revoked: usize) {
    let key = PrivateKey::generate(KeySpec::EcP256).expect("key");
    // The files store's layout, written directly for speed (setup only).
    let requests = ca.config().cadir.join("requests");
    let batch = 5_000;
    let mut start = from;
    while start < to {
        let end = (start + batch).min(to);
        let names: Vec<Certname> = (start..end).map(name).collect();
        for certname in &names {
            let csr = Csr::generate(certname, &key, &[], &[]).expect("csr");
            // Setup only: requests written directly, without the per-request fsync of `submit`.
            std::fs::write(requests.join(certname.file_name()), csr.to_pem()).expect("request");
        }
        for (certname, result) in ca.sign(
            &names,
            SignOptions::default(),
            time::OffsetDateTime::now_utc(),
        ) {
            result.unwrap_or_else(|e| panic!("sign {certname}: {e}"));
        }
        start = end;
    }
    let names: Vec<Certname> = (0..revoked).map(name).collect();
    ca.revoke(
        &names,
        Reason::KeyCompromise,
        time::OffsetDateTime::now_utc(),
    )
    .expect("revoke");
}

fn name(index: usize) -> Certname {
    Certname::parse(&format!("node{index:06}.bench.example")).expect("name")
}

fn report(what: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    println!(
        "{what}: median {:.3}s, min {:.3}s, max {:.3}s over {} runs",
        median.as_secs_f64(),
        sorted[0].as_secs_f64(),
        sorted[sorted.len() - 1].as_secs_f64(),
        sorted.len()
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
