//! Issue 25: the Debian package CI built, installed on a fresh Debian bookworm and run by a real
//! systemd (`common::machine`: debootstrap roots kept by `.ci/run`, each machine PID 1 of its
//! own namespaces). As a new user would: `apt-get install ./cert.deb`, then `systemctl enable
//! --now cert-serve`, on a box without Puppet (a CA is made in Debian's layout, readiness,
//! `/status/v1/simple`, reload, stop with a request in flight, a restart after `kill -9`,
//! `cert-agent.service` on a second box enrolling and keeping its certificate, an upgrade over
//! the running daemon, remove and purge keeping the CA), with Debian's puppet-agent installed
//! first (a real Puppet agent enrolls), on a box with puppetserver's CA (it is served, no new
//! CA), and with a CA `cert setup` put in PostgreSQL over TCP, with the metrics listener and
//! `systemd-analyze security`'s exposure score as docs/operations.md gives it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::machine::{require_machines, Machine, Network, BASE_ROOT, PUPPET_ROOT};

const CADIR: &str = "/etc/puppet/puppetserver/ca";
const SSLDIR: &str = "/var/lib/puppet/ssl";
/// curl against the CA's TLS port, trusting the CA.
const CURL: &str = "curl -sS --fail --max-time 20 --cacert /var/lib/puppet/ssl/certs/ca.pem";
/// The score docs/operations.md gives for `systemd-analyze security cert-serve`.
const EXPOSURE: &str = "1.3";
/// The journal line of a reload.
const RELOADED: &str = "SIGHUP: settings, CA and CRL reloaded";
/// The journal line of a first start without a CA.
const CREATED: &str = "NO CA FOUND: CREATED A NEW CA";

