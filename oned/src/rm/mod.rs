//! The request manager: OpenNebula's XML-RPC API.
//!
//! How a request flows:
//! 1. [`http`] reads `POST /RPC2` within the server's limits and, from the body's first bytes,
//!    the method and argument 0, the session, which is authenticated
//!    ([`Core::authenticate`]: the scheduler's token, a cached session, a login token, or the
//!    password through the throttle and the verification pool) before the rest is read.
//! 2. [`server`] decodes the whole `methodCall` ([`libone::xmlrpc`]) and finds the method in the
//!    table built by [`methods`].
//! 3. The handler runs synchronously: reads take the cloud's read lock; changes go through
//!    [`Core::mutate`], which validates and applies them under the write lock and queues the
//!    resulting store operations, leaving a [`crate::store::Ticket`] in the request.
//! 4. The server awaits the ticket (the group commit) and only then sends the reply, so an
//!    acknowledged change is durable.
//!
//! Handlers live in one file per object family; [`generic`] holds the operations every object
//! shares (info, rename, chown, chmod, lock, update, pool listings).

pub mod args;
pub mod generic;
pub mod http;
pub mod server;

mod acl;
mod cluster;
mod datastore;
mod host;
mod image;
mod sched;
mod system;
mod user;
mod vm;
mod vmtemplate;
pub mod vnet;

use crate::auth::scheduler::{InProgress, SchedulerSessions};
use crate::auth::throttle::Throttle;
use crate::auth::verifier::Verifier;
use crate::auth::{self, Caller, SessionCache, SessionHit};
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::now;
use crate::store::{Store, Ticket};
use libone::xmlrpc::Value;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use args::Args;
pub use system::API_VERSION;

/// The result of a successful request.
pub enum Reply {
    /// An object id (`<i4>`).
    Id(i32),
    /// An XML document or any other string.
    Str(String),
    Bool(bool),
    /// A 64-bit value (`<i8>`).
    I8(i64),
    /// A pool listing: escaped head, the cached escaped bodies, escaped tail.
    Pool { head: String, parts: Vec<Arc<str>>, tail: String },
}

impl Reply {
    /// The pool form with plain (unescaped) head and tail tags.
    pub fn pool(head: &str, parts: Vec<Arc<str>>, tail: &str) -> Reply {
        let mut h = String::new();
        libone::xmlrpc::escape_string(head, &mut h);
        let mut t = String::new();
        libone::xmlrpc::escape_string(tail, &mut t);
        Reply::Pool { head: h, parts, tail: t }
    }

    /// The XML-RPC response body.
    pub fn to_response(&self) -> String {
        use libone::xmlrpc as x;
        match self {
            Reply::Id(i) => x::ok_int(*i),
            // pyone crashes on an empty string result; oned answers " " in that case.
            Reply::Str(s) if s.is_empty() => x::ok_string(" "),
            Reply::Str(s) => x::ok_string(s),
            Reply::Bool(b) => x::ok_bool(*b),
            Reply::I8(i) => x::ok_i8(*i),
            Reply::Pool { head, parts, tail } => {
                let size = head.len() + tail.len() + parts.iter().map(|p| p.len()).sum::<usize>();
                x::ok_escaped_parts(
                    std::iter::once(head.as_str()).chain(parts.iter().map(|p| &**p)).chain(std::iter::once(tail.as_str())),
                    size,
                )
            }
        }
    }
}

/// One API call being served.
pub struct Request<'a> {
    pub method: &'a str,
    pub args: Args<'a>,
    pub caller: Caller,
    /// Set by [`Core::mutate`]: the reply waits for this commit.
    pub ticket: Option<Ticket>,
    /// VMs with a driver action to send after the commit.
    pub outbox: Vec<i32>,
    /// Sequence number for log lines.
    pub id: u64,
}

/// A method handler.
pub type Handler = fn(&Core, &mut Request) -> ApiResult<Reply>;

/// The state shared by every request.
pub struct Core {
    pub cloud: RwLock<Cloud>,
    pub store: Store,
    pub sessions: SessionCache,
    /// The password checks (a fixed pool, memory reused).
    pub verifier: Verifier,
    /// Failed-login throttling per user name and client address.
    pub throttle: Throttle,
    /// The live scheduler session.
    pub scheduler: SchedulerSessions,
    pub config: Arc<crate::config::OnedConfig>,
    methods: HashMap<&'static str, Handler>,
    next_request: AtomicU64,
    /// Changes whenever the scheduler has new work (see `one.sched.wait`).
    pub sched_epoch: tokio::sync::watch::Sender<u64>,
    /// Where committed driver actions go (the life-cycle manager), once it runs.
    lcm: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<crate::lcm::LcmEvent>>,
}

