//! Shared harness of the integration tests: a temp dir holding a CA directory, an ssldir and a
//! puppet.conf ([`World`]), a builder for the real `cert` binary pointed at them, `openssl` as
//! the independent verifier, and one-line-error checks. Beside it: `peer` (skip or fail when a
//! peer program is missing), `files` (snapshots of a directory's bytes and modes), `store`
//! (what a CA directory must look like), `hostile` (bad input), `serve` (a running daemon),
//! `hosts` (a Puppet agent and `cert agent` talking to it), `ca_server` (a scripted CA for the
//! agent), `postgres` (a real PostgreSQL cluster), `nodes` (several daemons on one
//! database), `wan` (a delayed, cuttable TCP link on loopback), `patroni` (PostgreSQL under
//! Patroni with etcd), `faults` (a seeded fault schedule at two sites, and its checker),
//! `puppetserver_ca` (puppetserver's own CA CLI), `machine` (a Debian root booted by a real
//! systemd, for the package), `trixie` (Puppet 8's programs in a Debian trixie tree, run with
//! chroot), `puppetserver` (a puppetserver 8 master from it) and `browser` (a headless
//! Chromium through WebDriver, for the web console).
//!
//! Nothing here touches `/etc` or the real home directory: every command gets `--cadir`,
//! `--ssldir`, `--config` and `HOME` inside the temp dir.
#![allow(dead_code)]

pub mod browser;
pub mod ca_server;
pub mod faults;
mod files;
mod hostile;
pub mod hosts;
pub mod machine;
pub mod nodes;
pub mod patroni;
mod peer;
pub mod postgres;
pub mod puppetserver;
pub mod puppetserver_ca;
pub mod serve;
mod store;
pub mod trixie;
pub mod wan;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use assert_cmd::Command;

// Each test crate uses some of these; the others are not dead, only unused there.
#[allow(unused_imports)]
pub use files::{assert_same, copy_writable, mode, read, snapshot, without_audit, Snapshot};
#[allow(unused_imports)]
pub use hostile::{hostile_corpus, hostile_file, Hostile, Random};
#[allow(unused_imports)]
pub use peer::{require_peer, require_peer_with};
#[allow(unused_imports)]
pub use store::{
    add_crl_duplicates, assert_inventory_line, assert_store_ok, check_allowing_temp_files,
    crl_serials, pending, signed_serials, write_csrs,
};

/// puppet.conf of most tests: EC keys keep key generation fast.
pub const EC_CONFIG: &str = "[main]\ncertname = ca.test\nkey_type = ec\n";

/// One test's world: `DIR/ca`, `DIR/ssl`, `DIR/puppet.conf` (paths can be moved, for fixtures).
pub struct World {
    pub dir: tempfile::TempDir,
    pub cadir: PathBuf,
    pub ssldir: PathBuf,
    pub config: PathBuf,
}

impl World {
    /// A world with [`EC_CONFIG`] and no CA yet.
    pub fn new() -> World {
        World::with_config(EC_CONFIG)
    }

