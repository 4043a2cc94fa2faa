//! The scheduler's view of oned's objects, read from `one.hostpool.info` and
//! `one.vmpool.info` XML.
//!
//! A host keeps every leaf of its document as `(path, value)` in document order, indexed under
//! the names OpenNebula's expressions use: a name is looked up under the prefixes `TEMPLATE/`,
//! `HOST_SHARE/`, `HOST_SHARE/DATASTORES/`, `MONITORING/CAPACITY/`, `MONITORING/SYSTEM/`, the
//! host itself and `CLUSTER_TEMPLATE/`; `/HOST/...` names are absolute. Values of one name keep
//! document order, so a single-valued comparison takes the first match as OpenNebula does.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Leaves of each `<item>` element of a pool document: `(path below the item, text)`.
pub fn leaves(xml: &str, item: &str) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut stack: Vec<(String, bool)> = Vec::new(); // (name, has element children)
    let mut text = String::new();
    let mut cur: Option<Vec<(String, String)>> = None;
    let mut item_depth = 0usize;
    loop {
        match reader.read_event().map_err(|e| format!("bad XML at byte {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
                if cur.is_none() && name == item {
                    cur = Some(Vec::new());
                    item_depth = stack.len() + 1;
                }
                stack.push((name, false));
                text.clear();
            }
            Event::Empty(e) => {
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
                if let Some(c) = cur.as_mut() {
                    let name = e.name().as_ref().to_string();
                    let mut path: Vec<&str> = stack.iter().skip(item_depth).map(|(n, _)| n.as_str()).collect();
                    path.push(&name);
                    c.push((path.join("/"), String::new()));
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
                let Some((name, has_children)) = stack.pop() else { break };
                if cur.is_some() && stack.len() + 1 == item_depth && name == item {
                    if let Some(c) = cur.take() {
                        out.push(c);
                    }
                } else if let Some(c) = cur.as_mut()
                    && !has_children && stack.len() >= item_depth {
                        let mut path: Vec<&str> = stack.iter().skip(item_depth).map(|(n, _)| n.as_str()).collect();
                        path.push(&name);
                        c.push((path.join("/"), text.trim().to_string()));
                    }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Name-resolution prefixes of a host, as OpenNebula's scheduler searches them.
const HOST_PREFIXES: [&str; 7] =
    ["TEMPLATE/", "HOST_SHARE/", "HOST_SHARE/DATASTORES/", "MONITORING/CAPACITY/", "MONITORING/SYSTEM/", "", "CLUSTER_TEMPLATE/"];

/// A host as the scheduler sees it.
#[derive(Clone, Debug, Default)]
pub struct Host {
    pub id: i32,
    pub name: String,
    pub state: i32,
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
                    && !rest.is_empty() {
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
            state: num("STATE", -1) as i32,
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

/// A VM waiting for placement (pending, or running with RESCHED).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vm {
    pub id: i32,
    pub uid: i32,
    pub gid: i32,
    pub state: i32,
    pub lcm_state: i32,
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
            .iter().rfind(|(p, _)| p == "HISTORY_RECORDS/HISTORY/HID")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(-1);
        Vm {
            id: num("ID") as i32,
            uid: num("UID") as i32,
            gid: num("GID") as i32,
            state: num("STATE") as i32,
            lcm_state: num("LCM_STATE") as i32,
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

/// VMs of a `VM_POOL` document.
pub fn parse_vms(xml: &str) -> Result<Vec<Vm>, String> {
    Ok(leaves(xml, "VM")?.iter().map(|l| Vm::from_leaves(l)).collect())
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
        assert_eq!((h.id, h.name.as_str(), h.state, h.max_cpu, h.cpu_usage, h.running_vms), (3, "node3", 2, 400, 100, 1));
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

    #[test]
    fn vms_read_requests_and_requirements() {
        let xml = "<VM_POOL><VM><ID>4</ID><UID>2</UID><GID>1</GID><STATE>1</STATE><LCM_STATE>0</LCM_STATE><RESCHED>0</RESCHED>\
            <TEMPLATE><AUTOMATIC_REQUIREMENTS><![CDATA[!(PIN_POLICY = PINNED)]]></AUTOMATIC_REQUIREMENTS><CPU><![CDATA[0.5]]></CPU><MEMORY><![CDATA[256]]></MEMORY></TEMPLATE>\
            <USER_TEMPLATE><SCHED_REQUIREMENTS><![CDATA[HYPERVISOR = \"kvm\" & ID != 3]]></SCHED_REQUIREMENTS><USER_PRIORITY>10</USER_PRIORITY></USER_TEMPLATE>\
            <HISTORY_RECORDS></HISTORY_RECORDS></VM></VM_POOL>";
        let v = &parse_vms(xml).unwrap()[0];
        assert_eq!((v.id, v.cpu, v.mem, v.user_priority, v.current_host), (4, 50, 262_144, 10, -1));
        assert_eq!(v.requirements, "HYPERVISOR = \"kvm\" & ID != 3");
        assert_eq!(v.automatic_requirements, "!(PIN_POLICY = PINNED)");
    }
}
