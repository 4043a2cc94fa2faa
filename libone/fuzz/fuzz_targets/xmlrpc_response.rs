//! Fuzzes `libone::xmlrpc::parse_response`: it must never panic, its error messages stay
//! short, and whatever it accepts must come back unchanged through `ok_value` / `fault` +
//! `parse_response` (except strings holding `\r` or characters XML 1.0 does not allow, and NaN;
//! see `xmlrpc_call.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use libone_fuzz::xmlrpc_writes_as_is;
use libone::xmlrpc::{self, CodecError, Response, Value};

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
    match xmlrpc::parse_response(text) {
        Ok(Response::Value(v)) => {
            if comparable(&v) {
                let again = xmlrpc::parse_response(&xmlrpc::ok_value(&v));
                assert_eq!(again, Ok(Response::Value(v)), "ok_value/parse_response round trip");
            }
        }
        Ok(Response::Fault { code, message }) => {
            if xmlrpc_writes_as_is(&message) {
                let again = xmlrpc::parse_response(&xmlrpc::fault(code, &message));
                assert_eq!(again, Ok(Response::Fault { code, message }), "fault/parse_response round trip");
            }
        }
        Err(CodecError::Malformed(m)) => assert!(m.len() < 300, "error message of {} bytes", m.len()),
    }
});
