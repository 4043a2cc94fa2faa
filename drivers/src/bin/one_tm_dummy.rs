//! `one_tm_dummy`: the dummy transfer (TM) driver (see `drivers::dummy::tm`). Usage, as an
//! oned.conf `EXECUTABLE` with `ARGUMENTS`:
//! `one_tm_dummy [-t N] [-w SECS] [--delay MS] [--fail-rate P] [--seed N] [--fail VERB]... [--state-dir DIR]`

fn main() {
    let code = drivers::dummy::launch("one_tm_dummy", std::env::args().skip(1), drivers::dummy::tm::TmDummy::new);
    std::process::exit(code);
}
