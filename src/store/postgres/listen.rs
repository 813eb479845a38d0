//! The listener: one dedicated connection per node that `LISTEN`s on [`CHANNEL`], where every
//! CRL change is announced (`NOTIFY` in the transaction that made it, so it arrives only once
//! committed). On a notification, and on every (re)connection (notifications sent while it was
//! away are lost), it reads the CRL row and hands it to the node's cache, which keeps it when its
//! number is higher: the daemon sees the new [`crate::store::CrlVersion`] on its next
//! connection and rebuilds its TLS verifier. A short probe of the CRL number also notices a
//! connection that died silently. It reconnects by itself, forever, until the store is dropped
//! (its runtime goes with it).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

use super::cache::Cache;
use super::connection::{classify, Database};
use super::reads::{epoch, CrlRow};
use super::url::DatabaseUrl;

/// The channel CRL changes are announced on; the payload is the new CRL number.
pub(super) const CHANNEL: &str = "cert_crl";

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

/// Read the CRL number, and the CRL itself when it is newer than the cache's.
async fn catch_up(client: &Client, store: &str, cache: &Cache) -> Result<(), StoreError> {
    let read = |e| classify(store, "read the CRL", e);
    let probe = tokio::time::timeout(PROBE, client.query_opt("SELECT number::text FROM crl", &[]))
        .await
        .map_err(|_| StoreError::Unavailable {
            store: store.to_owned(),
            reason: format!("no answer within {PROBE:?}"),
        })?
        .map_err(read)?;
    let Some(row) = probe else { return Ok(()) };
    let number: u128 = row.get::<_, String>(0).parse().unwrap_or(0);
    if cache
        .crl_version()
        .is_some_and(|version| version.0 >= number)
    {
        return Ok(());
    }
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
    Ok(())
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
