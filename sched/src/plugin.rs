//! Custom placement policies loaded from a shared library (`POLICY = 5` in `etc/sched.conf`).
//!
//! A site can replace the built-in ranking with its own code: a shared library, written in C, Rust
//! or anything that can export C functions, named by the administrator in `etc/sched.conf`:
//!
//! ```text
//! DEFAULT_SCHED = [ POLICY = 5, LIBRARY = "/usr/lib/nephele/policy/libmypolicy.so" ]
//! ```
//!
//! This module owns the **stable C ABI** between `mm_sched` and such a library, and the loader.
//! The C view of the ABI is `share/doc/scheduler-policy.h`; the guide is the section "Custom
//! placement policies" of `share/doc/scheduler.md`.
//!
//! # The ABI, version 1
//!
//! The library exports, with C linkage and the platform's C calling convention:
//!
//! - `uint32_t nephele_policy_abi_version(void)` — required, must return [`ABI_VERSION`] (1).
//!   It is the first and only symbol looked at before the version is known to match, so later
//!   versions may change everything else.
//! - `int32_t nephele_policy_rank(const NephelePolicyVm *vm, const NephelePolicyHost *hosts,
//!   size_t n_hosts, double *scores_out)` — required. Writes one score per candidate host into
//!   `scores_out[0..n_hosts]` (higher is better) and returns 0. Any other return value means
//!   "error": the scheduler then ranks this VM with its built-in policy. Entries the policy leaves
//!   unwritten, and NaN entries, count as negative infinity (the host is ranked last). It is never
//!   called with `n_hosts == 0`. The pointers are only valid during the call.
//! - `const char *nephele_policy_name(void)` — optional, a NUL-terminated name for the logs
//!   (at most [`MAX_NAME_LEN`] bytes are read); without it the file name is used.
//!
//! The structures ([`abi::NephelePolicyVm`], [`abi::NephelePolicyHost`]) hold plain numbers
//! only, in the platform's C layout (`#[repr(C)]`); their sizes and offsets on 64-bit targets are
//! fixed by the compile-time assertions in [`abi`] and by `_Static_assert`s in the header.
//!
//! Calls into one library are serialised (a lock in [`PolicyPlugin`]), but may come from
//! different threads. A policy must not unwind (C++ exceptions, Rust panics) out of these
//! functions: a Rust `extern "C"` function aborts the process when a panic reaches its boundary.
//!
//! # Trust
//!
//! Loading a library runs its code inside `mm_sched`, with the scheduler's privileges and access
//! to everything the scheduler can reach (oned's credentials included). Only an absolute path
//! from the administrator's `sched.conf` is ever given to [`PolicyPlugin::load`]; it refuses
//! relative paths (which `dlopen` would look up in the library search path), anything that is not
//! a regular file, and files that any user could rewrite.
#![allow(unsafe_code)] // loading policy plugins is FFI (libloading, the C ABI)

use std::ffi::c_char;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub use abi::{NephelePolicyHost as PolicyHost, NephelePolicyVm as PolicyVm};

/// The ABI version this scheduler speaks; `nephele_policy_abi_version()` must return it.
pub const ABI_VERSION: u32 = 1;
/// Name of the required version symbol.
pub const SYM_ABI_VERSION: &str = "nephele_policy_abi_version";
/// Name of the required ranking symbol.
pub const SYM_RANK: &str = "nephele_policy_rank";
/// Name of the optional name symbol.
pub const SYM_NAME: &str = "nephele_policy_name";
/// At most this many bytes of `nephele_policy_name()` are read.
pub const MAX_NAME_LEN: usize = 128;

/// The C structures and function types of the policy ABI, version 1.
///
/// These are the very structures passed to the library: `PolicyVm` and `PolicyHost` are
/// re-exports of them. Fields are plain numbers; no pointer into scheduler memory is ever given
/// to a policy except the arrays of one `nephele_policy_rank` call.
pub mod abi {
    use std::ffi::c_char;

    /// The VM being placed (`NephelePolicyVm` in C).
    #[repr(C)]
    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    pub struct NephelePolicyVm {
        /// The VM's ID.
        pub id: i32,
        /// Requested CPU, in cores (the template's `CPU`).
        pub cpu: f64,
        /// Requested memory, in KiB (the template's `MEMORY`, converted from MiB).
        pub memory_kib: i64,
        /// The VM's `USER_PRIORITY` (0 when unset).
        pub user_priority: i32,
    }

