//! `cert serve` (issue 4) driven by curl, a real OpenSSL-based HTTPS peer: enrollment with and
//! without autosign, the CLI signing while the daemon runs, authorization of the admin
//! endpoints, revoked client certificates refused in the TLS handshake, bad input answered
//! with 4xx and nothing written, first-start issuance of the server certificate, reload and
//! shutdown.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::serve::{client, strs, world_with_ca, Server, SERVE_CONFIG};
use common::{assert_same, World};

const CA: &str = "/puppet-ca/v1";

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

#[test]
fn autosigned_csr_is_served_and_verifies_with_openssl() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let csr = world.openssl_csr("node1.test", &[]);
    let (code, body) = server.send(
        "PUT",
        &format!("{CA}/certificate_request/node1.test"),
        "text/plain",
        &csr,
        &[],
    );
    assert_eq!(code, 200, "{body}");
    let (code, pem) = server.get(&format!("{CA}/certificate/node1.test"), &[]);
    assert_eq!(code, 200, "{pem}");
    let path = world.path().join("node1.pem");
    std::fs::write(&path, &pem).unwrap();
    let (valid, detail) = world.openssl_verify(&path);
    assert!(valid, "{detail}");
    let (code, chain) = server.get(&format!("{CA}/certificate/ca"), &[]);
    assert_eq!((code, chain), (200, common::read(&world.ca("ca_crt.pem"))));
    // Legacy Puppet 3 routes reach the same handlers.
    let (code, _) = server.get("/production/certificate/node1.test", &[]);
    assert_eq!(code, 200);
    let log = server.log_text();
    assert!(
        log.contains("\"PUT /puppet-ca/v1/certificate_request/node1.test\" 200"),
        "{log}"
    );
}

#[test]
fn pending_request_is_signed_by_the_cli_while_serving() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let server = Server::start(&world, &[]);
    let csr = world.openssl_csr("node2.test", &[]);
    let path = format!("{CA}/certificate_request/node2.test");
    assert_eq!(server.send("PUT", &path, "text/plain", &csr, &[]).0, 200);
    let (code, body) = server.get(&format!("{CA}/certificate/node2.test"), &[]);
    assert_eq!(
        (code, body.as_str()),
        (404, "Could not find certificate node2.test")
    );
    let (code, body) = server.get(&path, &[]);
    assert_eq!(code, 200);
    assert!(body.contains("BEGIN CERTIFICATE REQUEST"), "{body}");
    world.ok(&["--sign", "node2.test"]);
    let (code, body) = server.get(&format!("{CA}/certificate/node2.test"), &[]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(server.get(&path, &[]).0, 404);
}

