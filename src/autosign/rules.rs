//! `autosign.conf`: its glob rules, matching a certname against them, and their lint.
//!
//! Owns reading the text exactly as puppetserver 7 does, refusing invalid lines, and flagging
//! rules that match more than they appear to ([`Rules::warnings`]). It does not read the file
//! (the decision in the parent module does, at call time) nor run policy programs.
//!
//! `autosign.conf` follows puppetserver's `whitelist-matches?`: lines end at `\n`, `\r\n` or a
//! lone `\r` (Java `readLine`) and are otherwise *not* trimmed; lines starting with `#` and
//! blank lines are skipped; a line with whitespace or `#` anywhere is an invalid pattern,
//! reported and never matched, so `" a.example.com"` or `"*.example.com # web"` sign nothing
//! rather than being widened by trimming. `*` alone matches every name. A line starting with
//! `*` drops its first label and compares the rest to the certname from the right, ignoring
//! case, with trailing empty labels dropped as Java's `split` does: `*.example.com` matches
//! `example.com` itself, `*foo.com` acts as `*.com`, and `*.` or `*foo` match every name
//! ([`Rules::warnings`] flags all of these). Other lines are exact, case-sensitive names.
//! Puppetserver would treat a tab or other non-space whitespace as part of a name; we report
//! such lines as invalid instead, which can only narrow what is signed.

use std::fmt;
use std::path::{Path, PathBuf};

/// A parsed `autosign.conf`: its valid rules and the lines that were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    path: PathBuf,
    rules: Vec<Rule>,
    pub(super) invalid: Vec<InvalidLine>,
}

/// One valid pattern line of an `autosign.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Line number, counting from 1.
    pub line: usize,
    /// The line as written.
    pub pattern: String,
    kind: Pattern,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// A line `*`.
    Everything,
    /// A name compared as is.
    Exact,
    /// A `*`-led line: its labels after the first, lower-cased, as Java's `split` leaves them.
    Glob { domain: Vec<String> },
}

/// A line of an `autosign.conf` that is not a valid pattern; it never matches.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: invalid autosign pattern {text:?}: {reason}", path.display())]
pub struct InvalidLine {
    /// The file it is in.
    pub path: PathBuf,
    /// Line number, counting from 1.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A valid rule that matches more than it appears to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The file it is in.
    pub path: PathBuf,
    /// Line number, counting from 1.
    pub line: usize,
    /// The line as written.
    pub pattern: String,
    /// What is surprising about it.
    pub kind: WarningKind,
}

/// What is surprising about a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// A glob also matches its bare domain (`*.example.com` matches `example.com`).
    BareDomain {
        /// The bare domain it matches.
        domain: String,
    },
    /// The rule matches every certname (`*`, `*.`, `*foo`).
    EveryName,
    /// A glob's first label is more than `*` and is ignored (`*foo.com` acts as `*.com`).
    IgnoredPrefix {
        /// The glob it behaves like.
        behaves_like: String,
    },
    /// An exact name with upper-case letters, which never matches a (lower-case) certname.
    UpperCase,
}

impl fmt::Display for Warning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = format!("{}:{}", self.path.display(), self.line);
        let pattern = &self.pattern;
        match &self.kind {
            WarningKind::BareDomain { domain } => write!(
                formatter,
                "{location}: autosign pattern {pattern:?} also matches the bare domain {domain:?}"
            ),
            WarningKind::EveryName => {
                write!(
                    formatter,
                    "{location}: autosign pattern {pattern:?} matches every certname"
                )
            }
            WarningKind::IgnoredPrefix { behaves_like } => write!(
                formatter,
                "{location}: autosign pattern {pattern:?} behaves like {behaves_like:?}"
            ),
            WarningKind::UpperCase => write!(
                formatter,
                "{location}: autosign pattern {pattern:?} has upper-case letters and never matches"
            ),
        }
    }
}

