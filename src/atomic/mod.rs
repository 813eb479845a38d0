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

use crate::error::FileError;

mod durability;

pub(crate) use durability::{discard, publish, stage_all, sync_filesystem, Durability};

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
pub(crate) fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FileError> {
    write_all(&[Pending {
        path: path.to_path_buf(),
        bytes,
        mode,
    }])
}

/// Write several files with one fsync per file and one per directory (group commit): all temp
/// files are written and synced first ([`stage_all`]), then renamed, then each directory is
/// synced once ([`publish`]).
pub(crate) fn write_all(files: &[Pending<'_>]) -> Result<(), FileError> {
    write_all_with(files, Durability::EachFile)
}

/// [`write_all`] made durable as `durability` says: with [`Durability::Filesystem`], the temp
/// files are written, the filesystem synced, the files renamed and the filesystem synced again
/// (two syncs whatever the number of files).
pub(crate) fn write_all_with(
    files: &[Pending<'_>],
    durability: Durability,
) -> Result<(), FileError> {
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
) -> Result<(), FileError> {
    let Some(mut file) = open_spare(spare, mode) else {
        return write(path, bytes, mode);
    };
    // Over the old content, then cut to length: the inode keeps its data block.
    std::os::unix::fs::FileExt::write_all_at(&file, bytes, 0)
        .and_then(|()| file.set_len(bytes.len() as u64))
        .and_then(|()| file.sync_data())
        .and_then(|()| file.flush())
        .map_err(|e| FileError::io("write", spare, e))?;
    drop(file);
    if !exchange(spare, path) {
        fs::rename(spare, path).map_err(|e| FileError::io("rename into", path, e))?;
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
) -> Result<(), FileError> {
    let opened = OpenOptions::new().append(true).open(path);
    let mut file = match (opened, create_mode) {
        (Ok(file), _) => file,
        (Err(e), Some(mode)) if e.kind() == ErrorKind::NotFound => create_for_append(path, mode)?,
        (Err(e), _) => return Err(FileError::io("open", path, e)),
    };
    file.write_all(bytes)
        .and_then(|()| match durability {
            Durability::EachFile => file.sync_data(),
            Durability::Filesystem | Durability::Unsynced => Ok(()),
        })
        .map_err(|e| FileError::io("append to", path, e))
}

/// Create `path` empty with `mode` for [`append`]; a file made meanwhile by someone else is
/// opened instead.
fn create_for_append(path: &Path, mode: u32) -> Result<File, FileError> {
    let created = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(mode)
        .open(path);
    match created {
        Ok(file) => {
            // The umask may have narrowed `mode`; set it exactly.
            file.set_permissions(Permissions::from_mode(mode))
                .map_err(|e| FileError::io("set the mode of", path, e))?;
            give_to_parent_owner(path)?;
            sync_directory(&parent(path))?;
            Ok(file)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| FileError::io("open", path, e)),
        Err(e) => Err(FileError::io("create", path, e)),
    }
}

/// Create `path` with `bytes`, refusing to replace an existing file (for private keys).
pub(crate) fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FileError> {
    let (temp, handle) = stage(&Pending {
        path: path.to_path_buf(),
        bytes,
        mode,
    })?;
    if let Err(error) = handle.sync_all() {
        let _ = fs::remove_file(&temp);
        return Err(FileError::io("write", path, error));
    }
    // hard_link fails when the target exists: an atomic "rename unless present".
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => sync_directory(&parent(path)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(FileError::exists(path)),
        Err(e) => Err(FileError::io("create", path, e)),
    }
}

/// Make `directory` (and parents) with `mode` when missing.
pub(crate) fn ensure_directory(directory: &Path, mode: u32) -> Result<(), FileError> {
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
        Err(e) => return Err(FileError::io("create directory", directory, e)),
    }
    fs::set_permissions(directory, Permissions::from_mode(mode))
        .map_err(|e| FileError::io("set the mode of", directory, e))?;
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
) -> Result<Vec<bool>, FileError> {
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
                failure = Some(FileError::io("remove", path, e));
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
pub(crate) fn remove(path: &Path) -> Result<bool, FileError> {
    match fs::remove_file(path) {
        Ok(()) => {
            sync_directory(&parent(path))?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileError::io("remove", path, e)),
    }
}

/// The bytes of `path`; `None` when there is no such file.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FileError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError::io("read", path, e)),
    }
}

/// Whether a file name is one of our temp files (`.NAME.tmp-PID-N`).
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Write `file`'s content to a new temp file beside it (not synced yet), with its mode and
/// owner; the temp file's path and its open handle.
fn stage(file: &Pending<'_>) -> Result<(PathBuf, File), FileError> {
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
            Err(e) => return Err(FileError::io("write", &file.path, e)),
        };
        let written = (|| -> std::io::Result<()> {
            // The umask may have narrowed `mode`; set it exactly.
            handle.set_permissions(Permissions::from_mode(file.mode))?;
            handle.write_all(file.bytes)
        })();
        let owned = written
            .map_err(|e| FileError::io("write", &file.path, e))
            .and_then(|()| give_to_parent_owner(&temp));
        if let Err(error) = owned {
            let _ = fs::remove_file(&temp);
            return Err(error);
        }
        return Ok((temp, handle));
    }
}

/// When running as root and the directory belongs to another user, chown to that user and group.
fn give_to_parent_owner(path: &Path) -> Result<(), FileError> {
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
        .map_err(|e| FileError::io("change the owner of", path, e))
}

/// Make what was renamed into or removed from `directory` durable.
pub(crate) fn sync_directory(directory: &Path) -> Result<(), FileError> {
    File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(|e| FileError::io("sync", directory, e))
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
mod tests;
