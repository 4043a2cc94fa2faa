//! oned + dummy drivers + mm_sched started by oned: placement by requirements, cluster placement
//! from AUTOMATIC_REQUIREMENTS (also when rescheduling), a VM that fits nowhere, no over-commit
//! after 1,000 VMs on 20 small hosts, rescheduling.

use e2e::{Location, as_int, as_str, b, i, s, wait_image_ready, wait_vm, xml_int};
use libone::client::Client;
use std::time::{Duration, Instant};

fn setup() -> (Location, e2e::Oned, Client, tempfile::TempDir) {
    setup_with_interval(2)
}

fn setup_with_interval(interval: u32) -> (Location, e2e::Oned, Client, tempfile::TempDir) {
    setup_with(interval, "")
}

/// oned (dummy drivers, `extra` appended to oned.conf) running mm_sched every `interval` s.
fn setup_with(interval: u32, extra: &str) -> (Location, e2e::Oned, Client, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let conf = format!(
        "{}SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {}\" ]\n{extra}",
        e2e::dummy_drivers(state.path(), "-t 64"),
        state.path().join("sched.conf").display()
    );
    std::fs::write(
        state.path().join("sched.conf"),
        format!("SCHED_INTERVAL = {interval}\nMAX_HOST = 0\nDEFAULT_SCHED = [ POLICY = 1 ]\n"),
    )
    .unwrap();
    let loc = Location::new(&conf);
    let oned = loc.start();
    let c = loc.client();
    (loc, oned, c, state)
}

fn host(c: &Client, name: &str, extra: &str) -> i32 {
    let h = as_int(&c.call("one.host.allocate", vec![s(name), s("dummy"), s("dummy"), i(-1)]).unwrap());
    if !extra.is_empty() {
        c.call("one.host.update", vec![i(h), s(extra), i(1)]).unwrap();
    }
    h
}

