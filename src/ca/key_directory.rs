//! The CA's private keys on this node: `ca_key.pem` (the issuing CA's) and, for a chained CA
//! made by `cert setup`, `root_key.pem`, in the node's CA directory whatever store holds the
//! rest of the CA. They are not store data: no store ever holds them, and each signing node
//! keeps its own copy (handed over with `cert export --ca-standby`). Written once, with
//! `create_new` and mode 0640 (the CA's group may read them, as puppetserver's layout wants),
//! never replaced. What the keys sign is [`crate::authority`]'s.

use std::path::{Path, PathBuf};

use crate::atomic::{self, read_optional};
use crate::error::{Error, FileError};
use crate::keys::PrivateKey;
use crate::store::files::KEY_FILES;
use crate::tree::TreeFile;

/// Mode of the CA's keys: Puppet's group-readable layout (puppetserver runs as its own group).
const KEY_MODE: u32 = 0o640;

/// Mode of the directory when it is made for the keys.
const DIRECTORY_MODE: u32 = 0o750;

/// Mode of the keys in a standby copy (written by `cert export`, owned by whoever extracts it).
const STANDBY_MODE: u32 = 0o600;

/// The directory holding this node's CA keys (the `cadir` setting).
#[derive(Debug, Clone)]
pub struct KeyDirectory {
    directory: PathBuf,
}

impl KeyDirectory {
    /// The keys in `directory`, which need not exist yet.
    pub fn new(directory: &Path) -> KeyDirectory {
        KeyDirectory {
            directory: directory.to_path_buf(),
        }
    }

    /// Where the issuing CA's key is (for messages).
    pub fn ca_key_path(&self) -> PathBuf {
        self.directory.join(KEY_FILES[0])
    }

    /// The issuing CA's key.
    pub fn ca_key(&self) -> Result<PrivateKey, Error> {
        let path = self.ca_key_path();
        let pem = std::fs::read(&path).map_err(|e| FileError::io("read", &path, e))?;
        Ok(PrivateKey::from_pem(&path.display().to_string(), &pem)?)
    }

    /// Where the root CA's key of a chained CA is (for messages).
    pub fn root_key_path(&self) -> PathBuf {
        self.directory.join(KEY_FILES[1])
    }

    /// The root CA's key of a chained CA, when this node has it (`cert setup` and
    /// puppetserver write it; an imported CA or a standby without it has none).
    pub fn root_key(&self) -> Result<Option<PrivateKey>, Error> {
        let path = self.root_key_path();
        match read_optional(&path)? {
            Some(pem) => Ok(Some(PrivateKey::from_pem(
                &path.display().to_string(),
                &pem,
            )?)),
            None => Ok(None),
        }
    }

    /// Write the keys of a new CA (the root's first); refused when one is there already.
    pub fn create(&self, ca_key_pem: &[u8], root_key_pem: Option<&[u8]>) -> Result<(), Error> {
        atomic::ensure_directory(&self.directory, DIRECTORY_MODE)?;
        if let Some(root_key_pem) = root_key_pem {
            atomic::create_new(&self.directory.join(KEY_FILES[1]), root_key_pem, KEY_MODE)?;
        }
        atomic::create_new(&self.ca_key_path(), ca_key_pem, KEY_MODE)?;
        Ok(())
    }

    /// The keys there are, as files of a standby copy (relative paths, mode 0600).
    pub fn standby_files(&self) -> Result<Vec<TreeFile>, Error> {
        let mut files = Vec::new();
        for file in KEY_FILES {
            if let Some(bytes) = read_optional(&self.directory.join(file))? {
                files.push(TreeFile {
                    path: file.to_owned(),
                    bytes,
                    mode: STANDBY_MODE,
                });
            }
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::keys::KeySpec;

    #[test]
    fn keys_are_written_once_group_readable_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeyDirectory::new(&dir.path().join("ca"));
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let pem = key.to_pem().unwrap();
        keys.create(&pem, Some(b"root")).unwrap();
        assert_eq!(keys.ca_key().unwrap().to_pem().unwrap(), pem);
        let mode = std::fs::metadata(keys.ca_key_path()).unwrap().mode() & 0o777;
        assert_eq!(mode, KEY_MODE);
        assert!(matches!(
            keys.create(&pem, None),
            Err(Error::File(FileError::Exists { .. }))
        ));
        let standby = keys.standby_files().unwrap();
        let paths: Vec<&str> = standby.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["ca_key.pem", "root_key.pem"]);
        assert!(standby.iter().all(|f| f.mode == STANDBY_MODE));
    }
}
