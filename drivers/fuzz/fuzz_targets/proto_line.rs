//! Fuzzes the driver line codec (`driver_proto::proto`) both ways:
//! - any input, read as a request and as a reply, never panics; error messages stay short;
//! - whatever parses encodes to exactly one line that parses back to the same value (an inner
//!   `\r`, the only non-canonical character a parser keeps, comes back as a blank);
//! - a canonical value parses back unchanged, a value parsed from an encoded line is canonical;
//! - base64 never panics on any text, and round trips any bytes.
#![no_main]

use driver_proto::proto::{self, Reply, Request};
use libfuzzer_sys::fuzz_target;

fn flat(s: &str) -> String {
    s.replace('\r', " ")
}

fn flat_request(r: &Request) -> Request {
    match r {
        Request::Action { verb, id, payload } => {
            Request::Action { verb: verb.clone(), id: *id, payload: flat(payload) }
        }
        other => other.clone(),
    }
}

fn flat_reply(r: &Reply) -> Reply {
    match r {
        Reply::Init { ok, info } => Reply::Init { ok: *ok, info: flat(info) },
        Reply::Action { verb, ok, id, info } => {
            Reply::Action { verb: verb.clone(), ok: *ok, id: *id, info: flat(info) }
        }
        Reply::Log { severity, id, text } => Reply::Log { severity: *severity, id: *id, text: flat(text) },
    }
}

fn one_line(line: &str) {
    assert!(line.ends_with('\n'), "encoded line without its newline: {line:?}");
    assert_eq!(line.matches('\n').count(), 1, "encoded value spans several lines: {line:?}");
}

fuzz_target!(|data: &[u8]| {
    let _ = proto::b64_decode(&String::from_utf8_lossy(data));
    assert_eq!(proto::b64_decode(&proto::b64_encode(data)).as_deref(), Ok(data));

    let Ok(text) = std::str::from_utf8(data) else { return };
    match proto::parse_request(text) {
        Ok(request) => {
            let line = proto::encode_request(&request);
            one_line(&line);
            let again = proto::parse_request(&line);
            assert_eq!(again.as_ref(), Ok(&flat_request(&request)), "request round trip of {line:?}");
            if let Ok(again) = again {
                assert!(again.is_canonical(), "parsed from an encoded line but not canonical: {again:?}");
            }
            if request.is_canonical() {
                assert_eq!(flat_request(&request), request);
            }
        }
        Err(e) => assert!(e.to_string().len() < 200, "long error message: {e}"),
    }
    match proto::parse_reply(text) {
        Ok(reply) => {
            let line = proto::encode_reply(&reply);
            one_line(&line);
            let again = proto::parse_reply(&line);
            assert_eq!(again.as_ref(), Ok(&flat_reply(&reply)), "reply round trip of {line:?}");
            if let Ok(again) = again {
                assert!(again.is_canonical(), "parsed from an encoded line but not canonical: {again:?}");
            }
        }
        Err(e) => assert!(e.to_string().len() < 200, "long error message: {e}"),
    }
});
