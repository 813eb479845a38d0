//! The enrollment runner behind `cert agent`: get a certificate from a Puppet CA the way a
//! Puppet 7 agent does (`puppet ssl bootstrap`), then keep it and the CRL fresh.
//!
//! One [`Agent::run_once`] is one pass of the state machine: pin the CA certificate (first
//! contact unverified, later passes must see the same bundle), fetch the CRL (If-Modified-Since),
//! load or make the key, then adopt the certificate already in the ssldir, renew it when it is
//! close to expiry, or submit a CSR and poll for it. Every certificate is checked (key match,
//! chain, revocation) before it is written, and only [`crate::ssldir`] writes files (the pid
//! lock `ssl.lock`, held for the run as Puppet holds it, is [`lock`]'s). The
//! decisions on HTTP answers are pure functions ([`submission`], [`retrieval`],
//! [`renewal_due`]); printing and the loop belong to the CLI, which gets [`Event`]s.

pub mod attributes;
pub mod http;
pub mod lock;

use std::fmt;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use crate::certificate::{self, Certificate, Digest};
use crate::certname::Certname;
use crate::crl::Crl;
use crate::csr::Csr;
use crate::error::{AgentError, Error};
use crate::keys::{KeySpec, PrivateKey};
use crate::settings::Settings;
use crate::ssldir::Ssldir;

pub use attributes::CsrAttributes;
pub use http::Endpoint;
use http::{HttpError, Response, Trust};

/// Puppet's CA port.
pub const DEFAULT_PORT: u16 = 8140;
/// Renew this long before the certificate expires (Puppet: `hostcert_renewal_interval`, 30 days).
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// `pp_auth_auto_renew`, which a Puppet 7 agent puts in every CSR as an attribute.
pub const AUTO_RENEW_OID: [u64; 10] = [1, 3, 6, 1, 4, 1, 34380, 1, 3, 2];

const API: &str = "/puppet-ca/v1";

/// What one run needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// This host's name.
    pub certname: Certname,
    /// The CA server.
    pub ca_server: Endpoint,
    /// Alt names to request (the certname is added when there are any).
    pub dns_alt_names: Vec<String>,
    /// Seconds between polls for the certificate; zero: do not wait.
    pub waitforcert: Duration,
    /// Give up waiting after this long (`None`: wait for ever).
    pub maxwaitforcert: Option<Duration>,
    /// Key to make when there is none.
    pub key: KeySpec,
    /// `csr_attributes.yaml`.
    pub csr_attributes: CsrAttributes,
    /// Required SHA-256 fingerprint of the CA certificate on first contact.
    pub ca_fingerprint: Option<String>,
    /// Renew when the certificate expires within this long.
    pub renew_before: Duration,
}

/// The agent's settings as given on the command line; `None` and empty follow puppet.conf.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// `--server HOST[:PORT]`.
    pub server: Option<String>,
    /// `--ca_server HOST[:PORT]`.
    pub ca_server: Option<String>,
    /// `--dns_alt_names`.
    pub dns_alt_names: Vec<String>,
    /// `--waitforcert`.
    pub waitforcert: Option<String>,
    /// `--maxwaitforcert`.
    pub maxwaitforcert: Option<String>,
    /// `--ca-fingerprint`.
    pub ca_fingerprint: Option<String>,
}

