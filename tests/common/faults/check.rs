//! The checker, once the schedule is over and everything healed: it reads every
//! acknowledgement of the run and the whole store (psql on the leader), and holds them to what
//! must hold whatever the faults did:
//! - every enrolment acknowledged (a PUT answered 200) is in the store, issued for its CSR's
//!   key, and with the serial and certificate its GET returned; its serial is its inventory
//!   line's;
//! - no serial appears twice: in the inventory, among the stored certificates, among the
//!   certificates the agents were given;
//! - every revocation acknowledged is in the store and in every node's CRL (each node given a
//!   few seconds), and every node's CRL number reaches the store's;
//! - no node's CRL number ever went down (sampled during the run, and read at the end);
//! - `cert check` finds no problem in the store; both sites had enrolments and the admin
//!   revocations acknowledged (a run that did nothing proves nothing).
//!
//! Then the figures of the run: faults of each kind, enrolments, 503s, the requests sent again
//! that got a certificate that had landed (the nodes' logs say so), time to the first 503
//! during cuts, time to sign again after failovers, how restarted nodes came up.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::time::{Duration, Instant};

use base64::Engine as _;
use cert::certificate::Certificate;

use super::agents::{crl_number, record_crl_number, Answer, Attempt, Journal};
use super::sites::Sites;
use super::{Event, Fault, Schedule, Site, FAULTS};

/// How long every node has, at the end, to list every revocation.
const CRL_PATIENCE: Duration = Duration::from_secs(10);

/// What the checker found, and the run's figures.
pub struct Report {
    pub seed: u64,
    /// The summary, as printed.
    pub text: String,
    pub violations: Vec<String>,
}

impl Report {
    /// Panic, with the seed and every violation, unless nothing was violated.
    pub fn assert_holds(&self) {
        assert!(
            self.violations.is_empty(),
            "the fault schedule with seed {seed} (CERT_FAULT_SEED={seed} replays it) broke \
             {} rule(s):\n{}\n\n{}",
            self.violations.len(),
            self.violations.join("\n"),
            self.text,
            seed = self.seed
        );
    }
}

