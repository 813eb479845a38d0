//! Puppet's duration syntax for lifetimes and intervals: `3600`, `30s`, `15m`, `12h`, `30d`, `5y`.
//!
//! A year is 365 days, as in Puppet. This module only parses; it knows no clock and no setting
//! (a bad `ca_ttl` in puppet.conf is reported by [`crate::settings`], wrapping this error).

use std::time::Duration;

use crate::error::DurationError;

/// Parse a Puppet duration: an integer number of seconds, or an integer followed by one of
/// `s`, `m`, `h`, `d`, `y`. `what` names the value in the error (`ttl`, `runinterval`, ...).
pub fn parse(what: &'static str, value: &str) -> Result<Duration, DurationError> {
    let not_a_number = || DurationError::NotANumber {
        what,
        value: value.to_owned(),
    };
    let (digits, unit) = match value.char_indices().last() {
        Some((index, c)) if c.is_ascii_alphabetic() => (&value[..index], c),
        Some(_) => (value, 's'),
        None => return Err(not_a_number()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let count: u64 = digits.parse().map_err(|_| not_a_number())?;
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'y' => 365 * 86_400,
        _ => {
            return Err(DurationError::UnknownUnit {
                what,
                value: value.to_owned(),
            })
        }
    };
    count
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| DurationError::TooLarge {
            what,
            value: value.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_puppet_durations() {
        for (text, seconds) in [
            ("3600", 3600),
            ("0", 0),
            ("15s", 15),
            ("30s", 30),
            ("2m", 120),
            ("15m", 900),
            ("1h", 3600),
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
            "5Y",
            "-1",
            "-5",
            "+1",
            " 5",
            "1.5d",
            "1.5h",
            "99999999999999999999y",
        ] {
            let error = parse("ttl", text).unwrap_err().to_string();
            assert!(error.starts_with("invalid ttl"), "{text}: {error}");
        }
    }

    #[test]
    fn errors_say_which_rule_was_broken() {
        let cases = [
            (
                "",
                "invalid ttl \"\": expected a number with an optional unit s, m, h, d or y",
            ),
            (
                "5w",
                "invalid ttl \"5w\": unknown unit; use s, m, h, d or y",
            ),
            ("999999999999y", "invalid ttl \"999999999999y\": too large"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse("ttl", text).unwrap_err().to_string(), expected);
        }
        assert!(matches!(
            parse("ca_ttl", "5Y"),
            Err(DurationError::UnknownUnit { what: "ca_ttl", .. })
        ));
    }
}
