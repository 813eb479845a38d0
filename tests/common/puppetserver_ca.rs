//! puppetserver's own CA CLI (`puppetserver ca`, from Debian's ruby-puppetserver-ca-cli:
//! bookworm's 2.4, or trixie's 2.7 in the tree of [`super::trixie`]), run as its launcher runs
//! it, against a `World`'s puppet.conf.

use std::path::Path;

use super::trixie::Release;
use super::World;

/// What `/usr/share/puppetserver/cli/apps/ca` (run by `puppetserver ca`) does.
const CA_CLI: &str = "require 'puppetserver/ca/cli'; exit Puppetserver::Ca::Cli.run(ARGV)";

/// Whether the CA CLI's Ruby library loads (skip, or fail under `CERT_REQUIRE_PEERS=1`).
pub fn require() -> bool {
    super::require_peer_with(
        "puppetserver-ca (ruby-puppetserver-ca-cli)",
        "ruby",
        &["-e", "require 'puppetserver/ca/cli'"],
    )
}

/// `puppetserver ca ACTION ARGS --config CONF`: (exit code, stdout + stderr).
pub fn run(world: &World, config: &Path, args: &[&str]) -> (i32, String) {
    run_in(&Release::Bookworm, world, config, args)
}

/// [`run`] with the CA CLI of `release`.
pub fn run_in(release: &Release, world: &World, config: &Path, args: &[&str]) -> (i32, String) {
    let output = release
        .command("ruby", world.path())
        .args(["-e", CA_CLI, "--"])
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run ruby");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}
