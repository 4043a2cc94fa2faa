//! `one_vmm_exec [-t N] [-w S] [-l] [--remotes DIR] <hypervisor>`: the VMM exec driver. Runs
//! `vmm/<hypervisor>/<action>` of the remotes on the VM's host over SSH (`-l`: on the
//! front-end). See `drivers::exec::vmm`.

use drivers::exec::{config, runner_for, vmm::VmmExec};
use drivers::runtime::{DriverOptions, run};

fn main() {
    let opts = match DriverOptions::parse(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => fail(&e),
    };
    let args = config::parse_exec_args(&opts.rest).unwrap_or_else(|e| fail(&e));
    let [hypervisor] = args.positional.as_slice() else {
        fail("exactly one hypervisor name expected (e.g. one_vmm_exec kvm)");
    };
    let runner = runner_for(&opts, &args, false);
    let driver = VmmExec::new(hypervisor.clone(), runner).unwrap_or_else(|e| fail(&e));
    std::process::exit(run(driver, opts));
}

fn fail(message: &str) -> ! {
    eprintln!("one_vmm_exec: {message}");
    std::process::exit(2);
}
