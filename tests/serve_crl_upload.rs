//! Issue 24: `PUT /puppet-ca/v1/certificate_revocation_list` (admins only), as puppetserver
//! 6.16+ takes it. For a CA whose root is kept offline (its key not in the CA directory), the
//! root's operator signs a newer root CRL elsewhere and loads it through the daemon: the CRL
//! chain then holds it (the CA's own CRL re-issued, its number grown), agents get it, and
//! openssl verifies it. A CRL of another CA, garbage, or callers without `pp_cli_auth` change
//! nothing; an older root CRL keeps the chain's.

mod common;

use std::fs;
use std::path::Path;

use cert::authority::Authority;
use cert::certificate::Serial;
use cert::crl::{Crl, Reason, Revocation};
use cert::keys::PrivateKey;
use common::serve::{client, strs, world_with_ca, Server};

const CA: &str = "/puppet-ca/v1";

fn crls(path: &Path) -> Vec<Crl> {
    Crl::chain_from_pem("crl", &fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_newer_root_crl_is_loaded_and_others_are_refused() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("");
    world.ok(&["generate", "--certname", "agent.test"]);
    // The root goes offline: its key leaves the CA directory, with its operator.
    let root_pem =
        common::pem_blocks(&common::read(&world.ca("ca_crt.pem")), "CERTIFICATE")[1].clone();
    let root_key =
        PrivateKey::from_pem("root", &fs::read(world.ca("root_key.pem")).unwrap()).unwrap();
    fs::remove_file(world.ca("root_key.pem")).unwrap();
    let root = Authority::new(root_pem.as_bytes(), root_key).unwrap();
    let before = crls(&world.ca("ca_crl.pem"));
    let now = time::OffsetDateTime::now_utc();
    let newer = Crl::sign(
        &root,
        before[1].number.unwrap() + 1,
        now,
        std::time::Duration::from_secs(365 * 86_400),
        &[Revocation {
            serial: Serial(0x99),
            time: now,
            reason: Some(Reason::KeyCompromise),
        }],
    )
    .unwrap();
    let upload = world.path().join("root-crl.pem");
    fs::write(&upload, newer.to_pem()).unwrap();

    let server = Server::start(&world, &[]);
    let path = format!("{CA}/certificate_revocation_list");
    let admin = client(&world.ssldir, "ca.test");
    let agent = client(&world.ssldir, "agent.test");
    let put = |file: &Path, who: &[&str]| server.send("PUT", &path, "text/plain", file, who);

    // Only admins.
    let unchanged = world.snapshot_ca();
    assert_eq!(put(&upload, &[]).0, 403);
    assert_eq!(put(&upload, &strs(&agent)).0, 403);
    // A CRL of another CA, and garbage: 400 with the reason, nothing changed.
    let other = world_with_ca("");
    let foreign = world.path().join("foreign.pem");
    fs::write(&foreign, common::read(&other.ca("ca_crl.pem"))).unwrap();
    let (code, body) = put(&foreign, &strs(&admin));
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("is not issued by a certificate of this CA's chain"),
        "{body}"
    );
    let garbage = world.path().join("garbage.pem");
    fs::write(
        &garbage,
        "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
    )
    .unwrap();
    let (code, body) = put(&garbage, &strs(&admin));
    assert_eq!(code, 400, "{body}");
    fs::write(&garbage, "no CRL here\n").unwrap();
    let (code, body) = put(&garbage, &strs(&admin));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("No valid CRLs submitted."), "{body}");
    // The root's CRL as it is (not newer): kept.
    let same = world.path().join("same.pem");
    fs::write(&same, before[1].to_pem()).unwrap();
    assert_eq!(put(&same, &strs(&admin)).0, 200);
    common::assert_same(&unchanged, &world.snapshot_ca(), "refused or older CRLs");

    // The newer root CRL: in the chain, the CA's own CRL re-issued above it.
    let (code, body) = put(&upload, &strs(&admin));
    assert_eq!(code, 200, "{body}\n{}", server.log_text());
    assert_eq!(body, "Successfully updated CRLs.");
    let after = crls(&world.ca("ca_crl.pem"));
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].der(), newer.der());
    assert!(after[0].number > before[0].number);
    assert_eq!(after[0].revoked, before[0].revoked);
    assert_eq!(
        common::read(&world.ssl("crl.pem")),
        common::read(&world.ca("ca_crl.pem"))
    );
    let (code, served) = server.get(&format!("{CA}/certificate_revocation_list/ca"), &[]);
    assert_eq!(code, 200);
    assert_eq!(served, common::read(&world.ca("ca_crl.pem")));
    let root_file = world.path().join("root.pem");
    fs::write(&root_file, &root_pem).unwrap();
    let output = world.openssl(&[
        "crl",
        "-noout",
        "-CAfile",
        root_file.to_str().unwrap(),
        "-in",
        upload.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("verify OK"));
    let (valid, detail) = world.openssl_verify(&world.ca("signed/agent.test.pem"));
    assert!(valid, "{detail}");
    let log = world.ok(&["log"]);
    assert!(log.contains("upload-crl"), "{log}");
    world.ok(&["check"]);
}
