//! `cert --print`, `--fingerprint` and `--verify` (and their subcommands).

use cert::certificate::Digest;
use cert::Error;

use crate::cli::{for_each, Context};

/// Print the text of each certificate (`ca` is the CA).
pub(crate) fn print(context: &Context, names: &[String]) -> Result<u8, Error> {
    let ca = context.open()?;
    Ok(for_each(names, |name| {
        print!("{}", ca.certificate(name)?.to_text()?);
        Ok(())
    }))
}

/// Print `name (DIGEST) FP` for each certificate (or pending request).
pub(crate) fn fingerprint(context: &Context, names: &[String], digest: &str) -> Result<u8, Error> {
    let digest = Digest::parse(digest)?;
    let ca = context.open()?;
    Ok(for_each(names, |name| {
        let fingerprint = ca.fingerprint(name, digest)?;
        println!("{name} ({}) {fingerprint}", digest.label());
        Ok(())
    }))
}

/// Verify each certificate against the CA chain and CRLs; exit 1 when any is invalid.
pub(crate) fn verify(context: &Context, names: &[String]) -> Result<u8, Error> {
    let ca = context.open()?;
    Ok(for_each(names, |name| {
        ca.verify(name)?;
        println!("{name}: OK");
        Ok(())
    }))
}
