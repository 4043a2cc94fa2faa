//! The runtime every Rust driver binary runs: requests from stdin, actions on a bounded pool of
//! worker threads, replies to stdout.
//!
//! A driver implements [`Driver`] and calls [`run`] with its [`DriverOptions`]; tests drive the
//! same loop over any reader and writer with [`run_with`]. What the runtime guarantees:
//!
//! - **Handshake.** Nothing runs before `INIT`; it calls [`Driver::init`] and answers
//!   `INIT SUCCESS -`, or `INIT FAILURE <why>` and exits with 1. A later `INIT` is answered
//!   `INIT SUCCESS -` again. An action before `INIT` is answered `FAILURE` ("driver not
//!   initialized").
//! - **Bounded pool.** At most `-t` actions run at once; the others wait in a FIFO queue.
//! - **One reply per action, whole lines.** Every action gets exactly one
//!   `<VERB> SUCCESS|FAILURE <id> <info>` line (an empty info is written `-`, as the Ruby drivers
//!   do). Replies and `LOG` lines are written whole under one mutex and flushed. Nothing about
//!   an action is written after its reply: a late result or `LOG` of an abandoned action is
//!   dropped.
//! - **Timeout (`-w`).** An action still running `-w` seconds after it started is answered
//!   `<VERB> FAILURE <id> Timeout executing <VERB> after <n> s`; its cancel flag is set and its
//!   thread abandoned (it no longer counts against `-t`).
//! - **`DRIVER_CANCEL <id>`** sets the cancel flag of the actions running for `id` (the driver
//!   decides what to answer; the dummies answer `FAILURE cancelled`) and answers every queued,
//!   not yet started action for `id` with `FAILURE cancelled`. No reply to the cancel itself.
//! - **`FINALIZE` or end of input.** No more requests are read; queued and running actions get
//!   up to the finalize grace ([`FINALIZE_GRACE`] in [`run`]) to finish; whatever is left then
//!   is cancelled and answered `FAILURE` ("driver finalizing"). Exit code 0 (1 when reading
//!   stdin failed).
//! - **End of input without `FINALIZE`, for a driver that asks [`OnInputEnd::Stop`].** oned
//!   died: nothing reads the replies any more, and the next oned sends again every action it
//!   did not see answered. So nothing waits for the grace: queued actions are answered at once,
//!   running ones are cancelled (their scripts killed, [`crate::exec::local`]) and the runtime
//!   waits up to [`STOP_WAIT`] for them to return before it does, so that the driver does not
//!   exit while a script it started is still running. Each stopped action is named on stderr.
//! - **Bad input.** A line that does not parse (or is not UTF-8) is answered
//!   `LOG E -1 <what is wrong>` and skipped; blank lines are skipped silently (as oned does).
//!   So is an action named `LOG`, whose reply line oned would read as a `LOG` line.
//! - **Panics.** A panic in [`Driver::action`] or [`Driver::init`] becomes a `FAILURE` reply
//!   `"internal error: <panic message>"`; the driver keeps running.

use crate::proto::{self, Reply, Request, Severity};
use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long [`run`] lets queued and running actions finish after `FINALIZE` or end of input
/// (oned kills a driver 10 s after `FINALIZE`).
pub const FINALIZE_GRACE: Duration = Duration::from_secs(8);

/// How long, after end of input with [`OnInputEnd::Stop`], the runtime waits for the cancelled
/// actions to return (a cancelled script gets SIGTERM, SIGKILL 0.5 s later, and its output pipes
/// up to 2 s to close: [`crate::exec::local`]).
pub const STOP_WAIT: Duration = Duration::from_secs(5);

/// The default of `-t`: OpenNebula's `one_vmm_exec` and `one_tm` run 15 actions at once.
pub const DEFAULT_THREADS: usize = 15;

/// The runtime's command-line options (OpenNebula's exec-driver flags) and the driver's own
/// words.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverOptions {
    /// `-t N`: actions run at once (default 15, at least 1).
    pub threads: usize,
    /// `-w SECS`: per-action timeout (fractions allowed; absent or `0` = none).
    pub timeout: Option<Duration>,
    /// `-r N`: retries of remote commands (for drivers that run them; the runtime keeps it).
    pub retries: u32,
    /// `-l`: run actions locally (for drivers that run remote commands).
    pub local: bool,
    /// Every other word, in order (everything after `--` too): the driver's own options.
    pub rest: Vec<String>,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions { threads: DEFAULT_THREADS, timeout: None, retries: 0, local: false, rest: Vec::new() }
    }
}

