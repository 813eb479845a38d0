//! The operations an administrator performs on a CA: set up, import, submit, sign, revoke, clean,
//! generate, list, verify. Each one combines the pure rules ([`crate::authority`],
//! [`crate::crl`]) with the CA's [`Store`], in one of the store's transactions, and returns
//! typed results for a renderer. The CLI's two dialects and the daemon all call these, and only
//! these.
//!
//! This file opens and creates CAs; requests coming in are `enroll`, signing `sign` through the
//! one signing sequence `batch`, revocation and cleaning `revoke`, what the CA shows `status`,
//! this host's own certificates `host`, the CA's private keys `key_directory`, moving a CA
//! between stores `migrate`, the web console's sign-in and reviewed changes `console`. No
//! storage layout lives here ([`crate::store`], [`crate::ssldir`]), and no HTTP or CLI wording.
//!
//! Every check that can refuse a request runs before anything is written, so a refusal leaves
//! the CA exactly as it was.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::{self};
use crate::authority::{self, Authority, Policy, Validity};
use crate::autosign::{self, Autosign, Decision};
pub use crate::ca_conf::Renewal;
use crate::certificate::{Certificate, Digest, Serial};
use crate::certname::Certname;
use crate::crl::{self, Crl};
use crate::csr::Csr;
use crate::error::{Error, KeyError, StoreError};
use crate::keys::{KeySpec, PrivateKey};
use crate::progress::{Progress, Reporter};
use crate::settings::Settings;
use crate::store::{
    inventory, CrlVersion, Item, Location, NewCa, Presence, Read, Store, Transaction,
};

mod batch;
mod console;
mod crls;
mod enroll;
mod expiry;
mod extend;
mod host;
mod key_directory;
mod migrate;
mod prune;
mod revoke;
mod sign;
mod status;

pub use console::{LoginLink, PendingRequest, Session};
pub use crls::{CrlRefresh, IssuedCrl, StaleCrl};
pub use enroll::{autosign_report, autosign_setting, AutosignReport, Verdict};
pub use expiry::{Expiring, ExpiringKind};
pub use extend::{Extended, Reissued, SerialChoice};
pub use host::HostIdentity;
pub use key_directory::KeyDirectory;
pub use migrate::{migrate, Keys, Migrated};
pub use prune::{parse_serial, Delete, Deleted, Prune, Pruned};
pub use status::Expirations;

/// How the CA is configured: where it lives and what it allows.
#[derive(Debug, Clone)]
pub struct Config {
    /// The CA directory: this node's CA keys ([`KeyDirectory`]), and the files store's
    /// location.
    pub cadir: PathBuf,
    /// Where the rest of the CA is stored: the files in `cadir`, or a database (the `ca_store`
    /// setting).
    pub store: Location,
    /// This host's ssldir (where `--generate` writes keys and certificates).
    pub ssldir: PathBuf,
    /// This host's certname (the CA server's own certificate).
    pub certname: String,
    /// Alt names for this host's own certificate.
    pub dns_alt_names: Vec<String>,
    /// Default lifetime of issued certificates (`ca_ttl`), and of a CA certificate
    /// `extend_ca` re-issues.
    pub ttl: Duration,
    /// How long the CRLs are valid and when they are re-issued (`crl_ttl`, `crl_refresh`).
    pub crl: crl::Lifetime,
    /// What CSRs may carry.
    pub policy: Policy,
    /// Whether a new request may replace a signed certificate (`allow_duplicate_certs`).
    pub allow_duplicate_certs: bool,
    /// Key type and size for keys this CA generates.
    pub key: KeySpec,
    /// The key of this host's own certificate (what `cert serve` presents in TLS) when it is
    /// made; `key` when `None`. An EC key makes each new connection's handshake signature a
    /// small fraction of an RSA one's, whatever the CA's key (the `server_key_type` setting).
    pub server_key: Option<KeySpec>,
    /// CN of a new CA; `Puppet CA: <certname>` when `None`.
    pub ca_name: Option<String>,
    /// The `autosign` setting: `true`, `false` or a path (default `$confdir/autosign.conf`).
    pub autosign: Autosign,
    /// How policy programs are run (`autosign_timeout`).
    pub autosign_options: autosign::ProgramLimits,
    /// Automatic renewal (puppetserver's `allow-auto-renewal` and `auto-renewal-cert-ttl`).
    pub renewal: Renewal,
    /// CNs whose certificates get the admin endpoints of `cert serve` without `pp_cli_auth`
    /// (`--admin`). Autosign never signs them, nor this host's own certname.
    pub admins: Vec<String>,
}

