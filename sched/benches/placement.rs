//! Placement CPU cost: one planning pass over 10,000 pending VMs and 2,500 hosts (pure: no
//! I/O), with requirements on every VM. Target: < 1 s of CPU.
//!
//!     cargo bench -p sched --bench placement

use sched::model::{Datastore, Host, Vm};
use sched::placement::{DsPolicy, Limits, Policy, plan};
use std::time::Instant;

fn main() {
    let hosts: Vec<Host> = (0..2500)
        .map(|id| {
            let leaves: Vec<(String, String)> = vec![
                ("ID".into(), id.to_string()),
                ("NAME".into(), format!("host-{id}")),
                ("STATE".into(), "2".into()),
                ("CLUSTER_ID".into(), (id % 4).to_string()),
                ("HOST_SHARE/MAX_CPU".into(), "800".into()),
                ("HOST_SHARE/MAX_MEM".into(), "16777216".into()),
                ("HOST_SHARE/CPU_USAGE".into(), ((id % 7) * 100).to_string()),
                ("HOST_SHARE/MEM_USAGE".into(), "0".into()),
                ("HOST_SHARE/RUNNING_VMS".into(), (id % 7).to_string()),
                ("TEMPLATE/HYPERVISOR".into(), if id % 2 == 0 { "kvm" } else { "dummy" }.into()),
                ("MONITORING/CAPACITY/FREE_CPU".into(), (800 - (id % 7) * 100).to_string()),
            ];
            Host::from_leaves(&leaves)
        })
        .collect();
    // Two system datastores per cluster: a shared one and one on each host's disk.
    let datastores: Vec<Datastore> = (0..8)
        .map(|id| {
            let leaves: Vec<(String, String)> = vec![
                ("ID".into(), id.to_string()),
                ("TYPE".into(), "1".into()),
                ("STATE".into(), "0".into()),
                ("CLUSTERS/ID".into(), (id % 4).to_string()),
                ("TOTAL_MB".into(), "100000000".into()),
                ("FREE_MB".into(), "90000000".into()),
                ("TEMPLATE/SHARED".into(), if id < 4 { "YES" } else { "NO" }.into()),
            ];
            Datastore::from_leaves(&leaves)
        })
        .collect();
    let vms: Vec<Vm> = (0..10_000)
        .map(|id| Vm {
            id,
            cpu: 10,
            mem: 131_072,
            requirements: "HYPERVISOR = \"kvm\" & FREE_CPU > 100".into(),
            automatic_requirements: "(CLUSTER_ID = 0 | CLUSTER_ID = 2) & !(PIN_POLICY = PINNED)".into(),
            current_host: -1,
            automatic_ds_requirements: "(\"CLUSTERS/ID\" @> 0 | \"CLUSTERS/ID\" @> 2)".into(),
            system_ds_mb: 1024,
            ..Vm::default()
        })
        .collect();
    for (name, policy) in
        [("striping", Policy::Striping), ("packing", Policy::Packing), ("load-aware", Policy::LoadAware)]
    {
        let limits = Limits { max_dispatch: 0, max_host: 0 };
        let t = Instant::now();
        let d = plan(&vms, &hosts, &datastores, &policy, &DsPolicy::Striping, &limits, None);
        let placed = d.iter().filter(|x| matches!(x, sched::placement::Decision::Place { .. })).count();
        println!("| {name} | 10,000 VMs × 2,500 hosts | {:.3} s | {placed} placed |", t.elapsed().as_secs_f64());
    }
}
