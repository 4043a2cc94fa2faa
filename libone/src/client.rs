//! A small blocking XML-RPC client for oned (HTTP/1.1 with keep-alive over a plain TCP stream).
//!
//! CONTRACT (implemented by the xmlrpc work item):
//! - `Client::new(endpoint, session)`; endpoint `http://host:port/path`.
//! - `Client::call(method, params)`: inserts the session as argument 0, sends, and maps
//!   OpenNebula's reply array: `[true, v, ..]` → `Ok(v)`, `[false, msg, code, ..]` →
//!   `Err(ClientError::One { code, message })`, a fault → `Err(ClientError::Fault { .. })`.
//! - `Client::call_raw(method, params)`: no session, no interpretation.
//!
//! Transport:
//! - `http://` only (no TLS); port 80 and path `/RPC2` when the URL leaves them out.
//! - Requests are `POST` with `Content-Type: text/xml` and `Content-Length`; responses may be
//!   framed by `Content-Length`, `Transfer-Encoding: chunked` or the connection's close.
//! - Connections are kept alive and reused. A `Client` is `Send + Sync`: calls from several
//!   threads each take an idle connection (or open a new one), so sharing one `Client` does not
//!   serialise them; one thread gets exactly one connection, reused call after call.
//! - A reused connection that the server closed while idle is replaced transparently: before
//!   sending, an idle connection is probed (a non-blocking peek that sees the server's FIN); if
//!   the close is only noticed while sending or as an empty read before the first response
//!   byte, the request is sent once more on a new connection. Nothing is re-sent after any
//!   response byte arrived or after a timeout, and never on a connection that was just opened.
//! - The timeout (default 60 s, [`Client::with_timeout`]) bounds connecting and each read and
//!   write: it is an idle timeout, so a large response that keeps flowing is not cut off.
//! - Any non-200 HTTP status is [`ClientError::Http`]; xmlrpc-c and oned send faults with 200.

pub mod auth;
mod endpoint;
mod http;

use std::io::{BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::xmlrpc::{self, Response, Value};

use endpoint::Endpoint;
use http::{HttpError, HttpResponse};

/// The default for [`Client::with_timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Idle connections kept per client (more concurrent callers simply open and close their own).
const MAX_IDLE: usize = 64;

/// Read buffer per connection.
const READ_BUFFER: usize = 64 * 1024;

/// What can go wrong talking to oned.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The endpoint URL cannot be used; the text names the URL and says why (for example that
    /// TLS is not supported).
    #[error("bad endpoint {0}")]
    Endpoint(String),
    #[error("cannot reach {endpoint}: {source}")]
    Io { endpoint: String, source: std::io::Error },
    /// No progress for the configured timeout while connecting, sending or receiving.
    #[error("no answer from {endpoint} within {timeout:?}")]
    Timeout { endpoint: String, timeout: Duration },
    #[error("HTTP status {0} from oned")]
    Http(u16),
    /// Bad HTTP framing, a body that is not UTF-8, or a reply that does not follow OpenNebula's
    /// `[ok, value, code, ...]` convention.
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

/// One open keep-alive connection.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// True if the server has closed (or reset) this idle connection, or sent something
    /// unsolicited; such a connection must not carry a request.
    fn looks_closed(&self) -> bool {
        if !self.reader.buffer().is_empty() {
            return true;
        }
        let stream = self.reader.get_ref();
        if stream.set_nonblocking(true).is_err() {
            return true;
        }
        let mut byte = [0u8; 1];
        let probe = stream.peek(&mut byte);
        let restored = stream.set_nonblocking(false).is_ok();
        match probe {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => !restored,
            _ => true,
        }
    }

    /// Sends one request and reads its response.
    fn round_trip(&mut self, request: &[u8]) -> Result<HttpResponse, HttpError> {
        self.reader.get_mut().write_all(request).map_err(|source| HttpError::Io { source, before_response: true })?;
        http::read_response(&mut self.reader)
    }
}

/// A blocking XML-RPC client bound to one endpoint and one session (`user:secret`).
pub struct Client {
    endpoint: Endpoint,
    url: String,
    session: String,
    timeout: Duration,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret part of the session.
        let user = self.session.split_once(':').map_or(self.session.as_str(), |(u, _)| u);
        f.debug_struct("Client")
            .field("endpoint", &self.url)
            .field("user", &user)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The reply array's element types, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "i4",
        Value::Long(_) => "i8",
        Value::Boolean(_) => "boolean",
        Value::String(_) => "string",
        Value::Double(_) => "double",
        Value::DateTime(_) => "dateTime.iso8601",
        Value::Base64(_) => "base64",
        Value::Struct(_) => "struct",
        Value::Array(_) => "array",
        Value::Nil => "nil",
        _ => "value",
    }
}

