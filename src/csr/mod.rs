//! Certificate signing requests: parse, verify the signature, read names, extensions and
//! attributes; and build new CSRs for `--generate` and the agent.
//!
//! A [`Csr`] exists only if it parsed, its signature verified with its own key, it has a CN and
//! its key is one the CA signs (RSA >= 2048 bits, EC P-256/P-384) with a SHA-2 signature. Whether
//! its extensions may be *signed* is the issuance policy's call ([`crate::authority`]).

use openssl::pkey::PKey;
use openssl::x509::X509Req;
use rcgen::{CertificateParams, DistinguishedName, DnType, SanType};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::prelude::FromDer;

use crate::certname::Certname;
use crate::error::{CertnameError, CsrError, Error, KeyError};
use crate::extension::{self, AltName, Extension};
use crate::keys::{self, PrivateKey};

/// Largest CSR accepted, PEM or DER, in bytes.
pub const MAX_SIZE: usize = 64 * 1024;

/// A parsed CSR whose signature verified.
#[derive(Debug, Clone)]
pub struct Csr {
    der: Vec<u8>,
    common_name: String,
    alt_names: Vec<AltName>,
    extensions: Vec<Extension>,
    attributes: Vec<Attribute>,
    public_key_der: Vec<u8>,
}

/// A CSR attribute other than the extension request (Puppet's `custom_attributes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The OID, dotted.
    pub oid: String,
    /// The value as text where it is a string, else hex of its DER.
    pub value: String,
}

impl Csr {
    /// Parse a PEM CSR (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) and verify it.
    pub fn from_pem(pem: &[u8]) -> Result<Csr, CsrError> {
        if pem.len() > MAX_SIZE {
            return Err(CsrError::TooLarge {
                size: pem.len(),
                limit: MAX_SIZE,
            });
        }
        let block = pem::parse(pem).map_err(|e| CsrError::Malformed {
            reason: format!("not PEM ({e})"),
        })?;
        if !block.tag().ends_with("CERTIFICATE REQUEST") {
            return Err(CsrError::Malformed {
                reason: format!("expected a CERTIFICATE REQUEST, found {}", block.tag()),
            });
        }
        Csr::from_der(block.contents())
    }

    /// Parse a DER CSR and verify it.
    pub fn from_der(der: &[u8]) -> Result<Csr, CsrError> {
        let malformed = |reason: String| CsrError::Malformed { reason };
        let (rest, request) =
            X509CertificationRequest::from_der(der).map_err(|e| malformed(format!("{e}")))?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the request".into()));
        }
        let info = &request.certification_request_info;
        let mut common_names = info.subject.iter_common_name();
        let common_name = match (common_names.next(), common_names.next()) {
            (Some(cn), None) => cn
                .as_str()
                .map_err(|_| malformed("the common name is not a string".into()))?
                .to_owned(),
            (Some(_), Some(_)) => return Err(malformed("more than one common name".into())),
            (None, _) => return Err(CsrError::NoCommonName),
        };

