//! The long fault schedule (issue 22): the set-up, agents, faults and checker of
//! `tests/pg_fault_schedule.rs` (`tests/common/faults`, included here by `#[path]`), for as
//! many rounds as asked, or until a time limit. Prints each round, then the checker's summary;
//! exits 1 when a rule was broken. The seed is printed first; `CERT_FAULT_SEED` replays it.
//!
//!     cargo bench --bench faults -- --rounds 200
//!     CERT_FAULT_SEED=123 cargo bench --bench faults -- --rounds 200 --minutes 35
//!
//! Options: `--rounds N` (200), `--minutes M` (start no round after M minutes; none), and the
//! environment of the test: `CERT_FAULT_SEED`, `CERT_FAULT_DELAY_MS` (the link's one-way
//! delay, 5). Needs PostgreSQL, Patroni, etcd and curl, as the test does.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::faults::{run, Schedule};

fn main() {
    let mut rounds = 200;
    let mut minutes = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = number(args.next(), "--rounds"),
            "--minutes" => minutes = Some(number(args.next(), "--minutes")),
            // What cargo bench passes to every benchmark.
            "--bench" => {}
            other => {
                eprintln!("error: unknown argument {other:?}\nhint: --rounds N, --minutes M");
                std::process::exit(2);
            }
        }
    }
    // A missing peer must not pass for a run.
    std::env::set_var("CERT_REQUIRE_PEERS", "1");
    let mut schedule = Schedule::from_env(rounds as usize);
    schedule.time_limit = minutes.map(|minutes| Duration::from_secs(minutes * 60));
    let Some(report) = run(&schedule) else {
        std::process::exit(2);
    };
    println!("{}", report.text);
    if !report.violations.is_empty() {
        eprintln!(
            "{} rule(s) broken; CERT_FAULT_SEED={} replays the schedule",
            report.violations.len(),
            report.seed
        );
        std::process::exit(1);
    }
}

fn number(value: Option<String>, flag: &str) -> u64 {
    value
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("error: {flag} needs a number");
            std::process::exit(2);
        })
}
