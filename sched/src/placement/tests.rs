use super::*;
use crate::model::{Datastore, Host};

fn host(id: i32, max_cpu: i64, max_mem: i64, running: i64, extra: &[(&str, &str)]) -> Host {
    let mut leaves: Vec<(String, String)> = vec![
        ("ID".into(), id.to_string()),
        ("NAME".into(), format!("h{id}")),
        ("STATE".into(), "2".into()),
        ("CLUSTER_ID".into(), "0".into()),
        ("HOST_SHARE/MAX_CPU".into(), max_cpu.to_string()),
        ("HOST_SHARE/MAX_MEM".into(), max_mem.to_string()),
        ("HOST_SHARE/CPU_USAGE".into(), "0".into()),
        ("HOST_SHARE/MEM_USAGE".into(), "0".into()),
        ("HOST_SHARE/RUNNING_VMS".into(), running.to_string()),
    ];
    for (k, v) in extra {
        leaves.push((k.to_string(), v.to_string()));
    }
    Host::from_leaves(&leaves)
}

fn vm(id: i32, cpu: i64, mem: i64, reqs: &str) -> Vm {
    Vm { id, cpu, mem, requirements: reqs.into(), current_host: -1, ..Vm::default() }
}

/// A system datastore from its leaves (ID, TYPE 1, STATE 0, cluster 0 unless given).
fn system_ds(id: i32, extra: &[(&str, &str)]) -> Datastore {
    let mut leaves: Vec<(String, String)> =
        vec![("ID".into(), id.to_string()), ("NAME".into(), format!("system{id}")), ("TYPE".into(), "1".into())];
    leaves.push(("STATE".into(), "0".into()));
    if !extra.iter().any(|(k, _)| *k == "CLUSTERS/ID") {
        leaves.push(("CLUSTERS/ID".into(), "0".into()));
    }
    for (k, v) in extra {
        leaves.push((k.to_string(), v.to_string()));
    }
    Datastore::from_leaves(&leaves)
}

/// [`plan`] with one system datastore (0, cluster 0, never monitored) and the striping policy.
fn plan_h(vms: &[Vm], hosts: &[Host], policy: &Policy, limits: &Limits, ranker: Option<Ranker>) -> Vec<Decision> {
    plan(vms, hosts, &[system_ds(0, &[])], policy, &DsPolicy::Striping, limits, ranker)
}

fn limits() -> Limits {
    Limits { max_dispatch: 0, max_host: 0 }
}

fn placed_on(d: &[Decision], v: i32) -> Option<i32> {
    d.iter().find_map(|x| match x {
        Decision::Place { vm, host, .. } if *vm == v => Some(*host),
        _ => None,
    })
}

#[test]
fn packing_fills_the_fullest_host() {
    let hosts = [host(0, 800, 1 << 20, 1, &[]), host(1, 800, 1 << 20, 5, &[])];
    let d = plan_h(&[vm(1, 100, 1024, "")], &hosts, &Policy::Packing, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
}

#[test]
fn striping_spreads() {
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let vms: Vec<Vm> = (1..=4).map(|i| vm(i, 100, 1024, "")).collect();
    let d = plan_h(&vms, &hosts, &Policy::Striping, &limits(), None);
    let on0 = (1..=4).filter(|v| placed_on(&d, *v) == Some(0)).count();
    assert_eq!(on0, 2, "{d:?}");
}

#[test]
fn load_aware_prefers_the_least_loaded() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("MONITORING/CAPACITY/FREE_CPU", "100")]),
        host(1, 800, 1 << 20, 0, &[("MONITORING/CAPACITY/FREE_CPU", "700")]),
    ];
    let d = plan_h(&[vm(1, 100, 1024, "")], &hosts, &Policy::LoadAware, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
}

#[test]
fn fixed_uses_host_priority_and_vm_rank_overrides() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("TEMPLATE/PRIORITY", "9")]),
        host(1, 800, 1 << 20, 0, &[("TEMPLATE/PRIORITY", "3")]),
    ];
    let d = plan_h(&[vm(1, 100, 1024, "")], &hosts, &Policy::Fixed, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(0));
    let mut v = vm(2, 100, 1024, "");
    v.rank = "- PRIORITY".into();
    let d = plan_h(&[v], &hosts, &Policy::Fixed, &limits(), None);
    assert_eq!(placed_on(&d, 2), Some(1));
}

