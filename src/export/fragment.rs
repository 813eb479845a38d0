//! Config fragments for a TLS front end (a balancer before the masters, or a master's own front
//! end) in nginx, haproxy and apache, made to run unedited from an export bundle.
//!
//! Every fragment: listens with the host's certificate, asks for a client certificate without
//! requiring one, verifies it against the CA chain and every CRL of the chain, allows TLS 1.2
//! and 1.3 only with AEAD ciphers, drops client-sent copies of the headers, and passes the
//! verdict and the client's DN upstream as `X-Client-Verify` (`SUCCESS`, `NONE`, or a failure)
//! and `X-Client-DN`/`X-SSL-Subject` (RFC 2253, `CN=name`), which Puppet masters read. Every path
//! is under the target ssldir, so a bundle written to X with `--target-ssldir X` runs in place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::certname::Certname;
use crate::error::{Error, ExportError};

/// TLS 1.2 cipher suites: Mozilla's "intermediate" list (forward secrecy, AEAD; no RC4, 3DES,
/// CBC or export suites). TLS 1.3 suites are all fine and left to the library's defaults.
pub const CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

/// Puppet's port.
pub const DEFAULT_PORT: u16 = 8140;

/// Which TLS server the fragment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Apache httpd 2.4 with mod_ssl, mod_headers, mod_proxy.
    Apache,
    /// HAProxy 2.2 or later.
    Haproxy,
    /// nginx 1.13.5 or later.
    Nginx,
}

impl Server {
    /// The fragment's file name in the bundle's `server/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Server::Apache => "apache.conf",
            Server::Haproxy => "haproxy.cfg",
            Server::Nginx => "nginx.conf",
        }
    }
}

/// Where the front end listens: a port on every address, or one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// The address, `None` for every address.
    pub address: Option<String>,
    /// The port.
    pub port: u16,
}

impl Listen {
    /// `8140`, `127.0.0.1:8140` or `[::1]:8140`.
    pub fn parse(text: &str) -> Result<Listen, ExportError> {
        let bad = |reason: &'static str| ExportError::Listen {
            value: text.into(),
            reason,
        };
        if let Ok(port) = text.parse::<u16>() {
            return match port {
                0 => Err(bad("the port must be 1 to 65535")),
                _ => Ok(Listen {
                    address: None,
                    port,
                }),
            };
        }
        let (host, port) = host_port(text).map_err(bad)?;
        Ok(Listen {
            address: Some(host),
            port,
        })
    }

    fn address_port(&self, every: &str) -> String {
        format!("{}:{}", self.address.as_deref().unwrap_or(every), self.port)
    }
}

/// A master behind the front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Host name or address (IPv6 in brackets).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl Upstream {
    /// `HOST:PORT`.
    pub fn parse(text: &str) -> Result<Upstream, ExportError> {
        let (host, port) = host_port(text).map_err(|reason| ExportError::Upstream {
            value: text.into(),
            reason,
        })?;
        Ok(Upstream { host, port })
    }
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

fn host_port(text: &str) -> Result<(String, u16), &'static str> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or("expected HOST:PORT, as in puppet1.example.com:8141")?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or("the port must be 1 to 65535")?;
    let bracketed = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    let plain = !host.is_empty()
        && !host.contains(':')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let inner_ok = host
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']'));
    if !(plain || (bracketed && inner_ok)) {
        return Err("the host must be a DNS name, an IPv4 address or an IPv6 address in []");
    }
    Ok((host.to_string(), port))
}

/// Everything a fragment depends on besides the host's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentOptions {
    /// Which server.
    pub server: Server,
    /// The ssldir on the target, absolute.
    pub target_ssldir: PathBuf,
    /// Where to listen.
    pub listen: Listen,
    /// The masters, at least one.
    pub upstreams: Vec<Upstream>,
    /// Re-encrypt to the masters, with the host's certificate as client certificate.
    pub upstream_tls: bool,
}

impl FragmentOptions {
    /// Check the options: an absolute target ssldir that needs no quoting in any of the three
    /// config languages, and at least one upstream.
    pub fn new(
        server: Server,
        target_ssldir: &Path,
        listen: Listen,
        upstreams: Vec<Upstream>,
        upstream_tls: bool,
    ) -> Result<FragmentOptions, Error> {
        check_target_ssldir(target_ssldir)?;
        if upstreams.is_empty() {
            return Err(ExportError::NoUpstream.into());
        }
        Ok(FragmentOptions {
            server,
            target_ssldir: target_ssldir.to_path_buf(),
            listen,
            upstreams,
            upstream_tls,
        })
    }

