//! `cert log`: the audit trail.

use cert::Error;

use crate::cli::args::Format;
use crate::cli::{exit, Context};

/// Print the audit trail, oldest first.
pub(crate) fn run(context: &Context) -> Result<u8, Error> {
    let ca = context.open()?;
    for event in ca.audit()? {
        if context.format() == Format::Json {
            print!("{}", event.to_line());
        } else {
            let serial = event
                .serial
                .as_deref()
                .map(|s| format!(" serial {s}"))
                .unwrap_or_default();
            let reason = if event.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", event.reason)
            };
            println!(
                "{} {} {} {} {}{serial}{reason}",
                event.time, event.actor, event.action, event.name, event.decision
            );
        }
    }
    Ok(exit::DONE)
}
