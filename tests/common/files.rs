//! A directory's bytes and modes: snapshots to prove a refusal changed nothing, copies of
//! fixtures, and small readers.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Path (relative) -> (bytes, mode); directories have `None` bytes.
pub type Snapshot = BTreeMap<PathBuf, (Option<Vec<u8>>, u32)>;

/// Snapshot every entry under `root` (missing root: empty).
pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(relative, (None, mode));
                walk(root, &path, out);
            } else {
                out.insert(relative, (Some(fs::read(&path).unwrap()), mode));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// A CA directory snapshot without `audit.log` (which records refusals too).
pub fn without_audit(mut snapshot: Snapshot) -> Snapshot {
    snapshot.remove(Path::new("audit.log"));
    snapshot
}

/// Assert two snapshots are equal, naming the first difference. The one change allowed is the
/// audit trail (`audit.log`) gaining lines that record refusals: a refusal is a decision, and
/// the audit trail records every decision.
pub fn assert_same(before: &Snapshot, after: &Snapshot, what: &str) {
    let audit = Path::new("audit.log");
    if let Some((Some(grown), _)) = after.get(audit) {
        let old: &[u8] = match before.get(audit) {
            Some((Some(bytes), _)) => bytes,
            _ => b"",
        };
        assert!(
            grown.starts_with(old),
            "{what}: audit.log was rewritten, not appended to"
        );
        let added = String::from_utf8_lossy(&grown[old.len()..]).into_owned();
        for line in added.lines() {
            assert!(
                line.contains("\"decision\":\"refused\""),
                "{what}: audit.log gained a line that is not a refusal: {line}"
            );
        }
    }
    for (path, entry) in before {
        if path == audit {
            continue;
        }
        match after.get(path) {
            None => panic!("{what}: {} disappeared", path.display()),
            Some(other) if other != entry => {
                panic!("{what}: {} changed (bytes or mode)", path.display())
            }
            _ => {}
        }
    }
    for path in after.keys() {
        assert!(
            before.contains_key(path) || path == audit,
            "{what}: {} appeared",
            path.display()
        );
    }
}

/// Copy a directory tree, making every copy writable by its owner (fixtures are 0444).
pub fn copy_writable(source: &Path, target: &Path) {
    fs::create_dir_all(target).unwrap();
    for entry in fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = target.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_writable(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
        }
        let mode = fs::metadata(&to).unwrap().permissions().mode();
        fs::set_permissions(&to, fs::Permissions::from_mode(mode | 0o200)).unwrap();
    }
}

/// Mode bits of a path.
pub fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Contents of a text file.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
