//! Parses arbitrary input as a text template; whatever parses must print and parse back
//! (text and XML), with attribute positions in increasing order.

#![no_main]

use libfuzzer_sys::fuzz_target;
use libone::template::{Template, parse_text_located};
use libone_fuzz::{check_text_round_trip, check_xml_round_trip};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let Ok(located) = parse_text_located(input) else { return };
    let positions: Vec<(usize, usize)> = located.iter().map(|(_, p)| (p.line, p.column)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "positions out of order: {positions:?}");
    let template = Template::from_attributes(located.into_iter().map(|(a, _)| a).collect());
    assert!(template.text_round_trips() || template.to_text().contains("\\ \""));
    check_text_round_trip(&template);
    check_xml_round_trip(&template);
});
