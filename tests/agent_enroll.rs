//! `cert agent` (issue 5) against a CA API served over HTTPS from a cadir made by `cert`
//! (tests/common/ca_server.rs; `cert serve` is built elsewhere), with the real Puppet agent as
//! the peer: `puppet ssl verify` must accept the ssldir `cert agent` writes, and an ssldir made
//! by `puppet ssl bootstrap` must be adopted without enrolling again. The stand-in has no
//! `certificate_renewal` (404), so renewal here takes the fallback: a new key and CSR.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use common::ca_server::{Behaviour, CaServer};
use common::{assert_one_error, assert_same, mode, snapshot, World};

const SERVER_CONFIG: &str = "[main]\ncertname = localhost\nkey_type = ec\n";
const AUTOSIGN_CONFIG: &str = "[main]\ncertname = localhost\nkey_type = ec\nautosign = true\n";

/// A CA with a server identity `localhost`, served; and an agent side in `DIR/agent`.
struct Site {
    world: World,
    server: CaServer,
    agent_ssldir: PathBuf,
    agent_config: PathBuf,
}

impl Site {
    fn new(autosign: bool) -> Site {
        let world = World::with_config(if autosign {
            AUTOSIGN_CONFIG
        } else {
            SERVER_CONFIG
        });
        world.ok(&["setup", "--certname", "localhost"]);
        let server = CaServer::start(&world.cadir, &world.ssldir, &world.config, "localhost");
        let agent = world.path().join("agent");
        std::fs::create_dir_all(&agent).unwrap();
        let agent_config = agent.join("puppet.conf");
        std::fs::write(&agent_config, "[main]\nkey_type = ec\n").unwrap();
        Site {
            agent_ssldir: agent.join("ssl"),
            agent_config,
            world,
            server,
        }
    }

    /// `cert --ssldir AGENT --config AGENT agent --server localhost:PORT --onetime ARGS`.
    fn agent(&self, name: &str, args: &[&str]) -> Output {
        let server = self.server.address("localhost");
        let mut command = StdCommand::new(assert_cmd::cargo::cargo_bin("cert"));
        command
            .env("HOME", self.world.path())
            .env_remove("CERT_CADIR")
            .env_remove("CERT_SSLDIR")
            .env_remove("CERT_CONFIG")
            .arg("--ssldir")
            .arg(&self.agent_ssldir)
            .arg("--config")
            .arg(&self.agent_config)
            .args([
                "agent",
                "--server",
                &server,
                "--certname",
                name,
                "--onetime",
            ])
            .args(args);
        command.output().expect("run cert agent")
    }

