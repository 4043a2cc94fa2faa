//! mm_sched's log, as `sched.conf` asks: `LOG = [ SYSTEM = "file" | "std", DEBUG_LEVEL = 0..3 ]`.
//! "file" writes `$ONE_LOCATION/var/sched.log` (or `/var/log/one/sched.log` in a system-wide
//! install); "std" writes to stderr, which oned copies into its own log when it runs mm_sched.

use crate::config::SchedConfig;
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing::level_filters::LevelFilter;

/// Where the log file goes for this install.
pub fn log_path() -> PathBuf {
    match std::env::var_os("ONE_LOCATION") {
        Some(l) => PathBuf::from(l).join("var/sched.log"),
        None => PathBuf::from("/var/log/one/sched.log"),
    }
}

fn level(debug_level: u8) -> LevelFilter {
    match debug_level {
        0 => LevelFilter::ERROR,
        1 => LevelFilter::WARN,
        2 => LevelFilter::INFO,
        _ => LevelFilter::DEBUG,
    }
}

/// Installs the global subscriber. A log file that cannot be opened falls back to stderr with a
/// message saying so; the scheduler keeps working either way.
pub fn init(cfg: &SchedConfig) {
    let builder = tracing_subscriber::fmt().with_max_level(level(cfg.debug_level)).with_target(false).with_ansi(false);
    if cfg.log_to_file {
        let path = log_path();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match OpenOptions::new().create(true).append(true).open(&path) {
            Ok(f) => {
                let _ = builder.with_writer(Mutex::new(f)).try_init();
                return;
            }
            Err(e) => eprintln!("mm_sched: cannot open {}: {e}; logging to stderr", path.display()),
        }
    }
    let _ = builder.with_writer(std::io::stderr).try_init();
}
