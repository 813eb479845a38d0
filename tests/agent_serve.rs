//! `cert agent` (issue 5) against the real `cert serve` (started as the serve tests do,
//! tests/common/serve.rs): autosigned enrollment that the real Puppet agent's `puppet ssl
//! verify` accepts; pending, signed by `cert --sign` while the agent polls, then completed;
//! revoked with `cert --revoke`, refused with its own exit code; and renewal of a short-lived
//! certificate through `POST certificate_renewal` (new serial, same key, `--exec` ran).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use common::serve::{auto_renewal, world_with_ca, write_ca_conf, Server};
use common::{assert_one_error, World};

/// One agent host: its own puppet.conf and ssldir in the world's temp dir.
struct Node {
    name: String,
    root: PathBuf,
}

impl Node {
    fn new(world: &World, name: &str) -> Node {
        let root = world.path().join(format!("agent-{name}"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("puppet.conf"), "[main]\nkey_type = ec\n").unwrap();
        Node {
            name: name.into(),
            root,
        }
    }

    fn ssldir(&self) -> PathBuf {
        self.root.join("ssl")
    }

    fn ssl(&self, file: &str) -> PathBuf {
        self.ssldir().join(file)
    }

    fn certificate(&self) -> PathBuf {
        self.ssl(&format!("certs/{}.pem", self.name))
    }

    /// `cert agent --server 127.0.0.1:PORT --certname NAME --onetime ARGS` on this node.
    fn agent(&self, server: &Server, args: &[&str]) -> Output {
        let address = format!("127.0.0.1:{}", server.port);
        StdCommand::new(assert_cmd::cargo::cargo_bin("cert"))
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

    /// `puppet ARGS` from the real puppet-agent, on this node's ssldir.
    fn puppet(&self, args: &[&str]) -> Output {
        let dir = |d: &str| self.root.join(d).display().to_string();
        StdCommand::new("puppet")
            .args(args)
            .args(["--certname", self.name.as_str()])
            .args(["--ssldir", &dir("ssl"), "--confdir", &dir("conf")])
            .args(["--vardir", &dir("var"), "--logdir", &dir("log")])
            .args(["--rundir", &dir("run")])
            .env("HOME", &self.root)
            .output()
            .expect("run puppet")
    }
}

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_ok(output: &Output, what: &str, server: &Server) -> String {
    let (stdout, stderr) = text(output);
    assert!(
        output.status.success(),
        "{what} failed ({:?}):\nstdout: {stdout}\nstderr: {stderr}\nserver log:\n{}",
        output.status.code(),
        server.log_text()
    );
    stdout
}

/// `openssl verify -crl_check_all` of the node's certificate against its own ca.pem and crl.pem.
fn openssl_verifies(world: &World, node: &Node) -> (bool, String) {
    let output = world.openssl(&[
        "verify",
        "-CAfile",
        node.ssl("certs/ca.pem").to_str().unwrap(),
        "-crl_check_all",
        "-CRLfile",
        node.ssl("crl.pem").to_str().unwrap(),
        node.certificate().to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    (output.status.success(), format!("{stdout}{stderr}"))
}

fn serial(world: &World, cert: &Path) -> String {
    world.openssl_ok(&["x509", "-noout", "-serial", "-in", cert.to_str().unwrap()])
}

fn public_key(world: &World, cert: &Path) -> String {
    world.openssl_ok(&["x509", "-noout", "-pubkey", "-in", cert.to_str().unwrap()])
}

#[test]
fn autosigned_enrollment_is_accepted_by_puppet_ssl_verify() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web1.test");
    let stdout = assert_ok(&node.agent(&server, &[]), "enrollment", &server);
    assert!(
        stdout.contains("pinned CA certificate (SHA256) "),
        "{stdout}"
    );
    assert!(stdout.contains("stored certificate"), "{stdout}");
    assert_eq!(
        std::fs::read(node.ssl("certs/ca.pem")).unwrap(),
        std::fs::read(world.ca("ca_crt.pem")).unwrap()
    );
    let (ok, detail) = openssl_verifies(&world, &node);
    assert!(ok, "{detail}");
    // Signed by the daemon: the CA's inventory has it.
    assert!(common::read(&world.ca("inventory.txt")).contains("/CN=web1.test"));

    if common::require_peer("puppet") {
        let output = node.puppet(&["ssl", "verify"]);
        let (stdout, stderr) = text(&output);
        assert!(
            output.status.success(),
            "puppet ssl verify: {stdout}{stderr}"
        );
    }

    // Next run: nothing to do.
    let stdout = assert_ok(&node.agent(&server, &[]), "second run", &server);
    assert!(stdout.contains("certificate present and valid"), "{stdout}");
}

#[test]
fn pending_then_signed_by_the_cli_while_polling() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web2.test");

    let output = node.agent(&server, &["--waitforcert", "0"]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 3, "{stderr}\n{}", server.log_text());
    assert_one_error(&stderr, "waitforcert 0");
    assert!(world.ca("requests/web2.test.pem").exists());

    let waiting = std::thread::scope(|scope| {
        let agent = scope.spawn(|| node.agent(&server, &["--waitforcert", "1"]));
        std::thread::sleep(std::time::Duration::from_millis(1500));
        world.ok(&["--sign", "web2.test"]);
        agent.join().unwrap()
    });
    let stdout = assert_ok(&waiting, "waiting agent", &server);
    assert!(
        stdout.contains("not signed yet; checking again in 1s"),
        "{stdout}"
    );
    assert!(stdout.contains("stored certificate"), "{stdout}");
    assert!(!node.ssl("certificate_requests/web2.test.pem").exists());
    let (ok, detail) = openssl_verifies(&world, &node);
    assert!(ok, "{detail}");
}

#[test]
fn revoked_by_the_cli_gives_the_refused_code() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web3.test");
    assert_ok(&node.agent(&server, &[]), "enrollment", &server);
    // HTTP dates have whole seconds: a CRL changed in the second of the one the agent holds
    // would be answered 304. The agent asks with the CA's Last-Modified (not its own fetch
    // time), so one second after `cert setup` wrote the first CRL is enough.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    world.ok(&["--revoke", "web3.test"]);
    let cert_before = std::fs::read(node.certificate()).unwrap();
    let output = node.agent(&server, &[]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 4, "{stderr}");
    assert_one_error(&stderr, "revoked");
    assert!(stderr.contains("is revoked"), "{stderr}");
    assert_eq!(std::fs::read(node.certificate()).unwrap(), cert_before);
    // The new CRL was stored: openssl now refuses the certificate too.
    let (ok, detail) = openssl_verifies(&world, &node);
    assert!(!ok && detail.contains("revoked"), "{detail}");
}

#[test]
fn short_lived_certificate_is_renewed_through_certificate_renewal() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    // The CA's own certificates are made; from now on it issues for 10 days, within the
    // agent's 30-day renewal window, and renews (issue 12: renewal is off unless ca.conf's
    // allow-auto-renewal, as in puppetserver; renewing agents get auto-renewal-cert-ttl).
    let config = common::read(&world.config);
    std::fs::write(&world.config, format!("{config}ca_ttl = 10d\n")).unwrap();
    write_ca_conf(&world, &auto_renewal("10d"));
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web4.test");
    let marker = world.path().join("exec-ran");
    let exec = format!("echo ran >> {}", marker.display());

