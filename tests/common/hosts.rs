//! Hosts that talk to a running `cert serve` ([`super::serve::Server`]): a real Puppet agent
//! ([`PuppetAgent`], Debian's `puppet-agent`: bookworm's 7.23, or trixie's 8.10 in the tree of
//! [`super::trixie`]) and `cert agent` ([`CertAgent`]), each with its own confdir and ssldir in
//! the world's temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::serve::Server;
use super::trixie::Release;
use super::World;

/// A Puppet agent: `puppet` with its own confdir, vardir and ssldir.
pub struct PuppetAgent {
    pub name: String,
    pub root: PathBuf,
    /// Whose `puppet` runs: bookworm's (7) or trixie's (8).
    pub release: Release,
}

impl PuppetAgent {
    /// A Puppet 7 agent for `name` with an empty ssldir.
    pub fn new(world: &World, name: &str) -> PuppetAgent {
        PuppetAgent::of(&Release::Bookworm, world, name)
    }

    /// An agent of `release` for `name` with an empty ssldir.
    pub fn of(release: &Release, world: &World, name: &str) -> PuppetAgent {
        PuppetAgent {
            name: name.into(),
            root: world.path().join(format!("puppet-{name}")),
            release: release.clone(),
        }
    }

    /// An agent for `name` whose ssldir starts as a copy of `ssldir` (a fixture's).
    pub fn with_ssldir(world: &World, name: &str, ssldir: &Path) -> PuppetAgent {
        let agent = PuppetAgent::new(world, name);
        super::copy_writable(ssldir, &agent.ssldir());
        agent
    }

    pub fn ssldir(&self) -> PathBuf {
        self.root.join("ssl")
    }

    pub fn ssl(&self, file: &str) -> PathBuf {
        self.ssldir().join(file)
    }

    /// `puppet ARGS` against `server` (127.0.0.1 and its port).
    pub fn puppet(&self, server: &Server, args: &[&str]) -> Output {
        self.puppet_at(server.port, args)
    }

    /// `puppet ARGS` against 127.0.0.1:`port`, for the CA and the master alike.
    pub fn puppet_at(&self, port: u16, args: &[&str]) -> Output {
        let port = port.to_string();
        let dir = |d: &str| self.root.join(d).display().to_string();
        self.release
            .command("puppet", &self.root)
            .args(args)
            .args(["--server", "127.0.0.1", "--serverport", port.as_str()])
            .args(["--certname", self.name.as_str()])
            .args(["--ssldir", &dir("ssl"), "--confdir", &dir("conf")])
            .args(["--vardir", &dir("var"), "--logdir", &dir("log")])
            .args(["--rundir", &dir("run"), "--codedir", &dir("code")])
            .args(["--color", "false"])
            .output()
            .expect("run puppet")
    }

    /// `puppet ssl ACTION` (`bootstrap` with waitforcert 0): success and combined output.
    pub fn ssl_action(&self, server: &Server, action: &str) -> (bool, String) {
        let mut args = vec!["ssl", action];
        if action == "bootstrap" {
            args.extend(["--waitforcert", "0"]);
        }
        let output = self.puppet(server, &args);
        (output.status.success(), text(&output))
    }
}

/// A host running `cert agent --onetime` with its own puppet.conf (EC keys) and ssldir.
pub struct CertAgent {
    pub name: String,
    pub root: PathBuf,
}

impl CertAgent {
    pub fn new(world: &World, name: &str) -> CertAgent {
        let root = world.path().join(format!("cert-agent-{name}"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("puppet.conf"), "[main]\nkey_type = ec\n").unwrap();
        CertAgent {
            name: name.into(),
            root,
        }
    }

    pub fn ssldir(&self) -> PathBuf {
        self.root.join("ssl")
    }

    pub fn ssl(&self, file: &str) -> PathBuf {
        self.ssldir().join(file)
    }

    /// `cert agent --server 127.0.0.1:PORT --certname NAME --onetime ARGS`.
    pub fn run(&self, server: &Server, args: &[&str]) -> Output {
        let address = format!("127.0.0.1:{}", server.port);
        Command::new(assert_cmd::cargo::cargo_bin("cert"))
            .env("HOME", &self.root)
            .env_remove("CERT_CADIR")
            .env_remove("CERT_SSLDIR")
            .env_remove("CERT_CONFIG")
            .arg("--ssldir")
            .arg(self.ssldir())
            .arg("--config")
            .arg(self.root.join("puppet.conf"))
            .args(["agent", "--server", &address, "--certname", &self.name])
            .arg("--onetime")
            .args(args)
            .output()
            .expect("run cert agent")
    }
}

/// stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
