//! The endpoints of Puppet's CA HTTP API v1 (under `/puppet-ca/v1`, and the legacy
//! `/{environment}/certificate...` routes of Puppet 3 agents), plus `/status/v1/simple`.
//!
//! Each handler parses the request into typed values (a [`Certname`], a CSR body, a JSON
//! document), makes one call into [`crate::ca::Ca`] on the blocking pool, and renders the
//! result with puppetserver's status codes, content types and messages. Client mistakes are
//! always 4xx: unknown paths 404, wrong methods 405, bad names and bodies 400, oversized bodies
//! 413; a 500 means the CA itself failed (disk, lock). Nothing is written on a refusal because
//! the library checks everything before it writes.

// A refusal is a whole reply, made once per request on the way out; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::audit;
use crate::ca::{Ca, Entry, Selection, SignOptions, State};
use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::crl::Reason;
use crate::error::{Error, StoreError};
use crate::status;
use crate::store::CaFile;

use super::auth::{self, Access, Peer};
use super::{Shared, BODY_LIMIT, BODY_TIMEOUT};

type Reply = Response<Full<Bytes>>;

/// Answer one request.
pub(crate) async fn handle(
    shared: &Shared,
    peer: Option<&Peer>,
    request: Request<Incoming>,
) -> Reply {
    let path = request.uri().path().to_owned();
    let endpoint = match Endpoint::parse(&path) {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => return text(StatusCode::NOT_FOUND, format!("Not Found: {path}")),
        Err(message) => return text(StatusCode::BAD_REQUEST, message),
    };
    let method = request.method().clone();
    let allowed = endpoint.methods();
    if !allowed.contains(&method) {
        let mut reply = text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed on {path}"),
        );
        let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            reply.headers_mut().insert(header::ALLOW, value);
        }
        return reply;
    }
    if let Err(message) = auth::check(
        endpoint.access(&method),
        peer,
        &shared.admins,
        method.as_str(),
        &path,
    ) {
        return text(StatusCode::FORBIDDEN, message);
    }
    let query = request.uri().query().unwrap_or_default().to_owned();
    let if_modified_since = request
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let json_body = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim() == "application/json");
    let body = if method == Method::PUT || method == Method::POST {
        match read_body(request).await {
            Ok(body) => body,
            Err(reply) => return reply,
        }
    } else {
        Bytes::new()
    };
    let ca = shared.state().ca.clone();
    let context = Context {
        ca,
        actor: peer.map_or_else(
            || "client:-".to_owned(),
            |p| audit::client_actor(&p.common_name),
        ),
        signer: shared.signer.clone(),
        body,
        query,
        if_modified_since,
        json_body,
    };
    match (endpoint, method) {
        (Endpoint::Health, _) => text(StatusCode::OK, "running"),
        (Endpoint::Certificate(name), _) => certificate(context, name).await,
        (Endpoint::CertificateRequest(name), Method::PUT) => submit(context, name).await,
        (Endpoint::CertificateRequest(name), Method::DELETE) => delete_request(context, name).await,
        (Endpoint::CertificateRequest(name), _) => request_pem(context, name).await,
        (Endpoint::CertificateRevocationList, _) => crl(context).await,
        (Endpoint::CertificateRenewal, _) => match peer {
            Some(peer) => renew(context, peer.certificate.clone()).await,
            // `auth::check` refused unauthenticated callers above.
            None => text(
                StatusCode::BAD_REQUEST,
                "No certificate found in renewal request",
            ),
        },
        (Endpoint::CertificateStatus(name), Method::PUT) => set_status(context, name).await,
        (Endpoint::CertificateStatus(name), Method::DELETE) => delete(context, name).await,
        (Endpoint::CertificateStatus(name), _) => get_status(context, name).await,
        (Endpoint::CertificateStatuses, _) => statuses(context).await,
        (Endpoint::Clean, _) => clean(context).await,
        (Endpoint::Expirations, _) => expirations(context).await,
        (Endpoint::Sign, _) => sign(context, false).await,
        (Endpoint::SignAll, _) => sign(context, true).await,
    }
}

