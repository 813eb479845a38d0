//! The administrators' enrolment-token endpoints (ours, under `/puppet-ca/v1/`): `POST
//! tokens` makes one (`{"glob": ..., "ttl": "2h", "uses": 1, "comment": ...}`, each but the
//! glob optional) and answers 201 with the token (shown this once) and its record; `GET
//! tokens` lists the records, never a token; `DELETE tokens/ID` revokes one (404 for an
//! unknown id). Who may call them is [`super::path::Route::access`]'s (admins); the rules are
//! [`crate::token`]'s and the changes [`crate::ca::Ca::create_token`]'s.

use hyper::StatusCode;
use serde_json::Value;

use crate::token::Grant;
use crate::wire;

use super::reply::{json_reply, text, Reply};
use super::Context;

/// `POST tokens`: make a token; 201 with `{"token": ..., "id": ..., ...}`, 400 with the
/// reason for a body that does not describe one.
pub(super) async fn create(context: Context) -> Reply {
    let document = match context.json_document() {
        Ok(document) => document,
        Err(reply) => return reply,
    };
    let grant = match grant(&document) {
        Ok(grant) => grant,
        Err(reason) => return text(StatusCode::BAD_REQUEST, reason),
    };
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    match context
        .call(move |ca| ca.create_token(&actor, &grant, now))
        .await
    {
        Ok(made) => {
            let mut value = wire::token_json(&made.record, now);
            value["token"] = Value::from(made.token.expose());
            json_reply(StatusCode::CREATED, &value)
        }
        Err(reply) => reply,
    }
}

/// `GET tokens`: every token the CA keeps, as `cert token list --format json` prints them.
pub(super) async fn list(context: Context) -> Reply {
    match context.call(|ca| ca.tokens()).await {
        Ok(records) => {
            let now = time::OffsetDateTime::now_utc();
            let values: Vec<Value> = records
                .iter()
                .map(|record| wire::token_json(record, now))
                .collect();
            json_reply(StatusCode::OK, &Value::Array(values))
        }
        Err(reply) => reply,
    }
}

/// `DELETE tokens/ID`: revoke the token; 200 with its record, 404 for an unknown id.
pub(super) async fn revoke(context: Context, id: String) -> Reply {
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    match context
        .call(move |ca| ca.revoke_token(&actor, &id, now))
        .await
    {
        Ok(record) => json_reply(StatusCode::OK, &wire::token_json(&record, now)),
        Err(reply) => reply,
    }
}

/// The grant a `POST tokens` body asks for, or why it is not one.
fn grant(document: &Value) -> Result<Grant, String> {
    let field = |key: &str| document.get(key).filter(|value| !value.is_null());
    let string = |key: &str| -> Result<Option<&str>, String> {
        match field(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(Some)
                .ok_or_else(|| format!("{key} must be a string")),
        }
    };
    let glob = string("glob")?.ok_or("the body must name a glob: {\"glob\": \"*.example.com\"}")?;
    let ttl = string("ttl")?
        .map(|text| crate::duration::parse("ttl", text))
        .transpose()
        .map_err(|error| error.to_string())?;
    let uses = match field("uses") {
        None => None,
        Some(value) => Some(value.as_u64().ok_or("uses must be a positive integer")?),
    };
    let comment = string("comment")?;
    Grant::new(glob, ttl, uses, comment).map_err(|error| error.to_string())
}
