//! HTTP/1.1 framing for the client, independent of sockets: the request bytes, and a response
//! reader over any [`BufRead`] (status line, headers, then a `Content-Length`, chunked or
//! close-delimited body). Line lengths, header counts and body sizes are bounded.

use std::io::{BufRead, Read};

use super::endpoint::Endpoint;

/// Longest status or header line accepted.
const MAX_LINE: u64 = 16 * 1024;
/// Most header lines accepted in one response (trailers included).
const MAX_HEADERS: usize = 200;
/// Largest body accepted (a pool listing of a very large site is a few hundred MB).
pub(crate) const MAX_BODY: u64 = 2 * 1024 * 1024 * 1024;
/// Up to this much is reserved at once for a body announced by `Content-Length`.
const RESERVE_MAX: u64 = 256 * 1024 * 1024;

/// Why reading a response failed.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// The connection ended before the first byte of the response: on a reused keep-alive
    /// connection this means the server closed it while idle.
    ClosedBeforeResponse,
    /// Transport error; `before_response` is true if no response byte had arrived yet.
    Io { source: std::io::Error, before_response: bool },
    /// The bytes are not an acceptable HTTP/1.x response.
    Protocol(String),
}

impl From<std::io::Error> for HttpError {
    fn from(source: std::io::Error) -> Self {
        HttpError::Io { source, before_response: false }
    }
}

/// A complete response.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// The connection may carry another request.
    pub(crate) reusable: bool,
}

/// The request head and body for an XML-RPC POST, as one buffer (one `write_all`).
pub(crate) fn request(endpoint: &Endpoint, body: &str) -> Vec<u8> {
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: nephele-libone/{}\r\nContent-Type: text/xml\r\n\
         Accept: text/xml\r\nContent-Length: {}\r\n\r\n",
        endpoint.path,
        endpoint.authority,
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    let mut out = Vec::with_capacity(head.len() + body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body.as_bytes());
    out
}

/// One line without its `\r\n`/`\n`; `None` at end of input before any byte.
fn read_line(r: &mut impl BufRead, what: &str) -> Result<Option<String>, HttpError> {
    let mut line = Vec::new();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE {
            HttpError::Protocol(format!("{what} longer than {MAX_LINE} bytes"))
        } else {
            HttpError::Protocol(format!("connection closed in the middle of the {what}"))
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map(Some).map_err(|_| HttpError::Protocol(format!("{what} is not UTF-8")))
}

/// Response head fields that matter here.
struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    /// `Transfer-Encoding` present but not ending in `chunked`: body runs to the close.
    other_encoding: bool,
    keep_alive: bool,
}

fn read_head(r: &mut impl BufRead) -> Result<Head, HttpError> {
    let mut first = true;
    loop {
        if first {
            // Tell "nothing arrived" (a stale keep-alive connection) from a broken response.
            loop {
                match r.fill_buf() {
                    Ok([]) => return Err(HttpError::ClosedBeforeResponse),
                    Ok(_) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(source) => {
                        return Err(HttpError::Io { source, before_response: true });
                    }
                }
            }
            first = false;
        }
        let Some(status_line) = read_line(r, "status line")? else {
            return Err(HttpError::Protocol("connection closed after an interim response".into()));
        };
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let code = parts.next().unwrap_or("");
        let http11 = match version {
            "HTTP/1.1" => true,
            "HTTP/1.0" => false,
            _ => {
                return Err(HttpError::Protocol(format!("not an HTTP/1.x status line: {:?}", short(&status_line))));
            }
        };
        let status = match code.parse::<u16>() {
            Ok(s) if (100..=999).contains(&s) && code.len() == 3 => s,
            _ => {
                return Err(HttpError::Protocol(format!("bad status code in {:?}", short(&status_line))));
            }
        };
        let mut head = Head { status, content_length: None, chunked: false, other_encoding: false, keep_alive: http11 };
        read_fields(r, &mut head)?;
        // Interim responses (100 Continue, 103 Early Hints) come before the real one.
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        if status == 101 {
            return Err(HttpError::Protocol("unexpected 101 Switching Protocols".into()));
        }
        return Ok(head);
    }
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn read_fields(r: &mut impl BufRead, head: &mut Head) -> Result<(), HttpError> {
    for _ in 0..MAX_HEADERS {
        let Some(line) = read_line(r, "header line")? else {
            return Err(HttpError::Protocol("connection closed in the middle of the headers".into()));
        };
        if line.is_empty() {
            return Ok(());
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HttpError::Protocol(format!("bad header line {:?}", short(&line))));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<u64>()
                .map_err(|_| HttpError::Protocol(format!("bad Content-Length {:?}", short(value))))?;
            if head.content_length.is_some_and(|old| old != n) {
                return Err(HttpError::Protocol("conflicting Content-Length headers".into()));
            }
            head.content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.rsplit(',').next().unwrap_or("").trim();
            if last.eq_ignore_ascii_case("chunked") {
                head.chunked = true;
                head.other_encoding = false;
            } else if !value.is_empty() {
                head.chunked = false;
                head.other_encoding = true;
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    head.keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    head.keep_alive = true;
                }
            }
        }
    }
    Err(HttpError::Protocol(format!("more than {MAX_HEADERS} header lines")))
}

