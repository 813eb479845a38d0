//! Requests coming in: submit (CLI and daemon), autosign decisions, and batched enrolment
//! (check, autosign, sign and queue many requests in one transaction and one group commit: what
//! the daemon's signer calls). The signing itself is [`Batch`]'s; what autosign decides is
//! [`crate::autosign`]'s; a request that presents an enrolment token is decided by the token in
//! its batch, where the token's state is read and a use taken ([`crate::token`], `tokens`).
//! Verdicts on the requests the CA holds are `verdict`'s, made with the same decisions.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::audit::{self, Event};
use crate::authority::Policy;
use crate::autosign::{self, Autosign, Decision, Reason};
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, StoreError};
use crate::token::{Check, Token};

use super::batch::Batch;
use super::sign::same_key;
use super::tokens::{self, TokenBook};
use super::{Ca, Config, State};

/// A new request is refused while the name has any certificate, valid or revoked (unless
/// `allow_duplicate_certs`), as puppetserver refuses it.
const ANY_CERTIFICATE: &[State] = &[State::Signed, State::Revoked];

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

/// A CSR received for enrolment (the daemon's `PUT certificate_request`): checked as
/// [`Ca::receive`] checks it, and decided on by autosign or to be decided by its token.
#[derive(Debug)]
pub struct Enrollment {
    /// The name it was submitted for.
    pub name: Certname,
    /// The parsed, verified request.
    pub csr: Csr,
    /// What decides it.
    pub basis: Basis,
}

