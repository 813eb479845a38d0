//! The `autosign` setting and the decision it makes for one certificate request.
//!
//! Owns: parsing the setting (`true`, `false`, or a path with an optional Puppet metadata
//! suffix), reading an `autosign.conf` exactly as puppetserver 7 does, linting it, and running
//! a policy program with a timeout. Does not own: certname validity, SAN or extension policy,
//! signing, or logging; callers log the [`Decision`], which explains itself.
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
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Most bytes of a policy program's stdout, and separately of its stderr, kept in a decision.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// How long to wait for a policy program's output pipes to close once it has ended; a process
/// it left behind may hold them open indefinitely.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// Parsed `autosign` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Autosign {
    /// `false`: every request stays pending.
    Disabled,
    /// `true`: every request is signed.
    Everything,
    /// A path that is not an executable file: an `autosign.conf` list, which may be missing.
    File(PathBuf),
    /// An executable file: a policy program deciding each request.
    Program(PathBuf),
}

/// Why an `autosign` setting value was refused by [`Autosign::parse`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AutosignError {
    /// The value is neither `true`, `false` nor an absolute path.
    #[error("autosign setting {value:?} is neither true, false nor an absolute path")]
    NotAbsolute {
        /// The raw value.
        value: String,
    },
}

impl Autosign {
    /// From the raw setting value: `true`, `false`, or a path, optionally followed by Puppet's
    /// metadata suffix (`{ mode = 664 }`), which is ignored. A path to an executable regular
    /// file (any execute bit set) at the time of the call is a [`Autosign::Program`]; any
    /// other path, including a missing one, is a [`Autosign::File`]. An empty value is
    /// [`Autosign::Disabled`].
    pub fn from_setting(value: &str) -> Autosign {
        match strip_metadata(value) {
            "" | "false" => Autosign::Disabled,
            "true" => Autosign::Everything,
            path => {
                let path = PathBuf::from(path);
                let executable = std::fs::metadata(&path)
                    .map(|metadata| {
                        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
                    })
                    .unwrap_or(false);
                if executable {
                    Autosign::Program(path)
                } else {
                    Autosign::File(path)
                }
            }
        }
    }

    /// Like [`Autosign::from_setting`], but refuses what Puppet refuses: a path that is not
    /// absolute, or an empty value.
    pub fn parse(value: &str) -> Result<Autosign, AutosignError> {
        match strip_metadata(value) {
            "true" | "false" => Ok(Autosign::from_setting(value)),
            path if Path::new(path).is_absolute() => Ok(Autosign::from_setting(value)),
            _ => Err(AutosignError::NotAbsolute {
                value: value.to_string(),
            }),
        }
    }
}

/// The value without surrounding whitespace and without a trailing `{ ... }` metadata block.
fn strip_metadata(value: &str) -> &str {
    let value = value.trim();
    match value.rfind('{') {
        Some(brace) if value.ends_with('}') => value[..brace].trim_end(),
        _ => value,
    }
}

/// Options for [`decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// How long a policy program may run before it is killed and the request left pending.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(10),
        }
    }
}

/// A parsed `autosign.conf`: its valid rules and the lines that were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    path: PathBuf,
    rules: Vec<Rule>,
    invalid: Vec<InvalidLine>,
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
}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Disabled => write!(formatter, "autosign is false"),
            Reason::Everything => write!(formatter, "autosign is true"),
            Reason::FileMissing { path } => {
                write!(formatter, "autosign file {} does not exist", path.display())
            }
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
        }
    }
}

/// Decides for one certname and its CSR PEM. Reads the `autosign.conf`, or runs the policy
/// program (certname as its only argument, `csr_pem` on stdin, no shell), at call time.
pub fn decide(setting: &Autosign, certname: &str, csr_pem: &[u8], options: &Options) -> Decision {
    let (reason, invalid) = match setting {
        Autosign::Disabled => (Reason::Disabled, Vec::new()),
        Autosign::Everything => (Reason::Everything, Vec::new()),
        Autosign::File(path) => decide_by_file(path, certname),
        Autosign::Program(path) => (
            run_program(path, certname, csr_pem, options.timeout),
            Vec::new(),
        ),
    };
    let sign = matches!(
        reason,
        Reason::Everything | Reason::Matched { .. } | Reason::ProgramExited { code: Some(0), .. }
    );
    Decision {
        sign,
        reason,
        invalid,
    }
}

