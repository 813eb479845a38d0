//! What a run trusts, and the check every certificate passes before it is written: the CA
//! bundle pinned in the ssldir (taken unverified on first contact and checked against
//! `--ca-fingerprint` when one is given; later runs must be offered the very same bundle, or
//! the same CA re-issued: [`accepts_reissue`]; with `ca_refresh_interval`, asked again only
//! once it has passed, with If-Modified-Since), the CA's CRL chain (`revocation.rs`), and
//! [`Anchors::check`] (our key, our name, not revoked, chains to the pinned CA).
//!
//! It writes the CA bundle and the CRL only through `Ssldir`; it makes no keys or requests (the
//! agent's `enroll` and `renew` modules do).

use std::time::SystemTime;

use openssl::pkey::{PKey, Public};
use openssl::x509::X509;

use crate::certificate::{self, Certificate, Digest};
use crate::certname::Certname;
use crate::crl::Crl;
use crate::error::{AgentError, Error, KeyError};
use crate::keys::PrivateKey;
use crate::ssldir::TrustFile;

use super::api;
use super::http::Trust;
use super::progress::{date, Progress};
use super::revocation::{crl_ders, if_modified_since};
use super::Agent;

/// The pinned CA: its PEM bundle and parsed certificates (issuing CA first).
pub(super) struct PinnedCa {
    pem: Vec<u8>,
    der: Vec<Vec<u8>>,
    pub(super) chain: Vec<Certificate>,
}

impl PinnedCa {
    /// Verify the server against this CA and `crls` (DER), without a client certificate.
    pub(super) fn trust<'a>(&'a self, crls: &'a [Vec<u8>]) -> Trust<'a> {
        Trust::Pinned {
            ca: &self.der,
            crls,
            client: None,
        }
    }
}

/// What this run trusts: the pinned CA and its current CRL chain.
pub(super) struct Anchors {
    ca: PinnedCa,
    crl_pem: Vec<u8>,
    crls: Vec<Crl>,
    crl_der: Vec<Vec<u8>>,
}

impl Anchors {
    fn new(ca: PinnedCa, crl_pem: Vec<u8>, crls: Vec<Crl>) -> Anchors {
        let crl_der = crl_ders(&crls);
        Anchors {
            ca,
            crl_pem,
            crls,
            crl_der,
        }
    }

    /// Verify the server against the pinned CA and the current CRLs.
    pub(super) fn trust(&self) -> Trust<'_> {
        self.ca.trust(&self.crl_der)
    }

    /// As [`Anchors::trust`], presenting `cert` and its `key` as the client certificate.
    pub(super) fn trust_as(
        &self,
        key: &PrivateKey,
        cert: &Certificate,
    ) -> Result<Trust<'_>, Error> {
        let pkcs8 = key
            .openssl()
            .private_key_to_pkcs8()
            .map_err(|e| KeyError::Parse {
                what: "private key".into(),
                reason: e.to_string(),
            })?;
        Ok(Trust::Pinned {
            ca: &self.ca.der,
            crls: &self.crl_der,
            client: Some((vec![cert.der().to_vec()], pkcs8)),
        })
    }

    /// Check a certificate for `name` (`what` says where it came from) before trusting it: it
    /// carries our `key`, names us, is not revoked, and chains to the pinned CA under its CRLs
    /// (checked by OpenSSL, as Puppet does).
    pub(super) fn check(
        &self,
        name: &Certname,
        what: &str,
        cert: &Certificate,
        key: &PrivateKey,
    ) -> Result<(), Error> {
        if !key.matches_certificate(cert.der()) {
            return Err(AgentError::KeyMismatch {
                name: name.to_string(),
                what: what.to_owned(),
            }
            .into());
        }
        if cert.common_name != name.as_str() {
            return Err(AgentError::Untrusted {
                what: format!("the certificate {what}"),
                reason: format!("it is for {:?}, not {name}", cert.common_name),
            }
            .into());
        }
        if let Some(serial) = cert.serial {
            if self
                .crls
                .iter()
                .any(|crl| crl.issuer == cert.issuer && crl.is_revoked(serial))
            {
                return Err(AgentError::Revoked {
                    name: name.to_string(),
                    serial: serial.to_string(),
                }
                .into());
            }
        }
        certificate::verify_with_openssl(cert, &self.ca.chain, &self.crl_pem).map_err(|e| {
            Error::from(AgentError::Untrusted {
                what: format!("the certificate {what}"),
                reason: e.to_string(),
            })
        })
    }
}