#[test]
fn on_an_empty_box_it_makes_a_ca_and_serves_through_reload_stop_crash_upgrade_and_removal() {
    let Some(deb) = require_machines() else {
        return;
    };
    let ca = Machine::boot(BASE_ROOT, "ca.test", Network::Own);
    // A fresh Debian: no Puppet, no puppet user, and no procps (so no /bin/kill).
    ca.ok("! test -e /etc/puppet && ! getent passwd puppet && ! test -e /bin/kill");
    install(&ca, &deb);
    // The postinst made the user and the directories the sandbox needs, with Debian's modes.
    assert_eq!(
        ca.ok(
            "stat -c '%n %U:%G %a' /etc/puppet/puppetserver /etc/puppet/puppetserver/ca \
             /var/lib/puppet /var/lib/puppet/ssl"
        ),
        "/etc/puppet/puppetserver puppet:puppet 750\n\
         /etc/puppet/puppetserver/ca puppet:puppet 750\n\
         /var/lib/puppet puppet:puppet 750\n\
         /var/lib/puppet/ssl puppet:puppet 750\n"
    );
    assert_eq!(
        ca.sh_text("systemctl is-enabled cert-serve").trim(),
        "disabled"
    );

    // The first start makes a CA, then is ready: the port answers with no retry.
    ca.ok("systemctl enable --now cert-serve");
    assert_eq!(
        ca.ok(&format!("{CURL} https://ca.test:8140/status/v1/simple")),
        "running"
    );
    assert_eq!(
        ca.property("cert-serve", "StatusText"),
        "listening on https://0.0.0.0:8140"
    );
    let journal = ca.journal("cert-serve");
    for line in [
        CREATED,
        "in /etc/puppet/puppetserver/ca (SHA256 fingerprint",
        "listening on https://0.0.0.0:8140",
    ] {
        assert!(journal.contains(line), "{line:?} not in:\n{journal}");
    }
    let owners = ca.ok(&format!(
        "stat -c '%U:%G' {CADIR}/ca_crt.pem {CADIR}/audit.log {SSLDIR}/certs/ca.test.pem"
    ));
    assert_eq!(owners, "puppet:puppet\n".repeat(3));
    let keys = ca.ok(&format!(
        "stat -c '%U:%G %a' {CADIR}/ca_key.pem {SSLDIR}/private_keys/ca.test.pem"
    ));
    for line in keys.lines() {
        assert!(
            line.starts_with("puppet:puppet 6") && line.ends_with('0'),
            "{keys}"
        );
    }
    let chain = ca.read(&format!("{CADIR}/ca_crt.pem"));
    let ca_key = ca.read(&format!("{CADIR}/ca_key.pem"));

    // The admin beside the daemon, as root: list and export read the same CA.
    let listed = ca.ok("cert --config /etc/puppet/puppet.conf list --all");
    assert!(listed.contains("ca.test"), "{listed}");
    ca.ok("cert --config /etc/puppet/puppet.conf export --crl-only --out /root/crl");
    ca.ok("test -s /root/crl/crl.pem");

    // Reload: a puppet.conf naming an autosign policy program counts only once reloaded.
    ca.write(
        "/etc/puppet/puppet.conf",
        "[server]\nautosign = /etc/puppet/autosign-policy\n",
        0o644,
    );
    ca.write(
        "/etc/puppet/autosign-policy",
        "#!/bin/sh\n# Sign everything; slow.test after 3 s, to be in flight during a stop.\n\
         case \"$1\" in slow.test) sleep 3 ;; esac\nexit 0\n",
        0o755,
    );
    assert_eq!(submit(&ca, "before.test"), "200");
    assert_eq!(certificate_status(&ca, "before.test"), "404");
    ca.ok("systemctl reload cert-serve");
    ca.wait_for(
        "the reload line",
        "cert-serve",
        Duration::from_secs(30),
        || ca.journal("cert-serve").contains(RELOADED),
    );
    assert_eq!(submit(&ca, "after.test"), "200");
    ca.wait_for(
        "after.test autosigned",
        "cert-serve",
        Duration::from_secs(30),
        || certificate_status(&ca, "after.test") == "200",
    );

    // Stop finishes the request in flight, its policy program included.
    let slow = ca.spawn(&submit_script("slow.test"));
    ca.wait_for(
        "the policy program deciding slow.test",
        "cert-serve",
        Duration::from_secs(30),
        || {
            ca.sh_text("systemctl status --no-pager cert-serve")
                .contains("sleep 3")
        },
    );
    ca.ok("systemctl stop cert-serve");
    let answer = slow.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&answer.stdout), "200", "{answer:?}");
    ca.ok(&format!("test -s {CADIR}/signed/slow.test.pem"));
    let journal = ca.journal("cert-serve");
    assert!(
        journal.contains("shutting down: finishing requests in flight"),
        "{journal}"
    );
    assert!(!journal.contains("stopping anyway"), "{journal}");

    // A crash (kill -9, with the shell's kill) restarts it.
    ca.ok("systemctl start cert-serve");
    let crashed = ca.property("cert-serve", "MainPID");
    ca.ok(&format!("kill -KILL {crashed}"));
    ca.wait_for(
        "a restart after kill -9",
        "cert-serve",
        Duration::from_secs(60),
        || {
            let pid = ca.property("cert-serve", "MainPID");
            pid != "0" && pid != crashed && ca.property("cert-serve", "ActiveState") == "active"
        },
    );
    assert_eq!(ca.property("cert-serve", "NRestarts"), "1");
    assert!(ca.journal("cert-serve").contains("status=9/KILL"));
    assert_eq!(
        ca.ok(&format!("{CURL} https://ca.test:8140/status/v1/simple")),
        "running"
    );

    // cert-agent.service on a second box enrolls (autosigned) and keeps its certificate.
    let agent = Machine::boot(BASE_ROOT, "agent.test", Network::Shared(&ca));
    install(&agent, &deb);
    agent.write(
        "/etc/default/cert-agent",
        "CERT_AGENT_ARGS=\"--server ca.test --waitforcert 2s\"\nCERT_AGENT_EXEC=\"\"\n",
        0o644,
    );
    agent.ok("systemctl enable --now cert-agent");
    let agent_certificate = format!("{SSLDIR}/certs/agent.test.pem");
    agent.wait_for(
        "the agent's certificate",
        "cert-agent",
        Duration::from_secs(60),
        || {
            agent
                .sh(&format!("test -s {agent_certificate}"))
                .status
                .success()
        },
    );
    agent.ok(&format!(
        "openssl verify -CAfile {SSLDIR}/certs/ca.pem {agent_certificate}"
    ));
    let enrolled = agent.read(&agent_certificate);
    agent.ok("systemctl restart cert-agent");
    agent.wait_for(
        "the agent's second run",
        "cert-agent",
        Duration::from_secs(30),
        || {
            agent
                .journal("cert-agent")
                .contains("certificate present and valid until")
        },
    );
    assert_eq!(agent.read(&agent_certificate), enrolled, "kept");
    let inventory = String::from_utf8(ca.read(&format!("{CADIR}/inventory.txt"))).unwrap();
    assert_eq!(
        inventory.matches("/CN=agent.test\n").count(),
        1,
        "signed once:\n{inventory}"
    );
    drop(agent);

    // An upgrade over the running daemon restarts it on the same CA.
    let work = tempfile::tempdir().unwrap();
    let (upgrade, version) = upgraded(&deb, work.path());
    let before = ca.property("cert-serve", "MainPID");
    ca.copy_in(&upgrade, "/root/cert-upgrade.deb");
    ca.ok("dpkg -i /root/cert-upgrade.deb");
    assert_eq!(ca.ok("dpkg-query -W -f '${Version}' cert"), version);
    let after = ca.property("cert-serve", "MainPID");
    assert!(after != before && after != "0", "{before} -> {after}");
    assert_eq!(
        ca.ok(&format!("{CURL} https://ca.test:8140/status/v1/simple")),
        "running"
    );
    assert_eq!(ca.read(&format!("{CADIR}/ca_crt.pem")), chain);
    assert_eq!(ca.read(&format!("{CADIR}/ca_key.pem")), ca_key);
    assert_eq!(ca.journal("cert-serve").matches(CREATED).count(), 1);

    // Remove and purge leave the CA, its keys and this host's key.
    let kept = [
        format!("{CADIR}/ca_crt.pem"),
        format!("{CADIR}/ca_key.pem"),
        format!("{CADIR}/signed/agent.test.pem"),
        format!("{SSLDIR}/private_keys/ca.test.pem"),
    ];
    let contents: Vec<Vec<u8>> = kept.iter().map(|path| ca.read(path)).collect();
    ca.ok("apt-get remove -y cert");
    assert_eq!(
        ca.sh_text("systemctl is-active cert-serve").trim(),
        "inactive"
    );
    ca.ok("! test -e /usr/bin/cert");
    ca.ok("apt-get purge -y cert");
    ca.ok("getent passwd puppet");
    for (path, content) in kept.iter().zip(&contents) {
        assert_eq!(&ca.read(path), content, "{path}");
    }
}