fn decide_by_file(path: &Path, certname: &str) -> (Reason, Vec<InvalidLine>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return (
                Reason::FileMissing {
                    path: path.to_path_buf(),
                },
                Vec::new(),
            );
        }
        Err(error) => {
            let reason = error.to_string();
            return (
                Reason::ReadFailed {
                    path: path.to_path_buf(),
                    reason,
                },
                Vec::new(),
            );
        }
    };
    let rules = Rules::parse(path, &String::from_utf8_lossy(&bytes));
    let reason = match rules.matching(certname) {
        Some(rule) => Reason::Matched {
            path: path.to_path_buf(),
            line: rule.line,
            pattern: rule.pattern.clone(),
        },
        None => Reason::NoMatch {
            path: path.to_path_buf(),
        },
    };
    (reason, rules.invalid)
}

fn run_program(path: &Path, certname: &str, csr_pem: &[u8], timeout: Duration) -> Reason {
    // A bare relative name would be looked up in PATH; the setting names a file.
    let program = if path.is_relative() && path.components().count() == 1 {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    let spawned = Command::new(program)
        .arg(certname)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let reason = start_failure(path, &error);
            return Reason::ProgramFailedToStart {
                path: path.to_path_buf(),
                reason,
            };
        }
    };
    let path = path.to_path_buf();
    match supervise(&mut child, csr_pem, timeout) {
        Ok((Some(status), stdout, stderr)) => Reason::ProgramExited {
            path,
            code: status.code(),
            signal: status.signal(),
            stdout,
            stderr,
        },
        Ok((None, stdout, stderr)) => Reason::ProgramTimedOut {
            path,
            after: timeout,
            stdout,
            stderr,
        },
        Err(error) => {
            // Best effort: the program may already be gone.
            let _ = child.kill();
            let _ = child.wait();
            Reason::ProgramFailedToStart {
                path,
                reason: format!("cannot supervise it: {error}"),
            }
        }
    }
}

fn start_failure(path: &Path, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound if path.exists() => {
            "its interpreter (the #! line) does not exist".to_string()
        }
        io::ErrorKind::NotFound => "it does not exist".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Feeds stdin, captures output and waits until `timeout`; returns the exit status, or `None`
/// when the program was killed for running too long, and its stdout and stderr.
fn supervise(
    child: &mut Child,
    csr_pem: &[u8],
    timeout: Duration,
) -> io::Result<(Option<ExitStatus>, String, String)> {
    let deadline = Instant::now() + timeout;
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = csr_pem.to_vec();
        // From a thread, so a program that never reads stdin cannot block us. A broken pipe
        // only means it closed stdin or exited, which is its right; Rust programs ignore
        // SIGPIPE, so that arrives here as an error, which is dropped.
        thread::Builder::new()
            .name("autosign-stdin".to_string())
            .spawn(move || drop(stdin.write_all(&bytes)))?;
    }
    let (done, readers_finished) = mpsc::channel::<()>();
    let stdout = capture(child.stdout.take(), done.clone())?;
    let stderr = capture(child.stderr.take(), done)?;
    let status = wait_until(child, deadline)?;
    // Nothing is sent: each reader drops its sender at end of file. A process the program left
    // behind may keep the pipes open, so give up after a grace period and keep what was read.
    let _ = readers_finished.recv_timeout(OUTPUT_GRACE);
    Ok((status, stdout.text(), stderr.text()))
}

/// Waits for the child until `deadline`, then kills and reaps it; `None` when it was killed.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            // Fails only if it already exited, which the reaping below tells apart.
            let _ = child.kill();
            let status = child.wait()?;
            return Ok(if status.signal() == Some(9) {
                None
            } else {
                Some(status)
            });
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Output read so far from one pipe, shared with its reader thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Output>>);

#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Captured {
    fn text(&self) -> String {
        let output = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::from_utf8_lossy(&output.bytes).into_owned();
        if output.truncated {
            text.push_str(&format!("\n[output truncated at {OUTPUT_LIMIT} bytes]"));
        }
        text
    }
}

