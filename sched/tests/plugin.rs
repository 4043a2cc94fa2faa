//! Placement policy libraries loaded for real through `sched::plugin`: the example policy crate
//! (`sched/examples/policy-example`), small libraries this test writes and builds with cargo (a
//! wrong ABI version, missing symbols, a policy that fails, NaN and unwritten scores), and C
//! policies compiled with `cc` against `share/doc/scheduler-policy.h`, among them the C example
//! of `share/doc/scheduler.md`.
//!
//! Everything is built under `CARGO_TARGET_TMPDIR/policy-plugins` (inside the target directory
//! of this run), so a second run only relinks what changed.

use sched::plugin::{ABI_VERSION, PluginError, PolicyHost, PolicyPlugin, PolicyVm};
use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

const GIB: i64 = 1024 * 1024; // in KiB

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("sched/ has a parent").to_path_buf()
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("policy-plugins")
}

/// A directory of its own for one test, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = work_dir().join(format!("scratch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lib_file(target_dir: &Path, crate_name: &str) -> PathBuf {
    target_dir.join("debug").join(format!("{DLL_PREFIX}{}{DLL_SUFFIX}", crate_name.replace('-', "_")))
}

fn cargo_build(manifest: &Path, target_dir: &Path) {
    let out = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build --manifest-path {} failed:\n{}",
        manifest.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `contents` unless the file already holds exactly that (keeps cargo's fingerprints).
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return;
    }
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, contents).expect("write file");
}

/// The example policy crate of the repository, built once per run.
fn example_library() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let target = work_dir().join("target-example");
        let manifest = repo_root().join("sched/examples/policy-example/Cargo.toml");
        cargo_build(&manifest, &target);
        let lib = lib_file(&target, "nephele-policy-example");
        assert!(lib.is_file(), "{} was not built", lib.display());
        lib
    })
}

/// Small cdylibs that misbehave in one way each.
const FIXTURES: &[(&str, &str)] = &[
    (
        "abi-two",
        r#"
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_abi_version() -> u32 { 2 }
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_rank(_vm: *const u8, _hosts: *const u8, _n: usize, _out: *mut f64) -> i32 { 0 }
"#,
    ),
    (
        "no-symbols",
        r#"
#[unsafe(no_mangle)]
pub extern "C" fn some_other_plugin_entry() -> i32 { 42 }
"#,
    ),
    (
        "no-rank",
        r#"
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_abi_version() -> u32 { 1 }
"#,
    ),
    (
        // vm.id 13 fails with code 7; otherwise host ids % 3 == 0 score NaN, == 1 are left
        // unwritten, == 2 score their priority. The name symbol returns NULL.
        "quirky",
        r#"
#[repr(C)]
pub struct Vm { pub id: i32, pub cpu: f64, pub memory_kib: i64, pub user_priority: i32 }
#[repr(C)]
pub struct Host {
    pub id: i32, pub cluster_id: i32, pub total_cpu: i64, pub max_cpu: i64, pub cpu_usage: i64,
    pub total_mem: i64, pub max_mem: i64, pub mem_usage: i64, pub running_vms: i32,
    pub free_cpu: i64, pub free_mem: i64, pub priority: f64,
}
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_abi_version() -> u32 { 1 }
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_name() -> *const std::ffi::c_char { std::ptr::null() }
/// # Safety
/// The policy ABI's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nephele_policy_rank(vm: *const Vm, hosts: *const Host, n: usize, out: *mut f64) -> i32 {
    // SAFETY: the ABI's guarantees on the arguments.
    let (vm, hosts, out) = unsafe {
        (&*vm, std::slice::from_raw_parts(hosts, n), std::slice::from_raw_parts_mut(out, n))
    };
    if vm.id == 13 { return 7; }
    for (host, score) in hosts.iter().zip(out.iter_mut()) {
        match host.id % 3 {
            0 => *score = f64::NAN,
            1 => {}
            _ => *score = host.priority,
        }
    }
    0
}
"#,
    ),
];

