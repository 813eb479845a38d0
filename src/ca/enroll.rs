//! Requests coming in: submit (CLI and daemon), autosign decisions and verdicts, and batched
//! enrolment (check, autosign, sign and queue many requests in one transaction and one group
//! commit: what the daemon's signer calls). The signing itself is [`Batch`]'s; what autosign
//! decides is [`crate::autosign`]'s.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::audit;
use crate::authority::Policy;
use crate::autosign::{self, Autosign, Decision};
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, FileError, StoreError};
use crate::progress::Stage;
use crate::settings::Settings;
use crate::store::{Read, Store};

use super::batch::Batch;
use super::sign::same_key;
use super::{Ca, Config, Outcome, State};

/// A new request is refused while the name has any certificate, valid or revoked (unless
/// `allow_duplicate_certs`), as puppetserver refuses it.
const ANY_CERTIFICATE: &[State] = &[State::Signed, State::Revoked];

/// Policy programs run at once by [`Ca::autosign_decisions`].
const AUTOSIGN_THREADS: usize = 8;

/// Requests one thread of [`Ca::enroll`] checks at least (a signature verification each, about
/// what starting a thread costs).
const CHECKS_PER_THREAD: usize = 4;

/// What happened to a submitted CSR.
#[derive(Debug)]
pub struct Submitted {
    /// The queued request.
    pub csr: Csr,
    /// What autosign decided, and why.
    pub decision: Decision,
    /// The signing result when autosign said sign (`Err` leaves the request pending), or the
    /// certificate the name already has for this request's key ([`Submitted::existing`]).
    pub signed: Option<Result<Certificate, Error>>,
    /// Whether `signed` is the valid certificate the name already had for this request's key
    /// (the same request sent again, say after its answer was lost), not one signed now.
    pub existing: bool,
}

/// A CSR received for enrolment (the daemon's `PUT certificate_request`): checked by
/// [`Ca::receive`] and decided on by autosign.
#[derive(Debug)]
pub struct Enrollment {
    /// The name it was submitted for.
    pub name: Certname,
    /// The parsed, verified request.
    pub csr: Csr,
    /// What autosign decided.
    pub decision: Decision,
}

/// A CSR received for enrolment, for [`Ca::enroll`]: as it came, or already checked and
/// decided on (what the daemon does as a request arrives when autosign runs a policy program,
/// which should not hold up a batch: [`Ca::receive_blocks`]).
// Each is moved once, into a batch; boxing the large variant only adds an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Received {
    /// Checked and decided on.
    Checked(Enrollment),
    /// As received: the name it was submitted for and the CSR's PEM.
    Unchecked {
        /// The name it was submitted for.
        name: Certname,
        /// The PEM body.
        pem: Vec<u8>,
    },
}

impl Received {
    /// The name it was submitted for.
    pub fn name(&self) -> &Certname {
        match self {
            Received::Checked(enrollment) => &enrollment.name,
            Received::Unchecked { name, .. } => name,
        }
    }
}

impl Ca {
    /// Take in a CSR received out of band (`cert submit FILE`): filed under the certname its
    /// CN names (which must be a valid certname), enrolled as the daemon enrols a `PUT
    /// certificate_request`, in one transaction ([`Ca::enroll`]).
    pub fn submit_by_common_name(
        &self,
        pem: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Certname, Submitted), Error> {
        let csr = Csr::from_pem(pem)?;
        let name = Certname::parse(csr.common_name())?;
        let received = self.receive(name.clone(), pem.to_vec())?;
        let submission = self.enroll(vec![received], now).pop().unwrap_or_else(|| {
            // `enroll` answers every item; never reached.
            Err(Error::Panicked {
                task: format!("enrolling {name}"),
            })
        })?;
        Ok((name, submission))
    }

