//! Tests of the runtime, driven in process through [`run_with`]: requests go through a real
//! pipe, replies into a shared buffer; the driver is a test double whose verbs do what their
//! names say.

use super::*;
use crate::proto::parse_reply;
use std::io::{BufReader, PipeWriter};
use std::sync::atomic::AtomicUsize;
use std::thread::JoinHandle;

/// Long enough that a correct runtime never hits it; only a hang does.
const PATIENCE: Duration = Duration::from_secs(20);

/// The output side: every byte written, and a condvar to wait for more lines.
#[derive(Clone, Default)]
struct Capture(Arc<(Mutex<Vec<u8>>, Condvar)>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (bytes, more) = &*self.0;
        bytes.lock().unwrap().extend_from_slice(buf);
        more.notify_all();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.0.lock().unwrap();
        let text = String::from_utf8(bytes.clone()).expect("the runtime writes UTF-8");
        text.split_inclusive('\n').filter(|l| l.ends_with('\n')).map(|l| l.trim_end_matches('\n').to_owned()).collect()
    }

    /// Waits until `n` complete lines were written; returns all lines so far.
    fn wait_lines(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let (bytes, more) = &*self.0;
        let mut guard = bytes.lock().unwrap();
        while guard.iter().filter(|&&b| b == b'\n').count() < n {
            let now = Instant::now();
            assert!(now < deadline, "timed out waiting for {n} lines; got {:?}", String::from_utf8_lossy(&guard));
            guard = more.wait_timeout(guard, deadline - now).unwrap().0;
        }
        drop(guard);
        self.lines()
    }

    /// Waits until the lines so far satisfy `pred`.
    fn wait_until(&self, pred: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        let (bytes, more) = &*self.0;
        loop {
            if pred(&self.lines()) {
                return;
            }
            let guard = bytes.lock().unwrap();
            let now = Instant::now();
            assert!(now < deadline, "timed out waiting; got {:?}", String::from_utf8_lossy(&guard));
            let _ = more.wait_timeout(guard, Duration::from_millis(50).min(deadline - now)).unwrap();
        }
    }
}

/// A running [`run_with`] with its request pipe and captured output.
struct Harness {
    input: Option<PipeWriter>,
    output: Capture,
    done: mpsc::Receiver<i32>,
    _thread: JoinHandle<()>,
}

impl Harness {
    fn start<D: Driver>(driver: D, args: &str, grace: Duration) -> Harness {
        let opts = DriverOptions::parse([args.to_owned()]).expect("test options parse");
        let (reader, writer) = std::io::pipe().expect("a pipe");
        let output = Capture::default();
        let out = output.clone();
        let (sender, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let code = run_with(driver, &opts, BufReader::new(reader), out, grace);
            let _ = sender.send(code);
        });
        Harness { input: Some(writer), output, done, _thread: thread }
    }

    fn send(&mut self, text: &str) {
        self.input.as_mut().expect("input open").write_all(text.as_bytes()).expect("write to the driver");
    }

    /// Sends `INIT` and checks the handshake.
    fn init(&mut self) {
        self.send("INIT\n");
        assert_eq!(self.output.wait_lines(1)[0], "INIT SUCCESS -");
    }

    /// Closes the input (end of file) and returns the exit code.
    fn close(mut self) -> (i32, Vec<String>) {
        self.input = None;
        let code = self.done.recv_timeout(PATIENCE).expect("run_with returns after end of input");
        (code, self.output.lines())
    }

    /// Waits for `run_with` to return by itself.
    fn exit_code(&self) -> i32 {
        self.done.recv_timeout(PATIENCE).expect("run_with returns")
    }
}

/// The test double. Verbs: `ECHO` (payload back), `FAIL` (payload as error), `EMPTY` (empty
/// info), `EMPTYFAIL`, `PANIC`, `NOTE` (logs the payload, then answers), `BLOCK` (waits for
/// its cancel flag), `STUBBORN` (sleeps payload ms ignoring cancellation, then logs and
/// answers), `CONC` (sleeps 100 ms while counting how many run at once), `TIDY` (waits for
/// its cancel flag, takes 200 ms to clean up, counts that in `cleaned`, answers `stopped`).
/// `STUBBORN` and `TIDY` count their starts in `started`.
#[derive(Default)]
struct Double {
    inits: AtomicUsize,
    init_error: Option<String>,
    init_panics: bool,
    running: AtomicUsize,
    max_running: AtomicUsize,
    /// `on_input_end` answers `Stop` (else the default, `Finish`).
    stop_on_input_end: bool,
    started: Arc<AtomicUsize>,
    cleaned: Arc<AtomicUsize>,
}

