//! The resolver: a parsed puppet.conf, overrides and a layout into typed [`Settings`].
//!
//! Owns section precedence for a server or an agent run ([`Run`]), the order in which a value is
//! taken (override, then puppet.conf, then default), `$variable` interpolation with cycle
//! detection, and turning each raw value into its type exactly once (ports, booleans, durations,
//! [`KeyType`], [`Autosign`]). It does not parse puppet.conf lines ([`super::conf`]) nor know
//! the layouts' directories ([`super::layout`]). The only disk access is the `$ssldir/ca` check
//! and, for an `autosign` path, whether it is an executable ([`Autosign::from_setting`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::autosign::Autosign;
use crate::error::{BadValueReason, SettingsError, StoreError};
use crate::keys::KeyType;
use crate::store::Location as StoreLocation;

use super::conf::{is_word, is_word_char};
use super::layout::Value;
use super::{DirectoryLayout, Location, Overrides, PuppetConf, Section, Settings};

/// Which side's section precedence applies: Puppet reads puppet.conf by run mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// An agent run: `[agent]`, then `[main]`.
    Agent,
    /// A CA or server run: `[server]`, then its old name `[master]`, then `[main]`.
    Server,
}

impl Run {
    /// The sections consulted, most important first.
    pub fn sections(self) -> &'static [Section] {
        match self {
            Run::Agent => &[Section::Agent, Section::Main],
            Run::Server => &[Section::Server, Section::Master, Section::Main],
        }
    }
}

/// Turns a parsed puppet.conf into [`Settings`]; the only disk access is the `$ssldir/ca` check
/// and whether an `autosign` path is executable.
///
/// `cadir`: the override, else puppet.conf, else `$ssldir/ca` when that is a directory (or a
/// symlink to one), else the layout's puppetserver CA directory.
pub fn resolve(
    run: Run,
    location: Location,
    conf: PuppetConf,
    overrides: &Overrides,
    env: &super::Environment,
) -> Result<Settings, SettingsError> {
    let text = |path: &PathBuf| path.to_string_lossy().into_owned();
    let fixed = [
        ("confdir", Some(text(&location.confdir))),
        ("ssldir", overrides.ssldir.as_ref().map(text)),
        ("cadir", overrides.cadir.as_ref().map(text)),
        ("certname", overrides.certname.clone()),
        ("autosign", overrides.autosign.clone()),
        ("ca_store", overrides.store.clone()),
    ];
    let fixed = fixed
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)));
    let mut resolver = Resolver {
        conf: &conf,
        sections: run.sections(),
        layout: &location.layout,
        fqdn: env.fqdn.to_lowercase(),
        fixed: fixed.collect(),
        done: HashMap::new(),
        stack: Vec::new(),
    };
    let r = &mut resolver;
    // Checked first, so these are the errors reported when several values are bad.
    let autosign = r.parsed("autosign", autosign)?;
    let key_type = r.parsed("key_type", key_type_value)?;
    let server_key_type = r.parsed("server_key_type", key_type_value)?;
    let serverport = match r.value("serverport")? {
        Some(value) => Some(port("serverport", &value)?),
        None => r.parsed("masterport", port)?,
    };
    Ok(Settings {
        run,
        layout: location.layout.clone(),
        config_file: location.config_file.clone(),
        confdir: r.path("confdir")?,
        vardir: r.path("vardir")?,
        ssldir: r.path("ssldir")?,
        cadir: r.path("cadir")?,
        certname: r
            .parsed("certname", |setting, value| match value {
                "" => Err(bad_value(setting, value, BadValueReason::Empty)),
                _ => Ok(value.to_owned()),
            })?
            .unwrap_or_default(),
        dns_alt_names: r.value("dns_alt_names")?.map_or_else(Vec::new, |names| {
            names
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        autosign,
        autosign_timeout: r.parsed("autosign_timeout", duration)?,
        autosign_tokens: r.parsed("autosign_tokens", boolean)?,
        ca_conf: r.path("ca_conf")?,
        ca_store: r.parsed("ca_store", store)?,
        console_bind: r.parsed("console_bind", address)?,
        ca_ttl: r.parsed("ca_ttl", duration)?,
        crl_ttl: r.parsed("crl_ttl", duration)?,
        crl_refresh: r.parsed("crl_refresh", duration)?,
        keylength: r.parsed("keylength", |setting, value| {
            value
                .parse::<u32>()
                .map_err(|_| bad_value(setting, value, BadValueReason::NotBits))
        })?,
        key_type,
        server_key_type,
        allow_duplicate_certs: r.parsed("allow_duplicate_certs", boolean)?,
        server: r.value("server")?,
        ca_server: r.value("ca_server")?,
        ca_port: r.parsed("ca_port", port)?,
        serverport,
        waitforcert: r.parsed("waitforcert", duration)?,
        ca_refresh_interval: r.parsed("ca_refresh_interval", duration)?,
        crl_refresh_interval: r.parsed("crl_refresh_interval", duration)?,
        runinterval: r.parsed("runinterval", duration)?,
        csr_attributes: r.path("csr_attributes")?,
        hostcert: r.path("hostcert")?,
        hostprivkey: r.path("hostprivkey")?,
        localcacert: r.path("localcacert")?,
        hostcrl: r.path("hostcrl")?,
        raw: conf,
    })
}

fn bad_value(setting: &str, value: &str, reason: BadValueReason) -> SettingsError {
    SettingsError::BadValue {
        setting: setting.to_owned(),
        value: value.to_owned(),
        reason,
    }
}

/// `true`, `false` or an absolute path; the path is classified as a file or a program here.
fn autosign(setting: &'static str, value: &str) -> Result<Autosign, SettingsError> {
    if !matches!(value, "true" | "false") && !Path::new(value).is_absolute() {
        return Err(bad_value(setting, value, BadValueReason::NotAutosign));
    }
    Ok(Autosign::from_setting(value))
}

/// A database URL or a CA directory; the value in the error has its password hidden.
fn store(setting: &'static str, value: &str) -> Result<StoreLocation, SettingsError> {
    StoreLocation::parse(value).map_err(|error| {
        let reason = match error {
            StoreError::BadUrl { reason, .. } => reason,
            other => other.to_string(),
        };
        bad_value(
            setting,
            &crate::store::postgres::redact(value),
            BadValueReason::Store(reason),
        )
    })
}

fn boolean(setting: &'static str, value: &str) -> Result<bool, SettingsError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_value(setting, value, BadValueReason::NotBoolean)),
    }
}

