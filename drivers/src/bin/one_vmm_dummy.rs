//! `one_vmm_dummy`: the dummy virtualization (VMM) driver (see `drivers::dummy::vmm`). Usage, as an
//! oned.conf `EXECUTABLE` with `ARGUMENTS`:
//! `one_vmm_dummy [-t N] [-w SECS] [--delay MS] [--fail-rate P] [--seed N] [--fail VERB]... [--state-dir DIR]`

fn main() {
    let code = drivers::dummy::launch("one_vmm_dummy", std::env::args().skip(1), drivers::dummy::vmm::VmmDummy::new);
    std::process::exit(code);
}