    /// Take in a CSR received for `name` (`pem`, as it came): when autosign runs a policy
    /// program, checked (parse, signature, CN equals `name`, nothing no administrator could
    /// ever sign) and decided on now, so that a slow program holds up no batch; otherwise left
    /// for [`Ca::enroll`], which checks a batch's requests together on all cores. May run the
    /// program, and so block for its timeout, when [`Ca::receive_blocks`] says so. A refusal
    /// here is the request's answer; the duplicate rule is the batch's (in its transaction).
    ///
    /// A request that the issuance policy refuses whatever the settings and flags (CA:TRUE,
    /// key usages, unknown extensions, `pp_cli_auth`, wildcard or e-mail alt names, too many
    /// alt names) is refused with the message signing would give, and never queued. One held
    /// back only by what an administrator may allow (alt names without
    /// `allow-subject-alt-names`, authorization extensions) is queued for them.
    pub fn receive(&self, name: Certname, pem: Vec<u8>) -> Result<Received, Error> {
        if !self.receive_blocks() {
            return Ok(Received::Unchecked { name, pem });
        }
        let decider = autosign::Decider::new(&self.config.autosign);
        let (csr, decision) = self.check_unchecked(&decider, &name, &pem)?;
        Ok(Received::Checked(Enrollment {
            name,
            csr,
            decision,
        }))
    }

    /// Whether [`Ca::receive`] may block (it runs autosign's policy program, a process per
    /// request), rather than answering at once.
    pub fn receive_blocks(&self) -> bool {
        matches!(self.config.autosign, Autosign::Program(_))
    }

    /// Enrol many received CSRs at once, in one transaction and one group commit for the whole
    /// batch (the daemon's group commit; `cert submit`, a batch of one).
    ///
    /// The requests not checked yet are checked as [`Ca::receive`] checks them (on
    /// all cores; the duplicate rule in the transaction) and decided on by autosign (an
    /// `autosign.conf` read once for the batch), before the transaction begins. Those autosign
    /// said sign are signed (serials reserved together, signatures made on all cores) and
    /// recorded; a request signed here is never queued in the store, since its certificate
    /// replaces it in the same step. Those left pending, or refused by the issuance policy,
    /// are queued. Everything is durable when this returns. A name given twice is refused the
    /// second time; a duplicate certificate is refused unless allowed.
    pub fn enroll(
        &self,
        items: Vec<Received>,
        now: OffsetDateTime,
    ) -> Vec<Result<Submitted, Error>> {
        // The refused answer as they are; the others go through one batch.
        let mut answers = Vec::with_capacity(items.len());
        let mut enrollments = Vec::new();
        for item in self.check_received(items) {
            match item {
                Ok(enrollment) => {
                    enrollments.push(enrollment);
                    answers.push(None);
                }
                Err(error) => answers.push(Some(Err(error))),
            }
        }
        let count = enrollments.len();
        let enrolled = match count {
            0 => Vec::new(),
            _ => self.enroll_batch(enrollments, now).unwrap_or_else(|error| {
                // The batch failed as a whole (lock, serial, disk): report it for every item.
                (0..count)
                    .map(|_| Err(self.batch_failed("enroll", &error)))
                    .collect()
            }),
        };
        let mut enrolled = enrolled.into_iter();
        answers
            .into_iter()
            .map(|answer| {
                answer.or_else(|| enrolled.next()).unwrap_or_else(|| {
                    // `enroll_batch` answers every item; this is never reached.
                    Err(Error::Panicked {
                        task: "enrolment".into(),
                    })
                })
            })
            .collect()
    }

    /// `items`, each checked (unless it was already) as [`Ca::receive`] checks, the duplicate
    /// rule left to the transaction, and decided on by autosign (one
    /// [`autosign::Decider`] for all): on all cores.
    fn check_received(&self, items: Vec<Received>) -> Vec<Result<Enrollment, Error>> {
        let decider = autosign::Decider::new(&self.config.autosign);
        let checks = crate::parallel::map(
            &items,
            crate::parallel::cores(),
            CHECKS_PER_THREAD,
            |item| match item {
                Received::Checked(_) => None,
                Received::Unchecked { name, pem } => {
                    Some(self.check_unchecked(&decider, name, pem))
                }
            },
            |item| {
                let task = format!("checking the request of {}", item.name());
                Some(Err(Error::Panicked { task }))
            },
        );
        items
            .into_iter()
            .zip(checks)
            .map(|(item, check)| match (item, check) {
                (Received::Checked(enrollment), _) => Ok(enrollment),
                (Received::Unchecked { name, .. }, Some(check)) => {
                    check.map(|(csr, decision)| Enrollment {
                        name,
                        csr,
                        decision,
                    })
                }
                // `check_unchecked` answers every unchecked item; never reached.
                (Received::Unchecked { name, .. }, None) => Err(Error::Panicked {
                    task: format!("checking the request of {name}"),
                }),
            })
            .collect()
    }

