//! Fuzzes `libone::xmlrpc::parse_call`: it must never panic, its error messages stay short,
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match xmlrpc::parse_call(text) {
        Ok(call) => {
            if xmlrpc_writes_as_is(&call.method) && call.params.iter().all(comparable) {
                let again = xmlrpc::parse_call(&xmlrpc::write_call(&call.method, &call.params));
                assert_eq!(again.as_ref(), Ok(&call), "write_call/parse_call round trip");
            }
        }
        Err(CodecError::Malformed(m)) => assert!(m.len() < 300, "error message of {} bytes", m.len()),
    }
});
