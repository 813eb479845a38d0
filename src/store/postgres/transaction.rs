//! The database backend's transaction: one database transaction on one connection, every
//! change a parameterised statement (many rows at once through `unnest` of arrays), COMMIT at
//! the end. Nothing is visible to other nodes, or acknowledged to anyone, before COMMIT; a
//! transaction dropped without it is rolled back (its connection is closed). After COMMIT the
//! node's cache takes the CRL and certificates it recorded.
//!
//! Round trips, not statements, are what a far node pays for, so every change whose answer
//! nobody waits for is deferred ([`Pooled::defer`]) and goes out with the next read, or with
//! the COMMIT: BEGIN is sent with the first flight, and an enrolment batch, which reads
//! nothing (its duplicate rule is [`BackendTransaction::require_no_certificate`], checked by
//! the database in the same flight), is one flight from BEGIN to COMMIT. A check on what a
//! deferred change did (the CRL number must grow) fails the transaction when its answer comes.
//! Serials come from the node's block reserved ahead (`super::serials`), so reserving them
//! costs no round trip either.
//!
//! The rows each operation writes are those `schema` describes. The statements that write
//! inventory lines, certificates, revocations, puppetserver's other files and the next serial
//! are `writes`' (a copy of a whole CA, `import`, writes with them too); the other statements
//! are here.

use std::collections::HashSet;
use std::time::SystemTime;

use time::OffsetDateTime;

use crate::certificate::{Certificate, Serial};
use crate::certname::Certname;
use crate::crl::{Crl, Revocation};
use crate::error::StoreError;
use crate::store::{
    inventory, BackendTransaction, Item, NewCa, Read, Records, RenderedCrl, SessionKind,
    SessionRecord, TokenRecord, TokenUse,
};

use super::connection::Pooled;
use super::flight::{Deferred, Param};
use super::listen::{self, CHANNEL};
use super::reads::{epoch_micros, CrlRow};
use super::Postgres;

/// The statements an enrolment batch writes with, and the reads and writes of revocations,
/// prepared by every new connection at once (so that a flight has nothing to prepare first).
pub(super) const WARM: &[&str] = &[
    CLAIM,
    REFUSE_SIGNED,
    super::writes::INSERT_INVENTORY,
    super::writes::UPSERT_SIGNED,
    DELETE_REQUESTS,
    PUT_REQUESTS,
    APPEND_AUDIT,
    NOTIFY,
    super::serials::RESERVE,
    super::reads::SIGNED,
    super::reads::SIGNED_MANY,
    super::reads::IS_REVOKED,
    super::reads::REVOKED_AMONG,
    super::reads::CA_ROW,
    super::reads::CRL_ROW,
    super::reads::REVOCATIONS,
    super::reads::INVENTORY,
    super::reads::REQUESTS_MANY,
    LOCK_CRL,
    super::writes::INSERT_REVOCATIONS,
    UPDATE_CRL,
    super::sessions::SESSION,
    super::sessions::TOUCH,
    super::sessions::PUT,
    super::sessions::DROP_ENDED,
    super::tokens::OF,
    super::tokens::OF_LOCKED,
    super::tokens::USE,
];

const CLAIM: &str =
    "SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) WITH ORDINALITY AS t(k, o)
     ORDER BY o";
const REFUSE_SIGNED: &str = "SELECT cert_refuse_signed($1::text[])";
const DELETE_SIGNED: &str = "DELETE FROM signed WHERE name = ANY($1::text[]) RETURNING name";
const DELETE_REQUESTS: &str = "DELETE FROM requests WHERE name = ANY($1::text[])";
const PUT_REQUESTS: &str = "INSERT INTO requests (name, pem)
     SELECT * FROM unnest($1::text[], $2::bytea[])
     ON CONFLICT (name) DO UPDATE SET pem = EXCLUDED.pem, queued_at = now()";
const APPEND_AUDIT: &str = "INSERT INTO audit (line)
     SELECT l FROM unnest($1::text[]) WITH ORDINALITY AS t(l, o) ORDER BY o";
