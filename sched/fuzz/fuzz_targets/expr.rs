//! Fuzzes the scheduler's expression parsers: any input either fails with an error whose column
//! lies within the input, or parses to an AST whose canonical text parses back to the same AST
//! (and prints identically). Evaluation against an empty object must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sched::expr::{Lookup, Rank, Requirements};

/// An object with every name present: one numeric and one text value.
struct Everything;

impl Lookup for Everything {
    fn values(&self, name: &str) -> Vec<String> {
        vec![format!("{}", name.len()), name.to_string()]
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let chars = text.chars().count();

    match Requirements::parse(text) {
        Ok(r) => {
            let printed = r.to_string();
            let again = Requirements::parse(&printed).expect("canonical requirements reparse");
            assert_eq!(again, r, "round trip of {text:?} via {printed:?}");
            assert_eq!(again.to_string(), printed);
            let _ = r.eval(&Everything);
        }
        Err(e) => assert!(e.position <= chars, "{e} beyond {chars} chars"),
    }

    match Rank::parse(text) {
        Ok(r) => {
            let printed = r.to_string();
            let again = Rank::parse(&printed).expect("canonical rank reparses");
            assert_eq!(again, r, "round trip of {text:?} via {printed:?}");
            assert_eq!(again.to_string(), printed);
            assert!(!r.eval(&Everything).is_nan());
        }
        Err(e) => assert!(e.position <= chars, "{e} beyond {chars} chars"),
    }
});
