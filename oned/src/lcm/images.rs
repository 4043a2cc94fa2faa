//! The image manager: sends images' journaled datastore actions (CP, MKFS, RM, CLONE, SNAP_*)
//! to the datastore driver, applies its answers, monitors datastores, and serves the
//! synchronous datastore calls of requests ([`DsCall`], e.g. `one.image.prefetch`).
//!
//! An image's action is committed with it first ([`Image::start_job`], LOCKED / DELETE …), and
//! sent only after the commit. An action whose fate is unknown (the driver died, it timed out,
//! oned restarted) is sent again: the datastore scripts write under a temporary name and rename,
//! and RM of a missing file succeeds, so a second run is safe. After three attempts the image
//! goes to ERROR with the reason: no image stays LOCKED or in DELETE for ever.

use crate::cloud::Cloud;
use crate::config::{DS_DRIVER, MadKind};
use crate::core::{Core, DsCall};
use crate::mad::MadManager;
use crate::objects::PoolObject;
use crate::objects::datastore::{Datastore, DsType};
use crate::objects::image::{DsAction, Image, ImageSnapshot, state};
use crate::objects::now;
use driver_proto::proto::{self, Request};
use libone::template::Template;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sending again gives up after this many attempts.
const MAX_ATTEMPTS: u32 = 3;

/// Where a synchronous call's answer goes.
type Waiter = tokio::sync::oneshot::Sender<Result<String, String>>;

#[derive(Clone, Debug)]
struct Inflight {
    seq: u64,
    action: DsAction,
    sent: Instant,
    /// The driver died with it: sent again at the next tick.
    lost: bool,
}

/// The image side of the life-cycle manager task.
pub struct ImageManager {
    inflight: HashMap<i32, Inflight>,
    /// Synchronous calls waiting for their answer, by (verb, id).
    calls: HashMap<(String, i32), Vec<Waiter>>,
    /// Datastores to monitor soon (after an image change), and when each was last monitored.
    monitor_soon: Vec<i32>,
    last_monitor: HashMap<i32, Instant>,
    monitor_interval: Duration,
    action_timeout: Duration,
}

/// `<DS_DRIVER_ACTION_DATA>` with the image (optional) and its datastore, base64.
pub fn drv_message(img: Option<&Image>, ds: &Datastore, extra: &str) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<DS_DRIVER_ACTION_DATA>");
    if let Some(img) = img {
        img.write_xml(&mut out);
    }
    ds.write_xml(&mut out);
    out.push_str(extra);
    out.push_str("</DS_DRIVER_ACTION_DATA>");
    proto::b64_encode(out.as_bytes())
}

/// What the driver receives for image `id`'s pending action, or why nothing can be sent.
fn payload(cloud: &Cloud, id: i32) -> Option<Result<(Inflight, String), (u64, String)>> {
    let img = cloud.images.get(id)?;
    let job = img.pending?;
    let Some(ds) = cloud.datastores.get(img.datastore_id) else {
        return Some(Err((job.seq, format!("datastore {} does not exist", img.datastore_id))));
    };
    let text = match job.action {
        DsAction::Clone => {
            // OpenNebula's clone scripts read the source to copy from IMAGE/PATH.
            let Some(src) = cloud.images.get(img.cloning_id) else {
                return Some(Err((job.seq, format!("the image to clone ({}) does not exist", img.cloning_id))));
            };
            let mut copy = img.clone();
            copy.path = src.source.clone();
            if let Some(sum) = src.template.get("SHA256") {
                copy.template.set("SHA256", sum);
            }
            drv_message(Some(&copy), ds, "")
        }
        _ => drv_message(Some(img), ds, ""),
    };
    Some(Ok((Inflight { seq: job.seq, action: job.action, sent: Instant::now(), lost: false }, text)))
}

