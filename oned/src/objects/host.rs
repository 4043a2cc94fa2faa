//! Hosts: drivers, cluster, capacity share, VMs, template and last monitoring.

use super::NameKey;
use super::{ObjectKind, PoolObject};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use libone::states::HostState;

/// One system datastore as the host reports it (`HOST_SHARE/DATASTORES/DS`): the space of
/// `<DATASTORE_LOCATION>/<id>` on the host, in MB. What a non-shared system datastore has room
/// for on this host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostDs {
    pub id: i32,
    pub free_mb: i64,
    pub total_mb: i64,
    pub used_mb: i64,
}

/// Capacity bookkeeping (`HOST_SHARE`): CPU in percent of a core, memory in KiB, disk in MB.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostShare {
    pub mem_usage: i64,
    pub cpu_usage: i64,
    pub total_mem: i64,
    pub total_cpu: i64,
    pub max_mem: i64,
    pub max_cpu: i64,
    pub running_vms: i64,
    pub vms_thread: i64,
    pub disk_usage: i64,
    /// `DS_LOCATION_FREE_MB` of the last probe: the file system of the datastores directory.
    pub free_disk: i64,
    /// `DS_LOCATION_TOTAL_MB`.
    pub max_disk: i64,
    /// `DS_LOCATION_USED_MB`.
    pub used_disk: i64,
    /// The system datastores of the last probe, by id (rows written before they were kept
    /// have none).
    #[serde(default)]
    pub datastores: Vec<HostDs>,
}

