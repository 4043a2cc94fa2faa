//! `onetemplate`: see [`cli::tools::template`].
fn main() {
    std::process::exit(cli::tools::template::main())
}
