//! The console's changes: signing in (a login link's code for a session) and out, and the
//! actions of the dialogs (sign, reject, revoke, clean). Every change is a POST that first
//! passes [`checked_form`]: sent from a page of this console (`Origin`), with the session's
//! CSRF token; then one `Ca` operation on behalf of the session's actor, and a page saying
//! what it did or, through `handlers::failure`, why not.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use time::OffsetDateTime;

use crate::ca::{Actor, Ca, Session, SignOptions};
use crate::certname::Certname;
use crate::crl::Reason;
use crate::error::{Error, SessionError, StoreError};
use crate::session::Secret;

use super::handlers::{self, failure, login_page, not_found};
use super::html::{self, notice, page, SignedIn};
use super::reply::{self, Reply};
use super::request::{self, BodyError, Fields};
use super::{blocking, dialogs, views};

/// `POST /login`: exchange the code of a login link for a session.
pub(super) async fn sign_in(ca: Arc<Ca>, request: Request<Incoming>) -> Reply {
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
        let hint = handlers::advice(error).unwrap_or_default();
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
pub(super) async fn sign_out(ca: Arc<Ca>, session: &Session, request: Request<Incoming>) -> Reply {
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
pub(super) async fn checked_form(
    session: &Session,
    request: Request<Incoming>,
) -> Result<Fields, Reply> {
    let refusal = |why: &str| {
        reply::html(
            StatusCode::FORBIDDEN,
            page(
                "Refused",
                "",
                None,
                &dialogs::outcome(
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

/// A change (`action`) to `name` with its checked form: one `Ca` operation on behalf of the
/// session's actor, then the page saying what it did.
pub(super) async fn change(
    ca: Arc<Ca>,
    session: &Session,
    who: &SignedIn<'_>,
    action: &str,
    name: Certname,
    fields: &Fields,
) -> Reply {
    let change = Change {
        ca,
        actor: session.actor.clone(),
        name,
        now: OffsetDateTime::now_utc(),
    };
    let reviewed = fields.get("fingerprint").to_owned();
    let (back, label, current) = match action {
        "pending/sign" | "pending/reject" => ("/pending", "Back to Pending", "/pending"),
        _ => ("/certificates", "Back to Certificates", "/certificates"),
    };
    let done = match action {
        "pending/sign" => {
            let options = SignOptions {
                allow_alt_names: fields.get("allow_alt_names") == "yes",
                ttl: None,
            };
            change.sign(reviewed, options).await
        }
        "pending/reject" => change.reject(reviewed).await,
        "certificates/revoke" => {
            let Some(reason) = views::REASONS
                .into_iter()
                .find(|reason| reason.to_string() == fields.get("reason"))
            else {
                let choose =
                    dialogs::outcome("error", "Choose a reason for the revocation.", back, label);
                let body = page("Not revoked", current, Some(who), &choose);
                return reply::html(StatusCode::BAD_REQUEST, body);
            };
            change.revoke(reason).await
        }
        "certificates/clean" => change.clean().await,
        _ => return not_found(who),
    };
    match done {
        Ok(text) => reply::html(
            StatusCode::OK,
            page(
                "Done",
                current,
                Some(who),
                &dialogs::outcome("ok", &text, back, label),
            ),
        ),
        Err(error) => failure(&error, Some(who), back, label),
    }
}

/// One change of the console to one name, on behalf of a session's actor; each operation
/// says what it did, in a sentence for the outcome's page.
struct Change {
    ca: Arc<Ca>,
    actor: String,
    name: Certname,
    now: OffsetDateTime,
}

impl Change {
    /// Sign the queued request, if it is still the one reviewed (its fingerprint).
    async fn sign(&self, reviewed: String, options: SignOptions) -> Result<String, Error> {
        let (actor, name, now) = (self.actor.clone(), self.name.clone(), self.now);
        let certificate = blocking(&self.ca, move |ca| {
            ca.sign_reviewed(&actor, &name, &reviewed, options, now)
        })
        .await?;
        Ok(format!(
            "Signed {}: serial {}, valid until {}.",
            self.name,
            certificate
                .serial
                .map_or_else(|| "unknown".into(), |s| s.to_string()),
            html::time(certificate.not_after)
        ))
    }

    /// Remove the queued request, if it is still the one reviewed (its fingerprint).
    async fn reject(&self, reviewed: String) -> Result<String, Error> {
        let (actor, name, now) = (self.actor.clone(), self.name.clone(), self.now);
        blocking(&self.ca, move |ca| {
            ca.reject_reviewed(&actor, &name, &reviewed, now)
        })
        .await?;
        Ok(format!(
            "Rejected the request of {}: it was removed.",
            self.name
        ))
    }

    /// Revoke the name's certificate for `reason`.
    async fn revoke(&self, reason: Reason) -> Result<String, Error> {
        let (actor, name, now) = (self.actor.clone(), self.name.clone(), self.now);
        let serials = blocking(&self.ca, move |ca| {
            let actor = Actor::remote(actor);
            let mut outcomes = ca.revoke_by(&actor, std::slice::from_ref(&name), reason, now)?;
            match outcomes.pop() {
                Some((_, result)) => result,
                None => Ok(Vec::new()),
            }
        })
        .await?;
        if serials.is_empty() {
            return Ok(format!("{} was revoked already.", self.name));
        }
        let list: Vec<String> = serials.iter().map(ToString::to_string).collect();
        Ok(format!(
            "Revoked {} (serial {}, reason {reason}); the new CRL is served now.",
            self.name,
            list.join(", ")
        ))
    }

    /// Revoke the name's certificate and remove everything the CA holds for it.
    async fn clean(&self) -> Result<String, Error> {
        let (actor, name, now) = (self.actor.clone(), self.name.clone(), self.now);
        let cleaned = blocking(&self.ca, move |ca| {
            let actor = Actor::remote(actor);
            let mut outcomes = ca.clean_by(&actor, std::slice::from_ref(&name), now)?;
            match outcomes.pop() {
                Some((_, result)) => result,
                None => Err(StoreError::NotFound {
                    what: "a certificate or request",
                    name: name.to_string(),
                }
                .into()),
            }
        })
        .await?;
        Ok(format!(
            "Cleaned {}: {} serial(s) revoked, {} item(s) removed.",
            self.name,
            cleaned.revoked.len(),
            cleaned.removed.len()
        ))
    }
}
