//! puppetserver's `ca.conf`: where the CA's issuance policy ([`Policy`]) and its renewal rule
//! ([`Renewal`]) come from.
//!
//! Owns reading `allow-subject-alt-names`, `allow-authorization-extensions`,
//! `allow-auto-renewal`, `auto-renewal-cert-ttl`, `ca-ttl` and `enable-infra-crl` from the `certificate-authority` block of
//! puppetserver's `conf.d/ca.conf` (HOCON). The switches are off when the file, the block or the
//! key is missing, and the renewal lifetime is 90 days, as in puppetserver 8. Does not own what
//! the policy means (that is [`crate::authority::Policy::check`]) nor where the file is (that
//! is [`crate::settings::Settings::ca_conf`]). Its errors are [`SettingsError`]s.
//!
//! The reader is deliberately small and tolerant rather than a HOCON implementation: `#` and
//! `//` comments, `key: value`, `key = value`, `key { ... }`, `key: { ... }`, dotted keys
//! (`certificate-authority.allow-subject-alt-names: true`), quoted keys and values, commas and
//! arrays are understood; later keys win. Every other key is ignored. A value of one of these keys
//! that is not a boolean (or, for the lifetime, a duration) is an error naming the file and
//! line, never a guess.

use std::path::Path;
use std::time::Duration;

use crate::authority::Policy;
use crate::error::{SettingsError, SyntaxReason};

/// The block holding the CA's settings.
const BLOCK: &str = "certificate-authority";

/// puppetserver's default `auto-renewal-cert-ttl`: 90 days.
pub const DEFAULT_RENEWAL_TTL: Duration = Duration::from_secs(90 * 86_400);

/// What `ca.conf` says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaConf {
    /// What requests may carry.
    pub policy: Policy,
    /// Whether and for how long certificates are renewed.
    pub renewal: Renewal,
    /// `ca-ttl`: the lifetime of issued certificates, over puppet.conf's `ca_ttl` when set (as
    /// puppetserver 8.1 and later take it, with a warning when both are set).
    pub ca_ttl: Option<Duration>,
    /// `enable-infra-crl`: agents get the infrastructure CRL (`infra_crl.pem`, only the
    /// revoked certificates of the nodes in `infra_inventory.txt`) instead of the whole CRL.
    pub enable_infra_crl: bool,
}

/// puppetserver's automatic renewal: `allow-auto-renewal` (off by default) turns on
/// `certificate_renewal` and, for agents that say they can renew (the `pp_auth_auto_renew`
/// attribute in their CSR), certificates of `auto-renewal-cert-ttl` (90 days by default)
/// instead of `ca_ttl`; renewed certificates get that lifetime too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewal {
    /// `allow-auto-renewal`.
    pub allowed: bool,
    /// `auto-renewal-cert-ttl`.
    pub ttl: Duration,
}

impl Default for Renewal {
    fn default() -> Renewal {
        Renewal {
            allowed: false,
            ttl: DEFAULT_RENEWAL_TTL,
        }
    }
}

