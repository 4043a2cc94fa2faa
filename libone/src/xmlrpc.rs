//! XML-RPC wire codec (pure: strings in, strings out), shared by oned's request manager and
//! [`crate::client`].
//!
//! Values are [`dxr::Value`]; parsing of calls and responses goes through `dxr`, while responses
//! are *written* here by hand so that a pool listing can be assembled from pre-escaped pieces
//! without building a `Value` tree (see [`ok_escaped_parts`]).
//!
//! OpenNebula's reply convention on top of XML-RPC: success is `[true, result, 0]`, failure is
//! `[false, message, code, object_id, <i8>0]`; argument errors are XML-RPC faults.
//!
//! CONTRACT (implemented by the xmlrpc work item): every function below.

pub use dxr::Value;

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

pub fn parse_call(_body: &str) -> Result<Call, CodecError> {
    todo!()
}

pub fn write_call(_method: &str, _params: &[Value]) -> String {
    todo!()
}

pub fn parse_response(_body: &str) -> Result<Response, CodecError> {
    todo!()
}

/// Appends `text` escaped for an XML-RPC `<string>` (`&`, `<`, `>`).
pub fn escape_string(_text: &str, _out: &mut String) {
    todo!()
}

/// `[true, <string>s</string>, <i4>0</i4>]`
pub fn ok_string(_s: &str) -> String {
    todo!()
}

/// `[true, <string>…</string>, 0]` where the string content is the concatenation of `parts`,
/// each already escaped with [`escape_string`]. `size_hint` is the expected total length.
pub fn ok_escaped_parts<'a>(_parts: impl IntoIterator<Item = &'a str>, _size_hint: usize) -> String {
    todo!()
}

/// `[true, <i4>i</i4>, 0]`
pub fn ok_int(_i: i32) -> String {
    todo!()
}

/// `[true, <i8>i</i8>, 0]`
pub fn ok_i8(_i: i64) -> String {
    todo!()
}

/// `[true, <boolean>b</boolean>, 0]`
pub fn ok_bool(_b: bool) -> String {
    todo!()
}

/// `[false, message, code, object_id, <i8>0</i8>]` (OpenNebula 7.x failure, 5 elements).
pub fn failure(_message: &str, _code: i32, _object_id: i32) -> String {
    todo!()
}

/// A `<fault>` response with `faultCode` and `faultString`.
pub fn fault(_code: i32, _message: &str) -> String {
    todo!()
}

/// A response carrying an arbitrary value.
pub fn ok_value(_v: &Value) -> String {
    todo!()
}
