//! Finding 5 of the hardening issue: the API server's limits, against a real oned over raw
//! sockets on 127.0.0.1. oned runs with a small open-file limit, so connections an attacker
//! holds would use up its descriptors if it kept them; it must keep answering normal calls.

use e2e::{Location, as_str};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A raw connection to oned's port.
fn connect(loc: &Location) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", loc.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the server closes the connection (or 20 s pass); returns what arrived and
/// whether the close was seen.
fn read_to_close(s: &mut TcpStream) -> (String, bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), false)
}

fn call_body(method: &str, session: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params><param><value><string>{session}</string></value></param></params></methodCall>"
    )
}

#[test]
fn held_connections_never_lock_clients_out() {
    let loc = Location::new("MAX_CONN = 64\nKEEPALIVE_TIMEOUT = 3\nHEADER_TIMEOUT = 3\nTIMEOUT = 3\n");
    // 256 descriptors: fewer than the connections below.
    let _oned = loc.start_with_fd_limit(Some(256));
    let c = loc.client().with_timeout(Duration::from_secs(20));
    let mut held = Vec::new();
    for n in 0..600 {
        let mut s = TcpStream::connect(("127.0.0.1", loc.port)).expect("connect");
        if n % 2 == 1 {
            // Half-open requests: a head that never ends.
            let _ = s.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Len");
        }
        held.push(s);
    }
    // Normal calls are answered while those are held.
    for _ in 0..5 {
        let v = c.call("one.system.version", vec![]).expect("the API keeps answering");
        assert!(!as_str(&v).is_empty());
    }
    let users = c.call("one.userpool.info", vec![]).expect("a listing too");
    assert!(as_str(&users).contains("<USER_POOL>"));
    drop(held);
}

#[test]
fn idle_and_slow_connections_are_closed() {
    let loc = Location::new("KEEPALIVE_TIMEOUT = 1\nHEADER_TIMEOUT = 1\nTIMEOUT = 1\nKEEPALIVE_MAX_CONN = 3\n");
    let _oned = loc.start();
    // A connection that never sends anything.
    let mut idle = connect(&loc);
    let (got, closed) = read_to_close(&mut idle);
    assert!(closed && got.is_empty(), "an idle connection is closed without an answer: {got:?}");
    // A head sent a byte at a time, too slowly.
    let mut slow = connect(&loc);
    let t = Instant::now();
    let mut closed_early = false;
    for b in b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n".iter().cycle().take(200) {
        if slow.write_all(&[*b]).is_err() {
            closed_early = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if t.elapsed() > Duration::from_secs(8) {
            break;
        }
    }
    let (_, closed) = read_to_close(&mut slow);
    assert!(closed_early || closed, "a head trickling in is cut off");
    // A body that stops half way.
    let mut stalled = connect(&loc);
    let body = call_body("one.system.version", &loc.session());
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len() + 100);
    stalled.write_all(head.as_bytes()).unwrap();
    stalled.write_all(body.as_bytes()).unwrap();
    let (_, closed) = read_to_close(&mut stalled);
    assert!(closed, "a body that never completes is cut off");

    // KEEPALIVE_MAX_CONN: the third request on a connection is answered, then it closes.
    let mut keep = connect(&loc);
    let body = call_body("one.system.version", &loc.session());
    let req = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    for _ in 0..3 {
        keep.write_all(req.as_bytes()).unwrap();
    }
    let (all, closed) = read_to_close(&mut keep);
    assert!(closed);
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 3, "{all}");
    assert_eq!(all.matches("Connection: close").count(), 1, "{all}");
}

#[test]
fn bodies_are_not_read_before_authentication() {
    let loc = Location::new("MESSAGE_SIZE = 1048576\n");
    let _oned = loc.start();
    // A 60 MB body announced: over MESSAGE_SIZE (1 MiB here), refused from the head alone.
    let mut s = connect(&loc);
    let head_of_body = "<?xml version=\"1.0\"?><methodCall><methodName>one.vm.allocate</methodName><params><param><value><string>oneadmin:wrong</string></value></param><param><value><string>";
    let big = 60 << 20;
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {big}\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let (answer, closed) = read_to_close(&mut s);
    assert!(closed && answer.contains("<int>-509</int>") && answer.contains("MESSAGE_SIZE"), "{answer}");

    // Under MESSAGE_SIZE: a wrong password is answered before the body is read.
    let mut s = connect(&loc);
    let size = 1_000_000;
    let head = format!("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(head_of_body.as_bytes()).unwrap();
    let (answer, closed) = read_to_close(&mut s);
    assert!(closed, "the connection is closed (its body was never read)");
    assert!(answer.contains("User couldn't be authenticated"), "{answer}");

    // A session that is not in the first 64 KiB is refused without reading the rest.
    let mut s = connect(&loc);
    s.write_all(head.as_bytes()).unwrap();
    let mut start = String::from(
        "<?xml version=\"1.0\"?><methodCall><methodName>one.vm.allocate</methodName><params><param><value><string>",
    );
    start.push_str(&"a".repeat(70_000));
    s.write_all(start.as_bytes()).unwrap();
    let (answer, closed) = read_to_close(&mut s);
    assert!(closed && answer.contains("first 65536 bytes"), "{answer}");

    // Not POST /RPC2, or no length: plain HTTP refusals.
    let mut s = connect(&loc);
    s.write_all(b"GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(read_to_close(&mut s).0.starts_with("HTTP/1.1 405"));
    let mut s = connect(&loc);
    s.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
    assert!(read_to_close(&mut s).0.starts_with("HTTP/1.1 411"));
    // And a normal call still works, with Expect: 100-continue as curl sends it.
    let mut s = connect(&loc);
    let body = call_body("one.system.version", &loc.session());
    s.write_all(
        format!(
            "POST /RPC2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut first = [0u8; 25];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(body.as_bytes()).unwrap();
    let (answer, _) = read_to_close(&mut s);
    assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.contains("<boolean>1</boolean>"), "{answer}");
}
