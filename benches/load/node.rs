//! One `cert serve` node of a benchmark, in its own directory: node 0 sets the CA up (in the
//! database at its URL, or in its cadir), the others get its keys (as an operator copies them
//! from `cert export --ca-standby`) and their own certname; each serves on a free port of
//! 127.0.0.1 until dropped. Used by `nodes.rs` and `sites.rs`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The release `cert` that cargo built for this bench.
const CERT: &str = env!("CARGO_BIN_EXE_cert");

/// One `cert serve` and its directories.
pub struct Node {
    pub child: Child,
    pub port: u16,
    pub cacert: PathBuf,
}

impl Node {
    /// Node `index` in `work`: node 0 sets the CA up (in the database at `url`, or in its
    /// cadir), the others get its keys; then it serves on a free port.
    pub fn set_up(work: &Path, index: usize, url: Option<&str>, ca_key: &str) -> Node {
        let dir = work.join(format!("node{index}"));
        std::fs::create_dir_all(&dir).unwrap();
        let key_type = if ca_key == "ec" { "ec" } else { "rsa" };
        let store = url
            .map(|url| format!("[server]\nca_store = {url}\n"))
            .unwrap_or_default();
        std::fs::write(
            dir.join("puppet.conf"),
            format!(
                "[main]\ncertname = node{index}.bench\ndns_alt_names = localhost,127.0.0.1\n\
                 autosign = true\nkey_type = {key_type}\n{store}"
            ),
        )
        .unwrap();
        let cert = |args: &[&str]| {
            let status = Command::new(CERT)
                .arg("--config")
                .arg(dir.join("puppet.conf"))
                .arg("--cadir")
                .arg(dir.join("ca"))
                .arg("--ssldir")
                .arg(dir.join("ssl"))
                .args(args)
                .env("HOME", &dir)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "cert {args:?}");
        };
        if index == 0 {
            cert(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
        } else {
            let first = work.join("node0/ca");
            std::fs::create_dir_all(dir.join("ca")).unwrap();
            for key in ["ca_key.pem", "root_key.pem"] {
                std::fs::copy(first.join(key), dir.join("ca").join(key)).unwrap();
            }
        }
        let port = free_port();
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let started = Instant::now();
        let mut child = super::spawn(&[
            CERT.to_owned(),
            "--config".into(),
            path("puppet.conf"),
            "--cadir".into(),
            path("ca"),
            "--ssldir".into(),
            path("ssl"),
            "serve".into(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
        ]);
        let cacert = work.join("node0/ssl/certs/ca.pem");
        let config = super::client_config(&cacert.to_string_lossy());
        super::wait_ready(&mut child, &config, port, started, Duration::from_secs(120));
        Node {
            child,
            port,
            cacert,
        }
    }

    /// CPU time of its process so far (all its threads), in clock ticks.
    pub fn ticks(&self) -> u64 {
        super::process_ticks(&self.child.id().to_string()).0
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        super::stop(&mut self.child);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
