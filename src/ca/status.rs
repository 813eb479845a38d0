//! What the CA shows: listing, one name's status, certificates, verification, expirations and
//! the audit trail. Nothing here changes the CA (deletions are `prune`'s). Rendering is the
//! caller's ([`crate::wire`] for puppetserver's JSON).

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::audit;
use crate::certificate::{Certificate, Digest, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, StoreError};
use crate::progress::Stage;
use crate::ssldir::Ssldir;
use crate::store::{Item, Read, Store};

use super::Ca;

/// Most threads reading certificates for a listing.
const LIST_THREADS: usize = 8;

/// The state of a name in the CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// A request is waiting.
    Requested,
    /// Signed, then revoked.
    Revoked,
    /// Signed and valid.
    Signed,
}

impl State {
    /// Puppet's word: `requested`, `signed`, `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Revoked => "revoked",
            State::Signed => "signed",
        }
    }
}

/// What the CA knows about one name.
#[derive(Debug, Clone)]
pub struct CertificateStatus {
    /// The certname.
    pub name: Certname,
    /// Requested, signed or revoked.
    pub state: State,
    /// SHA-256 fingerprint of the certificate (or of the request when requested).
    pub fingerprint: String,
    /// Alt names, `DNS:x` / `IP:y`.
    pub alt_names: Vec<String>,
    /// Authorization extensions, (`pp_cli_auth`, `true`).
    pub authorization_extensions: Vec<(String, String)>,
    /// Serial, for certificates.
    pub serial: Option<Serial>,
    /// Validity start, for certificates.
    pub not_before: Option<OffsetDateTime>,
    /// Validity end, for certificates.
    pub not_after: Option<OffsetDateTime>,
    /// The DER of the certificate or request (for more digests).
    pub der: Vec<u8>,
}

impl CertificateStatus {
    /// Fingerprint of the certificate or request with another digest.
    pub fn fingerprint_with(&self, digest: Digest) -> String {
        crate::certificate::fingerprint(&self.der, digest)
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Signed and revoked too, not only requests.
    pub all: bool,
    /// Only these names (any state); empty = no filter.
    pub names: Vec<Certname>,
    /// Only certificates (signed or revoked, whatever `all` says) that expire before this
    /// time, expired ones included.
    pub expires_before: Option<OffsetDateTime>,
}

impl Ca {
    /// List entries: pending requests, plus signed and revoked certificates with `all`, or just
    /// the given names; with `expires_before`, only certificates expiring before then.
    pub fn list(&self, selection: &Selection) -> Result<Vec<CertificateStatus>, Error> {
        let revoked: HashSet<Serial> = self.store.revocations()?.iter().map(|r| r.serial).collect();
        let wanted = |name: &Certname| selection.names.is_empty() || selection.names.contains(name);
        let requests: Vec<Certname> = self
            .store
            .request_names()?
            .into_iter()
            .filter(|n| wanted(n))
            .collect();
        let signed: Vec<Certname> =
            if selection.all || !selection.names.is_empty() || selection.expires_before.is_some() {
                self.store
                    .signed_names()?
                    .into_iter()
                    .filter(|n| wanted(n))
                    .collect()
            } else {
                Vec::new()
            };
        let mut entries = Vec::new();
        self.progress
            .stage(Stage::Read, requests.len() + signed.len(), || {
                for name in &requests {
                    if let Some(pem) = self.store.request(name)? {
                        entries.push(request_entry(&self.store, name, &pem)?);
                    }
                    self.progress.tick();
                }
                entries.extend(self.signed_entries(&signed, &revoked)?);
                Ok::<_, Error>(())
            })?;
        for name in &selection.names {
            if !entries.iter().any(|e| &e.name == name) {
                return Err(StoreError::NotFound {
                    what: "a certificate or request",
                    name: name.to_string(),
                }
                .into());
            }
        }
        if let Some(horizon) = selection.expires_before {
            entries.retain(|entry| entry.not_after.is_some_and(|t| t < horizon));
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name).then(a.state.cmp(&b.state)));
        Ok(entries)
    }

    /// Read and parse the signed certificates of `names`, on all cores (reading, parsing and
    /// hashing 100,000 certificates is the cost of `list --all`).
    pub(super) fn signed_entries(
        &self,
        names: &[Certname],
        revoked: &HashSet<Serial>,
    ) -> Result<Vec<CertificateStatus>, Error> {
        let read = |name: &Certname| {
            let entry = match self.store.signed(name)? {
                Some(pem) => certificate_entry(name, &pem, revoked).map(Some),
                None => Ok(None),
            };
            self.progress.tick();
            entry
        };
        let results = crate::parallel::map(
            names,
            crate::parallel::cores().min(LIST_THREADS),
            1,
            read,
            |name| {
                Err(Error::Panicked {
                    task: format!("reading the certificate of {name}"),
                })
            },
        );
        let mut entries = Vec::with_capacity(names.len());
        for result in results {
            entries.extend(result?);
        }
        Ok(entries)
    }

    /// The fingerprint of `name`'s certificate (see [`Ca::certificate`]) or, when it has none,
    /// of its pending request.
    pub fn fingerprint(&self, name: &str, digest: Digest) -> Result<String, Error> {
        self.certificate(name)
            .map(|certificate| certificate.fingerprint(digest))
            .or_else(|error| {
                let certname = Certname::parse(name)?;
                self.request(&certname)
                    .map(|csr| crate::certificate::fingerprint(csr.der(), digest))
                    .map_err(|_| error)
            })
    }

