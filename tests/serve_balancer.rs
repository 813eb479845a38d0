//! Issue 24: puppetserver's `allow-header-cert-info` behind a TLS-terminating balancer, as
//! `cert serve --allow-header-cert-info ADDR`. curl plays the balancer, sending the headers a
//! balancer sets (`X-Client-Cert`, URL-encoded PEM; `X-Client-Verify` and `X-Client-DN`) from
//! 127.0.0.1: the certificate in `X-Client-Cert` is the client when it chains to the CA and is
//! not revoked (admin rights from its `pp_cli_auth`, renewal of that certificate); a verified
//! DN is a client of that CN (admin only through `--admin`); nothing else is. From an address
//! the setting does not name the same headers are ignored (`tests/serve_attacks.rs` shows
//! the default, off).

mod common;

use std::fs;
use std::path::Path;

use common::serve::{auto_renewal, world_with_ca, write_ca_conf, Server};
use common::World;

const CA: &str = "/puppet-ca/v1";
const STATUSES: &str = "/puppet-ca/v1/certificate_statuses/any";

/// A PEM file URL-encoded as nginx's `$ssl_client_escaped_cert`.
fn escaped(path: &Path) -> String {
    fs::read(path)
        .unwrap()
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (*b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn cert_header(world: &World, name: &str) -> Vec<String> {
    let path = world.ssl(&format!("certs/{name}.pem"));
    vec!["-H".into(), format!("X-Client-Cert: {}", escaped(&path))]
}

fn dn_headers(verify: &str, cn: &str) -> Vec<String> {
    vec![
        "-H".into(),
        format!("X-Client-Verify: {verify}"),
        "-H".into(),
        format!("X-Client-DN: CN={cn}"),
    ]
}

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

#[test]
fn client_identity_from_a_named_balancer_only() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    write_ca_conf(&world, &auto_renewal("1h"));
    world.ok(&["generate", "--certname", "agent.test"]);
    world.ok(&["generate", "--certname", "gone.test"]);
    world.ok(&["--revoke", "gone.test"]);
    let server = Server::start(
        &world,
        &[
            "--allow-header-cert-info",
            "127.0.0.1",
            "--admin",
            "ops.test",
        ],
    );

    // X-Client-Cert: the admin's certificate makes an admin, an agent's an agent.
    let (code, body) = server.get(STATUSES, &strs(&cert_header(&world, "ca.test")));
    assert_eq!(code, 200, "{body}\n{}", server.log_text());
    let (code, body) = server.get(STATUSES, &strs(&cert_header(&world, "agent.test")));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("agent.test access"), "{body}");
    // A revoked certificate, or one of another CA, is no identity.
    let (code, body) = server.get(STATUSES, &strs(&cert_header(&world, "gone.test")));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    let other = world_with_ca("");
    let foreign = cert_header(&other, "ca.test");
    let (code, body) = server.get(STATUSES, &strs(&foreign));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    assert!(
        server.log_text().contains("X-Client-Cert refused"),
        "{}",
        server.log_text()
    );

    // The DN a balancer verified: that CN, admin only through --admin.
    let (code, body) = server.get(STATUSES, &strs(&dn_headers("SUCCESS", "ops.test")));
    assert_eq!(code, 200, "{body}");
    let (code, body) = server.get(STATUSES, &strs(&dn_headers("SUCCESS", "ca.test")));
    assert_eq!(code, 403, "a DN carries no pp_cli_auth: {body}");
    let (code, body) = server.get(STATUSES, &strs(&dn_headers("FAILED:x", "ops.test")));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    assert!(
        server
            .log_text()
            .contains("ops.test \"GET /puppet-ca/v1/certificate_statuses/any\" 200"),
        "the log names the header's client:\n{}",
        server.log_text()
    );

    // Renewal through the balancer: the agent's certificate in X-Client-Cert.
    let before = world.openssl_ok(&[
        "x509",
        "-noout",
        "-serial",
        "-in",
        world.ssl("certs/agent.test.pem").to_str().unwrap(),
    ]);
    let empty = world.path().join("empty");
    fs::write(&empty, "").unwrap();
    let renewal = format!("{CA}/certificate_renewal");
    let (code, pem) = server.send(
        "POST",
        &renewal,
        "text/plain",
        &empty,
        &strs(&cert_header(&world, "agent.test")),
    );
    assert_eq!(code, 200, "{pem}\n{}", server.log_text());
    let renewed = world.path().join("renewed.pem");
    fs::write(&renewed, &pem).unwrap();
    let after = world.openssl_ok(&[
        "x509",
        "-noout",
        "-serial",
        "-in",
        renewed.to_str().unwrap(),
    ]);
    assert_ne!(before, after);
    let (valid, detail) = world.openssl_verify(&renewed);
    assert!(valid, "{detail}");
    // A DN alone has no certificate to renew.
    let (code, body) = server.send(
        "POST",
        &renewal,
        "text/plain",
        &empty,
        &strs(&dn_headers("SUCCESS", "agent.test")),
    );
    assert_eq!(code, 400, "{body}");

    // A daemon that names another balancer ignores the headers from 127.0.0.1, and believes
    // them from 127.0.0.2.
    let other_server = Server::start(&world, &["--allow-header-cert-info", "127.0.0.2"]);
    let admin = cert_header(&world, "ca.test");
    let (code, body) = other_server.get(STATUSES, &strs(&admin));
    assert_eq!(code, 403, "{body}");
    let mut from_balancer = vec!["--interface".to_string(), "127.0.0.2".into()];
    from_balancer.extend(admin);
    let (code, body) = other_server.get(STATUSES, &strs(&from_balancer));
    assert_eq!(code, 200, "{body}\n{}", other_server.log_text());
}
