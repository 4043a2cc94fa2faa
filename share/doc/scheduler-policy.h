/*
 * scheduler-policy.h — the C ABI of Nephele's custom placement policies, version 1.
 *
 * mm_sched loads a site's placement policy from a shared library named in etc/sched.conf:
 *
 *     DEFAULT_SCHED = [ POLICY = 5, LIBRARY = "/usr/lib/nephele/policy/libmypolicy.so" ]
 *
 * The library exports the functions declared below with C linkage. Guide and examples:
 * share/doc/scheduler.md, section "Custom placement policies". The Rust side of this ABI is
 * sched/src/plugin.rs; both must change together, and only with a new ABI version.
 *
 * TRUST: the library runs inside mm_sched, with the scheduler's privileges and everything it
 * can reach. mm_sched loads it only from an absolute path given in sched.conf, refuses a file
 * or directory writable by every user, and binds every symbol at load time (RTLD_NOW).
 *
 * RULES FOR A POLICY
 * - nephele_policy_abi_version() is called first, once, at load time; it must return
 *   NEPHELE_POLICY_ABI_VERSION (1). Nothing else is called if it returns anything else.
 * - nephele_policy_rank() writes scores_out[i] for hosts[i], i < n_hosts. Higher is better.
 *   Return 0 on success; any other value means "error" and the scheduler ranks this VM with
 *   its built-in policy. Scores left unwritten and NaN scores count as -infinity (last).
 *   It is never called with n_hosts == 0. The scheduler has already dropped the hosts that do
 *   not satisfy the VM's requirements or capacity; the policy only orders the rest.
 * - All pointers are valid only during the call: do not keep them.
 * - Calls are serialised (never two at once into one library) but may come from different
 *   threads, so do not rely on thread-local state between calls.
 * - Do not unwind out of these functions (no C++ exception, no Rust panic): catch inside.
 * - Be quick and never block: the scheduler waits for each call, and a call that never
 *   returns stops all placement.
 * - nephele_policy_name() is optional; it returns a NUL-terminated string of at most 128 bytes
 *   that stays valid while the library is loaded (a string literal), used in the logs.
 */
#ifndef NEPHELE_SCHEDULER_POLICY_H
#define NEPHELE_SCHEDULER_POLICY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NEPHELE_POLICY_ABI_VERSION 1u

/* The VM being placed. */
typedef struct NephelePolicyVm {
    int32_t id;            /* VM ID */
    double cpu;            /* requested CPU, in cores (the template's CPU) */
    int64_t memory_kib;    /* requested memory, KiB (the template's MEMORY x 1024) */
    int32_t user_priority; /* USER_PRIORITY, 0 when unset */
} NephelePolicyVm;

/* One candidate host. CPU figures in percent of one core (100 = one core), memory in KiB. */
typedef struct NephelePolicyHost {
    int32_t id;          /* host ID */
    int32_t cluster_id;  /* its cluster's ID */
    int64_t total_cpu;   /* total CPU (monitoring) */
    int64_t max_cpu;     /* CPU the scheduler may allocate (after overcommit/reservations) */
    int64_t cpu_usage;   /* CPU allocated to the host's VMs */
    int64_t total_mem;   /* total memory (monitoring) */
    int64_t max_mem;     /* memory the scheduler may allocate */
    int64_t mem_usage;   /* memory allocated to the host's VMs */
    int32_t running_vms; /* VMs running on the host */
    int64_t free_cpu;    /* free CPU measured by monitoring, -1 when unknown */
    int64_t free_mem;    /* free memory measured by monitoring, -1 when unknown */
    double priority;     /* the host's PRIORITY attribute, 0 when unset */
} NephelePolicyHost;

/* Required: returns NEPHELE_POLICY_ABI_VERSION. */
uint32_t nephele_policy_abi_version(void);

/* Required: one score per host into scores_out[0..n_hosts); 0 on success. */
int32_t nephele_policy_rank(const NephelePolicyVm *vm, const NephelePolicyHost *hosts,
                            size_t n_hosts, double *scores_out);

/* Optional: the policy's name for the logs. */
const char *nephele_policy_name(void);

/* The layout is part of the ABI (checked on 64-bit targets, as in sched/src/plugin.rs). */
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) && \
    (defined(__LP64__) || defined(_WIN64))
_Static_assert(sizeof(NephelePolicyVm) == 32, "NephelePolicyVm layout");
_Static_assert(offsetof(NephelePolicyVm, cpu) == 8, "NephelePolicyVm layout");
_Static_assert(offsetof(NephelePolicyVm, memory_kib) == 16, "NephelePolicyVm layout");
_Static_assert(offsetof(NephelePolicyVm, user_priority) == 24, "NephelePolicyVm layout");
_Static_assert(sizeof(NephelePolicyHost) == 88, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, cluster_id) == 4, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, total_cpu) == 8, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, max_cpu) == 16, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, cpu_usage) == 24, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, total_mem) == 32, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, max_mem) == 40, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, mem_usage) == 48, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, running_vms) == 56, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, free_cpu) == 64, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, free_mem) == 72, "NephelePolicyHost layout");
_Static_assert(offsetof(NephelePolicyHost, priority) == 80, "NephelePolicyHost layout");
#endif

#ifdef __cplusplus
}
#endif

#endif /* NEPHELE_SCHEDULER_POLICY_H */
