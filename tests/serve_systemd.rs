//! Issue 15: `cert serve` under systemd. A fake `NOTIFY_SOCKET` (a unix datagram socket the
//! test binds, as systemd does for a `Type=notify` unit) receives `READY=1` only once the
//! listener accepts connections, `RELOADING=1` then `READY=1` around a SIGHUP, and
//! `STOPPING=1` on SIGTERM; an abstract socket (`@name`) works too. `--log-format json`
//! writes one JSON object per line. (curl is the peer only because the harness waits for
//! `/status/v1/simple` with it.)

mod common;

use std::ffi::OsStr;
use std::net::TcpStream;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

use common::serve::{client, strs, world_with_ca, Server};

/// A fake systemd notification socket.
struct NotifySocket(UnixDatagram);

impl NotifySocket {
    /// The next message, within a minute (the daemon may be issuing its certificate).
    fn next(&self) -> String {
        self.0
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut buffer = [0u8; 4096];
        let size = self
            .0
            .recv(&mut buffer)
            .expect("a notification within a minute");
        String::from_utf8(buffer[..size].to_vec()).unwrap()
    }
}

#[test]
fn ready_is_sent_once_the_listener_is_up_then_reloading_and_stopping() {
    if !common::require_peer("curl") {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let path = world.path().join("notify.sock");
    let socket = NotifySocket(UnixDatagram::bind(&path).unwrap());
    let mut server = Server::spawn(&world, &[], &[("NOTIFY_SOCKET", path.as_os_str())]);

    let ready = socket.next();
    assert!(ready.starts_with("READY=1\n"), "{ready:?}");
    assert!(
        ready.contains(&format!(
            "STATUS=listening on https://127.0.0.1:{}\n",
            server.port
        )),
        "{ready:?}"
    );
    // Ready means ready: the port accepts at once, with no retry.
    TcpStream::connect(("127.0.0.1", server.port)).expect("connect right after READY=1");
    server.wait_ready();

    server.signal("HUP");
    let reloading = socket.next();
    assert!(reloading.starts_with("RELOADING=1\n"), "{reloading:?}");
    let ready = socket.next();
    assert!(ready.starts_with("READY=1\n"), "{ready:?}");
    assert!(server
        .log_text()
        .contains("SIGHUP: settings, CA and CRL reloaded"));

    assert_eq!(server.stop(), Some(0));
    let stopping = socket.next();
    assert!(stopping.starts_with("STOPPING=1\n"), "{stopping:?}");
}

#[test]
fn an_abstract_notify_socket_gets_ready() {
    if !common::require_peer("curl") {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let name = format!("cert-test-notify-{}", std::process::id());
    let address = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = NotifySocket(UnixDatagram::bind_addr(&address).unwrap());
    let value = format!("@{name}");
    let mut server = Server::spawn(&world, &[], &[("NOTIFY_SOCKET", OsStr::new(&value))]);
    let ready = socket.next();
    assert!(ready.starts_with("READY=1\n"), "{ready:?}");
    server.wait_ready();
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn an_unusable_notify_socket_is_logged_and_the_daemon_serves_anyway() {
    if !common::require_peer("curl") {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let mut server = Server::spawn(
        &world,
        &[],
        &[("NOTIFY_SOCKET", OsStr::new("relative/notify.sock"))],
    );
    server.wait_ready();
    assert_eq!(server.stop(), Some(0));
    let log = server.log_text();
    assert!(log.contains("NOTIFY_SOCKET"), "{log}");
    assert!(log.contains("systemd is not told"), "{log}");
}

#[test]
fn json_log_format_writes_one_object_per_line() {
    if !common::require_peer("curl") {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let mut server = Server::start(&world, &["--log-format", "json"]);
    let admin = client(&world.ssldir, "ca.test");
    let (code, _) = server.get("/puppet-ca/v1/certificate_statuses/any", &strs(&admin));
    assert_eq!(code, 200);
    assert_eq!(server.get("/no/such/path", &[]).0, 404);
    assert_eq!(server.stop(), Some(0));

    let log = server.log_text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect();
    let requests: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| line["message"] == "request")
        .collect();
    let statuses = requests
        .iter()
        .find(|line| line["path"] == "/puppet-ca/v1/certificate_statuses/any")
        .unwrap_or_else(|| panic!("no line for the admin request:\n{log}"));
    assert_eq!(statuses["method"], "GET");
    assert_eq!(statuses["status"], 200);
    assert_eq!(statuses["client"], "ca.test");
    assert_eq!(statuses["level"], "INFO");
    assert!(statuses["duration_ms"].is_u64(), "{statuses}");
    assert!(
        statuses["remote"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "{statuses}"
    );
    let missing = requests
        .iter()
        .find(|line| line["path"] == "/no/such/path")
        .unwrap_or_else(|| panic!("no line for the 404:\n{log}"));
    assert_eq!(missing["status"], 404);
    // The caller without a certificate has no client field (the probes of `start` neither).
    assert!(missing.get("client").is_none(), "{missing}");
    assert!(
        lines.iter().any(|line| line["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("listening on ")),
        "{log}"
    );
}

#[test]
fn text_log_format_is_the_default_and_unchanged() {
    if !common::require_peer("curl") {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let mut server = Server::start(&world, &[]);
    assert_eq!(server.get("/no/such/path", &[]).0, 404);
    assert_eq!(server.stop(), Some(0));
    let log = server.log_text();
    assert!(log.contains(" - \"GET /no/such/path\" 404 "), "{log}");
    assert!(!log.contains('{'), "{log}");
}
