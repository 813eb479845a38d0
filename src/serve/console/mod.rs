//! The web console: server-rendered pages for the daily review of pending requests,
//! on a TLS listener of its own (`console_bind`, `cert serve --console-bind`), never the
//! agents' port, with the daemon's certificate and its optional, verified client
//! certificates.
//!
//! This file accepts connections and decides who a request is: a session cookie of a live
//! session in the store (any node of a database store serves it), else an admin's client
//! certificate (`pp_cli_auth` or an `--admin` name, as `auth` decides for the API), which
//! opens a session; else nobody, who sees the sign-in page and no certname. It routes each
//! request to a handler (`handlers`, the changes in `actions`), and refuses every change that does not carry the
//! session's CSRF token or does not come from a page of this console (`Origin`). Rights come
//! only from a login link made on the CA host (a Unix user's) or an admin certificate, never
//! from autosign or a token a client made. Every change is one `Ca` operation with the
//! session's actor in the audit trail, the same the CLI calls. `request` reads requests,
//! `reply` builds replies (with the security headers), `html`, `views` and `dialogs` the
//! markup; the style and the one script are static files (`assets/`).

mod actions;
mod dialogs;
mod handlers;
mod html;
mod reply;
mod request;
mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

use crate::audit;
use crate::ca::{Ca, Session};
use crate::error::Error;

use super::auth::{self, Access, Peer};
use super::{log, Shared};
use reply::Reply;

/// The style sheet.
const STYLE: &str = include_str!("assets/console.css");

/// The one script: the sign-in link's fragment, and following new requests.
const SCRIPT: &str = include_str!("assets/console.js");

/// Answer `request` and log it as the API's requests are (the path only: a query may hold a
/// search, and a sign-in code never travels in a URL at all).
pub(super) async fn logged(
    shared: Arc<Shared>,
    peer: Option<Arc<Peer>>,
    remote: SocketAddr,
    request: Request<Incoming>,
) -> Reply {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = reply::secured(handle(&shared, peer.as_deref(), request).await);
    log::request(
        shared.log_format,
        &log::Request {
            remote,
            client: peer.as_ref().map(|p| p.common_name.as_str()),
            method: &method,
            path: &format!("(console) {path}"),
            status: response.status().as_u16(),
            elapsed: started.elapsed(),
        },
    );
    response
}

/// Answer one console request.
async fn handle(shared: &Shared, peer: Option<&Peer>, request: Request<Incoming>) -> Reply {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // The static files are the same for everyone and show nothing of the CA.
    match (path.as_str(), &method) {
        ("/static/console.css", &Method::GET) => {
            return reply::with_type(StatusCode::OK, "text/css; charset=utf-8", STYLE)
        }
        ("/static/console.js", &Method::GET) => {
            return reply::with_type(StatusCode::OK, "text/javascript; charset=utf-8", SCRIPT)
        }
        _ => {}
    }
    let ca = shared.generation().ca.clone();
    let admin = peer
        .filter(|peer| {
            auth::check(
                Access::Admin,
                Some(peer),
                &ca.config().admins,
                method.as_str(),
                &path,
            )
            .is_ok()
        })
        .map(|peer| audit::client_actor(&peer.common_name));
    let cookie = request::session_cookie(request.headers());
    let session = match blocking(&ca, move |ca| signed_in(ca, cookie, admin)).await {
        Ok(session) => session,
        // Nobody is signed in yet: the page says no more than that (the log says why).
        Err(error) => {
            tracing::warn!("console: cannot look the session up: {error}");
            let mut reply = reply::text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the console cannot check sign-ins right now; try again in a few seconds\n",
            );
            reply.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                hyper::header::HeaderValue::from_static("5"),
            );
            return reply;
        }
    };
    match session {
        Some(session) => {
            let opened = session.new.then(|| session.secret.clone());
            let reply = handlers::route(shared, ca, session, request).await;
            match opened {
                Some(secret) => reply::with_session(reply, &secret),
                None => reply,
            }
        }
        None => handlers::signed_out(ca, request).await,
    }
}

/// The session of a request: the live session its cookie names, else a new one for an admin
/// certificate (`admin`: its actor), else none.
fn signed_in(
    ca: &Ca,
    cookie: Option<crate::session::Secret>,
    admin: Option<String>,
) -> Result<Option<Session>, Error> {
    let now = time::OffsetDateTime::now_utc();
    if let Some(secret) = cookie {
        if let Some(session) = ca.console_session(&secret, now)? {
            return Ok(Some(session));
        }
    }
    match admin {
        Some(identity) => ca.console_sign_in_admin(&identity, now).map(Some),
        None => Ok(None),
    }
}

/// Run `call` with the CA on the blocking pool (the store may wait for a lock or a database).
async fn blocking<T, F>(ca: &Arc<Ca>, call: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&Ca) -> Result<T, Error> + Send + 'static,
{
    let ca = ca.clone();
    tokio::task::spawn_blocking(move || call(&ca))
        .await
        .unwrap_or_else(|_| {
            Err(Error::Panicked {
                task: "a console request".into(),
            })
        })
}
