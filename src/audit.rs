//! The audit trail: one JSON line per sign, revoke, clean, delete and prune decision, CRL
//! re-issue and CA extension (who, what, which serial,
//! which fingerprint, done or refused, and why), appended to `cadir/audit.log` by the store.
//!
//! This module shapes and reads the lines; the store appends them (fsync'd, append-only).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::certificate::{Certificate, Digest, Serial};
use crate::certname::Certname;
use crate::timestamp::format_time;

/// One audited decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When, in Puppet's time format.
    pub time: String,
    /// Who: `cli:<user>`, `client:<certificate CN>`, `autosign` or `serve` (the daemon's timer).
    pub actor: String,
    /// `sign`, `revoke`, `clean`, `generate`, `delete`, `prune`, `refresh-crl`, `extend-ca`.
    pub action: String,
    /// The certname (the CA's CN for what is about the CA or its CRL).
    pub name: String,
    /// The serial, hex, when a certificate is involved.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    /// The SHA-256 fingerprint, when a certificate is involved.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fingerprint: Option<String>,
    /// `done` or `refused`.
    pub decision: String,
    /// Why (the error for a refusal, details for a success).
    pub reason: String,
}

impl Event {
    /// A decision about `name`.
    pub fn new(now: OffsetDateTime, actor: &str, action: &str, name: &Certname) -> Event {
        Event::about(now, actor, action, name.as_str())
    }

    /// A decision about something other than a host: the CA itself (`extend-ca`), its CRL
    /// (`prune`, `refresh-crl`), named by its CN.
    pub fn about(now: OffsetDateTime, actor: &str, action: &str, subject: &str) -> Event {
        Event {
            time: format_time(now),
            actor: actor.to_owned(),
            action: action.to_owned(),
            name: subject.to_owned(),
            serial: None,
            fingerprint: None,
            decision: "done".into(),
            reason: String::new(),
        }
    }

    /// With the certificate's serial and fingerprint.
    pub fn certificate(mut self, cert: &Certificate) -> Event {
        self.serial = cert.serial.map(|s| s.to_string());
        self.fingerprint = Some(cert.fingerprint(Digest::Sha256));
        self
    }

    /// With serials (for revocations found through the inventory).
    pub fn serials(mut self, serials: &[Serial]) -> Event {
        if !serials.is_empty() {
            self.serial = Some(
                serials
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        self
    }

    /// Marked refused, with the reason.
    pub fn refused(mut self, reason: &dyn std::fmt::Display) -> Event {
        self.decision = "refused".into();
        self.reason = reason.to_string();
        self
    }

    /// With a reason for a success.
    pub fn because(mut self, reason: &str) -> Event {
        self.reason = reason.to_owned();
        self
    }

    /// The JSON line, with its newline.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// Parse an audit log; lines that are not events are skipped.
pub fn parse(text: &str) -> Vec<Event> {
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The actor of a certificate autosign signed (the `autosign` setting decided, not a person).
pub const AUTOSIGN_ACTOR: &str = "autosign";

/// The actor of what `cert serve` does on its own (re-issuing CRLs before they lapse).
pub const DAEMON_ACTOR: &str = "serve";

/// The actor for a daemon request made with the client certificate of `common_name`:
/// `client:<CN>`.
pub fn client_actor(common_name: &str) -> String {
    format!("client:{common_name}")
}

/// The actor for a command-line user: `cli:<user>`.
pub fn cli_actor() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata("/proc/self")
                .map(|m| format!("uid={}", m.uid()))
                .unwrap_or_else(|_| "unknown".into())
        });
    format!("cli:{user}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let name = Certname::parse("node1.example.com").unwrap();
        let event = Event::new(OffsetDateTime::UNIX_EPOCH, "cli:root", "sign", &name)
            .refused(&"CSR 'node1.example.com' contains subject alternative names");
        let line = event.to_line();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        assert_eq!(
            parse(&format!("{line}garbage\n{line}")),
            vec![event.clone(), event]
        );
    }
}
