//! Export bundles: the files a master, balancer or agent needs, laid out as its ssldir, with a
//! README saying what goes where, a `MANIFEST` of SHA-256 checksums (`sha256sum -c` format),
//! and optionally a TLS front-end config fragment ([`fragment`]) and a PKCS#12 file.
//!
//! This module decides what is in a bundle; [`crate::tree`] writes it. The CA's
//! private key never goes into a host bundle: only [`ca_standby`] copies it (with what the
//! store gives a standby node: the whole CA directory for files), and only when asked for by
//! name.

pub mod fragment;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use openssl::hash::{hash, MessageDigest};
use openssl::pkcs12::Pkcs12;
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::atomic::PUBLIC_MODE;
use crate::ca::Ca;
use crate::certificate::pem_chain;
use crate::certname::Certname;
use crate::error::{Error, ExportError, KeyError, StoreError};
use crate::keys::PrivateKey;
use crate::ssldir::{Ssldir, PRIVATE_KEY_MODE};
use crate::store::Read;
use crate::tree::TreeFile;

pub use fragment::{FragmentOptions, Listen, Server, Upstream};

/// Puppet's default ssldir on the target (AIO packages), where a bundle goes by default.
pub const DEFAULT_TARGET_SSLDIR: &str = "/etc/puppetlabs/puppet/ssl";

/// What the target host is; decides where the CRL goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Puppet agent: `crl.pem`.
    Agent,
    /// A TLS-terminating balancer in front of the masters: `crl.pem`.
    Balancer,
    /// A compile master without the CA: `crl.pem` (Puppet 7's `hostcrl`) and `ca/ca_crl.pem`
    /// (what Puppet <= 6 masters and Passenger-era front ends read).
    Master,
}

impl Role {
    /// `agent`, `balancer`, `master`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Balancer => "balancer",
            Role::Master => "master",
        }
    }

    fn crl_paths(self) -> &'static [&'static str] {
        match self {
            Role::Agent | Role::Balancer => &["crl.pem"],
            Role::Master => &["crl.pem", "ca/ca_crl.pem"],
        }
    }
}

/// What to put in a host bundle.
#[derive(Debug, Clone)]
pub struct HostRequest {
    /// The host whose certificate and key are exported.
    pub name: Certname,
    /// What the host is.
    pub role: Role,
    /// Where the tree will sit on the target.
    pub target_ssldir: PathBuf,
    /// A server config fragment to add.
    pub fragment: Option<FragmentOptions>,
    /// Add `private_keys/NAME.p12` encrypted with this passphrase.
    pub pkcs12_passphrase: Option<String>,
}

/// A bundle: files relative to the target's ssldir (or cadir, for a standby CA).
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Every file, README and MANIFEST included.
    pub files: Vec<TreeFile>,
    /// Whether it holds a CA private key.
    pub holds_ca_key: bool,
}

/// The material of one host, read from the CA host.
struct Material {
    certificate_pem: Vec<u8>,
    key_pem: Vec<u8>,
    key: PrivateKey,
    chain_pem: Vec<u8>,
    crl_pem: Vec<u8>,
}

/// The bundle of one host: its certificate and key (from this host's ssldir), the CA chain, the
/// CRL chain, README, MANIFEST, and the fragment or PKCS#12 file when asked. Refused when the
/// certificate does not verify against the CA and its CRL (revoked, expired), or when this
/// host has no key for it.
pub fn host(ca: &Ca, request: &HostRequest) -> Result<Bundle, Error> {
    if request.role == Role::Agent && request.fragment.is_some() {
        return Err(ExportError::ServerConfigForAgent {
            role: request.role.as_str(),
        }
        .into());
    }
    let name = &request.name;
    let certificate = ca.verify(name.as_str())?;
    let ssldir = Ssldir::new(&ca.config().ssldir);
    let key_pem = ssldir
        .private_key(name)?
        .ok_or_else(|| StoreError::NoPrivateKey {
            name: name.to_string(),
            ssldir: ssldir.root().to_path_buf(),
        })?;
    let what = ssldir.private_key_path(name).display().to_string();
    let key = PrivateKey::from_pem(&what, &key_pem)?;
    if !key.matches_certificate(certificate.der()) {
        return Err(KeyError::Mismatch { what }.into());
    }
    let material = Material {
        certificate_pem: certificate.to_pem().into_bytes(),
        key_pem,
        key,
        chain_pem: ca.authority().chain_pem().into_bytes(),
        crl_pem: ca.store().crl_pem()?,
    };
    assemble(request, &material)
}

