//! A WAN on loopback (issues 21 and 22): this kernel has no netem, so a [`Link`] is a TCP proxy
//! on 127.0.0.1 that forwards to one target and delays each direction by a set time, can be
//! cut silently and healed, and counts what crossed it. It runs on a tokio runtime of its own
//! (one worker thread) that the `Link` owns, so synchronous tests use it as a value; dropping
//! it stops everything (its port refuses, its connections are closed).
//!
//! The model, per connection:
//! - **Delay.** Each chunk read from one side is written to the other the delay after it was
//!   read (the delay set at the time it was read; never sooner, and up to a millisecond later:
//!   tokio's timer ticks in milliseconds), in order; chunks do not wait for each other, so a
//!   stream arrives as a stream delayed once, not once per chunk. Without delay a chunk is
//!   written at once. The TCP handshake costs a round trip as on a real link: the client's
//!   first bytes are not sent on before the connection is twice the delay old (the connect
//!   that returned at once here would have returned one round trip later).
//! - **Cut.** [`Link::cut`] stops forwarding both ways on every connection and stops accepting:
//!   no RST, no FIN, data is held (in the proxy and in the kernel's buffers), as a dropped
//!   link would leave it; a new connection may complete its handshake from the listen backlog
//!   (the kernel does that) but is not accepted and no byte of it passes. [`Link::heal`] lets
//!   everything held flow again, in order, one delay after the heal (as retransmissions would
//!   arrive, without TCP's back-off), and accepts the waiting connections.
//! - **Counters.** A *turn* is client-to-target data followed by target-to-client data on one
//!   connection, judged when the proxy reads it: one request/response round trip, however many
//!   statements a pipelined request carries ([`Link::round_trips`], summed over connections;
//!   [`Link::connections`] per connection). The handshake is not a turn (count connections with
//!   [`Link::accepted`]). Bytes are counted each way.
//!
//! What it does not model: bandwidth and flow control across the link (it reads as fast as
//! either side sends and holds in memory what the other has not yet taken), loss other than
//! a cut, and the far kernel's view of a cut: the proxy's own kernel acknowledges what it
//! receives, so a peer's TCP keepalive or `TCP_USER_TIMEOUT` never fires through a cut link;
//! only the peer's own timeouts (a statement's, a request's) notice one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Bytes read from a socket at once.
const CHUNK: usize = 64 * 1024;

/// A delayed, cuttable TCP link from a port of 127.0.0.1 to one target.
pub struct Link {
    /// `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    port: u16,
    state: Arc<State>,
}

/// What a connection carried since it was accepted or since the last [`Link::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Turns: target-to-client data after client-to-target data.
    pub turns: u64,
    /// Bytes from the client to the target.
    pub bytes_up: u64,
    /// Bytes from the target to the client.
    pub bytes_down: u64,
    /// Whether both directions are still forwarding.
    pub open: bool,
}

/// What the link's tasks share with the `Link` value.
struct State {
    target: SocketAddr,
    delay_nanos: AtomicU64,
    /// `true` while cut.
    cut: watch::Sender<bool>,
    turns: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    accepted: AtomicU64,
    connections: Mutex<Vec<Arc<Connection>>>,
}

/// One proxied connection's counters.
struct Connection {
    turns: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    /// The direction of the last chunk read: `Some(true)` up, `Some(false)` down.
    last_up: Mutex<Option<bool>>,
    /// Directions that ended (0, 1 or 2).
    ended: AtomicU64,
    /// Set when either direction failed to write: the connection is being torn down.
    broken: AtomicBool,
}

/// A direction of a connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Client to target.
    Up,
    /// Target to client.
    Down,
}

/// What a reader hands its writer: bytes to write at a time, or the end of the stream.
enum Chunk {
    Data(Instant, Vec<u8>),
    End(Instant),
}

