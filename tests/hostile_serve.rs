//! Issue 7, hostile input through the daemon. First the CSR corpus of tests/fixtures/bad/ (the
//! table [`common::hostile_corpus`]) through `PUT certificate_request` of `cert serve` with
//! autosign on and `allow-subject-alt-names` (the daemon's `--allow-dns-alt-names`), and through
//! an admin's `PUT certificate_status {"desired_state":"signed"}` where the request was queued:
//! each is refused with a 4xx and a text body carrying the table's message and nothing written
//! (a policy refusal leaves only the queued request, as puppetserver does), or signed with only
//! the extensions the CA chooses. Then hostile HTTP, sent raw over TLS (rustls) or TCP:
//! oversized and chunked bodies, wrong content types, `..%2f` traversal, NUL in the path, very
//! long paths and headers, garbage instead of HTTP or TLS, TLS handshakes and requests left
//! hanging (slowloris) and a flood of connections. The daemon answers each mistake with a 4xx
//! (never a 500), writes nothing, and keeps serving others meanwhile.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::serve::{client, strs, world_with_ca, write_ca_conf, Server};
use common::{assert_same, hostile_corpus, hostile_file, Hostile, World};

const CA: &str = "/puppet-ca/v1";

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

fn peers() -> bool {
    common::require_peer("curl") && common::require_peer("openssl")
}

/// A daemon world with autosign on and puppetserver's `ca.conf` allowing alt names.
fn hostile_world() -> World {
    let world = world_with_ca("autosign = true\n");
    write_ca_conf(
        &world,
        "certificate-authority: {\n    allow-subject-alt-names: true\n}\n",
    );
    world
}

/// The name (percent-encoded for the path) an agent would submit each file under: its CN where
/// it has one, else the file's stem.
fn url_name(file: &str) -> String {
    let stem = file.trim_end_matches(".pem");
    match file {
        "traversal.pem" => "..%2Fx".into(),
        "traversal-dots.pem" => "%2E%2E".into(),
        "nul.pem" => "nul.test%00x".into(),
        "unicode.pem" => "n%C3%B6de.example.com".into(),
        "upper-case.pem" => "Node.Example.com".into(),
        "ca.pem" => "ca".into(),
        "ca-upper.pem" => "CA".into(),
        "two-cns.pem" => "a.test".into(),
        "name-300.pem" => "a".repeat(300),
        "garbage.pem" | "malformed.pem" | "truncated.pem" | "no-cn.pem" | "oversized.pem"
        | "sans-10000.pem" | "name-64k.pem" => stem.into(),
        _ => format!("{stem}.test"),
    }
}

/// Whether the daemon refuses `file` for its size (the 64 KiB body limit, a 413) before the
/// CA sees it: the table's message is the CLI's, the daemon's names the same limit.
fn too_large(path: &Path) -> bool {
    std::fs::metadata(path).unwrap().len() > 64 * 1024
}

fn assert_ca_chosen_extensions(world: &World, file: &str, cert: &Path) {
    let text = world.x509_text(cert);
    assert!(text.contains("CA:FALSE"), "{file}: not CA:FALSE:\n{text}");
    for line in text.lines().map(str::trim) {
        let unnamed = line.ends_with(':')
            && line.split('.').count() > 3
            && line
                .trim_end_matches(':')
                .split('.')
                .all(|p| p.parse::<u32>().is_ok());
        assert!(!unnamed, "{file}: unknown extension {line}\n{text}");
        let heading_line = line.starts_with("X509v3 ") && line != "X509v3 extensions:";
        if heading_line || line.starts_with("Netscape ") {
            let heading = line.trim_end_matches(": critical").trim_end_matches(':');
            assert!(
                CA_CHOSEN.contains(&heading),
                "{file}: extension the CA did not choose: {line}\n{text}"
            );
        }
    }
}

