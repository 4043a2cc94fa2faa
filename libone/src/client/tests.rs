//! Client tests against small HTTP servers on 127.0.0.1 run by the test itself (a scripted
//! std-only server, and Python's `SimpleXMLRPCServer` when `python3` is available). Every
//! server stops when the test ends; every socket has a timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::*;
use crate::xmlrpc::{self, Call};

/// A request as the test server saw it.
#[derive(Debug, Clone)]
struct Seen {
    conn: usize,
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the scripted server does with one request.
enum Action {
    /// Write these bytes and keep reading requests on the connection.
    Reply(Vec<u8>),
    /// Write these bytes, then close the connection.
    ReplyAndClose(Vec<u8>),
    /// Close without answering.
    Close,
    /// Answer nothing for this long, then close.
    Stall(Duration),
}

type Script = dyn Fn(usize, usize, &Seen) -> Action + Send + Sync;

/// A scripted HTTP/1.1 server on 127.0.0.1:0. `script(connection_no, request_no_on_connection,
/// request)` decides each answer.
struct TestServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

fn read_request(r: &mut BufReader<TcpStream>, conn: usize) -> Option<Seen> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let request_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':')?;
        headers.push((n.trim().to_owned(), v.trim().to_owned()));
    }
    let len: usize = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length"))?.1.parse().ok()?;
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Seen { conn, request_line, headers, body: String::from_utf8(body).ok()? })
}

