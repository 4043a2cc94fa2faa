//! Life-cycle benchmark: VMs to RUNNING through real driver processes, and the cost of
//! monitoring many hosts.
//!
//!     cargo bench -p oned --bench lifecycle_load
//!
//! Environment: `NEPHELE_BENCH_HOSTS` (2500), `NEPHELE_BENCH_VMS` (10000),
//! `NEPHELE_BENCH_MONITOR_SECONDS` (60), `NEPHELE_BENCH_THREADS` (32).
//!
//! It starts the real `oned` (bench profile) with the dummy IM/VMM/TM drivers built next to it,
//! set up as shipped (the IM and the VMM share `--state-dir dummy`, so every probe lists the
//! host's VMs), `MONITORING_INTERVAL_HOST = 30`, on 127.0.0.1 in a temporary `ONE_LOCATION`, then:
//! 1. registers the hosts and waits until every one is MONITORED;
//! 2. measures oned's CPU while it only monitors them (idle API) for the monitor window:
//!    the target is < 5 % of one core for 2,500 hosts at 30 s;
//! 3. allocates and deploys the VMs from many client threads (allocate, then deploy to a host
//!    chosen round-robin) and measures the time until every VM is RUNNING (state 3, LCM 3),
//!    polling `one.vmpool.info`: the target is ≥ 500 VMs/s end to end on 2 cores. Every deploy
//!    goes through the TM prolog (one transfer file written per VM) and the VMM DEPLOY, each a
//!    durable state change;
//! 4. measures the monitoring again with every VM RUNNING and listed by its host's probe (the
//!    IM reads that host's directory of the state directory): oned's CPU and the IM driver's
//!    over another monitor window, and how many VMs a probe listed and how many are still
//!    RUNNING at its end.
//!
//! With `NEPHELE_BENCH_SCHED=1` the VMs are only allocated: `mm_sched` (started by oned, shipped
//! `sched.conf` defaults) places them, so the figure is allocate → scheduled → RUNNING.
//! It prints a Markdown table. Nothing is asserted: it is a benchmark.
#![allow(unsafe_code)] // signals to the oned the benchmark started

use libone::client::Client;
use libone::xmlrpc::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Oned(Child);

impl Drop for Oned {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = 100.0;
    let ut: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let st: f64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (ut + st) / tick
}

/// Seconds since the epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The PID of oned's `one_im_dummy` child (from `/proc`).
fn im_driver_pid(oned: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse::<u32>().ok()?;
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
        (ppid == oned && exe.file_name()? == "one_im_dummy").then_some(pid)
    })
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => panic!("expected a string, got {other:?}"),
    }
}

fn id(v: Value) -> i32 {
    match v {
        Value::Integer(i) => i,
        other => panic!("expected an id, got {other:?}"),
    }
}