impl Driver for Double {
    fn on_input_end(&self) -> OnInputEnd {
        if self.stop_on_input_end { OnInputEnd::Stop } else { OnInputEnd::Finish }
    }

    fn init(&self) -> Result<(), String> {
        self.inits.fetch_add(1, Ordering::SeqCst);
        if self.init_panics {
            panic!("init exploded");
        }
        self.init_error.clone().map_or(Ok(()), Err)
    }

    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        assert_eq!(ctx.id(), id);
        match verb {
            "ECHO" => Ok(payload.to_owned()),
            "FAIL" => Err(payload.to_owned()),
            "EMPTY" => Ok(String::new()),
            "EMPTYFAIL" => Err(String::new()),
            "PANIC" => panic!("boom {id}"),
            "NOTE" => {
                ctx.log(Severity::Warning, payload);
                Ok("logged".into())
            }
            "BLOCK" => {
                let start = Instant::now();
                while !ctx.is_cancelled() {
                    if start.elapsed() > PATIENCE {
                        return Err("never cancelled".into());
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err("cancelled".into())
            }
            "STUBBORN" => {
                self.started.fetch_add(1, Ordering::SeqCst);
                let ms = payload.parse().unwrap_or(0);
                std::thread::sleep(Duration::from_millis(ms));
                ctx.log(Severity::Info, "late log");
                Ok("late".into())
            }
            "TIDY" => {
                self.started.fetch_add(1, Ordering::SeqCst);
                let start = Instant::now();
                while !ctx.is_cancelled() {
                    if start.elapsed() > PATIENCE {
                        return Err("never cancelled".into());
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(200));
                self.cleaned.fetch_add(1, Ordering::SeqCst);
                Err("stopped".into())
            }
            "DEADLINE" => Ok(format!("{}", ctx.deadline().is_some())),
            "CONC" => {
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_running.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(100));
                self.running.fetch_sub(1, Ordering::SeqCst);
                Ok("-".into())
            }
            other => Err(format!("Action not implemented: {other}")),
        }
    }
}

fn replies_for(lines: &[String], id: i64) -> Vec<String> {
    lines.iter().filter(|l| matches!(parse_reply(l), Ok(Reply::Action { id: i, .. }) if i == id)).cloned().collect()
}

const GRACE: Duration = Duration::from_secs(5);

// ---- handshake and plain actions --------------------------------------------------------

#[test]
fn init_then_actions_then_end_of_input() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("ECHO  42 dummy-42\nFAIL  43 no such host\n");
    let lines = h.output.wait_lines(3);
    assert!(lines.contains(&"ECHO SUCCESS 42 dummy-42".to_owned()), "{lines:?}");
    assert!(lines.contains(&"FAIL FAILURE 43 no such host".to_owned()), "{lines:?}");
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[test]
fn empty_info_is_written_as_dash() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("EMPTY  1 \nEMPTYFAIL  2 \n");
    let lines = h.output.wait_lines(3);
    assert!(lines.contains(&"EMPTY SUCCESS 1 -".to_owned()), "{lines:?}");
    assert!(lines.contains(&"EMPTYFAIL FAILURE 2 -".to_owned()), "{lines:?}");
    assert_eq!(h.close().0, 0);
}

#[test]
fn init_failure_is_answered_and_exits_1() {
    let driver = Double { init_error: Some("no hypervisor here".into()), ..Double::default() };
    let mut h = Harness::start(driver, "", GRACE);
    h.send("INIT\n");
    assert_eq!(h.output.wait_lines(1), vec!["INIT FAILURE no hypervisor here"]);
    assert_eq!(h.exit_code(), 1);
}

