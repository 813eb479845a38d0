//! The certname: the one name a node is known by, validated before it touches a path.
//!
//! A [`Certname`] can only hold a name that Puppet accepts (its agents and puppetserver refuse
//! the rest): lower-case ASCII labels of letters, digits, `-` and `_`, separated by dots, no
//! label empty or ending in `-`, at most 255 bytes, and never [`RESERVED`] (`ca`, the name every
//! Puppet tool gives the CA itself: `certificate/ca`, `certs/ca.pem`). Such a name is always a
//! safe single path component that no CA file uses, so the store can build `signed/<name>.pem`
//! from it without further checks. [`check_dns_name`] is the same syntax without the
//! reservation, for DNS alt names. This module does not know about files.

use std::fmt;

use crate::error::CertnameError;

/// Longest certname accepted, in bytes (the DNS limit).
pub const MAX_LENGTH: usize = 255;

/// Names no host certificate may have, compared ignoring case: `ca` is the CA's own name in
/// every Puppet layout (`certificate/ca` and `certificate_revocation_list/ca` in the HTTP API,
/// `certs/ca.pem` in every ssldir and export bundle), so a host called `ca` would overwrite or
/// be mistaken for the CA certificate wherever its files are copied.
pub const RESERVED: &[&str] = &["ca"];

/// A validated certname.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Certname(String);

impl Certname {
    /// Parse and validate a certname.
    ///
    /// ```
    /// use cert::certname::Certname;
    ///
    /// let name = Certname::parse("web01.example.com").unwrap();
    /// assert_eq!(name.file_name(), "web01.example.com.pem");
    /// assert!(Certname::parse("../etc/passwd").is_err());
    /// assert!(Certname::parse("Web01.example.com").is_err());
    /// assert!(Certname::parse("ca").is_err(), "the CA's own name");
    /// ```
    pub fn parse(name: &str) -> Result<Certname, CertnameError> {
        if RESERVED
            .iter()
            .any(|reserved| name.eq_ignore_ascii_case(reserved))
        {
            return Err(CertnameError::Reserved { name: name.into() });
        }
        check_dns_name(name)?;
        Ok(Certname(name.to_owned()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name Puppet stores this name's PEM files under: `<name>.pem`.
    pub fn file_name(&self) -> String {
        format!("{}.pem", self.0)
    }
}

/// Check `name` against the syntax of a certname (see the module docs) without the reservation
/// of [`RESERVED`]: what a DNS alt name in a certificate must be (`DNS:ca` is a fine alt name,
/// a certificate called `ca` is not).
pub fn check_dns_name(name: &str) -> Result<(), CertnameError> {
    if name.is_empty() {
        return Err(CertnameError::Empty);
    }
    if name.len() > MAX_LENGTH {
        return Err(CertnameError::TooLong { length: name.len() });
    }
    if name.contains('*') {
        return Err(CertnameError::Wildcard { name: name.into() });
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(CertnameError::NotLowerCase { name: name.into() });
    }
    if let Some(character) = name
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c)))
    {
        return Err(CertnameError::InvalidCharacter {
            name: name.into(),
            character,
        });
    }
    for label in name.split('.') {
        if label.is_empty() || label.ends_with('-') {
            return Err(CertnameError::InvalidLabel {
                name: name.into(),
                label: label.into(),
            });
        }
    }
    Ok(())
}

impl fmt::Display for Certname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Certname {
    type Err = CertnameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Certname::parse(name)
    }
}

impl AsRef<str> for Certname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_puppet_names() {
        for name in [
            "puppetca",
            "node1.example.com",
            "web01.agents.example.com",
            "under_score.example",
            "a-b.c",
            "1.2.3.4",
            "xn--bcher-kva.example",
        ] {
            assert_eq!(Certname::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn refuses_what_puppet_refuses() {
        let long = "a".repeat(256);
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("Node1.example.com", "lower case"),
            ("*.example.com", "wildcard"),
            ("..", "label"),
            ("a..b", "label"),
            (".a", "label"),
            ("a.", "label"),
            ("a-.b", "label"),
            ("a/b", "'/'"),
            ("../etc/passwd", "'/'"),
            ("a b", "' '"),
            ("a\0b", "'\\0'"),
            ("a\nb", "'\\n'"),
            ("bücher.example", "'ü'"),
            (&long, "255"),
        ];
        for (name, expected) in cases {
            let error = Certname::parse(name).unwrap_err().to_string();
            assert!(error.contains(expected), "{name:?}: {error}");
            assert!(!error.contains('\n'), "{name:?}: one line: {error}");
        }
    }

    #[test]
    fn the_cas_own_name_is_reserved_in_any_case() {
        for name in ["ca", "CA", "Ca"] {
            let error = Certname::parse(name).unwrap_err();
            assert_eq!(
                error,
                CertnameError::Reserved { name: name.into() },
                "{name}"
            );
            assert!(error.to_string().contains("reserved"), "{error}");
        }
        // Only the whole name: `ca` as a label, or as a DNS alt name, is fine.
        for name in ["ca.example.com", "puppetca", "ca-1", "my.ca"] {
            Certname::parse(name).unwrap();
        }
        check_dns_name("ca").unwrap();
        assert!(check_dns_name("*.ca").is_err());
    }

    #[test]
    fn file_name_is_one_component() {
        let name = Certname::parse("node1.example.com").unwrap();
        assert_eq!(name.file_name(), "node1.example.com.pem");
    }
}
