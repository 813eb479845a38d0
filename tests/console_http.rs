//! Issue 27: the web console over HTTP with `curl` (a real OpenSSL-based client), for what a
//! browser test does not show: off by default and never on the agents' port, `console_bind`
//! from puppet.conf, an admin's client certificate signed in as its name while an agent's is
//! not, a link's lifetime, Reject, the sign-in code in no log, and two nodes of a database
//! store given the same link at the same moment: one signs in.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::nodes;
use common::postgres::Cluster;
use common::serve::{client, free_port, world_with_ca, Server};
use common::World;

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

/// `curl -i` to `url` trusting `cacert` with `args`: (status, headers and body).
fn curl(cacert: &Path, url: &str, args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20", "--cacert"])
        .arg(cacert)
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let status = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// POST the code of `link` to its console's `/login` as the console's page would.
fn use_link(cacert: &Path, link: &str, jar: &Path) -> (u16, String) {
    let (base, code) = link.split_once("/login#").expect("a link");
    let origin = format!("Origin: {base}");
    let jar = jar.to_str().unwrap();
    curl(
        cacert,
        &format!("{base}/login"),
        &[
            "-H",
            &origin,
            "-c",
            jar,
            "--data-urlencode",
            &format!("code={code}"),
        ],
    )
}

/// The value of `name="field" value="..."` in `page`.
fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name}: {page}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_console_is_off_by_default_and_never_on_the_agents_port() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let server = Server::start(&world, &[]);
    assert!(
        !server.log_text().contains("console"),
        "{}",
        server.log_text()
    );
    for path in ["/login", "/pending", "/static/console.js"] {
        let (status, _) = server.get(path, &[]);
        assert_eq!(status, 404, "{path} on the agents' port");
    }
}