    assert_ok(
        &node.agent(&server, &["--exec", &exec]),
        "enrollment",
        &server,
    );
    let first_serial = serial(&world, &node.certificate());
    let first_key = public_key(&world, &node.certificate());
    let key_file = std::fs::read(node.ssl("private_keys/web4.test.pem")).unwrap();
    assert_eq!(common::read(&marker), "ran\n");

    let stdout = assert_ok(&node.agent(&server, &["--exec", &exec]), "renewal", &server);
    assert!(stdout.contains("renewing"), "{stdout}");
    assert!(stdout.contains("stored certificate"), "{stdout}");
    assert!(
        server.log_text().contains("certificate_renewal"),
        "{}",
        server.log_text()
    );
    assert_ne!(serial(&world, &node.certificate()), first_serial);
    assert_eq!(public_key(&world, &node.certificate()), first_key);
    assert_eq!(
        std::fs::read(node.ssl("private_keys/web4.test.pem")).unwrap(),
        key_file
    );
    assert_eq!(common::read(&marker), "ran\nran\n");
    let (ok, detail) = openssl_verifies(&world, &node);
    assert!(ok, "{detail}");
    let text = world.x509_text(&node.certificate());
    assert!(
        text.contains("DNS:web4.test") || text.contains("web4.test"),
        "{text}"
    );
}