impl Rules {
    /// Parses the text of the `autosign.conf` at `path` (used only in reports).
    pub fn parse(path: &Path, text: &str) -> Rules {
        let mut rules = Vec::new();
        let mut invalid = Vec::new();
        for (index, line) in split_lines(text).into_iter().enumerate() {
            let number = index + 1;
            if line.starts_with('#') || line.chars().all(char::is_whitespace) {
                continue;
            }
            let reason = if line.trim() != line {
                Some("it has leading or trailing whitespace")
            } else if line.contains(char::is_whitespace) {
                Some("it contains whitespace")
            } else if line.contains('#') {
                Some("it contains '#'")
            } else {
                None
            };
            if let Some(reason) = reason {
                invalid.push(InvalidLine {
                    path: path.to_path_buf(),
                    line: number,
                    text: line.to_string(),
                    reason: reason.to_string(),
                });
                continue;
            }
            let kind = if line == "*" {
                Pattern::Everything
            } else if line.starts_with('*') {
                let lower = line.to_lowercase();
                let labels = java_split_labels(&lower).into_iter().skip(1);
                Pattern::Glob {
                    domain: labels.map(str::to_string).collect(),
                }
            } else {
                Pattern::Exact
            };
            rules.push(Rule {
                line: number,
                pattern: line.to_string(),
                kind,
            });
        }
        Rules {
            path: path.to_path_buf(),
            rules,
            invalid,
        }
    }

    /// The file these rules came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The valid rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The lines refused as invalid patterns, in file order.
    pub fn invalid(&self) -> &[InvalidLine] {
        &self.invalid
    }

    /// The valid rules that match more than they appear to, in file order.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        for rule in &self.rules {
            let mut warn = |kind| {
                warnings.push(Warning {
                    path: self.path.clone(),
                    line: rule.line,
                    pattern: rule.pattern.clone(),
                    kind,
                })
            };
            match &rule.kind {
                Pattern::Everything => warn(WarningKind::EveryName),
                Pattern::Exact if rule.pattern.chars().any(char::is_uppercase) => {
                    warn(WarningKind::UpperCase)
                }
                Pattern::Exact => {}
                Pattern::Glob { domain } if domain.is_empty() => warn(WarningKind::EveryName),
                Pattern::Glob { domain } => {
                    let domain = domain.join(".");
                    if !rule.pattern.starts_with("*.") {
                        warn(WarningKind::IgnoredPrefix {
                            behaves_like: format!("*.{domain}"),
                        });
                    }
                    warn(WarningKind::BareDomain { domain });
                }
            }
        }
        warnings
    }

    /// The first rule matching `certname`, if any.
    pub fn matching(&self, certname: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(certname))
    }
}

impl Rule {
    /// Whether this rule matches `certname`.
    pub fn matches(&self, certname: &str) -> bool {
        match &self.kind {
            Pattern::Everything => true,
            Pattern::Exact => self.pattern == certname,
            Pattern::Glob { domain } => {
                let certname = certname.to_lowercase();
                let labels = java_split_labels(&certname);
                labels.len() >= domain.len()
                    && labels
                        .iter()
                        .rev()
                        .zip(domain.iter().rev())
                        .all(|(label, wanted)| label == wanted)
            }
        }
    }
}

/// Lines as Java's `BufferedReader.readLine` returns them: ended by `\n`, `\r\n` or `\r`.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(end) = rest.find(['\r', '\n']) else {
            lines.push(rest);
            break;
        };
        lines.push(&rest[..end]);
        let terminator = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + terminator..];
    }
    lines
}

