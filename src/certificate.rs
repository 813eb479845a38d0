//! Reading certificates: names, serial, validity, extensions, fingerprints and text.
//!
//! Used for everything the CA shows about what it signed, and for loading CA chains. Building
//! certificates is [`crate::authority`]'s job.

use std::fmt;

use openssl::hash::MessageDigest;
use openssl::x509::X509;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, KeyError};
use crate::extension::{self, AltName, Extension};

/// A certificate serial number (Puppet's are small sequential integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serial(pub u128);

impl Serial {
    /// From big-endian bytes as found in DER (a leading zero byte is allowed).
    pub fn from_be_bytes(bytes: &[u8]) -> Option<Serial> {
        let trimmed: &[u8] = {
            let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
            &bytes[start..]
        };
        if trimmed.len() > 16 {
            return None;
        }
        let mut buffer = [0u8; 16];
        buffer[16 - trimmed.len()..].copy_from_slice(trimmed);
        Some(Serial(u128::from_be_bytes(buffer)))
    }

    /// Minimal big-endian bytes, positive (a zero byte is prepended when the top bit is set).
    pub fn to_be_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(15);
        let mut out = bytes[start..].to_vec();
        if out[0] & 0x80 != 0 {
            out.insert(0, 0);
        }
        out
    }
}

impl fmt::Display for Serial {
    /// Puppet's `0x%04X` inventory form without the `0x`: `0005`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// What the CA shows about a certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    /// The subject CN (empty when there is none).
    pub common_name: String,
    /// The subject as a one-line string (`CN=...`).
    pub subject: String,
    /// The issuer as a one-line string.
    pub issuer: String,
    /// The issuer's CN.
    pub issuer_common_name: String,
    /// Serial number (`None` when wider than 128 bits, which Puppet never issues).
    pub serial: Option<Serial>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Subject alternative names.
    pub alt_names: Vec<AltName>,
    /// Other extensions (basic constraints, key usage, Puppet's, ...).
    pub extensions: Vec<Extension>,
    /// Whether basicConstraints says CA:TRUE.
    pub is_ca: bool,
}

impl Certificate {
    /// Parse one DER certificate; `what` names it in errors.
    pub fn from_der(what: &str, der: &[u8]) -> Result<Certificate, KeyError> {
        let bad = |reason: String| KeyError::Certificate {
            what: what.into(),
            reason,
        };
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing data after the certificate".into()));
        }
        let common_name = first_common_name(cert.subject());
        let issuer_common_name = first_common_name(cert.issuer());
        let (alt_names, extensions) =
            extension::split_extensions(cert.extensions()).map_err(bad)?;
        let is_ca = cert
            .basic_constraints()
            .ok()
            .flatten()
            .map(|bc| bc.value.ca)
            .unwrap_or(false);
        Ok(Certificate {
            der: der.to_vec(),
            common_name,
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            issuer_common_name,
            serial: Serial::from_be_bytes(cert.raw_serial()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            alt_names,
            extensions,
            is_ca,
        })
    }

    /// Parse the first certificate of a PEM file.
    pub fn from_pem(what: &str, pem: &[u8]) -> Result<Certificate, KeyError> {
        let chain = pem_chain(what, pem, "CERTIFICATE")?;
        match chain.first() {
            Some(der) => Certificate::from_der(what, der),
            None => Err(KeyError::Certificate {
                what: what.into(),
                reason: "no certificate in the file".into(),
            }),
        }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The SubjectPublicKeyInfo DER (the key a renewal keeps).
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let (_, cert) =
            X509Certificate::from_der(&self.der).map_err(|e| KeyError::Certificate {
                what: self.common_name.clone(),
                reason: e.to_string(),
            })?;
        Ok(cert.public_key().raw.to_vec())
    }

    /// The PEM encoding.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// The fingerprint with `digest`, Puppet style: upper-case hex pairs joined by colons.
    pub fn fingerprint(&self, digest: Digest) -> String {
        fingerprint(&self.der, digest)
    }

    /// OpenSSL's text rendering (what `openssl x509 -text` prints).
    pub fn to_text(&self) -> Result<String, KeyError> {
        let bad = |e: openssl::error::ErrorStack| KeyError::Certificate {
            what: self.common_name.clone(),
            reason: e.to_string(),
        };
        let cert = X509::from_der(&self.der).map_err(bad)?;
        let text = cert.to_text().map_err(bad)?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// The subjectKeyIdentifier, when present.
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        let extension = self.extensions.iter().find(|e| e.oid == [2, 5, 29, 14])?;
        match extension.value.as_slice() {
            [0x04, length, rest @ ..] if usize::from(*length) == rest.len() => Some(rest.to_vec()),
            _ => None,
        }
    }

