//! The console's markup: escaping, the page around every view (header, navigation, the
//! signed-in actor and the sign-out button, the skip link), and small shared pieces (times,
//! fingerprints, notices). Every value that did not come from this file goes through [`e`]:
//! certnames, extension values and alt names are chosen by whoever sent a request, and audit
//! reasons quote them.

use std::fmt;
use std::time::SystemTime;

use time::OffsetDateTime;

/// `value` escaped for HTML text and attribute values (quoted with `"`).
pub(super) fn e<T: fmt::Display>(value: T) -> Escaped<T> {
    Escaped(value)
}

/// A value written escaped ([`e`]).
pub(super) struct Escaped<T>(T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let mut rest = text.as_str();
        while let Some(index) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..index])?;
            f.write_str(match rest.as_bytes()[index] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[index + 1..];
        }
        f.write_str(rest)
    }
}

/// The navigation's pages: path and label.
const NAVIGATION: [(&str, &str); 4] = [
    ("/pending", "Pending"),
    ("/certificates", "Certificates"),
    ("/audit", "Audit"),
    ("/ca", "CA"),
];

/// Who is signed in, for the page's header.
pub(super) struct SignedIn<'a> {
    /// The audit trail's actor.
    pub(super) actor: &'a str,
    /// The session's CSRF token, for the sign-out form.
    pub(super) csrf: &'a str,
}

/// A whole page: `title`, the navigation with `current` marked (a path of [`NAVIGATION`], or
/// none), and `body` (markup) in `<main>`.
pub(super) fn page(title: &str, current: &str, who: Option<&SignedIn<'_>>, body: &str) -> String {
    let mut header = String::new();
    if let Some(who) = who {
        header.push_str("<nav aria-label=\"Console\"><ul>");
        for (path, label) in NAVIGATION {
            let marked = if path == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            header.push_str(&format!("<li><a href=\"{path}\"{marked}>{label}</a></li>"));
        }
        header.push_str("</ul></nav>");
        header.push_str(&format!(
            "<form class=\"whoami\" method=\"post\" action=\"/logout\">\
             <span>Signed in as <strong>{}</strong></span>\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">Sign out</button></form>",
            e(who.actor),
            e(who.csrf)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} - cert console</title>\
         <link rel=\"stylesheet\" href=\"/static/console.css\">\
         <script src=\"/static/console.js\" defer></script></head>\
         <body><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header><p class=\"brand\">cert console</p>{header}</header>\
         <main id=\"main\" tabindex=\"-1\"><h1>{}</h1>{body}</main></body></html>\n",
        e(title),
        e(title)
    )
}

/// A notice: `kind` `ok` (role status) or `error` (role alert), with `text` escaped.
pub(super) fn notice(kind: &str, text: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!("<p class=\"notice {kind}\" role=\"{role}\">{}</p>", e(text))
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
pub(super) fn time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// [`time`] of a system time.
pub(super) fn system_time(at: SystemTime) -> String {
    time(OffsetDateTime::from(at))
}

/// A `<time>` element for `at`, with its machine-readable form.
pub(super) fn time_element(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let machine = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!("<time datetime=\"{}\">{}</time>", e(machine), e(time(at)))
}

/// A fingerprint, in a `<code>` that may break anywhere.
pub(super) fn fingerprint(text: &str) -> String {
    format!("<code class=\"fingerprint\">{}</code>", e(text))
}

/// A path segment for `name` (a certname: letters, digits and `-_.`, percent-encoded anyway).
pub(super) fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_markup_means_is_escaped() {
        let hostile = "<img src=x onerror=alert(1)>\"'&";
        assert_eq!(
            e(hostile).to_string(),
            "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"
        );
        assert_eq!(e("plain.example.com").to_string(), "plain.example.com");
        let page = page(
            hostile,
            "/pending",
            Some(&SignedIn {
                actor: hostile,
                csrf: hostile,
            }),
            "",
        );
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("aria-current=\"page\">Pending<"));
        assert_eq!(segment("a.b-c_d"), "a.b-c_d");
        assert_eq!(segment("a/b"), "a%2Fb");
    }

    #[test]
    fn no_script_is_inline() {
        let page = page("t", "", None, "");
        assert!(page.contains("<script src=\"/static/console.js\" defer></script>"));
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("<nav"), "signed out: no navigation");
    }
}
