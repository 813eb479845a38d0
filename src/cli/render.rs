//! Rendering results: tables for people (comfy-table), JSON for scripts, and the exact lines
//! `puppet cert` printed. Nothing here decides anything about certificates.

use comfy_table::{presets, Table};
use serde_json::Value;

use cert::ca::{Entry, State};
use cert::store::inventory::format_time;

/// The entries as a table: name, state, serial, expiry, fingerprint, alt names.
pub(crate) fn table(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "No certificates to list\n".into();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "name",
        "state",
        "serial",
        "expires",
        "SHA256 fingerprint",
        "alt names",
    ]);
    for entry in entries {
        table.add_row([
            entry.name.to_string(),
            entry.state.as_str().to_string(),
            entry.serial.map(|s| s.to_string()).unwrap_or_default(),
            entry.not_after.map(format_time).unwrap_or_default(),
            entry.fingerprint.clone(),
            entry.alt_names.join(", "),
        ]);
    }
    format!("{table}\n")
}

/// `puppet cert --list` lines: `+ "name" (SHA256) FP (alt names: "DNS:a", "DNS:b")`.
pub(crate) fn puppet_lines(entries: &[Entry]) -> String {
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
            line.push_str(" (certificate revoked)");
        }
        let alt: Vec<String> = entry
            .alt_names
            .iter()
            .filter(|a| **a != format!("DNS:{}", entry.name))
            .map(|a| format!("{a:?}"))
            .collect();
        if !alt.is_empty() {
            line.push_str(&format!(" (alt names: {})", alt.join(", ")));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Entries as a JSON array.
pub(crate) fn entries_json(entries: &[Entry]) -> String {
    let values: Vec<Value> = entries.iter().map(cert::status::entry_json).collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&values).unwrap_or_default()
    )
}
