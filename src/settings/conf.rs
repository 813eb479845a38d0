//! The puppet.conf parser: text into [`PuppetConf`], the setting lines in file order.
//!
//! Owns the line syntax as Puppet 7 reads it: `[section]` headers, `key = value` lines, `#`
//! comments at the start of a line only, one pair of surrounding quotes dropped, and the
//! trailing `{ owner = x, group = y, mode = 664 }` file options. It does not interpolate
//! `$variables`, apply defaults or decide which section wins: that is [`super::resolve()`].

use std::fs;
use std::path::Path;

use crate::error::{SettingsError, SyntaxReason};

/// A section of puppet.conf. Names are case-sensitive, as in Puppet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Section {
    /// `[agent]`.
    Agent,
    /// `[main]`, also every line before the first section header.
    Main,
    /// `[master]`, the pre-Puppet 7 name of `[server]`.
    Master,
    /// Any other section, such as an old environment section like `[production]`; never read.
    Named(String),
    /// `[server]`.
    Server,
    /// `[user]`, used by `puppet apply`; never read here.
    User,
}

impl Section {
    /// The section a `[name]` header opens.
    pub fn from_name(name: &str) -> Section {
        match name {
            "agent" => Section::Agent,
            "main" => Section::Main,
            "master" => Section::Master,
            "server" => Section::Server,
            "user" => Section::User,
            other => Section::Named(other.to_owned()),
        }
    }

    /// The name between the brackets.
    pub fn name(&self) -> &str {
        match self {
            Section::Agent => "agent",
            Section::Main => "main",
            Section::Master => "master",
            Section::Named(name) => name,
            Section::Server => "server",
            Section::User => "user",
        }
    }
}

/// File options Puppet accepts after a path value: `{ owner = x, group = y, mode = 664 }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// The `owner` option.
    pub owner: Option<String>,
    /// The `group` option.
    pub group: Option<String>,
    /// The `mode` option, octal digits as written.
    pub mode: Option<String>,
}

/// One `key = value` line of puppet.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingLine {
    /// The section the line is in.
    pub section: Section,
    /// The setting name.
    pub key: String,
    /// The value: trimmed, surrounding quotes and file options removed, not interpolated.
    pub value: String,
    /// The file options that followed the value, if any.
    pub options: FileOptions,
    /// The 1-based line number.
    pub line: usize,
}

/// A parsed puppet.conf: every setting line in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PuppetConf {
    lines: Vec<SettingLine>,
}

impl PuppetConf {
    /// Parses puppet.conf text; syntax errors name `puppet.conf` and the line.
    pub fn parse(text: &str) -> Result<PuppetConf, SettingsError> {
        PuppetConf::parse_at(text, None)
    }

    /// Reads and parses the file at `path`.
    pub fn read(path: &Path) -> Result<PuppetConf, SettingsError> {
        let text = fs::read_to_string(path).map_err(|error| SettingsError::Read {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        PuppetConf::parse_at(&text, Some(path))
    }

    fn parse_at(text: &str, path: Option<&Path>) -> Result<PuppetConf, SettingsError> {
        let mut lines = Vec::new();
        let mut section = Section::Main;
        for (index, raw_line) in text.lines().enumerate() {
            let line = raw_line.trim();
            let syntax = |reason: SyntaxReason| SettingsError::Syntax {
                path: path.map(Path::to_owned),
                line: index + 1,
                reason,
            };
            // Puppet treats `#` as a comment only at the start of a line.
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if !is_word(name) {
                    let name = name.to_owned();
                    return Err(syntax(SyntaxReason::BadSectionName { name }));
                }
                section = Section::from_name(name);
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((key, value)) if is_word(key.trim_end()) => (key.trim_end(), value.trim()),
                _ => {
                    let line = line.to_owned();
                    return Err(syntax(SyntaxReason::UnmatchedLine { line }));
                }
            };
            let (value, options) = split_file_options(value).map_err(syntax)?;
            lines.push(SettingLine {
                section: section.clone(),
                key: key.to_owned(),
                value: strip_quotes(value).to_owned(),
                options,
                line: index + 1,
            });
        }
        Ok(PuppetConf { lines })
    }

    /// The value of `key` in the first of `sections` that sets it; within one section the first
    /// line wins, as in Puppet.
    pub fn lookup(&self, key: &str, sections: &[Section]) -> Option<&str> {
        self.line(key, sections).map(|line| line.value.as_str())
    }

    /// Like [`PuppetConf::lookup`], but the whole line with its file options and number.
    pub fn line(&self, key: &str, sections: &[Section]) -> Option<&SettingLine> {
        sections.iter().find_map(|section| {
            self.lines
                .iter()
                .find(|line| line.section == *section && line.key == key)
        })
    }

    /// Every setting line in file order.
    pub fn lines(&self) -> &[SettingLine] {
        &self.lines
    }
}

/// Whether `c` may be part of a setting, section or variable name.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `text` is a non-empty setting, section or variable name.
pub(super) fn is_word(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_word_char)
}

