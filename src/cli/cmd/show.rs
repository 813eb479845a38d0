//! `cert --print`, `--fingerprint` and `--verify` (and their subcommands).

use cert::certificate::Digest;
use cert::Error;

use crate::cli::{exit, report, Context};

/// Print the text of each certificate (`ca` is the CA).
pub(crate) fn print(context: &Context, names: &[String]) -> Result<u8, Error> {
    let ca = context.open()?;
    let mut code = exit::DONE;
    for name in names {
        match ca
            .certificate(name)
            .and_then(|c| c.to_text().map_err(Error::from))
        {
            Ok(text) => print!("{text}"),
            Err(error) => {
                report(&error);
                code = exit::FAILED;
            }
        }
    }
    Ok(code)
}

/// Print `name (DIGEST) FP` for each certificate (or pending request).
pub(crate) fn fingerprint(context: &Context, names: &[String], digest: &str) -> Result<u8, Error> {
    let digest = Digest::parse(digest)?;
    let ca = context.open()?;
    let mut code = exit::DONE;
    for name in names {
        let found = ca.fingerprint(name, digest);
        match found {
            Ok(fingerprint) => println!("{name} ({}) {fingerprint}", digest.label()),
            Err(error) => {
                report(&error);
                code = exit::FAILED;
            }
        }
    }
    Ok(code)
}

/// Verify each certificate against the CA chain and CRLs; exit 1 when any is invalid.
pub(crate) fn verify(context: &Context, names: &[String]) -> Result<u8, Error> {
    let ca = context.open()?;
    let mut code = exit::DONE;
    for name in names {
        match ca.verify(name) {
            Ok(_) => println!("{name}: OK"),
            Err(error) => {
                report(&error);
                code = exit::FAILED;
            }
        }
    }
    Ok(code)
}
