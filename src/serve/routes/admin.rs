//! The administrators' endpoints: puppetserver's `certificate_status` API (one name: read,
//! sign or revoke, delete; all names: `certificate_statuses`), its bulk forms (`sign`,
//! `sign/all`, `clean`), `expirations`, and deleting a queued request. Who may call them is
//! [`super::path::Route::access`]'s; each makes one call into the CA and renders it.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::{json, Value};

use crate::ca::{Ca, CertificateStatus, Selection, SignOptions, State};
use crate::certname::Certname;
use crate::crl::Reason;
use crate::error::{Error, Fault};
use crate::wire;

use super::super::metrics::Signing;
use super::reply::{empty, failure, json_reply, text, Reply};
use super::Context;

/// `DELETE certificate_request/NAME`: drop the queued request.
pub(super) async fn delete_request(context: Context, name: Certname) -> Reply {
    let missing = format!("Could not find certificate_request {name}");
    remove(&context, name, Ca::delete_request, missing).await
}

/// `GET certificate_status/NAME`: what the CA knows about NAME, as puppetserver's JSON.
pub(super) async fn status(context: Context, name: Certname) -> Reply {
    context
        .lookup(
            name,
            "certificate",
            |ca, name| ca.status(name),
            |status| json_reply(StatusCode::OK, &wire::certificate_status_json(&status)),
        )
        .await
}

/// `PUT certificate_status/NAME`: `desired_state` `signed` (with an optional `cert_ttl`) or
/// `revoked`, as puppetserver answers them (204, or 409 when there is nothing to act on).
pub(super) async fn set_status(context: Context, name: Certname) -> Reply {
    let document = match context.json_document() {
        Ok(document) => document,
        Err(reply) => return reply,
    };
    let ttl = match cert_ttl(&document) {
        Ok(ttl) => ttl,
        Err(reply) => return reply,
    };
    let now = time::OffsetDateTime::now_utc();
    match document.get("desired_state").and_then(Value::as_str) {
        Some("signed") => sign_one(context, name, ttl, now).await,
        Some("revoked") => revoke_one(context, name, now).await,
        other => text(
            StatusCode::BAD_REQUEST,
            format!(
                "State {} invalid; Must specify desired state of 'signed' or 'revoked' for host {name}.",
                other.unwrap_or("(none)")
            ),
        ),
    }
}

/// The `cert_ttl` of a `certificate_status` document: whole seconds, or none.
fn cert_ttl(document: &Value) -> Result<Option<Duration>, Reply> {
    match document.get("cert_ttl") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(seconds) => Ok(Some(Duration::from_secs(seconds))),
            None => Err(text(
                StatusCode::BAD_REQUEST,
                "cert_ttl must be a number of seconds",
            )),
        },
    }
}

/// `desired_state` `signed`: sign the queued request of `name`, for `ttl` when given.
async fn sign_one(
    context: Context,
    name: Certname,
    ttl: Option<Duration>,
    now: time::OffsetDateTime,
) -> Reply {
    let options = SignOptions {
        ttl,
        ..SignOptions::default()
    };
    let actor = context.actor.clone();
    let target = name.clone();
    let outcome = context
        .blocking(move |ca| {
            ca.sign_by(&actor, std::slice::from_ref(&target), options, now)
                .pop()
        })
        .await;
    if let Ok(Some((_, result))) = &outcome {
        context.metrics.signing(Signing::Admin, result);
    }
    match outcome {
        Ok(Some((_, Ok(certificate)))) => {
            if let Some(warning) = context.ca.lifetime_warning(&certificate) {
                tracing::warn!("signed {name}: {warning}");
            }
            empty(StatusCode::NO_CONTENT)
        }
        Ok(Some((_, Err(error)))) if error.fault() == Fault::NotFound => text(
            StatusCode::CONFLICT,
            format!("Cannot sign certificate for host {name} without a certificate request"),
        ),
        Ok(Some((_, Err(error)))) if error.fault() == Fault::Request => {
            text(StatusCode::CONFLICT, wire::puppet_message(&error))
        }
        Ok(Some((_, Err(error)))) => failure(&error),
        // One name in, one outcome out: never reached.
        Ok(None) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal Server Error: no outcome for {name}"),
        ),
        Err(reply) => reply,
    }
}

