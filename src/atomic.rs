//! Crash-safe file writes, the one way this crate writes a file: temp file in the same
//! directory, fsync, rename, fsync the directory (or, for a small file rewritten all the time,
//! a spare file written and synced, then exchanged with it); durable removal; directories made
//! with their mode; and reading a file that may be missing.
//!
//! A crash at any instant leaves the old file or the new one, never a torn one. New files are
//! created with their final mode from the start (a key is never briefly world-readable) and, when
//! we run as root in a directory owned by someone else (puppetserver's `puppet` user), handed to
//! the directory's owner and group so the other service can keep reading them.
//!
//! Used by the CA directory ([`crate::store`]), a host's ssldir ([`crate::ssldir`]) and export
//! trees ([`crate::tree`]). It knows nothing of what the files mean.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Mode of every file that is not a secret: certificates, CRLs, requests, public keys.
pub(crate) const PUBLIC_MODE: u32 = 0o644;

/// One file to write.
#[derive(Debug)]
pub(crate) struct Pending<'a> {
    /// Final path.
    pub(crate) path: PathBuf,
    /// Content.
    pub(crate) bytes: &'a [u8],
    /// Mode, e.g. `0o644`.
    pub(crate) mode: u32,
}

impl<'a> Pending<'a> {
    /// A file that is not a secret (mode [`PUBLIC_MODE`]).
    pub(crate) fn public(path: PathBuf, bytes: &'a [u8]) -> Pending<'a> {
        Pending {
            path,
            bytes,
            mode: PUBLIC_MODE,
        }
    }
}

/// Write one file atomically.
pub(crate) fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    write_all(&[Pending {
        path: path.to_path_buf(),
        bytes,
        mode,
    }])
}

