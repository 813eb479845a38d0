//! Routing a console request, and one handler per page: parse what the request says (a
//! certname from the path, query fields), make one call into [`Ca`] on the blocking pool,
//! render the result with `views`. The changes (POSTs) are `actions`'. Errors become a page
//! saying what happened and what to do,
//! with the status the API would give (400 a bad name, 404 nothing there, 409 the CA refused
//! or the request changed meanwhile, 503 the store unreachable); never a 500 for a bad request.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, StatusCode};
use time::OffsetDateTime;

use crate::ca::{Ca, Selection, Session, State};
use crate::certname::Certname;
use crate::error::{Error, Fault, SessionError};

use super::super::Shared;
use super::html::{page, SignedIn};
use super::reply::{self, Reply};
use super::request::{self, Fields};
use super::{actions, blocking, dialogs, views};

/// Answer a request of no session: the sign-in page, or a redirect to it (no page shows a
/// certname before sign-in).
pub(super) async fn signed_out(ca: Arc<Ca>, request: Request<Incoming>) -> Reply {
    let path = request.uri().path().to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET, "/login") => login_page(StatusCode::OK, ""),
        (&Method::POST, "/login") => actions::sign_in(ca, request).await,
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
        (&Method::POST, "/login") => actions::sign_in(ca, request).await,
        (&Method::POST, "/logout") => actions::sign_out(ca, &session, request).await,
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
                    let fields = match actions::checked_form(&session, request).await {
                        Ok(fields) => fields,
                        Err(reply) => return reply,
                    };
                    actions::change(ca, &session, &who, &action, name, &fields).await
                }
                (&Method::GET | &Method::POST, _) => not_found(&who),
                _ => reply::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
            }
        }
    }
}

/// The sign-in page with `message` (markup).
pub(super) fn login_page(status: StatusCode, message: &str) -> Reply {
    reply::html(status, page("Sign in", "", None, &views::login(message)))
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
            let body = dialogs::sign_dialog(&request, who.csrf, &issuer, OffsetDateTime::now_utc());
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
                &dialogs::reject_dialog(&request, who.csrf),
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
            &dialogs::outcome("error", &text, "/pending", "Back to Pending"),
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
                &dialogs::revoke_dialog(&status, who.csrf),
            ),
        ),
        Ok(status) => reply::html(
            StatusCode::CONFLICT,
            page(
                "Not revoked",
                "/certificates",
                Some(who),
                &dialogs::outcome(
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
                &dialogs::clean_dialog(name.as_str(), who.csrf),
            ),
        ),
        Err(error) => failure(&error, Some(who), "/certificates", "Back to Certificates"),
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
pub(super) fn not_found(who: &SignedIn<'_>) -> Reply {
    reply::html(
        StatusCode::NOT_FOUND,
        page(
            "Not found",
            "",
            Some(who),
            &dialogs::outcome(
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
    match error.fault() {
        Fault::Ca => StatusCode::INTERNAL_SERVER_ERROR,
        Fault::Denied => StatusCode::FORBIDDEN,
        Fault::NotFound => StatusCode::NOT_FOUND,
        Fault::Request if matches!(error, Error::Certname(_)) => StatusCode::BAD_REQUEST,
        // Refused, or changed since the page was drawn.
        Fault::Request => StatusCode::CONFLICT,
        Fault::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// What an administrator in the console can do about `error`, when there is something to say.
pub(super) fn advice(error: &Error) -> Option<&'static str> {
    match error {
        Error::Session(SessionError::LinkUnusable) => {
            Some("run `cert console login` on the CA host for a new link; each link signs in once")
        }
        Error::Session(SessionError::NotReviewed { .. }) => {
            Some("look at the request again before acting on it")
        }
        _ if error.fault() == Fault::Unavailable => {
            Some("the CA's store cannot be reached now; try again in a few seconds")
        }
        _ => None,
    }
}

/// The page for `error`: what happened, what to do (its hint), and a way back.
pub(super) fn failure(error: &Error, who: Option<&SignedIn<'_>>, back: &str, label: &str) -> Reply {
    let status = status_of(error);
    if status.is_server_error() {
        tracing::warn!("console: {error}");
    }
    let text = match advice(error) {
        Some(hint) => format!("Not done: {error}; {hint}."),
        None => format!("Not done: {error}."),
    };
    let body = dialogs::outcome("error", &text, back, label);
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