    /// Whether the server wants the certificate and key in one file.
    pub fn needs_combined_pem(&self) -> bool {
        match self.server {
            Server::Haproxy => true,
            Server::Apache => self.upstream_tls,
            Server::Nginx => false,
        }
    }
}

/// A target ssldir must be absolute and free of characters that need quoting or escaping.
pub fn check_target_ssldir(path: &Path) -> Result<(), Error> {
    let text = path.to_string_lossy();
    let reason = if !path.is_absolute() {
        Some("it must be an absolute path")
    } else if text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "\"'`;#${}\\%".contains(c))
    {
        Some("server configs cannot hold spaces, quotes or any of ;#${}\\% in paths")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ExportError::TargetSsldir {
            path: text.into_owned(),
            reason,
        }
        .into()),
        None => Ok(()),
    }
}

/// `private_keys/NAME.combined.pem`: certificate then key, for haproxy and apache's proxy side.
pub fn combined_pem_path(name: &Certname) -> String {
    format!("private_keys/{}.combined.pem", name.as_str())
}

/// The paths a fragment names, on the target.
struct Paths {
    certificate: String,
    key: String,
    combined: String,
    ca: String,
    crl: String,
}

impl Paths {
    fn new(name: &Certname, target: &Path) -> Paths {
        let at = |relative: &str| target.join(relative).display().to_string();
        Paths {
            certificate: at(&format!("certs/{}", name.file_name())),
            key: at(&format!("private_keys/{}", name.file_name())),
            combined: at(&combined_pem_path(name)),
            ca: at("certs/ca.pem"),
            crl: at("crl.pem"),
        }
    }
}

/// The fragment text for `name`.
pub fn render(name: &Certname, options: &FragmentOptions) -> Result<String, Error> {
    check_target_ssldir(&options.target_ssldir)?;
    let paths = Paths::new(name, &options.target_ssldir);
    let id: String = format!("puppet_{}", name.as_str())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut text = header(name, options);
    text.push_str(&match options.server {
        Server::Apache => apache(name, options, &paths, &id),
        Server::Haproxy => haproxy(options, &paths, &id),
        Server::Nginx => nginx(name, options, &paths, &id),
    });
    Ok(text)
}

/// What the README says about installing the fragment.
pub fn install_notes(options: &FragmentOptions) -> String {
    let file = options.server.file_name();
    let mut text = match options.server {
        Server::Apache => format!(
            "server/{file}: a <VirtualHost> with its own Listen line. Enable the modules\n\
             (a2enmod ssl headers proxy proxy_http{}) and copy it to\n\
             /etc/apache2/sites-enabled/puppet.conf.\n",
            if options.upstreams.len() > 1 {
                " proxy_balancer lbmethod_byrequests slotmem_shm"
            } else {
                ""
            }
        ),
        Server::Haproxy => format!(
            "server/{file}: a frontend/backend pair. Load it beside the main config:\n\
             haproxy -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/puppet.cfg (on Debian, add the\n\
             second -f to CONFIG in /etc/default/haproxy). It uses\n\
             private_keys/NAME.combined.pem (certificate and key in one file).\n"
        ),
        Server::Nginx => format!(
            "server/{file}: include it inside http {{}}, e.g. copy it to\n\
             /etc/nginx/conf.d/puppet.conf.\n"
        ),
    };
    text.push_str(
        "Masters behind it must trust X-Client-Verify/X-Client-DN only from this host (for\n\
         puppetserver: allow-header-cert-info: true in webserver.conf, on a private port).\n",
    );
    if options.upstream_tls && options.server == Server::Nginx {
        let _ = writeln!(
            text,
            "nginx checks every master's certificate against the name {}: give the masters a\n\
             shared alt name and list it first in --upstream.",
            options.upstreams[0].host
        );
    }
    text
}

/// The comment lines every fragment starts with.
fn header(name: &Certname, options: &FragmentOptions) -> String {
    let (server, how) = match options.server {
        Server::Apache => (
            "Apache",
            "a <VirtualHost> with its Listen line (needs mod_ssl, mod_headers, mod_proxy, mod_proxy_http)",
        ),
        Server::Haproxy => (
            "HAProxy",
            "load it with -f beside the global and defaults sections",
        ),
        Server::Nginx => ("nginx", "include it inside http {}"),
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# {server} config for {name}, made by `cert export`: {how}.\n\
         # Files are read from {}. Client certificates are optional and checked\n\
         # against the CA and its CRLs; the result goes upstream in X-Client-Verify and X-Client-DN.",
        options.target_ssldir.display()
    );
    text
}

