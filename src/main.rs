//! The `cert` binary: parse argv, run one command, print the error once, pick the exit code.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::run(std::env::args_os())
}