    /// The checks of [`Ca::receive`], then autosign.
    fn check_unchecked(
        &self,
        decider: &autosign::Decider<'_>,
        name: &Certname,
        pem: &[u8],
    ) -> Result<(Csr, Decision), Error> {
        let csr = Csr::from_pem(pem)?;
        check_signable(name, &csr)?;
        Ok((csr, decide_with(&self.config, decider, name, pem)))
    }

    /// [`Ca::enroll`] in one [`Batch`]: each item refused (nothing written for it), left
    /// pending (queued), or signed (queued too when the policy refuses it).
    ///
    /// Most names have no certificate yet, so the batch first reads nothing: it requires of
    /// the store that none has one ([`crate::store::Transaction::require_no_certificate`]),
    /// which a database checks in the same flight as the writes, making the whole batch one
    /// round trip. When one does have a certificate the store refuses the batch as a whole,
    /// and it is done again with the names' certificates read first (the serials of the first
    /// try are a gap, never reused).
    fn enroll_batch(
        &self,
        items: Vec<Enrollment>,
        now: OffsetDateTime,
    ) -> Result<Vec<Result<Submitted, Error>>, Error> {
        if !self.config.allow_duplicate_certs {
            match self.enroll_once(&items, now, Duplicates::LeftToTheStore) {
                Err(Error::Store(StoreError::Conflict { .. })) => {}
                other => return other,
            }
        }
        self.enroll_once(&items, now, Duplicates::Read)
    }

    /// One try of [`Ca::enroll_batch`].
    fn enroll_once(
        &self,
        items: &[Enrollment],
        now: OffsetDateTime,
        duplicates: Duplicates,
    ) -> Result<Vec<Result<Submitted, Error>>, Error> {
        let mut batch = Batch::begin(self, audit::AUTOSIGN_ACTOR, now)?;
        let names: Vec<Certname> = items.iter().map(|item| item.name.clone()).collect();
        batch.claim(&names)?;
        let mut existing = match duplicates {
            Duplicates::LeftToTheStore => {
                batch.transaction().require_no_certificate(&names)?;
                HashMap::new()
            }
            // The duplicate rule's reads for the whole batch at once (one query for a
            // database).
            Duplicates::Read if self.config.allow_duplicate_certs => HashMap::new(),
            Duplicates::Read => self.existing_certificates(batch.reads(), &names)?,
        };
        // Before signing, each item is refused (nothing written for it), answered with the
        // name's certificate for this request's key, or neither yet (`None`).
        let answers: Vec<Result<Option<Certificate>, Error>> = items
            .iter()
            .map(|Enrollment { name, csr, .. }| {
                batch.admit(name)?;
                let found = existing.remove(name).transpose()?;
                self.answer_for_existing(name, csr, found, now)
            })
            .collect();
        // Signed: those with neither yet that autosign said sign.
        let requests: Vec<(&Certname, &Csr)> = items
            .iter()
            .zip(&answers)
            .filter(|(item, answer)| item.decision.sign && matches!(answer, Ok(None)))
            .map(|(item, _)| (&item.name, &item.csr))
            .collect();
        let mut signed = batch
            .sign(&requests, &self.config.policy, None)?
            .into_iter();
        let submitted: Vec<Result<Submitted, Error>> = items
            .iter()
            .zip(answers)
            .map(|(item, answer)| {
                let (signed, existing) = match answer? {
                    Some(certificate) => (Some(Ok(certificate)), true),
                    // One result per request given to sign, in order.
                    None if item.decision.sign => (signed.next(), false),
                    None => (None, false),
                };
                Ok(Submitted {
                    csr: item.csr.clone(),
                    decision: item.decision.clone(),
                    signed,
                    existing,
                })
            })
            .collect();
        // Queue what stays pending (left by autosign, or refused by the issuance policy).
        let queued: Vec<(Certname, String)> = items
            .iter()
            .zip(&submitted)
            .filter_map(|(item, submitted)| match submitted {
                Ok(Submitted {
                    signed: None | Some(Err(_)),
                    ..
                }) => Some((item.name.clone(), item.csr.to_pem())),
                _ => None,
            })
            .collect();
        batch.transaction().put_requests(&queued)?;
        // The certificates first, then the refusals, then the names held for an administrator.
        for certificates in [true, false] {
            for (item, submitted) in items.iter().zip(&submitted) {
                if let Ok(Submitted {
                    signed: Some(result),
                    existing: false,
                    ..
                }) = submitted
                {
                    if result.is_ok() == certificates {
                        batch.audit_sign(&item.name, result);
                    }
                }
            }
        }
        for (item, submitted) in items.iter().zip(&submitted) {
            if let Ok(Submitted {
                signed: None,
                decision,
                ..
            }) = submitted
            {
                if matches!(
                    decision.reason,
                    autosign::Reason::HeldForAdministrator { .. }
                ) {
                    let event = batch.event("sign", &item.name).refused(decision);
                    batch.audit(event);
                }
            }
        }
        batch.commit()?;
        Ok(submitted)
    }