/// Issue 5: the server's TLS certificate is checked against the CA's CRL as well, as a
/// Puppet agent checks it: once `cert --revoke ca.test` revoked the daemon's own certificate,
/// the agent refuses to talk to it.
#[test]
fn a_revoked_server_certificate_is_refused() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web5.test");
    assert_ok(&node.agent(&server, &[]), "enrollment", &server);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    world.ok(&["--revoke", "ca.test"]);
    // This run fetches the new CRL (over the connection its old CRL still allows) ...
    let output = node.agent(&server, &[]);
    assert_ok(&output, "CRL refresh", &server);
    let cert_before = std::fs::read(node.certificate()).unwrap();
    // ... and the next one refuses the server.
    let output = node.agent(&server, &[]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert_one_error(&stderr, "revoked server");
    assert!(
        stderr.contains("the TLS certificate of 127.0.0.1:") && stderr.contains("revoked"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(node.certificate()).unwrap(), cert_before);
}

/// Issue 5: a pending request is submitted again as it was (`certificate_requests/NAME.pem`
/// reused while it matches the key and the settings), not replaced by a new CSR each run; a
/// change of `--dns_alt_names` makes a new one.
#[test]
fn a_pending_request_is_reused_while_it_matches() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    let node = Node::new(&world, "web6.test");
    let waiting = ["--waitforcert", "0"];
    assert_eq!(code(&node.agent(&server, &waiting)), 3);
    let request = node.ssl("certificate_requests/web6.test.pem");
    let first = std::fs::read(&request).unwrap();
    assert_eq!(
        std::fs::read(world.ca("requests/web6.test.pem")).unwrap(),
        first
    );
    world.openssl_ok(&["req", "-verify", "-noout", "-in", request.to_str().unwrap()]);

    for _ in 0..2 {
        assert_eq!(code(&node.agent(&server, &waiting)), 3);
        assert_eq!(std::fs::read(&request).unwrap(), first);
        assert_eq!(
            std::fs::read(world.ca("requests/web6.test.pem")).unwrap(),
            first
        );
    }

    // Other alt names: a new request, which the daemon queues in place of the first.
    let output = node.agent(&server, &["--waitforcert", "0", "--dns_alt_names", "web6"]);
    assert_eq!(code(&output), 3, "{:?}", text(&output));
    let second = std::fs::read(&request).unwrap();
    assert_ne!(second, first);
    assert_eq!(
        std::fs::read(world.ca("requests/web6.test.pem")).unwrap(),
        second
    );
    world.ok(&["--sign", "--allow-dns-alt-names", "web6.test"]);
    let output = node.agent(&server, &["--dns_alt_names", "web6"]);
    let stdout = assert_ok(&output, "after signing", &server);
    assert!(stdout.contains("stored certificate"), "{stdout}");
    assert!(!request.exists());
    let cert_text = world.x509_text(&node.certificate());
    assert!(
        cert_text.contains("DNS:web6,") || cert_text.contains("DNS:web6\n"),
        "{cert_text}"
    );
}

