//! The console's views, each the markup of one page's `<main>` (the page around it is
//! `html::page`): sign-in, Pending (with the rows that polling swaps in), Certificates, Audit
//! and CA; the dialogs of the changes and their outcomes are `dialogs`'. Every page reads
//! without JavaScript.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::audit::Event;
use crate::ca::{CertificateStatus, PendingRequest, State};
use crate::crl::Reason;

use super::html::{e, fingerprint, segment, system_time, time, time_element};

/// Certificates expiring within this many days are highlighted.
pub(super) const SOON_DAYS: i64 = 30;

/// The revocation reasons offered, the default first.
pub(super) const REASONS: [Reason; 6] = [
    Reason::KeyCompromise,
    Reason::Superseded,
    Reason::CessationOfOperation,
    Reason::AffiliationChanged,
    Reason::PrivilegeWithdrawn,
    Reason::Unspecified,
];

/// The sign-in page: a field for the link's code (filled and sent by the page's script from
/// the URL's fragment; typed in by hand without JavaScript), and `message`, if any.
pub(super) fn login(message: &str) -> String {
    format!(
        "{message}<p>Sign in with the link that <code>cert console login</code> prints on the \
         CA host, or with an admin's client certificate. A link works once.</p>\
         <form method=\"post\" action=\"/login\" id=\"login\">\
         <label for=\"code\">Sign-in code (the part of the link after <code>#</code>)</label>\
         <input id=\"code\" name=\"code\" type=\"password\" autocomplete=\"off\" required \
         spellcheck=\"false\">\
         <button type=\"submit\">Sign in</button></form>"
    )
}

/// The Pending page: the requests (rows from [`pending_rows`]), kept current by the page's
/// script, which polls `version` (see `pending_version`).
pub(super) fn pending(requests: &[PendingRequest], version: &str) -> String {
    format!(
        "<p>Requests waiting for an administrator. This list follows new requests as they \
         arrive.</p>\
         <p id=\"live\" class=\"live\" role=\"status\" aria-live=\"polite\"></p>\
         <div class=\"scroll\"><table class=\"cards\"><caption>Pending requests</caption>\
         <thead><tr><th scope=\"col\">Certname</th><th scope=\"col\">SHA-256 fingerprint</th>\
         <th scope=\"col\">Alt names</th><th scope=\"col\">Requested extensions</th>\
         <th scope=\"col\">Arrived</th><th scope=\"col\">Autosign</th>\
         <th scope=\"col\">Actions</th></tr></thead>\
         <tbody id=\"pending-rows\" data-version=\"{}\">{}</tbody></table></div>",
        e(version),
        pending_rows(requests)
    )
}

