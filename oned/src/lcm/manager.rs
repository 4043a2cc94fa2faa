//! The life-cycle manager task: sends the journaled driver actions, applies the replies, and
//! makes sure no action is ever lost.
//!
//! Every VM action is first committed as the VM's `pending` entry; only then is it written to
//! the driver (an [`LcmEvent::Outbox`] after the commit). The task remembers what it sent
//! (`inflight`). An action whose fate is unknown — its driver died, it timed out, or oned
//! restarted — is *resolved*: a transfer is sent again (transfer scripts are idempotent); a
//! virtualization action is followed by a `POLL` of the VM, whose answer decides (domain
//! present → the boot succeeded / the stop failed; absent → the reverse). After three attempts
//! the VM goes to the failure state of its step with the reason in `ERROR`. No VM is left in
//! a transient state waiting for a manual recover.

use super::apply;
use super::machine;
use crate::config::MadKind;
use crate::core::Core;
use crate::mad::{DriverEvent, MadManager, SendError};
use crate::objects::vm::{DriverKind, LcmState, Verb, VmState};
use driver_proto::proto::{Reply, Request};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What the manager reacts to.
#[derive(Debug)]
pub enum LcmEvent {
    /// VMs and images whose pending action was just committed.
    Outbox(crate::cloud::Outbox),
    /// A request waits for a datastore-driver action.
    DsCall(crate::core::DsCall),
    /// Something a driver said or did.
    Driver(DriverEvent),
}

/// Settings of the manager.
#[derive(Clone, Debug)]
pub struct LcmSettings {
    /// A driver action unanswered after this long is resolved as lost.
    pub action_timeout: Duration,
    /// Where transfer files are written (`<var>/vms`).
    pub vms_dir: PathBuf,
    /// Seconds between host probes.
    pub monitor_interval: i64,
    /// Seconds between datastore monitorings.
    pub ds_monitor_interval: u64,
    /// The VM_MADs of TYPE kvm or qemu: their deploy and restore get a deployment file.
    pub qemu_mads: std::collections::HashSet<String>,
}

/// A pending action, ready to be written to its driver or not writable at all.
enum Prepared {
    /// The action, the driver kind and name, and the payload (a transfer file's path for TM).
    Ready(crate::objects::vm::PendingAction, MadKind, String, String),
    /// The action cannot be written (a value does not fit its transfer field): it fails.
    Unsendable(crate::objects::vm::PendingAction, String),
}

/// Resending or polling gives up after this many attempts.
const MAX_ATTEMPTS: u32 = 3;

#[derive(Clone, Debug)]
struct Inflight {
    seq: u64,
    kind: MadKind,
    driver: String,
    verb: Verb,
    sent: Instant,
    /// True while the action is being confirmed with a POLL.
    polling: bool,
    /// The driver process died with the action in flight: resolved at the next tick, with no
    /// cancel sent (flagged rather than back-dating `sent`, which could underflow `Instant` on a
    /// freshly booted machine).
    lost: bool,
}

struct Manager {
    core: Arc<Core>,
    mads: Arc<MadManager>,
    settings: LcmSettings,
    inflight: HashMap<i32, Inflight>,
    /// VMs whose next action is to be sent (filled by [`Manager::complete`]).
    queue: std::collections::VecDeque<i32>,
    monitor: super::monitor::Monitor,
    images: super::images::ImageManager,
}

/// Runs until the event channels close.
pub async fn run(
    core: Arc<Core>,
    mads: Arc<MadManager>,
    settings: LcmSettings,
    mut events: mpsc::UnboundedReceiver<LcmEvent>,
) {
    let monitor = super::monitor::Monitor::new(settings.monitor_interval);
    let images = super::images::ImageManager::new(
        Duration::from_secs(settings.ds_monitor_interval.max(1)),
        settings.action_timeout.max(Duration::from_secs(600)),
    );
    let mut m = Manager { core, mads, settings, inflight: HashMap::new(), queue: Default::default(), monitor, images };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Whatever was pending when oned stopped is resolved as soon as the drivers answer INIT.
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(LcmEvent::Outbox(out)) => {
                    for id in out.vms { m.send_pending(id).await }
                    for id in out.images { m.images.send(&m.core, &m.mads, id).await }
                }
                Some(LcmEvent::DsCall(call)) => m.images.call(&m.mads, call).await,
                Some(LcmEvent::Driver(ev)) => m.driver_event(ev).await,
                None => break,
            },
            _ = tick.tick() => m.tick().await,
        }
        m.drain().await;
    }
}

impl Manager {
    /// Sends the actions queued by completed steps.
    async fn drain(&mut self) {
        while let Some(id) = self.queue.pop_front() {
            self.send_pending(id).await;
        }
    }

