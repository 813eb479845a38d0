//! The arguments of `cert agent`, kept as given.
//!
//! Owns the agent's flags and their help. It does not resolve them against puppet.conf nor parse
//! durations and fingerprints: `cert::agent::Options::resolve` does, called by `cmd/agent.rs`.

use clap::Args;

/// The options of `cert agent`; `None` and empty follow puppet.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct AgentArgs {
    /// CA server as HOST[:PORT] [default: the `ca_server`, then `server` setting]
    #[arg(long, value_name = "HOST[:PORT]")]
    pub(crate) server: Option<String>,

    /// CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]
    #[arg(
        long = "ca_server",
        visible_alias = "ca-server",
        value_name = "HOST[:PORT]"
    )]
    pub(crate) ca_server: Option<String>,

    /// This host's certificate name [default: the `certname` setting]
    #[arg(long, value_name = "NAME")]
    pub(crate) certname: Option<String>,

    /// Alt names to request, comma-separated [default: the `dns_alt_names` setting]
    #[arg(
        long = "dns_alt_names",
        visible_alias = "dns-alt-names",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) dns_alt_names: Vec<String>,

    /// Seconds between checks for the certificate; 0 exits at once [default: `waitforcert`, 2m]
    #[arg(long, value_name = "DURATION")]
    pub(crate) waitforcert: Option<String>,

    /// Give up waiting for the certificate after this long [default: wait for ever]
    #[arg(long, value_name = "DURATION")]
    pub(crate) maxwaitforcert: Option<String>,

    /// Enroll or check once, then exit
    #[arg(long, short = 'o', conflicts_with = "runinterval")]
    pub(crate) onetime: bool,

    /// Time between runs of the loop [default: the `runinterval` setting, 30m]
    #[arg(long, value_name = "DURATION")]
    pub(crate) runinterval: Option<String>,

    /// Required SHA-256 fingerprint of the CA certificate on first contact
    ///
    /// Colon-separated hex as `cert --fingerprint ca` and `puppet ssl show` print it; case,
    /// colons and a `SHA256:` prefix do not matter.
    #[arg(long, visible_alias = "ca_fingerprint", value_name = "FINGERPRINT")]
    pub(crate) ca_fingerprint: Option<String>,

    /// Enrolment token for the certificate request (`cert token create` on the CA)
    ///
    /// Put in the request's challengePassword attribute, as csr_attributes.yaml's
    /// `custom_attributes: {1.2.840.113549.1.9.7: TOKEN}` would. A CA that honours it signs a
    /// name the token grants without an administrator. Only used when a request is made.
    #[arg(long, value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    /// Command to run with `sh -c` after the certificate or CRL changed
    ///
    /// For example `systemctl reload nginx`. A failing command is reported, not fatal. An
    /// empty COMMAND runs nothing (what the packaged cert-agent.service passes when
    /// CERT_AGENT_EXEC is empty).
    #[arg(long, value_name = "COMMAND")]
    pub(crate) exec: Option<String>,
}
