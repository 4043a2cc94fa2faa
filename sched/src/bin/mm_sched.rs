//! `mm_sched`: Nephele's scheduler process. See the `sched` crate.

fn main() {
    std::process::exit(sched::main());
}
