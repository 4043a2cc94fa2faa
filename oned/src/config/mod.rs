//! `oned.conf`: parsing (OpenNebula template syntax, via [`libone::template`]) and validation
//! into [`OnedConfig`].
//!
//! Every key has a built-in default equal to the one documented in the shipped `etc/oned.conf`;
//! a key present in the file replaces the default as a whole (OpenNebula's merge rule). A file
//! that does not parse, or a value of the wrong type, stops start-up with
//! `file:line:column: what is wrong`. Unknown keys are kept (and shown by `one.system.config`)
//! and logged as warnings, because OpenNebula accepts them too. OpenNebula 1.4's keys
//! (`HOST_MONITORING_INTERVAL`, `VM_POLLING_INTERVAL`, `DEBUG_LEVEL`, `VM_DIR`) are read as
//! today's, with a deprecation warning each (`aliases.rs`). Warnings are collected in
//! [`OnedConfig::warnings`]: the file is read before the log is open.

mod aliases;
pub mod location;
mod mads;
pub mod storage;

use libone::template::{Attribute, Position, Template, Vector, parse_text_located};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use location::Locations;
pub use mads::{DS_DRIVER, MadConfig, MadKind};
pub use storage::{DiskType, DsMadConf, StorageConf, TmMadConf, TmTarget};

/// The `oned.conf` shipped in `etc/`, written to `$ONE_LOCATION/etc/oned.conf` when absent.
pub const SHIPPED_ONED_CONF: &str = include_str!("../../../etc/oned.conf");

/// The shipped `etc/sched.conf`, written to a new `ONE_LOCATION` when absent.
pub const SHIPPED_SCHED_CONF: &str = include_str!("../../../etc/sched.conf");

/// The shipped `etc/mad/defaultrc` (drivers' environment), written when absent.
pub const SHIPPED_DEFAULTRC: &str = include_str!("../../../etc/mad/defaultrc");

/// A configuration problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file.display(), p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `DB = [ ... ]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbConfig {
    pub backend: String,
    /// Absolute path of the SQLite file.
    pub path: PathBuf,
    /// SQLite busy timeout in milliseconds.
    pub timeout_ms: u64,
    /// `SYNC = "FULL"` (default) or `"NORMAL"`.
    pub sync_full: bool,
    /// Most operations committed in one transaction.
    pub max_batch: usize,
}

/// Where log lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogSystem {
    File,
    Std,
}

/// `LOG = [ ... ]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    pub system: LogSystem,
    /// 0 ERROR, 1 WARNING, 2 INFO, 3 DEBUG (4 and 5 add more detail).
    pub debug_level: u8,
    pub file: PathBuf,
}

/// The API server's limits (OpenNebula's names, Nephele's defaults; see `etc/oned.conf`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// `MAX_CONN`: connections held at once; past it the longest-idle one is closed.
    pub max_conn: usize,
    /// `MAX_CONN_BACKLOG`: the listen queue of connections not yet accepted.
    pub backlog: u32,
    /// `KEEPALIVE_TIMEOUT`: seconds a connection may wait for its next request.
    pub keepalive_timeout: u64,
    /// `KEEPALIVE_MAX_CONN`: requests served on one connection before it is closed.
    pub keepalive_max_conn: u32,
    /// `HEADER_TIMEOUT` (Nephele): seconds from a request's first byte to the end of its headers.
    pub header_timeout: u64,
    /// `TIMEOUT`: seconds to read a request's body, and at most between two steps of writing
    /// its response.
    pub timeout: u64,
    /// `MESSAGE_SIZE`: the largest request body, in bytes.
    pub message_size: usize,
}

