//! The PostgreSQL backend: one CA in one database, for several CA nodes at several sites
//! signing at once. The database is the source of truth; replication and failover are
//! PostgreSQL's own (a synchronous standby; a multi-host URL with
//! `target_session_attrs=read-write`, tried in order on every reconnection).
//!
//! A transaction is a database transaction (READ COMMITTED), begun on a pooled connection and
//! ended by COMMIT; dropped without commit it is rolled back (its connection is closed).
//! Serials come from a sequence, so nodes never wait on each other to sign; names are claimed
//! with transaction-scoped advisory locks ([`BackendTransaction::claim`]), so two nodes
//! signing one name serialise and the second sees the first's certificate, exactly as on
//! files; the CRL has one writer at a time (a row lock on `crl`), its number only grows, and
//! the new number is announced with `NOTIFY` in the same transaction (`listen`).
//!
//! A node keeps what agents fetch in memory (`cache`): the CA chain and the CRL (kept current
//! by the listener once the daemon asks, [`Backend::watch`]; otherwise as read and written by
//! this process) and the certificates it has read or written. With the database unreachable those are served from there; everything else
//! fails with [`StoreError::Unavailable`]. The CA's keys are never in the database.
//!
//! `url` parses the address, `tls` makes the rustls configuration, `connection` runs queries
//! for synchronous callers, `schema` creates and migrates the tables, `reads` holds the reads,
//! `transaction` and `snapshot` the rest, `writes` the rows a transaction and a copy of a whole
//! CA both write, `import` what only a copy writes (`cert migrate`), `sessions` the web
//! console's sign-in records, `tokens` the enrolment tokens.

mod breaker;
mod cache;
mod connection;
mod copy;
mod flight;
mod import;
mod listen;
mod reads;
mod schema;
mod serials;
mod sessions;
mod snapshot;
mod tls;
mod tokens;
mod transaction;
mod url;
mod writes;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime};

use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::Revocation;
use crate::error::StoreError;

use super::{
    inventory, Backend, BackendSnapshot, BackendTransaction, CaChainVersion, CrlVersion, Item,
    Location, Presence, Published, Read, SessionRecord, TokenRecord,
};
use cache::Cache;
use connection::Database;
use copy::DiskCopy;
use serials::Serials;

pub use url::{is_database_url, redact, DatabaseUrl, SslMode};

/// The bound on each use of a database a process started without (from its copy).
const OFFLINE_WAIT: Duration = Duration::from_secs(4);

/// Transactions of one node that may usefully be in flight at once.
const WRITERS: usize = 4;

