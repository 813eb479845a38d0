//! Exit codes, one table (documented in the man page's EXIT STATUS):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | failed: an action failed for at least one name, or `--verify` found the certificate invalid, `autosign check` would not sign, `check` found a problem, or `check --expiring` found something expiring |
//! | 2 | usage or configuration error: bad arguments, unreadable puppet.conf, no CA |
//! | 3 | agent: the certificate is not signed yet (waitforcert 0, or maxwaitforcert passed) |
//! | 4 | agent: the CA refused the request, or the certificate is revoked |
//! | 5 | agent: the CA cannot be reached |

use std::process::ExitCode;

/// Everything worked.
pub(crate) const DONE: u8 = 0;
/// An action failed.
pub(crate) const FAILED: u8 = 1;
/// Usage or configuration error.
pub(crate) const USAGE: u8 = 2;
/// The agent's certificate is not signed yet.
pub(crate) const WAITING: u8 = 3;
/// The CA refused the agent's request, or revoked its certificate.
pub(crate) const REFUSED: u8 = 4;
/// The agent cannot reach the CA.
pub(crate) const UNREACHABLE: u8 = 5;

/// The exit code as `ExitCode`.
pub(crate) fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}

/// The text of the EXIT STATUS section of the man page.
pub(crate) const EXIT_STATUS: &str = "0  done\n\
1  failed: an action failed for at least one name, --verify found a certificate invalid, `autosign check` would not sign, `check` found a problem, or `check --expiring` found something expiring\n\
2  usage or configuration error: bad arguments, unreadable puppet.conf, no CA\n\
3  agent: the certificate is not signed yet (waitforcert 0, or maxwaitforcert passed)\n\
4  agent: the CA refused the certificate request, or the certificate is revoked\n\
5  agent: the CA cannot be reached";