/// One endpoint, with the (percent-decoded) name from the path where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    Certificate(String),
    CertificateRenewal,
    CertificateRequest(String),
    CertificateRevocationList,
    CertificateStatus(String),
    CertificateStatuses,
    Clean,
    Expirations,
    Health,
    Sign,
    SignAll,
}

impl Endpoint {
    /// The endpoint of `path`; `Ok(None)` for an unknown path, `Err` for a malformed one.
    fn parse(path: &str) -> Result<Option<Endpoint>, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Ok(None);
        };
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["status", "v1", "simple"] => Ok(Some(Endpoint::Health)),
            ["puppet-ca", "v1", rest @ ..] => Endpoint::ca(rest, false),
            [environment, rest @ ..] if is_environment(environment) => Endpoint::ca(rest, true),
            _ => Ok(None),
        }
    }

    /// The endpoint below the API prefix; `legacy` keeps to the routes Puppet 3 agents use.
    fn ca(segments: &[&str], legacy: bool) -> Result<Option<Endpoint>, String> {
        let name = |segment: &str| decode(segment);
        let endpoint = match segments {
            ["certificate", n] => Endpoint::Certificate(name(n)?),
            ["certificate_request", n] => Endpoint::CertificateRequest(name(n)?),
            ["certificate_revocation_list", "ca"] => Endpoint::CertificateRevocationList,
            ["certificate_status", n] => Endpoint::CertificateStatus(name(n)?),
            ["certificate_statuses", _] => Endpoint::CertificateStatuses,
            _ if legacy => return Ok(None),
            ["certificate_renewal"] => Endpoint::CertificateRenewal,
            ["clean"] => Endpoint::Clean,
            ["expirations"] => Endpoint::Expirations,
            ["sign"] => Endpoint::Sign,
            ["sign", "all"] => Endpoint::SignAll,
            _ => return Ok(None),
        };
        Ok(Some(endpoint))
    }

    fn methods(&self) -> &'static [Method] {
        match self {
            Endpoint::Certificate(_)
            | Endpoint::CertificateRevocationList
            | Endpoint::CertificateStatuses
            | Endpoint::Expirations
            | Endpoint::Health => &[Method::GET],
            Endpoint::CertificateRequest(_) | Endpoint::CertificateStatus(_) => {
                &[Method::GET, Method::PUT, Method::DELETE]
            }
            Endpoint::CertificateRenewal | Endpoint::Sign | Endpoint::SignAll => &[Method::POST],
            Endpoint::Clean => &[Method::PUT],
        }
    }

    /// Puppet's default `auth.conf`; deleting a request is an admin's act.
    fn access(&self, method: &Method) -> Access {
        match self {
            Endpoint::Certificate(_) | Endpoint::CertificateRevocationList | Endpoint::Health => {
                Access::Public
            }
            Endpoint::CertificateRequest(_) if *method != Method::DELETE => Access::Public,
            Endpoint::CertificateRenewal | Endpoint::Expirations => Access::Client,
            _ => Access::Admin,
        }
    }
}

/// A Puppet environment name: `[a-z0-9_]+` (and never one of the API prefixes).
fn is_environment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "puppet-ca"
        && segment != "status"
        && segment
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Percent-decode one path segment.
fn decode(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in {segment:?}"))?;
            out.push(hex);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{segment:?} is not UTF-8"))
}

/// What a handler gets: the CA and the parts of the request it may need.
struct Context {
    ca: std::sync::Arc<Ca>,
    /// Who the audit trail names for what this request changes: `client:<CN>`.
    actor: String,
    signer: super::signer::Signer,
    body: Bytes,
    query: String,
    if_modified_since: Option<SystemTime>,
    /// `Some(true)` for `application/json`, `Some(false)` for another type, `None` for none.
    json_body: Option<bool>,
}