/// What decides a received request.
#[derive(Debug, Clone)]
pub enum Basis {
    /// Autosign, which decided as the request arrived (or as its batch was checked).
    Autosign(Decision),
    /// The enrolment token the request presents (tokens honoured): decided in the batch, where
    /// the token's state is read; the `autosign` setting is not asked (no policy program runs).
    Token(Token),
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
        let (csr, basis) = self.check_unchecked(&decider, &name, &pem)?;
        Ok(Received::Checked(Enrollment { name, csr, basis }))
    }

    /// Whether [`Ca::receive`] may block (it runs autosign's policy program, a process per
    /// request, unless the request presents an enrolment token), rather than answering at
    /// once.
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
                    check.map(|(csr, basis)| Enrollment { name, csr, basis })
                }
                // `check_unchecked` answers every unchecked item; never reached.
                (Received::Unchecked { name, .. }, None) => Err(Error::Panicked {
                    task: format!("checking the request of {name}"),
                }),
            })
            .collect()
    }

    /// The checks of [`Ca::receive`], then autosign, unless the request presents an
    /// enrolment token (then the token decides, in the batch).
    fn check_unchecked(
        &self,
        decider: &autosign::Decider<'_>,
        name: &Certname,
        pem: &[u8],
    ) -> Result<(Csr, Basis), Error> {
        let csr = Csr::from_pem(pem)?;
        check_signable(name, &csr)?;
        if let Some(token) = tokens::presented(&self.config, &csr) {
            return Ok((csr, Basis::Token(token)));
        }
        let decision = decide_with(&self.config, decider, name, pem);
        Ok((csr, Basis::Autosign(decision)))
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
    ///
    /// A batch whose requests present enrolment tokens reads those tokens first (for a database,
    /// one query that goes with the flight opening the transaction: two round trips in all;
    /// none when no request presents one) and takes their uses in the same transaction as it
    /// signs (with the commit's flight): when
    /// another node took the last use meanwhile, the store refuses the batch as a whole
    /// ([`StoreError::TokenSpent`]) and it is done again likewise, the tokens read and held
    /// this time, so that the request that lost stays pending with the reason.
    fn enroll_batch(
        &self,
        items: Vec<Enrollment>,
        now: OffsetDateTime,
    ) -> Result<Vec<Result<Submitted, Error>>, Error> {
        if !self.config.allow_duplicate_certs {
            match self.enroll_once(&items, now, Duplicates::LeftToTheStore) {
                Err(Error::Store(StoreError::Conflict { .. } | StoreError::TokenSpent { .. })) => {}
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
        let held = duplicates == Duplicates::Read;
        let (decisions, presented) = self.decide_batch(&mut batch, items, &answers, held, now)?;
        // Signed: those with neither yet that autosign or their token said sign.
        let requests: Vec<(&Certname, &Csr)> = items
            .iter()
            .zip(&answers)
            .zip(&decisions)
            .filter(|((_, answer), decision)| decision.sign && matches!(answer, Ok(None)))
            .map(|((item, _), _)| (&item.name, &item.csr))
            .collect();
        let mut signed = batch
            .sign(&requests, &self.config.policy, None)?
            .into_iter();
        let submitted: Vec<Result<Submitted, Error>> = items
            .iter()
            .zip(answers)
            .zip(decisions)
            .map(|((item, answer), decision)| {
                let (signed, existing) = match answer? {
                    Some(certificate) => (Some(Ok(certificate)), true),
                    // One result per request given to sign, in order.
                    None if decision.sign => (signed.next(), false),
                    None => (None, false),
                };
                Ok(Submitted {
                    csr: item.csr.clone(),
                    decision,
                    signed,
                    existing,
                })
            })
            .collect();
        self.record_outcomes(&mut batch, items, &submitted, &presented, now)?;
        batch.commit()?;
        Ok(submitted)
    }

    /// What decides each item of a batch (`answers`: what it already got), and for one that
    /// presented a token and has no certificate yet, what the token said and whether a use was
    /// taken. The tokens presented are read once (nothing read, no round trip, when none is),
    /// `held` against other nodes' uses when the batch is done again; the uses are taken before
    /// the certificates they pay for: a crash in between (files) costs a use, never gives one
    /// back; a database takes them in the transaction's next flight, with the certificates.
    fn decide_batch(
        &self,
        batch: &mut Batch<'_>,
        items: &[Enrollment],
        answers: &[Result<Option<Certificate>, Error>],
        held: bool,
        now: OffsetDateTime,
    ) -> Result<(Vec<Decision>, Vec<Presented>), Error> {
        let hashes: Vec<String> = items
            .iter()
            .filter_map(|item| match &item.basis {
                Basis::Token(token) => Some(token.hash()),
                Basis::Autosign(_) => None,
            })
            .collect();
        let mut book = TokenBook::new(batch.transaction().tokens_of(&hashes, held)?, now);
        let mut presented: Vec<Presented> = Vec::with_capacity(items.len());
        let decisions: Vec<Decision> = items
            .iter()
            .zip(answers)
            .map(|(item, answer)| match &item.basis {
                Basis::Autosign(decision) => {
                    presented.push(None);
                    decision.clone()
                }
                Basis::Token(token) => {
                    let check = book.check(token, &item.name);
                    let decision = decide_by_token(&self.config, &item.name, check.clone());
                    if !matches!(answer, Ok(None)) {
                        presented.push(None);
                        return decision;
                    }
                    // A use pays for a certificate: none for a name held for an
                    // administrator or a request the issuance policy refuses.
                    let take =
                        decision.sign && self.config.policy.check(&item.name, &item.csr).is_ok();
                    if take {
                        book.take(token);
                    }
                    presented.push(Some((check, take)));
                    decision
                }
            })
            .collect();
        batch.transaction().use_tokens(&book.uses(), now)?;
        Ok((decisions, presented))
    }

    /// Queue what stays pending (left by autosign or its token, or refused by the issuance
    /// policy), then audit: the certificates first, then the refusals, then the names held for
    /// an administrator, then what each token presented did.
    fn record_outcomes(
        &self,
        batch: &mut Batch<'_>,
        items: &[Enrollment],
        submitted: &[Result<Submitted, Error>],
        presented: &[Presented],
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let queued: Vec<(Certname, String)> = items
            .iter()
            .zip(submitted)
            .filter_map(|(item, submitted)| match submitted {
                Ok(Submitted {
                    signed: None | Some(Err(_)),
                    ..
                }) => Some((item.name.clone(), item.csr.to_pem())),
                _ => None,
            })
            .collect();
        batch.transaction().put_requests(&queued)?;
        for certificates in [true, false] {
            for ((item, submitted), token) in items.iter().zip(submitted).zip(presented) {
                let Ok(Submitted {
                    signed: Some(result),
                    existing: false,
                    ..
                }) = submitted
                else {
                    continue;
                };
                if result.is_ok() != certificates {
                    continue;
                }
                match token {
                    // Signed on a token's grant: the token is who signed.
                    Some((check, true)) => {
                        let actor = format!("token:{}", check.id());
                        let event = Event::new(now, &actor, "sign", &item.name);
                        batch.audit(match result {
                            Ok(certificate) => self.certificate_event(event, certificate),
                            Err(error) => event.refused(error),
                        });
                    }
                    _ => batch.audit_sign(&item.name, result),
                }
            }
        }
        for (item, submitted) in items.iter().zip(submitted) {
            if let Ok(Submitted {
                signed: None,
                decision,
                ..
            }) = submitted
            {
                if matches!(decision.reason, Reason::HeldForAdministrator { .. }) {
                    let event = batch.event("sign", &item.name).refused(decision);
                    batch.audit(event);
                }
            }
        }
        for ((item, submitted), token) in items.iter().zip(submitted).zip(presented) {
            let (Some((check, taken)), Ok(submitted)) = (token, submitted) else {
                continue;
            };
            let failure = match &submitted.signed {
                Some(Ok(_)) => None,
                Some(Err(error)) => Some(error.to_string()),
                None => match &submitted.decision.reason {
                    Reason::Token(_) => None,
                    other => Some(other.to_string()),
                },
            };
            let event = self.token_use_event(batch, &item.name, check, *taken, failure);
            batch.audit(event);
        }
        Ok(())
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
}

/// What a token presented in a batch said, and whether a use of it was taken (`None`: no
/// token, or the request was answered without signing).
type Presented = Option<(Check, bool)>;

/// How a batch of [`Ca::enroll_once`] meets the duplicate rule, and the uses of the enrolment
/// tokens its requests present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duplicates {
    /// Read nothing: the store refuses the batch if any name has a certificate; read the
    /// tokens without holding them: the store refuses the batch if another took their uses.
    LeftToTheStore,
    /// Read the names' certificates first, and hold the tokens read until the batch ends.
    Read,
}

/// Refused unless some administrator could sign `csr` for `name`: the CN matches and
/// [`Policy::PERMISSIVE`] accepts it.
pub(super) fn check_signable(name: &Certname, csr: &Csr) -> Result<(), Error> {
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

/// The decision for a request of `name` that presents an enrolment token, which said `check`:
/// sign when it grants the name, whatever the `autosign` setting; then the admin hold, which
/// no token lifts.
pub(super) fn decide_by_token(config: &Config, name: &Certname, check: Check) -> Decision {
    hold_admins(
        config,
        name,
        autosign::decision(Reason::Token(check), Vec::new()),
    )
}

/// The one place the `autosign` setting decides: the setting (as `decider` read it), then the
/// admin hold.
pub(super) fn decide_with(
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
