//! `onevm`: see [`cli::tools::vm`].
fn main() {
    std::process::exit(cli::tools::vm::main())
}
