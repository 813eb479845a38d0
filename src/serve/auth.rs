//! Who may call what: puppetserver's default `auth.conf`, reduced to three levels. The TLS layer
//! has already verified a presented client certificate against the CA and its CRLs; this module
//! only reads the verified peer's name and `pp_cli_auth` extension and compares them with the
//! level an endpoint needs. It does not parse requests or touch the CA.

use crate::certificate::Certificate;

/// The verified client certificate of a connection.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// Its CN.
    pub(crate) common_name: String,
    /// Whether it carries `pp_cli_auth` = `true` (puppetserver's admin marker).
    pub(crate) cli_auth: bool,
    /// The certificate itself (what `certificate_renewal` renews); none for a client known
    /// only by the DN a balancer passed on ([`super::balancer`]).
    pub(crate) certificate: Option<Certificate>,
}

impl Peer {
    /// The peer of a verified client certificate (DER); `None` when it does not parse.
    pub(crate) fn from_der(der: &[u8]) -> Option<Peer> {
        let certificate = Certificate::from_der("client certificate", der).ok()?;
        let cli_auth = certificate
            .authorization_extensions()
            .iter()
            .any(|(name, value)| name == "pp_cli_auth" && value == "true");
        Some(Peer {
            common_name: certificate.common_name.clone(),
            cli_auth,
            certificate: Some(certificate),
        })
    }
}

/// What an endpoint needs from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A client certificate with `pp_cli_auth`, or one whose CN is in the allow-list.
    Admin,
    /// Any valid client certificate.
    Client,
    /// Anyone, with or without a certificate.
    Public,
}

impl Access {
    /// The `auth.conf` rule name puppetserver reports in its 403s.
    fn rule(self) -> &'static str {
        match self {
            Access::Admin => "puppetlabs cert status",
            Access::Client => "puppetlabs certificate renewal",
            Access::Public => "puppetlabs certificate",
        }
    }
}

/// Allow the call, or give the text of puppetserver's 403.
pub(crate) fn check(
    access: Access,
    peer: Option<&Peer>,
    admins: &[String],
    method: &str,
    path: &str,
) -> Result<(), String> {
    let allowed = match (access, peer) {
        (Access::Public, _) => true,
        (Access::Client, Some(_)) => true,
        (Access::Admin, Some(peer)) => peer.cli_auth || admins.contains(&peer.common_name),
        (_, None) => false,
    };
    if allowed {
        return Ok(());
    }
    let who = peer.map_or("an unauthenticated client", |p| p.common_name.as_str());
    Err(format!(
        "Forbidden request: {who} access to {path} (method :{}) (authenticated: {}) denied by \
         rule '{}'.",
        method.to_ascii_lowercase(),
        peer.is_some(),
        access.rule()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(name: &str, cli_auth: bool) -> Peer {
        let key = crate::keys::PrivateKey::generate(crate::keys::KeySpec::EcP256).unwrap();
        let certname = crate::certname::Certname::parse(name).unwrap();
        let csr = crate::csr::Csr::generate(&certname, &key, &[], &[]).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let ca = crate::authority::Authority::create_self_signed(
            "Test CA",
            crate::keys::PrivateKey::generate(crate::keys::KeySpec::EcP256).unwrap(),
            crate::certificate::Serial(1),
            crate::authority::Validity::new(now, crate::authority::DEFAULT_TTL).unwrap(),
        )
        .unwrap();
        let certificate = ca
            .issue(
                &certname,
                &csr,
                &crate::authority::Policy::default(),
                crate::certificate::Serial(2),
                crate::authority::Validity::new(now, crate::authority::DEFAULT_TTL).unwrap(),
                cli_auth,
            )
            .unwrap();
        let peer = Peer::from_der(certificate.der()).unwrap();
        assert_eq!(peer.cli_auth, cli_auth);
        peer
    }

    #[test]
    fn levels() {
        let admins = vec!["ops.example".to_string()];
        let agent = peer("node1", false);
        let admin = peer("puppetca", true);
        let listed = peer("ops.example", false);
        let check = |access, peer: Option<&Peer>| check(access, peer, &admins, "GET", "/x").is_ok();
        assert!(check(Access::Public, None));
        assert!(!check(Access::Client, None));
        assert!(check(Access::Client, Some(&agent)));
        assert!(!check(Access::Admin, None));
        assert!(!check(Access::Admin, Some(&agent)));
        assert!(check(Access::Admin, Some(&admin)));
        assert!(check(Access::Admin, Some(&listed)));
    }

    #[test]
    fn refusal_names_the_rule() {
        let error = check(Access::Admin, None, &[], "GET", "/p").unwrap_err();
        assert!(error.contains("(authenticated: false)"), "{error}");
        assert!(error.contains("/p (method :get)"), "{error}");
    }
}