fn duration(setting: &'static str, value: &str) -> Result<Duration, SettingsError> {
    crate::duration::parse(setting, value)
        .map_err(|error| bad_value(setting, value, BadValueReason::Duration(error)))
}

fn key_type_value(setting: &'static str, value: &str) -> Result<KeyType, SettingsError> {
    match value {
        "ec" => Ok(KeyType::Ec),
        "rsa" => Ok(KeyType::Rsa),
        _ => Err(bad_value(setting, value, BadValueReason::NotKeyType)),
    }
}

fn address(setting: &'static str, value: &str) -> Result<std::net::SocketAddr, SettingsError> {
    value
        .parse()
        .map_err(|_| bad_value(setting, value, BadValueReason::NotAddress))
}

fn port(setting: &'static str, value: &str) -> Result<u16, SettingsError> {
    match value.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(bad_value(setting, value, BadValueReason::NotPort)),
    }
}

/// Resolves settings on demand, interpolating each once and catching cycles.
struct Resolver<'a> {
    conf: &'a PuppetConf,
    sections: &'static [Section],
    layout: &'a DirectoryLayout,
    fqdn: String,
    fixed: HashMap<&'static str, String>,
    done: HashMap<String, String>,
    stack: Vec<String>,
}

impl Resolver<'_> {
    fn value(&mut self, name: &str) -> Result<Option<String>, SettingsError> {
        if let Some(value) = self.fixed.get(name).or_else(|| self.done.get(name)) {
            return Ok(Some(value.clone()));
        }
        if self.stack.iter().any(|entered| entered == name) {
            let mut chain = self.stack.clone();
            chain.push(name.to_owned());
            return Err(SettingsError::Cycle {
                chain: chain.join(" -> "),
            });
        }
        self.stack.push(name.to_owned());
        let result = match self.source(name) {
            Ok(Some(Value::Literal(text))) => Ok(Some(text)),
            Ok(Some(Value::Template(text))) => self.interpolate(name, &text).map(Some),
            other => other.map(|_| None),
        };
        self.stack.pop();
        if let Ok(Some(value)) = &result {
            self.done.insert(name.to_owned(), value.clone());
        }
        result
    }

    /// Where the value of `name` comes from: puppet.conf, else a default.
    fn source(&mut self, name: &str) -> Result<Option<Value>, SettingsError> {
        if let Some(value) = self.conf.lookup(name, self.sections) {
            return Ok(Some(Value::Template(value.to_owned())));
        }
        match name {
            "cadir" => {
                let ssldir = self.value("ssldir")?.unwrap_or_default();
                Ok(Some(self.layout.cadir(Path::new(&ssldir))))
            }
            "ca_conf" => {
                let confdir = self.value("confdir")?.unwrap_or_default();
                Ok(Some(self.layout.ca_conf(Path::new(&confdir))))
            }
            "certname" => Ok(Some(Value::Literal(self.fqdn.clone()))),
            _ => Ok(self.layout.default(name)),
        }
    }

    /// Replaces `$name` and `${name}`; a `$` not followed by a name stays, as in Puppet.
    fn interpolate(&mut self, setting: &str, text: &str) -> Result<String, SettingsError> {
        let mut output = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            output.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let braced = after
                .strip_prefix('{')
                .and_then(|inner| inner.split_once('}'))
                .filter(|(name, _)| is_word(name));
            let (variable, tail) = match braced {
                Some((name, tail)) => (name, tail),
                None => after.split_at(after.find(|c| !is_word_char(c)).unwrap_or(after.len())),
            };
            if variable.is_empty() {
                output.push('$');
                rest = after;
                continue;
            }
            match self.value(variable)? {
                Some(value) => output.push_str(&value),
                None => {
                    return Err(SettingsError::UnknownVariable {
                        setting: setting.to_owned(),
                        variable: variable.to_owned(),
                    })
                }
            }
            rest = tail;
        }
        output.push_str(rest);
        Ok(output)
    }

    fn path(&mut self, name: &str) -> Result<PathBuf, SettingsError> {
        let value = self.value(name)?.unwrap_or_default();
        if !Path::new(&value).is_absolute() {
            return Err(bad_value(name, &value, BadValueReason::NotAbsolutePath));
        }
        Ok(PathBuf::from(value))
    }

    fn parsed<T>(
        &mut self,
        name: &'static str,
        parse: impl Fn(&'static str, &str) -> Result<T, SettingsError>,
    ) -> Result<Option<T>, SettingsError> {
        self.value(name)?
            .map(|value| parse(name, &value))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::super::testing::{resolve_in, resolve_text, server, TempDir, FIXTURE};
    use super::*;

    #[test]
    fn fixture_resolves_in_the_debian_layout() {
        let settings = resolve_in(Run::Server, FIXTURE, DirectoryLayout::Debian).unwrap();
        assert_eq!(
            settings.autosign,
            Some(Autosign::File("/etc/puppet/autosign.conf".into()))
        );
        assert_eq!(settings.dns_alt_names, ["puppet", "puppetmaster"]);
        assert_eq!(settings.confdir, Path::new("/etc/puppet"));
        assert_eq!(settings.vardir, Path::new("/var/cache/puppet"));
        assert_eq!(settings.ssldir, Path::new("/var/lib/puppet/ssl"));
        assert_eq!(settings.certname, "node1.example.com");
        assert_eq!(
            settings.hostcert,
            Path::new("/var/lib/puppet/ssl/certs/node1.example.com.pem")
        );
        if !Path::new("/var/lib/puppet/ssl/ca").exists() {
            assert_eq!(settings.cadir, Path::new("/etc/puppet/puppetserver/ca"));
        }
    }

    #[test]
    fn master_is_an_alias_of_server_and_server_wins() {
        let cases = [
            ("[master]\nautosign = true\n", Some(Autosign::Everything)),
            ("[server]\nautosign = true\n", Some(Autosign::Everything)),
            ("[main]\nautosign = true\n", Some(Autosign::Everything)),
            (
                "[master]\nautosign = false\n[server]\nautosign = true\n",
                Some(Autosign::Everything),
            ),
            (
                "[server]\nautosign = true\n[master]\nautosign = false\n",
                Some(Autosign::Everything),
            ),
            (
                "[main]\nautosign = false\n[master]\nautosign = true\n",
                Some(Autosign::Everything),
            ),
            ("[agent]\nautosign = true\n", None),
        ];
        for (text, expected) in cases {
            assert_eq!(server(text).unwrap().autosign, expected, "{text:?}");
        }
    }

    #[test]
    fn each_run_has_its_own_precedence() {
        let text = "[main]\nserver = main.example.com\nca_port = 8140\n[agent]\n\
                    server = agent.example.com\n[server]\ncertname = ca.example.com\n\
                    ca_port = 9140\n";
        let agent = resolve_in(Run::Agent, text, DirectoryLayout::PuppetLabs).unwrap();
        assert_eq!(agent.server.as_deref(), Some("agent.example.com"));
        assert_eq!(agent.certname, "node1.example.com");
        assert_eq!(agent.ca_port, Some(8140));
        let server = server(text).unwrap();
        assert_eq!(server.server.as_deref(), Some("main.example.com"));
        assert_eq!(server.certname, "ca.example.com");
        assert_eq!(server.ca_port, Some(9140));
    }

    #[test]
    fn interpolation_follows_chains() {
        let text = "[main]\nvardir = /srv/puppet\nssldir = $vardir/ssl\ncadir = ${ssldir}/ca\n\
                    certname = ca.example.com\nlogdir = /var/log/x\nhostcrl = $logdir/crl.pem\n\
                    csr_attributes = $codedir/csr.yaml\n\
                    [server]\nautosign = $confdir/autosign.conf { mode = 664 }\n\
                    hostcert = $ssldir/x/$certname.pem\nlocalcacert = /cost$/ca.pem\n";
        let settings = server(text).unwrap();
        let cases = [
            (settings.vardir, "/srv/puppet"),
            (settings.ssldir, "/srv/puppet/ssl"),
            (settings.cadir, "/srv/puppet/ssl/ca"),
            (settings.hostcert, "/srv/puppet/ssl/x/ca.example.com.pem"),
            (
                settings.hostprivkey,
                "/srv/puppet/ssl/private_keys/ca.example.com.pem",
            ),
            (settings.hostcrl, "/var/log/x/crl.pem"),
            (settings.csr_attributes, "/etc/puppetlabs/code/csr.yaml"),
            (settings.localcacert, "/cost$/ca.pem"),
        ];
        for (actual, expected) in cases {
            assert_eq!(actual, Path::new(expected));
        }
        assert_eq!(
            settings.autosign,
            Some(Autosign::File(
                "/etc/puppetlabs/puppet/autosign.conf".into()
            ))
        );
    }

    #[test]
    fn cycles_and_unknown_variables_are_errors() {
        let cycles = [
            (
                "ssldir = $cadir/x\ncadir = $ssldir/ca\n",
                "ssldir -> cadir -> ssldir",
            ),
            ("vardir = $vardir/x\n", "vardir -> vardir"),
            ("ssldir = $cadir\n", "ssldir -> cadir -> ssldir"),
        ];
        for (text, expected) in cycles {
            match server(text) {
                Err(SettingsError::Cycle { chain }) => assert_eq!(chain, expected, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let error = server("ssldir = $nothing/ssl\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting ssldir refers to unknown variable $nothing"
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases = [
            ("allow_duplicate_certs = maybe", "allow_duplicate_certs"),
            ("ca_port = 70000", "ca_port"),
            ("masterport = 0", "masterport"),
            ("ca_ttl = 5w", "ca_ttl"),
            ("keylength = big", "keylength"),
            ("key_type = dsa", "key_type"),
            ("server_key_type = ed25519", "server_key_type"),
            ("autosign = autosign.conf", "autosign"),
            ("ssldir = ssl", "ssldir"),
            ("certname =", "certname"),
        ];
        for (line, expected) in cases {
            match server(&format!("[main]\n{line}\n")) {
                Err(SettingsError::BadValue { setting, .. }) => assert_eq!(setting, expected),
                other => panic!("{line:?}: {other:?}"),
            }
        }
        let settings = server(
            "allow_duplicate_certs = TRUE\nkeylength = 2048\nkey_type = ec\nserverport = 8141\n\
             server_key_type = rsa\n\
             masterport = 8140\nca_ttl = 5y\nwaitforcert = 0\nruninterval = 30m\n\
             dns_alt_names = , a ,b,,\n",
        )
        .unwrap();
        assert_eq!(settings.allow_duplicate_certs, Some(true));
        assert_eq!(settings.keylength, Some(2048));
        assert_eq!(settings.key_type, Some(KeyType::Ec));
        assert_eq!(settings.server_key_type, Some(KeyType::Rsa));
        assert_eq!(settings.serverport, Some(8141));
        assert_eq!(settings.ca_ttl, Some(Duration::from_secs(5 * 365 * 86_400)));
        assert_eq!(settings.waitforcert, Some(Duration::ZERO));
        assert_eq!(settings.runinterval, Some(Duration::from_secs(1800)));
        assert_eq!(settings.dns_alt_names, ["a", "b"]);
    }

    #[test]
    fn ca_store_is_a_database_or_a_directory_and_never_shows_its_password() {
        let settings =
            server("[server]\nca_store = postgresql://ca:pw@db1,db2/puppetca\n").unwrap();
        let store = settings.ca_store.unwrap();
        assert!(store.is_shared());
        assert_eq!(store.to_string(), "postgresql://ca:***@db1,db2/puppetca");
        let files = server("[server]\nca_store = file:///srv/ca\n").unwrap();
        assert_eq!(
            files.ca_store,
            Some(StoreLocation::Files(PathBuf::from("/srv/ca")))
        );
        assert_eq!(server("[main]\n").unwrap().ca_store, None);
        let error = server("[server]\nca_store = postgresql://ca:pw@db/x?krbsrvname=y\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "setting ca_store has bad value \"postgresql://ca:***@db/x?krbsrvname=y\": \
                 parameter krbsrvname is not supported"
            ),
            "{error}"
        );
    }

    /// The web console is off unless `console_bind` names an address and port.
    #[test]
    fn console_bind_is_an_address_and_port() {
        assert_eq!(server("[main]\n").unwrap().console_bind, None);
        let settings = server("[server]\nconsole_bind = 127.0.0.1:8141\n").unwrap();
        assert_eq!(
            settings.console_bind,
            Some(std::net::SocketAddr::from(([127, 0, 0, 1], 8141)))
        );
        let error = server("[server]\nconsole_bind = localhost\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting console_bind has bad value \"localhost\": not an address and port like \
             127.0.0.1:8141"
        );
    }

    #[test]
    fn a_bad_duration_keeps_the_parser_error() {
        let error = server("[main]\nca_ttl = 5w\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting ca_ttl has bad value \"5w\": not a duration like 30d or 5y"
        );
        let source = std::error::Error::source(&error).and_then(std::error::Error::source);
        assert_eq!(
            source.map(ToString::to_string).as_deref(),
            Some("invalid ca_ttl \"5w\": unknown unit; use s, m, h, d or y")
        );
    }

    #[test]
    fn overrides_beat_everything() {
        let temp = TempDir::new("overrides");
        fs::create_dir_all(temp.0.join("ssl/ca")).unwrap();
        let text = "[main]\nssldir = /conf/ssl\ncadir = /conf/ca\ncertname = conf.example.com\n";
        let overrides = Overrides {
            ssldir: Some(temp.0.join("ssl")),
            certname: Some("cli.example.com".into()),
            ..Default::default()
        };
        let puppetlabs = DirectoryLayout::PuppetLabs;
        let settings = resolve_text(Run::Server, text, puppetlabs.clone(), &overrides).unwrap();
        assert_eq!(settings.ssldir, temp.0.join("ssl"));
        assert_eq!(settings.cadir, Path::new("/conf/ca"));
        assert_eq!(
            settings.hostcert,
            temp.0.join("ssl/certs/cli.example.com.pem")
        );
        let without_file_cadir =
            resolve_text(Run::Server, "", puppetlabs.clone(), &overrides).unwrap();
        assert_eq!(without_file_cadir.cadir, temp.0.join("ssl/ca"));
        let overrides = Overrides {
            cadir: Some("/cli/ca".into()),
            ..overrides
        };
        let settings = resolve_text(Run::Server, text, puppetlabs, &overrides).unwrap();
        assert_eq!(settings.cadir, Path::new("/cli/ca"));
    }
}
