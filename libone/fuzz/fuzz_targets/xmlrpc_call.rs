//! Fuzzes `libone::xmlrpc::parse_call` and `parse_call_head` (what oned reads before it
//! authenticates): neither may panic; a head read from the call or any prefix of it is the
//! call's method and first parameter. `parse_call`'s error messages stay short,
//! and whatever it accepts must come back unchanged through `write_call` + `parse_call`
//! (except strings holding `\r`, which XML cannot carry unescaped, or a character XML 1.0 does
//! not allow, which is written as U+FFFD, and NaN, which is not equal to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libone_fuzz::xmlrpc_writes_as_is;
use libone::xmlrpc::{self, CodecError, Value};

fn comparable(v: &Value) -> bool {
    match v {
        Value::String(s) => xmlrpc_writes_as_is(s),
        Value::Double(d) => !d.is_nan(),
        Value::Array(a) => a.iter().all(comparable),
        Value::Struct(m) => m.iter().all(|(k, v)| xmlrpc_writes_as_is(k) && comparable(v)),
        _ => true,
    }
}

/// `parse_call_head` of `text` and of prefixes of it: never a panic, and whenever it reads a
/// head, that head is the whole call's method and first parameter.
fn check_head(text: &str, call: Option<&xmlrpc::Call>) {
    let step = (text.len() / 16).max(1);
    let mut cut = 0;
    while cut <= text.len() {
        if text.is_char_boundary(cut)
            && let Ok((method, first)) = xmlrpc::parse_call_head(&text[..cut])
            && let Some(call) = call
            && comparable(&first)
        {
            assert_eq!(method, call.method, "head method of a prefix");
            assert_eq!(Some(&first), call.params.first(), "head parameter of a prefix");
        }
        cut += step;
    }
    if let (Some(call), Some(first)) = (call, call.and_then(|c| c.params.first())) {
        if comparable(first) {
            assert_eq!(xmlrpc::parse_call_head(text).as_ref().map(|(m, f)| (m.as_str(), f)), Ok((call.method.as_str(), first)), "head of a whole call");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = xmlrpc::parse_call(text);
    check_head(text, parsed.as_ref().ok());
    match parsed {
        Ok(call) => {
            if xmlrpc_writes_as_is(&call.method) && call.params.iter().all(comparable) {
                let again = xmlrpc::parse_call(&xmlrpc::write_call(&call.method, &call.params));
                assert_eq!(again.as_ref(), Ok(&call), "write_call/parse_call round trip");
            }
        }
        Err(CodecError::Malformed(m)) => assert!(m.len() < 300, "error message of {} bytes", m.len()),
    }
});
