//! Whole-process cost of the tools: start-up plus one `onevm list` over 1,000 running VMs
//! (and a few other commands), timed from `spawn` to `wait` with stdout going to a pipe that
//! is drained, as a shell would.
//!
//! Run: `cargo build --release --bins && cargo bench -p cli --bench list_startup`.
//! Knobs: `NEPHELE_BENCH_VMS` (1000), `NEPHELE_BENCH_RUNS` (200), `NEPHELE_BENCH_HOLD` (seconds to
//! keep oned up afterwards, for profiling; 0).
//! It starts a release `oned` with the dummy drivers and `mm_sched` in a temporary
//! `ONE_LOCATION` on 127.0.0.1, places the VMs on 10 hosts, then runs the tools.
#![allow(unsafe_code)] // getrusage and signals to the processes the benchmark started

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use libone::client::Client;
use libone::xmlrpc::Value;

struct Oned(Child);

impl Drop for Oned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => panic!("expected a string, got {other:?}"),
    }
}

/// CPU seconds (user + system) used by reaped children so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

struct Stats {
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
    cpu: f64,
    bytes: usize,
}

/// Runs `tool args` `runs` times; wall times in ms, CPU ms per run, output size.
fn measure(bin: &Path, args: &[&str], envs: &[(&str, String)], runs: usize) -> Stats {
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    let cpu0 = children_cpu();
    for _ in 0..runs {
        let t = Instant::now();
        let mut child = Command::new(bin)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tool");
        let mut out = Vec::new();
        child.stdout.take().expect("stdout").read_to_end(&mut out).expect("read");
        let status = child.wait().expect("wait");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(status.success(), "{} {args:?} failed", bin.display());
        bytes = out.len();
    }
    let cpu = (children_cpu() - cpu0) * 1000.0 / runs as f64;
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Stats { median: at(0.5), p90: at(0.9), min: times[0], max: times[times.len() - 1], cpu, bytes }
}

fn main() {
    let vms = env("NEPHELE_BENCH_VMS", 1000);
    let runs = env("NEPHELE_BENCH_RUNS", 200).max(1);
    let onevm = PathBuf::from(env!("CARGO_BIN_EXE_onevm"));
    let bin_dir = onevm.parent().map(Path::to_path_buf).unwrap_or_default();
    for d in ["oned", "one_im_dummy", "one_vmm_dummy", "one_tm_dummy", "mm_sched", "onehost"] {
        assert!(
            bin_dir.join(d).exists(),
            "{d} is missing in {}: run `cargo build --release --bins` first",
            bin_dir.display()
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
    std::fs::create_dir_all(dir.path().join(".one")).expect(".one");
    let auth = dir.path().join(".one/one_auth");
    std::fs::write(&auth, "oneadmin:bench\n").expect("one_auth");
    std::fs::write(dir.path().join("sched.conf"), "SCHED_INTERVAL = 1\nMAX_HOST = 0\n").expect("sched.conf");
    std::fs::write(
        dir.path().join("etc/oned.conf"),
        format!(
            "PORT = {port}\nLISTEN_ADDRESS = \"127.0.0.1\"\nLOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 2 ]\n\
             MONITORING_INTERVAL_HOST = 5\n\
             IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"\" ]\n\
             VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"-t 16\", TYPE = \"dummy\" ]\n\
             TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"-t 16\" ]\n\
             SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {}\" ]\n",
            dir.path().join("sched.conf").display()
        ),
    )
    .expect("oned.conf");
    let child = Command::new(bin_dir.join("oned"))
        .arg("-f")
        .env("ONE_LOCATION", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oned");
    let _oned = Oned(child);
    let endpoint = format!("http://127.0.0.1:{port}/RPC2");
    let c = Client::new(&endpoint, "oneadmin:bench").expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.call("one.system.version", vec![]).is_err() {
        assert!(Instant::now() < deadline, "oned did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    for h in 0..10 {
        c.call(
            "one.host.allocate",
            vec![
                Value::String(format!("host-{h:02}")),
                Value::String("dummy".into()),
                Value::String("dummy".into()),
                Value::Integer(-1),
            ],
        )
        .expect("host.allocate");
    }
    for n in 0..vms {
        let tmpl = format!("NAME = \"web-{n:04}\"\nCPU = 0.05\nMEMORY = 64\n");
        c.call("one.vm.allocate", vec![Value::String(tmpl), Value::Boolean(false)]).expect("vm.allocate");
    }
    let deadline = Instant::now()
        + Duration::from_secs(std::env::var("NEPHELE_BENCH_WAIT").ok().and_then(|v| v.parse().ok()).unwrap_or(120));
    loop {
        let pool = text(
            c.call(
                "one.vmpool.info",
                vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(-1)],
            )
            .expect("vmpool"),
        );
        let running = pool.matches("<LCM_STATE>3</LCM_STATE>").count();
        if running >= vms {
            break;
        }
        if Instant::now() > deadline {
            let log = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
            let tail = |t: String| {
                t.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
            };
            panic!(
                "only {running} of {vms} VMs running after 120 s\noned.log:\n{}\nsched.log:\n{}",
                tail(log("var/oned.log")),
                tail(log("var/sched.log"))
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    // The server's share: the same pool request from an open keep-alive connection.
    let mut server = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let _ = text(
            c.call(
                "one.vmpool.info",
                vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(-1)],
            )
            .expect("vmpool"),
        );
        server.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    server.sort_by(f64::total_cmp);

    let envs = [("ONE_XMLRPC", endpoint.clone()), ("ONE_AUTH", auth.display().to_string())];
    let cases: [(&str, &str, &[&str]); 6] = [
        ("onevm list (1k VMs, table)", "onevm", &["list"]),
        ("onevm list --csv", "onevm", &["list", "--csv"]),
        ("onevm list -x", "onevm", &["list", "-x"]),
        ("onevm show 0", "onevm", &["show", "0"]),
        ("onehost list (10 hosts)", "onehost", &["list"]),
        ("onevm --version (no request)", "onevm", &["--version"]),
    ];
    println!("cli whole-process timings, {vms} running VMs, {runs} runs each, oned on 127.0.0.1 (same machine)");
    println!("| command | median ms | p90 ms | min ms | max ms | CPU ms/run | output bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, tool, args) in cases {
        let _ = measure(&bin_dir.join(tool), args, &envs, 3); // warm the page cache
        let s = measure(&bin_dir.join(tool), args, &envs, runs);
        println!(
            "| `{label}` | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            s.median, s.p90, s.min, s.max, s.cpu, s.bytes
        );
    }
    println!(
        "| one.vmpool.info alone (kept-alive client, no process) | {:.2} | {:.2} | {:.2} | {:.2} | - | - |",
        server[server.len() / 2],
        server[(server.len() - 1) * 9 / 10],
        server[0],
        server[server.len() - 1]
    );
    // For profiling the tools against this front-end: keep oned up for a while.
    let hold = env("NEPHELE_BENCH_HOLD", 0);
    if hold > 0 {
        println!("holding oned for {hold} s: ONE_XMLRPC={endpoint} ONE_AUTH={}", auth.display());
        std::thread::sleep(Duration::from_secs(hold as u64));
    }
}
