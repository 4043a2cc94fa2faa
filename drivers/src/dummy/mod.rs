//! The dummy drivers: `one_vmm_dummy` ([`vmm::VmmDummy`]), `one_im_dummy` ([`im::ImDummy`]) and
//! `one_tm_dummy` ([`tm::TmDummy`]). They touch no hypervisor; they exist so oned and its
//! tests can run the whole protocol — including slow actions, failures, cancellation and crash
//! reconciliation — against real driver processes.
//!
//! Options every dummy takes after the runtime's flags (`-t`, `-w`, `-r`, `-l`):
//!
//! | option | effect |
//! |---|---|
//! | `--delay MS` | sleep `MS` milliseconds before answering each action; a `DRIVER_CANCEL` (or the `-w` timeout) during the sleep answers `FAILURE cancelled` and changes nothing |
//! | `--fail-rate P` | a fraction `P` (0.0–1.0) of actions answer `FAILURE injected failure`; `POLL` and `CLEANUP` are exempt (POLL is the reconciliation oracle; CLEANUP never fails by contract) |
//! | `--seed N` | seeds `--fail-rate` (default 0): the choice is a hash of the seed, the verb, the id and how many times that verb was asked for that id, so it does not depend on thread timing |
//! | `--fail VERB` | always answer `VERB` with `FAILURE injected failure` (repeatable; any verb) |
//! | `--state-dir DIR` | VMM: keep the running domains as files in `DIR`, one directory per host (so they survive a driver restart); IM: report the domains recorded there for the monitored host, as a complete list (`VM_POLL = "YES"`) |
//!
//! A relative `--state-dir` is under oned's var directory: `$ONE_LOCATION/var/DIR` when the
//! driver's environment has `ONE_LOCATION` (oned passes it on when it has it), else
//! `/var/lib/one/DIR` ([`resolve_state_dir`]), so the IM and the VMM of one oned find the same
//! directory however oned was started; the shipped `etc/oned.conf` gives both
//! `--state-dir dummy`, so the IM reports what the VMM runs. Without `--state-dir` the VMM
//! keeps its domains in memory and the IM reports none (and, knowing none, does not say
//! `VM_POLL`: oned leaves the VMs as they are).
//!
//! `--opt=value` works too. Other words starting with one `-` (OpenNebula flags such as `-p`)
//! and plain words (a hypervisor name) are ignored; an unknown `--option` is an error.

pub mod domains;
pub mod im;
pub mod tm;
pub mod vmm;

use crate::proto::is_verb;
use crate::runtime::{self, ActionContext, Driver, DriverOptions};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The dummies' own options (see the module doc).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DummyOptions {
    /// `--delay MS`
    pub delay: Duration,
    /// `--fail-rate P`
    pub fail_rate: f64,
    /// `--seed N`
    pub seed: u64,
    /// `--fail VERB` (each one)
    pub fail_verbs: Vec<String>,
    /// `--state-dir DIR`
    pub state_dir: Option<PathBuf>,
}

impl DummyOptions {
    /// Reads the words the runtime left ([`DriverOptions::rest`]).
    pub fn parse(words: &[String]) -> Result<Self, String> {
        let mut options = DummyOptions::default();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            if !word.starts_with("--") {
                continue;
            }
            let (name, glued) = match word.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (word.as_str(), None),
            };
            if !matches!(name, "--delay" | "--fail-rate" | "--seed" | "--fail" | "--state-dir") {
                return Err(format!(
                    "unknown option {name} (expected --delay, --fail-rate, --seed, --fail, --state-dir)"
                ));
            }
            let value = match glued {
                Some(value) => value,
                None => words.next().cloned().ok_or_else(|| format!("option {name} needs a value"))?,
            };
            match name {
                "--delay" => {
                    let ms: u64 = value
                        .parse()
                        .map_err(|_| format!("bad value \"{value}\" for --delay (expected milliseconds)"))?;
                    options.delay = Duration::from_millis(ms);
                }
                "--fail-rate" => {
                    options.fail_rate = match value.parse::<f64>() {
                        Ok(p) if (0.0..=1.0).contains(&p) => p,
                        _ => return Err(format!("bad value \"{value}\" for --fail-rate (expected 0.0 to 1.0)")),
                    }
                }
                "--seed" => {
                    options.seed = value
                        .parse()
                        .map_err(|_| format!("bad value \"{value}\" for --seed (expected an integer ≥ 0)"))?
                }
                "--fail" => {
                    if !is_verb(&value) {
                        return Err(format!("bad value \"{value}\" for --fail (expected an upper-case verb)"));
                    }
                    options.fail_verbs.push(value);
                }
                _ => options.state_dir = Some(PathBuf::from(value)),
            }
        }
        Ok(options)
    }
}

