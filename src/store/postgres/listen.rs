//! The listener: one dedicated connection per node that `LISTEN`s on [`CHANNEL`], where every
//! change of the CRL or the CA chain, and every certificate replaced or removed, is announced
//! (`NOTIFY` in the transaction that made it, so it arrives only once committed). On a CRL or
//! chain notification, and on every (re)connection, it reads the CRL's number and the chain's
//! time, then what changed, and hands it to the node's cache, which keeps it when newer: the
//! daemon sees the new [`crate::store::CrlVersion`] (or chain version) on its next connection
//! and rebuilds its TLS verifier (or reopens the CA). A certificate notification names the
//! certnames whose cached certificates are now stale (or `*`: all); they are forgotten, with
//! no query. Notifications sent while it was away are lost, so on every (re)connection the
//! cached certificates are forgotten too. A short probe of the CRL and chain also notices a
//! connection that died silently. It reconnects by itself, forever, until the store is
//! dropped (its runtime goes with it).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::certname::Certname;
use crate::error::StoreError;

use super::breaker::Breaker;
use super::cache::Cache;
use super::connection::{classify, seconds, Database};
use super::reads::{epoch, epoch_micros, CrlRow, CA_ROW};
use super::url::DatabaseUrl;

/// The channel changes of the CRL (payload `crl NUMBER`) and of the CA chain (`ca`) are
/// announced on.
pub(super) const CHANNEL: &str = "cert_store";

/// The longest payload PostgreSQL delivers is 8000 bytes; a longer list of names is sent as
/// `*` (forget every cached certificate).
const PAYLOAD: usize = 7900;

/// Pause between attempts to reconnect.
const RECONNECT: Duration = Duration::from_millis(500);

/// How often the CRL number is read even without a notification (a liveness probe, one
/// number).
const PROBE: Duration = Duration::from_secs(5);

/// How often it is read while the breaker is tripped.
const TRIPPED: Duration = Duration::from_millis(500);

/// How often the listener looks at the breaker.
const TICK: Duration = Duration::from_millis(250);

/// Start the listener of `database` feeding `cache`.
pub(super) fn start(database: &Database, cache: Arc<Cache>) {
    let (url, tls) = database.parts();
    let breaker = database.breaker();
    breaker.listened();
    database.spawn(async move {
        let mut connected = true;
        loop {
            match listen(&url, tls.clone(), &cache, &breaker, &mut connected).await {
                Ok(()) => {}
                Err(error) if connected => {
                    tracing::warn!("CRL listener on {url}: {error}; reconnecting");
                    connected = false;
                }
                Err(_) => {}
            }
            breaker.unanswered();
            tokio::time::sleep(RECONNECT).await;
        }
    });
}

