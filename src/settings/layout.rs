//! The default directories and files: Puppet's own packages, Debian's `puppet` package and a
//! non-root user's `~/.puppetlabs`, and the path defaults every layout shares.
//!
//! Owns [`DirectoryLayout`] and the default value of each path setting, as a literal path or a
//! `$variable` template ([`Value`]). It does not decide which layout applies (that is
//! [`super::locate`]), read puppet.conf, nor interpolate the templates (that is the resolver).

use std::path::{Path, PathBuf};

/// The default directories, which depend on who runs and which puppet.conf was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryLayout {
    /// Root with Debian's `puppet` package: `/etc/puppet`, `/var/cache/puppet`,
    /// `/var/lib/puppet/ssl`.
    Debian,
    /// Root with Puppet's own packages: `/etc/puppetlabs/puppet`, `/opt/puppetlabs/puppet/cache`.
    PuppetLabs,
    /// A non-root user: everything under `~/.puppetlabs`.
    User {
        /// The user's home directory.
        home: PathBuf,
    },
}

/// A value before interpolation.
pub(super) enum Value {
    /// Used as is: overrides and paths built from the environment.
    Literal(String),
    /// `$name` and `${name}` are replaced by other settings.
    Template(String),
}

impl Value {
    fn path(path: impl AsRef<Path>) -> Value {
        Value::Literal(path.as_ref().to_string_lossy().into_owned())
    }
}

impl DirectoryLayout {
    /// The configuration directory, which holds puppet.conf.
    pub(super) fn confdir(&self) -> PathBuf {
        match self {
            DirectoryLayout::Debian => PathBuf::from("/etc/puppet"),
            DirectoryLayout::PuppetLabs => PathBuf::from("/etc/puppetlabs/puppet"),
            DirectoryLayout::User { home } => home.join(".puppetlabs/etc/puppet"),
        }
    }

    /// The default of the setting `name`, for the settings whose default is fixed by the layout
    /// alone; `None` for the others (`cadir`, `ca_conf` and `certname` need the resolver).
    pub(super) fn default(&self, name: &str) -> Option<Value> {
        let template = |text: &str| Some(Value::Template(text.to_owned()));
        match (self, name) {
            (DirectoryLayout::Debian, "vardir") => Some(Value::path("/var/cache/puppet")),
            (DirectoryLayout::Debian, "codedir") => Some(Value::path("/etc/puppet/code")),
            (DirectoryLayout::Debian, "ssldir") => Some(Value::path("/var/lib/puppet/ssl")),
            (DirectoryLayout::PuppetLabs, "vardir") => {
                Some(Value::path("/opt/puppetlabs/puppet/cache"))
            }
            (DirectoryLayout::PuppetLabs, "codedir") => Some(Value::path("/etc/puppetlabs/code")),
            (DirectoryLayout::User { home }, "vardir") => {
                Some(Value::path(home.join(".puppetlabs/opt/puppet/cache")))
            }
            (DirectoryLayout::User { home }, "codedir") => {
                Some(Value::path(home.join(".puppetlabs/etc/code")))
            }
            (_, "ssldir") => template("$confdir/ssl"),
            (_, "csr_attributes") => template("$confdir/csr_attributes.yaml"),
            (_, "hostcert") => template("$ssldir/certs/$certname.pem"),
            (_, "hostcrl") => template("$ssldir/crl.pem"),
            (_, "hostprivkey") => template("$ssldir/private_keys/$certname.pem"),
            (_, "localcacert") => template("$ssldir/certs/ca.pem"),
            _ => None,
        }
    }

    /// The default `ca_conf` for the configuration directory `confdir`: the layout's file; for a
    /// puppet.conf elsewhere (`--config`), puppetserver's directory next to that confdir, as in
    /// Puppet's own and the user layouts.
    pub(super) fn ca_conf(&self, confdir: &Path) -> Value {
        let ca_conf = if confdir == self.confdir() {
            match self {
                DirectoryLayout::Debian => PathBuf::from("/etc/puppet/puppetserver/conf.d/ca.conf"),
                DirectoryLayout::PuppetLabs => {
                    PathBuf::from("/etc/puppetlabs/puppetserver/conf.d/ca.conf")
                }
                DirectoryLayout::User { home } => {
                    home.join(".puppetlabs/etc/puppetserver/conf.d/ca.conf")
                }
            }
        } else {
            let base = confdir.parent().unwrap_or(confdir);
            base.join("puppetserver/conf.d/ca.conf")
        };
        Value::path(ca_conf)
    }