impl Config {
    /// The CA's store, keeping (a database) this node's copy of what agents fetch in the CA
    /// directory, from which it starts when the database cannot be reached.
    fn open_store(&self) -> Result<Store, StoreError> {
        Store::open_with_copy(&self.store, Some(&self.cadir))
    }

    /// From Puppet settings, and the issuance policy and renewal from puppetserver's `ca.conf`
    /// ([`Settings::ca_conf`]; off when it is missing). No admins: those come from `--admin`.
    pub fn from_settings(settings: &Settings) -> Result<Config, Error> {
        let ca_conf = crate::ca_conf::load(&settings.ca_conf)?;
        // A CA directory named as the store is the CA directory, keys and all.
        let (cadir, store) = match &settings.ca_store {
            None => (
                settings.cadir.clone(),
                Location::Files(settings.cadir.clone()),
            ),
            Some(Location::Files(directory)) => {
                (directory.clone(), Location::Files(directory.clone()))
            }
            Some(other) => (settings.cadir.clone(), other.clone()),
        };
        Ok(Config {
            cadir,
            store,
            ssldir: settings.ssldir.clone(),
            certname: settings.certname.clone(),
            dns_alt_names: settings.dns_alt_names.clone(),
            ttl: settings.ca_ttl.unwrap_or(authority::DEFAULT_TTL),
            crl: crl::Lifetime::new(settings.crl_ttl, settings.crl_refresh)?,
            policy: ca_conf.policy,
            allow_duplicate_certs: settings.allow_duplicate_certs.unwrap_or(false),
            key: KeySpec::from_settings(settings.key_type, settings.keylength)?,
            server_key: settings
                .server_key_type
                .map(|key_type| KeySpec::from_settings(Some(key_type), settings.keylength))
                .transpose()?,
            ca_name: None,
            autosign: autosign_setting(settings),
            autosign_options: autosign::ProgramLimits {
                timeout: settings
                    .autosign_timeout
                    .unwrap_or(autosign::ProgramLimits::default().timeout),
            },
            renewal: ca_conf.renewal,
            admins: Vec::new(),
        })
    }
}

/// The shape of a new CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    /// Root `Puppet Root CA: <hex>` + intermediate `Puppet CA: <certname>` (puppetserver 7).
    Chained,
    /// One self-signed `Puppet CA: <certname>` (Puppet <= 5, a first `puppet master` start).
    SelfSigned,
}

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

/// Options for signing.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions {
    /// Allow DNS/IP alt names for this signing (`--allow-dns-alt-names`).
    pub allow_alt_names: bool,
    /// Lifetime; the CA's `ca_ttl` when `None`.
    pub ttl: Option<Duration>,
}

/// The result of one name in a batch.
pub type Outcome<T> = (Certname, Result<T, Error>);

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

/// A CSR received for enrolment (the daemon's `PUT certificate_request`): checked by
/// [`Ca::check_submission`] and decided on by autosign.
#[derive(Debug)]
pub struct Enrollment {
    /// The name it was submitted for.
    pub name: Certname,
    /// The parsed, verified request.
    pub csr: Csr,
    /// What autosign decided.
    pub decision: Decision,
}

/// A CSR received for enrolment, for [`Ca::enroll`]: as it came, or already checked and
/// decided on (what the daemon does as a request arrives when autosign runs a policy program,
/// which should not hold up a batch: [`Ca::autosign_runs_program`]).
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

/// What `clean` did for a name.
#[derive(Debug, Clone, Default)]
pub struct Cleaned {
    /// Serials revoked.
    pub revoked: Vec<Serial>,
    /// What was removed, in order.
    pub removed: Vec<Removed>,
}

/// One thing `clean` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// A file of this host's ssldir.
    HostFile(PathBuf),
    /// Something of the store (name it with [`Store::locate`]).
    Stored(Item),
}

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

