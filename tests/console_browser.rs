//! Issue 27: the web console in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, through WebDriver), against a real `cert serve` and a real Puppet 7
//! agent, on a files store and on a database store with two nodes. One review of the day, as
//! an operator does it: sign in with the one-time link (which then refuses a second use), see
//! the agent's request arrive on Pending without a reload, its hostile `pp_role` shown as
//! text, read the pages with JavaScript off and at 360 px, sign it from the dialog while a
//! second administrator signs it too (one result, one clear message), watch the agent get its
//! certificate, revoke it with a reason and find it in the CRL, see a cross-site form post
//! and a foreign-Origin post refused, sign out and find no certname on any page. Screenshots
//! of each page are saved (`CERT_CONSOLE_SCREENSHOTS`; docs/console.md shows them).

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::browser::{self, Browser};
use common::hosts::PuppetAgent;
use common::nodes::{self, Node};
use common::postgres::Cluster;
use common::serve::{free_port, world_with_ca, Server};
use common::World;

/// What a request's `pp_role` says: markup, were it not escaped.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// Every page of the console a signed-in administrator sees.
const PAGES: [&str; 8] = [
    "/",
    "/pending",
    "/pending/rows",
    "/pending/web1.test/sign",
    "/certificates",
    "/certificates/web1.test/revoke",
    "/audit",
    "/ca",
];

fn peers() -> bool {
    browser::peers() && common::require_peer("puppet") && common::require_peer("curl")
}

/// What the review runs against.
struct Setup<'a> {
    /// Where `cert console login` runs (the CA host; with a database, node 0).
    cli: &'a World,
    /// The consoles' base URLs: one per node.
    consoles: Vec<String>,
    /// The daemon the agent talks to.
    agents: &'a Server,
    /// The CA certificate curl trusts.
    cacert: PathBuf,
    /// The CRL chain as a client fetches it (with several nodes: from another node than the
    /// one that revoked).
    crl: Box<dyn Fn() -> String + 'a>,
    /// Prefix of the screenshots' names.
    shots: &'a str,
}

/// A one-time sign-in link for the console at `base`.
fn login_link(world: &World, base: &str) -> String {
    let link = world
        .ok(&["console", "login", "--url", base])
        .trim()
        .to_owned();
    assert!(
        link.starts_with(&format!("{base}/login#")),
        "the secret is in the fragment: {link}"
    );
    link
}

/// Sign `browser` in with `link`; it lands on Pending.
async fn sign_in(browser: &Browser, link: &str) {
    browser.open(link).await;
    assert!(
        browser
            .wait_for("#pending-rows", Duration::from_secs(15))
            .await,
        "signed in and on Pending: {}",
        browser.source().await
    );
    assert_eq!(browser.path().await, "/pending");
}

/// The session's CSRF token, from the page on display.
async fn csrf(browser: &Browser) -> String {
    let source = browser.source().await;
    let start = source.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    source[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `curl` POSTing `fields` to `url` with `headers`: (status, body).
fn post(cacert: &Path, url: &str, headers: &[String], fields: &[(&str, &str)]) -> (u16, String) {
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
        .arg(cacert);
    for header in headers {
        command.args(["-H", header]);
    }
    for (name, value) in fields {
        command.args(["--data-urlencode", &format!("{name}={value}")]);
    }
    let output = command.arg(url).output().expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// A page on another origin (plain HTTP on another port of 127.0.0.1) whose form posts to
/// `target` as soon as it loads: what a hostile site does to a signed-in administrator.
/// Serves a bounded number of requests, then its thread ends.
fn foreign_site(target: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let page = format!(
        "<!DOCTYPE html><html><body><form id=\"f\" method=\"post\" action=\"{target}\">\
         <input name=\"csrf\" value=\"guessed\"><input name=\"reason\" value=\"keyCompromise\">\
         </form><script>document.getElementById('f').submit()</script></body></html>"
    );
    std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut served = 0;
        while served < 4 && Instant::now() < deadline {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(5)))
                        .unwrap();
                    let mut buffer = [0u8; 4096];
                    let _ = stream.read(&mut buffer);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{page}",
                        page.len()
                    );
                    let _ = stream.write_all(reply.as_bytes());
                    served += 1;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    });
    format!("http://127.0.0.1:{port}/")
}