/// Builds the fixtures (one cargo workspace, one build) and returns their directory of libraries.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = work_dir().join("fixtures");
        let members: Vec<String> = FIXTURES.iter().map(|(name, _)| format!("{name:?}")).collect();
        write_if_changed(
            &root.join("Cargo.toml"),
            &format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
        );
        for (name, source) in FIXTURES {
            write_if_changed(
                &root.join(name).join("Cargo.toml"),
                &format!(
                    "[package]\nname = {name:?}\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                     [lib]\npath = \"lib.rs\"\ncrate-type = [\"cdylib\"]\n"
                ),
            );
            write_if_changed(&root.join(name).join("lib.rs"), source);
        }
        let target = work_dir().join("target-fixtures");
        cargo_build(&root.join("Cargo.toml"), &target);
        target.join("debug")
    })
}

fn fixture(name: &str) -> PathBuf {
    let lib = fixtures().join(format!("{DLL_PREFIX}{}{DLL_SUFFIX}", name.replace('-', "_")));
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

/// Compiles a C policy against share/doc/scheduler-policy.h (strict C11, warnings are errors).
fn compile_c(dir: &Path, name: &str, source: &str) -> PathBuf {
    let c_file = dir.join(format!("{name}.c"));
    std::fs::write(&c_file, source).expect("write C source");
    let lib = dir.join(format!("{DLL_PREFIX}{name}{DLL_SUFFIX}"));
    let out = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I"])
        .arg(repo_root().join("share/doc"))
        .arg("-o")
        .arg(&lib)
        .arg(&c_file)
        .output()
        .expect("run cc (the C compiler Rust links with)");
    assert!(out.status.success(), "cc failed on {}:\n{}", c_file.display(), String::from_utf8_lossy(&out.stderr));
    lib
}

fn vm(id: i32, memory_kib: i64) -> PolicyVm {
    PolicyVm { id, cpu: 1.0, memory_kib, user_priority: 0 }
}

fn host(id: i32, max_mem: i64, mem_usage: i64, running_vms: i32, free_mem: i64) -> PolicyHost {
    PolicyHost {
        id,
        cluster_id: 0,
        total_cpu: 800,
        max_cpu: 800,
        cpu_usage: 100 * i64::from(running_vms),
        total_mem: max_mem,
        max_mem,
        mem_usage,
        running_vms,
        free_cpu: -1,
        free_mem,
        priority: 0.0,
    }
}

#[test]
fn example_policy_prefers_most_free_memory_then_fewest_vms() {
    let plugin = PolicyPlugin::load(example_library()).expect("load the example policy");
    assert_eq!(plugin.name(), "most-free-memory");
    assert_eq!(plugin.path(), example_library());

    let hosts = [
        host(10, 16 * GIB, 8 * GIB, 4, -1),       // 6 GiB left after a 2 GiB VM
        host(11, 32 * GIB, 8 * GIB, 10, -1),      // 22 GiB, 10 VMs
        host(12, 32 * GIB, 8 * GIB, 2, -1),       // 22 GiB, 2 VMs: best
        host(13, 64 * GIB, 8 * GIB, 1, 4 * GIB),  // monitoring sees only 4 GiB free: 2 GiB left
        host(14, 16 * GIB, 0, 0, -1),             // 14 GiB
        host(15, 32 * GIB, 8 * GIB, 2, 30 * GIB), // as good as host 12 (monitoring not lower)
    ];
    let scores = plugin.rank(&vm(1, 2 * GIB), &hosts).expect("rank");
    // Scores are places counted from the worst, ties sharing one: 12 = 15 > 11 > 14 > 10 > 13.
    assert_eq!(scores, vec![2.0, 4.0, 6.0, 1.0, 3.0, 6.0]);

    // A VM too big for most hosts: what is left, even negative, still orders them.
    let scores = plugin.rank(&vm(2, 20 * GIB), &hosts[..3]).expect("rank");
    assert_eq!(scores, vec![1.0, 2.0, 3.0]);

    // One host, and no host at all (the policy is not even called).
    assert_eq!(plugin.rank(&vm(3, GIB), &hosts[..1]).expect("rank"), vec![1.0]);
    assert_eq!(plugin.rank(&vm(3, GIB), &[]).expect("rank"), Vec::<f64>::new());
}

#[test]
fn a_plugin_is_shared_between_threads() {
    let plugin = Arc::new(PolicyPlugin::load(example_library()).expect("load"));
    let hosts: Vec<PolicyHost> = (0..64).map(|i| host(i, 64 * GIB, i64::from(i) * GIB / 2, i % 5, -1)).collect();
    let expected = plugin.rank(&vm(1, GIB), &hosts).expect("rank");
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (plugin, hosts) = (Arc::clone(&plugin), hosts.clone());
            std::thread::spawn(move || {
                (0..200).map(|_| plugin.rank(&vm(1, GIB), &hosts).expect("rank")).collect::<Vec<_>>()
            })
        })
        .collect();
    for worker in workers {
        for scores in worker.join().expect("no panic") {
            assert_eq!(scores, expected);
        }
    }
    // Less memory in use is more left: host 0 is best, host 63 worst.
    assert_eq!(expected[0], 64.0);
    assert_eq!(expected[63], 1.0);
}