    /// One candidate host (`NephelePolicyHost` in C). CPU figures are in percent of one core
    /// (100 = one core), memory figures in KiB.
    #[repr(C)]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct NephelePolicyHost {
        /// The host's ID.
        pub id: i32,
        /// The ID of the host's cluster.
        pub cluster_id: i32,
        /// Total CPU reported by monitoring.
        pub total_cpu: i64,
        /// CPU capacity the scheduler may allocate (after overcommitment and reservations).
        pub max_cpu: i64,
        /// CPU allocated to the VMs on the host.
        pub cpu_usage: i64,
        /// Total memory reported by monitoring.
        pub total_mem: i64,
        /// Memory capacity the scheduler may allocate.
        pub max_mem: i64,
        /// Memory allocated to the VMs on the host.
        pub mem_usage: i64,
        /// Number of VMs running on the host.
        pub running_vms: i32,
        /// Free CPU measured by monitoring, -1 when unknown.
        pub free_cpu: i64,
        /// Free memory measured by monitoring, -1 when unknown.
        pub free_mem: i64,
        /// The host's `PRIORITY` attribute, 0 when unset.
        pub priority: f64,
    }

    impl Default for NephelePolicyHost {
        /// All zero, except the monitoring figures, which are "unknown" (-1).
        fn default() -> Self {
            NephelePolicyHost {
                id: 0,
                cluster_id: 0,
                total_cpu: 0,
                max_cpu: 0,
                cpu_usage: 0,
                total_mem: 0,
                max_mem: 0,
                mem_usage: 0,
                running_vms: 0,
                free_cpu: -1,
                free_mem: -1,
                priority: 0.0,
            }
        }
    }

    /// `uint32_t nephele_policy_abi_version(void)`
    pub type AbiVersionFn = unsafe extern "C" fn() -> u32;
    /// `int32_t nephele_policy_rank(const NephelePolicyVm *, const NephelePolicyHost *, size_t,
    /// double *)` (`usize` is `size_t` on every platform Rust supports).
    pub type RankFn = unsafe extern "C" fn(
        vm: *const NephelePolicyVm,
        hosts: *const NephelePolicyHost,
        n_hosts: usize,
        scores_out: *mut f64,
    ) -> i32;
    /// `const char *nephele_policy_name(void)`
    pub type NameFn = unsafe extern "C" fn() -> *const c_char;

    // The layout is part of the stable ABI: these figures are repeated in
    // share/doc/scheduler-policy.h. Changing any of them needs a new ABI version.
    #[cfg(target_pointer_width = "64")]
    const _: () = {
        use std::mem::{align_of, offset_of, size_of};
        assert!(size_of::<NephelePolicyVm>() == 32 && align_of::<NephelePolicyVm>() == 8);
        assert!(offset_of!(NephelePolicyVm, id) == 0);
        assert!(offset_of!(NephelePolicyVm, cpu) == 8);
        assert!(offset_of!(NephelePolicyVm, memory_kib) == 16);
        assert!(offset_of!(NephelePolicyVm, user_priority) == 24);

        assert!(size_of::<NephelePolicyHost>() == 88 && align_of::<NephelePolicyHost>() == 8);
        assert!(offset_of!(NephelePolicyHost, id) == 0);
        assert!(offset_of!(NephelePolicyHost, cluster_id) == 4);
        assert!(offset_of!(NephelePolicyHost, total_cpu) == 8);
        assert!(offset_of!(NephelePolicyHost, max_cpu) == 16);
        assert!(offset_of!(NephelePolicyHost, cpu_usage) == 24);
        assert!(offset_of!(NephelePolicyHost, total_mem) == 32);
        assert!(offset_of!(NephelePolicyHost, max_mem) == 40);
        assert!(offset_of!(NephelePolicyHost, mem_usage) == 48);
        assert!(offset_of!(NephelePolicyHost, running_vms) == 56);
        assert!(offset_of!(NephelePolicyHost, free_cpu) == 64);
        assert!(offset_of!(NephelePolicyHost, free_mem) == 72);
        assert!(offset_of!(NephelePolicyHost, priority) == 80);
    };
}

