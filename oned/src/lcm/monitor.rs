//! Host monitoring: a `MONITOR` to each host's IM driver every MONITORING_INTERVAL_HOST, and
//! what the answer means for the host (INIT/ERROR → MONITORED, capacity, template) and for the
//! VMs it reports (state reconciliation, usage, wild VMs).
//!
//! Disk, as OpenNebula's `HostShareDatastore`: `DS_LOCATION_TOTAL_MB` / `_FREE_MB` / `_USED_MB`
//! (the file system of the host's datastores directory) become `HOST_SHARE/DATASTORES/MAX_DISK`,
//! `FREE_DISK`, `USED_DISK`, and each `DS = [ ID, TOTAL_MB, FREE_MB, USED_MB ]` (a system
//! datastore's directory on the host) a `HOST_SHARE/DATASTORES/DS`; every probe replaces them,
//! and none of them stays in the host's template.
//!
//! Reconciliation, as OpenNebula does it: the VMs a probe lists take the state it reports (a VM
//! found running while POWEROFF, SUSPENDED or UNKNOWN is RUNNING; `p` suspends, `e` makes it
//! UNKNOWN, `d` powers it off); the VMs of a host that cannot be monitored go to UNKNOWN and
//! come back to RUNNING when it reports them again. A RUNNING (or UNKNOWN) VM that the probe
//! does not list goes to POWEROFF only when the probe says `VM_POLL = "YES"`, OpenNebula 5's
//! word for "these are all the VMs of the host": a probe that lists none, or only some, leaves
//! the others as they are (the kvm probe set has no VM probe; a dummy IM without a state
//! directory knows no VMs). A VM with a driver action in progress, or whose state changed less
//! than [`GRACE`] seconds ago, is left alone: monitoring never overrides a driver action.
//! `VM_POLL` is a message to oned, not a fact about the host: it is not kept in the host's
//! template.

use super::apply;
use crate::cloud::Cloud;
use crate::config::MadKind;
use crate::core::Core;
use crate::mad::{MadManager, SendError};
use crate::objects::host::{HostDs, HostState};
use crate::objects::monitoring::History;
use crate::objects::vm::{LcmState, VmState};
use crate::objects::{PoolObject, now};
use driver_proto::proto::{Reply, Request};
use libone::template::{Template, Vector};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Seconds after a state change during which monitoring does not touch a VM.
pub const GRACE: i64 = 30;
pub struct Monitor {
    interval: i64,
    inflight: HashMap<i32, (String, Instant)>,
    /// Per host, the messages its probes logged with the last answer and those logged since.
    said: HashMap<i32, (HashSet<String>, HashSet<String>)>,
}

impl Monitor {
    pub fn new(interval: i64) -> Monitor {
        Monitor { interval: interval.max(1), inflight: HashMap::new(), said: HashMap::new() }
    }

    /// Notes a message of host `hid`'s probes; false when the probes logged the same message
    /// with the previous answer (a probe that says the same at every interval, such as "guests
    /// run emulated", is logged once at INFO, then at DEBUG while it repeats).
    fn first_said(&mut self, hid: i32, text: &str) -> bool {
        let (before, now) = self.said.entry(hid).or_default();
        now.insert(text.to_string());
        !before.contains(text)
    }

    /// An answer of host `hid` closes the round of its messages.
    fn answered(&mut self, hid: i32) {
        if let Some((before, now)) = self.said.get_mut(&hid) {
            *before = std::mem::take(now);
        }
    }

