//! Answering one request of Puppet's CA HTTP API v1: find its [`path::Route`], check the method
//! and the caller's access, read the body within the limits, and hand a [`Context`] to the
//! route's handler ([`enrollment`] for what agents call, [`admin`] for the certificate_status
//! API and its bulk forms, [`tokens`] for our enrolment tokens).
//!
//! Each handler parses the request into typed values (a [`Certname`], a CSR body, a JSON
//! document), makes one call into [`crate::ca::Ca`] on the blocking pool, and renders the
//! result with puppetserver's status codes, content types and messages ([`reply`]). Client
//! mistakes are always 4xx: unknown paths 404, wrong methods 405, bad names and bodies 400,
//! oversized bodies 413; a 500 means the CA itself failed (disk, lock). Nothing is written on a
//! refusal because the library checks everything before it writes.

// A refusal is a whole reply, made once per request on the way out; boxing it buys nothing.
#![allow(clippy::result_large_err)]

mod admin;
mod enrollment;
mod path;
mod reply;
mod status;
mod tokens;

use std::sync::Arc;
use std::time::SystemTime;

use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use serde_json::Value;

use crate::audit;
use crate::ca::Actor;
use crate::ca::Ca;
use crate::certname::Certname;
use crate::error::{Error, Fault};
use crate::wire;

use super::auth::{self, Peer};
use super::metrics::Metrics;
use super::signer::Signer;
use super::{Shared, BODY_LIMIT, BODY_TIMEOUT};
use path::Route;
use reply::{closing, failure, text, Reply};

/// Answer one request.
pub(crate) async fn handle(
    shared: &Shared,
    peer: Option<&Peer>,
    request: Request<Incoming>,
) -> Reply {
    let path = request.uri().path().to_owned();
    let route = match Route::parse(&path) {
        Ok(Some(route)) => route,
        Ok(None) => return text(StatusCode::NOT_FOUND, format!("Not Found: {path}")),
        Err(message) => return text(StatusCode::BAD_REQUEST, message),
    };
    let method = request.method().clone();
    if let Err(reply) = allowed(&route, &method, &path) {
        return reply;
    }
    let ca = shared.generation().ca.clone();
    if let Err(message) = auth::check(
        route.access(&method),
        peer,
        &ca.config().admins,
        method.as_str(),
        &path,
    ) {
        return text(StatusCode::FORBIDDEN, message);
    }
    match Context::read(ca, shared, peer, request).await {
        Ok(context) => answer(shared, peer, route, &method, context).await,
        Err(reply) => reply,
    }
}

/// Refused with a 405 (and the `Allow` header) unless `route` takes `method`.
fn allowed(route: &Route, method: &Method, path: &str) -> Result<(), Reply> {
    let allowed = route.methods();
    if allowed.contains(method) {
        return Ok(());
    }
    let mut reply = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method {method} is not allowed on {path}"),
    );
    let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
        reply.headers_mut().insert(header::ALLOW, value);
    }
    Err(reply)
}

/// Hand the request, admitted, to its route's handler.
async fn answer(
    shared: &Shared,
    peer: Option<&Peer>,
    route: Route,
    method: &Method,
    context: Context,
) -> Reply {
    match route {
        Route::Health(name) => status::simple(name.as_deref()),
        Route::Services(name) => status::services(name.as_deref(), &context.query),
        Route::Metrics => super::metrics::reply(shared).await,
        Route::Certificate(name) => enrollment::certificate(context, name).await,
        Route::CertificateRequest(name) => match certname(&name) {
            Ok(name) if method == Method::PUT => enrollment::submit(context, name).await,
            Ok(name) if method == Method::DELETE => admin::delete_request(context, name).await,
            Ok(name) => enrollment::request(context, name).await,
            Err(reply) => reply,
        },
        Route::CertificateRevocationList => enrollment::crl(context).await,
        Route::CertificateRenewal => match peer.and_then(|peer| peer.certificate.clone()) {
            Some(certificate) => enrollment::renew(context, certificate).await,
            // `auth::check` refused unauthenticated callers above; a client a balancer named
            // by its DN alone has no certificate to renew (puppetserver's words).
            None => text(
                StatusCode::BAD_REQUEST,
                "No valid certificate found in renewal request",
            ),
        },
        Route::CertificateStatus(name) => match certname(&name) {
            Ok(name) if method == Method::PUT => admin::set_status(context, name).await,
            Ok(name) if method == Method::DELETE => admin::delete(context, name).await,
            Ok(name) => admin::status(context, name).await,
            Err(reply) => reply,
        },
        Route::CertificateStatuses => admin::statuses(context).await,
        Route::CrlUpload => admin::upload_crls(context).await,
        Route::Clean => admin::clean(context).await,
        Route::Expirations => admin::expirations(context).await,
        Route::Sign => admin::sign(context, false).await,
        Route::SignAll => admin::sign(context, true).await,
        Route::Tokens if method == Method::POST => tokens::create(context).await,
        Route::Tokens => tokens::list(context).await,
        Route::Token(id) => tokens::revoke(context, id).await,
    }
}

