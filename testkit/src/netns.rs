//! A cluster of hypervisor "hosts" for the transfer tests, as root: each host is a network
//! namespace with its own `sshd` (port 22 of its address, key authentication, its own host key,
//! its own hostname through a UTS namespace) running in its own mount namespace, where the
//! datastores directory the test chooses (`DATASTORE_LOCATION`, the same path the front-end
//! uses) is bind-mounted from `<dir>/hosts/<name>`. So every host has a private copy of that
//! directory, which the test inspects from outside through [`Host::dir`], and hosts do not see
//! each other's files nor the front-end's. [`ClusterConfig::shared`] binds one directory into
//! every host instead (the `shared` TM).
//!
//! The login user (root) is the front-end's, but its shell start-up files are not: in each host's
//! mount namespace `~/.bashrc` and `~/.zshenv` are bound to `/dev/null`. sshd runs every remote
//! command through the user's shell, and bash reads `~/.bashrc` when sshd starts it, so the
//! front-end's interactive set-up (on the development machine a `pyenv init`, ≈ 0.26 s) would
//! otherwise be paid by every command a driver runs on a host; a hypervisor's account has none.
//!
//! The front-end is the test process's own (root) namespace: a bridge with a unique name and a
//! unique `10.x.y.0/24` (reserved per cluster, checked unused with `ip route`) joins it, at
//! `10.x.y.1`, to the hosts at `10.x.y.11`, `.12`, … So oned and the drivers run unchanged in
//! the root namespace and reach the hosts by address, and hosts reach each other (the same user
//! key everywhere, one `authorized_keys`, one `known_hosts` filled with every host key).
//!
//! Safety (`ecosystem-notes.md` §3b): no packet may leave the machine. The bridge's connected
//! route covers the whole /24 before any connection is attempted (checked with `ip route get`),
//! a `blackhole` route with a high metric stays behind it for the cluster's lifetime (so even
//! while the bridge is being torn down nothing goes to the default gateway), and the hosts
//! have no route but their /24.
//!
//! Everything is stopped by PID and removed (processes of the namespaces, namespaces, veths,
//! bridge, routes, the subnet reservation) when the [`Cluster`] is dropped, also after a panic;
//! every wait is bounded.
//!
//! ```text
//! let c = Cluster::start(ClusterConfig::new(tmp.path(), 3, &ds_location));
//! c.run_on(&c.hosts[0].name, &["hostname"]);      // ssh from the root namespace
//! let env = c.driver_env();                       // NEPHELE_SSH_KEY, _USER, _KNOWN_HOSTS
//! c.hosts[1].dir                                  // what host 2 has at ds_location
//! ```

use crate::components::{NETNS, SSHD, SSHD_BIN};
use crate::sshd::keygen;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a host's sshd may take to accept connections.
const START_LIMIT: Duration = Duration::from_secs(15);

/// Where subnets are reserved, one file per `10.x.y` (holding the owner's PID).
const RESERVATIONS: &str = "/run/nephele-netns";

/// What [`Cluster::start`] builds.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Keys, configurations, logs and `hosts/<name>` go here (created).
    pub dir: PathBuf,
    /// How many hosts (1 to 200).
    pub hosts: usize,
    /// The datastores directory (`DATASTORE_LOCATION`): the same path on the front-end and on
    /// every host; on host `n` it is `dir/hosts/<n>` bind-mounted (created when missing).
    pub datastore_location: PathBuf,
    /// When set, this directory is bound at `datastore_location` on every host instead of the
    /// per-host directories (a shared file system: the `shared` TM).
    pub shared: Option<PathBuf>,
    /// Host names (`h1`, `h2`, … when empty): each host's hostname and [`Host::name`].
    pub names: Vec<String>,
}

impl ClusterConfig {
    /// `hosts` hosts named `h1`… with private datastores at `datastore_location`.
    pub fn new(dir: &Path, hosts: usize, datastore_location: &Path) -> ClusterConfig {
        ClusterConfig {
            dir: dir.to_path_buf(),
            hosts,
            datastore_location: datastore_location.to_path_buf(),
            shared: None,
            names: Vec::new(),
        }
    }

    /// Binds `dir` at the datastore location of every host.
    pub fn shared(mut self, dir: &Path) -> ClusterConfig {
        self.shared = Some(dir.to_path_buf());
        self
    }
}

/// One host of a [`Cluster`].
#[derive(Debug)]
pub struct Host {
    /// Its hostname (what `hostname` prints on it).
    pub name: String,
    /// Its IPv4 address on the cluster's bridge: what drivers use as the host name.
    pub addr: String,
    /// What the host sees at the datastore location (the shared directory for a shared
    /// cluster).
    pub dir: PathBuf,
    /// Its network namespace.
    pub netns: String,
    /// The root-namespace end of its link (a port of the bridge), for `tc`.
    pub veth: String,
    sshd: Option<Child>,
}

