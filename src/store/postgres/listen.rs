//! The listener: one dedicated connection per node that `LISTEN`s on [`CHANNEL`], where every
//! change of the CRL or the CA chain is announced (`NOTIFY` in the transaction that made it,
//! so it arrives only once committed). On a notification, and on every (re)connection
//! (notifications sent while it was away are lost), it reads the CRL's number and the chain's
//! time, then what changed, and hands it to the node's cache, which keeps it when newer: the
//! daemon sees the new [`crate::store::CrlVersion`] (or chain version) on its next connection
//! and rebuilds its TLS verifier (or reopens the CA). A short probe of the same two values also
//! notices a connection that died silently. It reconnects by itself, forever, until the store is dropped
//! (its runtime goes with it).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

use super::cache::Cache;
use super::connection::{classify, Database};
use super::reads::{epoch, epoch_micros, CrlRow, CA_ROW};
use super::url::DatabaseUrl;

/// The channel changes of the CRL (payload `crl NUMBER`) and of the CA chain (`ca`) are
/// announced on.
pub(super) const CHANNEL: &str = "cert_store";

/// Pause between attempts to reconnect.
const RECONNECT: Duration = Duration::from_millis(500);

/// How often the CRL number is read even without a notification (a liveness probe, one
/// number).
const PROBE: Duration = Duration::from_secs(5);

/// Start the listener of `database` feeding `cache`.
pub(super) fn start(database: &Database, cache: Arc<Cache>) {
    let (url, tls) = database.parts();
    database.spawn(async move {
        let mut connected = true;
        loop {
            match listen(&url, tls.clone(), &cache, &mut connected).await {
                Ok(()) => {}
                Err(error) if connected => {
                    tracing::warn!("CRL listener on {url}: {error}; reconnecting");
                    connected = false;
                }
                Err(_) => {}
            }
            tokio::time::sleep(RECONNECT).await;
        }
    });
}

/// One connection's life: listen, catch up, then follow notifications until it fails.
async fn listen(
    url: &DatabaseUrl,
    tls: MakeRustlsConnect,
    cache: &Cache,
    connected: &mut bool,
) -> Result<(), StoreError> {
    let store = url.to_string();
    let (client, mut connection) = Database::connect_async(url, tls).await?;
    let (sender, mut notifications) = mpsc::unbounded_channel::<()>();
    let driver = tokio::spawn(async move {
        // Drives the connection; notifications are passed on, its end closes the channel.
        while let Some(Ok(message)) =
            std::future::poll_fn(|context| connection.poll_message(context)).await
        {
            if let AsyncMessage::Notification(_) = message {
                if sender.send(()).is_err() {
                    break;
                }
            }
        }
    });
    let _stop = AbortOnDrop(driver);
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| classify(&store, "listen for CRL changes", e))?;
    catch_up(&client, &store, cache).await?;
    if !*connected {
        tracing::info!("CRL listener on {url}: connected again");
        *connected = true;
    }
    loop {
        tokio::select! {
            notified = notifications.recv() => match notified {
                Some(()) => {
                    while notifications.try_recv().is_ok() {}
                    catch_up(&client, &store, cache).await?;
                }
                None => {
                    return Err(StoreError::Unavailable {
                        store,
                        reason: "the connection closed".into(),
                    })
                }
            },
            () = tokio::time::sleep(PROBE) => catch_up(&client, &store, cache).await?,
        }
    }
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
        reason: format!("no answer within {PROBE:?}"),
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
