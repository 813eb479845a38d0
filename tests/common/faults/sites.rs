//! The two sites of the fault schedule, on loopback. Site A holds Patroni's member `m0` and
//! site B `m1` (PostgreSQL under Patroni, synchronous mode, so whichever leads has its
//! synchronous standby at the other site); each site holds `cert serve` nodes whose database
//! URL lists their own site's member first and the other site's second, with
//! `target_session_attrs=read-write`. Everything that crosses between the sites goes through
//! one of two [`Link`]s, one into each site's member: the far nodes' database traffic and the
//! standby's replication (Patroni advertises each member at its link). Cutting "the link
//! between the sites" cuts both. etcd and Patroni's REST API are a third site that both reach
//! directly, as a witness would be (a cut never decides a failover by itself here).
//!
//! The daemons' ports live in [`Ports`], which the agents' threads read: a node being killed,
//! stopped or started is absent from it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::super::nodes::{start_nodes_on, Node};
use super::super::patroni::Patroni;
use super::super::postgres::USER;

/// One of the two sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Site {
    A,
    B,
}

impl Site {
    /// The other site.
    pub fn other(self) -> Site {
        match self {
            Site::A => Site::B,
            Site::B => Site::A,
        }
    }

    /// The Patroni member at this site.
    pub fn member(self) -> usize {
        match self {
            Site::A => 0,
            Site::B => 1,
        }
    }

    /// The site of Patroni member `index`.
    pub fn of_member(index: usize) -> Site {
        if index == 0 {
            Site::A
        } else {
            Site::B
        }
    }

    /// `a` or `b`, for certnames.
    pub fn letter(self) -> &'static str {
        match self {
            Site::A => "a",
            Site::B => "b",
        }
    }
}

/// The daemons' ports, by node: `None` while a node is not serving.
pub struct Ports {
    ports: Mutex<Vec<Option<u16>>>,
    sites: Vec<Site>,
}

impl Ports {
    /// A live node at `site`, the `turn`-th of those serving (so that an agent that turns to
    /// the next finds another), with its index; `None` when none is serving.
    pub fn pick(&self, site: Site, turn: usize) -> Option<(usize, u16)> {
        let ports = self.ports.lock().unwrap();
        let live: Vec<(usize, u16)> = ports
            .iter()
            .enumerate()
            .filter(|(node, _)| self.sites[*node] == site)
            .filter_map(|(node, port)| port.map(|port| (node, port)))
            .collect();
        (!live.is_empty()).then(|| live[turn % live.len()])
    }

    /// Every serving node and its port.
    pub fn live(&self) -> Vec<(usize, u16)> {
        let ports = self.ports.lock().unwrap();
        ports
            .iter()
            .enumerate()
            .filter_map(|(node, port)| port.map(|port| (node, port)))
            .collect()
    }

    fn set(&self, node: usize, port: Option<u16>) {
        self.ports.lock().unwrap()[node] = port;
    }
}

/// The two sites, running.
pub struct Sites {
    pub patroni: Patroni,
    pub nodes: Vec<Node>,
    /// The site of each node.
    pub site_of: Vec<Site>,
    /// The CA certificate the clients trust.
    pub cacert: PathBuf,
    pub ports: Arc<Ports>,
    /// Site A's database URL (for an admin's CLI at site A).
    pub url_a: String,
}

impl Sites {
    /// Patroni's two members with their replication `delay` (one way) apart, and
    /// `nodes_per_site` nodes at each site; `None` (skipped) when a peer is missing.
    pub fn start(delay: Duration, nodes_per_site: usize) -> Option<Sites> {
        if !super::super::require_peer("curl") {
            return None;
        }
        let patroni = Patroni::start(Some(delay))?;
        let url = |site: Site| {
            let own = patroni.members()[site.member()].port;
            let far = patroni.links()[site.other().member()].port();
            format!(
                "postgresql://{USER}@127.0.0.1:{own},127.0.0.1:{far}/postgres?sslmode=disable\
                 &target_session_attrs=read-write"
            )
        };
        let (url_a, url_b) = (url(Site::A), url(Site::B));
        let mut urls = vec![url_a.as_str(); nodes_per_site];
        urls.extend(vec![url_b.as_str(); nodes_per_site]);
        let mut site_of = vec![Site::A; nodes_per_site];
        site_of.extend(vec![Site::B; nodes_per_site]);
        let (nodes, cacert) = start_nodes_on(&urls);
        let ports = Arc::new(Ports {
            ports: Mutex::new(nodes.iter().map(|node| Some(node.port())).collect()),
            sites: site_of.clone(),
        });
        Some(Sites {
            patroni,
            nodes,
            site_of,
            cacert,
            ports,
            url_a,
        })
    }

    /// The nodes at `site`.
    pub fn nodes_at(&self, site: Site) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&node| self.site_of[node] == site)
            .collect()
    }

    /// Kill node `node`'s daemon with SIGKILL.
    pub fn kill(&mut self, node: usize) {
        self.ports.set(node, None);
        if let Some(mut server) = self.nodes[node].server.take() {
            server.kill();
        }
    }

    /// Stop node `node`'s daemon with SIGTERM, and wait for it to exit.
    pub fn stop(&mut self, node: usize) {
        self.ports.set(node, None);
        if let Some(mut server) = self.nodes[node].server.take() {
            server.stop();
        }
    }

    /// Start node `node`'s daemon (on a new port) and wait until it answers (at most a
    /// minute); how long it took.
    pub fn start_node(&mut self, node: usize) -> Duration {
        let started = Instant::now();
        self.nodes[node].restart(&self.cacert);
        self.ports.set(node, Some(self.nodes[node].port()));
        started.elapsed()
    }

    /// Cut the link between the sites, both ways, silently.
    pub fn cut(&self) {
        for link in self.patroni.links() {
            link.cut();
        }
    }

    /// Heal the link between the sites.
    pub fn heal(&self) {
        for link in self.patroni.links() {
            link.heal();
        }
    }

    /// The site of the member Patroni calls the leader, if any.
    pub fn leader_site(&self) -> Option<Site> {
        self.patroni.leader().map(Site::of_member)
    }

    /// Every log file node `node`'s daemons wrote (one per start).
    pub fn logs(&self, node: usize) -> Vec<PathBuf> {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.nodes[node].world.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with("serve-") && name.ends_with(".log"))
            })
            .collect();
        logs.sort();
        logs
    }
}
