//! Issue 3, autosigning through the real binary: the `autosign` setting's precedence
//! (`[server]` over `[master]` over `[main]`, `--autosign` over all), `cert autosign check`
//! on a glob file with invalid lines, policy programs run by `cert submit` (exit codes, output,
//! timeout, not executable, a large CSR on stdin), alt names only where puppetserver's ca.conf
//! allows them, what `cert list` says about pending requests, and concurrent submissions.
//!
//! puppet.conf sits in `DIR/puppet/`, so the default ca.conf is `DIR/puppetserver/conf.d/ca.conf`,
//! inside the test's own directory.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{read, require_peer, World};

/// A world whose puppet.conf (`key_type = ec` plus `extra`) is `DIR/puppet/puppet.conf`.
fn world(extra: &str) -> World {
    let mut world = World::new();
    let confdir = world.path().join("puppet");
    fs::create_dir_all(&confdir).unwrap();
    world.config = confdir.join("puppet.conf");
    fs::write(
        &world.config,
        format!("[main]\ncertname = ca.test\nkey_type = ec\n{extra}"),
    )
    .unwrap();
    world
}

/// A world with a CA (set up before any autosign setting can matter).
fn ca_world(extra: &str) -> World {
    let world = world(extra);
    world.ok(&["--autosign", "false", "setup"]);
    world
}

