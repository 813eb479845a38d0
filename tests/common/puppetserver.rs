//! A real puppetserver 8 master (issue 24), from the trixie tree of [`super::trixie`], with its
//! CA service disabled: its TLS files are a `cert export --for master` bundle, its catalog a
//! `site.pp` the test writes. Every file of its configuration is in the world's temp dir (the
//! tree is only read): `conf.d` (webserver on 127.0.0.1 and a free port, the JRuby settings, a
//! console-only log), `services.d` (the tree's services, the CA's disabled one), and the
//! master's own confdir, codedir and vardir. It runs as root in the tree's namespaces and is
//! killed with them when dropped. puppetserver takes a minute or more to start: start one per
//! test run, not one per check.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::serve::free_port;
use super::trixie::Release;

/// What puppetserver logs once it serves.
const STARTED: &str = "Puppet Server has successfully started";

/// A running puppetserver master.
pub struct Master {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its log (stdout and stderr).
    pub log: PathBuf,
}

impl Master {
    /// Start puppetserver in `dir` (made) as `certname`, with TLS from the exported bundle
    /// `bundle` (an ssldir: `certs/NAME.pem`, `private_keys/NAME.pem`, `certs/ca.pem`,
    /// `crl.pem`) and `site_pp` as its production manifest; wait until it has started.
    pub fn start(
        release: &Release,
        dir: &Path,
        certname: &str,
        bundle: &Path,
        site_pp: &str,
    ) -> Master {
        let tree = release
            .tree()
            .expect("puppetserver runs from the trixie tree");
        let port = free_port();
        for sub in ["conf.d", "services.d", "conf", "var", "run", "log"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let manifests = dir.join("code/environments/production/manifests");
        fs::create_dir_all(&manifests).unwrap();
        fs::write(manifests.join("site.pp"), site_pp).unwrap();
        let shipped = tree.join("etc/puppet/puppetserver");
        for file in ["auth.conf", "ca.conf", "metrics.conf"] {
            fs::copy(
                shipped.join("conf.d").join(file),
                dir.join("conf.d").join(file),
            )
            .unwrap();
        }
        fs::copy(
            shipped.join("services.d/bootstrap.cfg"),
            dir.join("services.d/bootstrap.cfg"),
        )
        .unwrap();
        let write = |name: &str, text: String| fs::write(dir.join(name), text).unwrap();
        write(
            "services.d/ca.cfg",
            "puppetlabs.services.ca.certificate-authority-disabled-service/\
             certificate-authority-disabled-service\n\
             puppetlabs.trapperkeeper.services.watcher.filesystem-watch-service/\
             filesystem-watch-service\n"
                .into(),
        );
        write(
            "logback.xml",
            "<configuration>\n  <appender name=\"STDOUT\" \
             class=\"ch.qos.logback.core.ConsoleAppender\">\n    <encoder><pattern>%d %-5p \
             [%c{2}] %m%n</pattern></encoder>\n  </appender>\n  <root level=\"info\">\
             <appender-ref ref=\"STDOUT\"/></root>\n</configuration>\n"
                .into(),
        );
        let d = dir.display();
        let b = bundle.display();
        write(
            "conf.d/global.conf",
            format!("global: {{\n  logging-config: {d}/logback.xml\n}}\n"),
        );
        write(
            "conf.d/webserver.conf",
            format!(
                "webserver: {{\n  client-auth: want\n  ssl-host: 127.0.0.1\n  ssl-port: {port}\n  \
                 ssl-cert: {b}/certs/{certname}.pem\n  ssl-key: {b}/private_keys/{certname}.pem\n  \
                 ssl-ca-cert: {b}/certs/ca.pem\n  ssl-crl-path: {b}/crl.pem\n}}\n"
            ),
        );
        write(
            "conf.d/web-routes.conf",
            "web-router-service: {\n  \
             \"puppetlabs.services.master.master-service/master-service\": \"/puppet\"\n  \
             \"puppetlabs.services.puppet-admin.puppet-admin-service/puppet-admin-service\": \
             \"/puppet-admin-api\"\n  \
             \"puppetlabs.trapperkeeper.services.status.status-service/status-service\": \
             \"/status\"\n  \
             \"puppetlabs.trapperkeeper.services.metrics.metrics-service/metrics-webservice\": \
             \"/metrics\"\n}\n"
                .into(),
        );
        write(
            "conf.d/puppetserver.conf",
            format!(
                "jruby-puppet: {{\n  ruby-load-path: [/usr/lib/puppetserver/ruby/vendor_ruby]\n  \
                 gem-home: /var/lib/puppetserver/jruby-gems\n  \
                 gem-path: [/var/lib/puppetserver/jruby-gems, \
                 \"/usr/lib/puppetserver/vendored-jruby-gems\"]\n  \
                 server-conf-dir: {d}/conf\n  server-code-dir: {d}/code\n  \
                 server-var-dir: {d}/var\n  server-run-dir: {d}/run\n  \
                 server-log-dir: {d}/log\n  max-active-instances: 1\n}}\n\
                 http-client: {{\n}}\nprofiler: {{\n}}\n"
            ),
        );
        write(
            "conf/puppet.conf",
            format!(
                "[main]\ncertname = {certname}\nssldir = {b}\nvardir = {d}/var\n\
                 logdir = {d}/log\nrundir = {d}/run\ncodedir = {d}/code\n"
            ),
        );
        let log = dir.join("puppetserver.log");
        let java = format!(
            "cd /usr/share/puppetserver && exec java -Xms512m -Xmx512m \
             -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger \
             -Djruby.lib=/usr/share/jruby/lib -XX:+CrashOnOutOfMemoryError \
             -jar /usr/share/puppetserver/puppetserver.jar \
             --config {d}/conf.d --bootstrap-config {d}/services.d"
        );
        let child = release
            .command("sh", dir)
            .args(["-c", &java])
            .env("LANG", "C")
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::File::create(dir.join("puppetserver.err")).unwrap())
            .spawn()
            .expect("start puppetserver");
        let mut master = Master { child, port, log };
        master.wait_started(dir);
        master
    }

    /// Wait for puppetserver's "started" line (five minutes on a busy machine at most).
    fn wait_started(&mut self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            if self.log_text().contains(STARTED) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "puppetserver exited with {status}:\n{}\n{}",
                    self.log_text(),
                    fs::read_to_string(dir.join("puppetserver.err")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("puppetserver did not start in time:\n{}", self.log_text());
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        // The namespaces' launcher: its death kills every process of the tree's namespaces.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