    /// Sends VM `id`'s pending action (if not already in flight with the same sequence). An
    /// action that cannot be written (its transfer file) fails at once, with the reason.
    async fn send_pending(&mut self, id: i32) {
        let (pending, kind, driver, payload) = match self.prepare(id) {
            None => return,
            Some(Prepared::Ready(p, k, d, payload)) => (p, k, d, payload),
            Some(Prepared::Unsendable(p, why)) => {
                self.inflight.remove(&id);
                self.fail(id, p.seq, p.verb, &why).await;
                return;
            }
        };
        if let Some(old) = self.inflight.get(&id) {
            if old.seq == pending.seq {
                return;
            }
            // A newer action replaces an older one (e.g. terminate-hard over a shutdown).
            let old = old.clone();
            let _ = self.mads.send(old.kind, &old.driver, &Request::DriverCancel { id: id as i64 }).await;
        }
        let req = Request::Action { verb: pending.verb.as_str().to_string(), id: id as i64, payload };
        match self.mads.send(kind, &driver, &req).await {
            Ok(()) => {}
            // Sent when the driver is back (DriverEvent::Started); timed like a sent action so a
            // driver that never comes back cannot leave the VM waiting.
            Err(SendError::NotRunning { .. }) => {
                tracing::warn!(vm_id = id, "driver {driver} is not running; {} waits for it", pending.verb)
            }
            Err(e) => {
                self.inflight.remove(&id);
                self.fail(id, pending.seq, pending.verb, &e.to_string()).await;
                return;
            }
        }
        let inflight = Inflight {
            seq: pending.seq,
            kind,
            driver,
            verb: pending.verb,
            sent: Instant::now(),
            polling: false,
            lost: false,
        };
        self.inflight.insert(id, inflight);
    }

    /// The driver, kind and payload of VM `id`'s pending action, read under the read lock.
    fn prepare(&self, id: i32) -> Option<Prepared> {
        let cloud = self.core.cloud.read();
        let vm = cloud.vms.get(id)?;
        let pending = vm.pending.clone()?;
        match pending.driver {
            DriverKind::Vmm => {
                let driver = super::payload::vmm_driver(vm, pending.verb)?;
                let mut local = None;
                if matches!(pending.verb, Verb::Deploy | Verb::Restore) && self.settings.qemu_mads.contains(&driver) {
                    match super::payload::write_deployment(&cloud, vm, &self.settings.vms_dir) {
                        Ok(p) => local = Some(p),
                        Err(e) => {
                            tracing::error!(vm_id = id, "{e}");
                            return Some(Prepared::Unsendable(pending, e.to_string()));
                        }
                    }
                }
                let payload = super::payload::vmm_payload(&cloud, vm, pending.verb, local.as_deref());
                Some(Prepared::Ready(pending, MadKind::Vm, driver, payload))
            }
            DriverKind::Tm => {
                let ds_tm = super::payload::system_tm_mad(&cloud, vm);
                let driver = self.mads.tm_driver(&ds_tm).unwrap_or(ds_tm);
                match super::payload::write_transfer(&cloud, vm, &pending, &self.settings.vms_dir) {
                    Ok(p) => Some(Prepared::Ready(pending, MadKind::Tm, driver, p.display().to_string())),
                    Err(e) => {
                        tracing::error!(vm_id = id, "{e}");
                        Some(Prepared::Unsendable(pending, e.to_string()))
                    }
                }
            }
        }
    }

    async fn driver_event(&mut self, ev: DriverEvent) {
        match ev {
            DriverEvent::Started { kind: MadKind::Ds, .. } => self.images.driver_started(&self.core, &self.mads).await,
            DriverEvent::Lost { kind: MadKind::Ds, .. } => self.images.driver_lost(),
            DriverEvent::Reply { kind: MadKind::Ds, reply, .. } => self.images.reply(&self.core, reply).await,
            DriverEvent::Started { kind, name } => self.driver_started(kind, &name).await,
            DriverEvent::Lost { kind, name, .. } => {
                // In-flight actions of that driver are resolved once it is back.
                for inf in self.inflight.values_mut().filter(|i| i.kind == kind && i.driver == name) {
                    inf.lost = true;
                }
                self.monitor.driver_lost(&name);
            }
            DriverEvent::Reply { kind: MadKind::Im, reply, .. } => {
                self.monitor.reply(&self.core, reply).await;
            }
            DriverEvent::Reply { kind, name, reply } => self.vm_reply(kind, &name, reply).await,
        }
    }

