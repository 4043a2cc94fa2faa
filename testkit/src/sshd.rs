//! A throw-away OpenSSH `sshd` for tests: in the foreground on a free 127.0.0.1 port, with a
//! host key and a user key generated for it, key authentication only, its log in a file.
//! Stopped (by its PID) when the [`Sshd`] is dropped.

use crate::components::{SSHD, SSHD_BIN};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long sshd may take to accept connections after it starts.
const START_LIMIT: Duration = Duration::from_secs(10);

/// A running sshd.
pub struct Sshd {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    /// The user's private key (its public half is the only authorized key).
    pub key: PathBuf,
}

impl Sshd {
    /// Starts an sshd whose keys, configuration and log are in `dir` (created): tries up to 5
    /// free ports (one may be taken between choosing and binding). Fails the test, naming the
    /// install command, when sshd or ssh-keygen is missing.
    pub fn start(dir: &Path) -> Sshd {
        SSHD.require();
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let host_key = dir.join("hostkey_ed25519");
        let key = dir.join("id_ed25519");
        for k in [&host_key, &key] {
            keygen(k);
        }
        std::fs::copy(dir.join("id_ed25519.pub"), dir.join("authorized_keys")).expect("authorized_keys written");
        // the privilege separation directory of a root sshd
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = dir.to_path_buf();
        for _attempt in 0..5 {
            let port = crate::free_port();
            std::fs::write(
                dir.join("sshd_config"),
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
                     PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     UsePAM no\nStrictModes no\nLogLevel VERBOSE\n",
                    host_key.display(),
                    dir.join("sshd.pid").display(),
                    dir.join("authorized_keys").display()
                ),
            )
            .expect("sshd_config written");
            let mut child = spawn(&dir);
            let started = Instant::now();
            while started.elapsed() < START_LIMIT {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken meanwhile, or a configuration problem: see the log
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Sshd { child, port, dir, key };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("sshd did not start: {}", std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default());
    }

    /// Kills this sshd and the processes it started (open connections die), then starts it
    /// again with the same configuration, port and keys.
    pub fn restart(&mut self) {
        let mut pids = vec![self.child.id()];
        let mut i = 0;
        while i < pids.len() {
            pids.extend(children_of(pids[i]));
            i += 1;
        }
        for pid in pids.iter().rev() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        let _ = self.child.wait();
        self.child = spawn(&self.dir);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < START_LIMIT, "sshd did not come back: {}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The host name drivers get: `127.0.0.1:<port>`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's log so far (`LogLevel VERBOSE`: one `Accepted publickey` per session).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new ed25519 key pair without a passphrase at `path` (and `path.pub`).
pub fn keygen(path: &Path) {
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("ssh-keygen does not start: {e}"));
    assert!(output.status.success(), "ssh-keygen failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// sshd in the foreground with the configuration in `dir`, logging to `dir/sshd.log`.
fn spawn(dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join("sshd.log")).expect("sshd.log created");
    Command::new(SSHD_BIN)
        .arg("-f")
        .arg(dir.join("sshd_config"))
        .args(["-D", "-e"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{SSHD_BIN} does not start: {e}"))
}

/// The pids whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold blanks, so read after the last ')'
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            children.push(child);
        }
    }
    children
}
