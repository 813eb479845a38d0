//! The Puppet CA HTTP API v1 as the agent uses it: the requests it sends (paths under
//! `/puppet-ca/v1`), what the CA's answers mean ([`request_outcome`] and [`retrieval`], pure
//! decisions on status and body), and how a failed exchange becomes an [`AgentError`].
//!
//! It does not frame HTTP or set up TLS ([`super::http`]), and does not decide whom to trust or
//! whether a certificate is good (the agent's `trust` module).

use crate::certificate::Certificate;
use crate::error::{AgentError, Error};

use super::http::{self, HttpError, Request, Response, Trust};
use super::Agent;

/// Where the CA API lives on the server.
const API: &str = "/puppet-ca/v1";

/// What to do after `PUT certificate_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// Accepted (or already there): poll for the certificate.
    Poll {
        /// The CA's message when it said it had one already.
        already: Option<String>,
    },
    /// The CA will not sign it.
    Refuse(String),
    /// Not the Puppet CA API.
    Unexpected,
}

/// Decide on the answer to `PUT certificate_request`. Puppet agents take any 400 as "already
/// submitted"; a 400 that names a policy refusal is reported as one instead, since polling for
/// a certificate that will never come helps no one.
pub fn request_outcome(status: u16, body_line: &str) -> RequestOutcome {
    match status {
        200..=299 => RequestOutcome::Poll { already: None },
        400 if body_line.contains("already has") || body_line.is_empty() => RequestOutcome::Poll {
            already: Some(body_line.to_owned()),
        },
        400 | 403 | 409 => RequestOutcome::Refuse(body_line.to_owned()),
        _ => RequestOutcome::Unexpected,
    }
}

/// What `GET certificate/NAME` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retrieval {
    /// The certificate is in the body.
    Found,
    /// Not signed yet.
    Pending,
    /// Not the Puppet CA API.
    Unexpected,
}

/// Decide on the answer to `GET certificate/NAME`.
pub fn retrieval(status: u16) -> Retrieval {
    match status {
        200 => Retrieval::Found,
        404 => Retrieval::Pending,
        _ => Retrieval::Unexpected,
    }
}

/// The answer to `POST certificate_renewal`.
pub(super) enum Renewal {
    /// The CA renewed the certificate.
    Renewed(Box<Certificate>),
    /// The CA does not offer renewal: its status and message.
    Unavailable(String),
}

/// `GET` an API path (`certificate/ca`, ...).
pub(super) fn get(path: &str) -> Request<'static> {
    Request::get(format!("{API}/{path}"))
}

/// `method` an API path with a text body.
fn text<'a>(method: &'static str, path: &str, body: &'a [u8]) -> Request<'a> {
    Request::text(method, format!("{API}/{path}"), body)
}

impl Agent {
    /// The CA server, for messages.
    pub(super) fn server(&self) -> String {
        self.config.ca_server.to_string()
    }

    /// Send `request` to the CA; a failed exchange says what failed, with the server's name.
    pub(super) fn send(&self, trust: &Trust<'_>, request: &Request<'_>) -> Result<Response, Error> {
        http::send(&self.config.ca_server, trust, request).map_err(|e| self.http_error(e))
    }

    fn http_error(&self, error: HttpError) -> Error {
        let server = self.server();
        match error {
            HttpError::Connect(reason) | HttpError::Transport(reason) => {
                AgentError::Unreachable { server, reason }
            }
            HttpError::Certificate(reason) => AgentError::Untrusted {
                what: format!("the TLS certificate of {server}"),
                reason,
            },
            HttpError::Tls(reason) => AgentError::NotPuppetCa {
                server,
                reason: format!("tls failed: {reason}"),
            },
            other @ (HttpError::Malformed(_) | HttpError::Truncated(_)) => AgentError::Protocol {
                server,
                reason: other.to_string(),
            },
        }
        .into()
    }

    /// The CA answered `request` with a status the API does not use for it.
    pub(super) fn unexpected(&self, request: &Request<'_>, response: &Response) -> Error {
        AgentError::Unexpected {
            server: self.server(),
            request: format!("{} {}", request.method, request.path),
            status: response.status,
            body: response.body_line(),
        }
        .into()
    }

    /// `PUT certificate_request/NAME` with `pem`. `Ok(None)` when the CA took it,
    /// `Ok(Some(message))` when it says it has one already; a refusal is an error.
    pub(super) fn submit(&self, trust: &Trust<'_>, pem: &str) -> Result<Option<String>, Error> {
        let name = &self.config.certname;
        let request = text(
            "PUT",
            &format!("certificate_request/{name}"),
            pem.as_bytes(),
        );
        let response = self.send(trust, &request)?;
        match request_outcome(response.status, &response.body_line()) {
            RequestOutcome::Poll { already } => Ok(already),
            RequestOutcome::Refuse(reason) => Err(AgentError::Refused {
                server: self.server(),
                name: name.to_string(),
                reason,
            }
            .into()),
            RequestOutcome::Unexpected => Err(self.unexpected(&request, &response)),
        }
    }

    /// `GET certificate/NAME`: the certificate once the CA has signed it, `None` while the
    /// request waits. Not yet checked against anything.
    pub(super) fn fetch_certificate(
        &self,
        trust: &Trust<'_>,
    ) -> Result<Option<Certificate>, Error> {
        let request = get(&format!("certificate/{}", self.config.certname));
        let response = self.send(trust, &request)?;
        match retrieval(response.status) {
            Retrieval::Found => self.certificate_in(&response).map(Some),
            Retrieval::Pending => Ok(None),
            Retrieval::Unexpected => Err(self.unexpected(&request, &response)),
        }
    }

    /// `POST certificate_renewal`; the client certificate in `trust` says whose. Not yet
    /// checked against anything.
    pub(super) fn renew_certificate(&self, trust: &Trust<'_>) -> Result<Renewal, Error> {
        let request = text("POST", "certificate_renewal", b"");
        let response = self.send(trust, &request)?;
        match response.status {
            200 => self
                .certificate_in(&response)
                .map(|cert| Renewal::Renewed(Box::new(cert))),
            403..=405 => Ok(Renewal::Unavailable(format!(
                "{} {}",
                response.status,
                response.body_line()
            ))),
            _ => Err(self.unexpected(&request, &response)),
        }
    }

    /// The certificate in a response body.
    fn certificate_in(&self, response: &Response) -> Result<Certificate, Error> {
        Certificate::from_pem(&self.server(), &response.body).map_err(|e| {
            AgentError::Protocol {
                server: self.server(),
                reason: e.to_string(),
            }
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        assert_eq!(
            request_outcome(200, ""),
            RequestOutcome::Poll { already: None }
        );
        assert!(matches!(
            request_outcome(
                400,
                "node already has a requested certificate; ignoring certificate request"
            ),
            RequestOutcome::Poll { already: Some(_) }
        ));
        assert!(matches!(
            request_outcome(
                400,
                "CSR 'x' contains subject alternative names (DNS:y), which are disallowed"
            ),
            RequestOutcome::Refuse(_)
        ));
        assert_eq!(request_outcome(500, "boom"), RequestOutcome::Unexpected);
        assert_eq!(retrieval(200), Retrieval::Found);
        assert_eq!(retrieval(404), Retrieval::Pending);
        assert_eq!(retrieval(302), Retrieval::Unexpected);
    }
}
