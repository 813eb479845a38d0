//! Issue 6: the server configs of `cert export --server` run unedited in Debian's nginx, haproxy
//! and apache2, started in the foreground on loopback ports from the exported bundle. curl, with
//! a signed client certificate, a revoked one and none, must get through as `SUCCESS` with its
//! DN, be refused, and get through as `NONE`; an upstream thread in this test echoes back the
//! request headers it received, so the test sees exactly what a Puppet master would.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::World;

/// A server process killed when the test ends, whatever happens. Each runs as one process
/// (nginx with `master_process off`, apache2 -X, haproxy -db), so no worker outlives the kill.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA (root + intermediate, so chains and CRL chains are exercised), the balancer `lb.test`,
/// a good client and a revoked one.
fn world() -> World {
    let world = World::new();
    world.ok(&["setup", "--certname", "ca.test"]);
    world.ok(&["generate", "--certname", "lb.test,client.test,revoked.test"]);
    world.ok(&["revoke", "--certname", "revoked.test", "--yes"]);
    world
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// An upstream that answers every request with the request's head as the body.
fn echo_upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    head.len()
                );
                let _ = stream.write_all(response.as_bytes());
                let _ = stream.write_all(&head);
            });
        }
    });
    port
}

fn wait_for_port(port: u16, server: &mut Running, log: &Path) {
    let logs = || {
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        read(log.to_path_buf()) + &read(log.with_extension("stdout"))
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("server exited ({status}) before listening:\n{}", logs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not listen on {port}:\n{}", logs());
}

/// Export the balancer bundle for `server` into `DIR/out-SERVER` in place; returns it.
fn export(world: &World, server: &str, port: u16, upstream: u16) -> PathBuf {
    let out = world.path().join(format!("out-{server}"));
    let listen = format!("127.0.0.1:{port}");
    let upstream = format!("127.0.0.1:{upstream}");
    world.ok(&[
        "export",
        "lb.test",
        "--for",
        "balancer",
        "--out",
        out.to_str().unwrap(),
        "--target-ssldir",
        out.to_str().unwrap(),
        "--server",
        server,
        "--listen",
        &listen,
        "--upstream",
        &upstream,
    ]);
    out
}

/// curl https://lb.test:PORT/ca with the bundle's CA, and optionally a client certificate of
/// the CA host's ssldir: (success, stdout+stderr).
fn curl(
    world: &World,
    bundle: &Path,
    port: u16,
    client: Option<&str>,
    extra: &[&str],
) -> (bool, String) {
    let mut command = Command::new("curl");
    command
        .args(["-sS", "--max-time", "20", "--cacert"])
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
    command.arg(format!(
        "https://lb.test:{port}/puppet-ca/v1/certificate/ca"
    ));
    let output = command.output().expect("run curl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn header<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The three clients every server must handle.
fn check_clients(world: &World, bundle: &Path, port: u16) {
    let (ok, text) = curl(world, bundle, port, Some("client.test"), &[]);
    assert!(ok, "signed client failed:\n{text}");
    assert_eq!(header(&text, "X-Client-Verify"), Some("SUCCESS"), "{text}");
    assert_eq!(
        header(&text, "X-Client-DN"),
        Some("CN=client.test"),
        "{text}"
    );
    assert_eq!(
        header(&text, "X-SSL-Subject"),
        Some("CN=client.test"),
        "{text}"
    );

    let (ok, text) = curl(world, bundle, port, None, &[]);
    assert!(ok, "client without a certificate failed:\n{text}");
    assert_eq!(header(&text, "X-Client-Verify"), Some("NONE"), "{text}");
    assert_eq!(header(&text, "X-Client-DN"), None, "{text}");

    // A client sending the headers itself must not be believed.
    let (ok, text) = curl(
        world,
        bundle,
        port,
        None,
        &[
            "-H",
            "X-Client-Verify: SUCCESS",
            "-H",
            "X-Client-DN: CN=admin",
        ],
    );
    assert!(ok, "{text}");
    assert_eq!(header(&text, "X-Client-Verify"), Some("NONE"), "{text}");
    assert!(
        !text.contains("CN=admin"),
        "forged DN passed upstream:\n{text}"
    );

    let (ok, text) = curl(world, bundle, port, Some("revoked.test"), &[]);
    let reached_as_success = ok && header(&text, "X-Client-Verify") == Some("SUCCESS");
    assert!(!reached_as_success, "revoked client got through:\n{text}");
    assert!(
        !ok || text.contains("400")
            || header(&text, "X-Client-Verify").is_some_and(|v| v.starts_with("FAILED")),
        "revoked client neither refused nor marked failed:\n{text}"
    );

    let (ok, text) = curl(
        world,
        bundle,
        port,
        Some("client.test"),
        &["--tls-max", "1.1"],
    );
    assert!(!ok, "TLS 1.1 was accepted:\n{text}");
}

#[test]
fn nginx_runs_the_exported_config_unedited() {
    if !common::require_peer("curl") || !common::require_peer_with("nginx", "nginx", &["-v"]) {
        return;
    }
    let world = world();
    let (port, upstream) = (free_port(), echo_upstream());
    let bundle = export(&world, "nginx", port, upstream);
    let run = world.path().join("nginx-run");
    std::fs::create_dir(&run).unwrap();
    let config = run.join("nginx.conf");
    std::fs::write(
        &config,
        format!(
            "daemon off;\nmaster_process off;\npid {run}/nginx.pid;\nerror_log {run}/error.log info;\nevents {{}}\n\
             http {{\n    access_log off;\n    client_body_temp_path {run}/body;\n    \
             proxy_temp_path {run}/proxy;\n    include {fragment};\n}}\n",
            run = run.display(),
            fragment = bundle.join("server/nginx.conf").display()
        ),
    )
    .unwrap();
    let log = run.join("error.log");
    let mut server = spawn(
        Command::new("nginx")
            .arg("-c")
            .arg(&config)
            .arg("-p")
            .arg(&run),
        &log,
    );
    wait_for_port(port, &mut server, &log);
    check_clients(&world, &bundle, port);
}

#[test]
fn haproxy_runs_the_exported_config_unedited() {
    if !common::require_peer("curl") || !common::require_peer_with("haproxy", "haproxy", &["-v"]) {
        return;
    }
    let world = world();
    let (port, upstream) = (free_port(), echo_upstream());
    let bundle = export(&world, "haproxy", port, upstream);
    let global = world.path().join("haproxy-global.cfg");
    std::fs::write(
        &global,
        "global\n    log stderr format raw local0 info\n\
         defaults\n    log global\n    timeout connect 5s\n    timeout client 30s\n    \
         timeout server 30s\n",
    )
    .unwrap();
    let log = world.path().join("haproxy.log");
    let mut server = spawn(
        Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&global)
            .arg("-f")
            .arg(bundle.join("server/haproxy.cfg")),
        &log,
    );
    wait_for_port(port, &mut server, &log);
    check_clients(&world, &bundle, port);
}

#[test]
fn apache_runs_the_exported_config_unedited() {
    if !common::require_peer("curl") || !common::require_peer_with("apache2", "apache2", &["-v"]) {
        return;
    }
    let world = world();
    let (port, upstream) = (free_port(), echo_upstream());
    let bundle = export(&world, "apache", port, upstream);
    let run = world.path().join("apache-run");
    std::fs::create_dir(&run).unwrap();
    let modules = "/usr/lib/apache2/modules";
    let mut config = format!(
        "ServerRoot {run}\nServerName localhost\nPidFile {run}/httpd.pid\n\
         Mutex file:{run} default\nDefaultRuntimeDir {run}\nErrorLog {run}/error.log\n\
         LogLevel warn\n",
        run = run.display()
    );
    // Root drops to an unprivileged user; the keys were read before that.
    if running_as_root() {
        config.push_str("User nobody\nGroup nogroup\n");
    }
    for module in [
        "mpm_event",
        "authz_core",
        "socache_shmcb",
        "ssl",
        "headers",
        "proxy",
        "proxy_http",
    ] {
        config.push_str(&format!(
            "LoadModule {module}_module {modules}/mod_{module}.so\n"
        ));
    }
    config.push_str(&format!(
        "Include {}\n",
        bundle.join("server/apache.conf").display()
    ));
    let file = run.join("httpd.conf");
    std::fs::write(&file, config).unwrap();
    let log = run.join("error.log");
    let mut server = spawn(Command::new("apache2").arg("-X").arg("-f").arg(&file), &log);
    wait_for_port(port, &mut server, &log);
    check_clients(&world, &bundle, port);
}

/// Whether we run as root (from `id -u`, to stay free of unsafe code).
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn spawn(command: &mut Command, log: &Path) -> Running {
    let file = std::fs::File::create(log.with_extension("stdout")).unwrap();
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    Running(child)
}
