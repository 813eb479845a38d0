//! Autosign: whether to sign one certificate request now, and why ([`decide`], [`Decision`]).
//!
//! Owns the decision and its explanation ([`Reason`]): `true` signs, `false` leaves pending, an
//! `autosign.conf` is read at call time and signs on a matching rule, a policy program signs by
//! exiting with status 0; a request presenting an enrolment token is decided by the token
//! instead ([`Reason::Token`]: its rules are [`crate::token`]'s, its state the caller's to read).
//! The parts: `setting` (the [`Autosign`] setting type), `rules` (the
//! `autosign.conf` rules and their lint) and `program` (running a policy program under
//! [`ProgramLimits`]). Does not own: certname validity, SAN or extension policy, signing, or
//! logging; callers log the [`Decision`], which explains itself.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod program;
mod rules;
#[cfg(test)]
mod scratch;
mod setting;

use program::run_program;
pub use program::{ProgramLimits, OUTPUT_LIMIT};
pub use rules::{InvalidLine, Rule, Rules, Warning, WarningKind};
pub use setting::Autosign;

/// Whether to sign a request, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Sign now; otherwise the request stays pending.
    pub sign: bool,
    /// Why.
    pub reason: Reason,
    /// Invalid lines found in the `autosign.conf` read for this decision, for the caller to log.
    pub invalid: Vec<InvalidLine>,
}

impl fmt::Display for Decision {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.sign { "sign" } else { "leave pending" };
        write!(formatter, "{verdict}: {}", self.reason)
    }
}

/// Why a [`Decision`] was made; [`fmt::Display`] gives one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The setting is `false`.
    Disabled,
    /// The setting is `true`.
    Everything,
    /// The `autosign.conf` does not exist, so nothing is signed.
    FileMissing {
        /// The file.
        path: PathBuf,
    },
    /// The setting said sign, but the name holds admin rights: autosign never signs it, so that
    /// admin rights are never handed out to whoever asks first ([`hold_for_administrator`]).
    HeldForAdministrator {
        /// The certname.
        name: String,
        /// What gives it admin rights (`cert serve --admin`, or being the CA server's own name).
        grant: String,
        /// What the setting decided on its own.
        setting: Box<Reason>,
    },
    /// A rule of the `autosign.conf` matched.
    Matched {
        /// The file.
        path: PathBuf,
        /// The line number of the rule, counting from 1.
        line: usize,
        /// The rule as written.
        pattern: String,
    },
    /// No rule of the `autosign.conf` matched.
    NoMatch {
        /// The file.
        path: PathBuf,
    },
    /// The policy program ran to its end; it signs when it exited with status 0.
    ProgramExited {
        /// The program.
        path: PathBuf,
        /// Its exit status, unless a signal ended it.
        code: Option<i32>,
        /// The signal that ended it, if any.
        signal: Option<i32>,
        /// Its standard output, at most [`OUTPUT_LIMIT`] bytes, lossily decoded.
        stdout: String,
        /// Its standard error, at most [`OUTPUT_LIMIT`] bytes, lossily decoded.
        stderr: String,
    },
    /// The policy program could not be run.
    ProgramFailedToStart {
        /// The program.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The policy program ran past the timeout and was killed.
    ProgramTimedOut {
        /// The program.
        path: PathBuf,
        /// The timeout.
        after: Duration,
        /// Its standard output so far, at most [`OUTPUT_LIMIT`] bytes, lossily decoded.
        stdout: String,
        /// Its standard error so far, at most [`OUTPUT_LIMIT`] bytes, lossily decoded.
        stderr: String,
    },
    /// The `autosign.conf` exists but could not be read.
    ReadFailed {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The request presents an enrolment token, which decides instead of the setting: it
    /// signs when the token grants the name ([`crate::token::check`]).
    Token(crate::token::Check),
}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Disabled => write!(formatter, "autosign is false"),
            Reason::Everything => write!(formatter, "autosign is true"),
            Reason::FileMissing { path } => {
                write!(formatter, "autosign file {} does not exist", path.display())
            }
            Reason::HeldForAdministrator {
                name,
                grant,
                setting,
            } => write!(
                formatter,
                "{setting}, but {name} holds admin rights ({grant}); autosign never signs it, an \
                 administrator does"
            ),
            Reason::Matched {
                path,
                line,
                pattern,
            } => {
                write!(
                    formatter,
                    "{}:{line}: pattern {pattern:?} matches",
                    path.display()
                )
            }
            Reason::NoMatch { path } => {
                write!(formatter, "no pattern in {} matches", path.display())
            }
            Reason::ProgramExited {
                path,
                code,
                signal,
                stderr,
                ..
            } => {
                write!(formatter, "policy program {}", path.display())?;
                match (code, signal) {
                    (Some(code), _) => write!(formatter, " exited with status {code}")?,
                    (None, Some(signal)) => write!(formatter, " was killed by signal {signal}")?,
                    (None, None) => write!(formatter, " ended without a status")?,
                }
                match stderr.lines().find(|line| !line.trim().is_empty()) {
                    Some(line) => write!(formatter, "; stderr: {:?}", line.trim()),
                    None => Ok(()),
                }
            }
            Reason::ProgramFailedToStart { path, reason } => {
                write!(
                    formatter,
                    "policy program {} did not run: {reason}",
                    path.display()
                )
            }
            Reason::ProgramTimedOut { path, after, .. } => write!(
                formatter,
                "policy program {} was killed after the {} ms timeout",
                path.display(),
                after.as_millis()
            ),
            Reason::ReadFailed { path, reason } => {
                write!(
                    formatter,
                    "cannot read autosign file {}: {reason}",
                    path.display()
                )
            }
            Reason::Token(check) => write!(formatter, "{check}"),
        }
    }
}

