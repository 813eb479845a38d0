//! `cert setup` and `cert import`: make a new CA, or adopt an existing one.

use std::path::Path;

use cert::ca::{Ca, Hierarchy};
use cert::error::FileError;
use cert::Error;

use crate::cli::args::{ImportArgs, SetupArgs};
use crate::cli::{exit, now, Context};

/// `cert setup`: a root + intermediate CA like `puppetserver ca setup`, and this host's
/// certificate (with `pp_cli_auth`) in the ssldir.
pub(crate) fn setup(context: &Context, args: SetupArgs) -> Result<u8, Error> {
    let settings = context.settings_with_certname(args.certname)?;
    let mut config = context.config_from(&settings)?;
    if !args.subject_alt_names.is_empty() {
        config.dns_alt_names = args.subject_alt_names;
    }
    if let Some(ttl) = super::ttl(args.ttl.ttl.as_deref())? {
        config.ttl = ttl;
    }
    config.key = args.key.or(config.key);
    config.ca_name = args.ca_name;
    config.root_ca_name = args.root_ca_name;
    let ca = Ca::setup(config, Hierarchy::Chained, now())?;
    println!(
        "Generation succeeded. Find your files in {}",
        ca.store().location()
    );
    println!("CA certificate: {}", ca.authority().certificate().subject);
    Ok(exit::DONE)
}

/// `cert import`: adopt a CA made elsewhere.
pub(crate) fn import(context: &Context, args: ImportArgs) -> Result<u8, Error> {
    let read =
        |path: &Path| std::fs::read(path).map_err(|e| Error::File(FileError::io("read", path, e)));
    let key = read(&args.private_key)?;
    let bundle = read(&args.cert_bundle)?;
    let crl = read(&args.crl_chain)?;
    let settings = context.settings_with_certname(args.certname)?;
    let config = context.config_from(&settings)?;
    let ca = Ca::import(config, &key, &bundle, &crl)?;
    println!(
        "Import succeeded. Find your files in {}",
        ca.store().location()
    );
    Ok(exit::DONE)
}
