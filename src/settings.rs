//! Where the CA lives and what puppet.conf says, decided the way Puppet 7 decides it.
//!
//! This module owns finding puppet.conf, parsing it ([`PuppetConf`]), the default directory
//! layouts (Puppet's own packages, Debian's `puppet` package, non-root users), the `cadir` rule,
//! section precedence for a server or an agent run ([`Run`]), `$variable` interpolation and the
//! conversion of raw text into typed [`Settings`]. It does not create directories, read the CA
//! files or apply defaults that belong to other concepts (the default autosign file is the
//! caller's). The only disk access is reading puppet.conf and checking whether `$ssldir/ca` exists.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Debian's `puppet` package keeps puppet.conf here.
const DEBIAN_CONFIG: &str = "/etc/puppet/puppet.conf";

/// Command-line overrides (`--config`, `--ssldir`, `--cadir`) and other explicit overrides.
///
/// An override beats puppet.conf and every default, and is used verbatim (no interpolation).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The puppet.conf to read instead of the default one; it must exist.
    pub config: Option<PathBuf>,
    /// The agent's SSL directory; `cadir` is derived from it unless also overridden.
    pub ssldir: Option<PathBuf>,
    /// The CA directory.
    pub cadir: Option<PathBuf>,
    /// The name of this host's certificate.
    pub certname: Option<String>,
    /// The `autosign` setting (`true`, `false` or a path; `--autosign`), beating puppet.conf.
    /// A relative path is made absolute against the current directory.
    pub autosign: Option<String>,
}

/// Facts about the process environment, passed in so tests are deterministic.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Whether the effective user is root, which selects the system-wide layout.
    pub is_root: bool,
    /// The home directory, needed for the non-root layout.
    pub home: Option<PathBuf>,
    /// The fully qualified host name, the default certname.
    pub fqdn: String,
}

impl Environment {
    /// Reads the facts of the running process.
    ///
    /// Root means effective uid 0 (from `/proc/self/status`, else `USER=root`); home is `$HOME`;
    /// the fqdn is the kernel host name, completed with the `domain` (or first `search`) entry of
    /// `/etc/resolv.conf` when it has no dot, lowercased, and `localhost` when unknown.
    pub fn current() -> Environment {
        let is_root = match effective_uid() {
            Some(uid) => uid == 0,
            None => std::env::var("USER").is_ok_and(|user| user == "root"),
        };
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let resolv_conf = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        Environment {
            is_root,
            home,
            fqdn: fqdn_from(&hostname, &resolv_conf),
        }
    }
}

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

/// A section of puppet.conf. Names are case-sensitive, as in Puppet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Section {
    /// `[agent]`.
    Agent,
    /// `[main]`, also every line before the first section header.
    Main,
    /// `[master]`, the pre-Puppet 7 name of `[server]`.
    Master,
    /// Any other section, such as an old environment section like `[production]`; never read.
    Named(String),
    /// `[server]`.
    Server,
    /// `[user]`, used by `puppet apply`; never read here.
    User,
}

impl Section {
    /// The section a `[name]` header opens.
    pub fn from_name(name: &str) -> Section {
        match name {
            "agent" => Section::Agent,
            "main" => Section::Main,
            "master" => Section::Master,
            "server" => Section::Server,
            "user" => Section::User,
            other => Section::Named(other.to_owned()),
        }
    }

    /// The name between the brackets.
    pub fn name(&self) -> &str {
        match self {
            Section::Agent => "agent",
            Section::Main => "main",
            Section::Master => "master",
            Section::Named(name) => name,
            Section::Server => "server",
            Section::User => "user",
        }
    }
}

/// File options Puppet accepts after a path value: `{ owner = x, group = y, mode = 664 }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// The `owner` option.
    pub owner: Option<String>,
    /// The `group` option.
    pub group: Option<String>,
    /// The `mode` option, octal digits as written.
    pub mode: Option<String>,
}

/// One `key = value` line of puppet.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section the line is in.
    pub section: Section,
    /// The setting name.
    pub key: String,
    /// The value: trimmed, surrounding quotes and file options removed, not interpolated.
    pub value: String,
    /// The file options that followed the value, if any.
    pub options: FileOptions,
    /// The 1-based line number.
    pub line: usize,
}

/// A parsed puppet.conf: every setting line in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PuppetConf {
    entries: Vec<Entry>,
}

impl PuppetConf {
    /// Parses puppet.conf text; syntax errors name `puppet.conf` and the line.
    pub fn parse(text: &str) -> Result<PuppetConf, SettingsError> {
        PuppetConf::parse_at(text, None)
    }