/// Decides for one certname and its CSR PEM. Reads the `autosign.conf`, or runs the policy
/// program (certname as its only argument, `csr_pem` on stdin, no shell), at call time.
pub fn decide(
    setting: &Autosign,
    certname: &str,
    csr_pem: &[u8],
    limits: &ProgramLimits,
) -> Decision {
    Decider::new(setting).decide(certname, csr_pem, limits)
}

/// The `autosign` setting as of one instant, deciding for many requests (from several
/// threads): an `autosign.conf` is read once, when the decider is made; a policy program runs
/// for each request, at its [`Decider::decide`].
#[derive(Debug)]
pub struct Decider<'a> {
    source: Source<'a>,
}

/// What a [`Decider`] decides from.
#[derive(Debug)]
enum Source<'a> {
    Disabled,
    Everything,
    /// The rules of the `autosign.conf` at the path, or why there are none.
    File(&'a Path, Result<Rules, Reason>),
    Program(&'a Path),
}

impl<'a> Decider<'a> {
    /// Ready to decide with `setting` (reads its `autosign.conf`, if that is the setting).
    pub fn new(setting: &'a Autosign) -> Decider<'a> {
        let source = match setting {
            Autosign::Disabled => Source::Disabled,
            Autosign::Everything => Source::Everything,
            Autosign::File(path) => Source::File(path, read_rules(path)),
            Autosign::Program(path) => Source::Program(path),
        };
        Decider { source }
    }

    /// Whether [`Decider::decide`] reads the CSR (a policy program is given it); otherwise
    /// the certname alone decides.
    pub fn reads_csr(&self) -> bool {
        matches!(self.source, Source::Program(_))
    }

    /// The decision for one certname and its CSR PEM.
    pub fn decide(&self, certname: &str, csr_pem: &[u8], limits: &ProgramLimits) -> Decision {
        let (reason, invalid) = match &self.source {
            Source::Disabled => (Reason::Disabled, Vec::new()),
            Source::Everything => (Reason::Everything, Vec::new()),
            Source::File(path, Ok(rules)) => {
                (by_rules(path, rules, certname), rules.invalid.clone())
            }
            Source::File(_, Err(reason)) => (reason.clone(), Vec::new()),
            Source::Program(path) => (
                run_program(path, certname, csr_pem, limits.timeout),
                Vec::new(),
            ),
        };
        decision(reason, invalid)
    }
}

/// The decision `reason` makes (with the invalid lines of the `autosign.conf` read for it).
pub fn decision(reason: Reason, invalid: Vec<InvalidLine>) -> Decision {
    let sign = match &reason {
        Reason::Everything
        | Reason::Matched { .. }
        | Reason::ProgramExited { code: Some(0), .. } => true,
        Reason::Token(check) => check.grants(),
        _ => false,
    };
    Decision {
        sign,
        reason,
        invalid,
    }
}

/// `decision` for `name`, a name that holds admin rights (`grant` says why): when it said sign,
/// it says leave pending instead, and why ([`Reason::HeldForAdministrator`]); otherwise it is
/// unchanged. The caller knows which names hold admin rights.
pub fn hold_for_administrator(decision: Decision, name: &str, grant: &str) -> Decision {
    if !decision.sign {
        return decision;
    }
    Decision {
        sign: false,
        reason: Reason::HeldForAdministrator {
            name: name.to_owned(),
            grant: grant.to_owned(),
            setting: Box::new(decision.reason),
        },
        invalid: decision.invalid,
    }
}

/// The rules of the `autosign.conf` at `path`, or why there are none.
fn read_rules(path: &Path) -> Result<Rules, Reason> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(Reason::FileMissing {
                path: path.to_path_buf(),
            });
        }
        Err(error) => {
            return Err(Reason::ReadFailed {
                path: path.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    Ok(Rules::parse(path, &String::from_utf8_lossy(&bytes)))
}

/// What the rules of `path` say about `certname`.
fn by_rules(path: &Path, rules: &Rules, certname: &str) -> Reason {
    match rules.matching(certname) {
        Some(rule) => Reason::Matched {
            path: path.to_path_buf(),
            line: rule.line,
            pattern: rule.pattern.clone(),
        },
        None => Reason::NoMatch {
            path: path.to_path_buf(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::scratch::{Scratch, CSR};
    use super::*;

    #[test]
    fn decide_without_a_file_or_program() {
        let options = ProgramLimits::default();
        let decision = decide(&Autosign::Everything, "a.example.com", b"", &options);
        assert!(decision.sign);
        assert_eq!(decision.to_string(), "sign: autosign is true");
        assert!(!decide(&Autosign::Disabled, "a.example.com", b"", &options).sign);
    }

    /// A name with admin rights is never autosigned; the decision says why.
    #[test]
    fn administrators_are_held_for_a_person() {
        let options = ProgramLimits::default();
        let decision = decide(&Autosign::Everything, "ops.example.com", b"", &options);
        let held = hold_for_administrator(decision, "ops.example.com", "cert serve --admin");
        assert!(!held.sign);
        assert_eq!(
            held.to_string(),
            "leave pending: autosign is true, but ops.example.com holds admin rights (cert serve \
             --admin); autosign never signs it, an administrator does"
        );
        let pending = decide(&Autosign::Disabled, "ops.example.com", b"", &options);
        assert_eq!(
            hold_for_administrator(pending.clone(), "ops.example.com", "x"),
            pending
        );
    }

    #[test]
    fn file_decisions_explain_the_matching_line() {
        let scratch = Scratch::new("file");
        let path = scratch.file("autosign.conf", "bad line\n*.agents.example.com\n", 0o644);
        let setting = Autosign::from_setting(&format!("{} {{ mode = 664 }}", path.display()));
        assert_eq!(setting, Autosign::File(path.clone()));
        let options = ProgramLimits::default();
        let decision = decide(&setting, "web.agents.example.com", CSR, &options);
        assert!(decision.sign);
        assert_eq!(
            decision.reason,
            Reason::Matched {
                path: path.clone(),
                line: 2,
                pattern: "*.agents.example.com".into()
            }
        );
        assert_eq!(decision.invalid.len(), 1);
        assert_eq!(
            decision.to_string(),
            format!(
                "sign: {}:2: pattern \"*.agents.example.com\" matches",
                path.display()
            )
        );
        let decision = decide(&setting, "web.example.com", CSR, &options);
        assert_eq!(
            (decision.sign, decision.reason),
            (false, Reason::NoMatch { path: path.clone() })
        );
        fs::remove_file(&path).unwrap();
        let decision = decide(&setting, "web.agents.example.com", CSR, &options);
        assert_eq!(
            (decision.sign, decision.reason),
            (false, Reason::FileMissing { path })
        );
        let directory = Autosign::File(scratch.directory.clone());
        let decision = decide(&directory, "web.agents.example.com", CSR, &options);
        assert!(
            matches!(decision.reason, Reason::ReadFailed { .. }),
            "{decision}"
        );
    }
}
