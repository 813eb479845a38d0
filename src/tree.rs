//! A tree of files with modes (an export bundle, a copy of the CA directory) and writing it, all
//! or nothing, to a new directory or a `.tar.gz`.
//!
//! A directory is built in a temp directory beside the output, every file synced, then renamed
//! into place (with `force`, the old tree is renamed away first and removed after); a tarball
//! is built in memory and written atomically (`crate::atomic`). An existing output is refused
//! unless `force`. [`update_files`] instead replaces some files inside an existing tree (a fresh
//! CRL in a live bundle), each atomically, and leaves the rest. What goes into a tree is
//! [`crate::export`]'s business, not this module's.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::atomic::{self, parent, sync_directory};
use crate::error::FileError;
use crate::progress::{Progress, Stage};

/// One file of a tree: of an export bundle, or of the CA standby copy a store gives ([`crate::store::Snapshot::standby_files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the bundle root, `/`-separated, no `..`.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Mode, e.g. `0o600`.
    pub mode: u32,
}

/// Mode of the directories of a bundle whose name is given; `private_keys/` is 0750 like
/// Puppet's, the rest 0755.
fn directory_mode(relative: &Path) -> u32 {
    if relative.file_name().and_then(|n| n.to_str()) == Some("private_keys") {
        0o750
    } else {
        0o755
    }
}

/// Write `files` as a new directory tree at `out`; refuses an existing `out` unless `force`.
pub fn write_tree(out: &Path, files: &[TreeFile], force: bool) -> Result<(), FileError> {
    check_relative(files)?;
    if fs::symlink_metadata(out).is_ok() && !force {
        return Err(FileError::exists(out));
    }
    let parent = parent(out);
    if !parent.is_dir() {
        return Err(FileError::Io {
            action: "write into",
            path: parent,
            reason: "no such directory".into(),
        });
    }
    let temp = sibling(out, "tmp");
    DirBuilder::new()
        .mode(0o700)
        .create(&temp)
        .map_err(|e| FileError::io("create directory", &temp, e))?;
    if let Err(error) = fill(&temp, files) {
        let _ = fs::remove_dir_all(&temp);
        return Err(error);
    }
    // Built private (0700) so nobody reads a half-made tree; the finished one is 0755.
    let result = fs::set_permissions(&temp, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .map_err(|e| FileError::io("set the mode of", &temp, e))
        .and_then(|()| replace(&temp, out, force));
    if result.is_err() {
        let _ = fs::remove_dir_all(&temp);
    }
    result
}

/// Replace or add `files` inside the existing directory tree `out`, leaving every other file
/// as it is: each file is written to a temp file beside it and synced, then all are renamed
/// into place and their directories synced, so a reader sees each file old or new, never torn
/// (a missing directory on their path is made).
pub fn update_files(out: &Path, files: &[TreeFile]) -> Result<(), FileError> {
    check_relative(files)?;
    if !fs::symlink_metadata(out).is_ok_and(|m| m.is_dir()) {
        return Err(FileError::Io {
            action: "update",
            path: out.to_path_buf(),
            reason: "not a directory".into(),
        });
    }
    let mut pending = Vec::with_capacity(files.len());
    for file in files {
        let target = out.join(&file.path);
        let mut built = out.to_path_buf();
        if let Some(up) = Path::new(&file.path).parent() {
            for component in up.components() {
                built.push(component);
                atomic::ensure_directory(&built, directory_mode(Path::new(component.as_os_str())))?;
            }
        }
        pending.push(atomic::Pending {
            path: target,
            bytes: &file.bytes,
            mode: file.mode,
        });
    }
    atomic::write_all(&pending)
}

/// The file at `relative` inside the tree `out`, if there is one.
pub fn read_file(out: &Path, relative: &str) -> Result<Option<Vec<u8>>, FileError> {
    atomic::read_optional(&out.join(relative))
}

/// Write `files` as a gzip-compressed tar file at `out` (entries owned by root, `mtime` in
/// seconds since the epoch); refuses an existing `out` unless `force`. Each file packed is
/// reported to `progress` ([`Stage::Pack`]).
pub fn write_tar(
    out: &Path,
    files: &[TreeFile],
    mtime: u64,
    force: bool,
    progress: &dyn Progress,
) -> Result<(), FileError> {
    check_relative(files)?;
    progress.start(Stage::Pack, files.len() as u64);
    let packed = tar_gz(files, mtime, progress);
    progress.finish();
    let bytes = packed.map_err(|e| FileError::io("write", out, e))?;
    // The tarball holds private keys: 0600 like the keys themselves.
    if force {
        atomic::write(out, &bytes, 0o600)
    } else {
        atomic::create_new(out, &bytes, 0o600)
    }
}

fn tar_gz(files: &[TreeFile], mtime: u64, progress: &dyn Progress) -> std::io::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    let mut directories: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = Path::new(&file.path);
        let mut ancestors: Vec<&Path> = path
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
            .collect();
        ancestors.reverse();
        for directory in ancestors {
            if directories.iter().any(|d| d == directory) {
                continue;
            }
            directories.push(directory.to_path_buf());
            let mut header = header(tar::EntryType::Directory, directory_mode(directory), mtime);
            builder.append_data(&mut header, directory, std::io::empty())?;
        }
        let mut header = header(tar::EntryType::Regular, file.mode, mtime);
        header.set_size(file.bytes.len() as u64);
        builder.append_data(&mut header, path, file.bytes.as_slice())?;
        progress.advance(1);
    }
    builder.into_inner()?.finish()
}

