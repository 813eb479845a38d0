//! Harness of the daemon tests: start the real `cert serve` on a free port of 127.0.0.1, wait
//! until `/status/v1/simple` answers, drive it with `curl` (a real, OpenSSL-based HTTPS peer),
//! and stop it by its process id.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use super::World;

/// puppet.conf of the daemon tests: EC keys, and a server certificate valid for 127.0.0.1.
pub const SERVE_CONFIG: &str =
    "[main]\ncertname = ca.test\nkey_type = ec\ndns_alt_names = localhost,127.0.0.1\n";

/// A world with [`SERVE_CONFIG`] plus `extra` lines, and a chained CA made by `cert setup`
/// (which gives this host, `ca.test`, a certificate with `pp_cli_auth`: the admin).
pub fn world_with_ca(extra: &str) -> World {
    let world = World::with_config(&format!("{SERVE_CONFIG}{extra}"));
    world.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    world
}

/// Give `world` puppetserver's `ca.conf` with `text` (and `ca_conf = ...` in its puppet.conf).
pub fn write_ca_conf(world: &World, text: &str) {
    let ca_conf = world.path().join("ca.conf");
    fs::write(&ca_conf, text).expect("write ca.conf");
    let mut config = fs::read_to_string(&world.config).expect("read puppet.conf");
    if !config.contains("\nca_conf = ") {
        config.push_str(&format!("ca_conf = {}\n", ca_conf.display()));
        fs::write(&world.config, config).expect("write puppet.conf");
    }
}

/// The `ca.conf` that turns on puppetserver 8's automatic renewal (off by default), with
/// certificates for renewing agents of `ttl` (`auto-renewal-cert-ttl`).
pub fn auto_renewal(ttl: &str) -> String {
    format!(
        "certificate-authority: {{\n    allow-auto-renewal: true\n    \
         auto-renewal-cert-ttl: {ttl}\n}}\n"
    )
}

/// A running `cert serve`.
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its stderr (the request log).
    pub log: PathBuf,
    cacert: PathBuf,
}

impl Server {
    /// Start `cert serve --bind 127.0.0.1:PORT ARGS` in `world` and wait until it answers.
    pub fn start(world: &World, args: &[&str]) -> Server {
        Server::start_trusting(world, args, &world.ca("ca_crt.pem"))
    }

    /// [`Server::start`], curl trusting the CA certificates in `cacert` (a database store
    /// keeps none in the CA directory).
    pub fn start_trusting(world: &World, args: &[&str], cacert: &Path) -> Server {
        let mut server = Server::spawn(world, args, &[]);
        server.cacert = cacert.to_path_buf();
        server.wait_ready();
        server
    }

    /// Start `cert serve --bind 127.0.0.1:PORT ARGS` with `env` added to its environment,
    /// without waiting for it to answer.
    pub fn spawn(world: &World, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Server {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let log = world.path().join(format!("serve-{port}.log"));
        let mut all = vec!["serve", "--bind", bind.as_str()];
        all.extend_from_slice(args);
        let child = world
            .std_cert(&all)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn cert serve");
        Server {
            child,
            port,
            log,
            cacert: world.ca("ca_crt.pem"),
        }
    }

    /// Wait until `/status/v1/simple` answers; panics when the daemon exits or takes a minute.
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("cert serve exited with {status}:\n{}", self.log_text());
            }
            let (code, body) = self.get("/status/v1/simple", &[]);
            if code == 200 && body == "running" {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cert serve did not answer in time:\n{}", self.log_text());
    }

    /// The request log so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// `curl` with the CA as trust anchor and `args`: (HTTP status, body); status 0 when the
    /// connection failed (curl's error is the body then).
    pub fn curl(&self, path: &str, args: &[&str]) -> (u16, String) {
        let output = StdCommand::new("curl")
            .args([
                "-sS",
                "--max-time",
                "30",
                "-w",
                "\n%{http_code}",
                "--cacert",
            ])
            .arg(&self.cacert)
            .args(args)
            .arg(self.url(path))
            .output()
            .expect("run curl");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        let code: u16 = code.trim().parse().unwrap_or(0);
        if code == 0 {
            return (0, String::from_utf8_lossy(&output.stderr).into_owned());
        }
        (code, body.to_owned())
    }

    /// GET with `args` (such as a client certificate).
    pub fn get(&self, path: &str, args: &[&str]) -> (u16, String) {
        self.curl(path, args)
    }

    /// PUT/POST `body` with a content type.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &Path,
        args: &[&str],
    ) -> (u16, String) {
        let data = format!("@{}", body.display());
        let header = format!("Content-Type: {content_type}");
        let mut all = vec!["-X", method, "-H", header.as_str(), "--data-binary", &data];
        all.extend_from_slice(args);
        self.curl(path, &all)
    }

    /// Send SIGTERM (by process id) and wait for the exit; its status code.
    pub fn stop(&mut self) -> Option<i32> {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("cert serve did not stop on SIGTERM:\n{}", self.log_text());
    }

    /// Kill it (SIGKILL, by process id) and reap it.
    pub fn kill(&mut self) {
        signal(self.child.id(), "KILL");
        let _ = self.child.wait();
    }

    /// Send a signal (`HUP`, ...) by process id.
    pub fn signal(&self, name: &str) {
        signal(self.child.id(), name);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Client certificate arguments for curl: the host `name`'s files in `ssldir`.
pub fn client(ssldir: &Path, name: &str) -> Vec<String> {
    vec![
        "--cert".into(),
        ssldir
            .join(format!("certs/{name}.pem"))
            .display()
            .to_string(),
        "--key".into(),
        ssldir
            .join(format!("private_keys/{name}.pem"))
            .display()
            .to_string(),
    ]
}

/// Borrow a `Vec<String>` as `&[&str]`.
pub fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

fn signal(pid: u32, name: &str) {
    let status = StdCommand::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid}");
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