    /// The default `cadir` for the SSL directory `ssldir`: `$ssldir/ca` when that is a
    /// directory (or a symlink to one), else the layout's puppetserver CA directory.
    pub(super) fn cadir(&self, ssldir: &Path) -> Value {
        if ssldir.join("ca").is_dir() {
            return Value::Template("$ssldir/ca".to_owned());
        }
        Value::path(match self {
            DirectoryLayout::Debian => PathBuf::from("/etc/puppet/puppetserver/ca"),
            DirectoryLayout::PuppetLabs => PathBuf::from("/etc/puppetlabs/puppetserver/ca"),
            DirectoryLayout::User { home } => home.join(".puppetlabs/etc/puppetserver/ca"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::time::Duration;

    use crate::autosign::Autosign;

    use super::super::testing::{resolve_in, resolve_text, server, TempDir};
    use super::super::{Overrides, Run};
    use super::*;

    #[test]
    fn layouts_have_their_defaults() {
        // An ssldir that cannot hold a `ca` directory keeps the cadir fallback deterministic.
        let user = DirectoryLayout::User {
            home: PathBuf::from("/nonexistent/u"),
        };
        let cases = [
            (
                DirectoryLayout::PuppetLabs,
                "/opt/puppetlabs/puppet/cache",
                "/etc/puppetlabs/puppet/ssl",
                "/etc/puppetlabs/puppetserver/ca",
            ),
            (
                DirectoryLayout::Debian,
                "/var/cache/puppet",
                "/var/lib/puppet/ssl",
                "/etc/puppet/puppetserver/ca",
            ),
            (
                user,
                "/nonexistent/u/.puppetlabs/opt/puppet/cache",
                "/nonexistent/u/.puppetlabs/etc/puppet/ssl",
                "/nonexistent/u/.puppetlabs/etc/puppetserver/ca",
            ),
        ];
        for (layout, vardir, ssldir, cadir) in cases {
            let settings = resolve_in(Run::Server, "", layout.clone()).unwrap();
            assert_eq!(settings.vardir, Path::new(vardir));
            assert_eq!(settings.ssldir, Path::new(ssldir));
            if !Path::new(ssldir).join("ca").exists() {
                assert_eq!(settings.cadir, Path::new(cadir), "{layout:?}");
            }
            assert_eq!(settings.localcacert, Path::new(ssldir).join("certs/ca.pem"));
            assert_eq!(
                settings.csr_attributes,
                layout.confdir().join("csr_attributes.yaml")
            );
        }
    }

    #[test]
    fn cadir_is_ssldir_ca_only_when_that_exists() {
        let temp = TempDir::new("cadir");
        let ssldir = temp.0.join("ssl");
        fs::create_dir_all(&ssldir).unwrap();
        let text = format!("ssldir = {}\n", ssldir.display());
        let cadir = || server(&text).unwrap().cadir;
        assert_eq!(cadir(), Path::new("/etc/puppetlabs/puppetserver/ca"));
        std::os::unix::fs::symlink(temp.0.join("elsewhere"), ssldir.join("ca")).unwrap();
        assert_eq!(
            cadir(),
            Path::new("/etc/puppetlabs/puppetserver/ca"),
            "dangling link"
        );
        fs::create_dir(temp.0.join("elsewhere")).unwrap();
        assert_eq!(cadir(), ssldir.join("ca"), "link to a directory");
        fs::remove_file(ssldir.join("ca")).unwrap();
        fs::create_dir(ssldir.join("ca")).unwrap();
        assert_eq!(cadir(), ssldir.join("ca"), "directory");
        let explicit = server(&format!("{text}cadir = /srv/ca\n")).unwrap();
        assert_eq!(explicit.cadir, Path::new("/srv/ca"));
    }

    #[test]
    fn autosign_override_timeout_and_ca_conf() {
        let text = "[server]\nautosign = true\nautosign_timeout = 30s\n";
        let overrides = Overrides {
            autosign: Some("false".into()),
            ..Default::default()
        };
        let settings =
            resolve_text(Run::Server, text, DirectoryLayout::PuppetLabs, &overrides).unwrap();
        assert_eq!(settings.autosign, Some(Autosign::Disabled));
        assert_eq!(settings.autosign_timeout, Some(Duration::from_secs(30)));
        assert_eq!(
            settings.ca_conf,
            Path::new("/etc/puppetlabs/puppetserver/conf.d/ca.conf")
        );
        let debian = resolve_in(Run::Server, "", DirectoryLayout::Debian).unwrap();
        assert_eq!(
            debian.ca_conf,
            Path::new("/etc/puppet/puppetserver/conf.d/ca.conf")
        );
        let relative = Overrides {
            autosign: Some("policy.sh".into()),
            ..Default::default()
        };
        let settings = resolve_text(Run::Server, "", DirectoryLayout::PuppetLabs, &relative);
        assert!(
            settings.is_err(),
            "a relative path reaches resolve only unmade absolute"
        );
    }
}