const NOTIFY: &str = "SELECT pg_notify($1, $2)";
const LOCK_CRL: &str = "SELECT number FROM crl FOR UPDATE";
const UPDATE_CRL: &str = "UPDATE crl SET number = $1::text::numeric, pem = $2,
            next_update = to_timestamp($3::int8), updated_at = now()
     WHERE number < $1::text::numeric";
/// A transaction of a [`Postgres`] store.
pub(super) struct PgTransaction<'a> {
    store: &'a Postgres,
    connection: Pooled<'a>,
    /// The CRL recorded, for the cache after COMMIT.
    crl: Option<CrlRow>,
    /// The CA chain recorded and when, for the cache after COMMIT.
    chain: Option<(Vec<u8>, SystemTime)>,
    /// Certificates recorded (`Some`) or removed (`None`), for the cache after COMMIT.
    certificates: Vec<(Certname, Option<Vec<u8>>)>,
    /// Names this transaction requires to have no certificate: recording one replaces
    /// nothing another node may have cached.
    uncertified: HashSet<Certname>,
    /// Names whose certificate another node may have cached and this transaction replaced or
    /// removed: announced at COMMIT.
    changed: Vec<Certname>,
    committed: bool,
}

impl<'a> PgTransaction<'a> {
    /// A transaction on `connection`; its BEGIN goes out with the first flight.
    pub(super) fn new(store: &'a Postgres, connection: Pooled<'a>) -> PgTransaction<'a> {
        connection.defer(Deferred::simple("begin", "BEGIN"));
        PgTransaction {
            store,
            connection,
            crl: None,
            chain: None,
            certificates: Vec::new(),
            uncertified: HashSet::new(),
            changed: Vec::new(),
            committed: false,
        }
    }

    pub(super) fn client(&self) -> &tokio_postgres::Client {
        self.connection.client()
    }

    /// The connection the transaction is on.
    pub(super) fn connection(&self) -> &Pooled<'a> {
        &self.connection
    }

    /// The store.
    pub(super) fn store(&self) -> &'a Postgres {
        self.store
    }

    /// The store's name for messages.
    pub(super) fn store_name(&self) -> String {
        self.store.name()
    }

    pub(super) fn corrupt(&self, item: &Item, reason: String) -> StoreError {
        use crate::store::Backend;
        StoreError::Corrupt {
            what: self.store.locate(item),
            reason,
        }
    }

    /// Send what is deferred now, in one flight (`action` names it in errors).
    pub(super) fn flush(&self, action: &'static str) -> Result<(), StoreError> {
        self.connection.run(action, async { Ok(()) })
    }

    /// Defer `sql` with `params`, refusing nothing it does.
    pub(super) fn defer(&self, action: &'static str, sql: &'static str, params: Vec<Param>) {
        self.connection
            .defer(Deferred::execute(action, sql, params, |_| Ok(())));
    }

    /// Announce `payload` on [`CHANNEL`] at COMMIT (a NOTIFY is delivered only if its
    /// transaction commits).
    fn notify(&self, payload: String) {
        self.defer(
            "announce a change",
            NOTIFY,
            vec![Box::new(CHANNEL.to_owned()), Box::new(payload)],
        );
    }
}

impl Read for PgTransaction<'_> {
    crate::store::read::through!(connection);
}

