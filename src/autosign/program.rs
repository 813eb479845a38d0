//! Running an autosign policy program for one request, under a time limit.
//!
//! Owns [`ProgramLimits`], starting the program (the certname as its only argument, the CSR PEM
//! on stdin, no shell), feeding stdin and capturing at most [`OUTPUT_LIMIT`] bytes of each
//! output from threads so it can never block on a pipe, and killing it at the deadline. It
//! returns the [`Reason`] the run gives; whether that means "sign" is the decision's (parent
//! module). It does not decide which path is a program (see the `setting` module).

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::Reason;

/// Most bytes of a policy program's stdout, and separately of its stderr, kept in a decision.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// How long to wait for a policy program's output pipes to close once it has ended; a process
/// it left behind may hold them open indefinitely.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// The limits a policy program runs under (`autosign_timeout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramLimits {
    /// How long a policy program may run before it is killed and the request left pending.
    pub timeout: Duration,
}

impl Default for ProgramLimits {
    fn default() -> ProgramLimits {
        ProgramLimits {
            timeout: Duration::from_secs(10),
        }
    }
}

/// Runs the program at `path` for `certname` with `csr_pem` on stdin, within `timeout`.
pub(super) fn run_program(
    path: &Path,
    certname: &str,
    csr_pem: &[u8],
    timeout: Duration,
) -> Reason {
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
    use std::os::unix::fs::PermissionsExt;

    use super::super::scratch::{Scratch, CSR};
    use super::super::{decide, Autosign};
    use super::*;

    #[test]
    fn program_exit_zero_signs_and_gets_certname_and_exact_csr() {
        let scratch = Scratch::new("exit-zero");
        let received = scratch.directory.join("received");
        let setting = scratch.script(&format!(
            "[ $# -eq 1 ] && [ \"$1\" = agent.example.com ] || exit 5\ncat > '{}'\necho ok",
            received.display()
        ));
        let decision = decide(
            &setting,
            "agent.example.com",
            CSR,
            &ProgramLimits::default(),
        );
        assert!(decision.sign, "{decision}");
        assert!(
            matches!(&decision.reason, Reason::ProgramExited { code: Some(0), stdout, .. }
            if stdout == "ok\n")
        );
        assert_eq!(fs::read(&received).unwrap(), CSR);
        let decision = decide(
            &setting,
            "other.example.com",
            CSR,
            &ProgramLimits::default(),
        );
        assert!(!decision.sign);
    }

    #[test]
    fn program_exit_one_leaves_pending_with_output() {
        let scratch = Scratch::new("exit-one");
        let setting = scratch.script("echo checked\necho 'not in inventory' >&2\nexit 1");
        let decision = decide(
            &setting,
            "agent.example.com",
            CSR,
            &ProgramLimits::default(),
        );
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
            &ProgramLimits::default(),
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
            &ProgramLimits::default(),
        );
        assert!(decision.sign, "{decision}");
        let setting = scratch.script("yes | head -c 300000\nyes | head -c 300000 >&2\nexit 3");
        let decision = decide(&setting, "a.example.com", &csr, &ProgramLimits::default());
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
        let options = ProgramLimits {
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

        let options = ProgramLimits::default();
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
