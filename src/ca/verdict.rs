//! Verdicts: what autosign, or the enrolment token a request presents, would do with the
//! requests the CA holds, the issuance policy included (`cert list`, `cert --sign --all`, `cert
//! autosign check`); nothing is signed. The decisions themselves are made as an enrolment makes
//! them ([`super::enroll`]), so that a verdict and an enrolment cannot differ.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::autosign::{self, Autosign, Decision};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, FileError};
use crate::progress::Stage;
use crate::settings::Settings;
use crate::store::{Read, Store};
use crate::token::Token;

use super::enroll::{decide_by_token, decide_with};
use super::tokens::{self, TokenBook};
use super::{Ca, Config, Outcome};

/// Policy programs run at once by [`Ca::autosign_decisions`].
const AUTOSIGN_THREADS: usize = 8;

impl Ca {
    /// What autosign would do with each pending request, the issuance policy included: the
    /// answer `cert --list` and `cert --sign --all` show. Reads each queued CSR and runs the
    /// policy program (if that is the setting) for each, a few at a time; nothing is signed.
    pub fn autosign_decisions(&self) -> Result<Vec<Outcome<Verdict>>, Error> {
        let names = self.pending()?;
        // One `autosign.conf` read for all; a request read only when the decision needs it:
        // all of them, read together, when a request may present an enrolment token (which
        // decides instead), with the tokens the store keeps as of now.
        let decider = autosign::Decider::new(&self.config.autosign);
        let book = self.token_book(OffsetDateTime::now_utc())?;
        let requests: HashMap<Certname, Vec<u8>> = if self.config.autosign_tokens {
            self.store.requests_many(&names)?.into_iter().collect()
        } else {
            HashMap::new()
        };
        let verdicts = self.progress.stage(Stage::Autosign, names.len(), || {
            crate::parallel::map(
                &names,
                AUTOSIGN_THREADS,
                1,
                |name| {
                    let verdict = self.verdict_of(&decider, &book, name, requests.get(name));
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
        let book = self.token_book(OffsetDateTime::now_utc())?;
        Ok(Verdict::new(&self.config, name, &pem, &book))
    }

    /// [`Ca::autosign_verdict`] with `decider` and the tokens of `book`: the request (unless
    /// `read` already) is read only when a policy program is given it or the decision is to
    /// sign (the issuance policy then checks it).
    fn verdict_of(
        &self,
        decider: &autosign::Decider<'_>,
        book: &TokenBook,
        name: &Certname,
        read: Option<&Vec<u8>>,
    ) -> Result<Verdict, Error> {
        let mut pem = read.cloned();
        if pem.is_none() && decider.reads_csr() {
            pem = Some(self.request_pem(name)?);
        }
        let decision = judge(
            &self.config,
            decider,
            book,
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
    /// setting is consulted), an enrolment token it presents checked against `book`.
    fn new(config: &Config, name: &Certname, pem: &[u8], book: &TokenBook) -> Verdict {
        let decider = autosign::Decider::new(&config.autosign);
        let decision = judge(config, &decider, book, name, pem);
        Verdict::checked(config, name, decision, pem)
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
    // The tokens the store keeps, read only when the request presents one: it is judged by
    // the token then, and a store that cannot say is an error, not an unknown token.
    let now = OffsetDateTime::now_utc();
    let book = match presented_in(config, &csr_pem) {
        Some(_) => TokenBook::new(Store::open(&config.store)?.tokens()?, now),
        None => TokenBook::new(Vec::new(), now),
    };
    let verdict = Verdict::new(config, &certname, &csr_pem, &book);
    Ok(AutosignReport { verdict, notes })
}

/// The decision for one queued request `pem` of `name` (empty when not known): by the
/// enrolment token it presents, checked against `book`, else by the setting as `decider` read
/// it; then the admin hold. What verdicts show; a batch decides as it goes
/// ([`Ca::enroll_once`]).
fn judge(
    config: &Config,
    decider: &autosign::Decider<'_>,
    book: &TokenBook,
    name: &Certname,
    pem: &[u8],
) -> Decision {
    match presented_in(config, pem) {
        Some(token) => decide_by_token(config, name, book.check(&token, name)),
        None => decide_with(config, decider, name, pem),
    }
}

/// The enrolment token the request `pem` presents, when the CA honours tokens and the request
/// parses.
fn presented_in(config: &Config, pem: &[u8]) -> Option<Token> {
    if !config.autosign_tokens || pem.is_empty() {
        return None;
    }
    let csr = Csr::from_pem(pem).ok()?;
    tokens::presented(config, &csr)
}
