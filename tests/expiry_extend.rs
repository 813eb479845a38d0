//! Issue 13: `cert extend-ca` re-issues the CA chain with the same keys, and everything signed
//! before still verifies, checked by OpenSSL (`openssl verify` of old leaves under the new
//! chain only): a chained CA made by `cert setup`, the self-signed CA of `--generate`,
//! puppetserver 7.9.5's CA (whose leaves name the intermediate's serial), and a CA made by
//! OpenSSL whose old chain has expired. Also: the intermediate never outlives the root, the
//! old chain is kept and the change audited, and a node without `root_key.pem` is refused
//! with nothing changed.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use cert::certificate::{pem_chain, Certificate};
use common::{assert_one_error, assert_store_ok, World};

fn chain(path: &Path) -> Vec<Certificate> {
    let pem = fs::read(path).unwrap();
    pem_chain("chain", &pem, "CERTIFICATE")
        .unwrap()
        .iter()
        .map(|der| Certificate::from_der("chain", der).unwrap())
        .collect()
}

/// The one `ca_crt.pem.<time>` archive of the CA directory.
fn archive(world: &World) -> std::path::PathBuf {
    let archives: Vec<_> = fs::read_dir(&world.cadir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ca_crt.pem.")
        })
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
    archives[0].clone()
}

/// `openssl verify` of `leaf` under `chain` alone (its CRLs too with `crl`).
fn verify(world: &World, chain: &Path, crl: Option<&Path>, leaf: &Path) -> (bool, String) {
    let mut args = vec!["verify", "-CAfile", chain.to_str().unwrap()];
    if let Some(crl) = crl {
        args.extend(["-crl_check_all", "-CRLfile", crl.to_str().unwrap()]);
    }
    args.push(leaf.to_str().unwrap());
    let output = world.openssl(&args);
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Same subjects, issuers, keys and extensions (SKI and AKI among them), later notAfter.
fn assert_same_ca(old: &[Certificate], new: &[Certificate], years: u64) {
    assert_eq!(old.len(), new.len());
    let expected = time::OffsetDateTime::now_utc() + Duration::from_secs(years * 365 * 86_400);
    for (old, new) in old.iter().zip(new) {
        assert_eq!(new.subject, old.subject);
        assert_eq!(new.issuer, old.issuer);
        assert_eq!(new.public_key_der().unwrap(), old.public_key_der().unwrap());
        assert_eq!(new.extensions, old.extensions, "{}", new.subject);
        assert_eq!(new.subject_key_identifier(), old.subject_key_identifier());
        assert!(
            (new.not_after - expected).abs() < time::Duration::minutes(5),
            "{} expires {}",
            new.subject,
            new.not_after
        );
    }
    // The intermediate never outlives the root.
    if new.len() == 2 {
        assert!(new[0].not_after <= new[1].not_after);
    }
}

#[test]
fn setup_ca_is_extended_and_old_leaves_verify_under_the_new_chain() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    world.ok(&["--generate", "node1.test"]);
    let old = chain(&world.ca("ca_crt.pem"));
    let old_pem = fs::read(world.ca("ca_crt.pem")).unwrap();
    let out = world.ok(&["extend-ca", "--ttl", "20y"]);
    assert!(out.contains("The old chain is kept as"), "{out}");
    let new = chain(&world.ca("ca_crt.pem"));
    assert_same_ca(&old, &new, 20);
    // `cert setup`'s leaves name their issuer by key only: both get new serials from the
    // root, above the ones it issued (1 and 2).
    let serials: Vec<u128> = new.iter().map(|c| c.serial.unwrap().0).collect();
    assert!(
        serials.iter().all(|s| *s > 2) && serials[0] != serials[1],
        "{serials:?}"
    );
    assert!(out.contains("new serial"), "{out}");
    assert_eq!(fs::read(archive(&world)).unwrap(), old_pem);
    // This host's own copy follows.
    assert_eq!(
        fs::read(world.ssl("certs/ca.pem")).unwrap(),
        fs::read(world.ca("ca_crt.pem")).unwrap()
    );
    for leaf in ["signed/node1.test.pem", "signed/ca.test.pem"] {
        let (ok, text) = verify(
            &world,
            &world.ca("ca_crt.pem"),
            Some(&world.ca("ca_crl.pem")),
            &world.ca(leaf),
        );
        assert!(ok, "{leaf}: {text}");
    }
    let audit = common::read(&world.ca("audit.log"));
    assert_eq!(
        audit.matches("\"action\":\"extend-ca\"").count(),
        2,
        "{audit}"
    );
    assert_store_ok(&world, "after extend-ca");
    // Export bundles carry the new chain.
    let bundle = world.path().join("master-bundle");
    world.ok(&[
        "export",
        "ca.test",
        "--for",
        "master",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(
        fs::read(bundle.join("certs/ca.pem")).unwrap(),
        fs::read(world.ca("ca_crt.pem")).unwrap()
    );
    // A new leaf verifies too, and `cert --verify` (OpenSSL inside) agrees.
    world.ok(&["--generate", "node2.test"]);
    world.ok(&["--verify", "node1.test", "node2.test"]);
}

#[test]
fn self_signed_ca_gets_a_new_serial_from_its_own_serial_space() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "node1.test"]);
    let old = chain(&world.ca("ca_crt.pem"));
    let serial_before = common::read(&world.ca("serial"));
    world.ok(&["extend-ca"]);
    let new = chain(&world.ca("ca_crt.pem"));
    // Default: `ca_ttl`, 5 years.
    assert_same_ca(&old, &new, 5);
    let serial = new[0].serial.unwrap().0;
    assert_eq!(format!("{serial:04X}"), serial_before);
    let inventory = common::read(&world.ca("inventory.txt"));
    let last = inventory.lines().last().unwrap();
    assert!(
        last.starts_with(&format!("0x{serial:04X} ")) && last.ends_with(" /CN=Puppet CA: ca.test"),
        "{last}"
    );
    let (ok, text) = verify(
        &world,
        &world.ca("ca_crt.pem"),
        Some(&world.ca("ca_crl.pem")),
        &world.ca("signed/node1.test.pem"),
    );
    assert!(ok, "{text}");
    assert_store_ok(&world, "after extend-ca");
}