#[test]
fn init_panic_is_answered_as_failure() {
    let driver = Double { init_panics: true, ..Double::default() };
    let mut h = Harness::start(driver, "", GRACE);
    h.send("INIT\n");
    assert_eq!(h.output.wait_lines(1), vec!["INIT FAILURE internal error: init exploded"]);
    assert_eq!(h.exit_code(), 1);
}

#[test]
fn action_before_init_fails_and_second_init_is_answered_again() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.send("ECHO  5 x\n");
    assert_eq!(h.output.wait_lines(1), vec!["ECHO FAILURE 5 driver not initialized (INIT expected first)"]);
    h.send("INIT\nINIT\nECHO  6 y\n");
    let lines = h.output.wait_lines(4);
    assert_eq!(lines[1..3], ["INIT SUCCESS -", "INIT SUCCESS -"]);
    assert_eq!(lines[3], "ECHO SUCCESS 6 y");
    assert_eq!(h.close().0, 0);
}

#[test]
fn driver_init_runs_once() {
    let driver = Arc::new(Double::default());
    struct Shared(Arc<Double>);
    impl Driver for Shared {
        fn init(&self) -> Result<(), String> {
            self.0.init()
        }
        fn action(&self, v: &str, id: i64, p: &str, c: &ActionContext) -> Result<String, String> {
            self.0.action(v, id, p, c)
        }
    }
    let mut h = Harness::start(Shared(Arc::clone(&driver)), "", GRACE);
    h.send("INIT\nINIT\nINIT\n");
    h.output.wait_lines(3);
    assert_eq!(h.close().0, 0);
    assert_eq!(driver.inits.load(Ordering::SeqCst), 1);
}

// ---- bad input --------------------------------------------------------------------------

#[test]
fn garbage_lines_get_log_e_and_the_driver_goes_on() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("\n   \n");
    h.send("hello world\n");
    h.send("DEPLOY  notanid payload\n");
    h.send("DEPLOY\n");
    h.output.wait_lines(4);
    h.send("LOG  3 x\n");
    assert_eq!(
        h.output.wait_lines(5)[4],
        "LOG E -1 cannot run LOG: not an action verb (its reply would read as a LOG line)"
    );
    h.input.as_mut().unwrap().write_all(b"\xff\xfe bad bytes\n").unwrap();
    h.send("ECHO  1 still alive\n");
    let lines = h.output.wait_lines(7);
    assert_eq!(
        lines[1],
        r#"LOG E -1 cannot parse line "hello world": bad verb "hello" (expected upper-case letters, digits and _)"#
    );
    assert_eq!(
        lines[2],
        r#"LOG E -1 cannot parse line "DEPLOY  notanid payload": bad id "notanid" (expected an integer)"#
    );
    assert_eq!(lines[3], r#"LOG E -1 cannot parse line "DEPLOY": missing id after "DEPLOY""#);
    assert!(lines[5].starts_with("LOG E -1 cannot parse line ") && lines[5].ends_with(": not UTF-8"), "{}", lines[5]);
    assert_eq!(lines[6], "ECHO SUCCESS 1 still alive");
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 7, "blank lines are skipped silently: {lines:?}");
}

#[test]
fn long_garbage_is_quoted_short() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send(&format!("{}\n", "x".repeat(10_000)));
    let lines = h.output.wait_lines(2);
    assert!(lines[1].starts_with("LOG E -1 cannot parse line"), "{}", lines[1]);
    assert!(lines[1].len() < 300, "{} bytes", lines[1].len());
    assert_eq!(h.close().0, 0);
}

#[test]
fn panic_in_action_is_a_failure_reply() {
    let mut h = Harness::start(Double::default(), "-t 1", GRACE);
    h.init();
    h.send("PANIC  9 \nECHO  10 after\n");
    let lines = h.output.wait_lines(3);
    assert_eq!(lines[1], "PANIC FAILURE 9 internal error: boom 9");
    assert_eq!(lines[2], "ECHO SUCCESS 10 after");
    assert_eq!(h.close().0, 0);
}

#[test]
fn panic_in_action_with_a_timeout_is_a_failure_reply() {
    let mut h = Harness::start(Double::default(), "-w 30", GRACE);
    h.init();
    h.send("PANIC  9 \n");
    assert_eq!(h.output.wait_lines(2)[1], "PANIC FAILURE 9 internal error: boom 9");
    assert_eq!(h.close().0, 0);
}

