//! Regenerates the man pages and shell completions under `share/` (see [`cli::docs`]).
fn main() {
    let share = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../share"));
    match cli::docs::write(&share) {
        Ok(n) => println!("wrote {n} files under {}", share.display()),
        Err(e) => {
            eprintln!("one-gendocs: {e}");
            std::process::exit(1);
        }
    }
}
