//! The database's address: a libpq-style URL (`postgresql://user@host[:port][,host2[:port2]]
//! /dbname?param=value&...`), parsed once into what the client needs, with its password
//! hidden whenever it is shown.
//!
//! tokio-postgres parses the URL itself, but knows fewer parameters than libpq: `sslmode` only
//! up to `require`, no `sslrootcert`, `sslcert` or `sslkey`. Those are taken out here and
//! become the rustls configuration (`super::tls`); every other libpq parameter tokio-postgres
//! does not support is refused by name, so that a setting never silently does nothing. A CA
//! node writes, so `target_session_attrs` defaults to `read-write` (libpq's default is `any`),
//! and the timeouts default to short ones, so that a dead host is given up on quickly and the
//! next host of the URL tried.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::TargetSessionAttrs;

use crate::error::StoreError;

/// How long to wait for a host to accept a connection when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long sent data may stay unacknowledged before the connection is given up on, when the
/// URL does not say (Linux's `TCP_USER_TIMEOUT`).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);

/// Keepalives on idle connections (the listener's): first probe, interval, probes.
const KEEPALIVES: (Duration, Duration, u32) = (Duration::from_secs(5), Duration::from_secs(2), 3);

/// The parameters passed through to tokio-postgres, which supports them as libpq does.
const PASSED: [&str; 16] = [
    "application_name",
    "channel_binding",
    "connect_timeout",
    "dbname",
    "host",
    "hostaddr",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "load_balance_hosts",
    "options",
    "password",
    "port",
    "tcp_user_timeout",
    "user",
];

/// Parameters handled here rather than by tokio-postgres.
const OWN: [&str; 6] = [
    "sslcert",
    "sslkey",
    "sslmode",
    "sslnegotiation",
    "sslrootcert",
    "target_session_attrs",
];

/// libpq's `sslmode`, as far as rustls can do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, else plain TCP (libpq's default).
    Prefer,
    /// TLS, the server's certificate unchecked unless `sslrootcert` is given.
    Require,
    /// TLS, the server's chain checked against `sslrootcert`.
    VerifyCa,
    /// TLS, the chain checked and the host name matched.
    VerifyFull,
}

/// A parsed database URL (cheap to clone).
#[derive(Clone)]
pub struct DatabaseUrl {
    parsed: Arc<Parsed>,
}

/// What a [`DatabaseUrl`] holds.
struct Parsed {
    /// The URL as given (it may hold a password: never shown).
    given: String,
    /// The URL with its password replaced by `***`.
    shown: String,
    config: tokio_postgres::Config,
    ssl_mode: SslMode,
    root_certificate: Option<PathBuf>,
    client_certificate: Option<(PathBuf, PathBuf)>,
}

impl DatabaseUrl {
    /// Parse `text` (`postgresql://` or `postgres://`); the error names the URL with its
    /// password hidden.
    pub fn parse(text: &str) -> Result<DatabaseUrl, StoreError> {
        let shown = redact(text);
        let bad = |reason: String| StoreError::BadUrl {
            url: shown.clone(),
            reason,
        };
        if !is_database_url(text) {
            return Err(bad("not a postgresql:// or postgres:// URL".into()));
        }
        let (base, query) = text.split_once('?').unwrap_or((text, ""));
        let mut passed = Vec::new();
        let mut ssl_mode = SslMode::Prefer;
        let mut root_certificate = None;
        let mut client_cert = None;
        let mut client_key = None;
        let mut target = TargetSessionAttrs::ReadWrite;
        let mut given = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad(format!("parameter {pair:?} has no value")))?;
            let key = decode(key).map_err(&bad)?;
            let decoded = decode(value).map_err(&bad)?;
            given.push(key.clone());
            match key.as_str() {
                "sslmode" => {
                    ssl_mode = match decoded.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(bad(format!(
                                "sslmode={other} is not supported: use disable, prefer, \
                                 require, verify-ca or verify-full"
                            )))
                        }
                    }
                }
                "sslrootcert" if decoded == "system" => {
                    return Err(bad(
                        "sslrootcert=system is not supported: give the path of the CA \
                         certificates that signed the server's certificate"
                            .into(),
                    ))
                }
                "sslrootcert" => root_certificate = Some(PathBuf::from(decoded)),
                "sslcert" => client_cert = Some(PathBuf::from(decoded)),
                "sslkey" => client_key = Some(PathBuf::from(decoded)),
                "sslnegotiation" if decoded == "postgres" => {}
                "sslnegotiation" => {
                    return Err(bad(format!(
                        "sslnegotiation={decoded} is not supported: only postgres"
                    )))
                }
                "target_session_attrs" => {
                    target = match decoded.as_str() {
                        "read-write" | "primary" => TargetSessionAttrs::ReadWrite,
                        "any" => TargetSessionAttrs::Any,
                        other => {
                            return Err(bad(format!(
                                "target_session_attrs={other} cannot be used: a CA node \
                                 writes; use read-write (the default) or any"
                            )))
                        }
                    }
                }
                known if PASSED.contains(&known) => passed.push(pair),
                unknown => {
                    return Err(bad(format!(
                        "parameter {unknown} is not supported by cert's PostgreSQL client; \
                         supported: {}",
                        supported().join(", ")
                    )))
                }
            }
        }
        let client_certificate = match (client_cert, client_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err(bad("sslcert and sslkey must be given together".into())),
        };
        if matches!(ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull) && root_certificate.is_none()
        {
            return Err(bad(
                "sslmode=verify-ca and verify-full need sslrootcert=PATH (the CA certificates \
                 that signed the server's certificate)"
                    .into(),
            ));
        }
        if ssl_mode == SslMode::Disable
            && (root_certificate.is_some() || client_certificate.is_some())
        {
            return Err(bad(
                "sslmode=disable with sslrootcert, sslcert or sslkey: remove them or use TLS"
                    .into(),
            ));
        }
        let rebuilt = if passed.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        let mut config: tokio_postgres::Config =
            rebuilt.parse().map_err(|e: tokio_postgres::Error| {
                // tokio-postgres's message names the part, never the password.
                bad(e.to_string())
            })?;
        if config.get_hosts().is_empty() {
            return Err(bad("no host: write postgresql://USER@HOST/DATABASE".into()));
        }
        if config.get_dbname().is_none() {
            return Err(bad(
                "no database name: write postgresql://USER@HOST/DATABASE".into(),
            ));
        }
        if config.get_user().is_none() {
            return Err(bad("no user: write postgresql://USER@HOST/DATABASE".into()));
        }
        if config.get_password().is_none() {
            // As libpq: the password may come from the environment instead of the URL.
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        config.target_session_attrs(target);
        let set = |name: &str| given.iter().any(|g| g == name);
        if !set("connect_timeout") {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if !set("tcp_user_timeout") {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        if !set("keepalives_idle") {
            config.keepalives_idle(KEEPALIVES.0);
        }
        if !set("keepalives_interval") {
            config.keepalives_interval(KEEPALIVES.1);
        }
        if !set("keepalives_retries") {
            config.keepalives_retries(KEEPALIVES.2);
        }
        if !set("application_name") {
            config.application_name("cert");
        }
        Ok(DatabaseUrl {
            parsed: Arc::new(Parsed {
                given: text.to_owned(),
                shown,
                config,
                ssl_mode,
                root_certificate,
                client_certificate,
            }),
        })
    }

    /// What the client connects with.
    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.parsed.config
    }

    /// The TLS mode.
    pub fn ssl_mode(&self) -> SslMode {
        self.parsed.ssl_mode
    }

    /// `sslrootcert`: the CA certificates the server's chain is checked against.
    pub fn root_certificate(&self) -> Option<&PathBuf> {
        self.parsed.root_certificate.as_ref()
    }

    /// `sslcert` and `sslkey`: this client's certificate and key, when the server asks.
    pub fn client_certificate(&self) -> Option<&(PathBuf, PathBuf)> {
        self.parsed.client_certificate.as_ref()
    }
}

