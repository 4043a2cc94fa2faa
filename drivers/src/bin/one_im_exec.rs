//! `one_im_exec [-t N] [-w S] [-l] [--remotes DIR] <im_mad>`: the information (monitoring)
//! exec driver. Runs the probes of `im/<im_mad>.d/` on the host over SSH (`-l`: on the
//! front-end). See `drivers::exec::im`.

use drivers::exec::{config, im::ImExec, runner_for};
use drivers::runtime::{DriverOptions, run};

fn main() {
    let opts = match DriverOptions::parse(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => fail(&e),
    };
    let args = config::parse_exec_args(&opts.rest).unwrap_or_else(|e| fail(&e));
    let [im_mad] = args.positional.as_slice() else {
        fail("exactly one IM driver name expected (e.g. one_im_exec kvm)");
    };
    let runner = runner_for(&opts, &args, false);
    let driver = ImExec::new(im_mad.clone(), runner).unwrap_or_else(|e| fail(&e));
    std::process::exit(run(driver, opts));
}

fn fail(message: &str) -> ! {
    eprintln!("one_im_exec: {message}");
    std::process::exit(2);
}
