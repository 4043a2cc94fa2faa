//! `one_im_dummy`: the dummy information (IM) driver (see `drivers::dummy::im`). Usage, as an
//! oned.conf `EXECUTABLE` with `ARGUMENTS`:
//! `one_im_dummy [-t N] [-w SECS] [--delay MS] [--fail-rate P] [--seed N] [--fail VERB]... [--state-dir DIR]`

fn main() {
    let code = drivers::dummy::launch("one_im_dummy", std::env::args().skip(1), drivers::dummy::im::ImDummy::new);
    std::process::exit(code);
}
