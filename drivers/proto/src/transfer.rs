//! Transfer files: what oned writes for a TM `TRANSFER` action and `one_tm` runs, one transfer
//! per line (`share/doc/drivers.md`). Pure: no I/O. Shared by oned (which encodes) and the TM
//! driver (which parses), so both sides agree on every field.
//!
//! # Lines
//!
//! ```text
//! # a comment
//! CLONE[.<sys>] <tm_mad> <fe>:<src> <host>:<dir>/disk.0 <vmid> <dsid>
//! ```
//!
//! Fields are separated by runs of ASCII blanks (space, tab, `\r`, vertical tab, form feed);
//! blank lines and lines starting with `#` are skipped. Field 0 is the action (with an optional
//! `.<TM_MAD_SYSTEM>` suffix), field 1 the driver, the rest are the action's arguments, in
//! OpenNebula's positions ([`TransferAction::fields`]).
//!
//! # Why the fields are typed and encoded
//!
//! Arguments come partly from objects users describe (a disk's size and format, a host's name,
//! a datastore's path). If a value could hold a blank or a line break it would shift the
//! arguments of its line or add a line of its own (a `DELETE` of some other directory, say).
//! So:
//! - every action has a fixed list of field kinds ([`FieldKind`]): integers, words
//!   (`[A-Za-z0-9_.-]`), or locations (anything, percent-encoded);
//! - a location is written with every byte outside printable ASCII, and `%` itself, written as
//!   `%XX` (so `/a b` is `/a%20b`), so it is always exactly one field; the reader decodes it;
//! - the reader refuses a line whose action is unknown, whose field count is wrong or whose
//!   integer / word fields do not have their form.
//!
//! Encoding is checked when a [`Transfer`] is built ([`Transfer::new`]), so a transfer that
//! exists always encodes, and `parse_file(&encode_file(ts)) == ts` for every list of them.

use std::fmt::Write as _;
use thiserror::Error;

/// What one field of a transfer line holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A decimal integer (an id, a size in MiB), optionally negative.
    Int,
    /// A short token: one or more of `[A-Za-z0-9_.-]` (an image format).
    Word,
    /// A location (`host:/path`) or any other text: percent-encoded on the wire.
    Loc,
}

/// The actions oned writes in transfer files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferAction {
    Clone,
    Ln,
    Mkswap,
    Mkimage,
    Context,
    Mv,
    Mvds,
    Cpds,
    Delete,
    SnapCreate,
    SnapDelete,
    SnapRevert,
    Resize,
}

use FieldKind::{Int, Loc, Word};

impl TransferAction {
    /// Every action, for tests and tables.
    pub const ALL: [TransferAction; 13] = [
        TransferAction::Clone,
        TransferAction::Ln,
        TransferAction::Mkswap,
        TransferAction::Mkimage,
        TransferAction::Context,
        TransferAction::Mv,
        TransferAction::Mvds,
        TransferAction::Cpds,
        TransferAction::Delete,
        TransferAction::SnapCreate,
        TransferAction::SnapDelete,
        TransferAction::SnapRevert,
        TransferAction::Resize,
    ];

    /// The name on the wire (upper case); the script is its lower-case form.
    pub fn name(self) -> &'static str {
        match self {
            TransferAction::Clone => "CLONE",
            TransferAction::Ln => "LN",
            TransferAction::Mkswap => "MKSWAP",
            TransferAction::Mkimage => "MKIMAGE",
            TransferAction::Context => "CONTEXT",
            TransferAction::Mv => "MV",
            TransferAction::Mvds => "MVDS",
            TransferAction::Cpds => "CPDS",
            TransferAction::Delete => "DELETE",
            TransferAction::SnapCreate => "SNAP_CREATE",
            TransferAction::SnapDelete => "SNAP_DELETE",
            TransferAction::SnapRevert => "SNAP_REVERT",
            TransferAction::Resize => "RESIZE",
        }
    }

    /// The action named `name` (exact, upper case).
    pub fn from_name(name: &str) -> Option<TransferAction> {
        TransferAction::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The kinds of the arguments after the driver name, in order. `CONTEXT` takes any number
    /// of extra files between its first argument and the destination: see
    /// [`TransferAction::repeated_at`].
    pub fn fields(self) -> &'static [FieldKind] {
        match self {
            // fe:src host:dir/disk.i vmid dsid
            TransferAction::Clone | TransferAction::Ln | TransferAction::Mv | TransferAction::Mvds => {
                &[Loc, Loc, Int, Int]
            }
            // size host:dir/disk.i vmid dsid
            TransferAction::Mkswap => &[Int, Loc, Int, Int],
            // size format host:dir/disk.i vmid dsid
            TransferAction::Mkimage => &[Int, Word, Loc, Int, Int],
            // context.sh [files…] host:dir/disk.i vmid dsid
            TransferAction::Context => &[Loc, Loc, Int, Int],
            // host:dir/disk.i source snap_id vmid dsid
            TransferAction::Cpds => &[Loc, Loc, Int, Int, Int],
            // host:dir[/disk.i] vmid dsid
            TransferAction::Delete => &[Loc, Int, Int],
            // host:dir/disk.i snap_id vmid dsid
            TransferAction::SnapCreate | TransferAction::SnapDelete | TransferAction::SnapRevert => {
                &[Loc, Int, Int, Int]
            }
            // host:dir/disk.i size vmid dsid
            TransferAction::Resize => &[Loc, Int, Int, Int],
        }
    }

    /// For actions with a variable part: the index in [`TransferAction::fields`] after which
    /// any number of extra [`FieldKind::Loc`] fields may come (`CONTEXT`'s files).
    pub fn repeated_at(self) -> Option<usize> {
        match self {
            TransferAction::Context => Some(0),
            _ => None,
        }
    }
}

