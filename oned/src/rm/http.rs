//! The HTTP/1.1 side of the API: connections, limits and the order in which a request is read.
//!
//! Each connection is a task that reads requests with `httparse` and answers them with
//! `Content-Length` bodies, keeping the connection for the next request (keep-alive). What
//! protects the server from clients that hold connections or send slowly:
//!
//! - **Connection cap** (`MAX_CONN`): at the cap, the accept loop closes the connection idle
//!   the longest — one waiting for a request, or one whose request
//!   is not yet authenticated — so idle and half-open connections can never lock clients out.
//!   A connection serving an authenticated request is never closed that way.
//! - **Timeouts**: `KEEPALIVE_TIMEOUT` for a request to start, `HEADER_TIMEOUT` for its
//!   headers, `TIMEOUT` for its body and for each step of writing the response.
//! - **Authentication before the body**: only the first [`PREAUTH_LIMIT`] bytes of a body are
//!   read before the call is authenticated; the session (the first parameter) must be in them
//!   ([`libone::xmlrpc::parse_call_head`]). The rest, up to `MESSAGE_SIZE`, is read only for an
//!   authenticated caller. A refused call is answered without reading its body, and the
//!   connection is closed.
//!
//! Requests must be `POST /RPC2` (or `/`) with a `Content-Length`; chunked bodies are refused
//! (XML-RPC clients send lengths). `Expect: 100-continue` is answered.

use super::Core;
use super::server;
use crate::config::HttpConfig;
use crate::error::{ApiError, fault_code};
use libone::xmlrpc::{self, Value};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// The most bytes of a body read before the call is authenticated.
pub const PREAUTH_LIMIT: usize = 64 * 1024;
/// The largest request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// Headers parsed per request.
const MAX_HEADERS: usize = 64;
/// Responses are written in pieces of this size, each within `TIMEOUT`.
const WRITE_CHUNK: usize = 256 * 1024;
/// How long a shutdown waits for requests in progress.
const DRAIN: Duration = Duration::from_secs(10);

/// The limits, as durations.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_conn: usize,
    pub keepalive_timeout: Duration,
    pub keepalive_max: u32,
    pub header_timeout: Duration,
    pub timeout: Duration,
    pub message_size: usize,
}

impl From<&HttpConfig> for Limits {
    fn from(c: &HttpConfig) -> Self {
        Limits {
            max_conn: c.max_conn,
            keepalive_timeout: Duration::from_secs(c.keepalive_timeout),
            keepalive_max: c.keepalive_max_conn,
            header_timeout: Duration::from_secs(c.header_timeout),
            timeout: Duration::from_secs(c.timeout),
            message_size: c.message_size,
        }
    }
}

/// Binds `addr` with a listen queue of `backlog`.
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// One connection as the accept loop sees it.
struct Slot {
    /// Serving an authenticated request: never evicted.
    busy: AtomicBool,
    /// Asked to close (evicted); not picked again.
    evicted: AtomicBool,
    /// Milliseconds (since the registry's start) of its last activity.
    since: AtomicU64,
    close: Notify,
}

