//! Re-issuing a CA certificate with the same key: what `cert extend-ca` does to each certificate
//! of the CA chain. The new certificate is the old one with a new validity, a serial and a fresh
//! signature, and nothing else changed: the subject and issuer (byte for byte, so every
//! verifier matches names as before), the public key, every extension (SKI, AKI,
//! basicConstraints, keyUsage, Puppet's comment). So every certificate the old one issued still
//! verifies under the new one.
//!
//! It works on the DER of the TBSCertificate directly, replacing only the serial, the signature
//! algorithm (the signing key's own: a CA once signed with SHA-1 gets SHA-256) and the
//! validity, because a certificate builder re-encodes names and extensions its own way. Pure:
//! the serial, validity and key come in; which serial to use is the caller's choice
//! ([`crate::ca`]). It knows nothing of stores.

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::sign::Signer;
use openssl::x509::X509;
use time::OffsetDateTime;

use crate::authority::Validity;
use crate::certificate::{Certificate, Serial};
use crate::error::{Error, KeyError};
use crate::keys::PrivateKey;

/// DER tags used here.
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
/// `[0] EXPLICIT Version` of a TBSCertificate.
const VERSION: u8 = 0xa0;

/// `certificate` as issued again by `issuer_key` with `serial` and `validity`: the same
/// TBSCertificate otherwise. `issuer_key` must be the key that signed `certificate` (its own
/// for a self-signed certificate); the new signature is checked with it before returning.
pub fn reissue(
    certificate: &Certificate,
    issuer_key: &PrivateKey,
    serial: Serial,
    validity: Validity,
) -> Result<Certificate, Error> {
    let what = certificate.common_name.as_str();
    let bad = |reason: &str| KeyError::Certificate {
        what: what.to_owned(),
        reason: reason.to_owned(),
    };
    let (algorithm, digest) = signature_algorithm(issuer_key)?;
    let (tag, certificate_content, rest) =
        element(certificate.der()).ok_or_else(|| bad("not DER"))?;
    if tag != SEQUENCE || !rest.is_empty() {
        return Err(bad("not a DER certificate").into());
    }
    let (tag, tbs, _) = element(certificate_content).ok_or_else(|| bad("no TBSCertificate"))?;
    if tag != SEQUENCE {
        return Err(bad("no TBSCertificate").into());
    }
    let mut fields = Vec::new();
    let mut input = tbs;
    while !input.is_empty() {
        let (tag, _, rest) = element(input).ok_or_else(|| bad("a truncated TBSCertificate"))?;
        fields.push((tag, &input[..input.len() - rest.len()]));
        input = rest;
    }
    // version (v3 for every CA certificate), serial, signature, issuer, validity, subject, ...
    let expected = [
        VERSION, INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE,
    ];
    if fields.len() < expected.len()
        || fields
            .iter()
            .zip(expected)
            .any(|((tag, _), want)| *tag != want)
    {
        return Err(bad("not a version 3 certificate").into());
    }
    let mut new_tbs = Vec::new();
    for (index, (_, raw)) in fields.iter().enumerate() {
        match index {
            1 => new_tbs.extend(encode(INTEGER, &serial.to_be_bytes())),
            2 => new_tbs.extend_from_slice(algorithm),
            4 => {
                let mut times = time_der(validity.not_before);
                times.extend(time_der(validity.not_after));
                new_tbs.extend(encode(SEQUENCE, &times));
            }
            _ => new_tbs.extend_from_slice(raw),
        }
    }
    let new_tbs = encode(SEQUENCE, &new_tbs);
    let signature = sign(issuer_key, digest, &new_tbs)?;
    let mut bits = vec![0u8];
    bits.extend(signature);
    let mut content = new_tbs;
    content.extend_from_slice(algorithm);
    content.extend(encode(BIT_STRING, &bits));
    let der = encode(SEQUENCE, &content);
    let signed_by_issuer = (|| -> Result<bool, openssl::error::ErrorStack> {
        X509::from_der(&der)?.verify(issuer_key.openssl())
    })()
    .unwrap_or(false);
    if !signed_by_issuer {
        return Err(KeyError::Sign {
            reason: format!("the re-issued certificate of {what} does not verify"),
        }
        .into());
    }
    Ok(Certificate::from_der(what, &der)?)
}

/// The AlgorithmIdentifier (DER) a certificate signed by `key` carries, and the digest.
fn signature_algorithm(key: &PrivateKey) -> Result<(&'static [u8], Option<MessageDigest>), Error> {
    // sha256WithRSAEncryption with NULL parameters, ecdsa-with-SHA256/SHA384, Ed25519.
    const RSA_SHA256: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
    ];
    const ECDSA_SHA256: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    const ECDSA_SHA384: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
    ];
    const ED25519: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
    let pkey = key.openssl();
    match pkey.id() {
        Id::RSA => Ok((RSA_SHA256, Some(MessageDigest::sha256()))),
        Id::EC => {
            let curve = pkey.ec_key().ok().and_then(|ec| ec.group().curve_name());
            match curve {
                Some(Nid::X9_62_PRIME256V1) => Ok((ECDSA_SHA256, Some(MessageDigest::sha256()))),
                Some(Nid::SECP384R1) => Ok((ECDSA_SHA384, Some(MessageDigest::sha384()))),
                _ => Err(unsupported(key)),
            }
        }
        Id::ED25519 => Ok((ED25519, None)),
        _ => Err(unsupported(key)),
    }
}