#[test]
fn requirements_select_hosts() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("TEMPLATE/HYPERVISOR", "kvm")]),
        host(1, 800, 1 << 20, 0, &[("TEMPLATE/HYPERVISOR", "dummy")]),
    ];
    let d = plan_h(&[vm(1, 100, 1024, "HYPERVISOR = \"dummy\"")], &hosts, &Policy::Striping, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
    let d = plan_h(&[vm(2, 100, 1024, "HYPERVISOR = \"xen\"")], &hosts, &Policy::Striping, &limits(), None);
    assert_eq!(
        d,
        vec![Decision::Wait {
            vm: 2,
            message: "Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: HYPERVISOR = \"xen\"".into()
        }]
    );
}

#[test]
fn capacity_is_accounted_within_the_cycle() {
    // Two hosts of 2 cores; six 1-core VMs: four fit, two wait.
    let hosts = [host(0, 200, 1 << 20, 0, &[]), host(1, 200, 1 << 20, 0, &[])];
    let vms: Vec<Vm> = (1..=6).map(|i| vm(i, 100, 1024, "")).collect();
    let d = plan_h(&vms, &hosts, &Policy::Packing, &limits(), None);
    let placed = d.iter().filter(|x| matches!(x, Decision::Place { .. })).count();
    assert_eq!(placed, 4);
    assert!(d.contains(&Decision::Wait {
        vm: 5,
        message: "Cannot dispatch VM: No host with enough capacity to deploy the VM".into()
    }));
}

#[test]
fn limits_and_priorities() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let mut vms: Vec<Vm> = (1..=3).map(|i| vm(i, 100, 1024, "")).collect();
    vms[2].user_priority = 10;
    let d = plan_h(&vms, &hosts, &Policy::Packing, &Limits { max_dispatch: 1, max_host: 0 }, None);
    assert_eq!(
        d,
        vec![Decision::Place { vm: 3, host: 0, ds: 0, migrate: false }],
        "the high-priority VM goes first, one per cycle"
    );
    let d = plan_h(&vms, &hosts, &Policy::Packing, &Limits { max_dispatch: 0, max_host: 2 }, None);
    assert_eq!(d.iter().filter(|x| matches!(x, Decision::Place { .. })).count(), 2);
    assert!(matches!(&d[2], Decision::Wait { message, .. } if message.contains("dispatch limit reached")));
}

#[test]
fn bad_requirements_are_a_message_not_a_crash() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let d = plan_h(&[vm(1, 100, 1024, "FREE_CPU-1 >")], &hosts, &Policy::Packing, &limits(), None);
    assert!(
        matches!(&d[0], Decision::Wait { message, .. } if message.starts_with("Error in SCHED_REQUIREMENTS: 'FREE_CPU-1 >', error:"))
    );
}

#[test]
fn resched_skips_the_current_host_and_disabled_hosts_are_ignored() {
    let mut off = host(2, 800, 1 << 20, 0, &[]);
    off.state = Some(libone::states::HostState::Disabled);
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 9, &[]), off];
    let mut v = vm(1, 100, 1024, "");
    v.resched = true;
    v.current_host = 1;
    let d = plan_h(&[v], &hosts, &Policy::Packing, &limits(), None);
    assert_eq!(d, vec![Decision::Place { vm: 1, host: 0, ds: -1, migrate: true }]);
}

#[test]
fn current_vms_sees_this_cycles_placements() {
    // Anti-affinity with VM 1: VM 2 must not land where VM 1 was just placed.
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let d = plan_h(
        &[vm(1, 100, 1024, ""), vm(2, 100, 1024, "CURRENT_VMS != 1")],
        &hosts,
        &Policy::Packing,
        &limits(),
        None,
    );
    assert_ne!(placed_on(&d, 1), placed_on(&d, 2));
}

#[test]
fn a_library_ranker_decides_when_configured() {
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let ranker = |_: &Vm, hs: &[&Host]| Some(hs.iter().map(|h| h.id as f64).collect());
    let d = plan_h(&[vm(1, 100, 1024, "")], &hosts, &Policy::Library, &limits(), Some(&ranker));
    assert_eq!(placed_on(&d, 1), Some(1));
}

// ------------------------------------------------------------------------------------------------
// System datastores

