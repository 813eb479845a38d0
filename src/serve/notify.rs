//! systemd's service notification protocol (`sd_notify(3)`), the few messages `cert serve`
//! sends: `READY=1` once its listeners are bound (so a `Type=notify` unit is "active" only when
//! agents can connect), `RELOADING=1` then `READY=1` around a SIGHUP reload, and `STOPPING=1`
//! at shutdown.
//!
//! The protocol is one datagram per message, `KEY=VALUE` lines, sent to the unix socket named
//! by `$NOTIFY_SOCKET`: a path, or an abstract socket when it starts with `@`. Without the
//! variable (not run by systemd) nothing is sent. A failed send is logged, never fatal: the
//! daemon serves whether or not its supervisor listens. `MONOTONIC_USEC`, which only
//! `Type=notify-reload` (systemd 253) requires, is not sent.

use std::ffi::OsStr;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// The environment variable systemd sets for `Type=notify` services.
pub(crate) const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Where notifications go, if anywhere.
pub(crate) struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
}

impl Notifier {
    /// The socket of `$NOTIFY_SOCKET`; none when it is unset or empty, or unusable (logged).
    pub(crate) fn from_environment() -> Notifier {
        let target = std::env::var_os(NOTIFY_SOCKET)
            .filter(|value| !value.is_empty())
            .and_then(|value| match Notifier::connect(value.as_encoded_bytes()) {
                Ok(target) => Some(target),
                Err(reason) => {
                    tracing::warn!("{NOTIFY_SOCKET}={value:?}: {reason}; systemd is not told");
                    None
                }
            });
        Notifier { target }
    }

    fn connect(name: &[u8]) -> Result<(UnixDatagram, SocketAddr), String> {
        let address = match name.strip_prefix(b"@") {
            Some(abstract_name) => SocketAddr::from_abstract_name(abstract_name),
            None if name.starts_with(b"/") => SocketAddr::from_pathname(OsStr::from_bytes(name)),
            None => return Err("not a unix socket path or an abstract name (@...)".into()),
        }
        .map_err(|e| e.to_string())?;
        let socket = UnixDatagram::unbound().map_err(|e| e.to_string())?;
        Ok((socket, address))
    }

    /// The service is up: `READY=1`, with `status` for `systemctl status`.
    pub(crate) fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}\n"));
    }

    /// A reload begins; [`Notifier::ready`] says when it is over.
    pub(crate) fn reloading(&self) {
        self.send("RELOADING=1\nSTATUS=reloading\n");
    }

    /// Shutdown begins.
    pub(crate) fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=finishing requests in flight\n");
    }

    fn send(&self, message: &str) {
        if let Some((socket, address)) = &self.target {
            if let Err(error) = socket.send_to_addr(message.as_bytes(), address) {
                tracing::warn!("cannot notify systemd: {error}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_a_path_and_an_abstract_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let receiver = UnixDatagram::bind(&path).unwrap();
        let notifier = Notifier {
            target: Some(Notifier::connect(path.as_os_str().as_encoded_bytes()).unwrap()),
        };
        notifier.ready("listening");
        let mut buffer = [0u8; 256];
        let size = receiver.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..size], b"READY=1\nSTATUS=listening\n");

        let name = format!("cert-test-{}", std::process::id());
        let address = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let receiver = UnixDatagram::bind_addr(&address).unwrap();
        let notifier = Notifier {
            target: Some(Notifier::connect(format!("@{name}").as_bytes()).unwrap()),
        };
        notifier.stopping();
        let size = receiver.recv(&mut buffer).unwrap();
        assert!(buffer[..size].starts_with(b"STOPPING=1\n"));

        assert!(Notifier::connect(b"relative/path").is_err());
    }
}
