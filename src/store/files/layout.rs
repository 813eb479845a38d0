//! Where everything is in a CA directory in Puppet's layout ([`Layout`]): the names of its
//! files and directories, their modes, what makes a CA complete, the name of an archived
//! chain, and reading it all ([`Read`], without the lock: the caller holds it or reads files
//! that are only ever replaced whole). Writing is `transaction`'s, `serials`' and `bulk`'s.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::atomic::{self, read_optional, Durability, Pending};
use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::{Crl, Revocation};
use crate::error::StoreError;
use crate::store::{inventory, Infra, Item, Presence, Read};

/// The CA's private keys in a CA directory, the issuing CA's then a chained CA's root's
/// (Puppet's names). They are not store data (each node keeps its own, beside the records of a
/// files store, see [`crate::ca::KeyDirectory`]), so the files store leaves them alone.
pub const KEY_FILES: [&str; 2] = ["ca_key.pem", "root_key.pem"];

/// The files a complete CA must have (puppetserver refuses to start on a partial set).
pub(super) const REQUIRED: [&str; 5] = [
    "ca_crt.pem",
    KEY_FILES[0],
    "ca_crl.pem",
    "serial",
    "inventory.txt",
];

/// Mode of the hidden files of records that are not CA data (the console's sessions, the
/// enrolment tokens): hashes only, but nobody else's business.
const RECORDS_MODE: u32 = 0o600;

/// Mode of the CA directory when this store creates it.
pub(super) const CADIR_MODE: u32 = 0o750;

/// Mode of `audit.log`: the CA's group may read it, others not.
pub(super) const AUDIT_MODE: u32 = 0o640;