    /// Sends MONITOR to every host that is due; times out probes that got no answer.
    pub async fn tick(&mut self, core: &Core, mads: &MadManager) {
        let t = now();
        let limit = (self.interval * 2).max(60) as u64;
        let late: Vec<i32> =
            self.inflight.iter().filter(|(_, (_, s))| s.elapsed().as_secs() > limit).map(|(h, _)| *h).collect();
        for hid in late {
            self.inflight.remove(&hid);
            host_failed(core, hid, &format!("no monitoring answer in {limit} s")).await;
        }
        let due: Vec<(i32, String, String, bool)> = {
            let cloud = core.cloud.read();
            cloud
                .hosts
                .iter()
                .filter(|h| h.state != HostState::Offline && h.last_mon_time + self.interval <= t)
                .filter(|h| !self.inflight.contains_key(&h.oid))
                .map(|h| {
                    let sync = h.template.get("SYNC_REQUESTED").is_some_and(|v| v == "YES");
                    (h.oid, h.im_mad.clone(), driver_proto::proto::b64_encode(h.to_xml().as_bytes()), sync)
                })
                .collect()
        };
        for (hid, im, payload, sync) in due {
            if sync {
                // `one.host.sync`: the driver copies the remotes to the host again.
                let req = Request::Action { verb: "SYNC".into(), id: hid as i64, payload: payload.clone() };
                if mads.send(MadKind::Im, &im, &req).await.is_ok() {
                    let (_, ticket, _) = core.apply(|cloud| {
                        if let Some(h) = cloud.hosts.get_mut(hid) {
                            h.template.remove("SYNC_REQUESTED");
                        }
                    });
                    if let Some(tk) = ticket {
                        let _ = tk.wait().await;
                    }
                }
            }
            let req = Request::Action { verb: "MONITOR".into(), id: hid as i64, payload };
            match mads.send(MadKind::Im, &im, &req).await {
                Ok(()) => {
                    self.inflight.insert(hid, (im, Instant::now()));
                }
                Err(SendError::NotRunning { .. }) => {}
                Err(e) => host_failed(core, hid, &e.to_string()).await,
            }
        }
    }

    pub fn driver_lost(&mut self, driver: &str) {
        self.inflight.retain(|_, (d, _)| d != driver);
    }

    pub async fn reply(&mut self, core: &Core, reply: Reply) {
        match reply {
            Reply::Action { verb, ok, id, info } if verb == "MONITOR" => {
                let hid = id as i32;
                self.inflight.remove(&hid);
                self.answered(hid);
                if !ok {
                    host_failed(core, hid, info.trim()).await;
                    return;
                }
                let text = driver_proto::proto::b64_decode(info.trim())
                    .map_err(|e| e.to_string())
                    .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
                    .and_then(|s| Template::parse_text(&s).map_err(|e| e.to_string()));
                match text {
                    Ok(t) => {
                        let (_, ticket, outbox) = core.apply(|cloud| apply_monitoring(cloud, hid, &t));
                        if let Some(tk) = ticket {
                            let _ = tk.wait().await;
                        }
                        core.send_outbox(outbox);
                    }
                    Err(e) => host_failed(core, hid, &format!("unreadable monitoring data: {e}")).await,
                }
            }
            Reply::Log { id, text, .. } => {
                if self.first_said(id as i32, &text) {
                    tracing::info!(host_id = id, "[monitor] {text}");
                } else {
                    tracing::debug!(host_id = id, "[monitor] {text}");
                }
            }
            _ => {}
        }
    }
}

/// The host could not be monitored: ERROR, and its running VMs become UNKNOWN.
async fn host_failed(core: &Core, hid: i32, why: &str) {
    let (_, ticket, _) = core.apply(|cloud| {
        let t = now();
        let Some(h) = cloud.hosts.get_mut(hid) else { return };
        if matches!(h.state, HostState::Offline | HostState::Disabled) {
            h.last_mon_time = t;
            return;
        }
        if h.state != HostState::Error {
            h.prev_state = h.state;
            h.state = HostState::Error;
            tracing::warn!(host_id = hid, "host {} is in ERROR: {why}", h.name);
        }
        h.template.set("ERROR", why);
        h.last_mon_time = t;
        let vms: Vec<i32> = h.vms.iter().copied().collect();
        for id in vms {
            let quiet = cloud.vms.get(id).is_some_and(|v| {
                v.state == VmState::Active
                    && v.lcm_state == LcmState::Running
                    && v.pending.is_none()
                    && v.state_changed_at + GRACE <= t
            });
            if quiet {
                apply::enter(cloud, id, super::machine::active_rest(LcmState::Unknown), None);
            }
        }
    });
    if let Some(tk) = ticket {
        let _ = tk.wait().await;
    }
}

/// Numbers the share keeps, from the probe template.
fn num(t: &Template, k: &str) -> Option<i64> {
    t.get(k).and_then(|v| v.trim().parse::<f64>().ok()).map(|v| v as i64)
}

/// A number of a probe's vector (0 when absent or not a number, as OpenNebula reads it).
fn vector_num(v: &Vector, k: &str) -> i64 {
    v.get(k).and_then(|s| s.trim().parse::<f64>().ok()).map_or(0, |n| n as i64)
}

