//! Running one XML-RPC call: decode, check, authenticate (unless the HTTP layer already did,
//! from the body's first bytes), dispatch, await the commit, reply. The HTTP side is
//! [`super::http`].

use super::{Args, Authenticated, Core, Request};
use crate::error::{ApiError, fault_code};
use libone::xmlchar::{code_point, find_forbidden};
use libone::xmlrpc::{self, Value};
use std::net::{IpAddr, Ipv4Addr};

/// The methods that are awaited rather than run under the cloud lock.
pub const SCHED_WAIT: &str = "one.sched.wait";
pub const IMAGE_PREFETCH: &str = "one.image.prefetch";

/// Runs one call and returns the response body. `auth` is the caller the HTTP layer
/// authenticated from the same body's first parameter; without it the call is authenticated
/// here (as from a local address).
pub async fn dispatch(core: &Core, body: &str, auth: Option<Authenticated<'_>>) -> String {
    let call = match xmlrpc::parse_call(body) {
        Ok(c) => c,
        Err(e) => return xmlrpc::fault(fault_code::PARSE, &e.to_string()),
    };
    let method = call.method.as_str();
    // Everything oned stores is sent back inside XML; a character XML 1.0 cannot carry would
    // make every later listing unreadable for clients, so such requests are refused whole.
    // (Templates in XML form are checked again after their own references are decoded.)
    if let Some(c) = call.params.iter().find_map(invalid_xml_char) {
        return xmlrpc::fault(
            fault_code::PARSE,
            &format!("The request holds the character {}, which XML 1.0 does not allow", code_point(c)),
        );
    }
    let handler = match super::handler(method) {
        Some(h) => Some(h),
        None if method == SCHED_WAIT || method == IMAGE_PREFETCH => None,
        None => return xmlrpc::fault(fault_code::NO_SUCH_METHOD, &format!("Unknown method {method:?}")),
    };
    let session = match call.params.first() {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return ApiError::fault_type("Parameter that is supposed to be a string is not").to_response(method),
        None => return ApiError::fault_type("Not enough parameters").to_response(method),
    };
    let auth = match auth {
        Some(a) => a,
        None => match core.authenticate(&session, IpAddr::V4(Ipv4Addr::LOCALHOST)).await {
            Ok(a) => a,
            Err(e) => {
                tracing::info!(method, "authentication failed for user {:?}", session.split(':').next().unwrap_or(""));
                return e.to_response(method);
            }
        },
    };
    let caller = auth.caller.clone();
    let Some(handler) = handler else {
        let r = if method == IMAGE_PREFETCH {
            super::image::prefetch(core, &caller, &call.params).await
        } else {
            sched_wait(core, &caller, &call.params).await
        };
        return r.unwrap_or_else(|e| e.to_response(method));
    };
    let mut req = Request {
        method,
        args: Args(&call.params),
        caller,
        ticket: None,
        outbox: Default::default(),
        id: core.next_request_id(),
    };
    tracing::debug!(req = req.id, uid = req.caller.uid, method, "invoked");
    let result = handler(core, &mut req);
    if let Some(ticket) = req.ticket.take()
        && let Err(e) = ticket.wait().await
    {
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
        Value::Struct(m) => {
            m.iter().find_map(|(k, v)| find_forbidden(k).map(|(_, c)| c).or_else(|| invalid_xml_char(v)))
        }
        _ => None,
    }
}

/// `one.sched.wait(session, epoch, timeout_ms)` (Nephele): answers the scheduler's work epoch
/// as soon as it differs from `epoch`, or when `timeout_ms` passes. An idle scheduler blocks
/// here instead of polling. Only the oneadmin group may call it.
async fn sched_wait(core: &Core, caller: &crate::auth::Caller, params: &[Value]) -> Result<String, ApiError> {
    let args = Args(params);
    let seen = args.int(1)?;
    let mut timeout = args.opt_int(2, 30_000)?.clamp(0, 600_000) as u64;
    // A scheduler session stays live while it waits; keeping the wait short bounds how long a
    // dead scheduler's session can look live.
    if caller.scheduler {
        timeout = timeout.min(crate::auth::scheduler::MAX_WAIT.as_millis() as u64);
    }
    if !caller.is_admin() {
        return Err(ApiError::new(
            crate::error::ErrorCode::Authorization,
            format!("User [{}] : Not authorized to wait for scheduler work.", caller.uid),
        ));
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