#[test]
fn missing_files_and_non_files_are_refused() {
    let dir = Scratch::new("missing");
    let missing = dir.0.join("libnothing.so");
    let err = PolicyPlugin::load(&missing).expect_err("missing file");
    assert!(matches!(err, PluginError::NotFound { ref path } if path == &missing), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");

    #[cfg(unix)]
    {
        let dangling = dir.0.join("libdangling.so");
        std::os::unix::fs::symlink(&missing, &dangling).expect("symlink");
        let err = PolicyPlugin::load(&dangling).expect_err("dangling symlink");
        assert!(matches!(err, PluginError::NotFound { .. }), "{err:?}");
    }

    let err = PolicyPlugin::load(&dir.0).expect_err("a directory");
    assert!(matches!(err, PluginError::NotAFile { .. }), "{err:?}");

    let err = PolicyPlugin::load(Path::new("relative/libpolicy.so")).expect_err("relative");
    assert!(matches!(err, PluginError::NotAbsolute { .. }), "{err:?}");
    assert!(err.to_string().contains("absolute"), "{err}");
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = Scratch::new("not-a-library");
    let text = dir.0.join("libpolicy.so");
    std::fs::write(&text, "#!/bin/sh\necho this is no ELF object\n").expect("write");
    let err = PolicyPlugin::load(&text).expect_err("a text file");
    match &err {
        PluginError::NotALibrary { path, reason } => {
            assert_eq!(path, &text);
            assert!(!reason.is_empty());
        }
        other => panic!("expected NotALibrary, got {other:?}"),
    }
    assert!(err.to_string().contains("not a loadable shared library"), "{err}");
}

#[test]
fn a_library_without_the_policy_symbols_is_refused() {
    let lib = fixture("no-symbols");
    let err = PolicyPlugin::load(&lib).expect_err("no symbols");
    assert!(matches!(err, PluginError::MissingSymbol { symbol: "nephele_policy_abi_version", .. }), "{err:?}");
    assert!(err.to_string().contains("nephele_policy_abi_version"), "{err}");

    let lib = fixture("no-rank");
    let err = PolicyPlugin::load(&lib).expect_err("no rank function");
    assert!(matches!(err, PluginError::MissingSymbol { symbol: "nephele_policy_rank", .. }), "{err:?}");
}

#[test]
fn a_library_of_another_abi_version_is_refused() {
    let lib = fixture("abi-two");
    let err = PolicyPlugin::load(&lib).expect_err("ABI version 2");
    match err {
        PluginError::AbiVersion { ref path, found, expected } => {
            assert_eq!(path, &lib);
            assert_eq!((found, expected), (2, ABI_VERSION));
        }
        ref other => panic!("expected AbiVersion, got {other:?}"),
    }
    assert!(err.to_string().contains("version 2"), "{err}");
}

#[test]
fn policy_errors_nan_and_unwritten_scores() {
    let lib = fixture("quirky");
    let plugin = PolicyPlugin::load(&lib).expect("load");
    // nephele_policy_name returns NULL: the file name stands in.
    assert_eq!(plugin.name(), format!("{DLL_PREFIX}quirky{DLL_SUFFIX}"));

    let mut hosts: Vec<PolicyHost> = (0..6).map(|i| host(i, 8 * GIB, 0, 0, -1)).collect();
    for h in &mut hosts {
        h.priority = f64::from(h.id) * 10.0;
    }
    let scores = plugin.rank(&vm(1, GIB), &hosts).expect("rank");
    let inf = f64::NEG_INFINITY;
    assert_eq!(scores, vec![inf, inf, 20.0, inf, inf, 50.0]);

    let err = plugin.rank(&vm(13, GIB), &hosts).expect_err("the policy fails for VM 13");
    match &err {
        PluginError::RankFailed { policy, code } => {
            assert_eq!(*code, 7);
            assert_eq!(policy, &plugin.name());
        }
        other => panic!("expected RankFailed, got {other:?}"),
    }
    // The plugin is still usable after an error.
    assert_eq!(plugin.rank(&vm(2, GIB), &hosts[2..3]).expect("rank"), vec![20.0]);
}

#[cfg(unix)]
#[test]
fn libraries_any_user_could_replace_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let set_mode =
        |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    let dir = Scratch::new("permissions");
    let private = dir.0.join("private");
    std::fs::create_dir(&private).expect("mkdir");
    let lib = private.join("libpolicy.so");
    std::fs::copy(example_library(), &lib).expect("copy the example");

    set_mode(&lib, 0o755);
    PolicyPlugin::load(&lib).expect("an ordinary library loads");

    // Through a symbolic link elsewhere: the target is what counts.
    let link = dir.0.join("libpolicy-link.so");
    std::os::unix::fs::symlink(&lib, &link).expect("symlink");
    PolicyPlugin::load(&link).expect("a symlink to it loads");

    set_mode(&lib, 0o666);
    let err = PolicyPlugin::load(&lib).expect_err("world-writable file");
    assert!(matches!(err, PluginError::InsecurePermissions { .. }), "{err:?}");
    assert!(err.to_string().contains("writable by every user"), "{err}");
    set_mode(&lib, 0o755);

    set_mode(&private, 0o777);
    let err = PolicyPlugin::load(&lib).expect_err("world-writable directory");
    assert!(matches!(err, PluginError::InsecurePermissions { .. }), "{err:?}");

    // Sticky, like /tmp: others cannot replace the file, so it loads.
    set_mode(&private, 0o1777);
    PolicyPlugin::load(&lib).expect("sticky directory");
    set_mode(&private, 0o755);
}

