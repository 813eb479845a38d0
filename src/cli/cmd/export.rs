//! `cert export`: bundles for masters, balancers and agents, the CRL alone, or a standby CA.
//! The library decides what goes in a bundle ([`cert::export`]) and the store writes it.

use std::path::{Path, PathBuf};

use cert::error::{FileError, PassphraseError};
use cert::export::{self, Bundle, FragmentOptions, HostRequest, Listen, Role, Server, Upstream};
use cert::tree;
use cert::Error;

use crate::cli::args::{Export, ExportKind, ExportOutput, ExportRole, ExportServer};
use crate::cli::progress::Bars;
use crate::cli::{exit, now, Context};

/// Build the bundle `export` asks for and write it.
pub(crate) fn run(context: &Context, request: Export) -> Result<u8, Error> {
    let Export {
        kind,
        output,
        options,
        force,
    } = request;
    let target = options
        .target_ssldir
        .unwrap_or_else(|| PathBuf::from(export::DEFAULT_TARGET_SSLDIR));
    export::fragment::check_target_ssldir(&target)?;
    let crl_only = matches!(kind, ExportKind::CrlOnly { .. });
    let ca = context.open()?;
    let (bundle, what) = match kind {
        ExportKind::CaStandby => {
            eprintln!(
                "WARNING: this bundle holds the CA PRIVATE KEY of {}: whoever has it can sign \
                 certificates every agent trusts; copy it only to the standby CA host and delete \
                 every other copy",
                ca.authority().certificate().subject
            );
            let bundle = {
                let _spinner = Bars::spinner("reading the CA directory");
                export::ca_standby(&ca)?
            };
            (bundle, "standby CA bundle".to_string())
        }
        ExportKind::CrlOnly { role } => (
            export::crl_only(&ca, role_of(role), &target)?,
            "CRL bundle".to_string(),
        ),
        ExportKind::Host { name, role, pkcs12 } => {
            let name = cert::certname::Certname::parse(&name)?;
            let fragment = match options.server {
                Some(server) => Some(FragmentOptions::new(
                    server_of(server),
                    &target,
                    Listen::parse(options.listen.as_deref().unwrap_or("8140"))?,
                    options
                        .upstream
                        .iter()
                        .map(|u| Upstream::parse(u))
                        .collect::<Result<_, _>>()?,
                    options.upstream_tls,
                )?),
                None => None,
            };
            let passphrase = match (pkcs12, options.passphrase_file) {
                (true, Some(file)) => Some(read_passphrase(&file)?),
                (true, None) => Some(crate::cli::prompt::passphrase()?),
                _ => None,
            };
            let role = role_of(role);
            let request = HostRequest {
                name: name.clone(),
                role,
                target_ssldir: target.clone(),
                fragment,
                pkcs12_passphrase: passphrase,
            };
            let what = format!("{} bundle for {name}", role.as_str());
            (export::host(&ca, &request)?, what)
        }
    };
    // A fresh CRL for a live bundle (README: `--out X --target-ssldir X`): only its CRL files.
    if let (true, ExportOutput::Directory(dir), true) = (crl_only, &output, force) {
        if dir.is_dir() {
            let written = export::update_crl_files(dir, &bundle)?;
            println!(
                "Updated the CRL in {} ({}); other files left as they were",
                dir.display(),
                written.join(", ")
            );
            return Ok(exit::DONE);
        }
    }
    let path = write(&bundle, &output, force)?;
    println!(
        "Wrote the {what} ({} files) to {}",
        bundle.files.len(),
        path.display()
    );
    if context.global.verbose {
        for file in &bundle.files {
            println!("  {:04o} {}", file.mode, file.path);
        }
    }
    Ok(exit::DONE)
}

fn write(bundle: &Bundle, output: &ExportOutput, force: bool) -> Result<PathBuf, Error> {
    match output {
        ExportOutput::Directory(dir) => {
            tree::write_tree(dir, &bundle.files, force)?;
            Ok(dir.clone())
        }
        ExportOutput::Tar(file) => {
            let mtime = u64::try_from(now().unix_timestamp()).unwrap_or(0);
            tree::write_tar(file, &bundle.files, mtime, force, Bars::new().as_ref())?;
            Ok(file.clone())
        }
    }
}

/// The first line of the passphrase file, without its line ending.
fn read_passphrase(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| FileError::io("read", path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| PassphraseError::NotText {
        path: path.to_path_buf(),
    })?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(PassphraseError::EmptyFile {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(line)
}

fn role_of(role: ExportRole) -> Role {
    match role {
        ExportRole::Agent => Role::Agent,
        ExportRole::Balancer => Role::Balancer,
        ExportRole::Master => Role::Master,
    }
}

fn server_of(server: ExportServer) -> Server {
    match server {
        ExportServer::Apache => Server::Apache,
        ExportServer::Haproxy => Server::Haproxy,
        ExportServer::Nginx => Server::Nginx,
    }
}
