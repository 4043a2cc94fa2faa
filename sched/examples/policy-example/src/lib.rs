//! An example placement policy for `mm_sched`, built as a C-ABI shared library (`cdylib`).
//!
//! Policy "most free memory": prefer the hosts that keep the most free memory once the VM is
//! placed; among hosts that keep the same amount, prefer the one running fewer VMs.
//!
//! The free memory of a host is what the scheduler may still allocate there
//! (`max_mem - mem_usage`), lowered to the free memory measured by monitoring when that is known
//! and smaller. The score of a host is its place in that order, counted from the worst: with `n`
//! candidates the best host scores `n`, and hosts that compare equal get the same score.
//!
//! This crate depends on nothing, not even on Nephele's crates: the structures below are
//! re-declared from the ABI (`share/doc/scheduler-policy.h`), and the compile-time assertions
//! check that their layout is the documented one.
//!
//! Build: `cargo build --release --manifest-path sched/examples/policy-example/Cargo.toml`, then
//! in `etc/sched.conf`:
//! `DEFAULT_SCHED = [ POLICY = 5, LIBRARY = "/abs/path/libnephele_policy_example.so" ]`.

use std::cmp::Reverse;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The ABI version this library implements.
const ABI_VERSION: u32 = 1;

/// The policy's name, as the scheduler logs it.
const NAME: &CStr = c"most-free-memory";

/// Returned by `nephele_policy_rank` when an argument is NULL.
const ERR_NULL_ARGUMENT: i32 = 1;
/// Returned by `nephele_policy_rank` if the ranking code panicked (it should not).
const ERR_PANIC: i32 = 2;

/// The VM being placed (`NephelePolicyVm`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NephelePolicyVm {
    pub id: i32,
    pub cpu: f64,
    pub memory_kib: i64,
    pub user_priority: i32,
}

/// A candidate host (`NephelePolicyHost`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NephelePolicyHost {
    pub id: i32,
    pub cluster_id: i32,
    pub total_cpu: i64,
    pub max_cpu: i64,
    pub cpu_usage: i64,
    pub total_mem: i64,
    pub max_mem: i64,
    pub mem_usage: i64,
    pub running_vms: i32,
    pub free_cpu: i64,
    pub free_mem: i64,
    pub priority: f64,
}

// The documented layout of ABI version 1 on 64-bit targets.
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<NephelePolicyVm>() == 32);
    assert!(offset_of!(NephelePolicyVm, memory_kib) == 16);
    assert!(offset_of!(NephelePolicyVm, user_priority) == 24);
    assert!(size_of::<NephelePolicyHost>() == 88);
    assert!(offset_of!(NephelePolicyHost, running_vms) == 56);
    assert!(offset_of!(NephelePolicyHost, free_cpu) == 64);
    assert!(offset_of!(NephelePolicyHost, priority) == 80);
};

/// `uint32_t nephele_policy_abi_version(void)`
// `#[unsafe(no_mangle)]` is how edition 2024 spells `#[no_mangle]`.
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_abi_version() -> u32 {
    ABI_VERSION
}

/// `const char *nephele_policy_name(void)`: a static string, valid as long as the library is
/// loaded.
#[unsafe(no_mangle)]
pub extern "C" fn nephele_policy_name() -> *const c_char {
    NAME.as_ptr()
}

/// `int32_t nephele_policy_rank(const NephelePolicyVm *vm, const NephelePolicyHost *hosts,
/// size_t n_hosts, double *scores_out)`
///
/// # Safety
/// As the ABI states: `vm` points to one valid `NephelePolicyVm`; `hosts` to `n_hosts` valid
/// `NephelePolicyHost`s; `scores_out` to `n_hosts` writable `double`s that no other pointer
/// aliases; all valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nephele_policy_rank(
    vm: *const NephelePolicyVm,
    hosts: *const NephelePolicyHost,
    n_hosts: usize,
    scores_out: *mut f64,
) -> i32 {
    if n_hosts == 0 {
        return 0;
    }
    if vm.is_null() || hosts.is_null() || scores_out.is_null() {
        return ERR_NULL_ARGUMENT;
    }
    // SAFETY: `vm` is non-NULL and, by the ABI, points to a valid, aligned `NephelePolicyVm`
    // that the caller does not change during the call.
    let vm = unsafe { &*vm };
    // SAFETY: `hosts` is non-NULL and, by the ABI, points to `n_hosts` valid, aligned,
    // consecutive `NephelePolicyHost`s (an array the caller allocated, so its size fits isize).
    let hosts = unsafe { std::slice::from_raw_parts(hosts, n_hosts) };
    // SAFETY: `scores_out` is non-NULL and, by the ABI, points to `n_hosts` writable, aligned
    // `f64`s that nothing else reads or writes during the call.
    let scores = unsafe { std::slice::from_raw_parts_mut(scores_out, n_hosts) };

    // A panic must not cross the C boundary (it would abort the scheduler): turn it into an
    // error code, and the scheduler falls back to its built-in policy.
    match catch_unwind(AssertUnwindSafe(|| rank(vm, hosts, scores))) {
        Ok(()) => 0,
        Err(_) => ERR_PANIC,
    }
}

/// Memory (KiB) the host keeps free once `vm` is placed on it; negative if it does not fit.
fn free_mem_after(vm: &NephelePolicyVm, host: &NephelePolicyHost) -> i64 {
    let allocatable = host.max_mem.saturating_sub(host.mem_usage);
    let free = if host.free_mem >= 0 {
        allocatable.min(host.free_mem)
    } else {
        allocatable
    };
    free.saturating_sub(vm.memory_kib)
}

/// The safe heart of the policy: writes `scores[i]` for `hosts[i]`.
fn rank(vm: &NephelePolicyVm, hosts: &[NephelePolicyHost], scores: &mut [f64]) {
    // Sort key, best first: most free memory after placement, then fewest running VMs.
    let key = |host: &NephelePolicyHost| (Reverse(free_mem_after(vm, host)), host.running_vms);
    let mut order: Vec<(usize, _)> = hosts.iter().map(key).enumerate().collect();
    order.sort_by_key(|&(_, k)| k);

    let n = order.len();
    let mut place = 0;
    for (position, &(index, k)) in order.iter().enumerate() {
        // Equal keys share the place of the first of them.
        if position > 0 && order[position - 1].1 != k {
            place = position;
        }
        if let Some(score) = scores.get_mut(index) {
            *score = (n - place) as f64;
        }
    }
}
