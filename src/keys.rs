//! Private keys: generation (RSA 2048-16384, EC P-256/P-384) and loading (PKCS#1, PKCS#8, SEC1).
//!
//! A [`PrivateKey`] holds the key twice: as an OpenSSL key (for the PEM encodings Puppet writes
//! and for matching against certificates) and as an rcgen [`rcgen::KeyPair`], which implements
//! [`rcgen::SigningKey`], the seam through which all signing goes (an HSM or KMS key can implement
//! that trait later). Which public keys the CA accepts in a request, and the aws-lc algorithm
//! that verifies their signatures, is here too. This module never touches files;
//! [`crate::store`] and [`crate::ssldir`] decide where keys live.

use aws_lc_rs::signature::VerificationAlgorithm;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rcgen::KeyPair;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::error::KeyError;

/// Puppet's default RSA key length.
pub const DEFAULT_RSA_BITS: u32 = 4096;

/// What kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// ECDSA on NIST P-256 (Puppet's `key_type = ec`).
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// RSA with this many bits.
    Rsa {
        /// Modulus size, 2048 to 16384.
        bits: u32,
    },
}

impl Default for KeySpec {
    fn default() -> Self {
        KeySpec::Rsa {
            bits: DEFAULT_RSA_BITS,
        }
    }
}

/// Puppet's `key_type` setting: the algorithm of the keys Puppet generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `ec`: ECDSA on NIST P-256.
    Ec,
    /// `rsa`, the default, sized by `keylength`.
    Rsa,
}

impl KeySpec {
    /// From Puppet's `key_type` and `keylength` settings (RSA 4096 when both are unset).
    pub fn from_settings(
        key_type: Option<KeyType>,
        keylength: Option<u32>,
    ) -> Result<KeySpec, KeyError> {
        match key_type.unwrap_or(KeyType::Rsa) {
            KeyType::Rsa => {
                let bits = keylength.unwrap_or(DEFAULT_RSA_BITS);
                if !(2048..=16384).contains(&bits) {
                    return Err(KeyError::Unsupported {
                        reason: format!("RSA key length {bits}; use 2048 to 16384 bits"),
                    });
                }
                Ok(KeySpec::Rsa { bits })
            }
            KeyType::Ec => Ok(KeySpec::EcP256),
        }
    }
}

/// A private key usable for signing.
pub struct PrivateKey {
    openssl: PKey<Private>,
    signing: Arc<KeyPair>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("type", &self.description())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generate a new key.
    pub fn generate(spec: KeySpec) -> Result<PrivateKey, KeyError> {
        let failed = |e: openssl::error::ErrorStack| KeyError::Generate {
            reason: e.to_string(),
        };
        let openssl = match spec {
            KeySpec::Rsa { bits } => PKey::from_rsa(Rsa::generate(bits).map_err(failed)?),
            KeySpec::EcP256 | KeySpec::EcP384 => {
                let nid = if spec == KeySpec::EcP256 {
                    Nid::X9_62_PRIME256V1
                } else {
                    Nid::SECP384R1
                };
                let group = EcGroup::from_curve_name(nid).map_err(failed)?;
                PKey::from_ec_key(EcKey::generate(&group).map_err(failed)?)
            }
        }
        .map_err(failed)?;
        PrivateKey::from_openssl("generated key", openssl)
    }

    /// Load a key from PEM: PKCS#1 (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) or SEC1
    /// (`EC PRIVATE KEY`). `what` names the key in errors (usually its path). Encrypted keys are
    /// refused (never prompted for).
    pub fn from_pem(what: &str, pem: &[u8]) -> Result<PrivateKey, KeyError> {
        let openssl = PKey::private_key_from_pem_passphrase(pem, b"").map_err(|e| {
            let encrypted = String::from_utf8_lossy(pem).contains("ENCRYPTED");
            KeyError::Parse {
                what: what.into(),
                reason: if encrypted {
                    "the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)"
                        .into()
                } else {
                    first_reason(&e)
                },
            }
        })?;
        PrivateKey::from_openssl(what, openssl)
    }

    fn from_openssl(what: &str, openssl: PKey<Private>) -> Result<PrivateKey, KeyError> {
        match openssl.id() {
            Id::RSA => {
                let bits = openssl.bits();
                if bits < 2048 {
                    return Err(KeyError::Unsupported {
                        reason: format!("{what} is RSA {bits}; at least 2048 bits are required"),
                    });
                }
            }
            Id::EC => {}
            _ => {
                return Err(KeyError::Unsupported {
                    reason: format!("{what} is neither RSA nor EC"),
                })
            }
        }
        let pkcs8 = openssl
            .private_key_to_pkcs8()
            .map_err(|e| unreadable(what, &e))?;
        let signing = KeyPair::try_from(pkcs8.as_slice()).map_err(|e| KeyError::Unsupported {
            reason: format!("{what}: {e}"),
        })?;
        Ok(PrivateKey {
            openssl,
            signing: Arc::new(signing),
        })
    }

    /// The key as rcgen's signer.
    pub fn signing_key(&self) -> &KeyPair {
        &self.signing
    }