/// A VM needing `mb` MB in its system datastore.
fn vm_ds(id: i32, mb: i64, auto: &str, user: &str, rank: &str) -> Vm {
    Vm {
        system_ds_mb: mb,
        automatic_ds_requirements: auto.into(),
        ds_requirements: user.into(),
        ds_rank: rank.into(),
        ..vm(id, 100, 1024, "")
    }
}

fn placed_in(d: &[Decision], v: i32) -> Option<(i32, i32)> {
    d.iter().find_map(|x| match x {
        Decision::Place { vm, host, ds, .. } if *vm == v => Some((*host, *ds)),
        _ => None,
    })
}

fn wait_message(d: &[Decision], v: i32) -> String {
    d.iter()
        .find_map(|x| match x {
            Decision::Wait { vm, message } if *vm == v => Some(message.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn measured(free: i64) -> [(&'static str, String); 2] {
    [("TOTAL_MB", "100000".to_string()), ("FREE_MB", free.to_string())]
}

fn ds_with(id: i32, shared: bool, free: Option<i64>, more: &[(&str, &str)]) -> Datastore {
    let mut extra: Vec<(String, String)> = vec![("TEMPLATE/SHARED".into(), if shared { "YES" } else { "NO" }.into())];
    if let Some(f) = free {
        extra.extend(measured(f).iter().map(|(k, v)| (k.to_string(), v.clone())));
    }
    extra.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let refs: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    system_ds(id, &refs)
}

#[test]
fn striping_takes_the_emptiest_datastore_and_packing_the_fullest() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let dss =
        [ds_with(0, true, Some(500), &[]), ds_with(100, true, Some(9000), &[]), ds_with(101, true, Some(3000), &[])];
    let v = [vm_ds(1, 10, "", "", "")];
    let d = plan(&v, &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 100)));
    let d = plan(&v, &hosts, &dss, &Policy::Packing, &DsPolicy::Packing, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 0)));
    // SCHED_DS_RANK wins over the policy.
    let v = [vm_ds(1, 10, "", "", "- ID")];
    let d = plan(&v, &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 0)));
}