/// OpenNebula's reply convention: `[true, v, 0, ..]` is `v`, `[false, msg, code, ..]` is
/// [`ClientError::One`]; anything else is [`ClientError::Protocol`].
fn interpret(method: &str, response: Response) -> Result<Value, ClientError> {
    let items = match response {
        Response::Fault { code, message } => return Err(ClientError::Fault { code, message }),
        Response::Value(Value::Array(items)) => items,
        Response::Value(other) => {
            return Err(ClientError::Protocol(format!(
                "{method} returned a single {}, not OpenNebula's [ok, value, code] array",
                kind(&other)
            )));
        }
    };
    if items.len() < 3 {
        return Err(ClientError::Protocol(format!(
            "{method} returned an array of {} elements; OpenNebula replies have at least 3 [ok, value, code]",
            items.len()
        )));
    }
    let mut it = items.into_iter();
    let (Some(ok), Some(value), Some(code)) = (it.next(), it.next(), it.next()) else {
        return Err(ClientError::Protocol(format!("{method} returned a short array")));
    };
    match ok {
        Value::Boolean(true) => Ok(value),
        Value::Boolean(false) => {
            let message = match value {
                Value::String(s) => s,
                other => {
                    return Err(ClientError::Protocol(format!(
                        "{method} failed with a {} instead of an error message",
                        kind(&other)
                    )));
                }
            };
            let code = match code {
                Value::Integer(c) => c,
                Value::Long(c) => i32::try_from(c)
                    .map_err(|_| ClientError::Protocol(format!("{method} failed with error code {c} out of range")))?,
                other => {
                    return Err(ClientError::Protocol(format!(
                        "{method} failed with a {} instead of an error code",
                        kind(&other)
                    )));
                }
            };
            Err(ClientError::One { code, message })
        }
        other => Err(ClientError::Protocol(format!(
            "{method} returned a reply array starting with a {} instead of a boolean",
            kind(&other)
        ))),
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}

impl Client {
    /// A client for `endpoint` (`http://host:port/path`) that authenticates every call made
    /// with [`Client::call`] with `session` (`user:password` or `user:token`). No connection is
    /// opened until the first call.
    pub fn new(endpoint: &str, session: impl Into<String>) -> Result<Client, ClientError> {
        let parsed = Endpoint::parse(endpoint).map_err(ClientError::Endpoint)?;
        Ok(Client {
            endpoint: parsed,
            url: endpoint.to_owned(),
            session: session.into(),
            timeout: DEFAULT_TIMEOUT,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The same client with another timeout for connecting and for each read and write
    /// (a zero duration is raised to one millisecond).
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The session string sent as argument 0 by [`Client::call`].
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The endpoint URL as given to [`Client::new`].
    pub fn endpoint(&self) -> &str {
        &self.url
    }

    /// The timeout for connecting and for each read and write.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Calls `method` with the session followed by `params` and applies OpenNebula's reply
    /// convention (see the module docs).
    pub fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(Value::String(self.session.clone()));
        all.extend(params);
        let response = self.call_raw_ref(method, &all)?;
        interpret(method, response)
    }

    /// Calls `method` with exactly `params` (no session) and returns the decoded response.
    pub fn call_raw(&self, method: &str, params: Vec<Value>) -> Result<Response, ClientError> {
        self.call_raw_ref(method, &params)
    }

    fn call_raw_ref(&self, method: &str, params: &[Value]) -> Result<Response, ClientError> {
        let body = xmlrpc::write_call(method, params);
        let request = http::request(&self.endpoint, &body);
        drop(body);
        let response = self.exchange(&request)?;
        if response.status != 200 {
            return Err(ClientError::Http(response.status));
        }
        let text = String::from_utf8(response.body).map_err(|e| {
            ClientError::Protocol(format!("response body is not UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
        })?;
        Ok(xmlrpc::parse_response(&text)?)
    }

    /// Sends `request` on an idle connection (or a new one) and returns the response; puts the
    /// connection back for reuse when the response allows it.
    fn exchange(&self, request: &[u8]) -> Result<HttpResponse, ClientError> {
        if let Some(mut conn) = self.take_idle()
            && !conn.looks_closed()
        {
            match conn.round_trip(request) {
                Ok(response) => return Ok(self.finish(conn, response)),
                // The server closed the idle connection under us: try once on a new one.
                Err(HttpError::ClosedBeforeResponse) => {}
                Err(HttpError::Io { source, before_response: true })
                    if matches!(
                        source.kind(),
                        std::io::ErrorKind::BrokenPipe
                            | std::io::ErrorKind::ConnectionReset
                            | std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::UnexpectedEof
                    ) => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        let mut conn = self.connect()?;
        match conn.round_trip(request) {
            Ok(response) => Ok(self.finish(conn, response)),
            Err(e) => Err(self.error(e)),
        }
    }

    fn finish(&self, conn: Connection, response: HttpResponse) -> HttpResponse {
        if response.reusable {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
        response
    }

    fn take_idle(&self) -> Option<Connection> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }

    fn error(&self, e: HttpError) -> ClientError {
        match e {
            HttpError::ClosedBeforeResponse => ClientError::Io {
                endpoint: self.url.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed by the server before a response",
                ),
            },
            HttpError::Io { source, .. } if is_timeout(&source) => {
                ClientError::Timeout { endpoint: self.url.clone(), timeout: self.timeout }
            }
            HttpError::Io { source, .. } => ClientError::Io { endpoint: self.url.clone(), source },
            HttpError::Protocol(m) => ClientError::Protocol(m),
        }
    }

    fn connect(&self) -> Result<Connection, ClientError> {
        let io = |source| ClientError::Io { endpoint: self.url.clone(), source };
        let addrs = (self.endpoint.host.as_str(), self.endpoint.port).to_socket_addrs().map_err(io)?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(io)?;
                    stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
                    stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
                    return Ok(Connection { reader: BufReader::with_capacity(READ_BUFFER, stream) });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) if is_timeout(&e) => ClientError::Timeout { endpoint: self.url.clone(), timeout: self.timeout },
            Some(e) => io(e),
            None => io(std::io::Error::new(std::io::ErrorKind::NotFound, "host name resolves to no address")),
        })
    }
}

#[cfg(test)]
mod tests;
