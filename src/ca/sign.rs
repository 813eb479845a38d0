//! Signing queued requests (one [`Batch`] per call); the duplicate rule (one valid
//! certificate per name unless `allow_duplicate_certs`) and what a name already has.

use std::collections::HashMap;
use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::Event;
use crate::authority::Policy;
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, PolicyError, StoreError};
use crate::store::Read;

use super::batch::Batch;
use super::{Actor, Ca, Outcome, State};

/// Options for signing.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions {
    /// Allow DNS/IP alt names for this signing (`--allow-dns-alt-names`).
    pub allow_alt_names: bool,
    /// Lifetime; the CA's `ca_ttl` when `None`.
    pub ttl: Option<Duration>,
}

/// Requests one thread parses and verifies at least when signing many.
const PARSES_PER_THREAD: usize = 8;

/// A queued request that may be signed.
enum Queued {
    /// Not signed yet.
    Unsigned(Csr),
    /// Already signed: the valid certificate the store holds for the name was issued from it.
    Signed(Certificate),
}

impl Ca {
    /// The certificates `store` has for `names` (those that have one), each parsed with its
    /// state, read at once (one read of the certificates and one of their revocations: a
    /// constant number of round trips to a database, however many names); an error is the
    /// name's own (its certificate does not parse).
    pub(super) fn existing_certificates(
        &self,
        store: &dyn Read,
        names: &[Certname],
    ) -> Result<Existing, Error> {
        let parsed: Vec<(Certname, Result<Certificate, Error>)> = store
            .signed_many(names)?
            .into_iter()
            .map(|(name, pem)| {
                let certificate = Certificate::from_pem(name.as_str(), &pem).map_err(Error::from);
                (name, certificate)
            })
            .collect();
        let serials: Vec<_> = parsed
            .iter()
            .filter_map(|(_, certificate)| certificate.as_ref().ok()?.serial)
            .collect();
        let revoked = store.revoked_among(&serials)?;
        Ok(parsed
            .into_iter()
            .map(|(name, certificate)| {
                let found = certificate.map(|certificate| {
                    let state = match certificate.serial {
                        Some(serial) if revoked.contains(&serial) => State::Revoked,
                        _ => State::Signed,
                    };
                    (certificate, state)
                });
                (name, found)
            })
            .collect())
    }

    /// The queued request for `name`, parsed and verified.
    pub fn request(&self, name: &Certname) -> Result<Csr, Error> {
        Ok(Csr::from_pem(&queued_pem(&self.store, name)?)?)
    }

    /// The queued request for `name` as stored (PEM); not found is an error.
    pub(super) fn request_pem(&self, name: &Certname) -> Result<Vec<u8>, Error> {
        queued_pem(&self.store, name)
    }

    /// Names with a queued request.
    pub fn pending(&self) -> Result<Vec<Certname>, Error> {
        Ok(self.store.request_names()?)
    }

    /// Sign the queued requests of `names` in one batch (one transaction, one group commit).
    pub fn sign(
        &self,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
    ) -> Vec<Outcome<Certificate>> {
        self.sign_by(&Actor::local(self.actor.clone()), names, options, now)
    }

    /// [`Ca::sign`] on behalf of `actor` (what the audit trail names, such as `client:<CN>`):
    /// the daemon's way, since one `Ca` serves many callers at once.
    pub fn sign_by(
        &self,
        actor: &Actor,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
    ) -> Vec<Outcome<Certificate>> {
        match self.sign_batch(actor.name(), names, options, now, None) {
            Ok(outcomes) => outcomes,
            // The batch failed as a whole (lock, serial, disk): report it for every name.
            Err(error) => names
                .iter()
                .map(|n| (n.clone(), Err(self.batch_failed("sign", &error))))
                .collect(),
        }
    }