#[test]
fn sign_in_by_link_or_admin_certificate_and_reject_a_request() {
    if !peers() {
        return;
    }
    let port = free_port();
    let world = world_with_ca(&format!(
        "autosign = false\n[server]\nconsole_bind = 127.0.0.1:{port}\n"
    ));
    let server = Server::start(&world, &[]);
    let base = format!("https://127.0.0.1:{port}");
    let cacert = world.ca("ca_crt.pem");
    assert!(server
        .log_text()
        .contains(&format!("web console on {base}/")));
    // Not the API: the console's listener serves the console only.
    let (status, text) = curl(&cacert, &format!("{base}/puppet-ca/v1/certificate/ca"), &[]);
    assert_eq!(status, 303, "{text}");

    // An agent's certificate (valid, not an admin's) opens nothing.
    world.ok(&["generate", "--certname", "agent.test"]);
    let agent = client(&world.ssldir, "agent.test");
    let mut args: Vec<&str> = agent.iter().map(String::as_str).collect();
    let (status, text) = curl(&cacert, &format!("{base}/pending"), &args);
    assert_eq!(status, 303, "{text}");
    assert!(text.contains("location: /login"), "{text}");
    // The admin's (`pp_cli_auth`, made by `cert setup`) is signed in as its name.
    let admin = client(&world.ssldir, "ca.test");
    let jar = world.path().join("admin-jar");
    args = admin.iter().map(String::as_str).collect();
    args.extend(["-c", jar.to_str().unwrap()]);
    let (status, text) = curl(&cacert, &format!("{base}/pending"), &args);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Signed in as <strong>console:client:ca.test</strong>"),
        "{text}"
    );
    assert!(text.contains("set-cookie: __Host-cert-console="), "{text}");
    assert!(world
        .ok(&["log"])
        .contains("console:client:ca.test console-sign-in"));

    // A link lives as long as asked, and no longer; a lifetime out of bounds is refused.
    let link = world
        .ok(&["console", "login", "--ttl", "1s", "--url", &base])
        .trim()
        .to_owned();
    std::thread::sleep(Duration::from_millis(2100));
    let jar = world.path().join("jar");
    let (status, text) = use_link(&cacert, &link, &jar);
    assert_eq!(status, 403, "an expired link: {text}");
    let (code, _, stderr) = world.fails(&["console", "login", "--ttl", "25h"]);
    assert_eq!(code, 2, "a usage error");
    common::assert_one_error(&stderr, "a day and more");
    // Without --url, the link names console_bind.
    let link = world.ok(&["console", "login"]).trim().to_owned();
    assert!(link.starts_with(&format!("{base}/login#")), "{link}");
    let (status, text) = use_link(&cacert, &link, &jar);
    assert_eq!(status, 303, "{text}");
    let code = link.split_once('#').unwrap().1;
    assert!(!server.log_text().contains(code), "the code is in no log");
    assert!(!world.ok(&["log", "--format", "json"]).contains(code));

    // Reject: the request with the fingerprint shown goes, audited as a clean.
    let csr = world.openssl_csr("web2.test", &[]);
    let (status, _) = server.send(
        "PUT",
        "/puppet-ca/v1/certificate_request/web2.test",
        "text/plain",
        &csr,
        &[],
    );
    assert_eq!(status, 200);
    let jar_arg = jar.to_str().unwrap();
    let (status, dialog) = curl(
        &cacert,
        &format!("{base}/pending/web2.test/reject"),
        &["-b", jar_arg],
    );
    assert_eq!(status, 200, "{dialog}");
    let origin = format!("Origin: {base}");
    let token = format!("csrf={}", field(&dialog, "csrf"));
    let fingerprint = format!("fingerprint={}", field(&dialog, "fingerprint"));
    let reject = format!("{base}/pending/web2.test/reject");
    let wrong = "fingerprint=00:11";
    let (status, text) = curl(
        &cacert,
        &reject,
        &[
            "-b",
            jar_arg,
            "-H",
            &origin,
            "--data-urlencode",
            &token,
            "--data-urlencode",
            wrong,
        ],
    );
    assert_eq!(
        status, 409,
        "another fingerprint than the queued request's: {text}"
    );
    assert!(world.ca("requests/web2.test.pem").exists());
    // Reject, as the console's form posts it.
    let reject_web2 = || {
        curl(
            &cacert,
            &reject,
            &[
                "-b",
                jar_arg,
                "-H",
                &origin,
                "--data-urlencode",
                &token,
                "--data-urlencode",
                &fingerprint,
            ],
        )
    };
    let (status, text) = reject_web2();
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Rejected the request of web2.test"), "{text}");
    assert!(!world.ca("requests/web2.test.pem").exists());
    let log = world.ok(&["log"]);
    assert!(log.contains("clean web2.test refused"), "{log}");
    assert!(
        log.contains("clean web2.test done: the pending request"),
        "{log}"
    );
    // Once more: nothing is pending any more.
    let (status, text) = reject_web2();
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("nothing is queued for it any more"), "{text}");
}

/// Two nodes of a database store given the same link at the same moment: one signs in, the
/// other is refused (the link is used with one `DELETE ... RETURNING`).
#[test]
fn a_link_signs_in_once_across_two_database_nodes() {
    if !peers() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let ports = [free_port(), free_port()];
    let (nodes, cacert) = nodes::start_nodes_with(&cluster.url(), 2, "", |index| {
        vec![
            "--console-bind".into(),
            format!("127.0.0.1:{}", ports[index]),
        ]
    });
    let world: &World = &nodes[0].world;
    for round in 0..3 {
        let link = world
            .ok(&["console", "login", "--url", "https://127.0.0.1:1"])
            .trim()
            .to_owned();
        let code = link.split_once('#').unwrap().1.to_owned();
        let answers: Vec<u16> = std::thread::scope(|scope| {
            let tries: Vec<_> = ports
                .iter()
                .enumerate()
                .map(|(index, port)| {
                    let cacert = cacert.clone();
                    let jar = world.path().join(format!("jar-{round}-{index}"));
                    let link = format!("https://127.0.0.1:{port}/login#{code}");
                    scope.spawn(move || use_link(&cacert, &link, &jar).0)
                })
                .collect();
            tries.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let mut sorted = answers.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [303, 403],
            "round {round}: one signs in: {answers:?}"
        );
    }
    let rows = cluster.psql("SELECT count(*) FROM console_sessions WHERE kind = 'session'");
    assert!(rows.contains('3'), "three sessions, one per link: {rows}");
    let hashes = cluster.psql("SELECT hash FROM console_sessions");
    assert!(!hashes.contains("login#"), "{hashes}");
}
