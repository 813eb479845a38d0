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

/// nginx run unedited from `cert export --for balancer --server nginx --upstream-tls` in front
/// of `cert serve --allow-header-cert-info 127.0.0.1`: nginx checks the agents' certificates
/// and re-encrypts to the daemon with its own; the daemon takes each agent's identity from
/// nginx's `X-Client-Cert`, so an admin lists, an agent renews its certificate through the
/// balancer, and a caller without a certificate is nobody (not the balancer).
#[test]
fn renewal_and_admin_rights_through_a_real_nginx() {
    if !(common::require_peer("curl")
        && common::require_peer("openssl")
        && common::require_peer_with("nginx", "nginx", &["-v"]))
    {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    write_ca_conf(&world, &auto_renewal("1h"));
    world.ok(&["generate", "--certname", "lb.test"]);
    world.ok(&["generate", "--certname", "agent.test"]);
    let server = Server::start(&world, &["--allow-header-cert-info", "127.0.0.1"]);
    let port = common::serve::free_port();
    let bundle = world.path().join("lb");
    let target = bundle.display().to_string();
    world.ok(&[
        "export",
        "lb.test",
        "--for",
        "balancer",
        "--out",
        &target,
        "--target-ssldir",
        &target,
        "--server",
        "nginx",
        "--listen",
        &format!("127.0.0.1:{port}"),
        // nginx checks the upstream's certificate by DNS name (not by IP address).
        "--upstream",
        &format!("localhost:{}", server.port),
        "--upstream-tls",
    ]);
    let run = world.path().join("nginx-run");
    fs::create_dir(&run).unwrap();
    let config = run.join("nginx.conf");
    fs::write(
        &config,
        format!(
            "daemon off;\nmaster_process off;\npid {run}/nginx.pid;\n\
             error_log {run}/error.log info;\nevents {{}}\nhttp {{\n    access_log off;\n    \
             client_body_temp_path {run}/body;\n    proxy_temp_path {run}/proxy;\n    \
             include {fragment};\n}}\n",
            run = run.display(),
            fragment = bundle.join("server/nginx.conf").display()
        ),
    )
    .unwrap();
    let mut nginx = std::process::Command::new("nginx")
        .arg("-c")
        .arg(&config)
        .arg("-p")
        .arg(&run)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nginx");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "nginx did not listen:\n{}",
            fs::read_to_string(run.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let through = |path: &str, client: Option<&str>, extra: &[&str]| {
        let mut command = std::process::Command::new("curl");
        command
            .args([
                "-sS",
                "--max-time",
                "20",
                "-w",
                "\n%{http_code}",
                "--cacert",
            ])
            .arg(bundle.join("certs/ca.pem"))
            .arg("--resolve")
            .arg(format!("lb.test:{port}:127.0.0.1"))
            .args(extra);
        if let Some(name) = client {
            command
                .arg("--cert")
                .arg(world.ssl(&format!("certs/{name}.pem")))
                .arg("--key")
                .arg(world.ssl(&format!("private_keys/{name}.pem")));
        }
        let output = command
            .arg(format!("https://lb.test:{port}{path}"))
            .output()
            .expect("run curl");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        (code.trim().parse::<u16>().unwrap_or(0), body.to_owned())
    };
    let nginx_log = || fs::read_to_string(run.join("error.log")).unwrap_or_default();
    let (code, body) = through(STATUSES, Some("ca.test"), &[]);
    assert_eq!(code, 200, "{body}\n{}\n{}", server.log_text(), nginx_log());
    let (code, body) = through(STATUSES, Some("agent.test"), &[]);
    assert_eq!(code, 403, "{body}");
    let (code, body) = through(STATUSES, None, &[]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    let renewal = format!("{CA}/certificate_renewal");
    let (code, pem) = through(&renewal, Some("agent.test"), &["-X", "POST", "--data", ""]);
    assert_eq!(code, 200, "{pem}\n{}", server.log_text());
    let renewed = world.path().join("renewed-through-nginx.pem");
    fs::write(&renewed, &pem).unwrap();
    let (valid, detail) = world.openssl_verify(&renewed);
    assert!(valid, "{detail}");
    assert!(world.x509_text(&renewed).contains("agent.test"));
    let log = server.log_text();
    assert!(
        log.contains("agent.test \"POST /puppet-ca/v1/certificate_renewal\" 200"),
        "{log}"
    );
    assert!(
        !log.contains("lb.test \""),
        "the balancer was taken for a client:\n{log}"
    );
    let _ = nginx.kill();
    let _ = nginx.wait();
}
