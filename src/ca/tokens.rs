//! Enrolment tokens: making, listing and revoking them (`cert token`, the daemon's `tokens`
//! endpoint), each change audited, and what a request that presents one is checked against:
//! the tokens' state as the store holds it ([`TokenBook`]), with the uses taken by the requests
//! of the same batch decided before it. The rules are [`crate::token`]'s; taking a use happens
//! in the enrolment batch that signs ([`Ca::enroll`]), in the same store transaction.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::audit::Event;
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, KeyError, TokenError};
use crate::store::{TokenRecord, TokenUse};
use crate::timestamp::format_time;
use crate::token::{self, Check, Grant, Token};

use super::batch::Batch;
use super::{Actor, Ca, Config};

/// A token just made: shown once, never again.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token, for its holder.
    pub token: Token,
    /// What the store keeps of it.
    pub record: TokenRecord,
}

impl Ca {
    /// Make an enrolment token granting `grant` on behalf of `actor`, at `now`: the store
    /// keeps its hash; the token itself is in the answer only. Audited (`token-create`).
    pub fn create_token(
        &self,
        actor: &Actor,
        grant: &Grant,
        now: OffsetDateTime,
    ) -> Result<NewToken, Error> {
        let token = random_token()?;
        let record = grant.record(&token, actor.name(), now);
        let mut batch = Batch::begin(self, actor.name(), now)?;
        batch.transaction().put_token(&record)?;
        let event = batch
            .event_about("token-create", &self.ca_name())
            .because(&describe(&record));
        batch.audit(event);
        batch.commit()?;
        Ok(NewToken { token, record })
    }

    /// Every enrolment token the store keeps, oldest first (ended ones until they are
    /// dropped, [`token::RETENTION`] after they expired).
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, Error> {
        Ok(self.store.tokens()?)
    }

    /// Revoke the enrolment token whose id is `id` on behalf of `actor`, at `now`: it grants
    /// nothing from then on, on every node. [`TokenError::Unknown`] when the store keeps no
    /// token of that id. Audited (`token-revoke`), the refusal too.
    pub fn revoke_token(
        &self,
        actor: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<TokenRecord, Error> {
        let mut batch = Batch::begin(self, actor.name(), now)?;
        let revoked = batch.transaction().revoke_token(id, now)?;
        let event = batch.event_about("token-revoke", &self.ca_name());
        let Some(record) = revoked else {
            let error = TokenError::Unknown { id: id.to_owned() };
            batch.audit(event.refused(&error));
            batch.commit()?;
            return Err(error.into());
        };
        batch.audit(event.because(&describe(&record)));
        batch.commit()?;
        Ok(record)
    }

    /// The tokens the store keeps, as a book at `now` for the verdicts of requests that
    /// present one; an empty book when tokens are not honoured.
    pub(super) fn token_book(&self, now: OffsetDateTime) -> Result<TokenBook, Error> {
        if !self.config.autosign_tokens {
            return Ok(TokenBook::new(Vec::new(), now));
        }
        Ok(TokenBook::new(self.store.tokens()?, now))
    }

    /// The audit line of a request of `name` that presented an enrolment token, in `batch`:
    /// `check` (what the token said), whether a use was `taken`, and `failure`: why no
    /// certificate was issued, when none was and the token alone does not say it (the name
    /// holds admin rights, the issuance policy refused, signing failed).
    pub(super) fn token_use_event(
        &self,
        batch: &Batch<'_>,
        name: &Certname,
        check: &Check,
        taken: bool,
        failure: Option<String>,
    ) -> Event {
        let event = batch.event("token-use", name);
        match (taken, failure) {
            (true, None) => event.because(&check.to_string()),
            (true, Some(why)) => event.because(&format!(
                "{check}; the use is spent, but no certificate was issued: {why}"
            )),
            (false, Some(why)) => event.refused(&why),
            (false, None) => event.refused(check),
        }
    }
}

/// The tokens a batch or a verdict checks requests against, as the store held them, and the
/// uses taken by the requests decided so far.
#[derive(Debug)]
pub(super) struct TokenBook {
    /// By hash.
    records: HashMap<String, TokenRecord>,
    /// Uses taken, by hash.
    taken: HashMap<String, u32>,
    now: OffsetDateTime,
}

impl TokenBook {
    /// A book of `records` at `now`, no use taken.
    pub(super) fn new(records: Vec<TokenRecord>, now: OffsetDateTime) -> TokenBook {
        TokenBook {
            records: records
                .into_iter()
                .map(|record| (record.hash.clone(), record))
                .collect(),
            taken: HashMap::new(),
            now,
        }
    }

    /// What `presented` does for a request of `name`, the uses taken so far counted.
    pub(super) fn check(&self, presented: &Token, name: &Certname) -> Check {
        let hash = presented.hash();
        let taken = self.taken.get(&hash).copied().unwrap_or(0);
        token::check(presented, self.records.get(&hash), name, self.now, taken)
    }

    /// Take one use of `presented` (the caller checked that it grants).
    pub(super) fn take(&mut self, presented: &Token) {
        *self.taken.entry(presented.hash()).or_default() += 1;
    }

    /// The uses taken, for the store.
    pub(super) fn uses(&self) -> Vec<TokenUse> {
        let mut uses: Vec<TokenUse> = self
            .taken
            .iter()
            .map(|(hash, count)| TokenUse {
                hash: hash.clone(),
                id: token::id_of(hash),
                count: *count,
            })
            .collect();
        uses.sort_by(|a, b| a.hash.cmp(&b.hash));
        uses
    }
}

/// The enrolment token `csr` presents, when the CA honours tokens.
pub(super) fn presented(config: &Config, csr: &Csr) -> Option<Token> {
    if config.autosign_tokens {
        Token::presented(csr)
    } else {
        None
    }
}

/// A token's record in an audit line: id, glob, uses, expiry, comment.
fn describe(record: &TokenRecord) -> String {
    let mut text = format!(
        "enrolment token {} for {:?}: {} of {} uses left, expires {}",
        record.id,
        record.glob,
        record.uses_left,
        record.uses,
        format_time(record.expires)
    );
    if !record.comment.is_empty() {
        text.push_str(&format!(" ({})", record.comment));
    }
    text
}

/// A new token from the system's random generator.
fn random_token() -> Result<Token, Error> {
    let mut random = [0u8; token::TOKEN_BYTES];
    openssl::rand::rand_bytes(&mut random).map_err(|e| KeyError::Generate {
        reason: e.to_string(),
    })?;
    Ok(Token::from_random(&random))
}