/// The throttle's settings (`AUTH_THROTTLE` in oned.conf).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Failures of one user name before it is blocked.
    pub user_free: u32,
    /// Failures from one address before it is blocked.
    pub address_free: u32,
    /// The longest block.
    pub max_delay: Duration,
    /// Failures are forgotten after this long without one.
    pub reset_after: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            user_free: 10,
            address_free: 30,
            max_delay: Duration::from_secs(60),
            reset_after: Duration::from_secs(600),
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct OnedConfig {
    pub file: PathBuf,
    pub port: u16,
    pub listen_address: String,
    pub db: DbConfig,
    pub log: LogConfig,
    pub monitoring_interval_host: u64,
    pub monitoring_interval_vm: u64,
    pub host_monitoring_expiration: u64,
    pub vm_monitoring_expiration: u64,
    pub mac_prefix: u16,
    pub default_umask: u32,
    pub network_size: u32,
    pub api_list_order_desc: bool,
    pub session_expiration_time: u64,
    /// Seconds a driver may take to answer an action before it is resolved as lost.
    pub driver_action_timeout: u64,
    pub http: HttpConfig,
    /// `AUTH_THROTTLE = [ USER_FREE, ADDRESS_FREE, MAX_DELAY, RESET ]`.
    pub auth_throttle: ThrottleConfig,
    pub vm_restricted_attr: Vec<String>,
    pub image_restricted_attr: Vec<String>,
    pub vnet_restricted_attr: Vec<String>,
    pub im_mads: Vec<MadConfig>,
    pub vm_mads: Vec<MadConfig>,
    pub tm_mads: Vec<MadConfig>,
    /// `DATASTORE_MAD = [ EXECUTABLE, ARGUMENTS ]`: the datastore driver (one process).
    pub ds_mad: Option<MadConfig>,
    /// `TM_MAD_CONF` and `DS_MAD_CONF`: what each storage driver puts in a new datastore's
    /// template (the file's entries, then the built-in ones of other names).
    pub storage: StorageConf,
    /// Seconds between datastore monitorings (`MONITORING_INTERVAL_DATASTORE`).
    pub monitoring_interval_datastore: u64,
    /// `SCHEDULER = [ EXECUTABLE, ARGUMENTS ]`: the scheduler oned starts (none if absent).
    pub scheduler: Option<(String, String)>,
    /// Base path of datastores on the front-end (`DATASTORE_LOCATION`).
    pub datastore_location: PathBuf,
    /// Where oned writes each VM's files on the front-end (`<vms_dir>/<vmid>/transfer.*`):
    /// `<var>/vms`, or OpenNebula 1.4's `VM_DIR`.
    pub vms_dir: PathBuf,
    /// Every attribute as read (defaults merged, classic keys under today's names), for
    /// `one.system.config`.
    pub raw: Template,
    /// What deserves a warning (classic and unknown keys), `file:line: ...`; oned logs them
    /// with [`OnedConfig::log_warnings`] once its log is open (the file is read before).
    pub warnings: Vec<String>,
}

/// One located attribute and the file it came from, for error messages.
struct Item<'a> {
    file: &'a Path,
    attr: &'a Attribute,
    pos: Option<Position>,
}

impl Item<'_> {
    fn err(&self, message: impl Into<String>) -> ConfigError {
        ConfigError { file: self.file.to_path_buf(), position: self.pos, message: message.into() }
    }

    fn single(&self) -> Result<&str, ConfigError> {
        self.attr
            .as_single()
            .ok_or_else(|| self.err(format!("{} must be a single value, not a vector", self.attr.name())))
    }

    fn vector(&self) -> Result<&Vector, ConfigError> {
        self.attr.as_vector().ok_or_else(|| {
            self.err(format!("{} must be a vector attribute: {} = [ ... ]", self.attr.name(), self.attr.name()))
        })
    }

    fn uint(&self, min: u64, max: u64) -> Result<u64, ConfigError> {
        let s = self.single()?;
        match s.trim().parse::<u64>() {
            Ok(v) if v >= min && v <= max => Ok(v),
            _ => Err(self.err(format!("{} must be an integer between {min} and {max}, not {s:?}", self.attr.name()))),
        }
    }

    fn sub_uint(&self, v: &Vector, key: &str, min: u64, max: u64) -> Result<Option<u64>, ConfigError> {
        match v.get(key) {
            None => Ok(None),
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if n >= min && n <= max => Ok(Some(n)),
                _ => Err(self
                    .err(format!("{}/{key} must be an integer between {min} and {max}, not {s:?}", self.attr.name()))),
            },
        }
    }
}

/// Top-level keys oned understands (others are kept but warned about).
const KNOWN_KEYS: &[&str] = &[
    "PORT",
    "LISTEN_ADDRESS",
    "DB",
    "LOG",
    "MONITORING_INTERVAL_HOST",
    "MONITORING_INTERVAL_VM",
    "MONITORING_INTERVAL_DATASTORE",
    "DS_MAD_CONF",
    "TM_MAD_CONF",
    "HOST_MONITORING_EXPIRATION_TIME",
    "VM_MONITORING_EXPIRATION_TIME",
    "MAC_PREFIX",
    "DEFAULT_UMASK",
    "NETWORK_SIZE",
    "API_LIST_ORDER",
    "SESSION_EXPIRATION_TIME",
    "DRIVER_ACTION_TIMEOUT",
    "MAX_CONN",
    "MAX_CONN_BACKLOG",
    "KEEPALIVE_TIMEOUT",
    "KEEPALIVE_MAX_CONN",
    "HEADER_TIMEOUT",
    "TIMEOUT",
    "MESSAGE_SIZE",
    "AUTH_THROTTLE",
    "RPC_LOG",
    "LOG_CALL_FORMAT",
    "VM_RESTRICTED_ATTR",
    "IMAGE_RESTRICTED_ATTR",
    "VNET_RESTRICTED_ATTR",
    "IM_MAD",
    "VM_MAD",
    "TM_MAD",
    "DATASTORE_LOCATION",
    "VM_DIR",
    "SCRIPTS_REMOTE_DIR",
    "DEFAULT_DEVICE_PREFIX",
    "DEFAULT_CDROM_DEVICE_PREFIX",
    "CONTEXT_RESTRICTED_DIRS",
    "CONTEXT_SAFE_DIRS",
    "SCHED_MAD",
    "SCHEDULER",
    "HOOK_LOG_CONF",
    "VM_SUBMIT_ON_HOLD",
    "FEDERATION",
    "DATASTORE_MAD",
    "HM_MAD",
    "AUTH_MAD",
];

