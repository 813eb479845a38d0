//! What runs beside the faults, each on a thread of its own until [`Journal::stop`]: agents
//! enrolling at each site, an admin revoking, and a sampler of every node's CRL number; and
//! the [`Journal`] where they write down what they sent and every answer they got, for the
//! checker.
//!
//! An agent is Puppet's: a fresh EC key and certname per enrolment, `PUT
//! certificate_request/NAME` to a node of its site (the one it used last while it answers,
//! else the next: a VIP's view), sent again with the same CSR after a 503 (every 0.5 s, not
//! `Retry-After`'s 5 s, so that a short schedule sees many), then `GET certificate/NAME`. A
//! 200 to the PUT is an acknowledgement; the GET's certificate is what the agent keeps. An
//! answer Puppet's agent would not expect (a refusal of its own request sent again, a 500) is
//! a violation, written down, not a panic, so that the run ends with its report.
//!
//! The admin revokes an acknowledged certificate every few seconds, alternately over HTTP
//! (`PUT certificate_status/NAME` `revoked` as `ca.test`, at a node of either site) and with
//! `cert revoke` at site A, sending it again until it is acknowledged (204, exit 0).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cert::certificate::Certificate;
use cert::certname::Certname;
use cert::csr::Csr;
use cert::keys::{KeySpec, PrivateKey};

use super::super::nodes::{crl, curl, submit, API};
use super::super::World;
use super::sites::{Ports, Site};
use super::Rng;

/// The longest an agent tries one enrolment (its PUT sent again and again) before it gives up.
const ENROLMENT_PATIENCE: Duration = Duration::from_secs(120);
/// The longest an agent tries to GET a certificate it was told was signed.
const FETCH_PATIENCE: Duration = Duration::from_secs(60);
/// The longest the admin sends one revocation again.
const REVOCATION_PATIENCE: Duration = Duration::from_secs(60);
/// How often each node's CRL is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(1000);

/// What was sent and answered during the run.
#[derive(Default)]
pub struct Journal {
    /// Every PUT of an agent.
    pub attempts: Mutex<Vec<Attempt>>,
    /// Every enrolment whose PUT was answered 200.
    pub acknowledged: Mutex<Vec<Acknowledged>>,
    /// Every revocation acknowledged.
    pub revocations: Mutex<Vec<Revocation>>,
    /// Each node's CRL number, as sampled: (node, when, number).
    pub crl_numbers: Mutex<Vec<(usize, Instant, u128)>>,
    /// What must not happen and did.
    pub violations: Mutex<Vec<String>>,
    /// Enrolments given up after [`ENROLMENT_PATIENCE`].
    pub given_up: AtomicUsize,
    /// Revocations given up after [`REVOCATION_PATIENCE`].
    pub revocations_given_up: AtomicUsize,
    /// Sends of a revocation that were not acknowledged (503, no answer, exit 1).
    pub revocation_retries: AtomicUsize,
    /// CRL reads that a serving node did not answer 200.
    pub crl_unanswered: AtomicUsize,
    /// Set when the run is over: every thread finishes what it does and returns.
    pub stop: AtomicBool,
}

/// One PUT.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub site: Site,
    pub sent: Instant,
    pub answered: Instant,
    pub answer: Answer,
    /// Whether this request was sent before (same CSR).
    pub again: bool,
}

/// How a PUT was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200.
    Signed,
    /// 503; `unknown`: the node could not tell whether its COMMIT landed.
    Unavailable {
        unknown: bool,
    },
    /// No HTTP answer: refused (nothing listening), or none within curl's 20 s, or the
    /// connection broke (a node killed while it answered).
    Refused,
    TimedOut,
    Broken,
    /// Anything else (a violation).
    Other(u16),
}

/// An enrolment acknowledged with a 200.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub name: String,
    pub site: Site,
    /// The public key of its CSR (DER SubjectPublicKeyInfo).
    pub key: Vec<u8>,
    /// The certificate its GET gave, with its serial, when the GET succeeded.
    pub fetched: Option<(u128, String)>,
    /// Whether a PUT of it was answered "cannot tell whether ... committed" first.
    pub after_unknown: bool,
    /// PUTs it took.
    pub attempts: usize,
}

/// A revocation acknowledged.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub name: String,
    pub serial: u128,
    /// `http` or `cli`.
    pub how: &'static str,
}

