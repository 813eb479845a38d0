//! `cert enable --infracrl`: puppetserver-ca's `enable` ([`cert::ca::Ca::enable_infra_crl`]).

use cert::Error;

use crate::cli::{exit, now, Context};

/// Set up the infrastructure CRL; print puppetserver-ca's line and what it found.
pub(crate) fn infra_crl(context: &Context) -> Result<u8, Error> {
    let ca = context.open()?;
    let enabled = ca.enable_infra_crl(now())?;
    println!("Infra CRL files created.");
    println!(
        "{} infrastructure node{} ({}), {} serial{} in infra_serials",
        enabled.names.len(),
        if enabled.names.len() == 1 { "" } else { "s" },
        enabled.names.join(", "),
        enabled.serials.len(),
        if enabled.serials.len() == 1 { "" } else { "s" },
    );
    Ok(exit::DONE)
}
