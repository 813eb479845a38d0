//! Rendering results: tables for people (comfy-table) on a terminal and the same columns as
//! plain aligned text elsewhere (for `grep` and `awk`), JSON for scripts, and the exact lines
//! `puppet cert` printed. Nothing here decides anything about certificates.

use std::fmt::Display;
use std::net::IpAddr;

use comfy_table::{presets, Table};
use serde_json::{json, Value};
use time::OffsetDateTime;

use cert::autosign::Reason;
use cert::ca::{CertificateStatus, Expiring, Outcome, State, Verdict};
use cert::timestamp::format_time;
use cert::wire::certificate_status_json;

/// The entries with the columns name, state, serial, expiry, fingerprint, alt names, and an
/// `autosign` column saying what autosign would do with each request when `verdicts` is not
/// empty: a box-drawn table on a `terminal`, plain text otherwise (see [`plain`]).
pub(crate) fn listing(
    entries: &[CertificateStatus],
    verdicts: &[Outcome<Verdict>],
    terminal: bool,
) -> String {
    if entries.is_empty() {
        return "No certificates to list\n".into();
    }
    let mut header = vec![
        "name",
        "state",
        "serial",
        "expires",
        "SHA256 fingerprint",
        "alt names",
    ];
    if !verdicts.is_empty() {
        header.push("autosign");
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            let mut row = vec![
                entry.name.to_string(),
                entry.state.as_str().to_string(),
                entry.serial.map(|s| s.to_string()).unwrap_or_default(),
                entry.not_after.map(format_time).unwrap_or_default(),
                entry.fingerprint.clone(),
                entry.alt_names.join(", "),
            ];
            if !verdicts.is_empty() {
                row.push(verdict_for(entry, verdicts).unwrap_or_default());
            }
            row
        })
        .collect();
    table(&header, &rows, terminal)
}

