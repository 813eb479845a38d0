//! `cert agent`: enroll with a Puppet CA and keep the certificate and CRL fresh. The state
//! machine is `cert::agent`; this file resolves the options, prints progress, runs the loop
//! and the `--exec` command, and picks the exit code.

use std::time::Duration;

use cert::agent::{Agent, AgentConfig, Given};
use cert::settings::{self, Environment, Overrides, Run};
use cert::ssldir::Ssldir;
use cert::Error;

use crate::cli::args::AgentArgs;
use crate::cli::{exit, exit_code_for, report, Context};

/// Puppet's default `runinterval`.
const RUNINTERVAL: Duration = Duration::from_secs(30 * 60);

/// Run the agent once (`--onetime`) or for ever.
pub(crate) fn run(context: &Context, request: &AgentArgs) -> Result<u8, Error> {
    // The agent has no autosign setting to override.
    let overrides = Overrides {
        autosign: None,
        ..context.overrides(request.certname.clone())
    };
    let settings = settings::load_for(Run::Agent, &overrides, &Environment::current())?;
    let given = Given {
        server: request.server.clone(),
        ca_server: request.ca_server.clone(),
        dns_alt_names: request.dns_alt_names.clone(),
        waitforcert: request.waitforcert.clone(),
        maxwaitforcert: request.maxwaitforcert.clone(),
        ca_fingerprint: request.ca_fingerprint.clone(),
        token: request.token.clone(),
    };
    let config = AgentConfig::resolve(&settings, &given)?;
    let runinterval = match &request.runinterval {
        Some(text) => cert::duration::parse("runinterval", text)?,
        None => settings.runinterval.unwrap_or(RUNINTERVAL),
    };
    let agent = Agent::new(config, Ssldir::new(&settings.ssldir));
    loop {
        let result = agent.run_once(&mut |event| println!("{event}"));
        match result {
            Ok(outcome) => {
                if outcome.changed() {
                    let command = request.exec.as_deref().map(str::trim);
                    if let Some(command) = command.filter(|c| !c.is_empty()) {
                        run_exec(command);
                    }
                }
                if request.onetime {
                    return Ok(exit::DONE);
                }
            }
            Err(error) if request.onetime => return Err(error),
            Err(error) => {
                report(&error);
                eprintln!(
                    "note: exit status would be {}; trying again in {}s",
                    exit_code_for(&error),
                    runinterval.as_secs()
                );
            }
        }
        std::thread::sleep(runinterval.max(Duration::from_secs(1)));
    }
}

/// Run the user's `--exec` command; a failure is reported, not fatal.
fn run_exec(command: &str) {
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
    {
        Ok(status) if status.success() => println!("ran {command:?}"),
        Ok(status) => eprintln!("warning: {command:?} failed ({status})"),
        Err(e) => eprintln!("warning: cannot run {command:?}: {e}"),
    }
}
