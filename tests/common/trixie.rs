//! Where a Puppet program runs (issue 24): this machine, Debian bookworm (Puppet 7.23,
//! puppetserver-ca-cli 2.4), or the Debian trixie tree `.ci/trixie-tree` makes with
//! debootstrap (puppet-agent 8.10, ruby-puppetserver-ca-cli 2.7, puppetserver 8.7), entered
//! with `chroot`.
//!
//! A program of the tree runs in namespaces of its own: a mount namespace where the tree gets
//! `/proc`, `/dev`, this machine's `/etc/hosts` (or `localhost` does not resolve inside) and
//! the temp dir at the same path as outside, so a test's files have one path on both sides;
//! and a PID namespace that `unshare --kill-child` tears down with every process in it when
//! the command ends or is killed. Loopback is shared: a `cert serve` on 127.0.0.1 is reachable
//! from inside. Nothing in the tree is written by the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/trixie-tree` keeps the tree; `CERT_TRIXIE_TREE` names another.
pub const DEFAULT_TREE: &str = "/var/cache/cert-ci/trixie-puppet8";

/// A Debian release whose Puppet programs a test runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// This machine's own packages (Puppet 7).
    Bookworm,
    /// The trixie tree at this path (Puppet 8).
    Trixie(PathBuf),
}

impl Release {
    /// `program` of this release, with a clean environment (`PATH`, `LANG`, `HOME` = `home`).
    pub fn command(&self, program: &str, home: &Path) -> Command {
        match self {
            Release::Bookworm => {
                let mut command = Command::new(program);
                command.env("HOME", home);
                command
            }
            Release::Trixie(tree) => {
                let temp = std::env::temp_dir();
                let mut command = Command::new("unshare");
                command
                    .args([
                        "--fork",
                        "--pid",
                        "--mount",
                        "--kill-child",
                        "--",
                        "sh",
                        "-c",
                    ])
                    .arg(ENTER)
                    .arg("sh")
                    .arg(tree)
                    .arg(&temp)
                    .arg(program)
                    .env_clear()
                    .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                    .env("LANG", "C.UTF-8")
                    .env("HOME", home);
                command
            }
        }
    }

    /// The tree's path, for a release that has one.
    pub fn tree(&self) -> Option<&Path> {
        match self {
            Release::Bookworm => None,
            Release::Trixie(tree) => Some(tree),
        }
    }
}

/// Mount what the tree needs in the new mount namespace, then run the program in the tree:
/// `$1` the tree, `$2` the temp dir, the rest the command.
const ENTER: &str = r#"set -e
tree="$1"; temp="$2"; shift 2
mount -t proc proc "$tree/proc"
mount --bind /dev "$tree/dev"
[ -e "$tree/etc/hosts" ] || : > "$tree/etc/hosts"
mount --bind /etc/hosts "$tree/etc/hosts"
mkdir -p "$tree$temp"
mount --bind "$temp" "$tree$temp"
exec chroot "$tree" "$@""#;

/// The trixie tree with the Puppet 8 agent and CA CLI; skip (`None`) when it is missing, or
/// fail under `CERT_REQUIRE_PEERS=1`.
pub fn require() -> Option<Release> {
    require_with("puppet-agent 8 (trixie tree)", &["usr/bin/puppet"])
}

/// [`require`], also needing puppetserver 8 in the tree.
pub fn require_puppetserver() -> Option<Release> {
    require_with(
        "puppetserver 8 (trixie tree)",
        &["usr/bin/puppet", "usr/bin/puppetserver"],
    )
}

fn require_with(name: &str, files: &[&str]) -> Option<Release> {
    let tree = std::env::var_os("CERT_TRIXIE_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_TREE));
    let complete = files.iter().all(|file| tree.join(file).exists());
    // chroot and mount need root; the tree's programs run as root there too.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if complete && root && super::require_peer_with(name, "unshare", &["--version"]) {
        return Some(Release::Trixie(tree));
    }
    let why = if complete {
        "the tests must run as root to chroot into it".to_string()
    } else {
        format!(
            "no tree at {} (make it with `.ci/trixie-tree`)",
            tree.display()
        )
    };
    if std::env::var("CERT_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("peer {name:?} is required (CERT_REQUIRE_PEERS=1): {why}");
    }
    eprintln!("SKIPPED: peer {name:?}: {why}; or set CERT_REQUIRE_PEERS=1 to fail");
    None
}