/// A running cluster: see the module documentation.
pub struct Cluster {
    /// The hosts, in order (`10.x.y.11` first).
    pub hosts: Vec<Host>,
    /// The user's private key (on every host's `authorized_keys`; readable by the hosts too,
    /// at the same path, for host-to-host ssh).
    pub key: PathBuf,
    /// The login user (`root`).
    pub user: String,
    /// A known_hosts file holding every host's key under its address.
    pub known_hosts: PathBuf,
    /// The bridge in the root namespace.
    pub bridge: String,
    /// The front-end's address on the bridge (`10.x.y.1`).
    pub frontend_addr: String,
    /// The datastore location (same path on the front-end and on the hosts).
    pub datastore_location: PathBuf,
    dir: PathBuf,
    net: (u8, u8),
    blackhole: bool,
    reservation: PathBuf,
}

impl Cluster {
    /// Builds the cluster. Panics (after cleaning up what was made) when not root, when `ip`,
    /// `unshare` or sshd are missing (naming the install command), or when a host's sshd does
    /// not come up within 15 s.
    pub fn start(config: ClusterConfig) -> Cluster {
        SSHD.require();
        NETNS.require();
        // SAFETY: geteuid has no preconditions.
        assert_eq!(unsafe { libc::geteuid() }, 0, "the Cluster fixture needs root (network and mount namespaces)");
        assert!((1..=200).contains(&config.hosts), "1 to 200 hosts");
        let dir = config.dir.clone();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let (net, reservation) = reserve_subnet();
        let bridge = format!("nph{}-{}", net.0, net.1);
        let mut cluster = Cluster {
            hosts: Vec::new(),
            key: dir.join("id_ed25519"),
            user: "root".into(),
            known_hosts: dir.join("known_hosts"),
            frontend_addr: format!("10.{}.{}.1", net.0, net.1),
            bridge,
            datastore_location: config.datastore_location.clone(),
            dir: dir.clone(),
            net,
            blackhole: false,
            reservation,
        };
        cluster.build(&config);
        cluster
    }

