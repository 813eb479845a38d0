//! Issue 7, hostile input through the CLI: every CSR of tests/fixtures/bad/ goes through
//! `cert submit` and, when queued, `cert --sign --allow-dns-alt-names NAME`. Each is refused
//! with a clear one-line message (the fragment in [`common::hostile_corpus`]) and nothing
//! written, or signed with only the extensions the CA chooses (checked with `openssl x509`).

mod common;

use common::{assert_one_error, assert_same, hostile_corpus, hostile_file, Hostile, World};

/// The extensions a leaf certificate of this CA has, by `openssl x509 -text` heading.
const CA_CHOSEN: [&str; 7] = [
    "X509v3 Subject Alternative Name",
    "X509v3 Basic Constraints",
    "X509v3 Key Usage",
    "X509v3 Extended Key Usage",
    "X509v3 Subject Key Identifier",
    "X509v3 Authority Key Identifier",
    "Netscape Comment",
];

/// The CN the file asks for, as `openssl req` prints it.
fn requested_name(world: &World, file: &std::path::Path) -> String {
    let subject = world.openssl_ok(&[
        "req",
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
        "-in",
        file.to_str().unwrap(),
    ]);
    subject
        .trim()
        .trim_start_matches("subject=")
        .trim_start_matches("CN=")
        .to_owned()
}

#[test]
fn hostile_requests_are_refused_cleanly_or_signed_as_the_ca_chooses() {
    if !common::require_peer("openssl") {
        return;
    }
    let world = World::new();
    world.ok(&["--generate", "ca-host.test"]);
    for (file, expected) in hostile_corpus() {
        let path = hostile_file(file);
        let before = world.snapshot_ca();
        let submit = world
            .cert(&["submit", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&submit.stderr).into_owned();
        if let Hostile::RefusedAtSubmit(fragment) = expected {
            assert!(!submit.status.success(), "{file}: submit succeeded");
            assert_one_error(&stderr, file);
            assert!(
                stderr.contains(fragment),
                "{file}: {stderr:?} lacks {fragment:?}"
            );
            assert_same(&before, &world.snapshot_ca(), file);
            continue;
        }
        assert!(submit.status.success(), "{file}: submit refused: {stderr}");
        let name = requested_name(&world, &path);
        let queued = world.snapshot_ca();
        let sign = world
            .cert(&["--sign", "--allow-dns-alt-names", &name])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&sign.stderr).into_owned();
        match expected {
            Hostile::RefusedAtSign(fragment) => {
                assert!(!sign.status.success(), "{file}: signed");
                assert_one_error(&stderr, file);
                assert!(
                    stderr.contains(fragment),
                    "{file}: {stderr:?} lacks {fragment:?}"
                );
                assert_same(&queued, &world.snapshot_ca(), file);
            }
            Hostile::Signed => {
                assert!(sign.status.success(), "{file}: refused: {stderr}");
                let text = world.x509_text(&world.ca(&format!("signed/{name}.pem")));
                assert!(text.contains("CA:FALSE"), "{file}: not CA:FALSE:\n{text}");
                assert!(
                    text.contains("IP Address:10.0.0.1"),
                    "{file}: IP SAN lost:\n{text}"
                );
                for line in text.lines().map(str::trim) {
                    let heading_line = line.starts_with("X509v3 ") && line != "X509v3 extensions:";
                    // openssl prints extensions it has no name for by OID: never ours.
                    let unnamed = line.ends_with(':')
                        && line.split('.').count() > 3
                        && line
                            .trim_end_matches(':')
                            .split('.')
                            .all(|p| p.parse::<u32>().is_ok());
                    assert!(!unnamed, "{file}: unknown extension {line}\n{text}");
                    if heading_line || line.starts_with("Netscape ") {
                        let heading = line.trim_end_matches(": critical").trim_end_matches(':');
                        assert!(
                            CA_CHOSEN.contains(&heading),
                            "{file}: extension the CA did not choose: {line}\n{text}"
                        );
                    }
                }
            }
            Hostile::RefusedAtSubmit(_) => unreachable!(),
        }
    }
    common::assert_store_ok(&world, "after the hostile corpus");
}
