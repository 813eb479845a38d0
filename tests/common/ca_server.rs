//! A tiny Puppet CA server for the agent tests: HTTPS (rustls) on a loopback port, std threads,
//! one request per connection, serving the agent's part of the CA API v1 from a CA directory
//! made by the `cert` binary, through the `cert` library (so `cert --sign` and `cert --revoke`
//! on the same cadir act on what it serves). It stands in for `cert serve`, which is built
//! elsewhere. [`Behaviour`] switches it into the broken servers of the bad-input tests.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use cert::ca::{Ca, Config};
use cert::certname::Certname;
use cert::keys::PrivateKey;
use cert::settings::{self, Environment, Overrides};
use rustls::crypto::aws_lc_rs;
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// As puppetserver does.
    Normal,
    /// Every request gets 404 with an HTML body (a web server, not a CA).
    NotACa,
    /// `GET certificate_revocation_list/ca` serves a CRL whose nextUpdate is past.
    ExpiredCrl,
    /// `GET certificate/NAME` announces more body than it sends.
    TruncatedCertificate,
}

/// A running server; stops when dropped.
pub struct CaServer {
    pub port: u16,
    pub behaviour: Arc<Mutex<Behaviour>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CaServer {
    /// Serve the CA in `cadir` with the TLS identity `name` from `ssldir` (made by
    /// `cert setup --certname NAME`), reading `config` (puppet.conf) per request.
    pub fn start(cadir: &Path, ssldir: &Path, config: &Path, name: &str) -> CaServer {
        let chain_pem = std::fs::read(ssldir.join("certs").join(format!("{name}.pem")))
            .expect("server certificate");
        let ca_pem = std::fs::read(cadir.join("ca_crt.pem")).expect("ca bundle");
        let key_pem = std::fs::read(ssldir.join("private_keys").join(format!("{name}.pem")))
            .expect("server key");
        let key = PrivateKey::from_pem("server key", &key_pem).expect("key");
        let pkcs8 = key.openssl().private_key_to_pkcs8().expect("pkcs8");
        let mut chain = Vec::new();
        for pem in [&chain_pem, &ca_pem] {
            for der in cert::certificate::pem_chain("server chain", pem, "CERTIFICATE").unwrap() {
                chain.push(CertificateDer::from(der));
            }
        }
        let tls = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8)))
            .expect("server tls config");
        let tls = Arc::new(tls);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let behaviour = Arc::new(Mutex::new(Behaviour::Normal));
        let world = Served {
            cadir: cadir.to_path_buf(),
            ssldir: ssldir.to_path_buf(),
            config: config.to_path_buf(),
            behaviour: behaviour.clone(),
        };
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        let tls = tls.clone();
                        let world = world.clone();
                        std::thread::spawn(move || {
                            let _ = serve_one(tcp, tls, &world);
                        });
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        });
        CaServer {
            port,
            behaviour,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`... as the agent's `--server` wants it, with the TLS name `host`.
    pub fn address(&self, host: &str) -> String {
        format!("{host}:{}", self.port)
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }
}

impl Drop for CaServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[derive(Clone)]
struct Served {
    cadir: PathBuf,
    ssldir: PathBuf,
    config: PathBuf,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl Served {
    fn ca(&self) -> Ca {
        let overrides = Overrides {
            config: Some(self.config.clone()),
            ssldir: Some(self.ssldir.clone()),
            cadir: Some(self.cadir.clone()),
            certname: None,
            autosign: None,
            store: None,
        };
        let settings = settings::load(&overrides, &Environment::current()).expect("settings");
        Ca::open(Config::from_settings(&settings).expect("config")).expect("open CA")
    }
}

fn serve_one(tcp: TcpStream, tls: Arc<ServerConfig>, world: &Served) -> std::io::Result<()> {
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let connection = ServerConnection::new(tls).map_err(std::io::Error::other)?;
    let mut stream = StreamOwned::new(connection, tcp);
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head_end, length) = loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        raw.extend_from_slice(&buffer[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while raw.len() < head_end + length {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..n]);
    }
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let body = &raw[head_end..];
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let behaviour = *world.behaviour.lock().unwrap();
    let (status, text, bytes, declared) = respond(world, behaviour, &method, &path, body);
    let mut out = format!(
        "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        declared.unwrap_or(bytes.len())
    )
    .into_bytes();
    out.extend_from_slice(&bytes);
    stream.write_all(&out)?;
    stream.flush()?;
    stream.conn.send_close_notify();
    let _ = stream.flush();
    Ok(())
}

type Answer = (u16, &'static str, Vec<u8>, Option<usize>);

fn respond(world: &Served, behaviour: Behaviour, method: &str, path: &str, body: &[u8]) -> Answer {
    let ok = |bytes: Vec<u8>| (200, "OK", bytes, None);
    let not_found = |what: String| (404, "Not Found", what.into_bytes(), None);
    if behaviour == Behaviour::NotACa {
        return (
            404,
            "Not Found",
            b"<html><body>Not Found</body></html>".to_vec(),
            None,
        );
    }
    let Some(rest) = path.strip_prefix("/puppet-ca/v1/") else {
        return not_found(format!("no route {path}"));
    };
    let (endpoint, name) = rest.split_once('/').unwrap_or((rest, ""));
    match (method, endpoint, name) {
        ("GET", "certificate", "ca") => ok(std::fs::read(world.cadir.join("ca_crt.pem")).unwrap()),
        ("GET", "certificate_revocation_list", "ca") if behaviour == Behaviour::ExpiredCrl => {
            ok(expired_crl_chain(world))
        }
        ("GET", "certificate_revocation_list", "ca") => {
            ok(std::fs::read(world.cadir.join("ca_crl.pem")).unwrap())
        }
        ("GET", "certificate", name) => {
            match std::fs::read(world.cadir.join("signed").join(format!("{name}.pem"))) {
                Ok(pem) if behaviour == Behaviour::TruncatedCertificate => {
                    let declared = pem.len();
                    (200, "OK", pem[..declared / 2].to_vec(), Some(declared))
                }
                Ok(pem) => ok(pem),
                Err(_) => not_found(format!("Could not find certificate {name}")),
            }
        }
        ("PUT", "certificate_request", name) => {
            let Ok(certname) = Certname::parse(name) else {
                return (400, "Bad Request", b"bad name".to_vec(), None);
            };
            let ca = world.ca();
            let enrolled = ca.receive(certname, body.to_vec()).and_then(|received| {
                let now = time::OffsetDateTime::now_utc();
                ca.enroll(vec![received], now).remove(0)
            });
            match enrolled {
                Ok(_) => ok(Vec::new()),
                Err(error) => (400, "Bad Request", error.to_string().into_bytes(), None),
            }
        }
        _ => not_found(format!("no route {method} {path}")),
    }
}

/// The CA's CRL chain with the issuing CA's CRL replaced by one that expired yesterday.
fn expired_crl_chain(world: &Served) -> Vec<u8> {
    let ca = world.ca();
    let crls = ca.crls().expect("crls");
    let now = time::OffsetDateTime::now_utc();
    let expired = cert::crl::Crl::sign(
        ca.authority(),
        crls[0].number.unwrap_or(0) + 1,
        now - time::Duration::days(2),
        std::time::Duration::from_secs(24 * 3600),
        &crls[0].revoked,
    )
    .expect("sign CRL");
    let mut pem = expired.to_pem().into_bytes();
    for crl in &crls[1..] {
        pem.extend_from_slice(crl.to_pem().as_bytes());
    }
    pem
}
