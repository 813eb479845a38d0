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
    tls: Tls,
}

/// The TLS settings of a [`DatabaseUrl`]: what `super::tls` makes the rustls configuration of.
struct Tls {
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
        let parameters = Parameters::read(query).map_err(bad)?;
        let tls = parameters.tls().map_err(bad)?;
        let config = parameters.config(base).map_err(bad)?;
        Ok(DatabaseUrl {
            parsed: Arc::new(Parsed {
                given: text.to_owned(),
                shown,
                config,
                tls,
            }),
        })
    }

    /// What the client connects with.
    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.parsed.config
    }

    /// The TLS mode.
    pub fn ssl_mode(&self) -> SslMode {
        self.parsed.tls.ssl_mode
    }

    /// `sslrootcert`: the CA certificates the server's chain is checked against.
    pub fn root_certificate(&self) -> Option<&PathBuf> {
        self.parsed.tls.root_certificate.as_ref()
    }

    /// `sslcert` and `sslkey`: this client's certificate and key, when the server asks.
    pub fn client_certificate(&self) -> Option<&(PathBuf, PathBuf)> {
        self.parsed.tls.client_certificate.as_ref()
    }
}

/// The parameters of a URL's query, sorted by who handles them: tokio-postgres (`passed`, as
/// written) or this file (the rest). Errors are the reason alone, for [`DatabaseUrl::parse`]
/// to name the URL.
struct Parameters<'a> {
    /// The `key=value` pairs tokio-postgres is given, as they were written.
    passed: Vec<&'a str>,
    /// The name of every parameter given (decoded): a default never replaces one.
    given: Vec<String>,
    ssl_mode: SslMode,
    root_certificate: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    target: TargetSessionAttrs,
}

impl<'a> Parameters<'a> {
    /// Read the `&`-separated pairs of `query`; an unknown parameter, or a value this client
    /// cannot honour, is refused by name.
    fn read(query: &'a str) -> Result<Parameters<'a>, String> {
        let mut parameters = Parameters {
            passed: Vec::new(),
            given: Vec::new(),
            ssl_mode: SslMode::Prefer,
            root_certificate: None,
            client_cert: None,
            client_key: None,
            target: TargetSessionAttrs::ReadWrite,
        };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("parameter {pair:?} has no value"))?;
            let key = decode(key)?;
            let value = decode(value)?;
            parameters.given.push(key.clone());
            parameters.take(&key, value, pair)?;
        }
        Ok(parameters)
    }

    /// Take one parameter, `key` and its decoded `value`, written as `pair`.
    fn take(&mut self, key: &str, value: String, pair: &'a str) -> Result<(), String> {
        match key {
            "sslmode" => self.ssl_mode = ssl_mode(&value)?,
            "sslrootcert" if value == "system" => {
                return Err(
                    "sslrootcert=system is not supported: give the path of the CA \
                     certificates that signed the server's certificate"
                        .into(),
                )
            }
            "sslrootcert" => self.root_certificate = Some(PathBuf::from(value)),
            "sslcert" => self.client_cert = Some(PathBuf::from(value)),
            "sslkey" => self.client_key = Some(PathBuf::from(value)),
            "sslnegotiation" if value == "postgres" => {}
            "sslnegotiation" => {
                return Err(format!(
                    "sslnegotiation={value} is not supported: only postgres"
                ))
            }
            "target_session_attrs" => self.target = target_session_attrs(&value)?,
            known if PASSED.contains(&known) => self.passed.push(pair),
            unknown => {
                return Err(format!(
                    "parameter {unknown} is not supported by cert's PostgreSQL client; \
                     supported: {}",
                    supported().join(", ")
                ))
            }
        }
        Ok(())
    }

    /// The TLS settings, refused when they do not go together.
    fn tls(&self) -> Result<Tls, String> {
        let client_certificate = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
            (None, None) => None,
            _ => return Err("sslcert and sslkey must be given together".into()),
        };
        if matches!(self.ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull)
            && self.root_certificate.is_none()
        {
            return Err(
                "sslmode=verify-ca and verify-full need sslrootcert=PATH (the CA certificates \
                 that signed the server's certificate)"
                    .into(),
            );
        }
        if self.ssl_mode == SslMode::Disable
            && (self.root_certificate.is_some() || client_certificate.is_some())
        {
            return Err(
                "sslmode=disable with sslrootcert, sslcert or sslkey: remove them or use TLS"
                    .into(),
            );
        }
        Ok(Tls {
            ssl_mode: self.ssl_mode,
            root_certificate: self.root_certificate.clone(),
            client_certificate,
        })
    }

    /// The client's configuration: `base` (the URL before its query) with the parameters
    /// passed on, parsed by tokio-postgres; then what this file handles, and the defaults for
    /// what the URL leaves out.
    fn config(&self, base: &str) -> Result<tokio_postgres::Config, String> {
        let rebuilt = if self.passed.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", self.passed.join("&"))
        };
        // tokio-postgres's message names the part, never the password.
        let mut config: tokio_postgres::Config = rebuilt
            .parse()
            .map_err(|e: tokio_postgres::Error| e.to_string())?;
        if config.get_hosts().is_empty() {
            return Err("no host: write postgresql://USER@HOST/DATABASE".into());
        }
        if config.get_dbname().is_none() {
            return Err("no database name: write postgresql://USER@HOST/DATABASE".into());
        }
        if config.get_user().is_none() {
            return Err("no user: write postgresql://USER@HOST/DATABASE".into());
        }
        if config.get_password().is_none() {
            // As libpq: the password may come from the environment instead of the URL.
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        config.ssl_mode(match self.ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        config.target_session_attrs(self.target);
        self.default_timeouts(&mut config);
        Ok(config)
    }

    /// The short timeouts, the keepalives and the application name, where not given.
    fn default_timeouts(&self, config: &mut tokio_postgres::Config) {
        let set = |name: &str| self.given.iter().any(|given| given == name);
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
    }
}

/// `sslmode=value`.
fn ssl_mode(value: &str) -> Result<SslMode, String> {
    match value {
        "disable" => Ok(SslMode::Disable),
        "prefer" => Ok(SslMode::Prefer),
        "require" => Ok(SslMode::Require),
        "verify-ca" => Ok(SslMode::VerifyCa),
        "verify-full" => Ok(SslMode::VerifyFull),
        other => Err(format!(
            "sslmode={other} is not supported: use disable, prefer, require, verify-ca or \
             verify-full"
        )),
    }
}

/// `target_session_attrs=value`: only those under which a CA node can write.
fn target_session_attrs(value: &str) -> Result<TargetSessionAttrs, String> {
    match value {
        "read-write" | "primary" => Ok(TargetSessionAttrs::ReadWrite),
        "any" => Ok(TargetSessionAttrs::Any),
        other => Err(format!(
            "target_session_attrs={other} cannot be used: a CA node writes; use read-write \
             (the default) or any"
        )),
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
