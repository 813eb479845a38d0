//! The web console's operations. Signing in: a one-time login link made on the CA host
//! ([`Ca::console_link`], `cert console login`), exchanged once for a session
//! ([`Ca::console_sign_in`]), or an admin's verified client certificate
//! ([`Ca::console_sign_in_admin`]); a session's requests ([`Ca::console_session`]) and its end
//! ([`Ca::console_sign_out`]); every sign-in and sign-out audited. What the Pending page shows
//! of each request ([`Ca::pending_requests`]), and signing or rejecting exactly the request an
//! administrator reviewed ([`Ca::sign_reviewed`], [`Ca::reject_reviewed`]): the same batch,
//! rules and audit lines as `cert sign` and `cert clean`, with the check that the request is
//! still the one whose fingerprint they saw, so that of two administrators acting on one
//! request one gets the result and the other a message saying what happened instead. The
//! rules of secrets and timeouts are [`crate::session`]'s; the console's HTTP is
//! `crate::serve`'s.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use crate::audit::Event;
use crate::certificate::{Certificate, Digest};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, KeyError, PolicyError, SessionError, StoreError};
use crate::session::{self, Secret};
use crate::store::{Read, SessionKind, SessionRecord};

use super::batch::Batch;
use super::{Ca, SignOptions, State, Verdict};

/// A login link just made: its secret (for the URL's fragment, shown once, never stored) and
/// when it stops working.
#[derive(Debug)]
pub struct LoginLink {
    /// The secret.
    pub secret: Secret,
    /// The end of its lifetime.
    pub expires: OffsetDateTime,
}

/// An open console session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who acts in it, as the audit trail names them (`console:cli:<user>`,
    /// `console:client:<CN>`).
    pub actor: String,
    /// Its secret: the cookie's value, and what its CSRF token is derived from.
    pub secret: Secret,
    /// Whether it was opened just now (the cookie must be set).
    pub new: bool,
}

/// One queued request as the console's Pending page shows it.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    /// The certname.
    pub name: Certname,
    /// SHA-256 fingerprint of the request.
    pub fingerprint: String,
    /// Alt names asked for (`DNS:x`, `IP:y`).
    pub alt_names: Vec<String>,
    /// Requested extensions: Puppet's name for each (`pp_role`) or its OID, and its value as
    /// text; attacker-chosen, to be escaped by whoever shows them.
    pub extensions: Vec<(String, String)>,
    /// When it arrived, when the store knows.
    pub arrived: Option<SystemTime>,
    /// What autosign would do with it, and why (or why that cannot be said).
    pub verdict: Result<Verdict, String>,
    /// The lifetime its certificate gets when signed without asking for one.
    pub lifetime: Duration,
    /// Why the CA's issuance policy refuses to sign it as it is (alt names need an
    /// administrator's permission, say), when it does.
    pub refusal: Option<String>,
    /// Why the stored request cannot be read, when it cannot (it is listed anyway).
    pub problem: Option<String>,
}

impl Ca {
    /// Make a one-time login link for this handle's actor (`cli:<user>`: whoever runs `cert
    /// console login` on the CA host), valid for `lifetime` (5 minutes by default). Audited.
    pub fn console_link(
        &self,
        lifetime: Option<Duration>,
        now: OffsetDateTime,
    ) -> Result<LoginLink, Error> {
        let lifetime = session::link_lifetime(lifetime)?;
        let secret = random_secret()?;
        let record = session::link_record(&secret, &self.actor, now, lifetime);
        let mut batch = Batch::begin(self, &self.actor, now)?;
        batch.transaction().put_session(&record)?;
        let event = batch
            .event_about("console-link", &self.ca_name())
            .because(&format!(
                "a sign-in link for the web console, valid {} s",
                lifetime.as_secs()
            ));
        batch.audit(event);
        batch.commit()?;
        Ok(LoginLink {
            secret,
            expires: record.expires,
        })
    }

    /// Exchange the login link whose secret is `link` for a new session of the link's actor;
    /// the link is used up. Refused ([`SessionError::LinkUnusable`]) when the link is unknown,
    /// expired or used already. Audited.
    pub fn console_sign_in(&self, link: &Secret, now: OffsetDateTime) -> Result<Session, Error> {
        let mut batch = Batch::begin(self, &self.actor, now)?;
        let taken = batch
            .transaction()
            .take_session(&link.hash(), SessionKind::Link, now)?;
        let Some(record) = taken.filter(|record| session::link_usable(record, now)) else {
            // An expired link found was removed: that much is kept.
            batch.commit()?;
            return Err(SessionError::LinkUnusable.into());
        };
        let actor = session::console_actor(&record.actor);
        self.open_session(batch, actor, "a one-time sign-in link", now)
    }

    /// A new session for the admin whose verified client certificate names `identity`
    /// (`client:<CN>`): the caller has checked that the daemon gives that certificate admin
    /// rights. Audited.
    pub fn console_sign_in_admin(
        &self,
        identity: &str,
        now: OffsetDateTime,
    ) -> Result<Session, Error> {
        let batch = Batch::begin(self, &self.actor, now)?;
        let actor = session::console_actor(identity);
        self.open_session(batch, actor, "an admin's client certificate", now)
    }

