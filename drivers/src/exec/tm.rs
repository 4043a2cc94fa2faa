//! `one_tm [-d tm1,tm2]`: `TRANSFER  <vmid> <file>` runs, in order, each line of the transfer
//! file as `tm/<tm_mad>/<action>` on the front-end (the scripts reach hosts themselves); the
//! first failure fails the action. A driver not in `-d` is refused
//! (`Transfer Driver '<tm>' not available`).
//!
//! Coalescing: `CLONE` lines of the caching TMs (`ssh`, `qcow2`) whose image has a SHA-256
//! sidecar are grouped across concurrent `TRANSFER` actions arriving within a short window
//! (`NEPHELE_TM_COALESCE_MS`, default 300; 0 turns it off): when one image goes to two or more
//! hosts of a window, `tm/lib/fanout` sends it to all of them at once before the lines run (the
//! `clone` scripts then find the host caches warm). A failed fan-out only logs: each line still
//! runs and reports its own outcome.
//!
//! The window is only waited for an image a host may lack: the driver remembers the (image,
//! host) pairs of its `CLONE` lines that succeeded (the host's cache had the entry then; the last
//! [`WARM_LIMIT`]), and a clone to a host known to have the image runs at once. Knowledge that
//! went stale (the entry was evicted since) costs only the coalescing: that `clone` script
//! sends the image to its host itself.
//!
//! When the driver exits, [`stop_ssh_masters`] asks the ssh masters the scripts opened (their
//! connection reuse, `tm/common.sh`) to stop.

use super::local::run_local;
use super::outcome::Limits;
use super::runner::{Runner, run_script};
use crate::proto::Severity;
use crate::runtime::{ActionContext, Driver};
use crate::transfer::{self, Transfer, TransferAction};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The TMs whose `clone` goes through the host image cache.
const CACHING_TMS: [&str; 2] = ["ssh", "qcow2"];

/// The longest a transfer waits for another's fan-out of the same image.
const FOLLOW_LIMIT: Duration = Duration::from_secs(3600);

/// How many (image, host) pairs known to be cached the driver remembers; past it, only the half
/// learned last is kept.
pub const WARM_LIMIT: usize = 4096;

/// How long the driver waits, when it exits, for `tm/lib/ssh_masters stop`.
const STOP_MASTERS_LIMIT: Duration = Duration::from_secs(5);

/// What identifies one fan-out: the image, its SHA-256 and the hosts' cache directory.
type Key = (String, String, String);

/// The (image, host) pairs known to be cached, each with the number of its last success.
#[derive(Default)]
struct Warm {
    next: u64,
    pairs: HashMap<(Key, String), u64>,
}

/// One window's fan-out of an image: the hosts asking for it.
struct Batch {
    serial: u64,
    hosts: Vec<String>,
    sealed: bool,
}

/// The fan-outs being gathered or run, shared by the action threads.
#[derive(Default)]
struct Coalescer {
    batches: Mutex<(u64, HashMap<Key, Batch>)>,
    done: Condvar,
}

/// The TM driver.
pub struct TmExec {
    runner: Runner,
    allowed: Option<Vec<String>>,
    window: Duration,
    coalescer: Coalescer,
    /// (image, host) pairs whose CLONE succeeded.
    warm: Mutex<Warm>,
}

