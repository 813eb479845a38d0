//! `cert serve` (issue 4) against the real Puppet 7 agent from Debian's `puppet-agent`
//! package: `puppet ssl bootstrap` autosigned in one run; left pending, signed with
//! `cert --sign`, then completed; refused at the TLS layer once revoked; `puppet ssl clean`
//! and a new enrollment with `allow_duplicate_certs`.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::serve::{client, strs, world_with_ca, Server};
use common::World;

/// One Puppet agent: its own confdir, vardir and ssldir in the world's temp dir.
struct Agent {
    name: String,
    root: PathBuf,
}

impl Agent {
    fn new(world: &World, name: &str) -> Agent {
        Agent {
            name: name.into(),
            root: world.path().join(format!("agent-{name}")),
        }
    }

    fn ssldir(&self) -> PathBuf {
        self.root.join("ssl")
    }

    fn puppet(&self, server: &Server, args: &[&str]) -> Output {
        let port = server.port.to_string();
        let dir = |d: &str| self.root.join(d).display().to_string();
        Command::new("puppet")
            .args(args)
            .args(["--server", "127.0.0.1", "--serverport", port.as_str()])
            .args(["--certname", self.name.as_str()])
            .args(["--ssldir", &dir("ssl"), "--confdir", &dir("conf")])
            .args(["--vardir", &dir("var"), "--logdir", &dir("log")])
            .args(["--rundir", &dir("run"), "--color", "false"])
            .env("HOME", &self.root)
            .output()
            .expect("run puppet")
    }

    fn bootstrap(&self, server: &Server) -> (bool, String) {
        let output = self.puppet(server, &["ssl", "bootstrap", "--waitforcert", "0"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    fn certificate(&self) -> PathBuf {
        self.ssldir().join(format!("certs/{}.pem", self.name))
    }
}

fn peers() -> bool {
    common::require_peer("puppet")
        && common::require_peer("curl")
        && common::require_peer("openssl")
}

#[test]
fn agent_is_autosigned_in_one_run() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let agent = Agent::new(&world, "web1.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("Completed SSL initialization"), "{output}");
    let (valid, detail) = world.openssl_verify(&agent.certificate());
    assert!(valid, "{detail}");
}

#[test]
fn pending_agent_completes_after_cli_signing() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let server = Server::start(&world, &[]);
    let agent = Agent::new(&world, "web2.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(!ok, "{output}");
    assert!(
        output.contains("waitforcert setting is set to 0"),
        "{output}"
    );
    assert!(world.ca("requests/web2.test.pem").exists());
    world.ok(&["--sign", "web2.test"]);
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(agent.certificate().exists());
}

#[test]
fn revoked_agent_is_refused_by_the_tls_layer() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let agent = Agent::new(&world, "web3.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}");
    let credentials = client(&agent.ssldir(), "web3.test");
    let expirations = "/puppet-ca/v1/expirations";
    assert_eq!(server.get(expirations, &strs(&credentials)).0, 200);
    world.ok(&["--revoke", "web3.test"]);
    let (code, error) = server.get(expirations, &strs(&credentials));
    assert_eq!(code, 0, "the revoked agent was served: {error}");
    assert!(error.contains("revoked"), "{error}");
}

#[test]
fn cleaned_agent_re_enrolls_with_allow_duplicate_certs() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\nallow_duplicate_certs = true\n");
    let server = Server::start(&world, &[]);
    let agent = Agent::new(&world, "web4.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}");
    let first = common::read(&agent.certificate());
    let output = agent.puppet(&server, &["ssl", "clean"]);
    assert!(output.status.success(), "{output:?}");
    assert!(!agent.certificate().exists());
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}\n{}", server.log_text());
    assert_ne!(common::read(&agent.certificate()), first);
}