/// Why a policy library could not be loaded or could not rank.
#[derive(Debug)]
#[non_exhaustive]
pub enum PluginError {
    /// The configured path is relative; only absolute paths are loaded.
    NotAbsolute { path: PathBuf },
    /// Nothing exists at the path (or a symbolic link points nowhere).
    NotFound { path: PathBuf },
    /// The path exists but could not be inspected.
    Inaccessible { path: PathBuf, source: io::Error },
    /// The path is a directory or another non-regular file.
    NotAFile { path: PathBuf },
    /// The path is not valid UTF-8 (the loader takes UTF-8 paths only).
    NotUtf8 { path: PathBuf },
    /// The file, or its directory, may be rewritten by any user.
    InsecurePermissions { path: PathBuf, reason: &'static str },
    /// `dlopen` refused the file: not a shared library, wrong architecture, a missing dependency...
    NotALibrary { path: PathBuf, reason: String },
    /// A required symbol is not exported by the library.
    MissingSymbol { path: PathBuf, symbol: &'static str, reason: String },
    /// The library speaks another ABI version.
    AbiVersion { path: PathBuf, found: u32, expected: u32 },
    /// `nephele_policy_rank` returned a non-zero code; the caller falls back to the built-in
    /// policy.
    RankFailed { policy: String, code: i32 },
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::NotAbsolute { path } => write!(
                f,
                "policy library path {} is not absolute; LIBRARY in sched.conf must be an absolute path",
                path.display()
            ),
            PluginError::NotFound { path } => {
                write!(f, "policy library {} does not exist", path.display())
            }
            PluginError::Inaccessible { path, source } => {
                write!(f, "cannot inspect policy library {}: {source}", path.display())
            }
            PluginError::NotAFile { path } => {
                write!(f, "policy library {} is not a regular file", path.display())
            }
            PluginError::NotUtf8 { path } => {
                write!(f, "policy library path {} is not valid UTF-8", path.display())
            }
            PluginError::InsecurePermissions { path, reason } => write!(
                f,
                "refusing to load policy library {}: {reason} (it would run with the scheduler's privileges)",
                path.display()
            ),
            PluginError::NotALibrary { path, reason } => {
                write!(f, "{} is not a loadable shared library: {reason}", path.display())
            }
            PluginError::MissingSymbol { path, symbol, reason } => {
                write!(f, "policy library {} does not export `{symbol}`: {reason}", path.display())
            }
            PluginError::AbiVersion { path, found, expected } => write!(
                f,
                "policy library {} implements policy ABI version {found}, this scheduler needs version {expected}",
                path.display()
            ),
            PluginError::RankFailed { policy, code } => {
                write!(f, "placement policy {policy} failed with code {code}")
            }
        }
    }
}

impl std::error::Error for PluginError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PluginError::Inaccessible { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A loaded placement policy library.
///
/// The library stays loaded as long as this value lives. `PolicyPlugin` is `Send` and `Sync`;
/// concurrent [`rank`](PolicyPlugin::rank) calls are serialised.
pub struct PolicyPlugin {
    path: PathBuf,
    name: String,
    rank_fn: abi::RankFn,
    call_lock: Mutex<()>,
    // Declared last: the function pointer above is only called while the library is loaded.
    _library: libloading::Library,
}

impl fmt::Debug for PolicyPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyPlugin").field("path", &self.path).field("name", &self.name).finish_non_exhaustive()
    }
}

