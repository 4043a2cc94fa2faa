//! `one.sched.*` (Nephele): the scheduler's session. `one.sched.wait`, the long-poll, is
//! awaited in [`super::server`].
//!
//! - `one.sched.open(session, pid)` → a token for `<user>:<token>` sessions, unless another
//!   scheduler's session is live (ACTION error naming its pid). oneadmin group only.
//! - `one.sched.close(session)` with the scheduler session: ends it.

use super::{Core, Handler, Reply, Request};
use crate::auth::scheduler;
use crate::error::{ApiError, ApiResult, ErrorCode};
use std::collections::HashMap;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.sched.open", open);
    m.insert("one.sched.close", close);
}

fn open(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let pid = req.args.opt_int(1, 0)?;
    if !req.caller.is_admin() {
        return Err(ApiError::new(
            ErrorCode::Authorization,
            format!("User [{}] : Not authorized to open a scheduler session.", req.caller.uid),
        ));
    }
    let token = scheduler::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    core.scheduler
        .open(req.caller.uid, u32::try_from(pid).unwrap_or(0), &token)
        .map_err(|busy| ApiError::new(ErrorCode::Action, busy.to_string()))?;
    Ok(Reply::Str(token))
}

fn close(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    if !req.caller.scheduler {
        return Err(ApiError::new(ErrorCode::Action, "Only the scheduler session itself can be closed"));
    }
    let session = req.args.string(0)?;
    let secret = session.split_once(':').map(|(_, s)| s).unwrap_or("");
    Ok(Reply::Bool(core.scheduler.close(secret)))
}
