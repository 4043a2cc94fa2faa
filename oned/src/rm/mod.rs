//! The request manager: OpenNebula's XML-RPC API.
//!
//! How a request flows:
//! 1. [`http`] reads `POST /RPC2` within the server's limits and, from the body's first bytes,
//!    the method and argument 0, the session, which is authenticated
//!    ([`Core::authenticate`]: the scheduler's token, a cached session, a login token, or the
//!    password through the throttle and the verification pool) before the rest is read.
//! 2. [`server`] decodes the whole `methodCall` ([`libone::xmlrpc`]) and finds the method in the
//!    table built by `methods` ([`handler`]).
//! 3. The handler runs synchronously: reads take the cloud's read lock; changes go through
//!    [`Mutate::mutate`] (`Core::apply`), which validates and applies them under the write lock and queues the
//!    resulting store operations, leaving a [`crate::store::Ticket`] in the request.
//! 4. The server awaits the ticket (the group commit) and only then sends the reply, so an
//!    acknowledged change is durable.
//!
//! Handlers live in one file per object family; [`generic`] holds the operations every object
//! shares (info, rename, chown, chmod, lock, update, pool listings).

pub mod args;
pub mod generic;
pub mod http;
pub mod server;

mod acl;
mod cluster;
mod datastore;
mod host;
mod image;
mod sched;
mod system;
mod user;
mod vm;
mod vmtemplate;
pub mod vnet;

use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::ApiResult;
use crate::store::Ticket;
use libone::xmlrpc::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

pub use crate::core::{Authenticated, Core, caller_for};

pub use args::Args;
pub use system::API_VERSION;

/// The result of a successful request.
pub enum Reply {
    /// An object id (`<i4>`).
    Id(i32),
    /// An XML document or any other string.
    Str(String),
    Bool(bool),
    /// A 64-bit value (`<i8>`).
    I8(i64),
    /// A pool listing: escaped head, the cached escaped bodies, escaped tail.
    Pool {
        head: String,
        parts: Vec<Arc<str>>,
        tail: String,
    },
}

impl Reply {
    /// The pool form with plain (unescaped) head and tail tags.
    pub fn pool(head: &str, parts: Vec<Arc<str>>, tail: &str) -> Reply {
        let mut h = String::new();
        libone::xmlrpc::escape_string(head, &mut h);
        let mut t = String::new();
        libone::xmlrpc::escape_string(tail, &mut t);
        Reply::Pool { head: h, parts, tail: t }
    }

    /// The XML-RPC response body.
    pub fn to_response(&self) -> String {
        use libone::xmlrpc as x;
        match self {
            Reply::Id(i) => x::ok_int(*i),
            // pyone crashes on an empty string result; oned answers " " in that case.
            Reply::Str(s) if s.is_empty() => x::ok_string(" "),
            Reply::Str(s) => x::ok_string(s),
            Reply::Bool(b) => x::ok_bool(*b),
            Reply::I8(i) => x::ok_i8(*i),
            Reply::Pool { head, parts, tail } => {
                let size = head.len() + tail.len() + parts.iter().map(|p| p.len()).sum::<usize>();
                x::ok_escaped_parts(
                    std::iter::once(head.as_str())
                        .chain(parts.iter().map(|p| &**p))
                        .chain(std::iter::once(tail.as_str())),
                    size,
                )
            }
        }
    }
}

/// One API call being served.
pub struct Request<'a> {
    pub method: &'a str,
    pub args: Args<'a>,
    pub caller: Caller,
    /// Set by [`Mutate::mutate`]: the reply waits for this commit.
    pub ticket: Option<Ticket>,
    /// VMs and images with a driver action to send after the commit.
    pub outbox: crate::cloud::Outbox,
    /// Sequence number for log lines.
    pub id: u64,
}

/// A method handler.
pub type Handler = fn(&Core, &mut Request) -> ApiResult<Reply>;

/// Changing the cloud from a request: [`Core::apply`], with the commit ticket and the outbox
/// kept in the request (the reply waits for the ticket; the outbox goes to the drivers after).
pub trait Mutate {
    fn mutate<R>(&self, req: &mut Request, f: impl FnOnce(&mut Cloud, &Caller) -> ApiResult<R>) -> ApiResult<R>;
}

impl Mutate for Core {
    fn mutate<R>(&self, req: &mut Request, f: impl FnOnce(&mut Cloud, &Caller) -> ApiResult<R>) -> ApiResult<R> {
        let caller = &req.caller;
        let (result, ticket, mut outbox) = self.apply(|cloud| f(cloud, caller));
        if ticket.is_some() {
            req.ticket = ticket;
        }
        req.outbox.append(&mut outbox);
        result
    }
}

/// The handler of `method`, if the API has one.
pub fn handler(method: &str) -> Option<Handler> {
    static METHODS: LazyLock<HashMap<&'static str, Handler>> = LazyLock::new(methods);
    METHODS.get(method).copied()
}

/// The method table.
fn methods() -> HashMap<&'static str, Handler> {
    let mut m: HashMap<&'static str, Handler> = HashMap::new();
    system::register(&mut m);
    acl::register(&mut m);
    user::register(&mut m);
    host::register(&mut m);
    cluster::register(&mut m);
    datastore::register(&mut m);
    vnet::register(&mut m);
    vmtemplate::register(&mut m);
    vm::register(&mut m);
    image::register(&mut m);
    sched::register(&mut m);
    m
}

/// The names of every method served (for docs and tests).
pub fn method_names() -> Vec<&'static str> {
    let mut v: Vec<_> = methods().into_keys().collect();
    v.sort();
    v
}

/// A value from an argument list, for handlers that inspect raw values.
pub fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Long(_) => "i8",
        Value::Boolean(_) => "boolean",
        Value::String(_) => "string",
        Value::Double(_) => "double",
        Value::DateTime(_) => "dateTime",
        Value::Base64(_) => "base64",
        Value::Struct(_) => "struct",
        Value::Array(_) => "array",
        Value::Nil => "nil",
        _ => "value",
    }
}