    /// The key as rcgen's signer, shared: for a signer that lives as long as the key (the CA's
    /// [`rcgen::Issuer`], made once instead of for each certificate).
    pub(crate) fn shared_signing_key(&self) -> SharedSigningKey {
        SharedSigningKey(self.signing.clone())
    }

    /// The OpenSSL key, for PKCS#12 export and certificate matching.
    pub fn openssl(&self) -> &PKey<Private> {
        &self.openssl
    }

    /// The PEM Puppet writes: PKCS#1 `RSA PRIVATE KEY` for RSA, SEC1 `EC PRIVATE KEY` for EC.
    pub fn to_pem(&self) -> Result<Vec<u8>, KeyError> {
        let encoded = if let Ok(rsa) = self.openssl.rsa() {
            rsa.private_key_to_pem()
        } else if let Ok(ec) = self.openssl.ec_key() {
            ec.private_key_to_pem()
        } else {
            self.openssl.private_key_to_pem_pkcs8()
        };
        encoded.map_err(|e| unreadable("key", &e))
    }

    /// The public key as a `PUBLIC KEY` (SubjectPublicKeyInfo) PEM.
    pub fn public_key_pem(&self) -> Result<Vec<u8>, KeyError> {
        self.openssl
            .public_key_to_pem()
            .map_err(|e| unreadable("public key", &e))
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        self.openssl
            .public_key_to_der()
            .map_err(|e| unreadable("public key", &e))
    }

    /// Whether `certificate_der` carries this key's public half.
    pub fn matches_certificate(&self, certificate_der: &[u8]) -> bool {
        openssl::x509::X509::from_der(certificate_der)
            .and_then(|cert| cert.public_key())
            .map(|public| public.public_eq(&self.openssl))
            .unwrap_or(false)
    }

    /// `RSA 4096`, `EC P-256`, ...
    pub fn description(&self) -> String {
        describe(&self.openssl)
    }
}

/// `RSA 4096`, `EC P-256`, ... for any OpenSSL key.
pub(crate) fn describe<T: openssl::pkey::HasPublic>(key: &PKey<T>) -> String {
    match key.id() {
        Id::RSA => format!("RSA {}", key.bits()),
        Id::EC => match key.ec_key().ok().and_then(|k| k.group().curve_name()) {
            Some(Nid::X9_62_PRIME256V1) => "EC P-256".into(),
            Some(Nid::SECP384R1) => "EC P-384".into(),
            Some(Nid::SECP521R1) => "EC P-521".into(),
            _ => "EC (unknown curve)".into(),
        },
        Id::DSA => format!("DSA {}", key.bits()),
        Id::ED25519 => "Ed25519".into(),
        other => format!("key type {}", other.as_raw()),
    }
}

/// Have aws-lc seed its random generator now, on another thread (once per process): its first
/// use samples CPU jitter for about 50 ms, which would otherwise hold up the first signature
/// or TLS handshake. Returns at once.
pub fn seed_random_generator() {
    static SEEDED: std::sync::Once = std::sync::Once::new();
    SEEDED.call_once(|| {
        std::thread::spawn(|| {
            use aws_lc_rs::rand::SecureRandom;
            let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut [0u8; 32]);
        });
    });
}

/// The aws-lc algorithm that verifies a signature (`signature_oid`, dotted) by the public key
/// `spki`, when the key is one the CA signs and the signature one agents make: RSA keys with
/// PKCS#1 v1.5 and SHA-256/384/512 (the algorithm itself refuses a modulus outside 2048 to
/// 8192 bits), EC P-256 and P-384 keys by curve name with ECDSA and SHA-256/384/512. `None`
/// for anything else (OpenSSL decides those).
pub(crate) fn verification_algorithm(
    spki: &SubjectPublicKeyInfo<'_>,
    signature_oid: &str,
) -> Option<&'static dyn VerificationAlgorithm> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA384_ASN1, ECDSA_P256_SHA512_ASN1,
        ECDSA_P384_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA512_ASN1,
        RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512,
    };
    const P256: &str = "1.2.840.10045.3.1.7";
    const P384: &str = "1.3.132.0.34";
    match spki.algorithm.algorithm.to_id_string().as_str() {
        // rsaEncryption
        "1.2.840.113549.1.1.1" => match signature_oid {
            "1.2.840.113549.1.1.11" => Some(&RSA_PKCS1_2048_8192_SHA256),
            "1.2.840.113549.1.1.12" => Some(&RSA_PKCS1_2048_8192_SHA384),
            "1.2.840.113549.1.1.13" => Some(&RSA_PKCS1_2048_8192_SHA512),
            _ => None,
        },
        // id-ecPublicKey, with the curve's name as parameters
        "1.2.840.10045.2.1" => {
            let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?;
            match (curve.to_id_string().as_str(), signature_oid) {
                (P256, "1.2.840.10045.4.3.2") => Some(&ECDSA_P256_SHA256_ASN1),
                (P256, "1.2.840.10045.4.3.3") => Some(&ECDSA_P256_SHA384_ASN1),
                (P256, "1.2.840.10045.4.3.4") => Some(&ECDSA_P256_SHA512_ASN1),
                (P384, "1.2.840.10045.4.3.2") => Some(&ECDSA_P384_SHA256_ASN1),
                (P384, "1.2.840.10045.4.3.3") => Some(&ECDSA_P384_SHA384_ASN1),
                (P384, "1.2.840.10045.4.3.4") => Some(&ECDSA_P384_SHA512_ASN1),
                _ => None,
            }
        }
        _ => None,
    }
}

