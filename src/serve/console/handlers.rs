//! One handler per console page or action: parse what the request says (a certname from the
//! path, form or query fields), make one call into [`Ca`] on the blocking pool, render the
//! result with `views`. A change first passes [`checked_form`]: from a page of this console,
//! with the session's CSRF token. Errors become a page saying what happened and what to do,
//! with the status the API would give (400 a bad name, 404 nothing there, 409 the CA refused
//! or the request changed meanwhile, 503 the store unreachable); never a 500 for a bad request.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, StatusCode};
use time::OffsetDateTime;

use crate::ca::{Ca, Selection, Session, SignOptions, State};
use crate::certname::Certname;
use crate::error::{Error, SessionError, StoreError};
use crate::session::Secret;

use super::super::Shared;
use super::html::{self, notice, page, SignedIn};
use super::reply::{self, Reply};
use super::request::{self, BodyError, Fields};
use super::{blocking, views};

/// Answer a request of no session: the sign-in page, or a redirect to it (no page shows a
/// certname before sign-in).
pub(super) async fn signed_out(ca: Arc<Ca>, request: Request<Incoming>) -> Reply {
    let path = request.uri().path().to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET, "/login") => login_page(StatusCode::OK, ""),
        (&Method::POST, "/login") => sign_in(ca, request).await,
        (&Method::GET, _) => reply::see_other("/login"),
        _ => reply::text(StatusCode::FORBIDDEN, "signed out: sign in first\n"),
    }
}

/// Answer a request of `session`.
pub(super) async fn route(
    shared: &Shared,
    ca: Arc<Ca>,
    session: Session,
    request: Request<Incoming>,
) -> Reply {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = Fields::parse(request.uri().query().unwrap_or_default());
    let csrf = session.secret.csrf_token();
    let who = SignedIn {
        actor: &session.actor,
        csrf: &csrf,
    };
    match (&method, path.as_str()) {
        (&Method::GET, "/" | "/login") => reply::see_other("/pending"),
        (&Method::POST, "/login") => sign_in(ca, request).await,
        (&Method::POST, "/logout") => sign_out(ca, &session, request).await,
        (&Method::GET, "/pending") => pending(ca, &who).await,
        (&Method::GET, "/pending/version") => pending_version(ca).await,
        (&Method::GET, "/pending/rows") => pending_rows(ca).await,
        (&Method::GET, "/certificates") => certificates(ca, &who, &query).await,
        (&Method::GET, "/audit") => audit(ca, &who, &query).await,
        (&Method::GET, "/ca") => ca_page(shared, ca, &who).await,
        _ => {
            let named = request::name_and_action(&path, "/pending/")
                .map(|(name, action)| (name, format!("pending/{action}")))
                .or_else(|| {
                    request::name_and_action(&path, "/certificates/")
                        .map(|(name, action)| (name, format!("certificates/{action}")))
                });
            let Some((name, action)) = named else {
                return not_found(&who);
            };
            let name = match Certname::parse(&name) {
                Ok(name) => name,
                Err(error) => return failure(&error.into(), Some(&who), "/pending", "Back"),
            };
            match (&method, action.as_str()) {
                (&Method::GET, "pending/sign") => sign_dialog(ca, &who, name).await,
                (&Method::GET, "pending/reject") => reject_dialog(ca, &who, name).await,
                (&Method::GET, "certificates/revoke") => revoke_dialog(ca, &who, name).await,
                (&Method::GET, "certificates/clean") => clean_dialog(ca, &who, name).await,
                (&Method::POST, "pending/sign" | "pending/reject")
                | (&Method::POST, "certificates/revoke" | "certificates/clean") => {
                    let fields = match checked_form(&session, request).await {
                        Ok(fields) => fields,
                        Err(reply) => return reply,
                    };
                    change(ca, &session, &who, &action, name, &fields).await
                }
                (&Method::GET | &Method::POST, _) => not_found(&who),
                _ => reply::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
            }
        }
    }
}

/// The sign-in page with `message` (markup).
fn login_page(status: StatusCode, message: &str) -> Reply {
    reply::html(status, page("Sign in", "", None, &views::login(message)))
}

