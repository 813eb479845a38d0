//! A small blocking HTTPS/1.1 client for the Puppet CA API: one request per connection
//! (`Connection: close`), rustls with the aws-lc-rs provider, no async runtime.
//!
//! Two trust modes: [`Trust::FirstContact`] accepts any server certificate (only for the first
//! `GET certificate/ca`, whose answer the caller pins by fingerprint), [`Trust::Pinned`] verifies
//! the server against the pinned CA certificates and the CA's CRLs with webpki, for every later
//! request. It owns the CA's address ([`CaServer`]), framing (Content-Length, chunked) and says
//! when a response is cut short; it knows nothing about certificates beyond the TLS handshake,
//! nor what the CA's answers mean (that is the agent's `api` module).

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{aws_lc_rs, CryptoProvider};
use rustls::{ClientConfig, ClientConnection, RootCertStore};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};

use crate::tls::AcceptAnyCertificate;

/// Largest response body accepted (a CRL chain with many entries fits easily).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// How long to wait for connecting, and for each read or write.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where the CA listens: `HOST[:PORT]` from `--ca_server`, `--server` or puppet.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaServer {
    /// Host name or IP address (the TLS server name).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl CaServer {
    /// Parse `HOST`, `HOST:PORT` or `[V6]:PORT`; `default_port` when no port is given.
    pub fn parse(text: &str, default_port: u16) -> Option<CaServer> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(port) => port.parse().ok()?,
                None if after.is_empty() => default_port,
                None => return None,
            };
            return Some(CaServer {
                host: host.to_owned(),
                port,
            });
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, port.parse().ok()?),
            _ => (text, default_port),
        };
        if host.is_empty() || host.contains(['/', ' ']) {
            return None;
        }
        Some(CaServer {
            host: host.to_owned(),
            port,
        })
    }
}

impl std::fmt::Display for CaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// How the server's certificate is checked.
pub enum Trust<'a> {
    /// Accept any certificate: the first fetch of the CA certificate, pinned by the caller.
    FirstContact,
    /// Verify against these CA certificates (DER) and CRLs, optionally presenting a client
    /// certificate.
    Pinned {
        /// The pinned CA certificates.
        ca: &'a [Vec<u8>],
        /// The CA's CRLs (DER): a revoked server certificate is refused, as a Puppet agent
        /// refuses it. Empty before the first CRL is fetched; every issuer in the chain needs
        /// one otherwise.
        crls: &'a [Vec<u8>],
        /// Client certificate chain (DER) and PKCS#8 key (DER), for `certificate_renewal`.
        client: Option<(Vec<Vec<u8>>, Vec<u8>)>,
    },
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// `GET`, `PUT`, `POST`.
    pub method: &'static str,
    /// The absolute path.
    pub path: String,
    /// Header names and values, besides the ones every request has.
    pub headers: Vec<(&'static str, String)>,
    /// The body, if any.
    pub body: Option<&'a [u8]>,
}

impl<'a> Request<'a> {
    /// `GET path`.
    pub fn get(path: String) -> Request<'a> {
        Request {
            method: "GET",
            path,
            headers: Vec::new(),
            body: None,
        }
    }

    /// `method path` with a `text/plain` body.
    pub fn text(method: &'static str, path: String, body: &'a [u8]) -> Request<'a> {
        Request {
            method,
            path,
            headers: vec![("Content-Type", "text/plain".into())],
            body: Some(body),
        }
    }

    /// The same request with one more header.
    pub fn header(mut self, name: &'static str, value: String) -> Request<'a> {
        self.headers.push((name, value));
        self
    }
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names (lower-case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, for messages (first line, at most 200 characters).
    pub fn body_line(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        line.trim().chars().take(200).collect()
    }
}

/// Why a request got no usable response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No TCP connection (refused, unresolvable, timed out).
    Connect(String),
    /// The TLS handshake failed because the server certificate does not verify.
    Certificate(String),
    /// The response is not HTTP.
    Malformed(String),
    /// The TLS session failed for another reason than the certificate (not a TLS server, ...).
    Tls(String),
    /// The connection closed before the response was complete.
    Truncated(String),
    /// Another TLS or I/O failure during the exchange.
    Transport(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Connect(r) => write!(f, "cannot connect: {r}"),
            HttpError::Certificate(r) => write!(f, "server certificate not trusted: {r}"),
            HttpError::Malformed(r) => write!(f, "not an HTTP response: {r}"),
            HttpError::Tls(r) => write!(f, "tls failed: {r}"),
            HttpError::Truncated(r) => write!(f, "truncated response: {r}"),
            HttpError::Transport(r) => write!(f, "connection failed: {r}"),
        }
    }
}

/// Send one request to `server` and read the whole response.
pub fn send(
    server: &CaServer,
    trust: &Trust<'_>,
    request: &Request<'_>,
) -> Result<Response, HttpError> {
    let config = client_config(trust)?;
    let name = ServerName::try_from(server.host.clone())
        .map_err(|_| HttpError::Connect(format!("{:?} is not a host name", server.host)))?;
    let connection = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let tcp = connect(server)?;
    let mut stream = rustls::StreamOwned::new(connection, tcp);

    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\nAccept: text/plain, application/json\r\nUser-Agent: cert-agent/{}\r\n",
        request.method,
        request.path,
        env!("CARGO_PKG_VERSION")
    );
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = request.body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(request.body.unwrap_or_default());
    stream.write_all(&out).map_err(io_error)?;
    stream.flush().map_err(io_error)?;

    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buffer[..n]);
                if raw.len() > MAX_BODY {
                    return Err(HttpError::Malformed("response is too large".into()));
                }
            }
            // A peer that closes without close_notify: framing below decides if it is whole.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(e) => {
                if raw.is_empty() {
                    return Err(io_error(e));
                }
                break;
            }
        }
    }
    parse_response(&raw)
}

