//! `cert --revoke NAME...` and `cert --clean NAME...` (and their subcommands).

use cert::ca::Removed;
use cert::crl::Reason;
use cert::Error;

use crate::cli::args::{RevokeArgs, RevokeReason};
use crate::cli::{certnames, exit, finish, now, prompt, render, Context};

/// Revoke every certificate of each name (one new CRL), for the reason given.
pub(crate) fn revoke(context: &Context, args: &RevokeArgs) -> Result<u8, Error> {
    let names = certnames(&args.certnames.certname)?;
    let ca = context.open()?;
    let question = format!("Revoke the certificates of {}?", render::joined(&names));
    if !prompt::confirm(&question, context.global.yes) {
        eprintln!("Nothing revoked");
        return Ok(exit::FAILED);
    }
    let reason = match args.reason {
        RevokeReason::AffiliationChanged => Reason::AffiliationChanged,
        RevokeReason::CessationOfOperation => Reason::CessationOfOperation,
        RevokeReason::KeyCompromise => Reason::KeyCompromise,
        RevokeReason::PrivilegeWithdrawn => Reason::PrivilegeWithdrawn,
        RevokeReason::Superseded => Reason::Superseded,
        RevokeReason::Unspecified => Reason::Unspecified,
    };
    let outcomes = ca.revoke(&names, reason, now())?;
    for (name, result) in &outcomes {
        match result {
            Ok(serials) if serials.is_empty() => {
                println!("Certificate for {name} was already revoked")
            }
            Ok(serials) => println!(
                "Revoked certificate for {name} (serial {})",
                render::joined(serials)
            ),
            Err(_) => {}
        }
    }
    Ok(finish(&outcomes))
}

/// Revoke and remove everything of each name.
pub(crate) fn clean(context: &Context, names: &[String]) -> Result<u8, Error> {
    let names = certnames(names)?;
    let ca = context.open()?;
    let question = format!(
        "Revoke and delete every file of {}?",
        render::joined(&names)
    );
    if !prompt::confirm(&question, context.global.yes) {
        eprintln!("Nothing cleaned");
        return Ok(exit::FAILED);
    }
    let outcomes = ca.clean(&names, now())?;
    for (name, result) in &outcomes {
        if let Ok(cleaned) = result {
            if !cleaned.revoked.is_empty() {
                println!(
                    "Revoked certificate for {name} (serial {})",
                    render::joined(&cleaned.revoked)
                );
            }
            println!("Cleaned files related to {name}");
            if context.global.verbose {
                for removed in &cleaned.removed {
                    match removed {
                        Removed::HostFile(path) => println!("  removed {}", path.display()),
                        Removed::Stored(item) => println!("  removed {}", ca.store().locate(item)),
                    }
                }
            }
        }
    }
    Ok(finish(&outcomes))
}