/// Every field of both structures reaches a C policy compiled against the header, at the
/// header's offsets: the probe answers the field that `user_priority` selects.
#[test]
fn the_c_header_matches_the_rust_layout() {
    let dir = Scratch::new("c-layout");
    let lib = compile_c(
        &dir.0,
        "layout_probe",
        r#"
#include "scheduler-policy.h"

uint32_t nephele_policy_abi_version(void) { return NEPHELE_POLICY_ABI_VERSION; }
const char *nephele_policy_name(void) { return "layout-probe"; }

int32_t nephele_policy_rank(const NephelePolicyVm *vm, const NephelePolicyHost *hosts,
                            size_t n_hosts, double *scores_out) {
    for (size_t i = 0; i < n_hosts; i++) {
        const NephelePolicyHost *h = &hosts[i];
        double v;
        switch (vm->user_priority) {
        case 0: v = h->id; break;
        case 1: v = h->cluster_id; break;
        case 2: v = (double)h->total_cpu; break;
        case 3: v = (double)h->max_cpu; break;
        case 4: v = (double)h->cpu_usage; break;
        case 5: v = (double)h->total_mem; break;
        case 6: v = (double)h->max_mem; break;
        case 7: v = (double)h->mem_usage; break;
        case 8: v = h->running_vms; break;
        case 9: v = (double)h->free_cpu; break;
        case 10: v = (double)h->free_mem; break;
        case 11: v = h->priority; break;
        case 100: v = vm->id; break;
        case 101: v = vm->cpu; break;
        case 102: v = (double)vm->memory_kib; break;
        case 103: v = vm->user_priority; break;
        default: return 3;
        }
        scores_out[i] = v;
    }
    return 0;
}
"#,
    );
    let plugin = PolicyPlugin::load(&lib).expect("load the C probe");
    assert_eq!(plugin.name(), "layout-probe");

    let hosts: Vec<PolicyHost> = (0..3)
        .map(|i: i32| {
            let k = i64::from(i);
            PolicyHost {
                id: 100 + i,
                cluster_id: 200 + i,
                total_cpu: 300 + k,
                max_cpu: 400 + k,
                cpu_usage: 500 + k,
                total_mem: 600 + k,
                max_mem: 700 + k,
                mem_usage: 800 + k,
                running_vms: 900 + i,
                free_cpu: 1000 + k,
                free_mem: -1 - k,
                priority: 0.5 + f64::from(i),
            }
        })
        .collect();
    let fields: [fn(&PolicyHost) -> f64; 12] = [
        |h| f64::from(h.id),
        |h| f64::from(h.cluster_id),
        |h| h.total_cpu as f64,
        |h| h.max_cpu as f64,
        |h| h.cpu_usage as f64,
        |h| h.total_mem as f64,
        |h| h.max_mem as f64,
        |h| h.mem_usage as f64,
        |h| f64::from(h.running_vms),
        |h| h.free_cpu as f64,
        |h| h.free_mem as f64,
        |h| h.priority,
    ];
    for (selector, field) in fields.iter().enumerate() {
        let probe = PolicyVm { id: 7, cpu: 1.5, memory_kib: 2048, user_priority: selector as i32 };
        let scores = plugin.rank(&probe, &hosts).expect("rank");
        let expected: Vec<f64> = hosts.iter().map(field).collect();
        assert_eq!(scores, expected, "host field #{selector}");
    }
    let vm_fields = [(100, 7.0), (101, 1.5), (102, 2048.0), (103, 103.0)];
    for (selector, expected) in vm_fields {
        let probe = PolicyVm { id: 7, cpu: 1.5, memory_kib: 2048, user_priority: selector };
        assert_eq!(plugin.rank(&probe, &hosts[..1]).expect("rank"), vec![expected], "vm field {selector}");
    }
    let err = plugin.rank(&PolicyVm { user_priority: 55, ..vm(1, 0) }, &hosts).expect_err("code 3");
    assert!(matches!(err, PluginError::RankFailed { code: 3, .. }), "{err:?}");
}

