//! `cert serve`: run the signing daemon in the foreground, logging one line per request on
//! stderr (tracing's plain formatter; no env-filter, the level is fixed at INFO).

use std::net::SocketAddr;

use cert::ca::Config;
use cert::serve::{self, ServeConfig, StartupEvent};
use cert::Error;

use crate::cli::{exit, Context};

/// Serve until SIGTERM or SIGINT.
pub(crate) fn run(context: &Context, bind: SocketAddr) -> Result<u8, Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .init();
    let global = context.global.clone();
    let load = Box::new(move || -> Result<Config, Error> {
        Context {
            global: global.clone(),
        }
        .config()
    });
    serve::run(ServeConfig { bind }, load, |event| match event {
        StartupEvent::CreatedCa {
            subject,
            fingerprint,
            cadir,
        } => tracing::warn!(
            "NO CA FOUND: CREATED A NEW CA {subject} in {} (SHA256 fingerprint {fingerprint}); \
             agents that pin ca_fingerprint must be given this one",
            cadir.display()
        ),
        StartupEvent::IssuedHostCertificate { name } => {
            tracing::info!("issued this host's certificate for {name}")
        }
        StartupEvent::Listening { address } => tracing::info!("listening on https://{address}"),
    })?;
    Ok(exit::DONE)
}