impl DriverOptions {
    /// Reads the arguments (without the program name). Every argument is split on blanks
    /// first, because oned passes `ARGUMENTS` as one argv element (OpenNebula does; Nephele
    /// splits it: both work). `-t N`, `-w S`, `-r N` take their value as the next word or
    /// glued (`-t15`); `-l` takes none.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let words: Vec<String> =
            args.into_iter().flat_map(|a| a.split_whitespace().map(str::to_owned).collect::<Vec<_>>()).collect();
        let mut options = DriverOptions::default();
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let flag = match word.as_str() {
                "--" => {
                    options.rest.extend(words.by_ref());
                    break;
                }
                "-l" => {
                    options.local = true;
                    continue;
                }
                w if matches!(w.get(..2), Some("-t" | "-w" | "-r")) => w[..2].to_owned(),
                _ => {
                    options.rest.push(word);
                    continue;
                }
            };
            let value = if word.len() > 2 {
                word[2..].to_owned()
            } else {
                words.next().ok_or_else(|| format!("option {flag} needs a value"))?
            };
            match flag.as_str() {
                "-t" => {
                    options.threads = match value.parse::<usize>() {
                        Ok(n) if n >= 1 => n,
                        _ => return Err(format!("bad value \"{value}\" for -t (expected a number of threads ≥ 1)")),
                    }
                }
                "-w" => {
                    options.timeout = match value.parse::<f64>() {
                        Ok(s) if (0.0..1e9).contains(&s) => (s > 0.0).then(|| Duration::from_secs_f64(s)),
                        _ => return Err(format!("bad value \"{value}\" for -w (expected seconds ≥ 0)")),
                    }
                }
                _ => {
                    options.retries = value
                        .parse()
                        .map_err(|_| format!("bad value \"{value}\" for -r (expected a number of retries)"))?
                }
            }
        }
        Ok(options)
    }
}

/// What becomes of a driver's actions when its input ends without `FINALIZE` (oned died, or
/// was killed: the pipe closed under it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInputEnd {
    /// As after `FINALIZE`: queued and running actions get the finalize grace to finish.
    Finish,
    /// Queued actions are dropped and running ones cancelled at once: finishing them is work
    /// the next oned does again (it sends every action it did not see answered), and what they
    /// leave behind (a file under a name the next attempt does not choose) is orphaned.
    Stop,
}

/// A driver: what runs the actions. Implementations must be shareable between threads.
pub trait Driver: Send + Sync + 'static {
    /// Called once, on `INIT`, before any action. `Err` answers `INIT FAILURE` and the driver
    /// exits.
    fn init(&self) -> Result<(), String> {
        Ok(())
    }

    /// What the runtime does with the actions when the input ends without `FINALIZE`
    /// ([`OnInputEnd::Finish`] unless the driver says otherwise).
    fn on_input_end(&self) -> OnInputEnd {
        OnInputEnd::Finish
    }

    /// Runs one action. `Ok(info)` → `SUCCESS` (an empty info is sent as `-`), `Err(msg)` →
    /// `FAILURE`. Called on a worker thread; should return soon after
    /// [`ActionContext::is_cancelled`] turns true.
    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String>;
}

/// The lines written to oned: one mutex, whole lines, flushed.
struct Wire {
    out: Mutex<Box<dyn Write + Send>>,
}

impl Wire {
    fn lock(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes one line. A write error (oned gone) is ignored: end of input follows.
    fn write_locked(out: &mut Box<dyn Write + Send>, reply: &Reply) {
        let line = proto::encode_reply(reply);
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }

    fn send(&self, reply: &Reply) {
        Self::write_locked(&mut self.lock(), reply);
    }

    /// `LOG E -1 <text>`.
    fn driver_error(&self, text: String) {
        self.send(&Reply::Log { severity: Severity::Error, id: -1, text });
    }
}

/// One accepted action: what is shared between the reader, its worker and its context.
struct Action {
    verb: String,
    id: i64,
    cancel: Arc<AtomicBool>,
    /// Set (under the wire lock) when the action's reply is written.
    answered: AtomicBool,
}

impl Action {
    /// Writes the action's reply unless it already has one. Returns whether it wrote.
    fn answer(&self, wire: &Wire, result: Result<String, String>) -> bool {
        let mut out = wire.lock();
        if self.answered.swap(true, Ordering::SeqCst) {
            return false;
        }
        let (ok, info) = match result {
            Ok(info) => (true, info),
            Err(info) => (false, info),
        };
        let info = if info.is_empty() { "-".to_owned() } else { info };
        Wire::write_locked(&mut out, &Reply::Action { verb: self.verb.clone(), ok, id: self.id, info });
        true
    }
}

/// What a driver's action sees of the runtime: its id, its cancel flag, its deadline, and a
/// way to send `LOG` lines about it.
#[derive(Clone)]
pub struct ActionContext {
    action: Arc<Action>,
    wire: Arc<Wire>,
    deadline: Option<Instant>,
}

impl ActionContext {
    /// The id of the request (VM id or host id).
    pub fn id(&self) -> i64 {
        self.action.id
    }