    /// A driver (re)started: resolve what it had in flight, send what waited for it.
    async fn driver_started(&mut self, kind: MadKind, name: &str) {
        let waiting: Vec<(i32, Option<Inflight>)> = {
            let cloud = self.core.cloud.read();
            cloud
                .vms
                .iter()
                .filter(|vm| vm.pending.is_some())
                .filter_map(|vm| {
                    let p = vm.pending.as_ref()?;
                    let k = if p.driver == DriverKind::Vmm { MadKind::Vm } else { MadKind::Tm };
                    let d = match p.driver {
                        DriverKind::Vmm => super::payload::vmm_driver(vm, p.verb)?,
                        DriverKind::Tm => {
                            let t = super::payload::system_tm_mad(&cloud, vm);
                            self.mads.tm_driver(&t).unwrap_or(t)
                        }
                    };
                    (k == kind && d == name).then(|| (vm.oid, self.inflight.get(&vm.oid).cloned()))
                })
                .collect()
        };
        // Whether or not the old process received them, the outcome is unknown: transfers are
        // sent again, VMM actions confirmed with a POLL (which sends them again if they did not
        // happen).
        for (id, _) in waiting {
            self.inflight.remove(&id);
            self.resolve(id).await;
        }
    }

    async fn vm_reply(&mut self, kind: MadKind, name: &str, reply: Reply) {
        let Reply::Action { verb: word, ok, id, info } = reply else {
            if let Reply::Log { severity, id, text } = reply {
                tracing::info!(vm_id = id, "[{name}] {severity:?}: {text}");
                self.transfer_progress(kind, id as i32, &text).await;
            }
            return;
        };
        let id = id as i32;
        let Some(verb) = Verb::parse(&word) else {
            tracing::warn!(vm_id = id, "ignored {word} answer from {name}: oned sends no such action");
            return;
        };
        let Some(inf) = self.inflight.get(&id).cloned() else {
            tracing::warn!(vm_id = id, "ignored {verb} answer from {name}: no action in flight");
            return;
        };
        if inf.kind != kind || inf.driver != name {
            return;
        }
        if verb == Verb::Poll && inf.polling {
            self.poll_answer(id, inf, ok, &info).await;
            return;
        }
        if verb != inf.verb {
            tracing::warn!(vm_id = id, "ignored {verb} answer from {name}: {} is in flight", inf.verb);
            return;
        }
        self.inflight.remove(&id);
        self.complete(id, inf.seq, verb, ok, &info).await;
    }

    /// A progress line of a running transfer (`disk.0 42% 110 MB/s`): kept in the VM's
    /// `TRANSFER_PROGRESS` while it runs, which `onevm show` displays.
    async fn transfer_progress(&mut self, kind: MadKind, id: i32, text: &str) {
        let running = self.inflight.get(&id).is_some_and(|i| i.kind == MadKind::Tm && i.verb == Verb::Transfer);
        if kind != MadKind::Tm || !running || !text.contains('%') {
            return;
        }
        let text: String = text.chars().take(200).collect();
        let (_, ticket, _) = self.core.apply(|cloud| {
            if let Some(vm) = cloud.vms.get_mut(id) {
                vm.template.set("TRANSFER_PROGRESS", text);
            }
        });
        if let Some(t) = ticket
            && let Err(e) = t.wait().await
        {
            tracing::error!(vm_id = id, "cannot store the transfer progress: {e}");
        }
    }

    /// Applies the outcome of pending action `seq` of VM `id` and sends whatever comes next.
    async fn complete(&mut self, id: i32, seq: u64, verb: Verb, ok: bool, info: &str) {
        let core = self.core.clone();
        let info = info.to_string();
        let (_, ticket, outbox) = core.apply(|cloud| {
            let current = cloud.vms.get(id).and_then(|v| v.pending.as_ref()).map(|p| p.seq);
            if current == Some(seq) {
                // A finished transfer's progress is no longer news.
                if verb == Verb::Transfer
                    && cloud.vms.get(id).is_some_and(|v| v.template.get("TRANSFER_PROGRESS").is_some())
                    && let Some(vm) = cloud.vms.get_mut(id)
                {
                    vm.template.remove("TRANSFER_PROGRESS");
                }
                apply::reply(cloud, id, verb, ok, &info);
            }
        });
        if let Some(t) = ticket
            && let Err(e) = t.wait().await
        {
            tracing::error!(vm_id = id, "cannot store the result of {verb}: {e}");
            return;
        }
        self.queue.extend(outbox.vms);
        for img in outbox.images {
            self.images.send(&self.core, &self.mads, img).await;
        }
    }

    async fn fail(&mut self, id: i32, seq: u64, verb: Verb, why: &str) {
        self.complete(id, seq, verb, false, why).await;
    }