/// Parses MAC_PREFIX: two hex bytes `"02:00"`.
pub fn parse_mac_prefix(s: &str) -> Option<u16> {
    let (a, b) = s.trim().split_once(':')?;
    if a.len() != 2 || b.len() != 2 {
        return None;
    }
    let a = u8::from_str_radix(a, 16).ok()?;
    let b = u8::from_str_radix(b, 16).ok()?;
    Some(((a as u16) << 8) | b as u16)
}

impl OnedConfig {
    /// Logs [`OnedConfig::warnings`], one `WARN` line each.
    pub fn log_warnings(&self) {
        for w in &self.warnings {
            tracing::warn!("{w}");
        }
    }

    /// Reads and validates `file`.
    pub fn load(file: &Path, loc: &Locations) -> Result<OnedConfig, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            position: None,
            message: format!("cannot read the configuration: {e}"),
        })?;
        Self::parse(&text, file, loc)
    }

    /// Validates configuration text (`file` is only used in messages and for relative paths).
    pub fn parse(text: &str, file: &Path, loc: &Locations) -> Result<OnedConfig, ConfigError> {
        let located = parse_text_located(text).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            position: Some(e.position),
            message: e.message,
        })?;
        let defaults = parse_text_located(DEFAULTS).map_err(|e| ConfigError {
            file: PathBuf::from("<built-in defaults>"),
            position: Some(e.position),
            message: e.message,
        })?;
        // OpenNebula 1.4's keys, read as today's before the defaults are merged.
        let default_log = defaults.iter().find(|(a, _)| a.name() == "LOG").and_then(|(a, _)| a.as_vector()).cloned();
        let mut classic = aliases::translate(file, located, &default_log.unwrap_or_default())?;
        let located = std::mem::take(&mut classic.items);
        let mut cfg = Self::merge(file, loc, located, defaults).map_err(|e| classic.explain(e))?;
        cfg.warnings.splice(0..0, classic.warnings);
        Ok(cfg)
    }

    /// Validates the file's attributes (today's keys, in file order) merged with the built-in
    /// `defaults`.
    fn merge(
        file: &Path,
        loc: &Locations,
        located: Vec<(Attribute, Position)>,
        defaults: Vec<(Attribute, Position)>,
    ) -> Result<OnedConfig, ConfigError> {
        // Defaults for every key the file leaves out (merge per top-level name); for the keys
        // of PER_NAME, each built-in entry whose NAME the file does not use (OpenNebula's
        // `register_multiple_conf_default`).
        let in_file: std::collections::HashSet<String> = located.iter().map(|(a, _)| a.name().to_string()).collect();
        let named_in_file: std::collections::HashSet<(String, String)> =
            located.iter().filter_map(|(a, _)| entry_name(a)).collect();
        let mut items: Vec<(Attribute, Option<Position>)> = located.into_iter().map(|(a, p)| (a, Some(p))).collect();
        items.extend(
            defaults
                .into_iter()
                .filter(|(a, _)| match entry_name(a) {
                    Some(key) => !named_in_file.contains(&key),
                    None => !in_file.contains(a.name()),
                })
                .map(|(a, _)| (a, None)),
        );
        let mut cfg = OnedConfig {
            file: file.to_path_buf(),
            port: 2633,
            listen_address: "0.0.0.0".into(),
            db: DbConfig {
                backend: "sqlite".into(),
                path: loc.var.join("one.db"),
                timeout_ms: 2500,
                sync_full: true,
                max_batch: 10_000,
            },
            log: LogConfig { system: LogSystem::File, debug_level: 3, file: loc.log.join("oned.log") },
            monitoring_interval_host: 180,
            monitoring_interval_vm: 180,
            host_monitoring_expiration: 43200,
            vm_monitoring_expiration: 14400,
            mac_prefix: 0x0200,
            default_umask: 0o177,
            network_size: 254,
            api_list_order_desc: true,
            session_expiration_time: 900,
            driver_action_timeout: 300,
            http: HttpConfig {
                max_conn: 4096,
                backlog: 1024,
                keepalive_timeout: 15,
                keepalive_max_conn: 1000,
                header_timeout: 10,
                timeout: 15,
                message_size: 64 << 20,
            },
            auth_throttle: Default::default(),
            vm_restricted_attr: Vec::new(),
            image_restricted_attr: Vec::new(),
            vnet_restricted_attr: Vec::new(),
            im_mads: Vec::new(),
            vm_mads: Vec::new(),
            tm_mads: Vec::new(),
            ds_mad: None,
            storage: StorageConf::default(),
            monitoring_interval_datastore: 300,
            scheduler: None,
            datastore_location: loc.var.join("datastores"),
            vms_dir: loc.var.join("vms"),
            raw: Template::new(),
            warnings: Vec::new(),
        };
        for (attr, pos) in &items {
            let it = Item { file, attr, pos: *pos };
            match attr.name() {
                "PORT" => cfg.port = it.uint(1, 65535)? as u16,
                "LISTEN_ADDRESS" => {
                    let s = it.single()?.trim();
                    if s.parse::<std::net::IpAddr>().is_err() {
                        return Err(it.err(format!("LISTEN_ADDRESS must be an IP address, not {s:?}")));
                    }
                    cfg.listen_address = s.to_string();
                }
                "DB" => cfg.db = Self::db(&it, loc)?,
                "LOG" => cfg.log = Self::log(&it, loc)?,
                "MONITORING_INTERVAL_HOST" => cfg.monitoring_interval_host = it.uint(1, 86400 * 7)?,
                "MONITORING_INTERVAL_VM" => cfg.monitoring_interval_vm = it.uint(1, 86400 * 7)?,
                "MONITORING_INTERVAL_DATASTORE" => cfg.monitoring_interval_datastore = it.uint(1, 86400 * 7)?,
                "DATASTORE_MAD" => {
                    cfg.ds_mad = Some(MadConfig::from_vector(MadKind::Ds, it.vector()?, loc).map_err(|m| it.err(m))?)
                }
                "HOST_MONITORING_EXPIRATION_TIME" => cfg.host_monitoring_expiration = it.uint(0, u32::MAX as u64)?,
                "VM_MONITORING_EXPIRATION_TIME" => cfg.vm_monitoring_expiration = it.uint(0, u32::MAX as u64)?,
                "MAC_PREFIX" => {
                    let s = it.single()?;
                    cfg.mac_prefix = parse_mac_prefix(s).ok_or_else(|| {
                        it.err(format!("MAC_PREFIX must be two hexadecimal bytes like \"02:00\", not {s:?}"))
                    })?;
                }
                "DEFAULT_UMASK" => {
                    let s = it.single()?;
                    cfg.default_umask = crate::perms::parse_umask(s).ok_or_else(|| {
                        it.err(format!("DEFAULT_UMASK must be three octal digits like 177, not {s:?}"))
                    })?;
                }
                "NETWORK_SIZE" => cfg.network_size = it.uint(1, u32::MAX as u64)? as u32,
                "API_LIST_ORDER" => {
                    let s = it.single()?.trim().to_ascii_uppercase();
                    cfg.api_list_order_desc = match s.as_str() {
                        "ASC" => false,
                        "DESC" => true,
                        _ => return Err(it.err(format!("API_LIST_ORDER must be \"ASC\" or \"DESC\", not {s:?}"))),
                    };
                }
                "SESSION_EXPIRATION_TIME" => cfg.session_expiration_time = it.uint(0, u32::MAX as u64)?,
                "DRIVER_ACTION_TIMEOUT" => cfg.driver_action_timeout = it.uint(1, 86400 * 7)?,
                "MAX_CONN" => cfg.http.max_conn = it.uint(1, 1_000_000)? as usize,
                "MAX_CONN_BACKLOG" => cfg.http.backlog = it.uint(1, 65_535)? as u32,
                "KEEPALIVE_TIMEOUT" => cfg.http.keepalive_timeout = it.uint(1, 86400)?,
                "KEEPALIVE_MAX_CONN" => cfg.http.keepalive_max_conn = it.uint(1, u32::MAX as u64)? as u32,
                "HEADER_TIMEOUT" => cfg.http.header_timeout = it.uint(1, 3600)?,
                "TIMEOUT" => cfg.http.timeout = it.uint(1, 86400)?,
                "MESSAGE_SIZE" => cfg.http.message_size = it.uint(1024, 1 << 32)? as usize,
                "AUTH_THROTTLE" => cfg.auth_throttle = Self::auth_throttle(&it)?,
                "DATASTORE_LOCATION" => cfg.datastore_location = resolve(&loc.var, it.single()?),
                "VM_DIR" => {
                    let s = it.single()?;
                    if s.trim().is_empty() {
                        return Err(it.err("VM_DIR cannot be empty"));
                    }
                    cfg.vms_dir = resolve(&loc.var, s);
                }
                name @ ("VM_RESTRICTED_ATTR" | "IMAGE_RESTRICTED_ATTR" | "VNET_RESTRICTED_ATTR") => {
                    // Defaults merge per top-level name: a file that names a list replaces the
                    // built-in one entirely, so these pushes never mix the two.
                    let s = it.single()?.trim().to_ascii_uppercase();
                    if s.is_empty() {
                        return Err(it.err(format!("{name} cannot be empty")));
                    }
                    match name {
                        "VM_RESTRICTED_ATTR" => cfg.vm_restricted_attr.push(s),
                        "IMAGE_RESTRICTED_ATTR" => cfg.image_restricted_attr.push(s),
                        _ => cfg.vnet_restricted_attr.push(s),
                    }
                }
                "IM_MAD" => {
                    cfg.im_mads.push(MadConfig::from_vector(MadKind::Im, it.vector()?, loc).map_err(|m| it.err(m))?)
                }
                "VM_MAD" => {
                    cfg.vm_mads.push(MadConfig::from_vector(MadKind::Vm, it.vector()?, loc).map_err(|m| it.err(m))?)
                }
                "SCHEDULER" => {
                    let v = it.vector()?;
                    let exe = v
                        .get("EXECUTABLE")
                        .map(str::trim)
                        .filter(|e| !e.is_empty())
                        .ok_or_else(|| it.err("SCHEDULER needs EXECUTABLE"))?;
                    cfg.scheduler = Some((exe.to_string(), v.get("ARGUMENTS").unwrap_or("").to_string()));
                }
                "TM_MAD" => {
                    cfg.tm_mads.push(MadConfig::from_vector(MadKind::Tm, it.vector()?, loc).map_err(|m| it.err(m))?)
                }
                "TM_MAD_CONF" => {
                    let (tm, warnings) = TmMadConf::from_vector(it.vector()?).map_err(|m| it.err(m))?;
                    cfg.storage.push_tm(tm).map_err(|m| it.err(m))?;
                    let at = pos.map(|p| format!(":{}:{}", p.line, p.column)).unwrap_or_default();
                    cfg.warnings.extend(warnings.into_iter().map(|w| format!("{}{at}: {w}", file.display())));
                }
                "DS_MAD_CONF" => {
                    let ds = DsMadConf::from_vector(it.vector()?).map_err(|m| it.err(m))?;
                    cfg.storage.push_ds(ds).map_err(|m| it.err(m))?;
                }
                other if !KNOWN_KEYS.contains(&other) => {
                    let at = pos.map(|p| format!(":{}:{}", p.line, p.column)).unwrap_or_default();
                    cfg.warnings
                        .push(format!("{}{at}: unknown attribute {other} is kept but not used", file.display()));
                }
                _ => {}
            }
            cfg.raw.push(attr.clone());
        }
        mads::check_unique(&cfg.im_mads, &cfg.vm_mads, &cfg.tm_mads).map_err(|m| ConfigError {
            file: file.to_path_buf(),
            position: None,
            message: m,
        })?;
        Ok(cfg)
    }

    fn db(it: &Item, loc: &Locations) -> Result<DbConfig, ConfigError> {
        let v = it.vector()?;
        let backend = v.get("BACKEND").unwrap_or("sqlite").trim().to_ascii_lowercase();
        if backend != "sqlite" {
            return Err(it.err(format!("DB/BACKEND {backend:?} is not supported; use \"sqlite\"")));
        }
        let path = resolve(&loc.var, v.get("PATH").unwrap_or("one.db"));
        let timeout_ms = it.sub_uint(v, "TIMEOUT", 0, 3_600_000)?.unwrap_or(2500);
        let sync_full = match v.get("SYNC").map(|s| s.trim().to_ascii_uppercase()) {
            None => true,
            Some(s) if s == "FULL" => true,
            Some(s) if s == "NORMAL" => false,
            Some(s) => return Err(it.err(format!("DB/SYNC must be \"FULL\" or \"NORMAL\", not {s:?}"))),
        };
        let max_batch = it.sub_uint(v, "MAX_BATCH", 1, 1_000_000)?.unwrap_or(10_000) as usize;
        Ok(DbConfig { backend, path, timeout_ms, sync_full, max_batch })
    }

    fn auth_throttle(it: &Item) -> Result<ThrottleConfig, ConfigError> {
        let v = it.vector()?;
        let d = ThrottleConfig::default();
        let secs = std::time::Duration::from_secs;
        Ok(ThrottleConfig {
            user_free: it.sub_uint(v, "USER_FREE", 1, u32::MAX as u64)?.map_or(d.user_free, |n| n as u32),
            address_free: it.sub_uint(v, "ADDRESS_FREE", 1, u32::MAX as u64)?.map_or(d.address_free, |n| n as u32),
            max_delay: it.sub_uint(v, "MAX_DELAY", 1, 86400)?.map_or(d.max_delay, secs),
            reset_after: it.sub_uint(v, "RESET", 1, 86400 * 7)?.map_or(d.reset_after, secs),
        })
    }

    fn log(it: &Item, loc: &Locations) -> Result<LogConfig, ConfigError> {
        let v = it.vector()?;
        let system = match v.get("SYSTEM").map(|s| s.trim().to_ascii_lowercase()) {
            None => LogSystem::File,
            Some(s) if s == "file" => LogSystem::File,
            Some(s) if s == "std" => LogSystem::Std,
            Some(s) => return Err(it.err(format!("LOG/SYSTEM must be \"file\" or \"std\", not {s:?}"))),
        };
        let debug_level = it.sub_uint(v, "DEBUG_LEVEL", 0, 5)?.unwrap_or(3) as u8;
        let file = resolve(&loc.log, v.get("FILE").unwrap_or("oned.log"));
        Ok(LogConfig { system, debug_level, file })
    }
}

