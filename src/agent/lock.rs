//! `$ssldir/ssl.lock`, held for one agent run as Puppet 7 holds it around `puppet ssl
//! bootstrap` (`Puppet::Util::Pidlock`): the file is created exclusively and holds the
//! owner's pid; a lock whose pid is no longer running, or that holds no pid, is stale and
//! taken over. It is not `flock`: a Puppet agent would not see one.
//!
//! It keeps two `cert agent`s, or `cert agent` and a running Puppet agent, from enrolling into
//! one ssldir at once. Puppet takes a lock held by a process that is neither ruby+puppet nor
//! named puppet for stale, so a Puppet agent does not wait for `cert agent`. The ssldir's other
//! files are `Ssldir`'s.

use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::atomic;
use crate::error::{AgentError, Error, FileError};

/// The lock; released (the file removed, if still ours) when dropped.
#[derive(Debug)]
pub struct SslLock {
    path: PathBuf,
    pid: u32,
}

impl SslLock {
    /// Take `ssldir/ssl.lock` or say who holds it.
    pub fn acquire(ssldir: &Path) -> Result<SslLock, Error> {
        atomic::ensure_directory(ssldir, 0o771)?;
        let path = ssldir.join("ssl.lock");
        let pid = std::process::id();
        // Two tries: the second after removing a stale lock.
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(pid.to_string().as_bytes())
                        .map_err(|e| FileError::io("write", &path, e))?;
                    return Ok(SslLock { path, pid });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(FileError::io("create", &path, e).into()),
            }
            match holder(&path) {
                Some(holder) if holder != pid && running(holder) => {
                    return Err(AgentError::Locked { path, pid: holder }.into());
                }
                _ => {
                    // Stale (or our own pid from a previous life): take it over.
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == ErrorKind::NotFound => {}
                        Err(e) => return Err(FileError::io("remove", &path, e).into()),
                    }
                }
            }
        }
        let holder = holder(&path).unwrap_or(0);
        Err(AgentError::Locked { path, pid: holder }.into())
    }
}

impl Drop for SslLock {
    fn drop(&mut self) {
        // Only our own lock: a Puppet agent may have taken it over as stale meanwhile.
        if holder(&self.path) == Some(self.pid) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The pid in the lock file, when it holds one.
fn holder(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether process `pid` exists (Linux: `/proc/PID`).
fn running(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}
