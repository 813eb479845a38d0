//! Issue 22: a fault schedule, checked. Two sites on loopback (PostgreSQL under Patroni with
//! etcd, one member per site, synchronous mode, the link between the sites a delaying,
//! cuttable proxy; two `cert serve` nodes per site); agents enrol at both sites and an admin
//! revokes while one round of each kind of fault runs, in an order chosen from a seed
//! (printed; `CERT_FAULT_SEED` replays it): kill -9 a node, restart a node, cut the link,
//! restart a node during a cut (SIGTERM or kill -9), kill the primary's host, restart it,
//! switch over. Then the checker: every acknowledged certificate in the store as issued, no
//! serial twice, every acknowledged revocation in every node's CRL, no node's CRL number ever
//! down (`tests/common/faults`). The long schedule is `cargo bench --bench faults -- --rounds
//! 200`.

mod common;

use common::faults::{run, Schedule, FAULTS};

#[test]
fn issue_22_a_seeded_fault_schedule_loses_nothing_acknowledged() {
    let rounds = std::env::var("CERT_FAULT_ROUNDS")
        .ok()
        .map(|rounds| rounds.parse().expect("CERT_FAULT_ROUNDS: a number"))
        .unwrap_or(FAULTS.len());
    let Some(report) = run(&Schedule::from_env(rounds)) else {
        return;
    };
    report.assert_holds();
}
