//! `cert console login [--ttl DURATION] [--url URL]`: a one-time sign-in link for the web
//! console of `cert serve`, made on the CA host by whoever runs it.

use cert::Error;

use crate::cli::args::ConsoleLoginArgs;
use crate::cli::{exit, now, Context};

/// The console's address when neither `--url` nor `console_bind` says (the suggested bind).
const DEFAULT_URL: &str = "https://127.0.0.1:8141";

/// Make the link (audited) and print it, with when it stops working.
pub(crate) fn login(context: &Context, args: &ConsoleLoginArgs) -> Result<u8, Error> {
    let lifetime = super::ttl(args.ttl.as_deref())?;
    let settings = context.settings()?;
    let base = match (&args.url, settings.console_bind) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Some(bind)) if bind.ip().is_unspecified() => {
            format!("https://{}:{}", settings.certname, bind.port())
        }
        (None, Some(bind)) => format!("https://{bind}"),
        (None, None) => DEFAULT_URL.to_owned(),
    };
    let ca = cert::ca::Ca::open(context.config_from(&settings)?)?;
    let link = ca.console_link(lifetime, now())?;
    // The secret goes after `#`: a browser keeps a URL's fragment to itself.
    println!("{base}/login#{}", link.secret.expose());
    let expires = link.expires;
    eprintln!(
        "Open it before {:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC to sign in as {}; it works once.",
        expires.year(),
        u8::from(expires.month()),
        expires.day(),
        expires.hour(),
        expires.minute(),
        expires.second(),
        cert::session::console_actor(ca.actor())
    );
    Ok(exit::DONE)
}
