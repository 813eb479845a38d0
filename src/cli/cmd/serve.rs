//! `cert serve`: run the signing daemon in the foreground, logging one line per request on
//! stderr (tracing's plain formatter, or one JSON object per line with `--log-format json`; no
//! env-filter, the level is fixed at INFO).

use cert::ca::Config;
use cert::serve::{self, LogFormat, ServeConfig, StartupEvent};
use cert::Error;

use crate::cli::args::{LogFormatArg, ServeArgs};
use crate::cli::{exit, Context};

/// Serve until SIGTERM or SIGINT.
pub(crate) fn run(context: &Context, args: ServeArgs) -> Result<u8, Error> {
    let log_format = match args.log_format {
        LogFormatArg::Json => LogFormat::Json,
        LogFormatArg::Text => LogFormat::Text,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false);
    match log_format {
        LogFormat::Json => subscriber
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
        LogFormat::Text => subscriber.init(),
    }
    let global = context.global.clone();
    let load = Box::new(move || -> Result<Config, Error> {
        Context {
            global: global.clone(),
        }
        .config()
    });
    let config = ServeConfig {
        bind: args.bind,
        metrics_bind: args.metrics_bind,
        log_format,
        header_cert_info: args.allow_header_cert_info,
        console_bind: match args.console_bind {
            Some(bind) => Some(bind),
            None => context.settings()?.console_bind,
        },
    };
    serve::run(config, load, |event| match event {
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
        StartupEvent::ListeningForMetrics { address } => {
            tracing::info!("serving metrics on http://{address}/metrics")
        }
        StartupEvent::ListeningForConsole { address } => {
            tracing::info!("serving the web console on https://{address}/")
        }
    })?;
    Ok(exit::DONE)
}