#[test]
fn admin_endpoints_need_pp_cli_auth_or_the_allow_list() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    world.ok(&["generate", "--certname", "agent.test,ops.test"]);
    let server = Server::start(&world, &["--admin", "ops.test"]);
    let admin = client(&world.ssldir, "ca.test");
    let agent = client(&world.ssldir, "agent.test");
    let ops = client(&world.ssldir, "ops.test");
    let status = format!("{CA}/certificate_status/agent.test");

    let (code, body) = server.get(&status, &[]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    let (code, body) = server.get(&status, &strs(&agent));
    assert_eq!(code, 403, "{body}");
    assert_eq!(server.get(&status, &strs(&ops)).0, 200);
    let (code, body) = server.get(&status, &strs(&admin));
    assert_eq!(code, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["state"], "signed");
    assert_eq!(json["name"], "agent.test");

    // Any valid client certificate may read expirations; nobody without one.
    assert_eq!(server.get(&format!("{CA}/expirations"), &[]).0, 403);
    let (code, body) = server.get(&format!("{CA}/expirations"), &strs(&agent));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"ca-certs\""), "{body}");

    // Revoke through the API, then list by state.
    let revoke = world.path().join("revoke.json");
    std::fs::write(&revoke, r#"{"desired_state":"revoked"}"#).unwrap();
    let (code, body) = server.send("PUT", &status, "application/json", &revoke, &strs(&admin));
    assert_eq!(code, 204, "{body}");
    let (code, body) = server.get(
        &format!("{CA}/certificate_statuses/any_key?state=revoked"),
        &strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent.test"]);
    // Issue 24: as puppetserver, an unknown state lists every name.
    let (code, body) = server.get(
        &format!("{CA}/certificate_statuses/any_key?state=bogus"),
        &strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let every = list.as_array().unwrap();
    assert!(every.len() > 1, "{body}");
    assert!(every.iter().any(|e| e["state"] == "revoked"), "{body}");
    assert!(every.iter().any(|e| e["state"] == "signed"), "{body}");

    // sign with no request: reported under no-csr.
    let sign = world.path().join("sign.json");
    std::fs::write(&sign, r#"{"certnames":["nobody.test"]}"#).unwrap();
    let (code, body) = server.send(
        "POST",
        &format!("{CA}/sign"),
        "application/json",
        &sign,
        &strs(&admin),
    );
    assert_eq!(code, 200, "{body}");
    let result: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["no-csr"][0], "nobody.test");
}

/// Issue 24: puppetserver's status API, open to anyone: `/status/v1/services` in
/// trapperkeeper-status's JSON with the `ca` service's version (what the CA CLI reads), its
/// `level` parameter, one service by name, and the errors for a bad level or an unknown one.
#[test]
fn status_services_answers_as_puppetserver() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    let json = |path: &str| {
        let (code, body) = server.get(path, &[]);
        let value: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        (code, value)
    };
    let (code, all) = json("/status/v1/services");
    assert_eq!(code, 200, "{all}");
    let ca = &all["ca"];
    assert_eq!(ca["service_version"], "8.7.0", "{all}");
    assert_eq!(ca["service_status_version"], 1, "{all}");
    assert_eq!(ca["state"], "running", "{all}");
    assert_eq!(ca["detail_level"], "info", "{all}");
    assert!(ca["active_alerts"].as_array().unwrap().is_empty(), "{all}");
    assert_eq!(all.as_object().unwrap().len(), 1, "{all}");
    let (code, debug) = json("/status/v1/services?level=debug");
    assert_eq!(code, 200);
    assert_eq!(debug["ca"]["detail_level"], "debug", "{debug}");
    let (code, one) = json("/status/v1/services/ca?level=critical");
    assert_eq!(code, 200);
    assert_eq!(one["service_name"], "ca", "{one}");
    assert_eq!(one["detail_level"], "critical", "{one}");
    let (code, bad) = json("/status/v1/services?level=loud");
    assert_eq!(code, 400, "{bad}");
    assert_eq!(bad["kind"], "data-invalid", "{bad}");
    let (code, missing) = json("/status/v1/services/master");
    assert_eq!(code, 404, "{missing}");
    assert_eq!(missing["kind"], "service-not-found", "{missing}");
    assert_eq!(
        server.get("/status/v1/simple/ca", &[]),
        (200, "running".into())
    );
    assert_eq!(server.get("/status/v1/simple/master", &[]).0, 404);
}

#[test]
fn revoked_client_certificate_fails_the_handshake() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    world.ok(&["generate", "--certname", "gone.test"]);
    let server = Server::start(&world, &[]);
    let gone = client(&world.ssldir, "gone.test");
    assert_eq!(
        server.get(&format!("{CA}/expirations"), &strs(&gone)).0,
        200
    );
    world.ok(&["--revoke", "gone.test"]);
    let (code, error) = server.get(&format!("{CA}/expirations"), &strs(&gone));
    assert_eq!(code, 0, "a revoked certificate was served: {error}");
    assert!(error.contains("revoked"), "{error}");
    // Without a certificate the same client is merely unauthenticated.
    assert_eq!(server.get(&format!("{CA}/certificate/ca"), &[]).0, 200);
}

