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

/// Parse puppetserver's duration syntax (its `ca.conf` `auto-renewal-cert-ttl`): one or more
/// `<number><unit>` pairs added up, spaces ignored (`90d`, `1y 30d`, `12h30m`), or a bare number
/// of seconds. The errors are [`parse`]'s, naming the whole value.
pub fn parse_sum(what: &'static str, value: &str) -> Result<Duration, DurationError> {
    let compact: String = value.chars().filter(|c| *c != ' ').collect();
    let whole = |error: DurationError| match error {
        DurationError::NotANumber { what, .. } => DurationError::NotANumber {
            what,
            value: value.to_owned(),
        },
        DurationError::TooLarge { what, .. } => DurationError::TooLarge {
            what,
            value: value.to_owned(),
        },
        DurationError::UnknownUnit { what, .. } => DurationError::UnknownUnit {
            what,
            value: value.to_owned(),
        },
    };
    if compact.is_empty() {
        return Err(whole(parse(what, "").unwrap_err()));
    }
    let mut total = Duration::ZERO;
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        // One pair: digits, then a letter when there is one.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let end = match rest[digits..].chars().next() {
            Some(c) if c.is_ascii_alphabetic() => digits + c.len_utf8(),
            Some(_) if digits == 0 => rest.len(),
            _ => digits,
        };
        let (pair, tail) = rest.split_at(end.max(1).min(rest.len()));
        let seconds = parse(what, pair).map_err(whole)?;
        total = total.checked_add(seconds).ok_or_else(|| {
            whole(DurationError::TooLarge {
                what,
                value: String::new(),
            })
        })?;
        rest = tail;
    }
    Ok(total)
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
    fn puppetserver_durations_add_up() {
        for (text, seconds) in [
            ("90d", 90 * 86_400),
            ("1y 30d", 395 * 86_400),
            ("12h30m", 45_000),
            ("3600", 3600),
        ] {
            assert_eq!(
                parse_sum("auto-renewal-cert-ttl", text).unwrap(),
                Duration::from_secs(seconds),
                "{text}"
            );
        }
        for text in ["", "d", "5w", "1.5d", "30d x", "-1d"] {
            let error = parse_sum("auto-renewal-cert-ttl", text).unwrap_err();
            assert!(
                error.to_string().contains(&format!("{text:?}")),
                "{text}: {error}"
            );
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
