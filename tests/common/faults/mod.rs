//! A seeded fault schedule for the CA at two sites (issue 22), and its checker: shared by
//! `tests/pg_fault_schedule.rs` (a short schedule, in CI) and `benches/faults.rs` (a long one),
//! which includes `tests/common` by `#[path]`.
//!
//! The set-up is [`sites`]': Patroni's two members (with etcd), one per site, synchronous
//! mode, the link between the sites a delaying, cuttable proxy; `cert serve` nodes at both
//! sites. Agents enrol at both sites and an admin revokes throughout ([`agents`]), while the
//! schedule runs rounds of faults chosen from a seed: the plan is a deck holding each kind of
//! [`Fault`] once, shuffled by the seed, dealt again and again for as many rounds as asked
//! (so a short run sees every kind, and a long one each about as often), each with a node, a
//! duration and a pause drawn from the seed too. The seed fixes the faults and their order,
//! not how the threads interleave: a replay (`CERT_FAULT_SEED`) runs the same schedule
//! against new timing. Each round ends healed (whatever was killed or cut is back); between
//! rounds the system settles: a leader and its synchronous standby, and both sites signing
//! again (a violation if a site does not within a minute). Every wait is bounded.
//!
//! At the end [`check`] reads every acknowledgement the agents and the admin got and the whole
//! store, and reports what it found with the figures of the run.

mod agents;
mod check;
mod sites;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use check::Report;
pub use sites::Site;

use agents::{Answer, Journal, StopOnDrop};
use sites::Sites;

/// The longest a site may take to sign again once a fault is over.
const SIGN_AGAIN_PATIENCE: Duration = Duration::from_secs(60);

/// What to run.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Chooses the faults, their order, nodes and durations.
    pub seed: u64,
    pub rounds: usize,
    /// The link's one-way delay between the sites.
    pub delay: Duration,
    pub nodes_per_site: usize,
    pub agents_per_site: usize,
    /// Start no round after this long (the rounds done are reported).
    pub time_limit: Option<Duration>,
}

impl Schedule {
    /// `rounds` rounds; the seed from `CERT_FAULT_SEED` (decimal, or hex with `0x`), else a
    /// new one; the link's one-way delay from `CERT_FAULT_DELAY_MS` (5 ms); two nodes and two
    /// agents per site.
    pub fn from_env(rounds: usize) -> Schedule {
        let seed = match std::env::var("CERT_FAULT_SEED") {
            Ok(text) => parse_seed(&text)
                .unwrap_or_else(|| panic!("CERT_FAULT_SEED={text:?} is not a number")),
            Err(_) => fresh_seed(),
        };
        let delay = std::env::var("CERT_FAULT_DELAY_MS")
            .ok()
            .map(|ms| ms.parse().expect("CERT_FAULT_DELAY_MS: milliseconds"))
            .unwrap_or(5);
        Schedule {
            seed,
            rounds,
            delay: Duration::from_millis(delay),
            nodes_per_site: 2,
            agents_per_site: 2,
            time_limit: None,
        }
    }
}

/// A kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Cut the link between the sites silently; heal it after a while.
    CutLink,
    /// `kill -9` a node; start it again after a while.
    KillNode,
    /// SIGKILL the leader's whole host (Patroni and PostgreSQL): Patroni promotes the
    /// synchronous standby; the host comes back after a while and follows.
    KillPrimaryHost,
    /// Stop a node (SIGTERM) and start it again.
    RestartNode,
    /// Cut the link, stop (SIGTERM, or SIGKILL: the seed says) and start a node of the site
    /// that cannot reach the leader (it starts from its copy on disk), heal.
    RestartNodeDuringCut,
    /// SIGKILL the leader's host and start it again at once, as a reboot.
    RestartPrimaryHost,
    /// Fail over on purpose: Patroni's switchover to the synchronous standby.
    Switchover,
}

/// Every kind, in the deck's order before the shuffle.
pub const FAULTS: [Fault; 7] = [
    Fault::CutLink,
    Fault::KillNode,
    Fault::KillPrimaryHost,
    Fault::RestartNode,
    Fault::RestartNodeDuringCut,
    Fault::RestartPrimaryHost,
    Fault::Switchover,
];

