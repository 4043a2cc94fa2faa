//! XML-RPC wire codec (pure: strings in, strings out), shared by oned's request manager and
//! [`crate::client`].
//!
//! Values are [`dxr::Value`] (with dxr's `i8` and `nil` extensions). Both directions are
//! implemented here rather than through dxr's serde-based `from_xml`/`to_xml`:
//!
//! - **Writing** (module `write`) is plain string building, so that a pool listing can be
//!   assembled from pre-escaped pieces without building a `Value` tree (see
//!   [`ok_escaped_parts`]).
//! - **Reading** (module `parse`, on the tokenizer in module `lex`) is a small recursive-descent
//!   parser for the XML subset XML-RPC uses. dxr 0.9 was tried first and rejected as the parser:
//!   it accepts any root element as a `methodCall` and trailing elements after the root, turns a
//!   whitespace-only untyped `<value>  </value>` into `""`, refuses empty or whitespace-only
//!   struct member names, only accepts a fault whose members come in the order `faultCode`,
//!   `faultString`, copies the whole input into its error message, and needs ~0.7 s for a 60 MB
//!   entity-heavy string response on a 2-core machine, where this parser needs ~85–95 ms (see
//!   `examples/xmlrpc_parse_speed.rs`). dxr still provides the value model and the
//!   `dateTime.iso8601` grammar, and the tests use it as an oracle.
//!
//! What the reader accepts: `<i4>`/`<int>`, `<i8>`, `<boolean>` (`0`/`1`), `<string>`,
//! `<double>`, `<base64>`, `<dateTime.iso8601>`, `<array>`, `<struct>`, `<nil/>` (also with a
//! namespace prefix such as `<ex:nil/>` / `<ex:i8>`), an untyped `<value>text</value>` (a string,
//! whitespace kept), `<value/>`, `<value></value>` and `<string/>` (the empty string), an
//! optional `<?xml?>` prolog, comments, CDATA sections, the five predefined entities and
//! character references, XML end-of-line normalisation (`\r\n` and `\r` become `\n`), and a
//! call without `<params>`. It rejects DTDs, unknown entities, unknown value types, stray text
//! between structural elements, anything after the root element and value nesting deeper than
//! [`MAX_DEPTH`]. Error messages are short and never quote more than a few dozen bytes of
//! input.
//!
//! OpenNebula's reply convention on top of XML-RPC: success is `[true, result, 0]`, failure is
//! `[false, message, code, object_id, <i8>0]`; argument errors are XML-RPC faults.

mod lex;
mod parse;
mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_python;

pub use dxr::Value;

/// How deeply arrays and structs may nest in a parsed document (the top-level parameter is
/// depth 1). OpenNebula's API never nests more than two levels; the limit keeps hostile input
/// from exhausting the stack.
pub const MAX_DEPTH: usize = 100;

/// A document that is not the XML-RPC it should be.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    #[error("malformed XML-RPC document: {0}")]
    Malformed(String),
}

/// A decoded `methodCall`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub params: Vec<Value>,
}

/// A decoded `methodResponse`: the single returned value, or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Value(Value),
    Fault { code: i32, message: String },
}

/// Parses a `methodCall` document (server side).
///
/// Anything that is not well-formed XML, or whose root is not `methodCall`, or that does not
/// follow the XML-RPC grammar, is [`CodecError::Malformed`] with a short reason and byte offset.
pub fn parse_call(body: &str) -> Result<Call, CodecError> {
    parse::call(body)
}

/// Reads the method name and the first parameter of a `methodCall` from a prefix of its body
/// (server side): the session comes first, so a server can authenticate a call before it reads
/// the rest. Whatever this returns is what [`parse_call`] reads from any complete body that
/// starts with `prefix` (its method and first parameter); an `Err` means the prefix is too short
/// or the document is malformed, which only the whole body can tell apart.
pub fn parse_call_head(prefix: &str) -> Result<(String, Value), CodecError> {
    parse::call_head(prefix)
}

/// Writes a `methodCall` document (client side); parsing it with [`parse_call`] gives back the
/// same method and parameters (strings without `\r`, which XML cannot carry unescaped, and
/// without characters XML 1.0 does not allow, which are written as U+FFFD).
pub fn write_call(method: &str, params: &[Value]) -> String {
    write::call(method, params)
}

/// Parses a `methodResponse` document (client side): the single returned value or a fault.
///
/// Fast for huge single-string responses (a 60 MB pool listing decodes in one pass).
pub fn parse_response(body: &str) -> Result<Response, CodecError> {
    parse::response(body)
}

/// Appends `text` escaped for an XML-RPC `<string>` (`&`, `<`, `>`); a character XML 1.0 does
/// not allow ([`crate::xmlchar`]) is written as U+FFFD. Every writer of this module escapes
/// strings (and struct member names) this way, so no document it writes is unreadable.
pub fn escape_string(text: &str, out: &mut String) {
    write::escape_into(text, out)
}

/// `[true, <string>s</string>, <i4>0</i4>]`
pub fn ok_string(s: &str) -> String {
    write::ok_string(s)
}

/// `[true, <string>…</string>, 0]` where the string content is the concatenation of `parts`,
/// each already escaped with [`escape_string`]. `size_hint` is the expected total length.
pub fn ok_escaped_parts<'a>(parts: impl IntoIterator<Item = &'a str>, size_hint: usize) -> String {
    write::ok_escaped_parts(parts, size_hint)
}

/// `[true, <i4>i</i4>, 0]`
pub fn ok_int(i: i32) -> String {
    write::ok_int(i)
}

/// `[true, <i8>i</i8>, 0]`
pub fn ok_i8(i: i64) -> String {
    write::ok_i8(i)
}

/// `[true, <boolean>b</boolean>, 0]`
pub fn ok_bool(b: bool) -> String {
    write::ok_bool(b)
}

/// `[false, message, code, object_id, <i8>0</i8>]` (OpenNebula 7.x failure, 5 elements).
pub fn failure(message: &str, code: i32, object_id: i32) -> String {
    write::failure(message, code, object_id)
}

/// A `<fault>` response with `faultCode` and `faultString`.
pub fn fault(code: i32, message: &str) -> String {
    write::fault(code, message)
}

/// A response carrying an arbitrary value.
pub fn ok_value(v: &Value) -> String {
    write::response(v)
}