impl Options {
    /// Resolve the options: the command line over puppet.conf (`[agent]` over `[main]`) over
    /// Puppet's defaults. The CA is `--ca_server`, else `--server`, else `ca_server`, else
    /// `server`, else `puppet`; its port the one given with it, else `ca_port`, else
    /// `serverport`, else 8140. Reads `csr_attributes.yaml` when it exists.
    pub fn resolve(settings: &Settings, given: &Given) -> Result<Options, Error> {
        let certname = Certname::parse(&settings.certname)?;
        let host = given
            .ca_server
            .clone()
            .or_else(|| given.server.clone())
            .or_else(|| settings.ca_server.clone())
            .or_else(|| settings.server.clone())
            .unwrap_or_else(|| "puppet".into());
        let port = settings
            .ca_port
            .or(settings.masterport)
            .unwrap_or(DEFAULT_PORT);
        let ca_server = Endpoint::parse(&host, port).ok_or_else(|| Error::Value {
            what: "server",
            value: host.clone(),
            reason: "not HOST or HOST:PORT".into(),
        })?;
        let duration = |what: &'static str, text: &Option<String>| {
            text.as_deref()
                .map(|t| crate::duration::parse(what, t))
                .transpose()
        };
        let waitforcert = duration("waitforcert", &given.waitforcert)?
            .or(settings.waitforcert)
            .unwrap_or(Duration::from_secs(120));
        let maxwaitforcert = duration("maxwaitforcert", &given.maxwaitforcert)?;
        let dns_alt_names = if given.dns_alt_names.is_empty() {
            settings.dns_alt_names.clone()
        } else {
            given.dns_alt_names.clone()
        };
        let dns_alt_names = dns_alt_names
            .iter()
            .map(|n| {
                n.strip_prefix("DNS:")
                    .or_else(|| n.strip_prefix("IP:"))
                    .unwrap_or(n)
                    .to_owned()
            })
            .collect();
        let csr_attributes = CsrAttributes::read(&settings.csr_attributes)?;
        Ok(Options {
            certname,
            ca_server,
            dns_alt_names,
            waitforcert,
            maxwaitforcert,
            key: KeySpec::from_settings(settings.key_type.as_deref(), settings.keylength)?,
            csr_attributes,
            ca_fingerprint: given.ca_fingerprint.clone(),
            renew_before: RENEW_BEFORE,
        })
    }
}

/// Progress, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The CA accepted an identical request earlier (HTTP 400 on submit).
    AlreadySubmitted {
        /// The CA's message.
        message: String,
    },
    /// An existing certificate was found valid and kept.
    Adopted {
        /// Its expiry.
        not_after: String,
    },
    /// The CA certificate was fetched on first contact and pinned.
    CaPinned {
        /// SHA-256 fingerprint.
        fingerprint: String,
    },
    /// A new CRL was stored.
    CrlUpdated {
        /// CRL number of the issuing CA's CRL.
        number: Option<u128>,
    },
    /// A private key was made.
    KeyCreated {
        /// Its description.
        key: String,
    },
    /// The certificate is close to expiry and renewal is being tried.
    Renewing {
        /// Its expiry.
        not_after: String,
    },
    /// A renewal request for a new key waits for the CA; the current certificate is kept.
    RenewalPending,
    /// The CA does not offer `certificate_renewal`; renewing with a new key and CSR instead.
    RenewalUnavailable {
        /// Why.
        reason: String,
    },
    /// A CSR was submitted.
    Requested,
    /// A new certificate was stored.
    Signed {
        /// SHA-256 fingerprint.
        fingerprint: String,
        /// Its expiry.
        not_after: String,
    },
    /// The certificate is not signed yet; the next poll follows after `seconds`.
    Waiting {
        /// Seconds until the next poll.
        seconds: u64,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::AlreadySubmitted { message } => {
                write!(f, "certificate request already submitted ({message})")
            }
            Event::Adopted { not_after } => {
                write!(f, "certificate present and valid until {not_after}")
            }
            Event::CaPinned { fingerprint } => {
                write!(f, "pinned CA certificate (SHA256) {fingerprint}")
            }
            Event::CrlUpdated { number: Some(n) } => write!(f, "stored CRL number {n}"),
            Event::CrlUpdated { number: None } => write!(f, "stored CRL"),
            Event::KeyCreated { key } => write!(f, "created private key ({key})"),
            Event::Renewing { not_after } => {
                write!(f, "certificate expires {not_after}; renewing")
            }
            Event::RenewalPending => write!(
                f,
                "renewal request not signed yet; keeping the current certificate"
            ),
            Event::RenewalUnavailable { reason } => write!(
                f,
                "certificate_renewal not available ({reason}); requesting a certificate for a new key"
            ),
            Event::Requested => write!(f, "submitted certificate request"),
            Event::Signed {
                fingerprint,
                not_after,
            } => write!(
                f,
                "stored certificate (SHA256) {fingerprint}, valid until {not_after}"
            ),
            Event::Waiting { seconds } => {
                write!(
                    f,
                    "certificate not signed yet; checking again in {seconds}s"
                )
            }
        }
    }
}

/// What a run changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// A new certificate was written.
    pub certificate_changed: bool,
    /// A new CRL (or CA certificate) was written.
    pub crl_changed: bool,
}

impl Report {
    /// Whether anything changed (`--exec` runs then).
    pub fn changed(&self) -> bool {
        self.certificate_changed || self.crl_changed
    }
}

