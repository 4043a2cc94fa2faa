//! Hand-written XML-RPC writers: fixed prefixes and suffixes around escaped text, no XML
//! library and no intermediate `Value` for OpenNebula's common replies.

use std::fmt::Write as _;

use base64::Engine as _;

use super::Value;
use crate::xmlchar::replace_forbidden;

/// Everything before the returned value.
const RESPONSE_HEAD: &str = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value>";
/// Everything after the returned value.
const RESPONSE_TAIL: &str = "</value></param></params></methodResponse>";
/// `RESPONSE_HEAD` + the opening of OpenNebula's success array up to the result's `<value>`.
const OK_HEAD: &str = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>\
<value><boolean>1</boolean></value><value>";
/// From the result's `</value>` to the end of the document.
const OK_TAIL: &str = "</value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>";

/// Appends `text` with `&`, `<` and `>` replaced by entities, copying the runs in between, and
/// every character XML 1.0 cannot carry replaced by U+FFFD (so the document stays readable
/// whatever the string holds; clean text is not copied for that).
pub(super) fn escape_into(text: &str, out: &mut String) {
    escape_clean(&replace_forbidden(text), out)
}

/// [`escape_into`] for text that holds only characters XML 1.0 allows.
fn escape_clean(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut last = 0;
    for i in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
        let entity = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        };
        // `i` and `last` sit next to ASCII bytes, so both are char boundaries.
        out.push_str(&text[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// A success array around an already rendered result value (`<i4>…</i4>`, `<string>…`).
fn ok_with(extra: usize, body: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(OK_HEAD.len() + extra + OK_TAIL.len());
    out.push_str(OK_HEAD);
    body(&mut out);
    out.push_str(OK_TAIL);
    out
}

pub(super) fn ok_string(s: &str) -> String {
    ok_with(s.len() + s.len() / 8 + 20, |out| {
        out.push_str("<string>");
        escape_into(s, out);
        out.push_str("</string>");
    })
}

pub(super) fn ok_escaped_parts<'a>(parts: impl IntoIterator<Item = &'a str>, size_hint: usize) -> String {
    ok_with(size_hint + 20, |out| {
        out.push_str("<string>");
        for part in parts {
            out.push_str(part);
        }
        out.push_str("</string>");
    })
}

pub(super) fn ok_int(i: i32) -> String {
    ok_with(24, |out| {
        let _ = write!(out, "<i4>{i}</i4>");
    })
}

pub(super) fn ok_i8(i: i64) -> String {
    ok_with(32, |out| {
        let _ = write!(out, "<i8>{i}</i8>");
    })
}

pub(super) fn ok_bool(b: bool) -> String {
    ok_with(24, |out| out.push_str(if b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" }))
}

pub(super) fn failure(message: &str, code: i32, object_id: i32) -> String {
    let mut out = String::with_capacity(RESPONSE_HEAD.len() + message.len() + 200 + RESPONSE_TAIL.len());
    out.push_str(RESPONSE_HEAD);
    out.push_str("<array><data><value><boolean>0</boolean></value><value><string>");
    escape_into(message, &mut out);
    let _ = write!(
        out,
        "</string></value><value><i4>{code}</i4></value><value><i4>{object_id}</i4></value>\
         <value><i8>0</i8></value></data></array>"
    );
    out.push_str(RESPONSE_TAIL);
    out
}

pub(super) fn fault(code: i32, message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 256);
    let _ = write!(
        out,
        "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct>\
         <member><name>faultCode</name><value><int>{code}</int></value></member>\
         <member><name>faultString</name><value><string>"
    );
    escape_into(message, &mut out);
    out.push_str("</string></value></member></struct></value></fault></methodResponse>");
    out
}

pub(super) fn response(v: &Value) -> String {
    let mut out = String::with_capacity(RESPONSE_HEAD.len() + RESPONSE_TAIL.len() + 64);
    out.push_str(RESPONSE_HEAD);
    value_into(v, &mut out);
    out.push_str(RESPONSE_TAIL);
    out
}

pub(super) fn call(method: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(128 + method.len() + 64 * params.len());
    out.push_str("<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    escape_into(method, &mut out);
    out.push_str("</methodName><params>");
    for p in params {
        out.push_str("<param><value>");
        value_into(p, &mut out);
        out.push_str("</value></param>");
    }
    out.push_str("</params></methodCall>");
    out
}

/// Appends the typed content of a `<value>` element (without the `<value>` tags themselves).
pub(super) fn value_into(v: &Value, out: &mut String) {
    match v {
        Value::Integer(i) => {
            let _ = write!(out, "<i4>{i}</i4>");
        }
        Value::Long(i) => {
            let _ = write!(out, "<i8>{i}</i8>");
        }
        Value::Boolean(b) => out.push_str(if *b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" }),
        Value::String(s) => {
            out.push_str("<string>");
            escape_into(s, out);
            out.push_str("</string>");
        }
        // `Display` for f64 is the shortest exact decimal form without an exponent (as the
        // XML-RPC spec asks); NaN and infinities come out as `NaN`, `inf`, `-inf`, which the
        // reader (and Python's `float()`) accept.
        Value::Double(d) => {
            let _ = write!(out, "<double>{d}</double>");
        }
        Value::DateTime(dt) => {
            let _ = write!(out, "<dateTime.iso8601>{dt}</dateTime.iso8601>");
        }
        Value::Base64(bytes) => {
            out.push_str("<base64>");
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
            out.push_str("</base64>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>");
            for (name, value) in members {
                out.push_str("<member><name>");
                escape_into(name, out);
                out.push_str("</name><value>");
                value_into(value, out);
                out.push_str("</value></member>");
            }
            out.push_str("</struct>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for item in items {
                out.push_str("<value>");
                value_into(item, out);
                out.push_str("</value>");
            }
            out.push_str("</data></array>");
        }
        Value::Nil => out.push_str("<nil/>"),
        // `Value` is `#[non_exhaustive]`; every variant of dxr 0.9 is handled above. A future
        // variant is written as an empty string rather than producing invalid XML.
        _ => out.push_str("<string></string>"),
    }
}
