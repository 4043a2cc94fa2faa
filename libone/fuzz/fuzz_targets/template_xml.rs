//! Parses arbitrary input as an XML template; whatever parses must write and read back, and
//! print and parse back as text when its names allow it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use libone::template::Template;
use libone_fuzz::{check_text_round_trip, check_xml_round_trip};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let _ = Template::parse_str_or_xml(input);
    let Ok(template) = Template::parse_xml(input) else { return };
    check_xml_round_trip(&template);
    if template.text_round_trips() {
        check_text_round_trip(&template);
    }
});
