//! Issue 11: every CLI command, in both dialects, against the PostgreSQL store of a real
//! cluster (started for the test, never the system's): the CA lives in the database, its keys
//! in the CA directory; certificates are checked with openssl; the store is selected by
//! puppet.conf's `ca_store`, by `--store` and by `CERT_STORE`; a bad URL, a wrong or missing
//! key and a database that is down are refused with one line saying so.

mod common;

use std::fs;
use std::path::Path;

use common::postgres::Cluster;
use common::{write_csrs, World};

/// puppet.conf of a node whose CA is in the database at `url`.
fn config(certname: &str, url: &str) -> String {
    format!("[main]\ncertname = {certname}\nkey_type = ec\n[server]\nca_store = {url}\n")
}

/// Serials of every signed certificate in the database, as openssl reads the certificates.
fn serials_in(cluster: &Cluster) -> Vec<String> {
    let mut serials: Vec<String> = cluster
        .psql("SELECT serial::text FROM signed ORDER BY serial")
        .lines()
        .map(str::to_owned)
        .collect();
    serials.sort();
    serials
}

#[test]
fn every_command_works_on_the_database() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let world = World::with_config(&config("ca.test", &url));

    let out = world.ok(&["setup"]);
    assert!(out.contains(&format!("Find your files in {url}")), "{out}");
    // The CA directory holds the keys and nothing else: the rest is in the database.
    let mut kept: Vec<String> = fs::read_dir(&world.cadir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["ca_key.pem", "root_key.pem"]);
    assert_eq!(cluster.psql("SELECT count(*) FROM ca"), "1");
    // Another host setting up a CA in the same database is refused.
    let second = World::with_config(&config("ca.test", &url));
    let (code, _, stderr) = second.fails(&["setup"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("a CA already exists in {url}")),
        "{stderr}"
    );

    // Requests: submitted, listed in both dialects, checked by autosign, signed.
    let (names, csrs) = write_csrs(&world, "agent", 3);
    for csr in &csrs {
        world.ok(&["--autosign", "false", "submit", csr.to_str().unwrap()]);
    }
    let listed = world.ok(&["--list"]);
    assert!(
        names.iter().all(|n| listed.contains(n.as_str())),
        "{listed}"
    );
    let json = world.ok(&["list", "--format", "json"]);
    assert!(json.contains("\"agent-0\""), "{json}");
    let verdict = world.ok(&["--autosign", "true", "autosign", "check", "agent-0"]);
    assert!(verdict.contains("sign"), "{verdict}");
    world.ok(&["--sign", "agent-0"]);
    world.ok(&["sign", "--certname", "agent-1"]);
    world.ok(&["--sign", "--all", "--yes"]);
    assert_eq!(cluster.psql("SELECT count(*) FROM requests"), "0");
    assert_eq!(cluster.psql("SELECT count(*) FROM signed"), "4");

    // Certificates made here: key and certificate in the ssldir, the record in the database;
    // openssl accepts them with the CA and CRL chain the ssldir got.
    world.ok(&["--generate", "web01.test"]);
    world.ok(&["generate", "--certname", "g2.test"]);
    let ca_pem = world.ssl("certs/ca.pem");
    let crl_pem = world.ssl("crl.pem");
    let verify = |cert: &Path| {
        world.openssl(&[
            "verify",
            "-CAfile",
            ca_pem.to_str().unwrap(),
            "-crl_check_all",
            "-CRLfile",
            crl_pem.to_str().unwrap(),
            cert.to_str().unwrap(),
        ])
    };
    assert!(verify(&world.ssl("certs/web01.test.pem")).status.success());
    let (_, _, stderr) = world.fails(&["--generate", "web01.test"]);
    assert!(
        stderr.contains("the signed certificate of web01.test in postgresql://"),
        "{stderr}"
    );
    let printed = world.ok(&["--print", "web01.test"]);
    assert!(printed.contains("web01.test"), "{printed}");
    let fingerprint = world.ok(&["--fingerprint", "web01.test"]);
    assert!(fingerprint.contains(':'), "{fingerprint}");
    world.ok(&["--verify", "web01.test"]);

    // Exports read the database: a host bundle, the CRL, the keys for another node with the
    // inventory in Puppet's format (and no serial: it is no second CA).
    let bundle = world.path().join("bundle");
    world.ok(&[
        "export",
        "web01.test",
        "--for",
        "agent",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(
        fs::read(bundle.join("certs/web01.test.pem")).unwrap(),
        fs::read(world.ssl("certs/web01.test.pem")).unwrap()
    );
    let standby = world.path().join("standby");
    world.ok(&["export", "--ca-standby", "--out", standby.to_str().unwrap()]);
    assert_eq!(
        fs::read(standby.join("ca_key.pem")).unwrap(),
        fs::read(world.ca("ca_key.pem")).unwrap()
    );
    assert!(!standby.join("serial").exists());
    let inventory = fs::read_to_string(standby.join("inventory.txt")).unwrap();
    assert_eq!(inventory.lines().count(), 6, "{inventory}");
    for line in inventory.lines() {
        assert!(line.starts_with("0x00"), "{line}");
        assert!(line.contains("UTC /CN="), "{line}");
    }
    assert!(inventory.contains(" /CN=web01.test\n"));
    let readme = fs::read_to_string(standby.join("README")).unwrap();
    assert!(readme.contains(&format!("ca_store = {url}")), "{readme}");

    // Revoke in both dialects, clean: the served CRL (database) and the ssldir's copy agree.
    world.ok(&["--revoke", "web01.test"]);
    world.ok(&["revoke", "--certname", "g2.test", "--yes"]);
    assert!(!verify(&world.ssl("certs/web01.test.pem")).status.success());
    let (_, _, stderr) = world.fails(&["--verify", "web01.test"]);
    assert!(stderr.contains("revoked"), "{stderr}");
    let all = world.ok(&["--list", "--all"]);
    assert!(all.contains("revoked"), "{all}");
    assert_eq!(cluster.psql("SELECT count(*) FROM revocations"), "2");
    assert_eq!(cluster.psql("SELECT number FROM crl"), "2");
    let clean = world.ok(&["--clean", "agent-2", "--verbose"]);
    assert!(
        clean.contains("removed the signed certificate of agent-2 in postgresql://"),
        "{clean}"
    );
    world.ok(&["clean", "--certname", "agent-1"]);
    assert_eq!(cluster.psql("SELECT count(*) FROM revocations"), "4");
    let crl_only = world.path().join("crl-only");
    world.ok(&["export", "--crl-only", "--out", crl_only.to_str().unwrap()]);
    let exported = fs::read_to_string(crl_only.join("crl.pem")).unwrap();
    assert_eq!(
        exported.trim_end(),
        cluster.psql("SELECT convert_from(pem, 'UTF8') FROM crl")
    );
    assert_eq!(exported, fs::read_to_string(world.ssl("crl.pem")).unwrap());

    // The audit log and the check, from the database.
    let log = world.ok(&["log"]);
    for action in ["sign", "generate", "revoke", "clean"] {
        assert!(log.contains(action), "{action}: {log}");
    }
    let check = world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
    let serials = serials_in(&cluster);
    let mut unique = serials.clone();
    unique.dedup();
    assert_eq!(serials, unique);

    // The same store through --store and CERT_STORE, with no ca_store in puppet.conf.
    let plain = World::with_config("[main]\ncertname = ca.test\nkey_type = ec\n");
    copy_keys(&world, &plain);
    let listed = plain.ok(&["--store", &url, "list", "--all"]);
    assert!(listed.contains("agent-0"), "{listed}");
    let output = plain
        .cert(&["--list", "--all"])
        .env("CERT_STORE", &url)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("agent-0"));
    // Without it, the same command looks at the (empty) CA directory.
    let (code, _, stderr) = plain.fails(&["--list"]);
    assert_eq!(code, 2, "{stderr}");
}

