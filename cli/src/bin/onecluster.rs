//! `onecluster`: see [`cli::tools::cluster`].
fn main() {
    std::process::exit(cli::tools::cluster::main())
}
