//! `man/` and `completions/` are generated from the clap definitions and checked in; this test
//! fails when they drift. Regenerate them with the commands in docs/cli.md ("Man pages and
//! completions").

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const COMPLETIONS: [(&str, &str); 5] = [
    ("bash", "cert.bash"),
    ("elvish", "cert.elv"),
    ("fish", "cert.fish"),
    ("powershell", "_cert.ps1"),
    ("zsh", "_cert"),
];

#[test]
fn man_pages_are_current() {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("cert")
        .unwrap()
        .arg("man")
        .arg(out.path())
        .assert()
        .success();
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let names = |dir: &Path| {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let generated = names(out.path());
    assert_eq!(
        generated,
        names(&checked_in),
        "man/ holds other pages than `cert man` makes; regenerate (see docs/cli.md)"
    );
    for name in generated {
        let fresh = fs::read(out.path().join(&name)).unwrap();
        let old = fs::read(checked_in.join(&name)).unwrap();
        assert!(
            fresh == old,
            "man/{} is stale; regenerate with `cargo run -- man man`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn completions_are_current() {
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in COMPLETIONS {
        let output = Command::cargo_bin("cert")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success());
        assert!(!output.stdout.is_empty());
        let old = fs::read(checked_in.join(file)).unwrap();
        assert!(
            output.stdout == old,
            "completions/{file} is stale; regenerate with `cargo run -- completions {shell} > completions/{file}`"
        );
    }
}
