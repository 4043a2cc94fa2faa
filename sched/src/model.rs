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
                } else if let Some(c) = cur.as_mut()
                    && !has_children
                    && keep(&path)
                {
                    c.push((path.clone(), text.trim().to_string()));
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
    /// name → values in document order, under every prefix.
    pub index: HashMap<String, Vec<String>>,
}

impl Host {
    pub fn from_leaves(leaves: &[(String, String)]) -> Host {
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        for (path, value) in leaves {
            for p in HOST_PREFIXES {
                if let Some(rest) = path.strip_prefix(p)
                    && !rest.is_empty()
                {
                    index.entry(rest.to_string()).or_default().push(value.clone());
                }
            }
            index.entry(format!("/HOST/{path}")).or_default().push(value.clone());
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
            index,
        }
    }
}

/// The leaves of a VM body that [`Vm::from_leaves`] reads, and where OpenNebula keeps them:
/// requests and `AUTOMATIC_REQUIREMENTS` in the system `TEMPLATE` (oned writes them), what the
/// user may change (`SCHED_*`, `USER_PRIORITY`, `SCHED_MESSAGE`) in `USER_TEMPLATE`. The full body
/// also has `TEMPLATE/AUTOMATIC_DS_REQUIREMENTS` and `TEMPLATE/AUTOMATIC_NIC_REQUIREMENTS`: they
/// choose a system datastore and the networks of `NETWORK_MODE = "auto"` NICs, which mm_sched
/// does not do (oned deploys to the host's cluster's system datastore).
pub const VM_PATHS: [&str; 16] = [
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
];

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
        let current_host = leaves
            .iter()
            .rfind(|(p, _)| p == "HISTORY_RECORDS/HISTORY/HID")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(-1);
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
        }
    }
}

/// Hosts of a `HOST_POOL` document.
pub fn parse_hosts(xml: &str) -> Result<Vec<Host>, String> {
    Ok(leaves(xml, "HOST")?.iter().map(|l| Host::from_leaves(l)).collect())
}

/// VMs of a `VM_POOL` document (short or full bodies; only the [`VM_PATHS`] leaves are kept).
pub fn parse_vms(xml: &str) -> Result<Vec<Vm>, String> {
    Ok(leaves_where(xml, "VM", |p| VM_PATHS.contains(&p))?.iter().map(|l| Vm::from_leaves(l)).collect())
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
        assert_eq!(kept[0].len(), 15, "{:?}", kept[0]);
    }
}