    /// Reads and parses the file at `path`.
    pub fn read(path: &Path) -> Result<PuppetConf, SettingsError> {
        let text = fs::read_to_string(path).map_err(|error| SettingsError::Read {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        PuppetConf::parse_at(&text, Some(path))
    }

    fn parse_at(text: &str, path: Option<&Path>) -> Result<PuppetConf, SettingsError> {
        let mut entries = Vec::new();
        let mut section = Section::Main;
        for (index, raw_line) in text.lines().enumerate() {
            let line = raw_line.trim();
            let syntax = |reason: String| SettingsError::Syntax {
                path: path.map(Path::to_owned),
                line: index + 1,
                reason,
            };
            // Puppet treats `#` as a comment only at the start of a line.
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if !is_word(name) {
                    return Err(syntax(format!("bad section name {name:?}")));
                }
                section = Section::from_name(name);
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((key, value)) if is_word(key.trim_end()) => (key.trim_end(), value.trim()),
                _ => return Err(syntax(format!("could not match line {line:?}"))),
            };
            let (value, options) = split_file_options(value).map_err(syntax)?;
            entries.push(Entry {
                section: section.clone(),
                key: key.to_owned(),
                value: strip_quotes(value).to_owned(),
                options,
                line: index + 1,
            });
        }
        Ok(PuppetConf { entries })
    }

    /// The value of `key` in the first of `sections` that sets it; within one section the first
    /// line wins, as in Puppet.
    pub fn lookup(&self, key: &str, sections: &[Section]) -> Option<&str> {
        self.entry(key, sections).map(|entry| entry.value.as_str())
    }

    /// Like [`PuppetConf::lookup`], but the whole entry with its file options and line.
    pub fn entry(&self, key: &str, sections: &[Section]) -> Option<&Entry> {
        sections.iter().find_map(|section| {
            self.entries
                .iter()
                .find(|entry| entry.section == *section && entry.key == key)
        })
    }

    /// Every setting line in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// The default directories, which depend on who runs and which puppet.conf was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Root with Debian's `puppet` package: `/etc/puppet`, `/var/cache/puppet`,
    /// `/var/lib/puppet/ssl`.
    Debian,
    /// Root with Puppet's own packages: `/etc/puppetlabs/puppet`, `/opt/puppetlabs/puppet/cache`.
    PuppetLabs,
    /// A non-root user: everything under `~/.puppetlabs`.
    User {
        /// The user's home directory.
        home: PathBuf,
    },
}

impl Layout {
    fn confdir(&self) -> PathBuf {
        match self {
            Layout::Debian => PathBuf::from("/etc/puppet"),
            Layout::PuppetLabs => PathBuf::from("/etc/puppetlabs/puppet"),
            Layout::User { home } => home.join(".puppetlabs/etc/puppet"),
        }
    }

    fn default(&self, name: &str) -> Option<Value> {
        let literal = |path: PathBuf| Some(Value::Literal(path.to_string_lossy().into_owned()));
        match (self, name) {
            (Layout::Debian, "vardir") => literal("/var/cache/puppet".into()),
            (Layout::Debian, "codedir") => literal("/etc/puppet/code".into()),
            (Layout::Debian, "ssldir") => literal("/var/lib/puppet/ssl".into()),
            (Layout::PuppetLabs, "vardir") => literal("/opt/puppetlabs/puppet/cache".into()),
            (Layout::PuppetLabs, "codedir") => literal("/etc/puppetlabs/code".into()),
            (Layout::User { home }, "vardir") => literal(home.join(".puppetlabs/opt/puppet/cache")),
            (Layout::User { home }, "codedir") => literal(home.join(".puppetlabs/etc/code")),
            (_, "ssldir") => Some(Value::Template("$confdir/ssl".into())),
            _ => None,
        }
    }

    fn puppetserver_ca_conf(&self) -> PathBuf {
        match self {
            Layout::Debian => PathBuf::from("/etc/puppet/puppetserver/conf.d/ca.conf"),
            Layout::PuppetLabs => PathBuf::from("/etc/puppetlabs/puppetserver/conf.d/ca.conf"),
            Layout::User { home } => home.join(".puppetlabs/etc/puppetserver/conf.d/ca.conf"),
        }
    }

    fn puppetserver_cadir(&self) -> PathBuf {
        match self {
            Layout::Debian => PathBuf::from("/etc/puppet/puppetserver/ca"),
            Layout::PuppetLabs => PathBuf::from("/etc/puppetlabs/puppetserver/ca"),
            Layout::User { home } => home.join(".puppetlabs/etc/puppetserver/ca"),
        }
    }
}

/// Which puppet.conf applies and the layout it implies, before the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The puppet.conf to read, if any.
    pub config_file: Option<PathBuf>,
    /// The default directories.
    pub layout: Layout,
    /// The configuration directory: the layout's, or the directory of `--config`.
    pub confdir: PathBuf,
}

/// Decides which puppet.conf applies; `is_file` says whether a default candidate exists.
///
/// `Overrides.config` wins (made absolute; whether it exists is checked when it is read). Root
/// tries `/etc/puppetlabs/puppet/puppet.conf`, then Debian's `/etc/puppet/puppet.conf`; a
/// non-root user tries `~/.puppetlabs/etc/puppet/puppet.conf`. No file found is not an error.
pub fn locate(
    overrides: &Overrides,
    env: &Environment,
    is_file: &dyn Fn(&Path) -> bool,
) -> Result<Location, SettingsError> {
    let user_layout = || match &env.home {
        Some(home) => Ok(Layout::User { home: home.clone() }),
        None => Err(SettingsError::HomeMissing),
    };
    if let Some(config) = &overrides.config {
        let config = absolute(config);
        let layout = if !env.is_root {
            user_layout()?
        } else if config == Path::new(DEBIAN_CONFIG) {
            Layout::Debian
        } else {
            Layout::PuppetLabs
        };
        let confdir = config
            .parent()
            .map_or_else(|| layout.confdir(), Path::to_owned);
        return Ok(Location {
            config_file: Some(config),
            layout,
            confdir,
        });
    }
    let candidates = if env.is_root {
        vec![Layout::PuppetLabs, Layout::Debian]
    } else {
        vec![user_layout()?]
    };
    for layout in &candidates {
        let file = layout.confdir().join("puppet.conf");
        if is_file(&file) {
            return Ok(Location {
                config_file: Some(file),
                confdir: layout.confdir(),
                layout: layout.clone(),
            });
        }
    }
    let layout = candidates.into_iter().next().unwrap_or(Layout::PuppetLabs);
    Ok(Location {
        config_file: None,
        confdir: layout.confdir(),
        layout,
    })
}