impl HostShare {
    fn write_xml(&self, out: &mut String) {
        xml::open(out, "HOST_SHARE");
        xml::num(out, "MEM_USAGE", self.mem_usage);
        xml::num(out, "CPU_USAGE", self.cpu_usage);
        xml::num(out, "TOTAL_MEM", self.total_mem);
        xml::num(out, "TOTAL_CPU", self.total_cpu);
        xml::num(out, "MAX_MEM", self.max_mem);
        xml::num(out, "MAX_CPU", self.max_cpu);
        xml::num(out, "RUNNING_VMS", self.running_vms);
        xml::num(out, "VMS_THREAD", self.vms_thread);
        // OpenNebula's HostShareDatastore is a template: its elements are in name order, so the
        // DS vectors (their keys in name order too) come between DISK_USAGE and FREE_DISK.
        xml::open(out, "DATASTORES");
        xml::num(out, "DISK_USAGE", self.disk_usage);
        for ds in &self.datastores {
            xml::open(out, "DS");
            xml::num(out, "FREE_MB", ds.free_mb);
            xml::num(out, "ID", ds.id);
            xml::num(out, "TOTAL_MB", ds.total_mb);
            xml::num(out, "USED_MB", ds.used_mb);
            xml::close(out, "DS");
        }
        xml::num(out, "FREE_DISK", self.free_disk);
        xml::num(out, "MAX_DISK", self.max_disk);
        xml::num(out, "USED_DISK", self.used_disk);
        xml::close(out, "DATASTORES");
        out.push_str("<PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES>");
        xml::close(out, "HOST_SHARE");
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Host {
    pub oid: i32,
    pub name: String,
    pub state: HostState,
    pub prev_state: HostState,
    pub im_mad: String,
    pub vm_mad: String,
    pub cluster_id: i32,
    pub cluster: String,
    pub share: HostShare,
    pub vms: BTreeSet<i32>,
    pub template: Template,
    /// The last monitoring record (empty until the host is probed).
    pub monitoring: Template,
    pub last_mon_time: i64,
}

impl Host {
    /// A new host in state INIT, not yet monitored, in cluster `cluster_id` (`cluster`).
    pub fn new(
        oid: i32,
        name: &str,
        im_mad: &str,
        vm_mad: &str,
        cluster_id: i32,
        cluster: &str,
        template: Template,
    ) -> Host {
        Host {
            oid,
            name: name.to_string(),
            state: HostState::Init,
            prev_state: HostState::Init,
            im_mad: im_mad.to_string(),
            vm_mad: vm_mad.to_string(),
            cluster_id,
            cluster: cluster.to_string(),
            share: HostShare { vms_thread: 1, ..HostShare::default() },
            vms: BTreeSet::new(),
            template,
            monitoring: Template::new(),
            last_mon_time: 0,
        }
    }
}

impl PoolObject for Host {
    const KIND: ObjectKind = ObjectKind::Host;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((-1, self.name.clone()))
    }

    fn clusters(&self) -> Vec<i32> {
        vec![self.cluster_id]
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "HOST");
        xml::num(out, "ID", self.oid);
        xml::text(out, "NAME", &self.name);
        xml::num(out, "STATE", self.state as i32);
        xml::num(out, "PREV_STATE", self.prev_state as i32);
        xml::text(out, "IM_MAD", &self.im_mad);
        xml::text(out, "VM_MAD", &self.vm_mad);
        xml::num(out, "CLUSTER_ID", self.cluster_id);
        xml::text(out, "CLUSTER", &self.cluster);
        self.share.write_xml(out);
        xml::ids(out, "VMS", &self.vms);
        self.template.write_xml("TEMPLATE", out);
        if self.monitoring.is_empty() {
            out.push_str("<MONITORING></MONITORING>");
        } else {
            self.monitoring.write_xml("MONITORING", out);
        }
        xml::close(out, "HOST");
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// A host row as versions without `HOST_SHARE/DATASTORES/DS` stored it (a monitored host).
    const OLD_ROW: &str = r#"{"oid":3,"name":"node1","state":"Monitored","prev_state":"Init","im_mad":"kvm","vm_mad":"kvm","cluster_id":0,"cluster":"default","share":{"mem_usage":0,"cpu_usage":0,"total_mem":800,"total_cpu":800,"max_mem":800,"max_cpu":800,"running_vms":0,"vms_thread":1,"disk_usage":0,"free_disk":0,"max_disk":0,"used_disk":0},"vms":[],"template":[["RESERVED_CPU",""],["DS_LOCATION_TOTAL_MB","100"]],"monitoring":[],"last_mon_time":1700000000}"#;

    #[test]
    fn an_old_row_still_loads_without_datastores() {
        let h: Host = serde_json::from_str(OLD_ROW).unwrap();
        assert_eq!((h.oid, h.state, h.share.total_cpu), (3, HostState::Monitored, 800));
        assert!(h.share.datastores.is_empty());
        assert!(h.to_xml().contains("<DATASTORES><DISK_USAGE>0</DISK_USAGE><FREE_DISK>0</FREE_DISK>"));
        // ... and is written back with them.
        let again: Host = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        assert_eq!(again.share, h.share);
    }

    #[test]
    fn datastores_are_written_as_opennebulas_host_share() {
        let mut h = Host::new(0, "node1", "kvm", "kvm", 0, "default", Template::new());
        h.share.max_disk = 100;
        h.share.free_disk = 60;
        h.share.used_disk = 40;
        h.share.datastores = vec![
            HostDs { id: 0, free_mb: 50, total_mb: 90, used_mb: 40 },
            HostDs { id: 104, free_mb: 7, total_mb: 9, used_mb: 2 },
        ];
        let xml = h.to_xml();
        assert!(
            xml.contains(
                "<VMS_THREAD>1</VMS_THREAD><DATASTORES><DISK_USAGE>0</DISK_USAGE>\
                 <DS><FREE_MB>50</FREE_MB><ID>0</ID><TOTAL_MB>90</TOTAL_MB><USED_MB>40</USED_MB></DS>\
                 <DS><FREE_MB>7</FREE_MB><ID>104</ID><TOTAL_MB>9</TOTAL_MB><USED_MB>2</USED_MB></DS>\
                 <FREE_DISK>60</FREE_DISK><MAX_DISK>100</MAX_DISK><USED_DISK>40</USED_DISK></DATASTORES>\
                 <PCI_DEVICES></PCI_DEVICES>"
            ),
            "{xml}"
        );
    }
}
