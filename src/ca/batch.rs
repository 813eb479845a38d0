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

use time::OffsetDateTime;

use crate::audit::Event;
use crate::authority::{Policy, Validity};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, PolicyError, StoreError};
use crate::store::{Item, Read, Transaction};

use super::Ca;

/// One name of a batch: a request to sign, or what the caller decided for it instead.
pub(super) enum Step<S, K> {
    /// Sign this request; `S` comes back with the result.
    Sign(Csr, S),
    /// Not signed in this batch; comes back as it is.
    Skip(K),
}

/// What became of a [`Step`].
// Results live for one call, moved once each; boxing the large variant only adds allocations.
#[allow(clippy::large_enum_variant)]
pub(super) enum Done<S, K> {
    /// The request, what came with it, and its certificate or why it was refused.
    Signed(Csr, S, Result<Certificate, Error>),
    /// A skipped step, as it was.
    Skipped(K),
}

/// Steps or results, each with the name it is for, in the batch's order.
pub(super) type Named<T> = Vec<(Certname, T)>;

/// Changes to the CA in one store transaction, with the audit lines they make.
pub(super) struct Batch<'a> {
    ca: &'a Ca,
    transaction: Transaction<'a>,
    actor: &'a str,
    now: OffsetDateTime,
    seen: HashSet<Certname>,
    audit: String,
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
        })
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

    /// Sign every [`Step::Sign`] with `policy` and `validity`: a request the policy refuses gets
    /// its refusal and no serial; the others get serials reserved together and are signed on
    /// all cores; the certificates are recorded and the requests they answer removed. One
    /// result per step, in order. Nothing is audited: the caller decides which lines to write.
    pub(super) fn sign<S, K>(
        &mut self,
        steps: Named<Step<S, K>>,
        policy: &Policy,
        validity: Validity,
    ) -> Result<Named<Done<S, K>>, Error>
    where
        S: Sync,
    {
        let mut done = Vec::with_capacity(steps.len());
        let mut jobs = Vec::new();
        for (position, (name, step)) in steps.into_iter().enumerate() {
            match step {
                Step::Skip(kept) => done.push((position, name, Done::Skipped(kept))),
                Step::Sign(csr, with) => match policy.check(&name, &csr) {
                    Err(error) => done.push((position, name, Done::Signed(csr, with, Err(error)))),
                    Ok(()) => jobs.push((position, name, csr, with)),
                },
            }
        }
        if !jobs.is_empty() {
            let serials = self.reserve(jobs.len())?;
            let jobs: Vec<(usize, Certname, Csr, S, Serial)> = jobs
                .into_iter()
                .zip(serials)
                .map(|((position, name, csr, with), serial)| (position, name, csr, with, serial))
                .collect();
            let authority = &self.ca.authority;
            let results = crate::parallel::map(
                &jobs,
                crate::parallel::cores(),
                1,
                |(_, name, csr, _, serial)| {
                    authority.issue(name, csr, policy, *serial, validity, false)
                },
                |(_, name, _, _, _)| {
                    Err(Error::Panicked {
                        task: format!("signing {name}"),
                    })
                },
            );
            let mut issued = Vec::new();
            for ((position, name, csr, with, _), result) in jobs.into_iter().zip(results) {
                if let Ok(certificate) = &result {
                    issued.push((name.clone(), certificate.clone()));
                }
                done.push((position, name, Done::Signed(csr, with, result)));
            }
            self.record(&issued)?;
        }
        done.sort_by_key(|(position, _, _)| *position);
        Ok(done
            .into_iter()
            .map(|(_, name, done)| (name, done))
            .collect())
    }

    /// Record freshly issued certificates (their serials reserved in this batch) in one group
    /// commit, then remove the requests they answer.
    pub(super) fn record(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), Error> {
        self.transaction.record_signed(issued)?;
        for (name, _) in issued {
            self.transaction.delete_request(name)?;
        }
        Ok(())
    }

    /// An audit event about `name` by this batch's actor, for [`Batch::audit`].
    pub(super) fn event(&self, action: &str, name: &Certname) -> Event {
        Event::new(self.now, self.actor, action, name)
    }

    /// Keep `event` for the audit trail.
    pub(super) fn audit(&mut self, event: Event) {
        self.audit.push_str(&event.to_line());
    }

    /// Keep the audit line of a signing decision: its certificate, or why it was refused.
    pub(super) fn audit_sign(&mut self, name: &Certname, result: &Result<Certificate, Error>) {
        let event = self.event("sign", name);
        self.audit(match result {
            Ok(certificate) => event.certificate(certificate),
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
    /// returns.
    pub(super) fn commit(mut self) -> Result<(), Error> {
        self.write_audit()?;
        Ok(self.transaction.commit()?)
    }
}
