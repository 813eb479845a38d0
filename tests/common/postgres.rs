//! Real PostgreSQL clusters for the database store's tests: `initdb` into a temp dir (as the
//! `postgres` user through `runuser` when the tests run as root, since the server refuses to
//! run as root), a free port of 127.0.0.1, `pg_ctl -w start`, and a fast (then immediate) stop
//! when dropped. Never the system's service. Binaries come from `/usr/lib/postgresql/*/bin`
//! (the newest), else `PATH`; when there are none the test is skipped with a message, or
//! fails under `CERT_REQUIRE_PEERS=1`. A standby made with `pg_basebackup -R` replicates a
//! primary, synchronously once [`Cluster::require_sync_standby`] is called; its replication
//! may go through another port ([`Cluster::standby_through`]: a `wan::Link`). A cluster
//! started with [`STATEMENTS`] counts the statements it executed (`pg_stat_statements`).

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The database superuser of every test cluster (trust authentication on loopback).
pub const USER: &str = "cert";

/// Settings for [`Cluster::start_with`] that load `pg_stat_statements`, for
/// [`Cluster::statements`]: top-level statements only (those a client sent, `BEGIN` and
/// `COMMIT` included), not those run inside functions.
pub const STATEMENTS: &str =
    "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top\n\
     pg_stat_statements.track_utility = on\n";

/// The database that holds the `pg_stat_statements` extension of a cluster started with
/// [`STATEMENTS`] (not the CA's own, `postgres`, whose tables stay the CA's only).
const COUNTERS: &str = "counters";

/// A running test cluster.
pub struct Cluster {
    /// Holds data, socket and log; removed when dropped.
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Run the server's programs as `postgres` (we are root).
    as_postgres: bool,
}

impl Cluster {
    /// A new cluster, started; `None` (test skipped) when PostgreSQL is not installed.
    pub fn start() -> Option<Cluster> {
        Cluster::start_with("")
    }

