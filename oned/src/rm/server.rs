//! The HTTP side of the API: `POST /RPC2` (and `/`) on axum/hyper, decode, authenticate,
//! dispatch, await the commit, reply.

use super::{Args, Core, Request};
use crate::error::{ApiError, fault_code};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use libone::xmlchar::{code_point, find_forbidden};
use libone::xmlrpc::{self, Value};
use std::future::Future;
use std::sync::Arc;

/// Largest request body accepted (templates can be large, but not this large).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Serves the API on an already-bound listener until `shutdown` completes.
pub async fn serve(
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/RPC2", post(handle))
        .route("/", post(handle))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(core);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

async fn handle(State(core): State<Arc<Core>>, body: Bytes) -> Response {
    let text = match std::str::from_utf8(&body) {
        Ok(t) => dispatch(core, t).await,
        Err(_) => xmlrpc::fault(fault_code::PARSE, "The request is not valid UTF-8"),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], text).into_response()
}

/// Runs one call and returns the response body.
pub async fn dispatch(core: Arc<Core>, body: &str) -> String {
    let call = match xmlrpc::parse_call(body) {
        Ok(c) => c,
        Err(e) => return xmlrpc::fault(fault_code::PARSE, &e.to_string()),
    };
    let method = call.method.as_str();
    // Everything oned stores is sent back inside XML; a character XML 1.0 cannot carry would
    // make every later listing unreadable for clients, so such requests are refused whole.
    // (Templates in XML form are checked again after their own references are decoded.)
    if let Some(c) = call.params.iter().find_map(invalid_xml_char) {
        return xmlrpc::fault(fault_code::PARSE, &format!("The request holds the character {}, which XML 1.0 does not allow", code_point(c)));
    }
    // `one.sched.wait` is the one method that is awaited rather than run under the cloud lock.
    let handler = match core.handler(method) {
        Some(h) => Some(h),
        None if method == "one.sched.wait" => None,
        None => return xmlrpc::fault(fault_code::NO_SUCH_METHOD, &format!("Unknown method {method:?}")),
    };
    let session = match call.params.first() {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return ApiError::fault_type("Parameter that is supposed to be a string is not").to_response(method),
        None => return ApiError::fault_type("Not enough parameters").to_response(method),
    };
    let caller = match core.authenticate_cached(&session) {
        Some(c) => c,
        None => {
            let c2 = core.clone();
            let s2 = session.clone();
            match tokio::task::spawn_blocking(move || c2.authenticate_slow(&s2)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    tracing::info!(method, "authentication failed for user {:?}", session.split(':').next().unwrap_or(""));
                    return e.to_response(method);
                }
                Err(e) => return ApiError::internal(format!("authentication task failed: {e}")).to_response(method),
            }
        }
    };
    let Some(handler) = handler else {
        return sched_wait(&core, &caller, &call.params).await.unwrap_or_else(|e| e.to_response(method));
    };
    let mut req = Request { method, args: Args(&call.params), caller, ticket: None, outbox: Vec::new(), id: core.next_request_id() };
    tracing::debug!(req = req.id, uid = req.caller.uid, method, "invoked");
    let result = handler(&core, &mut req);
    if let Some(ticket) = req.ticket.take()
        && let Err(e) = ticket.wait().await {
            tracing::error!(req = req.id, method, "change not committed: {e}");
            return ApiError::internal(format!("The change could not be stored: {e}")).to_response(method);
        }
    // Driver actions go out only once the state that expects their answer is durable.
    core.send_outbox(std::mem::take(&mut req.outbox));
    match result {
        Ok(reply) => {
            tracing::debug!(req = req.id, uid = req.caller.uid, method, "result SUCCESS");
            reply.to_response()
        }
        Err(e) => {
            tracing::debug!(req = req.id, uid = req.caller.uid, method, "result FAILURE {e}");
            e.to_response(method)
        }
    }
}

/// The first character in a string value that XML 1.0 cannot represent.
fn invalid_xml_char(v: &Value) -> Option<char> {
    match v {
        Value::String(s) => find_forbidden(s).map(|(_, c)| c),
        Value::Array(a) => a.iter().find_map(invalid_xml_char),
        Value::Struct(m) => m.iter().find_map(|(k, v)| find_forbidden(k).map(|(_, c)| c).or_else(|| invalid_xml_char(v))),
        _ => None,
    }
}

/// `one.sched.wait(session, epoch, timeout_ms)` (Nephele): answers the scheduler's work epoch
/// as soon as it differs from `epoch`, or when `timeout_ms` passes. An idle scheduler blocks
/// here instead of polling. Only the oneadmin group may call it.
async fn sched_wait(core: &Core, caller: &crate::auth::Caller, params: &[Value]) -> Result<String, ApiError> {
    let args = Args(params);
    let seen = args.int(1)?;
    let timeout = args.opt_int(2, 30_000)?.clamp(0, 600_000) as u64;
    if !caller.is_admin() {
        return Err(ApiError::new(crate::error::ErrorCode::Authorization, format!("User [{}] : Not authorized to wait for scheduler work.", caller.uid)));
    }
    let mut rx = core.sched_epoch.subscribe();
    let current = |rx: &tokio::sync::watch::Receiver<u64>| *rx.borrow() as u32 as i32;
    if current(&rx) == seen {
        // A shutdown ends the wait too, so a blocked scheduler never delays oned's exit.
        tokio::select! {
            _ = tokio::time::timeout(std::time::Duration::from_millis(timeout), rx.changed()) => {}
            _ = crate::shutdown::requested() => {}
        }
    }
    Ok(libone::xmlrpc::ok_int(current(&rx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_invalid_characters_are_found_anywhere() {
        assert_eq!(invalid_xml_char(&Value::String("ok\tline\n".into())), None);
        assert_eq!(invalid_xml_char(&Value::String("bad\u{1}".into())), Some('\u{1}'));
        let nested = Value::Array(vec![Value::Integer(1), Value::Array(vec![Value::String("\u{FFFF}".into())])]);
        assert_eq!(invalid_xml_char(&nested), Some('\u{FFFF}'));
        let member = Value::Struct([("k\u{B}".to_string(), Value::Integer(1))].into_iter().collect());
        assert_eq!(invalid_xml_char(&member), Some('\u{B}'));
        assert_eq!(invalid_xml_char(&Value::String("ñ€😀\r\u{FFFD}".into())), None);
    }
}
