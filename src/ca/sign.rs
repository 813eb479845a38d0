//! Signing queued requests (one batch per lock hold, serials reserved first, signatures on all
//! cores) and renewing certificates.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::audit::Event;
use crate::authority::{Policy, Validity};
use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, PolicyError, StoreError};

use super::{Ca, Outcome, SignOptions, State};

impl Ca {
    pub(super) fn certificate_state(&self, name: &Certname) -> Result<Option<State>, Error> {
        let Some(pem) = self.store.signed(name)? else {
            return Ok(None);
        };
        let cert = Certificate::from_pem(name.as_str(), &pem)?;
        let revoked = match (cert.serial, self.crls()?.first()) {
            (Some(serial), Some(crl)) => crl.is_revoked(serial),
            _ => false,
        };
        Ok(Some(if revoked {
            State::Revoked
        } else {
            State::Signed
        }))
    }

    /// The valid certificate in `signed/` that was issued from `csr` (same key), if any: then
    /// the request is what a signing killed before removing it left behind, and signing it
    /// again would only issue a duplicate.
    pub(super) fn signed_from(
        &self,
        name: &Certname,
        csr: &Csr,
    ) -> Result<Option<Certificate>, Error> {
        if self.certificate_state(name)? != Some(State::Signed) {
            return Ok(None);
        }
        let Some(pem) = self.store.signed(name)? else {
            return Ok(None);
        };
        let cert = Certificate::from_pem(name.as_str(), &pem)?;
        let same_key = openssl::x509::X509::from_der(cert.der())
            .and_then(|x509| x509.public_key())
            .and_then(|key| key.public_key_to_der())
            .is_ok_and(|der| der == csr.public_key_der());
        Ok(same_key.then_some(cert))
    }

    /// The queued request for `name`, parsed and verified.
    pub fn request(&self, name: &Certname) -> Result<Csr, Error> {
        Ok(Csr::from_pem(&self.request_pem(name)?)?)
    }

    /// The queued request for `name` as stored (PEM); not found is an error.
    pub(super) fn request_pem(&self, name: &Certname) -> Result<Vec<u8>, Error> {
        Ok(self
            .store
            .request(name)?
            .ok_or_else(|| StoreError::NotFound {
                what: "a certificate request",
                name: name.to_string(),
            })?)
    }

    /// Names with a queued request.
    pub fn pending(&self) -> Result<Vec<Certname>, Error> {
        Ok(self.store.request_names()?)
    }

    /// Sign the queued requests of `names` in one batch (one lock hold, one group commit).
    pub fn sign(
        &self,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
    ) -> Vec<Outcome<Certificate>> {
        self.sign_as(&self.actor, names, options, now)
    }