#[test]
fn with_debian_puppet_agent_installed_first_a_real_agent_enrolls() {
    let Some(deb) = require_machines() else {
        return;
    };
    let ca = Machine::boot(PUPPET_ROOT, "ca.test", Network::Own);
    ca.ok("test -s /etc/puppet/puppet.conf && getent passwd puppet");
    install(&ca, &deb);
    ca.ok("systemctl enable --now cert-serve");
    assert_eq!(
        ca.ok(&format!("{CURL} https://ca.test:8140/status/v1/simple")),
        "running"
    );
    let journal = ca.journal("cert-serve");
    assert!(journal.contains(CREATED), "{journal}");
    assert!(
        journal.contains("in /etc/puppet/puppetserver/ca"),
        "{journal}"
    );

    // Debian's Puppet agent asks; root signs beside the daemon with plain `cert` (Debian's
    // puppet.conf is found); the agent then gets its certificate.
    let bootstrap = "puppet ssl bootstrap --ssldir /root/agent-ssl --certname node.test \
                     --server ca.test --waitforcert 0";
    let asked = ca.fails(bootstrap);
    assert!(asked.contains("waitforcert"), "{asked}");
    ca.ok("cert --sign node.test");
    ca.ok(bootstrap);
    ca.ok("test -s /root/agent-ssl/certs/node.test.pem");
    // What root wrote in the CA belongs to the daemon's user still.
    let owners = ca.ok(&format!(
        "stat -c '%U' {CADIR}/signed/node.test.pem {CADIR}/inventory.txt {CADIR}/audit.log"
    ));
    assert_eq!(owners, "puppet\npuppet\npuppet\n");
    ca.ok("systemctl reload cert-serve");
    ca.wait_for(
        "the reload line",
        "cert-serve",
        Duration::from_secs(30),
        || ca.journal("cert-serve").contains(RELOADED),
    );
}