/// Reads the `ca.conf` at `path`; a missing file is the defaults.
pub fn load(path: &Path) -> Result<CaConf, SettingsError> {
    match std::fs::read(path) {
        Ok(bytes) => parse(path, &String::from_utf8_lossy(&bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(CaConf::default()),
        Err(error) => Err(SettingsError::Read {
            path: path.to_path_buf(),
            reason: error.to_string().to_lowercase(),
        }),
    }
}

/// Parses the text of the `ca.conf` at `path` (used only in errors).
pub fn parse(path: &Path, text: &str) -> Result<CaConf, SettingsError> {
    let mut conf = CaConf::default();
    for (key, value, line) in assignments(text) {
        let Some(name) = key
            .strip_prefix(BLOCK)
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            continue;
        };
        let target = match name {
            "allow-subject-alt-names" => &mut conf.policy.allow_subject_alt_names,
            "allow-authorization-extensions" => &mut conf.policy.allow_authorization_extensions,
            "allow-auto-renewal" => &mut conf.renewal.allowed,
            "enable-infra-crl" => &mut conf.enable_infra_crl,
            "auto-renewal-cert-ttl" => {
                conf.renewal.ttl = crate::duration::parse_sum("auto-renewal-cert-ttl", &value)
                    .map_err(|error| SettingsError::Syntax {
                        path: Some(path.to_path_buf()),
                        line,
                        reason: SyntaxReason::Duration(error),
                    })?;
                continue;
            }
            "ca-ttl" => {
                conf.ca_ttl = Some(crate::duration::parse_sum("ca-ttl", &value).map_err(
                    |error| SettingsError::Syntax {
                        path: Some(path.to_path_buf()),
                        line,
                        reason: SyntaxReason::Duration(error),
                    },
                )?);
                continue;
            }
            _ => continue,
        };
        *target = match value.as_str() {
            "true" | "yes" | "on" => true,
            "false" | "no" | "off" => false,
            other => {
                return Err(SettingsError::Syntax {
                    path: Some(path.to_path_buf()),
                    line,
                    reason: SyntaxReason::NotBoolean {
                        key,
                        value: other.to_owned(),
                    },
                })
            }
        };
    }
    Ok(conf)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Close,
    Comma,
    Newline,
    Open,
    Separator,
    SkipArray,
    Word(String),
}

/// Every `key = value` of the text with its full dotted key and line number, in order.
fn assignments(text: &str) -> Vec<(String, String, usize)> {
    let tokens = tokenize(text);
    let mut found = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let (token, line) = &tokens[index];
        index += 1;
        let key = match token {
            Token::Close => {
                stack.pop();
                continue;
            }
            Token::Word(word) => word.trim_matches('"').to_string(),
            _ => continue,
        };
        while matches!(tokens.get(index), Some((Token::Separator, _))) {
            index += 1;
        }
        let full = stack
            .iter()
            .cloned()
            .chain(std::iter::once(key))
            .collect::<Vec<_>>()
            .join(".");
        match tokens.get(index) {
            Some((Token::Open, _)) => {
                index += 1;
                stack.push(full);
            }
            Some((Token::Word(_), _)) => {
                let mut words = Vec::new();
                while let Some((Token::Word(word), _)) = tokens.get(index) {
                    words.push(word.trim_matches('"').to_string());
                    index += 1;
                }
                found.push((full, words.join(" "), *line));
            }
            _ => {}
        }
    }
    found
}

