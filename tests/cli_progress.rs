//! Issue 15: long commands draw progress bars on a terminal and nothing anywhere else. The
//! terminal is a real pseudo-terminal from util-linux's `script`; the other runs have stderr
//! on a pipe, as under cron, CI or `2>log`.

mod common;

use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use common::{write_csrs, World};

/// Requests in the CA: more than the CLI's threshold for drawing (100).
const REQUESTS: usize = 150;

/// `cert ARGS` of `world` run on a pseudo-terminal; everything it wrote there.
fn on_terminal(world: &World, args: &str) -> String {
    let command = format!(
        "{} --cadir {} --ssldir {} --config {} {args}",
        cargo_bin("cert").display(),
        world.cadir.display(),
        world.ssldir.display(),
        world.config.display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("HOME", world.path())
        .env("TERM", "xterm")
        .env_remove("CERT_CADIR")
        .env_remove("CERT_SSLDIR")
        .env_remove("CERT_CONFIG")
        .output()
        .expect("run script");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `cert ARGS` with stderr on a pipe: its stderr.
fn on_pipe(world: &World, args: &[&str]) -> String {
    let output = world.cert(args).env("TERM", "xterm").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn progress_is_drawn_on_a_terminal_and_nowhere_else() {
    if !common::require_peer_with("script", "script", &["--version"]) {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    let (_, paths) = write_csrs(&world, "node", REQUESTS);
    let mut submit = vec!["submit".to_string()];
    submit.extend(paths.iter().map(|p| p.display().to_string()));
    let submit: Vec<&str> = submit.iter().map(String::as_str).collect();
    world.ok(&submit);

    let piped = on_pipe(&world, &["--list", "--all"]);
    assert!(!piped.contains("reading certificates"), "{piped}");
    assert!(!piped.contains('\u{1b}'), "{piped:?}");
    let drawn = on_terminal(&world, "--list --all");
    assert!(drawn.contains("reading certificates ["), "{drawn:?}");
    assert!(drawn.contains(&format!("/{REQUESTS}")), "{drawn:?}");

    let drawn = on_terminal(&world, "--sign --all --yes");
    assert!(drawn.contains("asking autosign ["), "{drawn:?}");
    assert!(drawn.contains("signing ["), "{drawn:?}");
    assert!(drawn.contains("Successfully signed certificate request for node-0"));
    assert!(!world.ok(&["list"]).contains("node-"));

    // Nothing on a pipe, for all of them.
    let piped = on_pipe(&world, &["--list", "--all"]);
    assert!(
        !piped.contains('\u{1b}') && !piped.contains("reading"),
        "{piped:?}"
    );
    let tarball = world.path().join("standby.tar.gz");
    let tar = tarball.display().to_string();
    let piped = on_pipe(&world, &["export", "--ca-standby", "--tar", &tar]);
    assert!(
        !piped.contains("packing") && !piped.contains('\u{1b}'),
        "{piped:?}"
    );
    std::fs::remove_file(&tarball).unwrap();
    let drawn = on_terminal(&world, &format!("export --ca-standby --tar {tar}"));
    assert!(drawn.contains("Wrote the standby CA bundle"), "{drawn:?}");
    assert!(drawn.contains("packing ["), "{drawn:?}");
}

#[test]
fn small_jobs_draw_nothing_even_on_a_terminal() {
    if !common::require_peer_with("script", "script", &["--version"]) {
        return;
    }
    let world = World::new();
    world.ok(&["setup"]);
    let (_, paths) = write_csrs(&world, "small", 3);
    let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut submit = vec!["submit"];
    submit.extend(files.iter().map(String::as_str));
    world.ok(&submit);
    let drawn = on_terminal(&world, "--sign --all --yes");
    assert!(drawn.contains("Successfully signed"), "{drawn:?}");
    assert!(
        !drawn.contains("signing [") && !drawn.contains("asking autosign"),
        "{drawn:?}"
    );
    assert!(!drawn.contains("\u{1b}[2K"), "{drawn:?}");
}