    /// [`Ca::sign`] on behalf of `actor` (what the audit trail names, such as `client:<CN>`):
    /// the daemon's way, since one `Ca` serves many callers at once.
    pub fn sign_as(
        &self,
        actor: &str,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
    ) -> Vec<Outcome<Certificate>> {
        match self.sign_batch(actor, names, options, now, None) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                // The batch failed as a whole (lock, serial, disk): report it for every name.
                let message = error.to_string();
                names
                    .iter()
                    .map(|n| {
                        (
                            n.clone(),
                            Err(Error::Store(StoreError::Io {
                                action: "sign",
                                path: self.store.cadir().to_path_buf(),
                                reason: message.clone(),
                            })),
                        )
                    })
                    .collect()
            }
        }
    }

    pub(super) fn sign_batch(
        &self,
        actor: &str,
        names: &[Certname],
        options: SignOptions,
        now: OffsetDateTime,
        expected_pem: Option<&[u8]>,
    ) -> Result<Vec<Outcome<Certificate>>, Error> {
        let policy = Policy {
            allow_subject_alt_names: self.config.policy.allow_subject_alt_names
                || options.allow_alt_names,
            ..self.config.policy
        };
        let validity = Validity::new(now, options.ttl.unwrap_or(self.config.ttl))?;
        let lock = self.store.lock()?;
        let mut results: Vec<Option<Result<Certificate, Error>>> = Vec::new();
        let mut ready: Vec<(usize, Certname, Csr)> = Vec::new();
        let mut seen = HashSet::new();
        // Requests already signed: a signing killed before it removed them left them behind.
        let mut leftovers: Vec<(usize, Certname, Certificate)> = Vec::new();
        for (index, name) in names.iter().enumerate() {
            results.push(None);
            if !seen.insert(name.clone()) {
                results[index] = Some(Err(Error::Value {
                    what: "certname",
                    value: name.to_string(),
                    reason: "given twice".into(),
                }));
                continue;
            }
            let checked = (|| -> Result<(Csr, Option<Certificate>), Error> {
                let pem = self.request_pem(name)?;
                if expected_pem.is_some_and(|expected| expected != pem.as_slice()) {
                    return Err(PolicyError::Replaced {
                        name: name.to_string(),
                    }
                    .into());
                }
                let csr = Csr::from_pem(&pem)?;
                policy.check(name, &csr)?;
                if let Some(cert) = self.signed_from(name, &csr)? {
                    return Ok((csr, Some(cert)));
                }
                if !self.config.allow_duplicate_certs {
                    if let Some(state) = self.certificate_state(name)? {
                        if state == State::Signed {
                            return Err(PolicyError::Duplicate {
                                name: name.to_string(),
                                state: state.as_str(),
                            }
                            .into());
                        }
                    }
                }
                Ok((csr, None))
            })();
            match checked {
                Ok((csr, None)) => ready.push((index, name.clone(), csr)),
                Ok((_, Some(cert))) => leftovers.push((index, name.clone(), cert)),
                Err(error) => results[index] = Some(Err(error)),
            }
        }
        for (index, name, cert) in leftovers {
            self.store.delete_request(&lock, &name)?;
            results[index] = Some(Ok(cert));
        }
        if !ready.is_empty() {
            let first = self.store.reserve_serials(&lock, ready.len() as u128)?;
            let jobs: Vec<(&Certname, &Csr, Serial)> = ready
                .iter()
                .enumerate()
                .map(|(offset, (_, name, csr))| (name, csr, Serial(first.0 + offset as u128)))
                .collect();
            let mut issued = Vec::new();
            for ((index, name, _), result) in
                ready.iter().zip(self.issue_all(&jobs, &policy, validity))
            {
                match result {
                    Ok(cert) => issued.push((*index, name.clone(), cert)),
                    Err(error) => results[*index] = Some(Err(error)),
                }
            }
            let records: Vec<(Certname, Certificate)> = issued
                .iter()
                .map(|(_, n, c)| (n.clone(), c.clone()))
                .collect();
            self.store.record_signed(&lock, &records)?;
            for (index, name, cert) in issued {
                self.store.delete_request(&lock, &name)?;
                results[index] = Some(Ok(cert));
            }
        }
        let outcomes: Vec<Outcome<Certificate>> = names
            .iter()
            .zip(results)
            .map(|(name, result)| {
                (
                    name.clone(),
                    result.unwrap_or_else(|| {
                        Err(Error::Value {
                            what: "certname",
                            value: name.to_string(),
                            reason: "not processed".into(),
                        })
                    }),
                )
            })
            .collect();
        let lines: String = outcomes
            .iter()
            .map(|(name, result)| {
                let event = Event::new(now, actor, "sign", name);
                match result {
                    Ok(cert) => event.certificate(cert),
                    Err(error) => event.refused(error),
                }
                .to_line()
            })
            .collect();
        self.store.append_audit(&lock, &lines)?;
        Ok(outcomes)
    }

    /// Issue certificates for `jobs` on all cores (the CA key's signature is the cost of
    /// signing); results in the order of `jobs`.
    pub(super) fn issue_all(
        &self,
        jobs: &[(&Certname, &Csr, Serial)],
        policy: &Policy,
        validity: Validity,
    ) -> Vec<Result<Certificate, Error>> {
        let issue = |(name, csr, serial): &(&Certname, &Csr, Serial)| {
            self.authority
                .issue(name, csr, policy, *serial, validity, false)
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(jobs.len());
        if threads <= 1 {
            return jobs.iter().map(issue).collect();
        }
        let chunk = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    (
                        part,
                        scope.spawn(move || part.iter().map(issue).collect::<Vec<_>>()),
                    )
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|(part, handle)| {
                    handle.join().unwrap_or_else(|_| {
                        part.iter()
                            .map(|(name, _, _)| {
                                Err(Error::Value {
                                    what: "certificate for",
                                    value: name.to_string(),
                                    reason: "its signing thread panicked".into(),
                                })
                            })
                            .collect()
                    })
                })
                .collect()
        })
    }

    /// Renew `current`, the certificate a client authenticated with, on behalf of `actor`
    /// (puppetserver's `certificate_renewal`): same key, subject, alt names and Puppet
    /// extensions, new serial, validity from `now` for `ca_ttl`. `current` must verify against
    /// the CA chain and CRLs at `now` (revoked or foreign certificates are refused); the new
    /// certificate replaces `signed/NAME.pem` and gets an inventory line.
    pub fn renew_as(
        &self,
        actor: &str,
        current: &Certificate,
        now: OffsetDateTime,
    ) -> Result<Certificate, Error> {
        let name = Certname::parse(&current.common_name)?;
        let validity = Validity::new(now, self.config.ttl)?;
        let lock = self.store.lock()?;
        let crl_pem = self.store.crl_pem()?;
        let verified =
            crate::certificate::verify_with_openssl(current, self.authority.chain(), &crl_pem);
        let renewed = verified.and_then(|()| {
            let serial = self.store.reserve_serials(&lock, 1)?;
            self.authority.renew(current, serial, validity)
        });
        let event = Event::new(now, actor, "renew", &name);
        match renewed {
            Ok(cert) => {
                self.store
                    .record_signed(&lock, &[(name.clone(), cert.clone())])?;
                let line = event
                    .certificate(&cert)
                    .because(&format!(
                        "renewed serial {}",
                        current.serial.map(|s| s.to_string()).unwrap_or_default()
                    ))
                    .to_line();
                self.store.append_audit(&lock, &line)?;
                Ok(cert)
            }
            Err(error) => {
                self.store
                    .append_audit(&lock, &event.refused(&error).to_line())?;
                Err(error)
            }
        }
    }
}
