//! The endpoints agents call to enrol and stay current: the CA chain and their certificates
//! (`certificate`), submitting and fetching requests (`certificate_request`), the CRL chain
//! (`certificate_revocation_list`) and renewal (`certificate_renewal`). Each makes one call
//! into the CA and renders it; what the CA allows is decided there.

use hyper::StatusCode;

use crate::certificate::Certificate;
use crate::certname::Certname;
use crate::error::{Error, Fault, PolicyError};
use crate::store::Published;
use crate::wire;

use super::super::metrics::Signing;
use super::reply::{empty, failure, not_modified, text, with_last_modified, Reply};
use super::{certname, Context};

/// `GET certificate/NAME`: the CA chain for `ca` (with `Last-Modified`), else the
/// certificate of NAME.
pub(super) async fn certificate(context: Context, name: String) -> Reply {
    if name == "ca" {
        let ca = context.ca.clone();
        let modified = ca.store().last_modified(Published::CaChain).ok();
        if not_modified(context.if_modified_since, modified) {
            return empty(StatusCode::NOT_MODIFIED);
        }
        return with_last_modified(text(StatusCode::OK, ca.authority().chain_pem()), modified);
    }
    let name = match certname(&name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    context
        .lookup(
            name,
            "certificate",
            |ca, name| ca.certificate_pem(name),
            |pem| text(StatusCode::OK, pem),
        )
        .await
}

/// `PUT certificate_request/NAME`: check the CSR, put it through autosign and enrol it in the
/// signer's next batch; 200 once it is durable.
pub(super) async fn submit(context: Context, name: Certname) -> Reply {
    let body = context.body.clone();
    let submitted = name.clone();
    match context
        .signer
        .submit(context.ca.clone(), submitted, body)
        .await
    {
        Ok(submission) => {
            // Autosign said sign and the CA's policy refused: a 400 with the reason,
            // as puppetserver answers (and `cert submit` fails); the request stays queued.
            if let Some(Err(error)) = &submission.signed {
                if error.fault() == Fault::Request {
                    tracing::warn!("autosign would sign {name}, but the CA refused: {error}");
                    return text(StatusCode::BAD_REQUEST, wire::puppet_message(error));
                }
            }
            match &submission.signed {
                Some(Ok(certificate)) if submission.existing => tracing::info!(
                    "{name} sent its request again: its certificate (serial {}) is the answer",
                    certificate
                        .serial
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                ),
                Some(Ok(certificate)) => {
                    tracing::info!(
                        "autosigned {name} (serial {}): {}",
                        certificate
                            .serial
                            .map(|s| s.to_string())
                            .unwrap_or_default(),
                        submission.decision
                    );
                    if let Some(warning) = context.ca.lifetime_warning(certificate) {
                        tracing::warn!("autosigned {name}: {warning}");
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!("autosign would sign {name}, but the CA refused: {error}")
                }
                None => tracing::info!("{name} is pending: {}", submission.decision),
            }
            empty(StatusCode::OK)
        }
        Err(error) if error.fault() == Fault::Request => {
            text(StatusCode::BAD_REQUEST, wire::puppet_message(&error))
        }
        Err(error) => failure(&error),
    }
}

/// `POST certificate_renewal`: renew the certificate the client authenticated with; 404 `Not
/// Found` while `allow-auto-renewal` is off, as puppetserver answers.
pub(super) async fn renew(context: Context, current: Certificate) -> Reply {
    let now = time::OffsetDateTime::now_utc();
    let actor = context.actor.clone();
    let name = current.common_name.clone();
    match context
        .blocking(move |ca| ca.renew_by(&actor, &current, now))
        .await
        .inspect(|result| context.metrics.signing(Signing::Renewal, result))
    {
        Ok(Ok(certificate)) => {
            tracing::info!(
                "renewed {name} (serial {})",
                certificate
                    .serial
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            );
            if let Some(warning) = context.ca.lifetime_warning(&certificate) {
                tracing::warn!("renewed {name}: {warning}");
            }
            text(StatusCode::OK, certificate.to_pem())
        }
        Ok(Err(Error::Policy(PolicyError::RenewalDisabled { .. }))) => {
            text(StatusCode::NOT_FOUND, "Not Found")
        }
        Ok(Err(error)) if error.fault() == Fault::Request => {
            tracing::warn!("renewal of {name} refused: {error}");
            text(StatusCode::BAD_REQUEST, wire::puppet_message(&error))
        }
        Ok(Err(error)) => failure(&error),
        Err(reply) => reply,
    }
}

/// `GET certificate_request/NAME`: the queued request.
pub(super) async fn request(context: Context, name: Certname) -> Reply {
    context
        .lookup(
            name,
            "certificate_request",
            |ca, name| ca.request(name),
            |csr| text(StatusCode::OK, csr.to_pem()),
        )
        .await
}

/// `GET certificate_revocation_list/ca`: the CRL chain (with `Last-Modified`); the
/// infrastructure CRL instead when `enable-infra-crl` is on (as puppetserver).
pub(super) async fn crl(context: Context) -> Reply {
    let modified = context.ca.published_crl_modified();
    if not_modified(context.if_modified_since, modified) {
        return empty(StatusCode::NOT_MODIFIED);
    }
    match context.call(|ca| ca.published_crl()).await {
        Ok((pem, modified)) => with_last_modified(text(StatusCode::OK, pem), modified),
        Err(reply) => reply,
    }
}
