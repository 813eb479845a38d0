//! Exit codes, one table (documented in the man page's EXIT STATUS):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | failed: an action failed for at least one name, or `--verify` found the certificate invalid, `autosign check` would not sign, or `check` found a problem |
//! | 2 | usage or configuration error: bad arguments, unreadable puppet.conf, no CA |
//! | 3 | still pending (reserved for the agent's wait) |

use std::process::ExitCode;

/// Everything worked.
pub(crate) const DONE: u8 = 0;
/// An action failed.
pub(crate) const FAILED: u8 = 1;
/// Usage or configuration error.
pub(crate) const USAGE: u8 = 2;

/// The exit code as `ExitCode`.
pub(crate) fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}

/// The text of the EXIT STATUS section of the man page.
pub(crate) const EXIT_STATUS: &str = "0  done\n\
1  failed: an action failed for at least one name, --verify found a certificate invalid, `autosign check` would not sign, or `check` found a problem\n\
2  usage or configuration error: bad arguments, unreadable puppet.conf, no CA\n\
3  still pending (reserved for the agent)";