    /// The issuer's serial named by the authorityKeyIdentifier (its `authorityCertSerialNumber`),
    /// when there is one: OpenSSL then takes only an issuer certificate with that serial (and
    /// so a re-issued CA certificate must keep it).
    pub fn authority_key_serial(&self) -> Option<Serial> {
        let (_, cert) = X509Certificate::from_der(&self.der).ok()?;
        cert.extensions()
            .iter()
            .find_map(|extension| match extension.parsed_extension() {
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(identifier) => {
                    identifier
                        .authority_cert_serial
                        .and_then(Serial::from_be_bytes)
                }
                _ => None,
            })
    }

    /// Whether this certificate is self-issued and its signature verifies with its own key (a
    /// root).
    pub fn is_self_signed(&self) -> bool {
        self.issuer == self.subject
            && X509::from_der(&self.der)
                .and_then(|cert| {
                    let key = cert.public_key()?;
                    cert.verify(&key)
                })
                .unwrap_or(false)
    }

    /// Authorization extensions (`pp_cli_auth: true`, ...).
    pub fn authorization_extensions(&self) -> Vec<(String, String)> {
        self.extensions
            .iter()
            .filter(|e| extension::puppet_arc(&e.oid) == Some(extension::PuppetArc::Authorization))
            .map(|e| (e.name(), e.value_text()))
            .collect()
    }
}

fn first_common_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Digest for fingerprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// MD5 (for old runbooks only).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256, Puppet's default.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Digest {
    /// Parse `sha256`, `SHA256`, `sha-256`, ...
    pub fn parse(text: &str) -> Result<Digest, Error> {
        let normal = text.to_ascii_lowercase().replace('-', "");
        Ok(match normal.as_str() {
            "md5" => Digest::Md5,
            "sha1" => Digest::Sha1,
            "sha224" => Digest::Sha224,
            "sha256" => Digest::Sha256,
            "sha384" => Digest::Sha384,
            "sha512" => Digest::Sha512,
            _ => return Err(Error::UnknownDigest { name: text.into() }),
        })
    }

    /// Upper-case name as Puppet prints it: `SHA256`.
    pub fn label(self) -> &'static str {
        match self {
            Digest::Md5 => "MD5",
            Digest::Sha1 => "SHA1",
            Digest::Sha224 => "SHA224",
            Digest::Sha256 => "SHA256",
            Digest::Sha384 => "SHA384",
            Digest::Sha512 => "SHA512",
        }
    }

    fn message_digest(self) -> MessageDigest {
        match self {
            Digest::Md5 => MessageDigest::md5(),
            Digest::Sha1 => MessageDigest::sha1(),
            Digest::Sha224 => MessageDigest::sha224(),
            Digest::Sha256 => MessageDigest::sha256(),
            Digest::Sha384 => MessageDigest::sha384(),
            Digest::Sha512 => MessageDigest::sha512(),
        }
    }
}

/// Fingerprint of DER bytes: upper-case hex pairs joined by colons.
pub fn fingerprint(der: &[u8], digest: Digest) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    match openssl::hash::hash(digest.message_digest(), der) {
        Ok(bytes) => {
            let mut out = String::with_capacity(bytes.len() * 3);
            for (index, byte) in bytes.iter().enumerate() {
                if index > 0 {
                    out.push(':');
                }
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
            out
        }
        // Hashing in memory only fails if OpenSSL lacks the digest (MD5 in FIPS mode).
        Err(_) => String::from("(digest unavailable)"),
    }
}

/// `der` as one PEM block labelled `tag`, with LF line ends as Puppet and OpenSSL write them
/// (the `pem` crate's default is CRLF, which made rewritten files differ from Puppet's).
pub fn pem_encode(tag: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(tag, der.to_vec()), config)
}