/// An open CA.
#[derive(Debug)]
pub struct Ca {
    config: Config,
    store: Store,
    authority: Authority,
    actor: String,
    /// Where long operations report their progress ([`Ca::with_progress`]).
    progress: Reporter,
    /// When a CRL of the chain is next due for re-issue, for the store's CRL version it was
    /// computed from (`None` inside: never).
    crl_due: Mutex<Option<(CrlVersion, Option<OffsetDateTime>)>>,
}

impl Ca {
    /// Open the CA in `config.store`; it must be complete, and the key in `config.cadir` must
    /// be the CA certificate's.
    pub fn open(config: Config) -> Result<Ca, Error> {
        let store = config.open_store()?;
        Ca::open_in(config, store)
    }

    /// [`Ca::open`] on `store`, opened from `config` already.
    fn open_in(config: Config, store: Store) -> Result<Ca, Error> {
        store.check_complete()?;
        let keys = KeyDirectory::new(&config.cadir);
        if store.location().is_shared() && !keys.ca_key_path().exists() {
            return Err(KeyError::MissingCaKey {
                key: keys.ca_key_path().display().to_string(),
                store: store.location().to_string(),
            }
            .into());
        }
        let key = keys.ca_key()?;
        let chain = store.ca_chain_pem()?;
        let authority = Authority::new(&chain, key).map_err(|error| match error {
            Error::Key(KeyError::Mismatch { .. }) => Error::Key(KeyError::CaKeyMismatch {
                key: keys.ca_key_path().display().to_string(),
                certificate: store.locate(&Item::CaChain),
            }),
            other => other,
        })?;
        Ok(Ca {
            config,
            store,
            authority,
            actor: audit::cli_actor(),
            progress: Reporter::silent(),
            crl_due: Mutex::new(None),
        })
    }

    /// Open the CA, creating a self-signed one first when the directory holds none (as a first
    /// `puppet master` start did). Returns whether it was created.
    pub fn open_or_create(config: Config, now: OffsetDateTime) -> Result<(Ca, bool), Error> {
        let store = config.open_store()?;
        if store.presence()? == Presence::Absent {
            let mut transaction = store.begin()?;
            if transaction.presence()? == Presence::Absent {
                let ca = Ca::create(config, Hierarchy::SelfSigned, now, &store, &mut transaction)?;
                transaction.commit()?;
                return Ok((ca, true));
            }
        }
        Ok((Ca::open_in(config, store)?, false))
    }

    /// Set up a new CA (refused when one exists) and, for [`Hierarchy::Chained`], this host's own
    /// certificate with `pp_cli_auth` in the ssldir, as `puppetserver ca setup` does. The
    /// certname and alt names are checked before anything is made, so a typo leaves no CA
    /// without its host certificate behind.
    pub fn setup(config: Config, layout: Hierarchy, now: OffsetDateTime) -> Result<Ca, Error> {
        let name = Certname::parse(&config.certname)?;
        crate::csr::parse_alt_names(&config.dns_alt_names)?;
        let ssldir = crate::ssldir::Ssldir::new(&config.ssldir);
        if ssldir.has_private_key(&name) {
            return Err(StoreError::file_exists(&ssldir.private_key_path(&name)).into());
        }
        let store = config.open_store()?;
        let mut transaction = store.begin()?;
        let ca = Ca::create(config, layout, now, &store, &mut transaction)?;
        transaction.commit()?;
        let alt_names = ca.config.dns_alt_names.clone();
        let key = ca.config.server_key.unwrap_or(ca.config.key);
        ca.generate_with(&name, &alt_names, None, key, false, true, now)?;
        Ok(ca)
    }

