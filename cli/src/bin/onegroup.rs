//! `onegroup`: see [`cli::tools::group`].
fn main() {
    std::process::exit(cli::tools::group::main())
}
