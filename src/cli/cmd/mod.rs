//! One file per command; [`dispatch`] routes an [`Action`] to it.

mod agent;
mod autosign;
mod check;
mod console;
mod docs;
mod enable;
mod export;
mod extend;
mod generate;
mod list;
mod log;
mod migrate;
mod prune;
mod revoke;
mod serve;
mod setup;
mod show;
mod sign;
mod submit;
mod token;

use cert::Error;

use super::args::{Action, AutosignCommand, ConsoleCommand, TokenCommand};
use super::Context;

/// Run `action`; returns the exit code.
pub(crate) fn dispatch(context: &Context, action: Action) -> Result<u8, Error> {
    match action {
        Action::Agent(args) => agent::run(context, &args),
        Action::Autosign {
            command: AutosignCommand::Check(args),
        } => autosign::check(context, &args.name, args.csr.as_deref()),
        Action::Check(args) => check::run(context, args.expiring.as_deref()),
        Action::Clean(certnames) => revoke::clean(context, &certnames.certname),
        Action::Completions(args) => docs::completions(args.shell),
        Action::Console {
            command: ConsoleCommand::Login(args),
        } => console::login(context, &args),
        Action::Delete(args) => prune::delete(context, &args),
        Action::Enable(_) => enable::infra_crl(context),
        Action::Export(export) => export::run(context, export),
        Action::ExtendCa(args) => extend::run(context, args.ttl.ttl.as_deref(), args.keep_serials),
        Action::Fingerprint(args) => show::fingerprint(context, &args.names.names, &args.digest),
        Action::Generate(args) => generate::run(context, &args),
        Action::Import(args) => setup::import(context, args),
        Action::List(args) => {
            list::run(context, args.all, &args.certname, args.expiring.as_deref())
        }
        Action::Log => log::run(context),
        Action::Man(args) => docs::man(&args.dir),
        Action::Migrate(args) => migrate::run(context, &args),
        Action::Print(names) => show::print(context, &names.names),
        Action::Prune(args) => prune::prune(context, &args),
        Action::Revoke(args) => revoke::revoke(context, &args),
        Action::Setup(args) => setup::setup(context, args),
        Action::Serve(args) => serve::run(context, args),
        Action::Sign(args) => sign::run(context, &args),
        Action::Submit(args) => submit::run(context, &args.files),
        Action::Token { command } => match command {
            TokenCommand::Create(args) => token::create(context, &args),
            TokenCommand::List => token::list(context),
            TokenCommand::Revoke(args) => token::revoke(context, &args.id),
        },
        Action::Verify(names) => show::verify(context, &names.names),
    }
}

/// Parse an optional `--ttl`.
pub(crate) fn ttl(text: Option<&str>) -> Result<Option<std::time::Duration>, Error> {
    text.map(|t| cert::duration::parse("ttl", t))
        .transpose()
        .map_err(Error::from)
}