/// One connection's life: listen, catch up, then follow notifications until it fails.
async fn listen(
    url: &DatabaseUrl,
    tls: MakeRustlsConnect,
    cache: &Cache,
    breaker: &Breaker,
    connected: &mut bool,
) -> Result<(), StoreError> {
    let store = url.to_string();
    let (client, mut connection) = Database::connect_async(url, tls, PROBE).await?;
    let (sender, mut notifications) = mpsc::unbounded_channel::<String>();
    let driver = tokio::spawn(async move {
        // Drives the connection; notifications are passed on, its end closes the channel.
        while let Some(Ok(message)) =
            std::future::poll_fn(|context| connection.poll_message(context)).await
        {
            if let AsyncMessage::Notification(notification) = message {
                if sender.send(notification.payload().to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    let _stop = AbortOnDrop(driver);
    tokio::time::timeout(PROBE, client.batch_execute(&format!("LISTEN {CHANNEL}")))
        .await
        .map_err(|_| StoreError::Unavailable {
            store: store.clone(),
            reason: format!("no answer within {} to LISTEN", seconds(PROBE)),
        })?
        .map_err(|e| classify(&store, "listen for CRL changes", e))?;
    // What was announced while nobody listened is lost: nothing cached can be trusted.
    cache.forget_certificates();
    catch_up(&client, &store, cache).await?;
    breaker.answered(&store);
    if !*connected {
        tracing::info!("CRL listener on {url}: connected again");
        *connected = true;
    }
    let mut probed = tokio::time::Instant::now();
    loop {
        // While the breaker is tripped (a request got no answer) the database is probed
        // often, so that the daemon takes requests again as soon as it answers.
        let probe = if breaker.is_tripped() { TRIPPED } else { PROBE };
        tokio::select! {
            notified = notifications.recv() => match notified {
                Some(payload) => {
                    let mut changed = forget(cache, &payload);
                    while let Ok(payload) = notifications.try_recv() {
                        changed |= forget(cache, &payload);
                    }
                    if changed {
                        catch_up(&client, &store, cache).await?;
                    }
                }
                None => {
                    return Err(StoreError::Unavailable {
                        store,
                        reason: "the connection closed".into(),
                    })
                }
            },
            () = tokio::time::sleep(TICK) => {
                if probed.elapsed() >= probe {
                    catch_up(&client, &store, cache).await?;
                    breaker.answered(&store);
                    probed = tokio::time::Instant::now();
                }
            }
        }
    }
}

/// The payload announcing that the certificates of `names` were replaced or removed.
pub(super) fn certificates_payload(names: &[Certname]) -> String {
    let mut payload = String::from("signed");
    for name in names {
        payload.push(' ');
        payload.push_str(name.as_str());
        if payload.len() > PAYLOAD {
            return "signed *".to_owned();
        }
    }
    payload
}

/// Act on a notification's `payload`: forget the certificates it names; whether it announced
/// something else (the CRL or the chain: read them).
fn forget(cache: &Cache, payload: &str) -> bool {
    let Some(names) = payload.strip_prefix("signed ") else {
        return true;
    };
    if names == "*" {
        cache.forget_certificates();
        return false;
    }
    for name in names
        .split(' ')
        .filter_map(|name| Certname::parse(name).ok())
    {
        cache.set_certificate(&name, None);
    }
    false
}

/// Read the CRL's number and the chain's time, and the CRL or the chain itself when it is
/// newer than the cache's.
async fn catch_up(client: &Client, store: &str, cache: &Cache) -> Result<(), StoreError> {
    let read = |e| classify(store, "read the CRL and CA certificate", e);
    let probe = tokio::time::timeout(
        PROBE,
        client.query_one(
            "SELECT (SELECT number::text FROM crl),
                    (SELECT (extract(epoch FROM updated_at) * 1000000)::int8 FROM ca)",
            &[],
        ),
    )
    .await
    .map_err(|_| StoreError::Unavailable {
        store: store.to_owned(),
        reason: format!("no answer within {}", seconds(PROBE)),
    })?
    .map_err(read)?;
    let number: Option<u128> = probe
        .get::<_, Option<String>>(0)
        .and_then(|n| n.parse().ok());
    let chain: Option<i64> = probe.get(1);
    if let Some(number) = number {
        if cache.crl_version().is_none_or(|version| version.0 < number) {
            let row = client
                .query_opt(
                    "SELECT number::text, pem, extract(epoch FROM updated_at)::int8 FROM crl",
                    &[],
                )
                .await
                .map_err(read)?;
            if let Some(row) = row {
                let fresh = CrlRow {
                    number: row.get::<_, String>(0).parse().unwrap_or(0),
                    pem: row.get(1),
                    updated: epoch(row.get(2)),
                };
                let number = fresh.number;
                if cache.offer_crl(fresh) {
                    tracing::info!("CRL {number} from the database");
                }
            }
        }
    }
    if let Some(micros) = chain {
        if cache
            .chain_version()
            .is_none_or(|version| version.0 < micros.max(0) as u128)
        {
            if let Some(row) = client.query_opt(CA_ROW, &[]).await.map_err(read)? {
                if cache.offer_chain(row.get(0), epoch_micros(row.get(1))) {
                    tracing::info!("CA certificate from the database");
                }
            }
        }
    }
    Ok(())
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