#[test]
fn hostile_csrs_are_refused_with_the_message_or_signed_as_the_ca_chooses() {
    if !peers() {
        return;
    }
    let world = hostile_world();
    let server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let signed_json = world.path().join("signed.json");
    std::fs::write(&signed_json, r#"{"desired_state":"signed"}"#).unwrap();
    for (file, expected) in hostile_corpus() {
        let path = hostile_file(file);
        let name = url_name(file);
        let before = world.snapshot_ca();
        let (code, body) = server.send(
            "PUT",
            &format!("{CA}/certificate_request/{name}"),
            "text/plain",
            &path,
            &[],
        );
        let fragment = match expected {
            Hostile::RefusedAtSubmit(_) if too_large(&path) => {
                assert_eq!(code, 413, "{file}: {body}");
                assert!(body.contains("limit of 65536 bytes"), "{file}: {body:?}");
                assert_same(&before, &world.snapshot_ca(), file);
                continue;
            }
            Hostile::RefusedAtSubmit(fragment) => {
                assert_eq!(code, 400, "{file}: {body}");
                assert!(
                    body.contains(fragment),
                    "{file}: {body:?} lacks {fragment:?}"
                );
                assert!(body.lines().count() <= 1, "{file}: not one line: {body:?}");
                assert_same(&before, &world.snapshot_ca(), file);
                continue;
            }
            Hostile::RefusedAtSign(fragment) => fragment,
            Hostile::Signed => {
                assert_eq!(code, 200, "{file}: {body}");
                let (code, pem) = server.get(&format!("{CA}/certificate/{name}"), &[]);
                assert_eq!(code, 200, "{file}: {pem}");
                let served = world.path().join(format!("{name}.crt"));
                std::fs::write(&served, &pem).unwrap();
                assert_ca_chosen_extensions(&world, file, &served);
                let text = world.x509_text(&served);
                assert!(
                    text.contains("IP Address:10.0.0.1"),
                    "{file}: IP SAN lost:\n{text}"
                );
                continue;
            }
        };
        // Autosign said sign and the CA's policy refused: a 400 with the reason (as
        // puppetserver answers), the request left queued for an admin to look at.
        assert_eq!(code, 400, "{file}: {body}");
        assert!(
            body.contains(fragment),
            "{file}: {body:?} lacks {fragment:?}"
        );
        let queued = world.snapshot_ca();
        let request = format!("requests/{name}.pem");
        assert!(world.ca(&request).is_file(), "{file}: not queued");
        let changed: Vec<_> = queued
            .keys()
            .filter(|p| before.get(*p) != queued.get(*p))
            .collect();
        assert_eq!(
            changed,
            [Path::new(&request)],
            "{file}: more than the request written"
        );
        assert_eq!(
            server.get(&format!("{CA}/certificate/{name}"), &[]).0,
            404,
            "{file}: signed"
        );
        // An admin's explicit signing is refused alike, and writes nothing.
        let (code, body) = server.send(
            "PUT",
            &format!("{CA}/certificate_status/{name}"),
            "application/json",
            &signed_json,
            &strs(&admin),
        );
        assert_eq!(code, 409, "{file}: {body}");
        assert!(
            body.contains(fragment),
            "{file}: {body:?} lacks {fragment:?}"
        );
        assert_same(&queued, &world.snapshot_ca(), file);
    }
    let log = server.log_text();
    assert!(!log.contains("\" 500 "), "{log}");
    common::assert_store_ok(&world, "after the hostile corpus");
}

/// A TLS client of the daemon trusting the CA (rustls), without a client certificate.
fn tls_config(world: &World) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let chain = std::fs::read(world.ca("ca_crt.pem")).unwrap();
    for block in pem::parse_many(&chain).unwrap() {
        roots
            .add(rustls::pki_types::CertificateDer::from(
                block.contents().to_vec(),
            ))
            .unwrap();
    }
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Send `bytes` over a new TLS connection and read until the daemon closes: (status of the
/// first response, its body), status 0 when no response came.
fn raw(port: u16, config: &Arc<rustls::ClientConfig>, bytes: &[u8]) -> (u16, String) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let connection = rustls::ClientConnection::new(config.clone(), name).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    // The daemon may answer (413, 431) and close before taking everything: not an error.
    let _ = tls.write_all(bytes).and_then(|()| tls.flush());
    let mut response = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match tls.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // No close_notify, a reset after an early answer: what came is the answer.
            Err(_) => break,
        }
    }
    parse_response(&response)
}

