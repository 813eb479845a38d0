//! `cert extend-ca [--ttl DURATION]`: re-issue the CA chain with the same keys
//! ([`cert::ca::Ca::extend_ca`]), and say what to do next.

use cert::ca::SerialChoice;
use cert::timestamp::format_time;
use cert::Error;

use crate::cli::{exit, now, prompt, Context};

/// Re-issue every CA certificate; print each, where the old chain went, and the next steps.
pub(crate) fn run(context: &Context, ttl: Option<&str>, keep_serials: bool) -> Result<u8, Error> {
    let ttl = super::ttl(ttl)?;
    let ca = context.open()?;
    let question = format!(
        "Re-issue the CA certificate chain of {} with a new expiry date?",
        ca.authority().certificate().common_name
    );
    if !prompt::confirm(&question, context.global.yes) {
        eprintln!("Nothing re-issued");
        return Ok(exit::FAILED);
    }
    let extended = ca.extend_ca(ttl, keep_serials, now())?;
    for one in &extended.certificates {
        let serial = one
            .certificate
            .serial
            .map(|s| s.to_string())
            .unwrap_or_default();
        let how = match &one.serial {
            SerialChoice::Asked => format!("serial {serial} kept"),
            SerialChoice::NamedBy(name) => format!("serial {serial} kept: {name} names it"),
            SerialChoice::New => format!("new serial {serial}"),
        };
        println!(
            "Re-issued CA certificate '{}' ({how}): expires {} (was {})",
            one.certificate.common_name,
            format_time(one.certificate.not_after),
            format_time(one.previous.not_after),
        );
    }
    println!(
        "The old chain is kept as {}",
        ca.store().locate(&extended.archive)
    );
    println!(
        "Next: give the new chain to every master, balancer and agent (`cert export --for master|balancer`, or `cert agent`); see docs/operations.md, \"Expiry\""
    );
    Ok(exit::DONE)
}
