//! Serials for a node's certificates. A certificate carries its serial, so a serial fetched
//! inside the signing transaction would cost a round trip before the signature could start.
//! A node that signs batch after batch (`Backend::reserve_serials_ahead`) instead keeps a
//! block of serials taken from the sequence ahead of need, in memory, and takes each batch's
//! from it; when the block runs low, the next block is asked for in the flight of the
//! transaction at hand (before its BEGIN, so whatever becomes of that transaction the serials
//! are reserved), so that no batch waits for one. `nextval` never hands a value out twice,
//! whoever asks and whatever is rolled back, so a node that dies leaves a gap of at most two
//! blocks, never a serial used twice; the inventory's primary key is the last guard.
//!
//! Without reserving ahead (the CLI) each transaction takes exactly what it needs, in one
//! round trip.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::certificate::Serial;
use crate::error::StoreError;

use super::connection::{Deferred, Pooled};

/// Take `$1` serials from the sequence.
pub(super) const RESERVE: &str =
    "SELECT nextval('cert_serial')::text FROM generate_series(1, $1::int8)";

/// The smallest block a node reserves ahead: a batch takes at most 128 serials and a node runs
/// a few batches at once, so a block lasts several of them and the next one arrives in time.
const SMALLEST_BLOCK: usize = 1024;

/// The serials of one store handle.
#[derive(Debug, Default)]
pub(super) struct Serials {
    /// Reserved and not used yet, in the order the sequence gave them.
    pool: Arc<Mutex<VecDeque<Serial>>>,
    /// How many to reserve at a time (0: none ahead).
    block: AtomicUsize,
    /// Whether a block has been asked for and not yet arrived (or been given up on).
    asked: Arc<AtomicBool>,
}

impl Serials {
    /// From now on, reserve at least `count` at a time, ahead of need.
    pub(super) fn reserve_ahead(&self, count: u128) {
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        self.block
            .store(count.max(SMALLEST_BLOCK), Ordering::Relaxed);
    }

    /// `count` serials for a transaction on `connection`: from the block at hand when it has
    /// enough (asking for the next one with the transaction's next flight when it runs low),
    /// else from the sequence now, with a new block.
    pub(super) fn reserve(
        &self,
        connection: &Pooled<'_>,
        count: u128,
    ) -> Result<Vec<Serial>, StoreError> {
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let block = self.block.load(Ordering::Relaxed);
        {
            let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
            if pool.len() >= count {
                let taken: Vec<Serial> = pool.drain(..count).collect();
                if block > 0 && pool.len() < block / 2 {
                    drop(pool);
                    self.ask(connection, block);
                }
                return Ok(taken);
            }
        }
        let wanted = count.saturating_add(block);
        let rows = connection.run(
            "reserve serials",
            connection.query(RESERVE, &[&i64::try_from(wanted).unwrap_or(i64::MAX)]),
        )?;
        let mut serials = parse(&connection.database().name(), &rows)?;
        if serials.len() < count {
            return Err(StoreError::Corrupt {
                what: format!("the serial sequence in {}", connection.database().name()),
                reason: format!("{} serials given for {wanted}", serials.len()),
            });
        }
        let spare = serials.split_off(count);
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(spare);
        Ok(serials)
    }

    /// Ask for `block` more with the next flight on `connection`, unless a block is on its way.
    fn ask(&self, connection: &Pooled<'_>, block: usize) {
        if self.asked.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = self.pool.clone();
        // Whether the answer comes or not, the next transaction may ask again.
        let asked = Asked(self.asked.clone());
        let store = connection.database().name();
        connection.defer_first(Deferred::query(
            "reserve serials ahead",
            RESERVE,
            vec![Box::new(i64::try_from(block).unwrap_or(i64::MAX))],
            move |rows| {
                let _asked = asked;
                let serials = parse(&store, &rows)?;
                pool.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(serials);
                Ok(())
            },
        ));
    }
}

/// Clears the "asked" flag when the answer was handled or will never come.
struct Asked(Arc<AtomicBool>);

impl Drop for Asked {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The serials of [`RESERVE`]'s rows.
fn parse(store: &str, rows: &[tokio_postgres::Row]) -> Result<Vec<Serial>, StoreError> {
    rows.iter()
        .map(|row| {
            let text: String = row.get(0);
            text.parse().map(Serial).map_err(|_| StoreError::Corrupt {
                what: format!("a serial in {store}"),
                reason: format!("{text:?} is not a whole number below 2^128"),
            })
        })
        .collect()
}
