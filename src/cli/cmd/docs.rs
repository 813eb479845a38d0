//! `cert completions SHELL` and `cert man DIR`: generated from the clap definitions.

use std::path::Path;

use cert::error::FileError;
use cert::Error;
use clap::CommandFactory;

use crate::cli::args::{Cli, Shell};
use crate::cli::exit;

/// Print the completion script for `shell`.
pub(crate) fn completions(shell: Shell) -> Result<u8, Error> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Elvish => clap_complete::Shell::Elvish,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
        Shell::Zsh => clap_complete::Shell::Zsh,
    };
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "cert", &mut std::io::stdout());
    Ok(exit::DONE)
}

/// Write `cert.1` and one page per subcommand into `dir`.
pub(crate) fn man(dir: &Path) -> Result<u8, Error> {
    std::fs::create_dir_all(dir).map_err(|e| FileError::io("create", dir, e))?;
    let command = Cli::command().after_long_help(format!("EXIT STATUS:\n{}", exit::EXIT_STATUS));
    let write = |name: String, command: clap::Command| -> Result<(), Error> {
        let mut buffer = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut buffer)
            .map_err(|e| FileError::io("render", dir, e))?;
        let path = dir.join(name);
        std::fs::write(&path, buffer).map_err(|e| FileError::io("write", &path, e).into())
    };
    write("cert.1".into(), command.clone())?;
    for sub in command.get_subcommands() {
        let name = format!("cert-{}", sub.get_name());
        write(
            format!("{name}.1"),
            sub.clone().display_name(name.clone()).bin_name(name),
        )?;
    }
    Ok(exit::DONE)
}
