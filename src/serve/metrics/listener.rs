//! Serving the exposition: the reply to `GET /metrics` (on the TLS listener, through `routes`,
//! or here) and the plain-HTTP listener of `--metrics-bind`, which serves nothing else.

use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::super::{http1_builder, next_connection, Shared};

/// The content type of the text exposition format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Connections the plain metrics listener serves at once (a scraper or two); more are closed.
const PLAIN_CONNECTIONS: usize = 16;

/// The exposition of `shared`'s metrics, rendered on the blocking pool (the gauges read the
/// CA's files): 200 with the text, or 500 when rendering itself failed.
pub(crate) async fn reply(shared: &Shared) -> Response<Full<Bytes>> {
    let ca = shared.generation().ca.clone();
    let metrics = shared.metrics.clone();
    let rendered =
        tokio::task::spawn_blocking(move || metrics.render(&ca, OffsetDateTime::now_utc())).await;
    match rendered {
        Ok(text) => {
            let mut response = Response::new(Full::new(Bytes::from(text)));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            response
        }
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot render the metrics",
        ),
    }
}

/// Serve `GET /metrics` in plain HTTP on `listener` (`--metrics-bind`) until the task is
/// aborted (at shutdown; a scrape in flight then is cut off, which a scraper retries):
/// nothing else is there (404), and other methods are refused (405). Connections are bounded
/// and get the daemon's HTTP/1 limits.
pub(crate) async fn serve_plain(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(PLAIN_CONNECTIONS));
    loop {
        let (stream, remote) = next_connection(&listener, "metrics listener: ").await;
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!("{remote}: too many metrics connections; closed");
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request: Request<Incoming>| {
                let shared = shared.clone();
                async move {
                    let response = if request.uri().path() != "/metrics" {
                        plain(
                            StatusCode::NOT_FOUND,
                            format!("Not Found: {}", request.uri().path()),
                        )
                    } else if request.method() != Method::GET {
                        let mut response = plain(
                            StatusCode::METHOD_NOT_ALLOWED,
                            format!("Method {} is not allowed on /metrics", request.method()),
                        );
                        response
                            .headers_mut()
                            .insert(header::ALLOW, HeaderValue::from_static("GET"));
                        response
                    } else {
                        reply(&shared).await
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let connection = http1_builder().serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                tracing::debug!("{remote}: metrics connection ended: {error}");
            }
        });
    }
}

fn plain(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
