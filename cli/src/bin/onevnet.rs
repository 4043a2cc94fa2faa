//! `onevnet`: see [`cli::tools::vnet`].
fn main() {
    std::process::exit(cli::tools::vnet::main())
}
