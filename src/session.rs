//! Signing in to the web console: one-time login links and sessions, as rules on values.
//!
//! A [`Secret`] (32 random bytes, base64url) is handed out once: a login link's in the URL
//! fragment that `cert console login` prints (a fragment never reaches a server, a proxy or a
//! log), a session's in its cookie. The store keeps only [`Secret::hash`] (SHA-256 with a
//! label of its own), so a copy of the store, or a backup, opens nothing; a session's CSRF
//! token is derived from its secret ([`Secret::csrf_token`]) and is never stored either.
//!
//! A link signs in once, within its lifetime ([`link_lifetime`]; 5 minutes unless asked);
//! a session ends when signed out, after [`IDLE`] without a request, or [`LIFETIME`] after it
//! began, whichever comes first ([`is_live`]). The rights of a session are its actor's: the Unix
//! user who made the link, or the admin whose client certificate the daemon verified; a
//! session never grants anything by itself. Pure: the clock and the random bytes are the
//! caller's ([`crate::ca`] makes and checks them against the store).

use std::time::Duration;

use base64::Engine;
use time::OffsetDateTime;

use crate::error::SessionError;
use crate::store::{SessionKind, SessionRecord};

/// How long a login link is valid when no lifetime is asked for.
pub const LINK_TTL: Duration = Duration::from_secs(5 * 60);

/// The longest lifetime a login link may be given.
pub const MAX_LINK_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);

/// A session ends this long after it began, however busy.
pub const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// How stale a session's last-seen time may get before a request records a new one: so that
/// a busy session writes to the store once a minute, not on every request.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// The length of a secret as text (base64url of [`SECRET_BYTES`], no padding).
const SECRET_CHARS: usize = 43;

/// A login link's or a session's secret: what the holder presents, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never in a log or a panic message.
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// The secret made of `random` bytes.
    pub fn from_random(random: &[u8; SECRET_BYTES]) -> Secret {
        Secret(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random))
    }

    /// A secret as presented (a cookie, a form field): `None` unless it has a secret's shape,
    /// so that nothing else is ever hashed and looked up.
    pub fn parse(text: &str) -> Option<Secret> {
        let shaped = text.len() == SECRET_CHARS
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        shaped.then(|| Secret(text.to_owned()))
    }

    /// The text to hand out (a URL fragment, a cookie value).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps: the SHA-256 of the secret under a label, hex.
    pub fn hash(&self) -> String {
        hex(&labelled_digest(b"cert console secret", &self.0))
    }

    /// The session's CSRF token, put in every form it is shown and required back with every
    /// change: derived from the secret, so only a page of the session itself can know it.
    pub fn csrf_token(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(labelled_digest(b"cert console csrf", &self.0))
    }

    /// Whether `given` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        let expected = self.csrf_token();
        expected.len() == given.len() && openssl::memcmp::eq(expected.as_bytes(), given.as_bytes())
    }
}

