//! Peers: the other implementations the tests check our output with (openssl, curl, puppet,
//! nginx, haproxy, apache2, puppetserver's CA CLI). A missing peer skips the test that needs
//! it with a message, unless `CERT_REQUIRE_PEERS=1`, when it fails the test instead.

use std::process::{Command, Stdio};

/// Whether the peer program `name` runs (`name --version` or `name version` exits 0).
pub fn require_peer(name: &str) -> bool {
    // `puppet --version`, `curl --version`, `openssl version`: one of the two spellings works.
    let found = runs(name, &["--version"]) || runs(name, &["version"]);
    found || missing(name)
}

/// Whether the peer `name` is there, probed with `program ARGS` (exit 0): for peers whose
/// version flag is another (`nginx -v`) or that are a library (`ruby -e "require ..."`).
pub fn require_peer_with(name: &str, program: &str, args: &[&str]) -> bool {
    runs(program, args) || missing(name)
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The peer `name` is missing: skip (false), or fail under `CERT_REQUIRE_PEERS=1`.
fn missing(name: &str) -> bool {
    if std::env::var("CERT_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("peer {name:?} is required (CERT_REQUIRE_PEERS=1) but cannot be run");
    }
    eprintln!("SKIPPED: peer {name:?} not found; install it or set CERT_REQUIRE_PEERS=1 to fail");
    false
}