async fn read_body(request: Request<Incoming>) -> Result<Bytes, Reply> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return Err(closing(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {BODY_LIMIT} bytes"),
        )));
    }
    let limited = Limited::new(request.into_body(), BODY_LIMIT);
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(closing(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {BODY_LIMIT} bytes"),
        ))),
        Ok(Err(_)) => Err(closing(text(
            StatusCode::BAD_REQUEST,
            "cannot read the request body",
        ))),
        Err(_) => Err(closing(text(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time",
        ))),
    }
}

/// Run a CA call on the blocking pool (the store locks files and the CA key signs).
async fn blocking<T, F>(ca: &std::sync::Arc<Ca>, call: F) -> Result<T, Reply>
where
    T: Send + 'static,
    F: FnOnce(&Ca) -> T + Send + 'static,
{
    let ca = ca.clone();
    tokio::task::spawn_blocking(move || call(&ca))
        .await
        .map_err(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "the CA call failed"))
}

fn certname(name: &str) -> Result<Certname, Reply> {
    Certname::parse(name)
        .map_err(|e| text(StatusCode::BAD_REQUEST, status::puppet_message(&e.into())))
}

/// The GET endpoints that look one name up: validate `name`, run `find` on the blocking pool,
/// render what it found with `render`; puppetserver's 404 `Could not find {what} NAME` when the
/// CA has nothing for the name.
async fn lookup<T: Send + 'static>(
    context: &Context,
    name: &str,
    what: &str,
    find: fn(&Ca, &Certname) -> Result<T, Error>,
    render: impl FnOnce(T) -> Reply,
) -> Reply {
    let name = match certname(name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let wanted = name.clone();
    match blocking(&context.ca, move |ca| find(ca, &wanted)).await {
        Ok(Ok(found)) => render(found),
        Ok(Err(Error::Store(StoreError::NotFound { .. }))) => text(
            StatusCode::NOT_FOUND,
            format!("Could not find {what} {name}"),
        ),
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn certificate(context: Context, name: String) -> Reply {
    if name == "ca" {
        let ca = context.ca.clone();
        let modified = ca.store().modified(CaFile::Certificate).ok();
        if not_modified(context.if_modified_since, modified) {
            return empty(StatusCode::NOT_MODIFIED);
        }
        return with_last_modified(text(StatusCode::OK, ca.authority().chain_pem()), modified);
    }
    lookup(
        &context,
        &name,
        "certificate",
        |ca, name| ca.certificate(name.as_str()),
        |certificate| text(StatusCode::OK, certificate.to_pem()),
    )
    .await
}

async fn submit(context: Context, name: String) -> Reply {
    let name = match certname(&name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let body = context.body.clone();
    let submitted = name.clone();
    match context
        .signer
        .submit(context.ca.clone(), submitted, body)
        .await
    {
        Ok(submission) => {
            // Issue 7: autosign said sign and the CA's policy refused: a 400 with the reason,
            // as puppetserver answers (and `cert submit` fails); the request stays queued.
            if let Some(Err(error)) = &submission.signed {
                if is_client_error(error) {
                    tracing::warn!("autosign would sign {name}, but the CA refused: {error}");
                    return text(StatusCode::BAD_REQUEST, status::puppet_message(error));
                }
            }
            match &submission.signed {
                Some(Ok(certificate)) => tracing::info!(
                    "autosigned {name} (serial {}): {}",
                    certificate
                        .serial
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    submission.decision
                ),
                Some(Err(error)) => {
                    tracing::warn!("autosign would sign {name}, but the CA refused: {error}")
                }
                None => tracing::info!("{name} is pending: {}", submission.decision),
            }
            empty(StatusCode::OK)
        }
        Err(error) if is_client_error(&error) => {
            text(StatusCode::BAD_REQUEST, status::puppet_message(&error))
        }
        Err(error) => failure(&error),
    }
}

async fn renew(context: Context, current: Certificate) -> Reply {
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    let name = current.common_name.clone();
    match blocking(&context.ca, move |ca| ca.renew_as(&actor, &current, now)).await {
        Ok(Ok(certificate)) => {
            tracing::info!(
                "renewed {name} (serial {})",
                certificate
                    .serial
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            );
            text(StatusCode::OK, certificate.to_pem())
        }
        Ok(Err(error @ (Error::Key(_) | Error::Certname(_)))) => {
            text(StatusCode::BAD_REQUEST, status::puppet_message(&error))
        }
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn request_pem(context: Context, name: String) -> Reply {
    lookup(
        &context,
        &name,
        "certificate_request",
        |ca, name| ca.request(name),
        |csr| text(StatusCode::OK, csr.to_pem()),
    )
    .await
}

async fn delete_request(context: Context, name: String) -> Reply {
    let name = match certname(&name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let wanted = name.clone();
    match blocking(&context.ca, move |ca| ca.delete_request(&wanted)).await {
        Ok(Ok(true)) => empty(StatusCode::NO_CONTENT),
        Ok(Ok(false)) => text(
            StatusCode::NOT_FOUND,
            format!("Could not find certificate_request {name}"),
        ),
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn crl(context: Context) -> Reply {
    let modified = context.ca.store().modified(CaFile::Crl).ok();
    if not_modified(context.if_modified_since, modified) {
        return empty(StatusCode::NOT_MODIFIED);
    }
    match blocking(&context.ca, |ca| ca.store().crl_pem()).await {
        Ok(Ok(pem)) => with_last_modified(text(StatusCode::OK, pem), modified),
        Ok(Err(error)) => failure(&error.into()),
        Err(reply) => reply,
    }
}

async fn get_status(context: Context, name: String) -> Reply {
    lookup(
        &context,
        &name,
        "certificate",
        |ca, name| ca.status(name),
        |entry| json_reply(StatusCode::OK, &status::entry_json(&entry)),
    )
    .await
}

async fn set_status(context: Context, name: String) -> Reply {
    let name = match certname(&name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let document = match json_document(&context) {
        Ok(document) => document,
        Err(reply) => return reply,
    };
    let ttl = match document.get("cert_ttl") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64() {
            Some(seconds) => Some(Duration::from_secs(seconds)),
            None => {
                return text(
                    StatusCode::BAD_REQUEST,
                    "cert_ttl must be a number of seconds",
                )
            }
        },
    };
    let now = time::OffsetDateTime::now_utc();
    let target = name.clone();
    match document.get("desired_state").and_then(Value::as_str) {
        Some("signed") => {
            let options = SignOptions {
                ttl,
                ..SignOptions::default()
            };
            let actor = context.actor.clone();
            let outcome = blocking(&context.ca, move |ca| {
                ca.sign_as(&actor, std::slice::from_ref(&target), options, now)
                    .pop()
            })
            .await;
            match outcome {
                Ok(Some((_, Ok(_)))) => empty(StatusCode::NO_CONTENT),
                Ok(Some((_, Err(Error::Store(StoreError::NotFound { .. }))))) => text(
                    StatusCode::CONFLICT,
                    format!("Cannot sign certificate for host {name} without a certificate request"),
                ),
                Ok(Some((_, Err(error)))) if is_client_error(&error) => {
                    text(StatusCode::CONFLICT, status::puppet_message(&error))
                }
                Ok(Some((_, Err(error)))) => failure(&error),
                Ok(None) => failure(&Error::Value {
                    what: "certname",
                    value: name.to_string(),
                    reason: "not processed".into(),
                }),
                Err(reply) => reply,
            }
        }
        Some("revoked") => {
            let actor = context.actor.clone();
            let outcome = blocking(&context.ca, move |ca| {
                ca.revoke_as(
                    &actor,
                    std::slice::from_ref(&target),
                    Reason::KeyCompromise,
                    now,
                )
            })
            .await;
            match outcome {
                Ok(Ok(mut outcomes)) => match outcomes.pop() {
                    Some((_, Ok(_))) => empty(StatusCode::NO_CONTENT),
                    Some((_, Err(Error::Store(StoreError::NotFound { .. })))) | None => text(
                        StatusCode::CONFLICT,
                        format!(
                            "Cannot revoke certificate for host {name} without a signed certificate"
                        ),
                    ),
                    Some((_, Err(error))) => failure(&error),
                },
                Ok(Err(error)) => failure(&error),
                Err(reply) => reply,
            }
        }
        other => text(
            StatusCode::BAD_REQUEST,
            format!(
                "State {} invalid; Must specify desired state of 'signed' or 'revoked' for host {name}.",
                other.unwrap_or("(none)")
            ),
        ),
    }
}

async fn delete(context: Context, name: String) -> Reply {
    let name = match certname(&name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let wanted = name.clone();
    match blocking(&context.ca, move |ca| ca.delete(&wanted)).await {
        Ok(Ok(true)) => empty(StatusCode::NO_CONTENT),
        Ok(Ok(false)) => text(StatusCode::NOT_FOUND, format!("Invalid certname: {name}")),
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn statuses(context: Context) -> Reply {
    let mut wanted: Option<State> = None;
    for pair in context.query.split('&') {
        if let Some(value) = pair.strip_prefix("state=") {
            wanted = match value {
                "requested" => Some(State::Requested),
                "signed" => Some(State::Signed),
                "revoked" => Some(State::Revoked),
                other => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        format!("state {other:?} is not requested, signed or revoked"),
                    )
                }
            };
        }
    }
    let selection = Selection {
        all: true,
        names: Vec::new(),
    };
    match blocking(&context.ca, move |ca| ca.list(&selection)).await {
        Ok(Ok(entries)) => {
            let values: Vec<Value> = entries
                .iter()
                .filter(|e: &&Entry| wanted.is_none_or(|state| e.state == state))
                .map(status::entry_json)
                .collect();
            json_reply(StatusCode::OK, &Value::Array(values))
        }
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn expirations(context: Context) -> Reply {
    match blocking(&context.ca, |ca| ca.expirations()).await {
        Ok(Ok(expirations)) => json_reply(StatusCode::OK, &status::expirations_json(&expirations)),
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

async fn sign(context: Context, all: bool) -> Reply {
    let mut invalid = Vec::new();
    let mut names = Vec::new();
    if !all {
        let document = match json_document(&context) {
            Ok(document) => document,
            Err(reply) => return reply,
        };
        let Some(list) = document.get("certnames").and_then(Value::as_array) else {
            return text(
                StatusCode::BAD_REQUEST,
                "the body must be {\"certnames\": [...]}",
            );
        };
        for value in list {
            let text_name = value.as_str().unwrap_or_default();
            match Certname::parse(text_name) {
                Ok(name) => names.push(name),
                Err(_) => invalid.push(Value::String(text_name.to_owned())),
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    let outcomes = blocking(&context.ca, move |ca| {
        let names = if all { ca.pending()? } else { names };
        Ok::<_, Error>(ca.sign_as(&actor, &names, SignOptions::default(), now))
    })
    .await;
    let outcomes = match outcomes {
        Ok(Ok(outcomes)) => outcomes,
        Ok(Err(error)) => return failure(&error),
        Err(reply) => return reply,
    };
    let mut signed = Vec::new();
    let mut no_csr = Vec::new();
    let mut errors = invalid;
    for (name, result) in outcomes {
        match result {
            Ok(_) => signed.push(Value::String(name.to_string())),
            Err(Error::Store(StoreError::NotFound { .. })) => {
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

async fn clean(context: Context) -> Reply {
    let document = match json_document(&context) {
        Ok(document) => document,
        Err(reply) => return reply,
    };
    let Some(list) = document.get("certnames").and_then(Value::as_array) else {
        return text(
            StatusCode::BAD_REQUEST,
            "the body must be {\"certnames\": [...]}",
        );
    };
    let mut names = Vec::new();
    for value in list {
        match Certname::parse(value.as_str().unwrap_or_default()) {
            Ok(name) => names.push(name),
            Err(error) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    status::puppet_message(&error.into()),
                )
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    match blocking(&context.ca, move |ca| ca.clean_as(&actor, &names, now)).await {
        Ok(Ok(outcomes)) => {
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
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

/// The JSON object of a PUT/POST body: 415 for another content type, 400 for bad JSON.
fn json_document(context: &Context) -> Result<Value, Reply> {
    if context.json_body == Some(false) {
        return Err(text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type: the body must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(&context.body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(text(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
        Err(error) => Err(text(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {error}"),
        )),
    }
}

/// Whether the caller caused `error` (bad name, CSR or policy), as opposed to the CA failing.
fn is_client_error(error: &Error) -> bool {
    matches!(
        error,
        Error::Certname(_) | Error::Csr(_) | Error::Policy(_) | Error::Value { .. }
    )
}

/// The reply for an error of the CA itself (or a client error no handler expected).
fn failure(error: &Error) -> Reply {
    if is_client_error(error) {
        return text(StatusCode::BAD_REQUEST, status::puppet_message(error));
    }
    if let Error::Store(StoreError::NotFound { .. }) = error {
        return text(StatusCode::NOT_FOUND, status::puppet_message(error));
    }
    tracing::error!("{error}");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Server Error: {error}"),
    )
}

fn not_modified(since: Option<SystemTime>, modified: Option<SystemTime>) -> bool {
    match (since, modified) {
        (Some(since), Some(modified)) => {
            // HTTP dates have whole seconds.
            let seconds = |t: SystemTime| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            };
            seconds(modified) <= seconds(since)
        }
        _ => false,
    }
}

fn with_last_modified(mut reply: Reply, modified: Option<SystemTime>) -> Reply {
    if let Some(modified) = modified {
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified)) {
            reply.headers_mut().insert(header::LAST_MODIFIED, value);
        }
    }
    reply
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    reply
}

fn json_reply(status: StatusCode, value: &Value) -> Reply {
    let mut reply = text(status, value.to_string());
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

fn empty(status: StatusCode) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::new()));
    *reply.status_mut() = status;
    reply
}

fn closing(mut reply: Reply) -> Reply {
    reply
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let parse = |p: &str| Endpoint::parse(p).unwrap();
        assert_eq!(
            parse("/puppet-ca/v1/certificate/ca"),
            Some(Endpoint::Certificate("ca".into()))
        );
        assert_eq!(
            parse("/production/certificate_request/a.b"),
            Some(Endpoint::CertificateRequest("a.b".into()))
        );
        assert_eq!(parse("/production/sign"), None);
        assert_eq!(parse("/puppet-ca/v1/sign/all"), Some(Endpoint::SignAll));
        assert_eq!(parse("/status/v1/simple"), Some(Endpoint::Health));
        assert_eq!(parse("/puppet-ca/v2/certificate/ca"), None);
        assert_eq!(parse("/"), None);
        assert_eq!(
            parse("/puppet-ca/v1/certificate/..%2f..%2fetc"),
            Some(Endpoint::Certificate("../../etc".into()))
        );
        assert!(Endpoint::parse("/puppet-ca/v1/certificate/%zz").is_err());
    }

    #[test]
    fn access_follows_auth_conf() {
        let request = Endpoint::CertificateRequest("a".into());
        assert_eq!(request.access(&Method::PUT), Access::Public);
        assert_eq!(request.access(&Method::DELETE), Access::Admin);
        assert_eq!(Endpoint::Expirations.access(&Method::GET), Access::Client);
        assert_eq!(
            Endpoint::CertificateStatus("a".into()).access(&Method::GET),
            Access::Admin
        );
    }
}
