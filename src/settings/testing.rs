//! Test support for the settings unit tests: a fixture, a scratch directory, a fixed
//! environment and shortcuts to resolve puppet.conf text without touching the real system.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::SettingsError;

use super::{
    resolve, DirectoryLayout, Environment, Location, Overrides, PuppetConf, Run, Settings,
};

/// The fixture made by Debian 12's puppetserver 7.9.5 (fixtures/puppetserver-7.9.5).
pub(super) const FIXTURE: &str = "[server]\nautosign = /etc/puppet/autosign.conf\n[main]\n\
                                  dns_alt_names = puppet,puppetmaster\n";

/// A directory under the system temp dir, removed on drop.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "cert-settings-{label}-{}-{unique}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// Writes `text` to `relative` below the directory, creating its parents.
    pub(super) fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An environment with a mixed-case fqdn, so tests see it lowercased.
pub(super) fn env(is_root: bool, home: Option<&Path>) -> Environment {
    Environment {
        is_root,
        home: home.map(Path::to_owned),
        fqdn: "Node1.Example.COM".to_owned(),
    }
}

/// Resolves puppet.conf `text` as root in `layout`, with no file read.
pub(super) fn resolve_text(
    run: Run,
    text: &str,
    layout: DirectoryLayout,
    overrides: &Overrides,
) -> Result<Settings, SettingsError> {
    let location = Location {
        config_file: None,
        confdir: layout.confdir(),
        layout,
    };
    let conf = PuppetConf::parse(text)?;
    resolve(run, location, conf, overrides, &env(true, None))
}

/// Resolves puppet.conf `text` as root in `layout`, without overrides.
pub(super) fn resolve_in(
    run: Run,
    text: &str,
    layout: DirectoryLayout,
) -> Result<Settings, SettingsError> {
    resolve_text(run, text, layout, &Overrides::default())
}

/// Resolves puppet.conf `text` for a server run in Puppet's own layout.
pub(super) fn server(text: &str) -> Result<Settings, SettingsError> {
    resolve_in(Run::Server, text, DirectoryLayout::PuppetLabs)
}
