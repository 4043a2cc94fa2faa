//! `abuse`: oned under the attacks of the hardening issue, over real sockets on 127.0.0.1.
//!
//! ```text
//! cargo bench -p oned --bench abuse
//! NEPHELE_BENCH_FLOOD=20000 NEPHELE_BENCH_WAVES=6 cargo bench -p oned --bench abuse
//! ```
//!
//! Cargo builds oned with the bench profile; the program starts it (`oned -f`) in a temporary
//! `ONE_LOCATION` on a free port, with the shipped defaults except where a section says
//! otherwise, and kills it at the end. Sections:
//!
//! 1. **Bad logins, memory**: `NEPHELE_BENCH_WAVES` (6) waves of 48 concurrent wrong passwords
//!    for `oneadmin`, throttling off (every attempt reaches a password check): oned's `VmRSS`
//!    before and after each wave and its peak (`VmHWM`), and attempts/s.
//! 2. **Unknown vs known user**: 40 sequential wrong logins each, throttling off: latency
//!    median and mean (the same password-check work either way).
//! 3. **Throttling**: 200 wrong logins from one address with the shipped `AUTH_THROTTLE`: how
//!    many were checked and how many refused unchecked.
//! 4. **Large unauthenticated bodies**: 8 clients announce 64 MiB bodies behind a wrong
//!    password and stream them: time until oned answers, bytes it made them send, its RSS.
//! 5. **Connection flood**: attacker processes (this program, re-run) hold
//!    `NEPHELE_BENCH_FLOOD` (20,000) connections — half idle, half with a head that never ends —
//!    re-opening every one oned closes; meanwhile a client makes 300 calls, each on a new
//!    connection: latency p50 / p99 / max, failures, oned's RSS and open descriptors.
//!
//! `NEPHELE_BENCH_SECTIONS=45` runs only those sections. The Markdown report goes to stdout and
//! to `<target dir>/bench-abuse.md`.

use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-secret";

struct Oned {
    child: Child,
    port: u16,
}