/// The settings cert needs, resolved: paths are absolute and interpolated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whose section precedence was used.
    pub run: Run,
    /// The default directories that applied.
    pub layout: Layout,
    /// The puppet.conf that was read, if any.
    pub config_file: Option<PathBuf>,
    /// `confdir`: never read from puppet.conf, which lives in it.
    pub confdir: PathBuf,
    /// `vardir`.
    pub vardir: PathBuf,
    /// `ssldir`: the agent's certificates and keys.
    pub ssldir: PathBuf,
    /// `cadir`: the CA's files.
    pub cadir: PathBuf,
    /// `certname`: default the fqdn, lowercased.
    pub certname: String,
    /// `dns_alt_names`: comma separated, trimmed, empty names dropped.
    pub dns_alt_names: Vec<String>,
    /// `autosign`: `true`, `false` or an absolute path, as written after interpolation; `None`
    /// when unset (then Puppet uses `$confdir/autosign.conf`).
    pub autosign: Option<String>,
    /// `autosign_timeout` (ours, not Puppet's): how long a policy program may run; `None` when
    /// unset (then 10 seconds).
    pub autosign_timeout: Option<Duration>,
    /// puppetserver's `ca.conf`, holding the CA's issuance policy: the `ca_conf` setting (ours,
    /// not Puppet's), else the layout's (`/etc/puppetlabs/puppetserver/conf.d/ca.conf`,
    /// `/etc/puppet/puppetserver/conf.d/ca.conf`, `~/.puppetlabs/etc/puppetserver/conf.d/ca.conf`),
    /// else, for a puppet.conf outside the layout's confdir, `puppetserver/conf.d/ca.conf` in
    /// the confdir's parent.
    pub ca_conf: PathBuf,
    /// `ca_ttl`: the lifetime of issued certificates.
    pub ca_ttl: Option<Duration>,
    /// `keylength`: RSA key size in bits.
    pub keylength: Option<u32>,
    /// `key_type`: `rsa` or `ec`.
    pub key_type: Option<String>,
    /// `allow_duplicate_certs`.
    pub allow_duplicate_certs: Option<bool>,
    /// `server`.
    pub server: Option<String>,
    /// `ca_server`.
    pub ca_server: Option<String>,
    /// `ca_port`.
    pub ca_port: Option<u16>,
    /// `serverport`, or its old name `masterport`.
    pub masterport: Option<u16>,
    /// `waitforcert`.
    pub waitforcert: Option<Duration>,
    /// `runinterval`.
    pub runinterval: Option<Duration>,
    /// `csr_attributes`: default `$confdir/csr_attributes.yaml`.
    pub csr_attributes: PathBuf,
    /// `hostcert`: default `$ssldir/certs/$certname.pem`.
    pub hostcert: PathBuf,
    /// `hostprivkey`: default `$ssldir/private_keys/$certname.pem`.
    pub hostprivkey: PathBuf,
    /// `localcacert`: default `$ssldir/certs/ca.pem`.
    pub localcacert: PathBuf,
    /// `hostcrl`: default `$ssldir/crl.pem`.
    pub hostcrl: PathBuf,
    /// The parsed file, for settings not modelled here.
    pub raw: PuppetConf,
}

/// Loads the settings for a CA or server run ([`Run::Server`] precedence).
pub fn load(overrides: &Overrides, env: &Environment) -> Result<Settings, SettingsError> {
    load_for(Run::Server, overrides, env)
}

/// Finds and reads puppet.conf and resolves the settings with `run`'s section precedence.
///
/// Relative override paths are made absolute against the current directory.
pub fn load_for(
    run: Run,
    overrides: &Overrides,
    env: &Environment,
) -> Result<Settings, SettingsError> {
    let overrides = Overrides {
        ssldir: overrides.ssldir.as_deref().map(absolute),
        cadir: overrides.cadir.as_deref().map(absolute),
        autosign: overrides.autosign.as_deref().map(|value| match value {
            "true" | "false" => value.to_owned(),
            path => absolute(Path::new(path)).to_string_lossy().into_owned(),
        }),
        ..overrides.clone()
    };
    let location = locate(&overrides, env, &|path: &Path| path.is_file())?;
    let conf = match &location.config_file {
        Some(path) => PuppetConf::read(path)?,
        None => PuppetConf::default(),
    };
    resolve(run, location, conf, &overrides, env)
}