impl Fault {
    /// What it does, for the summary.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::CutLink => "cut the link between the sites",
            Fault::KillNode => "kill -9 a node",
            Fault::KillPrimaryHost => "kill the primary's host",
            Fault::RestartNode => "restart a node",
            Fault::RestartNodeDuringCut => "restart a node during a cut",
            Fault::RestartPrimaryHost => "restart the primary's host",
            Fault::Switchover => "switch over (Patroni)",
        }
    }
}

/// One round of the plan.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub fault: Fault,
    /// Which node (modulo those that qualify).
    pub choice: u64,
    /// How long the fault lasts, where it has a length.
    pub hold: Duration,
    /// The pause after the round has settled.
    pub pause: Duration,
}

/// The rounds that `seed` chooses.
pub fn plan(seed: u64, rounds: usize) -> Vec<Step> {
    let mut rng = Rng::new(seed);
    let mut steps = Vec::with_capacity(rounds);
    while steps.len() < rounds {
        let mut deck = FAULTS;
        rng.shuffle(&mut deck);
        for fault in deck {
            let seconds = |rng: &mut Rng, low: u64, high: u64| {
                rng.between(Duration::from_secs(low), Duration::from_secs(high))
            };
            let hold = match fault {
                Fault::CutLink => seconds(&mut rng, 3, 10),
                Fault::KillNode => seconds(&mut rng, 1, 4),
                Fault::KillPrimaryHost => seconds(&mut rng, 1, 5),
                Fault::RestartNode | Fault::Switchover => Duration::ZERO,
                Fault::RestartNodeDuringCut => seconds(&mut rng, 2, 5),
                Fault::RestartPrimaryHost => seconds(&mut rng, 0, 2),
            };
            let choice = rng.next();
            let pause = rng.between(Duration::from_millis(500), Duration::from_secs(2));
            steps.push(Step {
                fault,
                choice,
                hold,
                pause,
            });
        }
    }
    steps.truncate(rounds);
    steps
}

/// One fault as it ran.
#[derive(Debug, Clone)]
pub struct Event {
    pub round: usize,
    pub fault: Fault,
    /// When it struck.
    pub at: Instant,
    /// When it was over (healed, restarted).
    pub healed: Instant,
    /// Where the leader was when it struck.
    pub leader_site: Option<Site>,
    /// Until a leader took writes again (failovers), from `at`.
    pub promoted: Option<Duration>,
    /// How long a restarted node took to answer.
    pub started: Option<Duration>,
    /// How long the restarted node's reads took during the cut (the CA, the CRL).
    pub reads: Option<Duration>,
    pub detail: String,
}