impl Core {
    /// The shared state; starts the password-verification threads.
    pub fn new(cloud: Cloud, store: Store, config: Arc<crate::config::OnedConfig>) -> Result<Core, auth::AuthError> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let dummy = auth::hash_password(&auth::new_password()?)?;
        let verifier = Verifier::start(workers, 256, dummy).map_err(|e| auth::AuthError::Hash(format!("cannot start the verification threads: {e}")))?;
        Ok(Core {
            cloud: RwLock::new(cloud),
            store,
            sessions: SessionCache::default(),
            verifier,
            throttle: Throttle::new(config.auth_throttle.clone()),
            scheduler: SchedulerSessions::default(),
            config,
            methods: methods(),
            next_request: AtomicU64::new(0),
            lcm: std::sync::OnceLock::new(),
            sched_epoch: tokio::sync::watch::Sender::new(0),
        })
    }

    /// Keeps the cached pool-listing XML rendered in the background, a slice at a time under
    /// the read lock, so a large `one.vmpool.info` rarely renders anything itself. Runs until
    /// `stop` is set.
    pub fn warm_caches_forever(&self, stop: &std::sync::atomic::AtomicBool) {
        let mut cursor = (0, i32::MIN);
        while !stop.load(Ordering::Relaxed) {
            let done = self.cloud.read().warm_caches(&mut cursor, 512);
            if done {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
    }

    pub fn handler(&self, method: &str) -> Option<Handler> {
        self.methods.get(method).copied()
    }

    pub fn next_request_id(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed)
    }

    /// Connects the life-cycle manager (driver actions are handed to it after their commit).
    pub fn set_lcm(&self, tx: tokio::sync::mpsc::UnboundedSender<crate::lcm::LcmEvent>) {
        let _ = self.lcm.set(tx);
    }

    /// Hands committed driver actions to the life-cycle manager.
    pub fn send_outbox(&self, outbox: Vec<i32>) {
        if outbox.is_empty() {
            return;
        }
        if let Some(tx) = self.lcm.get() {
            let _ = tx.send(crate::lcm::LcmEvent::Outbox(outbox));
        }
    }

    /// Like [`Core::mutate`] for internal callers: returns the result, the commit ticket and the
    /// outbox.
    pub fn apply<R>(&self, f: impl FnOnce(&mut Cloud) -> R) -> (R, Option<Ticket>, Vec<i32>) {
        let mut cloud = self.cloud.write();
        let result = f(&mut cloud);
        let ops = cloud.take_changes();
        let outbox = std::mem::take(&mut cloud.outbox);
        let kick = std::mem::take(&mut cloud.sched_kick);
        let ticket = if ops.is_empty() { None } else { Some(self.store.submit(ops)) };
        drop(cloud);
        if kick {
            self.sched_epoch.send_modify(|e| *e += 1);
        }
        (result, ticket, outbox)
    }

    /// Applies a change under the write lock and queues its persistence; the caller's reply
    /// waits for the commit. Whatever `f` changed is persisted even if it returns an error, so
    /// memory and disk never diverge; handlers validate before they change anything.
    pub fn mutate<R>(&self, req: &mut Request, f: impl FnOnce(&mut Cloud, &Caller) -> ApiResult<R>) -> ApiResult<R> {
        let mut cloud = self.cloud.write();
        let result = f(&mut cloud, &req.caller);
        let ops = cloud.take_changes();
        req.outbox.append(&mut cloud.outbox);
        let kick = std::mem::take(&mut cloud.sched_kick);
        if !ops.is_empty() {
            let ticket = self.store.submit(ops);
            req.ticket = Some(ticket);
        }
        drop(cloud);
        if kick {
            self.sched_epoch.send_modify(|e| *e += 1);
        }
        result
    }

    /// Resolves the session from the cache, or says a slow check is needed.
    pub fn authenticate_cached(&self, session: &str) -> Option<Caller> {
        let hit = self.sessions.get(session)?;
        let cloud = self.cloud.read();
        let user = cloud.users.get(hit.uid)?;
        if !user.enabled || user.auth_epoch != hit.epoch || (hit.expires >= 0 && hit.expires <= now()) {
            drop(cloud);
            self.sessions.remove(session);
            return None;
        }
        caller_for(&cloud, hit.uid, hit.egid)
    }

    /// Authenticates `user:secret` from client address `peer`:
    /// 1. the live scheduler session's token (`auth::scheduler`);
    /// 2. a cached session (a hash-map lookup);
    /// 3. a login token of the user (a SHA-256 compare: tokens are unguessable, so they are not
    ///    throttled);
    /// 4. unless the user name or the address is throttled, the password, checked by the
    ///    verification pool — against a dummy hash when the user does not exist, is disabled
    ///    or does not use passwords, so every such answer costs the same.
    pub async fn authenticate(&self, session: &str, peer: IpAddr) -> Result<Authenticated<'_>, ApiError> {
        let (name, secret) = auth::split_session(session).ok_or_else(ApiError::authentication)?;
        if SchedulerSessions::is_token(secret) {
            let (uid, busy) = self.scheduler.enter(secret).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Authentication,
                    "The scheduler session is not active (oned restarted or another scheduler took over); open one with one.sched.open",
                )
            })?;
            let cloud = self.cloud.read();
            let mut caller = caller_for(&cloud, uid, -1).filter(|c| c.uname == name).ok_or_else(ApiError::authentication)?;
            caller.scheduler = true;
            return Ok(Authenticated { caller, _busy: Some(busy) });
        }
        if let Some(caller) = self.authenticate_cached(session) {
            return Ok(Authenticated { caller, _busy: None });
        }
        // Copy what we need, then check without holding the lock.
        let user = {
            let cloud = self.cloud.read();
            cloud
                .users
                .lookup_name(-1, name)
                .and_then(|uid| cloud.users.get(uid))
                .map(|u| (u.oid, u.auth_epoch, u.enabled && u.auth_driver == "core", u.password.clone(), u.login_tokens.clone()))
        };
        let t = now();
        if let Some((uid, epoch, true, _, tokens)) = &user {
            let digest = auth::sha256_hex(secret);
            if let Some(tok) = tokens.iter().find(|tk| tk.hash == digest && tk.is_valid_at(t)) {
                return self.authenticated(session, SessionHit { uid: *uid, epoch: *epoch, expires: tok.expiration, egid: tok.egid });
            }
        }
        self.throttle.check(name, peer).map_err(|b| ApiError::new(ErrorCode::Authentication, b.to_string()))?;
        let (phc, hit) = match &user {
            Some((uid, epoch, true, phc, _)) => (Some(phc.clone()), Some(SessionHit { uid: *uid, epoch: *epoch, expires: -1, egid: -1 })),
            _ => (None, None),
        };
        let ok = self.verifier.verify(secret, phc).await.map_err(|b| ApiError::new(ErrorCode::Authentication, b.to_string()))?;
        match hit {
            Some(hit) if ok => {
                self.throttle.succeeded(name);
                self.authenticated(session, hit)
            }
            _ => {
                self.throttle.failed(name, peer);
                Err(ApiError::authentication())
            }
        }
    }

    /// The caller of a verified session, cached unless the user changed meanwhile.
    fn authenticated(&self, session: &str, hit: SessionHit) -> Result<Authenticated<'_>, ApiError> {
        let cloud = self.cloud.read();
        let caller = caller_for(&cloud, hit.uid, hit.egid).ok_or_else(ApiError::authentication)?;
        if cloud.users.get(hit.uid).map(|u| u.auth_epoch) == Some(hit.epoch) {
            self.sessions.insert(session, hit);
        }
        Ok(Authenticated { caller, _busy: None })
    }
}