fn wait_monitored(c: &Client, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pool = as_str(&c.call("one.hostpool.info", vec![]).unwrap()).to_string();
        if pool.matches("<STATE>2</STATE>").count() >= n {
            return;
        }
        assert!(Instant::now() < deadline, "hosts not monitored");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn last_hid(body: &str) -> i64 {
    body.rsplit("<HID>").next().and_then(|r| r.split('<').next()).and_then(|v| v.parse().ok()).unwrap_or(-1)
}

#[test]
fn requirements_place_vms_only_on_matching_hosts() {
    let (loc, _oned, c, _st) = setup();
    let _a = host(&c, "kvm-01", "FAMILY = \"kvm\"");
    let b_ = host(&c, "xen-01", "FAMILY = \"xen\"");
    wait_monitored(&c, 2);
    let ids: Vec<i32> = (0..10)
        .map(|k| {
            as_int(
                &c.call(
                    "one.vm.allocate",
                    vec![
                        s(&format!(
                            "NAME = \"r{k}\"\nCPU = 0.1\nMEMORY = 16\nSCHED_REQUIREMENTS = \"FAMILY = \\\"xen\\\"\""
                        )),
                        b(false),
                    ],
                )
                .unwrap(),
            )
        })
        .collect();
    for id in ids {
        let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
        assert_eq!(last_hid(&body), b_ as i64, "VM {id} must run on the xen host:\n{body}\nlog:\n{}", loc.log());
    }
}

/// `AUTOMATIC_REQUIREMENTS` (`CLUSTER_ID = <x> & ...`, written by oned from the clusters of the
/// VM's image datastores and networks) is not in the short body of `one.vmpool.info`: the scheduler
/// must read it from the full body. Striping over two empty hosts would put about half the VMs on
/// the default cluster's host if the requirement were lost.
#[test]
fn automatic_requirements_keep_vms_in_the_cluster_of_their_network_and_datastore() {
    let (loc, _oned, c, _st) = setup();
    let cx = as_int(&c.call("one.cluster.allocate", vec![s("cx")]).unwrap());
    // The system datastore serves both clusters (a deploy needs one in the host's cluster).
    c.call("one.cluster.adddatastore", vec![i(cx), i(0)]).unwrap();
    let default_host = host(&c, "default-01", "");
    let hx = as_int(&c.call("one.host.allocate", vec![s("cx-01"), s("dummy"), s("dummy"), i(cx)]).unwrap());
    let net = as_int(
        &c.call(
            "one.vn.allocate",
            vec![
                s("NAME = cxnet\nVN_MAD = dummy\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.66.0.1, SIZE = 32 ]"),
                i(cx),
            ],
        )
        .unwrap(),
    );
    let ds =
        as_int(&c.call("one.datastore.allocate", vec![s("NAME = cxds\nDS_MAD = fs\nTM_MAD = local"), i(cx)]).unwrap());
    let img =
        as_int(&c.call("one.image.allocate", vec![s("NAME = cximg\nTYPE = DATABLOCK\nSIZE = 1"), i(ds)]).unwrap());
    wait_image_ready(&c, img); // LOCKED until the datastore driver's MKFS
    wait_monitored(&c, 2);
    let mut ids = Vec::new();
    for k in 0..6 {
        let nic = format!("NAME = \"n{k}\"\nCPU = 0.1\nMEMORY = 16\nNIC = [ NETWORK_ID = {net} ]");
        let disk = format!("NAME = \"d{k}\"\nCPU = 0.1\nMEMORY = 16\nDISK = [ IMAGE_ID = {img} ]");
        for t in [nic, disk] {
            ids.push(as_int(&c.call("one.vm.allocate", vec![s(&t), b(false)]).unwrap()));
        }
    }
    let short = as_str(&c.call("one.vmpool.info", vec![i(-2), i(ids[0]), i(ids[0]), i(-2)]).unwrap()).to_string();
    assert!(!short.contains("AUTOMATIC_REQUIREMENTS"), "the short body carries no AUTOMATIC_REQUIREMENTS:\n{short}");
    let full = as_str(&c.call("one.vm.info", vec![i(ids[0])]).unwrap()).to_string();
    assert!(full.contains(&format!("CLUSTER_ID = {cx}")), "oned restricts the VM to cluster {cx}:\n{full}");
    for id in ids {
        let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
        assert_eq!(
            last_hid(&body),
            hx as i64,
            "VM {id} must run in cluster {cx}, not on host {default_host}:\n{body}\nlog:\n{}",
            loc.log()
        );
    }
}

/// The last `<DS_ID>` of a VM body (its current system datastore), -1 if none.
fn last_ds(body: &str) -> i64 {
    body.rsplit("<DS_ID>").next().and_then(|r| r.split('<').next()).and_then(|v| v.parse().ok()).unwrap_or(-1)
}

/// Waits (bounded) for the VM's SCHED_MESSAGE to contain `text`; the VM must still be PENDING.
fn wait_sched_message(c: &Client, id: i32, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = as_str(&c.call("one.vm.info", vec![i(id)]).unwrap()).to_string();
        if body.contains(text) {
            assert_eq!(xml_int(&body, "STATE"), Some(1), "still PENDING:\n{body}");
            return body;
        }
        assert!(Instant::now() < deadline, "no SCHED_MESSAGE with {text:?}:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn system_datastores_are_chosen_by_requirements_rank_and_free_space() {
    // Datastores monitored every second: the scheduler sees real FREE_MB (df of the front-end's
    // datastore directory, through tm/ssh/monitor).
    let (loc, _oned, c, _st) = setup_with(1, "MONITORING_INTERVAL_DATASTORE = 1\n");
    host(&c, "h-01", "");
    let fast = as_int(
        &c.call("one.datastore.allocate", vec![s("NAME = fast\nTYPE = SYSTEM_DS\nTM_MAD = ssh\nSPEED = 10"), i(-1)])
            .unwrap(),
    );
    wait_monitored(&c, 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pool = as_str(&c.call("one.datastorepool.info", vec![i(-2), i(-1), i(-1)]).unwrap()).to_string();
        let monitored = pool
            .split("<DATASTORE>")
            .filter(|d| d.contains("<TYPE>1</TYPE>"))
            .all(|d| d.split("<TOTAL_MB>").nth(1).and_then(|r| r.split('<').next()).is_some_and(|v| v != "0"));
        if monitored {
            break;
        }
        assert!(Instant::now() < deadline, "system datastores never monitored:\n{pool}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let vm = |extra: &str| {
        let t = format!("CPU = 0.1\nMEMORY = 16\n{extra}");
        as_int(&c.call("one.vm.allocate", vec![s(&t), b(false)]).unwrap())
    };
    let by_reqs = vm("SCHED_DS_REQUIREMENTS = \"SPEED > 5\"");
    let by_rank_low = vm("SCHED_DS_RANK = \"- ID\"");
    let by_rank_high = vm("SCHED_DS_RANK = \"ID\"\nDISK = [ TYPE = fs, SIZE = 16 ]");
    let nowhere = vm("SCHED_DS_REQUIREMENTS = \"NAME = nowhere\"");
    let too_big = vm("DISK = [ TYPE = fs, SIZE = 1000000000000 ]");
    for (id, ds) in [(by_reqs, fast), (by_rank_low, 0), (by_rank_high, fast)] {
        let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
        assert_eq!(last_ds(&body), ds as i64, "VM {id} in system datastore {ds}:\n{body}\nlog:\n{}", loc.log());
    }
    wait_sched_message(
        &c,
        nowhere,
        "Cannot dispatch VM: No system datastore meets SCHED_DS_REQUIREMENTS: NAME = nowhere",
    );
    wait_sched_message(&c, too_big, "Cannot dispatch VM: No system datastore meets capacity and SCHED_DS_REQUIREMENTS");
    // A datastore disabled by the admin takes no new VM.
    c.call("one.datastore.enable", vec![i(fast), b(false)]).unwrap();
    let after = vm("SCHED_DS_REQUIREMENTS = \"SPEED > 5\"");
    wait_sched_message(&c, after, "No system datastore meets SCHED_DS_REQUIREMENTS: SPEED > 5");
    c.call("one.datastore.enable", vec![i(fast), b(true)]).unwrap();
    let body = wait_vm(&c, after, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    assert_eq!(last_ds(&body), fast as i64);
}

#[test]
fn a_vm_that_fits_nowhere_stays_pending_with_a_reason() {
    let (_loc, _oned, c, _st) = setup();
    host(&c, "small-01", "");
    wait_monitored(&c, 1);
    let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 64\nMEMORY = 16"), b(false)]).unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = as_str(&c.call("one.vm.info", vec![i(id)]).unwrap()).to_string();
        if body.contains("No host with enough capacity to deploy the VM") {
            assert_eq!(xml_int(&body, "STATE"), Some(1), "still PENDING");
            break;
        }
        assert!(Instant::now() < deadline, "no SCHED_MESSAGE:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_thousand_vms_on_twenty_small_hosts_never_overcommit() {
    let (_loc, _oned, c, _st) = setup();
    // The dummy IM reports 8 cores (800) and 16 GiB per host; each VM takes 1 core and 1 GiB:
    // 20 hosts hold 160 VMs, the rest must wait.
    for k in 0..20 {
        host(&c, &format!("small-{k:02}"), "");
    }
    wait_monitored(&c, 20);
    for k in 0..1000 {
        c.call("one.vm.allocate", vec![s(&format!("NAME = \"o{k}\"\nCPU = 1\nMEMORY = 1024")), b(false)]).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let running = as_str(&c.call("one.vmpool.info", vec![i(-2), i(-1), i(-1), i(3)]).unwrap())
            .matches("<LCM_STATE>3</LCM_STATE>")
            .count();
        if running >= 160 {
            break;
        }
        assert!(Instant::now() < deadline, "only {running} VMs running");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));
    let pool = as_str(&c.call("one.hostpool.info", vec![]).unwrap()).to_string();
    for h in pool.split("<HOST>").skip(1) {
        let (cpu, max_cpu, mem, max_mem) = (
            xml_int(h, "CPU_USAGE").unwrap(),
            xml_int(h, "MAX_CPU").unwrap(),
            xml_int(h, "MEM_USAGE").unwrap(),
            xml_int(h, "MAX_MEM").unwrap(),
        );
        assert!(cpu <= max_cpu && mem <= max_mem, "over-committed host: {h}");
    }
    let running = as_str(&c.call("one.vmpool.info", vec![i(-2), i(-1), i(-1), i(3)]).unwrap()).matches("<VM>").count();
    assert_eq!(running, 160, "exactly the capacity is used");
}

#[test]
fn resched_moves_a_vm() {
    let (_loc, _oned, c, _st) = setup();
    let h1 = host(&c, "node-a", "");
    let h2 = host(&c, "node-b", "");
    wait_monitored(&c, 2);
    let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 0.1\nMEMORY = 16"), b(false)]).unwrap());
    let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    let first = last_hid(&body);
    assert!(first == h1 as i64 || first == h2 as i64);
    c.call("one.vm.action", vec![s("resched"), i(id)]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = as_str(&c.call("one.vm.info", vec![i(id)]).unwrap()).to_string();
        if xml_int(&body, "STATE") == Some(3) && xml_int(&body, "LCM_STATE") == Some(3) && last_hid(&body) != first {
            assert_eq!(xml_int(&body, "RESCHED"), Some(0));
            break;
        }
        assert!(Instant::now() < deadline, "VM not moved:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A VM flagged for rescheduling keeps its `AUTOMATIC_REQUIREMENTS`: the scheduler reads flagged
/// VMs in full. The default cluster's host has the lowest ID and no VMs, so it would win the
/// striping tie if the requirement were lost.
#[test]
fn resched_keeps_a_vm_in_its_cluster() {
    let (loc, _oned, c, _st) = setup();
    let cx = as_int(&c.call("one.cluster.allocate", vec![s("cx")]).unwrap());
    c.call("one.cluster.adddatastore", vec![i(cx), i(0)]).unwrap();
    let default_host = host(&c, "default-01", "");
    let x: Vec<i32> = ["cx-01", "cx-02"]
        .iter()
        .map(|n| as_int(&c.call("one.host.allocate", vec![s(n), s("dummy"), s("dummy"), i(cx)]).unwrap()))
        .collect();
    let net = as_int(
        &c.call(
            "one.vn.allocate",
            vec![s("NAME = cxnet\nVN_MAD = dummy\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.67.0.1, SIZE = 4 ]"), i(cx)],
        )
        .unwrap(),
    );
    wait_monitored(&c, 3);
    let id = as_int(
        &c.call("one.vm.allocate", vec![s(&format!("CPU = 0.1\nMEMORY = 16\nNIC = [ NETWORK_ID = {net} ]")), b(false)])
            .unwrap(),
    );
    let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    let first = last_hid(&body);
    assert!(x.iter().any(|h| *h as i64 == first), "VM placed in cluster {cx}:\n{body}");
    c.call("one.vm.action", vec![s("resched"), i(id)]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = as_str(&c.call("one.vm.info", vec![i(id)]).unwrap()).to_string();
        let now = last_hid(&body);
        assert_ne!(now, default_host as i64, "VM {id} left cluster {cx}:\n{body}\nlog:\n{}", loc.log());
        if xml_int(&body, "STATE") == Some(3) && xml_int(&body, "LCM_STATE") == Some(3) && now != first {
            assert!(x.iter().any(|h| *h as i64 == now), "{body}");
            assert_eq!(xml_int(&body, "RESCHED"), Some(0));
            break;
        }
        assert!(Instant::now() < deadline, "VM not moved:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// With SCHED_INTERVAL = 600 the VM can only be placed because oned wakes the scheduler
/// (`one.sched.wait`); a polling scheduler would leave it PENDING for ten minutes.
#[test]
fn a_new_vm_wakes_the_scheduler_long_before_sched_interval() {
    let (loc, oned, c, _st) = setup_with_interval(600);
    let _h = host(&c, "wake-01", "");
    wait_monitored(&c, 1);
    // Let the scheduler finish the cycle the new host caused and block again.
    std::thread::sleep(Duration::from_secs(2));
    let id = as_int(&c.call("one.vm.allocate", vec![s("NAME = wake\nCPU = 0.1\nMEMORY = 16"), b(false)]).unwrap());
    let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    assert_eq!(xml_int(&body, "STATE"), Some(3), "log:\n{}", loc.log());
    assert!(!loc.log().contains("has no one.sched.wait"));
    // The scheduler is blocked in a 600 s one.sched.wait; SIGTERM must still stop oned cleanly
    // (within the 20 s bound of `stop`).
    assert_eq!(oned.stop(), Some(0), "oned must exit promptly while the scheduler waits:\n{}", loc.log());
}

/// `one.sched.wait` answers at once when the epoch moved, after the timeout when it did not,
/// and only to the oneadmin group.
#[test]
fn sched_wait_answers_on_new_work_or_timeout_and_only_to_admins() {
    let st = tempfile::tempdir().unwrap();
    let loc = Location::new(&e2e::dummy_drivers(st.path(), ""));
    let _oned = loc.start();
    let c = loc.client();
    let now = as_int(&c.call("one.sched.wait", vec![i(-1), i(0)]).unwrap());
    // Same epoch, nothing happens: the call waits for its timeout and returns the same epoch.
    let t0 = Instant::now();
    assert_eq!(as_int(&c.call("one.sched.wait", vec![i(now), i(300)]).unwrap()), now);
    assert!(t0.elapsed() >= Duration::from_millis(250));
    // A new PENDING VM moves the epoch, so a waiter with the old epoch is answered.
    as_int(&c.call("one.vm.allocate", vec![s("NAME = w\nCPU = 0.1\nMEMORY = 16"), b(false)]).unwrap());
    let after = as_int(&c.call("one.sched.wait", vec![i(now), i(60_000)]).unwrap());
    assert_ne!(after, now);
    // A plain user is refused with AUTHORIZATION (error code 0x0200 = 512).
    as_int(
        &c.call("one.user.allocate", vec![s("plain"), s("pw"), s(""), libone::xmlrpc::Value::Array(vec![])]).unwrap(),
    );
    let plain = Client::new(&loc.endpoint(), "plain:pw".to_string()).unwrap();
    let err = plain.call("one.sched.wait", vec![i(after), i(0)]).unwrap_err().to_string();
    assert!(err.contains("Not authorized"), "{err}");
}