/// Issue 12: `cert agent` says it renews itself (the `pp_auth_auto_renew` attribute), so with
/// puppetserver 8's `allow-auto-renewal` it is issued `auto-renewal-cert-ttl`, not `ca_ttl`;
/// with renewal off (the default), `ca_ttl`.
#[test]
fn a_renewing_agent_gets_auto_renewal_cert_ttl() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let mut server = Server::start(&world, &[]);
    let lives = |node: &Node, days: u64| {
        world
            .openssl(&[
                "x509",
                "-noout",
                "-checkend",
                &(days * 86_400).to_string(),
                "-in",
                node.certificate().to_str().unwrap(),
            ])
            .status
            .success()
    };
    let off = Node::new(&world, "off.test");
    assert_ok(&off.agent(&server, &[]), "enrollment, renewal off", &server);
    assert!(lives(&off, 5 * 365 - 2), "not ca_ttl");
    server.stop();
    write_ca_conf(&world, &auto_renewal("60d"));
    let server = Server::start(&world, &[]);
    let on = Node::new(&world, "on.test");
    assert_ok(&on.agent(&server, &[]), "enrollment, renewal on", &server);
    assert!(
        lives(&on, 59) && !lives(&on, 61),
        "not auto-renewal-cert-ttl"
    );
}

/// Issue 24: `cert agent` honours Puppet 8's `ca_refresh_interval` and `crl_refresh_interval`:
/// within them a run asks the CA for neither; past them it asks with `If-Modified-Since` (304
/// while unchanged, the same files kept), and a revocation made meanwhile reaches `crl.pem`.
#[test]
fn refresh_intervals_and_if_modified_since() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    world.ok(&["generate", "--certname", "doomed.test"]);
    let node = Node::new(&world, "watch.test");
    let conf = node.root.join("puppet.conf");
    let interval = |seconds: &str| {
        std::fs::write(
            &conf,
            format!(
                "[main]\nkey_type = ec\nca_refresh_interval = {seconds}\n\
                 crl_refresh_interval = {seconds}\n"
            ),
        )
        .unwrap()
    };
    let count = |request: &str| {
        server
            .log_text()
            .lines()
            .filter(|line| line.contains(request))
            .count()
    };
    const CA_GET: &str = "\"GET /puppet-ca/v1/certificate/ca\"";
    const CRL_GET: &str = "\"GET /puppet-ca/v1/certificate_revocation_list/ca\"";
    interval("1h");
    assert_ok(&node.agent(&server, &[]), "enrolment", &server);
    let (cas, crls) = (count(CA_GET), count(CRL_GET));
    // Within the interval: neither is asked for.
    assert_ok(
        &node.agent(&server, &[]),
        "a run within the interval",
        &server,
    );
    assert_eq!(
        (count(CA_GET), count(CRL_GET)),
        (cas, crls),
        "{}",
        server.log_text()
    );

    // Past it: both asked, with If-Modified-Since, and unchanged: 304.
    interval("1s");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let crl_before = common::read(&node.ssl("crl.pem"));
    assert_ok(
        &node.agent(&server, &[]),
        "a run past the interval",
        &server,
    );
    assert_eq!(count(&format!("{CA_GET} 304")), 1, "{}", server.log_text());
    assert_eq!(count(&format!("{CRL_GET} 304")), 1, "{}", server.log_text());
    assert_eq!(common::read(&node.ssl("crl.pem")), crl_before);

    // A revocation reaches crl.pem on the next run past the interval.
    world.ok(&["--revoke", "doomed.test"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_ok(
        &node.agent(&server, &[]),
        "a run after a revocation",
        &server,
    );
    assert_eq!(
        common::read(&node.ssl("crl.pem")),
        common::read(&world.ca("ca_crl.pem"))
    );
    assert_eq!(
        count(&format!("{CRL_GET} 200")),
        crls + 1,
        "{}",
        server.log_text()
    );
    let (ok, detail) = openssl_verifies(&world, &node);
    assert!(ok, "{detail}");
}