fn nginx(name: &Certname, options: &FragmentOptions, paths: &Paths, id: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "\nupstream {id} {{");
    for upstream in &options.upstreams {
        let _ = writeln!(text, "    server {upstream};");
    }
    let scheme = if options.upstream_tls {
        "https"
    } else {
        "http"
    };
    let _ = writeln!(
        text,
        "}}

server {{
    listen {listen} ssl;
    server_name {name};

    ssl_certificate        {certificate};
    ssl_certificate_key    {key};
    ssl_client_certificate {ca};
    ssl_crl                {crl};
    ssl_verify_client      optional;
    ssl_verify_depth       3;
    ssl_protocols          TLSv1.2 TLSv1.3;
    ssl_ciphers            {CIPHERS};
    ssl_prefer_server_ciphers off;

    # Catalogs, reports and file content can be large and slow.
    client_max_body_size   100m;

    location / {{
        proxy_pass         {scheme}://{id};
        proxy_http_version 1.1;
        proxy_read_timeout 300s;
        proxy_set_header   Host $host;
        proxy_set_header   X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header   X-Client-Verify $ssl_client_verify;
        proxy_set_header   X-Client-DN $ssl_client_s_dn;
        proxy_set_header   X-SSL-Subject $ssl_client_s_dn;
        proxy_set_header   X-Client-Cert $ssl_client_escaped_cert;",
        listen = options.listen.address_port("").trim_start_matches(':'),
        certificate = paths.certificate,
        key = paths.key,
        ca = paths.ca,
        crl = paths.crl,
    );
    if options.upstream_tls {
        let _ = writeln!(
            text,
            "        proxy_ssl_certificate         {certificate};
        proxy_ssl_certificate_key     {key};
        proxy_ssl_trusted_certificate {ca};
        proxy_ssl_crl                 {crl};
        proxy_ssl_verify              on;
        proxy_ssl_verify_depth        3;
        proxy_ssl_name                {host};
        proxy_ssl_server_name         on;
        proxy_ssl_protocols           TLSv1.2 TLSv1.3;",
            certificate = paths.certificate,
            key = paths.key,
            ca = paths.ca,
            crl = paths.crl,
            host = options.upstreams[0].host,
        );
    }
    text.push_str("    }\n}\n");
    text
}

fn haproxy(options: &FragmentOptions, paths: &Paths, id: &str) -> String {
    let mut text = String::new();
    let dn = "%[ssl_c_s_dn(,0,rfc2253)]";
    let _ = writeln!(
        text,
        "
frontend {id}
    mode http
    bind {listen} ssl crt {combined} ca-file {ca} crl-file {crl} verify optional ssl-min-ver TLSv1.2 ciphers {CIPHERS}
    timeout client 300s
    option forwardfor
    http-request del-header X-Client-Verify
    http-request del-header X-Client-DN
    http-request del-header X-SSL-Subject
    http-request set-header X-Client-Verify NONE unless {{ ssl_c_used }}
    http-request set-header X-Client-Verify SUCCESS if {{ ssl_c_used }} {{ ssl_c_verify 0 }}
    http-request set-header X-Client-Verify FAILED if {{ ssl_c_used }} !{{ ssl_c_verify 0 }}
    http-request set-header X-Client-DN \"{dn}\" if {{ ssl_c_used }}
    http-request set-header X-SSL-Subject \"{dn}\" if {{ ssl_c_used }}
    default_backend {id}_masters

backend {id}_masters
    mode http
    balance leastconn
    timeout connect 5s
    timeout server 300s",
        listen = options.listen.address_port(""),
        combined = paths.combined,
        ca = paths.ca,
        crl = paths.crl,
    );
    for (index, upstream) in options.upstreams.iter().enumerate() {
        let _ = write!(text, "    server master{} {upstream} check", index + 1);
        if options.upstream_tls {
            let host = upstream.host.trim_start_matches('[').trim_end_matches(']');
            let _ = write!(
                text,
                " ssl crt {} ca-file {} crl-file {} verify required verifyhost {host} sni str({host}) ssl-min-ver TLSv1.2",
                paths.combined, paths.ca, paths.crl
            );
        }
        text.push('\n');
    }
    text
}

fn apache(name: &Certname, options: &FragmentOptions, paths: &Paths, id: &str) -> String {
    let mut text = String::new();
    let listen = options.listen.address_port("");
    let listen = listen.trim_start_matches(':');
    let _ = writeln!(
        text,
        "
Listen {listen}
<VirtualHost {vhost}>
    ServerName {name}
    SSLEngine on
    SSLProtocol -all +TLSv1.2 +TLSv1.3
    SSLCipherSuite {CIPHERS}
    SSLHonorCipherOrder off
    SSLCertificateFile {certificate}
    SSLCertificateKeyFile {key}
    SSLCACertificateFile {ca}
    SSLCARevocationFile {crl}
    SSLCARevocationCheck chain
    SSLVerifyClient optional
    SSLVerifyDepth 3

    RequestHeader set X-Client-Verify \"%{{SSL_CLIENT_VERIFY}}s\"
    RequestHeader unset X-Client-DN
    RequestHeader unset X-SSL-Subject
    RequestHeader set X-Client-DN \"%{{SSL_CLIENT_S_DN}}s\" \"expr=-n %{{SSL_CLIENT_S_DN}}\"
    RequestHeader set X-SSL-Subject \"%{{SSL_CLIENT_S_DN}}s\" \"expr=-n %{{SSL_CLIENT_S_DN}}\"

    ProxyRequests Off
    ProxyPreserveHost On
    ProxyTimeout 300",
        vhost = options.listen.address_port("*"),
        certificate = paths.certificate,
        key = paths.key,
        ca = paths.ca,
        crl = paths.crl,
    );
    let scheme = if options.upstream_tls {
        "https"
    } else {
        "http"
    };
    if options.upstream_tls {
        let _ = writeln!(
            text,
            "    SSLProxyEngine on
    SSLProxyProtocol -all +TLSv1.2 +TLSv1.3
    SSLProxyMachineCertificateFile {}
    SSLProxyCACertificateFile {}
    SSLProxyCARevocationFile {}
    SSLProxyCARevocationCheck chain
    SSLProxyVerify require
    SSLProxyVerifyDepth 3",
            paths.combined, paths.ca, paths.crl
        );
    }
    if let [only] = options.upstreams.as_slice() {
        let _ = writeln!(
            text,
            "    ProxyPass / {scheme}://{only}/\n    ProxyPassReverse / {scheme}://{only}/"
        );
    } else {
        let _ = writeln!(text, "    <Proxy balancer://{id}>");
        for upstream in &options.upstreams {
            let _ = writeln!(text, "        BalancerMember {scheme}://{upstream}");
        }
        let _ = writeln!(
            text,
            "    </Proxy>\n    ProxyPass / balancer://{id}/\n    ProxyPassReverse / balancer://{id}/"
        );
    }
    text.push_str("</VirtualHost>\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(server: Server, upstream_tls: bool) -> FragmentOptions {
        FragmentOptions::new(
            server,
            Path::new("/srv/ssl"),
            Listen::parse("8140").unwrap(),
            vec![
                Upstream::parse("m1.example.com:8141").unwrap(),
                Upstream::parse("10.0.0.2:8141").unwrap(),
            ],
            upstream_tls,
        )
        .unwrap()
    }

    #[test]
    fn parses_listen_and_upstreams() {
        assert_eq!(
            Listen::parse("127.0.0.1:18140").unwrap(),
            Listen {
                address: Some("127.0.0.1".into()),
                port: 18140
            }
        );
        assert!(Listen::parse("0").is_err());
        assert!(Listen::parse("x").is_err());
        assert_eq!(Upstream::parse("[::1]:8141").unwrap().host, "[::1]");
        for bad in [
            "m1", "m1:", "m1:70000", ":80", "a b:80", "m1;x:80", "::1:80",
        ] {
            assert!(Upstream::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_paths_that_need_quoting_and_missing_upstreams() {
        for bad in ["relative/ssl", "/a b", "/a;b", "/a$b", "/a#b"] {
            assert!(check_target_ssldir(Path::new(bad)).is_err(), "{bad}");
        }
        let none = FragmentOptions::new(
            Server::Nginx,
            Path::new("/ssl"),
            Listen::parse("8140").unwrap(),
            Vec::new(),
            false,
        );
        assert!(none.is_err());
    }

    #[test]
    fn every_fragment_uses_the_target_paths_and_modern_tls() {
        let name = Certname::parse("lb.example.com").unwrap();
        for server in [Server::Apache, Server::Haproxy, Server::Nginx] {
            for tls in [false, true] {
                let text = render(&name, &options(server, tls)).unwrap();
                assert!(text.contains("/srv/ssl/certs/ca.pem"), "{text}");
                assert!(text.contains("/srv/ssl/crl.pem"), "{text}");
                assert!(text.contains("X-Client-Verify"), "{text}");
                assert!(text.contains("X-Client-DN"), "{text}");
                assert!(text.contains("X-SSL-Subject"), "{text}");
                assert!(text.contains("m1.example.com:8141"), "{text}");
                assert!(text.contains("10.0.0.2:8141"), "{text}");
                assert!(!text.contains("SSLv3") && !text.contains("RC4"), "{text}");
                assert!(text.contains("TLSv1.2"), "{text}");
                assert!(
                    !text.contains("TLSv1.1") && !text.contains("TLSv1 "),
                    "{text}"
                );
                assert_eq!(text.contains("https://"), tls && server != Server::Haproxy);
            }
        }
    }
}