        let mut alt_names = Vec::new();
        let mut extensions = Vec::new();
        let mut attributes = Vec::new();
        let mut extension_requests = 0;
        for attribute in info.attributes() {
            match attribute.parsed_attribute() {
                ParsedCriAttribute::ExtensionRequest(request) => {
                    extension_requests += 1;
                    let (names, others) =
                        extension::split_extensions(&request.extensions).map_err(malformed)?;
                    alt_names.extend(names);
                    extensions.extend(others);
                }
                ParsedCriAttribute::ChallengePassword(password) => attributes.push(Attribute {
                    oid: attribute.oid.to_id_string(),
                    value: password.0.clone(),
                }),
                ParsedCriAttribute::UnsupportedAttribute => attributes.push(Attribute {
                    oid: attribute.oid.to_id_string(),
                    value: attribute_value(info.raw, attribute.value),
                }),
            }
        }
        if extension_requests > 1 {
            return Err(malformed(
                "more than one extension request attribute".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(duplicate) = extensions.iter().find(|e| !seen.insert(e.oid.clone())) {
            return Err(malformed(format!(
                "extension {} is requested twice",
                duplicate.dotted_oid()
            )));
        }

        let signature_oid = request.signature_algorithm.algorithm.to_id_string();
        if WEAK_SIGNATURES.contains(&signature_oid.as_str()) {
            return Err(CsrError::WeakKey {
                reason: format!("signed with a weak digest ({signature_oid}); use SHA-256"),
            });
        }

        let public_key_der = info.subject_pki.raw.to_vec();
        // What agents send (RSA or EC P-256/P-384 keys, PKCS#1 v1.5 or ECDSA signatures with
        // SHA-2) is verified with aws-lc, the crypto of rustls and rcgen: decoding the key and
        // the request with OpenSSL 3 costs ten times the verification. Any other
        // key or algorithm, and any signature aws-lc refuses, goes to OpenSSL, which decides
        // and says why.
        let verified = keys::verification_algorithm(&info.subject_pki, &signature_oid).is_some_and(
            |algorithm| {
                aws_lc_rs::signature::UnparsedPublicKey::new(
                    algorithm,
                    &info.subject_pki.subject_public_key.data,
                )
                .verify(info.raw, &request.signature_value.data)
                .is_ok()
            },
        );
        if !verified {
            verify_with_openssl(der, &public_key_der)?;
        }

        Ok(Csr {
            der: der.to_vec(),
            common_name,
            alt_names,
            extensions,
            attributes,
            public_key_der,
        })
    }

    /// Build and sign a CSR for `name` with `key`. `alt_names` are DNS names or IP addresses,
    /// bare or written as Puppet prints them (`DNS:x`, `IP:127.0.0.1`, any case of the prefix);
    /// the certname is added to them when there are any, as Puppet agents do. `extensions` are
    /// Puppet `extension_requests` (OID arcs and string values).
    pub fn generate(
        name: &Certname,
        key: &PrivateKey,
        alt_names: &[String],
        extensions: &[(Vec<u64>, String)],
    ) -> Result<Csr, Error> {
        Csr::generate_with_attributes(name, key, alt_names, extensions, &[])
    }

    /// [`Csr::generate`] plus CSR attributes (Puppet's `custom_attributes` and
    /// `pp_auth_auto_renew`), each one UTF8String value.
    pub fn generate_with_attributes(
        name: &Certname,
        key: &PrivateKey,
        alt_names: &[String],
        extensions: &[(Vec<u64>, String)],
        attributes: &[(Vec<u64>, String)],
    ) -> Result<Csr, Error> {
        let mut params = CertificateParams::default();
        let mut distinguished_name = DistinguishedName::new();
        distinguished_name.push(DnType::CommonName, name.as_str());
        params.distinguished_name = distinguished_name;
        if !alt_names.is_empty() {
            let mut all = vec![SanType::DnsName(dns_name(name.as_str())?)];
            for alt in alt_names {
                let san = san(alt)?;
                if !all.contains(&san) {
                    all.push(san);
                }
            }
            params.subject_alt_names = all;
        }
        for (oid, value) in extensions {
            params
                .custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    oid,
                    extension::der_utf8_string(value),
                ));
        }
        let attributes = attributes
            .iter()
            .map(|(oid, value)| rcgen::Attribute {
                // rcgen wants a static OID; a CSR carries a handful, made a few times per run.
                oid: Box::leak(oid.clone().into_boxed_slice()),
                values: extension::der_set_of_utf8_string(value),
            })
            .collect();
        let request = params
            .serialize_request_with_attributes(key.signing_key(), attributes)
            .map_err(|e| KeyError::Sign {
                reason: e.to_string(),
            })?;
        Ok(Csr::from_der(request.der())?)
    }

    /// Check that the CSR was made for `name` (Puppet: CN must equal the name it is filed under).
    pub fn check_name(&self, name: &Certname) -> Result<(), CsrError> {
        if self.common_name == name.as_str() {
            Ok(())
        } else {
            Err(CsrError::NameMismatch {
                name: name.to_string(),
                subject: self.common_name.clone(),
            })
        }
    }

    /// The CN of the subject.
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// Requested subject alternative names, as in the CSR.
    pub fn alt_names(&self) -> &[AltName] {
        &self.alt_names
    }

    /// Alt names other than `DNS:<common name>`: what needs `--allow-dns-alt-names`.
    pub fn extra_alt_names(&self) -> Vec<&AltName> {
        self.alt_names
            .iter()
            .filter(|n| **n != AltName::Dns(self.common_name.clone()))
            .collect()
    }

    /// Requested extensions other than subjectAltName.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// Attributes other than the extension request.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Whether the agent says it renews its certificate itself: the `pp_auth_auto_renew`
    /// attribute (1.3.6.1.4.1.34380.1.3.2) is `true`, as Puppet 7 agents send it. puppetserver
    /// gives such agents the shorter `auto-renewal-cert-ttl` when renewal is allowed.
    pub fn renews_automatically(&self) -> bool {
        let oid = extension::dotted(extension::PP_AUTH_AUTO_RENEW);
        self.attributes
            .iter()
            .any(|attribute| attribute.oid == oid && attribute.value == "true")
    }

    /// SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (`CERTIFICATE REQUEST`).
    pub fn to_pem(&self) -> String {
        crate::certificate::pem_encode("CERTIFICATE REQUEST", &self.der)
    }
}

/// The value of a CSR attribute x509-parser does not know: the string in its `SET OF` (Puppet
/// puts one string there), else the hex of the whole `SET`. x509-parser hands over only the
/// `SET`'s header (`header`, a slice of the request info's `raw` bytes); its content follows it
/// there.
fn attribute_value(raw: &[u8], header: &[u8]) -> String {
    let set = (header.as_ptr() as usize)
        .checked_sub(raw.as_ptr() as usize)
        .and_then(|start| raw.get(start..))
        .and_then(extension::der_element);
    match set {
        Some((0x31, content, whole)) => extension::der_element(content)
            .filter(|(_, _, element)| element.len() == content.len())
            .and_then(|(_, _, element)| extension::der_string(element))
            .unwrap_or_else(|| extension::hex(whole)),
        _ => extension::hex(header),
    }
}

