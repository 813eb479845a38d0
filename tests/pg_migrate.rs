//! Issue 11: `cert migrate SOURCE DEST` between the file layout and a real PostgreSQL cluster
//! (started for the test). puppetserver 7.9.5's CA goes into the database and back into a
//! node's cadir that holds only its keys, byte for byte; `cert check` passes on every end;
//! puppetserver's own CA code (ruby-puppetserver-ca-cli: `list --all` through `cert serve`,
//! and offline `prune` and `generate --ca-client`, which read the CA directory themselves)
//! runs on the result. What `cert` adds (replaced chains, the audit log, an old Ruby CA's
//! lower-case inventory lines) comes back too, also through a second database. A DEST that
//! holds anything is refused and left as it was; an interrupted migrate leaves no CA.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use common::postgres::Cluster;
use common::serve::{Server, SERVE_CONFIG};
use common::{assert_one_error, assert_same, puppetserver_ca, snapshot, write_csrs, World};

const FIXTURE: &str = "puppetserver-7.9.5";

/// puppet.conf of a node whose CA is in the database at `url`.
fn node_config(url: &str) -> String {
    format!("{SERVE_CONFIG}[server]\nca_store = {url}\n")
}

/// Every file under `root`, relative path -> bytes.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(root)
        .into_iter()
        // Hidden files are no part of the CA (`.serial.spare`, the inode `serial` is
        // rewritten through, exists where a CA signed since its setup).
        .filter(|(path, _)| {
            !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .filter_map(|(path, (bytes, _))| Some((path, bytes?)))
        .collect()
}

/// Copy the CA's keys from `from` into `to` (made when missing), as an operator does.
fn copy_keys(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for key in ["ca_key.pem", "root_key.pem"] {
        if from.join(key).exists() {
            fs::copy(from.join(key), to.join(key)).unwrap();
        }
    }
}

/// `cert migrate SOURCE DEST` in `world`: its one summary line.
fn migrate(world: &World, source: &str, dest: &str) -> String {
    let out = world.ok(&["migrate", source, dest]);
    assert_eq!(out.lines().count(), 1, "one summary line: {out}");
    out
}

/// The names and states `cert list --all` shows.
fn states(world: &World) -> String {
    let out = world.ok(&["list", "--all", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| format!("{} {} {}\n", entry["name"], entry["state"], entry["serial"]))
        .collect()
}

#[test]
fn puppetserver_7_9_5_goes_into_the_database_and_back_byte_for_byte() {
    let ca_cli = puppetserver_ca::require();
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let source = World::from_fixture(FIXTURE, &format!("{SERVE_CONFIG}autosign = false\n"));
    source.ok(&["check"]);
    let before = snapshot(&source.cadir);
    let listed = states(&source);

    let out = migrate(&source, source.cadir.to_str().unwrap(), &url);
    assert!(
        out.contains(
            "5 signed certificates, 3 requests, 5 inventory entries, 1 revocation, 4 other files, next serial 0006"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "the CA's keys were not copied: they stay in {}",
            source.cadir.display()
        )),
        "{out}"
    );
    // SOURCE is only read.
    assert_same(&before, &snapshot(&source.cadir), "the source of a migrate");
    assert_eq!(cluster.psql("SELECT count(*) FROM signed"), "5");
    assert_eq!(cluster.psql("SELECT serial::text FROM revocations"), "5");
    assert_eq!(cluster.psql("SELECT number::text FROM crl"), "1");
    assert_eq!(
        cluster.psql("SELECT string_agg(name, ',' ORDER BY name) FROM files"),
        "ca_pub.pem,infra_crl.pem,infra_inventory.txt,infra_serials"
    );

    // A node on the database with the keys: the same CA, and `cert check` passes.
    let node = World::with_config(&node_config(&url));
    copy_keys(&source.cadir, &node.cadir);
    node.ok(&["check"]);
    assert_eq!(states(&node), listed);

    // Back into a node's cadir that holds only its keys: a complete Puppet CA, every file as
    // puppetserver wrote it, and the audit trail of both copies.
    let mut back = World::from_fixture(FIXTURE, &format!("{SERVE_CONFIG}autosign = false\n"));
    let result = back.path().join("result");
    copy_keys(&source.cadir, &result);
    let out = migrate(&back, &url, result.to_str().unwrap());
    assert!(
        out.contains(&format!(
            "the CA's keys in {} are its own: it is a complete CA",
            result.display()
        )),
        "{out}"
    );
    back.cadir = result.clone();
    let mut original = files(&source.cadir);
    let mut copied = files(&result);
    let audit = copied.remove(Path::new("audit.log")).expect("an audit log");
    let audit = String::from_utf8(audit).unwrap();
    assert_eq!(audit.lines().count(), 2, "{audit}");
    assert!(audit.contains("\"action\":\"migrate\""), "{audit}");
    assert!(audit.contains(&format!("copied from {url}")), "{audit}");
    for name in ["serial", "inventory.txt", "ca_crt.pem", "ca_crl.pem"] {
        assert_eq!(
            copied.get(Path::new(name)),
            original.get(Path::new(name)),
            "{name}"
        );
    }
    assert!(original.keys().any(|p| p.starts_with("signed")));
    assert!(original.keys().any(|p| p.starts_with("requests")));
    original.remove(Path::new("audit.log"));
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        copied.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &original {
        assert!(copied[path] == *bytes, "{} differs", path.display());
    }
    back.ok(&["check"]);
    assert_eq!(states(&back), listed);
    // openssl reads the copied CRL chain with the revocation of node2 (serial 5).
    let crl = back.crl_texts(&result.join("ca_crl.pem"));
    assert_eq!(crl.len(), 2);
    assert!(crl[0].contains("Serial Number: 05"), "{}", crl[0]);

    if !ca_cli {
        return;
    }
    // puppetserver's CA CLI against `cert serve` on the result.
    back.ok(&["generate", "--certname", "cli.test"]);
    let server = Server::start(&back, &["--admin", "cli.test"]);
    let config = back.path().join("ca-cli.conf");
    fs::write(
        &config,
        format!(
            "[main]\ncertname = cli.test\nssldir = {}\nserver = localhost\nserverport = {}\n",
            back.ssldir.display(),
            server.port
        ),
    )
    .unwrap();
    let (code, out) = puppetserver_ca::run(&back, &config, &["list", "--all"]);
    assert_eq!(code, 0, "{out}");
    let (requested, rest) = out.split_once("Signed Certificates:").expect(&out);
    let (signed, revoked) = rest.split_once("Revoked Certificates:").expect(&out);
    for name in ["node3.example.com", "alt1.example.com", "puppetmaster"] {
        assert!(requested.contains(name), "{out}");
    }
    for name in [
        "node1.example.com",
        "web01.agents.example.com",
        "puppetca",
        "vm",
    ] {
        assert!(signed.contains(name), "{out}");
    }
    assert!(revoked.contains("node2.example.com"), "{out}");
    drop(server);

    // puppetserver's own offline CA code reads the result directory itself: the CRL and the
    // keys (prune), and everything to sign with (generate --ca-client: chain, key, CRL,
    // serial, inventory). Its server is down: a closed port.
    let offline = back.path().join("offline.conf");
    fs::write(
        &offline,
        format!(
            "[main]\ncertname = puppetca\nssldir = {}\nserver = 127.0.0.1\nserverport = 1\n\
             [server]\ncadir = {}\n",
            back.ssldir.display(),
            result.display()
        ),
    )
    .unwrap();
    let (code, out) = puppetserver_ca::run(&back, &offline, &["prune"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Total number of certificates found in Puppet's CRL is: 1."),
        "{out}"
    );
    let (code, out) = puppetserver_ca::run(
        &back,
        &offline,
        &["generate", "--certname", "offline.test", "--ca-client"],
    );
    assert_eq!(code, 0, "{out}");
    let (valid, detail) = back.openssl_verify(&result.join("signed/offline.test.pem"));
    assert!(valid, "{detail}");
}

#[test]
fn what_cert_adds_comes_back_through_two_databases() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.psql("CREATE DATABASE second");
    let first = cluster.url();
    let second = first.replace("/postgres?", "/second?");
    let source = World::with_config("[main]\ncertname = ca.test\nkey_type = ec\nautosign = true\n");
    source.ok(&["setup"]);
    let (_, csrs) = write_csrs(&source, "node", 12);
    let mut submit = vec!["submit".to_owned()];
    submit.extend(csrs.iter().map(|p| p.display().to_string()));
    source.ok(&submit.iter().map(String::as_str).collect::<Vec<_>>());
    source.ok(&["--revoke", "node-3"]);
    source.ok(&["extend-ca", "--ttl", "20y"]);
    // An old Ruby CA wrote `0x%04x`: one such line (serial 0x000B) must come back as it was.
    let inventory = fs::read_to_string(source.ca("inventory.txt")).unwrap();
    assert!(inventory.contains("0x000B "), "{inventory}");
    fs::write(
        source.ca("inventory.txt"),
        inventory.replace("0x000B ", "0x000b "),
    )
    .unwrap();
    source.ok(&["check"]);
    let archives: Vec<String> = fs::read_dir(&source.cadir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ca_crt.pem."))
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");

    migrate(&source, source.cadir.to_str().unwrap(), &first);
    assert_eq!(
        cluster.psql("SELECT line FROM inventory WHERE line IS NOT NULL"),
        inventory
            .lines()
            .find(|l| l.starts_with("0x000B "))
            .unwrap()
            .replace("0x000B ", "0x000b ")
    );
    migrate(&source, &first, &second);
    let result = source.path().join("result");
    let out = migrate(&source, &second, result.to_str().unwrap());
    assert!(
        out.contains("1 replaced CA certificate") && out.contains("the CA's keys are not in"),
        "{out}"
    );
    let mut original = files(&source.cadir);
    let mut copied = files(&result);
    for key in ["ca_key.pem", "root_key.pem"] {
        original.remove(Path::new(key));
    }
    // The audit log: every line of the source's, then one line per copy.
    let old = String::from_utf8(original.remove(Path::new("audit.log")).unwrap()).unwrap();
    let new = String::from_utf8(copied.remove(Path::new("audit.log")).unwrap()).unwrap();
    assert!(new.starts_with(&old), "{new}");
    assert_eq!(new[old.len()..].lines().count(), 3, "{new}");
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        copied.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &original {
        assert!(copied[path] == *bytes, "{} differs", path.display());
    }
    // With the keys, it is the same CA.
    copy_keys(&source.cadir, &result);
    let mut back = World::with_config("[main]\ncertname = ca.test\nkey_type = ec\n");
    back.cadir = result;
    back.ok(&["check"]);
    assert_eq!(states(&back), states(&source));
}

#[test]
fn a_dest_that_holds_anything_is_refused_and_left_as_it_was() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let source = World::new();
    source.ok(&["setup"]);
    let from = source.cadir.to_str().unwrap();

    let refused = |dest: &Path, args: [&str; 3], expected: &str| {
        let before = snapshot(dest);
        let (code, _, stderr) = source.fails(&args);
        assert_eq!(code, 1, "{stderr}");
        assert_one_error(&stderr, expected);
        assert!(stderr.contains(expected), "{stderr}");
        assert_same(&before, &snapshot(dest), expected);
    };
    // A CA directory, and the source itself.
    let other = World::new();
    other.ok(&["setup"]);
    let to = other.cadir.to_str().unwrap();
    refused(
        &other.cadir,
        ["migrate", from, to],
        &format!("a CA already exists in {to}"),
    );
    refused(
        &source.cadir,
        ["migrate", from, from],
        &format!("a CA already exists in {from}"),
    );
    // A directory with anything else in it.
    let stray = source.path().join("stray");
    fs::create_dir_all(stray.join("signed")).unwrap();
    fs::write(stray.join("notes.txt"), "mine").unwrap();
    fs::write(stray.join("signed/x.pem"), "x").unwrap();
    refused(
        &stray,
        ["migrate", from, stray.to_str().unwrap()],
        "is not empty: it holds notes.txt, signed/ with 1 files",
    );
    // Another CA's key.
    let keyed = source.path().join("keyed");
    copy_keys(&other.cadir, &keyed);
    refused(
        &keyed,
        ["migrate", from, keyed.to_str().unwrap()],
        &format!("does not match {}", source.ca("ca_crt.pem").display()),
    );
    // A database with a CA, or with rows of one.
    migrate(&source, from, &url);
    let audit = cluster.psql("SELECT count(*) FROM audit");
    let (code, _, stderr) = source.fails(&["migrate", to, &url]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("a CA already exists in {url}")),
        "{stderr}"
    );
    assert_eq!(cluster.psql("SELECT count(*) FROM audit"), audit);
    cluster.psql("CREATE DATABASE rows; ");
    let rows = url.replace("/postgres?", "/rows?");
    // Any command on a database makes the schema; this one then finds no CA.
    let node = World::with_config(&node_config(&rows));
    let (_, _, stderr) = node.fails(&["list"]);
    assert!(stderr.contains("no CA in"), "{stderr}");
    cluster.psql_in("rows", "INSERT INTO audit (line) VALUES ('{}')");
    let (_, _, stderr) = source.fails(&["migrate", from, &rows]);
    assert!(
        stderr.contains("is not empty: it holds 1 audit lines"),
        "{stderr}"
    );

    // Not a CA at all as SOURCE; a source inventory a database cannot hold.
    let nowhere = source.path().join("nowhere");
    let (code, _, stderr) = source.fails(&["migrate", nowhere.to_str().unwrap(), "elsewhere"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no CA in"), "{stderr}");
    let mut inventory = fs::read_to_string(source.ca("inventory.txt")).unwrap();
    inventory.push_str("torn lin");
    fs::write(source.ca("inventory.txt"), inventory).unwrap();
    let dest = source.path().join("dest");
    let (_, _, stderr) = source.fails(&["migrate", from, dest.to_str().unwrap()]);
    assert_one_error(&stderr, "a torn inventory");
    assert!(
        stderr.contains("line 2 is not in Puppet's format: \"torn lin\""),
        "{stderr}"
    );
    assert!(!dest.exists(), "nothing is made for a refused migrate");
}

/// A CA with `signed` certificates and `pending` requests (EC keys: quick to make).
fn big_ca(signed: usize, pending: usize) -> World {
    let world = World::with_config("[main]\ncertname = ca.test\nkey_type = ec\nautosign = false\n");
    world.ok(&["setup"]);
    let (_, csrs) = write_csrs(&world, "node", signed + pending);
    let mut submit = vec!["submit".to_owned()];
    submit.extend(csrs.iter().map(|p| p.display().to_string()));
    world.ok(&submit.iter().map(String::as_str).collect::<Vec<_>>());
    let names: Vec<String> = (0..signed).map(|index| format!("node-{index}")).collect();
    world.ok(&["sign", "--certname", &names.join(",")]);
    world
}

/// Start `cert migrate SOURCE DEST` in `world` and SIGKILL it once `ready` says so; panics
/// when it finished first.
fn kill_migrate_when(world: &World, source: &str, dest: &str, ready: impl Fn() -> bool) {
    let mut child = world
        .std_cert(&["migrate", source, dest])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "migrate finished before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "migrate never got there");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_interrupted_migrate_leaves_no_ca_and_a_bar_is_drawn_on_a_terminal_only() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let source = big_ca(2000, 1000);
    let from = source.cadir.to_str().unwrap();

    // Into a directory: killed while certificates are written, it is an incomplete CA (no
    // serial) that cert refuses, and so does a second migrate into it.
    let dest = source.path().join("dest");
    kill_migrate_when(&source, from, dest.to_str().unwrap(), || {
        fs::read_dir(dest.join("signed")).is_ok_and(|mut entries| entries.next().is_some())
    });
    assert!(!dest.join("serial").exists());
    let output = Command::new(cargo_bin("cert"))
        .args(["--config", source.config.to_str().unwrap()])
        .args(["--cadir", dest.to_str().unwrap(), "list", "--all"])
        .env("HOME", source.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("incomplete: missing ca_key.pem, serial"),
        "{stderr}"
    );
    let (_, _, stderr) = source.fails(&["migrate", from, dest.to_str().unwrap()]);
    assert!(
        stderr.contains("incomplete: missing ca_key.pem, serial"),
        "{stderr}"
    );

    // Into a database: killed inside its transaction, nothing is left, and migrate works again.
    // (The copy's own INSERTs, once the schema is committed: killed while creating the tables,
    // or while a new connection prepares its statements before there are tables, which shows
    // an INSERT too, there would be no table to count.)
    let url = format!("{}&application_name=cert-migrate-test", cluster.url());
    let busy = "SELECT count(*) FROM pg_stat_activity WHERE application_name = \
                'cert-migrate-test' AND xact_start IS NOT NULL AND query LIKE 'INSERT%' \
                AND query NOT LIKE '%cert_schema%' AND to_regclass('ca') IS NOT NULL";
    kill_migrate_when(&source, from, &url, || cluster.psql(busy) != "0");
    for table in [
        "ca",
        "crl",
        "inventory",
        "signed",
        "requests",
        "audit",
        "files",
    ] {
        assert_eq!(
            cluster.psql(&format!("SELECT count(*) FROM {table}")),
            "0",
            "{table}"
        );
    }

    // On a terminal, the copy draws a bar on stderr; on a pipe, stderr stays empty and stdout
    // has one summary line.
    if common::require_peer_with("script", "script", &["--version"]) {
        let terminal = source.path().join("terminal");
        let command = format!(
            "{} migrate {from} {}",
            cargo_bin("cert").display(),
            terminal.display()
        );
        let output = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("HOME", source.path())
            .env("TERM", "xterm")
            .output()
            .unwrap();
        let drawn = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{drawn}");
        assert!(drawn.contains("copying"), "{drawn:?}");
        assert!(drawn.contains("/3,001"), "{drawn:?}");
    }
    let output = source.cert(&["migrate", from, &url]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("2001 signed certificates, 1000 requests, 2001 inventory entries"),
        "{stdout}"
    );
    assert_eq!(cluster.psql("SELECT count(*) FROM signed"), "2001");
}

/// `--format json` gives the summary as one object (between two directories: no database is
/// needed for it).
#[test]
fn the_summary_is_one_json_object_with_format_json() {
    let source = World::new();
    source.ok(&["setup"]);
    source.ok(&["generate", "--certname", "one.test"]);
    let from = source.cadir.to_str().unwrap();
    let dest = source.path().join("copy");
    let out = source.ok(&["--format", "json", "migrate", from, dest.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The CA server's own certificate (setup) and one.test.
    assert_eq!(summary["signed"], 2, "{summary}");
    assert_eq!(summary["requests"], 0, "{summary}");
    assert_eq!(summary["keys"], "source", "{summary}");
    assert_eq!(summary["keys_directory"], from, "{summary}");
    assert_eq!(summary["dest"], dest.to_str().unwrap(), "{summary}");
    assert!(summary["next_serial"].is_string(), "{summary}");
    assert_eq!(summary["left_behind"], serde_json::json!([]), "{summary}");
}