/// Run `schedule`: the sites, the agents, the rounds, the check. `None` (skipped) when a
/// peer is missing.
pub fn run(schedule: &Schedule) -> Option<Report> {
    let steps = plan(schedule.seed, schedule.rounds);
    eprintln!(
        "fault schedule: seed {seed} (CERT_FAULT_SEED={seed} replays it), {} rounds: {}",
        steps.len(),
        steps
            .iter()
            .map(|step| format!("{:?}", step.fault))
            .collect::<Vec<_>>()
            .join(" "),
        seed = schedule.seed
    );
    let mut sites = Sites::start(schedule.delay, schedule.nodes_per_site)?;
    let work = tempfile::Builder::new()
        .prefix("cert-faults-")
        .tempdir()
        .expect("temp dir");
    let cli = admin_world(&sites);
    let admin_ssldir = sites.nodes[0].world.ssldir.clone();
    let ports = sites.ports.clone();
    let cacert = sites.cacert.clone();
    let journal = Journal::default();
    let started = Instant::now();
    let mut events = Vec::new();
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&journal);
        for site in [Site::A, Site::B] {
            for index in 0..schedule.agents_per_site {
                let dir = agents::csr_dir(work.path(), site, index);
                let (journal, ports, cacert) = (&journal, &ports, &cacert);
                scope.spawn(move || agents::agent(site, index, journal, ports, cacert, &dir));
            }
        }
        scope.spawn(|| {
            agents::admin(
                schedule.seed,
                &journal,
                &ports,
                &cacert,
                &admin_ssldir,
                &cli,
                work.path(),
            )
        });
        scope.spawn(|| agents::sample_crls(&journal, &ports, &cacert));
        settle(&sites, &journal, started);
        for (round, step) in steps.iter().enumerate() {
            if schedule
                .time_limit
                .is_some_and(|limit| started.elapsed() > limit)
            {
                eprintln!("time limit reached after {round} rounds");
                break;
            }
            let event = execute(&mut sites, round, step);
            eprintln!(
                "round {}/{} at {:.0} s: {} ({:.1} s)",
                round + 1,
                steps.len(),
                started.elapsed().as_secs_f64(),
                event.detail,
                (event.healed - event.at).as_secs_f64()
            );
            let healed = event.healed;
            events.push(event);
            settle(&sites, &journal, healed);
            std::thread::sleep(step.pause);
        }
        // The last round's traffic, then everything stops.
        std::thread::sleep(Duration::from_secs(2));
    });
    Some(check::check(
        schedule,
        &sites,
        &journal,
        &events,
        started.elapsed(),
    ))
}

/// Run one round's fault, until it is over.
fn execute(sites: &mut Sites, round: usize, step: &Step) -> Event {
    let leader_site = sites.leader_site();
    let mut event = Event {
        round,
        fault: step.fault,
        at: Instant::now(),
        healed: Instant::now(),
        leader_site,
        promoted: None,
        started: None,
        reads: None,
        detail: String::new(),
    };
    let pick = |nodes: Vec<usize>| nodes[(step.choice % nodes.len() as u64) as usize];
    match step.fault {
        Fault::CutLink => {
            event.at = Instant::now();
            sites.cut();
            std::thread::sleep(step.hold);
            sites.heal();
            event.detail = format!("cut the link for {:.1} s", step.hold.as_secs_f64());
        }
        Fault::KillNode | Fault::RestartNode => {
            let node = pick((0..sites.nodes.len()).collect());
            event.at = Instant::now();
            if step.fault == Fault::KillNode {
                sites.kill(node);
                std::thread::sleep(step.hold);
            } else {
                sites.stop(node);
            }
            event.started = Some(sites.start_node(node));
            event.detail = format!(
                "{} node {node} (site {:?}), up again in {:.1} s",
                if step.fault == Fault::KillNode {
                    "kill -9"
                } else {
                    "restart"
                },
                sites.site_of[node],
                event.started.unwrap().as_secs_f64()
            );
        }
        Fault::RestartNodeDuringCut => {
            // A node of the site without the leader: it cannot reach the database.
            let far = leader_site.unwrap_or(Site::A).other();
            let node = pick(sites.nodes_at(far));
            event.at = Instant::now();
            sites.cut();
            std::thread::sleep(Duration::from_secs(1));
            // Not the bit that picked the node.
            let killed = (step.choice >> 32) & 1 == 1;
            if killed {
                sites.kill(node);
            } else {
                sites.stop(node);
            }
            event.started = Some(sites.start_node(node));
            let began = Instant::now();
            let port = sites.nodes[node].port();
            let mut answered = Vec::new();
            for path in ["certificate/ca", "certificate_revocation_list/ca"] {
                let reply = super::nodes::curl(
                    port,
                    &sites.cacert,
                    &format!("{}/{path}", super::nodes::API),
                    &[],
                );
                answered.push(format!("{path} {}", reply.status));
            }
            event.reads = Some(began.elapsed());
            std::thread::sleep(step.hold);
            sites.heal();
            event.detail = format!(
                "cut the link, {} node {node} (site {far:?}, away from the leader): up from \
                 its copy in {:.1} s, reads {} in {:.2} s; healed after {:.1} s more",
                if killed {
                    "kill -9 and start"
                } else {
                    "restart"
                },
                event.started.unwrap().as_secs_f64(),
                answered.join(", "),
                event.reads.unwrap().as_secs_f64(),
                step.hold.as_secs_f64()
            );
        }
        Fault::KillPrimaryHost | Fault::RestartPrimaryHost => {
            let patroni = &mut sites.patroni;
            let leader = patroni.wait_for_leader(None);
            event.at = Instant::now();
            patroni.kill_host(leader);
            if step.fault == Fault::KillPrimaryHost {
                let new = patroni.wait_for_leader(Some(leader));
                event.promoted = Some(event.at.elapsed());
                std::thread::sleep(step.hold);
                patroni.restart(leader);
                event.detail = format!(
                    "kill the primary's host (m{leader}): Patroni promoted m{new} after {:.1} \
                     s; m{leader} back {:.1} s later",
                    event.promoted.unwrap().as_secs_f64(),
                    step.hold.as_secs_f64()
                );
            } else {
                std::thread::sleep(step.hold);
                patroni.restart(leader);
                let new = patroni.wait_for_leader(None);
                event.promoted = Some(event.at.elapsed());
                event.detail = format!(
                    "restart the primary's host (m{leader}, down {:.1} s): m{new} leads after \
                     {:.1} s",
                    step.hold.as_secs_f64(),
                    event.promoted.unwrap().as_secs_f64()
                );
            }
        }
        Fault::Switchover => {
            let patroni = &sites.patroni;
            let leader = patroni.wait_for_leader(None);
            let standby = patroni.wait_for_sync_standby();
            event.at = Instant::now();
            let (done, answer) = patroni.switchover(leader, standby);
            let new = patroni.wait_for_leader(None);
            event.promoted = Some(event.at.elapsed());
            event.detail = format!(
                "switch over from m{leader} to m{standby}: Patroni answered {:?} ({}); m{new} \
                 leads after {:.1} s",
                answer.trim(),
                if done { "done" } else { "refused" },
                event.promoted.unwrap().as_secs_f64()
            );
        }
    }
    event.healed = Instant::now();
    event
}

