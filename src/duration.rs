//! Puppet's duration syntax for lifetimes and intervals: `3600`, `30s`, `15m`, `12h`, `30d`, `5y`.
//!
//! A year is 365 days, as in Puppet. This module only parses and prints; it knows no clock.

use std::time::Duration;

use crate::error::Error;

/// Parse a Puppet duration: an integer number of seconds, or an integer followed by one of
/// `s`, `m`, `h`, `d`, `y`.
pub fn parse(what: &'static str, value: &str) -> Result<Duration, Error> {
    let bad = |reason: &str| Error::Value {
        what,
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let text = value;
    let (digits, unit) = match text.char_indices().last() {
        Some((index, c)) if c.is_ascii_alphabetic() => (&text[..index], c),
        Some(_) => (text, 's'),
        None => {
            return Err(bad(
                "expected a number with an optional unit s, m, h, d or y",
            ))
        }
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "expected a number with an optional unit s, m, h, d or y",
        ));
    }
    let count: u64 = digits
        .parse()
        .map_err(|_| bad("expected a number with an optional unit s, m, h, d or y"))?;
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'y' => 365 * 86_400,
        _ => return Err(bad("unknown unit; use s, m, h, d or y")),
    };
    count
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| bad("too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_puppet_durations() {
        for (text, seconds) in [
            ("3600", 3600),
            ("30s", 30),
            ("15m", 900),
            ("12h", 43_200),
            ("30d", 2_592_000),
            ("5y", 157_680_000),
            ("1y", 31_536_000),
        ] {
            assert_eq!(
                parse("ttl", text).unwrap(),
                Duration::from_secs(seconds),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_garbage() {
        for text in [
            "",
            "y",
            "5w",
            "-1",
            "+1",
            " 5",
            "1.5d",
            "99999999999999999999y",
        ] {
            let error = parse("ttl", text).unwrap_err().to_string();
            assert!(error.starts_with("invalid ttl"), "{text}: {error}");
        }
    }
}