impl TmExec {
    /// `runner` should be [`Runner::Local`]; `allowed` is the `-d` list (all when `None`).
    pub fn new(runner: Runner, allowed: Option<Vec<String>>) -> TmExec {
        let ms = std::env::var("NEPHELE_TM_COALESCE_MS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(300);
        TmExec {
            runner,
            allowed,
            window: Duration::from_millis(ms),
            coalescer: Coalescer::default(),
            warm: Mutex::new(Warm::default()),
        }
    }

    /// Whether a CLONE of this image to this host succeeded before.
    fn is_warm(&self, clone: &(Key, String)) -> bool {
        self.warm.lock().is_ok_and(|warm| warm.pairs.contains_key(clone))
    }

    /// Records the outcome of a cached CLONE: success means the host's cache has the entry.
    fn learn(&self, clone: &(Key, String), ok: bool) {
        let Ok(mut warm) = self.warm.lock() else { return };
        if !ok {
            warm.pairs.remove(clone);
            return;
        }
        warm.next += 1;
        let n = warm.next;
        warm.pairs.insert(clone.clone(), n);
        if warm.pairs.len() > WARM_LIMIT {
            let cut = n.saturating_sub(WARM_LIMIT as u64 / 2);
            warm.pairs.retain(|_, learned| *learned > cut);
        }
    }
}

/// Runs `tm/lib/ssh_masters stop` of `remotes` (bounded): the ssh masters of the scripts take
/// no new session and exit once idle. For the driver's exit; failures are only reported.
pub fn stop_ssh_masters(remotes: &Path) -> Result<(), String> {
    let script = remotes.join("tm/lib/ssh_masters");
    if !script.is_file() {
        return Ok(());
    }
    let never = || false;
    let limits = Limits { deadline: Some(Instant::now() + STOP_MASTERS_LIMIT), cancelled: &never };
    let output = run_local(&script, &["stop".to_string()], &[], b"", &limits)
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.exited_with(0) {
        return Err(format!("{}: {}", script.display(), String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(())
}

impl Driver for TmExec {
    fn init(&self) -> Result<(), String> {
        let dir = self.runner.remotes().join("tm");
        if !dir.is_dir() {
            return Err(format!("no transfer scripts ({} missing)", dir.display()));
        }
        Ok(())
    }

    fn action(&self, verb: &str, _id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        if verb != "TRANSFER" {
            return Err(format!("Unknown action {verb} for the TM driver"));
        }
        let path = payload.trim();
        if path.is_empty() {
            return Err("TRANSFER: no transfer file given".into());
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read transfer file {path}: {e}"))?;
        // The whole file is read and checked before anything runs: a bad line runs nothing.
        let lines = transfer::parse_file(&text).map_err(|e| format!("{path}: {e}"))?;
        for line in &lines {
            if let Some(allowed) = &self.allowed
                && !allowed.iter().any(|a| a == line.tm_mad())
            {
                return Err(format!("Transfer Driver '{}' not available", line.tm_mad()));
            }
        }
        let clones: Vec<Option<(Key, String)>> = lines.iter().map(cached_clone).collect();
        if !self.window.is_zero() {
            self.coalesce(&clones, ctx);
        }
        for (line, clone) in lines.iter().zip(&clones) {
            let names = line.script_names();
            let dir = format!("tm/{}", line.tm_mad());
            let script = names
                .iter()
                .map(|name| format!("{dir}/{name}"))
                .find(|script| self.runner.remotes().join(script).is_file())
                .ok_or_else(|| format!("Transfer Driver '{}' has no {} action", line.tm_mad(), line.action().name()))?;
            let result = run_script(&self.runner, "", &script, line.args(), b"", ctx);
            if let Some(clone) = clone {
                self.learn(clone, result.is_ok());
            }
            result?;
        }
        Ok(String::new())
    }
}

impl TmExec {
    /// Joins this transfer's cached clones to the window's batches (see the module doc); the
    /// transfer that opened a batch waits the window, then runs the fan-out for all its hosts;
    /// the others wait for it (bounded). Returns when every batch this transfer joined is done.
    /// Clones to hosts known to have the image join nothing.
    fn coalesce(&self, clones: &[Option<(Key, String)>], ctx: &ActionContext) {
        let mut wanted: Vec<(Key, String)> = Vec::new();
        for clone in clones.iter().flatten() {
            if self.is_warm(clone) {
                ctx.log(
                    Severity::Debug,
                    &format!("{}: {} known cached, not waiting for other transfers", clone.1, clone.0.1),
                );
            } else {
                wanted.push(clone.clone());
            }
        }
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return;
        }
        let mut led = Vec::new();
        let mut followed = Vec::new();
        {
            let Ok(mut guard) = self.coalescer.batches.lock() else { return };
            let (next, batches) = &mut *guard;
            for (key, host) in wanted {
                match batches.get_mut(&key) {
                    Some(batch) if !batch.sealed => {
                        if !batch.hosts.contains(&host) {
                            batch.hosts.push(host);
                        }
                        followed.push((key, batch.serial));
                    }
                    Some(_) => {} // being sent already: the clone line finds out for itself
                    None => {
                        *next += 1;
                        batches.insert(key.clone(), Batch { serial: *next, hosts: vec![host], sealed: false });
                        led.push((key, *next));
                    }
                }
            }
        }
        if !led.is_empty() {
            std::thread::sleep(self.window);
        }
        for (key, serial) in led {
            let hosts = {
                let Ok(mut guard) = self.coalescer.batches.lock() else { return };
                match guard.1.get_mut(&key) {
                    Some(batch) if batch.serial == serial => {
                        batch.sealed = true;
                        batch.hosts.clone()
                    }
                    _ => continue,
                }
            };
            if hosts.len() > 1 {
                let (src, sha, cache) = &key;
                let mut args = vec![src.clone(), sha.clone(), cache.clone()];
                args.extend(hosts);
                if let Err(e) = run_script(&self.runner, "", "tm/lib/fanout", &args, b"", ctx) {
                    ctx.log(Severity::Warning, &format!("fan-out of {src} failed: {e}"));
                }
            }
            if let Ok(mut guard) = self.coalescer.batches.lock() {
                guard.1.remove(&key);
            }
            self.coalescer.done.notify_all();
        }
        let deadline = Instant::now() + FOLLOW_LIMIT;
        for (key, serial) in followed {
            let Ok(mut guard) = self.coalescer.batches.lock() else { return };
            while guard.1.get(&key).is_some_and(|b| b.serial == serial) && !ctx.is_cancelled() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                let Ok((g, _)) = self.coalescer.done.wait_timeout(guard, left.min(Duration::from_secs(1))) else {
                    return;
                };
                guard = g;
            }
        }
    }
}

/// For a `CLONE` line of a caching TM whose image has a SHA-256 sidecar: the fan-out key and
/// the host.
fn cached_clone(line: &Transfer) -> Option<(Key, String)> {
    if line.action() != TransferAction::Clone || !CACHING_TMS.contains(&line.tm_mad()) {
        return None;
    }
    let (src, dst) = (line.args().first()?, line.args().get(1)?);
    let src = src.split_once(':').map_or(src.as_str(), |(_, p)| p);
    let (host, dst) = dst.split_once(':')?;
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return None;
    }
    let sha = std::fs::read_to_string(format!("{src}.sha256")).ok()?;
    let sha = sha.trim();
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let cache = Path::new(dst).parent()?.parent()?.parent()?.join(".cache");
    Some(((src.to_string(), sha.to_string(), cache.display().to_string()), host.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(host: usize) -> (Key, String) {
        (("/ds/1/img".into(), "ab".repeat(32), "/ds/.cache".into()), format!("h{host}"))
    }

    #[test]
    fn warm_pairs_are_learned_forgotten_and_bounded() {
        let tm = TmExec::new(Runner::Local { remotes: "/nonexistent".into() }, None);
        assert!(!tm.is_warm(&pair(0)));
        tm.learn(&pair(0), true);
        assert!(tm.is_warm(&pair(0)));
        tm.learn(&pair(0), false);
        assert!(!tm.is_warm(&pair(0)), "a failed CLONE forgets");
        for host in 1..=WARM_LIMIT + 1 {
            tm.learn(&pair(host), true);
        }
        let kept = tm.warm.lock().unwrap().pairs.len();
        assert!(kept <= WARM_LIMIT / 2 + 1, "{kept}");
        assert!(tm.is_warm(&pair(WARM_LIMIT + 1)) && tm.is_warm(&pair(WARM_LIMIT / 2 + 2)), "the last learned stay");
        assert!(!tm.is_warm(&pair(1)), "the first learned go");
        // relearning refreshes: h1 learned again is among the newest
        tm.learn(&pair(1), true);
        assert!(tm.is_warm(&pair(1)));
    }
}
