//! The daemon's watch on expiry: the CRLs re-issued before they lapse (a check at start, then a
//! timer that wakes when the next one is due, [`crate::ca::Ca::next_crl_refresh`]), and a
//! warning in the log at start and every day while a CA certificate or a CRL expires within
//! [`WARNING_WINDOW`]. The re-issued CRL reaches the TLS layer through the usual reload on the
//! next connection. Deciding what is due, and re-issuing, are the CA's.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::ca::{Ca, CrlRefresh, ExpiringKind};
use crate::timestamp::format_time;

use super::Shared;

/// How far ahead the daemon warns about the CA certificates and CRLs.
pub(super) const WARNING_WINDOW: Duration = Duration::from_secs(30 * 86_400);

/// How often the warnings repeat while something is within the window.
const WARNING_EVERY: Duration = Duration::from_secs(86_400);

/// The longest the timer sleeps (a CRL another process re-issued, or a SIGHUP's new settings,
/// are looked at again by then).
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

/// A failed refresh is tried again after this long.
const RETRY: Duration = Duration::from_secs(60);

/// Run the watch until the runtime stops.
pub(super) async fn watch(shared: Arc<Shared>) {
    let mut warn_at = OffsetDateTime::now_utc();
    let mut first = true;
    loop {
        let ca = shared.generation().ca.clone();
        let now = OffsetDateTime::now_utc();
        let warn = now >= warn_at;
        if warn {
            warn_at = now + WARNING_EVERY;
        }
        let check = first;
        first = false;
        let next = tokio::task::spawn_blocking(move || pass(&ca, now, check, warn)).await;
        let next = next.unwrap_or(RETRY);
        let until_warning = (warn_at - OffsetDateTime::now_utc())
            .try_into()
            .unwrap_or(Duration::ZERO);
        let sleep = next.min(until_warning).min(LONGEST_SLEEP);
        tokio::time::sleep(sleep.max(Duration::from_millis(100))).await;
    }
}

/// One wake: re-issue what is due (at start, `check` looks even when the cache says nothing
/// is, and reports CRLs it cannot re-issue), warn when asked; how long until the next CRL is
/// due.
fn pass(ca: &Ca, now: OffsetDateTime, check: bool, warn: bool) -> Duration {
    let due = match ca.next_crl_refresh() {
        Ok(due) => due,
        Err(error) => {
            tracing::error!("cannot read the CRL to see when it is due: {error}");
            return RETRY;
        }
    };
    if check || due.is_some_and(|due| due <= now) {
        match ca.refresh_crls(now) {
            Ok(refresh) => log_refresh(&refresh),
            Err(error) => {
                tracing::error!("cannot re-issue the CRL: {error}");
                return RETRY;
            }
        }
    }
    if warn {
        warn_expiring(ca, now);
    }
    match ca.next_crl_refresh() {
        Ok(Some(due)) => (due - OffsetDateTime::now_utc())
            .try_into()
            .unwrap_or(Duration::ZERO),
        Ok(None) => LONGEST_SLEEP,
        Err(_) => RETRY,
    }
}

fn log_refresh(refresh: &CrlRefresh) {
    for crl in &refresh.issued {
        tracing::info!(
            "re-issued the CRL of {} (number {}, next update {})",
            crl.issuer,
            crl.number.unwrap_or(0),
            crl.next_update.map(format_time).unwrap_or_default()
        );
    }
    if !refresh.dropped.is_empty() {
        tracing::info!(
            "{} entries of expired certificates left the CRL",
            refresh.dropped.len()
        );
    }
    for stale in &refresh.stale {
        tracing::warn!(
            "the CRL of {} is due but cannot be re-issued without {}: it lapses at {}",
            stale.issuer,
            stale.key.display(),
            stale.next_update.map(format_time).unwrap_or_default()
        );
    }
}

fn warn_expiring(ca: &Ca, now: OffsetDateTime) {
    let findings = match ca.expiring(WARNING_WINDOW, now, false) {
        Ok(findings) => findings,
        Err(error) => {
            tracing::error!("cannot check what expires: {error}");
            return;
        }
    };
    for finding in findings {
        let verb = if finding.expires > now {
            "expires"
        } else {
            "expired"
        };
        let advice = match finding.kind {
            ExpiringKind::CaCertificate => "run `cert extend-ca` and hand the new chain out",
            ExpiringKind::Crl => "it is re-issued before it lapses when its signing key is here",
            ExpiringKind::Certificate => "",
        };
        tracing::warn!(
            "{} {:?} {verb} {}: {advice}",
            finding.kind.as_str(),
            finding.name,
            format_time(finding.expires)
        );
    }
}
