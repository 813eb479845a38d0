//! `cert prune` (`cert --prune`) and `cert delete` (`cert --delete`): keeping the CA small, in
//! puppetserver-ca's words ([`cert::ca::Ca::prune`], [`cert::ca::Ca::delete_certificates`]).

use cert::ca::{parse_serial, Delete, Prune};
use cert::store::Item;
use cert::timestamp::format_time;
use cert::Error;

use crate::cli::args::{DeleteArgs, PruneArgs};
use crate::cli::{certnames, exit, finish, now, prompt, render, Context};

/// Prune the CRL; print puppetserver-ca's lines about what went.
pub(crate) fn prune(context: &Context, args: &PruneArgs) -> Result<u8, Error> {
    // puppetserver-ca 2.5 and later: with no flag, duplicates only.
    let defaults = !args.remove_duplicates && !args.remove_expired && !args.remove_entries;
    let mut serials = Vec::new();
    for text in &args.serial {
        serials.push(parse_serial(text).ok_or_else(|| Error::BadSerial { text: text.clone() })?);
    }
    let prune = Prune {
        duplicates: defaults || args.remove_duplicates,
        expired: args.remove_expired,
        serials,
        names: certnames(&args.certname)?,
    };
    let ca = context.open()?;
    let pruned = ca.prune(&prune, now())?;
    println!(
        "Total number of certificates found in the CRL is: {}.",
        pruned.before
    );
    for what in &pruned.not_listed {
        eprintln!("{what} is not in the CRL");
    }
    match pruned.number {
        None => println!("No matching revocations found in the CRL for pruning"),
        Some(number) => {
            if pruned.duplicates > 0 {
                println!(
                    "Removed {} duplicated certs from the CRL.",
                    pruned.duplicates
                );
            }
            if !pruned.removed.is_empty() {
                println!(
                    "Removed {} certs from the CRL (serials {}).",
                    pruned.removed.len(),
                    render::joined(&pruned.removed)
                );
            }
            println!("New CRL number: {number}");
        }
    }
    for stale in &pruned.stale {
        eprintln!(
            "note: the CRL of {} is kept: re-issuing it needs {}; it lapses at {}",
            stale.issuer,
            stale.key.display(),
            stale.next_update.map(format_time).unwrap_or_default()
        );
    }
    Ok(exit::DONE)
}

/// Delete signed certificates; one line per certificate removed, then the count.
pub(crate) fn delete(context: &Context, args: &DeleteArgs) -> Result<u8, Error> {
    let delete = Delete {
        all: args.all,
        expired: args.expired,
        revoked: args.revoked,
        names: certnames(&args.certname)?,
    };
    let ca = context.open()?;
    if delete.all
        && !prompt::confirm(
            "Delete every signed certificate from the CA?",
            context.global.yes,
        )
    {
        eprintln!("Nothing deleted");
        return Ok(exit::FAILED);
    }
    let outcomes = ca.delete_certificates(&delete, now())?;
    let mut count = 0;
    for (name, result) in &outcomes {
        if result.is_ok() {
            count += 1;
            println!(
                "Deleting certificate at {}",
                ca.store().locate(&Item::Signed(name.clone()))
            );
        }
    }
    println!(
        "{count} certificate{} deleted.",
        if count == 1 { "" } else { "s" }
    );
    Ok(finish(&outcomes))
}