#[test]
fn puppetserver_ca_keeps_the_intermediate_serial_its_leaves_name() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::from_fixture(
        "puppetserver-7.9.5",
        "[main]\ncertname = puppetca\nkey_type = ec\n",
    );
    let old = chain(&world.ca("ca_crt.pem"));
    let out = world.ok(&["extend-ca", "--ttl", "15y"]);
    let new = chain(&world.ca("ca_crt.pem"));
    assert_same_ca(&old, &new, 15);
    // Intermediate: kept (puppetserver's leaves say `serial:02` in their AKI); root: new.
    assert_eq!(new[0].serial, old[0].serial);
    assert!(
        out.contains("serial 0002 kept: node1.example.com names it"),
        "{out}"
    );
    assert_eq!(new[1].serial.unwrap().0, 3);
    for name in [
        "node1.example.com",
        "web01.agents.example.com",
        "vm",
        "puppetca",
    ] {
        let leaf = world.ca(&format!("signed/{name}.pem"));
        let (ok, text) = verify(
            &world,
            &world.ca("ca_crt.pem"),
            Some(&world.ca("ca_crl.pem")),
            &leaf,
        );
        assert!(ok, "{name}: {text}");
    }
    // The revoked one stays revoked under the new chain.
    let (ok, text) = verify(
        &world,
        &world.ca("ca_crt.pem"),
        Some(&world.ca("ca_crl.pem")),
        &world.ca("signed/node2.example.com.pem"),
    );
    assert!(!ok && text.contains("revoked"), "{text}");
    // The agent's certificate verifies under its old bundle and under the new one.
    let agent = world.dir.path().join("copy/agent-web01/ssl");
    let leaf = agent.join("certs/web01.agents.example.com.pem");
    assert!(verify(&world, &agent.join("certs/ca.pem"), None, &leaf).0);
    assert!(verify(&world, &world.ca("ca_crt.pem"), None, &leaf).0);
    assert_store_ok(&world, "after extend-ca");
}

/// Why the serial is kept: the same re-issue with a new serial orphans puppetserver's leaves
/// under OpenSSL ("unable to get local issuer certificate").
#[test]
fn a_new_intermediate_serial_would_orphan_puppetservers_leaves() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::from_fixture("puppetserver-7.9.5", "[main]\ncertname = puppetca\n");
    let old = chain(&world.ca("ca_crt.pem"));
    let root_key = cert::keys::PrivateKey::from_pem(
        "root_key.pem",
        &fs::read(world.ca("root_key.pem")).unwrap(),
    )
    .unwrap();
    let validity =
        cert::authority::Validity::new(time::OffsetDateTime::now_utc(), cert::authority::CA_TTL)
            .unwrap();
    let bundle = |serial: u128| {
        let intermediate = cert::reissue::reissue(
            &old[0],
            &root_key,
            cert::certificate::Serial(serial),
            validity,
        )
        .unwrap();
        let path = world.path().join(format!("chain-{serial}.pem"));
        fs::write(&path, intermediate.to_pem() + &old[1].to_pem()).unwrap();
        path
    };
    let leaf = world.ca("signed/node1.example.com.pem");
    let (ok, text) = verify(&world, &bundle(2), None, &leaf);
    assert!(ok, "{text}");
    let (ok, text) = verify(&world, &bundle(9), None, &leaf);
    assert!(
        !ok && text.contains("unable to get local issuer certificate"),
        "{text}"
    );
}