    /// The PEM of `name`'s certificate (not `ca`) as [`Ca::certificate`] finds it, for serving:
    /// a file holding one PEM certificate is given as it is stored (puppetserver serves the
    /// file), without parsing it and encoding it again; anything else as the certificate
    /// parsed from it.
    pub fn certificate_pem(&self, name: &Certname) -> Result<Vec<u8>, Error> {
        let stored = match self.store.signed(name)? {
            Some(pem) => Some(pem),
            None => Ssldir::new(&self.config.ssldir).certificate(name)?,
        };
        match stored {
            Some(pem) => match crate::certificate::pem_chain(name.as_str(), &pem, "CERTIFICATE") {
                Ok(blocks) if blocks.len() == 1 => Ok(pem),
                _ => Ok(Certificate::from_pem(name.as_str(), &pem)?
                    .to_pem()
                    .into_bytes()),
            },
            None => Err(StoreError::NotFound {
                what: "a certificate",
                name: name.to_string(),
            }
            .into()),
        }
    }

    /// The certificate of `name`: `ca` is the CA itself; else its signed certificate in the
    /// store, else this host's ssldir.
    pub fn certificate(&self, name: &str) -> Result<Certificate, Error> {
        if name == "ca" {
            return Ok(self.authority.certificate().clone());
        }
        let name = Certname::parse(name)?;
        if let Some(pem) = self.store.signed(&name)? {
            return Ok(Certificate::from_pem(name.as_str(), &pem)?);
        }
        if let Some(pem) = Ssldir::new(&self.config.ssldir).certificate(&name)? {
            return Ok(Certificate::from_pem(name.as_str(), &pem)?);
        }
        Err(StoreError::NotFound {
            what: "a certificate",
            name: name.to_string(),
        }
        .into())
    }

    /// Verify `name`'s certificate the way OpenSSL peers do: chain to the CA, CRLs of every
    /// level checked, validity at `now`.
    pub fn verify(&self, name: &str) -> Result<Certificate, Error> {
        let cert = self.certificate(name)?;
        let crl_pem = self.store.crl_pem()?;
        crate::certificate::verify_with_openssl(&cert, self.authority.chain(), &crl_pem)?;
        Ok(cert)
    }

    /// What the CA knows about one name: its certificate (signed or revoked) when there is one,
    /// else its pending request.
    pub fn status(&self, name: &Certname) -> Result<CertificateStatus, Error> {
        let entries = self.list(&Selection {
            all: true,
            names: vec![name.clone()],
            ..Selection::default()
        })?;
        entries
            .into_iter()
            .max_by_key(|e| e.state != State::Requested)
            .ok_or_else(|| {
                StoreError::NotFound {
                    what: "a certificate or request",
                    name: name.to_string(),
                }
                .into()
            })
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<audit::Event>, Error> {
        Ok(audit::parse(&self.store.audit()?))
    }

    /// When the CA certificates and CRLs expire.
    pub fn expirations(&self) -> Result<Expirations, Error> {
        let ca_certificates = self
            .authority
            .chain()
            .iter()
            .map(|c| (c.common_name.clone(), c.not_after))
            .collect();
        let crls = self
            .crls()?
            .iter()
            .filter_map(|c| c.next_update.map(|t| (c.issuer_common_name.clone(), t)))
            .collect();
        Ok(Expirations {
            ca_certificates,
            crls,
        })
    }
}

/// When the CA's certificates and CRLs expire (puppetserver's `expirations` endpoint).
#[derive(Debug, Clone)]
pub struct Expirations {
    /// (CN, notAfter) of every certificate of the CA chain, issuing CA first.
    pub ca_certificates: Vec<(String, OffsetDateTime)>,
    /// (issuer CN, nextUpdate) of every CRL of the chain.
    pub crls: Vec<(String, OffsetDateTime)>,
}

/// The status of the queued request `pem` of `name` in `store`.
pub(super) fn request_entry(
    store: &Store,
    name: &Certname,
    pem: &[u8],
) -> Result<CertificateStatus, Error> {
    let csr = Csr::from_pem(pem).map_err(|e| StoreError::Corrupt {
        what: store.locate(&Item::Request(name.clone())),
        reason: e.to_string(),
    })?;
    let authorization_extensions = csr
        .extensions()
        .iter()
        .filter(|e| {
            crate::extension::puppet_arc(&e.oid) == Some(crate::extension::PuppetArc::Authorization)
        })
        .map(|e| (e.name(), e.value_text()))
        .collect();
    Ok(CertificateStatus {
        name: name.clone(),
        state: State::Requested,
        fingerprint: crate::certificate::fingerprint(csr.der(), Digest::Sha256),
        alt_names: csr.alt_names().iter().map(ToString::to_string).collect(),
        authorization_extensions,
        serial: None,
        not_before: None,
        not_after: None,
        der: csr.der().to_vec(),
    })
}

pub(super) fn certificate_entry(
    name: &Certname,
    pem: &[u8],
    revoked: &HashSet<Serial>,
) -> Result<CertificateStatus, Error> {
    let cert = Certificate::from_pem(name.as_str(), pem)?;
    let state = match cert.serial {
        Some(serial) if revoked.contains(&serial) => State::Revoked,
        _ => State::Signed,
    };
    Ok(CertificateStatus {
        name: name.clone(),
        state,
        fingerprint: cert.fingerprint(Digest::Sha256),
        alt_names: cert.alt_names.iter().map(ToString::to_string).collect(),
        authorization_extensions: cert.authorization_extensions(),
        serial: cert.serial,
        not_before: Some(cert.not_before),
        not_after: Some(cert.not_after),
        der: cert.der().to_vec(),
    })
}
