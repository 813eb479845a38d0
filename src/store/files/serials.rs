//! The files backend's `serial`: rewriting it (`%04X`, no newline: puppetserver's format)
//! through a spare inode, and the serials a store reserved on disk ahead of need
//! ([`SerialLease`]). When a reservation is made, and the syncs around it, is `transaction`'s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::atomic::{self, Durability, PUBLIC_MODE};
use crate::certificate::Serial;
use crate::error::StoreError;
use crate::store::Read;

use super::layout::Layout;

/// The hidden file `serial` trades places with on each rewrite (see `atomic::replace`).
const SERIAL_SPARE: &str = ".serial.spare";

/// Serials a store reserved on disk ahead of need ([`crate::store::Backend::reserve_serials_ahead`]).
///
/// `serial` on disk always names a serial above every one handed out: a block is written
/// there (durably, as any reservation) before any of it is used. Later transactions of the
/// same store take the rest of the block without writing, as long as `serial` still holds the
/// block's end (read under the lock: had another process reserved since, it would hold more).
/// What is left of a block goes back at a clean stop ([`SerialLease::give_back`]); after a
/// crash it is never used: a gap in the serials. After another process took a block over, the
/// next reservation is exact (no block), so processes taking turns leave no gaps; the one
/// after that, undisturbed, is a block again.
#[derive(Debug, Default)]
pub(super) struct SerialLease {
    /// Serials reserved at least this many at a time; 0: each reservation exactly (the CLI's
    /// way: `serial` stays what puppetserver would leave).
    ahead: AtomicU64,
    /// The serials of the last block not handed out yet: `(next, end)`, `end` what `serial`
    /// was set to.
    held: Mutex<Option<(u128, u128)>>,
}

impl SerialLease {
    /// Reserve at least `count` at a time from now on.
    pub(super) fn ahead(&self, count: u128) {
        self.ahead
            .store(u64::try_from(count).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// `count` serials of the held block when `serial` on disk (`on_disk`) still ends it.
    pub(super) fn take(&self, on_disk: u128, count: u128) -> Option<u128> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        match *held {
            Some((next, end)) if end == on_disk && end - next >= count => {
                *held = Some((next + count, end));
                Some(next)
            }
            _ => None,
        }
    }

    /// Where the next block starts: after what this store handed out when `serial` on disk
    /// (`on_disk`) still ends its block (no gap), else at `on_disk`.
    pub(super) fn start(&self, on_disk: u128) -> u128 {
        match *self.held.lock().unwrap_or_else(PoisonError::into_inner) {
            Some((next, end)) if end == on_disk => next,
            _ => on_disk,
        }
    }

    /// How many to reserve on disk for `count` when `serial` holds `on_disk`: a block, unless
    /// another process took the last one over (moved `serial` on since), where exactly
    /// `count`, so that two daemons on one directory, taking turns, leave no gaps.
    pub(super) fn block(&self, on_disk: u128, count: u128) -> u128 {
        let taken_over = matches!(
            *self.held.lock().unwrap_or_else(PoisonError::into_inner),
            Some((_, end)) if end != on_disk
        );
        if taken_over {
            count
        } else {
            count.max(u128::from(self.ahead.load(Ordering::Relaxed)))
        }
    }

    /// The block `first..end` is durable on disk and `count` of it handed out.
    pub(super) fn hold(&self, first: u128, count: u128, end: u128) {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Some((first + count, end));
    }

    /// Give the unused rest of the held block back, under the CA directory's lock: `serial`
    /// rewritten to the first unused serial when it still holds the block's end (nothing
    /// reserved since). Whether it was.
    pub(super) fn give_back(&self, layout: &Layout) -> Result<bool, StoreError> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((next, end)) = *held else {
            return Ok(false);
        };
        if next == end || layout.next_serial()?.0 != end {
            return Ok(false);
        }
        write(layout, Serial(next), Durability::EachFile)?;
        *held = None;
        Ok(true)
    }
}

