//! Test support for the autosign unit tests: a scratch directory for files and policy scripts,
//! held under one process-wide lock.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::Autosign;

// Tests that write files and run programs share one lock: writing a script while another test forks can make exec
// fail with "text file busy" (the fork briefly inherits the open file).
static PROCESSES: Mutex<()> = Mutex::new(());
pub(super) const CSR: &[u8] =
    b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";

pub(super) struct Scratch {
    pub(super) directory: PathBuf,
    _lock: MutexGuard<'static, ()>,
}

impl Scratch {
    pub(super) fn new(name: &str) -> Scratch {
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

    pub(super) fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.directory.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    pub(super) fn script(&self, body: &str) -> Autosign {
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