    /// [`Cluster::start`] with `settings` (lines of postgresql.conf) after the usual ones;
    /// with [`STATEMENTS`] among them, `pg_stat_statements` is made ready to count.
    pub fn start_with(settings: &str) -> Option<Cluster> {
        let Some(bin) = binaries() else {
            if std::env::var("CERT_REQUIRE_PEERS").as_deref() == Ok("1") {
                panic!("peer \"postgresql\" is required (CERT_REQUIRE_PEERS=1) but initdb is not installed");
            }
            eprintln!(
                "SKIPPED: PostgreSQL not found (initdb in /usr/lib/postgresql/*/bin or PATH); install postgresql or set CERT_REQUIRE_PEERS=1 to fail"
            );
            return None;
        };
        let cluster = Cluster::empty(bin);
        cluster.server_program(
            "initdb",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ],
        );
        cluster.configure(settings);
        cluster.pg_ctl_start();
        if settings.contains("pg_stat_statements") {
            cluster.psql(&format!("CREATE DATABASE {COUNTERS}"));
            cluster.psql_in(COUNTERS, "CREATE EXTENSION pg_stat_statements");
        }
        Some(cluster)
    }

    /// A temp dir the server's user owns, and a free port; nothing in it yet.
    fn empty(bin: PathBuf) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("cert-pg-")
            .tempdir()
            .expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            run_ok(
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(dir.path()),
            );
        }
        Cluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        }
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server log.
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// The server log's text.
    pub fn log_text(&self) -> String {
        fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// `postgresql://cert@127.0.0.1:PORT/postgres?sslmode=disable`.
    pub fn url(&self) -> String {
        format!(
            "postgresql://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// The settings of the cluster: loopback only, its socket in its own dir, this port,
    /// `extra` lines after them; fsync stays on (durability is what the tests check).
    fn configure(&self, extra: &str) {
        let conf = self.data().join("postgresql.auto.conf");
        let mut text = fs::read_to_string(&conf).unwrap_or_default();
        text.push_str(&format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             max_connections = 200\nlog_min_messages = warning\n{extra}",
            self.port,
            self.dir.path().display()
        ));
        fs::write(&conf, text).expect("write postgresql.auto.conf");
        if self.as_postgres {
            run_ok(Command::new("chown").arg("postgres:postgres").arg(&conf));
        }
    }

    fn pg_ctl_start(&self) {
        self.server_program(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.log().display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Start it again after [`Cluster::stop`] or [`Cluster::crash`].
    pub fn restart(&self) {
        self.pg_ctl_start();
    }

    /// Stop it cleanly (`pg_ctl -m fast stop`).
    pub fn stop(&self) {
        self.server_program(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }

    /// Stop it as a crash would (`pg_ctl -m immediate stop`: no checkpoint, clients cut off).
    pub fn crash(&self) {
        self.server_program(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    /// Serve TLS with this certificate chain and key (PEM files), after a restart.
    pub fn enable_tls(&self, certificate: &Path, key: &Path) {
        for (source, name) in [(certificate, "server.crt"), (key, "server.key")] {
            let target = self.data().join(name);
            fs::copy(source, &target).expect("copy a TLS file");
            run_ok(Command::new("chmod").arg("600").arg(&target));
            if self.as_postgres {
                run_ok(Command::new("chown").arg("postgres:postgres").arg(&target));
            }
        }
        self.configure("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        self.stop();
        self.restart();
    }

    /// `psql -tA -c SQL` as the superuser: its output, trimmed.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    /// [`Cluster::psql`] in `database`.
    pub fn psql_in(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                USER,
                "-d",
                database,
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql)
            .env_remove("PGPASSWORD")
            .output()
            .expect("run psql");
        assert!(
            output.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// A hot standby of this cluster (`pg_basebackup -R`, streaming), started.
    pub fn standby(&self) -> Cluster {
        let standby = self.base_backup();
        // The copied settings name the primary's port and socket dir: this one's come after.
        standby.configure("hot_standby = on\n");
        standby.pg_ctl_start();
        standby
    }

    /// [`Cluster::standby`] whose replication connection goes to `port` of 127.0.0.1 (a
    /// `wan::Link` to this cluster) instead of to this cluster's own port; the copy itself is
    /// taken directly. Its `application_name` is `standby`.
    pub fn standby_through(&self, port: u16) -> Cluster {
        let standby = self.base_backup();
        // A later line wins over the one `pg_basebackup -R` wrote.
        standby.configure(&format!(
            "hot_standby = on\nprimary_conninfo = 'host=127.0.0.1 port={port} user={USER} \
             application_name=standby sslmode=disable gssencmode=disable'\n"
        ));
        standby.pg_ctl_start();
        standby
    }

    /// A copy of this cluster by `pg_basebackup -R` into a new directory, not started.
    fn base_backup(&self) -> Cluster {
        let standby = Cluster::empty(self.bin.clone());
        standby.server_program(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                "-D",
                &standby.data().display().to_string(),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        standby
    }

    /// Make every commit wait for a standby's confirmation, and wait until one confirms.
    pub fn require_sync_standby(&self) {
        self.psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
        self.psql("SELECT pg_reload_conf()");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")
                == "1"
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no synchronous standby within 30 s");
    }

    /// Statements executed in the CA's database (`postgres`) since the start or the last
    /// [`Cluster::reset_statements`], from `pg_stat_statements` (a cluster started with
    /// [`STATEMENTS`]): each execution counts, `BEGIN` and `COMMIT` included; preparing does not.
    pub fn statements(&self) -> u64 {
        self.psql_in(
            COUNTERS,
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements \
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres')",
        )
        .parse()
        .expect("a count of statements")
    }

    /// The most executed statements in the CA's database since the last reset: (calls, text),
    /// at most `limit`.
    pub fn statement_texts(&self, limit: usize) -> Vec<(u64, String)> {
        let rows = self.psql_in(
            COUNTERS,
            &format!(
                "SELECT calls || E'\\t' || regexp_replace(query, '\\s+', ' ', 'g') \
                 FROM pg_stat_statements \
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres') \
                 ORDER BY calls DESC, query LIMIT {limit}"
            ),
        );
        rows.lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(calls, query)| (calls.parse().unwrap_or(0), query.to_owned()))
            .collect()
    }

    /// Zero the counts of [`Cluster::statements`].
    pub fn reset_statements(&self) {
        self.psql_in(COUNTERS, "SELECT pg_stat_statements_reset()");
    }

    /// Promote this standby to primary and wait until it accepts writes.
    pub fn promote(&self) {
        self.server_program(
            "pg_ctl",
            &["-D", &self.data().display().to_string(), "-w", "promote"],
        );
    }

    /// Run one of the server's programs (as `postgres` when we are root); it must succeed.
    fn server_program(&self, program: &str, args: &[&str]) -> Output {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed:\n{}{}\nlog:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log_text()
        );
        output
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        if !Path::new(&data).join("postmaster.pid").exists() {
            return;
        }
        for mode in ["fast", "immediate"] {
            let path = self.bin.join("pg_ctl");
            let mut command = if self.as_postgres {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(&path);
                command
            } else {
                Command::new(&path)
            };
            let stopped = command
                .args(["-D", &data, "-m", mode, "-w", "-t", "20", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if stopped {
                return;
            }
        }
    }
}

/// The directory of the newest PostgreSQL's programs, if any.
pub fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    bin.join("initdb").is_file().then_some(bin)
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn run_ok(command: &mut Command) {
    let status = command.status().expect("run a command");
    assert!(status.success(), "{command:?} failed");
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
