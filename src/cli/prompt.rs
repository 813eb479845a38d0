//! Confirmations for destructive commands (dialoguer), asked only on a terminal and never with
//! `--yes`.

use std::io::IsTerminal;

/// Ask `question`; `true` without asking when `yes` or when stdin or stderr is not a terminal.
pub(crate) fn confirm(question: &str, yes: bool) -> bool {
    if yes || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return true;
    }
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .unwrap_or(false)
}

/// Ask for a new passphrase twice on the terminal (for PKCS#12 export); refused when stdin is
/// not a terminal, so scripts must use `--passphrase-file`.
pub(crate) fn passphrase() -> Result<String, cert::Error> {
    let refused = |reason: &str| cert::Error::Value {
        what: "passphrase",
        value: String::new(),
        reason: reason.into(),
    };
    if !std::io::stdin().is_terminal() {
        return Err(refused(
            "--format pkcs12 needs a passphrase: give --passphrase-file FILE or run on a terminal",
        ));
    }
    let entered = dialoguer::Password::new()
        .with_prompt("PKCS#12 passphrase")
        .with_confirmation("Repeat the passphrase", "the passphrases differ")
        .interact()
        .map_err(|e| refused(&format!("cannot read it from the terminal ({e})")))?;
    if entered.is_empty() {
        return Err(refused("an empty passphrase protects nothing"));
    }
    Ok(entered)
}