/// `desired_state` `revoked`: revoke the certificate of `name` (key compromise, as
/// puppetserver does).
async fn revoke_one(context: Context, name: Certname, now: time::OffsetDateTime) -> Reply {
    let actor = context.actor.clone();
    let target = name.clone();
    let outcome = context
        .blocking(move |ca| {
            ca.revoke_by(
                &actor,
                std::slice::from_ref(&target),
                Reason::KeyCompromise,
                now,
            )
        })
        .await;
    let not_signed = || {
        text(
            StatusCode::CONFLICT,
            format!("Cannot revoke certificate for host {name} without a signed certificate"),
        )
    };
    match outcome {
        Ok(Ok(mut outcomes)) => match outcomes.pop() {
            Some((_, Ok(serials))) => {
                context
                    .metrics
                    .revoked(Reason::KeyCompromise, serials.len());
                empty(StatusCode::NO_CONTENT)
            }
            Some((_, Err(error))) if error.fault() == Fault::NotFound => not_signed(),
            None => not_signed(),
            Some((_, Err(error))) => {
                context.metrics.failed(&error);
                failure(&error)
            }
        },
        Ok(Err(error)) if error.fault() == Fault::Request => {
            context.metrics.failed(&error);
            text(StatusCode::CONFLICT, wire::puppet_message(&error))
        }
        Ok(Err(error)) => {
            context.metrics.failed(&error);
            failure(&error)
        }
        Err(reply) => reply,
    }
}

