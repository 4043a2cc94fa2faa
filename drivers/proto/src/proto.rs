//! The line codec of the oned ↔ driver protocol (`share/doc/drivers.md`). Pure: no I/O.
//!
//! # Lines
//!
//! Every message is one line. Fields are separated by runs of *blanks* (space, tab, vertical
//! tab, form feed and carriage return: C's `isspace` without the newline, as OpenNebula's
//! `istringstream >>` and the Ruby drivers' `split(/\s+/)` read them); blanks before the first
//! field are skipped. The last field (payload, info or text) is the rest of the line after the
//! blanks that end the field before it, inner and trailing blanks kept. Every trailing `\r` and
//! `\n` is removed first; a `\n` anywhere else makes the line invalid.
//!
//! | direction | form | value |
//! |---|---|---|
//! | oned → driver | `INIT` | [`Request::Init`] (anything after `INIT` is ignored) |
//! | oned → driver | `FINALIZE` | [`Request::Finalize`] (likewise) |
//! | oned → driver | `DRIVER_CANCEL  <id> ` | [`Request::DriverCancel`] (rest ignored) |
//! | oned → driver | `<VERB>  <id> <payload>` | [`Request::Action`] |
//! | driver → oned | `INIT SUCCESS\|FAILURE [info]` | [`Reply::Init`] |
//! | driver → oned | `<VERB> SUCCESS\|FAILURE <id> [info]` | [`Reply::Action`] |
//! | driver → oned | `LOG <sev> <id> [text]` | [`Reply::Log`] |
//!
//! Requests are written as OpenNebula writes them, with an empty status field: the verb, two
//! blanks, the id, one blank, the payload. A verb is upper-case ASCII letters, digits and `_`;
//! an id is an `i64` (negative allowed: `-1` is "about the driver itself"). An info of `-` is
//! kept as `-`: what it means is oned's business. Only the first character of a `LOG`
//! severity counts (`E`, `W`, `D`; anything else is info).
//!
//! # Canonical values
//!
//! Encoding never fails: a `\n` or `\r` inside a payload, info or text is written as a blank,
//! so whatever a driver reports (a script's multi-line stderr, say) stays one line. The values
//! for which `parse(encode(x)) == x` holds are the *canonical* ones
//! ([`Request::is_canonical`], [`Reply::is_canonical`]):
//! - every verb is a valid verb, and an action's verb is not one the codec reads as another
//!   form (`INIT`, `FINALIZE`, `DRIVER_CANCEL` for requests; `INIT`, `LOG` for replies);
//! - every payload, info and text holds no `\r` or `\n` and does not start with a blank
//!   (leading blanks are read as part of the separator).
//!
//! Parsing never panics; whatever it accepts is canonical except that a payload, info or text
//! may hold an inner `\r` (which encoding writes as a blank).
//!
//! # Base64
//!
//! [`b64_encode`] writes the standard alphabet with padding, on one line. [`b64_decode`] also
//! takes input without padding and with line breaks (Ruby's `Base64.encode64`).

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use thiserror::Error;

/// The severity of a `LOG` line: `E`, `W`, `I` or `D` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `E`
    Error,
    /// `W`
    Warning,
    /// `I` (and any letter but `E`, `W`, `D`)
    Info,
    /// `D`
    Debug,
}

impl Severity {
    /// The letter written on the wire.
    pub fn letter(self) -> char {
        match self {
            Severity::Error => 'E',
            Severity::Warning => 'W',
            Severity::Info => 'I',
            Severity::Debug => 'D',
        }
    }

    /// Reads a severity field as OpenNebula does: only its first character counts, and
    /// anything but `E`, `W`, `D` is info.
    pub fn from_field(field: &str) -> Severity {
        match field.as_bytes().first() {
            Some(b'E') => Severity::Error,
            Some(b'W') => Severity::Warning,
            Some(b'D') => Severity::Debug,
            _ => Severity::Info,
        }
    }
}

