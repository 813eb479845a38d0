//! The issuance policy: what a request (or a certificate being renewed) may carry for the CA to
//! sign it, after puppetserver's `allow-subject-alt-names` and `allow-authorization-extensions`.
//! Everything that makes a request unsignable is found here, before anything is written.
//! Signing is [`super::Authority`]'s; where the settings come from is [`crate::ca_conf`].

use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, PolicyError};
use crate::extension::{self, AltName, PuppetArc};

use super::MAX_ALT_NAMES;

/// What the CA allows a CSR to carry (puppetserver's `allow-subject-alt-names` and
/// `allow-authorization-extensions`; both off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// DNS and IP alt names besides the certname.
    pub allow_subject_alt_names: bool,
    /// `pp_auth_*` extensions (1.3.6.1.4.1.34380.1.3.*).
    pub allow_authorization_extensions: bool,
}

impl Policy {
    /// The most any setting or flag of this CA allows: alt names (`allow-subject-alt-names`,
    /// `--allow-dns-alt-names`) and authorization extensions (`allow-authorization-extensions`).
    /// What this policy refuses, no administrator can ever sign: such a request is refused when
    /// it is submitted instead of being queued.
    pub const PERMISSIVE: Policy = Policy {
        allow_subject_alt_names: true,
        allow_authorization_extensions: true,
    };

    /// Check that `csr`, filed under `name`, may be signed. Everything that makes a request
    /// unsignable is found here, so a refusal never leaves a partial change behind.
    pub fn check(&self, name: &Certname, csr: &Csr) -> Result<(), Error> {
        csr.check_name(name)?;
        self.check_content(name, csr.alt_names(), csr.extensions())
    }

    /// [`Policy::check`] of what a certificate for `name` would carry: its alt names and the
    /// extensions asked for (a CSR's, or those of a certificate being renewed).
    pub(super) fn check_content(
        &self,
        name: &Certname,
        alt_names: &[AltName],
        extensions: &[extension::Extension],
    ) -> Result<(), Error> {
        if alt_names.len() > MAX_ALT_NAMES {
            return Err(PolicyError::TooManyAltNames {
                name: name.to_string(),
                count: alt_names.len(),
                limit: MAX_ALT_NAMES,
            }
            .into());
        }
        for alt_name in alt_names {
            let acceptable = match alt_name {
                AltName::Dns(dns) => {
                    dns == name.as_str() || crate::certname::check_dns_name(dns).is_ok()
                }
                AltName::Ip(_) => true,
                AltName::Other(_) => false,
            };
            if !acceptable {
                return Err(PolicyError::BadAltName {
                    name: name.to_string(),
                    alt_name: alt_name.to_string(),
                }
                .into());
            }
        }
        let extra: Vec<&AltName> = alt_names
            .iter()
            .filter(|alt_name| **alt_name != AltName::Dns(name.to_string()))
            .collect();
        if !extra.is_empty() && !self.allow_subject_alt_names {
            return Err(PolicyError::AltNamesNotAllowed {
                name: name.to_string(),
                alt_names: extra
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .into());
        }
        let mut not_permitted = Vec::new();
        for requested in extensions {
            match extension::puppet_arc(&requested.oid) {
                Some(PuppetArc::Registered | PuppetArc::Private) => {}
                Some(PuppetArc::Authorization) => {
                    if requested.oid == extension::PP_CLI_AUTH
                        || !self.allow_authorization_extensions
                    {
                        return Err(PolicyError::AuthorizationExtensionNotAllowed {
                            name: name.to_string(),
                            oid: requested.name(),
                        }
                        .into());
                    }
                }
                None => not_permitted.push(requested.dotted_oid()),
            }
        }
        if !not_permitted.is_empty() {
            return Err(PolicyError::ExtensionNotPermitted {
                name: name.to_string(),
                oids: not_permitted.join(", "),
            }
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeySpec, PrivateKey};

    fn name(text: &str) -> Certname {
        Certname::parse(text).unwrap()
    }

    #[test]
    fn policy_refuses_alt_names_and_foreign_extensions() {
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let n = name("alt1.example.com");
        let csr = Csr::generate(&n, &key, &["alt1".into()], &[]).unwrap();
        let error = Policy::default().check(&n, &csr).unwrap_err().to_string();
        assert!(error.contains("DNS:alt1"), "{error}");
        let allow = Policy {
            allow_subject_alt_names: true,
            ..Policy::default()
        };
        allow.check(&n, &csr).unwrap();

        let csr = Csr::generate(
            &n,
            &key,
            &[],
            &[(vec![1, 3, 6, 1, 4, 1, 34380, 1, 3, 39], "true".into())],
        )
        .unwrap();
        let everything = Policy {
            allow_subject_alt_names: true,
            allow_authorization_extensions: true,
        };
        assert!(
            everything.check(&n, &csr).is_err(),
            "pp_cli_auth is never taken from a CSR"
        );

        let csr = Csr::generate(&n, &key, &[], &[(vec![2, 5, 29, 19], "x".into())]).unwrap();
        let error = everything.check(&n, &csr).unwrap_err().to_string();
        assert!(error.contains("not permitted: 2.5.29.19"), "{error}");
    }
}