/// Write several files with one fsync per file and one per directory (group commit): all temp
/// files are written and synced first ([`stage_all`]), then renamed, then each directory is
/// synced once ([`publish`]).
pub(crate) fn write_all(files: &[Pending<'_>]) -> Result<(), StoreError> {
    write_all_with(files, Durability::EachFile)
}

/// [`write_all`] made durable as `durability` says: with [`Durability::Filesystem`], the temp
/// files are written, the filesystem synced, the files renamed and the filesystem synced again
/// (two syncs whatever the number of files).
pub(crate) fn write_all_with(
    files: &[Pending<'_>],
    durability: Durability,
) -> Result<(), StoreError> {
    let staged = stage_all(files, durability)?;
    let Some(directory) = staged.first().map(|first| parent(&first.path)) else {
        return Ok(());
    };
    if durability == Durability::Filesystem {
        if let Err(error) = sync_filesystem(&directory) {
            discard(staged);
            return Err(error);
        }
    }
    publish(staged, durability)?;
    match durability {
        Durability::Filesystem => sync_filesystem(&directory),
        Durability::EachFile | Durability::Unsynced => Ok(()),
    }
}

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
pub(crate) fn sync_filesystem(directory: &Path) -> Result<(), StoreError> {
    #[cfg(target_os = "linux")]
    {
        File::open(directory)
            .and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from))
            .map_err(|e| StoreError::io("sync the filesystem of", directory, e))
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
    temp: PathBuf,
    path: PathBuf,
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
) -> Result<Vec<Staged>, StoreError> {
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
                .map_err(|e| StoreError::io("write", path, e))
        },
        |(_, path)| {
            Err(StoreError::io(
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
pub(crate) fn publish(staged: Vec<Staged>, durability: Durability) -> Result<(), StoreError> {
    let mut directories: Vec<PathBuf> = Vec::new();
    let mut result = Ok(());
    for file in &staged {
        if result.is_ok() {
            result = fs::rename(&file.temp, &file.path)
                .map_err(|e| StoreError::io("rename into", &file.path, e));
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

/// Replace the small file `path` atomically, as [`write`] does, without making a new inode
/// each time: the content is written and synced into `spare` (a hidden file in the same
/// directory, made with `mode` on first use), which then trades places with `path` in one
/// atomic rename (`RENAME_EXCHANGE`), and the directory is synced. `spare` keeps the old content
/// for the next time. A crash leaves the old or the new content under `path`, never a mix.
///
/// For a file rewritten on every batch (the files store's `serial`): where the filesystem
/// searches for a free inode by skipping recently freed ones (ext4 without a journal), freeing
/// one per batch made every later file creation slower. A filesystem that cannot
/// exchange names, or a spare that cannot be used, gets the plain [`write`].
///
/// With [`Durability::Filesystem`] the directory is not synced: the exchange is durable with
/// the caller's next sync of the filesystem (the content was synced before it).
pub(crate) fn replace(
    path: &Path,
    spare: &Path,
    bytes: &[u8],
    mode: u32,
    durability: Durability,
) -> Result<(), StoreError> {
    let Some(mut file) = open_spare(spare, mode) else {
        return write(path, bytes, mode);
    };
    // Over the old content, then cut to length: the inode keeps its data block.
    std::os::unix::fs::FileExt::write_all_at(&file, bytes, 0)
        .and_then(|()| file.set_len(bytes.len() as u64))
        .and_then(|()| file.sync_data())
        .and_then(|()| file.flush())
        .map_err(|e| StoreError::io("write", spare, e))?;
    drop(file);
    if !exchange(spare, path) {
        fs::rename(spare, path).map_err(|e| StoreError::io("rename into", path, e))?;
    }
    match durability {
        Durability::EachFile => sync_directory(&parent(path)),
        Durability::Filesystem | Durability::Unsynced => Ok(()),
    }
}

/// The spare of [`replace`], opened for writing (never through a symlink), or made with `mode`
/// when there is none; `None` when it cannot be used.
fn open_spare(spare: &Path, mode: u32) -> Option<File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::open(spare, flags, Mode::empty()) {
        Ok(fd) => {
            let file = File::from(fd);
            // Only a plain file of ours: anything else is left alone.
            file.metadata().ok().filter(|m| m.is_file())?;
            Some(file)
        }
        Err(rustix::io::Errno::NOENT) => {
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(OFlags::NOFOLLOW.bits() as i32)
                .mode(mode)
                .open(spare)
                .ok()?;
            // The umask may have narrowed `mode`; set it exactly.
            file.set_permissions(Permissions::from_mode(mode)).ok()?;
            give_to_parent_owner(spare).ok()?;
            Some(file)
        }
        Err(_) => None,
    }
}

/// Swap the names `a` and `b` atomically; `false` when this system or filesystem cannot (or
/// `b` does not exist yet).
fn exchange(a: &Path, b: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        false
    }
}

/// Files per syncing thread in [`write_all`], and most threads.
const SYNC_CHUNK: usize = 4;
const SYNC_THREADS: usize = 16;

/// Append `bytes` to `path` and sync them (with [`Durability::Filesystem`], only append them:
/// the caller syncs). With `create_mode`, a missing file is created with exactly that mode,
/// handed to the directory's owner like every new file (so that a run as root does not lock
/// the `puppet` user out of appending later) and its directory synced; without, a missing file
/// is an error.
pub(crate) fn append(
    path: &Path,
    bytes: &[u8],
    create_mode: Option<u32>,
    durability: Durability,
) -> Result<(), StoreError> {
    let opened = OpenOptions::new().append(true).open(path);
    let mut file = match (opened, create_mode) {
        (Ok(file), _) => file,
        (Err(e), Some(mode)) if e.kind() == ErrorKind::NotFound => create_for_append(path, mode)?,
        (Err(e), _) => return Err(StoreError::io("open", path, e)),
    };
    file.write_all(bytes)
        .and_then(|()| match durability {
            Durability::EachFile => file.sync_data(),
            Durability::Filesystem | Durability::Unsynced => Ok(()),
        })
        .map_err(|e| StoreError::io("append to", path, e))
}

/// Create `path` empty with `mode` for [`append`]; a file made meanwhile by someone else is
/// opened instead.
fn create_for_append(path: &Path, mode: u32) -> Result<File, StoreError> {
    let created = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(mode)
        .open(path);
    match created {
        Ok(file) => {
            // The umask may have narrowed `mode`; set it exactly.
            file.set_permissions(Permissions::from_mode(mode))
                .map_err(|e| StoreError::io("set the mode of", path, e))?;
            give_to_parent_owner(path)?;
            sync_directory(&parent(path))?;
            Ok(file)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| StoreError::io("open", path, e)),
        Err(e) => Err(StoreError::io("create", path, e)),
    }
}

/// Create `path` with `bytes`, refusing to replace an existing file (for private keys).
pub(crate) fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let (temp, handle) = stage(&Pending {
        path: path.to_path_buf(),
        bytes,
        mode,
    })?;
    if let Err(error) = handle.sync_all() {
        let _ = fs::remove_file(&temp);
        return Err(StoreError::io("write", path, error));
    }
    // hard_link fails when the target exists: an atomic "rename unless present".
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => sync_directory(&parent(path)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(StoreError::file_exists(path)),
        Err(e) => Err(StoreError::io("create", path, e)),
    }
}

/// Make `directory` (and parents) with `mode` when missing.
pub(crate) fn ensure_directory(directory: &Path, mode: u32) -> Result<(), StoreError> {
    if directory.is_dir() {
        return Ok(());
    }
    if let Some(up) = directory.parent() {
        if !up.as_os_str().is_empty() && !up.is_dir() {
            ensure_directory(up, 0o755)?;
        }
    }
    match fs::create_dir(directory) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(StoreError::io("create directory", directory, e)),
    }
    fs::set_permissions(directory, Permissions::from_mode(mode))
        .map_err(|e| StoreError::io("set the mode of", directory, e))?;
    give_to_parent_owner(directory)?;
    if let Some(up) = directory.parent() {
        let _ = sync_directory(up);
    }
    Ok(())
}

/// Remove `paths` durably, each directory synced once at the end (with
/// [`Durability::Filesystem`], not synced: the caller syncs); for each, `false` when it was not
/// there. Stops at the first failure (what was removed before it stays removed, and is synced).
pub(crate) fn remove_all(
    paths: &[PathBuf],
    durability: Durability,
) -> Result<Vec<bool>, StoreError> {
    let mut removed = Vec::with_capacity(paths.len());
    let mut directories: Vec<PathBuf> = Vec::new();
    let mut failure = None;
    for path in paths {
        match fs::remove_file(path) {
            Ok(()) => {
                removed.push(true);
                let directory = parent(path);
                if !directories.contains(&directory) {
                    directories.push(directory);
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => removed.push(false),
            Err(e) => {
                failure = Some(StoreError::io("remove", path, e));
                break;
            }
        }
    }
    if durability == Durability::EachFile {
        for directory in directories {
            sync_directory(&directory)?;
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(removed),
    }
}

/// Remove `path` durably; `Ok(false)` when it was not there.
pub(crate) fn remove(path: &Path) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {
            sync_directory(&parent(path))?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io("remove", path, e)),
    }
}

/// The bytes of `path`; `None` when there is no such file.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("read", path, e)),
    }
}

/// Whether a file name is one of our temp files (`.NAME.tmp-PID-N`).
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Write `file`'s content to a new temp file beside it (not synced yet), with its mode and
/// owner; the temp file's path and its open handle.
fn stage(file: &Pending<'_>) -> Result<(PathBuf, File), StoreError> {
    let directory = parent(&file.path);
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let temp = directory.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            unique() + u64::from(attempt)
        ));
        let opened = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(file.mode)
            .open(&temp);
        let mut handle: File = match opened {
            Ok(handle) => handle,
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
                continue;
            }
            Err(e) => return Err(StoreError::io("write", &file.path, e)),
        };
        let written = (|| -> std::io::Result<()> {
            // The umask may have narrowed `mode`; set it exactly.
            handle.set_permissions(Permissions::from_mode(file.mode))?;
            handle.write_all(file.bytes)
        })();
        let owned = written
            .map_err(|e| StoreError::io("write", &file.path, e))
            .and_then(|()| give_to_parent_owner(&temp));
        if let Err(error) = owned {
            let _ = fs::remove_file(&temp);
            return Err(error);
        }
        return Ok((temp, handle));
    }
}

