//! Issue 15: `GET /metrics` of `cert serve`, on the TLS listener for admins and on the plain
//! `--metrics-bind` listener. The counters move after a signing (by an admin and by
//! autosign), refusals (a duplicate, alt names the policy refuses, a garbage CSR) and
//! revocations (revoke, clean); the gauges show the pending requests and the CA's expiry. The
//! text is read with the `prometheus-parse` crate and, when it is installed, checked by
//! Prometheus' own `promtool check metrics` (Debian's `prometheus` package).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::serve::{client, free_port, strs, world_with_ca, Server, SERVE_CONFIG};
use prometheus_parse::{Scrape, Value};

const CA: &str = "/puppet-ca/v1";

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

/// A parsed exposition and its text.
struct Metrics {
    text: String,
    scrape: Scrape,
}

impl Metrics {
    fn parse(text: String) -> Metrics {
        let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned())))
            .unwrap_or_else(|e| panic!("{e}:\n{text}"));
        Metrics { text, scrape }
    }

    /// The value of `name` with the label `key` = `value` (or no label), if present.
    fn value(&self, name: &str, label: Option<(&str, &str)>) -> Option<f64> {
        self.scrape
            .samples
            .iter()
            .find(|sample| {
                sample.metric == name
                    && label.is_none_or(|(key, value)| sample.labels.get(key) == Some(value))
            })
            .and_then(|sample| match &sample.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
                _ => None,
            })
    }

    /// The value, which must be there.
    fn must(&self, name: &str, label: Option<(&str, &str)>) -> f64 {
        self.value(name, label)
            .unwrap_or_else(|| panic!("no {name} {label:?} in:\n{}", self.text))
    }

    fn signed(&self, how: &str) -> f64 {
        self.must("cert_certificates_signed_total", Some(("reason", how)))
    }

    fn refused(&self, why: &str) -> f64 {
        self.value("cert_certificates_refused_total", Some(("reason", why)))
            .unwrap_or(0.0)
    }
}

/// `GET /metrics` over plain HTTP from `port`: (status line, content type, body).
fn plain(port: u16, request: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to --metrics-bind");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or("").to_owned();
    let content_type = head
        .lines()
        .find_map(|line| line.strip_prefix("content-type: "))
        .unwrap_or("")
        .to_owned();
    (status, content_type, body.to_owned())
}