/// `POST /login`: exchange the code of a login link for a session.
async fn sign_in(ca: Arc<Ca>, request: Request<Incoming>) -> Reply {
    if !request::same_origin(request.headers()) {
        return login_page(
            StatusCode::FORBIDDEN,
            &notice(
                "error",
                "Refused: this sign-in was not sent from this console's page.",
            ),
        );
    }
    let fields = match request::form(request).await {
        Ok(fields) => fields,
        Err(error) => return body_refused(error),
    };
    let refused = |error: &Error| {
        let hint = error.hint().unwrap_or_default();
        login_page(
            StatusCode::FORBIDDEN,
            &notice("error", &format!("Not signed in: {error}; {hint}.")),
        )
    };
    let Some(secret) = Secret::parse(fields.get("code").trim()) else {
        return refused(&SessionError::LinkUnusable.into());
    };
    let now = OffsetDateTime::now_utc();
    match blocking(&ca, move |ca| ca.console_sign_in(&secret, now)).await {
        Ok(session) => reply::with_session(reply::see_other("/pending"), &session.secret),
        Err(error @ Error::Session(_)) => refused(&error),
        Err(error) => failure(&error, None, "/login", "Sign in"),
    }
}

/// `POST /logout`.
async fn sign_out(ca: Arc<Ca>, session: &Session, request: Request<Incoming>) -> Reply {
    if let Err(reply) = checked_form(session, request).await {
        return reply;
    }
    let ending = session.clone();
    let now = OffsetDateTime::now_utc();
    match blocking(&ca, move |ca| ca.console_sign_out(&ending, now)).await {
        Ok(()) => reply::without_session(login_page(
            StatusCode::OK,
            &notice("ok", "You are signed out."),
        )),
        Err(error) => failure(&error, None, "/pending", "Back"),
    }
}

/// The form of a change, when it comes from a page of this console and carries `session`'s
/// CSRF token; otherwise the 403 that refuses it.
async fn checked_form(session: &Session, request: Request<Incoming>) -> Result<Fields, Reply> {
    let refusal = |why: &str| {
        reply::html(
            StatusCode::FORBIDDEN,
            page(
                "Refused",
                "",
                None,
                &views::outcome(
                    "error",
                    &format!("Refused: {why}; nothing was changed."),
                    "/pending",
                    "Back to the console",
                ),
            ),
        )
    };
    if !request::same_origin(request.headers()) {
        return Err(refusal(
            "this form was not sent from a page of this console",
        ));
    }
    let fields = request::form(request).await.map_err(body_refused)?;
    if !session.secret.csrf_matches(fields.get("csrf")) {
        return Err(refusal(
            "the form's CSRF token is missing or not this session's",
        ));
    }
    Ok(fields)
}

/// The reply to a form body that could not be read.
fn body_refused(error: BodyError) -> Reply {
    match error {
        BodyError::TooLarge => reply::text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("form larger than {} bytes\n", request::FORM_LIMIT),
        ),
        BodyError::Unreadable => reply::text(StatusCode::BAD_REQUEST, "form not received\n"),
    }
}

/// `GET /pending`.
async fn pending(ca: Arc<Ca>, who: &SignedIn<'_>) -> Reply {
    match blocking(&ca, |ca| Ok((ca.pending_requests()?, version(ca)?))).await {
        Ok((requests, version)) => reply::html(
            StatusCode::OK,
            page(
                "Pending",
                "/pending",
                Some(who),
                &views::pending(&requests, &version),
            ),
        ),
        Err(error) => failure(&error, Some(who), "/pending", "Try again"),
    }
}

/// `GET /pending/version`: a value that changes whenever a request arrives, is replaced or
/// goes (what the Pending page's script polls: one cheap read).
async fn pending_version(ca: Arc<Ca>) -> Reply {
    match blocking(&ca, version).await {
        Ok(version) => reply::text(StatusCode::OK, version),
        Err(error) => failure_text(&error),
    }
}

/// `GET /pending/rows`: the Pending table's rows, for the script to swap in.
async fn pending_rows(ca: Arc<Ca>) -> Reply {
    match blocking(&ca, |ca| Ok((ca.pending_requests()?, version(ca)?))).await {
        Ok((requests, version)) => {
            let mut reply = reply::html(StatusCode::OK, views::pending_rows(&requests));
            if let Ok(value) = HeaderValue::from_str(&version) {
                reply.headers_mut().insert("x-pending-version", value);
            }
            reply
        }
        Err(error) => failure_text(&error),
    }
}

