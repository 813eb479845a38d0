//! A real headless Chromium for the web console's tests (issue 27): Debian's `chromium`,
//! driven through `chromedriver` on a free port of 127.0.0.1 with WebDriver (fantoccini).
//! Each [`Browser`] is its own chromedriver and Chromium with a fresh profile (its own cookies:
//! a second administrator), accepting the test CA's certificate for the test's own daemon
//! (`--ignore-certificate-errors`: the CA is made by the test). [`Browser::stop`] ends the
//! WebDriver session; dropping it kills chromedriver and the Chromium processes of its
//! profile by their process ids, so a failed test leaves none behind. Screenshots go to
//! `CERT_CONSOLE_SCREENSHOTS` when set (what made docs/console/), else under the target dir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::serve::free_port;

/// The peers these tests need: Chromium and its WebDriver.
pub fn peers() -> bool {
    super::require_peer("chromium") && super::require_peer("chromedriver")
}

/// A Chromium under chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: tempfile::TempDir,
}

impl Browser {
    /// A new browser, with JavaScript on or off, its window `width` x `height`.
    pub async fn start(javascript: bool, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromedriver");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--ignore-certificate-errors".into(),
            "--lang=en-US".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let capabilities = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {"args": args, "binary": "/usr/bin/chromium"},
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object")
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut browser = None;
        let mut last = String::new();
        while Instant::now() < deadline {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    browser = Some(client);
                    break;
                }
                Err(error) => last = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let Some(client) = browser else {
            panic!("no WebDriver session from chromedriver on {url}: {last}");
        };
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// Go to `url` and wait until its document has loaded.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_owned()
    }

    /// The text of the first element `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .expect("text")
    }

    /// Wait up to `within` for an element `css` selects; whether it came.
    pub async fn wait_for(&self, css: &str, within: Duration) -> bool {
        self.client
            .wait()
            .at_most(within)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
            .is_ok()
    }

    /// Click the first element `css` selects and wait for the page it leads to, if any.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The page's markup as the browser holds it now.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// Run `script` in the page; its value.
    pub async fn run(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Whether an alert (a dialog a script opened) is showing.
    pub async fn alert_showing(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    /// The value of the cookie `name`.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.client
            .get_named_cookie(name)
            .await
            .ok()
            .map(|cookie| cookie.value().to_owned())
    }

    /// Save a screenshot of the page as `NAME.png`; where it went.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let directory = screenshots();
        std::fs::create_dir_all(&directory).expect("screenshot dir");
        let path = directory.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// End the WebDriver session (Chromium exits), then chromedriver.
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        kill_profile_processes(self.profile.path());
    }
}

/// Where screenshots go.
pub fn screenshots() -> PathBuf {
    match std::env::var_os("CERT_CONSOLE_SCREENSHOTS") {
        Some(directory) => PathBuf::from(directory),
        None => Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots"),
    }
}

/// SIGKILL, by process id, every process whose command line names `profile` (the Chromium
/// processes of one browser, which may outlive a chromedriver killed mid-test).
fn kill_profile_processes(profile: &Path) {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}