    /// Open the CA, or, when the CA directory is absent or holds no CA at all, set one up as
    /// [`Ca::setup`] with [`Hierarchy::Chained`] does (what `cert serve` does on its first
    /// start). Returns whether it was created. A partial CA is refused as [`Ca::open`] refuses
    /// it, and so is a store without CA files whose signed certificates are still there (a CA
    /// whose files were lost, not a new machine).
    pub fn open_or_setup(config: Config, now: OffsetDateTime) -> Result<(Ca, bool), Error> {
        let store = config.open_store()?;
        if store.presence()? != Presence::Absent {
            return Ok((Ca::open_in(config, store)?, false));
        }
        let orphans = store.signed_names()?.len();
        if orphans > 0 {
            return Err(StoreError::PartialCa {
                store: store.location().to_string(),
                missing: format!(
                    "every CA file, while signed/ still holds {orphans} certificate(s)"
                ),
            }
            .into());
        }
        let name = Certname::parse(&config.certname)?;
        let created = if crate::ssldir::Ssldir::new(&config.ssldir).has_private_key(&name) {
            // This host has a key already: the CA alone; `ensure_host_certificate` issues this
            // host's certificate for that key.
            let mut transaction = store.begin()?;
            Ca::create(
                config.clone(),
                Hierarchy::Chained,
                now,
                &store,
                &mut transaction,
            )
            .and_then(|ca| {
                transaction.commit()?;
                Ok(ca)
            })
        } else {
            Ca::setup(config.clone(), Hierarchy::Chained, now)
        };
        match created {
            Ok(ca) => Ok((ca, true)),
            // Another process made it meanwhile.
            Err(Error::Store(StoreError::CaExists { .. })) => Ok((Ca::open(config)?, false)),
            Err(error) => Err(error),
        }
    }

    /// Make a new CA of `layout` and record it in `transaction` (of `store`).
    fn create(
        config: Config,
        layout: Hierarchy,
        now: OffsetDateTime,
        store: &Store,
        transaction: &mut Transaction<'_>,
    ) -> Result<Ca, Error> {
        check_absent(&config, transaction)?;
        let ca_name = config
            .ca_name
            .clone()
            .unwrap_or_else(|| format!("Puppet CA: {}", config.certname));
        let key = PrivateKey::generate(config.key)?;
        let key_pem = key.to_pem()?;
        let public_key_pem = key.public_key_pem()?;
        let validity = Validity::new(now, authority::CA_TTL)?;
        let (authority, root_key_pem, crls) = match layout {
            Hierarchy::SelfSigned => {
                let authority = Authority::create_self_signed(&ca_name, key, Serial(1), validity)?;
                let crl = Crl::sign(&authority, 0, now, config.crl.ttl(), &[])?;
                (authority, None, vec![crl])
            }
            Hierarchy::Chained => {
                let mut random = [0u8; 7];
                openssl::rand::rand_bytes(&mut random).map_err(|e| KeyError::Generate {
                    reason: e.to_string(),
                })?;
                let root_name = format!(
                    "Puppet Root CA: {}",
                    random
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                );
                let root_key = PrivateKey::generate(config.key)?;
                let root_key_pem = root_key.to_pem()?;
                let root =
                    Authority::create_self_signed(&root_name, root_key, Serial(1), validity)?;
                let intermediate = root.create_intermediate(&ca_name, key, Serial(2), validity)?;
                let crl = Crl::sign(&intermediate, 0, now, config.crl.ttl(), &[])?;
                let root_crl = Crl::sign(&root, 0, now, config.crl.ttl(), &[])?;
                (intermediate, Some(root_key_pem), vec![crl, root_crl])
            }
        };
        let chain_pem = authority.chain_pem();
        let crl_pem: String = crls.iter().map(Crl::to_pem).collect();
        let inventory_lines = match layout {
            Hierarchy::SelfSigned => vec![inventory::Line {
                serial: Serial(1),
                not_before: authority.certificate().not_before,
                not_after: authority.certificate().not_after,
                subject: format!("/CN={ca_name}"),
            }],
            Hierarchy::Chained => Vec::new(),
        };
        KeyDirectory::new(&config.cadir).create(&key_pem, root_key_pem.as_deref())?;
        transaction.create(&NewCa {
            chain_pem: chain_pem.as_bytes(),
            public_key_pem: &public_key_pem,
            crl_pem: crl_pem.as_bytes(),
            next_serial: Serial(if layout == Hierarchy::SelfSigned {
                2
            } else {
                1
            }),
            inventory: &inventory_lines,
        })?;
        Ok(Ca {
            config,
            store: store.clone(),
            authority,
            actor: audit::cli_actor(),
            progress: Reporter::silent(),
            crl_due: Mutex::new(None),
        })
    }