/// SHA-256 of `label`, a zero byte and `text`.
fn labelled_digest(label: &[u8], text: &str) -> [u8; 32] {
    let mut hasher = openssl::sha::Sha256::new();
    hasher.update(label);
    hasher.update(&[0]);
    hasher.update(text.as_bytes());
    hasher.finish()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lifetime of a new login link: `asked`, else [`LINK_TTL`]; refused beyond
/// [`MAX_LINK_TTL`] or when zero.
pub fn link_lifetime(asked: Option<Duration>) -> Result<Duration, SessionError> {
    let lifetime = asked.unwrap_or(LINK_TTL);
    if lifetime.is_zero() || lifetime > MAX_LINK_TTL {
        return Err(SessionError::LinkLifetime {
            asked: format!("{} s", lifetime.as_secs()),
            most: "24 hours",
        });
    }
    Ok(lifetime)
}

/// The record of a new login link for `actor`, made at `now`, valid for `lifetime`.
pub fn link_record(
    secret: &Secret,
    actor: &str,
    now: OffsetDateTime,
    lifetime: Duration,
) -> SessionRecord {
    SessionRecord {
        hash: secret.hash(),
        kind: SessionKind::Link,
        actor: actor.to_owned(),
        created: now,
        seen: now,
        expires: now + lifetime,
    }
}

/// The record of a new session of `actor` (the console's actor name, [`console_actor`]),
/// begun at `now`.
pub fn session_record(secret: &Secret, actor: &str, now: OffsetDateTime) -> SessionRecord {
    SessionRecord {
        hash: secret.hash(),
        kind: SessionKind::Session,
        actor: actor.to_owned(),
        created: now,
        seen: now,
        expires: now + LIFETIME,
    }
}

/// Whether `record` is a login link that may still be used at `now`.
pub fn link_usable(record: &SessionRecord, now: OffsetDateTime) -> bool {
    record.kind == SessionKind::Link && now < record.expires
}

/// Whether `record` is a session that is still open at `now`: not past its lifetime, and seen
/// within [`IDLE`].
pub fn is_live(record: &SessionRecord, now: OffsetDateTime) -> bool {
    record.kind == SessionKind::Session && now < record.expires && now - record.seen < IDLE
}

/// Whether a request of the live session `record` at `now` should record a new last-seen
/// time.
pub fn needs_touch(record: &SessionRecord, now: OffsetDateTime) -> bool {
    now - record.seen >= TOUCH_EVERY
}

/// The audit trail's actor for what a session of `identity` does in the console:
/// `console:cli:<user>` for a login link made by a Unix user (`cli:<user>`), and
/// `console:client:<CN>` for an admin's client certificate (`client:<CN>`).
pub fn console_actor(identity: &str) -> String {
    format!("console:{identity}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> Secret {
        Secret::from_random(&[byte; SECRET_BYTES])
    }

    #[test]
    fn a_secret_is_43_url_safe_characters_and_only_its_hash_is_kept() {
        let one = secret(7);
        assert_eq!(one.expose().len(), 43);
        assert_eq!(Secret::parse(one.expose()), Some(one.clone()));
        assert_eq!(one.hash().len(), 64);
        assert!(!one.hash().contains(one.expose()));
        assert_ne!(one.hash(), secret(8).hash());
        for bad in ["", "short", &format!("{}=", &one.expose()[..42]), "a/b+c"] {
            assert_eq!(Secret::parse(bad), None, "{bad:?}");
        }
        assert_eq!(format!("{one:?}"), "Secret(..)");
    }

    #[test]
    fn the_csrf_token_is_the_sessions_own() {
        let one = secret(1);
        let token = one.csrf_token();
        assert!(one.csrf_matches(&token));
        assert!(!secret(2).csrf_matches(&token));
        assert!(!one.csrf_matches(""));
        assert!(!one.csrf_matches(&token[1..]));
        // Neither the hash the store keeps nor the secret itself.
        assert_ne!(token, one.hash());
        assert!(!one.csrf_matches(one.expose()));
    }

    #[test]
    fn links_and_sessions_expire() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(link_lifetime(None).unwrap(), LINK_TTL);
        assert!(link_lifetime(Some(Duration::ZERO)).is_err());
        assert!(link_lifetime(Some(MAX_LINK_TTL + Duration::from_secs(1))).is_err());
        let link = link_record(&secret(1), "cli:alice", now, LINK_TTL);
        assert!(link_usable(&link, now + Duration::from_secs(299)));
        assert!(!link_usable(&link, now + LINK_TTL));
        assert!(!is_live(&link, now), "a link is no session");
        let session = session_record(&secret(2), "console:cli:alice", now);
        assert!(!link_usable(&session, now), "a session is no link");
        assert!(is_live(&session, now + IDLE - Duration::from_secs(1)));
        assert!(!is_live(&session, now + IDLE));
        assert!(!needs_touch(&session, now + Duration::from_secs(59)));
        assert!(needs_touch(&session, now + TOUCH_EVERY));
        let busy = SessionRecord {
            seen: now + LIFETIME - Duration::from_secs(1),
            ..session
        };
        assert!(is_live(&busy, now + LIFETIME - Duration::from_secs(1)));
        assert!(!is_live(&busy, now + LIFETIME), "never past its lifetime");
        assert_eq!(console_actor("cli:alice"), "console:cli:alice");
    }
}
