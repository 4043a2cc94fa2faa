//! `onedatastore`: see [`cli::tools::datastore`].
fn main() {
    std::process::exit(cli::tools::datastore::main())
}