// ---- logs -------------------------------------------------------------------------------

#[test]
fn action_logs_carry_the_id_and_stay_one_line() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("NOTE  77 first line\n");
    let lines = h.output.wait_lines(3);
    assert_eq!(lines[1], "LOG W 77 first line");
    assert_eq!(lines[2], "NOTE SUCCESS 77 logged");
    assert_eq!(h.close().0, 0);
}

// ---- pool -------------------------------------------------------------------------------

#[test]
fn at_most_t_actions_run_at_once() {
    let driver = Arc::new(Double::default());
    struct Shared(Arc<Double>);
    impl Driver for Shared {
        fn action(&self, v: &str, id: i64, p: &str, c: &ActionContext) -> Result<String, String> {
            self.0.action(v, id, p, c)
        }
    }
    let mut h = Harness::start(Shared(Arc::clone(&driver)), "-t 2", GRACE);
    h.init();
    for id in 0..8 {
        h.send(&format!("CONC  {id} \n"));
    }
    let lines = h.output.wait_lines(9);
    assert_eq!(h.close().0, 0);
    assert_eq!(driver.max_running.load(Ordering::SeqCst), 2, "{lines:?}");
    for id in 0..8 {
        assert_eq!(replies_for(&lines, id), vec![format!("CONC SUCCESS {id} -")]);
    }
}

#[test]
fn one_thread_runs_the_queue_in_fifo_order() {
    let mut h = Harness::start(Double::default(), "-t 1", GRACE);
    h.init();
    let mut requests = String::new();
    for id in 0..50 {
        requests.push_str(&format!("ECHO  {id} r{id}\n"));
    }
    h.send(&requests);
    let lines = h.output.wait_lines(51);
    let expected: Vec<String> = (0..50).map(|id| format!("ECHO SUCCESS {id} r{id}")).collect();
    assert_eq!(lines[1..], expected[..]);
    assert_eq!(h.close().0, 0);
}

#[test]
fn every_action_gets_exactly_one_whole_line_reply_under_load() {
    let mut h = Harness::start(Double::default(), "-t 4", GRACE);
    h.init();
    let mut requests = String::new();
    for id in 0..300 {
        let verb = ["ECHO", "FAIL", "NOTE", "EMPTY"][id as usize % 4];
        requests.push_str(&format!("{verb}  {id} text of {id}\n"));
    }
    h.send(&requests);
    h.output.wait_until(|lines| lines.iter().filter(|l| !l.starts_with("LOG W")).count() == 301);
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    for line in &lines {
        assert!(parse_reply(line).is_ok(), "not a whole reply line: {line:?}");
    }
    for id in 0..300 {
        assert_eq!(replies_for(&lines, id).len(), 1, "replies for {id}: {:?}", replies_for(&lines, id));
    }
}

// ---- timeout ----------------------------------------------------------------------------

#[test]
fn timeout_answers_once_and_the_late_result_is_dropped() {
    let mut h = Harness::start(Double::default(), "-t 1 -w 0.2", GRACE);
    h.init();
    h.send("STUBBORN  3 700\nECHO  4 next\n");
    let lines = h.output.wait_lines(3);
    assert_eq!(lines[1], "STUBBORN FAILURE 3 Timeout executing STUBBORN after 0.2 s");
    // The timed-out action no longer holds the only worker: the next one runs before it ends.
    assert_eq!(lines[2], "ECHO SUCCESS 4 next");
    // Let the abandoned action finish: neither its log nor its result may appear.
    std::thread::sleep(Duration::from_millis(900));
    h.send("ECHO  5 last\n");
    h.output.wait_lines(4);
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("late")), "{lines:?}");
}

#[test]
fn context_deadline_follows_w() {
    let mut h = Harness::start(Double::default(), "-w 30", GRACE);
    h.init();
    h.send("DEADLINE  1 \n");
    assert_eq!(h.output.wait_lines(2)[1], "DEADLINE SUCCESS 1 true");
    assert_eq!(h.close().0, 0);
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("DEADLINE  1 \n");
    assert_eq!(h.output.wait_lines(2)[1], "DEADLINE SUCCESS 1 false");
    assert_eq!(h.close().0, 0);
}

