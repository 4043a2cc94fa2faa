//! `oneuser`: see [`cli::tools::user`].
fn main() {
    std::process::exit(cli::tools::user::main())
}
