//! The core service: the state every request and task shares ([`Core`]): the cloud under its
//! lock, the store, authentication (session cache, password-check pool, throttle, scheduler
//! session), the scheduler's work epoch and the outbox of driver actions.
//!
//! [`Core::apply`] is the one way to change the cloud: under the write lock, then the changes
//! go to the store in the order they were made and the caller gets the commit ticket.
//!
//! Layer: below the request manager (`rm`), the dispatch manager (`dm`) and the life cycle
//! (`lcm`), which all hold an `Arc<Core>`; above `cloud`, `auth` and `store`.

use crate::auth::scheduler::{InProgress, SchedulerSessions};
use crate::auth::throttle::Throttle;
use crate::auth::verifier::Verifier;
use crate::auth::{self, Caller, SessionCache, SessionHit};
use crate::cloud::{Cloud, Outbox};
use crate::error::{ApiError, ErrorCode};
use crate::objects::now;
use crate::store::{Store, Ticket};
use parking_lot::RwLock;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    next_request: AtomicU64,
    /// Changes whenever the scheduler has new work (see `one.sched.wait`).
    pub sched_epoch: tokio::sync::watch::Sender<u64>,
    /// Where committed driver actions go (the ids of VMs whose pending action is durable), once
    /// the life-cycle manager runs.
    outbox: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Outbox>>,
    /// Where synchronous datastore-driver calls go (the life-cycle manager answers them).
    ds_calls: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<DsCall>>,
}

/// A datastore-driver action a request waits for (e.g. `one.image.prefetch`): the verb, the
/// object id, the payload, and where the driver's answer (`Ok(info)` / `Err(message)`) goes.
#[derive(Debug)]
pub struct DsCall {
    pub verb: String,
    pub id: i32,
    pub payload: String,
    pub reply: tokio::sync::oneshot::Sender<Result<String, String>>,
}

impl Core {
    /// The shared state; starts the password-verification threads.
    pub fn new(cloud: Cloud, store: Store, config: Arc<crate::config::OnedConfig>) -> Result<Core, auth::AuthError> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let dummy = auth::hash_password(&auth::new_password()?)?;
        let verifier = Verifier::start(workers, 256, dummy)
            .map_err(|e| auth::AuthError::Hash(format!("cannot start the verification threads: {e}")))?;
        Ok(Core {
            cloud: RwLock::new(cloud),
            store,
            sessions: SessionCache::default(),
            verifier,
            throttle: Throttle::new(config.auth_throttle.clone()),
            scheduler: SchedulerSessions::default(),
            config,
            next_request: AtomicU64::new(0),
            outbox: std::sync::OnceLock::new(),
            ds_calls: std::sync::OnceLock::new(),
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

    pub fn next_request_id(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed)
    }

    /// Connects the life-cycle manager: the VMs of every committed outbox are sent here.
    pub fn set_outbox(&self, tx: tokio::sync::mpsc::UnboundedSender<Outbox>) {
        let _ = self.outbox.set(tx);
    }

    /// Hands committed driver actions to the life-cycle manager.
    pub fn send_outbox(&self, outbox: Outbox) {
        if outbox.is_empty() {
            return;
        }
        if let Some(tx) = self.outbox.get() {
            let _ = tx.send(outbox);
        }
    }

    /// Applies a change under the cloud's write lock and queues its persistence: returns `f`'s
    /// result, the commit ticket (none if nothing changed) and the VMs whose new driver action
    /// must be sent once that commit is done. Whatever `f` changed is persisted even if it
    /// reports an error, so memory and disk never diverge (handlers validate before they change
    /// anything). The scheduler is woken when the change made work for it.
    pub fn apply<R>(&self, f: impl FnOnce(&mut Cloud) -> R) -> (R, Option<Ticket>, Outbox) {
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

    pub fn set_ds_calls(&self, tx: tokio::sync::mpsc::UnboundedSender<DsCall>) {
        let _ = self.ds_calls.set(tx);
    }

    /// Runs a datastore-driver action and waits for its answer (at most `limit`).
    pub async fn ds_call(
        &self,
        verb: &str,
        id: i32,
        payload: String,
        limit: std::time::Duration,
    ) -> Result<String, String> {
        let tx = self.ds_calls.get().ok_or_else(|| "the datastore driver is not running".to_string())?;
        let (reply, rx) = tokio::sync::oneshot::channel();
        tx.send(DsCall { verb: verb.to_string(), id, payload, reply })
            .map_err(|_| "the datastore driver is not running".to_string())?;
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err("the datastore driver was stopped".to_string()),
            Err(_) => Err(format!("the datastore driver did not answer {verb} within {} s", limit.as_secs())),
        }
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
            let mut caller =
                caller_for(&cloud, uid, -1).filter(|c| c.uname == name).ok_or_else(ApiError::authentication)?;
            caller.scheduler = true;
            return Ok(Authenticated { caller, _busy: Some(busy) });
        }
        if let Some(caller) = self.authenticate_cached(session) {
            return Ok(Authenticated { caller, _busy: None });
        }
        // Copy what we need, then check without holding the lock.
        let user = {
            let cloud = self.cloud.read();
            cloud.users.lookup_name(-1, name).and_then(|uid| cloud.users.get(uid)).map(|u| {
                (u.oid, u.auth_epoch, u.enabled && u.auth_driver == "core", u.password.clone(), u.login_tokens.clone())
            })
        };
        let t = now();
        if let Some((uid, epoch, true, _, tokens)) = &user {
            let digest = auth::sha256_hex(secret);
            if let Some(tok) = tokens.iter().find(|tk| tk.hash == digest && tk.is_valid_at(t)) {
                return self.authenticated(
                    session,
                    SessionHit { uid: *uid, epoch: *epoch, expires: tok.expiration, egid: tok.egid },
                );
            }
        }
        self.throttle.check(name, peer).map_err(|b| ApiError::new(ErrorCode::Authentication, b.to_string()))?;
        let (phc, hit) = match &user {
            Some((uid, epoch, true, phc, _)) => {
                (Some(phc.clone()), Some(SessionHit { uid: *uid, epoch: *epoch, expires: -1, egid: -1 }))
            }
            _ => (None, None),
        };
        let ok = self
            .verifier
            .verify(secret, phc)
            .await
            .map_err(|b| ApiError::new(ErrorCode::Authentication, b.to_string()))?;
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
    let umask = user.template.get("UMASK").and_then(crate::perms::parse_umask).unwrap_or(cloud.settings.default_umask);
    Some(Caller { uid, gid, groups, uname: user.name.clone(), gname, umask, scheduler: false })
}
