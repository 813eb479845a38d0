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