    /// Whether oned cancelled the action (`DRIVER_CANCEL`), it timed out, or the driver is
    /// finalizing and gave up waiting for it.
    pub fn is_cancelled(&self) -> bool {
        self.action.cancel.load(Ordering::SeqCst)
    }

    /// Sends `LOG <sev> <id> <text>` (newlines become blanks), unless the action was already
    /// answered.
    pub fn log(&self, severity: Severity, text: &str) {
        let mut out = self.wire.lock();
        if !self.action.answered.load(Ordering::SeqCst) {
            Wire::write_locked(&mut out, &Reply::Log { severity, id: self.action.id, text: text.to_owned() });
        }
    }

    /// The cancel flag itself, for code that polls it elsewhere (a child process's waiter).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.action.cancel)
    }

    /// When the runtime answers the action with a timeout (`-w`), if it has one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

/// A queued action with its payload.
struct Job {
    action: Arc<Action>,
    payload: String,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    /// Actions a worker is running (not the abandoned ones).
    running: Vec<Arc<Action>>,
    /// No more jobs come: workers exit when the queue is empty.
    closing: bool,
}

/// The bounded worker pool and its FIFO queue.
struct Pool {
    state: Mutex<PoolState>,
    /// Workers wait here for jobs.
    work: Condvar,
    /// The finalizer waits here for the pool to become idle.
    idle: Condvar,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next job for a worker (now marked running), or `None` once closing and empty.
    fn take(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                state.running.push(Arc::clone(&job.action));
                return Some(job);
            }
            if state.closing {
                return None;
            }
            state = self.work.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn finished(&self, action: &Arc<Action>) {
        self.lock().running.retain(|a| !Arc::ptr_eq(a, action));
        self.idle.notify_all();
    }
}

/// Everything the reader and the workers share.
struct Runtime<D: Driver> {
    driver: Arc<D>,
    wire: Arc<Wire>,
    pool: Pool,
    timeout: Option<Duration>,
}

impl<D: Driver> Runtime<D> {
    fn worker(self: Arc<Self>) {
        while let Some(job) = self.pool.take() {
            self.execute(job.action.clone(), job.payload);
            self.pool.finished(&job.action);
        }
    }

    /// Runs one action to its reply (or to its timeout).
    fn execute(&self, action: Arc<Action>, payload: String) {
        let started = Instant::now();
        let ctx = ActionContext {
            action: Arc::clone(&action),
            wire: Arc::clone(&self.wire),
            deadline: self.timeout.map(|t| started + t),
        };
        let Some(timeout) = self.timeout else {
            let result = call_action(&*self.driver, &payload, &ctx);
            action.answer(&self.wire, result);
            return;
        };
        // With a timeout the action runs on a thread of its own, which is abandoned when time
        // is up; the worker answers and moves on.
        let (sender, receiver) = mpsc::sync_channel(1);
        let driver = Arc::clone(&self.driver);
        let spawned = std::thread::Builder::new().name(format!("action-{}", action.id)).spawn(move || {
            let result = call_action(&*driver, &payload, &ctx);
            let _ = sender.send(result);
        });
        let result = match spawned {
            Err(e) => Err(format!("internal error: cannot start a thread for the action: {e}")),
            Ok(_) => match receiver.recv_timeout(timeout) {
                Ok(result) => result,
                Err(RecvTimeoutError::Timeout) => {
                    action.cancel.store(true, Ordering::SeqCst);
                    Err(format!("Timeout executing {} after {} s", action.verb, timeout.as_secs_f64()))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    Err("internal error: the action's thread ended without a result".to_owned())
                }
            },
        };
        action.answer(&self.wire, result);
    }