/// `rows` under `header`: a box-drawn table on a `terminal`, plain text otherwise (see
/// [`plain`]).
pub(crate) fn table(header: &[&str], rows: &[Vec<String>], terminal: bool) -> String {
    if !terminal {
        return plain(header, rows);
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(header);
    for row in rows {
        table.add_row(row);
    }
    format!("{table}\n")
}

/// Rows as plain text: one line each, the header first, columns left-aligned and two spaces
/// apart, an empty cell shown as `-` so every line has every column; no box characters, no
/// trailing spaces.
pub(crate) fn plain(header: &[&str], rows: &[Vec<String>]) -> String {
    let cells = |row: &[String]| -> Vec<String> {
        row.iter()
            .map(|cell| {
                if cell.is_empty() {
                    "-".to_string()
                } else {
                    cell.clone()
                }
            })
            .collect()
    };
    let lines: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| h.to_string()).collect())
        .chain(rows.iter().map(|row| cells(row)))
        .collect();
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            lines
                .iter()
                .map(|line| line.get(column).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (column, cell) in line.iter().enumerate() {
            if column + 1 == columns {
                text.push_str(cell);
            } else {
                let width = widths[column];
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// `puppet cert --list` lines: `+ "name" (SHA256) FP (alt names: "DNS:a", "DNS:b")`. The alt
/// names are what `puppet cert` printed: every subjectAltName entry, the certname's own DNS
/// entry included (puppet cert subtracted the bare certname from `DNS:`-prefixed strings, which
/// removes nothing), as OpenSSL spells them (`IP Address:10.0.0.1`); a certificate's in its
/// order, a request's sorted and unique (`CertificateRequest#subject_alt_names`); none for a
/// revoked certificate, which gets `(certificate revoked)` instead.
pub(crate) fn puppet_lines(entries: &[CertificateStatus]) -> String {
    let width = entries
        .iter()
        .map(|e| e.name.as_str().len() + 2)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for entry in entries {
        let glyph = match entry.state {
            State::Requested => ' ',
            State::Revoked => '-',
            State::Signed => '+',
        };
        let quoted = format!("{:?}", entry.name.as_str());
        let mut line = format!("{glyph} {quoted:<width$} (SHA256) {}", entry.fingerprint);
        if entry.state == State::Revoked {
            // puppet cert printed the verification error of a revoked certificate instead of
            // its alt names.
            line.push_str(" (certificate revoked)");
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        let mut alt: Vec<String> = entry
            .alt_names
            .iter()
            .map(|a| openssl_alt_name(a))
            .collect();
        if entry.state == State::Requested {
            alt.sort();
            alt.dedup();
        }
        let alt: Vec<String> = alt.iter().map(|a| format!("{a:?}")).collect();
        if !alt.is_empty() {
            line.push_str(&format!(" (alt names: {})", alt.join(", ")));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// An alt name as OpenSSL prints it (what Ruby, and so `puppet cert`, showed): `DNS:x`, and
/// `IP Address:10.0.0.1` or `IP Address:FE80:0:0:0:0:0:0:1` for addresses.
fn openssl_alt_name(alt_name: &str) -> String {
    match alt_name
        .strip_prefix("IP:")
        .and_then(|a| a.parse::<IpAddr>().ok())
    {
        Some(IpAddr::V4(address)) => format!("IP Address:{address}"),
        Some(IpAddr::V6(address)) => {
            let groups: Vec<String> = address
                .segments()
                .iter()
                .map(|group| format!("{group:X}"))
                .collect();
            format!("IP Address:{}", groups.join(":"))
        }
        None => alt_name.to_owned(),
    }
}

/// Entries as a JSON array, with an `autosign` object (`sign`, `reason`) on each request that
/// `verdicts` covers.
pub(crate) fn entries_json(entries: &[CertificateStatus], verdicts: &[Outcome<Verdict>]) -> String {
    let values: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let mut value = certificate_status_json(entry);
            if entry.state == State::Requested {
                if let Some((_, outcome)) = verdicts.iter().find(|(name, _)| *name == entry.name) {
                    value["autosign"] = verdict_json(outcome);
                }
            }
            value
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&values).unwrap_or_default()
    )
}

/// One verdict as JSON: `{"sign": bool, "reason": "..."}`, or `{"sign": false, "error": ...}`.
pub(crate) fn verdict_json(outcome: &Result<Verdict, cert::Error>) -> Value {
    match outcome {
        Ok(verdict) => json!({"sign": verdict.sign(), "reason": verdict.to_string()}),
        Err(error) => json!({"sign": false, "error": error.to_string()}),
    }
}

/// One line about what autosign would do with a request: `yes: ...` or `no: ...`.
pub(crate) fn verdict_line(outcome: &Result<Verdict, cert::Error>) -> String {
    match outcome {
        Ok(verdict) if verdict.sign() => format!("yes ({verdict})"),
        Ok(verdict) => format!("no ({verdict})"),
        Err(error) => format!("unknown ({error})"),
    }
}

fn verdict_for(entry: &CertificateStatus, verdicts: &[Outcome<Verdict>]) -> Option<String> {
    if entry.state != State::Requested {
        return None;
    }
    verdicts
        .iter()
        .find(|(name, _)| *name == entry.name)
        .map(|(_, outcome)| verdict_line(outcome))
}

/// One finding of `check --expiring`: `crl "Puppet CA: x" expires 2026-12-20T00:00:00UTC (in
/// 18 days)`, or `... expired ... (3 days ago)`.
pub(crate) fn expiring_line(finding: &Expiring, now: OffsetDateTime) -> String {
    let (verb, when) = if finding.expires > now {
        ("expires", format!("in {}", span(finding.expires - now)))
    } else {
        ("expired", format!("{} ago", span(now - finding.expires)))
    };
    format!(
        "{} {:?} {verb} {} ({when})",
        finding.kind.as_str(),
        finding.name,
        format_time(finding.expires)
    )
}

/// The findings of `check --expiring` as a JSON array of `{kind, name, expires, expired,
/// seconds_left}` (`seconds_left` negative once expired).
pub(crate) fn expiring_json(findings: &[Expiring], now: OffsetDateTime) -> Value {
    Value::Array(
        findings
            .iter()
            .map(|finding| {
                json!({
                    "kind": finding.kind.as_str(),
                    "name": finding.name,
                    "expires": format_time(finding.expires),
                    "expired": finding.expires <= now,
                    "seconds_left": (finding.expires - now).whole_seconds(),
                })
            })
            .collect(),
    )
}

/// A span of time in its largest whole unit: `18 days`, `5 hours`, `40 seconds`.
fn span(duration: time::Duration) -> String {
    let seconds = duration.whole_seconds().max(0);
    let (count, unit) = match seconds {
        s if s >= 2 * 86_400 => (s / 86_400, "day"),
        s if s >= 2 * 3_600 => (s / 3_600, "hour"),
        s if s >= 2 * 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// Items separated by `, `, as in `web01, db01` or `0x0002, 0x0005`.
pub(crate) fn joined<T: Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A policy program's captured stdout and stderr, each line prefixed with its stream; empty
/// for other reasons.
pub(crate) fn program_output(reason: &Reason) -> String {
    let (stdout, stderr) = match reason {
        Reason::ProgramExited { stdout, stderr, .. }
        | Reason::ProgramTimedOut { stdout, stderr, .. } => (stdout, stderr),
        _ => return String::new(),
    };
    let mut out = String::new();
    for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
        for line in text.lines() {
            out.push_str(&format!("  {stream}: {line}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Off a terminal, the listing has no box characters and its columns line up.
    #[test]
    fn plain_text_lines_up_without_boxes() {
        let rows = vec![
            vec!["a.test".to_string(), "signed".into(), "0002".into()],
            vec!["longer.test".to_string(), "requested".into(), String::new()],
        ];
        assert_eq!(
            plain(&["name", "state", "serial"], &rows),
            "name         state      serial\n\
             a.test       signed     0002\n\
             longer.test  requested  -\n"
        );
    }

    #[test]
    fn alt_names_as_openssl_prints_them() {
        assert_eq!(openssl_alt_name("DNS:a.test"), "DNS:a.test");
        assert_eq!(openssl_alt_name("IP:10.0.0.1"), "IP Address:10.0.0.1");
        assert_eq!(
            openssl_alt_name("IP:fe80::abcd:1"),
            "IP Address:FE80:0:0:0:0:0:ABCD:1"
        );
    }
}
