//! What to do next, for the user of the CLI: the second line (`hint: ...`) under an error.
//! The library's errors say what went wrong; what a person should type about it is the CLI's
//! to say.

use cert::error::{
    AgentError, CertnameError, Error, FileError, KeyError, PolicyError, ServeError, SessionError,
    StoreError, TokenError,
};

/// A second line saying what to do next, when there is something useful to say.
pub(crate) fn hint(error: &Error) -> Option<String> {
    match error {
        Error::Policy(PolicyError::AltNamesNotAllowed { name, .. }) => Some(format!(
            "review the names, then sign with --allow-dns-alt-names (cert --sign --allow-dns-alt-names {name})"
        )),
        Error::Store(StoreError::NoCa { .. }) => Some(
            "create one with `cert setup` (or `cert --generate NAME`), or point --cadir at an existing CA"
                .into(),
        ),
        Error::Store(StoreError::PartialCa { store, .. }) => Some(format!(
            "restore the missing files from a backup, or move {store} away to start a new CA"
        )),
        Error::Store(StoreError::NotEmpty { .. }) => Some(
            "migrate into a directory that is absent, empty or holds only the CA's keys, or into an empty database; what an interrupted migrate left can go (keep the keys)".into(),
        ),
        Error::Store(StoreError::NotFound { name, .. }) => Some(format!(
            "`cert list --all` shows the names this CA knows; {name} is not one of them"
        )),
        Error::Store(StoreError::NoPrivateKey { name, .. }) => Some(format!(
            "a key stays on the host that made it: export {name} from there, or point --ssldir at the ssldir that holds it"
        )),
        Error::Store(StoreError::Unavailable { .. }) => Some(
            "the database is down, restarting, failing over or refusing this connection (see why above); cert connects again on the next try".into(),
        ),
        Error::Store(StoreError::OutcomeUnknown { .. }) => Some(
            "run the same command again once the database answers: it finds what landed".into(),
        ),
        Error::Store(StoreError::SchemaTooNew { .. }) => {
            Some("a newer cert migrated the database: upgrade cert on this host".into())
        }
        Error::Key(KeyError::CaKeyMismatch { .. }) => Some(
            "this CA directory holds another CA's key: copy this CA's key from a node that signs for it (`cert export --ca-standby` there)".into(),
        ),
        Error::Key(KeyError::MissingCaKey { .. }) => Some(
            "copy the CA's key from a node that signs for it (`cert export --ca-standby` there) into this node's --cadir".into(),
        ),
        Error::Store(StoreError::AlreadyExists { .. }) | Error::File(FileError::Exists { .. }) => {
            Some("pass --force to replace it".into())
        }
        Error::Serve(ServeError::HostKey { name, .. }) => Some(format!(
            "`cert clean {name}` revokes the CA's certificate for {name} and removes this host's files; the next start makes a new key and certificate"
        )),
        Error::Certname(CertnameError::Reserved { .. }) => Some(
            "`ca` is the CA's own certificate in every Puppet tool (`cert --print ca` shows it); give the host another certname".into(),
        ),
        Error::Policy(PolicyError::OwnCertificate { name, .. }) => Some(format!(
            "change this host's own certificate on the CA host itself: `cert --clean {name}` there, then restart `cert serve`"
        )),
        Error::Policy(PolicyError::RenewalDisabled { .. }) => Some(
            "set allow-auto-renewal: true in the certificate-authority block of ca.conf".into(),
        ),
        Error::Certname(_) => Some(
            "certnames are lower-case DNS-like names: letters, digits, '-', '_' and '.'".into(),
        ),
        Error::Key(KeyError::Missing { what, .. }) => Some(format!(
            "copy {what} from the node that made the CA (`cert setup`, `puppetserver ca setup`), mode 0640, then run this again"
        )),
        Error::Agent(error) => agent_hint(error),
        Error::Session(SessionError::LinkUnusable) => Some(
            "run `cert console login` on the CA host for a new link; each link signs in once".into(),
        ),
        Error::Token(TokenError::Unknown { .. }) => {
            Some("`cert token list` shows the tokens' ids".into())
        }
        Error::Session(SessionError::NotReviewed { .. }) => Some(
            "review the request again (`cert --list`, or the console's Pending page) before acting on it".into(),
        ),
        _ => None,
    }
}

/// [`hint`] for `cert agent`'s errors.
fn agent_hint(error: &AgentError) -> Option<String> {
    match error {
        AgentError::CaChanged { path, .. } => Some(format!(
            "if the CA was really replaced, move {} and the ssldir's other files away and enroll again",
            path.display()
        )),
        AgentError::Waiting { name, .. } => Some(format!(
            "sign it on the CA (cert --sign {name}, or puppetserver ca sign --certname {name}), then run again"
        )),
        AgentError::KeyMismatch { name, .. } => Some(format!(
            "the CA holds a certificate for another key; clean it there (cert --clean {name}) and run again"
        )),
        AgentError::Locked { path, .. } => Some(format!(
            "wait for it to finish; if no such process is an agent, remove {}",
            path.display()
        )),
        AgentError::Revoked { name, .. } => Some(format!(
            "clean {name} on the CA and remove its files from the ssldir to enroll again"
        )),
        _ => None,
    }
}
