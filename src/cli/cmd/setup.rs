//! `cert setup` and `cert import`: make a new CA, or adopt an existing one.

use std::path::Path;

use cert::ca::{Ca, Hierarchy};
use cert::error::StoreError;
use cert::Error;

use crate::cli::{exit, now, Context};

/// `cert setup`: a root + intermediate CA like `puppetserver ca setup`, and this host's
/// certificate (with `pp_cli_auth`) in the ssldir.
pub(crate) fn setup(
    context: &Context,
    certname: Option<String>,
    alt_names: Vec<String>,
    ca_name: Option<String>,
    ttl: Option<&str>,
    key: Option<crate::cli::args::KeyChoice>,
) -> Result<u8, Error> {
    let settings = context.settings_with_certname(certname)?;
    let mut config = cert::ca::Config::from_settings(&settings)?;
    if !alt_names.is_empty() {
        config.dns_alt_names = alt_names;
    }
    if let Some(ttl) = super::ttl(ttl)? {
        config.ttl = ttl;
    }
    config.key = super::key_spec(key, config.key);
    config.ca_name = ca_name;
    let ca = Ca::setup(config, Hierarchy::Chained, now())?;
    println!(
        "Generation succeeded. Find your files in {}",
        ca.config().cadir.display()
    );
    println!("CA certificate: {}", ca.authority().certificate().subject);
    Ok(exit::DONE)
}

/// `cert import`: adopt a CA made elsewhere.
pub(crate) fn import(
    context: &Context,
    private_key: &Path,
    cert_bundle: &Path,
    crl_chain: &Path,
    certname: Option<String>,
) -> Result<u8, Error> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Store(StoreError::io("read", path, e)))
    };
    let key = read(private_key)?;
    let bundle = read(cert_bundle)?;
    let crl = read(crl_chain)?;
    let settings = context.settings_with_certname(certname)?;
    let config = cert::ca::Config::from_settings(&settings)?;
    let ca = Ca::import(config, &key, &bundle, &crl)?;
    println!(
        "Import succeeded. Find your files in {}",
        ca.config().cadir.display()
    );
    Ok(exit::DONE)
}
