//! The CA's rules of issuance: what a certificate it signs contains, what a CSR may ask for
//! ([`Policy`], in `policy`), how long it lives ([`Validity`], never past the CA's own end), and
//! how a new CA (self-signed, or root + intermediate like puppetserver 7) is made.
//!
//! Pure: the clock, serials and keys come in as arguments; certificates and CRLs go out as DER.
//! The CA decides every extension of what it signs: basicConstraints, keyUsage and extended key
//! usage are fixed here and never taken from a CSR; from a CSR only DNS/IP alt names (when the
//! policy allows them) and Puppet's `pp_*` extensions are copied.

use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyIdMethod, KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

mod policy;

pub use policy::Policy;

use crate::certificate::{pem_chain, Certificate, Serial};
use crate::certname::Certname;
use crate::csr::Csr;
use crate::error::{Error, KeyError, PolicyError};
use crate::extension::{self, AltName};
use crate::keys::{PrivateKey, SharedSigningKey};
use crate::timestamp::format_time;

/// Puppet's default certificate lifetime (`ca_ttl`): 5 years.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 365 * 86_400);
/// Lifetime of a CA certificate made by `setup`: 15 years, as puppetserver.
pub const CA_TTL: Duration = Duration::from_secs(15 * 365 * 86_400);
/// Longest lifetime the CA signs: 50 years, as puppetserver.
pub const MAX_TTL: Duration = Duration::from_secs(50 * 365 * 86_400);
/// Most alt names one certificate may carry.
pub const MAX_ALT_NAMES: usize = 100;
/// The comment Puppet puts on every certificate.
pub const COMMENT: &str = "Puppet Server Internal Certificate";
/// Certificates are valid from one day before issuance, as puppetserver (clock skew).
const BACKDATE: time::Duration = time::Duration::days(1);

/// Lifetime of an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start (issuance time minus one day).
    pub not_before: OffsetDateTime,
    /// End (issuance time plus the lifetime).
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From the issuance time and lifetime; lifetimes over 50 years are refused.
    pub fn new(now: OffsetDateTime, ttl: Duration) -> Result<Validity, Error> {
        if ttl > MAX_TTL {
            return Err(PolicyError::TtlTooLong {
                requested: format!("{}s", ttl.as_secs()),
            }
            .into());
        }
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Ok(Validity {
            not_before: now - BACKDATE,
            not_after: now + ttl,
        })
    }
}

/// A loaded CA: its certificate chain (issuing CA first) and its key.
pub struct Authority {
    chain: Vec<Certificate>,
    key: PrivateKey,
    /// The issuing CA as rcgen signs with it, read from its certificate once (not for each
    /// certificate signed); `None` when rcgen cannot read it ([`Authority::issuer`] says why).
    issuer: Option<Issuer<'static, SharedSigningKey>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("subject", &self.certificate().subject)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// Load from a certificate bundle (issuing CA first, as in `ca_crt.pem`) and the issuing
    /// CA's key. The key must match the first certificate, which must be a CA.
    pub fn new(chain_pem: &[u8], key: PrivateKey) -> Result<Authority, Error> {
        let ders = pem_chain("CA certificate", chain_pem, "CERTIFICATE")?;
        let chain = ders
            .iter()
            .map(|der| Certificate::from_der("CA certificate", der))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(first) = chain.first() else {
            return Err(KeyError::Certificate {
                what: "CA certificate".into(),
                reason: "the bundle holds no certificate".into(),
            }
            .into());
        };
        if !first.is_ca {
            return Err(KeyError::Certificate {
                what: "CA certificate".into(),
                reason: format!("{} is not a CA certificate", first.subject),
            }
            .into());
        }
        if !key.matches_certificate(first.der()) {
            return Err(KeyError::Mismatch {
                what: "of the CA".into(),
            }
            .into());
        }
        let issuer = Issuer::from_ca_cert_der(&first.der().into(), key.shared_signing_key()).ok();
        Ok(Authority { chain, key, issuer })
    }

    /// Make a self-signed CA, `CN=Puppet CA: <certname>` (as a first `puppet master` start did).
    pub fn create_self_signed(
        common_name: &str,
        key: PrivateKey,
        serial: Serial,
        validity: Validity,
    ) -> Result<Authority, Error> {
        let params = ca_params(common_name, serial, validity, &key)?;
        let cert = params.self_signed(key.signing_key()).map_err(sign_error)?;
        Authority::new(cert.pem().as_bytes(), key)
    }

    /// Make an intermediate CA signed by this (root) CA: puppetserver 7's `setup` layout.
    pub fn create_intermediate(
        &self,
        common_name: &str,
        key: PrivateKey,
        serial: Serial,
        validity: Validity,
    ) -> Result<Authority, Error> {
        let mut params = ca_params(common_name, serial, validity, &key)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(key.signing_key(), self.issuer()?)
            .map_err(sign_error)?;
        let mut bundle = cert.pem();
        bundle.push_str(&self.chain_pem());
        Authority::new(bundle.as_bytes(), key)
    }