    /// What a request for `name` gets when the name has `found` (its certificate and state):
    /// nothing yet (`None`, go on) when it has none or duplicates are allowed; the certificate
    /// itself when it is valid and was issued for this request's key (the same request sent
    /// again, say after its answer was lost: its agent gets what landed); otherwise refused, as
    /// puppetserver refuses a request while the name has a certificate.
    fn answer_for_existing(
        &self,
        name: &Certname,
        csr: &Csr,
        found: Option<(Certificate, State)>,
        now: OffsetDateTime,
    ) -> Result<Option<Certificate>, Error> {
        let Some((certificate, state)) = found else {
            return Ok(None);
        };
        if state == State::Signed && same_key(&certificate, csr) && certificate.not_after > now {
            return Ok(Some(certificate));
        }
        self.refuse_duplicate(name, Some(state), ANY_CERTIFICATE)?;
        Ok(None)
    }

    /// What autosign would do with each pending request, the issuance policy included: the
    /// answer `cert --list` and `cert --sign --all` show. Reads each queued CSR and runs the
    /// policy program (if that is the setting) for each, a few at a time; nothing is signed.
    pub fn autosign_decisions(&self) -> Result<Vec<Outcome<Verdict>>, Error> {
        let names = self.pending()?;
        // One `autosign.conf` read for all; a request read only when the decision needs it.
        let decider = autosign::Decider::new(&self.config.autosign);
        let verdicts = self.progress.stage(Stage::Autosign, names.len(), || {
            crate::parallel::map(
                &names,
                AUTOSIGN_THREADS,
                1,
                |name| {
                    let verdict = self.verdict_of(&decider, name);
                    self.progress.tick();
                    (name.clone(), verdict)
                },
                |name| {
                    let task = format!("the autosign decision for {name}");
                    (name.clone(), Err(Error::Panicked { task }))
                },
            )
        });
        Ok(verdicts)
    }

    /// What autosign would do with the queued request of `name`.
    pub fn autosign_verdict(&self, name: &Certname) -> Result<Verdict, Error> {
        let pem = self.request_pem(name)?;
        Ok(Verdict::new(&self.config, name, &pem))
    }

    /// [`Ca::autosign_verdict`] with `decider`: the request is read only when a policy
    /// program is given it or the decision is to sign (the issuance policy then checks it).
    fn verdict_of(
        &self,
        decider: &autosign::Decider<'_>,
        name: &Certname,
    ) -> Result<Verdict, Error> {
        let mut pem = None;
        if decider.reads_csr() {
            pem = Some(self.request_pem(name)?);
        }
        let decision = decide_with(
            &self.config,
            decider,
            name,
            pem.as_deref().unwrap_or_default(),
        );
        if !decision.sign {
            return Ok(Verdict {
                decision,
                refusal: None,
            });
        }
        let pem = match pem {
            Some(pem) => pem,
            None => self.request_pem(name)?,
        };
        Ok(Verdict::checked(&self.config, name, decision, &pem))
    }
}

/// How a batch of [`Ca::enroll_once`] meets the duplicate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duplicates {
    /// Read nothing: the store refuses the batch if any name has a certificate.
    LeftToTheStore,
    /// Read the names' certificates first.
    Read,
}

/// The `autosign` setting of `settings`, defaulting to `$confdir/autosign.conf`.
pub fn autosign_setting(settings: &Settings) -> Autosign {
    match &settings.autosign {
        Some(setting) => setting.clone(),
        None => Autosign::from_setting(&settings.confdir.join("autosign.conf").to_string_lossy()),
    }
}

/// What autosign would do with one request, the CA's issuance policy included.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// What the `autosign` setting decided, and why.
    pub decision: Decision,
    /// Why the issuance policy refuses the request, when the setting said sign but the CA
    /// would not: autosign never bypasses the policy.
    pub refusal: Option<String>,
}

