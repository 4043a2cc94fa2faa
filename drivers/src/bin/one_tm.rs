//! `one_tm [-t N] [-w S] [-d tm1,tm2] [--remotes DIR]`: the transfer driver. Runs each line of
//! a transfer file as `tm/<tm_mad>/<action>` on the front-end; when it exits, the scripts' ssh
//! masters are asked to stop. See `drivers::exec::tm`.

use drivers::exec::{
    config, runner_for,
    tm::{TmExec, stop_ssh_masters},
};
use drivers::runtime::{DriverOptions, run};

fn main() {
    let opts = match DriverOptions::parse(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => fail(&e),
    };
    let args = config::parse_exec_args(&opts.rest).unwrap_or_else(|e| fail(&e));
    if let Some(extra) = args.positional.first() {
        fail(&format!("unexpected argument '{extra}'"));
    }
    let runner = runner_for(&opts, &args, true).unwrap_or_else(|e| fail(&e));
    let remotes = runner.remotes().to_path_buf();
    let code = run(TmExec::new(runner, args.allowed), opts);
    // the scripts' shared ssh connections end with the driver (else ControlPersist ends them)
    if let Err(e) = stop_ssh_masters(&remotes) {
        eprintln!("one_tm: stopping the ssh masters: {e}");
    }
    std::process::exit(code);
}

fn fail(message: &str) -> ! {
    eprintln!("one_tm: {message}");
    std::process::exit(2);
}