fn unsupported(key: &PrivateKey) -> Error {
    KeyError::Unsupported {
        reason: format!("cannot sign certificates with a {} key", key.description()),
    }
    .into()
}

fn sign(key: &PrivateKey, digest: Option<MessageDigest>, tbs: &[u8]) -> Result<Vec<u8>, Error> {
    let failed = |e: openssl::error::ErrorStack| {
        Error::from(KeyError::Sign {
            reason: e.to_string(),
        })
    };
    let mut signer = match digest {
        Some(digest) => Signer::new(digest, key.openssl()),
        None => Signer::new_without_digest(key.openssl()),
    }
    .map_err(failed)?;
    signer.sign_oneshot_to_vec(tbs).map_err(failed)
}

/// One DER element at the start of `input`: its tag, its content and what follows it. Only
/// single-byte tags and definite lengths (DER has no other) up to 4 GiB.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    Some((tag, &rest[..length], &rest[length..]))
}

/// A DER element.
fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let start = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - start) as u8);
        out.extend_from_slice(&bytes[start..]);
    }
    out.extend_from_slice(content);
    out
}

/// A certificate's Time (RFC 5280): UTCTime for 1950 to 2049, GeneralizedTime otherwise.
fn time_der(time: OffsetDateTime) -> Vec<u8> {
    let time = time.to_offset(time::UtcOffset::UTC);
    let (year, rest) = (
        time.year(),
        format!(
            "{:02}{:02}{:02}{:02}{:02}Z",
            u8::from(time.month()),
            time.day(),
            time.hour(),
            time.minute(),
            time.second()
        ),
    );
    if (1950..2050).contains(&year) {
        encode(UTC_TIME, format!("{:02}{rest}", year % 100).as_bytes())
    } else {
        encode(GENERALIZED_TIME, format!("{year:04}{rest}").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::authority::{Authority, Policy, CA_TTL};
    use crate::certname::Certname;
    use crate::csr::Csr;
    use crate::keys::KeySpec;

    #[test]
    fn same_names_key_and_extensions_new_serial_and_validity() {
        let now = OffsetDateTime::now_utc();
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let pem = key.to_pem().unwrap();
        let ca = Authority::create_self_signed(
            "Puppet CA: t",
            key,
            Serial(1),
            Validity::new(now, Duration::from_secs(86_400)).unwrap(),
        )
        .unwrap();
        let old = ca.certificate().clone();
        let key = PrivateKey::from_pem("key", &pem).unwrap();
        let validity = Validity::new(now, CA_TTL).unwrap();
        let new = reissue(&old, &key, Serial(7), validity).unwrap();
        assert_eq!(new.serial, Some(Serial(7)));
        assert_eq!(new.not_after, validity.not_after);
        assert_eq!(new.not_before, validity.not_before);
        assert_eq!(new.subject, old.subject);
        assert_eq!(new.issuer, old.issuer);
        assert_eq!(new.public_key_der().unwrap(), old.public_key_der().unwrap());
        assert_eq!(new.extensions, old.extensions);
        assert_eq!(new.subject_key_identifier(), old.subject_key_identifier());

        // A leaf of the old certificate verifies under the new one (OpenSSL).
        let name = Certname::parse("node.t").unwrap();
        let leaf_key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let csr = Csr::generate(&name, &leaf_key, &[], &[]).unwrap();
        let leaf = ca
            .issue(&name, &csr, &Policy::default(), Serial(2), validity, false)
            .unwrap();
        let crl = crate::crl::Crl::sign(&ca, 1, now, CA_TTL, &[]).unwrap();
        let extended = Authority::new(new.to_pem().as_bytes(), key).unwrap();
        crate::certificate::verify_with_openssl(&leaf, extended.chain(), crl.to_pem().as_bytes())
            .unwrap();
    }

    #[test]
    fn times_and_lengths_encode_as_der() {
        let time = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(2_524_608_000); // 2050-01-01
        assert_eq!(&time_der(time)[..2], &[GENERALIZED_TIME, 15]);
        assert_eq!(&time_der(OffsetDateTime::UNIX_EPOCH)[..2], &[UTC_TIME, 13]);
        let long = encode(SEQUENCE, &[0u8; 300]);
        assert_eq!(&long[..4], &[SEQUENCE, 0x82, 0x01, 0x2c]);
        let (tag, content, rest) = element(&long).unwrap();
        assert_eq!((tag, content.len(), rest.len()), (SEQUENCE, 300, 0));
        assert!(element(&long[..100]).is_none());
    }
}