impl Drop for Oned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Oned {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/RPC2", self.port)
    }

    fn status(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines().find_map(|l| l.strip_prefix(field).and_then(|v| v.split_whitespace().next()?.parse().ok()))
            })
            .unwrap_or(0)
    }

    fn rss_mib(&self) -> f64 {
        self.status("VmRSS:") as f64 / 1024.0
    }

    fn hwm_mib(&self) -> f64 {
        self.status("VmHWM:") as f64 / 1024.0
    }

    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map(|d| d.count()).unwrap_or(0)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn start_oned(dir: &Path, extra: &str) -> Oned {
    let port = free_port();
    std::fs::create_dir_all(dir.join("etc")).expect("etc");
    std::fs::create_dir_all(dir.join(".one")).expect(".one");
    std::fs::write(
        dir.join("etc/oned.conf"),
        format!(
            "PORT = {port}\nLISTEN_ADDRESS = \"127.0.0.1\"\nLOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 1 ]\n{extra}\n"
        ),
    )
    .expect("oned.conf");
    std::fs::write(dir.join(".one/one_auth"), format!("oneadmin:{PASSWORD}\n")).expect("one_auth");
    let child = Command::new(env!("CARGO_BIN_EXE_oned"))
        .arg("-f")
        .env("ONE_LOCATION", dir)
        .env_remove("ONE_AUTH")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oned");
    let oned = Oned { child, port };
    let probe = Client::new(&oned.endpoint(), format!("oneadmin:{PASSWORD}")).expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while probe.call("one.system.version", vec![]).is_err() {
        assert!(Instant::now() < deadline, "oned did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    oned
}

fn login(endpoint: &str, session: &str) -> Result<Value, ClientError> {
    Client::new(endpoint, session)
        .expect("client")
        .with_timeout(Duration::from_secs(120))
        .call("one.user.info", vec![Value::Integer(-1)])
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const NO_THROTTLE: &str = "AUTH_THROTTLE = [ USER_FREE = 100000000, ADDRESS_FREE = 100000000 ]";

fn bad_login_memory(report: &mut String, waves: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let oned = start_oned(dir.path(), NO_THROTTLE);
    let endpoint = oned.endpoint();
    login(&endpoint, &format!("oneadmin:{PASSWORD}")).expect("oneadmin");
    let before = oned.rss_mib();
    let _ = writeln!(
        report,
        "## 1. Bad logins: memory\n\n| wave | attempts | wall | attempts/s | RSS after |\n|---|---|---|---|---|"
    );
    let _ = writeln!(report, "| before | – | – | – | {before:.0} MiB |");
    for w in 1..=waves {
        let t = Instant::now();
        let threads: Vec<_> = (0..48)
            .map(|n| {
                let e = endpoint.clone();
                std::thread::spawn(move || login(&e, &format!("oneadmin:wrong-{n}")).is_err())
            })
            .collect();
        let refused = threads.into_iter().map(|t| t.join().unwrap_or(false)).filter(|r| *r).count();
        let wall = t.elapsed();
        let _ = writeln!(
            report,
            "| {w} | {refused} refused of 48 | {} | {:.0} | {:.0} MiB |",
            ms(wall),
            48.0 / wall.as_secs_f64(),
            oned.rss_mib()
        );
    }
    let _ = writeln!(
        report,
        "\nPeak RSS (VmHWM): **{:.0} MiB**; growth over the start: {:.0} MiB.\n",
        oned.hwm_mib(),
        oned.hwm_mib() - before
    );
}

fn unknown_vs_known(report: &mut String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let oned = start_oned(dir.path(), NO_THROTTLE);
    let endpoint = oned.endpoint();
    let time = |session: &str| -> Vec<Duration> {
        let mut v: Vec<Duration> = (0..40)
            .map(|_| {
                let t = Instant::now();
                let _ = login(&endpoint, session);
                t.elapsed()
            })
            .collect();
        v.sort();
        v
    };
    let known = time("oneadmin:wrong");
    let unknown = time("nobody-at-all:wrong");
    let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len().max(1) as u32;
    let _ = writeln!(
        report,
        "## 2. Unknown vs known user (40 wrong logins each)\n\n| user | p50 | mean |\n|---|---|---|\n| known (oneadmin) | {} | {} |\n| unknown | {} | {} |\n",
        ms(percentile(&known, 50.0)),
        ms(mean(&known)),
        ms(percentile(&unknown, 50.0)),
        ms(mean(&unknown))
    );
}

fn throttling(report: &mut String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let oned = start_oned(dir.path(), "");
    let endpoint = oned.endpoint();
    let t = Instant::now();
    let (mut checked, mut blocked) = (0, 0);
    for n in 0..200 {
        match login(&endpoint, &format!("oneadmin:guess-{n}")) {
            Err(ClientError::One { message, .. }) if message.contains("too many failed logins") => blocked += 1,
            _ => checked += 1,
        }
    }
    let wall = t.elapsed();
    let _ = writeln!(
        report,
        "## 3. Throttling (shipped AUTH_THROTTLE, 200 wrong passwords for oneadmin from one address)\n\n{checked} checked, {blocked} refused unchecked in {} ({:.0} attempts/s; a guess that is checked is 1 in {:.0}).\n",
        ms(wall),
        200.0 / wall.as_secs_f64(),
        200.0 / checked.max(1) as f64
    );
}

fn big_bodies(report: &mut String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let oned = start_oned(dir.path(), "");
    let before = oned.rss_mib();
    let port = oned.port;
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let size: usize = 64 << 20;
                let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                s.set_read_timeout(Some(Duration::from_secs(60))).ok();
                let t = Instant::now();
                let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n<?xml version=\"1.0\"?><methodCall><methodName>one.vm.allocate</methodName><params><param><value><string>oneadmin:wrong</string></value></param><param><value><string>");
                let mut sent = 0usize;
                let _ = s.write_all(head.as_bytes());
                let chunk = vec![b'a'; 64 * 1024];
                let writer = s.try_clone().expect("clone");
                let w = std::thread::spawn(move || {
                    let mut writer = writer;
                    let mut n = 0usize;
                    while n < size {
                        if writer.write_all(&chunk).is_err() {
                            break;
                        }
                        n += chunk.len();
                    }
                    n
                });
                let mut answer = Vec::new();
                let _ = s.read_to_end(&mut answer);
                let answered = t.elapsed();
                sent += w.join().unwrap_or(0);
                (answered, sent, String::from_utf8_lossy(&answer).contains("User couldn't be authenticated"))
            })
        })
        .collect();
    let results: Vec<(Duration, usize, bool)> = threads.into_iter().map(|t| t.join().expect("client")).collect();
    let slowest = results.iter().map(|r| r.0).max().unwrap_or_default();
    let most = results.iter().map(|r| r.1).max().unwrap_or(0);
    let refused = results.iter().filter(|r| r.2).count();
    let _ = writeln!(
        report,
        "## 4. Large unauthenticated bodies (8 × 64 MiB behind a wrong password)\n\n{refused} of 8 refused; slowest answer {}; at most {:.1} MiB of a body sent before oned closed; oned RSS {:.0} → {:.0} MiB (peak {:.0} MiB).\n",
        ms(slowest),
        most as f64 / (1 << 20) as f64,
        before,
        oned.rss_mib(),
        oned.hwm_mib()
    );
}