#[test]
fn bad_input_gets_4xx_and_writes_nothing() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let before = world.snapshot_ca();
    let garbage = world.path().join("garbage");
    std::fs::write(&garbage, "not a CSR").unwrap();
    let request = |name: &str| format!("{CA}/certificate_request/{name}");

    let (code, body) = server.send("PUT", &request("a.test"), "text/plain", &garbage, &[]);
    assert_eq!(code, 400, "{body}");
    let csr = world.openssl_csr("other.test", &[]);
    let (code, body) = server.send("PUT", &request("a.test"), "text/plain", &csr, &[]);
    assert_eq!(
        (code, body.as_str()),
        (
            400,
            r#"Instance name "other.test" does not match requested key "a.test""#
        )
    );
    let (code, body) = server.send(
        "PUT",
        &request("..%2f..%2fetc%2fpasswd"),
        "text/plain",
        &csr,
        &[],
    );
    assert_eq!(code, 400, "{body}");
    let (code, body) = server.send("PUT", &request("Other.test"), "text/plain", &csr, &[]);
    assert_eq!(
        (code, body.as_str()),
        (400, "Certificate names must be lower case.")
    );
    let big = world.path().join("big");
    std::fs::write(&big, vec![b'A'; 200 * 1024]).unwrap();
    let (code, body) = server.send("PUT", &request("a.test"), "text/plain", &big, &[]);
    assert_eq!(code, 413, "{body}");
    assert_eq!(server.get("/nothing/here/at/all", &[]).0, 404);
    assert_eq!(
        server.get(&format!("{CA}/certificate_statusez/a"), &[]).0,
        404
    );
    assert_eq!(
        server
            .curl(&format!("{CA}/certificate/ca"), &["-X", "POST"])
            .0,
        405
    );
    let (code, body) = server.send(
        "POST",
        &format!("{CA}/sign"),
        "application/json",
        &garbage,
        &strs(&admin),
    );
    // Issue 24: puppetserver's 422 and JSON for a body that is no list of certnames.
    assert_eq!(code, 422, "{body}");
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["kind"], "schema-violation", "{body}");
    assert!(document["error"].is_string(), "{body}");
    let (code, body) = server.send(
        "POST",
        &format!("{CA}/sign"),
        "text/plain",
        &garbage,
        &strs(&admin),
    );
    assert_eq!(code, 415, "{body}");
    let status = format!("{CA}/certificate_status/a.test");
    let json = world.path().join("bad-state.json");
    std::fs::write(&json, r#"{"desired_state":"exploded"}"#).unwrap();
    assert_eq!(
        server
            .send("PUT", &status, "application/json", &json, &strs(&admin))
            .0,
        400
    );
    std::fs::write(&json, r#"{"desired_state":"signed"}"#).unwrap();
    let (code, body) = server.send("PUT", &status, "application/json", &json, &strs(&admin));
    assert_eq!(
        (code, body.as_str()),
        (
            409,
            "Cannot sign certificate for host a.test without a certificate request"
        )
    );
    assert_same(
        &before,
        &world.snapshot_ca(),
        "the CA after refused requests",
    );
    assert!(
        !server.log_text().contains(" 500 "),
        "{}",
        server.log_text()
    );
}

#[test]
fn idle_connections_are_closed_and_do_not_block_others() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    assert_eq!(server.get(&format!("{CA}/certificate/ca"), &[]).0, 200);
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 16];
    let read = idle.read(&mut buffer);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "the idle connection got data: {read:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "closed after {:?}",
        started.elapsed()
    );
}

#[test]
fn first_start_issues_the_server_certificate_and_reloads_and_stops() {
    if !peers() {
        return;
    }
    // A CA without this host's certificate: made by `--generate` for another name.
    let world = World::with_config(SERVE_CONFIG);
    world.ok(&["--generate", "other.test"]);
    assert!(!world.ssl("certs/ca.test.pem").exists());
    let mut server = Server::start(&world, &[]);
    assert!(world.ssl("certs/ca.test.pem").exists());
    // curl checked the name 127.0.0.1 against the new certificate's alt names.
    let log = server.log_text();
    assert!(
        log.contains("issued this host's certificate for ca.test"),
        "{log}"
    );
    server.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get(&format!("{CA}/certificate/ca"), &[]).0, 200);
    assert!(
        server.log_text().contains("SIGHUP"),
        "{}",
        server.log_text()
    );
    assert_eq!(server.stop(), Some(0));
    // A second start reuses the certificate.
    let server = Server::start(&world, &[]);
    assert!(
        !server.log_text().contains("issued"),
        "{}",
        server.log_text()
    );
}

