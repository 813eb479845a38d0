//! The rules of enrolment tokens, on values: shapes, hashes, globs, grants and checks.

use super::*;

fn name(text: &str) -> Certname {
    Certname::parse(text).unwrap()
}

fn token(byte: u8) -> Token {
    Token::from_random(&[byte; TOKEN_BYTES])
}

#[test]
fn a_token_is_printable_hex_and_only_its_hash_is_kept() {
    let one = token(0xab);
    assert_eq!(one.expose().len(), PREFIX.len() + 64);
    assert!(one.expose().starts_with("cert-abab"));
    assert_eq!(Token::parse(one.expose()), Some(one.clone()));
    assert_eq!(one.hash().len(), 64);
    assert!(!one.hash().contains(&one.expose()[PREFIX.len()..]));
    assert_ne!(one.hash(), token(0xac).hash());
    assert_eq!(one.id(), one.hash()[..12]);
    assert_eq!(format!("{one:?}"), format!("Token({}..)", one.id()));
    let upper = one.expose().to_uppercase();
    for bad in [
        "",
        "cert-",
        &upper,
        &one.expose()[1..],
        "342thbjkt82094y0ut",
    ] {
        assert_eq!(Token::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn globs_match_what_they_read_as() {
    let table: &[(&str, &str, bool)] = &[
        ("*", "anything.example.com", true),
        ("web1.example.com", "web1.example.com", true),
        ("web1.example.com", "web10.example.com", false),
        ("*.example.com", "a.example.com", true),
        ("*.example.com", "x.y.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "xexample.com", false),
        ("web*.example.com", "web1.example.com", true),
        ("web*.example.com", "web.example.com", true),
        ("web*.example.com", "db1.example.com", false),
        ("web*.example.com", "db-web1.example.com", false),
        ("web*.example.com", "web1.example.org", false),
    ];
    for (glob, certname, expected) in table {
        let parsed = Glob::parse(glob).unwrap();
        assert_eq!(
            parsed.matches(&name(certname)),
            *expected,
            "{glob} ~ {certname}"
        );
    }
    for bad in [
        "",
        "Web*.example.com",
        "w*b.example.com",
        "a.*.example.com",
        "*.*.com",
        "web*",
        "we b*.example.com",
        "*.exa mple.com",
        "ca",
    ] {
        assert!(Glob::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_grant_is_checked_and_recorded_without_its_token() {
    let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let grant = Grant::new("web*.example.com", None, None, Some(" ci run 7 ")).unwrap();
    assert_eq!((grant.lifetime, grant.uses), (DEFAULT_TTL, 1));
    assert_eq!(grant.comment, "ci run 7");
    let record = grant.record(&token(1), "cli:alice", now);
    assert_eq!(record.hash, token(1).hash());
    assert_eq!(record.expires, now + DEFAULT_TTL);
    assert_eq!((record.uses, record.uses_left), (1, 1));
    for (ttl, uses, comment) in [
        (Some(Duration::ZERO), None, None),
        (Some(MAX_TTL + Duration::from_secs(1)), None, None),
        (None, Some(0), None),
        (None, Some(u64::from(MAX_USES) + 1), None),
        (None, None, Some("two\nlines")),
    ] {
        assert!(Grant::new("*", ttl, uses, comment).is_err());
    }
    assert!(Grant::new("*", Some(MAX_TTL), Some(u64::from(MAX_USES)), None).is_ok());
}

#[test]
fn a_presented_token_grants_a_matching_name_until_it_ends() {
    let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let grant = Grant::new("web*.example.com", None, Some(2), None).unwrap();
    let presented = token(1);
    let record = grant.record(&presented, "cli:alice", now);
    let web = name("web1.example.com");
    let judged = |record: &TokenRecord, name: &Certname, at, taken| {
        check(&presented, Some(record), name, at, taken)
    };
    let valid = judged(&record, &web, now, 0);
    assert!(valid.grants());
    assert_eq!(
        valid.to_string(),
        format!(
            "enrolment token {} for \"web*.example.com\" grants it (1 use left)",
            presented.id()
        )
    );
    assert!(judged(&record, &web, now, 1).grants());
    assert!(matches!(
        judged(&record, &web, now, 2),
        Check::UsedUp { .. }
    ));
    assert!(matches!(
        judged(&record, &name("db1.example.com"), now, 0),
        Check::NameMismatch { .. }
    ));
    let later = now + DEFAULT_TTL;
    assert!(matches!(
        judged(&record, &web, later, 0),
        Check::Expired { .. }
    ));
    let revoked = TokenRecord {
        revoked: Some(now),
        ..record.clone()
    };
    assert!(matches!(
        judged(&revoked, &web, now, 0),
        Check::Revoked { .. }
    ));
    assert_eq!(Status::of(&revoked, later), Status::Revoked);
    assert_eq!(Status::of(&record, later), Status::Expired);
    assert_eq!(Status::of(&record, now), Status::Active);
    let spent = TokenRecord {
        uses_left: 0,
        ..record.clone()
    };
    assert_eq!(Status::of(&spent, now), Status::UsedUp);
    let unknown = check(&token(2), Some(&record), &web, now, 0);
    assert_eq!(unknown, Check::Unknown { id: token(2).id() });
    assert!(check(&token(2), None, &web, now, 0).id() == token(2).id());
    assert!(!droppable(&record, later));
    assert!(droppable(&record, later + RETENTION));
}