/// The rows of the Pending table.
pub(super) fn pending_rows(requests: &[PendingRequest]) -> String {
    if requests.is_empty() {
        return "<tr><td colspan=\"7\" class=\"empty\">No request is pending.</td></tr>".into();
    }
    let mut rows = String::new();
    for request in requests {
        let name = request.name.as_str();
        let alt_names = if request.alt_names.is_empty() {
            "none".to_owned()
        } else {
            request
                .alt_names
                .iter()
                .map(|alt| e(alt).to_string())
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let arrived = request
            .arrived
            .map_or_else(|| "unknown".to_owned(), |t| e(system_time(t)).to_string());
        let verdict = match &request.verdict {
            Ok(verdict) => e(verdict).to_string(),
            Err(error) => format!("cannot say: {}", e(error)),
        };
        let actions = match &request.problem {
            Some(problem) => format!("unreadable: {}", e(problem)),
            None => format!(
                "<a class=\"button\" href=\"/pending/{path}/sign\" \
                 aria-label=\"Sign {label}\">Sign…</a> \
                 <a class=\"button secondary\" href=\"/pending/{path}/reject\" \
                 aria-label=\"Reject {label}\">Reject…</a>",
                path = segment(name),
                label = e(name)
            ),
        };
        let _ = write!(
            rows,
            "<tr data-name=\"{}\"><th scope=\"row\" data-label=\"Certname\">{}</th>\
             <td data-label=\"SHA-256\">{}</td><td data-label=\"Alt names\">{alt_names}</td>\
             <td data-label=\"Extensions\">{}</td><td data-label=\"Arrived\">{arrived}</td>\
             <td data-label=\"Autosign\">{verdict}</td><td data-label=\"Actions\">{actions}</td>\
             </tr>",
            e(name),
            e(name),
            fingerprint(&request.fingerprint),
            extensions(&request.extensions),
        );
    }
    rows
}

/// Requested extensions as a definition list (their values are the requester's).
pub(super) fn extensions(extensions: &[(String, String)]) -> String {
    if extensions.is_empty() {
        return "none".into();
    }
    let mut list = String::from("<dl class=\"extensions\">");
    for (name, value) in extensions {
        let _ = write!(list, "<dt>{}</dt><dd>{}</dd>", e(name), e(value));
    }
    list.push_str("</dl>");
    list
}

/// What the Certificates page is asked to show.
#[derive(Debug, Default)]
pub(super) struct CertificateFilter {
    /// Names containing this.
    pub(super) name: String,
    /// `signed`, `revoked`, `requested` or empty for all.
    pub(super) state: String,
    /// Expiring within this many days (expired ones too), or all when `None`.
    pub(super) expiring: Option<i64>,
}

impl CertificateFilter {
    /// Whether `entry` is to be shown at `now`.
    pub(super) fn admits(&self, entry: &CertificateStatus, now: OffsetDateTime) -> bool {
        entry.name.as_str().contains(self.name.trim())
            && (self.state.is_empty() || entry.state.as_str() == self.state)
            && self.expiring.is_none_or(|days| {
                entry
                    .not_after
                    .is_some_and(|t| t < now + time::Duration::days(days))
            })
    }
}

/// The Certificates page: the search form and every entry it admits.
pub(super) fn certificates(
    entries: &[CertificateStatus],
    filter: &CertificateFilter,
    now: OffsetDateTime,
) -> String {
    let mut body = certificate_search(filter);
    let shown: Vec<&CertificateStatus> = entries
        .iter()
        .filter(|entry| filter.admits(entry, now))
        .collect();
    let _ = write!(
        body,
        "<p role=\"status\">{} of {} shown. Rows marked <span class=\"soon-key\">expiring \
         soon</span> lapse within {SOON_DAYS} days or have.</p>\
         <div class=\"scroll\"><table class=\"cards\"><caption>Certificates and requests\
         </caption><thead><tr><th scope=\"col\">Certname</th><th scope=\"col\">State</th>\
         <th scope=\"col\">Serial</th><th scope=\"col\">Expires</th>\
         <th scope=\"col\">SHA-256 fingerprint</th><th scope=\"col\">Actions</th></tr>\
         </thead><tbody>",
        shown.len(),
        entries.len()
    );
    if shown.is_empty() {
        body.push_str("<tr><td colspan=\"6\" class=\"empty\">Nothing matches.</td></tr>");
    }
    for entry in shown {
        body.push_str(&certificate_row(entry, now));
    }
    body.push_str("</tbody></table></div>");
    body
}

/// The search form of the Certificates page, showing `filter`.
fn certificate_search(filter: &CertificateFilter) -> String {
    let option = |value: &str, label: &str, current: &str| {
        let selected = if value == current { " selected" } else { "" };
        format!("<option value=\"{value}\"{selected}>{label}</option>")
    };
    let expiring = filter.expiring.map(|d| d.to_string()).unwrap_or_default();
    format!(
        "<form method=\"get\" action=\"/certificates\" class=\"search\" role=\"search\">\
         <label for=\"name\">Name contains</label>\
         <input id=\"name\" name=\"name\" value=\"{}\" spellcheck=\"false\">\
         <label for=\"state\">State</label><select id=\"state\" name=\"state\">{}{}{}{}</select>\
         <label for=\"expiring\">Expiring within</label>\
         <select id=\"expiring\" name=\"expiring\">{}{}{}{}</select>\
         <button type=\"submit\">Search</button></form>",
        e(&filter.name),
        option("", "any", &filter.state),
        option("signed", "signed", &filter.state),
        option("revoked", "revoked", &filter.state),
        option("requested", "requested", &filter.state),
        option("", "any time", &expiring),
        option("30", "30 days", &expiring),
        option("90", "90 days", &expiring),
        option("365", "a year", &expiring),
    )
}

/// One row of the Certificates page: the entry, marked when it expires soon, and its actions.
fn certificate_row(entry: &CertificateStatus, now: OffsetDateTime) -> String {
    let name = entry.name.as_str();
    let soon = entry
        .not_after
        .is_some_and(|t| entry.state == State::Signed && t < now + time::Duration::days(SOON_DAYS));
    let expires = match entry.not_after {
        Some(t) if soon => format!(
            "{} <strong class=\"soon-label\">expiring soon</strong>",
            time_element(t)
        ),
        Some(t) => time_element(t),
        None => "-".into(),
    };
    format!(
        "<tr{}><th scope=\"row\" data-label=\"Certname\">{}</th>\
         <td data-label=\"State\">{}</td><td data-label=\"Serial\">{}</td>\
         <td data-label=\"Expires\">{expires}</td><td data-label=\"SHA-256\">{}</td>\
         <td data-label=\"Actions\">{}</td></tr>",
        if soon { " class=\"soon\"" } else { "" },
        e(name),
        entry.state.as_str(),
        entry
            .serial
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        fingerprint(&entry.fingerprint),
        certificate_actions(entry)
    )
}

/// The actions a Certificates row offers: revoke a signed certificate, sign a request, and
/// clean.
fn certificate_actions(entry: &CertificateStatus) -> String {
    let name = entry.name.as_str();
    let mut actions = Vec::new();
    if entry.state == State::Signed {
        actions.push(format!(
            "<a class=\"button\" href=\"/certificates/{}/revoke\" \
             aria-label=\"Revoke {}\">Revoke…</a>",
            segment(name),
            e(name)
        ));
    }
    if entry.state == State::Requested {
        actions.push(format!(
            "<a class=\"button\" href=\"/pending/{}/sign\" aria-label=\"Sign {}\">Sign…</a>",
            segment(name),
            e(name)
        ));
    }
    actions.push(format!(
        "<a class=\"button secondary\" href=\"/certificates/{}/clean\" \
         aria-label=\"Clean {}\">Clean…</a>",
        segment(name),
        e(name)
    ));
    actions.join(" ")
}

/// Most audit lines shown at once (the newest).
pub(super) const AUDIT_ROWS: usize = 500;

/// The Audit page: the filter form and the matching lines, newest first.
pub(super) fn audit(events: &[Event], name: &str, actor: &str) -> String {
    let matching: Vec<&Event> = events
        .iter()
        .rev()
        .filter(|event| event.name.contains(name.trim()) && event.actor.contains(actor.trim()))
        .collect();
    let mut body = format!(
        "<form method=\"get\" action=\"/audit\" class=\"search\" role=\"search\">\
         <label for=\"name\">Name contains</label>\
         <input id=\"name\" name=\"name\" value=\"{}\" spellcheck=\"false\">\
         <label for=\"actor\">Actor contains</label>\
         <input id=\"actor\" name=\"actor\" value=\"{}\" spellcheck=\"false\">\
         <button type=\"submit\">Filter</button></form>\
         <p role=\"status\">{} of {} lines match{}.</p>\
         <div class=\"scroll\"><table class=\"cards\"><caption>Audit trail, newest first\
         </caption><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Actor</th>\
         <th scope=\"col\">Action</th><th scope=\"col\">Name</th><th scope=\"col\">Serial</th>\
         <th scope=\"col\">Decision</th><th scope=\"col\">Reason</th></tr></thead><tbody>",
        e(name),
        e(actor),
        matching.len(),
        events.len(),
        if matching.len() > AUDIT_ROWS {
            format!("; the newest {AUDIT_ROWS} are shown")
        } else {
            String::new()
        }
    );
    if matching.is_empty() {
        body.push_str("<tr><td colspan=\"7\" class=\"empty\">No line matches.</td></tr>");
    }
    for event in matching.into_iter().take(AUDIT_ROWS) {
        let _ = write!(
            body,
            "<tr class=\"{}\"><td data-label=\"Time\">{}</td><td data-label=\"Actor\">{}</td>\
             <td data-label=\"Action\">{}</td><th scope=\"row\" data-label=\"Name\">{}</th>\
             <td data-label=\"Serial\">{}</td><td data-label=\"Decision\">{}</td>\
             <td data-label=\"Reason\">{}</td></tr>",
            if event.decision == "refused" {
                "refused"
            } else {
                "done"
            },
            e(&event.time),
            e(&event.actor),
            e(&event.action),
            e(&event.name),
            e(event.serial.as_deref().unwrap_or("-")),
            e(&event.decision),
            e(&event.reason)
        );
    }
    body.push_str("</tbody></table></div>");
    body
}

/// What the CA page shows.
pub(super) struct CaFacts {
    /// Each CA certificate: CN and notAfter, issuing CA first.
    pub(super) chain: Vec<(String, OffsetDateTime)>,
    /// Each CRL: issuer CN, number, thisUpdate, nextUpdate.
    pub(super) crls: Vec<(String, Option<u128>, OffsetDateTime, Option<OffsetDateTime>)>,
    /// `files` or `database`, and where.
    pub(super) store: (&'static str, String),
    /// This node's certname and its certificate's notAfter.
    pub(super) node: (String, OffsetDateTime),
    /// How the store answered a read just now: `Ok(milliseconds)` or the error.
    pub(super) store_answer: Result<u128, String>,
    /// When a CRL is next re-issued, if ever.
    pub(super) next_refresh: Option<OffsetDateTime>,
    /// The version of this program.
    pub(super) version: &'static str,
}

/// The CA page.
pub(super) fn ca(facts: &CaFacts, now: OffsetDateTime) -> String {
    let days = |t: OffsetDateTime| (t - now).whole_days();
    let mut body = String::from(
        "<h2>Certificate chain</h2><div class=\"scroll\"><table class=\"cards\">\
         <caption>CA certificates, issuing CA first</caption><thead><tr>\
         <th scope=\"col\">CA</th><th scope=\"col\">Expires</th>\
         <th scope=\"col\">Days left</th></tr></thead><tbody>",
    );
    for (name, not_after) in &facts.chain {
        let _ = write!(
            body,
            "<tr><th scope=\"row\" data-label=\"CA\">{}</th><td data-label=\"Expires\">{}</td>\
             <td data-label=\"Days left\">{}</td></tr>",
            e(name),
            time_element(*not_after),
            days(*not_after)
        );
    }
    body.push_str(
        "</tbody></table></div><h2>Revocation lists</h2><div class=\"scroll\">\
         <table class=\"cards\"><caption>CRLs, the issuing CA's first</caption><thead><tr>\
         <th scope=\"col\">Issuer</th><th scope=\"col\">CRL number</th>\
         <th scope=\"col\">Issued</th><th scope=\"col\">Next update</th></tr></thead><tbody>",
    );
    for (issuer, number, this_update, next_update) in &facts.crls {
        let _ = write!(
            body,
            "<tr><th scope=\"row\" data-label=\"Issuer\">{}</th>\
             <td data-label=\"CRL number\">{}</td><td data-label=\"Issued\">{}</td>\
             <td data-label=\"Next update\">{}</td></tr>",
            e(issuer),
            number.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            time_element(*this_update),
            next_update.map(time_element).unwrap_or_else(|| "-".into())
        );
    }
    let answer = match &facts.store_answer {
        Ok(milliseconds) => format!("answering (a read took {milliseconds} ms)"),
        Err(error) => format!("<strong>not answering</strong>: {}", e(error)),
    };
    let _ = write!(
        body,
        "</tbody></table></div><h2>Store and this node</h2><dl class=\"facts\">\
         <dt>Store</dt><dd>{}: {}</dd><dt>Store health</dt><dd>{answer}</dd>\
         <dt>This node</dt><dd>{}, its certificate valid until {}</dd>\
         <dt>Next CRL re-issue</dt><dd>{}</dd><dt>Program</dt><dd>cert {}</dd></dl>",
        facts.store.0,
        e(&facts.store.1),
        e(&facts.node.0),
        time_element(facts.node.1),
        facts
            .next_refresh
            .map(|t| e(time(t)).to_string())
            .unwrap_or_else(|| "none due".into()),
        e(facts.version)
    );
    body
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::certname::Certname;

    fn hostile_request() -> PendingRequest {
        PendingRequest {
            name: Certname::parse("web1.test").unwrap(),
            fingerprint: "AB:CD".into(),
            alt_names: vec!["DNS:<b>x</b>".into()],
            extensions: vec![("pp_role".into(), "<img src=x onerror=alert(1)>".into())],
            arrived: None,
            verdict: Err("<script>".into()),
            lifetime: Duration::from_secs(86_400),
            refusal: Some("<i>".into()),
            problem: None,
        }
    }

    /// What a request carries is text on every page that shows it.
    #[test]
    fn request_values_are_text() {
        let request = hostile_request();
        let now = OffsetDateTime::UNIX_EPOCH;
        for markup in [
            pending(std::slice::from_ref(&request), "v"),
            super::super::dialogs::sign_dialog(&request, "token", "Puppet CA: <x>", now),
            super::super::dialogs::reject_dialog(&request, "token"),
        ] {
            assert!(!markup.contains("<img"), "{markup}");
            assert!(!markup.contains("<script"), "{markup}");
            assert!(
                !markup.contains("<b>") && !markup.contains("<i>"),
                "{markup}"
            );
        }
        assert!(pending(&[request], "v").contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn the_certificate_filter() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let entry = |name: &str, state, days: i64| CertificateStatus {
            name: Certname::parse(name).unwrap(),
            state,
            fingerprint: String::new(),
            alt_names: Vec::new(),
            authorization_extensions: Vec::new(),
            serial: None,
            not_before: None,
            not_after: Some(now + time::Duration::days(days)),
            der: Vec::new(),
        };
        let soon = entry("web1.test", State::Signed, 10);
        let later = entry("db1.test", State::Revoked, 100);
        let all = CertificateFilter::default();
        assert!(all.admits(&soon, now) && all.admits(&later, now));
        let filter = CertificateFilter {
            name: "web".into(),
            state: "signed".into(),
            expiring: Some(30),
        };
        assert!(filter.admits(&soon, now));
        assert!(!filter.admits(&later, now));
        let page = certificates(&[soon, later], &all, now);
        assert_eq!(page.matches("class=\"soon\"").count(), 1, "{page}");
    }
}