    /// The issuing CA certificate.
    pub fn certificate(&self) -> &Certificate {
        // `new` refuses an empty chain.
        &self.chain[0]
    }

    /// The chain, issuing CA first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The chain as one PEM bundle (what `ca_crt.pem` and `certs/ca.pem` hold).
    pub fn chain_pem(&self) -> String {
        self.chain.iter().map(Certificate::to_pem).collect()
    }

    pub(crate) fn issuer(&self) -> Result<&Issuer<'static, SharedSigningKey>, Error> {
        match &self.issuer {
            Some(issuer) => Ok(issuer),
            // Read again for rcgen's reason.
            None => Err(sign_error(
                Issuer::from_ca_cert_der(
                    &self.certificate().der().into(),
                    self.key.shared_signing_key(),
                )
                .err()
                .unwrap_or(rcgen::Error::CouldNotParseCertificate),
            )),
        }
    }

    /// Sign `csr` for `name`, after checking it against `policy`. The certificate holds exactly
    /// what puppetserver puts in one: CN=name, SANs (always including the certname), CA:FALSE,
    /// digitalSignature + keyEncipherment, serverAuth + clientAuth (all critical), SKI, AKI,
    /// the Puppet comment, and the CSR's permitted `pp_*` extensions. `cli_auth` adds
    /// `pp_cli_auth` (only ever for the CA host's own certificate).
    ///
    /// The validity never outlasts the issuing CA's certificate: a lifetime that would is cut
    /// to end with it ([`Authority::capped_lifetime`] says so), and a CA that has expired signs
    /// nothing.
    pub fn issue(
        &self,
        name: &Certname,
        csr: &Csr,
        policy: &Policy,
        serial: Serial,
        validity: Validity,
        cli_auth: bool,
    ) -> Result<Certificate, Error> {
        policy.check(name, csr)?;
        self.sign_leaf(
            name,
            csr.public_key_der(),
            csr.alt_names(),
            csr.extensions(),
            serial,
            validity,
            cli_auth,
        )
    }

    /// Renew `current`, a certificate this CA issued: the same key, subject, alt names and
    /// Puppet extensions, with a new serial and validity (puppetserver's
    /// `certificate_renewal`), after putting what it carries through `policy` as if it were a
    /// new request: a certificate signed under a looser policy is not renewed under a stricter
    /// one. `pp_cli_auth` is never taken from it: only `own_host` (the CA server's own
    /// certificate, which the CA made with it) gets it again. The caller has verified `current`
    /// (chain, CRL, validity); this refuses one with another issuer or an unusable name.
    pub fn renew(
        &self,
        current: &Certificate,
        serial: Serial,
        validity: Validity,
        policy: &Policy,
        own_host: bool,
    ) -> Result<Certificate, Error> {
        let (name, requested, cli_auth) = self.renewal_request(current, policy, own_host)?;
        self.sign_leaf(
            &name,
            &current.public_key_der()?,
            &current.alt_names,
            &requested,
            serial,
            validity,
            cli_auth,
        )
    }

    /// The checks of [`Authority::renew`], without signing (to refuse before a serial is
    /// reserved).
    pub fn check_renewal(
        &self,
        current: &Certificate,
        policy: &Policy,
        own_host: bool,
    ) -> Result<(), Error> {
        self.renewal_request(current, policy, own_host).map(|_| ())
    }

    /// What renewing `current` asks for, checked: its name, the Puppet extensions a CSR could
    /// have asked for (the others are the CA's own choice and made again), and whether it gets
    /// `pp_cli_auth` (the CA server's own certificate only, which the CA made with it).
    fn renewal_request(
        &self,
        current: &Certificate,
        policy: &Policy,
        own_host: bool,
    ) -> Result<(Certname, Vec<extension::Extension>, bool), Error> {
        let name = Certname::parse(&current.common_name)?;
        if current.issuer != self.certificate().subject {
            return Err(KeyError::Certificate {
                what: name.to_string(),
                reason: format!(
                    "issued by {}, not by this CA ({})",
                    current.issuer,
                    self.certificate().subject
                ),
            }
            .into());
        }
        let cli_auth = own_host
            && current
                .extensions
                .iter()
                .any(|e| e.oid == extension::PP_CLI_AUTH);
        let requested: Vec<extension::Extension> = current
            .extensions
            .iter()
            .filter(|e| extension::puppet_arc(&e.oid).is_some())
            .filter(|e| !(cli_auth && e.oid == extension::PP_CLI_AUTH))
            .cloned()
            .collect();
        policy.check_content(&name, &current.alt_names, &requested)?;
        Ok((name, requested, cli_auth))
    }

    /// When `certificate` ends where the issuing CA's certificate ends (its lifetime was cut to
    /// the CA's, see [`Authority::issue`]): the warning to show, one line.
    pub fn capped_lifetime(&self, certificate: &Certificate) -> Option<String> {
        let ca = self.certificate();
        (certificate.not_after >= ca.not_after).then(|| {
            format!(
                "the certificate of {} expires on {}, with the CA certificate {}: the CA \
                 expires before the lifetime asked for",
                certificate.common_name,
                format_time(ca.not_after),
                ca.subject
            )
        })
    }

    /// The one place a leaf certificate is built; the caller has checked what goes in.
    #[allow(clippy::too_many_arguments)]
    fn sign_leaf(
        &self,
        name: &Certname,
        public_key_der: &[u8],
        alt_names: &[AltName],
        extensions: &[extension::Extension],
        serial: Serial,
        validity: Validity,
        cli_auth: bool,
    ) -> Result<Certificate, Error> {
        let ca = self.certificate();
        let validity = Validity {
            not_after: validity.not_after.min(ca.not_after),
            ..validity
        };
        if validity.not_after <= validity.not_before + BACKDATE {
            return Err(KeyError::Certificate {
                what: "the CA certificate".into(),
                reason: format!(
                    "{} expired on {}; it signs nothing until it is renewed or replaced",
                    ca.subject,
                    format_time(ca.not_after)
                ),
            }
            .into());
        }
        let public_key = rcgen::SubjectPublicKeyInfo::from_der(public_key_der).map_err(|e| {
            KeyError::Unsupported {
                reason: format!("public key: {e}"),
            }
        })?;
        let mut params = CertificateParams::default();
        let mut distinguished_name = DistinguishedName::new();
        distinguished_name.push(DnType::CommonName, name.as_str());
        params.distinguished_name = distinguished_name;
        params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method =
            KeyIdMethod::PreSpecified(key_identifier(rcgen::PublicKeyData::der_bytes(&public_key)));

        let mut sans = vec![SanType::DnsName(dns_name(name, name.as_str())?)];
        for alt_name in alt_names {
            match alt_name {
                AltName::Dns(dns) if dns == name.as_str() => {}
                AltName::Dns(dns) => sans.push(SanType::DnsName(dns_name(name, dns)?)),
                AltName::Ip(address) => sans.push(SanType::IpAddress(*address)),
                // The policy refused these in CSRs; a certificate never has them from us.
                AltName::Other(_) => {}
            }
        }
        sans.dedup();
        params.subject_alt_names = sans;

        params.custom_extensions.push(comment_extension());
        params
            .custom_extensions
            .push(extended_key_usage_extension());
        let mut has_cli_auth = false;
        for requested in extensions {
            // Only Puppet's arcs are ever copied (the policy refused others in CSRs).
            if extension::puppet_arc(&requested.oid).is_some() {
                has_cli_auth |= requested.oid == extension::PP_CLI_AUTH;
                let mut copy =
                    CustomExtension::from_oid_content(&requested.oid, requested.value.clone());
                copy.set_criticality(false);
                params.custom_extensions.push(copy);
            }
        }
        if cli_auth && !has_cli_auth {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    extension::PP_CLI_AUTH,
                    extension::der_utf8_string("true"),
                ));
        }
        let cert = params
            .signed_by(&public_key, self.issuer()?)
            .map_err(sign_error)?;
        Ok(Certificate::from_der(name.as_str(), cert.der())?)
    }
}