/// Whether a FORMAT a driver answered can travel on to other drivers (`[a-z0-9_-]+`).
fn is_format(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 32
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The `KEY=value` words of an answer (`SIZE=10 MD5=… SHA256=…`).
fn extras(words: &[&str]) -> HashMap<String, String> {
    words.iter().filter_map(|w| w.split_once('=')).map(|(k, v)| (k.to_ascii_uppercase(), v.to_string())).collect()
}

/// The image's datastore failure message, OpenNebula's way: "what: info" unless info is "-".
fn failure(what: &str, info: &str) -> String {
    let info = info.trim();
    if info.is_empty() || info.starts_with('-') { what.to_string() } else { format!("{what}: {info}") }
}

/// Gives back a clone's hold on the image it was cloned from.
pub fn release_cloning(cloud: &mut Cloud, src: i32) {
    if let Some(s) = cloud.images.get_mut(src) {
        s.cloning_ops = (s.cloning_ops - 1).max(0);
        if s.cloning_ops == 0 && s.state == state::CLONE {
            s.state = if s.running_vms > 0 {
                if s.persistent { state::USED_PERS } else { state::USED }
            } else {
                state::READY
            };
        }
    }
}

/// Applies the driver's answer to image `id`'s action `seq` (under the write lock). Returns the
/// datastore to monitor after the change.
pub fn apply_reply(cloud: &mut Cloud, id: i32, seq: u64, ok: bool, info: &str) -> Option<i32> {
    let img = cloud.images.get(id)?;
    let job = img.pending.filter(|j| j.seq == seq)?;
    let ds = img.datastore_id;
    let words: Vec<&str> = info.split_whitespace().collect();
    match job.action {
        DsAction::Cp | DsAction::Clone => {
            let cloning = img.cloning_id;
            let img = cloud.images.get_mut(id)?;
            img.pending = None;
            let format = words.get(1).copied().unwrap_or("");
            let bad_format = !format.is_empty() && !is_format(format);
            if ok && !words.is_empty() && !bad_format && (job.action == DsAction::Clone || !format.is_empty()) {
                img.source = words[0].to_string();
                if !format.is_empty() {
                    img.format = format.to_string();
                }
                let x = extras(&words[2.min(words.len())..]);
                if let Some(mb) = x.get("SIZE").and_then(|s| s.parse::<i64>().ok()) {
                    img.size = mb.max(0);
                }
                for k in ["MD5", "SHA256"] {
                    if let Some(v) = x.get(k).filter(|v| v.chars().all(|c| c.is_ascii_hexdigit())) {
                        img.template.set(k, v);
                    }
                }
                img.template.remove("ERROR");
                img.template.remove("TRANSFER_PROGRESS");
                img.prev_state = img.state;
                img.state = state::READY;
                tracing::info!(image_id = id, "image copied and ready to use ({})", img.source);
            } else {
                let what = match job.action {
                    DsAction::Clone => format!("Error cloning from Image {cloning}"),
                    _ => "Error copying image in the datastore".to_string(),
                };
                let msg = if ok && format.is_empty() && job.action == DsAction::Cp {
                    "CP operation succeeded but image FORMAT was not returned.".to_string()
                } else if ok && bad_format {
                    format!("{what}: the driver answered an invalid FORMAT")
                } else {
                    failure(&what, info)
                };
                tracing::error!(image_id = id, "{msg}");
                img.set_error(&msg);
            }
            if job.action == DsAction::Clone {
                cloud.images.get_mut(id)?.cloning_id = -1;
                release_cloning(cloud, cloning);
            }
        }
        DsAction::Mkfs if img.template.get("SAVED_VM_ID").is_some() => {
            // A save-as: the driver only named the file; the VM's CPDS transfer fills it, and
            // the image stays LOCKED (its job is finished by that transfer's answer).
            let img = cloud.images.get_mut(id)?;
            if ok && !words.is_empty() {
                img.source = words[0].to_string();
                img.pending = None;
                let source = img.source.clone();
                super::disks::saveas_source_ready(cloud, id, &source);
            } else {
                img.pending = None;
                let msg = failure("Error creating datablock", info);
                img.set_error(&msg);
                super::disks::saveas_failed(cloud, id);
            }
        }
        DsAction::Mkfs => {
            let img = cloud.images.get_mut(id)?;
            img.pending = None;
            if ok && !words.is_empty() {
                img.source = words[0].to_string();
                img.template.remove("ERROR");
                img.prev_state = img.state;
                img.state = state::READY;
                tracing::info!(image_id = id, "image created and ready to use ({})", img.source);
            } else {
                let msg = failure("Error creating datablock", info);
                tracing::error!(image_id = id, "{msg}");
                img.set_error(&msg);
            }
        }
        DsAction::Rm => {
            let force = img.template.get("FORCE_DELETE").is_some_and(|v| v.eq_ignore_ascii_case("YES"));
            if ok || force {
                cloud.images.remove(id);
                if let Some(d) = cloud.datastores.get_mut(ds) {
                    d.images.remove(&id);
                }
                cloud.remove_object_rules(crate::objects::ObjectKind::Image, id);
                tracing::info!(image_id = id, "image removed from datastore {ds}");
            } else {
                let img = cloud.images.get_mut(id)?;
                img.pending = None;
                let msg = failure(
                    &format!(
                        "Error removing image from datastore. Retry the operation or manually remove image \
                         source {} and run the delete --force operation to completely delete the image",
                        img.source
                    ),
                    info,
                );
                tracing::error!(image_id = id, "{msg}");
                img.set_error(&msg);
            }
        }
        DsAction::SnapDelete | DsAction::SnapRevert | DsAction::SnapFlatten => {
            let img = cloud.images.get_mut(id)?;
            img.pending = None;
            let snap = img.target_snapshot;
            img.target_snapshot = -1;
            img.state = if img.prev_state == state::LOCKED { state::READY } else { img.prev_state };
            if ok {
                match job.action {
                    DsAction::SnapDelete => img.snapshots.retain(|s| s.id != snap),
                    DsAction::SnapRevert => {
                        for s in &mut img.snapshots {
                            s.active = s.id == snap;
                        }
                    }
                    _ => img.snapshots.clear(),
                }
                img.template.remove("ERROR");
            } else {
                let what = match job.action {
                    DsAction::SnapDelete => format!("Error removing snapshot {snap} from image {id}"),
                    DsAction::SnapRevert => format!("Error reverting image {id} to snapshot {snap}"),
                    _ => format!("Error flattening image {id} to snapshot {snap}"),
                };
                let msg = failure(&what, info);
                tracing::error!(image_id = id, "{msg}");
                img.template.set("ERROR", &msg);
            }
        }
    }
    Some(ds)
}

/// Fails image `id`'s action `seq` with `why` (it could not be sent, or was lost too often).
fn apply_failure(cloud: &mut Cloud, id: i32, seq: u64, why: &str) -> Option<i32> {
    let img = cloud.images.get(id)?;
    if img.pending.is_none_or(|j| j.seq != seq) {
        return None;
    }
    // A lost RM is not a removal: the image stays, in ERROR, with the reason.
    if img.pending.is_some_and(|j| j.action == DsAction::Rm) {
        let img = cloud.images.get_mut(id)?;
        img.pending = None;
        img.set_error(&format!("Error removing image from datastore: {why}"));
        return Some(img.datastore_id);
    }
    apply_reply(cloud, id, seq, false, why)
}

/// Parses a datastore MONITOR answer (base64 of `USED_MB=… TOTAL_MB=… FREE_MB=…`).
pub fn parse_monitor(info: &str) -> Result<(i64, i64, i64), String> {
    let bytes = proto::b64_decode(info.trim()).map_err(|e| format!("bad monitor data: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("bad monitor data: {e}"))?;
    let t = Template::parse_text(&text).map_err(|e| format!("bad monitor data: {e}"))?;
    let num = |k: &str| -> Result<i64, String> {
        t.get(k)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as i64)
            .ok_or_else(|| format!("monitor data has no valid {k}: {text:?}"))
    };
    Ok((num("TOTAL_MB")?, num("FREE_MB")?, num("USED_MB")?))
}

impl ImageManager {
    pub fn new(monitor_interval: Duration, action_timeout: Duration) -> ImageManager {
        ImageManager {
            inflight: HashMap::new(),
            calls: HashMap::new(),
            monitor_soon: Vec::new(),
            last_monitor: HashMap::new(),
            monitor_interval,
            action_timeout,
        }
    }

    /// Sends image `id`'s pending action (unless already in flight with the same sequence).
    pub async fn send(&mut self, core: &Arc<Core>, mads: &MadManager, id: i32) {
        let prepared = {
            let cloud = core.cloud.read();
            payload(&cloud, id)
        };
        let (inf, text) = match prepared {
            None => return,
            Some(Ok(p)) => p,
            Some(Err((seq, why))) => {
                self.inflight.remove(&id);
                self.commit(core, |cloud| apply_failure(cloud, id, seq, &why)).await;
                return;
            }
        };
        if self.inflight.get(&id).is_some_and(|i| i.seq == inf.seq) {
            return;
        }
        let req = Request::Action { verb: inf.action.as_str().to_string(), id: id as i64, payload: text };
        match mads.send(MadKind::Ds, DS_DRIVER, &req).await {
            Ok(()) => tracing::debug!(image_id = id, "{} sent", inf.action.as_str()),
            Err(crate::mad::SendError::NotRunning { .. }) => {
                tracing::warn!(image_id = id, "the datastore driver is not running; {} waits", inf.action.as_str())
            }
            Err(e) => {
                let seq = inf.seq;
                self.inflight.remove(&id);
                self.commit(core, |cloud| apply_failure(cloud, id, seq, &e.to_string())).await;
                return;
            }
        }
        self.inflight.insert(id, inf);
    }

    /// Applies a change, waits for its commit, and monitors the datastore it names.
    async fn commit(&mut self, core: &Arc<Core>, f: impl FnOnce(&mut Cloud) -> Option<i32>) {
        let (ds, ticket, outbox) = core.apply(f);
        if let Some(t) = ticket
            && let Err(e) = t.wait().await
        {
            tracing::error!("cannot store an image change: {e}");
        }
        core.send_outbox(outbox);
        if let Some(ds) = ds {
            self.monitor_soon.push(ds);
        }
    }

    /// A synchronous call from a request: sent now, answered when the driver replies.
    pub async fn call(&mut self, mads: &MadManager, call: DsCall) {
        let req = Request::Action { verb: call.verb.clone(), id: call.id as i64, payload: call.payload };
        if let Err(e) = mads.send(MadKind::Ds, DS_DRIVER, &req).await {
            let _ = call.reply.send(Err(e.to_string()));
            return;
        }
        self.calls.entry((call.verb, call.id)).or_default().push(call.reply);
    }

    /// A line from the datastore driver.
    pub async fn reply(&mut self, core: &Arc<Core>, reply: proto::Reply) {
        let (verb, ok, id, info) = match reply {
            proto::Reply::Action { verb, ok, id, info } => (verb, ok, id as i32, info),
            proto::Reply::Log { severity, id, text } => {
                let id = id as i32;
                tracing::info!(image_id = id, "[datastore] {severity:?}: {text}");
                // Progress of a long copy is shown by `oneimage show` while it runs.
                if text.contains('%') && self.inflight.contains_key(&id) {
                    let text = text.chars().take(200).collect::<String>();
                    self.commit(core, |cloud| {
                        if let Some(img) = cloud.images.get_mut(id) {
                            img.template.set("TRANSFER_PROGRESS", &text);
                        }
                        None
                    })
                    .await;
                }
                return;
            }
            _ => return,
        };
        if let Some(waiters) = self.calls.remove(&(verb.clone(), id)) {
            for w in waiters {
                let _ = w.send(if ok { Ok(info.clone()) } else { Err(info.clone()) });
            }
            return;
        }
        if verb == "MONITOR" {
            self.monitored(core, id, ok, &info).await;
            return;
        }
        let Some(inf) = self.inflight.get(&id).cloned() else {
            tracing::warn!(image_id = id, "ignored {verb} answer from the datastore driver: no action in flight");
            return;
        };
        if DsAction::parse(&verb) != Some(inf.action) {
            tracing::warn!(image_id = id, "ignored {verb} answer: {} is in flight", inf.action.as_str());
            return;
        }
        self.inflight.remove(&id);
        let info2 = info.clone();
        self.commit(core, move |cloud| apply_reply(cloud, id, inf.seq, ok, &info2)).await;
    }

    async fn monitored(&mut self, core: &Arc<Core>, ds: i32, ok: bool, info: &str) {
        if !ok {
            let text = proto::b64_decode(info.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| info.to_string());
            tracing::debug!(ds_id = ds, "datastore {ds} not monitored: {text}");
            return;
        }
        match parse_monitor(info) {
            Ok((total, free, used)) => {
                self.commit(core, |cloud| {
                    if let Some(d) = cloud.datastores.get(ds)
                        && (d.total_mb, d.free_mb, d.used_mb) != (total, free, used)
                        && let Some(d) = cloud.datastores.get_mut(ds)
                    {
                        d.total_mb = total;
                        d.free_mb = free;
                        d.used_mb = used;
                    }
                    None
                })
                .await;
            }
            Err(e) => tracing::error!(ds_id = ds, "error monitoring datastore {ds}: {e}"),
        }
    }

    /// The driver (re)started: whatever it had in flight is sent again; everything pending
    /// (e.g. after an oned restart) is sent.
    pub async fn driver_started(&mut self, core: &Arc<Core>, mads: &MadManager) {
        self.inflight.clear();
        for (_, waiters) in self.calls.drain() {
            for w in waiters {
                let _ = w.send(Err("the datastore driver restarted during the action".into()));
            }
        }
        let ids: Vec<i32> = core.cloud.read().images.iter().filter(|i| i.pending.is_some()).map(|i| i.oid).collect();
        for id in ids {
            self.resend(core, mads, id).await;
        }
        self.last_monitor.clear();
    }

    /// The driver died: its actions are lost (sent again when it is back).
    pub fn driver_lost(&mut self) {
        for inf in self.inflight.values_mut() {
            inf.lost = true;
        }
        for (_, waiters) in self.calls.drain() {
            for w in waiters {
                let _ = w.send(Err("the datastore driver stopped during the action".into()));
            }
        }
    }

    /// Sends a lost action again, counting the attempt; fails it after [`MAX_ATTEMPTS`].
    async fn resend(&mut self, core: &Arc<Core>, mads: &MadManager, id: i32) {
        self.inflight.remove(&id);
        let (attempt, ticket, _) = core.apply(|cloud| {
            let img = cloud.images.get_mut(id)?;
            let job = img.pending.as_mut()?;
            job.attempts += 1;
            Some((job.seq, job.attempts))
        });
        if let Some(t) = ticket {
            let _ = t.wait().await;
        }
        let Some((seq, n)) = attempt else { return };
        if n > MAX_ATTEMPTS {
            let why = format!("the datastore driver lost the action {MAX_ATTEMPTS} times");
            self.commit(core, |cloud| apply_failure(cloud, id, seq, &why)).await;
            return;
        }
        tracing::warn!(image_id = id, "sending the image's datastore action again (attempt {n})");
        self.send(core, mads, id).await;
    }

    /// Timeouts and the datastore monitoring schedule (every second).
    pub async fn tick(&mut self, core: &Arc<Core>, mads: &MadManager) {
        let late: Vec<i32> = self
            .inflight
            .iter()
            .filter(|(_, i)| i.lost || i.sent.elapsed() > self.action_timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            let _ = mads.send(MadKind::Ds, DS_DRIVER, &Request::DriverCancel { id: id as i64 }).await;
            self.resend(core, mads, id).await;
        }
        if !mads.is_configured(MadKind::Ds, DS_DRIVER) {
            return;
        }
        let due: Vec<(i32, String)> = {
            let cloud = core.cloud.read();
            let soon = std::mem::take(&mut self.monitor_soon);
            cloud
                .datastores
                .iter()
                .filter(|d| {
                    soon.contains(&d.oid)
                        || self.last_monitor.get(&d.oid).is_none_or(|t| t.elapsed() >= self.monitor_interval)
                })
                .map(|d| (d.oid, drv_message(None, d, "")))
                .collect()
        };
        for (ds, text) in due {
            self.last_monitor.insert(ds, Instant::now());
            let req = Request::Action { verb: "MONITOR".into(), id: ds as i64, payload: text };
            let _ = mads.send(MadKind::Ds, DS_DRIVER, &req).await;
        }
    }
}

/// The `<PREFETCH>` element of a prefetch call.
pub fn prefetch_extra(system: &Datastore, hosts: &[String]) -> String {
    let mut out = String::new();
    crate::xml::open(&mut out, "PREFETCH");
    crate::xml::text(&mut out, "TM_MAD", &system.tm_mad);
    crate::xml::text(&mut out, "BASE_PATH", &system.base_path);
    for h in hosts {
        crate::xml::text(&mut out, "HOST", h);
    }
    crate::xml::close(&mut out, "PREFETCH");
    out
}

/// A new snapshot record (used when a persistent disk's snapshots come back with it).
pub fn new_snapshot(img: &mut Image, name: &str, size: i64) -> i32 {
    let id = img.next_snapshot;
    img.next_snapshot += 1;
    img.snapshots.push(ImageSnapshot { id, name: name.to_string(), date: now(), parent: -1, size, active: false });
    id
}

/// True when a datastore's files are handled by a datastore driver (image and file datastores).
pub fn has_ds_driver(ds: &Datastore) -> bool {
    ds.ds_type != DsType::System && !ds.ds_mad.is_empty() && ds.ds_mad != "-"
}