// ---- cancel -----------------------------------------------------------------------------

#[test]
fn driver_cancel_flags_the_running_action() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("BLOCK  7 \n");
    std::thread::sleep(Duration::from_millis(100));
    h.send("DRIVER_CANCEL  7 \n");
    let lines = h.output.wait_lines(2);
    assert_eq!(lines[1], "BLOCK FAILURE 7 cancelled");
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 2, "one reply, none for the cancel itself: {lines:?}");
}

#[test]
fn driver_cancel_answers_queued_actions_and_spares_others() {
    let mut h = Harness::start(Double::default(), "-t 1", GRACE);
    h.init();
    h.send("BLOCK  1 \nECHO  2 two\nECHO  3 three\nECHO  2 two again\n");
    std::thread::sleep(Duration::from_millis(100));
    h.send("DRIVER_CANCEL  2 \n");
    let lines = h.output.wait_lines(3);
    assert_eq!(lines[1..3], ["ECHO FAILURE 2 cancelled", "ECHO FAILURE 2 cancelled"]);
    h.send("DRIVER_CANCEL  1 \n");
    let lines = h.output.wait_lines(5);
    assert_eq!(lines[3..5], ["BLOCK FAILURE 1 cancelled", "ECHO SUCCESS 3 three"]);
    h.send("DRIVER_CANCEL  99 \n");
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 5, "{lines:?}");
}

// ---- finalize ---------------------------------------------------------------------------

#[test]
fn finalize_lets_running_and_queued_actions_finish() {
    let mut h = Harness::start(Double::default(), "-t 1", GRACE);
    h.init();
    h.send("STUBBORN  1 200\nECHO  2 queued\nFINALIZE\nECHO  3 after finalize\n");
    assert_eq!(h.exit_code(), 0);
    let lines = h.output.lines();
    assert_eq!(lines[1..], ["LOG I 1 late log", "STUBBORN SUCCESS 1 late", "ECHO SUCCESS 2 queued"]);
}

#[test]
fn finalize_is_bounded_and_answers_what_is_left() {
    let mut h = Harness::start(Double::default(), "-t 1", Duration::from_millis(300));
    h.init();
    h.send("STUBBORN  1 3000\nECHO  2 queued\n");
    std::thread::sleep(Duration::from_millis(50));
    h.send("FINALIZE\n");
    assert_eq!(h.exit_code(), 0);
    let mut lines = h.output.lines();
    lines[1..].sort();
    assert_eq!(
        lines[1..],
        [
            "ECHO FAILURE 2 driver finalizing: action abandoned",
            "STUBBORN FAILURE 1 driver finalizing: action abandoned"
        ]
    );
}

#[test]
fn end_of_input_waits_for_running_actions() {
    let mut h = Harness::start(Double::default(), "", GRACE);
    h.init();
    h.send("STUBBORN  1 150\n");
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines[1..], ["LOG I 1 late log", "STUBBORN SUCCESS 1 late"]);
}

// ---- end of input for a driver that stops (OnInputEnd::Stop) ----------------------------

/// Waits (bounded) until `counter` reaches `n`.
fn wait_count(counter: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while counter.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "counter stayed at {} (waiting for {n})", counter.load(Ordering::SeqCst));
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The grace is longer than the harness's patience: a runtime that waited for it (as for a
/// `Finish` driver) would fail `close`. The running action is cancelled and waited for (its
/// cleanup counted before `run_with` returns); the queued one never starts.
#[test]
fn end_of_input_cancels_a_stop_drivers_actions_and_waits_for_them() {
    let double = Double { stop_on_input_end: true, ..Double::default() };
    let (started, cleaned) = (Arc::clone(&double.started), Arc::clone(&double.cleaned));
    let mut h = Harness::start(double, "-t 1", PATIENCE * 2);
    h.init();
    h.send("TIDY  1 \nTIDY  2 \n");
    wait_count(&started, 1);
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1, "run_with returned before the cancelled action did");
    assert_eq!(started.load(Ordering::SeqCst), 1, "the queued action started after end of input");
    assert_eq!(lines[1..], ["TIDY FAILURE 2 driver stopping: its input closed (oned gone)", "TIDY FAILURE 1 stopped"]);
}

