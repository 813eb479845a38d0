//! What the operating system says before puppet.conf is read: who runs ([`Environment`]) and
//! which puppet.conf and default layout apply ([`locate`]: Puppet's own packages, Debian's
//! `puppet` package, or a non-root user).
//!
//! Owns probing the effective user, `$HOME` and the host's fqdn, and the choice between the
//! candidate puppet.conf files. It does not read puppet.conf (that is [`super::conf`]) nor
//! know the directories of a layout beyond its confdir (that is [`super::layout`]).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::SettingsError;

use super::{DirectoryLayout, Overrides};

/// Debian's `puppet` package keeps puppet.conf here.
const DEBIAN_CONFIG: &str = "/etc/puppet/puppet.conf";

/// Facts about the process environment, passed in so tests are deterministic.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Whether the effective user is root, which selects the system-wide layout.
    pub is_root: bool,
    /// The home directory, needed for the non-root layout.
    pub home: Option<PathBuf>,
    /// The fully qualified host name, the default certname.
    pub fqdn: String,
}

impl Environment {
    /// Reads the facts of the running process.
    ///
    /// Root means effective uid 0 (from `/proc/self/status`, else `USER=root`); home is `$HOME`;
    /// the fqdn is the kernel host name, completed with the `domain` (or first `search`) entry of
    /// `/etc/resolv.conf` when it has no dot, lowercased, and `localhost` when unknown.
    pub fn current() -> Environment {
        let is_root = match effective_uid() {
            Some(uid) => uid == 0,
            None => std::env::var("USER").is_ok_and(|user| user == "root"),
        };
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let resolv_conf = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        Environment {
            is_root,
            home,
            fqdn: fqdn_from(&hostname, &resolv_conf),
        }
    }
}

/// Which puppet.conf applies and the layout it implies, before the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The puppet.conf to read, if any.
    pub config_file: Option<PathBuf>,
    /// The default directories.
    pub layout: DirectoryLayout,
    /// The configuration directory: the layout's, or the directory of `--config`.
    pub confdir: PathBuf,
}

/// Decides which puppet.conf applies; `exists` says whether anything is at a path (`exists`:
/// only "not found" is absent, so a file that cannot be read is reported when it is read).
///
/// `Overrides.config` wins (made absolute; whether it exists is checked when it is read). Root
/// tries `/etc/puppetlabs/puppet/puppet.conf`, then Debian's `/etc/puppet/puppet.conf`; a
/// non-root user tries `~/.puppetlabs/etc/puppet/puppet.conf`. No file found is not an error.
///
/// Debian's `/etc/puppet/puppet.conf` given as `Overrides.config` means Debian's layout for any
/// user: that is how a daemon running as the `puppet` user (the packaged `cert-serve.service`)
/// finds the system's ssldir, cadir and ca.conf, as Debian's puppetserver does. Any other file
/// given to a non-root user keeps the per-user layout. That file, owned by Debian's
/// `puppet-agent`, may be absent: then Debian's layout applies with its defaults, so the
/// packaged units start on a box without Puppet; any other `--config` must exist.
pub fn locate(
    overrides: &Overrides,
    env: &Environment,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<Location, SettingsError> {
    let user_layout = || match &env.home {
        Some(home) => Ok(DirectoryLayout::User { home: home.clone() }),
        None => Err(SettingsError::HomeMissing),
    };
    if let Some(config) = &overrides.config {
        let config = absolute(config);
        let layout = if config == Path::new(DEBIAN_CONFIG) {
            DirectoryLayout::Debian
        } else if !env.is_root {
            user_layout()?
        } else {
            DirectoryLayout::PuppetLabs
        };
        let confdir = config
            .parent()
            .map_or_else(|| layout.confdir(), Path::to_owned);
        let absent = layout == DirectoryLayout::Debian && !exists(&config);
        return Ok(Location {
            config_file: (!absent).then_some(config),
            layout,
            confdir,
        });
    }
    let candidates = if env.is_root {
        vec![DirectoryLayout::PuppetLabs, DirectoryLayout::Debian]
    } else {
        vec![user_layout()?]
    };
    for layout in &candidates {
        let file = layout.confdir().join("puppet.conf");
        if exists(&file) {
            return Ok(Location {
                config_file: Some(file),
                confdir: layout.confdir(),
                layout: layout.clone(),
            });
        }
    }
    let layout = candidates
        .into_iter()
        .next()
        .unwrap_or(DirectoryLayout::PuppetLabs);
    Ok(Location {
        config_file: None,
        confdir: layout.confdir(),
        layout,
    })
}

/// Whether anything is at `path` for [`locate`]: only "not found" (a dangling link too) is
/// absent; a path that cannot be looked at counts as there, and reading it says why.
pub(super) fn exists(path: &Path) -> bool {
    !matches!(fs::metadata(path), Err(error) if error.kind() == std::io::ErrorKind::NotFound)
}

/// `path` made absolute against the current directory; as given when that fails (an empty path,
/// no current directory), which the absolute-path check of [`super::resolve()`] then reports.
pub(super) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let uids = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    uids.split_whitespace().nth(1)?.parse().ok()
}

