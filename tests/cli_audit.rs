//! Issue 7: the audit trail (one JSON line per sign, revoke, clean and generate decision, in
//! `cadir/audit.log`, shown by `cert log`) and file modes after every command (keys never
//! readable by others).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::World;

fn assert_private_modes(root: &Path) {
    for entry in walk(root) {
        let name = entry.to_string_lossy().into_owned();
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777;
        if name.ends_with("_key.pem")
            || name.contains("/private_keys/")
            || name.ends_with("audit.log")
        {
            assert_eq!(mode & 0o007, 0, "{name} is readable by others: {mode:o}");
        }
    }
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn every_decision_is_audited_and_keys_stay_private() {
    let world = World::new();
    world.ok(&["--generate", "web.example.com"]);
    assert_private_modes(world.path());
    let csr = world.openssl_csr("node1.example.com", &[]);
    world.ok(&["submit", csr.to_str().unwrap()]);
    let alt = world.openssl_csr("alt.example.com", &["alt"]);
    world.ok(&["submit", alt.to_str().unwrap()]);
    world.fails(&["--sign", "alt.example.com"]);
    world.ok(&["--sign", "node1.example.com"]);
    world.ok(&["--revoke", "node1.example.com", "--yes"]);
    world.ok(&["--clean", "web.example.com", "--yes"]);
    assert_private_modes(world.path());

    let log = std::fs::read_to_string(world.ca("audit.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_owned(),
                l["name"].as_str().unwrap().to_owned(),
                l["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("generate", "web.example.com", "done"),
        ("sign", "alt.example.com", "refused"),
        ("sign", "node1.example.com", "done"),
        ("revoke", "node1.example.com", "done"),
        // clean revokes first, and that revocation is audited as such
        ("revoke", "web.example.com", "done"),
        ("clean", "web.example.com", "done"),
    ];
    assert_eq!(
        summary,
        expected
            .map(|(a, n, d)| (a.to_owned(), n.to_owned(), d.to_owned()))
            .to_vec()
    );
    assert!(lines[1]["reason"]
        .as_str()
        .unwrap()
        .contains("subject alternative names"));
    assert_eq!(lines[2]["serial"], "0003");
    assert_eq!(lines[2]["fingerprint"].as_str().unwrap().len(), 95);
    assert!(lines
        .iter()
        .all(|l| l["actor"].as_str().unwrap().starts_with("cli:")));

    let shown = world.ok(&["log"]);
    assert_eq!(shown.lines().count(), 6, "{shown}");
    assert!(
        shown.contains("sign node1.example.com done serial 0003"),
        "{shown}"
    );
    let json = world.ok(&["log", "--format", "json"]);
    assert_eq!(json, log);
}

/// Issue 11: an `audit.log` that a run as root creates in a CA directory owned by another user
/// (puppetserver's `puppet`) goes to that user and group, as every other new file does, so that
/// a later run as that user can still append to it (and does not report an error for work it
/// has already done).
#[test]
fn audit_log_made_by_root_goes_to_the_owner_of_the_ca_directory() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    if std::fs::metadata("/proc/self").map_or(true, |m| m.uid() != 0) {
        eprintln!("skipped: needs root to give the CA directory to another user");
        return;
    }
    let (nobody, nogroup) = (65534, 65534);
    let world = World::new();
    world.ok(&["--generate", "web.example.com"]);
    std::fs::remove_file(world.ca("audit.log")).unwrap();
    // As `chown -R puppet:puppet cadir` leaves it; the rest of the world readable by that user.
    for path in walk(&world.cadir).into_iter().chain([world.cadir.clone()]) {
        std::os::unix::fs::chown(&path, Some(nobody), Some(nogroup)).unwrap();
    }
    for directory in [&world.cadir.join("signed"), &world.cadir.join("requests")] {
        std::os::unix::fs::chown(directory, Some(nobody), Some(nogroup)).unwrap();
    }
    std::fs::set_permissions(world.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let first = world.openssl_csr("node1.example.com", &[]);
    world.ok(&["submit", first.to_str().unwrap()]);
    world.ok(&["--sign", "node1.example.com"]);
    let log = std::fs::metadata(world.ca("audit.log")).unwrap();
    assert_eq!((log.uid(), log.gid()), (nobody, nogroup), "audit.log owner");
    assert_eq!(log.mode() & 0o777, 0o640, "audit.log mode");

    let second = world.openssl_csr("node2.example.com", &[]);
    world.ok(&["submit", second.to_str().unwrap()]);
    // The binary may live under a directory `nobody` cannot enter (a checkout in /root, a
    // 0700 temp dir): run a copy from the world's directory, which it can.
    let copy = world.path().join("cert-as-nobody");
    std::fs::copy(assert_cmd::cargo::cargo_bin("cert"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let template = world.std_cert(&["--sign", "node2.example.com"]);
    let mut command = std::process::Command::new(&copy);
    command.args(template.get_args()).current_dir(world.path());
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let output = command
        .uid(nobody)
        .gid(nogroup)
        .output()
        .expect("run cert as nobody");
    assert!(
        output.status.success(),
        "signing as the directory's owner failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = std::fs::read_to_string(world.ca("audit.log")).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(lines.contains("node2.example.com"), "{lines}");
}
