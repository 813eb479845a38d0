//! PostgreSQL under Patroni for issue 22: one etcd (Debian's `etcd-server`, 3.4) and two
//! members under Debian's `patroni` (3.0), on loopback ports of their own, in a temp dir, with
//! `synchronous_mode` on (not strict: a lone leader keeps accepting writes) and Patroni's
//! failover timing shortened (`ttl` 10 s, `loop_wait` 2 s). Everything runs as `postgres` when
//! the tests run as root (the server refuses root) and is stopped when dropped.
//!
//! A member's replication may cross a `wan::Link`: each member then advertises its link as
//! its PostgreSQL address (`connect_address`), so the standby streams from the leader through
//! the leader's link, whichever member leads; clients use the members' own ports.
//!
//! Killing a member's host is SIGKILL to its Patroni (the process this harness started, and
//! its children) and to its postmaster and that one's children (Patroni starts PostgreSQL
//! detached, in a session of its own, so it is found by the `postmaster.pid` of the member's
//! data directory). Nothing else is signalled. A switchover is asked of the leader's REST API
//! (`POST /switchover`), as `patronictl switchover` does.
//!
//! Skipped with a message when Patroni, etcd or PostgreSQL is missing; a failure under
//! `CERT_REQUIRE_PEERS=1`.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::postgres::{binaries, free_port, is_root, USER};
use super::wan::Link;

/// Longest wait for a member to lead or follow, or for etcd to answer.
const PATIENCE: Duration = Duration::from_secs(90);

/// etcd and two PostgreSQL members under Patroni.
pub struct Patroni {
    dir: tempfile::TempDir,
    etcd: Child,
    etcd_port: u16,
    members: Vec<Member>,
    /// The members' WAN links, when their replication crosses one.
    links: Vec<Link>,
    /// (uid, gid) of `postgres`, when we are root.
    run_as: Option<(u32, u32)>,
}

/// One member: its ports, files, and Patroni's process while it runs.
pub struct Member {
    /// `m0`, `m1`: Patroni's name, and its standby's `application_name`.
    pub name: String,
    /// PostgreSQL's own port on 127.0.0.1.
    pub port: u16,
    /// Patroni's REST API port on 127.0.0.1.
    pub api_port: u16,
    config: PathBuf,
    data: PathBuf,
    log: PathBuf,
    process: Option<Child>,
}

/// A member as Patroni's REST API (`GET /cluster`) describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub name: String,
    /// `leader`, `sync_standby`, `replica`, ...
    pub role: String,
    /// `running`, `starting`, `stopped`, ...
    pub state: String,
    pub timeline: Option<u64>,
}

impl Patroni {
    /// etcd and two members, started; `Some` once member 0 leads and member 1 is its
    /// synchronous standby. With `wan`, the replication between them crosses a [`Link`] of
    /// that one-way delay. `None` (test skipped) when a peer is missing.
    pub fn start(wan: Option<Duration>) -> Option<Patroni> {
        if !super::require_peer("patroni") || !super::require_peer("etcd") {
            return None;
        }
        let Some(bin) = binaries() else {
            // initdb is not in PATH on Debian: this says "missing" as Cluster::start does.
            super::require_peer_with("postgresql", "initdb", &["--version"]);
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("cert-patroni-")
            .tempdir()
            .expect("temp dir");
        let run_as = is_root().then(|| (id("-u"), id("-g")));
        if run_as.is_some() {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(status.success(), "chown the Patroni dir");
        }
        let etcd_port = free_port();
        let etcd = start_etcd(dir.path(), etcd_port, run_as);
        let mut members = Vec::new();
        let mut links = Vec::new();
        for index in 0..2 {
            let member = Member {
                name: format!("m{index}"),
                port: free_port(),
                api_port: free_port(),
                config: dir.path().join(format!("m{index}.yml")),
                data: dir.path().join(format!("m{index}")),
                log: dir.path().join(format!("m{index}.log")),
                process: None,
            };
            let advertised = match wan {
                Some(delay) => {
                    let link = Link::to_port(member.port, delay);
                    let port = link.port();
                    links.push(link);
                    port
                }
                None => member.port,
            };
            let config = member_config(&member, dir.path(), &bin, etcd_port, advertised);
            fs::write(&member.config, config).expect("write a Patroni config");
            members.push(member);
        }
        let mut patroni = Patroni {
            dir,
            etcd,
            etcd_port,
            members,
            links,
            run_as,
        };
        patroni.wait_for_etcd();
        // The first member bootstraps (initdb) and leads; the second copies it and follows.
        patroni.restart(0);
        patroni.wait_for_leader(None);
        patroni.restart(1);
        patroni.wait_for_sync_standby();
        Some(patroni)
    }

    /// The members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The WAN links of the members' replication (empty without `wan`), by member.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The URL a node uses: both members' own ports, the one that takes writes wins.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .members
            .iter()
            .map(|member| format!("127.0.0.1:{}", member.port))
            .collect();
        format!(
            "postgresql://{USER}@{}/postgres?sslmode=disable&target_session_attrs=read-write",
            hosts.join(",")
        )
    }

