//! `oned`: see the library's documentation; this only hands over the command line.

fn main() {
    std::process::exit(oned::startup::main());
}