/// Writes `DIR/name` with `text` and `mode`.
fn file(world: &World, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = world.path().join(name);
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// `cert ARGS`: (exit code, stdout, stderr).
fn run(world: &World, args: &[&str]) -> (i32, String, String) {
    let output = world.cert(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn setting_precedence_server_master_main_and_the_flag() {
    let glob = "*.fleet.test\n";
    let cases: [(&str, &[&str], i32, &str); 7] = [
        (
            "[main]\nautosign = true\n",
            &[],
            0,
            "sign: autosign is true",
        ),
        (
            "[main]\nautosign = true\n[master]\nautosign = false\n",
            &[],
            1,
            "autosign is false",
        ),
        (
            "[master]\nautosign = false\n[server]\nautosign = true\n",
            &[],
            0,
            "autosign is true",
        ),
        (
            "[server]\nautosign = true\n[master]\nautosign = false\n",
            &[],
            0,
            "autosign is true",
        ),
        (
            "[server]\nautosign = true\n",
            &["--autosign", "false"],
            1,
            "autosign is false",
        ),
        (
            "[server]\nautosign = false\n",
            &["--autosign", "GLOB"],
            0,
            "autosign.conf:1: pattern \"*.fleet.test\" matches",
        ),
        // Nothing set: $confdir/autosign.conf, which does not exist.
        ("", &[], 1, "does not exist"),
    ];
    for (conf, flags, expected_code, expected) in cases {
        let world = world(conf);
        let glob_path = file(&world, "autosign.conf", glob, 0o644);
        let mut args: Vec<&str> = flags
            .iter()
            .map(|flag| {
                if *flag == "GLOB" {
                    glob_path.to_str().unwrap()
                } else {
                    flag
                }
            })
            .collect();
        args.extend(["autosign", "check", "web.fleet.test"]);
        let (code, stdout, stderr) = run(&world, &args);
        assert_eq!(code, expected_code, "{conf:?} {flags:?}: {stdout}{stderr}");
        assert!(stdout.contains(expected), "{conf:?} {flags:?}: {stdout}");
    }
}

#[test]
fn glob_file_with_invalid_lines_is_reported_by_check() {
    let world = world("");
    let conf = file(
        &world,
        "autosign.conf",
        "# fleet\n*.agents.test # web\n*.agents.test\n bad.test\nbuild01.test\n",
        0o644,
    );
    let setting = conf.to_str().unwrap();
    let (code, stdout, stderr) = run(
        &world,
        &["--autosign", setting, "autosign", "check", "db.agents.test"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("{setting}:3: pattern \"*.agents.test\" matches")),
        "{stdout}"
    );
    for line in [2, 4] {
        assert!(
            stderr.contains(&format!(
                "warning: {setting}:{line}: invalid autosign pattern"
            )),
            "line {line}: {stderr}"
        );
    }
    assert!(stderr.contains("also matches the bare domain"), "{stderr}");
    // The bare domain matches, as in puppetserver; a look-alike never does.
    let check = |name: &str| run(&world, &["--autosign", setting, "autosign", "check", name]).0;
    assert_eq!(check("agents.test"), 0);
    assert_eq!(check("evilagents.test"), 1);
    assert_eq!(check("bad.test"), 1);
    assert_eq!(check("build01.test"), 0);
    let (code, stdout, _) = run(
        &world,
        &["--autosign", setting, "autosign", "check", "other.test"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("leave pending: no pattern in {setting} matches")),
        "{stdout}"
    );
}

#[test]
fn autosign_true_signs_submissions() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("[server]\nautosign = true\n");
    let csr = world.openssl_csr("node1.test", &[]);
    let out = world.ok(&["submit", csr.to_str().unwrap()]);
    assert!(
        out.contains("Autosigned node1.test") && out.contains("autosign is true"),
        "{out}"
    );
    let (ok, text) = world.openssl_verify(&world.ca("signed/node1.test.pem"));
    assert!(ok, "{text}");
    assert!(!world.ca("requests/node1.test.pem").exists());
}

#[test]
fn policy_program_exit_status_decides_and_its_output_is_shown() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("");
    let received = world.path().join("received");
    let policy = file(
        &world,
        "policy",
        &format!(
            "#!/bin/sh\ncat > '{}'\nif [ \"$1\" = good.test ]; then echo approved; exit 0; fi\n\
             echo checked inventory\necho \"$1 is not in inventory\" >&2\nexit 1\n",
            received.display()
        ),
        0o755,
    );
    let policy = policy.to_str().unwrap();

    let csr = world.openssl_csr("good.test", &[]);
    let out = world.ok(&["--autosign", policy, "submit", csr.to_str().unwrap()]);
    assert!(out.contains("Autosigned good.test"), "{out}");
    assert!(out.contains("exited with status 0"), "{out}");
    assert!(out.contains("  stdout: approved"), "{out}");
    assert_eq!(fs::read(&received).unwrap(), fs::read(&csr).unwrap());
    assert!(world.ca("signed/good.test.pem").is_file());

    let csr = world.openssl_csr("bad.test", &[]);
    let out = world.ok(&["--autosign", policy, "submit", csr.to_str().unwrap()]);
    assert!(
        out.contains("bad.test is pending: leave pending: policy program"),
        "{out}"
    );
    assert!(out.contains("exited with status 1"), "{out}");
    assert!(out.contains("  stdout: checked inventory"), "{out}");
    assert!(
        out.contains("  stderr: bad.test is not in inventory"),
        "{out}"
    );
    assert!(world.ca("requests/bad.test.pem").is_file());
    assert!(!world.ca("signed/bad.test.pem").exists());

    // `autosign check` on the queued request says the same, with exit 1.
    let (code, stdout, _) = run(
        &world,
        &["--autosign", policy, "autosign", "check", "bad.test"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("  stderr: bad.test is not in inventory"),
        "{stdout}"
    );
}

#[test]
fn policy_program_past_its_timeout_leaves_pending_quickly() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("[server]\nautosign_timeout = 1s\n");
    let policy = file(
        &world,
        "slow",
        "#!/bin/sh\necho thinking\nexec sleep 30\n",
        0o755,
    );
    let csr = world.openssl_csr("slow.test", &[]);
    let started = Instant::now();
    let out = world.ok(&[
        "--autosign",
        policy.to_str().unwrap(),
        "submit",
        csr.to_str().unwrap(),
    ]);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    assert!(out.contains("killed after the 1000 ms timeout"), "{out}");
    assert!(out.contains("  stdout: thinking"), "{out}");
    assert!(world.ca("requests/slow.test.pem").is_file());
    assert!(!world.ca("signed/slow.test.pem").exists());
}

#[test]
fn a_policy_script_that_is_not_executable_is_read_as_autosign_conf() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("");
    // As a program it would sign everything; as a list its lines are a comment and an
    // invalid pattern, so nothing is signed.
    let script = file(&world, "policy", "#!/bin/sh\nexit 0\n", 0o644);
    let setting = script.to_str().unwrap();
    let csr = world.openssl_csr("plain.test", &[]);
    let output = world
        .cert(&["--autosign", setting, "submit", csr.to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}{err}");
    assert!(
        out.contains(&format!("no pattern in {setting} matches")),
        "{out}"
    );
    assert!(
        err.contains(&format!("{setting}:2: invalid autosign pattern")),
        "{err}"
    );
    assert!(world.ca("requests/plain.test.pem").is_file());
}

#[test]
fn a_large_csr_reaches_the_policy_program_whole_and_policy_still_applies() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("");
    let received = world.path().join("received");
    let policy = file(
        &world,
        "policy",
        &format!("#!/bin/sh\ncat > '{}'\nexit 0\n", received.display()),
        0o755,
    );
    // A CSR just under the CA's 64 KiB limit for requests (the unit tests in src/autosign.rs
    // feed a policy program 1 MiB): 99 long alt names (the CA signs at most 100, and issue 12
    // refuses more at submission) and a long pp_role extension.
    let label = "a".repeat(60);
    let names: Vec<String> = (0..99)
        .map(|index| format!("host{index:04}.{label}.{label}.{label}.large.test"))
        .collect();
    let csr = world.path().join("large.csr");
    let key = world.path().join("large.key");
    let alt_names = names
        .iter()
        .map(|name| format!("DNS:{name}"))
        .collect::<Vec<_>>()
        .join(",");
    world.openssl_ok(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=large.test",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
        "-addext",
        &format!("subjectAltName={alt_names}"),
        "-addext",
        &format!(
            "1.3.6.1.4.1.34380.1.1.13=ASN1:UTF8String:{}",
            "r".repeat(18_000)
        ),
    ]);
    let csr_bytes = fs::read(&csr).unwrap();
    assert!(
        (48 * 1024..64 * 1024).contains(&csr_bytes.len()),
        "{}",
        csr_bytes.len()
    );
    let (code, stdout, stderr) = run(
        &world,
        &[
            "--autosign",
            policy.to_str().unwrap(),
            "submit",
            csr.to_str().unwrap(),
        ],
    );
    assert_eq!(fs::read(&received).unwrap(), csr_bytes);
    // The program said sign, but the CA's policy refuses alt names: it stays pending.
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("the CA refused; it stays pending"),
        "{stdout}"
    );
    assert!(world.ca("requests/large.test.pem").is_file());
    assert!(!world.ca("signed/large.test.pem").exists());
}

