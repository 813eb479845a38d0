//! `cert migrate SOURCE DEST`: copy a whole CA into another store. A progress bar while the
//! requests and certificates are copied (on a terminal only), then one summary line, which says
//! where the CA's keys are (they are never copied); what SOURCE holds that is no part of a CA
//! is named on stderr.

use std::path::Path;

use cert::ca::{Keys, Migrated};
use cert::store::{postgres, Location};
use cert::Error;
use serde_json::json;

use crate::cli::args::{Format, MigrateArgs};
use crate::cli::progress::Bars;
use crate::cli::{exit, now, Context};

/// Copy the CA, then print the summary.
pub(crate) fn run(context: &Context, args: &MigrateArgs) -> Result<u8, Error> {
    let source = location(&args.source)?;
    let dest = location(&args.dest)?;
    let migrated = cert::ca::migrate(&source, &dest, Bars::new(), now())?;
    for left in &migrated.left_behind {
        eprintln!("warning: not copied: {left} (not part of a Puppet CA)");
    }
    if context.format() == Format::Json {
        println!("{}", summary_json(&migrated));
    } else {
        println!("{}", summary(&migrated));
    }
    Ok(exit::DONE)
}

/// A store named on the command line: as `--store` takes it, and a relative directory
/// from the working directory.
fn location(text: &str) -> Result<Location, Error> {
    if postgres::is_database_url(text) || text.starts_with("file://") || text.starts_with('/') {
        return Ok(Location::parse(text)?);
    }
    let here = std::env::current_dir()
        .map_err(|e| cert::error::FileError::io("find", Path::new("."), e))?;
    Ok(Location::Files(here.join(text)))
}

/// `migrated SOURCE to DEST: N signed certificates, ...; <where the keys are>`.
fn summary(migrated: &Migrated) -> String {
    let mut counts = vec![
        count(migrated.signed, "signed certificate"),
        count(migrated.requests, "request"),
        count(migrated.inventory, "inventory entry"),
        count(migrated.revocations, "revocation"),
    ];
    if migrated.archives > 0 {
        counts.push(count(migrated.archives, "replaced CA certificate"));
    }
    if migrated.files > 0 {
        counts.push(count(migrated.files, "other file"));
    }
    if migrated.audit_lines > 0 {
        counts.push(count(migrated.audit_lines, "audit line"));
    }
    format!(
        "migrated {} to {}: {}, next serial {}; {}",
        migrated.source,
        migrated.dest,
        counts.join(", "),
        migrated.next_serial,
        keys(migrated)
    )
}

/// Where the keys are, and what to do about them.
fn keys(migrated: &Migrated) -> String {
    let nodes = match migrated.dest.directory() {
        Some(directory) => format!("into {}", directory.display()),
        None => "into the cadir of every node signing for it".to_owned(),
    };
    match &migrated.keys {
        Keys::InDest(directory) => format!(
            "the CA's keys in {} are its own: it is a complete CA",
            directory.display()
        ),
        Keys::InSource(directory) => format!(
            "the CA's keys were not copied: they stay in {0}; copy ca_key.pem (and root_key.pem) \
             {nodes} (`cert --cadir {0} export --ca-standby` bundles them)",
            directory.display()
        ),
        Keys::Elsewhere => format!(
            "the CA's keys are not in {}: copy ca_key.pem (and root_key.pem) {nodes} from a node \
             that signs for it (`cert export --ca-standby` there bundles them)",
            migrated.source
        ),
    }
}

fn count(number: usize, what: &str) -> String {
    match (number, what.strip_suffix('y')) {
        (1, _) => format!("1 {what}"),
        (_, Some(stem)) => format!("{number} {stem}ies"),
        _ => format!("{number} {what}s"),
    }
}

fn summary_json(migrated: &Migrated) -> serde_json::Value {
    let (keys, directory) = match &migrated.keys {
        Keys::InDest(directory) => ("dest", Some(directory.display().to_string())),
        Keys::InSource(directory) => ("source", Some(directory.display().to_string())),
        Keys::Elsewhere => ("elsewhere", None),
    };
    json!({
        "source": migrated.source.to_string(),
        "dest": migrated.dest.to_string(),
        "signed": migrated.signed,
        "requests": migrated.requests,
        "inventory": migrated.inventory,
        "revocations": migrated.revocations,
        "archives": migrated.archives,
        "files": migrated.files,
        "audit_lines": migrated.audit_lines,
        "next_serial": migrated.next_serial.to_string(),
        "keys": keys,
        "keys_directory": directory,
        "left_behind": migrated.left_behind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "inventory entry"), "1 inventory entry");
        assert_eq!(count(5, "inventory entry"), "5 inventory entries");
        assert_eq!(count(0, "request"), "0 requests");
    }
}