fn scrape(port: u16) -> Metrics {
    let (status, content_type, body) = plain(
        port,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    Metrics::parse(body)
}

/// `promtool check metrics` (the Prometheus project's parser and linter) accepts `text`.
fn promtool_accepts(text: &str) {
    if !common::require_peer("promtool") {
        return;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn counters_move_after_signing_refusing_and_revoking() {
    if !peers() {
        return;
    }
    let world = world_with_ca("");
    let autosign = world.path().join("autosign.conf");
    std::fs::write(&autosign, "*.auto.test\n").unwrap();
    std::fs::write(
        &world.config,
        format!("{SERVE_CONFIG}autosign = {}\n", autosign.display()),
    )
    .unwrap();
    world.ok(&["generate", "--certname", "agent.test"]);
    let metrics_port = free_port();
    let bind = format!("127.0.0.1:{metrics_port}");
    let server = Server::start(&world, &["--metrics-bind", &bind]);
    let admin = client(&world.ssldir, "ca.test");
    let agent = client(&world.ssldir, "agent.test");
    let json = |name: &str, body: &str| {
        let path = world.path().join(format!("{name}.json"));
        std::fs::write(&path, body).unwrap();
        path
    };
    let signed = json("signed", r#"{"desired_state":"signed"}"#);
    let revoked = json("revoked", r#"{"desired_state":"revoked"}"#);
    let submit = |name: &str, csr: &std::path::Path| {
        let path = format!("{CA}/certificate_request/{name}");
        server.send("PUT", &path, "text/plain", csr, &[])
    };
    let status = |name: &str, body: &std::path::Path| {
        let path = format!("{CA}/certificate_status/{name}");
        server.send("PUT", &path, "application/json", body, &strs(&admin))
    };

    let before = scrape(metrics_port);
    for how in ["admin", "autosign", "renewal"] {
        assert_eq!(before.signed(how), 0.0, "{}", before.text);
    }
    assert_eq!(
        before.must(
            "cert_certificates_revoked_total",
            Some(("reason", "key_compromise"))
        ),
        0.0
    );
    assert_eq!(before.must("cert_requests_pending", None), 0.0);
    let ca_left = before.must(
        "cert_ca_certificate_expires_in_seconds",
        Some(("name", "Puppet CA: ca.test")),
    );
    assert!(ca_left > 4.0 * 365.0 * 86400.0, "{ca_left}");
    let crl_left = before.must(
        "cert_crl_expires_in_seconds",
        Some(("issuer", "Puppet CA: ca.test")),
    );
    assert!(crl_left > 0.0, "{crl_left}");
    assert!(before
        .text
        .contains("# TYPE cert_store_errors_total counter\n"));
    promtool_accepts(&before.text);

    // A request left pending, then signed by an admin.
    let node1 = world.openssl_csr("node1.test", &[]);
    assert_eq!(submit("node1.test", &node1).0, 200);
    assert_eq!(
        scrape(metrics_port).must("cert_requests_pending", None),
        1.0
    );
    assert_eq!(status("node1.test", &signed).0, 204);
    // One autosigned by autosign.conf.
    let web = world.openssl_csr("web.auto.test", &[]);
    assert_eq!(submit("web.auto.test", &web).0, 200);
    // The same request sent again is answered with its certificate: no signature, no
    // refusal counted (issue 22: its first answer may have been lost).
    assert_eq!(submit("node1.test", &node1).0, 200);
    // Refusals: a request for a signed name from another key, alt names the policy refuses
    // at signing, a body that is no CSR.
    let other_key = world.openssl_csr("node1.test", &[]);
    let (code, body) = submit("node1.test", &other_key);
    assert_eq!(code, 400, "{body}");
    let alt = world.openssl_csr("alt.test", &["alt.test", "other.test"]);
    assert_eq!(submit("alt.test", &alt).0, 200);
    let (code, body) = status("alt.test", &signed);
    assert_eq!(code, 409, "{body}");
    let garbage = world.path().join("garbage.csr");
    std::fs::write(&garbage, "not a CSR\n").unwrap();
    assert_eq!(submit("junk.test", &garbage).0, 400);
    // Revocations: one by certificate_status, one by clean.
    assert_eq!(status("node1.test", &revoked).0, 204);
    let clean = json("clean", r#"{"certnames":["web.auto.test"]}"#);
    let (code, body) = server.send(
        "PUT",
        &format!("{CA}/clean"),
        "application/json",
        &clean,
        &strs(&admin),
    );
    assert_eq!(
        (code, body.as_str()),
        (200, "Successfully cleaned all certs.")
    );

    let after = scrape(metrics_port);
    assert_eq!(after.signed("admin"), 1.0, "{}", after.text);
    assert_eq!(after.signed("autosign"), 1.0, "{}", after.text);
    assert_eq!(after.signed("renewal"), 0.0, "{}", after.text);
    assert_eq!(after.refused("duplicate"), 1.0, "{}", after.text);
    assert_eq!(
        after.refused("alt_names_not_allowed"),
        1.0,
        "{}",
        after.text
    );
    assert_eq!(after.refused("csr_malformed"), 1.0, "{}", after.text);
    assert_eq!(
        after.must(
            "cert_certificates_revoked_total",
            Some(("reason", "key_compromise"))
        ),
        2.0
    );
    // Issue 14: the CA key's signatures and their CPU: the two certificates and the two CRLs
    // the revocations made, at least (a CRL refreshed at start would be one more).
    let signatures = after.must("cert_ca_signatures_total", None);
    assert!(signatures >= 4.0, "{}", after.text);
    let cpu = after.must("cert_ca_signature_cpu_seconds_total", None);
    assert!(cpu > 0.0 && cpu < signatures, "{}", after.text);
    // alt.test is still waiting.
    assert_eq!(after.must("cert_requests_pending", None), 1.0);
    // Enrolments answered: node1 (twice: the request sent again is answered too), web.auto
    // and alt (the refused ones are not enrolments).
    assert_eq!(
        after.must("cert_enrollment_duration_seconds_count", None),
        4.0
    );
    // Issue 14: every PUT goes through a batch, where it is checked: the four enrolments and
    // the two refused requests.
    let batches = after.must("cert_signing_batch_size_count", None);
    assert!((1.0..=6.0).contains(&batches), "{}", after.text);
    assert_eq!(after.must("cert_signing_batch_size_sum", None), 6.0);
    let latency = after
        .scrape
        .samples
        .iter()
        .find(|s| s.metric == "cert_enrollment_duration_seconds")
        .unwrap_or_else(|| panic!("no histogram in:\n{}", after.text));
    let Value::Histogram(buckets) = &latency.value else {
        panic!("not a histogram: {latency:?}");
    };
    let infinite = buckets.iter().find(|b| b.less_than.is_infinite()).unwrap();
    assert_eq!(infinite.count, 4.0);
    assert!(buckets
        .windows(2)
        .all(|pair| pair[0].count <= pair[1].count));
    promtool_accepts(&after.text);

    // The TLS listener serves the same text to admins only.
    let (code, text) = server.get("/metrics", &strs(&admin));
    assert_eq!(code, 200, "{text}");
    let tls = Metrics::parse(text);
    assert_eq!(tls.signed("autosign"), 1.0, "{}", tls.text);
    let (code, body) = server.get("/metrics", &[]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("(authenticated: false)"), "{body}");
    assert_eq!(server.get("/metrics", &strs(&agent)).0, 403);
    // The plain listener has nothing else, and only GET.
    let (status, _, body) = plain(
        metrics_port,
        "GET /puppet-ca/v1/certificate/ca HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 404 Not Found", "{body}");
    let (status, _, _) = plain(
        metrics_port,
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
}

#[test]
fn a_taken_metrics_address_fails_the_start_with_one_line() {
    let world = world_with_ca("");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = world
        .std_cert(&["serve", "--bind", "127.0.0.1:0", "--metrics-bind", &address])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(&address), "{stderr}");
}
