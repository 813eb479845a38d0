//! Who asks the CA for a change ([`Actor`]): the name its audit lines give, and whether it is
//! an administrator on this host (the CLI) or one reaching the CA over the network (a client of
//! `cert serve`, a console user). What a remote administrator may not do is decided here, once:
//! change this CA server's own certificate (whoever holds a second one could pose as the CA
//! server to every agent), or touch this host's files.

/// Who asks for a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    remote: bool,
}

impl Actor {
    /// An administrator on this host (`cli:<user>`, the daemon itself).
    pub fn local(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            remote: false,
        }
    }

    /// An administrator reaching the CA over the network (`client:<CN>`, `console:...`):
    /// never this CA server's own certificate, never this host's files.
    pub fn remote(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            remote: true,
        }
    }

    /// What the audit trail calls them.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether they reach the CA over the network.
    pub fn is_remote(&self) -> bool {
        self.remote
    }
}
