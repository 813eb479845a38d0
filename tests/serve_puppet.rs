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

/// `puppet ssl bootstrap` for `name` completes in one run against `server`, and the
/// certificate it gets verifies against the CA.
fn enrols_in_one_run(world: &World, server: &Server, name: &str) -> Agent {
    let agent = Agent::new(world, name);
    let (ok, output) = agent.bootstrap(server);
    assert!(ok, "{output}\n{}", server.log_text());
    assert!(output.contains("Completed SSL initialization"), "{output}");
    let (valid, detail) = world.openssl_verify(&agent.certificate());
    assert!(valid, "{detail}");
    agent
}

#[test]
fn agent_is_autosigned_in_one_run() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    enrols_in_one_run(&world, &server, "web1.test");
}

/// Issue 14: Puppet's agent accepts an ECDSA server certificate under an RSA CA (what
/// `server_key_type = ec` makes): `puppet ssl bootstrap` completes against it, and the agent's
/// own RSA certificate verifies against the RSA CA.
#[test]
fn agent_enrols_with_an_ec_server_key_under_an_rsa_ca() {
    if !peers() {
        return;
    }
    let world = World::with_config(
        "[main]\ncertname = ca.test\nkeylength = 2048\nserver_key_type = ec\n\
         dns_alt_names = localhost,127.0.0.1\nautosign = true\n",
    );
    world.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    let server_key = world.openssl_ok(&[
        "pkey",
        "-noout",
        "-text",
        "-in",
        world.ssl("private_keys/ca.test.pem").to_str().unwrap(),
    ]);
    assert!(server_key.contains("prime256v1"), "{server_key}");
    let server = Server::start(&world, &[]);
    let agent = enrols_in_one_run(&world, &server, "web1.test");
    assert!(
        world
            .x509_text(&agent.certificate())
            .contains("rsaEncryption"),
        "the agent keeps its own RSA key"
    );
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

/// Issue 12: the real agent asking for a certificate called `ca` gets none, and the CA is
/// left as it was.
#[test]
fn an_agent_called_ca_gets_no_certificate() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let before = world.snapshot_ca();
    let agent = Agent::new(&world, "ca");
    let (ok, output) = agent.bootstrap(&server);
    assert!(!ok, "{output}");
    assert!(
        !agent.certificate().exists() || {
            // The agent keeps only the CA chain under that name (certs/ca.pem), never its own.
            common::read(&agent.certificate()) == common::read(&world.ca("ca_crt.pem"))
        }
    );
    assert!(
        server
            .log_text()
            .contains("\"PUT /puppet-ca/v1/certificate_request/ca\" 400"),
        "{}",
        server.log_text()
    );
    common::assert_same(&before, &world.snapshot_ca(), "an agent called ca");
}

/// Issue 12: with `--admin ops.test`, the real agent of that name is not autosigned: it waits
/// for a person, who signs it with `cert --sign`.
#[test]
fn an_agent_with_an_admin_name_waits_for_a_person() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &["--admin", "ops.test"]);
    let agent = Agent::new(&world, "ops.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(!ok, "{output}");
    assert!(
        output.contains("waitforcert setting is set to 0"),
        "{output}"
    );
    assert!(world.ca("requests/ops.test.pem").exists());
    assert!(!world.ca("signed/ops.test.pem").exists());
    assert!(
        server.log_text().contains("ops.test holds admin rights"),
        "{}",
        server.log_text()
    );
    world.ok(&["--sign", "ops.test"]);
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}\n{}", server.log_text());
}

/// Issue 12: with puppetserver 8's `allow-auto-renewal`, only an agent that says it renews
/// itself (the `pp_auth_auto_renew` CSR attribute, which Puppet sends from 8.2 on) gets a
/// certificate of `auto-renewal-cert-ttl`. The Puppet 7 agent here does not say so, so it gets
/// `ca_ttl`, as puppetserver gives it; `cert agent`, which does, is tests/agent_serve.rs's.
#[test]
fn a_puppet_7_agent_gets_ca_ttl_with_auto_renewal_on() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    common::serve::write_ca_conf(&world, &common::serve::auto_renewal("60d"));
    let server = Server::start(&world, &[]);
    let agent = Agent::new(&world, "seven.test");
    let (ok, output) = agent.bootstrap(&server);
    assert!(ok, "{output}\n{}", server.log_text());
    let request = agent.ssldir().join("certificate_requests/seven.test.pem");
    assert!(
        !request.exists(),
        "the agent removes its request once signed"
    );
    let lives = |days: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &(days * 86_400).to_string(),
                "-in",
                agent.certificate().to_str().unwrap(),
            ])
            .status
            .success()
    };
    assert!(lives(5 * 365 - 2) && !lives(5 * 365 + 1), "not ca_ttl");
}