fn parse_response(response: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(response);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A one-shot request (`Connection: close`).
fn request(method: &str, path: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    if !body.is_empty() || method == "PUT" || method == "POST" {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The daemon answers its health check (through curl, a separate client).
fn assert_serving(server: &Server, what: &str) {
    let (code, body) = server.get("/status/v1/simple", &["--max-time", "5"]);
    assert_eq!((code, body.as_str()), (200, "running"), "{what}");
}

#[test]
fn hostile_http_gets_4xx_writes_nothing_and_never_stops_the_daemon() {
    if !peers() {
        return;
    }
    let world = hostile_world();
    let server = Server::start(&world, &[]);
    let config = tls_config(&world);
    let port = server.port;
    let csr = std::fs::read(world.openssl_csr("victim.test", &[])).unwrap();
    let before = world.snapshot_ca();
    let send = |bytes: &[u8]| raw(port, &config, bytes);
    let csr_header = || vec!["Content-Type: text/plain".to_string()];
    let json_header = || vec!["Content-Type: application/json".to_string()];

    // (what, bytes, acceptable statuses)
    let mut cases: Vec<(&str, Vec<u8>, Vec<u16>)> = vec![
        (
            "oversized body, declared",
            {
                // Declared, not sent: the daemon must answer from the header alone.
                let mut bytes = request(
                    "PUT",
                    &format!("{CA}/certificate_request/victim.test"),
                    &[
                        "Content-Type: text/plain".into(),
                        format!("Content-Length: {}", 200 * 1024),
                    ],
                    b"",
                );
                bytes.truncate(bytes.len() - "Content-Length: 0\r\n\r\n".len());
                bytes.extend_from_slice(b"\r\nAAAA");
                bytes
            },
            vec![413],
        ),
        (
            "oversized body, chunked",
            {
                let mut bytes = format!(
                    "PUT {CA}/certificate_request/victim.test HTTP/1.1\r\nHost: x\r\n\
                     Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                )
                .into_bytes();
                for _ in 0..20 {
                    bytes.extend_from_slice(b"2000\r\n");
                    bytes.extend_from_slice(&[b'B'; 0x2000]);
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(b"0\r\n\r\n");
                bytes
            },
            // The daemon answers and closes before all is sent; the rest of the upload may
            // reset the connection before the answer is read (the log is checked below).
            vec![0, 413],
        ),
        (
            "JSON endpoint given text/plain",
            request(
                "POST",
                &format!("{CA}/sign"),
                &csr_header(),
                br#"{"certnames":["victim.test"]}"#,
            ),
            // Unauthenticated: refused before the body is looked at.
            vec![403, 415],
        ),
        (
            "CSR sent as application/json",
            request(
                "PUT",
                &format!("{CA}/certificate_request/other.test"),
                &json_header(),
                &csr,
            ),
            vec![400],
        ),
        (
            "CSR as a JSON document",
            request(
                "PUT",
                &format!("{CA}/certificate_request/victim2.test"),
                &json_header(),
                br#"{"csr":"-----BEGIN CERTIFICATE REQUEST-----"}"#,
            ),
            vec![400],
        ),
        (
            "content type garbage",
            request(
                "PUT",
                &format!("{CA}/certificate_request/victim3.test"),
                &["Content-Type: \u{1}\u{7f}/;;;==".to_string()],
                b"x",
            ),
            vec![400],
        ),
        (
            "..%2f traversal to the CA key",
            request("GET", &format!("{CA}/certificate/..%2fca_key"), &[], b""),
            vec![400],
        ),
        (
            "..%2f traversal in a submit",
            request(
                "PUT",
                &format!("{CA}/certificate_request/..%2f..%2fvictim.test"),
                &csr_header(),
                &csr,
            ),
            vec![400],
        ),
        (
            "literal ../ in the path",
            request(
                "GET",
                &format!("{CA}/certificate/../../ca_key.pem"),
                &[],
                b"",
            ),
            vec![404],
        ),
        (
            "%2e%2e segment",
            request("GET", &format!("{CA}/certificate_request/%2e%2e"), &[], b""),
            vec![400],
        ),
        (
            "bad percent-encoding",
            request("GET", &format!("{CA}/certificate/%zz%"), &[], b""),
            vec![400],
        ),
        (
            "percent-encoded NUL",
            request("GET", &format!("{CA}/certificate/a%00b"), &[], b""),
            vec![400],
        ),
        (
            "raw NUL in the path",
            request("GET", &format!("{CA}/certificate/a\0b"), &[], b""),
            vec![400],
        ),
        (
            "invalid UTF-8 in the path",
            {
                let mut bytes = format!("GET {CA}/certificate/").into_bytes();
                bytes.extend_from_slice(b"\xff\xfe HTTP/1.1\r\nConnection: close\r\n\r\n");
                bytes
            },
            vec![400],
        ),
        (
            "100 KiB path",
            request(
                "GET",
                &format!("{CA}/certificate/{}", "a".repeat(100 * 1024)),
                &[],
                b"",
            ),
            // The daemon answers once it has 64 KiB and closes: the unread rest may reset the
            // connection before the answer is read (the in-process test sees the answer).
            vec![0, 400, 414, 431],
        ),
        (
            "10 KiB name in the path",
            request(
                "GET",
                &format!("{CA}/certificate/{}", "a".repeat(10 * 1024)),
                &[],
                b"",
            ),
            vec![400, 404],
        ),
        (
            "100 KiB header",
            request(
                "GET",
                "/status/v1/simple",
                &[format!("X-Long: {}", "h".repeat(100 * 1024))],
                b"",
            ),
            vec![0, 431],
        ),
        (
            "200 headers",
            request(
                "GET",
                "/status/v1/simple",
                &(0..200).map(|i| format!("X-{i}: y")).collect::<Vec<_>>(),
                b"",
            ),
            vec![431],
        ),
        (
            "10,000 headers",
            request(
                "GET",
                "/status/v1/simple",
                &(0..10_000).map(|i| format!("X-{i}: y")).collect::<Vec<_>>(),
                b"",
            ),
            vec![0, 431],
        ),
        (
            "garbage instead of HTTP",
            b"\x16\x03\x01\x00\x00garbage\r\n\r\n\0\0\0\xff".to_vec(),
            vec![400],
        ),
        (
            "HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            vec![0, 400, 505],
        ),
        (
            "conflicting lengths",
            b"PUT /puppet-ca/v1/certificate_request/x.test HTTP/1.1\r\nContent-Length: 5\r\n\
              Content-Length: 7\r\nConnection: close\r\n\r\nabcdefg"
                .to_vec(),
            vec![400],
        ),
        (
            "unknown method",
            request("BREW", &format!("{CA}/certificate/ca"), &[], b""),
            vec![405],
        ),
        (
            "absolute-form URI elsewhere",
            request("GET", "http://evil.example/../../etc/passwd", &[], b""),
            vec![404],
        ),
        (
            "bad state query",
            request(
                "GET",
                &format!("{CA}/certificate_statuses/x?state=%00"),
                &[],
                b"",
            ),
            vec![403],
        ),
    ];
    for (what, bytes, allowed) in cases.drain(..) {
        let started = Instant::now();
        let (code, body) = send(&bytes);
        assert!(
            allowed.contains(&code),
            "{what}: {code} (wanted one of {allowed:?}) {body:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{what}: took {:?}",
            started.elapsed()
        );
        assert_serving(&server, what);
    }

    // Not TLS at all: plain HTTP, and random bytes, to the TLS port.
    for junk in [
        &b"GET /status/v1/simple HTTP/1.1\r\n\r\n"[..],
        &[0u8; 4096][..],
        &b"\x16\x03\x01\xff\xff\x01\x00\xff\xfb"[..],
    ] {
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let _ = tcp.write_all(junk);
        let mut sink = Vec::new();
        let _ = tcp.read_to_end(&mut sink);
        assert_serving(&server, "after non-TLS bytes");
    }

    // Slowloris: handshakes left after the client hello, TLS connections with half a request
    // and idle TCP connections; the daemon keeps serving meanwhile and closes each in time.
    let mut hanging = Vec::new();
    for _ in 0..10 {
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut connection = rustls::ClientConnection::new(config.clone(), name).unwrap();
        connection.write_tls(&mut tcp).unwrap(); // the client hello, then silence
        hanging.push(tcp);
    }
    let mut half = Vec::new();
    for _ in 0..5 {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let connection = rustls::ClientConnection::new(config.clone(), name).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        // Half the headers, or all of them and part of the body.
        let bytes: &[u8] = if half.len() % 2 == 0 {
            b"PUT /puppet-ca/v1/certificate_request/slow.test HTTP/1.1\r\nHost: x\r\n"
        } else {
            b"PUT /puppet-ca/v1/certificate_request/slow.test HTTP/1.1\r\nHost: x\r\n\
              Content-Length: 5000\r\n\r\nshort"
        };
        tls.write_all(bytes).unwrap();
        tls.flush().unwrap();
        half.push(tls);
    }
    for _ in 0..10 {
        hanging.push(TcpStream::connect(("127.0.0.1", port)).unwrap());
    }
    let slow_started = Instant::now();
    assert_serving(&server, "with slow clients hanging");
    let (code, body) = server.send(
        "PUT",
        &format!("{CA}/certificate_request/enrolled.test"),
        "text/plain",
        &world.openssl_csr("enrolled.test", &[]),
        &[],
    );
    assert_eq!(
        code, 200,
        "an agent enrolls while slow clients hang: {body}"
    );

    // A flood of new connections, some sending garbage, while a client keeps checking.
    std::thread::scope(|scope| {
        let flood = scope.spawn(|| {
            for index in 0..300 {
                if let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", port)) {
                    if index % 3 == 0 {
                        let _ = tcp.write_all(b"\x16\x03\x01garbage");
                    }
                }
            }
        });
        for round in 0..5 {
            assert_serving(&server, &format!("during the flood ({round})"));
        }
        flood.join().unwrap();
    });
    assert_serving(&server, "after the flood");

    // Every hanging connection is closed by the daemon (handshake and header timeouts: 10 s).
    for mut tcp in hanging {
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut sink = Vec::new();
        if let Err(error) = tcp.read_to_end(&mut sink) {
            assert!(
                !matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "a hanging connection was not closed"
            );
        }
    }
    for mut tls in half {
        tls.sock
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut sink = Vec::new();
        if let Err(error) = tls.read_to_end(&mut sink) {
            assert!(
                !matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "a half request was not closed"
            );
        }
        let text = String::from_utf8_lossy(&sink);
        assert!(
            sink.is_empty() || text.starts_with("HTTP/1.1 4"),
            "a half request got {text:?}"
        );
    }
    let waited = slow_started.elapsed();
    assert!(
        waited < Duration::from_secs(20),
        "slow connections were kept for {waited:?}"
    );
    assert_serving(&server, "at the end");

    // Nothing but the one enrollment was written.
    let after = world.snapshot_ca();
    let changed: Vec<&std::path::PathBuf> = after
        .keys()
        .chain(before.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    let allowed = |p: &&&std::path::PathBuf| {
        let p = p.to_string_lossy();
        // `.serial.spare` is the inode `serial` is rewritten through (issue 14).
        p.contains("enrolled.test") || p == "serial" || p == ".serial.spare" || p == "inventory.txt"
    };
    let unexpected: Vec<_> = changed.iter().filter(|p| !allowed(p)).collect();
    assert!(
        unexpected.is_empty(),
        "written by hostile requests: {unexpected:?}"
    );
    let log = server.log_text();
    assert!(!log.contains("\" 500 "), "{log}");
    assert_eq!(
        log.matches("\"PUT /puppet-ca/v1/certificate_request/victim.test\" 413")
            .count(),
        2,
        "{log}"
    );
    common::assert_store_ok(&world, "after hostile HTTP");
}

/// The fuzz corpus of the HTTP request path (fuzz/corpus/http_request, kept by
/// `cargo fuzz run http_request`), replayed in-process through `cert::serve::harness` as the
/// fuzz target does: no input may make the daemon panic, hang or answer a 5xx. Any crash the
/// fuzzer finds lands here as a corpus file.
#[test]
fn fuzz_corpus_of_the_http_request_path_replays_without_5xx() {
    use cert::serve::harness::{Client, Harness};
    let world = World::with_config(common::serve::SERVE_CONFIG);
    world.ok(&["setup"]);
    let config = cert::ca::Config {
        cadir: world.cadir.clone(),
        store: cert::store::Location::Files(world.cadir.clone()),
        ssldir: world.ssldir.clone(),
        certname: "ca.test".into(),
        dns_alt_names: Vec::new(),
        ttl: cert::authority::DEFAULT_TTL,
        crl: cert::crl::Lifetime::default(),
        policy: Default::default(),
        allow_duplicate_certs: false,
        key: cert::keys::KeySpec::EcP256,
        server_key: None,
        ca_name: None,
        root_ca_name: None,
        infra_crl: false,
        autosign: cert::autosign::Autosign::Everything,
        autosign_options: cert::autosign::ProgramLimits::default(),
        autosign_tokens: true,
        renewal: Default::default(),
        admins: Vec::new(),
    };
    let harness = Harness::new(config).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/http_request");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "the corpus is missing: {}",
        corpus.display()
    );
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let Some((&selector, input)) = data.split_first() else {
            continue;
        };
        let client = match selector % 3 {
            0 => Client::Anonymous,
            1 => Client::Agent("agent.test".into()),
            _ => Client::Admin("ca.test".into()),
        };
        let response = harness
            .exchange(&client, input)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let (code, body) = parse_response(&response);
        assert!(code < 500, "{}: {code} {body}", file.display());
    }
    // The seeds include a valid request and an admin's revocation: the harness really reached
    // the CA.
    let (code, body) = parse_response(
        &harness
            .exchange(
                &Client::Anonymous,
                b"GET /puppet-ca/v1/certificate/ca HTTP/1.1\r\nHost: x\r\n\r\n",
            )
            .unwrap(),
    );
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("BEGIN CERTIFICATE"), "{body}");
    let (code, _) = parse_response(
        &harness
            .exchange(
                &Client::Anonymous,
                b"GET /puppet-ca/v1/certificate/a\0b HTTP/1.1\r\n\r\n",
            )
            .unwrap(),
    );
    assert_eq!(code, 400);
    // A head over the 64 KiB limit is a 431 however the bytes arrive (hyper's read buffer
    // alone overshoots it: `max_header_size` caps it).
    let long = format!(
        "GET /status/v1/simple HTTP/1.1\r\nX-Long: {}\r\n\r\n",
        "h".repeat(100 * 1024)
    );
    let (code, _) = parse_response(
        &harness
            .exchange(&Client::Anonymous, long.as_bytes())
            .unwrap(),
    );
    assert_eq!(code, 431);
    // Issue 12's seeds: the daemon's own certificate is not cleaned or revoked over HTTP, and
    // renewal is off by default.
    let admin = Client::Admin("ca.test".into());
    let clean =
        b"PUT /puppet-ca/v1/clean HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 25\r\n\r\n{\"certnames\":[\"ca.test\"]}";
    let (code, body) = parse_response(&harness.exchange(&admin, clean).unwrap());
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("not cleaned over HTTP"), "{body}");
    let renew = b"POST /puppet-ca/v1/certificate_renewal HTTP/1.1\r\nHost: x\r\n\r\n";
    let agent = Client::Agent("agent.test".into());
    assert_eq!(
        parse_response(&harness.exchange(&agent, renew).unwrap()),
        (404, "Not Found".to_owned())
    );
    assert!(world.ca("signed/ca.test.pem").is_file());
    common::assert_store_ok(&world, "after the fuzz corpus");
}