    fn submit(&self, verb: String, id: i64, payload: String) {
        let action =
            Arc::new(Action { verb, id, cancel: Arc::new(AtomicBool::new(false)), answered: AtomicBool::new(false) });
        self.pool.lock().queue.push_back(Job { action, payload });
        self.pool.work.notify_one();
    }

    /// `DRIVER_CANCEL id`: flags the running actions for `id`, answers the queued ones.
    fn cancel(&self, id: i64) {
        let dequeued: VecDeque<Job> = {
            let mut state = self.pool.lock();
            for action in state.running.iter().filter(|a| a.id == id) {
                action.cancel.store(true, Ordering::SeqCst);
            }
            let (dequeued, kept): (VecDeque<Job>, VecDeque<Job>) =
                std::mem::take(&mut state.queue).into_iter().partition(|job| job.action.id == id);
            state.queue = kept;
            dequeued
        };
        for job in dequeued {
            job.action.cancel.store(true, Ordering::SeqCst);
            job.action.answer(&self.wire, Err("cancelled".to_owned()));
        }
    }

    /// End of input with [`OnInputEnd::Stop`]: nothing more starts, queued actions are
    /// answered, running ones cancelled; then waits up to `wait` for the workers to come back
    /// from them (their replies are the actions' own: `Cancelled executing …`). Whatever still
    /// runs then is answered and returned, as (verb, id).
    fn stop(&self, wait: Duration) -> Vec<(String, i64)> {
        let deadline = Instant::now() + wait;
        let (queued, running) = {
            let mut state = self.pool.lock();
            state.closing = true;
            self.pool.work.notify_all();
            (std::mem::take(&mut state.queue), state.running.clone())
        };
        for job in queued {
            job.action.cancel.store(true, Ordering::SeqCst);
            job.action.answer(&self.wire, Err("driver stopping: its input closed (oned gone)".to_owned()));
        }
        for action in &running {
            note(&format!("driver: input closed without FINALIZE (oned gone): stopping {} {}", action.verb, action.id));
            action.cancel.store(true, Ordering::SeqCst);
        }
        let left: Vec<Arc<Action>> = {
            let mut state = self.pool.lock();
            loop {
                let now = Instant::now();
                if state.running.is_empty() || now >= deadline {
                    break state.running.clone();
                }
                state = match self.pool.idle.wait_timeout(state, deadline - now) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        };
        for action in &left {
            action.answer(&self.wire, Err("driver stopping: action abandoned".to_owned()));
        }
        left.iter().map(|action| (action.verb.clone(), action.id)).collect()
    }

    /// Stops taking jobs, waits up to `grace` for the pool to drain, then cancels and answers
    /// whatever is left.
    fn finalize(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let leftovers: Vec<Arc<Action>> = {
            let mut state = self.pool.lock();
            state.closing = true;
            self.pool.work.notify_all();
            loop {
                if state.queue.is_empty() && state.running.is_empty() {
                    break Vec::new();
                }
                let now = Instant::now();
                if now >= deadline {
                    let queued = std::mem::take(&mut state.queue).into_iter().map(|job| job.action);
                    break queued.chain(state.running.iter().cloned()).collect();
                }
                state = match self.pool.idle.wait_timeout(state, deadline - now) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        };
        for action in leftovers {
            action.cancel.store(true, Ordering::SeqCst);
            action.answer(&self.wire, Err("driver finalizing: action abandoned".to_owned()));
        }
    }
}

/// Calls the driver, turning a panic into an error.
fn call_action<D: Driver>(driver: &D, payload: &str, ctx: &ActionContext) -> Result<String, String> {
    let action = &ctx.action;
    catch_unwind(AssertUnwindSafe(|| driver.action(&action.verb, action.id, payload, ctx)))
        .unwrap_or_else(|panic| Err(format!("internal error: {}", panic_message(&*panic))))
}

/// The message of a panic payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

/// Writes a line to the driver's stderr (oned copies it into its log with the driver's name).
/// A failed write is ignored (`eprintln!` would panic): once oned is gone, so is the reader of
/// the pipe.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Why the request loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InputEnd {
    /// `FINALIZE`: oned is stopping in order.
    Finalize,
    /// End of file: oned closed the pipe or died.
    Closed,
    /// Reading failed: oned is out of reach all the same.
    ReadError,
}

/// The longest piece of a bad line quoted in its `LOG E` (bytes, cut at a char boundary).
const BAD_LINE_QUOTE: usize = 80;

fn quote_line(line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.len() <= BAD_LINE_QUOTE {
        return format!("{line:?}");
    }
    let mut end = BAD_LINE_QUOTE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}…", &line[..end])
}

/// Runs `driver` on stdin/stdout until `FINALIZE` or end of input; returns the exit code.
pub fn run<D: Driver>(driver: D, opts: DriverOptions) -> i32 {
    let input = std::io::stdin().lock();
    run_with(driver, &opts, input, std::io::stdout(), FINALIZE_GRACE)
}

/// The loop of [`run`] over any input and output; `finalize_grace` bounds the wait for
/// running actions after `FINALIZE` or end of input. Returns the exit code.
pub fn run_with<D, R, W>(driver: D, opts: &DriverOptions, mut input: R, output: W, finalize_grace: Duration) -> i32
where
    D: Driver,
    R: BufRead,
    W: Write + Send + 'static,
{
    let runtime = Arc::new(Runtime {
        driver: Arc::new(driver),
        wire: Arc::new(Wire { out: Mutex::new(Box::new(output)) }),
        pool: Pool { state: Mutex::new(PoolState::default()), work: Condvar::new(), idle: Condvar::new() },
        timeout: opts.timeout,
    });
    let mut initialized = false;
    let mut buffer = Vec::new();
    let end = loop {
        buffer.clear();
        match input.read_until(b'\n', &mut buffer) {
            Ok(0) => break InputEnd::Closed,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                note(&format!("driver: cannot read requests: {e}"));
                break InputEnd::ReadError;
            }
        }
        let Ok(line) = std::str::from_utf8(&buffer) else {
            runtime.wire.driver_error(format!(
                "cannot parse line {}: not UTF-8",
                quote_line(&String::from_utf8_lossy(&buffer))
            ));
            continue;
        };
        let request = match proto::parse_request(line) {
            Ok(request) => request,
            Err(proto::ProtoError::Empty) => continue,
            Err(e) => {
                runtime.wire.driver_error(format!("cannot parse line {}: {e}", quote_line(line)));
                continue;
            }
        };
        match request {
            Request::Init if initialized => runtime.wire.send(&Reply::Init { ok: true, info: "-".into() }),
            Request::Init => {
                let init = catch_unwind(AssertUnwindSafe(|| runtime.driver.init()))
                    .unwrap_or_else(|panic| Err(format!("internal error: {}", panic_message(&*panic))));
                match init {
                    Ok(()) => {
                        for n in 0..opts.threads.max(1) {
                            let worker = Arc::clone(&runtime);
                            if let Err(e) =
                                std::thread::Builder::new().name(format!("worker-{n}")).spawn(move || worker.worker())
                            {
                                if n == 0 {
                                    runtime.wire.send(&Reply::Init {
                                        ok: false,
                                        info: format!("cannot start worker threads: {e}"),
                                    });
                                    return 1;
                                }
                                eprintln!("driver: started {n} worker threads of {}: {e}", opts.threads);
                                break;
                            }
                        }
                        initialized = true;
                        runtime.wire.send(&Reply::Init { ok: true, info: "-".into() });
                    }
                    Err(why) => {
                        let info = if why.is_empty() { "-".to_owned() } else { why };
                        runtime.wire.send(&Reply::Init { ok: false, info });
                        return 1;
                    }
                }
            }
            Request::Finalize => break InputEnd::Finalize,
            Request::DriverCancel { id } => runtime.cancel(id),
            Request::Action { verb, id, .. } if !initialized => {
                let reply =
                    Reply::Action { verb, ok: false, id, info: "driver not initialized (INIT expected first)".into() };
                runtime.wire.send(&reply);
            }
            Request::Action { verb, .. } if verb == "LOG" => {
                runtime
                    .wire
                    .driver_error("cannot run LOG: not an action verb (its reply would read as a LOG line)".into());
            }
            Request::Action { verb, id, payload } => runtime.submit(verb, id, payload),
        }
    };
    match (end, runtime.driver.on_input_end()) {
        (InputEnd::Finalize, _) | (_, OnInputEnd::Finish) => runtime.finalize(finalize_grace),
        (InputEnd::Closed | InputEnd::ReadError, OnInputEnd::Stop) => {
            for (verb, id) in runtime.stop(STOP_WAIT) {
                note(&format!(
                    "driver: {verb} {id} still running {} s after it was cancelled: left behind",
                    STOP_WAIT.as_secs()
                ));
            }
        }
    }
    if end == InputEnd::ReadError { 1 } else { 0 }
}

#[cfg(test)]
mod tests;