    /// Record a new session for `actor` in `batch`, audited as signed in with `how`.
    fn open_session(
        &self,
        mut batch: Batch<'_>,
        actor: String,
        how: &str,
        now: OffsetDateTime,
    ) -> Result<Session, Error> {
        let secret = random_secret()?;
        let record = session::session_record(&secret, &actor, now);
        batch.transaction().put_session(&record)?;
        let event = Event::about(now, &actor, "console-sign-in", &self.ca_name())
            .because(&format!("signed in to the web console with {how}"));
        batch.audit(event);
        batch.commit()?;
        Ok(Session {
            actor,
            secret,
            new: true,
        })
    }

    /// The session whose cookie holds `secret`, when it is open at `now` (recording the
    /// request, at most once a minute); `None` when it ended or never was.
    pub fn console_session(
        &self,
        secret: &Secret,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, Error> {
        let hash = secret.hash();
        let Some(record) = self.store.session(&hash)? else {
            return Ok(None);
        };
        if !session::is_live(&record, now) {
            return Ok(None);
        }
        if session::needs_touch(&record, now) {
            self.store.touch_session(&hash, now)?;
        }
        Ok(Some(session_of(record, secret)))
    }

    /// End `session` (signing out). Audited.
    pub fn console_sign_out(&self, session: &Session, now: OffsetDateTime) -> Result<(), Error> {
        let mut batch = Batch::begin(self, &session.actor, now)?;
        batch.transaction().remove_session(&session.secret.hash())?;
        let event = batch
            .event_about("console-sign-out", &self.ca_name())
            .because("signed out of the web console");
        batch.audit(event);
        batch.commit()
    }

    /// Every queued request, with what the Pending page shows of it: the `cert --list` view
    /// (autosign's verdict included) plus its requested extensions and arrival time.
    pub fn pending_requests(&self) -> Result<Vec<PendingRequest>, Error> {
        let names = self.pending()?;
        let arrived: HashMap<Certname, SystemTime> =
            self.store.request_times()?.into_iter().collect();
        let mut verdicts: HashMap<Certname, Result<Verdict, Error>> =
            self.autosign_decisions()?.into_iter().collect();
        let mut requests = Vec::new();
        for (name, pem) in self.store.requests_many(&names)? {
            let verdict = verdicts.remove(&name).unwrap_or_else(|| {
                Err(StoreError::NotFound {
                    what: "a certificate request",
                    name: name.to_string(),
                }
                .into())
            });
            let arrived = arrived.get(&name).copied();
            requests.push(self.pending_entry(name, &pem, arrived, verdict));
        }
        requests.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(requests)
    }

    /// The queued request of `name` as [`Ca::pending_requests`] shows it, if there is one.
    pub fn pending_request(&self, name: &Certname) -> Result<Option<PendingRequest>, Error> {
        let Some(pem) = self.store.request(name)? else {
            return Ok(None);
        };
        let arrived = self
            .store
            .request_times()?
            .into_iter()
            .find(|(queued, _)| queued == name)
            .map(|(_, time)| time);
        let verdict = self.autosign_verdict(name);
        Ok(Some(self.pending_entry(
            name.clone(),
            &pem,
            arrived,
            verdict,
        )))
    }

    /// What the Pending page shows of the request `pem` of `name`.
    fn pending_entry(
        &self,
        name: Certname,
        pem: &[u8],
        arrived: Option<SystemTime>,
        verdict: Result<Verdict, Error>,
    ) -> PendingRequest {
        let verdict = verdict.map_err(|error| error.to_string());
        match Csr::from_pem(pem) {
            Ok(csr) => PendingRequest {
                lifetime: self.lifetime(&csr, None),
                refusal: self
                    .config
                    .policy
                    .check(&name, &csr)
                    .err()
                    .map(|error| error.to_string()),
                fingerprint: crate::certificate::fingerprint(csr.der(), Digest::Sha256),
                alt_names: csr.alt_names().iter().map(ToString::to_string).collect(),
                extensions: csr
                    .extensions()
                    .iter()
                    .map(|extension| (extension.name(), extension.value_text()))
                    .collect(),
                name,
                arrived,
                verdict,
                problem: None,
            },
            Err(error) => PendingRequest {
                lifetime: self.config.ttl,
                refusal: None,
                fingerprint: String::new(),
                alt_names: Vec::new(),
                extensions: Vec::new(),
                name,
                arrived,
                verdict,
                problem: Some(error.to_string()),
            },
        }
    }

    /// Sign the queued request of `name` on behalf of `actor` if it is still the one whose
    /// SHA-256 fingerprint is `reviewed` (what `cert sign` does, in the same batch, with the
    /// same audit line); [`SessionError::NotReviewed`], saying what the CA holds instead, when
    /// it was replaced, signed or removed meanwhile.
    pub fn sign_reviewed(
        &self,
        actor: &str,
        name: &Certname,
        reviewed: &str,
        options: SignOptions,
        now: OffsetDateTime,
    ) -> Result<Certificate, Error> {
        let pem = self.reviewed_pem(name, reviewed)?;
        let outcome = self
            .sign_batch(actor, std::slice::from_ref(name), options, now, Some(&pem))?
            .pop();
        match outcome {
            Some((_, Ok(certificate))) => Ok(certificate),
            // Signed, removed or replaced between the look and the batch's claim.
            Some((_, Err(Error::Store(StoreError::NotFound { .. }))))
            | Some((_, Err(Error::Policy(PolicyError::Replaced { .. })))) => {
                Err(self.not_reviewed(name, reviewed))
            }
            Some((_, Err(error))) => Err(error),
            None => Err(Error::Panicked {
                task: format!("signing {name}"),
            }),
        }
    }

    /// Remove the queued request of `name` on behalf of `actor` (what `cert clean` does to a
    /// request, audited as a clean) if it is still the one whose fingerprint is `reviewed`;
    /// [`SessionError::NotReviewed`] (audited as refused) otherwise. Nothing else of the name
    /// is touched: a certificate another administrator signed meanwhile stays.
    pub fn reject_reviewed(
        &self,
        actor: &str,
        name: &Certname,
        reviewed: &str,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let mut batch = Batch::begin(self, actor, now)?;
        batch.claim(std::slice::from_ref(name))?;
        let current = match batch.reads().request(name)? {
            Some(pem) => Some(request_fingerprint(&pem)?),
            None => None,
        };
        let event = batch.event("clean", name);
        if current.as_deref() != Some(reviewed) {
            // What the claim lets this batch see is what the last writer of the name left.
            let error = self.not_reviewed(name, reviewed);
            batch.audit(event.refused(&error));
            batch.commit()?;
            return Err(error);
        }
        batch.transaction().delete_request(name)?;
        batch.audit(event.because(&format!(
            "the pending request (SHA-256 {reviewed}) rejected in the web console"
        )));
        batch.commit()
    }

    /// The queued request of `name` (PEM) when its fingerprint is `reviewed`.
    fn reviewed_pem(&self, name: &Certname, reviewed: &str) -> Result<Vec<u8>, Error> {
        let pem = match self.store.request(name)? {
            Some(pem) => pem,
            None => return Err(self.not_reviewed(name, reviewed)),
        };
        if request_fingerprint(&pem)? != reviewed {
            return Err(self.not_reviewed(name, reviewed));
        }
        Ok(pem)
    }

    /// [`SessionError::NotReviewed`] for `name`, saying what the CA holds for it now and who
    /// made it so (the audit trail's last change of the name).
    fn not_reviewed(&self, name: &Certname, reviewed: &str) -> Error {
        let state = match self.status(name) {
            Ok(status) if status.state == State::Requested => {
                format!(
                    "another request is queued now (SHA-256 {})",
                    status.fingerprint
                )
            }
            Ok(status) => format!(
                "it is {} now (serial {})",
                status.state.as_str(),
                status
                    .serial
                    .map_or_else(|| "unknown".to_owned(), |serial| serial.to_string())
            ),
            Err(_) => "nothing is queued for it any more".to_owned(),
        };
        let by = self
            .audit()
            .ok()
            .and_then(|events| {
                events
                    .into_iter()
                    .rev()
                    .find(|event| event.name == name.as_str() && event.decision == "done")
            })
            .map(|event| {
                let done = match event.action.as_str() {
                    "sign" => "signed",
                    "revoke" => "revoked",
                    "clean" => "cleaned",
                    other => other,
                };
                format!(", {done} by {} at {}", event.actor, event.time)
            })
            .unwrap_or_default();
        SessionError::NotReviewed {
            name: name.to_string(),
            reviewed: reviewed.to_owned(),
            now: format!("{state}{by}"),
        }
        .into()
    }

    /// The CA's CN: what the audit trail names for sign-ins and enrolment tokens.
    pub(super) fn ca_name(&self) -> String {
        self.authority.certificate().common_name.clone()
    }
}

/// The SHA-256 fingerprint of the request `pem`.
fn request_fingerprint(pem: &[u8]) -> Result<String, Error> {
    let csr = Csr::from_pem(pem)?;
    Ok(crate::certificate::fingerprint(csr.der(), Digest::Sha256))
}

/// The open session of `record`, whose secret is `secret`.
fn session_of(record: SessionRecord, secret: &Secret) -> Session {
    Session {
        actor: record.actor,
        secret: secret.clone(),
        new: false,
    }
}

/// A new secret from the system's random generator.
fn random_secret() -> Result<Secret, Error> {
    let mut random = [0u8; session::SECRET_BYTES];
    openssl::rand::rand_bytes(&mut random).map_err(|e| KeyError::Generate {
        reason: e.to_string(),
    })?;
    Ok(Secret::from_random(&random))
}