impl PolicyPlugin {
    /// Loads the policy library at `path`, which must be the absolute `LIBRARY` path of the
    /// administrator's `sched.conf`, never a path from the API or a template: the library's code
    /// runs with the scheduler's privileges.
    ///
    /// Checks, in order: the path is absolute, exists and is a regular file that not every user
    /// may write (nor replace, through a world-writable directory without the sticky bit); the file
    /// is a shared library; it exports `nephele_policy_abi_version` returning [`ABI_VERSION`]; it
    /// exports `nephele_policy_rank`. All symbols are bound at load time (`RTLD_NOW`), so a
    /// library with unresolved references is refused here rather than failing mid-schedule.
    pub fn load(path: &Path) -> Result<PolicyPlugin, PluginError> {
        let real = check_path(path)?;
        let library = open_library(path, &real)?;

        // SAFETY: the ABI defines `nephele_policy_abi_version` as `uint32_t (void)`, which is
        // `AbiVersionFn`; the pointer is copied out of the `Symbol` and only called while
        // `library` is alive (below, and it never escapes this function).
        let version_fn: abi::AbiVersionFn = unsafe { library.get::<abi::AbiVersionFn>(c"nephele_policy_abi_version") }
            .map(|symbol| *symbol)
            .map_err(|e| missing_symbol(path, SYM_ABI_VERSION, &e))?;
        // SAFETY: a no-argument C function of the ABI; the library is loaded.
        let found = unsafe { version_fn() };
        if found != ABI_VERSION {
            return Err(PluginError::AbiVersion { path: path.to_path_buf(), found, expected: ABI_VERSION });
        }

        // SAFETY: version 1 of the ABI defines `nephele_policy_rank` with the signature of
        // `RankFn`. The pointer is stored next to `library` in the same `PolicyPlugin`, which
        // keeps the library loaded for as long as the pointer can be called.
        let rank_fn: abi::RankFn = unsafe { library.get::<abi::RankFn>(c"nephele_policy_rank") }
            .map(|symbol| *symbol)
            .map_err(|e| missing_symbol(path, SYM_RANK, &e))?;

        // SAFETY: version 1 of the ABI defines the optional `nephele_policy_name` as
        // `const char *(void)`; it is called right away while the library is loaded.
        let name = match unsafe { library.get::<abi::NameFn>(c"nephele_policy_name") } {
            // SAFETY: as above; `read_name` checks for NULL and reads a bounded number of bytes.
            Ok(symbol) => unsafe { read_name((*symbol)()) },
            Err(_) => None,
        }
        .unwrap_or_else(|| file_name(&real));

        Ok(PolicyPlugin { path: path.to_path_buf(), name, rank_fn, call_lock: Mutex::new(()), _library: library })
    }

    /// The policy's name: `nephele_policy_name()` if exported (control characters removed), else
    /// the library's file name.
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The path the library was loaded from, as configured.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Scores each of `hosts` for `vm` (higher is better), one score per host in the same order.
    ///
    /// NaN scores, and scores the policy did not write, are negative infinity. A non-zero return
    /// from the policy is [`PluginError::RankFailed`]: the caller ranks with the built-in policy.
    /// With no hosts, the policy is not called and the result is empty.
    pub fn rank(&self, vm: &PolicyVm, hosts: &[PolicyHost]) -> Result<Vec<f64>, PluginError> {
        if hosts.is_empty() {
            return Ok(Vec::new());
        }
        // Sized by us: the policy writes at most `hosts.len()` entries. Pre-filled with NaN so
        // that entries left unwritten are caught below.
        let mut scores = vec![f64::NAN; hosts.len()];
        let code = {
            // A poisoned lock only means another caller panicked while holding it; the lock
            // protects no data, so carry on.
            let _serialised = self.call_lock.lock().unwrap_or_else(PoisonError::into_inner);
            // SAFETY: `rank_fn` was resolved from the library held in `self._library`, which is
            // still loaded, and verified to implement ABI version 1, whose signature is
            // `RankFn`. `vm` points to one live `PolicyVm`; `hosts` and `scores` are live arrays
            // of exactly `hosts.len()` elements (non-zero), the latter writable and not aliased.
            // All are `#[repr(C)]` plain numbers or `f64`, valid for any bit pattern written.
            unsafe { (self.rank_fn)(vm, hosts.as_ptr(), hosts.len(), scores.as_mut_ptr()) }
        };
        if code != 0 {
            return Err(PluginError::RankFailed { policy: self.name.clone(), code });
        }
        for score in &mut scores {
            if score.is_nan() {
                *score = f64::NEG_INFINITY;
            }
        }
        Ok(scores)
    }
}

/// Path checks before anything is mapped into the process; returns the canonical path.
fn check_path(path: &Path) -> Result<PathBuf, PluginError> {
    if !path.is_absolute() {
        return Err(PluginError::NotAbsolute { path: path.to_path_buf() });
    }
    let inspect = |e: io::Error| {
        if e.kind() == io::ErrorKind::NotFound {
            PluginError::NotFound { path: path.to_path_buf() }
        } else {
            PluginError::Inaccessible { path: path.to_path_buf(), source: e }
        }
    };
    let real = std::fs::canonicalize(path).map_err(inspect)?;
    let meta = std::fs::metadata(&real).map_err(inspect)?;
    if !meta.is_file() {
        return Err(PluginError::NotAFile { path: path.to_path_buf() });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        const OTHERS_WRITE: u32 = 0o002;
        const STICKY: u32 = 0o1000;
        if meta.permissions().mode() & OTHERS_WRITE != 0 {
            return Err(PluginError::InsecurePermissions {
                path: path.to_path_buf(),
                reason: "the file is writable by every user",
            });
        }
        if let Some(dir) = real.parent() {
            let dir_mode = std::fs::metadata(dir).map_err(inspect)?.permissions().mode();
            if dir_mode & OTHERS_WRITE != 0 && dir_mode & STICKY == 0 {
                return Err(PluginError::InsecurePermissions {
                    path: path.to_path_buf(),
                    reason: "its directory is writable by every user and not sticky",
                });
            }
        }
    }
    if real.to_str().is_none() {
        return Err(PluginError::NotUtf8 { path: path.to_path_buf() });
    }
    Ok(real)
}

