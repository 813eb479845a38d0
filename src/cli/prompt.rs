//! Confirmations for destructive commands (dialoguer), asked only on a terminal and never with
//! `--yes`.

use std::io::IsTerminal;

use cert::error::PassphraseError;

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
pub(crate) fn passphrase() -> Result<String, PassphraseError> {
    if !std::io::stdin().is_terminal() {
        return Err(PassphraseError::NoTerminal);
    }
    let entered = dialoguer::Password::new()
        .with_prompt("PKCS#12 passphrase")
        .with_confirmation("Repeat the passphrase", "the passphrases differ")
        .interact()
        .map_err(|e| PassphraseError::Terminal {
            reason: e.to_string(),
        })?;
    if entered.is_empty() {
        return Err(PassphraseError::Empty);
    }
    Ok(entered)
}
