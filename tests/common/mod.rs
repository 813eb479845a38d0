//! Shared harness of the CLI integration tests: a temp dir holding a CA directory, an ssldir and
//! a puppet.conf, a builder for the real `cert` binary pointed at them, `openssl` as the
//! independent verifier, and snapshots of a directory's bytes and modes.
//!
//! Nothing here touches `/etc` or the real home directory: every command gets `--cadir`,
//! `--ssldir`, `--config` and `HOME` inside the temp dir.
#![allow(dead_code)]

pub mod ca_server;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use assert_cmd::Command;

/// puppet.conf of most tests: EC keys keep key generation fast.
pub const EC_CONFIG: &str = "[main]\ncertname = ca.test\nkey_type = ec\n";

/// Whether the peer tool `name` can be run. When it cannot, print a skip message and return
/// `false`, unless `CERT_REQUIRE_PEERS=1`, in which case a missing peer fails the test.
pub fn require_peer(name: &str) -> bool {
    // `openssl version`, `puppet --version`, `curl --version`: one of the two spellings works.
    let runs = |argument: &str| {
        StdCommand::new(name)
            .arg(argument)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let found = runs("version") || runs("--version");
    if found {
        return true;
    }
    if std::env::var("CERT_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("peer {name:?} is required (CERT_REQUIRE_PEERS=1) but cannot be run");
    }
    eprintln!("SKIPPED: peer {name:?} not found; install it or set CERT_REQUIRE_PEERS=1 to fail");
    false
}

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

    /// Every file and directory under the CA directory, with bytes and mode, except
    /// `audit.log` (the audit trail records refusals too, so it is the one file a refusal may
    /// change; tests/cli_audit.rs covers it).
    pub fn snapshot_ca(&self) -> Snapshot {
        without_audit(snapshot(&self.cadir))
    }
}

/// Path (relative) -> (bytes, mode); directories have `None` bytes.
pub type Snapshot = BTreeMap<PathBuf, (Option<Vec<u8>>, u32)>;

