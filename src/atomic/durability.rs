//! Groups of writes made durable together: each file synced on its own, or the whole
//! filesystem synced once ([`Durability`]), and files staged as a group then published.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::FileError;

use super::*;

/// How a group of writes is made durable.
///
/// An fsync makes one file durable, and on ext4 each one flushes the disk's cache (and commits
/// the journal, where there is one) on its own: a group of `n` new files costs `n` flushes even
/// when their fsyncs run at once. `syncfs(2)` makes every write to the filesystem before it
/// durable (data and metadata) with one flush: with an EC CA, where the store's work shows, the
/// file store's CPU per enrolment went from 1.19 to 0.58 ms (`cargo bench --bench nodes`,
/// docs/performance.md), with no more CPU in the kernel's threads (`cargo bench --bench cost`,
/// "others"). It also writes back whatever else is dirty on that filesystem, so a batch may
/// wait for other programs' writes; that is the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Each file and each directory synced on its own (fsync, fdatasync).
    EachFile,
    /// Written without syncing; the caller syncs the whole filesystem ([`sync_filesystem`])
    /// where the order of its writes needs it, and before it reports them done.
    Filesystem,
    /// Written whole (temp file, rename) and never synced: for a cache, whose loss in a crash
    /// costs nothing but a refill.
    Unsynced,
}

impl Durability {
    /// What the filesystem holding `directories` allows: [`Durability::Filesystem`] on Linux 5.8
    /// or later (where `syncfs` reports write-back errors) on ext2/3/4, XFS, btrfs, overlayfs
    /// and tmpfs, whose `syncfs` makes every earlier write durable, when every one of them that
    /// exists is on the first one's filesystem; [`Durability::EachFile`] anywhere else (NFS,
    /// FUSE and others, where `syncfs` may do less than an fsync of each file; directories on
    /// two filesystems; or when the filesystem cannot be told).
    pub(crate) fn of(directories: &[&Path]) -> Durability {
        let Some(directory) = directories.first() else {
            return Durability::EachFile;
        };
        let Ok(first) = fs::metadata(directory) else {
            return Durability::EachFile;
        };
        let one_filesystem = directories[1..]
            .iter()
            .all(|other| match fs::metadata(other) {
                Ok(meta) => meta.dev() == first.dev(),
                Err(e) => e.kind() == ErrorKind::NotFound,
            });
        if !one_filesystem {
            return Durability::EachFile;
        }
        #[cfg(target_os = "linux")]
        {
            // statfs(2)'s f_type of the filesystems named above.
            const KNOWN: [u64; 5] = [
                0xEF53,      // ext2, ext3, ext4
                0x5846_5342, // XFS
                0x9123_683E, // btrfs
                0x794C_7630, // overlayfs
                0x0102_1994, // tmpfs
            ];
            let known = File::open(directory)
                .ok()
                .and_then(|d| rustix::fs::fstatfs(&d).ok())
                .is_some_and(|stat| KNOWN.contains(&(stat.f_type as u64)));
            if known && kernel_reports_syncfs_errors() {
                return Durability::Filesystem;
            }
        }
        let _ = directory;
        Durability::EachFile
    }
}

/// Whether the running kernel is Linux 5.8 or later, whose `syncfs` returns the write-back
/// errors it meets (earlier ones always return 0).
#[cfg(target_os = "linux")]
fn kernel_reports_syncfs_errors() -> bool {
    static ANSWER: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ANSWER.get_or_init(|| {
        // uname(2)'s release; unreadable (no /proc) counts as too old.
        let release = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut numbers = release
            .split(|c: char| !c.is_ascii_digit())
            .map(|n| n.parse::<u32>().unwrap_or(0));
        let major = numbers.next().unwrap_or(0);
        let minor = numbers.next().unwrap_or(0);
        (major, minor) >= (5, 8)
    })
}

/// Make every write to the filesystem holding `directory` durable (`syncfs(2)`), for
/// [`Durability::Filesystem`].
pub(crate) fn sync_filesystem(directory: &Path) -> Result<(), FileError> {
    #[cfg(target_os = "linux")]
    {
        File::open(directory)
            .and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from))
            .map_err(|e| FileError::io("sync the filesystem of", directory, e))
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Never chosen there (see `Durability::of`); a directory sync is the most it can do.
        sync_directory(directory)
    }
}

/// A file written and synced under a temp name beside its final path, not in place yet
/// ([`publish`] puts it there; [`discard`] removes it).
#[derive(Debug)]
pub(crate) struct Staged {
    pub(super) temp: PathBuf,
    pub(super) path: PathBuf,
}

/// Write `files` under temp names and sync them (with [`Durability::Filesystem`], only write
/// them: the caller syncs the filesystem before it publishes them), none in place yet; on
/// failure nothing is left.
///
/// The temp files are created one after another (creating files in one directory takes its
/// lock: threads would only wait for each other, spinning), then synced from several threads
/// at once, so the filesystem commits their fsyncs together (on ext4, 64 files take about half
/// the time).
pub(crate) fn stage_all(
    files: &[Pending<'_>],
    durability: Durability,
) -> Result<Vec<Staged>, FileError> {
    let mut staged = Vec::with_capacity(files.len());
    // The temp files' handles, kept open only until they are synced (not opened again by
    // name for it).
    let mut handles = Vec::with_capacity(files.len());
    for file in files {
        match stage(file) {
            Ok((temp, handle)) => {
                staged.push(Staged {
                    temp,
                    path: file.path.clone(),
                });
                handles.push((handle, file.path.as_path()));
            }
            Err(error) => {
                discard(staged);
                return Err(error);
            }
        }
    }
    if durability != Durability::EachFile {
        return Ok(staged);
    }
    let synced = crate::parallel::map(
        &handles,
        SYNC_THREADS,
        SYNC_CHUNK,
        |(handle, path)| {
            handle
                .sync_all()
                .map_err(|e| FileError::io("write", path, e))
        },
        |(_, path)| {
            Err(FileError::io(
                "write",
                path,
                std::io::Error::other("the syncing thread panicked"),
            ))
        },
    );
    drop(handles);
    match synced.into_iter().find_map(Result::err) {
        Some(error) => {
            discard(staged);
            Err(error)
        }
        None => Ok(staged),
    }
}

/// Rename staged files into place, in order, then sync each directory once (with
/// [`Durability::Filesystem`], not synced: the caller syncs the filesystem). After a failure the
/// rest are removed (what was renamed before it stays, and is synced).
pub(crate) fn publish(staged: Vec<Staged>, durability: Durability) -> Result<(), FileError> {
    let mut directories: Vec<PathBuf> = Vec::new();
    let mut result = Ok(());
    for file in &staged {
        if result.is_ok() {
            result = fs::rename(&file.temp, &file.path)
                .map_err(|e| FileError::io("rename into", &file.path, e));
        }
        if result.is_err() {
            let _ = fs::remove_file(&file.temp);
            continue;
        }
        let directory = parent(&file.path);
        if !directories.contains(&directory) {
            directories.push(directory);
        }
    }
    match (durability, directories.first()) {
        (Durability::Filesystem, Some(directory)) if result.is_err() => sync_filesystem(directory)?,
        (Durability::Filesystem | Durability::Unsynced, _) => {}
        (Durability::EachFile, _) => {
            for directory in directories {
                sync_directory(&directory)?;
            }
        }
    }
    result
}

/// Remove staged files that will not be published.
pub(crate) fn discard(staged: Vec<Staged>) {
    for file in staged {
        let _ = fs::remove_file(file.temp);
    }
}