/// Labels as Java's `"name".split("\\.")` returns them: trailing empty labels dropped, and a
/// name without any dot kept whole (even when empty). Puppetserver's glob matching relies on it.
fn java_split_labels(name: &str) -> Vec<&str> {
    if !name.contains('.') {
        return vec![name];
    }
    let mut labels: Vec<&str> = name.split('.').collect();
    while labels.last().is_some_and(|label| label.is_empty()) {
        labels.pop();
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        Rules::parse(Path::new("/etc/puppetlabs/puppet/autosign.conf"), text)
    }

    /// The line number of the rule of `rules` that matches `certname`, if any.
    fn line_of(rules: &Rules, certname: &str) -> Option<usize> {
        rules.matching(certname).map(|rule| rule.line)
    }

    #[test]
    fn glob_and_exact_rules_match_as_puppetserver_does() {
        let table: &[(&str, &str, bool)] = &[
            ("*", "anything.example.com", true),
            ("*", "x", true),
            ("*.example.com", "a.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "example.com", true),
            ("*.example.com", "evilexample.com", false),
            ("*.example.com", "example.com.evil", false),
            ("*.example.com", "A.EXAMPLE.COM", true),
            ("*.EXAMPLE.com", "a.example.com", true),
            ("*.example.com.", "a.example.com", true),
            ("*foo.com", "bar.com", true),
            ("*foo.com", "foo.com", true),
            ("*foo.com", "a.foo.org", false),
            ("*.", "anything.example.org", true),
            ("*foo", "anything.example.org", true),
            ("build01.example.com", "build01.example.com", true),
            ("build01.example.com", "BUILD01.example.com", false),
            ("build01.example.com", "build01.example.co", false),
            ("build01.example.com", "x.build01.example.com", false),
            ("Build01.example.com", "build01.example.com", false),
            (
                "*.xn--bcher-kva.example",
                "shop.xn--bcher-kva.example",
                true,
            ),
            ("*.bücher.example", "shop.xn--bcher-kva.example", false),
            ("shop.bücher.example", "shop.xn--bcher-kva.example", false),
        ];
        for &(pattern, certname, expected) in table {
            let parsed = rules(pattern);
            assert!(parsed.invalid().is_empty(), "{pattern:?} should be valid");
            let matched = line_of(&parsed, certname);
            assert_eq!(
                matched,
                expected.then_some(1),
                "{pattern:?} vs {certname:?}"
            );
        }
    }

    #[test]
    fn invalid_lines_are_reported_with_line_numbers_and_never_match() {
        let text = "# comment\n\n   \nfoo bar.example.com\n*.example.com # web\n  \
                    good.example.com\ngood.example.com\t\n# ok\nlast.example.com";
        let parsed = rules(text);
        let lines: Vec<usize> = parsed
            .invalid()
            .iter()
            .map(|invalid| invalid.line)
            .collect();
        assert_eq!(lines, [4, 5, 6, 7]);
        for certname in [
            "foo",
            "bar.example.com",
            "a.example.com",
            "example.com",
            "good.example.com",
        ] {
            assert_eq!(parsed.matching(certname), None, "{certname}");
        }
        assert_eq!(line_of(&parsed, "last.example.com"), Some(9));
        assert_eq!(
            parsed.invalid()[1].to_string(),
            "/etc/puppetlabs/puppet/autosign.conf:5: invalid autosign pattern \
             \"*.example.com # web\": it contains whitespace"
        );
        assert_eq!(
            parsed.invalid()[2].reason,
            "it has leading or trailing whitespace"
        );
        assert!(rules("a#b.example.com").invalid()[0].reason.contains('#'));
    }

    #[test]
    fn line_endings_follow_java_read_line() {
        let parsed =
            rules("# fleet\r\n*.agents.example.com\r\nbuild01.example.com\r\rlone.example.com\r");
        assert!(parsed.invalid().is_empty());
        assert_eq!(line_of(&parsed, "web.agents.example.com"), Some(2));
        assert_eq!(line_of(&parsed, "build01.example.com"), Some(3));
        assert_eq!(line_of(&parsed, "lone.example.com"), Some(5));
    }

    #[test]
    fn puppetserver_fixture_matches_its_fleet() {
        // Same text as fixtures/puppetserver-7.9.5/autosign.conf.
        let parsed = rules("# fleet globs\n*.agents.example.com\nbuild01.example.com\n");
        assert_eq!(parsed.rules().len(), 2);
        assert_eq!(line_of(&parsed, "db.agents.example.com"), Some(2));
        assert_eq!(line_of(&parsed, "build01.example.com"), Some(3));
        assert_eq!(parsed.matching("build02.example.com"), None);
    }

    #[test]
    fn warnings_flag_rules_wider_than_they_look() {
        let parsed = rules("*\n*.example.com\n*foo.com\nBuild.example.com\nhost.example.com\n*.\n");
        let found: Vec<(usize, WarningKind)> = parsed
            .warnings()
            .into_iter()
            .map(|warning| (warning.line, warning.kind))
            .collect();
        let bare = |domain: &str| WarningKind::BareDomain {
            domain: domain.to_string(),
        };
        let behaves_like = "*.com".to_string();
        assert_eq!(
            found,
            [
                (1, WarningKind::EveryName),
                (2, bare("example.com")),
                (3, WarningKind::IgnoredPrefix { behaves_like }),
                (3, bare("com")),
                (4, WarningKind::UpperCase),
                (6, WarningKind::EveryName),
            ]
        );
        assert_eq!(
            parsed.warnings()[1].to_string(),
            "/etc/puppetlabs/puppet/autosign.conf:2: autosign pattern \"*.example.com\" \
             also matches the bare domain \"example.com\""
        );
    }
}
