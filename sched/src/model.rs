//! The scheduler's view of oned's objects, read from `one.hostpool.info` and the full VM bodies of
//! `one.vmpool.infoextended` / `one.vmpool.infoset` (the short body of `one.vmpool.info` carries
//! in `TEMPLATE` only CPU, MEMORY, VCPU, DISK, NIC and GRAPHICS, as OpenNebula's does, so not
//! `AUTOMATIC_REQUIREMENTS`).
//!
//! A host keeps every leaf of its document as `(path, value)` in document order, indexed under
//! the names OpenNebula's expressions use: a name is looked up under the prefixes `TEMPLATE/`,
//! `HOST_SHARE/`, `HOST_SHARE/DATASTORES/`, `MONITORING/CAPACITY/`, `MONITORING/SYSTEM/`, the
//! host itself and `CLUSTER_TEMPLATE/`; `/HOST/...` names are absolute. Values of one name keep
//! document order, so a single-valued comparison takes the first match as OpenNebula does.

use libone::states::{HostState, LcmState, VmState};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Leaves of each `<item>` element of a pool document: `(path below the item, text)`.
pub fn leaves(xml: &str, item: &str) -> Result<Vec<Vec<(String, String)>>, String> {
    leaves_where(xml, item, |_| true)
}

/// [`leaves`], keeping only the leaves whose path `keep` accepts; the others cost no allocation.
pub fn leaves_where(xml: &str, item: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<Vec<(String, String)>>, String> {
    leaves_marked(xml, item, keep, |_| false)
}

/// [`leaves_where`], plus an end marker `("<path>/", "")` after the leaves of every element
/// with children whose path `mark` accepts: it separates repeated vectors (`TEMPLATE/DISK`,
/// `HOST_SHARE/DATASTORES/DS`), whose leaves are otherwise one flat run. No leaf path ends in
/// `/`, so a marker is never mistaken for a value.
pub fn leaves_marked(
    xml: &str,
    item: &str,
    keep: impl Fn(&str) -> bool,
    mark: impl Fn(&str) -> bool,
) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    // Open elements: (length of `path` before the element, has element children).
    let mut stack: Vec<(usize, bool)> = Vec::new();
    // The path of the innermost open element below the current item (`TEMPLATE/CPU`).
    let mut path = String::new();
    let mut text = String::new();
    let mut cur: Option<Vec<(String, String)>> = None;
    let mut item_depth = 0usize;
    loop {
        match reader.read_event().map_err(|e| format!("bad XML at byte {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => {
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
                let name = e.name();
                let name: &str = name.as_ref();
                stack.push((path.len(), false));
                if cur.is_none() && name == item {
                    cur = Some(Vec::new());
                    item_depth = stack.len();
                    path.clear();
                } else if cur.is_some() {
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(name);
                }
                text.clear();
            }
            Event::Empty(e) => {
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
                if let Some(c) = cur.as_mut() {
                    let name = e.name();
                    let name: &str = name.as_ref();
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(name);
                    if keep(&path) {
                        c.push((path.clone(), String::new()));
                    }
                    path.truncate(len);
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name: &str = r.as_ref();
                    text.push_str(match name {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::End(_) => {
                let Some((before, has_children)) = stack.pop() else { break };
                if cur.is_some() && stack.len() + 1 == item_depth {
                    if let Some(c) = cur.take() {
                        out.push(c);
                    }
                } else if let Some(c) = cur.as_mut() {
                    if !has_children && keep(&path) {
                        c.push((path.clone(), text.trim().to_string()));
                    } else if has_children && mark(&path) {
                        c.push((format!("{path}/"), String::new()));
                    }
                }
                path.truncate(before);
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The look-up index of an object's leaves: every leaf under each name it has below one of
/// `prefixes`, and under its absolute name `<root><path>`; values keep document order. End
/// markers of [`leaves_marked`] are not leaves and are skipped.
fn index_leaves(leaves: &[(String, String)], prefixes: &[&str], root: &str) -> HashMap<String, Vec<String>> {
    let mut index: HashMap<String, Vec<String>> = HashMap::new();
    for (path, value) in leaves.iter().filter(|(p, _)| !p.ends_with('/')) {
        for p in prefixes {
            if let Some(rest) = path.strip_prefix(p)
                && !rest.is_empty()
            {
                index.entry(rest.to_string()).or_default().push(value.clone());
            }
        }
        index.entry(format!("{root}{path}")).or_default().push(value.clone());
    }
    index
}

/// Name-resolution prefixes of a host, as OpenNebula's scheduler searches them.
const HOST_PREFIXES: [&str; 7] = [
    "TEMPLATE/",
    "HOST_SHARE/",
    "HOST_SHARE/DATASTORES/",
    "MONITORING/CAPACITY/",
    "MONITORING/SYSTEM/",
    "",
    "CLUSTER_TEMPLATE/",
];

/// A host as the scheduler sees it.
#[derive(Clone, Debug, Default)]
pub struct Host {
    pub id: i32,
    pub name: String,
    /// `None` for a number that is not a host state (never schedulable).
    pub state: Option<HostState>,
    pub cluster_id: i32,
    pub total_cpu: i64,
    pub total_mem: i64,
    pub max_cpu: i64,
    pub max_mem: i64,
    pub cpu_usage: i64,
    pub mem_usage: i64,
    pub running_vms: i64,
    pub free_cpu: i64,
    pub free_mem: i64,
    pub priority: f64,
    pub vms: Vec<i32>,
    /// Free MB of each system datastore the host reports (`HOST_SHARE/DATASTORES/DS`): what a
    /// non-shared system datastore has room for on this host.
    pub ds_free: HashMap<i32, i64>,
    /// name → values in document order, under every prefix.
    pub index: HashMap<String, Vec<String>>,
}

/// The element of a host's per-datastore monitoring.
const HOST_DS: &str = "HOST_SHARE/DATASTORES/DS";

impl Host {
    pub fn from_leaves(leaves: &[(String, String)]) -> Host {
        let index = index_leaves(leaves, &HOST_PREFIXES, "/HOST/");
        let mut ds_free = HashMap::new();
        // The current DS element's (ID, FREE_MB), stored at its end marker.
        let mut ds: (Option<i32>, Option<i64>) = (None, None);
        for (path, value) in leaves {
            match path.strip_prefix(HOST_DS) {
                Some("/") => {
                    if let (Some(id), Some(free)) = std::mem::take(&mut ds) {
                        ds_free.insert(id, free);
                    }
                }
                Some("/ID") => ds.0 = value.trim().parse().ok(),
                Some("/FREE_MB") => ds.1 = value.trim().parse::<f64>().ok().map(|v| v as i64),
                _ => {}
            }
        }
        let first = |k: &str| index.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
        let num = |k: &str, d: i64| first(k).parse::<f64>().map(|v| v as i64).unwrap_or(d);
        Host {
            id: num("ID", -1) as i32,
            name: first("NAME"),
            state: HostState::from_number(num("STATE", -1) as i32),
            cluster_id: num("CLUSTER_ID", 0) as i32,
            total_cpu: num("HOST_SHARE/TOTAL_CPU", 0),
            total_mem: num("HOST_SHARE/TOTAL_MEM", 0),
            max_cpu: num("HOST_SHARE/MAX_CPU", 0),
            max_mem: num("HOST_SHARE/MAX_MEM", 0),
            cpu_usage: num("HOST_SHARE/CPU_USAGE", 0),
            mem_usage: num("HOST_SHARE/MEM_USAGE", 0),
            running_vms: num("HOST_SHARE/RUNNING_VMS", 0),
            free_cpu: num("MONITORING/CAPACITY/FREE_CPU", -1),
            free_mem: num("MONITORING/CAPACITY/FREE_MEMORY", -1),
            priority: first("TEMPLATE/PRIORITY").parse().unwrap_or(0.0),
            vms: index.get("VMS/ID").map(|v| v.iter().filter_map(|s| s.parse().ok()).collect()).unwrap_or_default(),
            ds_free,
            index,
        }
    }
}

/// The leaves of a VM body that [`Vm::from_leaves`] reads, and where OpenNebula keeps them:
/// requests and `AUTOMATIC_REQUIREMENTS` in the system `TEMPLATE` (oned writes them), what the
/// user may change (`SCHED_*`, `USER_PRIORITY`, `SCHED_MESSAGE`) in `USER_TEMPLATE`. The full body
/// also has `TEMPLATE/AUTOMATIC_DS_REQUIREMENTS` and `TEMPLATE/AUTOMATIC_NIC_REQUIREMENTS`: they
/// choose a system datastore and the networks of `NETWORK_MODE = "auto"` NICs, which mm_sched
/// does not do. `AUTOMATIC_DS_REQUIREMENTS` (the clusters of the image datastores, from oned),
/// `SCHED_DS_REQUIREMENTS` and `SCHED_DS_RANK` choose the system datastore, and the DISK leaves
/// give the room the VM needs in it ([`Vm::system_ds_mb`]).
pub const VM_PATHS: [&str; 25] = [
    "ID",
    "UID",
    "GID",
    "STATE",
    "LCM_STATE",
    "RESCHED",
    "TEMPLATE/CPU",
    "TEMPLATE/MEMORY",
    "TEMPLATE/AUTOMATIC_REQUIREMENTS",
    "USER_TEMPLATE/SCHED_REQUIREMENTS",
    "USER_TEMPLATE/REQUIREMENTS",
    "USER_TEMPLATE/SCHED_RANK",
    "USER_TEMPLATE/RANK",
    "USER_TEMPLATE/USER_PRIORITY",
    "USER_TEMPLATE/SCHED_MESSAGE",
    "HISTORY_RECORDS/HISTORY/HID",
    "TEMPLATE/AUTOMATIC_DS_REQUIREMENTS",
    "USER_TEMPLATE/SCHED_DS_REQUIREMENTS",
    "USER_TEMPLATE/SCHED_DS_RANK",
    "TEMPLATE/DISK/SIZE",
    "TEMPLATE/DISK/TYPE",
    "TEMPLATE/DISK/CLONE",
    "TEMPLATE/DISK/CLONE_TARGET",
    "TEMPLATE/DISK/LN_TARGET",
    "HISTORY_RECORDS/HISTORY/DS_ID",
];

/// The VM element whose end is marked (one marker per disk), see [`leaves_marked`].
const VM_DISK: &str = "TEMPLATE/DISK";

/// A VM waiting for placement (pending, or running with RESCHED).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vm {
    pub id: i32,
    pub uid: i32,
    pub gid: i32,
    /// `None` for a number that is not a state (such a VM is never acted on).
    pub state: Option<VmState>,
    pub lcm_state: Option<LcmState>,
    pub resched: bool,
    /// CPU request in percent of a core (`CPU × 100`).
    pub cpu: i64,
    /// Memory request in KiB.
    pub mem: i64,
    pub requirements: String,
    pub automatic_requirements: String,
    pub rank: String,
    pub user_priority: i64,
    pub sched_message: String,
    /// The host the VM is on (for resched), -1 if none.
    pub current_host: i32,
    /// The system datastore of the last history record, -1 if none.
    pub current_ds: i32,
    /// `AUTOMATIC_DS_REQUIREMENTS`, written by oned.
    pub automatic_ds_requirements: String,
    /// `SCHED_DS_REQUIREMENTS` of the user template.
    pub ds_requirements: String,
    /// `SCHED_DS_RANK` of the user template.
    pub ds_rank: String,
    /// MB the VM's disks take in the system datastore: volatile disks and the image disks whose
    /// transfer target is `SYSTEM` (`CLONE_TARGET` of a cloned image, `LN_TARGET` of a linked
    /// one), as OpenNebula's `system_ds_size`.
    pub system_ds_mb: i64,
}

/// One disk's share of the system datastore (OpenNebula's `VirtualMachineDisk::system_ds_size`).
fn disk_system_mb(disk: &HashMap<&str, &str>) -> i64 {
    let Some(size) = disk.get("SIZE").and_then(|s| s.trim().parse::<f64>().ok()) else { return 0 };
    let upper = |k: &str| disk.get(k).map(|v| v.trim().to_ascii_uppercase()).unwrap_or_default();
    let volatile = matches!(upper("TYPE").as_str(), "FS" | "SWAP");
    let target = if upper("CLONE") == "YES" { upper("CLONE_TARGET") } else { upper("LN_TARGET") };
    if volatile || target == "SYSTEM" { size.max(0.0).ceil() as i64 } else { 0 }
}

impl Vm {
    pub fn from_leaves(leaves: &[(String, String)]) -> Vm {
        let get = |k: &str| leaves.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let num = |k: &str| get(k).parse::<f64>().unwrap_or(0.0);
        let user = |a: &str, b: &str| {
            let v = get(&format!("USER_TEMPLATE/{a}"));
            if v.is_empty() { get(&format!("USER_TEMPLATE/{b}")) } else { v }
        };
        let (cpu, mem) = (num("TEMPLATE/CPU"), num("TEMPLATE/MEMORY"));
        let last = |k: &str| leaves.iter().rfind(|(p, _)| p == k).and_then(|(_, v)| v.parse().ok()).unwrap_or(-1);
        let current_host = last("HISTORY_RECORDS/HISTORY/HID");
        let mut system_ds_mb = 0i64;
        let mut disk: HashMap<&str, &str> = HashMap::new();
        for (p, v) in leaves {
            if p.strip_suffix('/') == Some(VM_DISK) {
                system_ds_mb = system_ds_mb.saturating_add(disk_system_mb(&disk));
                disk.clear();
            } else if let Some(k) = p.strip_prefix(VM_DISK).and_then(|k| k.strip_prefix('/')) {
                disk.insert(k, v);
            }
        }
        Vm {
            id: num("ID") as i32,
            uid: num("UID") as i32,
            gid: num("GID") as i32,
            state: VmState::from_number(num("STATE") as i32),
            lcm_state: LcmState::from_number(num("LCM_STATE") as i32),
            resched: get("RESCHED") == "1",
            cpu: (cpu * 100.0).round() as i64,
            mem: (mem * 1024.0) as i64,
            requirements: user("SCHED_REQUIREMENTS", "REQUIREMENTS"),
            automatic_requirements: get("TEMPLATE/AUTOMATIC_REQUIREMENTS"),
            rank: user("SCHED_RANK", "RANK"),
            user_priority: get("USER_TEMPLATE/USER_PRIORITY").parse().unwrap_or(0),
            sched_message: get("USER_TEMPLATE/SCHED_MESSAGE"),
            current_host,
            current_ds: last("HISTORY_RECORDS/HISTORY/DS_ID"),
            automatic_ds_requirements: get("TEMPLATE/AUTOMATIC_DS_REQUIREMENTS"),
            ds_requirements: get("USER_TEMPLATE/SCHED_DS_REQUIREMENTS"),
            ds_rank: get("USER_TEMPLATE/SCHED_DS_RANK"),
            system_ds_mb,
        }
    }
}

/// Hosts of a `HOST_POOL` document.
pub fn parse_hosts(xml: &str) -> Result<Vec<Host>, String> {
    Ok(leaves_marked(xml, "HOST", |_| true, |p| p == HOST_DS)?.iter().map(|l| Host::from_leaves(l)).collect())
}

/// VMs of a `VM_POOL` document (short or full bodies; only the [`VM_PATHS`] leaves are kept).
pub fn parse_vms(xml: &str) -> Result<Vec<Vm>, String> {
    Ok(leaves_marked(xml, "VM", |p| VM_PATHS.contains(&p), |p| p == VM_DISK)?
        .iter()
        .map(|l| Vm::from_leaves(l))
        .collect())
}

/// Name-resolution prefixes of a datastore: its template, then the datastore itself
/// (`"CLUSTERS/ID" @> 100`, `FREE_MB > 1000`, `TM_MAD = ssh`).
const DS_PREFIXES: [&str; 2] = ["TEMPLATE/", ""];

/// A datastore as the scheduler sees it (system datastores are the ones it chooses).
#[derive(Clone, Debug, Default)]
pub struct Datastore {
    pub id: i32,
    pub name: String,
    /// 0 image, 1 system, 2 file.
    pub ds_type: i32,
    /// 0 ready (enabled), 1 disabled.
    pub state: i32,
    /// `TEMPLATE/SHARED = YES`: every host of its clusters sees the same storage, so the
    /// datastore's own FREE_MB counts; otherwise each host's report of it does.
    pub shared: bool,
    pub clusters: Vec<i32>,
    pub total_mb: i64,
    pub free_mb: i64,
    /// name → values in document order, under every prefix.
    pub index: HashMap<String, Vec<String>>,
}

/// `TYPE` of a system datastore.
pub const SYSTEM_DS: i32 = 1;

impl Datastore {
    pub fn from_leaves(leaves: &[(String, String)]) -> Datastore {
        let index = index_leaves(leaves, &DS_PREFIXES, "/DATASTORE/");
        let first = |k: &str| index.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
        let num = |k: &str, d: i64| first(k).trim().parse::<f64>().map(|v| v as i64).unwrap_or(d);
        Datastore {
            id: num("ID", -1) as i32,
            name: first("NAME"),
            ds_type: num("TYPE", -1) as i32,
            state: num("STATE", 1) as i32,
            shared: first("TEMPLATE/SHARED").trim().eq_ignore_ascii_case("YES"),
            clusters: index
                .get("CLUSTERS/ID")
                .map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect())
                .unwrap_or_default(),
            total_mb: num("TOTAL_MB", 0),
            free_mb: num("FREE_MB", 0),
            index,
        }
    }
}

/// Datastores of a `DATASTORE_POOL` document.
pub fn parse_datastores(xml: &str) -> Result<Vec<Datastore>, String> {
    Ok(leaves(xml, "DATASTORE")?.iter().map(|l| Datastore::from_leaves(l)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "<HOST_POOL><HOST><ID>3</ID><NAME>node3</NAME><STATE>2</STATE><CLUSTER_ID>0</CLUSTER_ID>\
        <HOST_SHARE><MEM_USAGE>1024</MEM_USAGE><CPU_USAGE>100</CPU_USAGE><MAX_MEM>8192</MAX_MEM><MAX_CPU>400</MAX_CPU><TOTAL_CPU>200</TOTAL_CPU><TOTAL_MEM>4096</TOTAL_MEM>\
        <RUNNING_VMS>1</RUNNING_VMS><DATASTORES><FREE_DISK>5</FREE_DISK></DATASTORES></HOST_SHARE>\
        <VMS><ID>7</ID><ID>9</ID></VMS><TEMPLATE><HYPERVISOR><![CDATA[kvm]]></HYPERVISOR><PRIORITY><![CDATA[5]]></PRIORITY></TEMPLATE>\
        <MONITORING><CAPACITY><FREE_CPU><![CDATA[350]]></FREE_CPU></CAPACITY></MONITORING></HOST></HOST_POOL>";

    #[test]
    fn hosts_are_indexed_under_every_prefix() {
        let h = &parse_hosts(HOST).unwrap()[0];
        assert_eq!(
            (h.id, h.name.as_str(), h.state, h.max_cpu, h.cpu_usage, h.running_vms),
            (3, "node3", Some(HostState::Monitored), 400, 100, 1)
        );
        assert_eq!((h.total_cpu, h.total_mem, h.max_mem), (200, 4096, 8192), "overcommitted host: MAX above TOTAL");
        assert_eq!(h.free_cpu, 350);
        assert_eq!(h.priority, 5.0);
        assert_eq!(h.vms, vec![7, 9]);
        assert_eq!(h.index["HYPERVISOR"], vec!["kvm"]);
        assert_eq!(h.index["FREE_CPU"], vec!["350"]);
        assert_eq!(h.index["FREE_DISK"], vec!["5"]);
        assert_eq!(h.index["VMS/ID"], vec!["7", "9"]);
        assert_eq!(h.index["/HOST/NAME"], vec!["node3"]);
    }

    /// A full body (`one.vmpool.infoextended`), as oned writes it: the system TEMPLATE with
    /// AUTOMATIC_* and the whole DISK/NIC/CONTEXT vectors, the USER_TEMPLATE, every history record.
    const FULL_VMS: &str = "<VM_POOL><VM><ID>4</ID><UID>2</UID><GID>1</GID><UNAME>u</UNAME><GNAME>g</GNAME><NAME>v</NAME>\
        <PERMISSIONS><OWNER_U>1</OWNER_U></PERMISSIONS><LAST_POLL>0</LAST_POLL><STATE>1</STATE><LCM_STATE>0</LCM_STATE>\
        <PREV_STATE>1</PREV_STATE><PREV_LCM_STATE>0</PREV_LCM_STATE><RESCHED>0</RESCHED><STIME>1</STIME><ETIME>0</ETIME><DEPLOY_ID/>\
        <MONITORING></MONITORING><SCHED_ACTIONS></SCHED_ACTIONS>\
        <TEMPLATE><AUTOMATIC_DS_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 100)]]></AUTOMATIC_DS_REQUIREMENTS>\
        <AUTOMATIC_NIC_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 100)]]></AUTOMATIC_NIC_REQUIREMENTS>\
        <AUTOMATIC_REQUIREMENTS><![CDATA[(CLUSTER_ID = 100) & !(PIN_POLICY = PINNED)]]></AUTOMATIC_REQUIREMENTS>\
        <CONTEXT><NETWORK><![CDATA[YES]]></NETWORK><CPU><![CDATA[context, not the request]]></CPU></CONTEXT>\
        <CPU><![CDATA[0.5]]></CPU><DISK><DATASTORE_ID><![CDATA[100]]></DATASTORE_ID><DISK_ID><![CDATA[0]]></DISK_ID><SIZE><![CDATA[10]]></SIZE></DISK>\
        <MEMORY><![CDATA[256]]></MEMORY><NIC><NETWORK_ID><![CDATA[3]]></NETWORK_ID><SCHED_REQUIREMENTS><![CDATA[ID = 9]]></SCHED_REQUIREMENTS></NIC>\
        <OS><UUID><![CDATA[u]]></UUID></OS><VMID><![CDATA[4]]></VMID></TEMPLATE>\
        <USER_TEMPLATE><SCHED_MESSAGE><![CDATA[Tue : waiting]]></SCHED_MESSAGE><SCHED_RANK><![CDATA[FREE_CPU]]></SCHED_RANK>\
        <SCHED_REQUIREMENTS><![CDATA[HYPERVISOR = \"kvm\" & ID != 3]]></SCHED_REQUIREMENTS><USER_PRIORITY>10</USER_PRIORITY></USER_TEMPLATE>\
        <HISTORY_RECORDS><HISTORY><OID>4</OID><SEQ>0</SEQ><HID>6</HID></HISTORY><HISTORY><OID>4</OID><SEQ>1</SEQ><HID>8</HID></HISTORY></HISTORY_RECORDS>\
        <BACKUPS><BACKUP_CONFIG></BACKUP_CONFIG><BACKUP_IDS></BACKUP_IDS></BACKUPS></VM>\
        <VM><ID>5</ID><STATE>1</STATE><TEMPLATE><CPU>1</CPU><MEMORY>64</MEMORY></TEMPLATE><USER_TEMPLATE><RANK>RUNNING_VMS</RANK><REQUIREMENTS>ID = 1</REQUIREMENTS></USER_TEMPLATE>\
        <HISTORY_RECORDS/></VM></VM_POOL>";

    #[test]
    fn vms_read_requests_and_requirements_from_full_bodies() {
        let vms = parse_vms(FULL_VMS).unwrap();
        assert_eq!(vms.len(), 2);
        let v = &vms[0];
        assert_eq!(
            (v.id, v.uid, v.gid, v.state, v.lcm_state, v.resched),
            (4, 2, 1, Some(VmState::Pending), Some(LcmState::LcmInit), false)
        );
        assert_eq!((v.cpu, v.mem, v.user_priority), (50, 262_144, 10), "requests from TEMPLATE, not CONTEXT");
        assert_eq!(v.current_host, 8, "the last history record");
        assert_eq!(v.automatic_requirements, "(CLUSTER_ID = 100) & !(PIN_POLICY = PINNED)");
        assert_eq!(v.requirements, "HYPERVISOR = \"kvm\" & ID != 3", "USER_TEMPLATE's, not the NIC's");
        assert_eq!(v.rank, "FREE_CPU");
        assert_eq!(v.sched_message, "Tue : waiting");
        let w = &vms[1];
        assert_eq!((w.id, w.cpu, w.mem, w.current_host), (5, 100, 65_536, -1));
        assert_eq!((w.requirements.as_str(), w.rank.as_str()), ("ID = 1", "RUNNING_VMS"), "the old names as fallbacks");
        assert_eq!(w.automatic_requirements, "");
        assert_eq!(v.automatic_ds_requirements, "(\"CLUSTERS/ID\" @> 100)");
        assert_eq!((v.system_ds_mb, w.system_ds_mb), (0, 0), "a disk with no transfer target takes no system space");
        assert_eq!((v.current_ds, w.current_ds), (-1, -1));
    }

    #[test]
    fn system_disk_size_counts_volatile_disks_and_system_targets() {
        let disk = |pairs: &str| format!("<DISK>{pairs}</DISK>");
        let xml = format!(
            "<VM_POOL><VM><ID>1</ID><STATE>1</STATE><TEMPLATE>{}{}{}{}{}{}</TEMPLATE>\
             <USER_TEMPLATE><SCHED_DS_REQUIREMENTS>TM_MAD = ssh</SCHED_DS_REQUIREMENTS><SCHED_DS_RANK>- FREE_MB</SCHED_DS_RANK></USER_TEMPLATE>\
             <HISTORY_RECORDS><HISTORY><HID>2</HID><DS_ID>0</DS_ID></HISTORY><HISTORY><HID>3</HID><DS_ID>100</DS_ID></HISTORY></HISTORY_RECORDS></VM></VM_POOL>",
            disk("<SIZE>1024</SIZE><TYPE>fs</TYPE>"),
            disk("<SIZE>512</SIZE><TYPE>swap</TYPE>"),
            disk(
                "<CLONE>YES</CLONE><CLONE_TARGET>SYSTEM</CLONE_TARGET><LN_TARGET>NONE</LN_TARGET><SIZE>100</SIZE><TYPE>FILE</TYPE>"
            ),
            disk(
                "<CLONE>NO</CLONE><CLONE_TARGET>SYSTEM</CLONE_TARGET><LN_TARGET>NONE</LN_TARGET><SIZE>7000</SIZE><TYPE>FILE</TYPE>"
            ),
            disk("<CLONE>NO</CLONE><LN_TARGET>SYSTEM</LN_TARGET><SIZE>10.5</SIZE><TYPE>FILE</TYPE>"),
            disk("<CLONE>YES</CLONE><CLONE_TARGET>SELF</CLONE_TARGET><SIZE>9000</SIZE><TYPE>FILE</TYPE>"),
        );
        let v = &parse_vms(&xml).unwrap()[0];
        assert_eq!(v.system_ds_mb, 1024 + 512 + 100 + 11, "fs, swap, a clone to SYSTEM, a link to SYSTEM");
        assert_eq!((v.ds_requirements.as_str(), v.ds_rank.as_str()), ("TM_MAD = ssh", "- FREE_MB"));
        assert_eq!((v.current_host, v.current_ds), (3, 100));
    }

    #[test]
    fn hosts_report_free_space_per_system_datastore() {
        let xml = "<HOST_POOL><HOST><ID>1</ID><STATE>2</STATE><HOST_SHARE><DATASTORES><DISK_USAGE>0</DISK_USAGE>\
            <DS><FREE_MB>300</FREE_MB><ID>0</ID><TOTAL_MB>900</TOTAL_MB><USED_MB>600</USED_MB></DS>\
            <DS><FREE_MB>70</FREE_MB><ID>100</ID><TOTAL_MB>90</TOTAL_MB><USED_MB>20</USED_MB></DS>\
            <DS><ID>101</ID></DS><FREE_DISK>5</FREE_DISK></DATASTORES></HOST_SHARE></HOST></HOST_POOL>";
        let h = &parse_hosts(xml).unwrap()[0];
        assert_eq!(h.ds_free, HashMap::from([(0, 300), (100, 70)]), "a DS without FREE_MB reports nothing");
        assert_eq!(h.index["DS/ID"], vec!["0", "100", "101"], "the DS leaves are still names for expressions");
        assert!(!h.index.keys().any(|k| k.ends_with('/')), "no marker reaches the index");
    }

    #[test]
    fn datastores_are_indexed_for_expressions() {
        let xml = "<DATASTORE_POOL><DATASTORE><ID>100</ID><NAME>sys</NAME><TM_MAD>ssh</TM_MAD><TYPE>1</TYPE><STATE>0</STATE>\
            <CLUSTERS><ID>0</ID><ID>7</ID></CLUSTERS><TOTAL_MB>900</TOTAL_MB><FREE_MB>300</FREE_MB><USED_MB>600</USED_MB>\
            <TEMPLATE><SHARED><![CDATA[YES]]></SHARED><SPEED>fast</SPEED></TEMPLATE></DATASTORE>\
            <DATASTORE><ID>1</ID><TYPE>0</TYPE><STATE>1</STATE><CLUSTERS></CLUSTERS><TEMPLATE></TEMPLATE></DATASTORE></DATASTORE_POOL>";
        let d = parse_datastores(xml).unwrap();
        assert_eq!(d.len(), 2);
        let s = &d[0];
        assert_eq!((s.id, s.ds_type, s.state, s.shared, s.total_mb, s.free_mb), (100, SYSTEM_DS, 0, true, 900, 300));
        assert_eq!(s.clusters, vec![0, 7]);
        assert_eq!(s.index["SPEED"], vec!["fast"]);
        assert_eq!(s.index["CLUSTERS/ID"], vec!["0", "7"]);
        assert_eq!(s.index["TM_MAD"], vec!["ssh"]);
        assert_eq!((d[1].ds_type, d[1].state, d[1].shared, d[1].clusters.len()), (0, 1, false, 0));
    }

    #[test]
    fn only_the_kept_leaves_are_collected() {
        let all = leaves(FULL_VMS, "VM").unwrap();
        let kept = leaves_where(FULL_VMS, "VM", |p| VM_PATHS.contains(&p)).unwrap();
        assert_eq!(all.len(), kept.len());
        for (a, k) in all.iter().zip(&kept) {
            let expected: Vec<&(String, String)> = a.iter().filter(|(p, _)| VM_PATHS.contains(&p.as_str())).collect();
            assert_eq!(k.iter().collect::<Vec<_>>(), expected);
        }
        assert!(all[0].contains(&("DEPLOY_ID".to_string(), String::new())), "an empty element is a leaf");
        assert!(all[0].contains(&("TEMPLATE/NIC/SCHED_REQUIREMENTS".to_string(), "ID = 9".to_string())));
        assert!(all[0].contains(&("HISTORY_RECORDS/HISTORY/SEQ".to_string(), "1".to_string())));
        assert!(all[1].contains(&("HISTORY_RECORDS".to_string(), String::new())));
        assert_eq!(kept[0].len(), 17, "{:?}", kept[0]);
    }
}