/// The top-level keys whose built-in entries are merged one NAME at a time.
const PER_NAME: [&str; 2] = ["TM_MAD_CONF", "DS_MAD_CONF"];

/// `(key, lower-case NAME)` of an entry of a [`PER_NAME`] key.
fn entry_name(a: &Attribute) -> Option<(String, String)> {
    if !PER_NAME.contains(&a.name()) {
        return None;
    }
    let name = a.as_vector().and_then(|v| v.get("NAME")).unwrap_or("").trim().to_ascii_lowercase();
    Some((a.name().to_string(), name))
}

/// A path from the configuration: absolute as given, relative to `base` otherwise.
fn resolve(base: &Path, s: &str) -> PathBuf {
    let p = Path::new(s.trim());
    if p.is_absolute() { p.to_path_buf() } else { base.join(p) }
}

/// The built-in defaults, in oned.conf syntax (the same values the shipped file documents).
const DEFAULTS: &str = r#"
PORT = 2633
LISTEN_ADDRESS = "0.0.0.0"
DB = [ BACKEND = "sqlite", PATH = "one.db", TIMEOUT = 2500, SYNC = "FULL", MAX_BATCH = 10000 ]
LOG = [ SYSTEM = "file", DEBUG_LEVEL = 3 ]
MONITORING_INTERVAL_HOST = 180
MONITORING_INTERVAL_VM = 180
HOST_MONITORING_EXPIRATION_TIME = 43200
VM_MONITORING_EXPIRATION_TIME = 14400
MAC_PREFIX = "02:00"
DEFAULT_UMASK = 177
NETWORK_SIZE = 254
API_LIST_ORDER = "DESC"
SESSION_EXPIRATION_TIME = 900
DRIVER_ACTION_TIMEOUT = 300
MAX_CONN = 4096
MAX_CONN_BACKLOG = 1024
KEEPALIVE_TIMEOUT = 15
KEEPALIVE_MAX_CONN = 1000
HEADER_TIMEOUT = 10
TIMEOUT = 15
MESSAGE_SIZE = 67108864
AUTH_THROTTLE = [ USER_FREE = 10, ADDRESS_FREE = 30, MAX_DELAY = 60, RESET = 600 ]
MONITORING_INTERVAL_DATASTORE = 300
DATASTORE_MAD = [ EXECUTABLE = "one_datastore", ARGUMENTS = "-t 15 -d dummy,fs -s shared,ssh,qcow2,local,dummy" ]
TM_MAD_CONF = [ NAME = "dummy", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "shared", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES", TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE", ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "lvm", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw", DISK_TYPE = "BLOCK", ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "fs_lvm", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "YES", DRIVER = "raw", DISK_TYPE = "BLOCK", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "fs_lvm_ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "YES", DRIVER = "raw", DISK_TYPE = "BLOCK", PERSISTENT_SNAPSHOTS = "NO", ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "qcow2", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES", TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE", DRIVER = "qcow2", ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO", ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "local", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO", ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "ceph", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw", ALLOW_ORPHANS = "mixed", TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "iscsi_libvirt", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "dev", LN_TARGET = "NONE", CLONE_TARGET = "NONE", SHARED = "YES", DRIVER = "raw", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "netapp", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw", DISK_TYPE = "BLOCK", ALLOW_ORPHANS = "LINEAR", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "purefa", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw", DISK_TYPE = "BLOCK", ALLOW_ORPHANS = "YES", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "virtiofs", LN_TARGET = "NONE", CLONE_TARGET = "NONE", SHARED = "YES", DRIVER = "virtiofs", DISK_TYPE = "filesystem", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
DS_MAD_CONF = [ NAME = "ceph", REQUIRED_ATTRS = "DISK_TYPE,BRIDGE_LIST", PERSISTENT_ONLY = "NO", MARKETPLACE_ACTIONS = "export" ]
DS_MAD_CONF = [ NAME = "dev", REQUIRED_ATTRS = "DISK_TYPE", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "iscsi_libvirt", REQUIRED_ATTRS = "DISK_TYPE,ISCSI_HOST", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "dummy", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO" ]
DS_MAD_CONF = [ NAME = "fs", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO", MARKETPLACE_ACTIONS = "export" ]
DS_MAD_CONF = [ NAME = "lvm", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO" ]
DS_MAD_CONF = [ NAME = "restic", REQUIRED_ATTRS = "RESTIC_PASSWORD", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "rsync", REQUIRED_ATTRS = "RSYNC_HOST,RSYNC_USER", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "netapp", PERSISTENT_ONLY = "NO", REQUIRED_ATTRS = "NETAPP_HOST,NETAPP_USER,NETAPP_PASS,NETAPP_AGGREGATES,NETAPP_SVM,NETAPP_IGROUP,NETAPP_TARGET" ]
DS_MAD_CONF = [ NAME = "purefa", PERSISTENT_ONLY = "NO", REQUIRED_ATTRS = "PUREFA_HOST,PUREFA_API_TOKEN,PUREFA_TARGET" ]
DS_MAD_CONF = [ NAME = "virtiofs", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO", DATASTORE_CAPACITY_CHECK = "NO" ]
DS_MAD_CONF = [ NAME = "interactive", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO", DATASTORE_CAPACITY_CHECK = "NO" ]
VM_RESTRICTED_ATTR = "CONTEXT/FILES"
VM_RESTRICTED_ATTR = "NIC/MAC"
VM_RESTRICTED_ATTR = "NIC/VLAN_ID"
VM_RESTRICTED_ATTR = "NIC/BRIDGE"
VM_RESTRICTED_ATTR = "NIC/FILTER"
VM_RESTRICTED_ATTR = "NIC/FILTER_IP_SPOOFING"
VM_RESTRICTED_ATTR = "NIC/FILTER_MAC_SPOOFING"
VM_RESTRICTED_ATTR = "NIC/INBOUND_AVG_BW"
VM_RESTRICTED_ATTR = "NIC/INBOUND_PEAK_BW"
VM_RESTRICTED_ATTR = "NIC/INBOUND_PEAK_KB"
VM_RESTRICTED_ATTR = "NIC/OUTBOUND_AVG_BW"
VM_RESTRICTED_ATTR = "NIC/OUTBOUND_PEAK_BW"
VM_RESTRICTED_ATTR = "NIC/OUTBOUND_PEAK_KB"
VM_RESTRICTED_ATTR = "NIC/OPENNEBULA_MANAGED"
VM_RESTRICTED_ATTR = "NIC/EXTERNAL"
VM_RESTRICTED_ATTR = "NIC/VLAN_TAGGED_ID"
VM_RESTRICTED_ATTR = "NIC_ALIAS/MAC"
VM_RESTRICTED_ATTR = "NIC_ALIAS/VLAN_ID"
VM_RESTRICTED_ATTR = "NIC_ALIAS/BRIDGE"
VM_RESTRICTED_ATTR = "NIC_ALIAS/INBOUND_AVG_BW"
VM_RESTRICTED_ATTR = "NIC_ALIAS/INBOUND_PEAK_BW"
VM_RESTRICTED_ATTR = "NIC_ALIAS/INBOUND_PEAK_KB"
VM_RESTRICTED_ATTR = "NIC_ALIAS/OUTBOUND_AVG_BW"
VM_RESTRICTED_ATTR = "NIC_ALIAS/OUTBOUND_PEAK_BW"
VM_RESTRICTED_ATTR = "NIC_ALIAS/OUTBOUND_PEAK_KB"
VM_RESTRICTED_ATTR = "NIC_ALIAS/OPENNEBULA_MANAGED"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/MAC"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/VLAN_ID"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/BRIDGE"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/FILTER"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/EXTERNAL"
VM_RESTRICTED_ATTR = "DISK/TM_MAD"
VM_RESTRICTED_ATTR = "DISK/TM_MAD_SYSTEM"
VM_RESTRICTED_ATTR = "DISK/DS_MAD"
VM_RESTRICTED_ATTR = "DISK/SOURCE"
VM_RESTRICTED_ATTR = "DISK/LN_TARGET"
VM_RESTRICTED_ATTR = "DISK/CLONE_TARGET"
VM_RESTRICTED_ATTR = "TM_MAD_SYSTEM"
VM_RESTRICTED_ATTR = "NIC/VN_MAD"
VM_RESTRICTED_ATTR = "NIC/PHYDEV"
VM_RESTRICTED_ATTR = "NIC_ALIAS/VN_MAD"
VM_RESTRICTED_ATTR = "NIC_ALIAS/PHYDEV"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/VN_MAD"
VM_RESTRICTED_ATTR = "NIC_DEFAULT/PHYDEV"
VM_RESTRICTED_ATTR = "RAW/DATA"
VM_RESTRICTED_ATTR = "DISK/TOTAL_BYTES_SEC"
VM_RESTRICTED_ATTR = "DISK/TOTAL_BYTES_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/TOTAL_BYTES_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/TOTAL_IOPS_SEC"
VM_RESTRICTED_ATTR = "DISK/TOTAL_IOPS_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/TOTAL_IOPS_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/READ_BYTES_SEC"
VM_RESTRICTED_ATTR = "DISK/READ_BYTES_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/READ_BYTES_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/READ_IOPS_SEC"
VM_RESTRICTED_ATTR = "DISK/READ_IOPS_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/READ_IOPS_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/WRITE_BYTES_SEC"
VM_RESTRICTED_ATTR = "DISK/WRITE_BYTES_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/WRITE_BYTES_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/WRITE_IOPS_SEC"
VM_RESTRICTED_ATTR = "DISK/WRITE_IOPS_SEC_MAX"
VM_RESTRICTED_ATTR = "DISK/WRITE_IOPS_SEC_MAX_LENGTH"
VM_RESTRICTED_ATTR = "DISK/SIZE_IOPS_SEC"
VM_RESTRICTED_ATTR = "DISK/OPENNEBULA_MANAGED"
VM_RESTRICTED_ATTR = "DISK/ORIGINAL_SIZE"
VM_RESTRICTED_ATTR = "DISK/SIZE_PREV"
VM_RESTRICTED_ATTR = "DEPLOY_ID"
VM_RESTRICTED_ATTR = "CPU_COST"
VM_RESTRICTED_ATTR = "MEMORY_COST"
VM_RESTRICTED_ATTR = "DISK_COST"
VM_RESTRICTED_ATTR = "PCI"
VM_RESTRICTED_ATTR = "EMULATOR"
VM_RESTRICTED_ATTR = "RAW/DATA"
VM_RESTRICTED_ATTR = "USER_PRIORITY"
VM_RESTRICTED_ATTR = "USER_INPUTS/CPU"
VM_RESTRICTED_ATTR = "USER_INPUTS/MEMORY"
VM_RESTRICTED_ATTR = "USER_INPUTS/VCPU"
VM_RESTRICTED_ATTR = "TOPOLOGY/PIN_POLICY"
VM_RESTRICTED_ATTR = "TOPOLOGY/HUGEPAGE_SIZE"
IMAGE_RESTRICTED_ATTR = "SOURCE"
VNET_RESTRICTED_ATTR = "VN_MAD"
VNET_RESTRICTED_ATTR = "PHYDEV"
VNET_RESTRICTED_ATTR = "QINQ_TYPE"
VNET_RESTRICTED_ATTR = "BRIDGE"
VNET_RESTRICTED_ATTR = "CONF"
VNET_RESTRICTED_ATTR = "BRIDGE_CONF"
VNET_RESTRICTED_ATTR = "OVS_BRIDGE_CONF"
VNET_RESTRICTED_ATTR = "IP_LINK_CONF"
VNET_RESTRICTED_ATTR = "FILTER"
VNET_RESTRICTED_ATTR = "FILTER_IP_SPOOFING"
VNET_RESTRICTED_ATTR = "FILTER_MAC_SPOOFING"
VNET_RESTRICTED_ATTR = "AR/VN_MAD"
VNET_RESTRICTED_ATTR = "AR/PHYDEV"
VNET_RESTRICTED_ATTR = "AR/BRIDGE"
VNET_RESTRICTED_ATTR = "AR/FILTER"
VNET_RESTRICTED_ATTR = "AR/FILTER_IP_SPOOFING"
VNET_RESTRICTED_ATTR = "AR/FILTER_MAC_SPOOFING"
VNET_RESTRICTED_ATTR = "CLUSTER_IDS"
VNET_RESTRICTED_ATTR = "EXTERNAL"
"#;

#[cfg(test)]
mod tests;
