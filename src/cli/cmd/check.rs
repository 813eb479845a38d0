//! `cert check`: the CA store's invariants ([`cert::ca::Ca::check`]).

use cert::Error;

use crate::cli::args::Format;
use crate::cli::{exit, Context};

/// Print one line per problem (a JSON array with `--format json`); exit 1 when there is any.
pub(crate) fn run(context: &Context) -> Result<u8, Error> {
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