    /// Import an external CA: its key, certificate bundle (issuing CA first) and CRL chain.
    pub fn import(
        config: Config,
        key_pem: &[u8],
        bundle_pem: &[u8],
        crl_pem: &[u8],
    ) -> Result<Ca, Error> {
        let key = PrivateKey::from_pem("--private-key", key_pem)?;
        let normalized_key = key.to_pem()?;
        let public_key_pem = key.public_key_pem()?;
        let authority = Authority::new(bundle_pem, key)?;
        let crls = Crl::chain_from_pem("--crl-chain", crl_pem)?;
        let first = crls.first().ok_or_else(|| KeyError::Certificate {
            what: "--crl-chain".into(),
            reason: "no CRL in the file".into(),
        })?;
        if first.issuer != authority.certificate().subject {
            return Err(KeyError::Certificate {
                what: "--crl-chain".into(),
                reason: format!(
                    "the first CRL is issued by {}, not by the CA {}",
                    first.issuer,
                    authority.certificate().subject
                ),
            }
            .into());
        }
        let store = Store::open(&config.store)?;
        let mut transaction = store.begin()?;
        check_absent(&config, &transaction)?;
        KeyDirectory::new(&config.cadir).create(&normalized_key, None)?;
        transaction.create(&NewCa {
            chain_pem: authority.chain_pem().as_bytes(),
            public_key_pem: &public_key_pem,
            crl_pem,
            next_serial: Serial(1),
            inventory: &[],
        })?;
        transaction.commit()?;
        Ok(Ca {
            config,
            store,
            authority,
            actor: audit::cli_actor(),
            progress: Reporter::silent(),
            crl_due: Mutex::new(None),
        })
    }

    /// This CA, reporting the progress of long operations (signing many requests, listing or
    /// judging many entries) to `progress`; by default nothing is reported.
    pub fn with_progress(mut self, progress: std::sync::Arc<dyn Progress>) -> Ca {
        self.progress = Reporter::new(progress);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Who the audit trail names for changes made through this handle (`cli:<user>` unless
    /// [`Ca::acting_as`] said otherwise).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// This handle, its own changes (this host's certificate, CRL re-issues) audited as done
    /// by `actor` (the daemon: [`audit::DAEMON_ACTOR`]).
    pub fn acting_as(mut self, actor: &str) -> Ca {
        self.actor = actor.to_owned();
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The CA's certificates and key.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// This node's CA keys.
    pub fn keys(&self) -> KeyDirectory {
        KeyDirectory::new(&self.config.cadir)
    }

    /// The CRL chain, issuing CA's first.
    pub fn crls(&self) -> Result<Vec<Crl>, Error> {
        self.parse_crls(&self.store.crl_pem()?)
    }

    /// Parse the CRL chain `pem` read from the store; its first CRL must be the CA's.
    pub(crate) fn parse_crls(&self, pem: &[u8]) -> Result<Vec<Crl>, Error> {
        let what = self.store.locate(&Item::Crl);
        let crls = Crl::chain_from_pem(&what, pem)?;
        match crls.first() {
            Some(first) if first.issuer == self.authority.certificate().subject => Ok(crls),
            _ => Err(StoreError::Corrupt {
                what,
                reason: "its first CRL is not issued by the CA".into(),
            }
            .into()),
        }
    }

    /// The error each name of a batch gets when the batch (`action`) failed as a whole with
    /// `error` ([`StoreError::Unavailable`] is kept as it is).
    pub(super) fn batch_failed(&self, action: &'static str, error: &Error) -> Error {
        // The store being unreachable, or a commit whose outcome is unknown, stays what it is:
        // the caller may try again later (and then finds what landed).
        match error {
            Error::Store(StoreError::Unavailable { store, reason }) => {
                return Error::Store(StoreError::Unavailable {
                    store: store.clone(),
                    reason: reason.clone(),
                })
            }
            Error::Store(StoreError::OutcomeUnknown { store, reason }) => {
                return Error::Store(StoreError::OutcomeUnknown {
                    store: store.clone(),
                    reason: reason.clone(),
                })
            }
            _ => {}
        }
        Error::Store(StoreError::BatchFailed {
            action,
            store: self.store.location().to_string(),
            reason: error.to_string(),
        })
    }
}

/// Refuse to make a CA where the store holds one, or part of one.
fn check_absent(config: &Config, store: &dyn Read) -> Result<(), Error> {
    if store.presence()? == Presence::Absent {
        Ok(())
    } else {
        Err(StoreError::CaExists {
            store: config.store.to_string(),
        }
        .into())
    }
}
