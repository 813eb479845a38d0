//! The `cert` binary: parse argv, run one command, print the error once, pick the exit code.
//!
//! Everything is in `cli/`; the certificate authority itself is the `cert` library.

#![forbid(unsafe_code)]
#![warn(unreachable_pub, unused_qualifications)]

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::run(std::env::args_os())
}