fn assemble(request: &HostRequest, material: &Material) -> Result<Bundle, Error> {
    let name = request.name.file_name();
    let stem = request.name.as_str();
    let mut files = vec![
        public(&format!("certs/{name}"), &material.certificate_pem),
        public("certs/ca.pem", &material.chain_pem),
        private(&format!("private_keys/{name}"), &material.key_pem),
    ];
    for path in request.role.crl_paths() {
        files.push(public(path, &material.crl_pem));
    }
    if let Some(options) = &request.fragment {
        let config = fragment::render(&request.name, options)?;
        if options.needs_combined_pem() {
            let mut combined = material.certificate_pem.clone();
            combined.extend_from_slice(&material.key_pem);
            files.push(private(
                &fragment::combined_pem_path(&request.name),
                &combined,
            ));
        }
        files.push(public(
            &format!("server/{}", options.server.file_name()),
            config.as_bytes(),
        ));
    }
    if let Some(passphrase) = &request.pkcs12_passphrase {
        let der = pkcs12(stem, material, passphrase)?;
        files.push(private(&format!("private_keys/{stem}.p12"), &der));
    }
    let readme = host_readme(request, &files);
    Ok(finish(files, readme, false))
}

/// A bundle with only the CRL chain, for pushing a fresh CRL to every balancer (or, with
/// [`Role::Master`], to masters too) after a revocation.
pub fn crl_only(ca: &Ca, role: Role, target_ssldir: &Path) -> Result<Bundle, Error> {
    let crl = ca.store().crl_pem()?;
    let files: Vec<TreeFile> = role.crl_paths().iter().map(|p| public(p, &crl)).collect();
    let mut readme = String::new();
    let _ = writeln!(
        readme,
        "CRL bundle from the CA {}: the CA's current CRL chain for a {}.\n",
        ca.authority().certificate().subject,
        role.as_str()
    );
    let _ = writeln!(
        readme,
        "Copy into the target's ssldir ({}):",
        target_ssldir.display()
    );
    push_listing(&mut readme, target_ssldir, &files);
    readme.push_str(
        "\nThen make the TLS server reread it (nginx -s reload, systemctl reload haproxy or\n\
         apache2); puppetserver rereads its CRL on restart.\n",
    );
    push_check(&mut readme, target_ssldir);
    Ok(finish(files, readme, false))
}

/// Write the CRL files of `bundle` (made by [`crl_only`]) into the existing bundle directory
/// `dir`, a host's live ssldir-shaped tree: each CRL file is replaced atomically and, when
/// `dir` has a `MANIFEST`, its lines for them are brought up to date, so `sha256sum -c
/// MANIFEST` still passes; every other file (the host's key, certificates, server config,
/// README) is left as it is. Returns the paths written, relative to `dir`.
pub fn update_crl_files(dir: &Path, bundle: &Bundle) -> Result<Vec<String>, Error> {
    let mut files: Vec<TreeFile> = bundle
        .files
        .iter()
        .filter(|file| file.path != "README" && file.path != "MANIFEST")
        .cloned()
        .collect();
    if let Some(current) = crate::tree::read_file(dir, "MANIFEST")? {
        let updated = manifest_with(&String::from_utf8_lossy(&current), &files);
        files.push(public("MANIFEST", updated.as_bytes()));
    }
    crate::tree::update_files(dir, &files)?;
    Ok(files.into_iter().map(|file| file.path).collect())
}

/// `manifest` (in `sha256sum` format) with the lines of `files` replaced by their new
/// checksums, and added at the end for those it did not list.
fn manifest_with(manifest: &str, files: &[TreeFile]) -> String {
    let fresh = self::manifest(files);
    let line_of = |path: &str| {
        fresh
            .lines()
            .find(|line| line.split_once("  ").map(|(_, p)| p) == Some(path))
            .map(str::to_owned)
    };
    let mut listed = Vec::new();
    let mut text = String::new();
    for line in manifest.lines() {
        let path = line.split_once("  ").map(|(_, path)| path);
        match path.and_then(|path| line_of(path).map(|new| (path, new))) {
            Some((path, new)) => {
                listed.push(path.to_owned());
                text.push_str(&new);
            }
            None => text.push_str(line),
        }
        text.push('\n');
    }
    for file in files {
        if !listed.contains(&file.path) {
            if let Some(new) = line_of(&file.path) {
                text.push_str(&new);
                text.push('\n');
            }
        }
    }
    text
}