/// One transfer: a line of a transfer file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    action: TransferAction,
    /// The `.<sys>` suffix (the system datastore's TM_MAD), if any.
    system: Option<String>,
    tm_mad: String,
    args: Vec<String>,
}

/// Why a transfer cannot be built, or a transfer file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TransferError {
    #[error("unknown transfer action {0:?}")]
    UnknownAction(String),
    #[error("invalid driver name {0:?} (letters, digits, '_' and '-' only)")]
    BadDriver(String),
    #[error("{action} takes {expected} arguments after the driver, not {got}")]
    Arity { action: &'static str, expected: String, got: usize },
    #[error("argument {index} of {action} must be an integer, not {value:?}")]
    NotInt { action: &'static str, index: usize, value: String },
    #[error("argument {index} of {action} must be a word of letters, digits, '_', '.' and '-', not {value:?}")]
    NotWord { action: &'static str, index: usize, value: String },
    #[error("argument {index} of {action} is empty or holds a NUL byte")]
    BadLoc { action: &'static str, index: usize },
    #[error("argument {index} of {action} has a bad percent-encoding: {value:?}")]
    BadEncoding { action: &'static str, index: usize, value: String },
    #[error("transfer line {line}: {error}")]
    Line { line: usize, error: Box<TransferError> },
    #[error("transfer line {0}: no driver after the action")]
    NoDriver(usize),
}

/// A value for an error message: at most 40 characters, so a hostile line cannot make the
/// message (which lands in logs and in the VM's ERROR) as long as itself.
fn short(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if out.len() < value.len() {
        out.push('…');
    }
    out
}

/// Whether `name` can name a driver (or a `TM_MAD_SYSTEM` suffix) and so become a path
/// component: `[A-Za-z0-9_-]+`.
pub fn is_driver_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `s` is a [`FieldKind::Word`].
pub fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Whether `s` is a [`FieldKind::Int`]: an optional `-` and decimal digits that fit an `i64`.
pub fn is_int(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && s.parse::<i64>().is_ok()
}

/// A field separator (as in the driver line codec): space, tab, `\r`, VT, FF.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Bytes written as `%XX` in a location: anything but printable ASCII, and `%` itself. Non-ASCII
/// bytes are encoded too, so no reader that splits on Unicode white space (U+00A0, U+2028 …)
/// can see two fields in one.
fn needs_escape(b: u8) -> bool {
    !(0x21..=0x7e).contains(&b) || b == b'%'
}

/// Writes a location field.
fn encode_loc(value: &str, out: &mut String) {
    for b in value.bytes() {
        if needs_escape(b) {
            let _ = write!(out, "%{b:02X}");
        } else {
            out.push(b as char);
        }
    }
}

/// Reads a location field; `None` for a bad `%` sequence, a NUL or invalid UTF-8.
fn decode_loc(field: &str) -> Option<String> {
    if !field.contains('%') {
        return Some(field.to_owned());
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            let b = u8::from_str_radix(hex, 16).ok()?;
            if b == 0 {
                return None;
            }
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Checks `args` against the action's field kinds (counts and forms).
fn check_args(action: TransferAction, args: &[String]) -> Result<(), TransferError> {
    let kinds = action.fields();
    let fits = match action.repeated_at() {
        Some(_) => args.len() >= kinds.len(),
        None => args.len() == kinds.len(),
    };
    if !fits {
        let expected = match action.repeated_at() {
            Some(_) => format!("at least {}", kinds.len()),
            None => kinds.len().to_string(),
        };
        return Err(TransferError::Arity { action: action.name(), expected, got: args.len() });
    }
    let extra = args.len() - kinds.len();
    for (index, value) in args.iter().enumerate() {
        // Extra fields of a repeated part are locations; the fixed kinds shift past them.
        let kind = match action.repeated_at() {
            Some(at) if index > at && index <= at + extra => Loc,
            Some(at) if index > at + extra => kinds[index - extra],
            _ => kinds[index],
        };
        let ok = match kind {
            Int => is_int(value),
            Word => is_word(value),
            Loc => !value.is_empty() && !value.contains('\0'),
        };
        if !ok {
            let (action, value) = (action.name(), short(value));
            return Err(match kind {
                Int => TransferError::NotInt { action, index, value },
                Word => TransferError::NotWord { action, index, value },
                Loc => TransferError::BadLoc { action, index },
            });
        }
    }
    Ok(())
}

impl Transfer {
    /// A transfer, checked: the driver names, the number of arguments and each argument's kind.
    pub fn new(
        action: TransferAction,
        system: Option<&str>,
        tm_mad: &str,
        args: Vec<String>,
    ) -> Result<Transfer, TransferError> {
        if !is_driver_name(tm_mad) {
            return Err(TransferError::BadDriver(short(tm_mad)));
        }
        if let Some(s) = system
            && !is_driver_name(s)
        {
            return Err(TransferError::BadDriver(short(s)));
        }
        check_args(action, &args)?;
        Ok(Transfer { action, system: system.map(str::to_owned), tm_mad: tm_mad.to_owned(), args })
    }

    pub fn action(&self) -> TransferAction {
        self.action
    }

    pub fn system(&self) -> Option<&str> {
        self.system.as_deref()
    }

    pub fn tm_mad(&self) -> &str {
        &self.tm_mad
    }

    /// The arguments, decoded (what the script gets as argv).
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The script names to try in `tm/<tm_mad>/`, best first: `clone.ssh` then `clone`.
    pub fn script_names(&self) -> Vec<String> {
        let base = self.action.name().to_lowercase();
        match &self.system {
            Some(system) => vec![format!("{base}.{system}"), base],
            None => vec![base],
        }
    }

    /// The line, without its `\n`.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.args.iter().map(String::len).sum::<usize>());
        out.push_str(self.action.name());
        if let Some(s) = &self.system {
            out.push('.');
            out.push_str(s);
        }
        out.push(' ');
        out.push_str(&self.tm_mad);
        for a in &self.args {
            out.push(' ');
            encode_loc(a, &mut out);
        }
        out
    }
}

/// A whole transfer file: `header` as a `#` comment (line breaks folded), then one line each.
pub fn encode_file(header: &str, transfers: &[Transfer]) -> String {
    let mut out = String::new();
    out.push_str("# ");
    out.extend(header.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }));
    out.push('\n');
    for t in transfers {
        out.push_str(&t.encode());
        out.push('\n');
    }
    out
}

/// Reads one non-comment line.
fn parse_line(line: &str, number: usize) -> Result<Transfer, TransferError> {
    let at = |error: TransferError| TransferError::Line { line: number, error: Box::new(error) };
    let mut words = line.split(|c: char| c.is_ascii() && is_blank(c as u8)).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("");
    let tm_mad = words.next().ok_or(TransferError::NoDriver(number))?;
    let (name, system) = match first.split_once('.') {
        Some((name, system)) => (name, Some(system)),
        None => (first, None),
    };
    let action = TransferAction::from_name(name).ok_or_else(|| at(TransferError::UnknownAction(short(first))))?;
    let mut args = Vec::new();
    for (index, field) in words.enumerate() {
        let value = decode_loc(field)
            .ok_or_else(|| at(TransferError::BadEncoding { action: action.name(), index, value: short(field) }))?;
        args.push(value);
    }
    Transfer::new(action, system, tm_mad, args).map_err(at)
}

/// Reads a transfer file's text: every line that is not blank or a `#` comment is a transfer.
/// The first bad line fails the whole file (nothing of it should run).
pub fn parse_file(text: &str) -> Result<Vec<Transfer>, TransferError> {
    let mut out = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_matches(|c: char| c.is_ascii() && is_blank(c as u8));
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(parse_line(line, index + 1)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
