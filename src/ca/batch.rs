//! Changes to the CA in one store transaction with the audit lines they make ([`Batch`]), and
//! the one sequence by which requests become certificates inside it: each name at most once,
//! the issuance policy checked before any serial is reserved, serials reserved together
//! (durably, before any certificate that uses them exists), signatures made on all cores, the
//! certificates recorded in one group commit with the requests they answer removed, and the
//! audit lines appended last, just before the commit.
//!
//! Signing queued requests ([`Ca::sign`]), enrolment ([`Ca::enroll`], the daemon's group commit),
//! certificates made on this host (`generate`, the CA server's own), renewal, revocation and
//! cleaning all go through a [`Batch`]. What a request must pass before it gets here (its CN,
//! the duplicate rule) is the caller's.

use std::collections::HashSet;
use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::Event;
use crate::authority::{Policy, Validity};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, PolicyError, StoreError};
use crate::progress::Stage;
use crate::store::{Item, Read, Transaction};

use super::Ca;

/// A request's position in its batch and what became of it.
type Outcome = (usize, Result<Certificate, Error>);

/// One signature of [`Batch::sign`]: a request the issuance policy admitted, with its serial
/// and validity.
struct Job<'r> {
    /// Where the request is among those given to [`Batch::sign`].
    position: usize,
    name: &'r Certname,
    csr: &'r Csr,
    serial: Serial,
    validity: Validity,
}

/// From this many signatures in a batch, the certificates signed are recorded in the store
/// while the rest are signed (`sign --all`), rather than all written after.
const PIPELINE: usize = 64;

/// Certificates recorded at a time while signing.
const RECORD_CHUNK: usize = 32;

/// Changes to the CA in one store transaction, with the audit lines they make.
pub(super) struct Batch<'a> {
    ca: &'a Ca,
    transaction: Transaction<'a>,
    actor: &'a str,
    now: OffsetDateTime,
    seen: HashSet<Certname>,
    audit: String,
    /// Whether the commit re-issues the CRLs when they are due (not when re-issuing them is
    /// what the batch does).
    crl_refresh: bool,
}

impl<'a> Batch<'a> {
    /// Begin a batch (a transaction of the CA's store) on behalf of `actor` (who the audit
    /// lines name), at `now`.
    pub(super) fn begin(ca: &'a Ca, actor: &'a str, now: OffsetDateTime) -> Result<Self, Error> {
        Ok(Batch {
            ca,
            transaction: ca.store.begin()?,
            actor,
            now,
            seen: HashSet::new(),
            audit: String::new(),
            crl_refresh: true,
        })
    }

    /// Commit without re-issuing due CRLs afterwards (the batch re-issues them itself).
    pub(super) fn no_crl_refresh(&mut self) {
        self.crl_refresh = false;
    }

    /// Reads that agree with the batch's changes.
    pub(super) fn reads(&self) -> &dyn Read {
        &self.transaction
    }

