//! Crash-safe writes: what each way of writing leaves behind.

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
        Err(FileError::Exists { .. })
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
        Err(FileError::Io { action: "open", .. })
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
