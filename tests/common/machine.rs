//! Issue 25: a fresh Debian bookworm booted by a real systemd, for the package's tests. No VM
//! and no container engine: a root made once by `.ci/run` with debootstrap (kept at
//! [`BASE_ROOT`], and [`PUPPET_ROOT`] with Debian's puppet-agent added), seen through an
//! overlay whose upper layer is this machine's own (so every machine starts from the same
//! pristine root and nothing is copied), booted as PID 1 of its own PID, mount and UTS
//! namespaces (and network namespace, unless told to share one), and entered with `nsenter`.
//!
//! What the machine sees of the host is kept small: a private `/dev` (a few device nodes and
//! its own devpts), `/sys` and `/proc/sys` read-only, the cgroup hierarchies writable in a
//! cgroup of the machine's own (so that two machines' systemd never manage the same cgroups).
//! Dropping a [`Machine`] kills its PID 1 (the kernel then kills every process of the
//! namespace, and the mounts go with it), removes its cgroups and its upper layer.
//!
//! The package itself is the one CI built: `CERT_PACKAGE_DEB` names it. A missing root,
//! package, or a test not run as root skips the test with `SKIPPED:`, or fails it under
//! `CERT_REQUIRE_PEERS=1`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// debootstrap's bookworm with systemd, dbus, curl, ca-certificates and adduser.
pub const BASE_ROOT: &str = "/var/cache/cert-ci/bookworm-systemd";
/// The same with Debian's puppet-agent installed.
pub const PUPPET_ROOT: &str = "/var/cache/cert-ci/bookworm-systemd-puppet";

/// How long one command inside a machine may take before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// What the package's tests need: root, both roots and the package; `None` (skipped) when one
/// is missing, a panic under `CERT_REQUIRE_PEERS=1`.
pub fn require_machines() -> Option<PathBuf> {
    let required = std::env::var("CERT_REQUIRE_PEERS").as_deref() == Ok("1");
    let missing = |what: String| -> Option<PathBuf> {
        if required {
            panic!("the package's tests cannot run (CERT_REQUIRE_PEERS=1): {what}");
        }
        eprintln!("SKIPPED: {what}; set CERT_REQUIRE_PEERS=1 to fail instead");
        None
    };
    if !is_root() {
        return missing("booting systemd in namespaces needs root".into());
    }
    for root in [BASE_ROOT, PUPPET_ROOT] {
        if !Path::new(root).join("lib/systemd/systemd").is_file() {
            return missing(format!(
                "no Debian bookworm root with systemd at {root} (.ci/run makes it with debootstrap)"
            ));
        }
    }
    for program in ["unshare", "nsenter", "dpkg-deb"] {
        if !super::require_peer_with(program, program, &["--version"]) {
            return None;
        }
    }
    match std::env::var_os("CERT_PACKAGE_DEB").map(PathBuf::from) {
        Some(deb) if deb.is_file() => Some(deb),
        Some(deb) => missing(format!("CERT_PACKAGE_DEB={} is not a file", deb.display())),
        None => missing("CERT_PACKAGE_DEB does not name the .deb to test (.ci/run sets it)".into()),
    }
}

/// Which network namespace a machine lives in.
pub enum Network<'a> {
    /// One of its own: only its loopback, which systemd brings up.
    Own,
    /// That machine's: both see each other on 127.0.0.1.
    Shared(&'a Machine),
    /// The host's: it reaches what the test runs on 127.0.0.1, and must bind free ports.
    Host,
}

/// A booted root.
pub struct Machine {
    /// The host name, also in its `/etc/hosts` with every other test machine's.
    pub name: String,
    /// PID 1 of the machine, as the host sees it.
    pid: u32,
    unshare: Child,
    /// The cgroups made for it, one per hierarchy.
    cgroups: Vec<PathBuf>,
    /// `upper/`, `work/` and the mount point `root/` of the overlay.
    dir: tempfile::TempDir,
}

