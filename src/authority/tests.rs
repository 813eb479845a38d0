//! The authority's signatures: what a leaf, a CA and a renewal carry, and what it refuses.

use super::*;
use crate::keys::KeySpec;

fn name(text: &str) -> Certname {
    Certname::parse(text).unwrap()
}

fn ca() -> Authority {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    Authority::create_self_signed(
        "Puppet CA: test",
        key,
        Serial(1),
        Validity::new(OffsetDateTime::now_utc(), CA_TTL).unwrap(),
    )
    .unwrap()
}

#[test]
fn issues_what_puppetserver_issues() {
    let ca = ca();
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let csr = Csr::generate(&name("node1.example.com"), &key, &[], &[]).unwrap();
    let now = OffsetDateTime::now_utc();
    let cert = ca
        .issue(
            &name("node1.example.com"),
            &csr,
            &Policy::default(),
            Serial(7),
            Validity::new(now, DEFAULT_TTL).unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(cert.common_name, "node1.example.com");
    assert_eq!(cert.serial, Some(Serial(7)));
    assert!(!cert.is_ca);
    assert_eq!(
        cert.alt_names,
        vec![AltName::Dns("node1.example.com".into())]
    );
    assert!(key.matches_certificate(cert.der()));
    let critical: Vec<String> = cert
        .extensions
        .iter()
        .filter(|e| e.critical)
        .map(|e| e.dotted_oid())
        .collect();
    for oid in ["2.5.29.19", "2.5.29.15", "2.5.29.37"] {
        assert!(
            critical.contains(&oid.to_string()),
            "{oid} critical in {critical:?}"
        );
    }
}

/// A leaf never outlives its CA; a CA past its end signs nothing.
#[test]
fn validity_is_capped_at_the_cas_own() {
    let ca = ca();
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let n = name("long.example.com");
    let csr = Csr::generate(&n, &key, &[], &[]).unwrap();
    let now = OffsetDateTime::now_utc();
    let sign = |ttl, serial| {
        ca.issue(
            &n,
            &csr,
            &Policy::default(),
            Serial(serial),
            Validity::new(now, ttl).unwrap(),
            false,
        )
    };
    let short = sign(DEFAULT_TTL, 2).unwrap();
    assert!(short.not_after < ca.certificate().not_after);
    assert_eq!(ca.capped_lifetime(&short), None);
    let long = sign(MAX_TTL, 3).unwrap();
    assert_eq!(long.not_after, ca.certificate().not_after);
    let warning = ca.capped_lifetime(&long).unwrap();
    assert!(warning.contains("expires before the lifetime"), "{warning}");

    let old = Authority::create_self_signed(
        "Puppet CA: old",
        PrivateKey::generate(KeySpec::EcP256).unwrap(),
        Serial(1),
        Validity::new(now - time::Duration::days(30), Duration::from_secs(86_400)).unwrap(),
    )
    .unwrap();
    let error = old
        .issue(
            &n,
            &csr,
            &Policy::default(),
            Serial(2),
            Validity::new(now, DEFAULT_TTL).unwrap(),
            false,
        )
        .unwrap_err();
    assert!(error.to_string().contains("expired on"), "{error}");
}

/// Renewal puts the old certificate through the policy; only the CA server's own
/// certificate keeps `pp_cli_auth`.
#[test]
fn renewal_goes_through_the_policy() {
    let ca = ca();
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let n = name("alt.example.com");
    let csr = Csr::generate(&n, &key, &["other.example.com".into()], &[]).unwrap();
    let now = OffsetDateTime::now_utc();
    let validity = Validity::new(now, DEFAULT_TTL).unwrap();
    let with_alt_names = ca
        .issue(&n, &csr, &Policy::PERMISSIVE, Serial(2), validity, true)
        .unwrap();
    let error = ca
        .renew(
            &with_alt_names,
            Serial(3),
            validity,
            &Policy::default(),
            false,
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("subject alternative names"),
        "{error}"
    );
    let error = ca
        .renew(
            &with_alt_names,
            Serial(3),
            validity,
            &Policy::PERMISSIVE,
            false,
        )
        .unwrap_err();
    assert!(error.to_string().contains("pp_cli_auth"), "{error}");
    let own = ca
        .renew(
            &with_alt_names,
            Serial(4),
            validity,
            &Policy::PERMISSIVE,
            true,
        )
        .unwrap();
    assert_eq!(
        own.authorization_extensions(),
        vec![("pp_cli_auth".to_string(), "true".to_string())]
    );
}

#[test]
fn ttl_over_fifty_years_is_refused() {
    let error =
        Validity::new(OffsetDateTime::now_utc(), MAX_TTL + Duration::from_secs(1)).unwrap_err();
    assert!(error.to_string().contains("50 years"));
}
