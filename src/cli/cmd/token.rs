//! `cert token create GLOB [--ttl] [--uses] [--comment]`, `cert token list`, `cert token revoke
//! ID`: one-time enrolment tokens, made, listed and revoked on the CA host.

use std::io::IsTerminal;

use cert::ca::Actor;
use cert::timestamp::format_time;
use cert::token::{Grant, Status};
use cert::Error;

use crate::cli::args::{Format, TokenCreateArgs};
use crate::cli::{exit, now, render, Context};

/// Make a token (audited): the token alone on stdout, what it grants on stderr.
pub(crate) fn create(context: &Context, args: &TokenCreateArgs) -> Result<u8, Error> {
    let lifetime = super::ttl(args.ttl.as_deref())?;
    let grant = Grant::new(&args.glob, lifetime, args.uses, args.comment.as_deref())?;
    let ca = context.open()?;
    let made = ca.create_token(&Actor::local(ca.actor()), &grant, now())?;
    println!("{}", made.token.expose());
    let record = &made.record;
    eprintln!(
        "enrolment token {} for {:?}: {} use{}, until {}",
        record.id,
        record.glob,
        record.uses,
        if record.uses == 1 { "" } else { "s" },
        format_time(record.expires)
    );
    if !ca.config().autosign_tokens {
        eprintln!(
            "warning: autosign_tokens is false in puppet.conf: this CA does not honour tokens \
             until it is true again"
        );
    }
    Ok(exit::DONE)
}

/// List the tokens the CA keeps (never the tokens themselves).
pub(crate) fn list(context: &Context) -> Result<u8, Error> {
    let ca = context.open()?;
    let records = ca.tokens()?;
    let at = now();
    if context.format() == Format::Json {
        let values: Vec<serde_json::Value> = records
            .iter()
            .map(|record| cert::wire::token_json(record, at))
            .collect();
        println!("{}", serde_json::Value::Array(values));
        return Ok(exit::DONE);
    }
    if records.is_empty() {
        println!("No enrolment tokens");
        return Ok(exit::DONE);
    }
    let header = [
        "id",
        "glob",
        "status",
        "uses left",
        "expires",
        "created by",
        "created",
        "comment",
    ];
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|record| {
            vec![
                record.id.clone(),
                record.glob.clone(),
                Status::of(record, at).as_str().to_owned(),
                format!("{}/{}", record.uses_left, record.uses),
                format_time(record.expires),
                record.creator.clone(),
                format_time(record.created),
                record.comment.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        render::table(&header, &rows, std::io::stdout().is_terminal())
    );
    Ok(exit::DONE)
}

/// Revoke a token by its id (audited); exit 1 when no token has it.
pub(crate) fn revoke(context: &Context, id: &str) -> Result<u8, Error> {
    let ca = context.open()?;
    let record = ca.revoke_token(&Actor::local(ca.actor()), id, now())?;
    println!(
        "Revoked enrolment token {} for {:?}",
        record.id, record.glob
    );
    Ok(exit::DONE)
}