    /// The batch's transaction, for changes other than signing.
    pub(super) fn transaction(&mut self) -> &mut Transaction<'a> {
        &mut self.transaction
    }

    /// When the batch happens.
    pub(super) fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// Claim `names` in the store for the rest of the batch, before anything about them is
    /// checked: another batch (on any node) claiming one of them waits until this one has
    /// committed, then sees what it wrote (see [`Transaction::claim`]).
    pub(super) fn claim(&mut self, names: &[Certname]) -> Result<(), Error> {
        Ok(self.transaction.claim(names)?)
    }

    /// Admit `name` to the batch; the second time it is refused.
    pub(super) fn admit(&mut self, name: &Certname) -> Result<(), Error> {
        if self.seen.insert(name.clone()) {
            Ok(())
        } else {
            Err(PolicyError::GivenTwice {
                name: name.to_string(),
            }
            .into())
        }
    }

    /// Reserve `count` serials (see [`Transaction::reserve_serials`]).
    pub(super) fn reserve(&mut self, count: usize) -> Result<Vec<Serial>, Error> {
        let serials = self.transaction.reserve_serials(count as u128)?;
        if serials.len() != count {
            // A backend that answers otherwise is broken; never sign without a serial.
            return Err(StoreError::Corrupt {
                what: self.ca.store.locate(&Item::Serial),
                reason: format!(
                    "{} serials reserved for {count} certificates",
                    serials.len()
                ),
            }
            .into());
        }
        Ok(serials)
    }

    /// Reserve one serial.
    pub(super) fn reserve_one(&mut self) -> Result<Serial, Error> {
        Ok(self.reserve(1)?[0])
    }

    /// Sign `requests` (each a name and its verified request) with `policy`, for the lifetime
    /// `ttl` (each request's default when `None`, see [`Ca::lifetime`]): a request the policy
    /// refuses gets its refusal and no serial; the others get serials reserved together and are
    /// signed on all cores; the certificates are recorded and the requests they answer removed.
    /// One result per request, in the order given. Nothing is audited: the caller decides which
    /// lines to write.
    pub(super) fn sign(
        &mut self,
        requests: &[(&Certname, &Csr)],
        policy: &Policy,
        ttl: Option<Duration>,
    ) -> Result<Vec<Result<Certificate, Error>>, Error> {
        let mut results = Vec::with_capacity(requests.len());
        let mut admitted = Vec::new();
        for (position, &(name, csr)) in requests.iter().enumerate() {
            let checked = policy
                .check(name, csr)
                .and_then(|()| Validity::new(self.now, self.ca.lifetime(csr, ttl)));
            match checked {
                Err(error) => results.push((position, Err(error))),
                Ok(validity) => admitted.push((position, name, csr, validity)),
            }
        }
        if !admitted.is_empty() {
            let serials = self.reserve(admitted.len())?;
            let jobs: Vec<Job<'_>> = admitted
                .into_iter()
                .zip(serials)
                .map(|((position, name, csr, validity), serial)| Job {
                    position,
                    name,
                    csr,
                    serial,
                    validity,
                })
                .collect();
            results.extend(self.sign_jobs(&jobs, policy)?);
        }
        results.sort_by_key(|(position, _)| *position);
        Ok(results.into_iter().map(|(_, result)| result).collect())
    }

    /// Sign `jobs` on all cores and record their certificates (while signing, for many): each
    /// job's position and result.
    fn sign_jobs(&mut self, jobs: &[Job<'_>], policy: &Policy) -> Result<Vec<Outcome>, Error> {
        let ca = self.ca;
        let sign = |job: &Job<'_>| {
            let issued =
                ca.authority
                    .issue(job.name, job.csr, policy, job.serial, job.validity, false);
            ca.progress.tick();
            issued
        };
        let transaction = &mut self.transaction;
        let (signed, recorded) = ca.progress.stage(Stage::Sign, jobs.len(), || {
            if jobs.len() < PIPELINE {
                let signed =
                    crate::parallel::map(jobs, crate::parallel::cores(), 1, sign, panicked);
                (signed, Recorded::none(jobs.len()))
            } else {
                sign_while_recording(transaction, jobs, sign)
            }
        });
        let mut results = Vec::with_capacity(jobs.len());
        let mut issued = Vec::new();
        for ((job, result), was_recorded) in jobs.iter().zip(signed).zip(recorded.done) {
            let result = match (result, &recorded.failure) {
                // Signed, but not recorded: the store failed before its chunk was (and what
                // was recorded before stays, each certificate answered as it is).
                (Ok(_), Some(failure)) if !was_recorded => Err(ca.batch_failed("sign", failure)),
                (Ok(certificate), _) => {
                    if !was_recorded {
                        issued.push((job.name.clone(), certificate.clone()));
                    }
                    Ok(certificate)
                }
                (Err(error), _) => Err(error),
            };
            results.push((job.position, result));
        }
        if recorded.failure.is_none() {
            ca.progress
                .stage(Stage::Write, 0, || self.record(&issued))?;
        }
        Ok(results)
    }

    /// Record freshly issued certificates (their serials reserved in this batch) in one group
    /// commit, then remove the requests they answer (another).
    pub(super) fn record(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), Error> {
        record_chunk(&mut self.transaction, issued)
    }

    /// An audit event about `name` by this batch's actor, for [`Batch::audit`].
    pub(super) fn event(&self, action: &str, name: &Certname) -> Event {
        Event::new(self.now, self.actor, action, name)
    }

    /// An audit event about the CA or its CRL (`subject`, a CN) by this batch's actor.
    pub(super) fn event_about(&self, action: &str, subject: &str) -> Event {
        Event::about(self.now, self.actor, action, subject)
    }

    /// Keep `event` for the audit trail.
    pub(super) fn audit(&mut self, event: Event) {
        self.audit.push_str(&event.to_line());
    }

    /// Keep the audit line of a signing decision: its certificate, or why it was refused.
    pub(super) fn audit_sign(&mut self, name: &Certname, result: &Result<Certificate, Error>) {
        let event = self.event("sign", name);
        self.audit(match result {
            Ok(certificate) => self.ca.certificate_event(event, certificate),
            Err(error) => event.refused(error),
        });
    }

    /// Append the audit lines kept so far now, before the changes that follow (they are
    /// appended at commit otherwise).
    pub(super) fn write_audit(&mut self) -> Result<(), Error> {
        self.transaction.append_audit(&self.audit)?;
        self.audit.clear();
        Ok(())
    }

    /// Append the audit lines, then commit: the batch's changes are all durable once this
    /// returns. Then, in a transaction of its own, the CRLs are re-issued when they are due
    /// ([`Ca::refresh_crls`], audited as the CA handle's own actor, not this batch's), so that
    /// any write keeps them from lapsing; a failure there is not this batch's (its changes are
    /// committed) and is left for the next write, the daemon's timer and `cert check
    /// --expiring` to meet.
    pub(super) fn commit(mut self) -> Result<(), Error> {
        self.write_audit()?;
        self.transaction.commit()?;
        if self.crl_refresh {
            let _ = self.ca.refresh_crls_if_due(self.now);
        }
        Ok(())
    }
}