/// Splits HOCON-ish text into tokens with line numbers; comments and arrays are dropped.
fn tokenize(text: &str) -> Vec<(Token, usize)> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    let mut array_depth = 0usize;
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        if c == '#' || (c == '/' && next == Some('/')) {
            while index < chars.len() && chars[index] != '\n' {
                index += 1;
            }
            continue;
        }
        if c == '\n' {
            line += 1;
            index += 1;
            if array_depth == 0 {
                tokens.push((Token::Newline, line - 1));
            }
            continue;
        }
        if c == '[' {
            array_depth += 1;
            index += 1;
            continue;
        }
        if c == ']' {
            array_depth = array_depth.saturating_sub(1);
            if array_depth == 0 {
                tokens.push((Token::SkipArray, line));
            }
            index += 1;
            continue;
        }
        if array_depth > 0 || c.is_whitespace() {
            index += 1;
            continue;
        }
        let simple = match c {
            '{' => Some(Token::Open),
            '}' => Some(Token::Close),
            ',' => Some(Token::Comma),
            ':' | '=' => Some(Token::Separator),
            _ => None,
        };
        if let Some(token) = simple {
            tokens.push((token, line));
            index += 1;
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            word.push(c);
            index += 1;
            while index < chars.len() && chars[index] != '"' && chars[index] != '\n' {
                word.push(chars[index]);
                index += 1;
            }
            if chars.get(index) == Some(&'"') {
                word.push('"');
                index += 1;
            }
        } else {
            while index < chars.len() {
                let c = chars[index];
                if c == '$' && chars.get(index + 1) == Some(&'{') {
                    while index < chars.len() && chars[index] != '}' && chars[index] != '\n' {
                        word.push(chars[index]);
                        index += 1;
                    }
                    continue;
                }
                let stop = c.is_whitespace()
                    || matches!(c, '{' | '}' | '[' | ']' | ',' | ':' | '=' | '#' | '"')
                    || (c == '/' && chars.get(index + 1) == Some(&'/'));
                if stop {
                    break;
                }
                word.push(c);
                index += 1;
            }
        }
        if word.is_empty() {
            // A character no rule above consumed; skip it rather than loop.
            index += 1;
            continue;
        }
        tokens.push((Token::Word(word), line));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<Policy, String> {
        parse(Path::new("/etc/ca.conf"), text)
            .map(|conf| conf.policy)
            .map_err(|error| error.to_string())
    }

    fn renewal(text: &str) -> Result<Renewal, String> {
        parse(Path::new("/etc/ca.conf"), text)
            .map(|conf| conf.renewal)
            .map_err(|error| error.to_string())
    }

    /// puppetserver 8's renewal settings and their defaults.
    #[test]
    fn renewal_is_off_by_default_with_ninety_days() {
        assert_eq!(
            renewal(""),
            Ok(Renewal {
                allowed: false,
                ttl: Duration::from_secs(90 * 86_400)
            })
        );
        assert_eq!(
            renewal(
                "certificate-authority: {\n  allow-auto-renewal: true\n  \
                 auto-renewal-cert-ttl: \"60d\"\n}\n"
            ),
            Ok(Renewal {
                allowed: true,
                ttl: Duration::from_secs(60 * 86_400)
            })
        );
        assert_eq!(
            renewal("certificate-authority.auto-renewal-cert-ttl: 1y 30d"),
            Ok(Renewal {
                allowed: false,
                ttl: Duration::from_secs(395 * 86_400)
            })
        );
        let error =
            renewal("certificate-authority {\n auto-renewal-cert-ttl: soon\n}").unwrap_err();
        assert!(error.contains("/etc/ca.conf line 2"), "{error}");
        assert!(error.contains("\"soon\""), "{error}");
        let error = renewal("certificate-authority { allow-auto-renewal: sometimes }").unwrap_err();
        assert!(error.contains("not true or false"), "{error}");
    }

    /// puppetserver 8.1's `ca-ttl` in ca.conf, in its duration syntax.
    #[test]
    fn ca_ttl_is_read_when_set() {
        let ca_ttl = |text: &str| parse(Path::new("/etc/ca.conf"), text).map(|c| c.ca_ttl);
        assert_eq!(ca_ttl("").unwrap(), None);
        assert_eq!(
            ca_ttl("certificate-authority: {\n  ca-ttl: 2y\n}\n").unwrap(),
            Some(Duration::from_secs(2 * 365 * 86_400))
        );
        assert_eq!(
            ca_ttl("certificate-authority.ca-ttl: 3600").unwrap(),
            Some(Duration::from_secs(3600))
        );
        assert!(ca_ttl("certificate-authority { ca-ttl: forever }").is_err());
        let infra = |text: &str| parse(Path::new("/etc/ca.conf"), text).map(|c| c.enable_infra_crl);
        assert!(!infra("").unwrap());
        assert!(infra("certificate-authority: {\n  enable-infra-crl: true\n}\n").unwrap());
    }

    fn allows(subject_alt_names: bool, authorization_extensions: bool) -> Result<Policy, String> {
        Ok(Policy {
            allow_subject_alt_names: subject_alt_names,
            allow_authorization_extensions: authorization_extensions,
        })
    }

    #[test]
    fn puppetserver_default_file_allows_nothing() {
        let text = "# CA-related settings\ncertificate-authority: {\n    # allow CA to sign \
                    certificate requests that have subject alternative names.\n    \
                    # allow-subject-alt-names: false\n\n    \
                    # allow-authorization-extensions: false\n    \
                    # enable-infra-crl: false\n}\n";
        assert_eq!(policy(text), allows(false, false));
        assert_eq!(policy(""), allows(false, false));
    }

    #[test]
    fn the_shapes_hocon_allows() {
        let table = [
            (
                "certificate-authority: {\n  allow-subject-alt-names: true\n}\n",
                allows(true, false),
            ),
            (
                "certificate-authority {\n allow-authorization-extensions = true,\n \
                 allow-subject-alt-names = \"true\"\n}",
                allows(true, true),
            ),
            (
                "certificate-authority { allow-subject-alt-names: true }",
                allows(true, false),
            ),
            (
                "certificate-authority.allow-authorization-extensions: true // on",
                allows(false, true),
            ),
            (
                "\"certificate-authority\": {\n  enable-infra-crl: false\n  \
                 allowed: [a, \"b\",\n c]\n  allow-subject-alt-names: true # yes\n}",
                allows(true, false),
            ),
            (
                "other { allow-subject-alt-names: true }\nallow-subject-alt-names: true",
                allows(false, false),
            ),
            (
                "certificate-authority { allow-subject-alt-names: true }\n\
                 certificate-authority.allow-subject-alt-names: false",
                allows(false, false),
            ),
            (
                "webserver: { ssl-cert: ${x}/y.pem }\ncertificate-authority: {\n  \
                 allow-subject-alt-names: on\n}",
                allows(true, false),
            ),
        ];
        for (text, expected) in table {
            assert_eq!(policy(text), expected, "{text}");
        }
    }

    #[test]
    fn a_non_boolean_policy_value_is_an_error_with_its_line() {
        assert_eq!(
            policy("certificate-authority: {\n\n  allow-subject-alt-names: maybe\n}"),
            Err(
                "cannot parse /etc/ca.conf line 3: certificate-authority.allow-subject-alt-names \
                 is \"maybe\", not true or false"
                    .into()
            )
        );
    }

    #[test]
    fn a_missing_file_is_the_default_policy() {
        assert_eq!(
            load(Path::new("/nonexistent/conf.d/ca.conf")).ok(),
            Some(CaConf::default())
        );
    }
}