impl Verdict {
    /// Decide for `name` and its CSR PEM (may be empty when no CSR is known; then only the
    /// setting is consulted).
    fn new(config: &Config, name: &Certname, pem: &[u8]) -> Verdict {
        Verdict::checked(config, name, decide(config, name, pem), pem)
    }

    /// `decision` for `name`, with why the issuance policy refuses its CSR `pem` (when the
    /// decision is to sign and the CSR is known).
    fn checked(config: &Config, name: &Certname, decision: Decision, pem: &[u8]) -> Verdict {
        let refusal = if decision.sign && !pem.is_empty() {
            Csr::from_pem(pem)
                .map_err(Error::from)
                .and_then(|csr| config.policy.check(name, &csr))
                .err()
                .map(|error| error.to_string())
        } else {
            None
        };
        Verdict { decision, refusal }
    }

    /// Whether autosign would sign the request.
    pub fn sign(&self) -> bool {
        self.decision.sign && self.refusal.is_none()
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.refusal {
            Some(refusal) if self.decision.sign => write!(
                formatter,
                "leave pending: {}, but the CA's policy refuses the request: {refusal}",
                self.decision.reason
            ),
            _ => write!(formatter, "{}", self.decision),
        }
    }
}

/// What `cert autosign check` reports.
#[derive(Debug)]
pub struct AutosignReport {
    /// The decision, its reason, and the policy's refusal if any.
    pub verdict: Verdict,
    /// Invalid lines and rules wider than they look, one line each.
    pub notes: Vec<String>,
}

/// Would autosign sign `name` (with the CSR at `csr_path`, else the request queued for `name`
/// in the CA, if any)? The CA's issuance policy applies on top: a request it would refuse is
/// never autosigned, nor a name holding admin rights (`config.admins`, this host's certname).
pub fn autosign_report(
    config: &Config,
    name: &str,
    csr_path: Option<&std::path::Path>,
) -> Result<AutosignReport, Error> {
    let certname = Certname::parse(name)?;
    let mut notes = Vec::new();
    if let Autosign::File(path) = &config.autosign {
        if let Ok(text) = std::fs::read_to_string(path) {
            let rules = autosign::Rules::parse(path, &text);
            notes.extend(rules.invalid().iter().map(ToString::to_string));
            notes.extend(rules.warnings().iter().map(ToString::to_string));
        }
    }
    let csr_pem = match csr_path {
        Some(path) => std::fs::read(path).map_err(|e| FileError::io("read", path, e))?,
        None => Store::open(&config.store)
            .and_then(|store| store.request(&certname))
            .ok()
            .flatten()
            .unwrap_or_default(),
    };
    let verdict = Verdict::new(config, &certname, &csr_pem);
    Ok(AutosignReport { verdict, notes })
}

/// Refused unless some administrator could sign `csr` for `name`: the CN matches and
/// [`Policy::PERMISSIVE`] accepts it.
fn check_signable(name: &Certname, csr: &Csr) -> Result<(), Error> {
    Policy::PERMISSIVE.check(name, csr)
}

/// What gives `name` admin rights in `cert serve`, if anything: the `--admin` list, or being
/// this CA server's own certname (its certificate carries `pp_cli_auth`, and whoever holds a
/// second certificate for it can pose as the CA server to every agent).
fn admin_grant(config: &Config, name: &Certname) -> Option<&'static str> {
    if name.as_str() == config.certname {
        Some("it is this CA server's own certname")
    } else if config.admins.iter().any(|admin| admin == name.as_str()) {
        Some("cert serve --admin")
    } else {
        None
    }
}

/// Autosign's decision for one request, its setting read now.
fn decide(config: &Config, name: &Certname, pem: &[u8]) -> Decision {
    decide_with(config, &autosign::Decider::new(&config.autosign), name, pem)
}

/// The one place autosign decides: the setting (as `decider` read it), then the admin hold.
fn decide_with(
    config: &Config,
    decider: &autosign::Decider<'_>,
    name: &Certname,
    pem: &[u8],
) -> Decision {
    let decision = decider.decide(name.as_str(), pem, &config.autosign_options);
    hold_admins(config, name, decision)
}

/// `decision` for `name`, held for an administrator when the name holds admin rights.
fn hold_admins(config: &Config, name: &Certname, decision: Decision) -> Decision {
    match admin_grant(config, name) {
        Some(grant) => autosign::hold_for_administrator(decision, name.as_str(), grant),
        None => decision,
    }
}