/// A CA's store in a PostgreSQL database.
pub struct Postgres {
    location: Location,
    database: Database,
    cache: Arc<Cache>,
    /// Started once, by the first [`Backend::watch`].
    listener: Once,
    serials: Serials,
    /// The node's copy on disk, when it keeps one.
    copy: Option<Arc<DiskCopy>>,
    /// Whether this process has brought the schema up to date (not yet when it started from
    /// its copy, the database unreachable).
    migrated: AtomicBool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Postgres {
    /// Connect to the database at `url`, create or migrate its schema, and read what the
    /// node caches. With `copy_in` (a node's CA directory), a node that cannot reach the
    /// database starts from the copy it keeps there, serving what agents fetch until the
    /// database answers; without a copy it does not start.
    pub fn open(url: &DatabaseUrl, copy_in: Option<&Path>) -> Result<Postgres, StoreError> {
        let store = Postgres {
            location: Location::Postgres(url.clone()),
            database: Database::new(url, transaction::WARM)?,
            cache: Arc::new(Cache::default()),
            listener: Once::new(),
            serials: Serials::default(),
            copy: copy_in.map(|cadir| Arc::new(DiskCopy::new(cadir))),
            migrated: AtomicBool::new(false),
        };
        let error = match store.migrate().and_then(|()| store.read_cached()) {
            Ok(()) => return Ok(store),
            Err(error) if error.is_unavailable() => error,
            Err(error) => return Err(error),
        };
        let Some((copy, loaded)) = store
            .copy
            .as_ref()
            .and_then(|copy| Some((copy.clone(), copy.load()?)))
        else {
            return Err(error);
        };
        tracing::warn!(
            "{error}; starting from the copy in {} (what agents fetch is served, changes wait \
             for the database)",
            copy.directory().display()
        );
        // Known not to answer: every later use fails at once, but one at a time that tries
        // (within the bound a daemon sets anyway), until it answers.
        if !store.database.limited() {
            store.database.limit_waits(OFFLINE_WAIT);
        }
        store.database.unanswered();
        store.cache.offer_chain(loaded.chain.0, loaded.chain.1);
        store.cache.offer_crl(loaded.crl);
        for (name, pem) in loaded.certificates {
            store.cache.set_certificate(&name, Some(&pem));
        }
        Ok(store)
    }

    /// Bring the schema up to date, once per process.
    fn migrate(&self) -> Result<(), StoreError> {
        if self.migrated.load(Ordering::Acquire) {
            return Ok(());
        }
        let connection = self.database.connection()?;
        schema::migrate(&connection)?;
        self.migrated.store(true, Ordering::Release);
        Ok(())
    }

    /// Read the CA chain and the CRL into the cache.
    fn read_cached(&self) -> Result<(), StoreError> {
        self.database.with_connection(|connection| {
            if let Some((pem, recorded)) = connection.ca_row()? {
                self.cache.offer_chain(pem, recorded);
            }
            if let Some(row) = connection.crl_row()? {
                self.cache.offer_crl(row);
            }
            Ok(())
        })
    }

    fn name(&self) -> String {
        self.database.name()
    }

    /// Whether the listener keeps the cached CRL current (then reads of the CRL come from
    /// the cache: the daemon asks for it on its async threads, which must not wait).
    fn listening(&self) -> bool {
        self.listener.is_completed()
    }

    /// `read` on a pooled connection.
    fn read<T>(
        &self,
        read: impl Fn(&connection::Pooled<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.database.with_connection(read)
    }
}

impl Backend for Postgres {
    fn location(&self) -> &Location {
        &self.location
    }

    fn locate(&self, item: &Item) -> String {
        let what = match item {
            Item::Audit => "the audit log".to_owned(),
            Item::CaChain => "the CA certificate".to_owned(),
            Item::CaChainArchive(time) => format!(
                "the CA certificate replaced at {}",
                crate::timestamp::format_time(*time)
            ),
            Item::Crl => "the CRL".to_owned(),
            Item::Inventory => "the inventory".to_owned(),
            Item::Request(name) => format!("the request of {name}"),
            Item::Serial => "the serial sequence".to_owned(),
            Item::Signed(name) => format!("the signed certificate of {name}"),
        };
        format!("{what} in {}", self.name())
    }

    fn begin(&self) -> Result<Box<dyn BackendTransaction + '_>, StoreError> {
        // Started from its copy: the schema is brought up to date before the first change.
        self.migrate()?;
        // BEGIN goes out with the transaction's first flight.
        let connection = self.database.connection()?;
        Ok(Box::new(transaction::PgTransaction::new(self, connection)))
    }

    fn snapshot(&self) -> Result<Box<dyn BackendSnapshot + '_>, StoreError> {
        let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
        let connection = self.database.connection()?;
        let connection = match connection.run("begin", connection.client().batch_execute(begin)) {
            Ok(()) => connection,
            Err(_) if connection.reused_and_closed() => {
                let fresh = self.database.fresh(&connection)?;
                drop(connection);
                fresh.run("begin", fresh.client().batch_execute(begin))?;
                fresh
            }
            Err(error) => return Err(error),
        };
        Ok(Box::new(snapshot::PgSnapshot::new(connection)))
    }

    fn crl_version(&self) -> Result<CrlVersion, StoreError> {
        self.cache
            .crl_version()
            .ok_or_else(|| StoreError::NoCa { store: self.name() })
    }

    fn ca_chain_version(&self) -> Result<CaChainVersion, StoreError> {
        self.cache
            .chain_version()
            .ok_or_else(|| StoreError::NoCa { store: self.name() })
    }

    fn watch(&self) {
        self.listener.call_once(|| {
            if let Some(copy) = &self.copy {
                self.cache.keep_copy(copy.clone());
            }
            listen::start(&self.database, self.cache.clone());
        });
    }

    fn reserve_serials_ahead(&self, count: u128) {
        self.serials.reserve_ahead(count);
    }