/// A line oned sends to a driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `INIT`: the driver answers `INIT SUCCESS -` (or `INIT FAILURE <why>`) first.
    Init,
    /// `FINALIZE`: finish what runs, then exit; no reply.
    Finalize,
    /// `DRIVER_CANCEL  <id> `: abandon the action running for `id`; no reply.
    DriverCancel {
        /// The VM (or host) whose action is cancelled.
        id: i64,
    },
    /// `<VERB>  <id> <payload>`: run an action; exactly one `<VERB> SUCCESS|FAILURE <id>` reply.
    Action {
        /// `DEPLOY`, `POLL`, `TRANSFER`, `MONITOR` ...
        verb: String,
        /// The VM id (VMM, TM) or the host id (IM).
        id: i64,
        /// The rest of the line (base64 XML for VMM and IM, a file path for TM); may be empty.
        payload: String,
    },
}

/// A line a driver sends to oned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `INIT SUCCESS|FAILURE [info]`.
    Init {
        /// `SUCCESS`
        ok: bool,
        /// The rest of the line (`-` from the stock drivers, `- -` from the Ruby base).
        info: String,
    },
    /// `<VERB> SUCCESS|FAILURE <id> [info]`.
    Action {
        /// The verb of the request this answers.
        verb: String,
        /// `SUCCESS`
        ok: bool,
        /// The id of the request this answers.
        id: i64,
        /// The result (e.g. the deploy id) or the error message; may be empty or `-`.
        info: String,
    },
    /// `LOG <sev> <id> [text]`.
    Log {
        /// The first character of the severity field.
        severity: Severity,
        /// The VM or host the message is about; `-1` for the driver itself.
        id: i64,
        /// The rest of the line.
        text: String,
    },
}

/// Why a line is not a valid protocol message.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ProtoError {
    /// Nothing but blanks.
    #[error("empty line")]
    Empty,
    /// A `\n` before the end of the line (two messages in one).
    #[error("newline inside the line")]
    EmbeddedNewline,
    /// The first field is not upper-case letters, digits and `_`.
    #[error("bad verb \"{0}\" (expected upper-case letters, digits and _)")]
    BadVerb(String),
    /// A required field is absent.
    #[error("missing {field} after \"{after}\"")]
    Missing {
        /// `id`, `status` or `severity`.
        field: &'static str,
        /// The field it should follow.
        after: String,
    },
    /// The status field of a reply is neither `SUCCESS` nor `FAILURE`.
    #[error("unknown status \"{0}\" (expected SUCCESS or FAILURE)")]
    UnknownStatus(String),
    /// The id field is not a 64-bit integer.
    #[error("bad id \"{0}\" (expected an integer)")]
    BadId(String),
    /// [`b64_decode`] got something that is not base64.
    #[error("invalid base64: {0}")]
    Base64(String),
}

/// The longest piece of input an error message quotes (in bytes, cut at a char boundary).
const QUOTE_MAX: usize = 64;

/// `field`, cut to at most [`QUOTE_MAX`] bytes (with `…` when cut), for error messages.
fn quoted(field: &str) -> String {
    if field.len() <= QUOTE_MAX {
        return field.to_owned();
    }
    let mut end = QUOTE_MAX;
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &field[..end])
}

