//! `cert check`: the CA store's invariants ([`cert::ca::Ca::check`]), or with `--expiring`
//! what expires soon ([`cert::ca::Ca::expiring`]).

use cert::Error;

use crate::cli::args::Format;
use crate::cli::{exit, now, render, Context};

/// Print one line per problem (a JSON array with `--format json`); exit 1 when there is any.
pub(crate) fn run(context: &Context, expiring: Option<&str>) -> Result<u8, Error> {
    if let Some(window) = expiring {
        return expiry(context, window);
    }
    let ca = context.open()?;
    let problems = ca.check()?;
    if context.format() == Format::Json {
        let list: Vec<serde_json::Value> = problems
            .iter()
            .map(|p| serde_json::json!({ "path": p.what, "problem": p.reason }))
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else if problems.is_empty() {
        println!("{}: no problems found", ca.store().location());
    } else {
        for problem in &problems {
            println!("{problem}");
        }
    }
    Ok(if problems.is_empty() {
        exit::DONE
    } else {
        exit::FAILED
    })
}

/// `--expiring DURATION`: one line per CA certificate, CRL or host certificate expiring within
/// the window (a JSON array with `--format json`); exit 1 when there is any.
fn expiry(context: &Context, window: &str) -> Result<u8, Error> {
    let within = cert::duration::parse("expiring", window)?;
    let ca = context.open()?;
    let now = now();
    let findings = ca.expiring(within, now, true)?;
    if context.format() == Format::Json {
        println!("{}", render::expiring_json(&findings, now));
    } else if findings.is_empty() {
        println!("{}: nothing expires within {window}", ca.store().location());
    } else {
        for finding in &findings {
            println!("{}", render::expiring_line(finding, now));
        }
    }
    Ok(if findings.is_empty() {
        exit::DONE
    } else {
        exit::FAILED
    })
}
