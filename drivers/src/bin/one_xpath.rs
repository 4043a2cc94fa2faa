//! `one_xpath [-b | -p] [-m] [FILE | -] XPATH...`: prints the text of elements of a (base64)
//! XML document, for the datastore scripts. See `drivers::xpath` for the contract.

use drivers::xpath::{XpathError, decode, parse_args, select};
use std::io::{Read, Write};

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&words) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("one_xpath: {e}");
            std::process::exit(2);
        }
    };
    let input = match &args.input {
        Some(file) => std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}")),
        None => {
            let mut data = Vec::new();
            std::io::stdin().read_to_end(&mut data).map(|_| data).map_err(|e| format!("cannot read stdin: {e}"))
        }
    };
    let result = input.and_then(|data| {
        decode(&data, args.encoding)
            .and_then(|xml| select(&xml, &args.paths, args.all))
            .map_err(|e: XpathError| e.to_string())
    });
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                std::process::exit(1);
            }
        }
        Err(message) => {
            eprintln!("one_xpath: {message}");
            std::process::exit(1);
        }
    }
}