/// Every PEM block with `tag` in `pem`, as DER, in order. Other blocks are an error; text
/// outside blocks is ignored (as OpenSSL does). This is on the hot path of `list --all`, so it
/// decodes in place instead of building intermediate strings.
pub fn pem_chain(what: &str, pem: &[u8], tag: &str) -> Result<Vec<Vec<u8>>, KeyError> {
    use base64::Engine;
    let bad = |reason: String| KeyError::Certificate {
        what: what.into(),
        reason,
    };
    let mut blocks = Vec::new();
    let mut open: Option<(&[u8], Vec<u8>)> = None;
    for line in pem.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.trim_ascii();
        if let Some(label) = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|l| l.strip_suffix(b"-----"))
        {
            if open.is_some() {
                return Err(bad("not PEM (BEGIN inside a block)".into()));
            }
            open = Some((label, Vec::with_capacity(2048)));
        } else if let Some(label) = line
            .strip_prefix(b"-----END ")
            .and_then(|l| l.strip_suffix(b"-----"))
        {
            let Some((begin, body)) = open.take() else {
                return Err(bad("not PEM (END without BEGIN)".into()));
            };
            if begin != label {
                return Err(bad("not PEM (BEGIN and END labels differ)".into()));
            }
            if begin != tag.as_bytes() {
                return Err(bad(format!(
                    "expected {tag}, found {}",
                    String::from_utf8_lossy(begin)
                )));
            }
            let der = base64::engine::general_purpose::STANDARD
                .decode(&body)
                .map_err(|e| bad(format!("not PEM ({e})")))?;
            blocks.push(der);
        } else if let Some((_, body)) = open.as_mut() {
            body.extend_from_slice(line);
        }
    }
    if open.is_some() {
        return Err(bad("not PEM (a block has no END line)".into()));
    }
    if blocks.is_empty() {
        return Err(bad("not PEM (no BEGIN line)".into()));
    }
    Ok(blocks)
}

/// Verify `cert` the way OpenSSL peers (nginx, Ruby's Puppet) do: it must chain to `chain`
/// (the CA bundle, issuing CA first), be within its validity, and be unrevoked in the CRLs of
/// every level (`crl_pem`, the CRL chain). Errors name OpenSSL's verdict.
pub fn verify_with_openssl(
    cert: &Certificate,
    chain: &[Certificate],
    crl_pem: &[u8],
) -> Result<(), Error> {
    use openssl::stack::Stack;
    use openssl::x509::store::{X509Lookup, X509StoreBuilder};
    use openssl::x509::verify::X509VerifyFlags;
    use openssl::x509::X509StoreContext;

    let failed = |reason: String| KeyError::Certificate {
        what: cert.common_name.clone(),
        reason,
    };
    let stack_error = |e: openssl::error::ErrorStack| failed(e.to_string());
    // OpenSSL reads CRL chains only from files; a private temp file holds ours.
    let mut crl_file = tempfile::NamedTempFile::new().map_err(|e| failed(e.to_string()))?;
    std::io::Write::write_all(&mut crl_file, crl_pem).map_err(|e| failed(e.to_string()))?;
    let mut builder = X509StoreBuilder::new().map_err(stack_error)?;
    for ca in chain {
        builder
            .add_cert(X509::from_der(ca.der()).map_err(stack_error)?)
            .map_err(stack_error)?;
    }
    let lookup = builder
        .add_lookup(X509Lookup::file())
        .map_err(stack_error)?;
    lookup
        .load_crl_file(crl_file.path(), openssl::ssl::SslFiletype::PEM)
        .map_err(|_| failed("the CRL chain does not load".into()))?;
    builder
        .set_flags(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL)
        .map_err(stack_error)?;
    let store = builder.build();
    let leaf = X509::from_der(cert.der()).map_err(stack_error)?;
    let untrusted = Stack::new().map_err(stack_error)?;
    let mut context = X509StoreContext::new().map_err(stack_error)?;
    let (ok, verdict) = context
        .init(&store, &leaf, &untrusted, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error()))
        })
        .map_err(stack_error)?;
    if ok {
        Ok(())
    } else {
        Err(KeyError::Invalid {
            what: cert.common_name.clone(),
            reason: verdict.error_string().to_owned(),
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_bytes_round_trip() {
        for value in [1u128, 5, 0x7f, 0x80, 0xffff, u128::from(u64::MAX)] {
            let serial = Serial(value);
            assert_eq!(Serial::from_be_bytes(&serial.to_be_bytes()), Some(serial));
        }
        assert_eq!(Serial(0x80).to_be_bytes(), vec![0, 0x80]);
        assert_eq!(Serial(5).to_string(), "0005");
        assert_eq!(Serial(0x1_0000).to_string(), "10000");
        assert_eq!(Serial::from_be_bytes(&[1; 17]), None);
    }

    #[test]
    fn digests() {
        assert_eq!(Digest::parse("SHA-256").unwrap(), Digest::Sha256);
        assert!(Digest::parse("crc32").is_err());
        assert_eq!(fingerprint(b"", Digest::Sha1).len(), 20 * 3 - 1);
    }
}