    fn ssl(&self, file: &str) -> PathBuf {
        self.agent_ssldir.join(file)
    }
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

fn assert_ok(output: &Output, what: &str) -> String {
    let (stdout, stderr) = text(output);
    assert!(
        output.status.success(),
        "{what} failed ({:?}):\nstdout: {stdout}\nstderr: {stderr}",
        output.status.code()
    );
    stdout
}

/// `openssl verify` of the agent's cert against the agent's own ca.pem and crl.pem.
fn openssl_verifies(site: &Site, name: &str) -> (bool, String) {
    let output = site.world.openssl(&[
        "verify",
        "-CAfile",
        site.ssl("certs/ca.pem").to_str().unwrap(),
        "-crl_check_all",
        "-CRLfile",
        site.ssl("crl.pem").to_str().unwrap(),
        site.ssl(&format!("certs/{name}.pem")).to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    (output.status.success(), format!("{stdout}{stderr}"))
}

fn puppet(site: &Site, args: &[&str]) -> Output {
    let confdir = site.world.path().join("puppet-conf");
    std::fs::create_dir_all(&confdir).unwrap();
    StdCommand::new("puppet")
        .env("HOME", site.world.path())
        .args(args)
        .arg("--confdir")
        .arg(&confdir)
        .arg("--vardir")
        .arg(site.world.path().join("puppet-var"))
        .arg("--logdir")
        .arg(site.world.path().join("puppet-log"))
        .arg("--rundir")
        .arg(site.world.path().join("puppet-run"))
        .arg("--ssldir")
        .arg(&site.agent_ssldir)
        .output()
        .expect("run puppet")
}

#[test]
fn autosigned_enrollment_writes_a_puppet_ssldir() {
    let site = Site::new(true);
    let output = site.agent("node1.test", &[]);
    let stdout = assert_ok(&output, "enrollment");
    assert!(
        stdout.contains("pinned CA certificate (SHA256) "),
        "{stdout}"
    );
    assert!(stdout.contains("stored certificate"), "{stdout}");

    for file in [
        "certs/ca.pem",
        "crl.pem",
        "certs/node1.test.pem",
        "public_keys/node1.test.pem",
    ] {
        assert_eq!(mode(&site.ssl(file)), 0o644, "{file}");
    }
    assert_eq!(mode(&site.ssl("private_keys/node1.test.pem")), 0o600);
    assert!(!site.ssl("certificate_requests/node1.test.pem").exists());
    assert_eq!(
        std::fs::read(site.ssl("certs/ca.pem")).unwrap(),
        std::fs::read(site.world.ca("ca_crt.pem")).unwrap()
    );
    let (ok, verdict) = openssl_verifies(&site, "node1.test");
    assert!(ok, "openssl verify: {verdict}");
    let cert_text = site.world.x509_text(&site.ssl("certs/node1.test.pem"));
    assert!(cert_text.contains("DNS:node1.test"), "{cert_text}");

    // A second run finds everything in place and changes nothing.
    let before = snapshot(&site.agent_ssldir);
    let stdout = assert_ok(&site.agent("node1.test", &[]), "second run");
    assert!(stdout.contains("certificate present and valid"), "{stdout}");
    assert_same(&before, &snapshot(&site.agent_ssldir), "second run");

    // The real Puppet agent accepts the ssldir.
    if common::require_peer("puppet") {
        let output = puppet(&site, &["ssl", "verify", "--certname", "node1.test"]);
        assert_ok(&output, "puppet ssl verify");
    }
}

#[test]
fn pending_then_signed_then_completed() {
    let site = Site::new(false);
    let alt_names = [
        "--dns_alt_names",
        "node2,www.node2.test",
        "--waitforcert",
        "0",
    ];
    let output = site.agent("node2.test", &alt_names);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 3, "{stderr}");
    assert_one_error(&stderr, "waitforcert 0");
    assert!(stderr.contains("not signed yet"), "{stderr}");
    assert!(site.ssl("certificate_requests/node2.test.pem").exists());
    assert!(site.world.ca("requests/node2.test.pem").exists());

    // Resubmitting is fine (the CA answers 400 "already has a requested certificate").
    let output = site.agent("node2.test", &alt_names);
    assert_eq!(code(&output), 3, "{:?}", text(&output));

    // Polling: sign while the agent waits.
    let world = &site.world;
    let waiting = std::thread::scope(|scope| {
        let agent = scope.spawn(|| {
            site.agent(
                "node2.test",
                &[
                    "--dns_alt_names",
                    "node2,www.node2.test",
                    "--waitforcert",
                    "1",
                ],
            )
        });
        std::thread::sleep(std::time::Duration::from_millis(1500));
        world.ok(&["--sign", "--allow-dns-alt-names", "node2.test"]);
        agent.join().unwrap()
    });
    let stdout = assert_ok(&waiting, "waiting agent");
    assert!(
        stdout.contains("not signed yet; checking again in 1s"),
        "{stdout}"
    );
    assert!(site.ssl("certs/node2.test.pem").exists());
    assert!(!site.ssl("certificate_requests/node2.test.pem").exists());
    assert!(openssl_verifies(&site, "node2.test").0);
    let cert_text = site.world.x509_text(&site.ssl("certs/node2.test.pem"));
    assert!(cert_text.contains("DNS:www.node2.test"), "{cert_text}");
    assert!(cert_text.contains("DNS:node2.test"), "{cert_text}");
}

#[test]
fn maxwaitforcert_gives_up_with_the_waiting_code() {
    let site = Site::new(false);
    let output = site.agent(
        "node3.test",
        &["--waitforcert", "1", "--maxwaitforcert", "2"],
    );
    assert_eq!(code(&output), 3, "{:?}", text(&output));
    assert!(text(&output).1.contains("maxwaitforcert"));
}

#[test]
fn revoked_certificate_has_its_own_exit_code_and_keeps_the_ssldir() {
    let site = Site::new(true);
    assert_ok(&site.agent("node4.test", &[]), "enrollment");
    site.world.ok(&["--revoke", "node4.test"]);
    let before = snapshot(&site.agent_ssldir);
    let output = site.agent("node4.test", &[]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 4, "{stderr}");
    assert_one_error(&stderr, "revoked");
    assert!(stderr.contains("is revoked"), "{stderr}");
    // The new CRL is stored (that is what tells the host), nothing else changes.
    let after = snapshot(&site.agent_ssldir);
    for (path, entry) in &before {
        if path != Path::new("crl.pem") {
            assert_eq!(after.get(path), Some(entry), "{}", path.display());
        }
    }
}

#[test]
fn a_signed_certificate_for_another_key_is_a_mismatch() {
    let site = Site::new(true);
    assert_ok(&site.agent("node5.test", &[]), "enrollment");
    std::fs::remove_dir_all(&site.agent_ssldir).unwrap();
    // A new key; the CA still holds the certificate of the old one and says "already has".
    let output = site.agent("node5.test", &["--waitforcert", "0"]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert_one_error(&stderr, "mismatch");
    assert!(
        stderr.contains("does not match the private key"),
        "{stderr}"
    );
}

#[test]
fn exec_runs_after_a_change_only() {
    let site = Site::new(true);
    let marker = site.world.path().join("ran");
    let exec = format!("echo ran >> {}", marker.display());
    assert_ok(&site.agent("node6.test", &["--exec", &exec]), "enrollment");
    assert_eq!(common::read(&marker), "ran\n");
    assert_ok(&site.agent("node6.test", &["--exec", &exec]), "second run");
    assert_eq!(common::read(&marker), "ran\n");
}

#[test]
fn bad_servers_are_refused_and_the_ssldir_is_kept() {
    let site = Site::new(true);

    // Nobody listening: its own exit code.
    let output = StdCommand::new(assert_cmd::cargo::cargo_bin("cert"))
        .arg("--ssldir")
        .arg(&site.agent_ssldir)
        .arg("--config")
        .arg(&site.agent_config)
        .args([
            "agent",
            "--server",
            "127.0.0.1:1",
            "--certname",
            "n.test",
            "--onetime",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), 5, "{:?}", text(&output));
    assert_one_error(&text(&output).1, "unreachable");

    // A web server that is not a Puppet CA.
    site.server.set(Behaviour::NotACa);
    let output = site.agent("n.test", &[]);
    assert_eq!(code(&output), 1);
    assert!(
        text(&output).1.contains("is not a Puppet CA"),
        "{:?}",
        text(&output)
    );
    site.server.set(Behaviour::Normal);

    // A wrong --ca-fingerprint.
    let output = site.agent("n.test", &["--ca-fingerprint", "AA:BB"]);
    assert_eq!(code(&output), 1);
    assert!(text(&output).1.contains("not the expected AA:BB"));
    assert!(!site.agent_ssldir.join("certs").exists());

    // Truncated certificate response: an error, nothing half-written.
    site.server.set(Behaviour::TruncatedCertificate);
    let output = site.agent("n.test", &[]);
    assert_eq!(code(&output), 1);
    assert!(
        text(&output).1.contains("truncated response"),
        "{:?}",
        text(&output)
    );
    assert!(!site.ssl("certs/n.test.pem").exists());
    site.server.set(Behaviour::Normal);
    assert_ok(
        &site.agent("n.test", &[]),
        "enrollment after the bad answers",
    );

    // An expired CRL: refused, ssldir intact.
    let before = snapshot(&site.agent_ssldir);
    site.server.set(Behaviour::ExpiredCrl);
    let output = site.agent("n.test", &[]);
    assert_eq!(code(&output), 1, "{:?}", text(&output));
    assert_one_error(&text(&output).1, "expired CRL");
    assert!(
        text(&output).1.contains("expired at"),
        "{:?}",
        text(&output)
    );
    assert_same(&before, &snapshot(&site.agent_ssldir), "expired CRL");
    site.server.set(Behaviour::Normal);

    // Another CA at the same address: refused, ssldir intact.
    let before = snapshot(&site.agent_ssldir);
    let other = Site::new(true);
    let output = StdCommand::new(assert_cmd::cargo::cargo_bin("cert"))
        .arg("--ssldir")
        .arg(&site.agent_ssldir)
        .arg("--config")
        .arg(&site.agent_config)
        .args(["agent", "--server", &other.server.address("localhost")])
        .args(["--certname", "n.test", "--onetime"])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert_one_error(&stderr, "CA changed");
    assert!(stderr.contains("differs from the pinned"), "{stderr}");
    assert_same(&before, &snapshot(&site.agent_ssldir), "CA changed");

    // A certificate that does not match the key.
    let key = site.ssl("private_keys/n.test.pem");
    let other_key = other.world.ssl("private_keys/localhost.pem");
    std::fs::remove_file(&key).unwrap();
    std::fs::copy(&other_key, &key).unwrap();
    let before = snapshot(&site.agent_ssldir);
    let output = site.agent("n.test", &[]);
    assert_eq!(code(&output), 1);
    assert!(text(&output).1.contains("does not match the private key"));
    assert_same(&before, &snapshot(&site.agent_ssldir), "key mismatch");
}

#[test]
fn puppet_ssl_bootstrap_ssldir_is_adopted() {
    if !common::require_peer("puppet") {
        return;
    }
    let site = Site::new(true);
    let port = site.server.port.to_string();
    let output = puppet(
        &site,
        &[
            "ssl",
            "bootstrap",
            "--certname",
            "node7.test",
            "--server",
            "localhost",
            "--serverport",
            &port,
            "--waitforcert",
            "0",
        ],
    );
    assert_ok(&output, "puppet ssl bootstrap");
    let requests_before = std::fs::read_dir(site.world.ca("signed")).unwrap().count();
    let before = snapshot(&site.agent_ssldir);
    let stdout = assert_ok(&site.agent("node7.test", &[]), "adopting");
    assert!(stdout.contains("certificate present and valid"), "{stdout}");
    assert!(!stdout.contains("submitted"), "{stdout}");
    assert_eq!(
        std::fs::read_dir(site.world.ca("signed")).unwrap().count(),
        requests_before
    );
    let after = snapshot(&site.agent_ssldir);
    for (path, entry) in &before {
        if path != Path::new("crl.pem") {
            assert_eq!(after.get(path), Some(entry), "{}", path.display());
        }
    }
}

/// Append `lines` to the CA's puppet.conf (the stand-in server reads it per request).
fn configure_ca(site: &Site, lines: &str) {
    let config = common::read(&site.world.config);
    std::fs::write(&site.world.config, format!("{config}{lines}")).unwrap();
}

fn pubkey(site: &Site, cert: &Path) -> String {
    site.world
        .openssl_ok(&["x509", "-noout", "-pubkey", "-in", cert.to_str().unwrap()])
}

/// Issue 5: the stand-in CA has no `certificate_renewal` (404, as a CA before Puppet 7.?);
/// renewal falls back to a new key and CSR submitted as a fresh enrollment.
#[test]
fn renewal_without_certificate_renewal_uses_a_new_key_and_csr() {
    let site = Site::new(true);
    configure_ca(&site, "ca_ttl = 10d\nallow_duplicate_certs = true\n");
    let marker = site.world.path().join("ran");
    let exec = format!("echo ran >> {}", marker.display());
    assert_ok(&site.agent("r1.test", &["--exec", &exec]), "enrollment");
    let cert = site.ssl("certs/r1.test.pem");
    let old_key = pubkey(&site, &cert);

    let stdout = assert_ok(&site.agent("r1.test", &["--exec", &exec]), "renewal");
    assert!(
        stdout.contains("certificate_renewal not available (404"),
        "{stdout}"
    );
    assert!(stdout.contains("created private key"), "{stdout}");
    assert!(stdout.contains("stored certificate"), "{stdout}");
    let new_key = pubkey(&site, &cert);
    assert_ne!(new_key, old_key);
    // The key, public key and certificate moved together; the renewal files are gone.
    let private = site.world.openssl_ok(&[
        "pkey",
        "-pubout",
        "-in",
        site.ssl("private_keys/r1.test.pem").to_str().unwrap(),
    ]);
    assert_eq!(private, new_key);
    assert_eq!(common::read(&site.ssl("public_keys/r1.test.pem")), new_key);
    assert_eq!(mode(&site.ssl("private_keys/r1.test.pem")), 0o600);
    assert!(!site.ssl("renewal/r1.test.key.pem").exists());
    assert!(!site.ssl("renewal/r1.test.csr.pem").exists());
    assert_eq!(common::read(&marker), "ran\nran\n");
    assert!(openssl_verifies(&site, "r1.test").0);
    if common::require_peer("puppet") {
        let output = puppet(&site, &["ssl", "verify", "--certname", "r1.test"]);
        assert_ok(&output, "puppet ssl verify after renewal");
    }
}

#[test]
fn renewal_by_new_csr_keeps_the_old_certificate_until_signed() {
    let site = Site::new(false);
    configure_ca(&site, "ca_ttl = 10d\nallow_duplicate_certs = true\n");
    assert_eq!(code(&site.agent("r2.test", &["--waitforcert", "0"])), 3);
    site.world.ok(&["--sign", "r2.test"]);
    assert_ok(&site.agent("r2.test", &[]), "enrollment");

    let before = snapshot(&site.agent_ssldir);
    let stdout = assert_ok(&site.agent("r2.test", &[]), "renewal submitted");
    assert!(stdout.contains("submitted certificate request"), "{stdout}");
    assert!(
        stdout.contains("renewal request not signed yet; keeping the current certificate"),
        "{stdout}"
    );
    let after = snapshot(&site.agent_ssldir);
    for file in [
        "certs/r2.test.pem",
        "private_keys/r2.test.pem",
        "public_keys/r2.test.pem",
    ] {
        assert_eq!(
            after.get(Path::new(file)),
            before.get(Path::new(file)),
            "{file}"
        );
    }
    assert_eq!(mode(&site.ssl("renewal/r2.test.key.pem")), 0o600);
    assert!(site.world.ca("requests/r2.test.pem").exists());

    // Still pending: no second request, the same answer.
    let request = std::fs::read(site.world.ca("requests/r2.test.pem")).unwrap();
    let stdout = assert_ok(&site.agent("r2.test", &[]), "still pending");
    assert!(!stdout.contains("submitted"), "{stdout}");
    assert_eq!(
        std::fs::read(site.world.ca("requests/r2.test.pem")).unwrap(),
        request
    );

    site.world.ok(&["--sign", "r2.test"]);
    let stdout = assert_ok(&site.agent("r2.test", &[]), "renewal signed");
    assert!(stdout.contains("stored certificate"), "{stdout}");
    let renewal_key = site.world.openssl_ok(&[
        "pkey",
        "-pubout",
        "-in",
        site.ssl("private_keys/r2.test.pem").to_str().unwrap(),
    ]);
    assert_eq!(pubkey(&site, &site.ssl("certs/r2.test.pem")), renewal_key);
    assert!(!site.ssl("renewal/r2.test.key.pem").exists());
    assert!(openssl_verifies(&site, "r2.test").0);
}

#[test]
fn renewal_by_new_csr_refused_without_duplicates_keeps_everything() {
    let site = Site::new(true);
    configure_ca(&site, "ca_ttl = 10d\n");
    assert_ok(&site.agent("r3.test", &[]), "enrollment");
    let before = snapshot(&site.agent_ssldir);
    let output = site.agent("r3.test", &[]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 4, "{stderr}");
    assert_one_error(&stderr, "duplicates refused");
    assert!(stderr.contains("allow_duplicate_certs"), "{stderr}");
    let after = snapshot(&site.agent_ssldir);
    for (path, entry) in &before {
        assert_eq!(after.get(path), Some(entry), "{}", path.display());
    }
}

/// Issue 5: `$ssldir/ssl.lock` (Puppet's pid lock) is held for a run: a live holder stops the
/// run with a clear message, a stale one is taken over, and the lock is gone afterwards.
#[test]
fn ssl_lock_is_held_for_a_run_like_puppet() {
    let site = Site::new(false);
    std::fs::create_dir_all(&site.agent_ssldir).unwrap();
    let lock = site.ssl("ssl.lock");

    // A live process holds it (this test's own pid).
    std::fs::write(&lock, std::process::id().to_string()).unwrap();
    let output = site.agent("l1.test", &["--waitforcert", "0"]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert_one_error(&stderr, "ssl.lock held");
    assert!(
        stderr.contains(&format!("another agent (pid {})", std::process::id())),
        "{stderr}"
    );
    assert!(!site.ssl("certs").exists(), "nothing done while locked");

    // A stale lock (a process that has exited) is taken over and released.
    let mut gone = StdCommand::new("true").spawn().unwrap();
    let stale = gone.id();
    gone.wait().unwrap();
    std::fs::write(&lock, stale.to_string()).unwrap();
    let output = site.agent("l1.test", &["--waitforcert", "0"]);
    assert_eq!(code(&output), 3, "{:?}", text(&output));
    assert!(!lock.exists());

    // A waiting agent holds it; a second run meanwhile is turned away.
    let (waiting, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| site.agent("l1.test", &["--waitforcert", "1"]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !lock.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let second = site.agent("l1.test", &["--waitforcert", "0"]);
        site.world.ok(&["--sign", "l1.test"]);
        (first.join().unwrap(), second)
    });
    assert_eq!(code(&second), 1, "{:?}", text(&second));
    assert!(text(&second).1.contains("ssl.lock is held"));
    assert_ok(&waiting, "the waiting agent");
    assert!(!lock.exists());
}
