//! Process-wide shutdown requests: SIGTERM/SIGINT, or a fatal error in a background thread (a
//! failed commit), both end the server the same orderly way.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use tokio::sync::Notify;

static NOTIFY: OnceLock<Notify> = OnceLock::new();
static REQUESTED: AtomicBool = AtomicBool::new(false);
static EXIT_CODE: AtomicI32 = AtomicI32::new(0);

fn notify() -> &'static Notify {
    NOTIFY.get_or_init(Notify::new)
}

/// Asks the server to stop and exit 0.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
    notify().notify_waiters();
    notify().notify_one();
}

/// Asks the server to stop because something failed; the process exits 1.
pub fn request_fatal(reason: &str) {
    tracing::error!("shutting down: {reason}");
    EXIT_CODE.store(1, Ordering::SeqCst);
    request();
}

/// Completes once a shutdown was requested.
pub async fn requested() {
    loop {
        // Register as a waiter before looking at the flag, so a request made in between is not
        // missed (`notify_waiters` only wakes registered waiters).
        let notified = notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if REQUESTED.load(Ordering::SeqCst) {
            return;
        }
        notified.await;
    }
}

/// The exit code the process should end with.
pub fn exit_code() -> i32 {
    EXIT_CODE.load(Ordering::SeqCst)
}