/// Turns a parsed puppet.conf into [`Settings`]; the only disk access is the `$ssldir/ca` check.
///
/// `cadir`: the override, else puppet.conf, else `$ssldir/ca` when that is a directory (or a
/// symlink to one), else the layout's puppetserver CA directory.
pub fn resolve(
    run: Run,
    location: Location,
    conf: PuppetConf,
    overrides: &Overrides,
    env: &Environment,
) -> Result<Settings, SettingsError> {
    let text = |path: &PathBuf| path.to_string_lossy().into_owned();
    let fixed = [
        ("confdir", Some(text(&location.confdir))),
        ("ssldir", overrides.ssldir.as_ref().map(text)),
        ("cadir", overrides.cadir.as_ref().map(text)),
        ("certname", overrides.certname.clone()),
        ("autosign", overrides.autosign.clone()),
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
    let autosign = r.value("autosign")?;
    if let Some(value) = &autosign {
        if !matches!(value.as_str(), "true" | "false") && !Path::new(value).is_absolute() {
            return Err(bad_value(
                "autosign",
                value,
                "not true, false or an absolute path",
            ));
        }
    }
    let key_type = r.value("key_type")?;
    if let Some(value) = &key_type {
        if !matches!(value.as_str(), "rsa" | "ec") {
            return Err(bad_value("key_type", value, "not rsa or ec"));
        }
    }
    let masterport = match r.value("serverport")? {
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
                "" => Err(bad_value(setting, value, "empty")),
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
        ca_conf: r.path("ca_conf")?,
        ca_ttl: r.parsed("ca_ttl", duration)?,
        keylength: r.parsed("keylength", |setting, value| {
            value
                .parse::<u32>()
                .map_err(|_| bad_value(setting, value, "not a number of bits"))
        })?,
        key_type,
        allow_duplicate_certs: r.parsed("allow_duplicate_certs", boolean)?,
        server: r.value("server")?,
        ca_server: r.value("ca_server")?,
        ca_port: r.parsed("ca_port", port)?,
        masterport,
        waitforcert: r.parsed("waitforcert", duration)?,
        runinterval: r.parsed("runinterval", duration)?,
        csr_attributes: r.path("csr_attributes")?,
        hostcert: r.path("hostcert")?,
        hostprivkey: r.path("hostprivkey")?,
        localcacert: r.path("localcacert")?,
        hostcrl: r.path("hostcrl")?,
        raw: conf,
    })
}

/// Parses Puppet's duration syntax: digits with an optional unit `s`, `m`, `h`, `d` or `y`
/// (365 days); no unit means seconds. `None` for anything else, or on overflow.
pub fn parse_duration(text: &str) -> Option<Duration> {
    crate::duration::parse("duration", text).ok()
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A setting's value cannot be used.
    #[error("setting {setting} has bad value {value:?}: {reason}")]
    BadValue {
        /// The setting name.
        setting: String,
        /// The value after interpolation.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Settings refer to each other in a loop.
    #[error("settings refer to each other in a cycle: {chain}")]
    Cycle {
        /// The settings in the loop, like `ssldir -> cadir -> ssldir`.
        chain: String,
    },
    /// A non-root user has no home directory for the default layout.
    #[error("cannot find the home directory for the non-root layout: HOME is not set")]
    HomeMissing,
    /// A file could not be read.
    #[error("cannot read {}: {reason}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A line of puppet.conf is not valid.
    #[error("cannot parse {} line {line}: {reason}", display_conf(.path))]
    Syntax {
        /// The file, when parsed from a file.
        path: Option<PathBuf>,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A value refers to a variable that is no setting.
    #[error("setting {setting} refers to unknown variable ${variable}")]
    UnknownVariable {
        /// The setting whose value holds the reference.
        setting: String,
        /// The variable name, without `$`.
        variable: String,
    },
}

fn display_conf(path: &Option<PathBuf>) -> String {
    path.as_ref().map_or_else(
        || "puppet.conf".to_owned(),
        |path| path.display().to_string(),
    )
}

fn bad_value(setting: &str, value: &str, reason: &str) -> SettingsError {
    SettingsError::BadValue {
        setting: setting.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn boolean(setting: &str, value: &str) -> Result<bool, SettingsError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_value(setting, value, "not true or false")),
    }
}

fn port(setting: &str, value: &str) -> Result<u16, SettingsError> {
    match value.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(bad_value(setting, value, "not a port from 1 to 65535")),
    }
}

fn duration(setting: &str, value: &str) -> Result<Duration, SettingsError> {
    parse_duration(value).ok_or_else(|| bad_value(setting, value, "not a duration like 30d or 5y"))
}

/// A value before interpolation.
enum Value {
    /// Used as is: overrides and paths built from the environment.
    Literal(String),
    /// `$name` and `${name}` are replaced by other settings.
    Template(String),
}