/// Every text input, select and checkbox of the page has a label (`label for`).
async fn every_control_labelled(browser: &Browser) {
    let unlabelled = browser
        .run(
            "return Array.from(document.querySelectorAll('input:not([type=hidden]), select'))\
             .filter(c => !c.id || !document.querySelector('label[for=\"' + c.id + '\"]'))\
             .map(c => c.outerHTML);",
        )
        .await;
    assert_eq!(
        unlabelled,
        serde_json::json!([]),
        "controls without a label"
    );
}

/// The review of the day, on `setup`.
async fn review(setup: Setup<'_>) {
    let first = &setup.consoles[0];
    let last = setup.consoles.last().expect("a console");
    let shot = |name: &str| format!("{}{name}", setup.shots);

    // Signed out, a page is the sign-in page.
    let alice = Browser::start(true, 1280, 900).await;
    alice.open(&format!("{first}/pending")).await;
    assert_eq!(alice.path().await, "/login");
    alice.screenshot(&shot("login")).await;

    // The one-time link: made on the CA host (node 0), used on the last node's console.
    let link = login_link(setup.cli, last);
    sign_in(&alice, &link).await;
    let cookie = alice
        .cookie("__Host-cert-console")
        .await
        .expect("a session cookie");
    assert!(!link.contains(&cookie), "the cookie is no link");
    // Any node serves the session (the same cookie: cookies are per host, not port).
    alice.open(&format!("{first}/pending")).await;
    assert_eq!(alice.path().await, "/pending", "{}", alice.source().await);
    // A link works once: a browser without the session cannot use it again.
    let thief = Browser::start(true, 1024, 768).await;
    thief.open(&link).await;
    assert!(
        thief
            .wait_for(".notice.error", Duration::from_secs(10))
            .await,
        "{}",
        thief.source().await
    );
    assert!(thief
        .text(".notice.error")
        .await
        .contains("unknown, expired or used already"));
    assert_eq!(thief.path().await, "/login");
    assert!(thief.cookie("__Host-cert-console").await.is_none());
    thief.stop().await;

    // A real agent asks, with a hostile pp_role; the page, not reloaded, shows it.
    alice.run("window.notReloaded = true; return 1;").await;
    let agent = PuppetAgent::new(setup.cli, "web1.test");
    std::fs::create_dir_all(agent.root.join("conf")).unwrap();
    std::fs::write(
        agent.root.join("conf/csr_attributes.yaml"),
        format!("---\nextension_requests:\n  pp_role: '{HOSTILE}'\n"),
    )
    .unwrap();
    let (signed, output) = agent.ssl_action(setup.agents, "bootstrap");
    assert!(!signed, "left pending: {output}");
    assert!(
        alice
            .wait_for("tr[data-name='web1.test']", Duration::from_secs(15))
            .await,
        "the request appeared without a reload: {}",
        alice.source().await
    );
    assert_eq!(
        alice.run("return window.notReloaded === true;").await,
        serde_json::json!(true),
        "the page was not reloaded"
    );
    assert!(alice.text("#live").await.contains("web1.test"));
    let row = alice.text("tr[data-name='web1.test']").await;
    assert!(row.contains(HOSTILE), "the pp_role is shown as text: {row}");
    assert!(row.contains("pp_role"), "{row}");
    assert!(row.contains("leave pending"), "autosign's verdict: {row}");
    assert_eq!(
        alice
            .run("return document.querySelectorAll('main img').length;")
            .await,
        serde_json::json!(0),
        "no element made from the value"
    );
    assert!(!alice.alert_showing().await, "nothing ran");
    alice.screenshot(&shot("pending")).await;

    // At 360 px wide the page fits (its tables become cards).
    alice.client.set_window_size(360, 900).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let overflow = alice
        .run("return document.documentElement.scrollWidth - window.innerWidth;")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "no sideways scrolling at 360 px: {overflow}"
    );
    alice.screenshot(&shot("pending-360px")).await;
    alice.client.set_window_size(1280, 900).await.unwrap();

    // Keyboard: the first Tab reaches the skip link.
    alice.open(&format!("{first}/pending")).await;
    alice
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    assert_eq!(
        alice.run("return document.activeElement.className;").await,
        serde_json::json!("skip")
    );

    // With JavaScript off, the pages read: signed in by typing the link's code.
    let reader = Browser::start(false, 1024, 768).await;
    reader.open(&format!("{last}/login")).await;
    let code = login_link(setup.cli, last);
    let code = code.split_once('#').unwrap().1;
    reader
        .client
        .find(fantoccini::Locator::Css("#code"))
        .await
        .unwrap()
        .send_keys(code)
        .await
        .unwrap();
    reader.click("#login button").await;
    assert!(
        reader
            .wait_for("#pending-rows", Duration::from_secs(10))
            .await,
        "{}",
        reader.source().await
    );
    assert!(reader
        .text("tr[data-name='web1.test']")
        .await
        .contains(HOSTILE));
    for page in ["/certificates", "/audit", "/ca"] {
        reader.open(&format!("{last}{page}")).await;
        assert_eq!(reader.path().await, page);
        assert!(reader.text("main h1").await.len() > 1);
    }
    reader.stop().await;

    // Two administrators open the Sign dialog of the same request; both confirm.
    let bob = Browser::start(true, 1280, 900).await;
    sign_in(&bob, &login_link(setup.cli, first)).await;
    let expected = setup.cli.ok(&["fingerprint", "web1.test"]);
    for (who, base) in [(&alice, first), (&bob, last)] {
        who.open(&format!("{base}/pending")).await;
        who.click("a[aria-label='Sign web1.test']").await;
        assert!(
            who.wait_for("section.dialog", Duration::from_secs(10))
                .await
        );
        let fingerprint = who.text("section.dialog code.fingerprint").await;
        assert!(
            expected.contains(&fingerprint),
            "the dialog shows the request's fingerprint {fingerprint}: {expected}"
        );
        every_control_labelled(who).await;
    }
    alice.screenshot(&shot("sign-dialog")).await;
    alice.click("section.dialog button[type=submit]").await;
    assert!(alice.wait_for(".notice.ok", Duration::from_secs(15)).await);
    assert!(alice.text(".notice.ok").await.contains("Signed web1.test"));
    bob.click("section.dialog button[type=submit]").await;
    assert!(
        bob.wait_for(".notice.error", Duration::from_secs(15)).await,
        "{}",
        bob.source().await
    );
    let message = bob.text(".notice.error").await;
    assert!(
        message.contains("is not the one reviewed")
            && message.contains("signed now")
            && message.contains("signed by console:cli:"),
        "a clear message for the second: {message}"
    );
    bob.screenshot(&shot("two-admins")).await;
    bob.stop().await;

    // The agent gets its certificate.
    let (done, output) = agent.ssl_action(setup.agents, "bootstrap");
    assert!(done, "{output}");
    let certificate = agent.ssl("certs/web1.test.pem");
    let serial = setup.cli.openssl_ok(&[
        "x509",
        "-noout",
        "-serial",
        "-in",
        certificate.to_str().unwrap(),
    ]);
    let serial = serial.trim().trim_start_matches("serial=").to_owned();

    // Certificates: search, then revoke with a reason; the CRL lists it.
    alice.open(&format!("{first}/certificates?name=web1")).await;
    assert!(alice.text("main table").await.contains("web1.test"));
    assert!(
        !alice.text("main table").await.contains("ca.test"),
        "searched"
    );
    every_control_labelled(&alice).await;
    alice.screenshot(&shot("certificates")).await;
    alice.click("a[aria-label='Revoke web1.test']").await;
    assert!(
        alice
            .wait_for("#reason-superseded", Duration::from_secs(10))
            .await
    );
    alice.click("#reason-superseded").await;
    alice.screenshot(&shot("revoke-dialog")).await;
    alice.click("section.dialog button.danger").await;
    assert!(alice.wait_for(".notice.ok", Duration::from_secs(15)).await);
    assert!(alice.text(".notice.ok").await.contains("Revoked web1.test"));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let crl = (setup.crl)();
        let path = setup.cli.path().join("fetched-crl.pem");
        std::fs::write(&path, &crl).unwrap();
        let text = setup.cli.crl_texts(&path).remove(0);
        if text.contains(&format!("Serial Number: {serial}")) {
            assert!(text.contains("Superseded"), "{text}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "serial {serial} not in the CRL:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A cross-site form post is refused, and so is a post with the session and its token
    // but from another Origin; nothing changes.
    let clean = format!("{first}/certificates/web1.test/clean");
    alice.open(&foreign_site(&clean)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while alice.path().await != "/certificates/web1.test/clean" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = alice.source().await;
    assert!(
        refused.contains("signed out") || refused.contains("Refused"),
        "{refused}"
    );
    alice.open(&format!("{first}/pending")).await;
    let token = csrf(&alice).await;
    let session = format!("Cookie: __Host-cert-console={cookie}");
    let (status, body) = post(
        &setup.cacert,
        &clean,
        &[session.clone(), "Origin: https://evil.example".into()],
        &[("csrf", &token)],
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(
        &setup.cacert,
        &clean,
        std::slice::from_ref(&session),
        &[("csrf", &token)],
    );
    assert_eq!(status, 403, "no Origin: {body}");
    let origin = format!("Origin: {first}");
    let (status, body) = post(
        &setup.cacert,
        &clean,
        &[session, origin],
        &[("csrf", "wrong")],
    );
    assert_eq!(status, 403, "a wrong token: {body}");
    let listed = setup.cli.ok(&["list", "--all"]);
    assert!(
        listed.contains("web1.test"),
        "nothing was cleaned: {listed}"
    );
    assert!(
        !setup.cli.ok(&["log"]).contains("clean web1.test"),
        "no clean was even tried"
    );

    // Audit and CA pages.
    alice.open(&format!("{first}/audit?actor=console")).await;
    let audit = alice.text("main table").await;
    for action in ["console-sign-in", "sign", "revoke"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    alice.screenshot(&shot("audit")).await;
    alice.open(&format!("{first}/ca")).await;
    let ca = alice.text("main").await;
    assert!(
        ca.contains("Puppet CA: ca.test") && ca.contains("answering"),
        "{ca}"
    );
    alice.screenshot(&shot("ca")).await;

    // Signed out, no page shows a certname.
    alice.click("form.whoami button").await;
    assert!(alice.wait_for(".notice.ok", Duration::from_secs(10)).await);
    assert!(alice.text(".notice.ok").await.contains("signed out"));
    for base in &setup.consoles {
        for page in PAGES {
            alice.open(&format!("{base}{page}")).await;
            let source = alice.source().await;
            assert_eq!(alice.path().await, "/login", "{page}: {source}");
            for name in ["web1.test", "ca.test", "ca1.test"] {
                assert!(!source.contains(name), "{page} shows {name}: {source}");
            }
        }
    }
    assert!(setup.cli.ok(&["log"]).contains("console-sign-out"));
    alice.stop().await;
}

#[test]
fn a_review_in_chromium_on_a_files_store() {
    if !peers() {
        return;
    }
    let world = world_with_ca("autosign = false\n");
    let console = free_port();
    let bind = format!("127.0.0.1:{console}");
    let server = Server::start(&world, &["--console-bind", &bind]);
    let crl_file = world.ca("ca_crl.pem");
    let setup = Setup {
        cli: &world,
        consoles: vec![format!("https://{bind}")],
        agents: &server,
        cacert: world.ca("ca_crt.pem"),
        crl: Box::new(move || std::fs::read_to_string(&crl_file).unwrap()),
        shots: "",
    };
    runtime().block_on(review(setup));
    assert!(
        !server.log_text().contains("/login#"),
        "no sign-in secret in the daemon's log"
    );
}

#[test]
fn a_review_in_chromium_on_a_database_with_two_nodes() {
    if !peers() {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let ports = [free_port(), free_port()];
    let (nodes, cacert) =
        nodes::start_nodes_with(&cluster.url(), 2, "autosign = false\n", |index| {
            vec![
                "--console-bind".into(),
                format!("127.0.0.1:{}", ports[index]),
            ]
        });
    let [first, second]: &[Node; 2] = nodes.as_slice().try_into().unwrap();
    let other = second.port();
    let trust = cacert.clone();
    let setup = Setup {
        cli: &first.world,
        consoles: ports
            .iter()
            .map(|port| format!("https://127.0.0.1:{port}"))
            .collect(),
        agents: second.server.as_ref().unwrap(),
        cacert: cacert.clone(),
        crl: Box::new(move || nodes::crl(other, &trust).body),
        shots: "database-",
    };
    runtime().block_on(review(setup));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}