fn ca_params(
    common_name: &str,
    serial: Serial,
    validity: Validity,
    key: &PrivateKey,
) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::default();
    let mut distinguished_name = DistinguishedName::new();
    distinguished_name.push(DnType::CommonName, common_name);
    params.distinguished_name = distinguished_name;
    params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.key_identifier_method =
        KeyIdMethod::PreSpecified(key_identifier(key.signing_key().public_key_raw()));
    params.custom_extensions.push(comment_extension());
    Ok(params)
}

/// RFC 5280 key identifier method 1: SHA-1 of the subjectPublicKey bits (as Puppet and OpenSSL).
fn key_identifier(public_key_bits: &[u8]) -> Vec<u8> {
    openssl::hash::hash(openssl::hash::MessageDigest::sha1(), public_key_bits)
        .map(|d| d.to_vec())
        .unwrap_or_default()
}

fn comment_extension() -> CustomExtension {
    CustomExtension::from_oid_content(
        extension::NETSCAPE_COMMENT,
        extension::der_ia5_string(COMMENT),
    )
}

/// extKeyUsage serverAuth + clientAuth, critical (rcgen writes EKU non-critical).
fn extended_key_usage_extension() -> CustomExtension {
    // SEQUENCE { OID 1.3.6.1.5.5.7.3.1, OID 1.3.6.1.5.5.7.3.2 }
    let content = vec![
        0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01, 0x06, 0x08, 0x2b,
        0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02,
    ];
    let mut extension = CustomExtension::from_oid_content(&[2, 5, 29, 37], content);
    extension.set_criticality(true);
    extension
}

/// `dns` as the IA5String a certificate of `name` holds; one that is not ASCII is never
/// signed (the policy only lets certnames through, so this is a last guard).
fn dns_name(name: &Certname, dns: &str) -> Result<rcgen::string::Ia5String, Error> {
    dns.to_owned().try_into().map_err(|_| {
        PolicyError::BadAltName {
            name: name.to_string(),
            alt_name: format!("DNS:{dns}"),
        }
        .into()
    })
}

fn sign_error(error: rcgen::Error) -> Error {
    KeyError::Sign {
        reason: error.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests;