fn main() {
    let hosts = env("NEPHELE_BENCH_HOSTS", 2500);
    let vms = env("NEPHELE_BENCH_VMS", 10_000);
    let mon_secs = env("NEPHELE_BENCH_MONITOR_SECONDS", 60) as u64;
    let threads = env("NEPHELE_BENCH_THREADS", 32).max(1);
    let with_sched = env("NEPHELE_BENCH_SCHED", 0) == 1;
    let oned_bin = PathBuf::from(env!("CARGO_BIN_EXE_oned"));
    let bin_dir = oned_bin.parent().map(Path::to_path_buf).unwrap_or_default();
    for d in ["one_im_dummy", "one_vmm_dummy", "one_tm_dummy", "mm_sched"] {
        assert!(
            bin_dir.join(d).exists(),
            "{d} is missing next to oned: cargo build --release -p drivers -p sched first"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
    std::fs::create_dir_all(dir.path().join(".one")).expect(".one");
    std::fs::write(dir.path().join(".one/one_auth"), "oneadmin:bench\n").expect("one_auth");
    std::fs::write(
        dir.path().join("etc/oned.conf"),
        format!(
            "PORT = {port}\nLISTEN_ADDRESS = \"127.0.0.1\"\nLOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 2 ]\n\
             MONITORING_INTERVAL_HOST = 30\n\
             IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir dummy\" ]\n\
             VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"-t 64 --state-dir dummy\", TYPE = \"dummy\" ]\n\
             TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"-t 64\" ]\n{}",
            if with_sched { "SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"\" ]\n" } else { "" }
        ),
    )
    .expect("oned.conf");
    let child = Command::new(&oned_bin)
        .arg("-f")
        .env("ONE_LOCATION", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oned");
    let pid = child.id();
    let _oned = Oned(child);
    let endpoint = format!("http://127.0.0.1:{port}/RPC2");
    let c = Client::new(&endpoint, "oneadmin:bench").expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.call("one.system.version", vec![]).is_err() {
        assert!(Instant::now() < deadline, "oned did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    // 1. Hosts, until all are MONITORED.
    let t0 = Instant::now();
    for h in 0..hosts {
        c.call(
            "one.host.allocate",
            vec![
                Value::String(format!("host-{h:05}")),
                Value::String("dummy".into()),
                Value::String("dummy".into()),
                Value::Integer(-1),
            ],
        )
        .expect("host.allocate");
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pool = text(c.call("one.hostpool.info", vec![]).expect("hostpool.info"));
        let monitored = count(&pool, "<STATE>2</STATE>");
        if monitored >= hosts {
            break;
        }
        assert!(Instant::now() < deadline, "only {monitored} of {hosts} hosts monitored after 120 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    let all_monitored = t0.elapsed();

    // 2. Monitoring cost with an idle API.
    let cpu0 = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(mon_secs));
    let monitor_cpu = (cpu_seconds(pid) - cpu0) / mon_secs as f64 * 100.0;

    // 3. VMs to RUNNING.
    let endpoint = Arc::new(endpoint);
    let t1 = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let endpoint = endpoint.clone();
            std::thread::spawn(move || {
                let c = Client::new(&endpoint, "oneadmin:bench").expect("client");
                let mut k = t;
                while k < vms {
                    let v = id(c
                        .call(
                            "one.vm.allocate",
                            vec![
                                Value::String(format!("NAME=\"vm-{k}\"\nCPU=\"0.01\"\nMEMORY=\"16\"")),
                                Value::Boolean(false),
                            ],
                        )
                        .expect("vm.allocate"));
                    if !with_sched {
                        c.call("one.vm.deploy", vec![Value::Integer(v), Value::Integer((k % hosts) as i32)])
                            .expect("vm.deploy");
                    }
                    k += threads;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let submitted = t1.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    let running;
    loop {
        let pool = text(
            c.call(
                "one.vmpool.info",
                vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(3)],
            )
            .expect("vmpool.info"),
        );
        let n = count(&pool, "<LCM_STATE>3</LCM_STATE>");
        if n >= vms {
            running = t1.elapsed();
            break;
        }
        assert!(Instant::now() < deadline, "only {n} of {vms} VMs RUNNING after 600 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let rate = vms as f64 / running.as_secs_f64();

    // 4. Monitoring cost with every VM RUNNING and listed by the probes.
    let im_pid = im_driver_pid(pid);
    let window_start = unix_now();
    let (cpu0, im0) = (cpu_seconds(pid), im_pid.map_or(0.0, cpu_seconds));
    std::thread::sleep(Duration::from_secs(mon_secs));
    let monitor_cpu_vms = (cpu_seconds(pid) - cpu0) / mon_secs as f64 * 100.0;
    let im_cpu_vms = im_pid.map(|p| (cpu_seconds(p) - im0) / mon_secs as f64 * 100.0);
    let pool = text(
        c.call("one.vmpool.info", vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(-1)])
            .expect("vmpool.info"),
    );
    let listed = pool
        .split("<LAST_POLL>")
        .skip(1)
        .filter_map(|rest| rest.split('<').next()?.parse::<u64>().ok())
        .filter(|&t| t >= window_start)
        .count();
    let still_running = count(&pool, "<LCM_STATE>3</LCM_STATE>");
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_default();
    let ncpu = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("# oned life-cycle benchmark\n");
    println!("- machine: {model}, {ncpu} CPUs; oned, the three dummy drivers and the client share them");
    println!("- scale: {hosts} hosts (MONITORING_INTERVAL_HOST = 30), {vms} VMs from {threads} client threads\n");
    println!("| measurement | value | target | met |\n|---|---|---|---|");
    println!("| all hosts MONITORED after registration | {:.1} s | – | – |", all_monitored.as_secs_f64());
    println!(
        "| oned CPU while monitoring {hosts} hosts every 30 s ({mon_secs} s window) | {monitor_cpu:.2} % of one core | < 5 % | {} |",
        if monitor_cpu < 5.0 { "yes" } else { "no" }
    );
    println!(
        "| oned CPU while monitoring {hosts} hosts listing {vms} RUNNING VMs ({mon_secs} s window) | {monitor_cpu_vms:.2} % of one core | < 5 % | {} |",
        if monitor_cpu_vms < 5.0 { "yes" } else { "no" }
    );
    println!(
        "| one_im_dummy CPU over the same window (reads each probed host's directory) | {} | – | – |",
        im_cpu_vms.map_or("not found".to_string(), |c| format!("{c:.2} % of one core"))
    );
    println!(
        "| VMs listed by a probe in that window / still RUNNING at its end | {listed} / {still_running} of {vms} | all | {} |",
        if listed == vms && still_running == vms { "yes" } else { "no" }
    );
    let how = if with_sched { "allocate (mm_sched places)" } else { "allocate + deploy" };
    println!("| {how} submitted | {:.1} s | – | – |", submitted.as_secs_f64());
    println!(
        "| {vms} VMs RUNNING end to end | {:.1} s = {rate:.0} VMs/s | ≥ 500 VMs/s | {} |",
        running.as_secs_f64(),
        if rate >= 500.0 { "yes" } else { "no" }
    );
}