/// A field separator: C's `isspace` without `\n`.
#[inline]
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Whether `s` is a verb: one or more upper-case ASCII letters, digits and `_`.
pub fn is_verb(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether `s` can be the last field of a line and read back unchanged: no `\r` or `\n`, and
/// no blank first.
pub fn is_canonical_field(s: &str) -> bool {
    !s.bytes().next().is_some_and(is_blank) && !s.bytes().any(|b| b == b'\r' || b == b'\n')
}

/// The fields of one line, read left to right without allocating.
struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    /// The line without its trailing `\r`/`\n`; refuses a newline inside or a blank line.
    fn of_line(line: &'a str) -> Result<Self, ProtoError> {
        let body = line.trim_end_matches(['\r', '\n']);
        if body.as_bytes().contains(&b'\n') {
            return Err(ProtoError::EmbeddedNewline);
        }
        if body.bytes().all(is_blank) {
            return Err(ProtoError::Empty);
        }
        Ok(Fields { rest: body })
    }

    fn skip_blanks(&mut self) {
        let skip = self.rest.bytes().take_while(|&b| is_blank(b)).count();
        // Blanks are ASCII, so `skip` is a char boundary.
        self.rest = &self.rest[skip..];
    }

    /// The next field, or `None` at the end of the line.
    fn next_field(&mut self) -> Option<&'a str> {
        self.skip_blanks();
        if self.rest.is_empty() {
            return None;
        }
        let len = self.rest.bytes().position(is_blank).unwrap_or(self.rest.len());
        let (field, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(field)
    }

    /// The next field, which must be there.
    fn required(&mut self, field: &'static str, after: &str) -> Result<&'a str, ProtoError> {
        self.next_field().ok_or_else(|| ProtoError::Missing { field, after: quoted(after) })
    }

    /// The next field as an id.
    fn id(&mut self, after: &str) -> Result<i64, ProtoError> {
        let field = self.required("id", after)?;
        field.parse().map_err(|_| ProtoError::BadId(quoted(field)))
    }

    /// The next field as a reply status.
    fn status(&mut self, after: &str) -> Result<bool, ProtoError> {
        match self.required("status", after)? {
            "SUCCESS" => Ok(true),
            "FAILURE" => Ok(false),
            other => Err(ProtoError::UnknownStatus(quoted(other))),
        }
    }

    /// The rest of the line after the blanks that follow the last field read.
    fn last(mut self) -> &'a str {
        self.skip_blanks();
        self.rest
    }

    /// The first field, which must be a verb (the line is not blank, so it is there).
    fn verb(&mut self) -> Result<&'a str, ProtoError> {
        let verb = self.next_field().ok_or(ProtoError::Empty)?;
        if is_verb(verb) { Ok(verb) } else { Err(ProtoError::BadVerb(quoted(verb))) }
    }
}

/// Reads a line oned sends (with or without its `\n`).
pub fn parse_request(line: &str) -> Result<Request, ProtoError> {
    let mut fields = Fields::of_line(line)?;
    let verb = fields.verb()?;
    match verb {
        "INIT" => Ok(Request::Init),
        "FINALIZE" => Ok(Request::Finalize),
        "DRIVER_CANCEL" => Ok(Request::DriverCancel { id: fields.id(verb)? }),
        _ => {
            let id = fields.id(verb)?;
            Ok(Request::Action { verb: verb.to_owned(), id, payload: fields.last().to_owned() })
        }
    }
}

/// Reads a line a driver sends (with or without its `\n`).
pub fn parse_reply(line: &str) -> Result<Reply, ProtoError> {
    let mut fields = Fields::of_line(line)?;
    let verb = fields.verb()?;
    match verb {
        "LOG" => {
            let severity_field = fields.required("severity", verb)?;
            let id = fields.id(severity_field)?;
            let severity = Severity::from_field(severity_field);
            Ok(Reply::Log { severity, id, text: fields.last().to_owned() })
        }
        "INIT" => {
            let ok = fields.status(verb)?;
            Ok(Reply::Init { ok, info: fields.last().to_owned() })
        }
        _ => {
            let ok = fields.status(verb)?;
            let id = fields.id(if ok { "SUCCESS" } else { "FAILURE" })?;
            Ok(Reply::Action { verb: verb.to_owned(), ok, id, info: fields.last().to_owned() })
        }
    }
}

/// Appends `text` with every `\r` and `\n` written as a blank.
fn push_flat(out: &mut String, text: &str) {
    let mut pieces = text.split(['\r', '\n']);
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        out.push(' ');
        out.push_str(piece);
    }
}