#[test]
fn an_existing_puppetserver_ca_is_served_and_no_new_ca_is_made() {
    let Some(deb) = require_machines() else {
        return;
    };
    let ca = Machine::boot(PUPPET_ROOT, "ca.test", Network::Own);
    // As Debian's puppetserver leaves it: the CA in /etc/puppet/puppetserver/ca, the puppet
    // user's.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/puppetserver-7.9.5");
    copy_tree(&fixture.join("cadir"), &ca.host_path("/root/cadir"));
    ca.ok(&format!(
        "install -d -o puppet -g puppet -m 0750 /etc/puppet/puppetserver {CADIR} && \
         cp -r /root/cadir/. {CADIR}/ && chown -R puppet:puppet {CADIR} && chmod -R u+w {CADIR}"
    ));
    let chain = ca.read(&format!("{CADIR}/ca_crt.pem"));
    install(&ca, &deb);
    ca.ok("systemctl enable --now cert-serve");
    assert_eq!(
        ca.ok(&format!("{CURL} https://ca.test:8140/status/v1/simple")),
        "running"
    );
    let journal = ca.journal("cert-serve");
    assert!(!journal.contains(CREATED), "{journal}");
    assert!(
        journal.contains("issued this host's certificate for ca.test"),
        "{journal}"
    );
    assert_eq!(ca.read(&format!("{CADIR}/ca_crt.pem")), chain);
    let listed = ca.ok("cert list --all");
    for name in [
        "node1.example.com",
        "node3.example.com",
        "web01.agents.example.com",
    ] {
        assert!(listed.contains(name), "{name}: {listed}");
    }
}

#[test]
fn a_ca_set_up_in_postgresql_over_tcp_is_served_with_metrics_under_the_measured_hardening() {
    let Some(deb) = require_machines() else {
        return;
    };
    let Some(database) = common::postgres::Cluster::start() else {
        return;
    };
    // The host's network: the daemon reaches PostgreSQL on 127.0.0.1, on ports of its own.
    let port = common::serve::free_port();
    let metrics = common::serve::free_port();
    let ca = Machine::boot(BASE_ROOT, "ca.test", Network::Host);
    install(&ca, &deb);
    ca.write(
        "/etc/puppet/puppet.conf",
        format!("[server]\nca_store = {}\nkey_type = ec\n", database.url()),
        0o644,
    );
    ca.write(
        "/etc/default/cert-serve",
        format!("CERT_SERVE_ARGS=\"--bind 127.0.0.1:{port} --metrics-bind 127.0.0.1:{metrics}\"\n"),
        0o644,
    );
    // The docs' recipe: `cert setup` as the daemon's user, then the service.
    ca.ok("runuser -u puppet -- cert --config /etc/puppet/puppet.conf setup");
    ca.ok("systemctl enable --now cert-serve");
    let status = ca.ok(&format!("{CURL} https://ca.test:{port}/status/v1/simple"));
    assert_eq!(status, "running");
    let journal = ca.journal("cert-serve");
    assert!(!journal.contains(CREATED), "{journal}");
    assert!(
        !journal.contains("issued this host's certificate"),
        "setup issued it: {journal}"
    );
    // The CA is in the database: a request the daemon takes, the admin's CLI lists from there.
    assert_eq!(submit_to(&ca, port, "db.test"), "200");
    let listed = ca.ok("cert --config /etc/puppet/puppet.conf list");
    assert!(listed.contains("db.test"), "{listed}");
    ca.ok(&format!("! test -e {CADIR}/inventory.txt"));
    let scraped = ca.ok(&format!(
        "curl -sS --fail --max-time 20 http://127.0.0.1:{metrics}/metrics"
    ));
    assert!(scraped.contains("cert_build_info{"), "{scraped}");

    let security = ca.ok("systemd-analyze security --no-pager cert-serve");
    let overall = security
        .lines()
        .find(|line| line.contains("Overall exposure level for cert-serve.service"))
        .unwrap_or_else(|| panic!("no overall score:\n{security}"));
    assert!(
        overall.contains(&format!(": {EXPOSURE} ")),
        "docs/operations.md gives {EXPOSURE}: {overall}\n{security}"
    );
}

