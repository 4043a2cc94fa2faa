//! `sched`: the home of `mm_sched`, Nephele's separate scheduler process.
//!
//! The scheduler is a plain XML-RPC client of `oned` (through [`libone::client`]): it reads the
//! pending VMs and the hosts, matches them with REQUIREMENTS / RANK expressions and dispatches them
//! with `one.vm.deploy`. It never opens oned's database. The placement engine arrives with the
//! scheduler issue; until then this crate only reserves its place in the workspace.
