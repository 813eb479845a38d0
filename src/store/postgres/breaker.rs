//! Whether the database answers, as this process last saw it: what lets a daemon answer a
//! request it cannot commit at once, instead of each request waiting out its bound while the
//! database is gone (a link cut silently answers nothing, ever).
//!
//! A use of the database that gets no answer trips the breaker; while it is tripped, new uses
//! fail at once. What closes it again is an answer: the listener's (it probes the database
//! often while the breaker is tripped, so a daemon notices the database back within a second
//! or so, without a request paying for the probe), or, in a process without a listener, one
//! use at a time let through to try.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::StoreError;

/// The breaker of one database handle, shared by its connections and its listener.
#[derive(Debug, Default)]
pub(super) struct Breaker {
    state: Mutex<State>,
    /// Whether a listener watches the database: then it alone finds out when it answers again.
    listened: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// Since when it has not answered (`None`: it did last time).
    down_since: Option<Instant>,
    /// When the one use let through to try, without a listener, started.
    probing: Option<Instant>,
    /// When it last did not answer: no use tries again for [`QUIET`] after.
    failed_at: Option<Instant>,
}

/// How long after a use got no answer none tries again (without a listener): uses one after
/// the other (a process starting, reading this and that) fail at once, not each after its
/// bound.
const QUIET: Duration = Duration::from_secs(1);

impl Breaker {
    /// From now on a listener watches the database.
    pub(super) fn listened(&self) {
        self.listened.store(true, Ordering::Release);
    }

    /// Whether the breaker is tripped.
    pub(super) fn is_tripped(&self) -> bool {
        self.lock().down_since.is_some()
    }

    /// Let a use of `store` through, or refuse it at once while the database does not answer.
    /// A use let through without a listener while tripped tries on behalf of all (for at most
    /// `limit`, its bound).
    pub(super) fn admit(&self, store: &str, limit: Duration) -> Result<(), StoreError> {
        let now = Instant::now();
        let mut state = self.lock();
        let Some(since) = state.down_since else {
            return Ok(());
        };
        let quiet = state
            .failed_at
            .is_some_and(|failed| now.duration_since(failed) < QUIET);
        let trying = match state.probing {
            _ if self.listened.load(Ordering::Acquire) || quiet => true,
            Some(started) => now.duration_since(started) < limit,
            None => false,
        };
        if trying {
            return Err(StoreError::Unavailable {
                store: store.to_owned(),
                reason: format!(
                    "it stopped answering {}; trying again in the background",
                    match since.elapsed().as_secs() {
                        0 => "just now".to_owned(),
                        seconds => format!("{seconds} s ago"),
                    }
                ),
            });
        }
        state.probing = Some(now);
        Ok(())
    }

    /// The database answered (`store` names it in the log line when it comes back).
    pub(super) fn answered(&self, store: &str) {
        let mut state = self.lock();
        if let Some(since) = state.down_since {
            tracing::info!(
                "{store}: answering again after {} s",
                since.elapsed().as_secs()
            );
        }
        *state = State::default();
    }

    /// The database did not answer.
    pub(super) fn unanswered(&self) {
        let mut state = self.lock();
        let now = Instant::now();
        state.down_since.get_or_insert(now);
        state.probing = None;
        state.failed_at = Some(now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(4);

    #[test]
    fn tripped_it_refuses_but_one_at_a_time_tries_without_a_listener() {
        let breaker = Breaker::default();
        assert!(breaker.admit("db", LIMIT).is_ok());
        breaker.unanswered();
        assert!(breaker.is_tripped());
        std::thread::sleep(QUIET);
        // One tries; the others are refused while it does.
        assert!(breaker.admit("db", LIMIT).is_ok());
        let refused = breaker.admit("db", LIMIT).unwrap_err();
        assert!(refused.is_unavailable(), "{refused}");
        // It failed: the next one tries, after a quiet second.
        breaker.unanswered();
        assert!(breaker.admit("db", LIMIT).is_err());
        std::thread::sleep(QUIET);
        assert!(breaker.admit("db", LIMIT).is_ok());
        breaker.answered("db");
        assert!(!breaker.is_tripped());
        assert!(breaker.admit("db", LIMIT).is_ok());
        assert!(breaker.admit("db", LIMIT).is_ok());
    }

    #[test]
    fn with_a_listener_no_use_waits_to_try() {
        let breaker = Breaker::default();
        breaker.listened();
        breaker.unanswered();
        assert!(breaker.admit("db", LIMIT).is_err());
        assert!(breaker.admit("db", LIMIT).is_err());
        breaker.answered("db");
        assert!(breaker.admit("db", LIMIT).is_ok());
    }
}
