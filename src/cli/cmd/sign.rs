//! `cert --sign NAME... | --all` / `cert sign --certname ... | --all`.

use std::collections::HashMap;

use cert::ca::SignOptions;
use cert::Error;
use serde_json::json;

use crate::cli::args::{Format, SignArgs};
use crate::cli::progress::Bars;
use crate::cli::{certnames, exit, finish, now, prompt, render, Context};

/// Sign the named (or all) pending requests in one batch.
pub(crate) fn run(context: &Context, args: &SignArgs) -> Result<u8, Error> {
    let all = args.targets.all;
    let ttl = super::ttl(args.ttl.ttl.as_deref())?;
    let names = certnames(&args.targets.certname)?;
    let ca = context.open()?;
    // Signing every request of a large CA takes a while: show how far it got.
    let ca = if all {
        ca.with_progress(Bars::new())
    } else {
        ca
    };
    let names = if all { ca.pending()? } else { names };
    if names.is_empty() {
        if context.format() == Format::Json {
            println!("{}", json!({"signed": [], "signing-errors": []}));
        } else {
            eprintln!("No waiting certificate requests to sign");
        }
        return Ok(exit::DONE);
    }
    // With --all, say which requests autosign would have taken, and why not.
    let verdicts = if all {
        ca.autosign_decisions()?
    } else {
        Vec::new()
    };
    if all {
        let mut question = format!(
            "Sign {} pending request(s): {}?",
            names.len(),
            render::joined(&names)
        );
        for (name, outcome) in &verdicts {
            question.push_str(&format!(
                "\n  {name}: autosign {}",
                render::verdict_line(outcome)
            ));
        }
        if !prompt::confirm(&question, context.global.yes) {
            eprintln!("Nothing signed");
            return Ok(exit::FAILED);
        }
    }
    let outcomes = ca.sign(
        &names,
        SignOptions {
            allow_alt_names: args.allow_subject_alt_names,
            ttl,
        },
        now(),
    );
    if context.format() == Format::Json {
        let signed: Vec<&str> = outcomes
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(n, _)| n.as_str())
            .collect();
        let errors: Vec<_> = outcomes
            .iter()
            .filter_map(|(n, r)| {
                r.as_ref()
                    .err()
                    .map(|e| json!({"name": n.as_str(), "error": e.to_string()}))
            })
            .collect();
        let mut summary = json!({"signed": signed, "signing-errors": errors});
        if all {
            let autosign: serde_json::Map<String, serde_json::Value> = verdicts
                .iter()
                .map(|(n, v)| (n.to_string(), render::verdict_json(v)))
                .collect();
            summary["autosign"] = autosign.into();
        }
        println!("{summary}");
    } else {
        // A thousand lines for `--all`: written in one go, not one write each.
        let verdicts: HashMap<_, _> = verdicts.iter().map(|(n, v)| (n, v)).collect();
        let mut out = String::new();
        for (name, result) in &outcomes {
            if let Ok(cert) = result {
                out.push_str(&format!(
                    "Successfully signed certificate request for {name} (serial {})\n",
                    cert.serial.map(|s| s.to_string()).unwrap_or_default()
                ));
                if let Some(warning) = ca.lifetime_warning(cert) {
                    print!("{out}");
                    out.clear();
                    eprintln!("warning: {warning}");
                }
                if let Some(outcome) = verdicts.get(name) {
                    out.push_str(&format!("  autosign: {}\n", render::verdict_line(outcome)));
                }
            }
        }
        print!("{out}");
    }
    Ok(finish(&outcomes))
}