/// The checks of [`Csr::from_der`] for a request aws-lc did not verify: OpenSSL must read the
/// key, the key must be one the CA signs, and OpenSSL must verify the signature.
fn verify_with_openssl(der: &[u8], public_key_der: &[u8]) -> Result<(), CsrError> {
    let public_key = PKey::public_key_from_der(public_key_der).map_err(|e| CsrError::WeakKey {
        reason: format!("unsupported public key ({})", keys::first_reason(&e)),
    })?;
    match keys::describe(&public_key).as_str() {
        "EC P-256" | "EC P-384" => {}
        d if d.starts_with("RSA ") && public_key.bits() >= 2048 => {}
        other => {
            return Err(CsrError::WeakKey {
                reason: format!(
                    "{other}; the CA signs RSA of 2048 bits or more, EC P-256 and EC P-384"
                ),
            })
        }
    }
    let verified = X509Req::from_der(der)
        .and_then(|openssl_request| openssl_request.verify(&public_key))
        .unwrap_or(false);
    if verified {
        Ok(())
    } else {
        Err(CsrError::Signature)
    }
}

/// Signature algorithms refused: MD5 and SHA-1 with RSA, DSA, ECDSA.
const WEAK_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.4",
    "1.2.840.113549.1.1.5",
    "1.2.840.10040.4.3",
    "1.2.840.10045.4.1",
    "1.3.14.3.2.29",
];

/// Parse the alt names an administrator typed for a new CSR (`--dns_alt_names`, the
/// `dns_alt_names` setting, `--subject-alt-names`): `IP:a` must be an address, `DNS:n` a DNS
/// name the CA signs, and a bare value is an address when it parses as one, else a DNS name.
/// Callers run this before they create anything, so a typo never leaves a half-made CA.
///
/// A DNS name must be what the issuance policy signs (the certname syntax: lower-case labels of
/// letters, digits, `-` and `_`; no wildcard). A colon in one is refused with the comma-separated
/// list it was probably meant to be: `puppetca:puppet` is `--dns_alt_names puppetca,puppet`.
///
/// ```
/// use cert::csr::parse_alt_names;
///
/// let names = parse_alt_names(&["puppet".into(), "IP:10.0.0.1".into()]).unwrap();
/// assert_eq!(names.len(), 2);
/// let error = parse_alt_names(&["puppetca:puppet".into()]).unwrap_err();
/// assert!(error.to_string().contains("--dns_alt_names puppetca,puppet"));
/// ```
pub fn parse_alt_names(alt_names: &[String]) -> Result<Vec<AltName>, CsrError> {
    alt_names.iter().map(|alt| parse_alt_name(alt)).collect()
}

fn parse_alt_name(alt: &str) -> Result<AltName, CsrError> {
    let prefixed = |prefix: &str| {
        alt.get(..prefix.len())
            .filter(|p| p.eq_ignore_ascii_case(prefix))
            .map(|_| &alt[prefix.len()..])
    };
    if let Some(address) = prefixed("IP:") {
        return address
            .parse()
            .map(AltName::Ip)
            .map_err(|_| CsrError::AltName {
                alt_name: alt.to_owned(),
                reason: "not an IP address",
            });
    }
    let dns = match prefixed("DNS:") {
        Some(dns) => dns,
        None => match alt.parse() {
            Ok(address) => return Ok(AltName::Ip(address)),
            Err(_) => alt,
        },
    };
    if dns.contains(':') {
        let pieces: Vec<&str> = dns.split(':').filter(|piece| !piece.is_empty()).collect();
        return Err(CsrError::AltNameList {
            alt_name: alt.to_owned(),
            suggestion: pieces.join(","),
        });
    }
    crate::certname::check_dns_name(dns).map_err(|error| CsrError::AltName {
        alt_name: alt.to_owned(),
        reason: match error {
            CertnameError::Wildcard { .. } => "a wildcard, which the CA never signs",
            CertnameError::NotLowerCase { .. } => "not lower case, which the CA requires",
            _ => "not a DNS name the CA signs (lower-case letters, digits, '-', '_' and '.')",
        },
    })?;
    Ok(AltName::Dns(dns.to_owned()))
}

/// One alt name given to [`Csr::generate`], as rcgen takes it.
fn san(alt: &str) -> Result<SanType, Error> {
    match parse_alt_name(alt)? {
        AltName::Ip(address) => Ok(SanType::IpAddress(address)),
        AltName::Dns(name) => Ok(SanType::DnsName(dns_name(&name)?)),
        // `parse_alt_name` makes only the two kinds above.
        AltName::Other(text) => Err(CsrError::AltName {
            alt_name: text,
            reason: "not a DNS name or IP address",
        }
        .into()),
    }
}

fn dns_name(name: &str) -> Result<rcgen::string::Ia5String, Error> {
    name.to_owned().try_into().map_err(|_| {
        CsrError::AltName {
            alt_name: name.to_owned(),
            reason: "not a DNS name",
        }
        .into()
    })
}

#[cfg(test)]
mod tests;
