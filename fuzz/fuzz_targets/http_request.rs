//! The daemon's HTTP request path: arbitrary bytes, as one connection, through hyper's parser
//! with the daemon's limits and into its routes and CA calls (`cert::serve::harness`, no TLS or
//! sockets), against a temp CA with autosign on. The first byte picks the client: anonymous,
//! an agent, or an admin (`pp_cli_auth`). Must never panic or hang, and never answer a 5xx:
//! whatever the bytes, they are a client's mistake.
#![no_main]

use std::sync::OnceLock;

use cert::autosign::{self, Autosign};
use cert::ca::{Ca, Config, Hierarchy};
use cert::keys::KeySpec;
use cert::serve::harness::{Client, Harness};
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        // Kept for the whole run (the process exit leaves it; it is in the temp dir).
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let config = Config {
            cadir: dir.join("ca"),
            store: cert::store::Location::Files(dir.join("ca")),
            ssldir: dir.join("ssl"),
            certname: "ca.test".into(),
            dns_alt_names: Vec::new(),
            ttl: cert::authority::DEFAULT_TTL,
            crl: cert::crl::Lifetime::default(),
            policy: Default::default(),
            allow_duplicate_certs: false,
            key: KeySpec::EcP256,
            server_key: None,
            ca_name: None,
            autosign: Autosign::Everything,
            autosign_options: autosign::ProgramLimits::default(),
            renewal: Default::default(),
            admins: Vec::new(),
        };
        Ca::setup(config.clone(), Hierarchy::Chained, time::OffsetDateTime::now_utc())
            .expect("set up the CA");
        Harness::new(config).expect("open the harness")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let client = match selector % 3 {
        0 => Client::Anonymous,
        1 => Client::Agent("agent.test".into()),
        _ => Client::Admin("ca.test".into()),
    };
    let response = harness()
        .exchange(&client, input)
        .unwrap_or_else(|error| panic!("{error}"));
    // The first status line (later ones could be quoted in a body).
    if let Some(status) = response.strip_prefix(b"HTTP/1.1 ") {
        assert!(
            !status.starts_with(b"5"),
            "server error for a client's bytes:\n{}",
            String::from_utf8_lossy(&response)
        );
    }
});