    /// The members as Patroni sees them, from the REST API of the first running member that
    /// answers; `None` when none does.
    pub fn states(&self) -> Option<Vec<MemberState>> {
        self.members
            .iter()
            .filter(|member| member.process.is_some())
            .find_map(|member| rest_cluster(member.api_port))
    }

    /// The member Patroni calls the running leader, if any.
    pub fn leader(&self) -> Option<usize> {
        let states = self.states()?;
        let leader = states
            .iter()
            .find(|state| state.role == "leader" && state.state == "running")?;
        self.members.iter().position(|m| m.name == leader.name)
    }

    /// Wait until a member other than `not` leads and its PostgreSQL takes writes; its index.
    pub fn wait_for_leader(&self, not: Option<usize>) -> usize {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(leader) = self.leader().filter(|&leader| Some(leader) != not) {
                if self
                    .try_psql(leader, "SELECT pg_is_in_recovery()")
                    .as_deref()
                    == Some("f")
                {
                    return leader;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no new leader within {PATIENCE:?}: {:?}\n{}",
                self.states(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The member Patroni calls the running synchronous standby, if any.
    pub fn sync_standby(&self) -> Option<usize> {
        let states = self.states()?;
        let standby = states
            .iter()
            .find(|state| state.role == "sync_standby" && state.state == "running")?;
        self.members.iter().position(|m| m.name == standby.name)
    }

    /// Whether member `index`'s Patroni runs (it was not killed, or was started again).
    pub fn is_up(&self, index: usize) -> bool {
        self.members[index].process.is_some()
    }

    /// Ask Patroni (the REST API of `leader`) to hand the leadership to `candidate`, its
    /// synchronous standby: a switchover, which Patroni answers once it is done or failed.
    /// Whether Patroni said it succeeded, and its answer.
    pub fn switchover(&self, leader: usize, candidate: usize) -> (bool, String) {
        let body = format!(
            r#"{{"leader":"{}","candidate":"{}"}}"#,
            self.members[leader].name, self.members[candidate].name
        );
        match http_request(self.members[leader].api_port, "POST", "/switchover", &body) {
            Some((status, text)) => (status == 200, text),
            None => (false, "no answer from Patroni's REST API".to_owned()),
        }
    }

    /// Wait until a member is the running synchronous standby; its index.
    pub fn wait_for_sync_standby(&self) -> usize {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(states) = self.states() {
                let standby = states
                    .iter()
                    .find(|state| state.role == "sync_standby" && state.state == "running")
                    .and_then(|state| self.members.iter().position(|m| m.name == state.name));
                if let Some(standby) = standby {
                    return standby;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no synchronous standby within {PATIENCE:?}: {:?}\n{}",
                self.states(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Kill member `index`'s whole host: SIGKILL to its Patroni and its PostgreSQL, and
    /// their children, at once.
    pub fn kill_host(&mut self, index: usize) {
        let member = &mut self.members[index];
        let mut pids = Vec::new();
        if let Some(process) = member.process.as_mut() {
            // Once reaped, its pid may be another's.
            if matches!(process.try_wait(), Ok(None)) {
                pids.extend(process_tree(process.id()));
            }
        }
        if let Some(postmaster) = postmaster(&member.data) {
            pids.extend(process_tree(postmaster));
        }
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(pids.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut process) = member.process.take() {
            let _ = process.wait();
        }
    }

    /// Start member `index`'s Patroni (again), which starts its PostgreSQL as leader or
    /// follower, as it decides.
    pub fn restart(&mut self, index: usize) {
        assert!(self.members[index].process.is_none(), "already running");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.members[index].log)
            .expect("open a Patroni log");
        let mut command = self.command("patroni");
        command
            .arg(&self.members[index].config)
            .stdout(log.try_clone().expect("clone a log file"))
            .stderr(log);
        let process = command.spawn().expect("start patroni");
        self.members[index].process = Some(process);
    }

    /// `psql -tA -c SQL` on member `index`'s own port; its output, or `None` when it fails.
    pub fn try_psql(&self, index: usize, sql: &str) -> Option<String> {
        let psql = binaries()?.join("psql");
        let output = Command::new(psql)
            .args(["-h", "127.0.0.1", "-U", USER, "-d", "postgres", "-tA"])
            .args(["-v", "ON_ERROR_STOP=1"])
            .arg("-p")
            .arg(self.members[index].port.to_string())
            .arg("-c")
            .arg(sql)
            .env("PGCONNECT_TIMEOUT", "5")
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// [`Patroni::try_psql`], required to succeed.
    pub fn psql(&self, index: usize, sql: &str) -> String {
        self.try_psql(index, sql)
            .unwrap_or_else(|| panic!("psql {sql:?} on {} failed", self.members[index].name))
    }

    /// Patroni's, PostgreSQL's and etcd's logs, for failure messages (their last lines).
    pub fn logs(&self) -> String {
        let mut text = String::new();
        let files = self
            .members
            .iter()
            .map(|member| member.log.clone())
            .chain([self.dir.path().join("etcd.log")]);
        for file in files {
            let log = fs::read_to_string(&file).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(30)..];
            text.push_str(&format!("--- {}\n{}\n", file.display(), tail.join("\n")));
        }
        text
    }

    /// `program` as the server's user, with a clean environment.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path())
            .env("LANG", "C.UTF-8")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn wait_for_etcd(&self) {
        let deadline = Instant::now() + PATIENCE;
        while !http_get(self.etcd_port, "/health").is_some_and(|body| body.contains("true")) {
            assert!(
                Instant::now() < deadline,
                "etcd never healthy\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Patroni {
    fn drop(&mut self) {
        // Patroni stops its PostgreSQL (fast) on SIGTERM, both members at once; whatever is
        // left after 30 s is killed.
        for member in &self.members {
            if let Some(process) = &member.process {
                let _ = Command::new("kill")
                    .args(["-TERM", &process.id().to_string()])
                    .status();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        for index in 0..self.members.len() {
            while let Some(process) = self.members[index].process.as_mut() {
                if !matches!(process.try_wait(), Ok(None)) || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            self.kill_host(index);
        }
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
    }
}

/// etcd on `port` (clients) and the next free port (peers), its data in `dir`.
fn start_etcd(dir: &Path, port: u16, run_as: Option<(u32, u32)>) -> Child {
    let peer = free_port();
    let log = fs::File::create(dir.join("etcd.log")).expect("etcd log");
    let client_url = format!("http://127.0.0.1:{port}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let mut command = Command::new("etcd");
    command
        .args(["--name", "e1", "--data-dir"])
        .arg(dir.join("etcd"))
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("e1={peer_url}")])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone a log file"))
        .stderr(log);
    if let Some((uid, gid)) = run_as {
        command.uid(uid).gid(gid);
    }
    command.spawn().expect("start etcd")
}

/// A member's Patroni configuration: its REST API and PostgreSQL on their ports, PostgreSQL
/// advertised on `advertised` (its own port or its WAN link's), trust on loopback.
fn member_config(member: &Member, dir: &Path, bin: &Path, etcd: u16, advertised: u16) -> String {
    format!(
        "scope: cert\n\
         name: {name}\n\
         restapi:\n  listen: 127.0.0.1:{api}\n  connect_address: 127.0.0.1:{api}\n\
         etcd3:\n  hosts: 127.0.0.1:{etcd}\n\
         bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 2\n    retry_timeout: 4\n    \
         synchronous_mode: true\n    postgresql:\n      use_pg_rewind: true\n      \
         parameters:\n        max_connections: 200\n  \
         initdb:\n  - auth: trust\n  - encoding: UTF8\n  - no-locale\n  \
         pg_hba:\n  - host replication all 127.0.0.1/32 trust\n  \
         - host all all 127.0.0.1/32 trust\n  - local all all trust\n\
         postgresql:\n  listen: 127.0.0.1:{port}\n  connect_address: 127.0.0.1:{advertised}\n  \
         data_dir: {data}\n  bin_dir: {bin}\n  pgpass: {dir}/pgpass-{name}\n  \
         authentication:\n    superuser:\n      username: {USER}\n    \
         replication:\n      username: {USER}\n    rewind:\n      username: {USER}\n  \
         parameters:\n    unix_socket_directories: '{dir}'\n",
        name = member.name,
        api = member.api_port,
        port = member.port,
        data = member.data.display(),
        bin = bin.display(),
        dir = dir.display(),
    )
}

/// `GET /cluster` of the Patroni REST API on `port`, parsed.
fn rest_cluster(port: u16) -> Option<Vec<MemberState>> {
    let body = http_get(port, "/cluster")?;
    let json: serde_json::Value = serde_json::from_str(&body).ok()?;
    let members = json.get("members")?.as_array()?;
    Some(
        members
            .iter()
            .map(|member| {
                let text = |key: &str| {
                    member
                        .get(key)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                MemberState {
                    name: text("name"),
                    role: text("role"),
                    state: text("state"),
                    timeline: member.get("timeline").and_then(|v| v.as_u64()),
                }
            })
            .collect(),
    )
}

/// The body of `GET path` from 127.0.0.1:`port` (HTTP/1.0, a 2 s budget), if it answered 200.
fn http_get(port: u16, path: &str) -> Option<String> {
    let (status, body) = http_exchange(port, "GET", path, "", Duration::from_secs(2))?;
    (status == 200).then_some(body)
}

/// `METHOD path` with a JSON `body` to 127.0.0.1:`port` (HTTP/1.0, a 60 s budget: a
/// switchover is answered when it is over); its status and body.
fn http_request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    http_exchange(port, method, path, body, Duration::from_secs(60))
}

fn http_exchange(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    budget: Duration,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .ok()?;
    stream.set_read_timeout(Some(budget)).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

/// The postmaster of the data directory `data`, if one is running.
fn postmaster(data: &Path) -> Option<u32> {
    let pid: u32 = fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()?;
    // The pid file outlives a killed postmaster: check it is that postmaster still.
    let command = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let command = String::from_utf8_lossy(&command);
    command.contains(&data.display().to_string()).then_some(pid)
}

/// `pid` and its descendants, from /proc.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut all = Vec::new();
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        all.push(pid);
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            if let Ok(children) = fs::read_to_string(task.path().join("children")) {
                stack.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
    }
    all
}

/// `id FLAG postgres` (`-u`: its uid, `-g`: its gid).
fn id(flag: &str) -> u32 {
    let output = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("run id");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("the postgres user exists")
}