/// Rewrite `serial` to `next`. Rewritten on every batch (or block), so through a spare inode
/// (see `atomic::replace`).
pub(super) fn write(
    layout: &Layout,
    next: Serial,
    durability: Durability,
) -> Result<(), StoreError> {
    Ok(atomic::replace(
        &layout.path("serial"),
        &layout.path(SERIAL_SPARE),
        next.to_string().as_bytes(),
        PUBLIC_MODE,
        durability,
    )?)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::atomic::Durability;
    use crate::certificate::Serial;
    use crate::store::Store;

    use super::super::tests::{store_with_ca_made, DURABILITIES};

    #[test]
    fn serials_reserved_ahead_are_handed_out_without_rewriting_serial() {
        for durability in DURABILITIES {
            reserved_ahead(durability);
        }
    }

    fn reserved_ahead(durability: Durability) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_ca_made(dir.path(), Some(durability));
        let serial_file = dir.path().join("ca/serial");
        let on_disk = || fs::read_to_string(&serial_file).unwrap();
        let reserve = |count: u128| -> Vec<u128> {
            let mut transaction = store.begin().unwrap();
            let serials = transaction.reserve_serials(count).unwrap();
            transaction.commit().unwrap();
            serials.into_iter().map(|s| s.0).collect()
        };
        // Exactly what is asked, as puppetserver does, until asked to reserve ahead.
        assert_eq!(reserve(2), [2, 3]);
        assert_eq!(on_disk(), "0004");
        store.reserve_serials_ahead(8);
        assert_eq!(reserve(2), [4, 5]);
        assert_eq!(
            on_disk(),
            "000C",
            "a block of 8 on disk before any of it is used"
        );
        let written = fs::metadata(&serial_file).unwrap().modified().unwrap();
        assert_eq!(reserve(3), [6, 7, 8]);
        assert_eq!(reserve(1), [9]);
        assert_eq!(
            on_disk(),
            "000C",
            "handed out of the block: serial untouched"
        );
        assert_eq!(
            fs::metadata(&serial_file).unwrap().modified().unwrap(),
            written
        );
        // More than the block has left: the next block goes on from there, no gap.
        assert_eq!(reserve(5), [10, 11, 12, 13, 14]);
        assert_eq!(on_disk(), "0012");
        // Another process reserved meanwhile (serial moved on): the rest of the block is
        // skipped, never handed out twice, and this reservation is exact (processes taking
        // turns leave no gaps); undisturbed, the next one is a block again.
        fs::write(&serial_file, "0020").unwrap();
        assert_eq!(reserve(1), [0x20]);
        assert_eq!(on_disk(), "0021");
        assert_eq!(reserve(2), [0x21, 0x22]);
        assert_eq!(on_disk(), "0029");
        // A store that does not reserve ahead (another process) starts where serial says.
        let other = Store::files_with_durability(&dir.path().join("ca"), durability);
        let mut transaction = other.begin().unwrap();
        assert_eq!(transaction.reserve_serials(1).unwrap(), [Serial(0x29)]);
        transaction.commit().unwrap();
        assert_eq!(on_disk(), "002A");
        assert_eq!(reserve(1), [0x2A], "the block was taken over: exactly one");
        assert_eq!(on_disk(), "002B");
        assert_eq!(reserve(1), [0x2B]);
        assert_eq!(on_disk(), "0033");
        // A clean stop gives the rest of the block back: serial as if reserved exactly.
        assert!(store.give_back_serials().unwrap());
        assert_eq!(on_disk(), "002C");
        assert!(!store.give_back_serials().unwrap(), "nothing left to give");
        assert_eq!(reserve(1), [0x2C]);
        assert_eq!(on_disk(), "0034");
        // Not while another writer holds the lock, nor once it has reserved since.
        let mut transaction = other.begin().unwrap();
        assert!(!store.give_back_serials().unwrap());
        assert_eq!(transaction.reserve_serials(1).unwrap(), [Serial(0x34)]);
        transaction.commit().unwrap();
        assert!(!store.give_back_serials().unwrap());
        assert_eq!(on_disk(), "0035");
    }
}