fn header(kind: tar::EntryType, mode: u32, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    header.set_size(0);
    header
}

/// Every path must stay inside the bundle.
fn check_relative(files: &[TreeFile]) -> Result<(), FileError> {
    for file in files {
        let path = Path::new(&file.path);
        if file.path.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(FileError::Io {
                action: "place",
                path: path.to_path_buf(),
                reason: "a bundle path must be relative and stay inside the bundle".into(),
            });
        }
    }
    Ok(())
}

fn fill(root: &Path, files: &[TreeFile]) -> Result<(), FileError> {
    let mut directories = vec![root.to_path_buf()];
    for file in files {
        let relative = Path::new(&file.path);
        let target = root.join(relative);
        if let Some(up) = relative.parent() {
            let mut built = PathBuf::new();
            for component in up.components() {
                built.push(component);
                let directory = root.join(&built);
                if directory.is_dir() {
                    continue;
                }
                DirBuilder::new()
                    .mode(directory_mode(&built))
                    .create(&directory)
                    .map_err(|e| FileError::io("create directory", &directory, e))?;
                directories.push(directory);
            }
        }
        let mut handle: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(file.mode)
            .open(&target)
            .map_err(|e| FileError::io("write", &target, e))?;
        handle
            .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(file.mode))
            .and_then(|()| handle.write_all(&file.bytes))
            .and_then(|()| handle.sync_all())
            .map_err(|e| FileError::io("write", &target, e))?;
    }
    for directory in directories.iter().rev() {
        sync_directory(directory)?;
    }
    Ok(())
}

/// Move the finished `temp` tree to `out`, replacing an old tree when `force`.
fn replace(temp: &Path, out: &Path, force: bool) -> Result<(), FileError> {
    let old = if force && fs::symlink_metadata(out).is_ok() {
        let old = sibling(out, "old");
        fs::rename(out, &old).map_err(|e| FileError::io("move away", out, e))?;
        Some(old)
    } else {
        None
    };
    if let Err(e) = fs::rename(temp, out) {
        if let Some(old) = &old {
            let _ = fs::rename(old, out);
        }
        return Err(FileError::io("rename into", out, e));
    }
    sync_directory(&parent(out))?;
    if let Some(old) = old {
        let removed = if old.is_dir() {
            fs::remove_dir_all(&old)
        } else {
            fs::remove_file(&old)
        };
        removed.map_err(|e| FileError::io("remove", &old, e))?;
    }
    Ok(())
}

fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    parent(out).join(format!(".{name}.{what}-{}-{nanos}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn files() -> Vec<TreeFile> {
        vec![
            TreeFile {
                path: "certs/a.pem".into(),
                bytes: b"cert".to_vec(),
                mode: 0o644,
            },
            TreeFile {
                path: "private_keys/a.pem".into(),
                bytes: b"key".to_vec(),
                mode: 0o600,
            },
        ]
    }

    #[test]
    fn writes_a_tree_refuses_to_overwrite_and_replaces_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle");
        write_tree(&out, &files(), false).unwrap();
        assert_eq!(fs::read(out.join("certs/a.pem")).unwrap(), b"cert");
        let key = fs::metadata(out.join("private_keys/a.pem")).unwrap();
        assert_eq!(key.mode() & 0o777, 0o600);
        let keys = fs::metadata(out.join("private_keys")).unwrap();
        assert_eq!(keys.mode() & 0o777, 0o750);
        assert!(matches!(
            write_tree(&out, &files(), false),
            Err(FileError::Exists { .. })
        ));
        let mut other = files();
        other[0].bytes = b"new".to_vec();
        write_tree(&out, &other, true).unwrap();
        assert_eq!(fs::read(out.join("certs/a.pem")).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no leftovers");
    }

    #[test]
    fn failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle");
        let mut bad = files();
        bad.push(bad[0].clone()); // the same path twice: create_new fails
        assert!(write_tree(&out, &bad, false).is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let escape = vec![TreeFile {
            path: "../x".into(),
            bytes: Vec::new(),
            mode: 0o644,
        }];
        assert!(write_tree(&out, &escape, false).is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A few files replaced inside a live tree; the others untouched.
    #[test]
    fn update_replaces_only_the_files_given() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle");
        write_tree(&out, &files(), false).unwrap();
        let update = vec![TreeFile {
            path: "ca/crl.pem".into(),
            bytes: b"crl".to_vec(),
            mode: 0o644,
        }];
        update_files(&out, &update).unwrap();
        assert_eq!(fs::read(out.join("ca/crl.pem")).unwrap(), b"crl");
        assert_eq!(fs::read(out.join("certs/a.pem")).unwrap(), b"cert");
        assert_eq!(fs::read(out.join("private_keys/a.pem")).unwrap(), b"key");
        assert_eq!(fs::read_dir(&out).unwrap().count(), 3, "no temp files left");
        assert!(update_files(&dir.path().join("missing"), &update).is_err());
    }

    #[test]
    fn tarball_holds_every_file_with_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("b.tar.gz");
        write_tar(&out, &files(), 0, false, &crate::progress::Silent).unwrap();
        assert!(write_tar(&out, &files(), 0, false, &crate::progress::Silent).is_err());
        let decoder = flate2::read::GzDecoder::new(File::open(&out).unwrap());
        let mut archive = tar::Archive::new(decoder);
        let entries: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        assert!(entries.contains(&("private_keys/a.pem".into(), 0o600)));
        assert!(entries.contains(&("certs/a.pem".into(), 0o644)));
        assert!(entries.contains(&("private_keys".into(), 0o750)));
    }
}
