//! The text-form parser: a hand-written scanner over the input's bytes, in one pass. The only
//! look-ahead settles quoted against bare values, and what it scans is either consumed or holds
//! no further quote, so the whole parse stays linear.
//!
//! It follows OpenNebula's flex lexer (`template_parser.l`) and bison grammar
//! (`template_syntax.y`), token for token:
//! - layout (blanks, newlines, `#` comments) may stand before a name, between a name and `=`,
//!   after `[`, around `,` and before `]`;
//! - after `=` only blanks; `=` then end of line (or end of input) is the empty value;
//! - a value is the LONGER of a quoted match (`"` up to the first `"` not preceded by `\`, or,
//!   when there is no such quote, up to the last `"` of the input) and a bare match (characters
//!   other than blanks, newline, `=`, `#`, `,`, `[`, `]`); on a tie the quoted reading wins.
//!   So `"a b"` is `a b`, `"ab"cd` is the bare `"ab"cd`, as in OpenNebula. Both forms then have
//!   every `\"` replaced by `"`; other backslashes are data.
//!
//! Deliberate differences, each for input OpenNebula mishandles:
//! - a character that no rule accepts (`-`, `.`, a stray `"`...) is an error with its position;
//!   flex would print it on oned's stdout and go on as if it were not there;
//! - CR outside quotes is layout, so CRLF files read like LF files (flex keeps a CR at the end
//!   of a bare value, and `"x"` followed by CR becomes the bare value `"x"\r`);
//! - a value that starts with `"` and has no closing `"` anywhere after it is an
//!   "unterminated quoted string" error (flex would read `"abc` as a bare value);
//! - a comment on the last line needs no newline, and `NAME =` at the end of the input is the
//!   empty value (both syntax errors in OpenNebula);
//! - a value holding a character XML 1.0 does not allow ([`crate::xmlchar`]: most C0 controls,
//!   U+FFFE, U+FFFF) is an error: values are stored and later written into XML, which could not
//!   carry it (OpenNebula stores it and then writes documents no client can read). Comments may
//!   hold such characters: they are dropped;
//! - a value containing `]]>` is accepted (OpenNebula refuses it because its XML writer did not
//!   split CDATA sections; ours does).

use crate::template::locate::Locator;
use crate::template::names::{is_name_byte, text_sub_key, top_level_name};
use crate::template::{Attribute, ParseError, Position, Vector};
use crate::xmlchar::{code_point, find_forbidden, is_xml_char};
use std::fmt;

/// Blanks separate tokens: space and tab (flex's `[:blank:]`), and CR (see the module doc).
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r')
}

/// The characters that end a bare (unquoted) value.
pub(super) fn ends_bare_value(byte: u8) -> bool {
    is_blank(byte) || matches!(byte, b'\n' | b'=' | b'#' | b',' | b'[' | b']')
}

/// Whose value is being read, for error messages.
#[derive(Clone, Copy)]
enum Owner<'n> {
    Attribute(&'n str),
    SubKey { key: &'n str, vector: &'n str },
}

impl fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Attribute(name) => f.write_str(name),
            Owner::SubKey { key, vector } => write!(f, "{key} in vector {vector}"),
        }
    }
}

impl Owner<'_> {
    fn name(&self) -> &str {
        match self {
            Owner::Attribute(name) => name,
            Owner::SubKey { key, .. } => key,
        }
    }
}