/// Copy the CA keys of `from` into the CA directory of `to` (what an operator does with the
/// keys of `cert export --ca-standby`).
fn copy_keys(from: &World, to: &World) {
    fs::create_dir_all(&to.cadir).unwrap();
    for key in ["ca_key.pem", "root_key.pem"] {
        fs::copy(from.ca(key), to.ca(key)).unwrap();
    }
}

#[test]
fn keys_urls_and_a_database_that_is_down_are_refused_in_one_line() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let world = World::with_config(&config("ca.test", &url));
    world.ok(&["setup"]);

    // A node whose CA directory holds another CA's key, and one that holds none.
    let other = World::with_config("[main]\ncertname = other.test\nkey_type = ec\n");
    other.ok(&["setup"]);
    let (code, _, stderr) = other.fails(&["--store", &url, "list"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the CA key {} does not match the CA certificate in {url}",
            other.ca("ca_key.pem").display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    let keyless = World::with_config(&config("n2.test", &url));
    let (_, _, stderr) = keyless.fails(&["list"]);
    assert!(
        stderr.contains(&format!(
            "no CA key {} on this node",
            keyless.ca("ca_key.pem").display()
        )),
        "{stderr}"
    );

    // URLs: unsupported parameters by name, the password never shown.
    let secret = format!(
        "postgresql://cert:hunter2@127.0.0.1:{}/postgres?passfile=/x",
        cluster.port
    );
    let (code, _, stderr) = world.fails(&["--store", &secret, "list"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("parameter passfile is not supported"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.contains("cert:***@"), "{stderr}");
    let (code, _, stderr) = world.fails(&["--store", "relative/dir", "list"]);
    assert_eq!(code, 2, "{stderr}");

    // The database down: one line naming it, exit 1; back up, the same command works.
    cluster.stop();
    let (code, _, stderr) = world.fails(&["list", "--all"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot reach {url}")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    cluster.restart();
    world.ok(&["list", "--all"]);
}

#[test]
fn two_processes_racing_for_names_leave_one_certificate_each() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let world = World::with_config(&config("ca.test", &url));
    world.ok(&["setup"]);
    // Two CSRs (two keys) per name, submitted with autosign at the same time.
    let (_, first) = write_csrs(&world, "race", 8);
    let second_world = World::with_config(&config("ca.test", &url));
    let (_, second) = write_csrs(&second_world, "race", 8);
    let mut children = Vec::new();
    for (a, b) in first.iter().zip(&second) {
        for csr in [a, b] {
            children.push(
                world
                    .std_cert(&["--autosign", "true", "submit", csr.to_str().unwrap()])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
    }
    let mut refused = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        if !output.status.success() {
            refused += 1;
        }
    }
    assert_eq!(
        cluster.psql("SELECT count(*) FROM signed WHERE name LIKE 'race-%'"),
        "8"
    );
    assert_eq!(
        cluster.psql("SELECT count(*) FROM inventory WHERE subject LIKE '/CN=race-%'"),
        "8"
    );
    assert!(refused >= 8, "{refused} refused");
    let check = world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
}

#[test]
fn tls_to_the_database_checks_what_sslmode_says() {
    if !common::require_peer("openssl") {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let world = World::new();
    // A root, and the database's certificate for 127.0.0.1 signed by it; another root.
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    for root in ["root", "stranger"] {
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        let subject = format!("/CN={root}");
        let (key, pem) = (format!("{root}.key"), format!("{root}.pem"));
        args.extend([
            "-keyout", &key, "-out", &pem, "-subj", &subject, "-days", "2",
        ]);
        world.openssl_ok(&args);
    }
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend(["-keyout", "db.key", "-out", "db.csr", "-subj", "/CN=db"]);
    world.openssl_ok(&args);
    fs::write(
        world.path().join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    world.openssl_ok(&[
        "x509",
        "-req",
        "-in",
        "db.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-CAcreateserial",
        "-out",
        "db.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    cluster.enable_tls(&world.path().join("db.pem"), &world.path().join("db.key"));
    // Only TLS connections from now on.
    fs::write(
        cluster.data().join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    cluster.psql("SELECT pg_reload_conf()");

    let root = world.path().join("root.pem");
    let stranger = world.path().join("stranger.pem");
    let url = |host: &str, parameters: &str| {
        format!(
            "postgresql://cert@{host}:{}/postgres?{parameters}",
            cluster.port
        )
    };
    let full = url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", root.display()),
    );
    world.ok(&["--store", &full, "setup"]);
    world.ok(&["--store", &full, "list", "--all"]);
    // verify-ca checks the chain, not the name; require checks nothing (libpq's meaning).
    let ca_only = url(
        "localhost",
        &format!("sslmode=verify-ca&sslrootcert={}", root.display()),
    );
    world.ok(&["--store", &ca_only, "list", "--all"]);
    world.ok(&[
        "--store",
        &url("localhost", "sslmode=require"),
        "list",
        "--all",
    ]);
    // Refused: the name (verify-full), the chain (another root), no TLS at all.
    let wrong_name = url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", root.display()),
    );
    let (_, _, stderr) = world.fails(&["--store", &wrong_name, "list"]);
    assert!(
        stderr.contains("not valid for name \"localhost\""),
        "{stderr}"
    );
    let wrong_root = url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", stranger.display()),
    );
    let (_, _, stderr) = world.fails(&["--store", &wrong_root, "list"]);
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    let (_, _, stderr) = world.fails(&["--store", &url("127.0.0.1", "sslmode=disable"), "list"]);
    assert!(
        stderr.contains("no encryption") || stderr.contains("pg_hba"),
        "{stderr}"
    );
}

#[test]
fn import_brings_a_ca_and_its_revocations_into_the_database() {
    if !common::require_peer("openssl") {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let origin = World::new();
    origin.ok(&["setup"]);
    origin.ok(&["generate", "--certname", "old.test"]);
    origin.ok(&["revoke", "--certname", "old.test", "--yes"]);
    let world = World::with_config(&config("ca.test", &cluster.url()));
    let (key, bundle, crl) = (
        origin.ca("ca_key.pem"),
        origin.ca("ca_crt.pem"),
        origin.ca("ca_crl.pem"),
    );
    world.ok(&[
        "import",
        "--private-key",
        key.to_str().unwrap(),
        "--cert-bundle",
        bundle.to_str().unwrap(),
        "--crl-chain",
        crl.to_str().unwrap(),
    ]);
    // The chain and CRL as they were, the CRL's entries as revocations, its number kept.
    assert_eq!(
        cluster.psql("SELECT convert_from(chain_pem, 'UTF8') FROM ca"),
        fs::read_to_string(&bundle).unwrap().trim_end()
    );
    assert_eq!(cluster.psql("SELECT serial::text FROM revocations"), "2");
    assert_eq!(cluster.psql("SELECT number::text FROM crl"), "1");
    world.ok(&["generate", "--certname", "n.test"]);
    let (ok, text) = origin.openssl_verify(&world.ssl("certs/n.test.pem"));
    assert!(ok, "verified with the origin's files: {text}");
    let check = world.ok(&["check"]);
    assert!(check.contains("no problems found"), "{check}");
    let (_, _, stderr) = world.fails(&[
        "import",
        "--private-key",
        key.to_str().unwrap(),
        "--cert-bundle",
        bundle.to_str().unwrap(),
        "--crl-chain",
        crl.to_str().unwrap(),
    ]);
    assert!(stderr.contains("already exists"), "{stderr}");
}