impl BackendTransaction for PgTransaction<'_> {
    fn create(&mut self, new: &NewCa<'_>) -> Result<(), StoreError> {
        use crate::store::Backend;
        let exists = StoreError::CaExists {
            store: self.store.name(),
        };
        if self.connection.presence()? != crate::store::Presence::Absent {
            return Err(exists);
        }
        let what = self.store.locate(&Item::Crl);
        let crls = Crl::chain_from_pem(&what, new.crl_pem).map_err(|e| StoreError::Corrupt {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        let first = crls.first().ok_or_else(|| StoreError::Corrupt {
            what,
            reason: "it holds no CRL".into(),
        })?;
        let inserted = self.connection.run_unless_unique(
            "record the CA",
            self.client()
                .execute("INSERT INTO ca (chain_pem) VALUES ($1)", &[&new.chain_pem]),
        )?;
        if inserted.is_none() {
            // Another node recorded a CA meanwhile.
            return Err(exists);
        }
        let number = first.number.unwrap_or(0).to_string();
        let next_update = first.next_update.map(|t| t.unix_timestamp());
        self.connection.run(
            "record the CRL",
            self.client().execute(
                "INSERT INTO crl (number, pem, next_update)
                 VALUES ($1::text::numeric, $2, to_timestamp($3::int8))",
                &[&number, &new.crl_pem, &next_update],
            ),
        )?;
        self.insert_revocations(&first.revoked)?;
        self.insert_inventory(new.inventory)?;
        // As the files store writes them: puppetserver's public key, and its (empty)
        // infrastructure inventory and serials.
        self.put_files(&[
            ("ca_pub.pem", new.public_key_pem),
            ("infra_inventory.txt", b""),
            ("infra_serials", b""),
        ])?;
        self.set_next_serial(new.next_serial)
    }

    fn reserve_serials(&mut self, count: u128) -> Result<Vec<Serial>, StoreError> {
        self.store.serials.reserve(&self.connection, count)
    }

    fn put_requests(&mut self, requests: &[(Certname, String)]) -> Result<(), StoreError> {
        // One row per name: the last request given for it wins, as a later file would.
        let mut unique: Vec<&(Certname, String)> = Vec::with_capacity(requests.len());
        for request in requests.iter().rev() {
            if !unique.iter().any(|(name, _)| *name == request.0) {
                unique.push(request);
            }
        }
        let names: Vec<String> = unique.iter().map(|(n, _)| n.as_str().to_owned()).collect();
        let pems: Vec<Vec<u8>> = unique.iter().map(|(_, p)| p.as_bytes().to_vec()).collect();
        self.defer(
            "queue requests",
            PUT_REQUESTS,
            vec![Box::new(names), Box::new(pems)],
        );
        Ok(())
    }

    fn delete_request(&mut self, name: &Certname) -> Result<bool, StoreError> {
        let deleted = self.connection.run(
            "remove a request",
            self.connection
                .execute(DELETE_REQUESTS, &[&vec![name.as_str()]]),
        )?;
        Ok(deleted > 0)
    }

    fn delete_requests(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        let list: Vec<String> = names.iter().map(|name| name.as_str().to_owned()).collect();
        self.defer("remove requests", DELETE_REQUESTS, vec![Box::new(list)]);
        Ok(())
    }

    fn record_signed(&mut self, issued: &[(Certname, Certificate)]) -> Result<(), StoreError> {
        let mut lines = Vec::with_capacity(issued.len());
        let mut pems = Vec::with_capacity(issued.len());
        for (name, certificate) in issued {
            let serial = certificate.serial.ok_or_else(|| {
                self.corrupt(
                    &Item::Signed(name.clone()),
                    "the certificate has no usable serial".into(),
                )
            })?;
            lines.push(inventory::Line {
                serial,
                not_before: certificate.not_before,
                not_after: certificate.not_after,
                subject: format!("/CN={name}"),
            });
            pems.push((name, serial, certificate.to_pem().into_bytes()));
        }
        self.insert_inventory(&lines)?;
        let rows: Vec<(&Certname, Serial, &[u8])> = pems
            .iter()
            .map(|(name, serial, pem)| (*name, *serial, pem.as_slice()))
            .collect();
        self.upsert_signed(&rows)?;
        for (name, _, _) in &pems {
            if !self.uncertified.contains(*name) {
                self.changed.push((*name).clone());
            }
        }
        self.certificates.extend(
            pems.into_iter()
                .map(|(name, _, pem)| (name.clone(), Some(pem))),
        );
        Ok(())
    }

    fn delete_signed(&mut self, name: &Certname) -> Result<bool, StoreError> {
        Ok(self.delete_signed_many(std::slice::from_ref(name))?[0])
    }

    fn delete_signed_many(&mut self, names: &[Certname]) -> Result<Vec<bool>, StoreError> {
        let list: Vec<&str> = names.iter().map(Certname::as_str).collect();
        let rows = self.connection.run(
            "remove certificates",
            self.connection.query(DELETE_SIGNED, &[&list]),
        )?;
        let deleted: HashSet<String> = rows.iter().map(|row| row.get::<_, String>(0)).collect();
        for name in names {
            self.certificates.push((name.clone(), None));
            self.changed.push(name.clone());
        }
        Ok(names
            .iter()
            .map(|name| deleted.contains(name.as_str()))
            .collect())
    }

    fn claim(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        // One lock per name (a 64-bit hash: a collision only makes two names wait for each
        // other), taken in one order by everyone, so that two transactions never deadlock.
        let mut keys: Vec<i64> = names.iter().map(claim_key).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        self.defer("claim names", CLAIM, vec![Box::new(keys)]);
        Ok(())
    }

    fn require_no_certificate(&mut self, names: &[Certname]) -> Result<(), StoreError> {
        // Checked by the database after the claims that come before it in the same flight:
        // what it sees is what the last writer of these names committed.
        let list: Vec<String> = names.iter().map(|name| name.as_str().to_owned()).collect();
        self.defer(
            "check that the names have no certificate",
            REFUSE_SIGNED,
            vec![Box::new(list)],
        );
        self.uncertified.extend(names.iter().cloned());
        Ok(())
    }

    fn lock_revocations(&mut self) -> Result<Vec<Revocation>, StoreError> {
        // The row lock on the CRL: one writer at a time; once it is held, every later
        // statement of this transaction sees the revocations the previous writer committed.
        self.connection.defer(Deferred::execute(
            "lock the CRL",
            LOCK_CRL,
            Vec::new(),
            |_| Ok(()),
        ));
        self.connection.revocations()
    }

    fn record_revocations(
        &mut self,
        added: &[Revocation],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        use crate::store::Backend;
        let what = self.store.locate(&Item::Crl);
        let next_update = Crl::chain_from_pem(&what, crl.pem)
            .ok()
            .and_then(|crls| crls.first().and_then(|first| first.next_update))
            .map(|t| t.unix_timestamp());
        self.insert_revocations(added)?;
        let number = crl.number.to_string();
        let refused = self.corrupt(
            &Item::Crl,
            format!("CRL number {number} is not above the current one"),
        );
        self.connection.defer(Deferred::execute(
            "record the CRL",
            UPDATE_CRL,
            vec![
                Box::new(number.clone()),
                Box::new(crl.pem.to_vec()),
                Box::new(next_update),
            ],
            move |updated| if updated == 0 { Err(refused) } else { Ok(()) },
        ));
        self.notify(format!("crl {number}"));
        self.crl = Some(CrlRow {
            number: crl.number,
            pem: crl.pem.to_vec(),
            updated: SystemTime::now(),
        });
        Ok(())
    }

    fn replace_revocations(
        &mut self,
        added: &[Revocation],
        removed: &[Serial],
        crl: &RenderedCrl<'_>,
    ) -> Result<(), StoreError> {
        if !removed.is_empty() {
            let serials: Vec<String> = removed.iter().map(|s| s.0.to_string()).collect();
            self.defer(
                "drop revocations",
                "DELETE FROM revocations WHERE serial = ANY ($1::text[]::numeric[])",
                vec![Box::new(serials)],
            );
        }
        self.record_revocations(added, crl)
    }

    fn replace_ca_chain(
        &mut self,
        chain_pem: &[u8],
        archived_at: OffsetDateTime,
        self_issued: &[Certificate],
    ) -> Result<Item, StoreError> {
        use crate::store::Backend;
        let archive = Item::CaChainArchive(archived_at);
        let at = archived_at.unix_timestamp();
        // The chain being replaced goes to the archive first; one archive per time, never
        // overwritten.
        let archived = self.connection.run_unless_unique(
            "archive the CA certificate",
            self.client().execute(
                "INSERT INTO ca_archive (archived_at, chain_pem)
                 SELECT to_timestamp($1::int8), chain_pem FROM ca",
                &[&at],
            ),
        )?;
        if archived.is_none() {
            return Err(StoreError::AlreadyExists {
                what: self.store.locate(&archive),
            });
        }
        let lines: Vec<inventory::Line> = self_issued
            .iter()
            .filter_map(|certificate| {
                Some(inventory::Line {
                    serial: certificate.serial?,
                    not_before: certificate.not_before,
                    not_after: certificate.not_after,
                    subject: format!("/CN={}", certificate.common_name),
                })
            })
            .collect();
        self.insert_inventory(&lines)?;
        let row = self.connection.run(
            "replace the CA certificate",
            self.client().query_one(
                "UPDATE ca SET chain_pem = $1, updated_at = clock_timestamp()
                 RETURNING (extract(epoch FROM updated_at) * 1000000)::int8",
                &[&chain_pem],
            ),
        )?;
        self.notify("ca".to_owned());
        self.chain = Some((chain_pem.to_vec(), epoch_micros(row.get(0))));
        Ok(archive)
    }

    fn append_audit(&mut self, lines: &str) -> Result<(), StoreError> {
        let lines: Vec<String> = lines.lines().map(str::to_owned).collect();
        self.defer(
            "append to the audit log",
            APPEND_AUDIT,
            vec![Box::new(lines)],
        );
        Ok(())
    }

    fn put_session(&mut self, record: &SessionRecord) -> Result<(), StoreError> {
        self.put_session_row(record);
        Ok(())
    }

    fn take_session(
        &mut self,
        hash: &str,
        kind: SessionKind,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.take_session_row(hash, kind, now)
    }

    fn remove_session(&mut self, hash: &str) -> Result<(), StoreError> {
        self.remove_session_row(hash);
        Ok(())
    }

    fn put_token(&mut self, record: &TokenRecord) -> Result<(), StoreError> {
        self.put_token_row(record);
        Ok(())
    }

    fn tokens_of(&mut self, hashes: &[String], lock: bool) -> Result<Vec<TokenRecord>, StoreError> {
        self.token_rows(hashes, lock)
    }

    fn use_tokens(&mut self, uses: &[TokenUse], now: OffsetDateTime) -> Result<(), StoreError> {
        self.use_token_rows(uses, now);
        Ok(())
    }

    fn revoke_token(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.revoke_token_row(id, now)
    }

    fn import(&mut self, records: &Records) -> Result<(), StoreError> {
        self.import_records(records)?;
        self.flush("record the CA")
    }

    fn import_requests(&mut self, requests: &[(Certname, Vec<u8>)]) -> Result<(), StoreError> {
        self.insert_requests(requests)
    }

    fn import_signed(&mut self, signed: &[(Certname, Serial, Vec<u8>)]) -> Result<(), StoreError> {
        let rows: Vec<(&Certname, Serial, &[u8])> = signed
            .iter()
            .map(|(name, serial, pem)| (name, *serial, pem.as_slice()))
            .collect();
        // A copy goes out chunk by chunk, each flight bounded.
        self.upsert_signed(&rows)?;
        self.flush("record signed certificates")
    }

    fn import_serial(&mut self, next: Serial) -> Result<(), StoreError> {
        self.set_next_serial(next)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        if !self.changed.is_empty() {
            let payload = listen::certificates_payload(&self.changed);
            self.notify(payload);
        }
        let committed = self.connection.commit();
        // Whatever the outcome, the transaction is over on this connection.
        self.committed = true;
        if committed.is_err() {
            self.connection.discard();
        }
        committed?;
        if let Some(row) = self.crl.take() {
            self.store.cache.offer_crl(row);
        }
        if let Some((pem, recorded)) = self.chain.take() {
            self.store.cache.offer_chain(pem, recorded);
        }
        for (name, pem) in std::mem::take(&mut self.certificates) {
            self.store.cache.set_certificate(&name, pem.as_deref());
        }
        Ok(())
    }
}

impl Drop for PgTransaction<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Rolled back by the server when the connection closes.
            self.connection.discard();
        }
    }
}

/// The advisory lock key of a name: FNV-1a, 64 bits (the single-key lock space, apart from
/// the two-key locks of [`super::schema::LOCK_CLASS`]).
fn claim_key(name: &Certname) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.as_str().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}
