//! `onehost`: see [`cli::tools::host`].
fn main() {
    std::process::exit(cli::tools::host::main())
}