#[test]
fn without_root_key_the_chain_is_refused_and_nothing_changes() {
    let world = World::new();
    world.ok(&["setup"]);
    fs::remove_file(world.ca("root_key.pem")).unwrap();
    let before = world.snapshot_ca();
    let (code, _, stderr) = world.fails(&["extend-ca"]);
    assert_eq!(code, 1);
    assert_one_error(&stderr, "extend-ca without root_key.pem");
    assert!(stderr.contains("root_key.pem is missing"), "{stderr}");
    assert!(stderr.contains("hint: copy"), "{stderr}");
    common::assert_same(&before, &world.snapshot_ca(), "refused extend-ca");
    let (code, _, stderr) = world.fails(&["extend-ca", "--ttl", "51y"]);
    assert_eq!(code, 1);
    assert_one_error(&stderr, "extend-ca for 51 years");
}

/// A CA made by OpenSSL (root + intermediate, the intermediate's and the leaf's AKI naming
/// their issuer's serial), imported, its chain about to expire: after `extend-ca
/// --keep-serials`, OpenSSL verifies the leaf at a time past the old chain's end with the new
/// chain, and not with the old one.
#[test]
fn an_imported_ca_verifies_after_its_old_chain_expired() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    let dir = world.path();
    let path = |name: &str| dir.join(name).display().to_string();
    let ext = dir.join("ext.cnf");
    fs::write(
        &ext,
        "[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always,issuer:always\n\
         [leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         extendedKeyUsage = serverAuth,clientAuth\nsubjectAltName = DNS:old.test\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always,issuer:always\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut root = vec!["req", "-x509", "-subj", "/CN=Test Root CA", "-days", "2"];
    root.extend(ec);
    let (root_key, root_pem) = (path("root.key"), path("root.pem"));
    root.extend(["-keyout", &root_key, "-out", &root_pem]);
    root.extend([
        "-set_serial",
        "1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
    ]);
    root.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    world.openssl_ok(&root);
    let sign =
        |subject: &str, stem: &str, issuer: &str, serial: &str, days: &str, section: &str| {
            let (key, csr) = (path(&format!("{stem}.key")), path(&format!("{stem}.csr")));
            let pem = path(&format!("{stem}.pem"));
            let mut request = vec![
                "req", "-new", "-subj", subject, "-keyout", &key, "-out", &csr,
            ];
            request.extend(ec);
            world.openssl_ok(&request);
            let (issuer_pem, issuer_key) = (
                path(&format!("{issuer}.pem")),
                path(&format!("{issuer}.key")),
            );
            world.openssl_ok(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &issuer_pem,
                "-CAkey",
                &issuer_key,
                "-set_serial",
                serial,
                "-days",
                days,
                "-extfile",
                ext.to_str().unwrap(),
                "-extensions",
                section,
                "-out",
                &pem,
            ]);
        };
    sign("/CN=Test CA", "int", "root", "2", "2", "ca");
    sign("/CN=old.test", "leaf", "int", "5", "3650", "leaf");
    // Its CRL chain, signed with its keys (by the library: OpenSSL's `ca -gencrl` needs a
    // whole CA database).
    let load = |stem: &str| {
        let key = cert::keys::PrivateKey::from_pem(
            stem,
            &fs::read(path(&format!("{stem}.key"))).unwrap(),
        )
        .unwrap();
        let pem = fs::read(path(&format!("{stem}.pem"))).unwrap();
        cert::authority::Authority::new(&pem, key).unwrap()
    };
    let now = time::OffsetDateTime::now_utc();
    let crls: String = [load("int"), load("root")]
        .iter()
        .map(|ca| {
            cert::crl::Crl::sign(ca, 1, now, Duration::from_secs(86_400), &[])
                .unwrap()
                .to_pem()
        })
        .collect();
    fs::write(dir.join("crl.pem"), crls).unwrap();
    let bundle = dir.join("bundle.pem");
    fs::write(
        &bundle,
        common::read(&dir.join("int.pem")) + &common::read(&dir.join("root.pem")),
    )
    .unwrap();
    world.ok(&[
        "import",
        "--private-key",
        &path("int.key"),
        "--cert-bundle",
        bundle.to_str().unwrap(),
        "--crl-chain",
        &path("crl.pem"),
    ]);
    fs::copy(dir.join("root.key"), world.ca("root_key.pem")).unwrap();
    fs::copy(world.ca("ca_crt.pem"), dir.join("old-chain.pem")).unwrap();
    let out = world.ok(&["extend-ca", "--ttl", "10y", "--keep-serials"]);
    assert_eq!(
        out.matches(" kept").count(),
        3,
        "two serials and the old chain: {out}"
    );
    let later = (now + Duration::from_secs(5 * 86_400))
        .unix_timestamp()
        .to_string();
    let at = |chain: &Path| {
        let leaf = path("leaf.pem");
        let output = world.openssl(&[
            "verify",
            "-attime",
            &later,
            "-CAfile",
            chain.to_str().unwrap(),
            &leaf,
        ]);
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (ok, text) = at(&dir.join("old-chain.pem"));
    assert!(!ok && text.contains("expired"), "{text}");
    let (ok, text) = at(&world.ca("ca_crt.pem"));
    assert!(ok, "{text}");
}
