//! `inventory.txt`: one line per issued certificate, in Puppet's format.
//!
//! `0x0005 2026-11-22T07:14:40UTC 2031-11-22T07:14:40UTC /CN=node2.example.com`; puppetserver
//! writes `%04X`, the old Ruby CA `%04x`: both are read, `%04X` is written. Parsing and
//! formatting only: the store reads and appends the file.

use time::OffsetDateTime;

use crate::certificate::Serial;
use crate::timestamp::{format_time, parse_time};

/// One inventory line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Serial.
    pub serial: Serial,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// Subject, `/CN=name`.
    pub subject: String,
}

impl Line {
    /// Parse one line; `None` for a line that is not in the format.
    pub fn parse(text: &str) -> Option<Line> {
        let mut fields = text.trim_end().splitn(4, ' ');
        let serial = fields.next()?.strip_prefix("0x")?;
        let serial = Serial(u128::from_str_radix(serial, 16).ok()?);
        let not_before = parse_time(fields.next()?)?;
        let not_after = parse_time(fields.next()?)?;
        let subject = fields.next()?.to_owned();
        Some(Line {
            serial,
            not_before,
            not_after,
            subject,
        })
    }

    /// The certname in the subject (`/CN=name`).
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .split('/')
            .find_map(|part| part.strip_prefix("CN="))
    }

    /// The line as Puppet writes it, with the trailing newline.
    pub fn format(&self) -> String {
        format!(
            "0x{} {} {} {}\n",
            self.serial,
            format_time(self.not_before),
            format_time(self.not_after),
            self.subject
        )
    }
}

/// Parse a whole inventory, skipping lines that are not in the format.
pub fn parse(text: &str) -> Vec<Line> {
    text.lines().filter_map(Line::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_puppetserver_lines() {
        let text = "0x0005 2026-11-22T07:14:40UTC 2031-11-22T07:14:40UTC /CN=node2.example.com\n";
        let line = Line::parse(text).unwrap();
        assert_eq!(line.serial, Serial(5));
        assert_eq!(line.common_name(), Some("node2.example.com"));
        assert_eq!(line.format(), text);
    }

    #[test]
    fn reads_lowercase_ruby_ca_lines_and_skips_junk() {
        let lines = parse("0x00ff 2013-01-01T00:00:00UTC 2018-01-01T00:00:00UTC /CN=old\njunk\n\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].serial, Serial(255));
        assert!(lines[0].format().starts_with("0x00FF "));
    }
}
