//! What a CA directory must look like after a run: Puppet's inventory format, `cert check`
//! clean, and the serials, CRL entries and pending names a test compares; CSRs made in-process.

use std::fs;
use std::path::PathBuf;

use super::World;

/// Check an inventory line is in Puppet's format
/// (`0x0002 2026-11-22T07:14:40UTC 2031-11-22T07:14:40UTC /CN=name`) for this serial and name.
pub fn assert_inventory_line(line: &str, serial: u32, name: &str) {
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 4, "inventory line {line:?}");
    assert_eq!(fields[0], format!("0x{serial:04X}"), "serial of {line:?}");
    for time in &fields[1..3] {
        let bytes = time.as_bytes();
        assert_eq!(bytes.len(), 22, "time {time:?} in {line:?}");
        let shape: String = bytes
            .iter()
            .map(|b| if b.is_ascii_digit() { '9' } else { *b as char })
            .collect();
        assert_eq!(shape, "9999-99-99T99:99:99UTC", "time {time:?} in {line:?}");
    }
    assert_eq!(fields[3], format!("/CN={name}"), "subject of {line:?}");
}

/// Write `count` EC CSRs (made in-process: fast) for `PREFIX-0 .. PREFIX-<count-1>` into the
/// world's temp dir; returns (names, CSR paths).
pub fn write_csrs(world: &World, prefix: &str, count: usize) -> (Vec<String>, Vec<PathBuf>) {
    use cert::certname::Certname;
    use cert::csr::Csr;
    use cert::keys::{KeySpec, PrivateKey};
    let directory = world.path().join("csrs");
    fs::create_dir_all(&directory).unwrap();
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for index in 0..count {
        let name = format!("{prefix}-{index}");
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let csr = Csr::generate(&Certname::parse(&name).unwrap(), &key, &[], &[]).unwrap();
        let path = directory.join(format!("{name}.pem"));
        fs::write(&path, csr.to_pem()).unwrap();
        names.push(name);
        paths.push(path);
    }
    (names, paths)
}

/// `cert check` must find no problem (its output is shown when it does).
pub fn assert_store_ok(world: &World, what: &str) {
    let output = world.cert(&["check"]).output().expect("run cert check");
    assert!(
        output.status.success(),
        "{what}: cert check found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cert check` problems other than temp files (which a SIGKILL may leave until the next
/// writer takes the lock): must be none.
pub fn check_allowing_temp_files(world: &World, what: &str) -> usize {
    let output = world.cert(&["check"]).output().expect("run cert check");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return 0;
    }
    let problems: Vec<&str> = stdout.lines().collect();
    let others: Vec<&&str> = problems
        .iter()
        .filter(|p| !p.contains("temp file left behind"))
        .collect();
    assert!(
        others.is_empty() && !problems.is_empty(),
        "{what}: cert check found problems:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    problems.len()
}

/// (serial, name) of every certificate in `signed/`.
pub fn signed_serials(world: &World) -> Vec<(u128, String)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(world.ca("signed")) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        // A killed writer's temp file (`.NAME.pem.tmp-*`) is no certificate; `cert check`
        // reports it, and the next writer removes it.
        if path.file_name().unwrap().to_string_lossy().starts_with('.') {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            // A temp file a killed run left behind (the next locked run removes it).
            continue;
        }
        let pem = fs::read(&path).unwrap();
        let cert = cert::certificate::Certificate::from_pem(&name, &pem)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((cert.serial.expect("serial").0, name));
    }
    out.sort();
    out
}

/// Serials listed in the first (the CA's own) CRL of `ca_crl.pem`.
pub fn crl_serials(world: &World) -> std::collections::BTreeSet<u128> {
    let pem = fs::read(world.ca("ca_crl.pem")).unwrap();
    let crls = cert::crl::Crl::chain_from_pem("ca_crl.pem", &pem).unwrap();
    crls[0].revoked.iter().map(|r| r.serial.0).collect()
}

/// Names with a pending request.
pub fn pending(world: &World) -> Vec<String> {
    use cert::store::{Location, Read, Store};
    Store::open(&Location::Files(world.cadir.clone()))
        .unwrap()
        .request_names()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Write the CA's CRL again listing `extra` entries twice (what puppetserver's CRLs gathered
/// before puppetserver-ca's prune existed), signed with the CA's key.
pub fn add_crl_duplicates(world: &World, extra: &[u128]) {
    use cert::authority::Authority;
    use cert::crl::Crl;
    use cert::keys::PrivateKey;
    let key = PrivateKey::from_pem("ca_key", &fs::read(world.ca("ca_key.pem")).unwrap()).unwrap();
    let ca = Authority::new(&fs::read(world.ca("ca_crt.pem")).unwrap(), key).unwrap();
    let mut chain =
        Crl::chain_from_pem("ca_crl.pem", &fs::read(world.ca("ca_crl.pem")).unwrap()).unwrap();
    let mut revoked = chain[0].revoked.clone();
    for serial in extra {
        let entry = *revoked.iter().find(|r| r.serial.0 == *serial).unwrap();
        revoked.push(entry);
    }
    let now = time::OffsetDateTime::now_utc();
    let number = chain[0].number.unwrap() + 1;
    chain[0] = Crl::sign(&ca, number, now, cert::crl::DEFAULT_NEXT_UPDATE, &revoked).unwrap();
    let pem: String = chain.iter().map(Crl::to_pem).collect();
    fs::write(world.ca("ca_crl.pem"), pem).unwrap();
}