/// `ca_crt.pem.<time>`: where the chain replaced at `time` is kept (ISO 8601 basic format, UTC:
/// sorts by time, no characters a shell or scp would mind).
pub(super) fn archive_name(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "ca_crt.pem.{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Where everything is in the CA directory, and reading it.
#[derive(Debug)]
pub(super) struct Layout {
    /// The CA directory.
    pub(super) cadir: PathBuf,
}

/// Directories of the CA that hold files written atomically (and so, after a crash, may hold
/// stale temp files).
const WRITTEN_DIRECTORIES: [&str; 3] = ["", "requests", "signed"];

impl Layout {
    /// The lines of the hidden file `file` of records, one JSON object a line (none when the
    /// file is missing; a line that does not parse is dropped).
    pub(super) fn read_records<L: DeserializeOwned>(
        &self,
        file: &str,
    ) -> Result<Vec<L>, StoreError> {
        let Some(bytes) = read_optional(&self.path(file))? else {
            return Ok(Vec::new());
        };
        Ok(String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|line| serde_json::from_str::<L>(line).ok())
            .collect())
    }

    /// Replace the hidden file `file` with `lines`, one JSON object a line, mode 0600,
    /// atomically (under the CA directory's lock), made durable `durability`'s way.
    pub(super) fn write_records<L: Serialize>(
        &self,
        file: &str,
        lines: impl Iterator<Item = L>,
        durability: Durability,
    ) -> Result<(), StoreError> {
        let mut text = String::new();
        for line in lines {
            text.push_str(&serde_json::to_string(&line).unwrap_or_default());
            text.push('\n');
        }
        Ok(atomic::write_all_with(
            &[Pending {
                path: self.path(file),
                bytes: text.as_bytes(),
                mode: RECORDS_MODE,
            }],
            durability,
        )?)
    }

    pub(super) fn path(&self, file: &str) -> PathBuf {
        self.cadir.join(file)
    }

    pub(super) fn path_of(&self, item: &Item) -> PathBuf {
        match item {
            Item::Audit => self.path("audit.log"),
            Item::CaChain => self.path("ca_crt.pem"),
            Item::CaChainArchive(time) => self.path(&archive_name(*time)),
            Item::Crl => self.path("ca_crl.pem"),
            Item::Inventory => self.path("inventory.txt"),
            Item::Request(name) => self.path("requests").join(name.file_name()),
            Item::Serial => self.path("serial"),
            Item::Signed(name) => self.path("signed").join(name.file_name()),
        }
    }

    pub(super) fn read(&self, file: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(file);
        fs::read(&path).map_err(|e| StoreError::io("read", &path, e))
    }

    /// The inventory as text, every line (for the check, which must see malformed lines too).
    pub(super) fn inventory_text(&self) -> Result<String, StoreError> {
        let text = self.read("inventory.txt")?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// Temp files (`.NAME.tmp-*`) in the CA directory, `requests/` and `signed/`: what a writer
    /// killed between writing and renaming leaves behind.
    pub(super) fn temp_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut found = Vec::new();
        for directory in WRITTEN_DIRECTORIES {
            let directory = self.path(directory);
            let entries = match fs::read_dir(&directory) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("list", &directory, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io("list", &directory, e))?;
                if atomic::is_temp_name(&entry.file_name().to_string_lossy()) {
                    found.push(entry.path());
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

impl Read for Layout {
    fn presence(&self) -> Result<Presence, StoreError> {
        let missing: Vec<&'static str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !self.path(f).exists())
            .collect();
        Ok(match missing.len() {
            0 => Presence::Complete,
            n if n == REQUIRED.len() => Presence::Absent,
            _ if missing == [KEY_FILES[0]] => Presence::WithoutKey,
            _ => Presence::Partial(missing),
        })
    }

    fn ca_chain_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.read("ca_crt.pem")
    }

    fn crl_pem(&self) -> Result<Vec<u8>, StoreError> {
        self.read("ca_crl.pem")
    }

    fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        let path = self.path("ca_crl.pem");
        let corrupt = |reason: String| StoreError::Corrupt {
            what: path.display().to_string(),
            reason,
        };
        let pem = self.crl_pem()?;
        let crls = Crl::chain_from_pem(&path.display().to_string(), &pem)
            .map_err(|e| corrupt(e.to_string()))?;
        crls.into_iter()
            .next()
            .map(|crl| crl.revoked)
            .ok_or_else(|| corrupt("it holds no CRL".into()))
    }

    fn next_serial(&self) -> Result<Serial, StoreError> {
        let text = self.read("serial")?;
        let text = String::from_utf8_lossy(&text);
        u128::from_str_radix(text.trim(), 16)
            .map(Serial)
            .map_err(|_| StoreError::Corrupt {
                what: self.path("serial").display().to_string(),
                reason: format!("expected a hex serial, found {:?}", text.trim()),
            })
    }

    fn inventory(&self) -> Result<Vec<inventory::Line>, StoreError> {
        Ok(inventory::parse(&self.inventory_text()?))
    }

    fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(read_optional(
            &self.path("requests").join(name.file_name()),
        )?)
    }

    fn signed(&self, name: &Certname) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(read_optional(&self.path("signed").join(name.file_name()))?)
    }

    fn request_names(&self) -> Result<Vec<Certname>, StoreError> {
        list_names(&self.path("requests"))
    }

    fn signed_names(&self) -> Result<Vec<Certname>, StoreError> {
        list_names(&self.path("signed"))
    }

    fn audit(&self) -> Result<String, StoreError> {
        Ok(read_optional(&self.path("audit.log"))?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default())
    }

    fn infra(&self) -> Result<Infra, StoreError> {
        super::infra::read(self)
    }
}

/// Names of the `NAME.pem` files in `directory`, sorted; files whose names are not certnames
/// are skipped.
pub(super) fn list_names(directory: &Path) -> Result<Vec<Certname>, StoreError> {
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", directory, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", directory, e))?;
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|f| f.strip_suffix(".pem")) else {
            continue;
        };
        if let Ok(name) = Certname::parse(stem) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