/// Snapshot every entry under `root` (missing root: empty).
pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(relative, (None, mode));
                walk(root, &path, out);
            } else {
                out.insert(relative, (Some(fs::read(&path).unwrap()), mode));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// A CA directory snapshot without `audit.log` (which records refusals too).
pub fn without_audit(mut snapshot: Snapshot) -> Snapshot {
    snapshot.remove(Path::new("audit.log"));
    snapshot
}

/// Assert two snapshots are equal, naming the first difference. The one change allowed is the
/// audit trail (`audit.log`) gaining lines that record refusals: a refusal is a decision, and
/// the audit trail records every decision.
pub fn assert_same(before: &Snapshot, after: &Snapshot, what: &str) {
    let audit = Path::new("audit.log");
    if let Some((Some(grown), _)) = after.get(audit) {
        let old: &[u8] = match before.get(audit) {
            Some((Some(bytes), _)) => bytes,
            _ => b"",
        };
        assert!(
            grown.starts_with(old),
            "{what}: audit.log was rewritten, not appended to"
        );
        let added = String::from_utf8_lossy(&grown[old.len()..]).into_owned();
        for line in added.lines() {
            assert!(
                line.contains("\"decision\":\"refused\""),
                "{what}: audit.log gained a line that is not a refusal: {line}"
            );
        }
    }
    for (path, entry) in before {
        if path == audit {
            continue;
        }
        match after.get(path) {
            None => panic!("{what}: {} disappeared", path.display()),
            Some(other) if other != entry => {
                panic!("{what}: {} changed (bytes or mode)", path.display())
            }
            _ => {}
        }
    }
    for path in after.keys() {
        assert!(
            before.contains_key(path) || path == audit,
            "{what}: {} appeared",
            path.display()
        );
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

/// Copy a directory tree, making every copy writable by its owner (fixtures are 0444).
pub fn copy_writable(source: &Path, target: &Path) {
    fs::create_dir_all(target).unwrap();
    for entry in fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = target.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_writable(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
        }
        let mode = fs::metadata(&to).unwrap().permissions().mode();
        fs::set_permissions(&to, fs::Permissions::from_mode(mode | 0o200)).unwrap();
    }
}

/// Mode bits of a path.
pub fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Contents of a text file.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Check an inventory line is in Puppet's format
/// (`0x0002 2026-11-22T07:14:40UTC 2031-11-22T07:14:40UTC /CN=name`) for this serial and name.
pub fn assert_inventory_line(line: &str, serial: u32, name: &str) {
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 4, "inventory line {line:?}");
    assert_eq!(fields[0], format!("0x{serial:04X}"), "serial of {line:?}");
    for time in &fields[1..3] {
        let bytes = time.as_bytes();
        assert_eq!(bytes.len(), 22, "time {time:?} in {line:?}");
        let shape: String = bytes
            .iter()
            .map(|b| if b.is_ascii_digit() { '9' } else { *b as char })
            .collect();
        assert_eq!(shape, "9999-99-99T99:99:99UTC", "time {time:?} in {line:?}");
    }
    assert_eq!(fields[3], format!("/CN={name}"), "subject of {line:?}");
}

pub mod serve;

/// Write `count` EC CSRs (made in-process: fast) for `PREFIX-0 .. PREFIX-<count-1>` into the
/// world's temp dir; returns (names, CSR paths).
pub fn write_csrs(world: &World, prefix: &str, count: usize) -> (Vec<String>, Vec<PathBuf>) {
    use cert::certname::Certname;
    use cert::csr::Csr;
    use cert::keys::{KeySpec, PrivateKey};
    let directory = world.path().join("csrs");
    fs::create_dir_all(&directory).unwrap();
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for index in 0..count {
        let name = format!("{prefix}-{index}");
        let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
        let csr = Csr::generate(&Certname::parse(&name).unwrap(), &key, &[], &[]).unwrap();
        let path = directory.join(format!("{name}.pem"));
        fs::write(&path, csr.to_pem()).unwrap();
        names.push(name);
        paths.push(path);
    }
    (names, paths)
}

/// `cert check` must find no problem (its output is shown when it does).
pub fn assert_store_ok(world: &World, what: &str) {
    let output = world.cert(&["check"]).output().expect("run cert check");
    assert!(
        output.status.success(),
        "{what}: cert check found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cert check` problems other than temp files (which a SIGKILL may leave until the next
/// writer takes the lock): must be none.
pub fn check_allowing_temp_files(world: &World, what: &str) -> usize {
    let output = world.cert(&["check"]).output().expect("run cert check");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return 0;
    }
    let problems: Vec<&str> = stdout.lines().collect();
    let others: Vec<&&str> = problems
        .iter()
        .filter(|p| !p.contains("temp file left behind"))
        .collect();
    assert!(
        others.is_empty() && !problems.is_empty(),
        "{what}: cert check found problems:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    problems.len()
}

/// (serial, name) of every certificate in `signed/`.
pub fn signed_serials(world: &World) -> Vec<(u128, String)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(world.ca("signed")) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        // A killed writer's temp file (`.NAME.pem.tmp-*`) is no certificate; `cert check`
        // reports it, and the next writer removes it.
        if path.file_name().unwrap().to_string_lossy().starts_with('.') {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            // A temp file a killed run left behind (the next locked run removes it).
            continue;
        }
        let pem = fs::read(&path).unwrap();
        let cert = cert::certificate::Certificate::from_pem(&name, &pem)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((cert.serial.expect("serial").0, name));
    }
    out.sort();
    out
}

/// Serials listed in the first (the CA's own) CRL of `ca_crl.pem`.
pub fn crl_serials(world: &World) -> std::collections::BTreeSet<u128> {
    let pem = fs::read(world.ca("ca_crl.pem")).unwrap();
    let crls = cert::crl::Crl::chain_from_pem("ca_crl.pem", &pem).unwrap();
    crls[0].revoked.iter().map(|r| r.serial.0).collect()
}

/// Names with a pending request.
pub fn pending(world: &World) -> Vec<String> {
    cert::store::Store::new(&world.cadir)
        .request_names()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

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
    /// Refused when submitted, with this fragment in the message; nothing written.
    RefusedAtSubmit(&'static str),
    /// Queued, then refused when signed with --allow-dns-alt-names, with this fragment.
    RefusedAtSign(&'static str),
    /// Signed, with only the extensions the CA chooses.
    Signed,
}

/// The hostile corpus: (file in tests/fixtures/bad/, expected outcome). Shared by the CLI test
/// (tests/hostile_cli.rs) and, later, the daemon's: puppetserver refuses at submit (400) what
/// `cert submit` queues and `--sign` refuses, so a daemon test treats both refusals alike.
pub fn hostile_corpus() -> Vec<(&'static str, Hostile)> {
    use Hostile::{RefusedAtSign, RefusedAtSubmit, Signed};
    vec![
        ("ca-true.pem", RefusedAtSign("not permitted: 2.5.29.19")),
        ("dsa.pem", RefusedAtSubmit("key is not acceptable: DSA")),
        (
            "email-san.pem",
            RefusedAtSign("email:root@example.com that is never signed"),
        ),
        (
            "garbage.pem",
            RefusedAtSubmit("malformed certificate request: not PEM"),
        ),
        ("ip-san.pem", Signed),
        (
            "key-cert-sign.pem",
            RefusedAtSign("not permitted: 2.5.29.15"),
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
            RefusedAtSign("authorization extension (pp_cli_auth)"),
        ),
        (
            "rsa1024.pem",
            RefusedAtSubmit("key is not acceptable: RSA 1024"),
        ),
        ("sans-10000.pem", RefusedAtSubmit("the limit is 65536")),
        (
            "sans-101.pem",
            RefusedAtSign("101 subject alternative names; the limit is 100"),
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
            RefusedAtSign("not permitted: 1.2.3.4.5"),
        ),
        ("upper-case.pem", RefusedAtSubmit("must be lower case")),
        (
            "wildcard-san.pem",
            RefusedAtSign("DNS:*.example.com that is never signed"),
        ),
    ]
}

/// Path of a file of the hostile corpus.
pub fn hostile_file(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(file)
}
