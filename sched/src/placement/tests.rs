use super::*;
use crate::model::Host;

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
    let d = plan(&[vm(1, 100, 1024, "")], &hosts, &Policy::Packing, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
}

#[test]
fn striping_spreads() {
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let vms: Vec<Vm> = (1..=4).map(|i| vm(i, 100, 1024, "")).collect();
    let d = plan(&vms, &hosts, &Policy::Striping, &limits(), None);
    let on0 = (1..=4).filter(|v| placed_on(&d, *v) == Some(0)).count();
    assert_eq!(on0, 2, "{d:?}");
}

#[test]
fn load_aware_prefers_the_least_loaded() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("MONITORING/CAPACITY/FREE_CPU", "100")]),
        host(1, 800, 1 << 20, 0, &[("MONITORING/CAPACITY/FREE_CPU", "700")]),
    ];
    let d = plan(&[vm(1, 100, 1024, "")], &hosts, &Policy::LoadAware, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
}

#[test]
fn fixed_uses_host_priority_and_vm_rank_overrides() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("TEMPLATE/PRIORITY", "9")]),
        host(1, 800, 1 << 20, 0, &[("TEMPLATE/PRIORITY", "3")]),
    ];
    let d = plan(&[vm(1, 100, 1024, "")], &hosts, &Policy::Fixed, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(0));
    let mut v = vm(2, 100, 1024, "");
    v.rank = "- PRIORITY".into();
    let d = plan(&[v], &hosts, &Policy::Fixed, &limits(), None);
    assert_eq!(placed_on(&d, 2), Some(1));
}

#[test]
fn requirements_select_hosts() {
    let hosts = [
        host(0, 800, 1 << 20, 0, &[("TEMPLATE/HYPERVISOR", "kvm")]),
        host(1, 800, 1 << 20, 0, &[("TEMPLATE/HYPERVISOR", "dummy")]),
    ];
    let d = plan(&[vm(1, 100, 1024, "HYPERVISOR = \"dummy\"")], &hosts, &Policy::Striping, &limits(), None);
    assert_eq!(placed_on(&d, 1), Some(1));
    let d = plan(&[vm(2, 100, 1024, "HYPERVISOR = \"xen\"")], &hosts, &Policy::Striping, &limits(), None);
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
    let d = plan(&vms, &hosts, &Policy::Packing, &limits(), None);
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
    let d = plan(&vms, &hosts, &Policy::Packing, &Limits { max_dispatch: 1, max_host: 0 }, None);
    assert_eq!(
        d,
        vec![Decision::Place { vm: 3, host: 0, migrate: false }],
        "the high-priority VM goes first, one per cycle"
    );
    let d = plan(&vms, &hosts, &Policy::Packing, &Limits { max_dispatch: 0, max_host: 2 }, None);
    assert_eq!(d.iter().filter(|x| matches!(x, Decision::Place { .. })).count(), 2);
    assert!(matches!(&d[2], Decision::Wait { message, .. } if message.contains("dispatch limit reached")));
}

#[test]
fn bad_requirements_are_a_message_not_a_crash() {
    let hosts = [host(0, 800, 1 << 20, 0, &[])];
    let d = plan(&[vm(1, 100, 1024, "FREE_CPU-1 >")], &hosts, &Policy::Packing, &limits(), None);
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
    let d = plan(&[v], &hosts, &Policy::Packing, &limits(), None);
    assert_eq!(d, vec![Decision::Place { vm: 1, host: 0, migrate: true }]);
}

#[test]
fn current_vms_sees_this_cycles_placements() {
    // Anti-affinity with VM 1: VM 2 must not land where VM 1 was just placed.
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let d =
        plan(&[vm(1, 100, 1024, ""), vm(2, 100, 1024, "CURRENT_VMS != 1")], &hosts, &Policy::Packing, &limits(), None);
    assert_ne!(placed_on(&d, 1), placed_on(&d, 2));
}

#[test]
fn a_library_ranker_decides_when_configured() {
    let hosts = [host(0, 800, 1 << 20, 0, &[]), host(1, 800, 1 << 20, 0, &[])];
    let ranker = |_: &Vm, hs: &[&Host]| Some(hs.iter().map(|h| h.id as f64).collect());
    let d = plan(&[vm(1, 100, 1024, "")], &hosts, &Policy::Library, &limits(), Some(&ranker));
    assert_eq!(placed_on(&d, 1), Some(1));
}