    fn build(&mut self, config: &ClusterConfig) {
        let (x, y) = self.net;
        let subnet = format!("10.{x}.{y}.0/24");
        // 1. the safety net first, then the bridge and its connected route
        ip(&["route", "add", "blackhole", &subnet, "metric", "4242"]);
        self.blackhole = true;
        ip(&["link", "add", &self.bridge, "type", "bridge"]);
        ip(&["addr", "add", &format!("{}/24", self.frontend_addr), "dev", &self.bridge]);
        ip(&["link", "set", &self.bridge, "up"]);
        // 2. keys
        keygen(&self.key);
        std::fs::copy(self.dir.join("id_ed25519.pub"), self.dir.join("authorized_keys")).expect("authorized_keys");
        let _ = std::fs::create_dir_all("/run/sshd");
        std::fs::create_dir_all(&self.datastore_location).expect("the datastore location is created");
        let mut known = String::new();
        // 3. hosts
        for i in 0..config.hosts {
            let name = config.names.get(i).cloned().unwrap_or_else(|| format!("h{}", i + 1));
            let addr = format!("10.{x}.{y}.{}", 11 + i);
            let netns = format!("nph-{x}-{y}-{}", i + 1);
            let veth = format!("nph{x}-{y}-{}", i + 1);
            let hdir = self.dir.join("hosts").join(&name);
            let host_dir = config.shared.clone().unwrap_or_else(|| hdir.clone());
            std::fs::create_dir_all(&host_dir).expect("host dir");
            let conf = self.dir.join("hosts-conf").join(&name);
            std::fs::create_dir_all(&conf).expect("host conf dir");
            let host_key = conf.join("hostkey_ed25519");
            keygen(&host_key);
            let pubkey = std::fs::read_to_string(conf.join("hostkey_ed25519.pub")).expect("host key");
            let mut parts = pubkey.split_whitespace();
            known.push_str(&format!(
                "{addr} {} {}\n",
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default()
            ));
            ip(&["netns", "add", &netns]);
            self.hosts.push(Host {
                name: name.clone(),
                addr: addr.clone(),
                dir: host_dir.clone(),
                netns: netns.clone(),
                veth: veth.clone(),
                sshd: None,
            });
            ip(&["-n", &netns, "link", "set", "lo", "up"]);
            ip(&["link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &netns]);
            ip(&["link", "set", &veth, "master", &self.bridge, "up"]);
            ip(&["-n", &netns, "addr", "add", &format!("{addr}/24"), "dev", "eth0"]);
            ip(&["-n", &netns, "link", "set", "eth0", "up"]);
            std::fs::write(
                conf.join("sshd_config"),
                format!(
                    "Port 22\nListenAddress {addr}\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
                     PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     UsePAM no\nStrictModes no\nLogLevel VERBOSE\nMaxStartups 200\nMaxSessions 200\nUseDNS no\n",
                    host_key.display(),
                    conf.join("sshd.pid").display(),
                    self.dir.join("authorized_keys").display()
                ),
            )
            .expect("sshd_config");
            let log = std::fs::File::create(conf.join("sshd.log")).expect("sshd.log");
            // ip netns exec → unshare (mount + uts) → sh (hostname, bind, shell start-up files
            // hidden) → exec sshd: one PID
            let child = Command::new("ip")
                .args(["netns", "exec", &netns, "unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c"])
                .arg(concat!(
                    r#"hostname "$1" && mount --bind "$2" "$3" && "#,
                    r#"home=$(getent passwd root | cut -d: -f6) && "#,
                    r#"for f in "$home/.bashrc" "$home/.zshenv"; do "#,
                    r#"[ ! -f "$f" ] || mount --bind /dev/null "$f" || exit 1; done && "#,
                    r#"exec "$4" -D -e -f "$5""#
                ))
                .arg("sh")
                .arg(&name)
                .arg(&host_dir)
                .arg(&self.datastore_location)
                .arg(SSHD_BIN)
                .arg(conf.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("ip netns exec does not start: {e}"));
            self.hosts.last_mut().expect("the host was pushed above").sshd = Some(child);
        }
        std::fs::write(&self.known_hosts, known).expect("known_hosts");
        // 4. every address must be routed through the bridge before the first connection
        for h in &self.hosts {
            let route = ip_output(&["route", "get", &h.addr]);
            assert!(
                route.contains(&format!("dev {}", self.bridge)),
                "{} is not routed through {}: {route}",
                h.addr,
                self.bridge
            );
        }
        for i in 0..self.hosts.len() {
            self.wait_ready(i);
        }
    }

    fn wait_ready(&mut self, i: usize) {
        let started = Instant::now();
        let addr: Ipv4Addr = self.hosts[i].addr.parse().expect("an IPv4 address");
        let log = self.dir.join("hosts-conf").join(&self.hosts[i].name).join("sshd.log");
        while started.elapsed() < START_LIMIT {
            if let Some(child) = self.hosts[i].sshd.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "sshd of {} exited ({status}): {}",
                    self.hosts[i].name,
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            let sa = SocketAddr::from((addr, 22));
            if TcpStream::connect_timeout(&sa, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        panic!("sshd of {} did not start: {}", self.hosts[i].name, std::fs::read_to_string(&log).unwrap_or_default());
    }

    /// The host named `name` (panics when there is none).
    pub fn host(&self, name: &str) -> &Host {
        self.hosts.iter().find(|h| h.name == name || h.addr == name).unwrap_or_else(|| panic!("no host {name}"))
    }

    /// The sshd log of the host named `name` (or at that address): sshd runs with
    /// `LogLevel VERBOSE`, so every accepted connection is an `Accepted publickey` line.
    pub fn sshd_log(&self, name: &str) -> PathBuf {
        self.dir.join("hosts-conf").join(&self.host(name).name).join("sshd.log")
    }

    /// The host addresses, in order.
    pub fn addrs(&self) -> Vec<String> {
        self.hosts.iter().map(|h| h.addr.clone()).collect()
    }

    /// The `ssh` options every client of this cluster uses (key, user, known hosts).
    pub fn ssh_args(&self) -> Vec<String> {
        vec![
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-o".into(),
            "ConnectTimeout=10".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-i".into(),
            self.key.display().to_string(),
            "-l".into(),
            self.user.clone(),
        ]
    }

    /// Runs `argv` on `host` (a name or an address) through ssh from the root namespace; each
    /// element is one argument on the host (quoted for its shell). Waits for it (ssh's
    /// ConnectTimeout bounds the connection).
    pub fn run_on(&self, host: &str, argv: &[&str]) -> Output {
        let h = self.host(host);
        let remote: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
        Command::new("ssh")
            .args(self.ssh_args())
            .arg("--")
            .arg(&h.addr)
            .arg(remote.join(" "))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("ssh does not start: {e}"))
    }

    /// [`Cluster::run_on`] that must succeed; returns its stdout.
    pub fn run_ok(&self, host: &str, argv: &[&str]) -> String {
        let out = self.run_on(host, argv);
        assert!(out.status.success(), "{argv:?} on {host} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the host's private directory (or the shared one) holds at `path`, a path under
    /// the datastore location as the host sees it.
    pub fn host_path(&self, host: &str, path: &Path) -> PathBuf {
        let rel = path.strip_prefix(&self.datastore_location).unwrap_or_else(|_| {
            panic!("{} is not under the datastore location {}", path.display(), self.datastore_location.display())
        });
        self.host(host).dir.join(rel)
    }

    /// The environment of the drivers (and of `tm/lib/fanout`) reaching these hosts:
    /// `NEPHELE_SSH_KEY`, `NEPHELE_SSH_USER`, `NEPHELE_SSH_KNOWN_HOSTS`.
    pub fn driver_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("NEPHELE_SSH_KEY", self.key.display().to_string()),
            ("NEPHELE_SSH_USER", self.user.clone()),
            ("NEPHELE_SSH_KNOWN_HOSTS", self.known_hosts.display().to_string()),
        ]
    }

    /// Shapes every host link to `rate_mbit` Mbit/s in both directions (tbf on both ends of
    /// each veth), so host-to-host traffic is limited like front-end-to-host traffic.
    pub fn shape(&self, rate_mbit: u32) {
        let rate = format!("{rate_mbit}mbit");
        // a burst of at least rate/HZ; 1 ms worth of bytes with a floor of 32 KiB
        let burst = format!("{}", (u64::from(rate_mbit) * 1_000_000 / 8 / 1000).max(32 * 1024));
        let args = ["qdisc", "replace", "dev", "", "root", "tbf", "rate", &rate, "burst", &burst, "latency", "50ms"];
        for h in &self.hosts {
            let mut outer = args;
            outer[3] = &h.veth;
            run(Command::new("tc").args(outer));
            let mut inner = args;
            inner[3] = "eth0";
            run(Command::new("ip").args(["netns", "exec", &h.netns, "tc"]).args(inner));
        }
    }

    fn teardown(&mut self) {
        for h in &mut self.hosts {
            // every process in the namespace (sshd, its sessions), by PID
            if let Some(child) = h.sshd.as_mut() {
                let _ = child.kill();
            }
            for pid in ip_output(&["netns", "pids", &h.netns]).split_whitespace() {
                if let Ok(pid) = pid.parse::<i32>() {
                    // SAFETY: kill with a PID read from the namespace; no memory involved.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
            }
            if let Some(mut child) = h.sshd.take() {
                let _ = child.wait();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for h in &self.hosts {
            while !ip_output(&["netns", "pids", &h.netns]).trim().is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = Command::new("ip").args(["link", "del", &h.veth]).stderr(Stdio::null()).status();
            let _ = Command::new("ip").args(["netns", "del", &h.netns]).stderr(Stdio::null()).status();
        }
        let _ = Command::new("ip").args(["link", "del", &self.bridge]).stderr(Stdio::null()).status();
        if self.blackhole {
            let (x, y) = self.net;
            let _ = Command::new("ip")
                .args(["route", "del", "blackhole", &format!("10.{x}.{y}.0/24"), "metric", "4242"])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_file(&self.reservation);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// `s` single-quoted for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Reserves a `10.x.y.0/24` no route mentions and no other cluster holds: an exclusive file
/// `/run/nephele-netns/10.x.y` with the owner's PID (a file whose owner is dead is reclaimed).
fn reserve_subnet() -> ((u8, u8), PathBuf) {
    std::fs::create_dir_all(RESERVATIONS).expect("the reservation directory");
    let routes = ip_output(&["route", "show", "table", "all"]) + &ip_output(&["-4", "addr"]);
    let seed = u64::from(std::process::id()) ^ now_nanos();
    for k in 0..4000u64 {
        let v = seed.wrapping_add(k.wrapping_mul(7919)) % (56 * 256);
        let (x, y) = (200 + (v / 256) as u8, (v % 256) as u8);
        if routes.contains(&format!("10.{x}.{y}.")) {
            continue;
        }
        let file = Path::new(RESERVATIONS).join(format!("10.{x}.{y}"));
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&file) {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = write!(f, "{}", std::process::id());
                    return ((x, y), file);
                }
                Err(_) => {
                    let owner = std::fs::read_to_string(&file).unwrap_or_default();
                    let alive = owner.trim().parse::<u32>().is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists());
                    if alive || owner.trim().is_empty() {
                        break;
                    }
                    let _ = std::fs::remove_file(&file);
                }
            }
        }
    }
    panic!("no free 10.x.y.0/24 subnet");
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos().into()).unwrap_or(0)
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn ip(args: &[&str]) {
    run(Command::new("ip").args(args));
}

fn ip_output(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