    /// Sign the queued requests of `names` in one transaction (see [`Batch`]). With
    /// `reviewed`, only a request that is still exactly those bytes is signed (what an
    /// administrator looked at), else [`PolicyError::Replaced`].
    pub(super) fn sign_batch(
        &self,
        actor: &str,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
        reviewed: Option<&[u8]>,
    ) -> Result<Vec<Outcome<Certificate>>, Error> {
        let policy = Policy {
            allow_subject_alt_names: self.config.policy.allow_subject_alt_names
                || options.allow_alt_names,
            ..self.config.policy
        };
        // The first signature would wait for aws-lc to seed its generator: have it seed now.
        crate::keys::seed_random_generator();
        let mut batch = Batch::begin(self, actor, now)?;
        batch.claim(names)?;
        let queued = self.queued_requests(&mut batch, names, &policy, reviewed)?;
        // A signing killed before it removed a request left it behind: it goes now.
        let answered: Vec<Certname> = names
            .iter()
            .zip(&queued)
            .filter(|(_, queued)| matches!(queued, Ok(Queued::Signed(_))))
            .map(|(name, _)| name.clone())
            .collect();
        batch.transaction().delete_requests(&answered)?;
        let requests: Vec<(&Certname, &Csr)> = names
            .iter()
            .zip(&queued)
            .filter_map(|(name, queued)| match queued {
                Ok(Queued::Unsigned(csr)) => Some((name, csr)),
                _ => None,
            })
            .collect();
        let mut signed = batch.sign(&requests, &policy, options.ttl)?.into_iter();
        let outcomes: Vec<Outcome<Certificate>> = names
            .iter()
            .zip(queued)
            .map(|(name, queued)| {
                let result = queued.and_then(|queued| match queued {
                    Queued::Signed(certificate) => Ok(certificate),
                    // One result per request given to sign, in order: never short.
                    Queued::Unsigned(_) => signed.next().unwrap_or_else(|| {
                        Err(Error::Panicked {
                            task: format!("signing {name}"),
                        })
                    }),
                });
                (name.clone(), result)
            })
            .collect();
        for (name, result) in &outcomes {
            batch.audit_sign(name, result);
        }
        batch.commit()?;
        Ok(outcomes)
    }

    /// The queued requests of `names`, each checked for signing ([`Ca::queued_for_signing`]),
    /// one per name in order: the requests and the names' certificates read at once, then the
    /// requests parsed and verified on all cores. Each name is admitted to `batch` here.
    fn queued_requests(
        &self,
        batch: &mut Batch<'_>,
        names: &[Certname],
        policy: &Policy,
        reviewed: Option<&[u8]>,
    ) -> Result<Vec<Result<Queued, Error>>, Error> {
        let mut requests: HashMap<Certname, Vec<u8>> =
            batch.reads().requests_many(names)?.into_iter().collect();
        let mut existing = self.existing_certificates(batch.reads(), names)?;
        let pems: Vec<Result<Vec<u8>, Error>> = names
            .iter()
            .map(|name| {
                batch.admit(name)?;
                let pem = requests.remove(name).ok_or_else(|| StoreError::NotFound {
                    what: "a certificate request",
                    name: name.to_string(),
                })?;
                match reviewed {
                    Some(reviewed) if reviewed != pem.as_slice() => Err(PolicyError::Replaced {
                        name: name.to_string(),
                    }
                    .into()),
                    _ => Ok(pem),
                }
            })
            .collect();
        let parsed = parse_requests(&pems);
        Ok(names
            .iter()
            .zip(pems)
            .zip(parsed)
            .map(|((name, pem), csr)| match (pem, csr) {
                (Err(error), _) => Err(error),
                (Ok(_), Some(csr)) => csr.and_then(|csr| {
                    let found = existing.remove(name).transpose()?;
                    self.queued_for_signing(name, policy, csr, found)
                }),
                // `parsed` has a request for each one read; never reached.
                (Ok(_), None) => Err(Error::Panicked {
                    task: format!("reading the request of {name}"),
                }),
            })
            .collect())
    }

    /// The queued request `csr` of `name`, checked for signing: it must pass `policy`, and not
    /// meet a valid certificate (`found`, the name's certificate and state) unless duplicates
    /// are allowed (a revoked one may be replaced). A valid certificate issued for the same
    /// key is the answer itself: the request is what a signing killed before removing it left
    /// behind, and signing it again would only issue a duplicate.
    fn queued_for_signing(
        &self,
        name: &Certname,
        policy: &Policy,
        csr: Csr,
        found: Option<(Certificate, State)>,
    ) -> Result<Queued, Error> {
        policy.check(name, &csr)?;
        let state = found.as_ref().map(|(_, state)| *state);
        if let Some((certificate, State::Signed)) = found {
            if same_key(&certificate, &csr) {
                return Ok(Queued::Signed(certificate));
            }
        }
        self.refuse_duplicate(name, state, &[State::Signed])?;
        Ok(Queued::Unsigned(csr))
    }