/// What a handler gets: the CA and the parts of the request it may need.
struct Context {
    ca: Arc<Ca>,
    /// Who asks for what this request changes: a remote administrator or agent, `client:<CN>`
    /// in the audit trail.
    actor: Actor,
    /// The group-commit signer enrolments go through.
    signer: Signer,
    /// Where handlers count what they signed, refused and revoked.
    metrics: Arc<Metrics>,
    body: Bytes,
    query: String,
    if_modified_since: Option<SystemTime>,
    /// `Some(true)` for `application/json`, `Some(false)` for another type, `None` for none.
    json_body: Option<bool>,
}

impl Context {
    /// The context of `request` for `ca`: its query, headers and body (read within the
    /// limits; a refusal is the reply), and who asks (`peer`).
    async fn read(
        ca: Arc<Ca>,
        shared: &Shared,
        peer: Option<&Peer>,
        request: Request<Incoming>,
    ) -> Result<Context, Reply> {
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
        let method = request.method();
        let body = if method == Method::PUT || method == Method::POST {
            read_body(request).await?
        } else {
            Bytes::new()
        };
        Ok(Context {
            ca,
            actor: Actor::remote(peer.map_or_else(
                || "client:-".to_owned(),
                |p| audit::client_actor(&p.common_name),
            )),
            signer: shared.signer.clone(),
            metrics: shared.metrics.clone(),
            body,
            query,
            if_modified_since,
            json_body,
        })
    }

    /// Run a CA call on the blocking pool (the store locks files and the CA key signs).
    async fn blocking<T, F>(&self, call: F) -> Result<T, Reply>
    where
        T: Send + 'static,
        F: FnOnce(&Ca) -> T + Send + 'static,
    {
        let ca = self.ca.clone();
        tokio::task::spawn_blocking(move || call(&ca))
            .await
            .map_err(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "the CA call failed"))
    }

    /// [`Context::blocking`] for a call whose every error is answered by [`failure`].
    async fn call<T, F>(&self, call: F) -> Result<T, Reply>
    where
        T: Send + 'static,
        F: FnOnce(&Ca) -> Result<T, Error> + Send + 'static,
    {
        self.blocking(call).await?.map_err(|error| {
            self.metrics.failed(&error);
            failure(&error)
        })
    }

    /// The GET endpoints that look one name up: run `find` on the blocking pool and render
    /// what it found with `render`; puppetserver's 404 `Could not find {what} NAME` when the
    /// CA has nothing for the name.
    async fn lookup<T: Send + 'static>(
        &self,
        name: Certname,
        what: &str,
        find: fn(&Ca, &Certname) -> Result<T, Error>,
        render: impl FnOnce(T) -> Reply,
    ) -> Reply {
        let wanted = name.clone();
        match self.blocking(move |ca| find(ca, &wanted)).await {
            Ok(Ok(found)) => render(found),
            Ok(Err(error)) if error.fault() == Fault::NotFound => text(
                StatusCode::NOT_FOUND,
                format!("Could not find {what} {name}"),
            ),
            Ok(Err(error)) => {
                self.metrics.failed(&error);
                failure(&error)
            }
            Err(reply) => reply,
        }
    }

    /// The JSON object of a PUT/POST body: 415 for another content type, 400 for bad JSON.
    fn json_document(&self) -> Result<Value, Reply> {
        if self.json_body == Some(false) {
            return Err(text(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type: the body must be application/json",
            ));
        }
        match serde_json::from_slice::<Value>(&self.body) {
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
}

/// Read the whole body within [`BODY_LIMIT`] and [`BODY_TIMEOUT`]; a refusal closes the
/// connection, since the rest of the body may still be on its way.
///
/// A body over the limit is answered 413 only after the rest of it (up to [`DRAIN_LIMIT`]) has
/// been read and thrown away: closing a TLS connection with unread data in it resets it, and a
/// client still sending would see a broken pipe instead of the 413 (seen with curl under load).
/// Past [`DRAIN_LIMIT`] the 413 goes out at once and the client may miss it.
async fn read_body(request: Request<Incoming>) -> Result<Bytes, Reply> {
    let too_large = || {
        closing(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {BODY_LIMIT} bytes"),
        ))
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        if declared.is_some_and(|length| length <= DRAIN_LIMIT as u64) {
            drain(request.into_body(), DRAIN_LIMIT).await;
        }
        return Err(too_large());
    }
    let mut body = request.into_body();
    let mut collected = Vec::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(closing(text(
                    StatusCode::BAD_REQUEST,
                    "cannot read the request body",
                )));
            };
            if let Ok(data) = frame.into_data() {
                if collected.len() + data.len() > BODY_LIMIT {
                    drain(
                        body,
                        DRAIN_LIMIT.saturating_sub(collected.len() + data.len()),
                    )
                    .await;
                    return Err(too_large());
                }
                collected.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(())) => Ok(Bytes::from(collected)),
        Ok(Err(reply)) => Err(reply),
        Err(_) => Err(closing(text(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time",
        ))),
    }
}

/// Most bytes of an oversized body read and thrown away so that its sender sees the 413.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Read and throw away up to `most` bytes of `body` (within [`BODY_TIMEOUT`]).
async fn drain(mut body: Incoming, most: usize) {
    let discard = async {
        let mut seen = 0usize;
        while seen <= most {
            match body.frame().await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |data| data.len()),
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(BODY_TIMEOUT, discard).await;
}

/// A certname from the path, or puppetserver's 400 for it.
fn certname(name: &str) -> Result<Certname, Reply> {
    Certname::parse(name)
        .map_err(|e| text(StatusCode::BAD_REQUEST, wire::puppet_message(&e.into())))
}