#[test]
fn a_datastore_must_be_in_the_hosts_cluster_enabled_and_of_type_system() {
    let hosts = [Host { cluster_id: 5, ..host(0, 800, 1 << 20, 0, &[]) }];
    let other_cluster = ds_with(0, true, Some(9000), &[]);
    let disabled = Datastore { state: 1, ..ds_with(1, true, Some(9000), &[("CLUSTERS/ID", "5")]) };
    let mut image_ds = ds_with(2, true, Some(9000), &[("CLUSTERS/ID", "5")]);
    image_ds.ds_type = 0;
    let d = plan(
        &[vm_ds(1, 0, "", "", "")],
        &hosts,
        &[other_cluster.clone(), disabled, image_ds],
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert_eq!(wait_message(&d, 1), "Cannot dispatch VM: No system datastores found to run VMs");
    let good = ds_with(3, true, None, &[("CLUSTERS/ID", "5")]);
    let d = plan(
        &[vm_ds(1, 0, "", "", "")],
        &hosts,
        &[other_cluster, good],
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert_eq!(placed_in(&d, 1), Some((0, 3)));
}

#[test]
fn requirements_automatic_and_user_both_apply() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let dss = [
        ds_with(0, true, Some(100), &[("TEMPLATE/TM_MAD", "ssh")]),
        ds_with(100, true, Some(200), &[("TEMPLATE/TM_MAD", "shared"), ("CLUSTERS/ID", "0"), ("CLUSTERS/ID", "7")]),
        ds_with(101, true, Some(50), &[("TEMPLATE/TM_MAD", "qcow2")]),
    ];
    // The VM's image datastores are in cluster 0 (AUTOMATIC_DS_REQUIREMENTS from oned).
    let auto = "(\"CLUSTERS/ID\" @> 0)";
    let d = plan(
        &[vm_ds(1, 10, auto, "TM_MAD = qcow2", "")],
        &hosts,
        &dss,
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert_eq!(placed_in(&d, 1), Some((0, 101)), "the user's SCHED_DS_REQUIREMENTS");
    let d = plan(&[vm_ds(1, 10, auto, "", "")], &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 100)), "most free of those in cluster 0");
    let d = plan(
        &[vm_ds(1, 10, "(\"CLUSTERS/ID\" @> 7)", "TM_MAD = ssh", "")],
        &hosts,
        &dss,
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert_eq!(
        wait_message(&d, 1),
        "Cannot dispatch VM: No system datastore meets SCHED_DS_REQUIREMENTS: (\"CLUSTERS/ID\" @> 7) & ( TM_MAD = ssh )"
    );
    let d = plan(
        &[vm_ds(1, 10, "", "TM_MAD = ", "")],
        &hosts,
        &dss,
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert!(wait_message(&d, 1).starts_with("Error in SCHED_DS_REQUIREMENTS: 'TM_MAD =', error:"), "{d:?}");
}

#[test]
fn shared_capacity_is_the_datastores_and_counts_this_cycles_placements() {
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let dss = [ds_with(0, true, Some(250), &[])];
    let vms: Vec<Vm> = (1..=3).map(|i| vm_ds(i, 100, "", "", "")).collect();
    let d = plan(&vms, &hosts, &dss, &Policy::Striping, &DsPolicy::Striping, &limits(), None);
    assert!(placed_in(&d, 1).is_some() && placed_in(&d, 2).is_some(), "{d:?}");
    assert_eq!(
        wait_message(&d, 3),
        "Cannot dispatch VM: No system datastore meets capacity and SCHED_DS_REQUIREMENTS: ",
        "250 MB hold two 100 MB VMs, whichever host they run on"
    );
}

#[test]
fn non_shared_capacity_is_each_hosts_report_and_a_full_host_is_skipped() {
    let full = host(0, 800, 1 << 20, 0, &[]);
    let mut roomy = host(1, 800, 1 << 20, 5, &[]);
    let mut full_h = full.clone();
    full_h.ds_free.insert(0, 50);
    roomy.ds_free.insert(0, 1000);
    // Packing prefers host 1 (more VMs) anyway; make the full host the preferred one instead.
    let hosts = [Host { running_vms: 9, ..full_h }, roomy];
    // The datastore's own FREE_MB (front-end) is large but does not count: it is not shared.
    let dss = [ds_with(0, false, Some(1_000_000), &[])];
    let d = plan(&[vm_ds(1, 100, "", "", "")], &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((1, 0)), "host 0 ranks first but its datastore is full");
    let d = plan(&[vm_ds(1, 0, "", "", "")], &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 0)), "a VM with no system disks fits anywhere");
    // Per host: two 600 MB VMs do not both fit on host 1 (1000 MB), and host 0 has 50.
    let vms = [vm_ds(1, 600, "", "", ""), vm_ds(2, 600, "", "", "")];
    let d = plan(&vms, &hosts, &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((1, 0)));
    assert!(wait_message(&d, 2).contains("meets capacity"), "{d:?}");
}

#[test]
fn unmeasured_free_space_refuses_nothing() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let d = plan(
        &[vm_ds(1, 1 << 30, "", "", "")],
        &hosts,
        &[ds_with(0, false, None, &[])],
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert_eq!(placed_in(&d, 1), Some((0, 0)));
    let d = plan(
        &[vm_ds(1, 1 << 30, "", "", "")],
        &hosts,
        &[ds_with(0, false, Some(10), &[])],
        &Policy::Packing,
        &DsPolicy::Striping,
        &limits(),
        None,
    );
    assert!(wait_message(&d, 1).contains("meets capacity"), "the datastore's own figure when the host has none");
}

#[test]
fn free_mb_in_expressions_is_what_the_host_has_left() {
    let mut h = host(0, 800, 1 << 20, 0, &[]);
    h.ds_free.insert(0, 300);
    h.ds_free.insert(1, 900);
    let dss = [ds_with(0, false, Some(5), &[]), ds_with(1, false, Some(5), &[])];
    let vms = [vm_ds(1, 100, "", "FREE_MB > 250", ""), vm_ds(2, 100, "", "FREE_MB > 250", "- FREE_MB")];
    let d = plan(&vms, &[h], &dss, &Policy::Packing, &DsPolicy::Striping, &limits(), None);
    assert_eq!(placed_in(&d, 1), Some((0, 1)), "most free: datastore 1 (900)");
    assert_eq!(placed_in(&d, 2), Some((0, 0)), "least free that still has more than 250: datastore 0 (300)");
}
