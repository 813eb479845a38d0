//! Requests as agents, OpenSSL and puppetserver make them, and the ones the CA must refuse.

use super::*;
use crate::keys::KeySpec;

fn name(text: &str) -> Certname {
    Certname::parse(text).unwrap()
}

#[test]
fn generate_takes_prefixed_alt_names() {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let alt_names: Vec<String> = ["IP:127.0.0.1", "DNS:x.example", "dns:node1", "ip:::1"]
        .map(String::from)
        .to_vec();
    let csr = Csr::generate(&name("node1"), &key, &alt_names, &[]).unwrap();
    let names: Vec<String> = csr.alt_names().iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        ["DNS:node1", "IP:127.0.0.1", "DNS:x.example", "IP:::1"]
    );
    let error = Csr::generate(&name("node1"), &key, &["IP:web".into()], &[]).unwrap_err();
    assert!(error.to_string().contains("not an IP address"), "{error}");
}

/// The runbook's `--dns_alt_names puppetca:puppet` names what was typed and the
/// comma-separated list it meant; alt names the policy never signs fail here, before any
/// key or CA exists.
#[test]
fn typed_alt_names_are_checked_as_the_policy_would() {
    let list = |alt: &str| parse_alt_names(&[alt.to_owned()]).map_err(|e| e.to_string());
    assert_eq!(
        list("puppetca:puppet"),
        Err(
            "invalid alt name \"puppetca:puppet\": alt names are comma-separated \
             (--dns_alt_names puppetca,puppet)"
                .into()
        )
    );
    assert!(list("DNS:a:b")
        .unwrap_err()
        .contains("(--dns_alt_names a,b)"));
    assert!(list("*.example.com").unwrap_err().contains("wildcard"));
    assert!(list("Puppet").unwrap_err().contains("lower case"));
    assert!(list("a b").unwrap_err().contains("not a DNS name"));
    assert_eq!(list("::1"), Ok(vec![AltName::Ip("::1".parse().unwrap())]));
    assert_eq!(list("DNS:ca"), Ok(vec![AltName::Dns("ca".into())]));
}

#[test]
fn generated_csr_round_trips() {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let csr = Csr::generate(
        &name("node1.example.com"),
        &key,
        &["puppet".into(), "10.0.0.1".into()],
        &[(vec![1, 3, 6, 1, 4, 1, 34380, 1, 1, 13], "web".into())],
    )
    .unwrap();
    let again = Csr::from_pem(csr.to_pem().as_bytes()).unwrap();
    assert_eq!(again.common_name(), "node1.example.com");
    let names: Vec<String> = again.alt_names().iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        ["DNS:node1.example.com", "DNS:puppet", "IP:10.0.0.1"]
    );
    assert_eq!(again.extra_alt_names().len(), 2);
    assert_eq!(again.extensions()[0].name(), "pp_role");
    assert_eq!(again.extensions()[0].value_text(), "web");
    again.check_name(&name("node1.example.com")).unwrap();
    let error = again.check_name(&name("other")).unwrap_err().to_string();
    assert!(error.contains("does not match requested key"), "{error}");
}

/// The attribute by which an agent says it renews itself.
#[test]
fn auto_renew_attribute_is_read() {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let plain = Csr::generate(&name("node1"), &key, &[], &[]).unwrap();
    assert!(!plain.renews_automatically());
    let renewing = Csr::generate_with_attributes(
        &name("node1"),
        &key,
        &[],
        &[],
        &[(extension::PP_AUTH_AUTO_RENEW.to_vec(), "true".into())],
    )
    .unwrap();
    let again = Csr::from_pem(renewing.to_pem().as_bytes()).unwrap();
    assert!(again.renews_automatically(), "{:?}", again.attributes());
    assert_eq!(again.attributes()[0].value, "true");
}

#[test]
fn tampered_csr_is_refused() {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let csr = Csr::generate(&name("aaaa.example.com"), &key, &[], &[]).unwrap();
    let mut der = csr.der().to_vec();
    let at = der.windows(4).position(|w| w == b"aaaa").unwrap();
    der[at] = b'b';
    assert_eq!(Csr::from_der(&der).unwrap_err(), CsrError::Signature);
}

/// aws-lc verifies the requests agents make; what it does not take (another
/// digest, a key the CA refuses, a bad signature) OpenSSL decides, as it did before.
#[test]
fn aws_lc_verifies_what_agents_send_and_openssl_the_rest() {
    for spec in [
        KeySpec::Rsa { bits: 2048 },
        KeySpec::EcP256,
        KeySpec::EcP384,
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let csr = Csr::generate(&name("aaaa.example.com"), &key, &[], &[]).unwrap();
        let (_, request) = X509CertificationRequest::from_der(csr.der()).unwrap();
        let oid = request.signature_algorithm.algorithm.to_id_string();
        let spki = &request.certification_request_info.subject_pki;
        assert!(
            keys::verification_algorithm(spki, &oid).is_some(),
            "{spec:?}"
        );
        let mut der = csr.der().to_vec();
        let at = der.windows(4).position(|w| w == b"aaaa").unwrap();
        der[at] = b'b';
        assert_eq!(Csr::from_der(&der).unwrap_err(), CsrError::Signature);
    }

    let openssl_request = |bits: Option<u32>, digest: openssl::hash::MessageDigest| {
        let key = match bits {
            Some(bits) => PKey::from_rsa(openssl::rsa::Rsa::generate(bits).unwrap()),
            None => PrivateKey::generate(KeySpec::EcP256)
                .unwrap()
                .openssl()
                .ec_key()
                .and_then(PKey::from_ec_key),
        }
        .unwrap();
        let mut subject = openssl::x509::X509NameBuilder::new().unwrap();
        subject.append_entry_by_text("CN", "node1").unwrap();
        let mut builder = openssl::x509::X509ReqBuilder::new().unwrap();
        builder.set_subject_name(&subject.build()).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder.sign(&key, digest).unwrap();
        builder.build().to_der().unwrap()
    };
    // ECDSA with SHA-224: not one aws-lc is asked about, verified by OpenSSL.
    let sha224 = openssl_request(None, openssl::hash::MessageDigest::sha224());
    let (_, request) = X509CertificationRequest::from_der(&sha224).unwrap();
    let oid = request.signature_algorithm.algorithm.to_id_string();
    assert!(
        keys::verification_algorithm(&request.certification_request_info.subject_pki, &oid)
            .is_none()
    );
    assert_eq!(Csr::from_der(&sha224).unwrap().common_name(), "node1");
    // A key the CA refuses: OpenSSL's refusal, word for word.
    let small = openssl_request(Some(1024), openssl::hash::MessageDigest::sha256());
    assert_eq!(
        Csr::from_der(&small).unwrap_err().to_string(),
        CsrError::WeakKey {
            reason: "RSA 1024; the CA signs RSA of 2048 bits or more, EC P-256 and EC P-384".into()
        }
        .to_string()
    );
}

#[test]
fn garbage_is_malformed() {
    for input in [
        &b""[..],
        b"garbage",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ] {
        let error = Csr::from_pem(input).unwrap_err();
        assert!(matches!(error, CsrError::Malformed { .. }), "{error}");
    }
    let big = vec![b'A'; MAX_SIZE + 1];
    assert!(matches!(
        Csr::from_pem(&big),
        Err(CsrError::TooLarge { .. })
    ));
}