/// When running as root and the directory belongs to another user, chown to that user and group.
fn give_to_parent_owner(path: &Path) -> Result<(), StoreError> {
    let Ok(mine) = fs::metadata(path) else {
        return Ok(());
    };
    if mine.uid() != 0 {
        return Ok(());
    }
    let Ok(directory) = fs::metadata(parent(path)) else {
        return Ok(());
    };
    if directory.uid() == 0 && directory.gid() == 0 {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(directory.uid()), Some(directory.gid()))
        .map_err(|e| StoreError::io("change the owner of", path, e))
}

/// Make what was renamed into or removed from `directory` durable.
pub(crate) fn sync_directory(directory: &Path) -> Result<(), StoreError> {
    File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("sync", directory, e))
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    nanos.wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_refuses_to_clobber_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        write(&path, b"one", 0o644).unwrap();
        write(&path, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o644);

        let key = dir.path().join("key.pem");
        create_new(&key, b"secret", 0o600).unwrap();
        assert_eq!(fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
        assert!(matches!(
            create_new(&key, b"other", 0o600),
            Err(StoreError::AlreadyExists { .. })
        ));
        assert_eq!(fs::read(&key).unwrap(), b"secret");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn appends_create_with_the_exact_mode_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        assert!(matches!(
            append(&log, b"x\n", None, Durability::EachFile),
            Err(StoreError::Io { action: "open", .. })
        ));
        append(&log, b"one\n", Some(0o640), Durability::EachFile).unwrap();
        append(&log, b"two\n", Some(0o640), Durability::EachFile).unwrap();
        assert_eq!(fs::read(&log).unwrap(), b"one\ntwo\n");
        assert_eq!(fs::metadata(&log).unwrap().mode() & 0o777, 0o640);
    }

    /// A file root creates by appending in a directory of another user goes to that user, as
    /// atomic writes hand over theirs (or that user can no longer append to it).
    #[test]
    fn a_file_root_creates_by_appending_goes_to_the_directory_owner() {
        if !running_as_root() {
            eprintln!("skipped: needs root to hand a file to another user");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (nobody, nogroup) = (65534, 65534);
        std::os::unix::fs::chown(dir.path(), Some(nobody), Some(nogroup)).unwrap();
        let log = dir.path().join("audit.log");
        append(&log, b"one\n", Some(0o640), Durability::EachFile).unwrap();
        let meta = fs::metadata(&log).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (nobody, nogroup));
    }

    fn running_as_root() -> bool {
        fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }

    #[test]
    fn failed_group_write_leaves_nothing() {
        for durability in [Durability::EachFile, Durability::Filesystem] {
            let dir = tempfile::tempdir().unwrap();
            let good = dir.path().join("good.pem");
            let bad = dir.path().join("missing-dir").join("bad.pem");
            let result = write_all_with(
                &[
                    Pending {
                        path: good.clone(),
                        bytes: b"x",
                        mode: 0o644,
                    },
                    Pending {
                        path: bad,
                        bytes: b"y",
                        mode: 0o644,
                    },
                ],
                durability,
            );
            assert!(result.is_err(), "{durability:?}");
            assert!(!good.exists(), "{durability:?}");
            assert_eq!(
                fs::read_dir(dir.path()).unwrap().count(),
                0,
                "{durability:?}"
            );
        }
    }

    #[test]
    fn a_group_synced_through_its_filesystem_lands_whole_with_its_modes() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(PathBuf, Vec<u8>)> = (0..20)
            .map(|i| {
                (
                    dir.path().join(format!("{i}.pem")),
                    vec![b'a' + i as u8; 3000],
                )
            })
            .collect();
        let pending: Vec<Pending<'_>> = files
            .iter()
            .map(|(path, bytes)| Pending::public(path.clone(), bytes))
            .collect();
        write_all_with(&pending, Durability::Filesystem).unwrap();
        for (path, bytes) in &files {
            assert_eq!(&fs::read(path).unwrap(), bytes);
            assert_eq!(fs::metadata(path).unwrap().mode() & 0o777, PUBLIC_MODE);
        }
        // Only the 20 files: no temp file left.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 20);
        let log = dir.path().join("log");
        append(&log, b"one\n", Some(0o640), Durability::Filesystem).unwrap();
        append(&log, b"two\n", None, Durability::Filesystem).unwrap();
        sync_filesystem(dir.path()).unwrap();
        assert_eq!(fs::read(&log).unwrap(), b"one\ntwo\n");
        let removed = remove_all(
            &[files[0].0.clone(), dir.path().join("never")],
            Durability::Filesystem,
        )
        .unwrap();
        assert_eq!(removed, [true, false]);
    }

    /// Filesystems whose `syncfs` is not known to cover every write, and a directory that
    /// cannot be looked at, get a sync per file.
    #[test]
    fn only_known_filesystems_are_synced_whole() {
        assert_eq!(Durability::of(&[Path::new("/proc")]), Durability::EachFile);
        assert_eq!(
            Durability::of(&[Path::new("/nonexistent/cadir")]),
            Durability::EachFile
        );
        // A directory on another filesystem than the first.
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Durability::of(&[dir.path(), Path::new("/proc/self")]),
            Durability::EachFile
        );
    }
}
