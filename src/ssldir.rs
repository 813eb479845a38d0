//! A host's ssldir in Puppet's layout: `certs/NAME.pem`, `certs/ca.pem`, `crl.pem`,
//! `private_keys/NAME.pem`, `public_keys/NAME.pem`, `certificate_requests/NAME.pem`, and the
//! `renewal/` files of `cert agent`.
//!
//! Written by `--generate`/`setup` and `cert serve` on the CA host (its own identity) and by
//! `cert agent`. Private keys are created with mode 0600 in a 0750 `private_keys/`, never
//! replaced unless asked; every other file is replaced atomically (`crate::atomic`), so an
//! interrupted agent leaves the old file or the new one. This is not CA storage (that is
//! [`crate::store`]) and it decides nothing about what it holds.

use std::path::{Path, PathBuf};

use crate::atomic::{self, read_optional, Pending, PUBLIC_MODE};
use crate::certname::Certname;
use crate::error::FileError;

/// Mode of host private keys.
pub const PRIVATE_KEY_MODE: u32 = 0o600;
/// Mode of the ssldir itself (Puppet's).
const ROOT_MODE: u32 = 0o771;
/// Mode of `private_keys/`.
const PRIVATE_KEYS_MODE: u32 = 0o750;
/// Mode of `renewal/`, which holds a key too.
const RENEWAL_MODE: u32 = 0o700;
/// Mode of the other directories.
const DIRECTORY_MODE: u32 = 0o755;

/// The files of an ssldir an agent refreshes from the CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustFile {
    /// `certs/ca.pem`.
    CaCertificate,
    /// `crl.pem`.
    Crl,
}

/// One host's ssldir.
#[derive(Debug, Clone)]
pub struct Ssldir {
    root: PathBuf,
}

impl Ssldir {
    /// The ssldir at `root` (need not exist).
    pub fn new(root: &Path) -> Ssldir {
        Ssldir {
            root: root.to_path_buf(),
        }
    }

    /// Its root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `private_keys/NAME.pem`.
    pub fn private_key_path(&self, name: &Certname) -> PathBuf {
        self.root.join("private_keys").join(name.file_name())
    }

    /// `certs/NAME.pem`.
    pub fn certificate_path(&self, name: &Certname) -> PathBuf {
        self.root.join("certs").join(name.file_name())
    }

    /// `certs/ca.pem`.
    pub fn ca_certificate_path(&self) -> PathBuf {
        self.root.join("certs").join("ca.pem")
    }

    /// `crl.pem`.
    pub fn crl_path(&self) -> PathBuf {
        self.root.join("crl.pem")
    }

    /// `public_keys/NAME.pem`.
    fn public_key_path(&self, name: &Certname) -> PathBuf {
        self.root.join("public_keys").join(name.file_name())
    }

    /// Make the ssldir and each of `directories` (relative, with their mode) when missing.
    fn ensure(&self, directories: &[(&str, u32)]) -> Result<(), FileError> {
        atomic::ensure_directory(&self.root, ROOT_MODE)?;
        for (directory, mode) in directories {
            atomic::ensure_directory(&self.root.join(directory), *mode)?;
        }
        Ok(())
    }

    /// Write a private key; refuses to replace one unless `replace`.
    pub fn write_private_key(
        &self,
        name: &Certname,
        pem: &[u8],
        replace: bool,
    ) -> Result<(), FileError> {
        self.ensure(&[("private_keys", PRIVATE_KEYS_MODE)])?;
        let path = self.private_key_path(name);
        if replace {
            atomic::write(&path, pem, PRIVATE_KEY_MODE)
        } else {
            atomic::create_new(&path, pem, PRIVATE_KEY_MODE)
        }
    }