/// What to do after `PUT certificate_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Accepted (or already there): poll for the certificate.
    Poll {
        /// The CA's message when it said it had one already.
        already: Option<String>,
    },
    /// The CA will not sign it.
    Refuse(String),
    /// Not the Puppet CA API.
    Unexpected,
}

/// Decide on the answer to `PUT certificate_request`. Puppet agents take any 400 as "already
/// submitted"; a 400 that names a policy refusal is reported as one instead, since polling for
/// a certificate that will never come helps no one.
pub fn submission(status: u16, body_line: &str) -> Submission {
    match status {
        200..=299 => Submission::Poll { already: None },
        400 if body_line.contains("already has") || body_line.is_empty() => Submission::Poll {
            already: Some(body_line.to_owned()),
        },
        400 | 403 | 409 => Submission::Refuse(body_line.to_owned()),
        _ => Submission::Unexpected,
    }
}

/// What `GET certificate/NAME` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retrieval {
    /// The certificate is in the body.
    Found,
    /// Not signed yet.
    Pending,
    /// Not the Puppet CA API.
    Unexpected,
}

/// Decide on the answer to `GET certificate/NAME`.
pub fn retrieval(status: u16) -> Retrieval {
    match status {
        200 => Retrieval::Found,
        404 => Retrieval::Pending,
        _ => Retrieval::Unexpected,
    }
}

/// Whether a certificate valid until `not_after` should be renewed at `now`.
pub fn renewal_due(not_after: OffsetDateTime, now: OffsetDateTime, before: Duration) -> bool {
    not_after - now <= before
}

/// The enrollment runner for one certname and ssldir.
#[derive(Debug)]
pub struct Agent {
    options: Options,
    ssldir: Ssldir,
}

/// The pinned CA: its PEM bundle and parsed certificates (issuing CA first).
struct Pinned {
    pem: Vec<u8>,
    der: Vec<Vec<u8>>,
    chain: Vec<Certificate>,
}