#[test]
fn alt_names_are_autosigned_only_where_ca_conf_allows_them() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("[server]\nautosign = true\n");
    let csr = world.openssl_csr("web.test", &["web.test", "www.test"]);
    let (code, stdout, stderr) = run(&world, &["submit", csr.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("subject alternative names"), "{stderr}");
    assert!(world.ca("requests/web.test.pem").is_file());

    // `cert list` says autosign would take it were it not for the policy.
    let list = world.ok(&["list", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&list).unwrap();
    let autosign = &entries[0]["autosign"];
    assert_eq!(autosign["sign"], false, "{list}");
    assert!(
        autosign["reason"]
            .as_str()
            .unwrap()
            .contains("the CA's policy refuses the request"),
        "{list}"
    );

    let conf_d = world.path().join("puppetserver/conf.d");
    fs::create_dir_all(&conf_d).unwrap();
    fs::write(
        conf_d.join("ca.conf"),
        "# CA-related settings\ncertificate-authority: {\n    allow-subject-alt-names: true\n}\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&world, &["autosign", "check", "web.test"]);
    assert_eq!(code, 0, "{stdout}");
    let csr = world.openssl_csr("web.test", &["web.test", "www.test"]);
    let out = world.ok(&["submit", csr.to_str().unwrap()]);
    assert!(out.contains("Autosigned web.test"), "{out}");
    let text = world.x509_text(&world.ca("signed/web.test.pem"));
    assert!(text.contains("DNS:www.test"), "{text}");

    // A ca.conf value that is not a boolean is a configuration error, never a guess.
    fs::write(
        conf_d.join("ca.conf"),
        "certificate-authority { allow-subject-alt-names: maybe }\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&world, &["list"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("ca.conf line 1"), "{stderr}");
}

#[test]
fn list_and_sign_all_say_what_autosign_would_do() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("");
    file(&world, "puppet/autosign.conf", "*.auto.test\n", 0o644);
    // Queue without autosign, then ask what it would have done.
    for name in ["a.auto.test", "b.other.test"] {
        let csr = world.openssl_csr(name, &[]);
        world.ok(&["--autosign", "false", "submit", csr.to_str().unwrap()]);
    }
    let table = world.ok(&["list"]);
    assert!(table.contains("autosign"), "{table}");
    assert!(table.contains("yes"), "{table}");
    let list = world.ok(&["list", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&list).unwrap();
    let by_name = |name: &str| {
        entries
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == name)
            .unwrap()["autosign"]
            .clone()
    };
    assert_eq!(by_name("a.auto.test")["sign"], true, "{list}");
    assert_eq!(by_name("b.other.test")["sign"], false, "{list}");
    assert!(
        by_name("b.other.test")["reason"]
            .as_str()
            .unwrap()
            .contains("no pattern in"),
        "{list}"
    );

    let output = world
        .cert(&["--list", "--format", "puppet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.lines().all(|line| line.starts_with("  \"")),
        "{stdout}"
    );
    assert!(
        stderr.contains("autosign \"b.other.test\": no (leave pending"),
        "{stderr}"
    );

    let out = world.ok(&["--sign", "--all", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["signed"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(summary["autosign"]["a.auto.test"]["sign"], true, "{out}");
    assert_eq!(summary["autosign"]["b.other.test"]["sign"], false, "{out}");
}

/// Several concurrent submissions of different CSRs for one name with autosign on: exactly one
/// certificate, one inventory line, no serial used twice.
#[test]
fn racing_submissions_for_one_name_sign_once() {
    if !require_peer("openssl") {
        return;
    }
    let world = ca_world("[server]\nautosign = true\n");
    let mut csrs = Vec::new();
    for index in 0..6 {
        let made = world.openssl_csr("race.test", &[]);
        let path = world.path().join(format!("race-{index}.csr"));
        fs::rename(&made, &path).unwrap();
        csrs.push(path);
    }
    let children: Vec<_> = csrs
        .iter()
        .map(|csr| {
            world
                .std_cert(&["submit", csr.to_str().unwrap()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    let signed = outputs
        .iter()
        .filter(|output| String::from_utf8_lossy(&output.stdout).contains("Autosigned race.test"))
        .count();
    assert_eq!(signed, 1, "{outputs:?}");
    let inventory = read(&world.ca("inventory.txt"));
    let race_lines: Vec<&str> = inventory
        .lines()
        .filter(|line| line.ends_with("/CN=race.test"))
        .collect();
    assert_eq!(race_lines.len(), 1, "{inventory}");
    let mut serials: Vec<&str> = inventory
        .lines()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    let count = serials.len();
    serials.sort_unstable();
    serials.dedup();
    assert_eq!(serials.len(), count, "{inventory}");
    let (ok, text) = world.openssl_verify(&world.ca("signed/race.test.pem"));
    assert!(ok, "{text}");
    // The certificate is for one of the submitted keys' requests.
    let issued = world.openssl_ok(&[
        "x509",
        "-noout",
        "-pubkey",
        "-in",
        world.ca("signed/race.test.pem").to_str().unwrap(),
    ]);
    let matching = csrs
        .iter()
        .filter(|csr| {
            world.openssl_ok(&["req", "-noout", "-pubkey", "-in", csr.to_str().unwrap()]) == issued
        })
        .count();
    assert_eq!(matching, 1);
}
