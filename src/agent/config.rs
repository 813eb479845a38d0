//! What one agent run needs ([`AgentConfig`]) and how it is resolved: the command line
//! ([`Given`]) over puppet.conf over Puppet's defaults.
//!
//! It reads `csr_attributes.yaml` (through [`CsrAttributes`]) but nothing else from disk; it does
//! not parse puppet.conf (that is [`crate::settings`]) nor talk to the CA.

use std::time::Duration;

use crate::certname::Certname;
use crate::error::{AgentError, Error};
use crate::keys::KeySpec;
use crate::settings::Settings;

use super::attributes::CsrAttributes;
use super::http::CaServer;

/// Puppet's CA port.
pub const DEFAULT_PORT: u16 = 8140;
/// Renew this long before the certificate expires (Puppet: `hostcert_renewal_interval`, 30 days).
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Puppet's default `waitforcert`.
const WAITFORCERT: Duration = Duration::from_secs(120);

/// What one run needs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// This host's name.
    pub certname: Certname,
    /// The CA server.
    pub ca_server: CaServer,
    /// Alt names to request (the certname is added when there are any).
    pub dns_alt_names: Vec<String>,
    /// Seconds between polls for the certificate; zero: do not wait.
    pub waitforcert: Duration,
    /// Give up waiting after this long (`None`: wait for ever).
    pub maxwaitforcert: Option<Duration>,
    /// Key to make when there is none.
    pub key: KeySpec,
    /// `csr_attributes.yaml`.
    pub csr_attributes: CsrAttributes,
    /// Required SHA-256 fingerprint of the CA certificate on first contact.
    pub ca_fingerprint: Option<String>,
    /// Renew when the certificate expires within this long.
    pub renew_before: Duration,
    /// Ask the CA for its certificate only when `certs/ca.pem` was checked longer ago than
    /// this (`ca_refresh_interval`); every run when `None`.
    pub ca_refresh_interval: Option<Duration>,
    /// Likewise for the CRL and `crl.pem` (`crl_refresh_interval`).
    pub crl_refresh_interval: Option<Duration>,
}

/// The agent's settings as given on the command line; `None` and empty follow puppet.conf.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// `--server HOST[:PORT]`.
    pub server: Option<String>,
    /// `--ca_server HOST[:PORT]`.
    pub ca_server: Option<String>,
    /// `--dns_alt_names`.
    pub dns_alt_names: Vec<String>,
    /// `--waitforcert`.
    pub waitforcert: Option<String>,
    /// `--maxwaitforcert`.
    pub maxwaitforcert: Option<String>,
    /// `--ca-fingerprint`.
    pub ca_fingerprint: Option<String>,
    /// `--token TOKEN`: an enrolment token for the CSR's challengePassword attribute, over
    /// the one `csr_attributes.yaml` may give.
    pub token: Option<String>,
}

impl AgentConfig {
    /// Resolve the configuration: the command line over puppet.conf (`[agent]` over `[main]`)
    /// over Puppet's defaults. The CA is `--ca_server`, else `--server`, else `ca_server`, else
    /// `server`, else `puppet`; its port the one given with it, else `ca_port`, else
    /// `serverport`, else 8140. Reads `csr_attributes.yaml` when it exists.
    pub fn resolve(settings: &Settings, given: &Given) -> Result<AgentConfig, Error> {
        let certname = Certname::parse(&settings.certname)?;
        let host = given
            .ca_server
            .clone()
            .or_else(|| given.server.clone())
            .or_else(|| settings.ca_server.clone())
            .or_else(|| settings.server.clone())
            .unwrap_or_else(|| "puppet".into());
        let port = settings
            .ca_port
            .or(settings.serverport)
            .unwrap_or(DEFAULT_PORT);
        let ca_server = CaServer::parse(&host, port).ok_or_else(|| AgentError::ServerAddress {
            value: host.clone(),
        })?;
        let duration = |what: &'static str, text: &Option<String>| {
            text.as_deref()
                .map(|t| crate::duration::parse(what, t))
                .transpose()
        };
        let waitforcert = duration("waitforcert", &given.waitforcert)?
            .or(settings.waitforcert)
            .unwrap_or(WAITFORCERT);
        let maxwaitforcert = duration("maxwaitforcert", &given.maxwaitforcert)?;
        let dns_alt_names = if given.dns_alt_names.is_empty() {
            &settings.dns_alt_names
        } else {
            &given.dns_alt_names
        };
        let dns_alt_names = dns_alt_names
            .iter()
            .map(|n| {
                n.strip_prefix("DNS:")
                    .or_else(|| n.strip_prefix("IP:"))
                    .unwrap_or(n)
                    .to_owned()
            })
            .collect();
        let mut csr_attributes = CsrAttributes::read(&settings.csr_attributes)?;
        if let Some(token) = &given.token {
            csr_attributes.set_challenge_password(token.trim());
        }
        Ok(AgentConfig {
            certname,
            ca_server,
            dns_alt_names,
            waitforcert,
            maxwaitforcert,
            key: KeySpec::from_settings(settings.key_type, settings.keylength)?,
            csr_attributes,
            ca_fingerprint: given.ca_fingerprint.clone(),
            renew_before: RENEW_BEFORE,
            ca_refresh_interval: settings.ca_refresh_interval,
            crl_refresh_interval: settings.crl_refresh_interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_is_no_address_is_named() {
        assert!(CaServer::parse("puppet:x", DEFAULT_PORT).is_none());
        let error = Error::from(AgentError::ServerAddress {
            value: "puppet:x".into(),
        });
        assert_eq!(
            error.to_string(),
            "invalid server \"puppet:x\": not HOST or HOST:PORT"
        );
    }
}