/// Reads `source` to its end from a thread, keeping at most [`OUTPUT_LIMIT`] bytes and
/// discarding the rest so the program never blocks on a full pipe.
fn capture(source: Option<impl Read + Send + 'static>, done: Sender<()>) -> io::Result<Captured> {
    let captured = Captured::default();
    let Some(mut source) = source else {
        return Ok(captured);
    };
    let shared = captured.clone();
    thread::Builder::new()
        .name("autosign-output".to_string())
        .spawn(move || {
            let _done = done;
            let mut chunk = [0u8; 8192];
            loop {
                let count = match source.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(count) => count,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let mut output = shared.0.lock().unwrap_or_else(PoisonError::into_inner);
                let room = OUTPUT_LIMIT - output.bytes.len();
                output.bytes.extend_from_slice(&chunk[..count.min(room)]);
                output.truncated |= count > room;
            }
        })?;
    Ok(captured)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::MutexGuard;

    use super::*;

    fn rules(text: &str) -> Rules {
        Rules::parse(Path::new("/etc/puppetlabs/puppet/autosign.conf"), text)
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
            let matched = parsed.matching(certname).map(|rule| rule.line);
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
        assert_eq!(
            parsed.matching("last.example.com").map(|rule| rule.line),
            Some(9)
        );
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
        assert_eq!(
            parsed
                .matching("web.agents.example.com")
                .map(|rule| rule.line),
            Some(2)
        );
        assert_eq!(
            parsed.matching("build01.example.com").map(|rule| rule.line),
            Some(3)
        );
        assert_eq!(
            parsed.matching("lone.example.com").map(|rule| rule.line),
            Some(5)
        );
    }

    #[test]
    fn puppetserver_fixture_matches_its_fleet() {
        // Same text as fixtures/puppetserver-7.9.5/autosign.conf.
        let parsed = rules("# fleet globs\n*.agents.example.com\nbuild01.example.com\n");
        assert_eq!(parsed.rules().len(), 2);
        assert_eq!(
            parsed
                .matching("db.agents.example.com")
                .map(|rule| rule.line),
            Some(2)
        );
        assert_eq!(
            parsed.matching("build01.example.com").map(|rule| rule.line),
            Some(3)
        );
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

    #[test]
    fn setting_values() {
        assert_eq!(Autosign::from_setting("true"), Autosign::Everything);
        assert_eq!(Autosign::from_setting(" false "), Autosign::Disabled);
        assert_eq!(Autosign::from_setting(""), Autosign::Disabled);
        let expected = Autosign::File(PathBuf::from("/nonexistent/autosign.conf"));
        assert_eq!(
            Autosign::from_setting("/nonexistent/autosign.conf { mode = 664 }"),
            expected
        );
        assert_eq!(
            Autosign::parse("/nonexistent/autosign.conf {mode=664}"),
            Ok(expected)
        );
        assert_eq!(Autosign::parse("true"), Ok(Autosign::Everything));
        assert_eq!(
            Autosign::parse("autosign.conf").map_err(|error| error.to_string()),
            Err(
                "autosign setting \"autosign.conf\" is neither true, false nor an absolute path"
                    .to_string()
            )
        );
    }

    #[test]
    fn decide_without_a_file_or_program() {
        let options = Options::default();
        let decision = decide(&Autosign::Everything, "a.example.com", b"", &options);
        assert!(decision.sign);
        assert_eq!(decision.to_string(), "sign: autosign is true");
        assert!(!decide(&Autosign::Disabled, "a.example.com", b"", &options).sign);
    }

    // Program tests share one lock: writing a script while another test forks can make exec
    // fail with "text file busy" (the fork briefly inherits the open file).
    static PROCESSES: Mutex<()> = Mutex::new(());
    const CSR: &[u8] =
        b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";

    struct Scratch {
        directory: PathBuf,
        _lock: MutexGuard<'static, ()>,
    }

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let lock = PROCESSES.lock().unwrap_or_else(PoisonError::into_inner);
            let directory =
                std::env::temp_dir().join(format!("cert-autosign-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&directory);
            fs::create_dir_all(&directory).unwrap();
            Scratch {
                directory,
                _lock: lock,
            }
        }

        fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
            let path = self.directory.join(name);
            fs::write(&path, text).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            path
        }

        fn script(&self, body: &str) -> Autosign {
            let setting = Autosign::from_setting(
                self.file("policy", &format!("#!/bin/sh\n{body}\n"), 0o755)
                    .to_str()
                    .unwrap(),
            );
            assert!(matches!(setting, Autosign::Program(_)), "{setting:?}");
            setting
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.directory);
        }
    }

    #[test]
    fn file_decisions_explain_the_matching_line() {
        let scratch = Scratch::new("file");
        let path = scratch.file("autosign.conf", "bad line\n*.agents.example.com\n", 0o644);
        let setting = Autosign::from_setting(&format!("{} {{ mode = 664 }}", path.display()));
        assert_eq!(setting, Autosign::File(path.clone()));
        let options = Options::default();
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

    #[test]
    fn program_exit_zero_signs_and_gets_certname_and_exact_csr() {
        let scratch = Scratch::new("exit-zero");
        let received = scratch.directory.join("received");
        let setting = scratch.script(&format!(
            "[ $# -eq 1 ] && [ \"$1\" = agent.example.com ] || exit 5\ncat > '{}'\necho ok",
            received.display()
        ));
        let decision = decide(&setting, "agent.example.com", CSR, &Options::default());
        assert!(decision.sign, "{decision}");
        assert!(
            matches!(&decision.reason, Reason::ProgramExited { code: Some(0), stdout, .. }
            if stdout == "ok\n")
        );
        assert_eq!(fs::read(&received).unwrap(), CSR);
        let decision = decide(&setting, "other.example.com", CSR, &Options::default());
        assert!(!decision.sign);
    }

    #[test]
    fn program_exit_one_leaves_pending_with_output() {
        let scratch = Scratch::new("exit-one");
        let setting = scratch.script("echo checked\necho 'not in inventory' >&2\nexit 1");
        let decision = decide(&setting, "agent.example.com", CSR, &Options::default());
        assert!(!decision.sign);
        let Reason::ProgramExited {
            code,
            signal,
            stdout,
            stderr,
            ..
        } = &decision.reason
        else {
            panic!("{decision:?}");
        };
        assert_eq!((*code, *signal), (Some(1), None));
        assert_eq!(
            (stdout.as_str(), stderr.as_str()),
            ("checked\n", "not in inventory\n")
        );
        assert!(decision
            .to_string()
            .ends_with("exited with status 1; stderr: \"not in inventory\""));
    }

    #[test]
    fn program_killed_by_signal_leaves_pending() {
        let scratch = Scratch::new("signal");
        let decision = decide(
            &scratch.script("kill -9 $$"),
            "a.example.com",
            CSR,
            &Options::default(),
        );
        assert!(!decision.sign);
        assert!(matches!(
            decision.reason,
            Reason::ProgramExited {
                code: None,
                signal: Some(9),
                ..
            }
        ));
    }

    #[test]
    fn large_stdin_and_output_do_not_deadlock() {
        let scratch = Scratch::new("large");
        let csr = vec![b'A'; 1024 * 1024];
        let decision = decide(
            &scratch.script("exit 0"),
            "a.example.com",
            &csr,
            &Options::default(),
        );
        assert!(decision.sign, "{decision}");
        let setting = scratch.script("yes | head -c 300000\nyes | head -c 300000 >&2\nexit 3");
        let decision = decide(&setting, "a.example.com", &csr, &Options::default());
        let Reason::ProgramExited {
            code: Some(3),
            stdout,
            stderr,
            ..
        } = &decision.reason
        else {
            panic!("{decision:?}");
        };
        for output in [stdout, stderr] {
            assert!(output.starts_with("y\ny\n"));
            assert!(output.ends_with("[output truncated at 65536 bytes]"));
            assert!(output.len() < OUTPUT_LIMIT + 100);
        }
    }

    #[test]
    fn program_past_its_timeout_is_killed_quickly() {
        let scratch = Scratch::new("timeout");
        let options = Options {
            timeout: Duration::from_millis(300),
        };
        for body in ["echo started\nexec sleep 30", "echo started\nsleep 10"] {
            let started = Instant::now();
            let decision = decide(&scratch.script(body), "a.example.com", CSR, &options);
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{:?}",
                started.elapsed()
            );
            assert!(!decision.sign);
            let Reason::ProgramTimedOut { after, stdout, .. } = &decision.reason else {
                panic!("{decision:?}");
            };
            assert_eq!((*after, stdout.as_str()), (options.timeout, "started\n"));
            assert!(decision
                .to_string()
                .ends_with("was killed after the 300 ms timeout"));
        }
    }

    #[test]
    fn programs_that_cannot_run_leave_pending() {
        let scratch = Scratch::new("no-run");
        let plain = scratch.file("plain", "#!/bin/sh\nexit 0\n", 0o644);
        assert_eq!(
            Autosign::from_setting(plain.to_str().unwrap()),
            Autosign::File(plain)
        );

        let options = Options::default();
        let bad = scratch.file("bad", "#!/nonexistent/interpreter\nexit 0\n", 0o755);
        let decision = decide(&Autosign::Program(bad), "a.example.com", CSR, &options);
        assert!(!decision.sign);
        assert!(
            matches!(&decision.reason, Reason::ProgramFailedToStart { reason, .. }
            if reason.contains("interpreter")),
            "{decision}"
        );

        let setting = scratch.script("exit 0");
        let Autosign::Program(path) = &setting else {
            unreachable!()
        };
        fs::remove_file(path).unwrap();
        let decision = decide(&setting, "a.example.com", CSR, &options);
        assert!(!decision.sign);
        assert_eq!(
            decision.reason,
            Reason::ProgramFailedToStart {
                path: path.clone(),
                reason: "it does not exist".into()
            }
        );
        assert_eq!(
            decide(
                &Autosign::from_setting(path.to_str().unwrap()),
                "a",
                CSR,
                &options
            )
            .reason,
            Reason::FileMissing { path: path.clone() }
        );

        let no_longer_executable = scratch.script("exit 0");
        let Autosign::Program(path) = &no_longer_executable else {
            unreachable!()
        };
        fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
        let decision = decide(&no_longer_executable, "a.example.com", CSR, &options);
        assert!(
            matches!(&decision.reason, Reason::ProgramFailedToStart { reason, .. }
            if reason == "permission denied"),
            "{decision}"
        );
    }
}