    /// A world with this puppet.conf and no CA yet.
    pub fn with_config(text: &str) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let config = root.join("puppet.conf");
        fs::write(&config, text).expect("write puppet.conf");
        World {
            cadir: root.join("ca"),
            ssldir: root.join("ssl"),
            config,
            dir,
        }
    }

    /// A world on a writable copy of `tests/fixtures/<fixture>`: cadir `copy/cadir`, ssldir
    /// `copy/server-ssl`, and a puppet.conf of our own (the fixture's names /etc paths).
    pub fn from_fixture(fixture: &str, config: &str) -> World {
        let mut world = World::with_config(config);
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        let copy = world.path().join("copy");
        copy_writable(&source, &copy);
        world.cadir = copy.join("cadir");
        world.ssldir = copy.join("server-ssl");
        world
    }

    /// The temp dir.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the CA directory.
    pub fn ca(&self, file: &str) -> PathBuf {
        self.cadir.join(file)
    }

    /// A file in the ssldir.
    pub fn ssl(&self, file: &str) -> PathBuf {
        self.ssldir.join(file)
    }

    /// `cert --cadir .. --ssldir .. --config .. ARGS`, with HOME in the temp dir.
    pub fn cert(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_cert(args))
    }

    /// The same as [`World::cert`], as a `std::process::Command` (to spawn several at once).
    pub fn std_cert(&self, args: &[&str]) -> StdCommand {
        let mut command = StdCommand::new(assert_cmd::cargo::cargo_bin("cert"));
        command
            .env("HOME", self.path())
            .env_remove("CERT_CADIR")
            .env_remove("CERT_SSLDIR")
            .env_remove("CERT_CONFIG")
            // Issue 15: a test run under systemd must not notify it for `cert serve`.
            .env_remove("NOTIFY_SOCKET")
            .current_dir(self.path())
            .arg("--cadir")
            .arg(&self.cadir)
            .arg("--ssldir")
            .arg(&self.ssldir)
            .arg("--config")
            .arg(&self.config)
            .args(args);
        command
    }

    /// Run `cert ARGS`, require success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.cert(args).output().expect("run cert");
        assert!(
            output.status.success(),
            "cert {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Run `cert ARGS`, require failure, return (exit code, stdout, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.cert(args).output().expect("run cert");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !output.status.success(),
            "cert {args:?} succeeded:\nstdout: {stdout}\nstderr: {stderr}"
        );
        (output.status.code().unwrap_or(-1), stdout, stderr)
    }

    /// `openssl ARGS` run in the temp dir.
    pub fn openssl(&self, args: &[&str]) -> Output {
        StdCommand::new("openssl")
            .current_dir(self.path())
            .args(args)
            .output()
            .expect("run openssl")
    }

    /// `openssl ARGS`, required to succeed; stdout.
    pub fn openssl_ok(&self, args: &[&str]) -> String {
        let output = self.openssl(args);
        assert!(
            output.status.success(),
            "openssl {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `openssl verify -CAfile ca_crt.pem -crl_check_all -CRLfile ca_crl.pem CERT`: its
    /// success and its combined output.
    pub fn openssl_verify(&self, cert: &Path) -> (bool, String) {
        let ca = self.ca("ca_crt.pem");
        let crl = self.ca("ca_crl.pem");
        let output = self.openssl(&[
            "verify",
            "-CAfile",
            ca.to_str().unwrap(),
            "-crl_check_all",
            "-CRLfile",
            crl.to_str().unwrap(),
            cert.to_str().unwrap(),
        ]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// `openssl x509 -noout -text` of a certificate file.
    pub fn x509_text(&self, cert: &Path) -> String {
        self.openssl_ok(&["x509", "-noout", "-text", "-in", cert.to_str().unwrap()])
    }

    /// `openssl crl -noout -text` of each CRL in a PEM file, in order.
    pub fn crl_texts(&self, file: &Path) -> Vec<String> {
        let text = fs::read_to_string(file).expect("read CRL file");
        pem_blocks(&text, "X509 CRL")
            .iter()
            .enumerate()
            .map(|(index, block)| {
                let path = self.path().join(format!("crl-{index}.pem"));
                fs::write(&path, block).unwrap();
                self.openssl_ok(&["crl", "-noout", "-text", "-in", path.to_str().unwrap()])
            })
            .collect()
    }

    /// Make a key and CSR with openssl: `/CN=<cn>`, optional DNS alt names; returns the CSR
    /// path (the key sits next to it).
    pub fn openssl_csr(&self, cn: &str, alt_names: &[&str]) -> PathBuf {
        let stem: String = cn
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let csr = self.path().join(format!("{stem}.csr"));
        let key = self.path().join(format!("{stem}.key"));
        let subject = format!("/CN={}", cn.replace('/', "\\/"));
        let mut args = vec![
            "req".to_string(),
            "-new".into(),
            "-newkey".into(),
            "ec".into(),
            "-pkeyopt".into(),
            "ec_paramgen_curve:prime256v1".into(),
            "-nodes".into(),
            "-subj".into(),
            subject,
            "-keyout".into(),
            key.to_str().unwrap().into(),
            "-out".into(),
            csr.to_str().unwrap().into(),
        ];
        if !alt_names.is_empty() {
            let list: Vec<String> = alt_names.iter().map(|n| format!("DNS:{n}")).collect();
            args.push("-addext".into());
            args.push(format!("subjectAltName={}", list.join(",")));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.openssl_ok(&args);
        csr
    }

    /// Make a key and CSR with openssl for `/CN=<cn>` carrying `token` in its challengePassword
    /// attribute as a PrintableString (as Puppet writes `custom_attributes`, issue 26); returns
    /// the CSR path (the key and openssl's config sit next to it).
    pub fn openssl_csr_with_token(&self, cn: &str, token: &str) -> PathBuf {
        let config = self.path().join(format!("{cn}.cnf"));
        fs::write(
            &config,
            format!(
                "[req]\nprompt = no\nstring_mask = nombstr\ndistinguished_name = dn\n\
                 attributes = attributes\n[dn]\nCN = {cn}\n[attributes]\n\
                 challengePassword = {token}\n"
            ),
        )
        .expect("write openssl config");
        let key = self.path().join(format!("{cn}.key"));
        let csr = self.path().join(format!("{cn}.csr"));
        let path = |p: &Path| p.display().to_string();
        self.openssl_ok(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &path(&key),
            "-out",
            &path(&csr),
            "-config",
            &path(&config),
        ]);
        csr
    }

    /// Every file and directory under the CA directory, with bytes and mode, except
    /// `audit.log` (the audit trail records refusals too, so it is the one file a refusal may
    /// change; tests/cli_audit.rs covers it).
    pub fn snapshot_ca(&self) -> Snapshot {
        without_audit(snapshot(&self.cadir))
    }
}

/// Assert stderr is one `error: ...` line, optionally followed by one `hint: ...` line.
pub fn assert_one_error(stderr: &str, what: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines[0].starts_with("error: "),
        "{what}: stderr does not start with 'error: ':\n{stderr}"
    );
    assert!(
        lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("hint: ")),
        "{what}: expected one error line (and an optional hint):\n{stderr}"
    );
}

/// The PEM blocks labelled `label` in `text`, each with its BEGIN/END lines and a final newline.
pub fn pem_blocks(text: &str, label: &str) -> Vec<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == begin {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            if bare == end {
                blocks.push(current.take().unwrap());
            }
        }
    }
    blocks
}
