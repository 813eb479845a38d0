//! One-time enrolment tokens, as rules on values: an administrator's grant that whoever
//! presents the token in a CSR's challengePassword attribute gets a certificate for a name
//! matching the token's glob, while the token lives and has uses left.
//!
//! A [`Token`] is `cert-` and 64 hex digits (32 random bytes): only characters of an ASN.1
//! PrintableString, since Puppet agents encode every `custom_attributes` value of
//! `csr_attributes.yaml` as one, and never a YAML number. It is shown once, when made; the
//! store keeps [`Token::hash`] (SHA-256 with a label of its own), so a copy of the store opens
//! nothing. A token's [`Token::id`] (the first 12 hex digits of its hash) names it in lists,
//! revocations and the audit trail, also for a token nobody made.
//!
//! A token grants names matching its [`Glob`]: autosign.conf's syntax (`*`, an exact name,
//! `*.example.com`), plus a prefix before the `*` (`web*.example.com`), matched as it reads,
//! never wider: `*.example.com` does not match `example.com` itself, and the prefix counts
//! (autosign.conf would widen `web*.example.com` to `*.example.com`). [`check`] says what a
//! presented token does for a name: grants it, or why not ([`Check`]); an expired, revoked or
//! used up token is kept [`RETENTION`] after it ends, so a request left pending keeps its
//! reason. Pure: the clock, the random bytes and the store are the caller's ([`crate::ca`]).

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::TokenError;
use crate::store::TokenRecord;
use crate::timestamp::format_time;

/// The challengePassword attribute (PKCS#9, RFC 2985 5.4.1) that carries a token.
pub const CHALLENGE_PASSWORD: &[u64] = &[1, 2, 840, 113_549, 1, 9, 7];

/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;

/// How a token's text begins.
const PREFIX: &str = "cert-";

/// Hex digits of a token's hash that make its id.
const ID_LENGTH: usize = 12;

/// How long a token lives when no lifetime is asked for.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

/// The longest lifetime a token may be given: a grant should not outlive what it was made for.
pub const MAX_TTL: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// The most uses a token may be given.
pub const MAX_USES: u32 = 1_000_000;

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 200;

/// How long a token is kept after it expired: so that a request it left pending keeps its
/// reason (`expired`, `used up`, `revoked`) rather than becoming `unknown`.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// An enrolment token as its holder presents it; never stored, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never in a log or a panic message.
        write!(f, "Token({}..)", self.id())
    }
}

impl Token {
    /// The token made of `random` bytes.
    pub fn from_random(random: &[u8; TOKEN_BYTES]) -> Token {
        Token(format!("{PREFIX}{}", hex(random)))
    }

    /// A token as presented: `None` unless it has a token's shape, so that nothing else (a
    /// policy program's own challengePassword) is taken for one.
    pub fn parse(text: &str) -> Option<Token> {
        let digits = text.strip_prefix(PREFIX)?;
        let shaped = digits.len() == 2 * TOKEN_BYTES
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped.then(|| Token(text.to_owned()))
    }

    /// The token `csr` presents in its challengePassword attribute, if it carries one of a
    /// token's shape.
    pub fn presented(csr: &Csr) -> Option<Token> {
        let oid = crate::extension::dotted(CHALLENGE_PASSWORD);
        csr.attributes()
            .iter()
            .filter(|attribute| attribute.oid == oid)
            .find_map(|attribute| Token::parse(attribute.value.trim()))
    }

    /// The text to hand out, once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps: the SHA-256 of the token under a label, hex.
    pub fn hash(&self) -> String {
        let mut hasher = openssl::sha::Sha256::new();
        hasher.update(b"cert enrolment token");
        hasher.update(&[0]);
        hasher.update(self.0.as_bytes());
        hex(&hasher.finish())
    }

    /// What names the token in lists and the audit trail: the first digits of its hash.
    pub fn id(&self) -> String {
        id_of(&self.hash())
    }
}