/// The host name, completed with the resolver's domain when it has none, lowercased.
fn fqdn_from(hostname: &str, resolv_conf: &str) -> String {
    let host = hostname.trim().trim_end_matches('.').to_lowercase();
    if host.is_empty() {
        return "localhost".to_owned();
    }
    if host.contains('.') {
        return host;
    }
    let words = |keyword: &str| {
        resolv_conf.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(keyword))
                .then(|| words.next())
                .flatten()
        })
    };
    match words("domain").or_else(|| words("search")) {
        Some(domain) => format!("{host}.{}", domain.trim_end_matches('.').to_lowercase()),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::env;
    use super::*;

    #[test]
    fn locate_picks_the_file_and_layout() {
        // (root, default files that exist, --config, confdir, file read); home is /home/u
        let user = "/home/u/.puppetlabs/etc/puppet";
        let user_file = "/home/u/.puppetlabs/etc/puppet/puppet.conf";
        let both = "/etc/puppet/puppet.conf /etc/puppetlabs/puppet/puppet.conf";
        let cases = [
            (true, "", "", "/etc/puppetlabs/puppet", ""),
            (true, DEBIAN_CONFIG, "", "/etc/puppet", DEBIAN_CONFIG),
            (
                true,
                both,
                "",
                "/etc/puppetlabs/puppet",
                "/etc/puppetlabs/puppet/puppet.conf",
            ),
            (false, "", "", user, ""),
            (
                false,
                &format!("{user_file} {DEBIAN_CONFIG}"),
                "",
                user,
                user_file,
            ),
            (false, "", "/tmp/x/p.conf", "/tmp/x", "/tmp/x/p.conf"),
            (
                true,
                DEBIAN_CONFIG,
                DEBIAN_CONFIG,
                "/etc/puppet",
                DEBIAN_CONFIG,
            ),
            // The packaged daemon runs as `puppet` with Debian's file.
            (
                false,
                DEBIAN_CONFIG,
                DEBIAN_CONFIG,
                "/etc/puppet",
                DEBIAN_CONFIG,
            ),
        ];
        for (is_root, existing, config, confdir, file) in cases {
            let some = |text: &str| (!text.is_empty()).then(|| PathBuf::from(text));
            let overrides = Overrides {
                config: some(config),
                ..Default::default()
            };
            let exists = |path: &Path| existing.split_whitespace().any(|e| Path::new(e) == path);
            let environment = env(is_root, Some(Path::new("/home/u")));
            let location = locate(&overrides, &environment, &exists).unwrap();
            assert_eq!(
                location.confdir,
                Path::new(confdir),
                "{existing:?} {config:?}"
            );
            assert_eq!(location.config_file, some(file));
        }
        let debian = locate(&Overrides::default(), &env(true, None), &|path: &Path| {
            path == Path::new(DEBIAN_CONFIG)
        });
        assert_eq!(debian.unwrap().layout, DirectoryLayout::Debian);
        let daemon = Overrides {
            config: Some(PathBuf::from(DEBIAN_CONFIG)),
            ..Default::default()
        };
        let located = locate(&daemon, &env(false, None), &|_: &Path| true).unwrap();
        assert_eq!(located.layout, DirectoryLayout::Debian);
        // On a box without Puppet, Debian's file is absent: its layout, no file read.
        for is_root in [false, true] {
            let absent = locate(&daemon, &env(is_root, None), &|_: &Path| false).unwrap();
            assert_eq!(absent.layout, DirectoryLayout::Debian);
            assert_eq!(absent.confdir, Path::new("/etc/puppet"));
            assert_eq!(absent.config_file, None);
        }
        // Any other file given must exist: it stays, and reading it reports it missing.
        let other = Overrides {
            config: Some(PathBuf::from("/srv/missing/puppet.conf")),
            ..Default::default()
        };
        let missing = locate(&other, &env(true, None), &|_: &Path| false).unwrap();
        assert_eq!(
            missing.config_file,
            Some(PathBuf::from("/srv/missing/puppet.conf"))
        );
        let homeless = locate(&Overrides::default(), &env(false, None), &|_: &Path| false);
        assert!(matches!(homeless, Err(SettingsError::HomeMissing)));
    }

    #[test]
    fn only_not_found_is_absent() {
        let dir = std::env::temp_dir().join(format!("cert-settings-exists-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("directory")).unwrap();
        fs::write(dir.join("file"), "").unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("dangling")).unwrap();
        assert!(exists(&dir.join("file")));
        assert!(
            exists(&dir.join("directory")),
            "read, then refused as a directory"
        );
        assert!(!exists(&dir.join("missing")));
        assert!(!exists(&dir.join("dangling")));
        assert!(
            exists(&dir.join("file/below")),
            "not a directory: reported when read"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fqdn_comes_from_hostname_and_resolver_domain() {
        let cases = [
            ("Web01\n", "search corp.example\n", "web01.corp.example"),
            (
                "web01",
                "search a.example b.example\ndomain Lab.Example.\n",
                "web01.lab.example",
            ),
            ("web01.Example.com\n", "domain other\n", "web01.example.com"),
            ("web01", "# nothing\nnameserver 1.1.1.1\n", "web01"),
            ("", "domain x\n", "localhost"),
        ];
        for (hostname, resolv_conf, expected) in cases {
            assert_eq!(fqdn_from(hostname, resolv_conf), expected);
        }
        let current = Environment::current();
        assert_eq!(current.fqdn, current.fqdn.to_lowercase());
        assert!(!current.fqdn.is_empty());
    }
}