    /// Refused with [`PolicyError::Duplicate`] when `name` has a certificate in one of `states`
    /// (`state`, `None` for none), unless `allow_duplicate_certs`.
    pub(super) fn refuse_duplicate(
        &self,
        name: &Certname,
        state: Option<State>,
        states: &[State],
    ) -> Result<(), Error> {
        match state {
            Some(state) if !self.config.allow_duplicate_certs && states.contains(&state) => {
                Err(PolicyError::Duplicate {
                    name: name.to_string(),
                    state: state.as_str(),
                }
                .into())
            }
            _ => Ok(()),
        }
    }

    /// The lifetime of a certificate for `csr`: `asked` when given (`--ttl`, `cert_ttl`), else
    /// `auto-renewal-cert-ttl` for an agent that says it renews itself (the `pp_auth_auto_renew`
    /// attribute) when renewal is allowed, else `ca_ttl`, as puppetserver decides. The CA cuts
    /// any lifetime to its own ([`crate::authority::Authority::issue`]).
    pub(super) fn lifetime(&self, csr: &Csr, asked: Option<Duration>) -> Duration {
        asked.unwrap_or(
            if self.config.renewal.allowed && csr.renews_automatically() {
                self.config.renewal.ttl
            } else {
                self.config.ttl
            },
        )
    }

    /// When `certificate` expires with the CA certificate, because the CA would not outlive
    /// the lifetime asked for: the warning to show and audit, one line.
    pub fn lifetime_warning(&self, certificate: &Certificate) -> Option<String> {
        self.authority.capped_lifetime(certificate)
    }

    /// The audit `event` of issuing `certificate`, with the lifetime warning added to its reason
    /// when there is one.
    pub(super) fn certificate_event(&self, event: Event, certificate: &Certificate) -> Event {
        let event = event.certificate(certificate);
        match self.lifetime_warning(certificate) {
            Some(warning) if event.reason.is_empty() => event.because(&warning),
            Some(warning) => {
                let reason = format!("{}; {warning}", event.reason);
                event.because(&reason)
            }
            None => event,
        }
    }
}

/// The certificates of names, parsed with their state ([`Ca::existing_certificates`]).
pub(super) type Existing = HashMap<Certname, Result<(Certificate, State), Error>>;

/// Whether `certificate` was issued for the key of `csr` (both keys compared as OpenSSL
/// encodes them, whatever encoding each came in).
pub(super) fn same_key(certificate: &Certificate, csr: &Csr) -> bool {
    let normal = |der: &[u8]| {
        openssl::pkey::PKey::public_key_from_der(der)
            .and_then(|key| key.public_key_to_der())
            .ok()
    };
    let issued = certificate
        .public_key_der()
        .ok()
        .and_then(|der| normal(&der));
    issued.is_some() && issued == normal(csr.public_key_der())
}

/// Each request read (PEM) parsed and verified, on all cores; `None` for those not read.
fn parse_requests(pems: &[Result<Vec<u8>, Error>]) -> Vec<Option<Result<Csr, Error>>> {
    crate::parallel::map(
        pems,
        crate::parallel::cores(),
        PARSES_PER_THREAD,
        |pem| match pem {
            Ok(pem) => Some(Csr::from_pem(pem).map_err(Error::from)),
            Err(_) => None,
        },
        |_| {
            Some(Err(Error::Panicked {
                task: "reading a request".into(),
            }))
        },
    )
}

/// The queued request for `name` in `store` (PEM); not found is an error.
fn queued_pem(store: &dyn Read, name: &Certname) -> Result<Vec<u8>, Error> {
    Ok(store.request(name)?.ok_or_else(|| StoreError::NotFound {
        what: "a certificate request",
        name: name.to_string(),
    })?)
}