/// The attacker role: holds `n` connections to `port` for `secs` seconds, re-opening each one
/// oned closes; odd ones send a head that never ends.
fn attacker(port: u16, n: usize, secs: u64) {
    let end = Instant::now() + Duration::from_secs(secs);
    let open = |k: usize| -> Option<TcpStream> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
        if k % 2 == 1 {
            let _ = s.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Le");
        }
        s.set_nonblocking(true).ok()?;
        Some(s)
    };
    let mut conns: Vec<Option<TcpStream>> = (0..n).map(open).collect();
    println!("HOLDING {}", conns.iter().filter(|c| c.is_some()).count());
    let _ = std::io::stdout().flush();
    let mut buf = [0u8; 256];
    while Instant::now() < end {
        for (k, c) in conns.iter_mut().enumerate() {
            let closed = match c {
                Some(s) => match s.read(&mut buf) {
                    Ok(0) => true,
                    Ok(_) => false,
                    Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
                },
                None => true,
            };
            if closed {
                *c = open(k);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn flood(report: &mut String, total: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let oned = start_oned(dir.path(), "");
    let endpoint = oned.endpoint();
    let per = 10_000usize;
    let procs = total.div_ceil(per);
    let secs = 60;
    let attackers: Vec<Child> = (0..procs)
        .map(|p| {
            let n = per.min(total - p * per);
            Command::new(std::env::current_exe().expect("exe"))
                .env("NEPHELE_ABUSE_ATTACKER", format!("{} {n} {secs}", oned.port))
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("attacker")
        })
        .collect();
    let mut attackers: Vec<Child> = attackers;
    let mut held = 0usize;
    for a in attackers.iter_mut() {
        let mut line = String::new();
        if let Some(out) = a.stdout.as_mut() {
            let mut byte = [0u8; 1];
            while out.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
                line.push(byte[0] as char);
            }
        }
        held += line.trim().strip_prefix("HOLDING ").and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    }
    std::thread::sleep(Duration::from_secs(2));
    let (fds, rss) = (oned.fds(), oned.rss_mib());
    let mut lat = Vec::new();
    let mut failures = 0;
    for _ in 0..300 {
        // A new client each time: a new connection that must be accepted during the flood.
        let c = Client::new(&endpoint, format!("oneadmin:{PASSWORD}"))
            .expect("client")
            .with_timeout(Duration::from_secs(10));
        let t = Instant::now();
        match c.call("one.user.info", vec![Value::Integer(-1)]) {
            Ok(_) => lat.push(t.elapsed()),
            Err(_) => failures += 1,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    lat.sort();
    for mut a in attackers {
        let _ = a.kill();
        let _ = a.wait();
    }
    let _ = writeln!(
        report,
        "## 5. Connection flood ({total} connections held and re-opened, half idle, half half-open)\n\n\
         Attackers held {held} connections at the start. 300 calls on new connections during the flood: \
         p50 **{}**, p99 **{}**, max {}, {failures} failed. oned: {fds} open descriptors, RSS {rss:.0} MiB.\n",
        ms(percentile(&lat, 50.0)),
        ms(percentile(&lat, 99.0)),
        ms(lat.last().copied().unwrap_or_default())
    );
}

fn main() {
    if let Ok(role) = std::env::var("NEPHELE_ABUSE_ATTACKER") {
        let v: Vec<u64> = role.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if let [port, n, secs] = v[..] {
            attacker(port as u16, n as usize, secs);
        }
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let waves = std::env::var("NEPHELE_BENCH_WAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let total = std::env::var("NEPHELE_BENCH_FLOOD").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let only = std::env::var("NEPHELE_BENCH_SECTIONS").unwrap_or_else(|_| "12345".into());
    let mut report = String::from("# abuse benchmark\n\n");
    type Section<'a> = (char, &'a dyn Fn(&mut String));
    let sections: [Section; 5] = [
        ('1', &|r| bad_login_memory(r, waves)),
        ('2', &|r| unknown_vs_known(r)),
        ('3', &|r| throttling(r)),
        ('4', &|r| big_bodies(r)),
        ('5', &|r| flood(r, total)),
    ];
    for (n, run) in sections {
        if only.contains(n) {
            run(&mut report);
            eprintln!("section {n} done");
        }
    }
    println!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-abuse.md");
    let _ = std::fs::write(out, &report);
}