/// Whether `text` is a database URL (rather than a CA directory).
pub fn is_database_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

fn supported() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = PASSED.iter().chain(OWN.iter()).copied().collect();
    all.sort_unstable();
    all
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.parsed.shown)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.parsed.shown)
            .finish()
    }
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &DatabaseUrl) -> bool {
        self.parsed.given == other.parsed.given
    }
}

impl Eq for DatabaseUrl {}

/// `text` with the password of its user part (`user:PASSWORD@`) and of a `password=`
/// parameter replaced by `***`.
pub fn redact(text: &str) -> String {
    let (base, query) = match text.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (text, None),
    };
    let mut shown = match base.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let authority = match authority.rsplit_once('@') {
                Some((user, hosts)) => match user.split_once(':') {
                    Some((name, _)) => format!("{name}:***@{hosts}"),
                    None => format!("{user}@{hosts}"),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if decode(key).is_ok_and(|k| k == "password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&parameters.join("&"));
    }
    shown
}

/// Percent-decode a URL component.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding in {text:?}"))?;
            out.push(hex);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_several_hosts_and_hides_the_password() {
        let url = DatabaseUrl::parse(
            "postgresql://ca:s3cret@db1:5433,db2/puppetca?sslmode=verify-full&sslrootcert=/etc/root.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(
            url.to_string(),
            "postgresql://ca:***@db1:5433,db2/puppetca?sslmode=verify-full&sslrootcert=/etc/root.pem&connect_timeout=3"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        let config = url.config();
        assert_eq!(config.get_hosts().len(), 2);
        assert_eq!(config.get_ports(), [5433, 5432]);
        assert_eq!(config.get_dbname(), Some("puppetca"));
        assert_eq!(config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(
            config.get_target_session_attrs(),
            TargetSessionAttrs::ReadWrite
        );
        assert_eq!(url.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(
            url.root_certificate(),
            Some(&PathBuf::from("/etc/root.pem"))
        );
        assert_eq!(
            redact("postgres://u@h/d?password=x%20y&sslmode=disable"),
            "postgres://u@h/d?password=***&sslmode=disable"
        );
    }

    #[test]
    fn refuses_what_it_cannot_honour_by_name() {
        let reason = |text: &str| match DatabaseUrl::parse(text) {
            Err(StoreError::BadUrl { url, reason }) => {
                assert!(!url.contains("pw"), "{url}");
                reason
            }
            other => panic!("{text}: {other:?}"),
        };
        assert!(reason("postgresql://u:pw@h/d?passfile=/x")
            .contains("parameter passfile is not supported"));
        assert!(reason("postgresql://u:pw@h/d?sslmode=allow").contains("sslmode=allow"));
        assert!(reason("postgresql://u:pw@h/d?sslmode=verify-ca").contains("need sslrootcert"));
        assert!(
            reason("postgresql://u:pw@h/d?target_session_attrs=read-only")
                .contains("a CA node writes")
        );
        assert!(reason("postgresql://u:pw@h/d?sslcert=/c").contains("together"));
        assert!(reason("postgresql://u:pw@h").contains("no database name"));
        assert!(reason("mysql://u:pw@h/d").contains("not a postgresql://"));
        let plain = DatabaseUrl::parse("postgres://u@127.0.0.1:7/d?sslmode=disable").unwrap();
        assert_eq!(plain.ssl_mode(), SslMode::Disable);
        assert_eq!(plain.config().get_connect_timeout(), Some(&CONNECT_TIMEOUT));
    }
}