/// The version of the queue: a hash of each queued request's name and arrival time.
fn version(ca: &Ca) -> Result<String, Error> {
    let mut times = ca.store().request_times()?;
    times.sort();
    let mut hasher = openssl::sha::Sha256::new();
    for (name, time) in &times {
        let nanos = time
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.update(format!("{name} {nanos}\n").as_bytes());
    }
    Ok(hasher.finish()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `GET /pending/NAME/sign`: the Sign dialog.
async fn sign_dialog(ca: Arc<Ca>, who: &SignedIn<'_>, name: Certname) -> Reply {
    let wanted = name.clone();
    match blocking(&ca, move |ca| ca.pending_request(&wanted)).await {
        Ok(Some(request)) => {
            let issuer = ca.authority().certificate().subject.clone();
            let body = views::sign_dialog(&request, who.csrf, &issuer, OffsetDateTime::now_utc());
            reply::html(StatusCode::OK, page("Sign", "/pending", Some(who), &body))
        }
        Ok(None) => nothing_pending(who, &name),
        Err(error) => failure(&error, Some(who), "/pending", "Back to Pending"),
    }
}

/// `GET /pending/NAME/reject`: the Reject dialog.
async fn reject_dialog(ca: Arc<Ca>, who: &SignedIn<'_>, name: Certname) -> Reply {
    let wanted = name.clone();
    match blocking(&ca, move |ca| ca.pending_request(&wanted)).await {
        Ok(Some(request)) => reply::html(
            StatusCode::OK,
            page(
                "Reject",
                "/pending",
                Some(who),
                &views::reject_dialog(&request, who.csrf),
            ),
        ),
        Ok(None) => nothing_pending(who, &name),
        Err(error) => failure(&error, Some(who), "/pending", "Back to Pending"),
    }
}

/// The 404 of a dialog for a request that is not there (any more).
fn nothing_pending(who: &SignedIn<'_>, name: &Certname) -> Reply {
    let text = format!(
        "No request of {name} is pending: it was signed or removed meanwhile, or never came."
    );
    reply::html(
        StatusCode::NOT_FOUND,
        page(
            "Not pending",
            "/pending",
            Some(who),
            &views::outcome("error", &text, "/pending", "Back to Pending"),
        ),
    )
}

/// `GET /certificates/NAME/revoke`: the Revoke dialog, for a valid certificate.
async fn revoke_dialog(ca: Arc<Ca>, who: &SignedIn<'_>, name: Certname) -> Reply {
    let wanted = name.clone();
    match blocking(&ca, move |ca| ca.status(&wanted)).await {
        Ok(status) if status.state == State::Signed => reply::html(
            StatusCode::OK,
            page(
                "Revoke",
                "/certificates",
                Some(who),
                &views::revoke_dialog(&status, who.csrf),
            ),
        ),
        Ok(status) => reply::html(
            StatusCode::CONFLICT,
            page(
                "Not revoked",
                "/certificates",
                Some(who),
                &views::outcome(
                    "error",
                    &format!(
                        "{name} has no valid certificate to revoke: it is {}.",
                        status.state.as_str()
                    ),
                    "/certificates",
                    "Back to Certificates",
                ),
            ),
        ),
        Err(error) => failure(&error, Some(who), "/certificates", "Back to Certificates"),
    }
}

/// `GET /certificates/NAME/clean`: the Clean dialog, for a name the CA knows.
async fn clean_dialog(ca: Arc<Ca>, who: &SignedIn<'_>, name: Certname) -> Reply {
    let wanted = name.clone();
    match blocking(&ca, move |ca| ca.status(&wanted)).await {
        Ok(_) => reply::html(
            StatusCode::OK,
            page(
                "Clean",
                "/certificates",
                Some(who),
                &views::clean_dialog(name.as_str(), who.csrf),
            ),
        ),
        Err(error) => failure(&error, Some(who), "/certificates", "Back to Certificates"),
    }
}

/// A change (`action`) to `name` with its checked form: one `Ca` operation on behalf of the
/// session's actor, then the page saying what it did.
async fn change(
    ca: Arc<Ca>,
    session: &Session,
    who: &SignedIn<'_>,
    action: &str,
    name: Certname,
    fields: &Fields,
) -> Reply {
    let actor = session.actor.clone();
    let now = OffsetDateTime::now_utc();
    let reviewed = fields.get("fingerprint").to_owned();
    let (back, label, current) = match action {
        "pending/sign" | "pending/reject" => ("/pending", "Back to Pending", "/pending"),
        _ => ("/certificates", "Back to Certificates", "/certificates"),
    };
    let done: Result<String, Error> = match action {
        "pending/sign" => {
            let options = SignOptions {
                allow_alt_names: fields.get("allow_alt_names") == "yes",
                ttl: None,
            };
            let target = name.clone();
            blocking(&ca, move |ca| {
                ca.sign_reviewed(&actor, &target, &reviewed, options, now)
            })
            .await
            .map(|certificate| {
                format!(
                    "Signed {name}: serial {}, valid until {}.",
                    certificate
                        .serial
                        .map_or_else(|| "unknown".into(), |s| s.to_string()),
                    html::time(certificate.not_after)
                )
            })
        }
        "pending/reject" => {
            let target = name.clone();
            blocking(&ca, move |ca| {
                ca.reject_reviewed(&actor, &target, &reviewed, now)
            })
            .await
            .map(|()| format!("Rejected the request of {name}: it was removed."))
        }
        "certificates/revoke" => {
            let Some(reason) = views::REASONS
                .into_iter()
                .find(|reason| reason.to_string() == fields.get("reason"))
            else {
                return reply::html(
                    StatusCode::BAD_REQUEST,
                    page(
                        "Not revoked",
                        current,
                        Some(who),
                        &views::outcome(
                            "error",
                            "Choose a reason for the revocation.",
                            back,
                            label,
                        ),
                    ),
                );
            };
            let target = name.clone();
            blocking(&ca, move |ca| {
                let mut outcomes =
                    ca.revoke_over_http(&actor, std::slice::from_ref(&target), reason, now)?;
                match outcomes.pop() {
                    Some((_, result)) => result,
                    None => Ok(Vec::new()),
                }
            })
            .await
            .map(|serials| {
                if serials.is_empty() {
                    format!("{name} was revoked already.")
                } else {
                    let list: Vec<String> = serials.iter().map(ToString::to_string).collect();
                    format!(
                        "Revoked {name} (serial {}, reason {reason}); the new CRL is served now.",
                        list.join(", ")
                    )
                }
            })
        }
        "certificates/clean" => {
            let target = name.clone();
            blocking(&ca, move |ca| {
                let mut outcomes =
                    ca.clean_over_http(&actor, std::slice::from_ref(&target), now)?;
                match outcomes.pop() {
                    Some((_, result)) => result,
                    None => Err(StoreError::NotFound {
                        what: "a certificate or request",
                        name: target.to_string(),
                    }
                    .into()),
                }
            })
            .await
            .map(|cleaned| {
                format!(
                    "Cleaned {name}: {} serial(s) revoked, {} item(s) removed.",
                    cleaned.revoked.len(),
                    cleaned.removed.len()
                )
            })
        }
        _ => return not_found(who),
    };
    match done {
        Ok(text) => reply::html(
            StatusCode::OK,
            page(
                "Done",
                current,
                Some(who),
                &views::outcome("ok", &text, back, label),
            ),
        ),
        Err(error) => failure(&error, Some(who), back, label),
    }
}

/// `GET /certificates[?name=&state=&expiring=]`.
async fn certificates(ca: Arc<Ca>, who: &SignedIn<'_>, query: &Fields) -> Reply {
    let filter = views::CertificateFilter {
        name: query.get("name").to_owned(),
        state: match query.get("state") {
            state @ ("signed" | "revoked" | "requested") => state.to_owned(),
            _ => String::new(),
        },
        expiring: query.get("expiring").parse().ok().filter(|days| *days > 0),
    };
    let selection = Selection {
        all: true,
        ..Selection::default()
    };
    match blocking(&ca, move |ca| ca.list(&selection)).await {
        Ok(entries) => {
            let body = views::certificates(&entries, &filter, OffsetDateTime::now_utc());
            reply::html(
                StatusCode::OK,
                page("Certificates", "/certificates", Some(who), &body),
            )
        }
        Err(error) => failure(&error, Some(who), "/certificates", "Try again"),
    }
}

/// `GET /audit[?name=&actor=]`.
async fn audit(ca: Arc<Ca>, who: &SignedIn<'_>, query: &Fields) -> Reply {
    match blocking(&ca, |ca| ca.audit()).await {
        Ok(events) => {
            let body = views::audit(&events, query.get("name"), query.get("actor"));
            reply::html(StatusCode::OK, page("Audit", "/audit", Some(who), &body))
        }
        Err(error) => failure(&error, Some(who), "/audit", "Try again"),
    }
}

/// `GET /ca`: the chain, the CRLs, the store and this node.
async fn ca_page(shared: &Shared, ca: Arc<Ca>, who: &SignedIn<'_>) -> Reply {
    let generation = shared.generation();
    let node = (
        generation.host.certificate.common_name.clone(),
        generation.host.certificate.not_after,
    );
    let facts = blocking(&ca, move |ca| {
        let started = std::time::Instant::now();
        let store_answer = ca
            .store()
            .request_times()
            .map(|_| started.elapsed().as_millis())
            .map_err(|error| error.to_string());
        let location = ca.store().location();
        Ok(views::CaFacts {
            chain: ca
                .authority()
                .chain()
                .iter()
                .map(|certificate| (certificate.common_name.clone(), certificate.not_after))
                .collect(),
            crls: ca
                .crls()?
                .iter()
                .map(|crl| {
                    (
                        crl.issuer_common_name.clone(),
                        crl.number,
                        crl.this_update,
                        crl.next_update,
                    )
                })
                .collect(),
            store: (
                if location.is_shared() {
                    "a database (several CA nodes)"
                } else {
                    "files (a CA directory)"
                },
                location.to_string(),
            ),
            node,
            store_answer,
            next_refresh: ca.next_crl_refresh().ok().flatten(),
            version: env!("CARGO_PKG_VERSION"),
        })
    })
    .await;
    match facts {
        Ok(facts) => reply::html(
            StatusCode::OK,
            page(
                "CA",
                "/ca",
                Some(who),
                &views::ca(&facts, OffsetDateTime::now_utc()),
            ),
        ),
        Err(error) => failure(&error, Some(who), "/ca", "Try again"),
    }
}

/// The 404 page of a signed-in session.
fn not_found(who: &SignedIn<'_>) -> Reply {
    reply::html(
        StatusCode::NOT_FOUND,
        page(
            "Not found",
            "",
            Some(who),
            &views::outcome(
                "error",
                "This console has no such page.",
                "/pending",
                "Go to Pending",
            ),
        ),
    )
}

/// The status an error is answered with: 400 a bad name, 403 a refused sign-in, 404 nothing
/// there, 409 refused by the CA or changed meanwhile, 503 the store unreachable, 500 the CA
/// failing.
fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Certname(_) => StatusCode::BAD_REQUEST,
        Error::Session(SessionError::LinkUnusable) => StatusCode::FORBIDDEN,
        Error::Session(_) | Error::Csr(_) | Error::Policy(_) => StatusCode::CONFLICT,
        Error::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
        Error::Store(store) if store.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The page for `error`: what happened, what to do (its hint), and a way back.
pub(super) fn failure(error: &Error, who: Option<&SignedIn<'_>>, back: &str, label: &str) -> Reply {
    let status = status_of(error);
    if status.is_server_error() {
        tracing::warn!("console: {error}");
    }
    let text = match error.hint() {
        Some(hint) => format!("Not done: {error}; {hint}."),
        None => format!("Not done: {error}."),
    };
    let body = views::outcome("error", &text, back, label);
    let title = if status == StatusCode::CONFLICT {
        "Not done: changed meanwhile or refused"
    } else {
        "Not done"
    };
    let mut reply = reply::html(status, page(title, "", who, &body));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        reply
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("5"));
    }
    reply
}

/// The plain-text reply for `error` (what the page's script fetches).
fn failure_text(error: &Error) -> Reply {
    reply::text(status_of(error), format!("{error}\n"))
}