/// `FINALIZE` is oned stopping in order: a `Stop` driver's actions still get the grace.
#[test]
fn finalize_still_lets_a_stop_drivers_actions_finish() {
    let mut h = Harness::start(Double { stop_on_input_end: true, ..Double::default() }, "-t 1", GRACE);
    h.init();
    h.send("STUBBORN  1 200\nFINALIZE\n");
    assert_eq!(h.exit_code(), 0);
    assert_eq!(h.output.lines()[1..], ["LOG I 1 late log", "STUBBORN SUCCESS 1 late"]);
}

/// An action that ignores its cancel flag is waited for [`STOP_WAIT`] only, then answered;
/// its late result and log are dropped.
#[test]
fn end_of_input_stop_is_bounded() {
    let ms = (STOP_WAIT + Duration::from_secs(3)).as_millis();
    let double = Double { stop_on_input_end: true, ..Double::default() };
    let started = Arc::clone(&double.started);
    let mut h = Harness::start(double, "", PATIENCE * 2);
    h.init();
    h.send(&format!("STUBBORN  1 {ms}\n"));
    wait_count(&started, 1);
    let (code, lines) = h.close();
    assert_eq!(code, 0);
    assert_eq!(lines[1..], ["STUBBORN FAILURE 1 driver stopping: action abandoned"]);
}

// ---- options ----------------------------------------------------------------------------

fn parse(args: &[&str]) -> Result<DriverOptions, String> {
    DriverOptions::parse(args.iter().map(|a| a.to_string()))
}

#[test]
fn options_defaults() {
    let o = parse(&[]).unwrap();
    assert_eq!(o, DriverOptions { threads: 15, timeout: None, retries: 0, local: false, rest: vec![] });
}

#[test]
fn options_as_separate_words_or_one_argument() {
    let expected = DriverOptions {
        threads: 4,
        timeout: Some(Duration::from_secs(90)),
        retries: 3,
        local: true,
        rest: vec!["kvm".into(), "-p".into(), "--delay".into(), "100".into()],
    };
    assert_eq!(parse(&["-t", "4", "-w", "90", "-r", "3", "-l", "kvm", "-p", "--delay", "100"]).unwrap(), expected);
    assert_eq!(parse(&["-t 4 -w 90 -r 3 -l kvm -p --delay 100"]).unwrap(), expected);
    assert_eq!(parse(&["-t4", "-w90 -r3", "-l", "kvm -p", "--delay", "100"]).unwrap(), expected);
    assert_eq!(parse(&[""]).unwrap(), DriverOptions::default());
    assert_eq!(parse(&["-é", "é"]).unwrap().rest, vec!["-é", "é"]);
}

#[test]
fn options_timeout_forms() {
    assert_eq!(parse(&["-w", "0"]).unwrap().timeout, None);
    assert_eq!(parse(&["-w", "0.5"]).unwrap().timeout, Some(Duration::from_millis(500)));
}

#[test]
fn options_after_double_dash_are_the_drivers() {
    let o = parse(&["-t", "2", "--", "-t", "9"]).unwrap();
    assert_eq!(o.threads, 2);
    assert_eq!(o.rest, vec!["-t", "9"]);
}

#[test]
fn options_errors() {
    assert_eq!(parse(&["-t"]), Err("option -t needs a value".into()));
    assert_eq!(parse(&["-t", "0"]), Err("bad value \"0\" for -t (expected a number of threads ≥ 1)".into()));
    assert_eq!(parse(&["-t", "x"]), Err("bad value \"x\" for -t (expected a number of threads ≥ 1)".into()));
    assert_eq!(parse(&["-w", "-3"]), Err("bad value \"-3\" for -w (expected seconds ≥ 0)".into()));
    assert_eq!(parse(&["-w", "inf"]), Err("bad value \"inf\" for -w (expected seconds ≥ 0)".into()));
    assert_eq!(parse(&["-r", "many"]), Err("bad value \"many\" for -r (expected a number of retries)".into()));
}

proptest::proptest! {
    #[test]
    fn options_parse_never_panics(args in proptest::collection::vec(".{0,12}", 0..8)) {
        let _ = DriverOptions::parse(args);
    }
}