/// The id of the token whose hash is `hash`.
pub fn id_of(hash: &str) -> String {
    hash.chars().take(ID_LENGTH).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The names a token grants: `*` (every name), an exact certname, or `PREFIX*.DOMAIN` (names
/// ending in `.DOMAIN` whose part before it starts with PREFIX, which may be empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    text: String,
    kind: GlobKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum GlobKind {
    Everything,
    Exact,
    Prefixed { prefix: String, suffix: String },
}

impl Glob {
    /// Parse a glob as given to `cert token create`.
    pub fn parse(text: &str) -> Result<Glob, TokenError> {
        let bad = |reason: &str| TokenError::Glob {
            glob: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text == "*" {
            return Ok(Glob {
                text: text.to_owned(),
                kind: GlobKind::Everything,
            });
        }
        if text.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(bad("certnames are lower-case, so it would never match"));
        }
        let Some((prefix, domain)) = text.split_once('*') else {
            return match Certname::parse(text) {
                Ok(_) => Ok(Glob {
                    text: text.to_owned(),
                    kind: GlobKind::Exact,
                }),
                Err(error) => Err(bad(&error.to_string())),
            };
        };
        let forms = "use *, a certname, *.DOMAIN or PREFIX*.DOMAIN";
        let Some(domain) = domain.strip_prefix('.') else {
            return Err(bad(&format!("the * must end the first label; {forms}")));
        };
        if prefix.contains('.') {
            return Err(bad(&format!("the * must be in the first label; {forms}")));
        }
        if domain.contains('*') {
            return Err(bad(&format!("only one * is allowed; {forms}")));
        }
        if let Some(c) = prefix
            .chars()
            .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
        {
            return Err(bad(&format!("{c:?} cannot start a certname's label")));
        }
        if let Err(error) = crate::certname::check_dns_name(domain) {
            return Err(bad(&format!("its domain: {error}")));
        }
        Ok(Glob {
            text: text.to_owned(),
            kind: GlobKind::Prefixed {
                prefix: prefix.to_owned(),
                suffix: format!(".{domain}"),
            },
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the glob grants `name`.
    pub fn matches(&self, name: &Certname) -> bool {
        let name = name.as_str();
        match &self.kind {
            GlobKind::Everything => true,
            GlobKind::Exact => self.text == name,
            GlobKind::Prefixed { prefix, suffix } => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| !head.is_empty() && head.starts_with(prefix.as_str())),
        }
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The lifetime of a new token: `asked`, else [`DEFAULT_TTL`]; refused when zero or beyond
/// [`MAX_TTL`].
pub fn lifetime(asked: Option<Duration>) -> Result<Duration, TokenError> {
    let lifetime = asked.unwrap_or(DEFAULT_TTL);
    if lifetime.is_zero() || lifetime > MAX_TTL {
        return Err(TokenError::Lifetime {
            asked: format!("{} s", lifetime.as_secs()),
            most: "366 days",
        });
    }
    Ok(lifetime)
}

/// The uses of a new token: `asked`, else one; refused when zero or beyond [`MAX_USES`].
pub fn uses(asked: Option<u64>) -> Result<u32, TokenError> {
    let asked = asked.unwrap_or(1);
    match u32::try_from(asked) {
        Ok(uses) if (1..=MAX_USES).contains(&uses) => Ok(uses),
        _ => Err(TokenError::Uses {
            asked,
            most: MAX_USES,
        }),
    }
}

/// A new token's comment: one line of at most [`MAX_COMMENT`] characters, trimmed.
pub fn comment(text: Option<&str>) -> Result<String, TokenError> {
    let text = text.unwrap_or_default().trim();
    if text.chars().any(char::is_control) {
        return Err(TokenError::Comment {
            reason: "it must be one line of printable characters".into(),
        });
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(TokenError::Comment {
            reason: format!("it is longer than {MAX_COMMENT} characters"),
        });
    }
    Ok(text.to_owned())
}

/// What a new token is, as the caller asked for it, checked ([`Grant::new`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The names it grants.
    pub glob: Glob,
    /// How long it lives.
    pub lifetime: Duration,
    /// How many certificates it may get.
    pub uses: u32,
    /// Why it was made (one line, may be empty).
    pub comment: String,
}

impl Grant {
    /// A grant from what `cert token create` or the daemon's endpoint was given: the glob,
    /// the lifetime ([`DEFAULT_TTL`] when `None`), the uses (one when `None`) and a comment.
    pub fn new(
        glob: &str,
        lifetime: Option<Duration>,
        uses: Option<u64>,
        comment: Option<&str>,
    ) -> Result<Grant, TokenError> {
        Ok(Grant {
            glob: Glob::parse(glob)?,
            lifetime: self::lifetime(lifetime)?,
            uses: self::uses(uses)?,
            comment: self::comment(comment)?,
        })
    }

    /// The record of `token` made by `creator` (the audit trail's actor) at `now`.
    pub fn record(&self, token: &Token, creator: &str, now: OffsetDateTime) -> TokenRecord {
        TokenRecord {
            hash: token.hash(),
            id: token.id(),
            glob: self.glob.as_str().to_owned(),
            comment: self.comment.clone(),
            creator: creator.to_owned(),
            created: now,
            expires: now + self.lifetime,
            uses: self.uses,
            uses_left: self.uses,
            revoked: None,
        }
    }
}

/// Where a token stands at a time, as `cert token list` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It grants names.
    Active,
    /// Its lifetime is over.
    Expired,
    /// An administrator revoked it.
    Revoked,
    /// It has no use left.
    UsedUp,
}

impl Status {
    /// Where `record` stands at `now` (revoked first, then expired, then used up).
    pub fn of(record: &TokenRecord, now: OffsetDateTime) -> Status {
        if record.revoked.is_some() {
            Status::Revoked
        } else if record.expires <= now {
            Status::Expired
        } else if record.uses_left == 0 {
            Status::UsedUp
        } else {
            Status::Active
        }
    }

    /// `active`, `expired`, `revoked` or `used up`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::UsedUp => "used up",
        }
    }
}

/// What a token presented with a request does for the request's name; [`fmt::Display`] gives
/// the reason a decision shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Its lifetime is over.
    Expired {
        /// The token's id.
        id: String,
        /// When it expired, in Puppet's time format.
        at: String,
    },
    /// It does not grant the name.
    NameMismatch {
        /// The token's id.
        id: String,
        /// Its glob.
        glob: String,
        /// The name asked for.
        name: String,
    },
    /// An administrator revoked it.
    Revoked {
        /// The token's id.
        id: String,
    },
    /// No token the store keeps has this hash: never made, or dropped [`RETENTION`] after it
    /// ended.
    Unknown {
        /// The id the token would have.
        id: String,
    },
    /// It has no use left.
    UsedUp {
        /// The token's id.
        id: String,
    },
    /// It grants the name: the request is signed (the issuance policy still applies) and one
    /// use is taken.
    Valid {
        /// The token's id.
        id: String,
        /// Its glob.
        glob: String,
        /// Uses left once this one is taken.
        uses_left: u32,
    },
}

impl Check {
    /// Whether the token grants the name.
    pub fn grants(&self) -> bool {
        matches!(self, Check::Valid { .. })
    }

    /// The token's id.
    pub fn id(&self) -> &str {
        match self {
            Check::Expired { id, .. }
            | Check::NameMismatch { id, .. }
            | Check::Revoked { id }
            | Check::Unknown { id }
            | Check::UsedUp { id }
            | Check::Valid { id, .. } => id,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Expired { id, at } => write!(f, "enrolment token {id} expired at {at}"),
            Check::NameMismatch { id, glob, name } => write!(
                f,
                "enrolment token {id} is for {glob:?}, which does not match {name}"
            ),
            Check::Revoked { id } => write!(f, "enrolment token {id} was revoked"),
            Check::Unknown { id } => write!(f, "enrolment token {id} is unknown to this CA"),
            Check::UsedUp { id } => write!(f, "enrolment token {id} is used up"),
            Check::Valid {
                id,
                glob,
                uses_left,
            } => write!(
                f,
                "enrolment token {id} for {glob:?} grants it ({uses_left} use{} left)",
                if *uses_left == 1 { "" } else { "s" }
            ),
        }
    }
}

/// What `token` does for a request of `name` at `now`, given the store's `record` of it (if
/// any) and the uses of it `taken` already by requests decided before this one (in the same
/// batch). The order of the reasons: unknown, revoked, expired, name, uses.
pub fn check(
    token: &Token,
    record: Option<&TokenRecord>,
    name: &Certname,
    now: OffsetDateTime,
    taken: u32,
) -> Check {
    let Some(record) = record.filter(|record| record.hash == token.hash()) else {
        return Check::Unknown { id: token.id() };
    };
    let id = record.id.clone();
    if record.revoked.is_some() {
        return Check::Revoked { id };
    }
    if record.expires <= now {
        return Check::Expired {
            id,
            at: format_time(record.expires),
        };
    }
    // A glob the store holds was checked when it was made; one that no longer parses grants
    // nothing.
    if !Glob::parse(&record.glob).is_ok_and(|glob| glob.matches(name)) {
        return Check::NameMismatch {
            id,
            glob: record.glob.clone(),
            name: name.to_string(),
        };
    }
    if record.uses_left <= taken {
        return Check::UsedUp { id };
    }
    Check::Valid {
        id,
        glob: record.glob.clone(),
        uses_left: record.uses_left - taken - 1,
    }
}

/// Whether the store may drop `record` at `now`: [`RETENTION`] after it expired.
pub fn droppable(record: &TokenRecord, now: OffsetDateTime) -> bool {
    record.expires + RETENTION <= now
}

#[cfg(test)]
mod tests;
