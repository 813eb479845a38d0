//! Hostile input: a seeded random generator for property tests and the corpus of bad files
//! in tests/fixtures/bad/ with what the CA must do with each.

use std::path::{Path, PathBuf};

/// A tiny xorshift generator (no dependency): seeded from `CERT_TEST_SEED` or the clock; the
/// seed is printed so a failure can be replayed.
pub struct Random(u64);

impl Random {
    pub fn new(what: &str) -> Random {
        let seed = std::env::var("CERT_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("{what}: CERT_TEST_SEED={seed}");
        Random(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// What the CA must do with a file of the hostile corpus (tests/fixtures/bad/).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// Refused when submitted, with this fragment in the message; nothing written. Issue 12:
    /// everything no setting or flag could ever let the CA sign is refused here, with the
    /// message signing would give.
    RefusedAtSubmit(&'static str),
    /// Queued (a setting an administrator can turn on would let it through), then refused when
    /// signed with --allow-dns-alt-names, with this fragment.
    RefusedAtSign(&'static str),
    /// Signed, with only the extensions the CA chooses.
    Signed,
}

/// The hostile corpus: (file in tests/fixtures/bad/, expected outcome). Shared by the CLI test
/// (tests/hostile_cli.rs) and the daemon's (tests/hostile_serve.rs).
pub fn hostile_corpus() -> Vec<(&'static str, Hostile)> {
    use Hostile::{RefusedAtSign, RefusedAtSubmit, Signed};
    vec![
        (
            "auth-ext.pem",
            RefusedAtSign("authorization extension (pp_auth_role)"),
        ),
        (
            "ca.pem",
            RefusedAtSubmit("certname \"ca\" is reserved for the CA's own certificate"),
        ),
        (
            "ca-upper.pem",
            RefusedAtSubmit("certname \"CA\" is reserved for the CA's own certificate"),
        ),
        ("ca-true.pem", RefusedAtSubmit("not permitted: 2.5.29.19")),
        (
            "colon-san.pem",
            RefusedAtSubmit("DNS:colon-san.test:8140 that is never signed"),
        ),
        ("dsa.pem", RefusedAtSubmit("key is not acceptable: DSA")),
        (
            "email-san.pem",
            RefusedAtSubmit("email:root@example.com that is never signed"),
        ),
        (
            "garbage.pem",
            RefusedAtSubmit("malformed certificate request: not PEM"),
        ),
        ("ip-san.pem", Signed),
        (
            "key-cert-sign.pem",
            RefusedAtSubmit("not permitted: 2.5.29.15"),
        ),
        (
            "malformed.pem",
            RefusedAtSubmit("malformed certificate request: not PEM"),
        ),
        ("name-300.pem", RefusedAtSubmit("the limit is 255")),
        ("name-64k.pem", RefusedAtSubmit("the limit is 65536")),
        ("no-cn.pem", RefusedAtSubmit("has no common name")),
        (
            "nul.pem",
            RefusedAtSubmit("contains '\\0', which is not allowed"),
        ),
        ("oversized.pem", RefusedAtSubmit("the limit is 65536")),
        (
            "pp-cli-auth.pem",
            RefusedAtSubmit("authorization extension (pp_cli_auth)"),
        ),
        (
            "rsa1024.pem",
            RefusedAtSubmit("key is not acceptable: RSA 1024"),
        ),
        ("sans-10000.pem", RefusedAtSubmit("the limit is 65536")),
        (
            "sans-101.pem",
            RefusedAtSubmit("101 subject alternative names; the limit is 100"),
        ),
        ("sha1.pem", RefusedAtSubmit("weak digest")),
        ("tampered.pem", RefusedAtSubmit("signature does not verify")),
        (
            "traversal-dots.pem",
            RefusedAtSubmit("certname \"..\" has an invalid label"),
        ),
        (
            "traversal.pem",
            RefusedAtSubmit("contains '/', which is not allowed"),
        ),
        (
            "truncated.pem",
            RefusedAtSubmit("malformed certificate request"),
        ),
        ("two-cns.pem", RefusedAtSubmit("more than one common name")),
        (
            "unicode.pem",
            RefusedAtSubmit("contains 'ö', which is not allowed"),
        ),
        (
            "unknown-critical.pem",
            RefusedAtSubmit("not permitted: 1.2.3.4.5"),
        ),
        ("upper-case.pem", RefusedAtSubmit("must be lower case")),
        (
            "wildcard-san.pem",
            RefusedAtSubmit("DNS:*.example.com that is never signed"),
        ),
    ]
}

/// Path of a file of the hostile corpus.
pub fn hostile_file(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(file)
}
