//! `one_datastore [-t N] [-w S] [-d ds1,ds2] [-s tm1,tm2] [--remotes DIR]`: the datastore
//! driver. Runs `datastore/<DS_MAD>/<action>` on the front-end (system datastore MONITOR:
//! `tm/<TM_MAD>/monitor`). See `drivers::exec::ds`.

use drivers::exec::{config, ds};
use drivers::runtime::{DriverOptions, run};

fn main() {
    let opts = match DriverOptions::parse(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => fail(&e),
    };
    let args = ds::parse_args(&opts.rest).unwrap_or_else(|e| fail(&e));
    let remotes = config::remotes_dir_from_env(args.remotes.as_deref());
    let exe = std::env::current_exe().ok();
    let bin_dir = exe.as_deref().and_then(std::path::Path::parent);
    std::process::exit(run(ds::DsExec::new(remotes, args, bin_dir), opts));
}

fn fail(message: &str) -> ! {
    eprintln!("one_datastore: {message}");
    std::process::exit(2);
}