impl Machine {
    /// Boot `root` (a debootstrap'd tree, never written) as host `name` and wait until systemd
    /// says the system is up.
    pub fn boot(root: &str, name: &str, network: Network) -> Machine {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::Builder::new()
            .prefix("cert-machine-")
            .tempdir()
            .expect("temp dir");
        for sub in ["upper/etc", "upper/root", "work", "root"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        fs::write(dir.path().join("upper/etc/hostname"), format!("{name}\n")).unwrap();
        fs::write(
            dir.path().join("upper/etc/hosts"),
            "127.0.0.1 localhost ca.test agent.test\n::1 localhost\n",
        )
        .unwrap();
        let label = format!(
            "cert-machine-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let cgroups = make_cgroups(&label);
        let target = dir.path().join("root");
        let mount_script = format!(
            "set -e\n\
             mount --make-rprivate /\n\
             mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {r}\n\
             mount -t proc proc {r}/proc\n\
             mount --bind {r}/proc/sys {r}/proc/sys\n\
             mount -o remount,bind,ro {r}/proc/sys\n\
             mount --bind /sys {r}/sys\n\
             mount -o remount,bind,ro {r}/sys\n\
             mount --rbind /sys/fs/cgroup {r}/sys/fs/cgroup\n\
             mount -t tmpfs -o mode=0755,nosuid dev {r}/dev\n\
             for node in null zero full random urandom tty; do\n\
                 touch {r}/dev/$node\n\
                 mount --bind /dev/$node {r}/dev/$node\n\
             done\n\
             mkdir {r}/dev/pts {r}/dev/shm\n\
             mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts {r}/dev/pts\n\
             ln -s pts/ptmx {r}/dev/ptmx\n\
             mount -t tmpfs -o mode=1777,nosuid,nodev shm {r}/dev/shm\n\
             hostname {name}\n\
             cd {r}\n\
             exec chroot . env -i container=other /lib/systemd/systemd --system\n",
            lower = root,
            upper = dir.path().join("upper").display(),
            work = dir.path().join("work").display(),
            r = target.display(),
        );
        // The shell joins the machine's cgroups first: unshare, and systemd after it, inherit
        // them, and systemd takes its own cgroup as the root of what it manages.
        let mut join = String::new();
        for cgroup in &cgroups {
            join.push_str(&format!("echo $$ > {}/cgroup.procs\n", cgroup.display()));
        }
        let (enter_net, new_net) = match network {
            Network::Own => (String::new(), "n"),
            Network::Shared(other) => (format!("nsenter --net=/proc/{}/ns/net ", other.pid), ""),
            Network::Host => (String::new(), ""),
        };
        let script = format!(
            "set -e\n{join}exec {enter_net}unshare -fpmu{new_net} sh -c '{}'\n",
            mount_script.replace('\'', r"'\''")
        );
        let unshare = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("boot.log")).unwrap())
            .spawn()
            .expect("spawn unshare");
        let mut machine = Machine {
            name: name.to_owned(),
            pid: 0,
            unshare,
            cgroups,
            dir,
        };
        machine.pid = machine.find_systemd();
        // systemctl talks to it once its private socket is there.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !machine.host_path("/run/systemd/private").exists() {
            assert!(
                Instant::now() < deadline,
                "{name}: systemd has no socket after a minute"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let state = machine.sh("systemctl is-system-running --wait");
        let state = String::from_utf8_lossy(&state.stdout).trim().to_owned();
        // logind may fail in a container: "degraded" is up too.
        assert!(
            state == "running" || state == "degraded",
            "{name}: systemd is {state:?}:\n{}",
            machine.sh_text("systemctl --failed --no-pager; journalctl -b --no-pager | tail -50")
        );
        machine
    }

    /// The PID 1 of the machine: unshare's only child running systemd, within a minute.
    fn find_systemd(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(60);
        let unshare = self.unshare.id();
        loop {
            if let Ok(Some(status)) = self.unshare.try_wait() {
                panic!(
                    "{}: the machine did not boot ({status}):\n{}",
                    self.name,
                    fs::read_to_string(self.dir.path().join("boot.log")).unwrap_or_default()
                );
            }
            // `sh` execs `unshare` (or nsenter, which execs unshare), which forks PID 1.
            let children = fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children"))
                .unwrap_or_default();
            for child in children.split_whitespace() {
                let exe = fs::read_link(format!("/proc/{child}/exe")).unwrap_or_default();
                if exe.ends_with("systemd") {
                    return child.parse().unwrap();
                }
            }
            assert!(
                Instant::now() < deadline,
                "{}: no systemd after a minute:\n{}",
                self.name,
                fs::read_to_string(self.dir.path().join("boot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `sh -c SCRIPT` inside, as root in `/root` with a clean environment, within
    /// [`COMMAND_TIMEOUT`].
    pub fn sh(&self, script: &str) -> Output {
        self.command(script)
            .output()
            .unwrap_or_else(|e| panic!("{}: cannot run nsenter: {e}", self.name))
    }

    /// `sh -c SCRIPT` inside, its stdout and stderr together, whatever its exit.
    pub fn sh_text(&self, script: &str) -> String {
        let output = self.sh(script);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// `sh -c SCRIPT` inside, required to succeed: its stdout.
    pub fn ok(&self, script: &str) -> String {
        let output = self.sh(script);
        assert!(
            output.status.success(),
            "{}: `{script}` failed ({}):\nstdout: {}\nstderr: {}",
            self.name,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `sh -c SCRIPT` inside, required to fail: its stdout and stderr.
    pub fn fails(&self, script: &str) -> String {
        let output = self.sh(script);
        assert!(
            !output.status.success(),
            "{}: `{script}` succeeded:\n{}",
            self.name,
            String::from_utf8_lossy(&output.stdout)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// `sh -c SCRIPT` inside, started in the background (output to pipes).
    pub fn spawn(&self, script: &str) -> Child {
        self.command(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot run nsenter: {e}", self.name))
    }

    fn command(&self, script: &str) -> Command {
        let mut command = Command::new("timeout");
        command
            .args(["-s", "KILL", &COMMAND_TIMEOUT.as_secs().to_string()])
            .arg("nsenter")
            .args([
                "-t",
                &self.pid.to_string(),
                "-m",
                "-u",
                "-n",
                "-p",
                "-r",
                "-w",
            ])
            .args([
                "env",
                "-i",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/root",
                "LANG=C.UTF-8",
                "DEBIAN_FRONTEND=noninteractive",
                "sh",
                "-c",
            ])
            .arg(format!("cd /root && {script}"))
            .stdin(Stdio::null());
        command
    }

    /// Where the machine's `path` is, seen from the host (for writing files into it).
    pub fn host_path(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root", self.pid)).join(path.trim_start_matches('/'))
    }

    /// Write `bytes` to `path` inside (root's, mode 0644 unless `mode`).
    pub fn write(&self, path: &str, bytes: impl AsRef<[u8]>, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let host = self.host_path(path);
        fs::write(&host, bytes).unwrap_or_else(|e| panic!("write {path}: {e}"));
        fs::set_permissions(&host, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Copy the host's file `from` to `path` inside.
    pub fn copy_in(&self, from: &Path, path: &str) {
        fs::copy(from, self.host_path(path))
            .unwrap_or_else(|e| panic!("copy {} to {path}: {e}", from.display()));
    }

    /// The bytes of `path` inside.
    pub fn read(&self, path: &str) -> Vec<u8> {
        fs::read(self.host_path(path)).unwrap_or_else(|e| panic!("{}: read {path}: {e}", self.name))
    }

    /// The journal of `unit`, message text only.
    pub fn journal(&self, unit: &str) -> String {
        self.sh_text(&format!("journalctl -u {unit} -o cat --no-pager"))
    }

    /// One property of a unit (`systemctl show -p NAME --value`).
    pub fn property(&self, unit: &str, name: &str) -> String {
        self.ok(&format!("systemctl show -p {name} --value {unit}"))
            .trim()
            .to_owned()
    }

    /// Wait up to `timeout` for `ready`, checked every 200 ms; on timeout, fail with `what` and
    /// the journal of `unit`.
    pub fn wait_for(
        &self,
        what: &str,
        unit: &str,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        while !ready() {
            assert!(
                Instant::now() < deadline,
                "{}: {what} within {timeout:?}; journal of {unit}:\n{}",
                self.name,
                self.journal(unit)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if self.pid != 0 {
            // PID 1 of the namespace: the kernel kills the rest, and the mounts go with it.
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .status();
        }
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
        remove_cgroups(&self.cgroups);
    }
}

/// A cgroup named `label` below this process's own in each hierarchy systemd uses (the named
/// `systemd` one and the unified one; with cgroup v2 alone, the unified one only).
fn make_cgroups(label: &str) -> Vec<PathBuf> {
    let own = fs::read_to_string("/proc/self/cgroup").expect("read /proc/self/cgroup");
    let hybrid = Path::new("/sys/fs/cgroup/unified/cgroup.procs").exists();
    let mut cgroups = Vec::new();
    for line in own.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next(), fields.next(), fields.next());
        let mount = match controllers {
            Some("name=systemd") => "/sys/fs/cgroup/systemd",
            Some("") if hybrid => "/sys/fs/cgroup/unified",
            Some("") => "/sys/fs/cgroup",
            _ => continue,
        };
        let path = path.unwrap_or("/").trim_start_matches('/');
        let cgroup = Path::new(mount).join(path).join(label);
        fs::create_dir_all(&cgroup)
            .unwrap_or_else(|e| panic!("make cgroup {}: {e}", cgroup.display()));
        cgroups.push(cgroup);
    }
    assert!(
        !cgroups.is_empty(),
        "no cgroup hierarchy for systemd:\n{own}"
    );
    cgroups
}

/// Remove the cgroups below and including each of `cgroups`, deepest first, once their
/// processes are gone (a few seconds at most after PID 1 died); with cgroup v1 controllers
/// (memory, pids, devices ...), systemd made the same path in each of their hierarchies too.
fn remove_cgroups(cgroups: &[PathBuf]) {
    fn remove(directory: &Path) -> bool {
        let mut done = true;
        if let Ok(entries) = fs::read_dir(directory) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    done &= remove(&entry.path());
                }
            }
        }
        done && fs::remove_dir(directory).is_ok()
    }
    let mut all = cgroups.to_vec();
    // The systemd hierarchy's path of the machine, relative to its mount point.
    let named = cgroups
        .iter()
        .find_map(|cgroup| cgroup.strip_prefix("/sys/fs/cgroup/systemd").ok());
    if let (Some(relative), Ok(hierarchies)) = (named, fs::read_dir("/sys/fs/cgroup")) {
        for hierarchy in hierarchies.flatten() {
            let cgroup = hierarchy.path().join(relative);
            if !all.contains(&cgroup) && cgroup.is_dir() {
                all.push(cgroup);
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    for cgroup in &all {
        while cgroup.exists() && !remove(cgroup) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status
                .lines()
                .find(|line| line.starts_with("Uid:"))?
                .to_owned();
            line.split_whitespace().nth(2).map(|uid| uid == "0")
        })
        .unwrap_or(false)
}