/// `DELETE certificate_status/NAME`: drop the certificate and request without revoking (409
/// for this CA server's own name).
pub(super) async fn delete(context: Context, name: Certname) -> Reply {
    let missing = format!("Invalid certname: {name}");
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    let target = name.clone();
    match context
        .blocking(move |ca| ca.delete_by(&actor, &target, now))
        .await
    {
        Ok(Ok(true)) => empty(StatusCode::NO_CONTENT),
        Ok(Ok(false)) => text(StatusCode::NOT_FOUND, missing),
        Ok(Err(error)) if error.fault() == Fault::Request => {
            text(StatusCode::CONFLICT, wire::puppet_message(&error))
        }
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

/// A deletion: 204 when `delete` removed something, else 404 with `missing`.
async fn remove(
    context: &Context,
    name: Certname,
    delete: fn(&Ca, &Certname) -> Result<bool, Error>,
    missing: String,
) -> Reply {
    match context.call(move |ca| delete(ca, &name)).await {
        Ok(true) => empty(StatusCode::NO_CONTENT),
        Ok(false) => text(StatusCode::NOT_FOUND, missing),
        Err(reply) => reply,
    }
}

/// `GET certificate_statuses/ANY[?state=...]`: every name the CA knows, as puppetserver's JSON.
pub(super) async fn statuses(context: Context) -> Reply {
    // As puppetserver, a `state` other than these three selects every name.
    let mut wanted: Option<State> = None;
    for pair in context.query.split('&') {
        if let Some(value) = pair.strip_prefix("state=") {
            wanted = match value {
                "requested" => Some(State::Requested),
                "signed" => Some(State::Signed),
                "revoked" => Some(State::Revoked),
                _ => None,
            };
        }
    }
    let selection = Selection {
        all: true,
        ..Selection::default()
    };
    match context.call(move |ca| ca.list(&selection)).await {
        Ok(statuses) => {
            let values: Vec<Value> = statuses
                .iter()
                .filter(|s: &&CertificateStatus| wanted.is_none_or(|state| s.state == state))
                .map(wire::certificate_status_json)
                .collect();
            json_reply(StatusCode::OK, &Value::Array(values))
        }
        Err(reply) => reply,
    }
}

/// `GET expirations`: when the CA certificates and CRLs expire.
pub(super) async fn expirations(context: Context) -> Reply {
    match context.call(|ca| ca.expirations()).await {
        Ok(expirations) => json_reply(StatusCode::OK, &wire::expirations_json(&expirations)),
        Err(reply) => reply,
    }
}

/// `POST sign` (`{"certnames": [...]}`) or `POST sign/all`: sign in one batch; which were
/// signed, had no request, or were refused.
pub(super) async fn sign(context: Context, all: bool) -> Reply {
    let mut invalid = Vec::new();
    let mut names = Vec::new();
    if !all {
        let list = match sign_certnames(&context) {
            Ok(list) => list,
            Err(reply) => return reply,
        };
        for text_name in list {
            match Certname::parse(&text_name) {
                Ok(name) => names.push(name),
                Err(_) => invalid.push(Value::String(text_name)),
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    let outcomes = context
        .call(move |ca| {
            let names = if all { ca.pending()? } else { names };
            Ok(ca.sign_by(&actor, &names, SignOptions::default(), now))
        })
        .await;
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        Err(reply) => return reply,
    };
    context.metrics.signings(Signing::Admin, &outcomes);
    let mut signed = Vec::new();
    let mut no_csr = Vec::new();
    let mut errors = invalid;
    for (name, result) in outcomes {
        match result {
            Ok(certificate) => {
                if let Some(warning) = context.ca.lifetime_warning(&certificate) {
                    tracing::warn!("signed {name}: {warning}");
                }
                signed.push(Value::String(name.to_string()))
            }
            Err(error) if error.fault() == Fault::NotFound => {
                no_csr.push(Value::String(name.to_string()))
            }
            Err(error) => {
                tracing::warn!("cannot sign {name}: {error}");
                errors.push(Value::String(name.to_string()));
            }
        }
    }
    json_reply(
        StatusCode::OK,
        &json!({"signed": signed, "no-csr": no_csr, "signing-errors": errors}),
    )
}

/// `PUT certificate_revocation_list` (PEM CRLs): newer CRLs of the CAs above this one into
/// the chain, as puppetserver 6.16+ takes them (200 `Successfully updated CRLs.`); 400 with
/// the reason for CRLs the CA does not take.
pub(super) async fn upload_crls(context: Context) -> Reply {
    let body = context.body.clone();
    let now = time::OffsetDateTime::now_utc();
    match context.blocking(move |ca| ca.upload_crls(&body, now)).await {
        Ok(Ok(uploaded)) => {
            if !uploaded.replaced.is_empty() {
                tracing::info!("loaded the CRL of {}", uploaded.replaced.join(", "));
            }
            text(StatusCode::OK, "Successfully updated CRLs.")
        }
        Ok(Err(error)) if error.fault() == Fault::Request => {
            tracing::warn!("CRL upload refused: {error}");
            text(StatusCode::BAD_REQUEST, wire::puppet_message(&error))
        }
        Ok(Err(error)) => {
            context.metrics.failed(&error);
            failure(&error)
        }
        Err(reply) => reply,
    }
}

/// `PUT clean` (`{"certnames": [...]}`): revoke and remove what the CA holds of each name (400
/// when one is this CA server's own).
pub(super) async fn clean(context: Context) -> Reply {
    let list = match certnames(&context) {
        Ok(list) => list,
        Err(reply) => return reply,
    };
    let mut names = Vec::new();
    for text_name in list {
        match Certname::parse(&text_name) {
            Ok(name) => names.push(name),
            Err(error) => {
                return text(StatusCode::BAD_REQUEST, wire::puppet_message(&error.into()))
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    match context
        .call(move |ca| ca.clean_by(&actor, &names, now))
        .await
    {
        Ok(outcomes) => {
            let revoked = outcomes
                .iter()
                .filter_map(|(_, result)| result.as_ref().ok())
                .map(|cleaned| cleaned.revoked.len())
                .sum();
            context.metrics.revoked(Reason::KeyCompromise, revoked);
            let missing: Vec<String> = outcomes
                .iter()
                .filter(|(_, r)| r.is_err())
                .map(|(n, _)| format!("{:?}", n.as_str()))
                .collect();
            if missing.is_empty() {
                text(StatusCode::OK, "Successfully cleaned all certs.")
            } else {
                text(
                    StatusCode::OK,
                    format!(
                        "The following certs do not exist and cannot be revoked: [{}]",
                        missing.join(", ")
                    ),
                )
            }
        }
        Err(reply) => reply,
    }
}

/// The `certnames` of a `POST sign` body. As puppetserver (8.4 and later) checks it: a body
/// whose `certnames` is not a list of strings (no JSON, no key, another type) is answered 422
/// with its JSON `{"kind": "schema-violation", "submitted": ..., "error": ...}`; a body of
/// another content type than JSON stays a 415.
fn sign_certnames(context: &Context) -> Result<Vec<String>, Reply> {
    if context.json_body == Some(false) {
        return context.json_document().map(|_| Vec::new());
    }
    let submitted = serde_json::from_slice::<Value>(&context.body)
        .ok()
        .and_then(|document| document.get("certnames").cloned())
        .unwrap_or(Value::Null);
    let error = match &submitted {
        Value::Array(list) => list
            .iter()
            .find(|value| !value.is_string())
            .map(|value| format!("[(not (instance? java.lang.String {value}))]")),
        other => Some(format!("(not (sequential? {other}))")),
    };
    match error {
        None => Ok(submitted
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()),
        Some(error) => Err(json_reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"kind": "schema-violation", "submitted": submitted, "error": error}),
        )),
    }
}

/// The `certnames` list of a `{"certnames": [...]}` body (an entry that is not a string counts
/// as the empty name).
fn certnames(context: &Context) -> Result<Vec<String>, Reply> {
    let document = context.json_document()?;
    let Some(list) = document.get("certnames").and_then(Value::as_array) else {
        return Err(text(
            StatusCode::BAD_REQUEST,
            "the body must be {\"certnames\": [...]}",
        ));
    };
    Ok(list
        .iter()
        .map(|value| value.as_str().unwrap_or_default().to_owned())
        .collect())
}