/// OpenSSL could not read or encode the key `what`.
fn unreadable(what: &str, stack: &openssl::error::ErrorStack) -> KeyError {
    KeyError::Parse {
        what: what.into(),
        reason: first_reason(stack),
    }
}

/// The most useful line of an OpenSSL error stack.
pub(crate) fn first_reason(stack: &openssl::error::ErrorStack) -> String {
    stack
        .errors()
        .first()
        .and_then(|e| e.reason().map(str::to_owned))
        .unwrap_or_else(|| "not a valid key".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_and_round_trips_each_kind() {
        for (spec, header, description) in [
            (KeySpec::EcP256, "EC PRIVATE KEY", "EC P-256"),
            (KeySpec::EcP384, "EC PRIVATE KEY", "EC P-384"),
            (KeySpec::Rsa { bits: 2048 }, "RSA PRIVATE KEY", "RSA 2048"),
        ] {
            let key = PrivateKey::generate(spec).unwrap();
            let pem = key.to_pem().unwrap();
            assert!(String::from_utf8_lossy(&pem).contains(header));
            let again = PrivateKey::from_pem("test", &pem).unwrap();
            assert_eq!(again.description(), description);
            assert_eq!(
                again.public_key_der().unwrap(),
                key.public_key_der().unwrap()
            );
        }
    }

    #[test]
    fn loads_pkcs8() {
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let pkcs8 = key.openssl().private_key_to_pem_pkcs8().unwrap();
        assert!(String::from_utf8_lossy(&pkcs8).contains("BEGIN PRIVATE KEY"));
        PrivateKey::from_pem("pkcs8", &pkcs8).unwrap();
    }

    #[test]
    fn refuses_weak_garbage_and_encrypted() {
        let weak = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
        let pem = weak.private_key_to_pem_pkcs8().unwrap();
        let error = PrivateKey::from_pem("weak", &pem).unwrap_err().to_string();
        assert!(error.contains("at least 2048"), "{error}");

        let error = PrivateKey::from_pem("junk", b"hello")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("cannot read private key junk"), "{error}");

        let encrypted = weak
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
            .unwrap();
        let error = PrivateKey::from_pem("enc", &encrypted)
            .unwrap_err()
            .to_string();
        assert!(error.contains("encrypted"), "{error}");
    }

    #[test]
    fn key_spec_from_settings() {
        assert_eq!(
            KeySpec::from_settings(None, None).unwrap(),
            KeySpec::default()
        );
        assert_eq!(
            KeySpec::from_settings(Some(KeyType::Ec), None).unwrap(),
            KeySpec::EcP256
        );
        assert!(KeySpec::from_settings(Some(KeyType::Rsa), Some(1024)).is_err());
        // An unknown key_type such as `dsa` is refused when puppet.conf is resolved
        // (settings::resolve, `bad_values_name_the_setting`); here only the RSA size is checked.
        assert!(KeySpec::from_settings(None, Some(16_385)).is_err());
    }
}

/// A [`PrivateKey`]'s signer, shared ([`PrivateKey::shared_signing_key`]).
#[derive(Clone)]
pub(crate) struct SharedSigningKey(Arc<KeyPair>);

impl rcgen::PublicKeyData for SharedSigningKey {
    fn der_bytes(&self) -> &[u8] {
        self.0.der_bytes()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.0.algorithm()
    }
}

impl rcgen::SigningKey for SharedSigningKey {
    /// Sign, and count the signature and the CPU its thread spent in it
    /// ([`ca_signatures`]).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let started = thread_cpu_nanos();
        let signed = self.0.sign(message);
        let spent = thread_cpu_nanos().saturating_sub(started);
        SIGNATURES.fetch_add(1, Ordering::Relaxed);
        SIGNATURE_CPU_NANOS.fetch_add(spent, Ordering::Relaxed);
        signed
    }
}

/// Signatures this process made with a CA's key (certificates, CRLs, CA certificates).
static SIGNATURES: AtomicU64 = AtomicU64::new(0);
/// The CPU time the signing threads spent in them, ns.
static SIGNATURE_CPU_NANOS: AtomicU64 = AtomicU64::new(0);

/// How many signatures this process made with a CA's key, and the CPU time (of the threads
/// that made them) they took: what the daemon's metrics show, so that the CPU of the rest of
/// its work can be told from the signatures'.
pub fn ca_signatures() -> (u64, std::time::Duration) {
    (
        SIGNATURES.load(Ordering::Relaxed),
        std::time::Duration::from_nanos(SIGNATURE_CPU_NANOS.load(Ordering::Relaxed)),
    )
}

/// The CPU time of the calling thread, ns.
fn thread_cpu_nanos() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}