/// Appends exactly `n` bytes from `r` to `out`.
fn read_exact_into(r: &mut impl BufRead, n: u64, out: &mut Vec<u8>) -> Result<(), HttpError> {
    if out.len() as u64 + n > MAX_BODY {
        return Err(HttpError::Protocol(format!("response body larger than {MAX_BODY} bytes")));
    }
    out.reserve(n.min(RESERVE_MAX) as usize);
    let got = r.by_ref().take(n).read_to_end(out)? as u64;
    if got < n {
        return Err(HttpError::Protocol(format!("connection closed after {got} of {n} body bytes")));
    }
    Ok(())
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let Some(line) = read_line(r, "chunk size line")? else {
            return Err(HttpError::Protocol("connection closed in a chunked body".into()));
        };
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Protocol(format!("bad chunk size {:?}", short(&line))))?;
        if size == 0 {
            // Trailer fields up to the empty line; their content is ignored.
            for _ in 0..MAX_HEADERS {
                match read_line(r, "trailer line")? {
                    Some(l) if l.is_empty() => return Ok(body),
                    Some(_) => {}
                    None => {
                        return Err(HttpError::Protocol("connection closed in the chunked trailer".into()));
                    }
                }
            }
            return Err(HttpError::Protocol(format!("more than {MAX_HEADERS} trailer lines")));
        }
        read_exact_into(r, size, &mut body)?;
        match read_line(r, "chunk end")? {
            Some(l) if l.is_empty() => {}
            _ => {
                return Err(HttpError::Protocol("chunk data not followed by CRLF".into()));
            }
        }
    }
}

/// Reads one response to a POST.
pub(crate) fn read_response(r: &mut impl BufRead) -> Result<HttpResponse, HttpError> {
    let head = read_head(r)?;
    if head.status == 204 || head.status == 304 {
        return Ok(HttpResponse { status: head.status, body: Vec::new(), reusable: head.keep_alive });
    }
    if head.chunked {
        let body = read_chunked(r)?;
        return Ok(HttpResponse { status: head.status, body, reusable: head.keep_alive });
    }
    if let (Some(n), false) = (head.content_length, head.other_encoding) {
        let mut body = Vec::new();
        read_exact_into(r, n, &mut body)?;
        return Ok(HttpResponse { status: head.status, body, reusable: head.keep_alive });
    }
    // Close-delimited body.
    let mut body = Vec::new();
    let got = r.by_ref().take(MAX_BODY + 1).read_to_end(&mut body)? as u64;
    if got > MAX_BODY {
        return Err(HttpError::Protocol(format!("response body larger than {MAX_BODY} bytes")));
    }
    Ok(HttpResponse { status: head.status, body, reusable: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<HttpResponse, HttpError> {
        read_response(&mut std::io::BufReader::new(bytes))
    }

    #[test]
    fn request_bytes() {
        let e = Endpoint::parse("http://one:2633/RPC2").unwrap();
        let r = String::from_utf8(request(&e, "<x/>")).unwrap();
        assert_eq!(
            r,
            format!(
                "POST /RPC2 HTTP/1.1\r\nHost: one:2633\r\nUser-Agent: nephele-libone/{}\r\nContent-Type: text/xml\r\n\
                 Accept: text/xml\r\nContent-Length: 4\r\n\r\n<x/>",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn content_length() {
        let r = read(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\ncontent-length: 5\r\n\r\nhelloEXTRA").unwrap();
        assert_eq!((r.status, &r.body[..], r.reusable), (200, &b"hello"[..], true));
    }

    #[test]
    fn chunked_with_extensions_and_trailer() {
        let r = read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-T: 1\r\n\r\n")
            .unwrap();
        assert_eq!((&r.body[..], r.reusable), (&b"hello world"[..], true));
    }

    #[test]
    fn http10_and_connection_close_are_not_reusable() {
        let r = read(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert!(!r.reusable);
        let r = read(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert!(r.reusable);
        let r = read(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert!(!r.reusable);
    }

    #[test]
    fn close_delimited_body() {
        let r = read(b"HTTP/1.0 200 OK\r\n\r\nall of it").unwrap();
        assert_eq!((&r.body[..], r.reusable), (&b"all of it"[..], false));
    }

    #[test]
    fn interim_response_is_skipped() {
        let r = read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &b"x"[..]));
    }

    #[test]
    fn bare_lf_line_ends_are_accepted() {
        let r = read(b"HTTP/1.1 500 Oops\nContent-Length: 1\n\nx").unwrap();
        assert_eq!((r.status, &r.body[..]), (500, &b"x"[..]));
    }

    #[test]
    fn empty_input_is_closed_before_response() {
        assert!(matches!(read(b""), Err(HttpError::ClosedBeforeResponse)));
    }

    #[test]
    fn malformed_responses() {
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: y",
        ] {
            assert!(matches!(read(bad), Err(HttpError::Protocol(_))), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn header_line_limit() {
        let mut bytes = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        bytes.extend(std::iter::repeat_n(b'a', MAX_LINE as usize));
        bytes.extend_from_slice(b"\r\n\r\n");
        assert!(matches!(read(&bytes), Err(HttpError::Protocol(m)) if m.contains("longer than")));
    }
}