    /// The host's public key and certificate as files to write (their directories made).
    fn host_files<'a>(
        &self,
        name: &Certname,
        public_key_pem: &'a [u8],
        certificate_pem: &'a [u8],
    ) -> Result<Vec<Pending<'a>>, FileError> {
        self.ensure(&[("certs", DIRECTORY_MODE), ("public_keys", DIRECTORY_MODE)])?;
        Ok(vec![
            Pending::public(self.public_key_path(name), public_key_pem),
            Pending::public(self.certificate_path(name), certificate_pem),
        ])
    }

    /// Write the public key, certificate, and the CA certificate and CRL a host needs.
    pub fn write_public(
        &self,
        name: &Certname,
        public_key_pem: &[u8],
        certificate_pem: &[u8],
        ca_pem: &[u8],
        crl_pem: &[u8],
    ) -> Result<(), FileError> {
        let mut files = self.host_files(name, public_key_pem, certificate_pem)?;
        files.push(Pending::public(self.ca_certificate_path(), ca_pem));
        files.push(Pending::public(self.crl_path(), crl_pem));
        atomic::write_all(&files)
    }

    /// Replace `crl.pem` with the CA's new CRL chain, when this ssldir has one; `false` when not.
    pub fn refresh_crl(&self, crl_pem: &[u8]) -> Result<bool, FileError> {
        let path = self.crl_path();
        if !path.is_file() {
            return Ok(false);
        }
        atomic::write(&path, crl_pem, PUBLIC_MODE)?;
        Ok(true)
    }

    /// Replace `certs/ca.pem` with the CA's re-issued chain, when this ssldir has one; `false`
    /// when not.
    pub fn refresh_ca_certificate(&self, chain_pem: &[u8]) -> Result<bool, FileError> {
        let path = self.ca_certificate_path();
        if !path.is_file() {
            return Ok(false);
        }
        atomic::write(&path, chain_pem, PUBLIC_MODE)?;
        Ok(true)
    }

    /// Replace the pinned CA bundle `certs/ca.pem` (the CA re-issued it with the same keys).
    pub fn write_ca_certificate(&self, chain_pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[("certs", DIRECTORY_MODE)])?;
        atomic::write(&self.ca_certificate_path(), chain_pem, PUBLIC_MODE)
    }

    /// `certificate_requests/NAME.pem`.
    pub fn request_path(&self, name: &Certname) -> PathBuf {
        self.root
            .join("certificate_requests")
            .join(name.file_name())
    }

    /// The pinned CA certificate bundle, when there is one.
    pub fn ca_certificate(&self) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.ca_certificate_path())
    }

    /// The CRL chain, when there is one.
    pub fn crl(&self) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.crl_path())
    }

    /// When `crl.pem` was last written (for `If-Modified-Since`).
    pub fn crl_modified(&self) -> Option<std::time::SystemTime> {
        std::fs::metadata(self.crl_path())
            .and_then(|m| m.modified())
            .ok()
    }

    /// When `certs/ca.pem` was last written (for `If-Modified-Since`).
    pub fn ca_certificate_modified(&self) -> Option<std::time::SystemTime> {
        std::fs::metadata(self.ca_certificate_path())
            .and_then(|m| m.modified())
            .ok()
    }

    /// Whether `file` was checked with the CA within `interval` before `now` (
    /// Puppet 8's `ca_refresh_interval`, `crl_refresh_interval`). A check is written as the
    /// file's status change (ctime): writing the file or [`Ssldir::mark_checked`] sets it,
    /// while its modification time stays the CA's version, which `If-Modified-Since` names.
    pub fn checked_within(
        &self,
        file: TrustFile,
        interval: std::time::Duration,
        now: std::time::SystemTime,
    ) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Ok(metadata) = std::fs::metadata(self.trust_file_path(file)) else {
            return false;
        };
        let Ok(seconds) = u64::try_from(metadata.ctime()) else {
            return false;
        };
        let checked = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        now.duration_since(checked)
            .map_or(true, |elapsed| elapsed < interval)
    }

    /// Record that `file` was checked with the CA now and is current (its contents and
    /// modification time kept; its status change time set).
    pub fn mark_checked(&self, file: TrustFile) -> Result<(), FileError> {
        let path = self.trust_file_path(file);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|handle| {
                let modified = handle.metadata()?.modified()?;
                handle.set_modified(modified)
            })
            .map_err(|e| FileError::io("date", &path, e))
    }

    fn trust_file_path(&self, file: TrustFile) -> PathBuf {
        match file {
            TrustFile::CaCertificate => self.ca_certificate_path(),
            TrustFile::Crl => self.crl_path(),
        }
    }

    /// Pin the CA certificate bundle and its CRL chain (`certs/ca.pem`, `crl.pem`).
    pub fn write_ca_and_crl(&self, ca_pem: &[u8], crl_pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[("certs", DIRECTORY_MODE)])?;
        atomic::write_all(&[
            Pending::public(self.ca_certificate_path(), ca_pem),
            Pending::public(self.crl_path(), crl_pem),
        ])
    }

    /// Date `crl.pem` with the CA's `Last-Modified`, so the next `If-Modified-Since` names
    /// the CA's version rather than the time we fetched it (a CRL changed on the CA in the
    /// same second as our fetch would otherwise be answered 304).
    pub fn set_crl_modified(&self, time: std::time::SystemTime) -> Result<(), FileError> {
        let path = self.crl_path();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(time))
            .map_err(|e| FileError::io("date", &path, e))
    }

    /// Replace `crl.pem`.
    pub fn write_crl(&self, crl_pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[])?;
        atomic::write(&self.crl_path(), crl_pem, PUBLIC_MODE)
    }

    /// Keep the CSR just submitted in `certificate_requests/NAME.pem`.
    pub fn write_request(&self, name: &Certname, pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[("certificate_requests", DIRECTORY_MODE)])?;
        atomic::write(&self.request_path(name), pem, PUBLIC_MODE)
    }

    /// Store the host's signed certificate and public key, then drop its request, as a Puppet
    /// agent does once the certificate arrives.
    pub fn write_certificate(
        &self,
        name: &Certname,
        public_key_pem: &[u8],
        certificate_pem: &[u8],
    ) -> Result<(), FileError> {
        atomic::write_all(&self.host_files(name, public_key_pem, certificate_pem)?)?;
        atomic::remove(&self.request_path(name))?;
        Ok(())
    }

    /// `renewal/NAME.key.pem`: the new key of a renewal done as a fresh enrollment (the CA
    /// has no `certificate_renewal`), kept apart until its certificate arrives so the current
    /// key and certificate stay usable. Puppet does not look into `renewal/`.
    pub fn renewal_key_path(&self, name: &Certname) -> PathBuf {
        self.root.join("renewal").join(format!("{name}.key.pem"))
    }

    /// `renewal/NAME.csr.pem`: the request submitted for the renewal key.
    pub fn renewal_request_path(&self, name: &Certname) -> PathBuf {
        self.root.join("renewal").join(format!("{name}.csr.pem"))
    }

    /// The renewal key, when a renewal is under way.
    pub fn renewal_key(&self, name: &Certname) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.renewal_key_path(name))
    }

    /// The renewal request, when one was submitted.
    pub fn renewal_request(&self, name: &Certname) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.renewal_request_path(name))
    }

    /// Keep a new renewal key (mode 0600 in a 0700 `renewal/`); never replaces one.
    pub fn write_renewal_key(&self, name: &Certname, pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[("renewal", RENEWAL_MODE)])?;
        atomic::create_new(&self.renewal_key_path(name), pem, PRIVATE_KEY_MODE)
    }

    /// Keep the request submitted for the renewal key.
    pub fn write_renewal_request(&self, name: &Certname, pem: &[u8]) -> Result<(), FileError> {
        self.ensure(&[("renewal", RENEWAL_MODE)])?;
        atomic::write(&self.renewal_request_path(name), pem, PUBLIC_MODE)
    }

    /// The renewal's certificate arrived: make its key, public key and certificate the
    /// host's, then drop the renewal files.
    pub fn promote_renewal(
        &self,
        name: &Certname,
        private_key_pem: &[u8],
        public_key_pem: &[u8],
        certificate_pem: &[u8],
    ) -> Result<(), FileError> {
        self.ensure(&[("private_keys", PRIVATE_KEYS_MODE)])?;
        let mut files = vec![Pending {
            path: self.private_key_path(name),
            bytes: private_key_pem,
            mode: PRIVATE_KEY_MODE,
        }];
        files.extend(self.host_files(name, public_key_pem, certificate_pem)?);
        atomic::write_all(&files)?;
        atomic::remove(&self.renewal_request_path(name))?;
        atomic::remove(&self.renewal_key_path(name))?;
        Ok(())
    }

    /// Whether a private key for `name` exists here.
    pub fn has_private_key(&self, name: &Certname) -> bool {
        self.private_key_path(name).exists()
    }

    /// Read the private key for `name`.
    pub fn private_key(&self, name: &Certname) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.private_key_path(name))
    }

    /// Read the request kept in `certificate_requests/NAME.pem`.
    pub fn request(&self, name: &Certname) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.request_path(name))
    }

    /// Read the certificate for `name`.
    pub fn certificate(&self, name: &Certname) -> Result<Option<Vec<u8>>, FileError> {
        read_optional(&self.certificate_path(name))
    }

    /// Remove every file of `name` (key, public key, certificate, request); returns what went.
    pub fn remove_host(&self, name: &Certname) -> Result<Vec<PathBuf>, FileError> {
        let mut removed = Vec::new();
        for directory in [
            "private_keys",
            "public_keys",
            "certs",
            "certificate_requests",
        ] {
            let path = self.root.join(directory).join(name.file_name());
            if atomic::remove(&path)? {
                removed.push(path);
            }
        }
        Ok(removed)
    }
}
