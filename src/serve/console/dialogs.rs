//! The dialogs of the console's changes, each the markup of a page's `<main>`: Sign and
//! Reject (a pending request, its fingerprint again), Revoke (with a reason) and Clean (a
//! name), each a form that POSTs the session's CSRF token (and, for a request, the
//! fingerprint shown, so that only the request reviewed is acted on); and the page saying
//! what a change did or why not.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::ca::{CertificateStatus, PendingRequest};

use super::html::{e, fingerprint, segment, time_element};
use super::views::{extensions, REASONS};

/// The Sign dialog: the request again, fingerprint first, and what the certificate will be.
pub(super) fn sign_dialog(
    request: &PendingRequest,
    csrf: &str,
    issuer: &str,
    now: OffsetDateTime,
) -> String {
    let name = request.name.as_str();
    let until = now + request.lifetime;
    let mut body = format!(
        "<section class=\"dialog\" aria-labelledby=\"dialog-title\">\
         <h2 id=\"dialog-title\">Sign the request of {}?</h2>\
         <p>Compare this fingerprint with the one the host shows (<code>puppet ssl \
         show</code> or <code>cert agent</code>) before signing:</p>\
         <p>{}</p><dl class=\"facts\"><dt>Subject</dt><dd>CN={}</dd>\
         <dt>Issuer</dt><dd>{}</dd><dt>Valid until</dt><dd>{} ({} days)</dd>\
         <dt>Alt names</dt><dd>{}</dd><dt>Extensions copied from the request</dt><dd>{}</dd>\
         </dl>",
        e(name),
        fingerprint(&request.fingerprint),
        e(name),
        e(issuer),
        time_element(until),
        request.lifetime.as_secs() / 86_400,
        if request.alt_names.is_empty() {
            "none".to_owned()
        } else {
            e(request.alt_names.join(", ")).to_string()
        },
        extensions(&request.extensions),
    );
    if let Some(refusal) = &request.refusal {
        let _ = write!(
            body,
            "<p class=\"notice warn\">The CA's policy refuses this request as it is: {}</p>",
            e(refusal)
        );
    }
    let alt_names = if request.alt_names.is_empty() {
        String::new()
    } else {
        "<p><input type=\"checkbox\" id=\"allow_alt_names\" name=\"allow_alt_names\" \
         value=\"yes\"> <label for=\"allow_alt_names\">Allow these alt names \
         (<code>--allow-dns-alt-names</code>)</label></p>"
            .to_owned()
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/pending/{}/sign\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"fingerprint\" value=\"{}\">{alt_names}\
         <button type=\"submit\" autofocus>Sign {}</button> \
         <a class=\"button secondary\" href=\"/pending\">Cancel</a></form></section>",
        segment(name),
        e(csrf),
        e(&request.fingerprint),
        e(name)
    );
    body
}

/// The Reject dialog: remove the request (the host may ask again).
pub(super) fn reject_dialog(request: &PendingRequest, csrf: &str) -> String {
    let name = request.name.as_str();
    format!(
        "<section class=\"dialog\" aria-labelledby=\"dialog-title\">\
         <h2 id=\"dialog-title\">Reject the request of {}?</h2>\
         <p>The request with this fingerprint is removed (as <code>cert clean</code> removes \
         a request); nothing else of {} changes, and the host may ask again.</p><p>{}</p>\
         <form method=\"post\" action=\"/pending/{}/reject\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"fingerprint\" value=\"{}\">\
         <button type=\"submit\" class=\"danger\" autofocus>Reject {}</button> \
         <a class=\"button secondary\" href=\"/pending\">Cancel</a></form></section>",
        e(name),
        e(name),
        fingerprint(&request.fingerprint),
        segment(name),
        e(csrf),
        e(&request.fingerprint),
        e(name)
    )
}

/// The Revoke dialog: the certificate and a reason.
pub(super) fn revoke_dialog(entry: &CertificateStatus, csrf: &str) -> String {
    let name = entry.name.as_str();
    let mut reasons = String::new();
    for (index, reason) in REASONS.iter().enumerate() {
        let checked = if index == 0 { " checked" } else { "" };
        let _ = write!(
            reasons,
            "<p><input type=\"radio\" name=\"reason\" id=\"reason-{reason}\" value=\"{reason}\"\
             {checked}> <label for=\"reason-{reason}\">{reason}</label></p>"
        );
    }
    format!(
        "<section class=\"dialog\" aria-labelledby=\"dialog-title\">\
         <h2 id=\"dialog-title\">Revoke the certificate of {}?</h2>\
         <dl class=\"facts\"><dt>Serial</dt><dd>{}</dd><dt>SHA-256</dt><dd>{}</dd>\
         <dt>Expires</dt><dd>{}</dd></dl>\
         <p>Every certificate the CA issued to {} goes on the CRL, which every node serves \
         within seconds; its host can no longer connect.</p>\
         <form method=\"post\" action=\"/certificates/{}/revoke\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <fieldset><legend>Reason</legend>{reasons}</fieldset>\
         <button type=\"submit\" class=\"danger\">Revoke {}</button> \
         <a class=\"button secondary\" href=\"/certificates\">Cancel</a></form></section>",
        e(name),
        entry
            .serial
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        fingerprint(&entry.fingerprint),
        entry
            .not_after
            .map(time_element)
            .unwrap_or_else(|| "-".into()),
        e(name),
        segment(name),
        e(csrf),
        e(name)
    )
}

/// The Clean dialog: revoke and remove everything the CA holds of the name.
pub(super) fn clean_dialog(name: &str, csrf: &str) -> String {
    format!(
        "<section class=\"dialog\" aria-labelledby=\"dialog-title\">\
         <h2 id=\"dialog-title\">Clean {}?</h2>\
         <p>As <code>cert clean</code> does: its certificates are revoked and its request and \
         certificate removed from the CA.</p>\
         <form method=\"post\" action=\"/certificates/{}/clean\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" class=\"danger\">Clean {}</button> \
         <a class=\"button secondary\" href=\"/certificates\">Cancel</a></form></section>",
        e(name),
        segment(name),
        e(csrf),
        e(name)
    )
}

/// A page saying what an action did (`kind` `ok`) or why it did not (`error`), with a way
/// back to `back` (a path of this console, labelled `label`).
pub(super) fn outcome(kind: &str, text: &str, back: &str, label: &str) -> String {
    format!(
        "{}<p><a class=\"button\" href=\"{}\" autofocus>{}</a></p>",
        super::html::notice(kind, text),
        e(back),
        e(label)
    )
}
