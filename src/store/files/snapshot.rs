//! The files backend's read-only view: the CA directory under its lock, exactly as it is (a
//! killed writer's temp files are reported, not removed). What only this layout can get wrong
//! is checked here: temp files left behind, a `serial` file that does not parse, inventory
//! lines not in Puppet's format. The invariants every store shares are `crate::ca`'s
//! (`Ca::check`). Also the standby copy: every file of the directory.

use std::fs::{self, File};
use std::path::Path;

use crate::atomic::PUBLIC_MODE;
use crate::error::StoreError;
use crate::store::{inventory, BackendSnapshot, Item, Problem, Read, Records};
use crate::tree::TreeFile;

use super::Layout;

/// A CA directory under its lock, read only.
pub(super) struct FilesSnapshot<'a> {
    layout: &'a Layout,
    /// The lock: released when dropped.
    _lock: File,
}

impl<'a> FilesSnapshot<'a> {
    pub(super) fn new(layout: &'a Layout, lock: File) -> FilesSnapshot<'a> {
        FilesSnapshot {
            layout,
            _lock: lock,
        }
    }
}

impl Read for FilesSnapshot<'_> {
    crate::store::read::through!(layout);
}

impl BackendSnapshot for FilesSnapshot<'_> {
    fn problems(&self) -> Result<Vec<Problem>, StoreError> {
        let mut problems = Vec::new();
        for path in self.layout.temp_files()? {
            problems.push(Problem {
                what: path.display().to_string(),
                reason: "temp file left behind by an interrupted write".into(),
            });
        }
        if let Err(error) = self.layout.next_serial() {
            problems.push(Problem {
                what: self.layout.path_of(&Item::Serial).display().to_string(),
                reason: error.to_string(),
            });
        }
        let what = self.layout.path_of(&Item::Inventory).display().to_string();
        for (number, text) in self.layout.inventory_text()?.lines().enumerate() {
            if inventory::Line::parse(text).is_none() {
                problems.push(Problem {
                    what: what.clone(),
                    reason: format!("line {} is not in Puppet's format: {text:?}", number + 1),
                });
            }
        }
        Ok(problems)
    }

    fn standby_files(&self) -> Result<Vec<TreeFile>, StoreError> {
        let mut files = Vec::new();
        collect(&self.layout.cadir, Path::new(""), &mut files)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn records(&self) -> Result<Records, StoreError> {
        super::bulk::records(self.layout)
    }

    fn left_behind(&self) -> Result<Vec<String>, StoreError> {
        super::bulk::left_behind(self.layout)
    }
}

/// Every file under `root/relative`, paths relative to `root`; dot files (temp files) skipped,
/// keys (`*_key.pem`) mode 0600.
fn collect(root: &Path, relative: &Path, out: &mut Vec<TreeFile>) -> Result<(), StoreError> {
    let directory = root.join(relative);
    let entries = fs::read_dir(&directory).map_err(|e| StoreError::io("list", &directory, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", &directory, e))?;
        let name = entry.file_name();
        let Some(text) = name.to_str() else { continue };
        if text.starts_with('.') {
            continue;
        }
        let path = relative.join(text);
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::io("read", &entry.path(), e))?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() {
            let bytes =
                fs::read(entry.path()).map_err(|e| StoreError::io("read", &entry.path(), e))?;
            let mode = if text.ends_with("_key.pem") {
                0o600
            } else {
                PUBLIC_MODE
            };
            out.push(TreeFile {
                path: path.to_string_lossy().into_owned(),
                bytes,
                mode,
            });
        }
    }
    Ok(())
}
