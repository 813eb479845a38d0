//! The admin CLI: both dialects (Puppet 3 flags and `puppetserver ca` subcommands) are parsed
//! into one [`args::Action`], which is dispatched to one file of `cmd/` per command. Commands
//! call the library, render, and return an exit code; errors are printed once, here.

pub(crate) mod args;
mod cmd;
pub(crate) mod exit;
mod hint;
pub(crate) mod progress;
mod prompt;
mod render;

use std::ffi::OsString;
use std::process::ExitCode;

use cert::ca::{Ca, Config};
use cert::certname::Certname;
use cert::settings::{self, Environment, Overrides, Settings};
use cert::Error;

use args::{Format, Global};

/// Run the CLI on `argv`.
pub(crate) fn run<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let invocation = match args::parse(argv) {
        Ok(invocation) => invocation,
        Err(error) => {
            let _ = error.print();
            return exit::code(error.exit_code().clamp(0, 255) as u8);
        }
    };
    let context = Context {
        global: invocation.global,
    };
    match cmd::dispatch(&context, invocation.action) {
        Ok(code) => exit::code(code),
        Err(error) => {
            report(&error);
            exit::code(exit_code_for(&error))
        }
    }
}

/// Print an error (and its hint) on stderr.
pub(crate) fn report(error: &Error) {
    eprintln!("error: {error}");
    if let Some(hint) = hint::hint(error) {
        eprintln!("hint: {hint}");
    }
}

pub(crate) fn exit_code_for(error: &Error) -> u8 {
    use cert::error::AgentError;
    match error {
        Error::Agent(AgentError::Waiting { .. }) => exit::WAITING,
        Error::Agent(AgentError::Refused { .. } | AgentError::Revoked { .. }) => exit::REFUSED,
        Error::Agent(AgentError::Unreachable { .. }) => exit::UNREACHABLE,
        Error::Agent(AgentError::CsrAttributes { .. } | AgentError::ServerAddress { .. }) => {
            exit::USAGE
        }
        Error::Certname(_) | Error::Duration(_) | Error::Passphrase(_) | Error::Settings(_) => {
            exit::USAGE
        }
        Error::Export(_)
        | Error::BadSerial { .. }
        | Error::UnknownDigest { .. }
        | Error::Csr(
            cert::error::CsrError::AltName { .. } | cert::error::CsrError::AltNameList { .. },
        ) => exit::USAGE,
        Error::Store(
            cert::error::StoreError::NoCa { .. } | cert::error::StoreError::PartialCa { .. },
        ) => exit::USAGE,
        Error::Session(cert::error::SessionError::LinkLifetime { .. }) => exit::USAGE,
        _ => exit::FAILED,
    }
}

/// What every command gets: the global options, and ways to reach settings and the CA.
pub(crate) struct Context {
    pub(crate) global: Global,
}

impl Context {
    /// Settings from puppet.conf and the global options.
    pub(crate) fn settings(&self) -> Result<Settings, Error> {
        self.settings_with_certname(None)
    }

    /// Settings, with the certname overridden.
    pub(crate) fn settings_with_certname(
        &self,
        certname: Option<String>,
    ) -> Result<Settings, Error> {
        Ok(settings::load(
            &self.overrides(certname),
            &Environment::current(),
        )?)
    }

    /// What the global options (and `certname`, when given) override in puppet.conf.
    pub(crate) fn overrides(&self, certname: Option<String>) -> Overrides {
        Overrides {
            config: self.global.config.clone(),
            ssldir: self.global.ssldir.clone(),
            cadir: self.global.cadir.clone(),
            certname,
            autosign: self.global.autosign.clone(),
            store: self.global.store.clone(),
        }
    }

    /// The CA configuration from the settings, with the `--admin` names.
    pub(crate) fn config(&self) -> Result<Config, Error> {
        self.config_from(&self.settings()?)
    }

    /// The CA configuration from `settings`, with the `--admin` names.
    pub(crate) fn config_from(&self, settings: &Settings) -> Result<Config, Error> {
        let mut config = Config::from_settings(settings)?;
        config.admins = self.global.admin.clone();
        Ok(config)
    }

    /// Open the existing CA.
    pub(crate) fn open(&self) -> Result<Ca, Error> {
        Ca::open(self.config()?)
    }

    /// The output format (text unless asked).
    pub(crate) fn format(&self) -> Format {
        self.global.output_format().unwrap_or(Format::Text)
    }
}

/// The current time.
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Validate every name before doing anything: one bad name stops the whole command.
pub(crate) fn certnames(names: &[String]) -> Result<Vec<Certname>, Error> {
    names
        .iter()
        .map(|n| Certname::parse(n).map_err(Error::from))
        .collect()
}

/// Run `each` on every item in turn, printing each failure; the exit code is FAILED if any
/// failed.
pub(crate) fn for_each<T>(items: &[T], mut each: impl FnMut(&T) -> Result<(), Error>) -> u8 {
    let mut code = exit::DONE;
    for item in items {
        if let Err(error) = each(item) {
            report(&error);
            code = exit::FAILED;
        }
    }
    code
}

/// Print the per-name failures of a batch; the exit code is FAILED if there was any.
pub(crate) fn finish<T>(outcomes: &[(Certname, Result<T, Error>)]) -> u8 {
    let mut code = exit::DONE;
    for (_, result) in outcomes {
        if let Err(error) = result {
            report(error);
            code = exit::FAILED;
        }
    }
    code
}