/// Where a `--state-dir` is: an absolute `dir` as it is; a relative one under oned's var
/// directory, `<one_location>/var` when `one_location` (the `ONE_LOCATION` environment variable)
/// is set and not empty, else `/var/lib/one` (the layout of `oned/src/config/location.rs`).
pub fn resolve_state_dir(dir: &Path, one_location: Option<&OsStr>) -> PathBuf {
    if dir.is_absolute() {
        return dir.to_owned();
    }
    let var = match one_location.filter(|root| !root.is_empty()) {
        Some(root) => Path::new(root).join("var"),
        None => PathBuf::from("/var/lib/one"),
    };
    var.join(dir)
}

/// The failure text of `--fail` and `--fail-rate`.
pub const INJECTED: &str = "injected failure";

/// What every dummy does before its verb's work: the delay and the injected failures.
pub struct Behaviour {
    delay: Duration,
    fail_rate: f64,
    seed: u64,
    fail_verbs: HashSet<String>,
    /// How many times each (verb, id) was decided, so a retried action draws anew.
    draws: Mutex<HashMap<(String, i64), u64>>,
}

impl Behaviour {
    /// From the options.
    pub fn new(options: &DummyOptions) -> Self {
        Behaviour {
            delay: options.delay,
            fail_rate: options.fail_rate,
            seed: options.seed,
            fail_verbs: options.fail_verbs.iter().cloned().collect(),
            draws: Mutex::new(HashMap::new()),
        }
    }

    /// Sleeps the delay (cancellable), then decides an injected failure. `Err` is the reply.
    pub fn before(&self, verb: &str, id: i64, ctx: &ActionContext) -> Result<(), String> {
        pause(self.delay, ctx)?;
        if self.fail_verbs.contains(verb) || self.draws_failure(verb, id) {
            return Err(INJECTED.to_owned());
        }
        Ok(())
    }

    fn draws_failure(&self, verb: &str, id: i64) -> bool {
        if self.fail_rate <= 0.0 || matches!(verb, "POLL" | "CLEANUP") {
            return false;
        }
        let draw = {
            let mut draws = self.draws.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let n = draws.entry((verb.to_owned(), id)).or_insert(0);
            *n += 1;
            *n
        };
        unit_draw(self.seed, verb, id, draw) < self.fail_rate
    }
}

/// A number in [0, 1) from the seed, the verb, the id and the draw count (splitmix64 steps).
fn unit_draw(seed: u64, verb: &str, id: i64, draw: u64) -> f64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let verb_hash =
        verb.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let h = mix(mix(mix(mix(seed) ^ verb_hash) ^ id as u64) ^ draw);
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Sleeps `delay` in short steps; `Err("cancelled")` as soon as the action is cancelled.
pub fn pause(delay: Duration, ctx: &ActionContext) -> Result<(), String> {
    let end = Instant::now() + delay;
    loop {
        if ctx.is_cancelled() {
            return Err("cancelled".to_owned());
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(10)));
    }
}

