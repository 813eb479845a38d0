//! `cert --revoke NAME...` and `cert --clean NAME...` (and their subcommands).

use cert::ca::Removed;
use cert::crl::Reason;
use cert::Error;

use crate::cli::{certnames, exit, finish, now, prompt, render, Context};

/// Revoke every certificate of each name (one new CRL).
pub(crate) fn revoke(context: &Context, names: &[String]) -> Result<u8, Error> {
    let names = certnames(names)?;
    let ca = context.open()?;
    let question = format!("Revoke the certificates of {}?", render::joined(&names));
    if !prompt::confirm(&question, context.global.yes) {
        eprintln!("Nothing revoked");
        return Ok(exit::FAILED);
    }
    let outcomes = ca.revoke(&names, Reason::KeyCompromise, now())?;
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