/// The C example of share/doc/scheduler.md compiles against the header and ranks as documented.
#[test]
fn the_documented_c_example_works() {
    let doc = std::fs::read_to_string(repo_root().join("share/doc/scheduler.md")).expect("read doc");
    let section =
        doc.split_once("## Custom placement policies").map(|(_, rest)| rest).expect("scheduler.md has the section");
    let source = section
        .split_once("```c\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(code, _)| code)
        .expect("the section has a ```c block");

    let dir = Scratch::new("c-doc");
    let lib = compile_c(&dir.0, "doc_example", source);
    let plugin = PolicyPlugin::load(&lib).expect("load the documented example");
    assert_eq!(plugin.name(), "most-free-cpu");

    // Free CPU after placing a 2-core VM: 600, 100, 700 (PRIORITY 0) and 0 (PRIORITY 1).
    let mut hosts = vec![
        PolicyHost { id: 1, max_cpu: 800, cpu_usage: 0, ..PolicyHost::default() },
        PolicyHost { id: 2, max_cpu: 800, cpu_usage: 500, ..PolicyHost::default() },
        PolicyHost { id: 3, max_cpu: 1600, cpu_usage: 700, ..PolicyHost::default() },
        PolicyHost { id: 4, max_cpu: 400, cpu_usage: 200, ..PolicyHost::default() },
    ];
    hosts[3].priority = 1.0;
    let vm = PolicyVm { id: 1, cpu: 2.0, memory_kib: GIB, user_priority: 0 };
    let scores = plugin.rank(&vm, &hosts).expect("rank");
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let ids: Vec<i32> = order.iter().map(|&i| hosts[i].id).collect();
    // PRIORITY first, then the most CPU left.
    assert_eq!(ids, vec![4, 3, 1, 2], "scores {scores:?}");
}