/// Issue 14: `server_key_type = ec` gives the CA server an EC P-256 key under an RSA CA, made
/// by `cert setup` and by a first `cert serve` alike; OpenSSL completes the handshake (an ECDSA
/// signature) and verifies the server certificate against the RSA CA.
#[test]
fn server_key_type_ec_under_an_rsa_ca() {
    if !peers() {
        return;
    }
    let config = "[main]\ncertname = ca.test\nkeylength = 2048\nserver_key_type = ec\n\
                  dns_alt_names = localhost,127.0.0.1\n";
    let set_up = World::with_config(config);
    set_up.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    let first_start = World::with_config(config);
    for world in [&set_up, &first_start] {
        let mut server = Server::start(world, &[]);
        let text = |path: std::path::PathBuf| {
            world.openssl_ok(&["pkey", "-noout", "-text", "-in", path.to_str().unwrap()])
        };
        let server_key = text(world.ssl("private_keys/ca.test.pem"));
        assert!(server_key.contains("prime256v1"), "{server_key}");
        let ca_key = text(world.ca("ca_key.pem"));
        assert!(ca_key.contains("Private-Key: (2048 bit"), "{ca_key}");
        let handshake = s_client(world, server.port, &["-brief"]);
        assert!(
            handshake.contains("Signature type: ECDSA")
                && handshake.contains("Ciphersuite: TLS_AES_128_GCM_SHA256")
                && handshake.contains("Verification: OK"),
            "{handshake}"
        );
        assert_eq!(server.stop(), Some(0));
    }
}

/// Issue 14: the daemon picks AES-128-GCM with SHA-256 over the client's order (OpenSSL, as
/// Puppet agents use it, lists AES-256-GCM-SHA384 first), in TLS 1.3 and 1.2; a client that
/// offers only AES-256-GCM-SHA384 or ChaCha20-Poly1305 still connects with it; the one session
/// ticket a connection gets resumes the next connection. An RSA CA and server key, as
/// `cert setup` makes by default.
#[test]
fn tls_prefers_aes_128_gcm_over_the_clients_order() {
    if !peers() {
        return;
    }
    let world = World::with_config(
        "[main]\ncertname = ca.test\nkeylength = 2048\ndns_alt_names = localhost,127.0.0.1\n",
    );
    world.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    let mut server = Server::start(&world, &[]);
    for (extra, suite) in [
        (&[][..], "TLS_AES_128_GCM_SHA256"),
        (&["-tls1_2"][..], "ECDHE-RSA-AES128-GCM-SHA256"),
        (
            &["-ciphersuites", "TLS_AES_256_GCM_SHA384"][..],
            "TLS_AES_256_GCM_SHA384",
        ),
        (
            &["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"][..],
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
    ] {
        let handshake = s_client(&world, server.port, &[&["-brief"][..], extra].concat());
        assert!(
            handshake.contains(&format!("Ciphersuite: {suite}"))
                && handshake.contains("Verification: OK"),
            "{extra:?}: {handshake}"
        );
    }
    let session = world.path().join("session.pem");
    let session = session.to_str().unwrap();
    let first = s_client(&world, server.port, &["-sess_out", session]);
    assert!(first.contains("New, TLSv1.3"), "{first}");
    let resumed = s_client(&world, server.port, &["-sess_in", session]);
    assert!(resumed.contains("Reused, TLSv1.3"), "{resumed}");
    assert!(resumed.contains("HTTP/1.1 200 OK"), "{resumed}");
    assert_eq!(server.stop(), Some(0));
}

/// `openssl s_client` to the daemon on `port` with `extra` arguments, trusting `world`'s CA,
/// sending one `GET /status/v1/simple` (`Connection: close`) and reading until the daemon closes
/// (so that the session ticket, sent before the answer, is in): its stdout and stderr.
fn s_client(world: &World, port: u16, extra: &[&str]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let address = format!("127.0.0.1:{port}");
    let mut child = Command::new("timeout")
        .current_dir(world.path())
        .args(["20", "openssl", "s_client", "-connect", &address, "-CAfile"])
        .arg(world.ca("ca_crt.pem"))
        .args(["-verify_return_error", "-ign_eof"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_client");
    let request = "GET /status/v1/simple HTTP/1.1\r\nHost: ca.test\r\nConnection: close\r\n\r\n";
    child
        .stdin
        .take()
        .expect("s_client's stdin")
        .write_all(request.as_bytes())
        .expect("write to s_client");
    let output = child.wait_with_output().expect("wait for s_client");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn if_modified_since_gives_304_for_ca_and_crl() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    let future = "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT";
    let past = "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT";
    for path in [
        format!("{CA}/certificate/ca"),
        format!("{CA}/certificate_revocation_list/ca"),
    ] {
        assert_eq!(server.curl(&path, &["-H", future]).0, 304, "{path}");
        assert_eq!(server.curl(&path, &["-H", past]).0, 200, "{path}");
    }
}