fn connect(server: &CaServer) -> Result<TcpStream, HttpError> {
    let addresses = (server.host.as_str(), server.port)
        .to_socket_addrs()
        .map_err(|e| HttpError::Connect(format!("{}: {e}", server.host)))?;
    let mut last = format!("{} has no address", server.host);
    for address in addresses {
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(tcp) => {
                tcp.set_read_timeout(Some(TIMEOUT))
                    .and_then(|()| tcp.set_write_timeout(Some(TIMEOUT)))
                    .map_err(|e| HttpError::Connect(e.to_string()))?;
                return Ok(tcp);
            }
            Err(e) => last = format!("{address}: {e}"),
        }
    }
    Err(HttpError::Connect(last))
}

fn io_error(error: std::io::Error) -> HttpError {
    // rustls reports a failed certificate check as an InvalidData I/O error wrapping its error.
    if let Some(inner) = error.get_ref() {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return match tls {
                rustls::Error::InvalidCertificate(reason) => {
                    HttpError::Certificate(format!("{reason:?}").to_lowercase())
                }
                other => HttpError::Tls(other.to_string().to_lowercase()),
            };
        }
    }
    HttpError::Transport(error.to_string())
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

fn client_config(trust: &Trust<'_>) -> Result<ClientConfig, HttpError> {
    let tls = |e: rustls::Error| HttpError::Transport(e.to_string());
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls)?;
    match trust {
        Trust::FirstContact => Ok(builder
            .dangerous()
            // First contact: the caller pins what it gets.
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate::new(&provider())))
            .with_no_client_auth()),
        Trust::Pinned { ca, crls, client } => {
            let mut roots = RootCertStore::empty();
            for der in ca.iter() {
                roots
                    .add(CertificateDer::from(der.clone()))
                    .map_err(|e| HttpError::Certificate(format!("pinned CA certificate: {e}")))?;
            }
            let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .with_crls(
                    crls.iter()
                        .map(|der| CertificateRevocationListDer::from(der.clone())),
                )
                .build()
                .map_err(|e| HttpError::Certificate(format!("pinned CA and CRL: {e}")))?;
            let builder = builder.with_webpki_verifier(verifier);
            match client {
                None => Ok(builder.with_no_client_auth()),
                Some((chain, key)) => builder
                    .with_client_auth_cert(
                        chain.iter().cloned().map(CertificateDer::from).collect(),
                        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.clone())),
                    )
                    .map_err(tls),
            }
        }
    }
}

/// Split a raw HTTP/1.1 response into status, headers and a complete body.
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    if raw.is_empty() {
        return Err(HttpError::Truncated(
            "the server closed without answering".into(),
        ));
    }
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        if raw.starts_with(b"HTTP/") {
            return Err(HttpError::Truncated("the headers are incomplete".into()));
        }
        return Err(HttpError::Malformed("no HTTP status line".into()));
    };
    let head = std::str::from_utf8(&raw[..end])
        .map_err(|_| HttpError::Malformed("headers are not text".into()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Malformed(format!(
            "status line {:?}",
            status_line.chars().take(60).collect::<String>()
        )));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HttpError::Malformed(format!("status line {status_line:?}")))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| HttpError::Malformed(format!("header line {line:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some((_, length)) = headers.iter().find(|(n, _)| n == "content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| HttpError::Malformed(format!("content-length {length:?}")))?;
        if rest.len() < length {
            return Err(HttpError::Truncated(format!(
                "{} of {length} bytes of the body arrived",
                rest.len()
            )));
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, HttpError> {
    let cut = || HttpError::Truncated("the chunked body ends early".into());
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(cut)?;
        let size_text = std::str::from_utf8(&rest[..line_end])
            .map_err(|_| HttpError::Malformed("chunk size is not text".into()))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Malformed(format!("chunk size {size_text:?}")))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(cut());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_servers() {
        let e = |t| CaServer::parse(t, 8140);
        assert_eq!(e("puppet").unwrap().to_string(), "puppet:8140");
        assert_eq!(e("puppet:8141").unwrap().port, 8141);
        assert_eq!(e("127.0.0.1:99").unwrap().host, "127.0.0.1");
        assert_eq!(e("[::1]:8140").unwrap().host, "::1");
        assert_eq!(e("::1").unwrap().host, "::1");
        assert!(e("puppet:x").is_none());
        assert!(e("").is_none());
    }

    #[test]
    fn framing() {
        let ok = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").unwrap();
        assert_eq!((ok.status, ok.body.as_slice()), (200, &b"abc"[..]));
        let chunked =
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(chunked.body, b"abcde");
        assert!(matches!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nabc"),
            Err(HttpError::Truncated(_))
        ));
        assert!(matches!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab"),
            Err(HttpError::Truncated(_))
        ));
        assert!(matches!(
            parse_response(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(HttpError::Malformed(_))
        ));
        assert!(matches!(parse_response(b""), Err(HttpError::Truncated(_))));
    }
}