/// One parse of one text template.
pub(super) struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    locator: Locator<'a>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Parser { text, bytes: text.as_bytes(), pos: 0, locator: Locator::new(text) }
    }

    /// Reads the whole input: every attribute with the position of its name.
    pub(super) fn parse(mut self) -> Result<Vec<(Attribute, Position)>, ParseError> {
        let mut attributes = Vec::new();
        loop {
            self.skip_layout();
            if self.at_end() {
                return Ok(attributes);
            }
            attributes.push(self.attribute()?);
        }
    }

    /// `NAME = value`, `NAME = [ ... ]` or `NAME =` (empty).
    fn attribute(&mut self) -> Result<(Attribute, Position), ParseError> {
        let start = self.pos;
        let written = self.name(|| "an attribute name".to_string())?;
        let position = self.locator.position(start);
        let owner = Owner::Attribute(written);
        self.equals_after(owner)?;
        self.skip_blanks();
        let name = top_level_name(written);
        let attribute = match self.peek() {
            None | Some(b'\n') => Attribute::Single { name, value: String::new() },
            Some(b'[') => {
                self.pos += 1;
                Attribute::Vector { name, vector: self.vector_body(written, self.pos - 1)? }
            }
            Some(_) => Attribute::Single { name, value: self.value(owner)? },
        };
        Ok((attribute, position))
    }

    /// The pairs of a vector, after its `[`, up to and including its `]`.
    fn vector_body(&mut self, vector: &str, open: usize) -> Result<Vector, ParseError> {
        let mut pairs = Vec::new();
        self.skip_layout();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Vector::new());
        }
        loop {
            self.check_vector_not_cut(vector, open)?;
            let expected = || {
                if pairs.is_empty() {
                    format!("a sub-attribute name or \"]\" in vector {vector}")
                } else {
                    format!("a sub-attribute name after \",\" in vector {vector}")
                }
            };
            let key = self.name(expected)?;
            let owner = Owner::SubKey { key, vector };
            self.equals_after(owner)?;
            self.skip_blanks();
            let value = self.sub_value(owner)?;
            pairs.push((text_sub_key(key), value));
            self.skip_layout();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_layout();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Vector::from_pairs(pairs));
                }
                _ => {
                    self.check_vector_not_cut(vector, open)?;
                    let message = format!("expected \",\" or \"]\" after the value of {owner}, found {}", self.found());
                    return Err(self.error_here(message));
                }
            }
        }
    }

    /// The error for a vector that the end of the input cuts off.
    fn check_vector_not_cut(&mut self, vector: &str, open: usize) -> Result<(), ParseError> {
        if !self.at_end() {
            return Ok(());
        }
        let opened = self.locator.position(open);
        let message = format!(
            "expected \"]\" to close vector {vector} (opened at line {}, column {})",
            opened.line, opened.column
        );
        Err(self.error_here(message))
    }

    /// A value inside a vector: never empty (`""` must be written) and never a vector.
    fn sub_value(&mut self, owner: Owner<'_>) -> Result<String, ParseError> {
        match self.peek() {
            None | Some(b'\n' | b',' | b']' | b'#') => {
                let message = format!(
                    "expected a value after \"=\" for {owner}, found {} (write {} = \"\" for an empty value)",
                    self.found(),
                    owner.name()
                );
                Err(self.error_here(message))
            }
            Some(b'[') => {
                let message = format!("vectors cannot be nested: found \"[\" as the value of {owner}");
                Err(self.error_here(message))
            }
            Some(_) => self.value(owner),
        }
    }

    /// A quoted or bare value (see the module doc for how the two readings are settled).
    fn value(&mut self, owner: Owner<'_>) -> Result<String, ParseError> {
        let start = self.pos;
        let bare_end = self.bare_end(start);
        if self.bytes.get(start) == Some(&b'"') {
            let Some(close) = self.closing_quote(start) else {
                let message = format!("unterminated quoted string: the value of {owner} has no closing '\"'");
                return Err(self.error_at(start, message));
            };
            if bare_end <= close + 1 {
                self.check_chars(start + 1, close, owner)?;
                self.pos = close + 1;
                return Ok(unescape(&self.text[start + 1..close]));
            }
        }
        if bare_end == start {
            let hint = match self.peek() {
                Some(b'#') => format!(" (write {} = \"\" for an empty value)", owner.name()),
                _ => String::new(),
            };
            let message = format!("expected a value after \"=\" for {owner}, found {}{hint}", self.found());
            return Err(self.error_here(message));
        }
        self.check_chars(start, bare_end, owner)?;
        self.pos = bare_end;
        Ok(unescape(&self.text[start..bare_end]))
    }

    /// Refuses a value (the input bytes `from..to`) holding a character XML 1.0 does not allow:
    /// every value ends up in XML, which could not carry it.
    fn check_chars(&mut self, from: usize, to: usize, owner: Owner<'_>) -> Result<(), ParseError> {
        let Some((offset, c)) = find_forbidden(&self.text[from..to]) else { return Ok(()) };
        let message =
            format!("the value of {owner} holds the character {}, which XML 1.0 does not allow", code_point(c));
        Err(self.error_at(from + offset, message))
    }

    /// Where a bare value starting at `start` ends.
    fn bare_end(&self, start: usize) -> usize {
        self.bytes[start..].iter().position(|&b| ends_bare_value(b)).map_or(self.bytes.len(), |n| start + n)
    }

    /// The quote that closes the quoted string opened at `open`: the first `"` not preceded by
    /// `\`; failing that, the last `"` of the input (flex's longest match).
    fn closing_quote(&self, open: usize) -> Option<usize> {
        let mut last_escaped = None;
        let mut from = open + 1;
        while let Some(n) = self.bytes[from..].iter().position(|&b| b == b'"') {
            let quote = from + n;
            if self.bytes[quote - 1] != b'\\' {
                return Some(quote);
            }
            last_escaped = Some(quote);
            from = quote + 1;
        }
        last_escaped
    }

    /// A name (`[A-Za-z0-9_]+`); a character glued to it that no name or token may contain is
    /// reported as a bad name character.
    fn name(&mut self, expected: impl FnOnce() -> String) -> Result<&'a str, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        if self.pos == start {
            let message = format!("expected {}, found {}", expected(), self.found());
            return Err(self.error_here(message));
        }
        let name = &self.text[start..self.pos];
        match self.peek() {
            Some(b) if !(ends_bare_value(b) || b == b'"') => {
                let message = format!(
                    "invalid character {} in name {name}: names contain only ASCII letters, digits and \"_\"",
                    self.found()
                );
                Err(self.error_here(message))
            }
            _ => Ok(name),
        }
    }

    /// Layout then `=` after a name.
    fn equals_after(&mut self, owner: Owner<'_>) -> Result<(), ParseError> {
        self.skip_layout();
        if self.peek() == Some(b'=') {
            self.pos += 1;
            return Ok(());
        }
        let message = format!("expected \"=\" after {owner}, found {}", self.found());
        Err(self.error_here(message))
    }

    /// Blanks, newlines and comments.
    fn skip_layout(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => self.skip_comment(),
                _ => return,
            }
        }
    }

    /// From `#` to just after the end of the line (or to the end of the input).
    fn skip_comment(&mut self) {
        self.pos = match self.bytes[self.pos..].iter().position(|&b| b == b'\n') {
            Some(n) => self.pos + n + 1,
            None => self.bytes.len(),
        };
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// What stands at the current position, for "found ..." in messages.
    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|rest| rest.chars().next()) {
            None => "the end of the input".to_string(),
            Some('\n') => "the end of the line".to_string(),
            Some('\t') => "a tab".to_string(),
            Some(c) if !is_xml_char(c) => format!("the character {}, which XML 1.0 does not allow", code_point(c)),
            Some(c) if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
            Some(c) => format!("\"{c}\""),
        }
    }

    fn error_here(&mut self, message: String) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&mut self, offset: usize, message: String) -> ParseError {
        ParseError { position: self.locator.position(offset), message }
    }
}

/// OpenNebula's `unescape`: every `\"` becomes `"`, left to right; nothing else changes.
///
/// A `"` preceded by `\` is always such a pair (a backslash cannot end an earlier pair), so
/// each one simply loses its backslash.
fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut copied = 0;
    for (i, &byte) in bytes.iter().enumerate().skip(1) {
        if byte == b'"' && bytes[i - 1] == b'\\' {
            out.push_str(&raw[copied..i - 1]);
            copied = i;
        }
    }
    out.push_str(&raw[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn unescape_replaces_only_backslash_quote() {
        assert_eq!(unescape(r#"a\"b"#), r#"a"b"#);
        assert_eq!(unescape(r#"a\\"b"#), r#"a\"b"#);
        assert_eq!(unescape(r"a\nb\\"), r"a\nb\\");
        assert_eq!(unescape(r#"\"\""#), r#""""#);
        assert_eq!(unescape(""), "");
    }
}
