//! Logging: oned.conf's `LOG` mapped onto `tracing`. Every line carries the time, the level and
//! the structured fields (vm_id, host_id, uid ...) of the event.

use crate::config::{LogConfig, LogSystem};
use std::fs::OpenOptions;
use std::sync::Mutex;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the background log writer alive until [`flush`].
static GUARD: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// Writes out every pending log line; call before the process exits.
pub fn flush() {
    if let Ok(mut g) = GUARD.lock() {
        g.take();
    }
}

/// `DEBUG_LEVEL` → tracing filter: 0 error, 1 warn, 2 info, 3 debug, 4-5 trace.
pub fn level_filter(debug_level: u8) -> &'static str {
    match debug_level {
        0 => "error",
        1 => "warn",
        2 => "info",
        3 => "debug",
        _ => "trace",
    }
}

/// Installs the global subscriber. `RUST_LOG`, when set, overrides the level.
pub fn init(cfg: &LogConfig) -> std::io::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("oned={},libone=info,warn", level_filter(cfg.debug_level))));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(false);
    match cfg.system {
        LogSystem::Std => {
            let _ = builder.with_writer(std::io::stderr).try_init();
        }
        LogSystem::File => {
            if let Some(dir) = cfg.file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(&cfg.file)?;
            // Lines go to a background thread so request handlers never wait on the disk.
            // Not lossy: under a burst a handler waits for the writer rather than dropping lines.
            let (writer, guard) =
                tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(file);
            if let Ok(mut g) = GUARD.lock() {
                *g = Some(guard);
            }
            let _ = builder.with_writer(writer).try_init();
        }
    }
    Ok(())
}
