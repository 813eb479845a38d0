//! Puppet's timestamps (`2026-11-22T07:14:40UTC`, always UTC, whole seconds): what
//! `inventory.txt` lines, `certificate_status` JSON and messages about expiry say. Formatting
//! and parsing only.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

const TIME_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]UTC");

/// Puppet's time format: `2026-11-22T07:14:40UTC`.
pub fn format_time(time: OffsetDateTime) -> String {
    time.to_offset(time::UtcOffset::UTC)
        .format(TIME_FORMAT)
        .unwrap_or_default()
}

/// Parse Puppet's time format.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, TIME_FORMAT)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}