/// A dummy binary's `main`: reads the arguments, builds the driver, logs a startup line to
/// stderr and runs the protocol on stdin/stdout. Returns the exit code (2 for bad options).
pub fn launch<D: Driver>(
    name: &str,
    args: impl IntoIterator<Item = String>,
    build: impl FnOnce(&DummyOptions) -> Result<D, String>,
) -> i32 {
    let started = DriverOptions::parse(args).and_then(|runtime_options| {
        let mut options = DummyOptions::parse(&runtime_options.rest)?;
        let one_location = std::env::var_os("ONE_LOCATION");
        options.state_dir = options.state_dir.map(|dir| resolve_state_dir(&dir, one_location.as_deref()));
        let driver = build(&options)?;
        Ok((runtime_options, options, driver))
    });
    let (runtime_options, options, driver) = match started {
        Ok(started) => started,
        Err(why) => {
            eprintln!("{name}: {why}");
            return 2;
        }
    };
    eprintln!(
        "{name}: started (pid {}, threads {}, timeout {}, delay {} ms, fail-rate {}, seed {}, fail {:?}, state-dir {})",
        std::process::id(),
        runtime_options.threads,
        runtime_options.timeout.map_or("none".to_owned(), |t| format!("{} s", t.as_secs_f64())),
        options.delay.as_millis(),
        options.fail_rate,
        options.seed,
        options.fail_verbs,
        options.state_dir.as_ref().map_or("none".to_owned(), |d| d.display().to_string()),
    );
    let code = runtime::run(driver, runtime_options);
    eprintln!("{name}: exiting with code {code}");
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_parse() {
        let o = DummyOptions::parse(&words(
            "kvm -p --delay 250 --fail-rate=0.25 --seed 7 --fail DEPLOY --fail SAVE --state-dir /tmp/x",
        ))
        .unwrap();
        assert_eq!(
            o,
            DummyOptions {
                delay: Duration::from_millis(250),
                fail_rate: 0.25,
                seed: 7,
                fail_verbs: vec!["DEPLOY".into(), "SAVE".into()],
                state_dir: Some(PathBuf::from("/tmp/x")),
            }
        );
        assert_eq!(DummyOptions::parse(&[]).unwrap(), DummyOptions::default());
    }

    #[test]
    fn options_errors() {
        assert_eq!(DummyOptions::parse(&words("--delay")), Err("option --delay needs a value".into()));
        assert_eq!(
            DummyOptions::parse(&words("--delay x")),
            Err("bad value \"x\" for --delay (expected milliseconds)".into())
        );
        assert_eq!(
            DummyOptions::parse(&words("--fail-rate 1.5")),
            Err("bad value \"1.5\" for --fail-rate (expected 0.0 to 1.0)".into())
        );
        assert_eq!(
            DummyOptions::parse(&words("--fail-rate NaN")),
            Err("bad value \"NaN\" for --fail-rate (expected 0.0 to 1.0)".into())
        );
        assert_eq!(
            DummyOptions::parse(&words("--seed -1")),
            Err("bad value \"-1\" for --seed (expected an integer ≥ 0)".into())
        );
        assert_eq!(
            DummyOptions::parse(&words("--fail deploy")),
            Err("bad value \"deploy\" for --fail (expected an upper-case verb)".into())
        );
        assert!(DummyOptions::parse(&words("--bogus 1")).unwrap_err().starts_with("unknown option --bogus"));
    }

    #[test]
    fn relative_state_dirs_are_under_the_var_directory() {
        let root = Some(OsStr::new("/srv/one"));
        assert_eq!(resolve_state_dir(Path::new("dummy"), root), PathBuf::from("/srv/one/var/dummy"));
        assert_eq!(resolve_state_dir(Path::new("a/b"), root), PathBuf::from("/srv/one/var/a/b"));
        assert_eq!(resolve_state_dir(Path::new("dummy"), None), PathBuf::from("/var/lib/one/dummy"));
        assert_eq!(resolve_state_dir(Path::new("dummy"), Some(OsStr::new(""))), PathBuf::from("/var/lib/one/dummy"));
        assert_eq!(resolve_state_dir(Path::new("/tmp/x"), root), PathBuf::from("/tmp/x"), "absolute: as given");
        assert_eq!(resolve_state_dir(Path::new("/tmp/x"), None), PathBuf::from("/tmp/x"));
    }

    #[test]
    fn draws_are_deterministic_and_close_to_the_rate() {
        let a: Vec<f64> = (0..1000).map(|id| unit_draw(7, "DEPLOY", id, 1)).collect();
        let b: Vec<f64> = (0..1000).map(|id| unit_draw(7, "DEPLOY", id, 1)).collect();
        let c: Vec<f64> = (0..1000).map(|id| unit_draw(8, "DEPLOY", id, 1)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|u| (0.0..1.0).contains(u)));
        let below = a.iter().filter(|&&u| u < 0.3).count();
        assert!((200..400).contains(&below), "{below} of 1000 below 0.3");
        assert_ne!(unit_draw(7, "DEPLOY", 1, 1), unit_draw(7, "DEPLOY", 1, 2));
        assert_ne!(unit_draw(7, "DEPLOY", 1, 1), unit_draw(7, "SAVE", 1, 1));
    }
}