/// What a standby CA host needs, CA private keys included: for the files store, a copy of the
/// whole CA directory; for a database, the keys another node of it needs, with a snapshot of
/// the CA's public files. The store's part is read in one snapshot so that the serial,
/// inventory and CRL agree with each other.
pub fn ca_standby(ca: &Ca) -> Result<Bundle, Error> {
    let store = ca.store();
    let mut files = store.snapshot()?.standby_files()?;
    // The keys, unless the store's copy has them already (files keep them in the CA directory).
    for key in ca.keys().standby_files()? {
        if !files.iter().any(|file| file.path == key.path) {
            files.push(key);
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut readme = String::new();
    readme.push_str(
        "WARNING: THIS BUNDLE HOLDS THE CA PRIVATE KEY. Anyone with it can sign certificates\n\
         that every Puppet agent trusts. Move it only to the standby CA host, over an encrypted\n\
         channel, and delete every other copy.\n\n",
    );
    if store.location().is_shared() {
        let _ = writeln!(
            readme,
            "The keys of the CA {} for another CA node of the database {}.\n\n\
             Copy them into the node's CA directory (--cadir, or the cadir setting), owned by\n\
             the user that runs `cert serve`, mode 0640; then set the store on that node, in\n\
             the [server] section of puppet.conf:\n\n    ca_store = {}\n\n\
             (with the real password, or PGPASSWORD in the service's environment). The other\n\
             files are a read-only snapshot of the CA's public part (no serial: the database\n\
             hands them out), for reference; the node reads everything else from the database.",
            ca.authority().certificate().subject,
            store.location(),
            store.location()
        );
        push_listing(&mut readme, Path::new("CADIR"), &files);
        readme.push_str(
            "\nEvery node with these keys and this store signs for the CA at the same time:\n\
             serials come from the database, so none is handed out twice.\n",
        );
    } else {
        let _ = writeln!(
            readme,
            "Standby copy of the CA {} (from {}).\n\nCopy into the standby's CA directory \
             (/etc/puppetlabs/puppetserver/ca for puppetserver 7, $ssldir/ca before), owned by\n\
             the puppet user, keys mode 0640 with the puppet group:",
            ca.authority().certificate().subject,
            store.location()
        );
        push_listing(&mut readme, Path::new("CADIR"), &files);
        readme.push_str(
            "\nOnly one CA may sign at a time: a standby that signs while the primary does would\n\
             hand out the same serials twice.\n",
        );
    }
    push_check(&mut readme, Path::new("CADIR"));
    Ok(finish(files, readme, true))
}

/// Add README and MANIFEST (checksums of every other file, sorted by path).
fn finish(mut files: Vec<TreeFile>, readme: String, holds_ca_key: bool) -> Bundle {
    files.push(public("README", readme.as_bytes()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = manifest(&files);
    files.push(public("MANIFEST", manifest.as_bytes()));
    Bundle {
        files,
        holds_ca_key,
    }
}

/// `sha256sum` lines: `HEX  PATH`.
pub fn manifest(files: &[TreeFile]) -> String {
    let mut text = String::new();
    for file in files {
        let digest = hash(MessageDigest::sha256(), &file.bytes)
            .map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<String>())
            .unwrap_or_default();
        let _ = writeln!(text, "{digest}  {}", file.path);
    }
    text
}

fn pkcs12(name: &str, material: &Material, passphrase: &str) -> Result<Vec<u8>, Error> {
    let failed = |reason: String| KeyError::Certificate {
        what: format!("PKCS#12 for {name}"),
        reason,
    };
    let certificate =
        X509::from_pem(&material.certificate_pem).map_err(|e| failed(e.to_string()))?;
    let mut chain = Stack::new().map_err(|e| failed(e.to_string()))?;
    for der in pem_chain("certs/ca.pem", &material.chain_pem, "CERTIFICATE")? {
        let ca = X509::from_der(&der).map_err(|e| failed(e.to_string()))?;
        chain.push(ca).map_err(|e| failed(e.to_string()))?;
    }
    let built = Pkcs12::builder()
        .name(name)
        .pkey(material.key.openssl())
        .cert(&certificate)
        .ca(chain)
        .build2(passphrase)
        .map_err(|e| failed(e.to_string()))?;
    built.to_der().map_err(|e| failed(e.to_string()).into())
}

fn host_readme(request: &HostRequest, files: &[TreeFile]) -> String {
    let target = &request.target_ssldir;
    let name = request.name.as_str();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Bundle for {name}, a Puppet {}. It holds no CA private key.\n",
        request.role.as_str()
    );
    let _ = writeln!(
        text,
        "Copy this tree into the ssldir of {name} ({}), keeping modes:\n\n    \
         scp -rp ./* root@{name}:{}/\n    or: tar -C {} -xzpf BUNDLE.tar.gz\n\n\
         then give it to the user that reads it (chown -R puppet:puppet for puppetserver).\n",
        target.display(),
        target.display(),
        target.display()
    );
    let _ = writeln!(text, "What goes where:");
    push_listing(&mut text, target, files);
    if let Some(options) = &request.fragment {
        text.push('\n');
        text.push_str(&fragment::install_notes(options));
    }
    push_check(&mut text, target);
    text
}

fn push_listing(text: &mut String, target: &Path, files: &[TreeFile]) {
    for file in files {
        let _ = writeln!(
            text,
            "    {:04o}  {}",
            file.mode,
            target.join(&file.path).display()
        );
    }
    let _ = writeln!(text, "    0644  {}", target.join("README").display());
    let _ = writeln!(text, "    0644  {}", target.join("MANIFEST").display());
}

fn push_check(text: &mut String, target: &Path) {
    let _ = writeln!(
        text,
        "\nCheck the copy: cd {} && sha256sum -c MANIFEST",
        target.display()
    );
}

fn public(path: &str, bytes: &[u8]) -> TreeFile {
    TreeFile {
        path: path.into(),
        bytes: bytes.to_vec(),
        mode: PUBLIC_MODE,
    }
}

fn private(path: &str, bytes: &[u8]) -> TreeFile {
    TreeFile {
        path: path.into(),
        bytes: bytes.to_vec(),
        mode: PRIVATE_KEY_MODE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material() -> Material {
        let key = PrivateKey::generate(crate::keys::KeySpec::EcP256).unwrap();
        Material {
            certificate_pem: b"CERT\n".to_vec(),
            key_pem: key.to_pem().unwrap(),
            key,
            chain_pem: b"CHAIN\n".to_vec(),
            crl_pem: b"CRL\n".to_vec(),
        }
    }

    fn request(role: Role) -> HostRequest {
        HostRequest {
            name: Certname::parse("lb.example.com").unwrap(),
            role,
            target_ssldir: PathBuf::from(DEFAULT_TARGET_SSLDIR),
            fragment: None,
            pkcs12_passphrase: None,
        }
    }

    fn paths(bundle: &Bundle) -> Vec<&str> {
        bundle.files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn master_gets_both_crls_and_no_ca_key() {
        let bundle = assemble(&request(Role::Master), &material()).unwrap();
        assert_eq!(
            paths(&bundle),
            [
                "README",
                "ca/ca_crl.pem",
                "certs/ca.pem",
                "certs/lb.example.com.pem",
                "crl.pem",
                "private_keys/lb.example.com.pem",
                "MANIFEST",
            ]
        );
        assert!(!bundle.holds_ca_key);
        let key = &bundle.files[5];
        assert_eq!(key.mode, 0o600);
        let agent = assemble(&request(Role::Agent), &material()).unwrap();
        assert!(!paths(&agent).contains(&"ca/ca_crl.pem"));
    }

    /// A CRL refresh rewrites only the CRL lines of a bundle's MANIFEST.
    #[test]
    fn manifest_lines_of_the_crl_are_replaced() {
        let bundle = assemble(&request(Role::Balancer), &material()).unwrap();
        let old = String::from_utf8(bundle.files.last().unwrap().bytes.clone()).unwrap();
        let crl = vec![
            public("crl.pem", b"NEW CRL\n"),
            public("ca/ca_crl.pem", b"NEW\n"),
        ];
        let new = manifest_with(&old, &crl);
        let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
            (old.lines().collect(), new.lines().collect());
        assert_eq!(
            new_lines.len(),
            old_lines.len() + 1,
            "ca/ca_crl.pem added:\n{new}"
        );
        for (before, after) in old_lines.iter().zip(&new_lines) {
            assert_eq!(
                before.ends_with("  crl.pem"),
                before != after,
                "{before} / {after}"
            );
        }
        assert!(new_lines.last().unwrap().ends_with("  ca/ca_crl.pem"));
        assert_eq!(manifest(&crl).lines().nth(1), new_lines.last().copied());
    }

    #[test]
    fn manifest_lists_every_other_file() {
        let bundle = assemble(&request(Role::Balancer), &material()).unwrap();
        let manifest = String::from_utf8(bundle.files.last().unwrap().bytes.clone()).unwrap();
        assert_eq!(manifest.lines().count(), bundle.files.len() - 1);
        assert!(manifest.contains(
            // sha256("CRL\n")
            "  crl.pem"
        ));
        let readme = &bundle.files[0];
        let text = String::from_utf8_lossy(&readme.bytes);
        assert!(text.contains("/etc/puppetlabs/puppet/ssl/private_keys/lb.example.com.pem"));
    }
}
