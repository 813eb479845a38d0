//! Keys and certificates made on this host: `--generate`, and the CA server's own identity
//! (what `cert serve` presents). The ssldir's layout is [`crate::ssldir`]'s.

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use crate::authority::{Policy, Validity};
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, StoreError};
use crate::keys::{KeySpec, PrivateKey};
use crate::ssldir::Ssldir;
use crate::store::{Item, Read};

use super::batch::Batch;
use super::Ca;

/// What `generate` made.
#[derive(Debug)]
pub struct Generated {
    /// The certificate.
    pub certificate: Certificate,
    /// Where the key went.
    pub private_key_path: PathBuf,
    /// Where the certificate went (ssldir copy).
    pub certificate_path: PathBuf,
}

impl Ca {
    /// Make a key and a certificate for `name` on this host (`puppet cert --generate`): the key
    /// and certificate go to the ssldir, the certificate to the store too. The administrator's
    /// alt names are allowed (the CA's own policy still refuses wildcards and the like).
    pub fn generate(
        &self,
        name: &Certname,
        alt_names: &[String],
        ttl: Option<Duration>,
        key: KeySpec,
        force: bool,
        now: OffsetDateTime,
    ) -> Result<Generated, Error> {
        self.generate_with(name, alt_names, ttl, key, force, false, now)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn generate_with(
        &self,
        name: &Certname,
        alt_names: &[String],
        ttl: Option<Duration>,
        key_spec: KeySpec,
        force: bool,
        cli_auth: bool,
        now: OffsetDateTime,
    ) -> Result<Generated, Error> {
        let ssldir = Ssldir::new(&self.config.ssldir);
        if !force {
            if self.store.signed(name)?.is_some() {
                return Err(StoreError::AlreadyExists {
                    what: self.store.locate(&Item::Signed(name.clone())),
                }
                .into());
            }
            if ssldir.has_private_key(name) {
                return Err(StoreError::file_exists(&ssldir.private_key_path(name)).into());
            }
        }
        let validity = Validity::new(now, ttl.unwrap_or(self.config.ttl))?;
        let key = PrivateKey::generate(key_spec)?;
        let csr = Csr::generate(name, &key, alt_names, &[])?;
        let policy = Policy {
            allow_subject_alt_names: true,
            ..self.config.policy
        };
        policy.check(name, &csr)?;
        let key_pem = key.to_pem()?;
        let mut batch = Batch::begin(self, &self.actor, now)?;
        batch.claim(std::slice::from_ref(name))?;
        // Again, claimed: another node may have made one since.
        if !force && batch.reads().signed(name)?.is_some() {
            return Err(StoreError::AlreadyExists {
                what: self.store.locate(&Item::Signed(name.clone())),
            }
            .into());
        }
        let serial = batch.reserve_one()?;
        let cert = self
            .authority
            .issue(name, &csr, &policy, serial, validity, cli_auth)?;
        // The key before the record: a concurrent `generate` of the name fails here, on the
        // key that is already there, and records nothing.
        ssldir.write_private_key(name, &key_pem, force)?;
        batch.record(&[(name.clone(), cert.clone())])?;
        batch.audit(self.certificate_event(batch.event("generate", name), &cert));
        batch.write_audit()?;
        self.write_host_files(batch.reads(), &ssldir, name, &key, &cert)?;
        batch.commit()?;
        Ok(Generated {
            certificate: cert,
            private_key_path: ssldir.private_key_path(name),
            certificate_path: ssldir.certificate_path(name),
        })
    }

    /// This host's key and certificate (`certname` in the ssldir), issued by this CA with the
    /// settings' `dns_alt_names` when there is none yet (what a first `cert serve` does).
    pub fn ensure_host_certificate(&self, now: OffsetDateTime) -> Result<HostIdentity, Error> {
        let name = Certname::parse(&self.config.certname)?;
        let ssldir = Ssldir::new(&self.config.ssldir);
        if let (Some(key_pem), Some(cert_pem)) =
            (ssldir.private_key(&name)?, ssldir.certificate(&name)?)
        {
            let certificate = Certificate::from_pem(name.as_str(), &cert_pem)?;
            return Ok(HostIdentity {
                certificate,
                key_pem,
                issued: false,
            });
        }
        if let Some(key_pem) = ssldir.private_key(&name)? {
            let (certificate, issued) = self.host_certificate_for_key(&name, &key_pem, now)?;
            return Ok(HostIdentity {
                certificate,
                key_pem,
                issued,
            });
        }
        let alt_names = self.config.dns_alt_names.clone();
        let key = self.config.server_key.unwrap_or(self.config.key);
        let generated = self.generate(&name, &alt_names, None, key, false, now)?;
        let key_pem = ssldir
            .private_key(&name)?
            .ok_or_else(|| StoreError::NotFound {
                what: "a private key",
                name: name.to_string(),
            })?;
        Ok(HostIdentity {
            certificate: generated.certificate,
            key_pem,
            issued: true,
        })
    }

    /// This host's key is in the ssldir but its certificate is not (a half-made or restored
    /// ssldir): reuse the CA's certificate for the name when it fits the key and is still
    /// good, else, when the CA has none, issue one for the key with `dns_alt_names`, as an
    /// agent's CSR from that key would get. A certificate for another key is an error, never
    /// replaced silently. The certificate is copied into the ssldir; whether it was issued now.
    pub(super) fn host_certificate_for_key(
        &self,
        name: &Certname,
        key_pem: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Certificate, bool), Error> {
        let ssldir = Ssldir::new(&self.config.ssldir);
        let key_path = ssldir.private_key_path(name);
        let key = PrivateKey::from_pem(&key_path.display().to_string(), key_pem)?;
        let unusable = |reason: String| crate::error::ServeError::HostKey {
            name: name.to_string(),
            key: key_path.clone(),
            reason,
        };
        let mut batch = Batch::begin(self, &self.actor, now)?;
        batch.claim(std::slice::from_ref(name))?;
        let signed = batch.reads().signed(name)?;
        let (certificate, issued) = match signed {
            Some(pem) => {
                let certificate = Certificate::from_pem(name.as_str(), &pem)?;
                if !key.matches_certificate(certificate.der()) {
                    return Err(unusable(format!(
                        "the CA's certificate for {name} ({}) is for another key",
                        self.store.locate(&Item::Signed(name.clone()))
                    ))
                    .into());
                }
                let crl_pem = batch.reads().crl_pem()?;
                crate::certificate::verify_with_openssl(
                    &certificate,
                    self.authority.chain(),
                    &crl_pem,
                )
                .map_err(|error| unusable(format!("the CA's certificate for {name}: {error}")))?;
                (certificate, false)
            }
            None => {
                let validity = Validity::new(now, self.config.ttl)?;
                let csr = Csr::generate(name, &key, &self.config.dns_alt_names, &[])?;
                let policy = Policy {
                    allow_subject_alt_names: true,
                    ..self.config.policy
                };
                let serial = batch.reserve_one()?;
                let certificate = self
                    .authority
                    .issue(name, &csr, &policy, serial, validity, false)?;
                batch.record(&[(name.clone(), certificate.clone())])?;
                let event = batch
                    .event("generate", name)
                    .certificate(&certificate)
                    .because("this host's certificate, for its existing key");
                batch.audit(self.certificate_event(event, &certificate));
                (certificate, true)
            }
        };
        batch.write_audit()?;
        // Still in the transaction: a revocation cannot slip in between and leave this host an
        // older CRL than the CA's.
        self.write_host_files(batch.reads(), &ssldir, name, &key, &certificate)?;
        batch.commit()?;
        Ok((certificate, issued))
    }

    /// Write `name`'s public key and certificate to `ssldir`, with the CA chain and the CRL
    /// chain (read from `store`) a host needs beside them.
    fn write_host_files(
        &self,
        store: &dyn Read,
        ssldir: &Ssldir,
        name: &Certname,
        key: &PrivateKey,
        certificate: &Certificate,
    ) -> Result<(), Error> {
        let crl_pem = store.crl_pem()?;
        ssldir.write_public(
            name,
            &key.public_key_pem()?,
            certificate.to_pem().as_bytes(),
            self.authority.chain_pem().as_bytes(),
            &crl_pem,
        )?;
        Ok(())
    }
}

/// This host's key and certificate, for serving TLS.
#[derive(Debug)]
pub struct HostIdentity {
    /// The certificate.
    pub certificate: Certificate,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
    /// Whether it was issued just now.
    pub issued: bool,
}