impl TestServer {
    fn start(script: impl Fn(usize, usize, &Seen) -> Action + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (a, s, st) = (accepted.clone(), seen.clone(), stop.clone());
        let acceptor = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let conn = a.fetch_add(1, Ordering::SeqCst);
                        let (s, st, script) = (s.clone(), st.clone(), script.clone());
                        workers.push(std::thread::spawn(move || serve(stream, conn, &s, &st, &*script)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        TestServer { addr, accepted, seen, stop, acceptor: Some(acceptor) }
    }

    fn url(&self) -> String {
        format!("http://{}/RPC2", self.addr)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

fn serve(stream: TcpStream, conn: usize, seen: &Mutex<Vec<Seen>>, stop: &AtomicBool, script: &Script) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        // Wait for the next request (or the stop flag) without a busy loop.
        match reader.fill_buf() {
            Ok([]) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                continue;
            }
            Err(_) => return,
        }
        let _ = reader.get_ref().set_read_timeout(Some(Duration::from_secs(5)));
        let Some(req) = read_request(&mut reader, conn) else {
            return;
        };
        let _ = reader.get_ref().set_read_timeout(Some(Duration::from_millis(100)));
        seen.lock().expect("seen").push(req.clone());
        match script(conn, n, &req) {
            Action::Reply(bytes) => {
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Action::ReplyAndClose(bytes) => {
                let _ = writer.write_all(&bytes);
                return;
            }
            Action::Close => return,
            Action::Stall(d) => {
                let until = std::time::Instant::now() + d;
                while std::time::Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return;
            }
        }
        n += 1;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.acceptor.take() {
            let _ = h.join();
        }
    }
}

/// `HTTP/1.1 200` with `Content-Length`.
fn http_ok(body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// `HTTP/1.1 200` with the body in chunks of `size` bytes.
fn http_chunked(body: &str, size: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for chunk in body.as_bytes().chunks(size) {
        out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
    out
}

/// Echoes the call's method and parameter count as `[true, "method/N", 0]`.
fn echo(_: usize, _: usize, req: &Seen) -> Action {
    match xmlrpc::parse_call(&req.body) {
        Ok(Call { method, params }) => {
            Action::Reply(http_ok(&xmlrpc::ok_string(&format!("{method}/{}", params.len()))))
        }
        Err(e) => Action::Reply(http_ok(&xmlrpc::fault(400, &e.to_string()))),
    }
}

fn client(server: &TestServer) -> Client {
    Client::new(&server.url(), "oneadmin:secret").expect("client").with_timeout(Duration::from_secs(10))
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

// ---------------------------------------------------------------------------------------------

#[test]
fn client_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
}

#[test]
fn construction_and_getters() {
    let c = Client::new("http://127.0.0.1:2633/RPC2", "oneadmin:pw").expect("client");
    assert_eq!(c.session(), "oneadmin:pw");
    assert_eq!(c.endpoint(), "http://127.0.0.1:2633/RPC2");
    assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(c.with_timeout(Duration::from_secs(3)).timeout(), Duration::from_secs(3));
    let debug = format!("{:?}", Client::new("http://h/", "alice:topsecret").expect("client"));
    assert!(debug.contains("alice") && !debug.contains("topsecret"), "{debug}");
}

#[test]
fn bad_endpoints() {
    match Client::new("https://one:2633/RPC2", "a:b") {
        Err(e @ ClientError::Endpoint(_)) => {
            let m = e.to_string();
            assert!(m.contains("TLS (https) is not supported") && m.contains("https://one:2633/RPC2"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(Client::new("one:2633", "a:b"), Err(ClientError::Endpoint(_))));
    assert!(matches!(Client::new("http://one:x/", "a:b"), Err(ClientError::Endpoint(_))));
}

#[test]
fn request_format_and_session_as_first_argument() {
    let server = TestServer::start(echo);
    let c = client(&server);
    assert_eq!(
        c.call("one.vm.info", vec![Value::Integer(7), Value::Boolean(true)]).expect("call"),
        text("one.vm.info/3")
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.request_line, "POST /RPC2 HTTP/1.1");
    assert_eq!(r.header("Host"), Some(server.addr.to_string().as_str()));
    assert_eq!(r.header("Content-Type"), Some("text/xml"));
    assert_eq!(r.header("Content-Length"), Some(r.body.len().to_string().as_str()));
    assert_eq!(
        xmlrpc::parse_call(&r.body),
        Ok(Call {
            method: "one.vm.info".into(),
            params: vec![text("oneadmin:secret"), Value::Integer(7), Value::Boolean(true)],
        })
    );
    // call_raw: no session, no interpretation.
    assert_eq!(
        c.call_raw("system.listMethods", vec![]).expect("raw"),
        Response::Value(Value::Array(vec![Value::Boolean(true), text("system.listMethods/0"), Value::Integer(0)]))
    );
    assert_eq!(xmlrpc::parse_call(&server.seen()[1].body).map(|c| c.params), Ok(vec![]));
}

#[test]
fn keep_alive_reuses_one_connection() {
    let server = TestServer::start(echo);
    let c = client(&server);
    for i in 0..5 {
        assert_eq!(c.call("one.vm.info", vec![Value::Integer(i)]).expect("call"), text("one.vm.info/2"));
    }
    assert_eq!(server.accepted(), 1, "all calls on one connection");
    let seen = server.seen();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|s| s.conn == 0));
}

#[test]
fn reply_convention() {
    let server = TestServer::start(|_, _, req| {
        let call = xmlrpc::parse_call(&req.body).expect("call");
        let body = match call.method.as_str() {
            "ok.int" => xmlrpc::ok_int(42),
            "ok.i8" => xmlrpc::ok_i8(1 << 40),
            "fail" => xmlrpc::failure("[fail] Error getting VM [3].", 0x400, 3),
            "fail.old" => {
                xmlrpc::ok_value(&Value::Array(vec![Value::Boolean(false), text("old style"), Value::Integer(0x800)]))
            }
            "fault" => xmlrpc::fault(-501, "Not enough parameters"),
            "two" => xmlrpc::ok_value(&Value::Array(vec![Value::Boolean(true), text("x")])),
            "scalar" => xmlrpc::ok_value(&text("plain")),
            "weird" => xmlrpc::ok_value(&Value::Array(vec![Value::Integer(1), text("x"), Value::Integer(0)])),
            _ => "this is not XML".to_owned(),
        };
        Action::Reply(http_ok(&body))
    });
    let c = client(&server);
    assert_eq!(c.call("ok.int", vec![]).expect("int"), Value::Integer(42));
    assert_eq!(c.call("ok.i8", vec![]).expect("i8"), Value::Long(1 << 40));
    match c.call("fail", vec![]) {
        Err(ClientError::One { code, message }) => {
            assert_eq!((code, message.as_str()), (0x400, "[fail] Error getting VM [3]."));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.call("fail.old", vec![]), Err(ClientError::One { code: 0x800, .. })));
    match c.call("fault", vec![]) {
        Err(ClientError::Fault { code, message }) => {
            assert_eq!((code, message.as_str()), (-501, "Not enough parameters"))
        }
        other => panic!("{other:?}"),
    }
    match c.call("two", vec![]) {
        Err(ClientError::Protocol(m)) => assert!(m.contains("2 elements"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.call("scalar", vec![]), Err(ClientError::Protocol(_))));
    assert!(matches!(c.call("weird", vec![]), Err(ClientError::Protocol(_))));
    assert!(matches!(c.call("garbage", vec![]), Err(ClientError::Codec(_))));
    // call_raw does not interpret.
    assert_eq!(
        c.call_raw("fault", vec![]).expect("raw"),
        Response::Fault { code: -501, message: "Not enough parameters".into() }
    );
    assert_eq!(server.accepted(), 1);
}

#[test]
fn server_closed_idle_connection_is_replaced() {
    // Every connection answers one request and then closes, while announcing keep-alive.
    let server = TestServer::start(|conn, _, _| Action::ReplyAndClose(http_ok(&xmlrpc::ok_int(conn as i32))));
    let c = client(&server);
    assert_eq!(c.call("a", vec![]).expect("first"), Value::Integer(0));
    std::thread::sleep(Duration::from_millis(50)); // the FIN arrives while the connection is idle
    assert_eq!(c.call("b", vec![]).expect("second"), Value::Integer(1));
    assert_eq!(c.call("c", vec![]).expect("third"), Value::Integer(2));
    assert_eq!(server.accepted(), 3);
    assert_eq!(server.seen().len(), 3, "nothing was sent twice");
}

#[test]
fn close_noticed_only_after_sending_is_retried_once() {
    // Connection 0 answers its first request, then drops the second one unanswered (the server
    // closed it at the moment the client reused it). The client must resend on a new connection.
    let server = TestServer::start(|conn, n, _| {
        if conn == 0 && n == 1 { Action::Close } else { Action::Reply(http_ok(&xmlrpc::ok_int(conn as i32))) }
    });
    let c = client(&server);
    assert_eq!(c.call("a", vec![]).expect("first"), Value::Integer(0));
    assert_eq!(c.call("b", vec![]).expect("second, resent"), Value::Integer(1));
    assert_eq!(c.call("c", vec![]).expect("third, on the new connection"), Value::Integer(1));
    assert_eq!(server.accepted(), 2);
    let seen = server.seen();
    assert_eq!(seen.iter().map(|s| s.conn).collect::<Vec<_>>(), vec![0, 0, 1, 1]);
}

#[test]
fn fresh_connection_closed_without_answer_is_an_error_not_a_retry() {
    let server = TestServer::start(|_, _, _| Action::Close);
    let c = client(&server);
    match c.call("a", vec![]) {
        Err(ClientError::Io { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::UnexpectedEof)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.accepted(), 1);
    assert_eq!(server.seen().len(), 1, "a request on a new connection is never sent twice");
}

#[test]
fn chunked_response() {
    let big = "<VM_POOL>".to_owned() + &"<VM><ID>1</ID><NAME>a & b</NAME></VM>".repeat(3000) + "</VM_POOL>";
    let body = xmlrpc::ok_string(&big);
    let server = TestServer::start(move |_, _, _| Action::Reply(http_chunked(&body, 1000)));
    let c = client(&server);
    assert_eq!(c.call("one.vmpool.info", vec![]).expect("chunked"), Value::String(big.clone()));
    assert_eq!(c.call("one.vmpool.info", vec![]).expect("again"), Value::String(big));
    assert_eq!(server.accepted(), 1, "a chunked response keeps the connection usable");
}

#[test]
fn large_content_length_response() {
    let big = "&<VM/>".repeat(1_000_000);
    let body = xmlrpc::ok_string(&big);
    let server = TestServer::start(move |_, _, _| Action::Reply(http_ok(&body)));
    let c = client(&server);
    assert_eq!(c.call("one.vmpool.info", vec![]).expect("large"), Value::String(big));
}

#[test]
fn http_error_status() {
    let server = TestServer::start(|_, n, _| {
        if n == 0 {
            Action::Reply(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!".to_vec())
        } else {
            Action::Reply(http_ok(&xmlrpc::ok_bool(true)))
        }
    });
    let c = client(&server);
    assert!(matches!(c.call("a", vec![]), Err(ClientError::Http(500))));
    assert_eq!(c.call("a", vec![]).expect("after the 500"), Value::Boolean(true));
    assert_eq!(server.accepted(), 1);
}

#[test]
fn http_1_0_close_delimited_response() {
    let server = TestServer::start(|_, _, _| {
        Action::ReplyAndClose(
            format!("HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n{}", xmlrpc::ok_int(9)).into_bytes(),
        )
    });
    let c = client(&server);
    assert_eq!(c.call("a", vec![]).expect("first"), Value::Integer(9));
    assert_eq!(c.call("a", vec![]).expect("second"), Value::Integer(9));
    assert_eq!(server.accepted(), 2, "a close-delimited response is never reused");
}

#[test]
fn timeout() {
    let server = TestServer::start(|_, _, _| Action::Stall(Duration::from_secs(5)));
    let c = Client::new(&server.url(), "a:b").expect("client").with_timeout(Duration::from_millis(300));
    match c.call("slow", vec![]) {
        Err(ClientError::Timeout { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.seen().len(), 1, "a timed-out request is not resent");
}

#[test]
fn connection_refused() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = Client::new(&format!("http://127.0.0.1:{port}/RPC2"), "a:b").expect("client");
    match c.call("a", vec![]) {
        Err(e @ ClientError::Io { .. }) => {
            assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn threads_share_one_client() {
    let server = TestServer::start(echo);
    let c = Arc::new(client(&server));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let got = c.call("one.vm.info", vec![Value::Integer(t * 100 + i)]);
                    assert_eq!(got.expect("call"), Value::String("one.vm.info/2".into()));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(server.seen().len(), 100);
    assert!(server.accepted() <= 4, "at most one connection per thread, got {}", server.accepted());
}

/// Python's `SimpleXMLRPCServer` (HTTP/1.0 and HTTP/1.1 handlers) as a real peer.
#[test]
fn python_simple_xmlrpc_server() {
    const SERVER: &str = r#"
import sys, threading
from xmlrpc.server import SimpleXMLRPCServer, SimpleXMLRPCRequestHandler
class H(SimpleXMLRPCRequestHandler):
    protocol_version = sys.argv[1]
    def log_message(self, *a): pass
srv = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=H, logRequests=False, allow_none=True)
def info(session, vid):
    if vid < 0:
        return [False, "[one.vm.info] Error getting virtual machine [%d]." % vid, 0x400, vid, 0]
    return [True, "<VM><ID>%d</ID><NAME>%s &amp; co</NAME></VM>" % (vid, session.split(":")[0]), 0]
srv.register_function(info, "one.vm.info")
threading.Timer(20.0, lambda: threading.Thread(target=srv.shutdown).start()).start()
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
    if !std::process::Command::new("python3").arg("-c").arg("import xmlrpc.server").status().is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED python_simple_xmlrpc_server: no python3 with xmlrpc.server on PATH");
        return;
    }
    for protocol in ["HTTP/1.0", "HTTP/1.1"] {
        let mut child = std::process::Command::new("python3")
            .args(["-c", SERVER, protocol])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut port = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut port).expect("port line");
        let c = Client::new(&format!("http://127.0.0.1:{}/RPC2", port.trim()), "oneadmin:pw")
            .expect("client")
            .with_timeout(Duration::from_secs(10));
        for vid in 0..3 {
            assert_eq!(
                c.call("one.vm.info", vec![Value::Integer(vid)]).expect("python answers"),
                Value::String(format!("<VM><ID>{vid}</ID><NAME>oneadmin &amp; co</NAME></VM>")),
                "{protocol}"
            );
        }
        match c.call("one.vm.info", vec![Value::Integer(-4)]) {
            Err(ClientError::One { code: 0x400, message }) => assert!(message.contains("[-4]"), "{message}"),
            other => panic!("{protocol}: {other:?}"),
        }
        match c.call("one.nope", vec![]) {
            Err(ClientError::Fault { message, .. }) => {
                assert!(message.contains("one.nope"), "{message}")
            }
            other => panic!("{protocol}: {other:?}"),
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[test]
fn idle_probe_sees_the_server_close() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let stream = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (mut server_side, _) = listener.accept().expect("accept");
    let conn = Connection { reader: BufReader::new(stream) };
    assert!(!conn.looks_closed(), "an open idle connection is usable");
    assert!(!conn.looks_closed(), "probing does not change it");
    server_side.write_all(b"x").expect("write");
    std::thread::sleep(Duration::from_millis(50));
    assert!(conn.looks_closed(), "unsolicited bytes make it unusable");

    let stream = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (server_side, _) = listener.accept().expect("accept");
    let conn = Connection { reader: BufReader::new(stream) };
    drop(server_side);
    std::thread::sleep(Duration::from_millis(50));
    assert!(conn.looks_closed(), "the server's FIN is seen");
}