/// `DS = [ ID, TOTAL_MB, FREE_MB, USED_MB ]`: one system datastore of the host. `None` without a
/// valid ID.
fn host_ds(v: &Vector) -> Option<HostDs> {
    let id = v.get("ID")?.trim().parse::<i32>().ok().filter(|id| *id >= 0)?;
    Some(HostDs {
        id,
        free_mb: vector_num(v, "FREE_MB"),
        total_mb: vector_num(v, "TOTAL_MB"),
        used_mb: vector_num(v, "USED_MB"),
    })
}

/// What a probe says of the host's datastores (OpenNebula's `HostShareDatastore::
/// set_monitorization`): the datastores directory's file system (`DS_LOCATION_*_MB`, 0 when not
/// reported) and one `DS` vector per system datastore. Neither is kept in the host's template.
const DS_LOCATION: [&str; 3] = ["DS_LOCATION_TOTAL_MB", "DS_LOCATION_FREE_MB", "DS_LOCATION_USED_MB"];

/// Applies a successful probe of host `hid`.
pub fn apply_monitoring(cloud: &mut Cloud, hid: i32, probe: &Template) {
    let t = now();
    let mut usage = Template::new();
    let mut system = Template::new();
    let mut reported: HashMap<i32, (String, String, Option<String>, Option<String>)> = HashMap::new();
    let mut wilds: Vec<String> = Vec::new();
    let mut location = Template::new();
    let mut datastores: Vec<HostDs> = Vec::new();
    // The probe lists every VM of the host: the ones it does not list are gone.
    let mut full_list = false;
    for a in probe.iter() {
        match (a.name(), a.as_single(), a.as_vector()) {
            ("VM_POLL", Some(v), _) => full_list = v.trim().eq_ignore_ascii_case("YES"),
            ("VM", _, Some(v)) => {
                let id = v.get("ID").and_then(|s| s.trim().parse::<i32>().ok()).unwrap_or(-1);
                let deploy = v.get("DEPLOY_ID").unwrap_or("").to_string();
                let st = v.get("STATE").unwrap_or("a").to_string();
                if id < 0 {
                    wilds.push(deploy);
                } else {
                    reported.insert(
                        id,
                        (deploy, st, v.get("CPU").map(str::to_string), v.get("MEMORY").map(str::to_string)),
                    );
                }
            }
            (n @ ("USEDMEMORY" | "FREEMEMORY" | "USEDCPU" | "FREECPU" | "NETRX" | "NETTX"), Some(v), _) => {
                usage.add(n, v);
            }
            (n, Some(v), _) if DS_LOCATION.contains(&n) => location.set(n, v),
            ("DS", _, Some(v)) => {
                if let Some(ds) = host_ds(v) {
                    // A datastore reported twice: its last line counts.
                    datastores.retain(|d| d.id != ds.id);
                    datastores.push(ds);
                }
            }
            (n, Some(v), _) => system.set(n, v),
            _ => {}
        }
    }
    let keep = cloud.settings.host_monitoring_expiration;
    let Some(h) = cloud.hosts.get_mut(hid) else { return };
    if matches!(h.state, HostState::Init | HostState::Error | HostState::Monitored) && h.state != HostState::Monitored {
        h.prev_state = h.state;
        h.state = HostState::Monitored;
        tracing::info!(host_id = hid, "host {} is MONITORED", h.name);
        cloud.sched_kick = true;
    }
    h.template.remove("ERROR");
    for a in system.iter() {
        if let Some(v) = a.as_single() {
            h.template.set(a.name(), v);
        }
    }
    if wilds.is_empty() {
        h.template.remove("WILDS");
    } else {
        h.template.set("WILDS", wilds.join(","));
    }
    let reserved = |t: &Template, k: &str| num(t, k).unwrap_or(0);
    if let Some(c) = num(&system, "TOTALCPU") {
        h.share.total_cpu = c;
        h.share.max_cpu = c - reserved(&h.template, "RESERVED_CPU");
    }
    if let Some(m) = num(&system, "TOTALMEMORY") {
        h.share.total_mem = m;
        h.share.max_mem = m - reserved(&h.template, "RESERVED_MEM");
    }
    h.share.max_disk = num(&location, "DS_LOCATION_TOTAL_MB").unwrap_or(0);
    h.share.free_disk = num(&location, "DS_LOCATION_FREE_MB").unwrap_or(0);
    h.share.used_disk = num(&location, "DS_LOCATION_USED_MB").unwrap_or(0);
    datastores.sort_by_key(|d| d.id);
    h.share.datastores = datastores;
    // Versions before HOST_SHARE/DATASTORES kept these in the template.
    for k in DS_LOCATION {
        h.template.remove(k);
    }
    let mut mon = Template::new();
    mon.add("TIMESTAMP", t.to_string());
    mon.add("ID", hid.to_string());
    let cap = Vector::from_pairs(
        [
            ("FREE_CPU", "FREECPU"),
            ("FREE_MEMORY", "FREEMEMORY"),
            ("USED_CPU", "USEDCPU"),
            ("USED_MEMORY", "USEDMEMORY"),
        ]
        .into_iter()
        .filter_map(|(to, from)| usage.get(from).map(|v| (to, v.to_string()))),
    );
    mon.add_vector("CAPACITY", cap);
    let sys =
        Vector::from_pairs(["NETRX", "NETTX"].into_iter().filter_map(|k| usage.get(k).map(|v| (k, v.to_string()))));
    mon.add_vector("SYSTEM", sys);
    h.monitoring = mon.clone();
    h.last_mon_time = t;
    let host_vms: Vec<i32> = h.vms.iter().copied().collect();
    History::push(&mut cloud.monitoring.hosts, hid, t, mon, keep);

    // VMs the host reports.
    let vm_keep = cloud.settings.vm_monitoring_expiration;
    for (id, (deploy, st, cpu, mem)) in &reported {
        let on_this_host = cloud.vms.get(*id).is_some_and(|v| v.history.last().is_some_and(|h| h.hid == hid));
        if !on_this_host {
            continue;
        }
        let Some(vm) = cloud.vms.get_mut(*id) else { continue };
        vm.last_poll = t;
        let mut rec = Template::new();
        rec.add("TIMESTAMP", t.to_string());
        rec.add("ID", id.to_string());
        if let Some(c) = cpu {
            rec.add("CPU", c.clone());
        }
        if let Some(m) = mem {
            rec.add("MEMORY", m.clone());
        }
        vm.monitoring = rec.clone();
        if !deploy.is_empty() && vm.deploy_id.is_empty() {
            vm.deploy_id = deploy.clone();
        }
        let quiet = vm.pending.is_none() && vm.state_changed_at + GRACE <= t;
        let (vst, vl) = (vm.state, vm.lcm_state);
        History::push(&mut cloud.monitoring.vms, *id, t, rec, vm_keep);
        if !quiet {
            continue;
        }
        use super::machine::{active_rest, rest};
        let running = vst == VmState::Active && vl == LcmState::Running;
        match st.as_str() {
            "a" if vst == VmState::Poweroff
                || vst == VmState::Suspended
                || (vst == VmState::Active && vl == LcmState::Unknown) =>
            {
                apply::enter(cloud, *id, active_rest(LcmState::Running), None);
            }
            "p" if running => apply::enter(cloud, *id, rest(VmState::Suspended), None),
            "e" if running => apply::enter(cloud, *id, active_rest(LcmState::Unknown), None),
            "d" if running => apply::enter(cloud, *id, rest(VmState::Poweroff), None),
            _ => {}
        }
    }
    // RUNNING VMs of this host it no longer reports, when it reports them all.
    if !full_list {
        return;
    }
    let seen: HashSet<i32> = reported.keys().copied().collect();
    for id in host_vms {
        if seen.contains(&id) {
            continue;
        }
        let missing = cloud.vms.get(id).is_some_and(|v| {
            v.state == VmState::Active
                && matches!(v.lcm_state, LcmState::Running | LcmState::Unknown)
                && v.pending.is_none()
                && v.state_changed_at + GRACE <= t
        });
        if missing {
            tracing::warn!(vm_id = id, host_id = hid, "the host no longer reports the VM");
            apply::enter(cloud, id, super::machine::rest(VmState::Poweroff), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Settings;
    use crate::objects::host::{Host, HostShare};
    use crate::objects::vm::{History as Stay, VirtualMachine};

    /// A cloud with one MONITORED host (id 0) and one VM per `(state, lcm_state, seconds since
    /// that state began)`, all placed on it (ids 0, 1, ...).
    fn cloud(vms: &[(VmState, LcmState, i64)]) -> Cloud {
        let mut cloud = Cloud::empty(Settings::default());
        let hid = cloud.hosts.allocate(|oid| Host {
            state: HostState::Monitored,
            share: HostShare::default(),
            ..Host::new(oid, "node1", "dummy", "dummy", 0, "default", Template::new())
        });
        let t = now();
        for &(st, lcm_state, age) in vms {
            let id = cloud.vms.allocate(|oid| VirtualMachine {
                stime: t - age,
                deploy_id: format!("dummy-{oid}"),
                history: vec![Stay { hid, hostname: "node1".into(), vm_mad: "dummy".into(), ..Stay::default() }],
                state_changed_at: t - age,
                disk_snapshots: Default::default(),
                disk_op: None,
                ..VirtualMachine::for_tests(oid, st, lcm_state, Template::new())
            });
            if let Some(h) = cloud.hosts.get_mut(hid) {
                h.vms.insert(id);
            }
        }
        cloud
    }

    #[test]
    fn a_probe_message_repeated_at_every_answer_is_logged_once() {
        let mut m = Monitor::new(1);
        let tcg = "hypervisor.sh: guests run emulated (tcg)";
        assert!(m.first_said(0, tcg), "the first time");
        m.answered(0);
        assert!(!m.first_said(0, tcg), "the same message with the next answer");
        assert!(m.first_said(0, "cpu.sh: something new"), "another message");
        assert!(m.first_said(1, tcg), "another host's");
        m.answered(0);
        assert!(!m.first_said(0, tcg), "still repeating");
        m.answered(0);
        m.answered(0);
        assert!(m.first_said(0, tcg), "after an answer without it, it is news again");
    }

    fn probe(text: &str) -> Template {
        Template::parse_text(&format!("HYPERVISOR = \"dummy\"\nTOTALCPU = 800\nTOTALMEMORY = 16777216\n{text}"))
            .unwrap()
    }

    fn states(cloud: &Cloud) -> Vec<(VmState, LcmState)> {
        cloud.vms.iter().map(|v| (v.state, v.lcm_state)).collect()
    }

    const RUNNING: (VmState, LcmState) = (VmState::Active, LcmState::Running);
    const POWEROFF: (VmState, LcmState) = (VmState::Poweroff, LcmState::LcmInit);
    const LONG_AGO: i64 = GRACE + 30;

    #[test]
    fn a_probe_without_vm_poll_leaves_the_vms_it_does_not_list_alone() {
        let mut c =
            cloud(&[(VmState::Active, LcmState::Running, LONG_AGO), (VmState::Active, LcmState::Running, LONG_AGO)]);
        apply_monitoring(&mut c, 0, &probe("VM = [ ID = \"0\", DEPLOY_ID = \"dummy-0\", STATE = \"a\" ]"));
        apply_monitoring(&mut c, 0, &probe(""));
        apply_monitoring(&mut c, 0, &probe("VM_POLL = \"NO\""));
        assert_eq!(states(&c), [RUNNING, RUNNING]);
        assert!(c.vms.get(0).is_some_and(|v| v.last_poll > 0), "the listed VM was still seen");
    }

    #[test]
    fn a_probe_with_vm_poll_powers_off_the_vms_it_does_not_list_after_the_grace() {
        let mut c = cloud(&[
            (VmState::Active, LcmState::Running, LONG_AGO),
            (VmState::Active, LcmState::Running, LONG_AGO),
            (VmState::Active, LcmState::Running, 1),
            (VmState::Active, LcmState::Unknown, LONG_AGO),
        ]);
        apply_monitoring(
            &mut c,
            0,
            &probe("VM_POLL = \"YES\"\nVM = [ ID = \"0\", DEPLOY_ID = \"dummy-0\", STATE = \"a\" ]"),
        );
        assert_eq!(states(&c), [RUNNING, POWEROFF, RUNNING, POWEROFF], "VM 2 changed state a second ago: left alone");
        let host = c.hosts.get(0).unwrap();
        assert_eq!(host.template.get("VM_POLL"), None, "a message to oned, not a host attribute");
        assert_eq!(host.template.get("HYPERVISOR"), Some("dummy"));

        // The same probe in lower case, as OpenNebula's boolean attributes accept it.
        let mut c = cloud(&[(VmState::Active, LcmState::Running, LONG_AGO)]);
        apply_monitoring(&mut c, 0, &probe("VM_POLL = \"yes\""));
        assert_eq!(states(&c), [POWEROFF]);
    }

    #[test]
    fn the_probe_fills_the_hosts_datastores() {
        use crate::objects::host::HostDs;
        let mut c = cloud(&[]);
        c.hosts.get_mut(0).unwrap().template.set("DS_LOCATION_FREE_MB", "1"); // as older versions kept it
        apply_monitoring(
            &mut c,
            0,
            &probe(
                "DS_LOCATION_USED_MB = 9720\nDS_LOCATION_TOTAL_MB = 20480\nDS_LOCATION_FREE_MB = 10760\n\
                 DS = [ ID = 104, TOTAL_MB = 100, FREE_MB = 70, USED_MB = 30 ]\n\
                 DS = [ ID = \"0\", USED_MB = \"9720.4\", TOTAL_MB = \"20480\", FREE_MB = \"10760\" ]\n\
                 DS = [ ID = \"x\", FREE_MB = 1 ]\nDS = [ FREE_MB = 1 ]\n\
                 DS = [ ID = 104, TOTAL_MB = 100, FREE_MB = 60, USED_MB = 40 ]",
            ),
        );
        let h = c.hosts.get(0).unwrap();
        assert_eq!((h.share.max_disk, h.share.free_disk, h.share.used_disk), (20480, 10760, 9720));
        assert_eq!(
            h.share.datastores,
            [
                HostDs { id: 0, free_mb: 10760, total_mb: 20480, used_mb: 9720 },
                HostDs { id: 104, free_mb: 60, total_mb: 100, used_mb: 40 },
            ],
            "by id; entries without a valid ID dropped; the last line of an id counts"
        );
        for k in ["DS_LOCATION_TOTAL_MB", "DS_LOCATION_FREE_MB", "DS_LOCATION_USED_MB", "DS"] {
            assert!(!h.template.contains(k), "{k} is in HOST_SHARE, not in the template");
        }
        let xml = h.to_xml();
        assert!(
            xml.contains(
                "<DATASTORES><DISK_USAGE>0</DISK_USAGE>\
                 <DS><FREE_MB>10760</FREE_MB><ID>0</ID><TOTAL_MB>20480</TOTAL_MB><USED_MB>9720</USED_MB></DS>\
                 <DS><FREE_MB>60</FREE_MB><ID>104</ID><TOTAL_MB>100</TOTAL_MB><USED_MB>40</USED_MB></DS>\
                 <FREE_DISK>10760</FREE_DISK><MAX_DISK>20480</MAX_DISK><USED_DISK>9720</USED_DISK></DATASTORES>"
            ),
            "{xml}"
        );

        // Each probe replaces the list; what it does not report is 0 (OpenNebula reads it so).
        apply_monitoring(&mut c, 0, &probe("DS = [ ID = 3, FREE_MB = 5 ]"));
        let h = c.hosts.get(0).unwrap();
        assert_eq!(h.share.datastores, [HostDs { id: 3, free_mb: 5, total_mb: 0, used_mb: 0 }]);
        assert_eq!((h.share.max_disk, h.share.free_disk, h.share.used_disk), (0, 0, 0));
        apply_monitoring(&mut c, 0, &probe(""));
        assert!(c.hosts.get(0).unwrap().share.datastores.is_empty());
    }

    #[test]
    fn listed_vms_are_reconciled_with_or_without_vm_poll() {
        for poll in ["", "VM_POLL = \"YES\"\n"] {
            let mut c = cloud(&[
                (VmState::Poweroff, LcmState::LcmInit, LONG_AGO),
                (VmState::Active, LcmState::Running, LONG_AGO),
                (VmState::Active, LcmState::Unknown, LONG_AGO),
            ]);
            apply_monitoring(
                &mut c,
                0,
                &probe(&format!(
                    "{poll}VM = [ ID = \"0\", STATE = \"a\" ]\nVM = [ ID = \"1\", STATE = \"d\" ]\n\
                     VM = [ ID = \"2\", STATE = \"a\" ]"
                )),
            );
            assert_eq!(states(&c), [RUNNING, POWEROFF, RUNNING], "{poll:?}");
        }
    }
}
