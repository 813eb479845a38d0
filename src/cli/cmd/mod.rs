//! One file per command; [`dispatch`] routes an [`Action`] to it.

mod agent;
mod autosign;
mod check;
mod docs;
mod export;
mod generate;
mod list;
mod log;
mod revoke;
mod serve;
mod setup;
mod show;
mod sign;
mod submit;

use cert::Error;

use super::args::Action;
use super::Context;

/// Run `action`; returns the exit code.
pub(crate) fn dispatch(context: &Context, action: Action) -> Result<u8, Error> {
    match action {
        Action::Agent(request) => agent::run(context, &request),
        Action::AutosignCheck { name, csr } => autosign::check(context, &name, csr.as_deref()),
        Action::Check => check::run(context),
        Action::Clean { names } => revoke::clean(context, &names),
        Action::Completions { shell } => docs::completions(shell),
        action @ Action::Export { .. } => export::run(context, action),
        Action::Fingerprint { names, digest } => show::fingerprint(context, &names, &digest),
        Action::Generate {
            names,
            alt_names,
            ttl,
            key,
            force,
        } => generate::run(context, &names, &alt_names, ttl.as_deref(), key, force),
        Action::Import {
            private_key,
            cert_bundle,
            crl_chain,
            certname,
        } => setup::import(context, &private_key, &cert_bundle, &crl_chain, certname),
        Action::List { all, names } => list::run(context, all, &names),
        Action::Log => log::run(context),
        Action::Man { dir } => docs::man(&dir),
        Action::Print { names } => show::print(context, &names),
        Action::Revoke { names } => revoke::revoke(context, &names),
        Action::Setup {
            certname,
            alt_names,
            ca_name,
            ttl,
            key,
        } => setup::setup(context, certname, alt_names, ca_name, ttl.as_deref(), key),
        Action::Serve { bind, admins } => serve::run(context, bind, admins),
        Action::Sign {
            names,
            all,
            allow_alt_names,
            ttl,
        } => sign::run(context, &names, all, allow_alt_names, ttl.as_deref()),
        Action::Submit { files } => submit::run(context, &files),
        Action::Verify { names } => show::verify(context, &names),
    }
}

/// The library's key spec for a CLI key choice.
pub(crate) fn key_spec(
    choice: Option<super::args::KeyChoice>,
    default: cert::keys::KeySpec,
) -> cert::keys::KeySpec {
    use super::args::KeyChoice;
    use cert::keys::KeySpec;
    match choice {
        None => default,
        Some(KeyChoice::Rsa { bits }) => KeySpec::Rsa { bits },
        Some(KeyChoice::Ec { curve_bits: 384 }) => KeySpec::EcP384,
        Some(KeyChoice::Ec { .. }) => KeySpec::EcP256,
    }
}

/// Parse an optional `--ttl`.
pub(crate) fn ttl(text: Option<&str>) -> Result<Option<std::time::Duration>, Error> {
    text.map(|t| cert::duration::parse("ttl", t))
        .transpose()
        .map_err(Error::from)
}