/// Check the run and sum it up.
pub fn check(
    schedule: &Schedule,
    sites: &Sites,
    journal: &Journal,
    events: &[Event],
    elapsed: Duration,
) -> Report {
    let leader = sites.patroni.wait_for_leader(None);
    let store = Store::read(sites, leader);
    check_acknowledged(journal, &store);
    check_revocations(sites, journal, &store);
    check_crl_numbers(journal);
    let check = sites.nodes[0].world.cert(&["check"]).output();
    match check {
        Ok(output) if String::from_utf8_lossy(&output.stdout).contains("no problems found") => {}
        Ok(output) => journal.violation(format!(
            "cert check: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )),
        Err(error) => journal.violation(format!("cert check did not run: {error}")),
    }
    let acknowledged = journal.acknowledged.lock().unwrap();
    for site in [Site::A, Site::B] {
        if !acknowledged.iter().any(|ack| ack.site == site) {
            journal.violation(format!("no enrolment was acknowledged at site {site:?}"));
        }
    }
    drop(acknowledged);
    if journal.revocations.lock().unwrap().is_empty() {
        journal.violation("no revocation was acknowledged".into());
    }
    let text = summary(schedule, sites, journal, events, elapsed, &store);
    eprintln!("{text}");
    Report {
        seed: schedule.seed,
        text,
        violations: journal.violations.lock().unwrap().clone(),
    }
}

/// What the leader's database holds.
struct Store {
    /// name -> (serial, PEM).
    signed: HashMap<String, (u128, String)>,
    /// serial -> subject.
    inventory: HashMap<u128, String>,
    /// Inventory lines whose serial another line has too.
    inventory_duplicates: u64,
    revoked: HashSet<u128>,
    crl_number: u128,
}

impl Store {
    fn read(sites: &Sites, leader: usize) -> Store {
        let psql = |sql: &str| sites.patroni.psql(leader, sql);
        let mut signed = HashMap::new();
        let rows = psql(
            "SELECT name || ' ' || serial || ' ' || translate(encode(pem, 'base64'), E'\\n', '') \
             FROM signed",
        );
        for row in rows.lines() {
            let mut fields = row.split(' ');
            let (Some(name), Some(serial), Some(pem)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("a row of signed: {row:?}");
            };
            let pem = base64::engine::general_purpose::STANDARD
                .decode(pem)
                .expect("base64 from encode()");
            signed.insert(
                name.to_owned(),
                (
                    serial.parse().expect("a serial"),
                    String::from_utf8_lossy(&pem).trim().to_owned(),
                ),
            );
        }
        let inventory = psql("SELECT serial || ' ' || subject FROM inventory")
            .lines()
            .filter_map(|row| row.split_once(' '))
            .map(|(serial, subject)| (serial.parse().expect("a serial"), subject.to_owned()))
            .collect();
        Store {
            signed,
            inventory,
            inventory_duplicates: psql("SELECT count(*) - count(DISTINCT serial) FROM inventory")
                .parse()
                .expect("a count"),
            revoked: psql("SELECT serial FROM revocations")
                .lines()
                .map(|serial| serial.parse().expect("a serial"))
                .collect(),
            crl_number: psql("SELECT number FROM crl")
                .parse()
                .expect("a CRL number"),
        }
    }
}

/// Every acknowledged enrolment in the store as it was issued; no serial twice.
fn check_acknowledged(journal: &Journal, store: &Store) {
    let acknowledged = journal.acknowledged.lock().unwrap().clone();
    let mut given: HashMap<u128, &str> = HashMap::new();
    for ack in &acknowledged {
        let name = ack.name.as_str();
        let Some((serial, pem)) = store.signed.get(name) else {
            journal.violation(format!("{name}: acknowledged, not in the store"));
            continue;
        };
        match Certificate::from_pem(name, pem.as_bytes()) {
            Ok(certificate) => {
                if certificate.public_key_der().ok().as_deref() != Some(ack.key.as_slice()) {
                    journal.violation(format!("{name}: the stored certificate is for another key"));
                }
                if certificate.serial.map(|s| s.0) != Some(*serial) {
                    journal.violation(format!(
                        "{name}: stored with serial {serial}, its certificate says {:?}",
                        certificate.serial
                    ));
                }
            }
            Err(error) => journal.violation(format!("{name}: stored certificate: {error}")),
        }
        if let Some((fetched_serial, fetched)) = &ack.fetched {
            if fetched_serial != serial || fetched.trim() != pem {
                journal.violation(format!(
                    "{name}: the agent was given serial {fetched_serial}, the store holds \
                     {serial} (or another certificate)"
                ));
            }
            if let Some(other) = given.insert(*fetched_serial, name) {
                journal.violation(format!(
                    "serial {fetched_serial} was given to {other} and to {name}"
                ));
            }
        }
        match store.inventory.get(serial) {
            Some(subject) if *subject == format!("/CN={name}") => {}
            other => journal.violation(format!(
                "{name}: serial {serial}'s inventory line is {other:?}"
            )),
        }
    }
    if store.inventory_duplicates != 0 {
        journal.violation(format!(
            "{} inventory lines repeat another's serial",
            store.inventory_duplicates
        ));
    }
    let distinct: HashSet<u128> = store.signed.values().map(|(serial, _)| *serial).collect();
    if distinct.len() != store.signed.len() {
        journal.violation("two stored certificates share a serial".into());
    }
}

/// Every acknowledged revocation in the store and, within [`CRL_PATIENCE`], in every node's
/// CRL, whose number reaches the store's.
fn check_revocations(sites: &Sites, journal: &Journal, store: &Store) {
    let revocations = journal.revocations.lock().unwrap().clone();
    let wanted: HashSet<u128> = revocations.iter().map(|r| r.serial).collect();
    for revocation in &revocations {
        if !store.revoked.contains(&revocation.serial) {
            journal.violation(format!(
                "revocation of {} (serial {}, {}) acknowledged, not in the store",
                revocation.name, revocation.serial, revocation.how
            ));
        }
    }
    let mut last = HashMap::new();
    for (node, port) in sites.ports.live() {
        let deadline = Instant::now() + CRL_PATIENCE;
        loop {
            let reply = super::super::nodes::crl(port, &sites.cacert);
            let (listed, number) = if reply.status == 200 {
                (
                    super::super::nodes::crl_serials(&reply.body),
                    crl_number(&reply.body),
                )
            } else {
                (Default::default(), None)
            };
            if let Some(number) = number {
                record_crl_number(journal, &mut last, node, number);
            }
            let missing: Vec<&u128> = wanted.iter().filter(|s| !listed.contains(s)).collect();
            if missing.is_empty() && number == Some(store.crl_number) {
                break;
            }
            if Instant::now() > deadline {
                journal.violation(format!(
                    "node {node}'s CRL (number {number:?}, the store's {}) lacks {} \
                     acknowledged revocation(s) after {CRL_PATIENCE:?}: {missing:?}",
                    store.crl_number,
                    missing.len()
                ));
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// No node's CRL number ever went down, over every sample.
fn check_crl_numbers(journal: &Journal) {
    let samples = journal.crl_numbers.lock().unwrap().clone();
    let mut by_node: BTreeMap<usize, Vec<(Instant, u128)>> = BTreeMap::new();
    for (node, when, number) in samples {
        by_node.entry(node).or_default().push((when, number));
    }
    for (node, mut series) in by_node {
        series.sort_by_key(|(when, _)| *when);
        for pair in series.windows(2) {
            if pair[1].1 < pair[0].1 {
                journal.violation(format!(
                    "node {node}'s CRL number went down: {} then {}",
                    pair[0].1, pair[1].1
                ));
            }
        }
    }
}

/// The run's figures.
fn summary(
    schedule: &Schedule,
    sites: &Sites,
    journal: &Journal,
    events: &[Event],
    elapsed: Duration,
    store: &Store,
) -> String {
    let attempts = journal.attempts.lock().unwrap().clone();
    let acknowledged = journal.acknowledged.lock().unwrap().clone();
    let revocations = journal.revocations.lock().unwrap().clone();
    let crl_numbers = journal.crl_numbers.lock().unwrap().clone();
    let count = |what: &dyn Fn(&Attempt) -> bool| attempts.iter().filter(|a| what(a)).count();
    let mut lines = vec![format!(
        "== fault schedule, seed {seed} (CERT_FAULT_SEED={seed}): {} rounds in {:.0} s; link \
         delay {} ms each way; Patroni, 2 members, synchronous mode; {} nodes and {} agents per \
         site",
        events.len(),
        elapsed.as_secs_f64(),
        schedule.delay.as_millis(),
        schedule.nodes_per_site,
        schedule.agents_per_site,
        seed = schedule.seed
    )];
    let kinds: Vec<String> = FAULTS
        .iter()
        .map(|fault| {
            let n = events.iter().filter(|e| e.fault == *fault).count();
            format!("{} x{n}", fault.describe())
        })
        .collect();
    lines.push(format!("faults: {}", kinds.join("; ")));
    let at_site = |site| acknowledged.iter().filter(|a| a.site == site).count();
    lines.push(format!(
        "enrolments acknowledged: {} (site A {}, site B {}), given up after 120 s: {}; PUTs: {} \
         (sent again: {}), 200: {}, 503: {} (of which \"cannot tell whether ... committed\": \
         {}), no answer: {} refused, {} broken, {} timed out (20 s)",
        acknowledged.len(),
        at_site(Site::A),
        at_site(Site::B),
        journal.given_up.load(std::sync::atomic::Ordering::SeqCst),
        attempts.len(),
        count(&|a| a.again),
        count(&|a| a.answer == Answer::Signed),
        count(&|a| matches!(a.answer, Answer::Unavailable { .. })),
        count(&|a| a.answer == Answer::Unavailable { unknown: true }),
        count(&|a| a.answer == Answer::Refused),
        count(&|a| a.answer == Answer::Broken),
        count(&|a| a.answer == Answer::TimedOut),
    ));
    let landed: usize = (0..sites.nodes.len())
        .flat_map(|node| sites.logs(node))
        .map(|log| {
            fs::read_to_string(log)
                .unwrap_or_default()
                .matches("sent its request again")
                .count()
        })
        .sum();
    lines.push(format!(
        "requests sent again that got the certificate that had already landed (nodes' logs): \
         {landed}; enrolments acknowledged after a \"cannot tell whether\" 503: {}",
        acknowledged.iter().filter(|a| a.after_unknown).count()
    ));
    let how = |way| revocations.iter().filter(|r| r.how == way).count();
    lines.push(format!(
        "revocations acknowledged: {} ({} over HTTP, {} with cert revoke), sends not \
         acknowledged and sent again: {}, given up: {}; store: {} certificates, {} revocations, \
         CRL number {}",
        revocations.len(),
        how("http"),
        how("cli"),
        journal
            .revocation_retries
            .load(std::sync::atomic::Ordering::SeqCst),
        journal
            .revocations_given_up
            .load(std::sync::atomic::Ordering::SeqCst),
        store.signed.len(),
        store.revoked.len(),
        store.crl_number
    ));
    lines.push(format!(
        "CRL numbers sampled: {} samples over {} nodes, {} reads unanswered by a serving node",
        crl_numbers.len(),
        crl_numbers
            .iter()
            .map(|(node, _, _)| node)
            .collect::<HashSet<_>>()
            .len(),
        journal
            .crl_unanswered
            .load(std::sync::atomic::Ordering::SeqCst)
    ));
    lines.extend(cut_figures(events, &attempts));
    lines.extend(failover_figures(events, &attempts));
    for fault in [
        Fault::KillNode,
        Fault::RestartNode,
        Fault::RestartNodeDuringCut,
    ] {
        let started: Vec<Duration> = events
            .iter()
            .filter(|e| e.fault == fault)
            .filter_map(|e| e.started)
            .collect();
        let reads: Vec<Duration> = events
            .iter()
            .filter(|e| e.fault == fault)
            .filter_map(|e| e.reads)
            .collect();
        if !started.is_empty() {
            let reads = if reads.is_empty() {
                String::new()
            } else {
                format!("; its reads (CA, CRL) during the cut: {}", stats(&reads))
            };
            lines.push(format!(
                "{}: the node answered again in {}{reads}",
                fault.describe(),
                stats(&started)
            ));
        }
    }
    let violations = journal.violations.lock().unwrap();
    if violations.is_empty() {
        lines.push("violations: none".into());
    } else {
        lines.push(format!("violations: {}", violations.len()));
        lines.extend(violations.iter().map(|v| format!("  {v}")));
    }
    lines.join("\n")
}

/// During cuts: from the cut to the first 503 (to any request) at the leader's site and at
/// the other, and the longest a request sent during a cut waited for its 503.
fn cut_figures(events: &[Event], attempts: &[Attempt]) -> Vec<String> {
    let cuts: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.fault, Fault::CutLink | Fault::RestartNodeDuringCut))
        .collect();
    if cuts.is_empty() {
        return Vec::new();
    }
    let mut leader_site = Vec::new();
    let mut far_site = Vec::new();
    let mut longest = Duration::ZERO;
    for cut in &cuts {
        for site in [Site::A, Site::B] {
            // Of any request, one in flight when the link was cut included.
            let first = attempts
                .iter()
                .filter(|a| a.site == site && a.answered >= cut.at && a.sent <= cut.healed)
                .filter(|a| matches!(a.answer, Answer::Unavailable { .. }))
                .map(|a| a.answered - cut.at)
                .min();
            if let Some(first) = first {
                if Some(site) == cut.leader_site {
                    leader_site.push(first);
                } else {
                    far_site.push(first);
                }
            }
        }
        for attempt in attempts.iter().filter(|a| {
            a.sent >= cut.at
                && a.sent <= cut.healed
                && matches!(a.answer, Answer::Unavailable { .. })
        }) {
            longest = longest.max(attempt.answered - attempt.sent);
        }
    }
    vec![format!(
        "cuts ({}): from the cut to the first 503 at the leader's site {}, at the other site {}; \
         the longest a request sent during a cut waited for its 503: {:.2} s",
        cuts.len(),
        stats(&leader_site),
        stats(&far_site),
        longest.as_secs_f64()
    )]
}

/// After failovers: Patroni's time to a leader taking writes; from the fault to the first
/// signature of a request sent after it, at both sites; and how long signing stopped: the
/// longest a site went without a signature, from the fault until the next fault (a
/// switchover's old leader signs until it steps down, so the first figure alone would flatter
/// it).
fn failover_figures(events: &[Event], attempts: &[Attempt]) -> Vec<String> {
    let mut lines = Vec::new();
    for fault in [
        Fault::KillPrimaryHost,
        Fault::RestartPrimaryHost,
        Fault::Switchover,
    ] {
        let mut promoted = Vec::new();
        let mut first = Vec::new();
        let mut stopped = Vec::new();
        for (index, event) in events.iter().enumerate() {
            if event.fault != fault {
                continue;
            }
            promoted.extend(event.promoted);
            let end = events.get(index + 1).map(|next| next.at);
            let mut firsts = Vec::new();
            let mut gap = Duration::ZERO;
            for site in [Site::A, Site::B] {
                let signed = |a: &&Attempt| {
                    a.site == site
                        && a.answer == Answer::Signed
                        && end.is_none_or(|end| a.sent < end)
                };
                firsts.push(
                    attempts
                        .iter()
                        .filter(signed)
                        .filter(|a| a.sent >= event.at)
                        .map(|a| a.answered - event.at)
                        .min(),
                );
                let mut times: Vec<Instant> = attempts
                    .iter()
                    .filter(signed)
                    .map(|a| a.answered)
                    .filter(|answered| *answered >= event.at)
                    .collect();
                times.sort();
                let mut previous = event.at;
                for time in times {
                    gap = gap.max(time - previous);
                    previous = time;
                }
            }
            if let [Some(a), Some(b)] = firsts[..] {
                first.push(a.max(b));
            }
            stopped.push(gap);
        }
        if stopped.is_empty() {
            continue;
        }
        lines.push(format!(
            "{} ({}): a leader taking writes after {}; both sites signing a request sent after \
             the fault after {}; signing stopped at a site for at most {}",
            fault.describe(),
            stopped.len(),
            stats(&promoted),
            stats(&first),
            stats(&stopped)
        ));
    }
    lines
}

/// `median X s, max Y s`, or `-`.
fn stats(values: &[Duration]) -> String {
    if values.is_empty() {
        return "-".into();
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    format!(
        "median {:.1} s, max {:.1} s",
        sorted[sorted.len() / 2].as_secs_f64(),
        sorted[sorted.len() - 1].as_secs_f64()
    )
}