impl Agent {
    /// An agent for `options`, writing into `ssldir`.
    pub fn new(options: Options, ssldir: Ssldir) -> Agent {
        Agent { options, ssldir }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// One pass: pin the CA, refresh the CRL, then adopt, renew or enroll. `events` hears
    /// about progress. Nothing already in the ssldir is replaced unless its replacement
    /// verified.
    pub fn run_once(&self, events: &mut dyn FnMut(Event)) -> Result<Report, Error> {
        let _lock = lock::SslLock::acquire(self.ssldir.root())?;
        let mut report = Report::default();
        let name = &self.options.certname;
        let (ca, ca_is_new) = self.pin_ca(events)?;
        let (crl_pem, crls, crl_is_new, last_modified) = self.fetch_crl(&ca)?;
        if ca_is_new {
            self.ssldir.write_ca_and_crl(&ca.pem, &crl_pem)?;
        } else if crl_is_new {
            self.ssldir.write_crl(&crl_pem)?;
        }
        if ca_is_new || crl_is_new {
            if let Some(time) = last_modified {
                self.ssldir.set_crl_modified(time)?;
            }
        }
        if ca_is_new || crl_is_new {
            events(Event::CrlUpdated {
                number: crls.first().and_then(|c| c.number),
            });
            report.crl_changed = true;
        }

        let key = self.key(events)?;
        if let Some(pem) = self.ssldir.certificate(name)? {
            let what = self.ssldir.certificate_path(name).display().to_string();
            let cert = Certificate::from_pem(&what, &pem)?;
            check_certificate(name, &what, &cert, &key, &ca, &crls, &crl_pem)?;
            let now = OffsetDateTime::now_utc();
            if !renewal_due(cert.not_after, now, self.options.renew_before) {
                events(Event::Adopted {
                    not_after: date(cert.not_after),
                });
                return Ok(report);
            }
            events(Event::Renewing {
                not_after: date(cert.not_after),
            });
            // A renewal by fresh enrollment already under way continues; otherwise the CA's
            // certificate_renewal first, a new key and CSR when it has none.
            let renewed = if self.ssldir.renewal_request(name)?.is_some() {
                self.reenroll(&ca, &crls, &crl_pem, &key, events)?
            } else {
                match self.renew(&ca, &crls, &crl_pem, &key, &cert, events)? {
                    true => true,
                    false => self.reenroll(&ca, &crls, &crl_pem, &key, events)?,
                }
            };
            report.certificate_changed = renewed;
            return Ok(report);
        }
        self.enroll(&ca, &crls, &crl_pem, &key, events)?;
        report.certificate_changed = true;
        Ok(report)
    }

    fn server(&self) -> String {
        self.options.ca_server.to_string()
    }

    fn get(
        &self,
        trust: &Trust<'_>,
        path: &str,
        headers: &[(&str, String)],
    ) -> Result<Response, Error> {
        self.call(trust, "GET", path, headers, None)
    }

    fn call(
        &self,
        trust: &Trust<'_>,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Response, Error> {
        let full = format!("{API}/{path}");
        http::request(&self.options.ca_server, trust, method, &full, headers, body)
            .map_err(|e| self.http_error(e))
    }

    fn http_error(&self, error: HttpError) -> Error {
        let server = self.server();
        match error {
            HttpError::Connect(reason) | HttpError::Transport(reason) => {
                AgentError::Unreachable { server, reason }
            }
            HttpError::Certificate(reason) => AgentError::Untrusted {
                what: format!("the TLS certificate of {server}"),
                reason,
            },
            HttpError::Tls(reason) => AgentError::NotPuppetCa {
                server,
                reason: format!("tls failed: {reason}"),
            },
            other @ (HttpError::Malformed(_) | HttpError::Truncated(_)) => AgentError::Protocol {
                server,
                reason: other.to_string(),
            },
        }
        .into()
    }

    fn unexpected(&self, method: &str, path: &str, response: &Response) -> Error {
        AgentError::Unexpected {
            server: self.server(),
            request: format!("{method} {API}/{path}"),
            status: response.status,
            body: response.body_line(),
        }
        .into()
    }

    /// The CA bundle: the pinned one, checked against what the server offers now; or, on first
    /// contact, what the server offers, unverified (and checked against `--ca-fingerprint`).
    fn pin_ca(&self, events: &mut dyn FnMut(Event)) -> Result<(Pinned, bool), Error> {
        let server = self.server();
        if let Some(pem) = self.ssldir.ca_certificate()? {
            let path = self.ssldir.ca_certificate_path();
            let pinned = parse_ca(&path.display().to_string(), pem).map_err(|reason| {
                Error::from(AgentError::Untrusted {
                    what: path.display().to_string(),
                    reason,
                })
            })?;
            let stored_crls = self.stored_crls();
            let answer = {
                let trust = Trust::Pinned {
                    ca: &pinned.der,
                    crls: &stored_crls,
                    client: None,
                };
                self.get(&trust, "certificate/ca", &[])
            };
            let offered = match answer {
                Ok(response) => response,
                // The server's TLS certificate does not chain to the pinned CA: see whether
                // the CA itself changed, to say so plainly.
                Err(Error::Agent(AgentError::Untrusted { what, reason })) => {
                    let response = self.get(&Trust::FirstContact, "certificate/ca", &[])?;
                    if let Ok(other) = parse_ca(&server, response.body) {
                        if other.der != pinned.der {
                            return Err(ca_changed(&server, path, &pinned, &other));
                        }
                    }
                    return Err(AgentError::Untrusted { what, reason }.into());
                }
                Err(error) => return Err(error),
            };
            if offered.status == 200 {
                let other = parse_ca(&server, offered.body).map_err(|reason| {
                    Error::from(AgentError::NotPuppetCa {
                        server: server.clone(),
                        reason,
                    })
                })?;
                if other.der != pinned.der {
                    return Err(ca_changed(&server, path, &pinned, &other));
                }
            } else {
                return Err(self.unexpected("GET", "certificate/ca", &offered));
            }
            return Ok((pinned, false));
        }

        let response = self.get(&Trust::FirstContact, "certificate/ca", &[])?;
        if response.status != 200 {
            return Err(AgentError::NotPuppetCa {
                server,
                reason: format!(
                    "GET {API}/certificate/ca answered {} {}",
                    response.status,
                    response.body_line()
                ),
            }
            .into());
        }
        let pinned = parse_ca(&server, response.body).map_err(|reason| {
            Error::from(AgentError::NotPuppetCa {
                server: server.clone(),
                reason,
            })
        })?;
        let fingerprint = certificate::fingerprint(&pinned.der[0], Digest::Sha256);
        if let Some(expected) = &self.options.ca_fingerprint {
            if normalize_fingerprint(expected) != normalize_fingerprint(&fingerprint) {
                return Err(AgentError::CaFingerprint {
                    server,
                    expected: expected.clone(),
                    actual: fingerprint,
                }
                .into());
            }
        }
        events(Event::CaPinned { fingerprint });
        Ok((pinned, true))
    }

    /// The CRL chain: a new one from the CA, or the stored one when the CA says it has not
    /// changed. Returns the PEM, the parsed chain, whether it is new, and the CA's
    /// `Last-Modified` for it.
    #[allow(clippy::type_complexity)]
    fn fetch_crl(
        &self,
        ca: &Pinned,
    ) -> Result<(Vec<u8>, Vec<Crl>, bool, Option<SystemTime>), Error> {
        let server = self.server();
        let stored = self.ssldir.crl()?;
        let mut headers = Vec::new();
        if stored.is_some() {
            if let Some(modified) = self.ssldir.crl_modified() {
                headers.push(("If-Modified-Since", http_date(modified)));
            }
        }
        let stored_crls = self.stored_crls();
        let trust = Trust::Pinned {
            ca: &ca.der,
            crls: &stored_crls,
            client: None,
        };
        let path = "certificate_revocation_list/ca";
        let response = self.get(&trust, path, &headers)?;
        let last_modified = response
            .header("last-modified")
            .and_then(|text| httpdate::parse_http_date(text).ok());
        let (pem, is_new) = match (response.status, stored) {
            (304, Some(stored)) => (stored, false),
            (200, stored) => {
                let same = stored.as_deref() == Some(response.body.as_slice());
                (response.body, !same)
            }
            _ => return Err(self.unexpected("GET", path, &response)),
        };
        let crls = Crl::chain_from_pem("the CRL", &pem).map_err(|e| AgentError::Protocol {
            server: server.clone(),
            reason: e.to_string(),
        })?;
        let now = OffsetDateTime::now_utc();
        for crl in &crls {
            if let Some(next_update) = crl.next_update {
                if next_update < now {
                    return Err(AgentError::CrlExpired {
                        issuer: crl.issuer.clone(),
                        next_update: date(next_update),
                    }
                    .into());
                }
            }
        }
        match crls.first() {
            Some(first) if first.issuer == ca.chain[0].subject => {}
            _ => {
                return Err(AgentError::NotPuppetCa {
                    server,
                    reason: "its CRL is not issued by its CA certificate".into(),
                }
                .into())
            }
        }
        Ok((pem, crls, is_new, last_modified))
    }

    /// The CRLs in `crl.pem` (DER), to check the server's TLS certificate before the CA's
    /// current CRL is in hand; none when there is no readable one yet.
    fn stored_crls(&self) -> Vec<Vec<u8>> {
        match self.ssldir.crl() {
            Ok(Some(pem)) => Crl::chain_from_pem("crl.pem", &pem)
                .map(|crls| crl_ders(&crls))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn key(&self, events: &mut dyn FnMut(Event)) -> Result<PrivateKey, Error> {
        let name = &self.options.certname;
        if let Some(pem) = self.ssldir.private_key(name)? {
            let what = self.ssldir.private_key_path(name).display().to_string();
            return Ok(PrivateKey::from_pem(&what, &pem)?);
        }
        let key = PrivateKey::generate(self.options.key)?;
        self.ssldir.write_private_key(name, &key.to_pem()?, false)?;
        events(Event::KeyCreated {
            key: crate::keys::describe(key.openssl()),
        });
        Ok(key)
    }

    fn csr(&self, key: &PrivateKey) -> Result<Csr, Error> {
        let mut attributes = self.options.csr_attributes.custom_attributes.clone();
        attributes.push((AUTO_RENEW_OID.to_vec(), "true".into()));
        Csr::generate_with_attributes(
            &self.options.certname,
            key,
            &self.options.dns_alt_names,
            &self.options.csr_attributes.extension_requests,
            &attributes,
        )
    }

    /// The CSR to submit: `certificate_requests/NAME.pem` from an earlier run when it asks for
    /// exactly what a new one would (key, name, alt names, extensions, attributes), so the CA
    /// sees the same request again; else a new one.
    fn request(&self, key: &PrivateKey) -> Result<String, Error> {
        let fresh = self.csr(key)?;
        let name = &self.options.certname;
        let stored = self.ssldir.request(name)?;
        if let Some(old) = stored.and_then(|pem| Csr::from_pem(&pem).ok()) {
            if old.public_key_der() == fresh.public_key_der()
                && old.common_name() == fresh.common_name()
                && old.alt_names() == fresh.alt_names()
                && old.extensions() == fresh.extensions()
                && old.attributes() == fresh.attributes()
            {
                return Ok(old.to_pem());
            }
        }
        Ok(fresh.to_pem())
    }

    /// Submit a CSR and poll for the certificate until it comes or waiting is over.
    fn enroll(
        &self,
        ca: &Pinned,
        crls: &[Crl],
        crl_pem: &[u8],
        key: &PrivateKey,
        events: &mut dyn FnMut(Event),
    ) -> Result<(), Error> {
        let name = &self.options.certname;
        let pem = self.request(key)?;
        let crl_der = crl_ders(crls);
        let trust = Trust::Pinned {
            ca: &ca.der,
            crls: &crl_der,
            client: None,
        };
        let path = format!("certificate_request/{name}");
        let response = self.call(
            &trust,
            "PUT",
            &path,
            &[("Content-Type", "text/plain".into())],
            Some(pem.as_bytes()),
        )?;
        match submission(response.status, &response.body_line()) {
            Submission::Poll { already: None } => {
                self.ssldir.write_request(name, pem.as_bytes())?;
                events(Event::Requested);
            }
            Submission::Poll {
                already: Some(message),
            } => events(Event::AlreadySubmitted { message }),
            Submission::Refuse(reason) => {
                return Err(AgentError::Refused {
                    server: self.server(),
                    name: name.to_string(),
                    reason,
                }
                .into())
            }
            Submission::Unexpected => return Err(self.unexpected("PUT", &path, &response)),
        }

        let started = std::time::Instant::now();
        let path = format!("certificate/{name}");
        loop {
            let response = self.get(&trust, &path, &[])?;
            match retrieval(response.status) {
                Retrieval::Found => {
                    let cert =
                        Certificate::from_pem(&self.server(), &response.body).map_err(|e| {
                            AgentError::Protocol {
                                server: self.server(),
                                reason: e.to_string(),
                            }
                        })?;
                    let what = format!("from {}", self.server());
                    check_certificate(name, &what, &cert, key, ca, crls, crl_pem)?;
                    self.store(key, &cert, events)?;
                    return Ok(());
                }
                Retrieval::Pending => {}
                Retrieval::Unexpected => return Err(self.unexpected("GET", &path, &response)),
            }
            let wait = self.options.waitforcert;
            if wait.is_zero() {
                return Err(AgentError::Waiting {
                    name: name.to_string(),
                    reason: "exiting now because waitforcert is 0".into(),
                }
                .into());
            }
            if let Some(limit) = self.options.maxwaitforcert {
                if started.elapsed() + wait > limit {
                    return Err(AgentError::Waiting {
                        name: name.to_string(),
                        reason: format!("gave up after maxwaitforcert ({}s)", limit.as_secs()),
                    }
                    .into());
                }
            }
            events(Event::Waiting {
                seconds: wait.as_secs(),
            });
            std::thread::sleep(wait);
        }
    }

    /// `POST certificate_renewal` with the current certificate as the client certificate.
    /// `Ok(false)` when the CA does not offer it (the certificate is kept).
    fn renew(
        &self,
        ca: &Pinned,
        crls: &[Crl],
        crl_pem: &[u8],
        key: &PrivateKey,
        current: &Certificate,
        events: &mut dyn FnMut(Event),
    ) -> Result<bool, Error> {
        let pkcs8 =
            key.openssl()
                .private_key_to_pkcs8()
                .map_err(|e| crate::error::KeyError::Parse {
                    what: "private key".into(),
                    reason: e.to_string(),
                })?;
        let crl_der = crl_ders(crls);
        let trust = Trust::Pinned {
            ca: &ca.der,
            crls: &crl_der,
            client: Some((vec![current.der().to_vec()], pkcs8)),
        };
        let path = "certificate_renewal";
        let response = self.call(
            &trust,
            "POST",
            path,
            &[("Content-Type", "text/plain".into())],
            Some(b""),
        )?;
        match response.status {
            200 => {
                let name = &self.options.certname;
                let cert = Certificate::from_pem(&self.server(), &response.body).map_err(|e| {
                    AgentError::Protocol {
                        server: self.server(),
                        reason: e.to_string(),
                    }
                })?;
                let what = format!("renewed by {}", self.server());
                check_certificate(name, &what, &cert, key, ca, crls, crl_pem)?;
                self.store(key, &cert, events)?;
                Ok(true)
            }
            403..=405 => {
                events(Event::RenewalUnavailable {
                    reason: format!("{} {}", response.status, response.body_line()),
                });
                Ok(false)
            }
            _ => Err(self.unexpected("POST", path, &response)),
        }
    }

    /// Renewal where the CA has no `certificate_renewal`: a new key (kept in `renewal/`) and a
    /// CSR for it, submitted as a fresh enrollment. The current key and certificate stay in
    /// place until the CA signs the new request; the CA needs `allow_duplicate_certs` for
    /// that, else it refuses. One look for the certificate per run, not `waitforcert`: the
    /// host still has a valid certificate, and the loop must keep the CRL fresh meanwhile.
    fn reenroll(
        &self,
        ca: &Pinned,
        crls: &[Crl],
        crl_pem: &[u8],
        current_key: &PrivateKey,
        events: &mut dyn FnMut(Event),
    ) -> Result<bool, Error> {
        let name = &self.options.certname;
        let key = match self.ssldir.renewal_key(name)? {
            Some(pem) => {
                let what = self.ssldir.renewal_key_path(name).display().to_string();
                PrivateKey::from_pem(&what, &pem)?
            }
            None => {
                let key = PrivateKey::generate(self.options.key)?;
                self.ssldir.write_renewal_key(name, &key.to_pem()?)?;
                events(Event::KeyCreated {
                    key: crate::keys::describe(key.openssl()),
                });
                key
            }
        };
        let crl_der = crl_ders(crls);
        let trust = Trust::Pinned {
            ca: &ca.der,
            crls: &crl_der,
            client: None,
        };
        if self.ssldir.renewal_request(name)?.is_none() {
            let pem = self.csr(&key)?.to_pem();
            let path = format!("certificate_request/{name}");
            let response = self.call(
                &trust,
                "PUT",
                &path,
                &[("Content-Type", "text/plain".into())],
                Some(pem.as_bytes()),
            )?;
            let line = response.body_line();
            match submission(response.status, &line) {
                // The CA still holds our current certificate and allows no second one.
                Submission::Poll { already: Some(_) } if line.contains("signed") => {
                    return Err(AgentError::Refused {
                        server: self.server(),
                        name: name.to_string(),
                        reason: format!(
                            "{line} (it has no certificate_renewal, and renewing with a new key \
                             needs allow_duplicate_certs = true there); the current certificate is kept"
                        ),
                    }
                    .into());
                }
                Submission::Poll { .. } => {
                    self.ssldir.write_renewal_request(name, pem.as_bytes())?;
                    events(Event::Requested);
                }
                Submission::Refuse(reason) => {
                    return Err(AgentError::Refused {
                        server: self.server(),
                        name: name.to_string(),
                        reason,
                    }
                    .into())
                }
                Submission::Unexpected => return Err(self.unexpected("PUT", &path, &response)),
            }
        }
        let path = format!("certificate/{name}");
        let response = self.get(&trust, &path, &[])?;
        match retrieval(response.status) {
            Retrieval::Found => {
                let cert = Certificate::from_pem(&self.server(), &response.body).map_err(|e| {
                    AgentError::Protocol {
                        server: self.server(),
                        reason: e.to_string(),
                    }
                })?;
                // Until the new request is signed the CA hands out the current certificate.
                if current_key.matches_certificate(cert.der()) {
                    events(Event::RenewalPending);
                    return Ok(false);
                }
                let what = format!("from {}", self.server());
                check_certificate(name, &what, &cert, &key, ca, crls, crl_pem)?;
                self.ssldir.promote_renewal(
                    name,
                    &key.to_pem()?,
                    &key.public_key_pem()?,
                    cert.to_pem().as_bytes(),
                )?;
                events(Event::Signed {
                    fingerprint: cert.fingerprint(Digest::Sha256),
                    not_after: date(cert.not_after),
                });
                Ok(true)
            }
            Retrieval::Pending => {
                events(Event::RenewalPending);
                Ok(false)
            }
            Retrieval::Unexpected => Err(self.unexpected("GET", &path, &response)),
        }
    }

    fn store(
        &self,
        key: &PrivateKey,
        cert: &Certificate,
        events: &mut dyn FnMut(Event),
    ) -> Result<(), Error> {
        self.ssldir.write_certificate(
            &self.options.certname,
            &key.public_key_pem()?,
            cert.to_pem().as_bytes(),
        )?;
        events(Event::Signed {
            fingerprint: cert.fingerprint(Digest::Sha256),
            not_after: date(cert.not_after),
        });
        Ok(())
    }
}

/// Check a certificate for `name` before trusting it: it carries our key, names us, is not
/// revoked, and chains to the pinned CA under its CRLs (checked by OpenSSL, as Puppet does).
fn check_certificate(
    name: &Certname,
    what: &str,
    cert: &Certificate,
    key: &PrivateKey,
    ca: &Pinned,
    crls: &[Crl],
    crl_pem: &[u8],
) -> Result<(), Error> {
    if !key.matches_certificate(cert.der()) {
        return Err(AgentError::KeyMismatch {
            name: name.to_string(),
            what: what.to_owned(),
        }
        .into());
    }
    if cert.common_name != name.as_str() {
        return Err(AgentError::Untrusted {
            what: format!("the certificate {what}"),
            reason: format!("it is for {:?}, not {name}", cert.common_name),
        }
        .into());
    }
    if let Some(serial) = cert.serial {
        if crls
            .iter()
            .any(|crl| crl.issuer == cert.issuer && crl.is_revoked(serial))
        {
            return Err(AgentError::Revoked {
                name: name.to_string(),
                serial: serial.to_string(),
            }
            .into());
        }
    }
    certificate::verify_with_openssl(cert, &ca.chain, crl_pem).map_err(|e| {
        Error::from(AgentError::Untrusted {
            what: format!("the certificate {what}"),
            reason: e.to_string(),
        })
    })
}

fn crl_ders(crls: &[Crl]) -> Vec<Vec<u8>> {
    crls.iter().map(|crl| crl.der().to_vec()).collect()
}

fn parse_ca(what: &str, pem: Vec<u8>) -> Result<Pinned, String> {
    let der = certificate::pem_chain(what, &pem, "CERTIFICATE").map_err(|e| e.to_string())?;
    let chain = der
        .iter()
        .map(|d| Certificate::from_der(what, d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if !chain.iter().all(|c| c.is_ca) {
        return Err("its certificate/ca is not a CA certificate".into());
    }
    Ok(Pinned { pem, der, chain })
}

fn ca_changed(server: &str, path: std::path::PathBuf, pinned: &Pinned, other: &Pinned) -> Error {
    AgentError::CaChanged {
        server: server.to_owned(),
        path,
        pinned: certificate::fingerprint(&pinned.der[0], Digest::Sha256),
        offered: certificate::fingerprint(&other.der[0], Digest::Sha256),
    }
    .into()
}

/// Fingerprints compare without colons, case or a `SHA256:` label.
fn normalize_fingerprint(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("SHA256:")
        .or_else(|| text.strip_prefix("sha256:"))
        .or_else(|| text.strip_prefix("(SHA256)"))
        .unwrap_or(text);
    text.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn date(time: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]UTC");
    time.format(&format).unwrap_or_else(|_| time.to_string())
}

/// An RFC 7231 date, for If-Modified-Since.
fn http_date(time: SystemTime) -> String {
    let time = OffsetDateTime::from(time);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        assert_eq!(submission(200, ""), Submission::Poll { already: None });
        assert!(matches!(
            submission(
                400,
                "node already has a requested certificate; ignoring certificate request"
            ),
            Submission::Poll { already: Some(_) }
        ));
        assert!(matches!(
            submission(
                400,
                "CSR 'x' contains subject alternative names (DNS:y), which are disallowed"
            ),
            Submission::Refuse(_)
        ));
        assert_eq!(submission(500, "boom"), Submission::Unexpected);
        assert_eq!(retrieval(200), Retrieval::Found);
        assert_eq!(retrieval(404), Retrieval::Pending);
        assert_eq!(retrieval(302), Retrieval::Unexpected);
    }

    #[test]
    fn renewal_window() {
        let now = OffsetDateTime::now_utc();
        assert!(renewal_due(
            now + time::Duration::days(10),
            now,
            RENEW_BEFORE
        ));
        assert!(!renewal_due(
            now + time::Duration::days(60),
            now,
            RENEW_BEFORE
        ));
    }

    #[test]
    fn fingerprints_and_dates() {
        assert_eq!(normalize_fingerprint("sha256:ab:CD:01"), "ABCD01");
        assert_eq!(normalize_fingerprint("ABCD01"), "ABCD01");
        let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(784111777);
        assert_eq!(http_date(epoch), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