/// The open connections, for eviction.
struct Registry {
    start: Instant,
    next: AtomicU64,
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn add(self: &Arc<Self>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            busy: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            since: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
        });
        self.slots.lock().insert(id, slot.clone());
        Registered { registry: self.clone(), id, slot }
    }

    /// Asks the connection idle the longest to close; false if every connection is busy.
    fn evict_one(&self) -> bool {
        let slots = self.slots.lock();
        let victim = slots
            .values()
            .filter(|s| !s.busy.load(Ordering::Acquire) && !s.evicted.load(Ordering::Acquire))
            .min_by_key(|s| s.since.load(Ordering::Relaxed));
        match victim {
            Some(s) => {
                s.evicted.store(true, Ordering::Release);
                s.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A connection's entry; removed when the connection ends.
struct Registered {
    registry: Arc<Registry>,
    id: u64,
    slot: Arc<Slot>,
}

impl Registered {
    fn set_busy(&self, busy: bool) {
        self.slot.busy.store(busy, Ordering::Release);
        self.slot.since.store(self.registry.now_ms(), Ordering::Relaxed);
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.slots.lock().remove(&self.id);
    }
}

/// How many connections are open, and a signal when one ends.
struct Count {
    open: AtomicUsize,
    ended: Notify,
}

/// A connection's place in the count, given back when it ends.
struct Counted(Arc<Count>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
        self.0.ended.notify_waiters();
    }
}

/// Serves the API on `listener` until `shutdown` completes, then lets requests in progress
/// finish (bounded) and returns.
pub async fn serve(
    core: Arc<Core>,
    listener: TcpListener,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Arc::new(limits);
    let count = Arc::new(Count { open: AtomicUsize::new(0), ended: Notify::new() });
    let registry =
        Arc::new(Registry { start: Instant::now(), next: AtomicU64::new(0), slots: Mutex::new(HashMap::new()) });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors (or another passing error): make room and go on.
                tracing::warn!("accept failed: {e}");
                registry.evict_one();
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // At the cap, the connection idle the longest makes room (it closes at once; the count
        // may pass the cap by the connections closing at this moment). If every connection is
        // serving a request, wait for one to end (new ones queue in the backlog meanwhile).
        if count.open.load(Ordering::Acquire) >= limits.max_conn && !registry.evict_one() {
            let room = async {
                while count.open.load(Ordering::Acquire) >= limits.max_conn {
                    let ended = count.ended.notified();
                    if count.open.load(Ordering::Acquire) < limits.max_conn {
                        break;
                    }
                    ended.await;
                }
            };
            if tokio::time::timeout(limits.timeout, room).await.is_err() {
                continue;
            }
        }
        count.open.fetch_add(1, Ordering::AcqRel);
        let counted = Counted(count.clone());
        let _ = stream.set_nodelay(true);
        let conn =
            Connection { core: core.clone(), limits: limits.clone(), peer, reg: registry.add(), stop: stop_rx.clone() };
        tokio::spawn(async move {
            conn.run(stream).await;
            drop(counted);
        });
    }
    // Idle connections close now; requests in progress get DRAIN to finish.
    let _ = stop_tx.send(true);
    let drained = async {
        while count.open.load(Ordering::Acquire) > 0 {
            let ended = count.ended.notified();
            if count.open.load(Ordering::Acquire) == 0 {
                break;
            }
            ended.await;
        }
    };
    let _ = tokio::time::timeout(DRAIN, drained).await;
    Ok(())
}

/// Why a connection stops reading.
enum Stop {
    /// End of input, an error, a timeout, eviction or shutdown: close without answering.
    Close,
    /// Answer with this HTTP status and close.
    Status(u16, &'static str),
}

struct Connection {
    core: Arc<Core>,
    limits: Arc<Limits>,
    peer: SocketAddr,
    reg: Registered,
    stop: watch::Receiver<bool>,
}

/// What the head of a request says.
struct Head {
    /// Bytes of the head in the buffer.
    len: usize,
    content_length: usize,
    keep_alive: bool,
    expect_continue: bool,
}

impl Connection {
    async fn run(mut self, mut stream: TcpStream) {
        let mut buf: Vec<u8> = Vec::with_capacity(8192);
        let mut served: u32 = 0;
        loop {
            // Wait for a request to start.
            if buf.is_empty() {
                let deadline = tokio::time::Instant::now() + self.limits.keepalive_timeout;
                if self.read_more(&mut stream, &mut buf, deadline, true).await.is_err() {
                    return;
                }
            }
            let head = match self.read_head(&mut stream, &mut buf).await {
                Ok(h) => h,
                Err(Stop::Close) => return,
                Err(Stop::Status(code, reason)) => {
                    let _ = self.write_status(&mut stream, code, reason).await;
                    return;
                }
            };
            buf.drain(..head.len);
            if head.expect_continue && stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err() {
                return;
            }
            served += 1;
            let keep_alive = head.keep_alive && served < self.limits.keepalive_max;
            match self.serve_request(&mut stream, &mut buf, &head).await {
                Ok(reply) => {
                    let keep = keep_alive && reply.keep;
                    if self.write_reply(&mut stream, &reply.body, keep).await.is_err() || !keep {
                        return;
                    }
                    buf.drain(..head.content_length.min(buf.len()));
                    self.reg.set_busy(false);
                }
                Err(Stop::Close) => return,
                Err(Stop::Status(code, reason)) => {
                    let _ = self.write_status(&mut stream, code, reason).await;
                    return;
                }
            }
        }
    }

    /// Reads at least one more byte into `buf` before `deadline`; an idle wait (`idle`) also
    /// ends on shutdown. Eviction ends any wait.
    async fn read_more(
        &mut self,
        stream: &mut TcpStream,
        buf: &mut Vec<u8>,
        deadline: tokio::time::Instant,
        idle: bool,
    ) -> Result<(), Stop> {
        if idle && *self.stop.borrow() {
            return Err(Stop::Close);
        }
        let slot = self.reg.slot.clone();
        let stopping = async {
            if idle {
                let _ = self.stop.wait_for(|s| *s).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            r = stream.read_buf(buf) => match r {
                Ok(0) | Err(_) => Err(Stop::Close),
                Ok(_) => Ok(()),
            },
            _ = tokio::time::sleep_until(deadline) => Err(Stop::Close),
            _ = slot.close.notified() => Err(Stop::Close),
            _ = stopping => Err(Stop::Close),
        }
    }

    /// Reads and checks a request head (the first bytes are in `buf`).
    async fn read_head(&mut self, stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Head, Stop> {
        let deadline = tokio::time::Instant::now() + self.limits.header_timeout;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(len)) => return self.check_head(&req, len),
                Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
                    return Err(Stop::Status(431, "Request Header Fields Too Large"));
                }
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(Stop::Status(431, "Request Header Fields Too Large"));
                }
                Err(_) => return Err(Stop::Status(400, "Bad Request")),
            }
            self.read_more(stream, buf, deadline, false).await?;
        }
    }

    fn check_head(&self, req: &httparse::Request, len: usize) -> Result<Head, Stop> {
        if len > MAX_HEAD {
            return Err(Stop::Status(431, "Request Header Fields Too Large"));
        }
        if req.method != Some("POST") {
            return Err(Stop::Status(405, "Method Not Allowed"));
        }
        let path = req.path.unwrap_or("");
        if path != "/RPC2" && path != "/" {
            return Err(Stop::Status(404, "Not Found"));
        }
        let http11 = req.version == Some(1);
        let mut keep_alive = http11;
        let mut content_length = None;
        let mut expect_continue = false;
        for h in req.headers.iter() {
            let value = std::str::from_utf8(h.value).unwrap_or("").trim();
            if h.name.eq_ignore_ascii_case("content-length") {
                let n = value.parse::<usize>().map_err(|_| Stop::Status(400, "Bad Request"))?;
                if content_length.is_some_and(|c| c != n) {
                    return Err(Stop::Status(400, "Bad Request"));
                }
                content_length = Some(n);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(Stop::Status(411, "Length Required"));
            } else if h.name.eq_ignore_ascii_case("connection") {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    keep_alive = false;
                } else if v.contains("keep-alive") {
                    keep_alive = true;
                }
            } else if h.name.eq_ignore_ascii_case("expect") && value.eq_ignore_ascii_case("100-continue") {
                expect_continue = true;
            }
        }
        let content_length = content_length.ok_or(Stop::Status(411, "Length Required"))?;
        Ok(Head { len, content_length, keep_alive, expect_continue })
    }

    /// Reads the body (authenticating from its first bytes) and runs the call.
    async fn serve_request(&mut self, stream: &mut TcpStream, buf: &mut Vec<u8>, head: &Head) -> Result<Reply, Stop> {
        let total = head.content_length;
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        if total > self.limits.message_size {
            let msg = format!(
                "The request body of {total} bytes is larger than MESSAGE_SIZE ({} bytes)",
                self.limits.message_size
            );
            return Ok(Reply { body: xmlrpc::fault(fault_code::LIMIT, &msg), keep: false });
        }
        // The method and the session, from the first bytes of the body.
        let (method, first) = loop {
            let have = buf.len().min(total);
            let text = utf8_prefix(&buf[..have]);
            match xmlrpc::parse_call_head(text) {
                Ok(h) => break h,
                // The whole body is here and its head does not parse: the full parse says why.
                Err(_) if have == total => return Ok(self.run_call(buf, total, None).await),
                Err(_) if have >= PREAUTH_LIMIT => {
                    let msg = format!(
                        "The session (the first parameter) must be within the first {PREAUTH_LIMIT} bytes of the body"
                    );
                    return Ok(Reply { body: xmlrpc::fault(fault_code::LIMIT, &msg), keep: false });
                }
                Err(_) => self.read_more(stream, buf, deadline, false).await?,
            }
        };
        // Refusals that need no authentication: unknown methods, a session that is no string.
        let complete = buf.len() >= total;
        let early = |e: ApiError| Ok(Reply { body: e.to_response(&method), keep: complete });
        if super::handler(&method).is_none() && method != server::SCHED_WAIT {
            return Ok(Reply {
                body: xmlrpc::fault(fault_code::NO_SUCH_METHOD, &format!("Unknown method {method:?}")),
                keep: complete,
            });
        }
        let Value::String(session) = first else {
            return early(ApiError::fault_type("Parameter that is supposed to be a string is not"));
        };
        let core = self.core.clone();
        let auth = match core.authenticate(&session, self.peer.ip()).await {
            Ok(a) => a,
            Err(e) => {
                tracing::info!(method = method.as_str(), peer = %self.peer.ip(), "authentication failed for user {:?}", session.split(':').next().unwrap_or(""));
                return early(e);
            }
        };
        // Authenticated: the rest of the body may be read, and this connection is not evicted.
        self.reg.set_busy(true);
        if buf.capacity() < total {
            buf.reserve(total - buf.len());
        }
        while buf.len() < total {
            self.read_more(stream, buf, deadline, false).await?;
        }
        Ok(self.run_call(buf, total, Some(auth)).await)
    }

    /// Decodes and runs the call in `buf[..total]`.
    async fn run_call(&self, buf: &[u8], total: usize, auth: Option<super::Authenticated<'_>>) -> Reply {
        let body = match std::str::from_utf8(&buf[..total]) {
            Ok(t) => server::dispatch(&self.core, t, auth).await,
            Err(_) => xmlrpc::fault(fault_code::PARSE, "The request is not valid UTF-8"),
        };
        Reply { body, keep: true }
    }

    async fn write_reply(&self, stream: &mut TcpStream, body: &str, keep_alive: bool) -> std::io::Result<()> {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
            body.len(),
            if keep_alive { "keep-alive" } else { "close" }
        );
        if body.len() <= WRITE_CHUNK {
            let mut all = Vec::with_capacity(head.len() + body.len());
            all.extend_from_slice(head.as_bytes());
            all.extend_from_slice(body.as_bytes());
            return self.write_timed(stream, &all).await;
        }
        self.write_timed(stream, head.as_bytes()).await?;
        for chunk in body.as_bytes().chunks(WRITE_CHUNK) {
            self.write_timed(stream, chunk).await?;
        }
        Ok(())
    }

    async fn write_timed(&self, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
        match tokio::time::timeout(self.limits.timeout, stream.write_all(bytes)).await {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading")),
        }
    }

    async fn write_status(&self, stream: &mut TcpStream, code: u16, reason: &str) -> std::io::Result<()> {
        let extra = if code == 405 { "Allow: POST\r\n" } else { "" };
        let text = format!("HTTP/1.1 {code} {reason}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n");
        self.write_timed(stream, text.as_bytes()).await
    }
}

/// A response body and whether the connection may serve another request.
struct Reply {
    body: String,
    keep: bool,
}

/// The longest prefix of `bytes` that is valid UTF-8 (a chunk may end inside a character).
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        // The first `valid_up_to` bytes are valid UTF-8 by definition.
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}
