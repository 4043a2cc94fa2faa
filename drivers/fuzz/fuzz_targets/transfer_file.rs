//! Fuzzes the transfer-file codec (`driver_proto::transfer`):
//! - any text parses or is refused, never panics; error messages stay short;
//! - whatever parses encodes to exactly one line per transfer, and the encoded file parses back
//!   to the same transfers (so no value, once in a `Transfer`, can add a field or a line);
//! - building a transfer from arbitrary argument strings either fails or round-trips.
#![no_main]

use driver_proto::transfer::{self, Transfer, TransferAction};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match transfer::parse_file(text) {
        Ok(list) => {
            let file = transfer::encode_file("fuzz", &list);
            assert_eq!(file.matches('\n').count(), list.len() + 1, "one line per transfer: {file:?}");
            assert_eq!(transfer::parse_file(&file).as_ref(), Ok(&list), "round trip of {file:?}");
        }
        Err(e) => assert!(e.to_string().len() < 400, "long error message: {e}"),
    }
    // The same bytes as the arguments of every action: built or refused, never mangled.
    let args: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    for action in TransferAction::ALL {
        if let Ok(t) = Transfer::new(action, None, "ssh", args.clone()) {
            let line = t.encode();
            assert!(!line.contains('\n'), "a transfer spans lines: {line:?}");
            assert_eq!(transfer::parse_file(&line), Ok(vec![t]), "round trip of {line:?}");
        }
    }
});