/// Resolves settings on demand, interpolating each once and catching cycles.
struct Resolver<'a> {
    conf: &'a PuppetConf,
    sections: &'static [Section],
    layout: &'a Layout,
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
        let template = |text: &str| Ok(Some(Value::Template(text.to_owned())));
        match name {
            "cadir" => {
                let ssldir = self.value("ssldir")?.unwrap_or_default();
                if Path::new(&ssldir).join("ca").is_dir() {
                    return template("$ssldir/ca");
                }
                let cadir = self.layout.puppetserver_cadir();
                Ok(Some(Value::Literal(cadir.to_string_lossy().into_owned())))
            }
            "ca_conf" => {
                // The layout's file; for a puppet.conf elsewhere (`--config`), puppetserver's
                // directory next to that confdir, as in Puppet's own and the user layouts.
                let confdir = PathBuf::from(self.value("confdir")?.unwrap_or_default());
                let ca_conf = if confdir == self.layout.confdir() {
                    self.layout.puppetserver_ca_conf()
                } else {
                    let base = confdir.parent().unwrap_or(&confdir);
                    base.join("puppetserver/conf.d/ca.conf")
                };
                Ok(Some(Value::Literal(ca_conf.to_string_lossy().into_owned())))
            }
            "certname" => Ok(Some(Value::Literal(self.fqdn.clone()))),
            "csr_attributes" => template("$confdir/csr_attributes.yaml"),
            "hostcert" => template("$ssldir/certs/$certname.pem"),
            "hostcrl" => template("$ssldir/crl.pem"),
            "hostprivkey" => template("$ssldir/private_keys/$certname.pem"),
            "localcacert" => template("$ssldir/certs/ca.pem"),
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
            return Err(bad_value(name, &value, "not an absolute path"));
        }
        Ok(PathBuf::from(value))
    }

    fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str, &str) -> Result<T, SettingsError>,
    ) -> Result<Option<T>, SettingsError> {
        self.value(name)?
            .map(|value| parse(name, &value))
            .transpose()
    }
}

/// `path` made absolute against the current directory; as given when that fails (an empty path,
/// no current directory), which the absolute-path check of [`resolve`] then reports.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_word(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_word_char)
}

/// Puppet's value translation drops one leading and one trailing quote.
fn strip_quotes(value: &str) -> &str {
    let value = value.strip_prefix(['"', '\'']).unwrap_or(value);
    value.strip_suffix(['"', '\'']).unwrap_or(value).trim_end()
}

/// Splits a trailing `{ owner = x, group = y, mode = 664 }` off a value; `${name}` is no block.
fn split_file_options(value: &str) -> Result<(&str, FileOptions), String> {
    let mut options = FileOptions::default();
    let Some(open) = value.strip_suffix('}').and_then(|v| v.rfind('{')) else {
        return Ok((value, options));
    };
    if value[..open].ends_with('$') {
        return Ok((value, options));
    }
    let inner = &value[open + 1..value.len() - 1];
    for option in inner.split(',') {
        let parsed = option
            .split_once('=')
            .map(|(key, text)| (key.trim(), text.trim()))
            .filter(|(_, text)| is_word(text));
        let slot = match parsed {
            Some(("owner", text)) => (&mut options.owner, text),
            Some(("group", text)) => (&mut options.group, text),
            Some(("mode", text)) if text.bytes().all(|b| b.is_ascii_digit()) => {
                (&mut options.mode, text)
            }
            _ => return Err(format!("bad file option {:?}", option.trim())),
        };
        *slot.0 = Some(slot.1.to_owned());
    }
    Ok((value[..open].trim_end(), options))
}

fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let uids = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    uids.split_whitespace().nth(1)?.parse().ok()
}

