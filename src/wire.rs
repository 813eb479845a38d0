//! puppetserver's wire shapes for what the CA knows: the `certificate_status` JSON of a
//! [`CertificateStatus`], the `expirations` document, and puppetserver's wording of refusals
//! that agents and tools match on; and ours for an enrolment token ([`token_json`]). Both the CLI (`--format json`) and the daemon render through here, so
//! the two cannot drift. Nothing here decides anything about certificates or speaks HTTP.

use serde_json::{json, Map, Value};

use crate::ca::{CertificateStatus, Expirations};
use crate::certificate::Digest;
use crate::error::{CertnameError, CsrError, Error};
use crate::store::TokenRecord;
use crate::timestamp::format_time;
use crate::token::Status;

/// One entry as JSON, with puppetserver's `certificate_status` field names.
pub fn certificate_status_json(entry: &CertificateStatus) -> Value {
    let dns: Vec<&str> = entry
        .alt_names
        .iter()
        .filter_map(|a| a.strip_prefix("DNS:"))
        .collect();
    let authorization: Map<String, Value> = entry
        .authorization_extensions
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut value = json!({
        "name": entry.name.as_str(),
        "state": entry.state.as_str(),
        "fingerprint": entry.fingerprint,
        "fingerprints": {
            "SHA1": entry.fingerprint_with(Digest::Sha1),
            "SHA256": entry.fingerprint,
            "SHA512": entry.fingerprint_with(Digest::Sha512),
            "default": entry.fingerprint,
        },
        "dns_alt_names": dns,
        "subject_alt_names": entry.alt_names,
        "authorization_extensions": authorization,
    });
    if let (Some(serial), Some(not_before), Some(not_after)) =
        (entry.serial, entry.not_before, entry.not_after)
    {
        value["serial"] = json!(serial.to_string());
        value["serial_number"] = json!(u64::try_from(serial.0).ok());
        value["not_before"] = json!(format_time(not_before));
        value["not_after"] = json!(format_time(not_after));
    }
    value
}

/// The `expirations` document: `{"ca-certs":{CN:date},"crls":{issuer:nextUpdate}}`.
pub fn expirations_json(expirations: &Expirations) -> Value {
    let map = |items: &[(String, time::OffsetDateTime)]| -> Map<String, Value> {
        items
            .iter()
            .map(|(name, time)| (name.clone(), Value::String(format_time(*time))))
            .collect()
    };
    json!({
        "ca-certs": map(&expirations.ca_certificates),
        "crls": map(&expirations.crls),
    })
}

/// An enrolment token as JSON (never the token: it is shown once, when made): `id`, `glob`,
/// `status` at `now` (`active`, `expired`, `revoked`, `used up`), `uses`, `uses_left`,
/// `expires`, `created`, `created_by`, `comment`, and `revoked` when it was (times in Puppet's
/// format).
pub fn token_json(record: &TokenRecord, now: time::OffsetDateTime) -> Value {
    let mut value = json!({
        "id": record.id,
        "glob": record.glob,
        "status": Status::of(record, now).as_str(),
        "uses": record.uses,
        "uses_left": record.uses_left,
        "expires": format_time(record.expires),
        "created": format_time(record.created),
        "created_by": record.creator,
        "comment": record.comment,
    });
    if let Some(revoked) = record.revoked {
        value["revoked"] = json!(format_time(revoked));
    }
    value
}

/// The message puppetserver sends for `error`, where agents or tools know its wording;
/// our own one-line message otherwise.
pub fn puppet_message(error: &Error) -> String {
    match error {
        Error::Csr(CsrError::NameMismatch { name, subject }) => {
            format!("Instance name \"{subject}\" does not match requested key \"{name}\"")
        }
        Error::Certname(CertnameError::NotLowerCase { .. }) => {
            "Certificate names must be lower case.".into()
        }
        other => other.to_string(),
    }
}
