//! The X.509 extensions Puppet cares about: subject alternative names and Puppet's own `pp_*`
//! OIDs (registered `1.3.6.1.4.1.34380.1.1`, private `.1.2`, authorization `.1.3`).
//!
//! Shared by CSRs and issued certificates; it reads extensions and names OIDs, it does not decide
//! what may be signed (that is [`crate::authority`]).

use std::fmt;
use std::net::IpAddr;

use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};

/// Puppet's OID arc.
pub const PUPPET_ARC: &[u64] = &[1, 3, 6, 1, 4, 1, 34380, 1];
/// `pp_cli_auth`: marks a certificate allowed to use the CA admin API.
pub const PP_CLI_AUTH: &[u64] = &[1, 3, 6, 1, 4, 1, 34380, 1, 3, 39];
/// `pp_auth_auto_renew`: the CSR attribute a Puppet 7 agent puts in every request (value
/// `true`), saying it renews its certificate itself; `cert agent` sends it too.
pub const PP_AUTH_AUTO_RENEW: &[u64] = &[1, 3, 6, 1, 4, 1, 34380, 1, 3, 2];
/// subjectAltName.
pub const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
/// Netscape comment, which Puppet puts on every certificate it signs.
pub const NETSCAPE_COMMENT: &[u64] = &[2, 16, 840, 1, 113_730, 1, 13];

/// Which part of Puppet's arc an OID is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PuppetArc {
    /// `1.3.6.1.4.1.34380.1.3.*`: authorization extensions, signed only when allowed.
    Authorization,
    /// `1.3.6.1.4.1.34380.1.2.*`: free-form private extensions.
    Private,
    /// `1.3.6.1.4.1.34380.1.1.*`: registered extensions (`pp_uuid`, `pp_role`, ...).
    Registered,
}

/// The Puppet arc an OID falls under, if any.
pub fn puppet_arc(oid: &[u64]) -> Option<PuppetArc> {
    if oid.len() <= PUPPET_ARC.len() + 1 || !oid.starts_with(PUPPET_ARC) {
        return None;
    }
    match oid[PUPPET_ARC.len()] {
        1 => Some(PuppetArc::Registered),
        2 => Some(PuppetArc::Private),
        3 => Some(PuppetArc::Authorization),
        _ => None,
    }
}

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AltName {
    /// `DNS:name`.
    Dns(String),
    /// `IP:address`.
    Ip(IpAddr),
    /// Any other kind (URI, email, directory name, ...), displayed as parsed.
    Other(String),
}

impl fmt::Display for AltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AltName::Dns(name) => write!(f, "DNS:{name}"),
            AltName::Ip(address) => write!(f, "IP:{address}"),
            AltName::Other(text) => f.write_str(text),
        }
    }
}

/// An extension as requested in a CSR or present in a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The OID arcs.
    pub oid: Vec<u64>,
    /// Critical flag.
    pub critical: bool,
    /// The DER content of `extnValue`.
    pub value: Vec<u8>,
}

impl Extension {
    /// The OID in dotted form.
    pub fn dotted_oid(&self) -> String {
        dotted(&self.oid)
    }

    /// Puppet's short name for the OID (`pp_role`), or the dotted OID.
    pub fn name(&self) -> String {
        oid_name(&self.oid)
            .map(str::to_owned)
            .unwrap_or_else(|| self.dotted_oid())
    }

    /// The value as text when it is a DER string (how Puppet encodes `pp_*` values), else hex.
    pub fn value_text(&self) -> String {
        der_string(&self.value).unwrap_or_else(|| hex(&self.value))
    }
}

/// Read the alt names and the remaining extensions from parsed X.509 extensions.
pub(crate) fn split_extensions(
    extensions: &[X509Extension<'_>],
) -> Result<(Vec<AltName>, Vec<Extension>), String> {
    let mut alt_names = Vec::new();
    let mut others = Vec::new();
    for extension in extensions {
        let oid: Vec<u64> = extension
            .oid
            .iter()
            .map(|arcs| arcs.collect())
            .ok_or_else(|| format!("extension OID {} is too large", extension.oid))?;
        if oid == SUBJECT_ALT_NAME {
            match extension.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        alt_names.push(alt_name(name));
                    }
                }
                _ => return Err("subjectAltName does not parse".into()),
            }
        } else {
            others.push(Extension {
                oid,
                critical: extension.critical,
                value: extension.value.to_vec(),
            });
        }
    }
    Ok((alt_names, others))
}

fn alt_name(name: &GeneralName<'_>) -> AltName {
    match name {
        GeneralName::DNSName(dns) => AltName::Dns((*dns).to_owned()),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => AltName::Ip(IpAddr::from(
                <[u8; 4]>::try_from(*bytes).unwrap_or_default(),
            )),
            16 => AltName::Ip(IpAddr::from(
                <[u8; 16]>::try_from(*bytes).unwrap_or_default(),
            )),
            _ => AltName::Other(format!("IP:<{} bytes>", bytes.len())),
        },
        GeneralName::RFC822Name(mail) => AltName::Other(format!("email:{mail}")),
        GeneralName::URI(uri) => AltName::Other(format!("URI:{uri}")),
        GeneralName::DirectoryName(dn) => AltName::Other(format!("DirName:{dn}")),
        GeneralName::OtherName(oid, _) => AltName::Other(format!("othername:{oid}")),
        GeneralName::RegisteredID(oid) => AltName::Other(format!("RID:{oid}")),
        other => AltName::Other(format!("{other:?}")),
    }
}