/// The answer for a job whose signing thread panicked.
fn panicked(job: &Job<'_>) -> Result<Certificate, Error> {
    Err(Error::Panicked {
        task: format!("signing {}", job.name),
    })
}

/// Which jobs' certificates [`sign_while_recording`] recorded, and why it stopped recording.
struct Recorded {
    /// Per job: recorded in the store (with the request it answers removed).
    done: Vec<bool>,
    /// The store's error that stopped the recording, if any: the jobs not recorded by then
    /// are not signed after all.
    failure: Option<Error>,
}

impl Recorded {
    fn none(count: usize) -> Recorded {
        Recorded {
            done: vec![false; count],
            failure: None,
        }
    }
}

/// Sign `jobs` on all cores with `sign` while this thread records the certificates signed so
/// far in `transaction` ([`Batch::record`]: the certificates, then the requests they answer
/// removed), [`RECORD_CHUNK`] at a time: the writing and syncing of `sign --all` then overlaps
/// its signatures, and what is left when the last signature is made is one chunk. One result
/// per job, in order, and which were recorded; what is left is the caller's to record. A store
/// error stops the recording (the signing goes on, its certificates never recorded).
fn sign_while_recording(
    transaction: &mut Transaction<'_>,
    jobs: &[Job<'_>],
    sign: impl Fn(&Job<'_>) -> Result<Certificate, Error> + Sync,
) -> (Vec<Result<Certificate, Error>>, Recorded) {
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Certname, Certificate)>();
    let mut recorded = Recorded::none(jobs.len());
    let results = std::thread::scope(|scope| {
        let sign = &sign;
        let signing = scope.spawn(move || {
            let indexed: Vec<(usize, &Job<'_>)> = jobs.iter().enumerate().collect();
            crate::parallel::map(
                &indexed,
                crate::parallel::cores(),
                1,
                |(index, job)| {
                    let result = sign(job);
                    if let Ok(certificate) = &result {
                        // Read by the recording until a store error stops it; unread then.
                        let _ = sender.send((*index, job.name.clone(), certificate.clone()));
                    }
                    result
                },
                |(_, job)| panicked(job),
            )
        });
        let mut chunk = Vec::with_capacity(RECORD_CHUNK);
        let mut indexes = Vec::with_capacity(RECORD_CHUNK);
        // Ends when every signing thread is done (the sender is dropped with them).
        for (index, name, certificate) in receiver.iter() {
            chunk.push((name, certificate));
            indexes.push(index);
            if chunk.len() == RECORD_CHUNK {
                match record_chunk(transaction, &chunk) {
                    Ok(()) => indexes.iter().for_each(|&i| recorded.done[i] = true),
                    Err(error) => {
                        recorded.failure = Some(error);
                        break;
                    }
                }
                chunk.clear();
                indexes.clear();
            }
        }
        signing
            .join()
            .unwrap_or_else(|_| jobs.iter().map(panicked).collect())
    });
    (results, recorded)
}

/// Record `issued` in `transaction`, then remove the requests they answer.
fn record_chunk(
    transaction: &mut Transaction<'_>,
    issued: &[(Certname, Certificate)],
) -> Result<(), Error> {
    transaction.record_signed(issued)?;
    let names: Vec<Certname> = issued.iter().map(|(name, _)| name.clone()).collect();
    transaction.delete_requests(&names)?;
    Ok(())
}