impl Journal {
    /// Write down a violation (and show it at once).
    pub fn violation(&self, text: String) {
        eprintln!("VIOLATION: {text}");
        self.violations.lock().unwrap().push(text);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Sets [`Journal::stop`] when dropped, so that the threads end even when the schedule
/// panics.
pub struct StopOnDrop<'a>(pub &'a Journal);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

/// Agent `index` of `site`: enrol fresh names until the run stops. CSRs go in `dir`.
pub fn agent(
    site: Site,
    index: usize,
    journal: &Journal,
    ports: &Ports,
    cacert: &Path,
    dir: &Path,
) {
    let mut turn = index;
    let mut count = 0;
    while !journal.stopped() {
        let name = format!("{}{index}-{count}", site.letter());
        count += 1;
        let key = PrivateKey::generate(KeySpec::EcP256).expect("an EC key");
        let certname = Certname::parse(&name).expect("a certname");
        let csr = Csr::generate(&certname, &key, &[], &[]).expect("a CSR");
        let path = dir.join(format!("{name}.csr"));
        fs::write(&path, csr.to_pem()).expect("write a CSR");
        let key = csr.public_key_der().to_vec();
        enrol(site, &name, key, &path, &mut turn, journal, ports, cacert);
    }
}

/// One enrolment: PUT until a 200 (or giving up), then GET.
#[allow(clippy::too_many_arguments)]
fn enrol(
    site: Site,
    name: &str,
    key: Vec<u8>,
    csr: &Path,
    turn: &mut usize,
    journal: &Journal,
    ports: &Ports,
    cacert: &Path,
) {
    let deadline = Instant::now() + ENROLMENT_PATIENCE;
    let mut attempts = 0;
    let mut after_unknown = false;
    loop {
        if journal.stopped() && attempts > 0 {
            return;
        }
        if Instant::now() > deadline {
            journal.given_up.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let Some((_, port)) = ports.pick(site, *turn) else {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        };
        let sent = Instant::now();
        let reply = submit(port, cacert, name, csr);
        let answer = match reply.status {
            200 => Answer::Signed,
            503 => Answer::Unavailable {
                unknown: reply.body.contains("cannot tell whether"),
            },
            0 if reply.body.contains("(7)") => Answer::Refused,
            0 if reply.body.contains("(28)") => Answer::TimedOut,
            0 => Answer::Broken,
            other => Answer::Other(other),
        };
        journal.attempts.lock().unwrap().push(Attempt {
            site,
            sent,
            answered: Instant::now(),
            answer,
            again: attempts > 0,
        });
        attempts += 1;
        match answer {
            Answer::Signed => break,
            Answer::Unavailable { unknown } => {
                after_unknown |= unknown;
                std::thread::sleep(Duration::from_millis(500));
            }
            Answer::Refused | Answer::TimedOut | Answer::Broken => {
                *turn += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            Answer::Other(status) => {
                journal.violation(format!(
                    "PUT {name} (attempt {attempts}, after an unknown outcome: {after_unknown}) \
                     answered {status}: {}",
                    reply.body.trim()
                ));
                return;
            }
        }
    }
    let fetched = fetch(site, name, turn, journal, ports, cacert);
    journal.acknowledged.lock().unwrap().push(Acknowledged {
        name: name.to_owned(),
        site,
        key,
        fetched,
        after_unknown,
        attempts,
    });
}

/// GET the certificate of `name` that a PUT was told is signed: its serial and PEM.
fn fetch(
    site: Site,
    name: &str,
    turn: &mut usize,
    journal: &Journal,
    ports: &Ports,
    cacert: &Path,
) -> Option<(u128, String)> {
    let deadline = Instant::now() + FETCH_PATIENCE;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Some((_, port)) = ports.pick(site, *turn) {
            let reply = curl(port, cacert, &format!("{API}/certificate/{name}"), &[]);
            if reply.status == 200 {
                return match Certificate::from_pem(name, reply.body.as_bytes()) {
                    Ok(certificate) => Some((
                        certificate.serial.map_or(0, |serial| serial.0),
                        reply.body.trim().to_owned(),
                    )),
                    Err(error) => {
                        journal.violation(format!("GET {name}: not a certificate: {error}"));
                        None
                    }
                };
            }
            last = format!("{} {}", reply.status, reply.body.trim());
            *turn += 1;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    journal.violation(format!(
        "{name}: PUT acknowledged, but no GET answered its certificate within \
         {FETCH_PATIENCE:?} (last: {last})"
    ));
    None
}

/// The admin: every 2 to 4 s, revoke an acknowledged certificate not yet revoked, over HTTP
/// as `ca.test` (whose certificate is in `admin_ssldir`) and with `cert revoke` in `cli`, in
/// turn, until acknowledged. `work` holds its request body.
pub fn admin(
    seed: u64,
    journal: &Journal,
    ports: &Ports,
    cacert: &Path,
    admin_ssldir: &Path,
    cli: &World,
    work: &Path,
) {
    let mut rng = Rng::new(seed ^ 0xad31_7e5f);
    let body = work.join("revoke.json");
    fs::write(&body, r#"{"desired_state":"revoked"}"#).expect("write a request body");
    let mut revoked = std::collections::HashSet::new();
    let mut over_http = false;
    while !journal.stopped() {
        pause(
            journal,
            rng.between(Duration::from_secs(2), Duration::from_secs(4)),
        );
        let candidates: Vec<(String, u128)> = journal
            .acknowledged
            .lock()
            .unwrap()
            .iter()
            .filter_map(|ack| ack.fetched.as_ref().map(|(serial, _)| (&ack.name, *serial)))
            .filter(|(name, _)| !revoked.contains(*name))
            .map(|(name, serial)| (name.clone(), serial))
            .collect();
        if candidates.is_empty() || journal.stopped() {
            continue;
        }
        let (name, serial) = candidates[rng.below(candidates.len() as u64) as usize].clone();
        revoked.insert(name.clone());
        over_http = !over_http;
        let how = if over_http { "http" } else { "cli" };
        let deadline = Instant::now() + REVOCATION_PATIENCE;
        let acknowledged = loop {
            let done = match how {
                "http" => revoke_over_http(&name, &mut rng, ports, cacert, admin_ssldir, &body),
                _ => revoke_with_cli(cli, &name),
            };
            match done {
                Ok(true) => break true,
                Ok(false) => {
                    journal.revocation_retries.fetch_add(1, Ordering::SeqCst);
                }
                Err(text) => {
                    journal.violation(format!("revoking {name} ({how}): {text}"));
                    break false;
                }
            }
            if Instant::now() > deadline {
                journal.revocations_given_up.fetch_add(1, Ordering::SeqCst);
                break false;
            }
            std::thread::sleep(Duration::from_millis(500));
        };
        if acknowledged {
            journal
                .revocations
                .lock()
                .unwrap()
                .push(Revocation { name, serial, how });
        }
    }
}

/// `PUT certificate_status/NAME` revoked at a serving node: `Ok(true)` acknowledged (204),
/// `Ok(false)` to be sent again (503, no answer), `Err` any other answer.
fn revoke_over_http(
    name: &str,
    rng: &mut Rng,
    ports: &Ports,
    cacert: &Path,
    ssldir: &Path,
    body: &Path,
) -> Result<bool, String> {
    let live = ports.live();
    if live.is_empty() {
        return Ok(false);
    }
    let (_, port) = live[rng.below(live.len() as u64) as usize];
    let client = super::super::serve::client(ssldir, "ca.test");
    let data = format!("@{}", body.display());
    let mut args = vec![
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &data,
    ];
    args.extend(super::super::serve::strs(&client));
    let reply = curl(
        port,
        cacert,
        &format!("{API}/certificate_status/{name}"),
        &args,
    );
    match reply.status {
        204 => Ok(true),
        503 | 0 => Ok(false),
        other => Err(format!("answered {other}: {}", reply.body.trim())),
    }
}

/// `cert revoke --certname NAME --yes` at site A, killed after 30 s: `Ok(true)` exit 0,
/// `Ok(false)` the database could not be reached (exit 1 and its one line), `Err` otherwise.
fn revoke_with_cli(world: &World, name: &str) -> Result<bool, String> {
    let mut child = world
        .std_cert(&["revoke", "--certname", name, "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cert revoke");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for cert revoke") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("cert revoke did not exit within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    match status.code() {
        Some(0) => Ok(true),
        Some(1) if stderr.contains("cannot reach") || stderr.contains("cannot tell whether") => {
            Ok(false)
        }
        code => Err(format!("exit {code:?}: {}", stderr.trim())),
    }
}

/// Every [`SAMPLE_EVERY`], each serving node's CRL number; a number lower than the node's
/// last is a violation at once.
pub fn sample_crls(journal: &Journal, ports: &Ports, cacert: &Path) {
    let mut last: std::collections::HashMap<usize, u128> = Default::default();
    while !journal.stopped() {
        for (node, port) in ports.live() {
            let reply = crl(port, cacert);
            let number = (reply.status == 200)
                .then(|| crl_number(&reply.body))
                .flatten();
            let Some(number) = number else {
                // Not a node being killed, stopped or started meanwhile: a read unanswered.
                if ports.live().contains(&(node, port)) {
                    journal.crl_unanswered.fetch_add(1, Ordering::SeqCst);
                    eprintln!(
                        "node {node} did not answer its CRL: {} {}",
                        reply.status,
                        reply.body.trim()
                    );
                }
                continue;
            };
            record_crl_number(journal, &mut last, node, number);
        }
        pause(journal, SAMPLE_EVERY);
    }
}

/// Write down node `node`'s CRL number `number`, checking it against the node's last.
pub fn record_crl_number(
    journal: &Journal,
    last: &mut std::collections::HashMap<usize, u128>,
    node: usize,
    number: u128,
) {
    if let Some(&before) = last.get(&node) {
        if number < before {
            journal.violation(format!(
                "node {node}'s CRL number went down: {before} then {number}"
            ));
        }
    }
    last.insert(node, number);
    journal
        .crl_numbers
        .lock()
        .unwrap()
        .push((node, Instant::now(), number));
}

/// The number of the issuing CA's CRL (the first of the chain) in `pem`.
pub fn crl_number(pem: &str) -> Option<u128> {
    let crls = cert::crl::Crl::chain_from_pem("CRL", pem.as_bytes()).ok()?;
    crls.first()?.number
}

/// Sleep `time`, or less when the run stops.
fn pause(journal: &Journal, time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end && !journal.stopped() {
        std::thread::sleep(
            Duration::from_millis(50).min(end.saturating_duration_since(Instant::now())),
        );
    }
}

/// A directory for an agent's CSRs.
pub fn csr_dir(work: &Path, site: Site, index: usize) -> PathBuf {
    let dir = work.join(format!("agent-{}{index}", site.letter()));
    fs::create_dir_all(&dir).expect("make an agent's directory");
    dir
}