/// Wait until the system has settled after `since`: Patroni has a leader and its synchronous
/// standby, and each site has signed a request sent after `since` (a violation, not a wait
/// forever, when one has not within [`SIGN_AGAIN_PATIENCE`]).
fn settle(sites: &Sites, journal: &Journal, since: Instant) {
    sites.patroni.wait_for_leader(None);
    sites.patroni.wait_for_sync_standby();
    let deadline = Instant::now() + SIGN_AGAIN_PATIENCE;
    for site in [Site::A, Site::B] {
        loop {
            let signed = journal.attempts.lock().unwrap().iter().any(|attempt| {
                attempt.site == site && attempt.sent >= since && attempt.answer == Answer::Signed
            });
            if signed {
                break;
            }
            if Instant::now() > deadline {
                journal.violation(format!(
                    "site {site:?} signed nothing sent in the {SIGN_AGAIN_PATIENCE:?} after the \
                     fault was over (Patroni: {:?})",
                    sites.patroni.states()
                ));
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// An admin host at site A for `cert revoke`: the CA's keys, site A's database URL.
fn admin_world(sites: &Sites) -> super::World {
    let world = super::World::with_config(&super::nodes::node_config("ops.test", &sites.url_a));
    std::fs::create_dir_all(&world.cadir).expect("make the admin's cadir");
    for key in ["ca_key.pem", "root_key.pem"] {
        std::fs::copy(sites.nodes[0].world.ca(key), world.ca(key)).expect("copy a CA key");
    }
    world
}

fn parse_seed(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A seed nobody chose: the clock's nanoseconds and the process id, mixed.
fn fresh_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |time| time.as_nanos() as u64);
    Rng::new(nanos ^ (u64::from(std::process::id()) << 32)).next()
}

/// SplitMix64: small, and the same numbers from the same seed on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// A duration in `low..=high`, to the millisecond.
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = (high - low).as_millis() as u64;
        low + Duration::from_millis(self.below(span + 1))
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = self.below(index as u64 + 1) as usize;
            items.swap(index, other);
        }
    }
}