    /// Decides a lost action: TRANSFER and CLEANUP are sent again; other VMM actions are
    /// confirmed with a POLL.
    async fn resolve(&mut self, id: i32) {
        let (pending, kind, driver) = match self.prepare(id) {
            None => return,
            Some(Prepared::Ready(p, k, d, _)) => (p, k, d),
            Some(Prepared::Unsendable(p, why)) => {
                self.inflight.remove(&id);
                self.fail(id, p.seq, p.verb, &why).await;
                return;
            }
        };
        let attempts = self.bump_attempts(id).await;
        if attempts > MAX_ATTEMPTS {
            self.inflight.remove(&id);
            let why = format!("the {driver} driver lost the action {MAX_ATTEMPTS} times");
            self.fail(id, pending.seq, pending.verb, &why).await;
            return;
        }
        if kind == MadKind::Tm || pending.verb == Verb::Cleanup {
            self.inflight.remove(&id);
            tracing::warn!(vm_id = id, "sending {} again (attempt {attempts})", pending.verb);
            self.send_pending(id).await;
            return;
        }
        let payload = {
            let cloud = self.core.cloud.read();
            match cloud.vms.get(id) {
                Some(vm) => super::payload::vmm_payload(&cloud, vm, pending.verb, None),
                None => return,
            }
        };
        tracing::warn!(vm_id = id, "confirming the outcome of {} with POLL (attempt {attempts})", pending.verb);
        let req = Request::Action { verb: Verb::Poll.as_str().to_string(), id: id as i64, payload };
        let sent = self.mads.send(kind, &driver, &req).await;
        self.inflight.insert(
            id,
            Inflight {
                seq: pending.seq,
                kind,
                driver,
                verb: pending.verb,
                sent: Instant::now(),
                polling: true,
                lost: false,
            },
        );
        if sent.is_err() {
            // Retried when the driver is back, or on the next timeout.
            if let Some(i) = self.inflight.get_mut(&id) {
                i.polling = false;
            }
        }
    }

    /// Counts one more attempt in the VM's journal entry (persisted).
    async fn bump_attempts(&self, id: i32) -> u32 {
        let (n, ticket, _) = self.core.apply(|cloud| {
            let vm = cloud.vms.get_mut(id)?;
            let p = vm.pending.as_mut()?;
            p.attempts += 1;
            Some(p.attempts)
        });
        if let Some(t) = ticket {
            let _ = t.wait().await;
        }
        n.unwrap_or(MAX_ATTEMPTS + 1)
    }

    /// The answer to a confirming POLL of VM `id`'s lost action.
    async fn poll_answer(&mut self, id: i32, inf: Inflight, ok: bool, info: &str) {
        self.inflight.remove(&id);
        if !ok {
            // Could not even poll: try again later (bounded by the attempts).
            self.resolve(id).await;
            return;
        }
        let st = info.split_whitespace().find_map(|w| w.strip_prefix("STATE=")).unwrap_or("");
        let present = matches!(st, "a" | "p");
        let succeeded = match inf.verb {
            Verb::Shutdown | Verb::Cancel | Verb::Save => !present,
            _ => present,
        };
        if succeeded {
            let deploy = info
                .split_whitespace()
                .find_map(|w| w.strip_prefix("DEPLOY_ID="))
                .map(str::to_string)
                .unwrap_or_else(|| format!("one-{id}"));
            tracing::info!(vm_id = id, "POLL confirms that {} succeeded", inf.verb);
            self.complete(id, inf.seq, inf.verb, true, &deploy).await;
        } else if matches!(inf.verb, Verb::Deploy | Verb::Restore | Verb::Shutdown | Verb::Cancel | Verb::Save) {
            // The action did not happen: doing it again is safe.
            tracing::warn!(vm_id = id, "POLL shows {} did not happen; sending it again", inf.verb);
            self.send_pending(id).await;
        } else {
            self.fail(id, inf.seq, inf.verb, "the driver lost the action and the VM's state does not confirm it").await;
        }
    }

    /// Timeouts, and the monitoring schedule.
    async fn tick(&mut self) {
        let timeout = self.settings.action_timeout;
        let late: Vec<(i32, Inflight)> = self
            .inflight
            .iter()
            .filter(|(_, i)| i.lost || i.sent.elapsed() > timeout)
            .map(|(id, i)| (*id, i.clone()))
            .collect();
        for (id, inf) in late {
            if !inf.lost && inf.sent.elapsed() < timeout * 2 {
                tracing::warn!(vm_id = id, "{} got no answer from {} in {} s", inf.verb, inf.driver, timeout.as_secs());
                let _ = self.mads.send(inf.kind, &inf.driver, &Request::DriverCancel { id: id as i64 }).await;
            }
            self.resolve(id).await;
        }
        self.monitor.tick(&self.core, &self.mads).await;
        self.images.tick(&self.core, &self.mads).await;
    }
}

/// True for a VM state whose driver action is under way.
pub fn in_transit(st: VmState, l: LcmState) -> bool {
    st == VmState::Active && machine::is_transient(st, l) && l != LcmState::Running
}
