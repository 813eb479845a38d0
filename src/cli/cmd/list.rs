//! `cert --list [--all] [NAME...]` / `cert list [--all] [--certname ...]`.

use cert::ca::Selection;
use cert::Error;

use crate::cli::args::Format;
use crate::cli::{certnames, exit, render, Context};

/// List requests (and certificates with `--all` or names).
pub(crate) fn run(context: &Context, all: bool, names: &[String]) -> Result<u8, Error> {
    let names = certnames(names)?;
    let ca = context.open()?;
    let entries = ca.list(&Selection { all, names })?;
    let text = match context.format() {
        Format::Json => render::entries_json(&entries),
        Format::Puppet => render::puppet_lines(&entries),
        Format::Text => render::table(&entries),
    };
    print!("{text}");
    Ok(exit::DONE)
}
