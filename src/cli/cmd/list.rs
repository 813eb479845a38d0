//! `cert --list [--all] [NAME...]` / `cert list [--all] [--certname ...] [--expiring DURATION]`.
//!
//! Each pending request also says whether autosign would have taken it, and why not.

use std::io::IsTerminal;

use cert::ca::Selection;
use cert::ca::State;
use cert::Error;

use crate::cli::args::Format;
use crate::cli::progress::Bars;
use crate::cli::{certnames, exit, now, render, Context};

/// List requests (and certificates with `--all` or names; only those expiring within a window
/// with `--expiring`).
pub(crate) fn run(
    context: &Context,
    all: bool,
    names: &[String],
    expiring: Option<&str>,
) -> Result<u8, Error> {
    let names = certnames(names)?;
    let expires_before = expiring
        .map(|window| cert::duration::parse("expiring", window).map(|within| now() + within))
        .transpose()?;
    let ca = context.open()?;
    // Reading every certificate of a large CA takes a while: show how far it got.
    let ca = if all {
        ca.with_progress(Bars::new())
    } else {
        ca
    };
    let entries = ca.list(&Selection {
        all,
        names,
        expires_before,
    })?;
    let verdicts = if entries.iter().any(|e| e.state == State::Requested) {
        ca.autosign_decisions()?
    } else {
        Vec::new()
    };
    let text = match context.format() {
        Format::Json => render::entries_json(&entries, &verdicts),
        Format::Puppet => {
            // stdout keeps puppet cert's exact lines for the tools that parse them.
            for (name, outcome) in &verdicts {
                if entries.iter().any(|e| e.name == *name) {
                    eprintln!(
                        "autosign {:?}: {}",
                        name.as_str(),
                        render::verdict_line(outcome)
                    );
                }
            }
            render::puppet_lines(&entries)
        }
        Format::Text => render::listing(&entries, &verdicts, std::io::stdout().is_terminal()),
    };
    print!("{text}");
    Ok(exit::DONE)
}
