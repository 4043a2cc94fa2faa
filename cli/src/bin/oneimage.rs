//! `oneimage`: see [`cli::tools::image`].
fn main() {
    std::process::exit(cli::tools::image::main())
}