impl Agent {
    /// Pin the CA and refresh the CRL, writing what changed into the ssldir. Returns what this
    /// run trusts, and whether the CA certificate or the CRL was written.
    pub(super) fn refresh_trust(
        &self,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(Anchors, bool), Error> {
        let stored_crls = self.stored_crls();
        let (ca, ca_is_new) = self.pin_ca(&stored_crls, progress)?;
        let crl = self.fetch_crl(&ca, &stored_crls)?;
        if ca_is_new {
            self.ssldir.write_ca_and_crl(&ca.pem, &crl.pem)?;
        } else if crl.is_new {
            self.ssldir.write_crl(&crl.pem)?;
        }
        let changed = ca_is_new || crl.is_new;
        if changed {
            if let Some(time) = crl.last_modified {
                self.ssldir.set_crl_modified(time)?;
            }
            progress(Progress::CrlUpdated {
                number: crl.crls.first().and_then(|c| c.number),
            });
        }
        Ok((Anchors::new(ca, crl.pem, crl.crls), changed))
    }

    /// The CA bundle: the pinned one, checked against what the server offers now; or, on first
    /// contact, what the server offers, unverified (and checked against `--ca-fingerprint`).
    /// `stored_crls` check the server's TLS certificate. The flag says whether it is new.
    fn pin_ca(
        &self,
        stored_crls: &[Vec<u8>],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(PinnedCa, bool), Error> {
        match self.ssldir.ca_certificate()? {
            // Checked within `ca_refresh_interval`: the pinned bundle as it is (the
            // TLS layer still checks the server against it on every request).
            Some(pem) if self.checked_recently(TrustFile::CaCertificate) => {
                let path = self.ssldir.ca_certificate_path().display().to_string();
                let pinned = parse_ca(&path, pem)
                    .map_err(|reason| Error::from(AgentError::Untrusted { what: path, reason }))?;
                Ok((pinned, false))
            }
            Some(pem) => self.still_offered(pem, stored_crls, progress),
            None => Ok((self.first_contact(progress)?, true)),
        }
    }

    /// The pinned bundle `pem`, once the server proved it still has it: its TLS certificate
    /// chains to it and `certificate/ca` is the very same bundle; or the bundle the server
    /// offers instead, when it is the same CA re-issued ([`accepts_reissue`]; flagged new).
    fn still_offered(
        &self,
        pem: Vec<u8>,
        stored_crls: &[Vec<u8>],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(PinnedCa, bool), Error> {
        let server = self.server();
        let mut request = api::get("certificate/ca");
        // With `ca_refresh_interval`, as Puppet 8 asks: unchanged since our copy, the CA
        // answers 304. Without it every run compares the whole bundle, so that a `ca.pem`
        // copied in later than the CA changed (its time then says nothing of the CA's
        // version) still meets a re-issued CA.
        if self.config.ca_refresh_interval.is_some() {
            if let Some(date) = self
                .ssldir
                .ca_certificate_modified()
                .and_then(if_modified_since)
            {
                request = request.header("If-Modified-Since", date);
            }
        }
        let path = self.ssldir.ca_certificate_path();
        let pinned = parse_ca(&path.display().to_string(), pem).map_err(|reason| {
            Error::from(AgentError::Untrusted {
                what: path.display().to_string(),
                reason,
            })
        })?;
        let offered = match self.send(&pinned.trust(stored_crls), &request) {
            Ok(response) => response,
            // The server's TLS certificate does not chain to the pinned CA: see whether
            // the CA itself changed, to say so plainly.
            Err(Error::Agent(AgentError::Untrusted { what, reason })) => {
                let response = self.send(&Trust::FirstContact, &request)?;
                if let Ok(other) = parse_ca(&server, response.body) {
                    if other.der != pinned.der && !accepts_reissue(&pinned, &other) {
                        return Err(ca_changed(&server, path, &pinned, &other));
                    }
                }
                return Err(AgentError::Untrusted { what, reason }.into());
            }
            Err(error) => return Err(error),
        };
        if offered.status == 304 {
            self.ssldir.mark_checked(TrustFile::CaCertificate)?;
            return Ok((pinned, false));
        }
        if offered.status != 200 {
            return Err(self.unexpected(&request, &offered));
        }
        let other = self.offered_ca(offered.body)?;
        if other.der == pinned.der {
            self.ssldir.mark_checked(TrustFile::CaCertificate)?;
            return Ok((pinned, false));
        }
        if accepts_reissue(&pinned, &other) {
            progress(Progress::CaRenewed {
                fingerprint: certificate::fingerprint(&other.der[0], Digest::Sha256),
                not_after: date(other.chain[0].not_after),
            });
            return Ok((other, true));
        }
        Err(ca_changed(&server, path, &pinned, &other))
    }

    /// The server's CA bundle, unverified, on first contact; it must have the fingerprint
    /// `--ca-fingerprint` asks for.
    fn first_contact(&self, progress: &mut dyn FnMut(Progress)) -> Result<PinnedCa, Error> {
        let request = api::get("certificate/ca");
        let response = self.send(&Trust::FirstContact, &request)?;
        if response.status != 200 {
            return Err(AgentError::NotPuppetCa {
                server: self.server(),
                reason: format!(
                    "GET {} answered {} {}",
                    request.path,
                    response.status,
                    response.body_line()
                ),
            }
            .into());
        }
        let pinned = self.offered_ca(response.body)?;
        let fingerprint = certificate::fingerprint(&pinned.der[0], Digest::Sha256);
        if let Some(expected) = &self.config.ca_fingerprint {
            if normalize_fingerprint(expected) != normalize_fingerprint(&fingerprint) {
                return Err(AgentError::CaFingerprint {
                    server: self.server(),
                    expected: expected.clone(),
                    actual: fingerprint,
                }
                .into());
            }
        }
        progress(Progress::CaPinned { fingerprint });
        Ok(pinned)
    }

    /// The CA bundle in the server's answer to `GET certificate/ca`.
    fn offered_ca(&self, body: Vec<u8>) -> Result<PinnedCa, Error> {
        let server = self.server();
        parse_ca(&server, body).map_err(|reason| AgentError::NotPuppetCa { server, reason }.into())
    }

    /// Whether `file` was checked with the CA within its refresh interval (never without
    /// one: then every run asks).
    pub(super) fn checked_recently(&self, file: TrustFile) -> bool {
        let interval = match file {
            TrustFile::CaCertificate => self.config.ca_refresh_interval,
            TrustFile::Crl => self.config.crl_refresh_interval,
        };
        interval.is_some_and(|interval| {
            self.ssldir
                .checked_within(file, interval, SystemTime::now())
        })
    }
}

fn parse_ca(what: &str, pem: Vec<u8>) -> Result<PinnedCa, String> {
    let der = certificate::pem_chain(what, &pem, "CERTIFICATE").map_err(|e| e.to_string())?;
    let chain = der
        .iter()
        .map(|d| Certificate::from_der(what, d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if !chain.iter().all(|c| c.is_ca) {
        return Err("its certificate/ca is not a CA certificate".into());
    }
    Ok(PinnedCa { pem, der, chain })
}

/// Whether `offered` is the pinned CA re-issued (`cert extend-ca`, puppetlabs-ca_extend), so
/// that it may replace the pinned bundle: every certificate in it has the public key of a
/// pinned certificate, or is signed by one. A bundle from another key is not.
fn accepts_reissue(pinned: &PinnedCa, offered: &PinnedCa) -> bool {
    let keys: Vec<Vec<u8>> = pinned
        .chain
        .iter()
        .filter_map(|c| c.public_key_der().ok())
        .collect();
    let signers: Vec<PKey<Public>> = pinned
        .der
        .iter()
        .filter_map(|der| X509::from_der(der).ok()?.public_key().ok())
        .collect();
    !offered.chain.is_empty()
        && offered.der.iter().zip(&offered.chain).all(|(der, cert)| {
            let same_key = cert.public_key_der().is_ok_and(|key| keys.contains(&key));
            let signed_by_pinned = X509::from_der(der)
                .is_ok_and(|x509| signers.iter().any(|key| x509.verify(key).unwrap_or(false)));
            same_key || signed_by_pinned
        })
}

fn ca_changed(
    server: &str,
    path: std::path::PathBuf,
    pinned: &PinnedCa,
    other: &PinnedCa,
) -> Error {
    AgentError::CaChanged {
        server: server.to_owned(),
        path,
        pinned: certificate::fingerprint(&pinned.der[0], Digest::Sha256),
        offered: certificate::fingerprint(&other.der[0], Digest::Sha256),
    }
    .into()
}

/// Fingerprints compare without colons, case or a `SHA256:` label.
fn normalize_fingerprint(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("SHA256:")
        .or_else(|| text.strip_prefix("sha256:"))
        .or_else(|| text.strip_prefix("(SHA256)"))
        .unwrap_or(text);
    text.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use time::OffsetDateTime;

    use super::*;
    use crate::authority::{Authority, Validity, CA_TTL};
    use crate::certificate::Serial;
    use crate::keys::KeySpec;

    fn pinned(certificates: &[&Certificate]) -> PinnedCa {
        let pem: String = certificates.iter().map(|c| c.to_pem()).collect();
        parse_ca("bundle", pem.into_bytes()).unwrap()
    }

    #[test]
    fn a_re_issued_bundle_is_accepted_and_another_key_is_not() {
        let now = OffsetDateTime::now_utc();
        let root_key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let root_pem = root_key.to_pem().unwrap();
        let validity = Validity::new(now, Duration::from_secs(86_400)).unwrap();
        let root = Authority::create_self_signed("Root", root_key, Serial(1), validity).unwrap();
        let intermediate = root
            .create_intermediate(
                "Puppet CA: t",
                PrivateKey::generate(KeySpec::EcP256).unwrap(),
                Serial(2),
                validity,
            )
            .unwrap();
        let old = pinned(&[&intermediate.chain()[0], &intermediate.chain()[1]]);
        let root_key = PrivateKey::from_pem("root", &root_pem).unwrap();
        let longer = Validity::new(now, CA_TTL).unwrap();
        let reissue = |cert: &Certificate, serial| {
            crate::reissue::reissue(cert, &root_key, Serial(serial), longer).unwrap()
        };
        let new_intermediate = reissue(&intermediate.chain()[0], 2);
        let new_root = reissue(&intermediate.chain()[1], 3);
        assert!(accepts_reissue(
            &old,
            &pinned(&[&new_intermediate, &new_root])
        ));
        // A new intermediate key signed by the pinned root: signed by a pinned one.
        let rolled = root
            .create_intermediate(
                "Puppet CA: t",
                PrivateKey::generate(KeySpec::EcP256).unwrap(),
                Serial(4),
                validity,
            )
            .unwrap();
        assert!(accepts_reissue(
            &old,
            &pinned(&[&rolled.chain()[0], &new_root])
        ));
        // Another CA altogether.
        let other = Authority::create_self_signed(
            "Puppet CA: t",
            PrivateKey::generate(KeySpec::EcP256).unwrap(),
            Serial(1),
            validity,
        )
        .unwrap();
        assert!(!accepts_reissue(&old, &pinned(&[other.certificate()])));
        assert!(!accepts_reissue(
            &old,
            &pinned(&[&new_intermediate, other.certificate()])
        ));
    }

    #[test]
    fn fingerprints_and_dates() {
        assert_eq!(normalize_fingerprint("sha256:ab:CD:01"), "ABCD01");
        assert_eq!(normalize_fingerprint("ABCD01"), "ABCD01");
        let epoch = UNIX_EPOCH + Duration::from_secs(784111777);
        assert_eq!(
            if_modified_since(epoch).as_deref(),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(if_modified_since(UNIX_EPOCH - Duration::from_secs(1)), None);
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(if_modified_since(far), None);
        let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
        assert_eq!(
            if_modified_since(last).as_deref(),
            Some("Fri, 31 Dec 9999 23:59:59 GMT")
        );
    }
}
