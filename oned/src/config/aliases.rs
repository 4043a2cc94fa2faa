//! The keys of OpenNebula 1.4's `oned.conf` that admins still carry, read as today's keys.
//!
//! | classic key | read as |
//! |---|---|
//! | `HOST_MONITORING_INTERVAL` | `MONITORING_INTERVAL_HOST` |
//! | `VM_POLLING_INTERVAL` | `MONITORING_INTERVAL_VM` (1.4's `0`, "no VM polling", keeps the default) |
//! | `DEBUG_LEVEL` (top level) | `LOG = [ DEBUG_LEVEL ]` |
//! | `VM_DIR` | the VMs' directory on the front-end ([`super::OnedConfig::vms_dir`], default `<var>/vms`; OpenNebula 7 has no key for it) |
//!
//! (`NETWORK_SIZE` has kept its name since 1.4 and needs no alias.)
//!
//! [`translate`] runs on the file's attributes before the built-in defaults are merged: a
//! classic key becomes today's attribute at the same position (so it replaces the default,
//! shows under today's name in `one.system.config`, and a bad value is reported at its line),
//! and each one adds exactly one warning naming `file:line` and today's key. When today's key
//! is in the file too, today's key wins and the warning says so.

use super::ConfigError;
use libone::template::{Attribute, Position, Vector};
use std::path::Path;

/// What a classic top-level key stands for today.
enum Target {
    /// A top-level key.
    Key(&'static str),
    /// `LOG = [ DEBUG_LEVEL ]`.
    LogDebugLevel,
    /// A setting OpenNebula 7 has no key for; the classic key stays as it is.
    NoKey(&'static str),
}

const CLASSIC: &[(&str, Target)] = &[
    ("HOST_MONITORING_INTERVAL", Target::Key("MONITORING_INTERVAL_HOST")),
    ("VM_POLLING_INTERVAL", Target::Key("MONITORING_INTERVAL_VM")),
    ("DEBUG_LEVEL", Target::LogDebugLevel),
    ("VM_DIR", Target::NoKey("the VMs' directory on the front-end (default <var>/vms)")),
];

/// The file's attributes after [`translate`].
pub(super) struct Translated {
    pub items: Vec<(Attribute, Position)>,
    /// One line per classic key, `file:line: ...`.
    pub warnings: Vec<String>,
    /// (position, classic key, today's key) of every classic key read as today's.
    pub renamed: Vec<(Position, &'static str, &'static str)>,
}

impl Translated {
    /// Adds to an error about a renamed attribute which key the file really holds.
    pub fn explain(&self, mut e: ConfigError) -> ConfigError {
        if let Some((_, classic, today)) = self.renamed.iter().find(|(p, ..)| Some(*p) == e.position) {
            e.message = format!("{} ({classic}, OpenNebula 1.4's name, is read as {today})", e.message);
        }
        e
    }
}

/// Reads the classic keys of `items` (the file's attributes, in file order) as today's.
/// `default_log` is the built-in `LOG` vector, the base of a `LOG` made for `DEBUG_LEVEL`.
pub(super) fn translate(
    file: &Path,
    items: Vec<(Attribute, Position)>,
    default_log: &Vector,
) -> Result<Translated, ConfigError> {
    let at = |p: Position| format!("{}:{}", file.display(), p.line);
    let line_of = |name: &str| items.iter().rev().find(|(a, _)| a.name() == name).map(|(_, p)| p.line);
    // `LOG/DEBUG_LEVEL` counts when the LOG that takes effect (the last one) has it.
    let log_level_line = items
        .iter()
        .rev()
        .find(|(a, _)| a.name() == "LOG")
        .and_then(|(a, p)| a.as_vector().and_then(|v| v.get("DEBUG_LEVEL")).map(|_| p.line));

    let mut out = Vec::with_capacity(items.len());
    let mut warnings = Vec::new();
    let mut renamed = Vec::new();
    let mut debug_level: Option<(String, Position)> = None;
    for (attr, pos) in &items {
        let Some((classic, target)) = CLASSIC.iter().find(|(name, _)| *name == attr.name()) else {
            out.push((attr.clone(), *pos));
            continue;
        };
        match target {
            Target::Key(today) => {
                if let Some(line) = line_of(today) {
                    warnings.push(format!(
                        "{}: {classic} is deprecated (OpenNebula 1.4) and ignored: {today} (line {line}) is set too and wins",
                        at(*pos)
                    ));
                    continue;
                }
                if *classic == "VM_POLLING_INTERVAL" && attr.as_single().is_some_and(|v| v.trim() == "0") {
                    warnings.push(format!(
                        "{}: {classic} is deprecated (OpenNebula 1.4) and its 0 (no VM polling) is ignored: \
                         {today} keeps its default",
                        at(*pos)
                    ));
                    continue;
                }
                warnings.push(format!(
                    "{}: {classic} is deprecated (OpenNebula 1.4), read as {today}; rename it",
                    at(*pos)
                ));
                renamed.push((*pos, *classic, *today));
                let today = today.to_string();
                out.push((
                    match attr {
                        Attribute::Single { value, .. } => Attribute::Single { name: today, value: value.clone() },
                        Attribute::Vector { vector, .. } => Attribute::Vector { name: today, vector: vector.clone() },
                    },
                    *pos,
                ));
            }
            Target::LogDebugLevel => {
                if let Some(line) = log_level_line {
                    warnings.push(format!(
                        "{}: {classic} is deprecated (OpenNebula 1.4) and ignored: LOG/DEBUG_LEVEL (line {line}) is set too and wins",
                        at(*pos)
                    ));
                    continue;
                }
                let err = |m: String| ConfigError { file: file.to_path_buf(), position: Some(*pos), message: m };
                let value = attr
                    .as_single()
                    .ok_or_else(|| err(format!("{classic} must be a single value, not a vector")))?
                    .trim();
                if !matches!(value.parse::<u8>(), Ok(0..=5)) {
                    return Err(err(format!(
                        "{classic} (OpenNebula 1.4's LOG/DEBUG_LEVEL) must be an integer between 0 and 5, not {value:?}"
                    )));
                }
                warnings.push(format!(
                    "{}: {classic} is deprecated (OpenNebula 1.4), read as LOG/DEBUG_LEVEL; move it into LOG = [ ... ]",
                    at(*pos)
                ));
                debug_level = Some((value.to_string(), *pos));
            }
            Target::NoKey(what) => {
                warnings.push(format!(
                    "{}: {classic} is deprecated (OpenNebula 1.4), still read as {what}: OpenNebula 7 has no key for it",
                    at(*pos)
                ));
                out.push((attr.clone(), *pos));
            }
        }
    }
    if let Some((value, pos)) = debug_level {
        // Into the LOG that takes effect, or a LOG of the defaults with this level.
        let last_log = out.iter_mut().rev().find(|(a, _)| a.name() == "LOG");
        match last_log {
            Some((Attribute::Vector { vector, .. }, _)) => vector.set("DEBUG_LEVEL", value),
            // A single-valued LOG is an error the main loop reports.
            Some(_) => {}
            None => {
                let mut vector = default_log.clone();
                vector.set("DEBUG_LEVEL", value);
                out.push((Attribute::Vector { name: "LOG".to_string(), vector }, pos));
            }
        }
    }
    Ok(Translated { items: out, warnings, renamed })
}
