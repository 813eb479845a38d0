//! `csr_attributes.yaml`: the `custom_attributes` and `extension_requests` a Puppet agent puts
//! in its CSR. Only the subset of YAML that file uses is read: two top-level mappings of
//! `key: value` scalars (plain, single- or double-quoted), comments and a `---` header.
//! Keys are dotted OIDs or Puppet's short names (`pp_uuid`, `pp_role`, `challengePassword`).
//! It reads and parses the file; putting the values into a CSR is [`crate::csr`]'s.

use crate::error::{AgentError, Error, FileError};
use crate::extension;

/// The two sections the file may have.
const SECTIONS: &str = "expected custom_attributes or extension_requests";

/// What the file asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsrAttributes {
    /// CSR attributes other than the extension request: OID arcs and a string value.
    pub custom_attributes: Vec<(Vec<u64>, String)>,
    /// Extensions to request: OID arcs and a string value.
    pub extension_requests: Vec<(Vec<u64>, String)>,
}

/// Why the file cannot be used: line number and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributesError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl CsrAttributes {
    /// Put `value` in the challengePassword attribute (an enrolment token, `cert agent
    /// --token`), instead of any the file gave.
    pub fn set_challenge_password(&mut self, value: &str) {
        let oid = crate::token::CHALLENGE_PASSWORD;
        self.custom_attributes.retain(|(arcs, _)| arcs != oid);
        self.custom_attributes
            .push((oid.to_vec(), value.to_owned()));
    }

    /// Read the file at `path`; a missing file asks for nothing.
    pub fn read(path: &std::path::Path) -> Result<CsrAttributes, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CsrAttributes::default())
            }
            Err(e) => return Err(FileError::io("read", path, e).into()),
        };
        CsrAttributes::parse(&text).map_err(|e| {
            AgentError::CsrAttributes {
                path: path.to_owned(),
                line: e.line,
                reason: e.reason,
            }
            .into()
        })
    }

    /// Parse the file's text.
    pub fn parse(text: &str) -> Result<CsrAttributes, AttributesError> {
        let mut attributes = CsrAttributes::default();
        let mut section: Option<&str> = None;
        for (index, raw) in text.lines().enumerate() {
            let bad = |reason: String| AttributesError {
                line: index + 1,
                reason,
            };
            let line = strip_comment(raw);
            if line.trim().is_empty() || line.trim() == "---" {
                continue;
            }
            let indented = line.starts_with([' ', '\t']);
            let (key, value) = line
                .trim()
                .split_once(':')
                .ok_or_else(|| bad("expected `key: value`".into()))?;
            let key = unquote(key.trim()).map_err(bad)?;
            let value = value.trim();
            if !indented {
                if !value.is_empty() && value != "{}" {
                    return Err(bad(format!("top-level key {key:?} must be a mapping")));
                }
                section = match key.as_str() {
                    "custom_attributes" => Some("custom_attributes"),
                    "extension_requests" => Some("extension_requests"),
                    other => return Err(bad(format!("unknown key {other:?}; {SECTIONS}"))),
                };
                continue;
            }
            let Some(target) = section else {
                return Err(bad("indented line outside a section".into()));
            };
            let value = unquote(value).map_err(bad)?;
            let oid =
                oid(&key).ok_or_else(|| bad(format!("{key:?} is not an OID or known name")))?;
            match target {
                "custom_attributes" => attributes.custom_attributes.push((oid, value)),
                _ => attributes.extension_requests.push((oid, value)),
            }
        }
        Ok(attributes)
    }
}

fn strip_comment(line: &str) -> &str {
    // A `#` starts a comment at the line start or after a space, outside quotes.
    let mut quote = None;
    let mut previous = ' ';
    for (index, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous == ' ' || previous == '\t' => return &line[..index],
            _ => {}
        }
        previous = c;
    }
    line
}

fn unquote(text: &str) -> Result<String, String> {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote) {
            return inner
                .strip_suffix(quote)
                .map(str::to_owned)
                .ok_or_else(|| format!("unterminated quote in {text:?}"));
        }
    }
    Ok(text.to_owned())
}

/// A dotted OID, or one of Puppet's short names.
fn oid(key: &str) -> Option<Vec<u64>> {
    if key == "challengePassword" {
        return Some(vec![1, 2, 840, 113549, 1, 9, 7]);
    }
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        let arcs: Option<Vec<u64>> = key.split('.').map(|a| a.parse().ok()).collect();
        return arcs.filter(|a| a.len() >= 2);
    }
    let puppet = [1u64, 3, 6, 1, 4, 1, 34380, 1];
    for (group, count) in [(1u64, 25u64), (3, 39)] {
        for n in 1..=count {
            let mut arcs = puppet.to_vec();
            arcs.extend([group, n]);
            if extension::oid_name(&arcs) == Some(key) {
                return Some(arcs);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puppet_example() {
        let text = "---\n# made by provisioning\ncustom_attributes:\n  1.2.840.113549.1.9.7: \"342thbjkt82094y0uthhor289jnqthpc2290\"\nextension_requests:\n  pp_uuid: ED803750-E3C7-44F5-BB08-41A04433FE2E\n  pp_image_name: 'my_ami_image'  # note\n  1.3.6.1.4.1.34380.1.2.1: private value\n";
        let parsed = CsrAttributes::parse(text).unwrap();
        assert_eq!(
            parsed.custom_attributes,
            vec![(
                vec![1, 2, 840, 113549, 1, 9, 7],
                "342thbjkt82094y0uthhor289jnqthpc2290".to_owned()
            )]
        );
        assert_eq!(parsed.extension_requests.len(), 3);
        assert_eq!(
            parsed.extension_requests[0].0,
            vec![1, 3, 6, 1, 4, 1, 34380, 1, 1, 1]
        );
        assert_eq!(parsed.extension_requests[1].1, "my_ami_image");
        assert_eq!(parsed.extension_requests[2].1, "private value");
    }

    #[test]
    fn refusals() {
        assert_eq!(CsrAttributes::parse("foo:\n  a: b\n").unwrap_err().line, 1);
        assert_eq!(
            CsrAttributes::parse("extension_requests:\n  pp_nonsense: x\n")
                .unwrap_err()
                .line,
            2
        );
        assert!(CsrAttributes::parse("  pp_uuid: x\n").is_err());
        assert_eq!(CsrAttributes::parse("").unwrap(), CsrAttributes::default());
    }

    #[test]
    fn read_says_which_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("csr_attributes.yaml");
        assert_eq!(
            CsrAttributes::read(&path).unwrap(),
            CsrAttributes::default()
        );
        std::fs::write(&path, "extension_requests:\n  pp_nonsense: x\n").unwrap();
        let error = CsrAttributes::read(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "invalid csr_attributes \"{}:2\": \"pp_nonsense\" is not an OID or known name",
                path.display()
            )
        );
    }
}
