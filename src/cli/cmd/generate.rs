//! `cert --generate NAME` / `cert generate --certname NAME`: key and certificate for a host,
//! creating the CA first when there is none (after the names and alt names are checked, so a
//! typo creates nothing).

use cert::ca::Ca;
use cert::Error;

use crate::cli::args::GenerateArgs;
use crate::cli::{certnames, for_each, now, Context};

/// Generate each name; the CA is created on first use.
pub(crate) fn run(context: &Context, args: &GenerateArgs) -> Result<u8, Error> {
    let names = certnames(&args.certnames.certname)?;
    cert::csr::parse_alt_names(&args.subject_alt_names)?;
    let ttl = super::ttl(args.ttl.ttl.as_deref())?;
    let config = context.config()?;
    let key = args.key.or(config.key);
    let (alt_names, force) = (&args.subject_alt_names, args.force);
    let (ca, created) = Ca::open_or_create(config, now())?;
    if created {
        println!(
            "Created CA {} in {}",
            ca.authority().certificate().subject,
            ca.store().location()
        );
    }
    Ok(for_each(&names, |name| {
        let generated = ca.generate(name, alt_names, ttl, key, force, now())?;
        println!(
            "Signed certificate for {name} (serial {}); key {}, certificate {}",
            generated
                .certificate
                .serial
                .map(|s| s.to_string())
                .unwrap_or_default(),
            generated.private_key_path.display(),
            generated.certificate_path.display()
        );
        if let Some(warning) = ca.lifetime_warning(&generated.certificate) {
            eprintln!("warning: {warning}");
        }
        Ok(())
    }))
}
