//! Several CA nodes on one database: node 0 sets the CA up in the database (`cert setup` with
//! `ca_store` in its puppet.conf), the others get its keys in their own CA directory (as an
//! operator copies them from `cert export --ca-standby`) and their own certname and ssldir;
//! each runs a real `cert serve`. Requests go through `curl` from threads that know only the
//! ports, so that a node can be killed and restarted while they run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::serve::Server;
use super::World;

/// The Puppet CA API prefix.
pub const API: &str = "/puppet-ca/v1";

/// One CA node: its world (keys, ssldir, puppet.conf) and its daemon when running.
pub struct Node {
    pub world: World,
    pub server: Option<Server>,
}

/// `count` nodes on the database at `url`, each serving; node 0 made the CA (its host
/// `ca.test` has `pp_cli_auth`: the admin). The CA certificate curl trusts is in the result.
pub fn start_nodes(url: &str, count: usize) -> (Vec<Node>, PathBuf) {
    start_nodes_on(&vec![url; count])
}

/// [`start_nodes`], node `i` reaching the database at `urls[i]` (one database by several
/// ways: directly, through a `wan::Link`, by a multi-host URL).
pub fn start_nodes_on(urls: &[&str]) -> (Vec<Node>, PathBuf) {
    start_nodes_configured(urls, "", |_| Vec::new())
}

/// [`start_nodes`] with `extra` lines appended to each node's puppet.conf (in its `[server]`
/// section, which comes last: `autosign = false` there wins over `[main]`'s) and each node's
/// daemon given `args(index)` (issue 27: a console listener per node).
pub fn start_nodes_with(
    url: &str,
    count: usize,
    extra: &str,
    args: impl Fn(usize) -> Vec<String>,
) -> (Vec<Node>, PathBuf) {
    start_nodes_configured(&vec![url; count], extra, args)
}

/// Node `i` on `urls[i]`, with `extra` in its puppet.conf and `args(i)` for its daemon.
fn start_nodes_configured(
    urls: &[&str],
    extra: &str,
    args: impl Fn(usize) -> Vec<String>,
) -> (Vec<Node>, PathBuf) {
    let config = |certname: &str, url: &str| format!("{}{extra}", node_config(certname, url));
    let first = World::with_config(&config("ca.test", urls[0]));
    first.ok(&["setup", "--subject-alt-names", "localhost,127.0.0.1"]);
    let cacert = first.path().join("ca-trust.pem");
    fs::copy(first.ssl("certs/ca.pem"), &cacert).unwrap();
    let mut nodes = vec![Node {
        world: first,
        server: None,
    }];
    for (index, url) in urls.iter().enumerate().skip(1) {
        let world = World::with_config(&config(&format!("ca{index}.test"), url));
        fs::create_dir_all(&world.cadir).unwrap();
        for key in ["ca_key.pem", "root_key.pem"] {
            fs::copy(nodes[0].world.ca(key), world.ca(key)).unwrap();
        }
        nodes.push(Node {
            world,
            server: None,
        });
    }
    for (index, node) in nodes.iter_mut().enumerate() {
        let args = args(index);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        node.server = Some(Server::start_trusting(&node.world, &args, &cacert));
    }
    (nodes, cacert)
}

/// puppet.conf of a node named `certname` on the database at `url`: autosign on, a server
/// certificate valid for 127.0.0.1.
pub fn node_config(certname: &str, url: &str) -> String {
    format!(
        "[main]\ncertname = {certname}\nkey_type = ec\ndns_alt_names = localhost,127.0.0.1\n\
         autosign = true\n[server]\nca_store = {url}\n"
    )
}

impl Node {
    /// The port its daemon listens on.
    pub fn port(&self) -> u16 {
        self.server.as_ref().expect("node is serving").port
    }

    /// Restart a killed or stopped daemon (on a new port).
    pub fn restart(&mut self, cacert: &Path) {
        self.server = Some(Server::start_trusting(&self.world, &[], cacert));
    }
}

/// A reply: status (0 when there was no HTTP answer), headers (lower-case names), body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `PUT certificate_status/NAME` `{"desired_state":"revoked"}` to the node on `port`, as the
/// admin `ca.test` whose certificate is in `world`'s ssldir.
pub fn revoke_over_http(world: &World, port: u16, cacert: &Path, name: &str) -> Reply {
    let admin = super::serve::client(&world.ssldir, "ca.test");
    let revoke = world.path().join("revoke.json");
    fs::write(&revoke, r#"{"desired_state":"revoked"}"#).unwrap();
    let data = format!("@{}", revoke.display());
    let mut args = vec![
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &data,
    ];
    args.extend(super::serve::strs(&admin));
    curl(
        port,
        cacert,
        &format!("{API}/certificate_status/{name}"),
        &args,
    )
}

/// `curl -i` to `https://127.0.0.1:PORT{path}` trusting `cacert`, with `args`.
pub fn curl(port: u16, cacert: &Path, path: &str, args: &[&str]) -> Reply {
    let output = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20", "--cacert"])
        .arg(cacert)
        .args(args)
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Reply {
            status: 0,
            headers: Vec::new(),
            body: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
    };
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `PUT certificate_request/NAME` with the CSR file `csr`.
pub fn submit(port: u16, cacert: &Path, name: &str, csr: &Path) -> Reply {
    let data = format!("@{}", csr.display());
    curl(
        port,
        cacert,
        &format!("{API}/certificate_request/{name}"),
        &[
            "-X",
            "PUT",
            "-H",
            "Content-Type: text/plain",
            "--data-binary",
            &data,
        ],
    )
}

/// `GET certificate_revocation_list/ca`.
pub fn crl(port: u16, cacert: &Path) -> Reply {
    curl(
        port,
        cacert,
        &format!("{API}/certificate_revocation_list/ca"),
        &[],
    )
}

/// Serials of the issuing CA's CRL in `pem` (the first of the chain).
pub fn crl_serials(pem: &str) -> std::collections::BTreeSet<u128> {
    let crls = cert::crl::Crl::chain_from_pem("CRL", pem.as_bytes()).expect("a CRL chain");
    crls[0].revoked.iter().map(|r| r.serial.0).collect()
}
