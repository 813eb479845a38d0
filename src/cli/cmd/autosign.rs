//! `cert autosign check NAME [--csr FILE]`: would autosign take this request, and why.

use std::path::Path;

use cert::Error;

use crate::cli::{exit, render, Context};

/// Print the decision, its reason and a policy program's output; exit 0 when it would sign, 1
/// when not.
pub(crate) fn check(context: &Context, name: &str, csr: Option<&Path>) -> Result<u8, Error> {
    let report = cert::ca::autosign_report(&context.config()?, name, csr)?;
    for line in &report.notes {
        eprintln!("warning: {line}");
    }
    println!("{}", report.verdict);
    print!(
        "{}",
        render::program_output(&report.verdict.decision.reason)
    );
    Ok(if report.verdict.sign() {
        exit::DONE
    } else {
        exit::FAILED
    })
}