    fn limit_waits(&self, limit: Duration) {
        self.database.limit_waits(limit);
    }

    fn concurrent_writers(&self) -> usize {
        // Nodes never wait on each other but for a name both sign; a far node's batches spend
        // most of their time on the wire, so several in flight keep its cores busy.
        WRITERS
    }

    fn last_modified(&self, what: Published) -> Result<SystemTime, StoreError> {
        let known = match what {
            Published::CaChain => self.cache.chain().map(|(_, recorded)| recorded),
            Published::Crl => self.cache.crl().map(|row| row.updated),
        };
        known.ok_or_else(|| StoreError::NoCa { store: self.name() })
    }

    fn request_times(&self) -> Result<Vec<(Certname, SystemTime)>, StoreError> {
        self.read(|c| c.request_times())
    }

    fn session(&self, hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.read(|c| c.session(hash))
    }

    fn touch_session(&self, hash: &str, seen: time::OffsetDateTime) -> Result<(), StoreError> {
        self.read(|c| c.touch_session(hash, seen))
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.read(|c| c.tokens())
    }
}

impl Read for Postgres {
    fn presence(&self) -> Result<Presence, StoreError> {
        match self.read(|c| c.presence()) {
            // Started from its copy: what it has is a whole CA to serve.
            Err(error)
                if error.is_unavailable()
                    && self.cache.chain().is_some()
                    && self.cache.crl().is_some() =>
            {
                Ok(Presence::Complete)
            }
            other => other,
        }
    }

    fn ca_chain_pem(&self) -> Result<Vec<u8>, StoreError> {
        match self.read(|c| c.ca_row()) {
            Ok(Some((pem, recorded))) => {
                self.cache.offer_chain(pem.clone(), recorded);
                Ok(pem)
            }
            Ok(None) => Err(StoreError::NoCa { store: self.name() }),
            Err(error) if error.is_unavailable() => {
                self.cache.chain().map(|(pem, _)| pem).ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    fn crl_pem(&self) -> Result<Vec<u8>, StoreError> {
        if self.listening() {
            if let Some(row) = self.cache.crl() {
                return Ok(row.pem);
            }
        }
        match self.read(|c| c.crl_row()) {
            Ok(Some(row)) => {
                let pem = row.pem.clone();
                self.cache.offer_crl(row);
                Ok(pem)
            }
            Ok(None) => Err(StoreError::NoCa { store: self.name() }),
            Err(error) if error.is_unavailable() => {
                self.cache.crl().map(|row| row.pem).ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        self.read(|c| c.revocations())
    }

    fn is_revoked(&self, serial: Serial) -> Result<bool, StoreError> {
        self.read(|c| c.is_revoked(serial))
    }

    fn revoked_among(&self, serials: &[Serial]) -> Result<HashSet<Serial>, StoreError> {
        self.read(|c| c.revoked_among(serials))
    }

    fn next_serial(&self) -> Result<Serial, StoreError> {
        self.read(|c| c.next_serial())
    }

    fn inventory(&self) -> Result<Vec<inventory::Line>, StoreError> {
        self.read(|c| c.inventory())
    }

    fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| c.request(name))
    }

    fn signed(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        // What this node signed or served lately, kept current by the listener (a name
        // another node renews or cleans is forgotten when it commits): no round trip.
        if self.listening() {
            if let Some(pem) = self.cache.certificate(name) {
                return Ok(Some(pem));
            }
        }
        match self.read(|c| c.signed(name)) {
            Ok(pem) => {
                self.cache.set_certificate(name, pem.as_deref());
                Ok(pem)
            }
            Err(error) if error.is_unavailable() => match self.cache.certificate(name) {
                Some(pem) => Ok(Some(pem)),
                None => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    fn signed_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        self.read(|c| c.signed_many(names))
    }

    fn requests_many(&self, names: &[Certname]) -> Result<Vec<(Certname, Vec<u8>)>, StoreError> {
        self.read(|c| c.requests_many(names))
    }

    fn request_names(&self) -> Result<Vec<Certname>, StoreError> {
        self.read(|c| c.request_names())
    }

    fn signed_names(&self) -> Result<Vec<Certname>, StoreError> {
        self.read(|c| c.signed_names())
    }

    fn audit(&self) -> Result<String, StoreError> {
        self.read(|c| c.audit())
    }
}