fn open_library(path: &Path, real: &Path) -> Result<libloading::Library, PluginError> {
    let Some(real_str) = real.to_str() else {
        return Err(PluginError::NotUtf8 { path: path.to_path_buf() });
    };
    let not_a_library =
        |e: libloading::Error| PluginError::NotALibrary { path: path.to_path_buf(), reason: describe(&e) };
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading runs the library's initialisers, i.e. its own code; that is the
        // contract of a policy library, which the administrator chose by absolute path in
        // sched.conf and which `check_path` found not writable by every user. RTLD_LOCAL keeps
        // its symbols out of the scheduler's namespace; RTLD_NOW resolves them all now.
        unsafe { Library::open(Some(real_str), RTLD_NOW | RTLD_LOCAL) }
            .map(libloading::Library::from)
            .map_err(not_a_library)
    }
    #[cfg(not(unix))]
    {
        // SAFETY: as above.
        unsafe { libloading::Library::new(real_str) }.map_err(not_a_library)
    }
}

fn missing_symbol(path: &Path, symbol: &'static str, e: &libloading::Error) -> PluginError {
    PluginError::MissingSymbol { path: path.to_path_buf(), symbol, reason: describe(e) }
}

/// libloading's own message is generic ("dlopen failed"); the system's text is its source.
fn describe(e: &libloading::Error) -> String {
    match std::error::Error::source(e) {
        Some(source) => source.to_string(),
        None => e.to_string(),
    }
}

/// Reads a policy-supplied C string: NULL or empty gives `None`; at most `MAX_NAME_LEN` bytes;
/// invalid UTF-8 replaced; control characters dropped (the name goes to the logs).
///
/// # Safety
/// `ptr` must be NULL or point to bytes readable up to a NUL or `MAX_NAME_LEN` bytes, whichever
/// comes first.
unsafe fn read_name(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let mut bytes = Vec::new();
    for i in 0..MAX_NAME_LEN {
        // SAFETY: guaranteed by the caller for every index up to the first NUL.
        let byte = unsafe { ptr.add(i).cast::<u8>().read() };
        if byte == 0 {
            break;
        }
        bytes.push(byte);
    }
    let name: String = String::from_utf8_lossy(&bytes).chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PolicyPlugin>();
    }

    #[test]
    fn names_are_bounded_and_cleaned() {
        // SAFETY: NUL-terminated literals.
        assert_eq!(unsafe { read_name(c"  least\n-loaded ".as_ptr()) }.as_deref(), Some("least-loaded"));
        assert_eq!(unsafe { read_name(c"".as_ptr()) }, None);
        assert_eq!(unsafe { read_name(std::ptr::null()) }, None);
        let long = std::ffi::CString::new("x".repeat(4 * MAX_NAME_LEN)).expect("no NUL");
        // SAFETY: NUL-terminated, longer than the bound.
        let read = unsafe { read_name(long.as_ptr()) }.expect("a name");
        assert_eq!(read.len(), MAX_NAME_LEN);
    }

    #[test]
    fn relative_paths_are_refused_before_any_lookup() {
        let err = PolicyPlugin::load(Path::new("libpolicy.so")).expect_err("relative");
        assert!(matches!(err, PluginError::NotAbsolute { .. }), "{err}");
        let err = PolicyPlugin::load(Path::new("./lib/libpolicy.so")).expect_err("relative");
        assert!(matches!(err, PluginError::NotAbsolute { .. }), "{err}");
    }

    #[test]
    fn default_host_has_unknown_monitoring() {
        let host = PolicyHost::default();
        assert_eq!((host.free_cpu, host.free_mem), (-1, -1));
    }
}