/// An authenticated call: who is calling and, for the scheduler, the guard that keeps its
/// session live while the call runs.
pub struct Authenticated<'a> {
    pub caller: Caller,
    _busy: Option<InProgress<'a>>,
}

/// Builds the caller's identity from the user object (and a token's effective group).
pub fn caller_for(cloud: &Cloud, uid: i32, egid: i32) -> Option<Caller> {
    let user = cloud.users.get(uid)?;
    let (gid, gname, groups) = if egid >= 0 && user.groups.contains(&egid) {
        let gname = cloud.groups.get(egid).map(|g| g.name.clone()).unwrap_or_default();
        (egid, gname, vec![egid])
    } else {
        (user.gid, user.gname.clone(), user.groups.iter().copied().collect())
    };
    let umask = user
        .template
        .get("UMASK")
        .and_then(crate::perms::parse_umask)
        .unwrap_or(cloud.settings.default_umask);
    Some(Caller { uid, gid, groups, uname: user.name.clone(), gname, umask, scheduler: false })
}

/// The method table.
fn methods() -> HashMap<&'static str, Handler> {
    let mut m: HashMap<&'static str, Handler> = HashMap::new();
    system::register(&mut m);
    acl::register(&mut m);
    user::register(&mut m);
    host::register(&mut m);
    cluster::register(&mut m);
    datastore::register(&mut m);
    vnet::register(&mut m);
    vmtemplate::register(&mut m);
    vm::register(&mut m);
    image::register(&mut m);
    sched::register(&mut m);
    m
}

/// The names of every method served (for docs and tests).
pub fn method_names() -> Vec<&'static str> {
    let mut v: Vec<_> = methods().into_keys().collect();
    v.sort();
    v
}

/// A value from an argument list, for handlers that inspect raw values.
pub fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Long(_) => "i8",
        Value::Boolean(_) => "boolean",
        Value::String(_) => "string",
        Value::Double(_) => "double",
        Value::DateTime(_) => "dateTime",
        Value::Base64(_) => "base64",
        Value::Struct(_) => "struct",
        Value::Array(_) => "array",
        Value::Nil => "nil",
        _ => "value",
    }
}