/// Puppet's value translation drops one leading and one trailing quote.
fn strip_quotes(value: &str) -> &str {
    let value = value.strip_prefix(['"', '\'']).unwrap_or(value);
    value.strip_suffix(['"', '\'']).unwrap_or(value).trim_end()
}

/// Splits a trailing `{ owner = x, group = y, mode = 664 }` off a value; `${name}` is no block.
fn split_file_options(value: &str) -> Result<(&str, FileOptions), SyntaxReason> {
    let mut options = FileOptions::default();
    let Some(open) = value.strip_suffix('}').and_then(|v| v.rfind('{')) else {
        return Ok((value, options));
    };
    if value[..open].ends_with('$') {
        return Ok((value, options));
    }
    let inner = &value[open + 1..value.len() - 1];
    for option in inner.split(',') {
        let parsed = option
            .split_once('=')
            .map(|(key, text)| (key.trim(), text.trim()))
            .filter(|(_, text)| is_word(text));
        let slot = match parsed {
            Some(("owner", text)) => (&mut options.owner, text),
            Some(("group", text)) => (&mut options.group, text),
            Some(("mode", text)) if text.bytes().all(|b| b.is_ascii_digit()) => {
                (&mut options.mode, text)
            }
            _ => {
                let option = option.trim().to_owned();
                return Err(SyntaxReason::BadFileOption { option });
            }
        };
        *slot.0 = Some(slot.1.to_owned());
    }
    Ok((value[..open].trim_end(), options))
}

#[cfg(test)]
mod tests {
    use super::super::testing::FIXTURE;
    use super::super::Run;
    use super::*;

    #[test]
    fn fixture_parses() {
        let conf = PuppetConf::parse(FIXTURE).unwrap();
        assert_eq!(
            conf.lookup("autosign", Run::Server.sections()),
            Some("/etc/puppet/autosign.conf")
        );
        assert_eq!(conf.lookup("autosign", Run::Agent.sections()), None);
        assert_eq!(conf.lines().len(), 2);
    }

    #[test]
    fn lines_parse_like_puppet() {
        let text = "top = 1\n\n  # indented comment\n[agent]\n  server=ca.example.com  \n\
                    waitforcert = 2m # not a comment\n[production]\nmodulepath = /x\n\
                    [main]\nquoted = \"a b\"\nempty =\nfirst = 1\nfirst = 2\n";
        let conf = PuppetConf::parse(text).unwrap();
        let cases: &[(&str, Section, Option<&str>)] = &[
            ("top", Section::Main, Some("1")),
            ("server", Section::Agent, Some("ca.example.com")),
            ("waitforcert", Section::Agent, Some("2m # not a comment")),
            (
                "modulepath",
                Section::Named("production".into()),
                Some("/x"),
            ),
            ("modulepath", Section::Main, None),
            ("quoted", Section::Main, Some("a b")),
            ("empty", Section::Main, Some("")),
            ("first", Section::Main, Some("1")),
        ];
        for (key, section, expected) in cases {
            assert_eq!(
                conf.lookup(key, std::slice::from_ref(section)),
                *expected,
                "{key}"
            );
        }
        assert_eq!(conf.line("server", &[Section::Agent]).unwrap().line, 5);
    }

    #[test]
    fn bad_lines_are_syntax_errors_with_line_numbers() {
        let cases = [
            ("[main]\nok = 1\ngarbage\n", 3),
            ("[bad name]\n", 1),
            ("\nkey-with-dash = x\n", 2),
            ("= x\n", 1),
            ("cadir = /x { colour = red }\n", 1),
            ("cadir = /x { mode = rw }\n", 1),
        ];
        for (text, expected) in cases {
            match PuppetConf::parse(text) {
                Err(SettingsError::Syntax {
                    line, path: None, ..
                }) => {
                    assert_eq!(line, expected, "{text:?}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let message = PuppetConf::parse("x\n").unwrap_err().to_string();
        assert_eq!(
            message,
            "cannot parse puppet.conf line 1: could not match line \"x\""
        );
    }

    #[test]
    fn file_options_are_stripped() {
        let cases = [
            ("/a", "/a", FileOptions::default()),
            (
                "/a {mode=664}",
                "/a",
                FileOptions {
                    mode: Some("664".into()),
                    ..Default::default()
                },
            ),
            (
                "/a { owner = puppet, group = puppet, mode = 0640 }",
                "/a",
                FileOptions {
                    owner: Some("puppet".into()),
                    group: Some("puppet".into()),
                    mode: Some("0640".into()),
                },
            ),
            ("${confdir}", "${confdir}", FileOptions::default()),
        ];
        for (value, expected, options) in cases {
            assert_eq!(
                split_file_options(value),
                Ok((expected, options)),
                "{value:?}"
            );
        }
        let conf = PuppetConf::parse("ssldir = /s { owner = puppet }\n").unwrap();
        let line = conf.line("ssldir", &[Section::Main]).unwrap();
        assert_eq!(
            (line.value.as_str(), line.options.owner.as_deref()),
            ("/s", Some("puppet"))
        );
    }
}