impl Link {
    /// A link to `target` with `one_way_delay` each way, listening on a free port of
    /// 127.0.0.1.
    pub fn start(target: SocketAddr, one_way_delay: Duration) -> Link {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("wan-link")
            .enable_all()
            .build()
            .expect("start the link's runtime");
        let (cut, _) = watch::channel(false);
        let state = Arc::new(State {
            target,
            delay_nanos: AtomicU64::new(nanos(one_way_delay)),
            cut,
            turns: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        runtime.spawn(accept(listener, state.clone()));
        Link {
            runtime: Some(runtime),
            port,
            state,
        }
    }

    /// A link to `127.0.0.1:port`.
    pub fn to_port(port: u16, one_way_delay: Duration) -> Link {
        Link::start(SocketAddr::from(([127, 0, 0, 1], port)), one_way_delay)
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The one-way delay of chunks read from now on.
    pub fn set_delay(&self, one_way_delay: Duration) {
        self.state
            .delay_nanos
            .store(nanos(one_way_delay), Ordering::SeqCst);
    }

    /// The one-way delay.
    pub fn delay(&self) -> Duration {
        Duration::from_nanos(self.state.delay_nanos.load(Ordering::SeqCst))
    }

    /// Stop forwarding and accepting, silently, until [`Link::heal`].
    pub fn cut(&self) {
        self.state.cut.send_replace(true);
    }

    /// Forward what was held and accept again.
    pub fn heal(&self) {
        self.state.cut.send_replace(false);
    }

    /// Whether it is cut.
    pub fn is_cut(&self) -> bool {
        *self.state.cut.borrow()
    }

    /// Turns (round trips) over all connections since the start or the last reset.
    pub fn round_trips(&self) -> u64 {
        self.state.turns.load(Ordering::SeqCst)
    }

    /// Bytes from clients to the target since the start or the last reset.
    pub fn bytes_up(&self) -> u64 {
        self.state.bytes_up.load(Ordering::SeqCst)
    }

    /// Bytes from the target to clients since the start or the last reset.
    pub fn bytes_down(&self) -> u64 {
        self.state.bytes_down.load(Ordering::SeqCst)
    }

    /// Connections accepted since the start or the last reset.
    pub fn accepted(&self) -> u64 {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Each connection's counters, in the order they were accepted: those still open, and
    /// those that closed since the last reset.
    pub fn connections(&self) -> Vec<ConnectionStats> {
        let connections = self.state.connections.lock().unwrap();
        connections.iter().map(|c| c.stats()).collect()
    }

    /// Zero every counter, and forget the connections that closed.
    pub fn reset(&self) {
        let mut connections = self.state.connections.lock().unwrap();
        connections.retain(|c| c.stats().open);
        for connection in connections.iter() {
            connection.turns.store(0, Ordering::SeqCst);
            connection.bytes_up.store(0, Ordering::SeqCst);
            connection.bytes_down.store(0, Ordering::SeqCst);
        }
        self.state.turns.store(0, Ordering::SeqCst);
        self.state.bytes_up.store(0, Ordering::SeqCst);
        self.state.bytes_down.store(0, Ordering::SeqCst);
        self.state.accepted.store(0, Ordering::SeqCst);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Its tasks are dropped with it, and their sockets closed, before this returns (so
        // not from inside another runtime's task).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

impl Connection {
    fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            turns: self.turns.load(Ordering::SeqCst),
            bytes_up: self.bytes_up.load(Ordering::SeqCst),
            bytes_down: self.bytes_down.load(Ordering::SeqCst),
            open: self.ended.load(Ordering::SeqCst) < 2 && !self.broken.load(Ordering::SeqCst),
        }
    }
}

impl State {
    fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::SeqCst))
    }

    /// Count `bytes` read in `direction` on `connection`, and a turn when the data changed
    /// direction from up to down.
    fn count(&self, connection: &Connection, direction: Direction, bytes: usize) {
        let bytes = bytes as u64;
        let mut last_up = connection.last_up.lock().unwrap();
        match direction {
            Direction::Up => {
                self.bytes_up.fetch_add(bytes, Ordering::SeqCst);
                connection.bytes_up.fetch_add(bytes, Ordering::SeqCst);
            }
            Direction::Down => {
                self.bytes_down.fetch_add(bytes, Ordering::SeqCst);
                connection.bytes_down.fetch_add(bytes, Ordering::SeqCst);
                if *last_up == Some(true) {
                    self.turns.fetch_add(1, Ordering::SeqCst);
                    connection.turns.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        *last_up = Some(direction == Direction::Up);
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Wait until the link is not cut; whether it was.
async fn healed(cut: &mut watch::Receiver<bool>) -> bool {
    let was_cut = *cut.borrow_and_update();
    if was_cut {
        // Only an error when the sender (the state) is gone, which the runtime outlives not.
        let _ = cut.wait_for(|cut| !*cut).await;
    }
    was_cut
}

/// Accept connections while not cut, each proxied by a task of its own.
async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut cut = state.cut.subscribe();
    loop {
        healed(&mut cut).await;
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // Cut while waiting: stop accepting (what then connects waits in the backlog).
            _ = cut.wait_for(|cut| *cut) => continue,
        };
        let Ok((client, _)) = accepted else {
            continue;
        };
        state.accepted.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(proxy(client, state.clone()));
    }
}

/// Forward one accepted connection both ways until both ends closed.
async fn proxy(client: TcpStream, state: Arc<State>) {
    let accepted = Instant::now();
    // The handshake's round trip, charged to the client's first bytes.
    let handshake = accepted + 2 * state.delay();
    let mut cut = state.cut.subscribe();
    healed(&mut cut).await;
    let Ok(target) = TcpStream::connect(state.target).await else {
        // Nothing listens there: the client sees its connection closed, when a refusal
        // would have come back.
        tokio::time::sleep_until(handshake).await;
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = target.set_nodelay(true);
    let connection = Arc::new(Connection {
        turns: AtomicU64::new(0),
        bytes_up: AtomicU64::new(0),
        bytes_down: AtomicU64::new(0),
        last_up: Mutex::new(None),
        ended: AtomicU64::new(0),
        broken: AtomicBool::new(false),
    });
    state.connections.lock().unwrap().push(connection.clone());
    let (client_read, client_write) = client.into_split();
    let (target_read, target_write) = target.into_split();
    let (up_send, up_receive) = mpsc::unbounded_channel();
    let (down_send, down_receive) = mpsc::unbounded_channel();
    tokio::join!(
        read(
            client_read,
            up_send,
            Direction::Up,
            handshake,
            &state,
            &connection
        ),
        write(target_write, up_receive, &state, &connection),
        read(
            target_read,
            down_send,
            Direction::Down,
            accepted,
            &state,
            &connection
        ),
        write(client_write, down_receive, &state, &connection),
    );
}

/// Read chunks from `source` and hand each to the writer with the time it is due: the delay
/// after it was read (or after `not_before`, whichever is later). Stops reading while cut.
async fn read(
    mut source: OwnedReadHalf,
    sink: mpsc::UnboundedSender<Chunk>,
    direction: Direction,
    not_before: Instant,
    state: &State,
    connection: &Connection,
) {
    let mut cut = state.cut.subscribe();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        healed(&mut cut).await;
        let read = tokio::select! {
            read = source.read(&mut buffer) => read,
            // The writer gave up (its peer is gone): stop reading too.
            _ = sink.closed() => break,
        };
        let due = Instant::now().max(not_before) + state.delay();
        match read {
            Ok(0) | Err(_) => {
                let _ = sink.send(Chunk::End(due));
                break;
            }
            Ok(count) => {
                state.count(connection, direction, count);
                if sink
                    .send(Chunk::Data(due, buffer[..count].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
}

/// Write each chunk to `sink` when it is due and the link is not cut; at the end of the
/// stream shut the write side down (a FIN, passed on).
async fn write(
    mut sink: OwnedWriteHalf,
    mut chunks: mpsc::UnboundedReceiver<Chunk>,
    state: &State,
    connection: &Connection,
) {
    let mut cut = state.cut.subscribe();
    while let Some(chunk) = chunks.recv().await {
        let due = match &chunk {
            Chunk::Data(due, _) | Chunk::End(due) => *due,
        };
        // tokio's timer has millisecond ticks: a sleep ends up to a tick late, and even one
        // that is already due waits for the next tick, which a link without delay must not.
        if due > Instant::now() {
            tokio::time::sleep_until(due).await;
        }
        if healed(&mut cut).await {
            // Held by a cut: it crosses the link after the heal.
            tokio::time::sleep(state.delay()).await;
        }
        match chunk {
            Chunk::Data(_, bytes) => {
                if sink.write_all(&bytes).await.is_err() {
                    connection.broken.store(true, Ordering::SeqCst);
                    break;
                }
            }
            Chunk::End(_) => {
                let _ = sink.shutdown().await;
                break;
            }
        }
    }
    connection.ended.fetch_add(1, Ordering::SeqCst);
}
