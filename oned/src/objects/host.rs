//! Hosts: drivers, cluster, capacity share, VMs, template and last monitoring.

use super::NameKey;
use super::{ObjectKind, PoolObject};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use libone::states::HostState;

/// Capacity bookkeeping (`HOST_SHARE`): CPU in percent of a core, memory in KiB.
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
    pub free_disk: i64,
    pub max_disk: i64,
    pub used_disk: i64,
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
        xml::open(out, "DATASTORES");
        xml::num(out, "DISK_USAGE", self.disk_usage);
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
