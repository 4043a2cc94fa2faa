//! A small blocking XML-RPC client for oned (HTTP/1.1 with keep-alive over a plain TCP stream).
//!
//! CONTRACT (implemented by the xmlrpc work item):
//! - `Client::new(endpoint, session)`; endpoint `http://host:port/path`.
//! - `Client::call(method, params)`: inserts the session as argument 0, sends, and maps
//!   OpenNebula's reply array: `[true, v, ..]` → `Ok(v)`, `[false, msg, code, ..]` →
//!   `Err(ClientError::One { code, message })`, a fault → `Err(ClientError::Fault { .. })`.
//! - `Client::call_raw(method, params)`: no session, no interpretation.

use crate::xmlrpc::{Response, Value};

/// What can go wrong talking to oned.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("bad endpoint {0:?}: expected http://host:port/path")]
    Endpoint(String),
    #[error("cannot reach {endpoint}: {source}")]
    Io { endpoint: String, source: std::io::Error },
    #[error("HTTP status {0} from oned")]
    Http(u16),
    #[error("bad HTTP response: {0}")]
    Protocol(String),
    #[error(transparent)]
    Codec(#[from] crate::xmlrpc::CodecError),
    #[error("XML-RPC fault {code}: {message}")]
    Fault { code: i32, message: String },
    /// OpenNebula's failure array: the message already names the method.
    #[error("{message}")]
    One { code: i32, message: String },
}

pub struct Client {
    _private: (),
}

impl Client {
    pub fn new(_endpoint: &str, _session: impl Into<String>) -> Result<Client, ClientError> {
        todo!()
    }

    pub fn call(&self, _method: &str, _params: Vec<Value>) -> Result<Value, ClientError> {
        todo!()
    }

    pub fn call_raw(&self, _method: &str, _params: Vec<Value>) -> Result<Response, ClientError> {
        todo!()
    }
}