/// The host name, completed with the resolver's domain when it has none, lowercased.
fn fqdn_from(hostname: &str, resolv_conf: &str) -> String {
    let host = hostname.trim().trim_end_matches('.').to_lowercase();
    if host.is_empty() {
        return "localhost".to_owned();
    }
    if host.contains('.') {
        return host;
    }
    let words = |keyword: &str| {
        resolv_conf.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(keyword))
                .then(|| words.next())
                .flatten()
        })
    };
    match words("domain").or_else(|| words("search")) {
        Some(domain) => format!("{host}.{}", domain.trim_end_matches('.').to_lowercase()),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// The fixture made by Debian 12's puppetserver 7.9.5 (fixtures/puppetserver-7.9.5).
    const FIXTURE: &str = "[server]\nautosign = /etc/puppet/autosign.conf\n[main]\n\
                           dns_alt_names = puppet,puppetmaster\n";

    /// A directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(label: &str) -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "cert-settings-{label}-{}-{unique}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn env(is_root: bool, home: Option<&Path>) -> Environment {
        Environment {
            is_root,
            home: home.map(Path::to_owned),
            fqdn: "Node1.Example.COM".to_owned(),
        }
    }

    fn resolve_text(
        run: Run,
        text: &str,
        layout: Layout,
        overrides: &Overrides,
    ) -> Result<Settings, SettingsError> {
        let location = Location {
            config_file: None,
            confdir: layout.confdir(),
            layout,
        };
        let conf = PuppetConf::parse(text)?;
        resolve(run, location, conf, overrides, &env(true, None))
    }

    fn server(text: &str) -> Result<Settings, SettingsError> {
        resolve_text(Run::Server, text, Layout::PuppetLabs, &Overrides::default())
    }

    #[test]
    fn fixture_parses_and_resolves_in_the_debian_layout() {
        let conf = PuppetConf::parse(FIXTURE).unwrap();
        assert_eq!(
            conf.lookup("autosign", Run::Server.sections()),
            Some("/etc/puppet/autosign.conf")
        );
        assert_eq!(conf.lookup("autosign", Run::Agent.sections()), None);
        assert_eq!(conf.entries().len(), 2);
        let settings =
            resolve_text(Run::Server, FIXTURE, Layout::Debian, &Overrides::default()).unwrap();
        assert_eq!(
            settings.autosign.as_deref(),
            Some("/etc/puppet/autosign.conf")
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
    fn lines_parse_like_puppet() {
        let text = "top = 1\n\n  # indented comment\n[agent]\n  server=ca.example.com  \n\
                    waitforcert = 2m # not a comment\n[production]\nmodulepath = /x\n\
                    [main]\nquoted = \"a b\"\nempty =\nfirst = 1\nfirst = 2\n";
        let conf = PuppetConf::parse(text).unwrap();
        let cases: &[(&str, Section, Option<&str>)] = &[
            ("top", Section::Main, Some("1")),
            ("server", Section::Agent, Some("ca.example.com")),
            ("waitforcert", Section::Agent, Some("2m # not a comment")),
            (
                "modulepath",
                Section::Named("production".into()),
                Some("/x"),
            ),
            ("modulepath", Section::Main, None),
            ("quoted", Section::Main, Some("a b")),
            ("empty", Section::Main, Some("")),
            ("first", Section::Main, Some("1")),
        ];
        for (key, section, expected) in cases {
            assert_eq!(
                conf.lookup(key, std::slice::from_ref(section)),
                *expected,
                "{key}"
            );
        }
        assert_eq!(conf.entry("server", &[Section::Agent]).unwrap().line, 5);
    }

    #[test]
    fn bad_lines_are_syntax_errors_with_line_numbers() {
        let cases = [
            ("[main]\nok = 1\ngarbage\n", 3),
            ("[bad name]\n", 1),
            ("\nkey-with-dash = x\n", 2),
            ("= x\n", 1),
            ("cadir = /x { colour = red }\n", 1),
            ("cadir = /x { mode = rw }\n", 1),
        ];
        for (text, expected) in cases {
            match PuppetConf::parse(text) {
                Err(SettingsError::Syntax {
                    line, path: None, ..
                }) => {
                    assert_eq!(line, expected, "{text:?}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let message = PuppetConf::parse("x\n").unwrap_err().to_string();
        assert_eq!(
            message,
            "cannot parse puppet.conf line 1: could not match line \"x\""
        );
    }

    #[test]
    fn autosign_override_timeout_and_ca_conf() {
        let text = "[server]\nautosign = true\nautosign_timeout = 30s\n";
        let overrides = Overrides {
            autosign: Some("false".into()),
            ..Default::default()
        };
        let settings = resolve_text(Run::Server, text, Layout::PuppetLabs, &overrides).unwrap();
        assert_eq!(settings.autosign.as_deref(), Some("false"));
        assert_eq!(settings.autosign_timeout, Some(Duration::from_secs(30)));
        assert_eq!(
            settings.ca_conf,
            Path::new("/etc/puppetlabs/puppetserver/conf.d/ca.conf")
        );
        let debian = resolve_text(Run::Server, "", Layout::Debian, &Overrides::default()).unwrap();
        assert_eq!(
            debian.ca_conf,
            Path::new("/etc/puppet/puppetserver/conf.d/ca.conf")
        );
        let relative = Overrides {
            autosign: Some("policy.sh".into()),
            ..Default::default()
        };
        let settings = resolve_text(Run::Server, "", Layout::PuppetLabs, &relative);
        assert!(
            settings.is_err(),
            "a relative path reaches resolve only unmade absolute"
        );
    }

    #[test]
    fn master_is_an_alias_of_server_and_server_wins() {
        let cases = [
            ("[master]\nautosign = true\n", Some("true")),
            ("[server]\nautosign = true\n", Some("true")),
            ("[main]\nautosign = true\n", Some("true")),
            (
                "[master]\nautosign = false\n[server]\nautosign = true\n",
                Some("true"),
            ),
            (
                "[server]\nautosign = true\n[master]\nautosign = false\n",
                Some("true"),
            ),
            (
                "[main]\nautosign = false\n[master]\nautosign = true\n",
                Some("true"),
            ),
            ("[agent]\nautosign = true\n", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                server(text).unwrap().autosign.as_deref(),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn each_run_has_its_own_precedence() {
        let text = "[main]\nserver = main.example.com\nca_port = 8140\n[agent]\n\
                    server = agent.example.com\n[server]\ncertname = ca.example.com\n\
                    ca_port = 9140\n";
        let agent =
            resolve_text(Run::Agent, text, Layout::PuppetLabs, &Overrides::default()).unwrap();
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
            settings.autosign.as_deref(),
            Some("/etc/puppetlabs/puppet/autosign.conf")
        );
    }

    #[test]
    fn file_options_are_stripped() {
        let cases = [
            ("/a", "/a", FileOptions::default()),
            (
                "/a {mode=664}",
                "/a",
                FileOptions {
                    mode: Some("664".into()),
                    ..Default::default()
                },
            ),
            (
                "/a { owner = puppet, group = puppet, mode = 0640 }",
                "/a",
                FileOptions {
                    owner: Some("puppet".into()),
                    group: Some("puppet".into()),
                    mode: Some("0640".into()),
                },
            ),
            ("${confdir}", "${confdir}", FileOptions::default()),
        ];
        for (value, expected, options) in cases {
            assert_eq!(
                split_file_options(value),
                Ok((expected, options)),
                "{value:?}"
            );
        }
        let conf = PuppetConf::parse("ssldir = /s { owner = puppet }\n").unwrap();
        let entry = conf.entry("ssldir", &[Section::Main]).unwrap();
        assert_eq!(
            (entry.value.as_str(), entry.options.owner.as_deref()),
            ("/s", Some("puppet"))
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
             masterport = 8140\nca_ttl = 5y\nwaitforcert = 0\nruninterval = 30m\n\
             dns_alt_names = , a ,b,,\n",
        )
        .unwrap();
        assert_eq!(settings.allow_duplicate_certs, Some(true));
        assert_eq!(settings.keylength, Some(2048));
        assert_eq!(settings.key_type.as_deref(), Some("ec"));
        assert_eq!(settings.masterport, Some(8141));
        assert_eq!(settings.ca_ttl, Some(Duration::from_secs(5 * 365 * 86_400)));
        assert_eq!(settings.waitforcert, Some(Duration::ZERO));
        assert_eq!(settings.runinterval, Some(Duration::from_secs(1800)));
        assert_eq!(settings.dns_alt_names, ["a", "b"]);
    }

    #[test]
    fn durations() {
        let cases = [
            ("3600", Some(3600)),
            ("0", Some(0)),
            ("15s", Some(15)),
            ("2m", Some(120)),
            ("1h", Some(3600)),
            ("30d", Some(30 * 86_400)),
            ("5y", Some(5 * 365 * 86_400)),
            ("", None),
            ("y", None),
            ("5w", None),
            ("5Y", None),
            ("-5", None),
            (" 5", None),
            ("1.5h", None),
            ("99999999999999999999y", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse_duration(text),
                expected.map(Duration::from_secs),
                "{text:?}"
            );
        }
    }

    #[test]
    fn locate_picks_the_file_and_layout() {
        // (root, default files that exist, --config, confdir, file read); home is /home/u
        let user = "/home/u/.puppetlabs/etc/puppet";
        let user_file = "/home/u/.puppetlabs/etc/puppet/puppet.conf";
        let both = "/etc/puppet/puppet.conf /etc/puppetlabs/puppet/puppet.conf";
        let cases = [
            (true, "", "", "/etc/puppetlabs/puppet", ""),
            (true, DEBIAN_CONFIG, "", "/etc/puppet", DEBIAN_CONFIG),
            (
                true,
                both,
                "",
                "/etc/puppetlabs/puppet",
                "/etc/puppetlabs/puppet/puppet.conf",
            ),
            (false, "", "", user, ""),
            (
                false,
                &format!("{user_file} {DEBIAN_CONFIG}"),
                "",
                user,
                user_file,
            ),
            (false, "", "/tmp/x/p.conf", "/tmp/x", "/tmp/x/p.conf"),
            (true, "", DEBIAN_CONFIG, "/etc/puppet", DEBIAN_CONFIG),
        ];
        for (is_root, existing, config, confdir, file) in cases {
            let some = |text: &str| (!text.is_empty()).then(|| PathBuf::from(text));
            let overrides = Overrides {
                config: some(config),
                ..Default::default()
            };
            let exists = |path: &Path| existing.split_whitespace().any(|e| Path::new(e) == path);
            let environment = env(is_root, Some(Path::new("/home/u")));
            let location = locate(&overrides, &environment, &exists).unwrap();
            assert_eq!(
                location.confdir,
                Path::new(confdir),
                "{existing:?} {config:?}"
            );
            assert_eq!(location.config_file, some(file));
        }
        let debian = locate(&Overrides::default(), &env(true, None), &|path: &Path| {
            path == Path::new(DEBIAN_CONFIG)
        });
        assert_eq!(debian.unwrap().layout, Layout::Debian);
        let homeless = locate(&Overrides::default(), &env(false, None), &|_: &Path| false);
        assert!(matches!(homeless, Err(SettingsError::HomeMissing)));
    }

    #[test]
    fn layouts_have_their_defaults() {
        // An ssldir that cannot hold a `ca` directory keeps the cadir fallback deterministic.
        let user = Layout::User {
            home: PathBuf::from("/nonexistent/u"),
        };
        let cases = [
            (
                Layout::PuppetLabs,
                "/opt/puppetlabs/puppet/cache",
                "/etc/puppetlabs/puppet/ssl",
                "/etc/puppetlabs/puppetserver/ca",
            ),
            (
                Layout::Debian,
                "/var/cache/puppet",
                "/var/lib/puppet/ssl",
                "/etc/puppet/puppetserver/ca",
            ),
            (
                user,
                "/nonexistent/u/.puppetlabs/opt/puppet/cache",
                "/nonexistent/u/.puppetlabs/etc/puppet/ssl",
                "/nonexistent/u/.puppetlabs/etc/puppetserver/ca",
            ),
        ];
        for (layout, vardir, ssldir, cadir) in cases {
            let settings =
                resolve_text(Run::Server, "", layout.clone(), &Overrides::default()).unwrap();
            assert_eq!(settings.vardir, Path::new(vardir));
            assert_eq!(settings.ssldir, Path::new(ssldir));
            if !Path::new(ssldir).join("ca").exists() {
                assert_eq!(settings.cadir, Path::new(cadir), "{layout:?}");
            }
            assert_eq!(settings.localcacert, Path::new(ssldir).join("certs/ca.pem"));
            assert_eq!(
                settings.csr_attributes,
                layout.confdir().join("csr_attributes.yaml")
            );
        }
    }

    #[test]
    fn cadir_is_ssldir_ca_only_when_that_exists() {
        let temp = TempDir::new("cadir");
        let ssldir = temp.0.join("ssl");
        fs::create_dir_all(&ssldir).unwrap();
        let text = format!("ssldir = {}\n", ssldir.display());
        let cadir = || server(&text).unwrap().cadir;
        assert_eq!(cadir(), Path::new("/etc/puppetlabs/puppetserver/ca"));
        std::os::unix::fs::symlink(temp.0.join("elsewhere"), ssldir.join("ca")).unwrap();
        assert_eq!(
            cadir(),
            Path::new("/etc/puppetlabs/puppetserver/ca"),
            "dangling link"
        );
        fs::create_dir(temp.0.join("elsewhere")).unwrap();
        assert_eq!(cadir(), ssldir.join("ca"), "link to a directory");
        fs::remove_file(ssldir.join("ca")).unwrap();
        fs::create_dir(ssldir.join("ca")).unwrap();
        assert_eq!(cadir(), ssldir.join("ca"), "directory");
        let explicit = server(&format!("{text}cadir = /srv/ca\n")).unwrap();
        assert_eq!(explicit.cadir, Path::new("/srv/ca"));
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
        let settings = resolve_text(Run::Server, text, Layout::PuppetLabs, &overrides).unwrap();
        assert_eq!(settings.ssldir, temp.0.join("ssl"));
        assert_eq!(settings.cadir, Path::new("/conf/ca"));
        assert_eq!(
            settings.hostcert,
            temp.0.join("ssl/certs/cli.example.com.pem")
        );
        let without_file_cadir =
            resolve_text(Run::Server, "", Layout::PuppetLabs, &overrides).unwrap();
        assert_eq!(without_file_cadir.cadir, temp.0.join("ssl/ca"));
        let overrides = Overrides {
            cadir: Some("/cli/ca".into()),
            ..overrides
        };
        let settings = resolve_text(Run::Server, text, Layout::PuppetLabs, &overrides).unwrap();
        assert_eq!(settings.cadir, Path::new("/cli/ca"));
    }

    #[test]
    fn load_reads_the_user_file_and_the_config_override() {
        let home = TempDir::new("home");
        let confdir = home.0.join(".puppetlabs/etc/puppet");
        fs::create_dir_all(&confdir).unwrap();
        fs::write(
            confdir.join("puppet.conf"),
            "[agent]\nserver = puppet.example.com\n",
        )
        .unwrap();
        let environment = env(false, Some(&home.0));
        let agent = load_for(Run::Agent, &Overrides::default(), &environment).unwrap();
        assert_eq!(agent.config_file, Some(confdir.join("puppet.conf")));
        assert_eq!(agent.server.as_deref(), Some("puppet.example.com"));
        assert_eq!(agent.ssldir, confdir.join("ssl"));
        assert_eq!(agent.vardir, home.0.join(".puppetlabs/opt/puppet/cache"));
        assert_eq!(
            load(&Overrides::default(), &environment).unwrap().server,
            None
        );

        let other = home.0.join("other");
        fs::create_dir_all(&other).unwrap();
        fs::write(
            other.join("custom.conf"),
            "[main]\nok = 1\n\nnot a setting\n",
        )
        .unwrap();
        let overrides = Overrides {
            config: Some(other.join("custom.conf")),
            ..Default::default()
        };
        let message = load(&overrides, &environment).unwrap_err().to_string();
        let expected = format!(
            "cannot parse {} line 4:",
            other.join("custom.conf").display()
        );
        assert!(message.starts_with(&expected), "{message}");

        fs::write(other.join("custom.conf"), "[main]\nvardir = /srv/v\n").unwrap();
        let settings = load(&overrides, &environment).unwrap();
        assert_eq!(settings.confdir, other);
        assert_eq!(settings.ssldir, other.join("ssl"));
        assert_eq!(settings.vardir, Path::new("/srv/v"));

        let missing = Overrides {
            config: Some(other.join("missing.conf")),
            ..Default::default()
        };
        assert!(matches!(
            load(&missing, &environment),
            Err(SettingsError::Read { .. })
        ));
    }

    #[test]
    fn fqdn_comes_from_hostname_and_resolver_domain() {
        let cases = [
            ("Web01\n", "search corp.example\n", "web01.corp.example"),
            (
                "web01",
                "search a.example b.example\ndomain Lab.Example.\n",
                "web01.lab.example",
            ),
            ("web01.Example.com\n", "domain other\n", "web01.example.com"),
            ("web01", "# nothing\nnameserver 1.1.1.1\n", "web01"),
            ("", "domain x\n", "localhost"),
        ];
        for (hostname, resolv_conf, expected) in cases {
            assert_eq!(fqdn_from(hostname, resolv_conf), expected);
        }
        let current = Environment::current();
        assert_eq!(current.fqdn, current.fqdn.to_lowercase());
        assert!(!current.fqdn.is_empty());
    }
}