/// Dotted form of an OID.
pub fn dotted(oid: &[u64]) -> String {
    oid.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// Puppet's short names for its registered OIDs (Puppet's `oids.rb`).
pub fn oid_name(oid: &[u64]) -> Option<&'static str> {
    const REGISTERED: [&str; 25] = [
        "pp_uuid",
        "pp_instance_id",
        "pp_image_name",
        "pp_preshared_key",
        "pp_cost_center",
        "pp_product",
        "pp_project",
        "pp_application",
        "pp_service",
        "pp_employee",
        "pp_created_by",
        "pp_environment",
        "pp_role",
        "pp_software_version",
        "pp_department",
        "pp_cluster",
        "pp_provisioner",
        "pp_region",
        "pp_datacenter",
        "pp_zone",
        "pp_network",
        "pp_securitypolicy",
        "pp_cloudplatform",
        "pp_apptier",
        "pp_hostname",
    ];
    let rest = oid.strip_prefix(PUPPET_ARC)?;
    match rest {
        [1, n] if (1..=25).contains(n) => Some(REGISTERED[(*n - 1) as usize]),
        [3, 1] => Some("pp_authorization"),
        [3, 2] => Some("pp_auth_auto_renew"),
        [3, 13] => Some("pp_auth_role"),
        [3, 39] => Some("pp_cli_auth"),
        _ => None,
    }
}

/// Decode a DER string of any of the usual string types.
pub(crate) fn der_string(der: &[u8]) -> Option<String> {
    let (tag, rest) = der.split_first()?;
    // UTF8String, PrintableString, T61String, IA5String, VisibleString, BMPString excluded.
    if ![0x0c, 0x13, 0x14, 0x16, 0x1a].contains(tag) {
        return None;
    }
    let (length, header) = match rest.first()? {
        &n if n < 0x80 => (n as usize, 1),
        0x81 => (*rest.get(1)? as usize, 2),
        0x82 => (((*rest.get(1)? as usize) << 8) | *rest.get(2)? as usize, 3),
        _ => return None,
    };
    let body = rest.get(header..header + length)?;
    if header + length != rest.len() {
        return None;
    }
    String::from_utf8(body.to_vec()).ok()
}

/// The first DER element of `der`: its tag, its content, and the whole element (header and
/// content); `None` when it is cut short or its length is not in DER's short or 1-2 byte form.
pub(crate) fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (length, header) = match rest.first()? {
        &n if n < 0x80 => (n as usize, 1),
        0x81 => (*rest.get(1)? as usize, 2),
        0x82 => (((*rest.get(1)? as usize) << 8) | *rest.get(2)? as usize, 3),
        _ => return None,
    };
    let content = rest.get(header..header + length)?;
    Some((tag, content, &der[..1 + header + length]))
}

/// DER UTF8String encoding of `text`.
pub(crate) fn der_utf8_string(text: &str) -> Vec<u8> {
    der_tagged(0x0c, text.as_bytes())
}

/// DER SET OF one UTF8String: the value of a CSR attribute.
pub(crate) fn der_set_of_utf8_string(text: &str) -> Vec<u8> {
    der_tagged(0x31, &der_utf8_string(text))
}

/// DER IA5String encoding of `text`.
pub(crate) fn der_ia5_string(text: &str) -> Vec<u8> {
    der_tagged(0x16, text.as_bytes())
}

fn der_tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = body.len();
    if length < 0x80 {
        out.push(length as u8);
    } else if length <= 0xff {
        out.extend([0x81, length as u8]);
    } else {
        out.extend([0x82, (length >> 8) as u8, length as u8]);
    }
    out.extend_from_slice(body);
    out
}

/// Lower-case hex without separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puppet_arcs() {
        assert_eq!(puppet_arc(PP_CLI_AUTH), Some(PuppetArc::Authorization));
        assert_eq!(
            puppet_arc(&[1, 3, 6, 1, 4, 1, 34380, 1, 1, 13]),
            Some(PuppetArc::Registered)
        );
        assert_eq!(
            puppet_arc(&[1, 3, 6, 1, 4, 1, 34380, 1, 2, 7]),
            Some(PuppetArc::Private)
        );
        assert_eq!(puppet_arc(&[1, 3, 6, 1, 4, 1, 34380, 1, 1]), None);
        assert_eq!(puppet_arc(&[1, 3, 6, 1, 4, 1, 34380, 1, 9, 1]), None);
        assert_eq!(puppet_arc(SUBJECT_ALT_NAME), None);
        assert_eq!(
            oid_name(&[1, 3, 6, 1, 4, 1, 34380, 1, 1, 13]),
            Some("pp_role")
        );
        assert_eq!(oid_name(PP_CLI_AUTH), Some("pp_cli_auth"));
    }

    #[test]
    fn der_strings_round_trip() {
        for text in ["", "true", &"x".repeat(200), &"y".repeat(1000)] {
            assert_eq!(der_string(&der_utf8_string(text)).as_deref(), Some(text));
        }
        assert_eq!(der_string(&[0x04, 0x01, 0x41]), None);
        assert_eq!(der_string(&[0x0c, 0x05, 0x41]), None);
    }
}