/// Copy the package in and install it as a user would.
fn install(machine: &Machine, deb: &Path) {
    machine.copy_in(deb, "/root/cert.deb");
    machine.ok("apt-get install -y --no-install-recommends ./cert.deb");
}

/// A shell command that makes a key and CSR for `name` and PUTs it on `port`; prints the
/// HTTP status.
fn submit_script_on(port: u16, name: &str) -> String {
    format!(
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
         -subj /CN={name} -keyout {name}.key -out {name}.csr 2>/dev/null && \
         {CURL} -o /dev/null -w '%{{http_code}}' -X PUT -H 'Content-Type: text/plain' \
         --data-binary @{name}.csr https://ca.test:{port}/puppet-ca/v1/certificate_request/{name}"
    )
}

fn submit_script(name: &str) -> String {
    submit_script_on(8140, name)
}

/// Submit a CSR for `name` to the daemon on 8140: the HTTP status.
fn submit(machine: &Machine, name: &str) -> String {
    submit_to(machine, 8140, name)
}

fn submit_to(machine: &Machine, port: u16, name: &str) -> String {
    machine.ok(&submit_script_on(port, name))
}

/// The HTTP status of `GET certificate/NAME` on 8140.
fn certificate_status(machine: &Machine, name: &str) -> String {
    machine.ok(&format!(
        "curl -sS --max-time 20 --cacert {SSLDIR}/certs/ca.pem -o /dev/null -w '%{{http_code}}' \
         https://ca.test:8140/puppet-ca/v1/certificate/{name}"
    ))
}

/// The package repacked with a higher version (`VERSION+upgrade1`), as the next build would
/// be: the path and the version.
fn upgraded(deb: &Path, work: &Path) -> (PathBuf, String) {
    let tree = work.join("tree");
    run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    let control_path = tree.join("DEBIAN/control");
    let control = std::fs::read_to_string(&control_path).unwrap();
    let version = control
        .lines()
        .find_map(|line| line.strip_prefix("Version: "))
        .expect("a Version line");
    let newer = format!("{version}+upgrade1");
    std::fs::write(
        &control_path,
        control.replace(
            &format!("Version: {version}\n"),
            &format!("Version: {newer}\n"),
        ),
    )
    .unwrap();
    let output = work.join("cert-upgrade.deb");
    run(Command::new("dpkg-deb")
        .args(["-Zgzip", "-z1", "-b"])
        .arg(&tree)
        .arg(&output));
    (output, newer)
}

fn run(command: &mut Command) {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Copy a directory tree (the fixtures are read-only; the copy is made writable inside).
fn copy_tree(from: &Path, to: &Path) {
    run(Command::new("cp").arg("-r").arg(from).arg(to));
}
