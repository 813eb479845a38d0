//! Where the CA lives and what puppet.conf says, decided the way Puppet 7 decides it.
//!
//! This module owns [`Settings`], the typed result, and its entry points [`load`] and
//! [`load_for`]. Its parts hold one concept each: `os` says who runs and which puppet.conf and
//! default layout apply ([`Environment`], [`locate`]); `conf` parses puppet.conf
//! ([`PuppetConf`]); `layout` holds the default directories ([`DirectoryLayout`]); `resolve`
//! applies section precedence ([`Run`]), overrides and `$variable` interpolation and parses
//! each value into its type once ([`resolve()`]). Settings errors are
//! [`crate::error::SettingsError`].
//!
//! It does not create directories, read the CA files or apply defaults that belong to other
//! concepts (the default autosign file is the caller's). The only disk access is looking for
//! and reading puppet.conf, checking whether `$ssldir/ca` exists and whether an `autosign` path
//! is an executable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::autosign::Autosign;
use crate::error::SettingsError;
use crate::keys::KeyType;

mod conf;
mod layout;
mod os;
mod resolve;
#[cfg(test)]
mod testing;

pub use conf::{FileOptions, PuppetConf, Section, SettingLine};
pub use layout::DirectoryLayout;
pub use os::{locate, Environment, Location};
pub use resolve::{resolve, Run};

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
    /// The `ca_store` setting (`--store`, `CERT_STORE`): where the CA's store is.
    pub store: Option<String>,
}

/// The settings cert needs, resolved: paths are absolute and interpolated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whose section precedence was used.
    pub run: Run,
    /// The default directories that applied.
    pub layout: DirectoryLayout,
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
    /// `autosign`: `true`, `false` or an absolute path after interpolation, the path already
    /// told apart as an `autosign.conf` or a policy program; `None` when unset (then Puppet uses
    /// `$confdir/autosign.conf`).
    pub autosign: Option<Autosign>,
    /// `autosign_timeout` (ours, not Puppet's): how long a policy program may run; `None` when
    /// unset (then 10 seconds).
    pub autosign_timeout: Option<Duration>,
    /// `autosign_tokens` (ours, not Puppet's): whether enrolment tokens presented in requests
    /// are honoured; `None` when unset (then they are).
    pub autosign_tokens: Option<bool>,
    /// puppetserver's `ca.conf`, holding the CA's issuance policy: the `ca_conf` setting (ours,
    /// not Puppet's), else the layout's (`/etc/puppetlabs/puppetserver/conf.d/ca.conf`,
    /// `/etc/puppet/puppetserver/conf.d/ca.conf`, `~/.puppetlabs/etc/puppetserver/conf.d/ca.conf`),
    /// else, for a puppet.conf outside the layout's confdir, `puppetserver/conf.d/ca.conf` in
    /// the confdir's parent.
    pub ca_conf: PathBuf,
    /// `ca_store` (ours, not Puppet's): the CA's store, a PostgreSQL URL or a CA directory;
    /// `None` when unset (then Puppet's file layout in `cadir`).
    pub ca_store: Option<crate::store::Location>,
    /// `console_bind` (ours, not Puppet's): where `cert serve` serves the web console (its own
    /// TLS listener, as `ADDRESS:PORT`); `None` when unset (then no console).
    pub console_bind: Option<std::net::SocketAddr>,
    /// `ca_ttl`: the lifetime of issued certificates.
    pub ca_ttl: Option<Duration>,
    /// `crl_ttl` (ours, not Puppet's): how long a CRL the CA signs is valid (its nextUpdate);
    /// `None` when unset (then 5 years, as puppetserver).
    pub crl_ttl: Option<Duration>,
    /// `crl_refresh` (ours, not Puppet's): how long before its nextUpdate a CRL is re-issued;
    /// `None` when unset (then a quarter of `crl_ttl`).
    pub crl_refresh: Option<Duration>,
    /// `keylength`: RSA key size in bits.
    pub keylength: Option<u32>,
    /// `key_type`: `rsa` or `ec`.
    pub key_type: Option<KeyType>,
    /// `server_key_type` (ours, not Puppet's): `rsa` or `ec`, the key of the CA server's own
    /// certificate (what `cert serve` presents in TLS) when it is made; `None` when unset
    /// (then the CA's own key type).
    pub server_key_type: Option<KeyType>,
    /// `allow_duplicate_certs`.
    pub allow_duplicate_certs: Option<bool>,
    /// `server`.
    pub server: Option<String>,
    /// `ca_server`.
    pub ca_server: Option<String>,
    /// `ca_port`.
    pub ca_port: Option<u16>,
    /// `serverport`, or its old name `masterport`.
    pub serverport: Option<u16>,
    /// `waitforcert`.
    pub waitforcert: Option<Duration>,
    /// `ca_refresh_interval`: how long `cert agent` trusts `certs/ca.pem` before asking the CA
    /// again; `None` when unset (then every run, unlike Puppet 8's one day).
    pub ca_refresh_interval: Option<Duration>,
    /// `crl_refresh_interval`: likewise for `crl.pem`.
    pub crl_refresh_interval: Option<Duration>,
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
        ssldir: overrides.ssldir.as_deref().map(os::absolute),
        cadir: overrides.cadir.as_deref().map(os::absolute),
        autosign: overrides.autosign.as_deref().map(|value| match value {
            "true" | "false" => value.to_owned(),
            path => os::absolute(Path::new(path)).to_string_lossy().into_owned(),
        }),
        ..overrides.clone()
    };
    let location = locate(&overrides, env, &os::exists)?;
    let conf = match &location.config_file {
        Some(path) => PuppetConf::read(path)?,
        None => PuppetConf::default(),
    };
    resolve(run, location, conf, &overrides, env)
}

#[cfg(test)]
mod tests {
    use super::testing::{env, TempDir};
    use super::*;

    #[test]
    fn load_reads_the_user_file_and_the_config_override() {
        let home = TempDir::new("home");
        let confdir = home.0.join(".puppetlabs/etc/puppet");
        home.write(
            ".puppetlabs/etc/puppet/puppet.conf",
            "[agent]\nserver = puppet.example.com\n",
        );
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
        let custom = home.write("other/custom.conf", "[main]\nok = 1\n\nnot a setting\n");
        let overrides = Overrides {
            config: Some(custom.clone()),
            ..Default::default()
        };
        let message = load(&overrides, &environment).unwrap_err().to_string();
        let expected = format!("cannot parse {} line 4:", custom.display());
        assert!(message.starts_with(&expected), "{message}");

        home.write("other/custom.conf", "[main]\nvardir = /srv/v\n");
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
}
