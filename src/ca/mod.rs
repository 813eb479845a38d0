//! The operations an administrator performs on a CA: set up, import, submit, sign, revoke, clean,
//! generate, list, verify. Each one combines the pure rules ([`crate::authority`],
//! [`crate::crl`]) with the CA's [`Store`], in one of the store's transactions, and returns
//! typed results for a renderer. The CLI's two dialects and the daemon all call these, and only
//! these.
//!
//! This file holds the [`Ca`] handle and its [`Config`]; making or opening a CA is `setup`,
//! requests coming in are `enroll` (the one intake path of the CLI and the daemon; what autosign
//! or a token would do with a held request `verdict`), signing
//! `sign` through the one signing sequence `batch`, renewal `renew`, revocation and cleaning
//! `revoke`, who asks `actor`, what the CA shows `status`, this host's own certificates `host`,
//! the CRL chain `crls` (with CRLs loaded from outside `crl_upload` and the infrastructure CRL
//! `infra`), a CA certificate extended `extend`, pruning and deletion `prune`, what expires
//! `expiry`, the CA's private keys `key_directory`, moving a CA between stores `migrate`, the
//! web console's sign-in and reviewed changes `console`, the store's invariants `check`, enrolment tokens `tokens`. No
//! storage layout lives here ([`crate::store`], [`crate::ssldir`]), and no HTTP or CLI
//! wording.
//!
//! Every check that can refuse a request runs before anything is written, so a refusal leaves
//! the CA exactly as it was.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::{self};
use crate::authority::{self, Authority, Policy};
use crate::autosign::{self, Autosign};
pub use crate::ca_conf::Renewal;
use crate::certname::Certname;
use crate::crl::{self, Crl};
use crate::error::{Error, KeyError, StoreError};
use crate::keys::KeySpec;
use crate::progress::{Progress, Reporter};
use crate::settings::Settings;
use crate::store::{CrlVersion, Item, Location, Read, Store};

mod actor;
mod batch;
mod check;
mod console;
mod crl_upload;
mod crls;
mod enroll;
mod expiry;
mod extend;
mod host;
mod infra;
mod key_directory;
mod migrate;
mod prune;
mod renew;
mod revoke;
mod setup;
mod sign;
mod status;
mod tokens;
mod verdict;

pub use actor::Actor;
pub use console::{LoginLink, PendingRequest, Session};
pub use crl_upload::CrlsUploaded;
pub use crls::{CrlRefresh, IssuedCrl, StaleCrl};
pub use enroll::{Basis, Enrollment, Received, Submitted};
pub use expiry::{Expiring, ExpiringKind};
pub use extend::{Extended, Reissued, SerialChoice};
pub use host::{Generated, HostIdentity};
pub use infra::InfraEnabled;
pub use key_directory::KeyDirectory;
pub use migrate::{migrate, Keys, Migrated};
pub use prune::{parse_serial, Delete, Deleted, Prune, Pruned};
pub use revoke::{Cleaned, Removed};
pub use setup::Hierarchy;
pub use sign::SignOptions;
pub use status::{CertificateStatus, Expirations, Selection, State};
pub use tokens::NewToken;
pub use verdict::{autosign_report, autosign_setting, AutosignReport, Verdict};

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
    /// Whether agents get the infrastructure CRL (`enable-infra-crl` in ca.conf) and
    /// revocations of infrastructure nodes update it too.
    pub infra_crl: bool,
    /// CN of a new chained CA's root; `Puppet Root CA: <14 random hex digits>` when `None`
    /// (puppetserver-ca's `setup --root-ca-name`).
    pub root_ca_name: Option<String>,
    /// The `autosign` setting: `true`, `false` or a path (default `$confdir/autosign.conf`).
    pub autosign: Autosign,
    /// How policy programs are run (`autosign_timeout`).
    pub autosign_options: autosign::ProgramLimits,
    /// Whether a request presenting an enrolment token is decided by the token, whatever
    /// `autosign` says (`autosign_tokens`, default true): a token is an administrator's grant.
    pub autosign_tokens: bool,
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
        let store = match &settings.ca_store {
            None => Location::Files(settings.cadir.clone()),
            Some(store) => store.clone(),
        };
        let cadir = store.directory().unwrap_or(&settings.cadir).to_path_buf();
        Ok(Config {
            cadir,
            store,
            ssldir: settings.ssldir.clone(),
            certname: settings.certname.clone(),
            dns_alt_names: settings.dns_alt_names.clone(),
            ttl: ca_conf
                .ca_ttl
                .or(settings.ca_ttl)
                .unwrap_or(authority::DEFAULT_TTL),
            crl: crl::Lifetime::new(settings.crl_ttl, settings.crl_refresh)?,
            policy: ca_conf.policy,
            allow_duplicate_certs: settings.allow_duplicate_certs.unwrap_or(false),
            key: KeySpec::from_settings(settings.key_type, settings.keylength)?,
            server_key: settings
                .server_key_type
                .map(|key_type| KeySpec::from_settings(Some(key_type), settings.keylength))
                .transpose()?,
            ca_name: None,
            root_ca_name: None,
            infra_crl: ca_conf.enable_infra_crl,
            autosign: autosign_setting(settings),
            autosign_options: autosign::ProgramLimits {
                timeout: settings
                    .autosign_timeout
                    .unwrap_or(autosign::ProgramLimits::default().timeout),
            },
            autosign_tokens: settings.autosign_tokens.unwrap_or(true),
            renewal: ca_conf.renewal,
            admins: Vec::new(),
        })
    }
}

/// The result of one name in a batch.
pub type Outcome<T> = (Certname, Result<T, Error>);

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
        Ok(Ca::assemble(config, store, authority))
    }

    /// A handle on the CA made of `config`, its `store` and `authority`, acting for this
    /// host's user and reporting no progress.
    pub(super) fn assemble(config: Config, store: Store, authority: Authority) -> Ca {
        Ca {
            config,
            store,
            authority,
            actor: audit::cli_actor(),
            progress: Reporter::silent(),
            crl_due: Mutex::new(None),
        }
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

    /// Ready the store for a long-running server: it keeps what the server polls (the CRL and
    /// chain versions, the CRL itself) current without waiting, as other writers change them;
    /// it reserves `serials_ahead` serials at a time, so most batches reserve none; and no use
    /// of it waits longer than `wait`, so a request gets its answer, if only a 503, in time.
    pub fn serve_continuously(&self, serials_ahead: u128, wait: Duration) {
        self.store.watch();
        self.store.reserve_serials_ahead(serials_ahead);
        self.store.limit_waits(wait);
    }

    /// At a clean stop, give back the serials reserved ahead and not used, so that the stop
    /// leaves no gap in the serials; whether there were any.
    pub fn give_back_serials(&self) -> Result<bool, Error> {
        Ok(self.store.give_back_serials()?)
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
