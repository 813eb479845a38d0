//! Issue 13: warnings before anything lapses. `cert check --expiring` lists, one line each,
//! the CA certificates, CRLs and hosts' certificates inside the window and exits 1 (a
//! monitoring check; `--format json` too), and exits 0 outside it; `cert list --expiring`
//! filters the list; `cert serve` warns at start.

mod common;

use std::time::Duration;

use common::serve::{world_with_ca, Server};

/// A CA whose chain expires in 10 days (`extend-ca --ttl 10d`), whose root CRL expires in 20
/// days and cannot be re-issued here (no `root_key.pem`), with a host certificate expiring in
/// 5 days, one expired, one revoked and one far away.
fn world() -> common::World {
    let world = world_with_ca("crl_ttl = 20d\n");
    for (name, ttl) in [
        ("short.test", "5d"),
        ("gone.test", "1"),
        ("revoked.test", "5d"),
        ("long.test", "5y"),
    ] {
        world.ok(&["generate", "--certname", name, "--ttl", ttl]);
    }
    world.ok(&["revoke", "--certname", "revoked.test"]);
    world.ok(&["extend-ca", "--ttl", "10d"]);
    std::fs::remove_file(world.ca("root_key.pem")).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    world
}

fn check(world: &common::World, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let output = world.cert(&all).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn check_expiring_lists_what_lapses_inside_the_window() {
    let world = world();
    let (code, stdout) = check(&world, &["--expiring"]);
    assert_eq!(code, Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let root = lines
        .iter()
        .find_map(|l| {
            l.split('"')
                .nth(1)
                .filter(|n| n.starts_with("Puppet Root CA: "))
        })
        .expect("the root's name")
        .to_owned();
    // Soonest first: the expired host, the 5-day host, the 10-day chain, the 20-day root CRL.
    let expected = [
        ("certificate \"gone.test\" expired ", " ago)"),
        ("certificate \"short.test\" expires ", "(in 4 days)"),
        (
            "ca-certificate \"Puppet CA: ca.test\" expires ",
            "(in 9 days)",
        ),
        (
            &format!("ca-certificate \"{root}\" expires "),
            "(in 9 days)",
        ),
        (&format!("crl \"{root}\" expires "), "(in 19 days)"),
    ];
    assert_eq!(lines.len(), expected.len(), "{stdout}");
    for ((start, end), line) in expected.iter().zip(&lines) {
        assert!(
            line.starts_with(start) && line.ends_with(end),
            "{line:?} in\n{stdout}"
        );
    }
    // Neither the revoked certificate, nor the far one, nor the CA's own CRL (re-issued here
    // before it lapses).
    for absent in [
        "revoked.test",
        "long.test",
        "\"ca.test\"",
        "crl \"Puppet CA: ca.test\"",
    ] {
        assert!(!stdout.contains(absent), "{absent} in\n{stdout}");
    }

    let (code, json) = check(&world, &["--expiring", "30d", "--format", "json"]);
    assert_eq!(code, Some(1));
    let findings: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "certificate",
            "certificate",
            "ca-certificate",
            "ca-certificate",
            "crl"
        ]
    );
    assert_eq!(findings[0]["expired"], true);
    assert!(findings[0]["seconds_left"].as_i64().unwrap() <= 0);
    assert_eq!(findings[1]["expired"], false);
    assert!(findings[1]["seconds_left"].as_i64().unwrap() > 4 * 86_400);

    // Outside the window of everything but the expired host; then that host deleted.
    let (code, stdout) = check(&world, &["--expiring", "1h"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    world.ok(&["delete", "--expired"]);
    let (code, stdout) = check(&world, &["--expiring", "1h"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.ends_with(": nothing expires within 1h\n"),
        "{stdout}"
    );
    assert_eq!(
        check(&world, &["--expiring", "1h", "--format", "json"]).1,
        "[]\n"
    );
    // The store's own check is still what `check` alone does.
    assert_eq!(check(&world, &[]).0, Some(0));
}

#[test]
fn an_overdue_crl_refresh_is_a_finding_until_a_write_re_issues_it() {
    let world = world();
    // The CA's CRL has 20 days left; with crl_refresh 25d its refresh is overdue.
    let config = common::read(&world.config).replace("crl_ttl = 20d\n", "crl_refresh = 25d\n");
    std::fs::write(&world.config, config).unwrap();
    let (code, stdout) = check(&world, &["--expiring"]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("crl \"Puppet CA: ca.test\" expires "),
        "{stdout}"
    );
    world.ok(&["generate", "--certname", "any.test"]);
    let (_, stdout) = check(&world, &["--expiring"]);
    assert!(!stdout.contains("crl \"Puppet CA: ca.test\""), "{stdout}");
}

#[test]
fn list_expiring_filters_and_serve_warns_at_start() {
    let world = world();
    let list = world.ok(&["list", "--expiring", "30d", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&list).unwrap();
    let mut names: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["gone.test", "revoked.test", "short.test"]);

    if !common::require_peer("curl") {
        return;
    }
    let server = Server::start(&world, &[]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !server.log_text().contains("WARN crl") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = server.log_text();
    assert!(
        log.contains("WARN ca-certificate \"Puppet CA: ca.test\" expires ")
            && log.contains("run `cert extend-ca`"),
        "{log}"
    );
    assert!(log.contains("WARN crl \"Puppet Root CA: "), "{log}");
    // Hosts are `check --expiring`'s, not the daemon's log.
    assert!(!log.contains("short.test"), "{log}");
}