/// Appends `" " + text` when `text` is not empty.
fn push_last(out: &mut String, text: &str) {
    if !text.is_empty() {
        out.push(' ');
        push_flat(out, text);
    }
}

/// Appends the decimal form of `id` without allocating.
fn push_id(out: &mut String, id: i64) {
    use std::fmt::Write as _;
    // Writing into a String cannot fail.
    let _ = write!(out, "{id}");
}

fn status(ok: bool) -> &'static str {
    if ok { "SUCCESS" } else { "FAILURE" }
}

/// Writes a request line, `\n` included, as oned writes it (empty status: two blanks after the
/// verb; one blank after the id even when the payload is empty).
pub fn encode_request(request: &Request) -> String {
    match request {
        Request::Init => "INIT\n".to_owned(),
        Request::Finalize => "FINALIZE\n".to_owned(),
        Request::DriverCancel { id } => format!("DRIVER_CANCEL  {id} \n"),
        Request::Action { verb, id, payload } => {
            let mut out = String::with_capacity(verb.len() + payload.len() + 24);
            out.push_str(verb);
            out.push_str("  ");
            push_id(&mut out, *id);
            out.push(' ');
            push_flat(&mut out, payload);
            out.push('\n');
            out
        }
    }
}

/// Writes a reply line, `\n` included. An empty info or text is left out (no trailing blank).
pub fn encode_reply(reply: &Reply) -> String {
    let mut out = String::new();
    match reply {
        Reply::Init { ok, info } => {
            out.push_str("INIT ");
            out.push_str(status(*ok));
            push_last(&mut out, info);
        }
        Reply::Action { verb, ok, id, info } => {
            out.reserve(verb.len() + info.len() + 32);
            out.push_str(verb);
            out.push(' ');
            out.push_str(status(*ok));
            out.push(' ');
            push_id(&mut out, *id);
            push_last(&mut out, info);
        }
        Reply::Log { severity, id, text } => {
            out.reserve(text.len() + 32);
            out.push_str("LOG ");
            out.push(severity.letter());
            out.push(' ');
            push_id(&mut out, *id);
            push_last(&mut out, text);
        }
    }
    out.push('\n');
    out
}

impl Request {
    /// Whether [`parse_request`]`(`[`encode_request`]`(self)) == self` (see the module doc).
    pub fn is_canonical(&self) -> bool {
        match self {
            Request::Init | Request::Finalize | Request::DriverCancel { .. } => true,
            Request::Action { verb, payload, .. } => {
                is_verb(verb)
                    && !matches!(verb.as_str(), "INIT" | "FINALIZE" | "DRIVER_CANCEL")
                    && is_canonical_field(payload)
            }
        }
    }
}

impl Reply {
    /// Whether [`parse_reply`]`(`[`encode_reply`]`(self)) == self` (see the module doc).
    pub fn is_canonical(&self) -> bool {
        match self {
            Reply::Init { info, .. } => is_canonical_field(info),
            Reply::Action { verb, info, .. } => {
                is_verb(verb) && !matches!(verb.as_str(), "INIT" | "LOG") && is_canonical_field(info)
            }
            Reply::Log { text, .. } => is_canonical_field(text),
        }
    }
}

/// Base64 (standard alphabet, padded, one line) of `data`.
pub fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decoding engine: standard alphabet, padding optional.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The bytes of base64 text (standard alphabet; padding optional; ASCII white space, such as
/// the line breaks of Ruby's `Base64.encode64`, is ignored).
pub fn b64_decode(s: &str) -> Result<Vec<u8>, ProtoError> {
    let result = if s.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        LENIENT.decode(compact)
    } else {
        LENIENT.decode(s)
    };
    result.map_err(|e| ProtoError::Base64(e.to_string()))
}

#[cfg(test)]
mod tests;
