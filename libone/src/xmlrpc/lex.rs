//! A minimal XML tokenizer for the subset XML-RPC needs: start, end and empty-element tags
//! (attributes are checked for syntax and skipped), character data with the five predefined
//! entities, character references, CDATA sections and end-of-line normalisation; comments and
//! processing instructions (including the `<?xml?>` declaration) are skipped. DTDs are refused.
//!
//! Character data between two tags is returned as one [`Token::Text`], merged across comments
//! and CDATA sections, borrowed from the input when nothing had to be decoded. Decoding copies
//! runs between `&`/`\r` bytes, so a multi-megabyte string costs two linear scans.

use std::borrow::Cow;

/// One piece of the document.
#[derive(Debug, PartialEq)]
pub(super) enum Token<'a> {
    /// `<name …>` or, with `empty`, `<name …/>`. `name` is the local part (after any prefix).
    Start { name: &'a str, empty: bool },
    /// `</name>` (local part).
    End { name: &'a str },
    /// Decoded character data (never empty).
    Text(Cow<'a, str>),
    /// End of input.
    Eof,
}

/// A tokenizer error: a short reason and the byte offset where it was noticed.
#[derive(Debug, PartialEq)]
pub(super) struct LexError {
    pub(super) reason: String,
    pub(super) at: usize,
}

/// How many bytes of the input an error message may quote.
const QUOTE_MAX: usize = 32;

/// At most `QUOTE_MAX` bytes of `s` (cut at a char boundary), for error messages.
pub(super) fn excerpt(s: &str) -> String {
    if s.len() <= QUOTE_MAX {
        return s.to_owned();
    }
    let mut end = QUOTE_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        let pos = if src.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        Lexer { src, pos }
    }

    /// Byte offset of the next unread byte.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    fn err<T>(&self, at: usize, reason: impl Into<String>) -> Result<T, LexError> {
        Err(LexError { reason: reason.into(), at })
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Ok(Token::Eof);
            }
            if !rest.starts_with('<') || rest.starts_with("<![CDATA[") {
                match self.text()? {
                    Some(t) => return Ok(Token::Text(t)),
                    None => continue,
                }
            }
            if rest.starts_with("<!--") {
                self.skip_comment()?;
            } else if rest.starts_with("<?") {
                self.skip_pi()?;
            } else if rest.starts_with("<!") {
                let what = if rest.starts_with("<!DOCTYPE") { "a DTD (<!DOCTYPE>)" } else { "a markup declaration" };
                return self.err(self.pos, format!("{what} is not allowed in XML-RPC"));
            } else if rest.starts_with("</") {
                return self.end_tag();
            } else {
                return self.start_tag();
            }
        }
    }

    fn skip_comment(&mut self) -> Result<(), LexError> {
        let body = self.rest().get(4..).unwrap_or("");
        match body.find("-->") {
            Some(i) => {
                self.pos += 4 + i + 3;
                Ok(())
            }
            None => self.err(self.pos, "unterminated comment"),
        }
    }

    fn skip_pi(&mut self) -> Result<(), LexError> {
        let body = self.rest().get(2..).unwrap_or("");
        match body.find("?>") {
            Some(i) => {
                self.pos += 2 + i + 2;
                Ok(())
            }
            None => self.err(self.pos, "unterminated processing instruction"),
        }
    }

    /// A tag name at the start of `s`: the bytes up to whitespace, `/`, `>` (or the end).
    fn name_len(s: &str) -> usize {
        s.bytes()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>' | b'<' | b'=' | b'"' | b'\''))
            .unwrap_or(s.len())
    }

    /// The part of a qualified name after the last `:`.
    fn local(name: &str) -> &str {
        name.rsplit(':').next().unwrap_or(name)
    }

    fn end_tag(&mut self) -> Result<Token<'a>, LexError> {
        let start = self.pos;
        let after = self.rest().get(2..).unwrap_or("");
        let n = Self::name_len(after);
        if n == 0 {
            return self.err(start, "end tag without a name");
        }
        let name = &after[..n];
        let tail = &after[n..];
        let trimmed = tail.trim_start_matches([' ', '\t', '\r', '\n']);
        if !trimmed.starts_with('>') {
            return self.err(start, format!("end tag </{}> is not closed with '>'", excerpt(name)));
        }
        self.pos = start + 2 + n + (tail.len() - trimmed.len()) + 1;
        Ok(Token::End { name: Self::local(name) })
    }

    fn start_tag(&mut self) -> Result<Token<'a>, LexError> {
        let start = self.pos;
        let after = self.rest().get(1..).unwrap_or("");
        let n = Self::name_len(after);
        if n == 0 {
            return self.err(start, "'<' not followed by a tag name");
        }
        let name = &after[..n];
        let mut i = n;
        let b = after.as_bytes();
        // Attributes: `name = "value"` / `name='value'`, skipped after a syntax check.
        loop {
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            match b.get(i) {
                None => return self.err(start, format!("tag <{}> is not closed", excerpt(name))),
                Some(b'>') => {
                    self.pos = start + 1 + i + 1;
                    return Ok(Token::Start { name: Self::local(name), empty: false });
                }
                Some(b'/') => {
                    if b.get(i + 1) == Some(&b'>') {
                        self.pos = start + 1 + i + 2;
                        return Ok(Token::Start { name: Self::local(name), empty: true });
                    }
                    return self.err(start + 1 + i, format!("stray '/' in tag <{}>", excerpt(name)));
                }
                Some(_) => {
                    let an = Self::name_len(&after[i..]);
                    if an == 0 {
                        return self.err(start + 1 + i, format!("bad attribute in tag <{}>", excerpt(name)));
                    }
                    i += an;
                    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    if b.get(i) != Some(&b'=') {
                        return self
                            .err(start + 1 + i, format!("attribute without a value in tag <{}>", excerpt(name)));
                    }
                    i += 1;
                    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                        i += 1;
                    }
                    let quote = match b.get(i) {
                        Some(&q @ (b'"' | b'\'')) => q,
                        _ => {
                            return self
                                .err(start + 1 + i, format!("unquoted attribute value in tag <{}>", excerpt(name)));
                        }
                    };
                    match memchr::memchr(quote, &b[i + 1..]) {
                        Some(j) if !b[i + 1..i + 1 + j].contains(&b'<') => i += 1 + j + 1,
                        _ => {
                            return self.err(
                                start + 1 + i,
                                format!("unterminated attribute value in tag <{}>", excerpt(name)),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Character data up to the next tag (comments and PIs skipped, CDATA included). `None` if
    /// there was nothing but comments/PIs.
    fn text(&mut self) -> Result<Option<Cow<'a, str>>, LexError> {
        let mut acc: Option<Cow<'a, str>> = None;
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                break;
            }
            if rest.starts_with('<') {
                if let Some(body) = rest.strip_prefix("<![CDATA[") {
                    let Some(end) = body.find("]]>") else {
                        return self.err(self.pos, "unterminated CDATA section");
                    };
                    let piece = normalize_eol(&body[..end]);
                    self.pos += 9 + end + 3;
                    append(&mut acc, piece);
                } else if rest.starts_with("<!--") {
                    self.skip_comment()?;
                } else if rest.starts_with("<?") {
                    self.skip_pi()?;
                } else {
                    break;
                }
                continue;
            }
            let end = memchr::memchr(b'<', rest.as_bytes()).unwrap_or(rest.len());
            let run = &rest[..end];
            let piece = decode(run, self.pos)?;
            self.pos += end;
            append(&mut acc, piece);
        }
        Ok(acc.filter(|t| !t.is_empty()))
    }
}

/// Adds `piece` to the text collected so far, borrowing while there is only one piece.
fn append<'a>(acc: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    match acc {
        None => *acc = Some(piece),
        Some(prev) => prev.to_mut().push_str(&piece),
    }
}

/// `\r\n` and lone `\r` become `\n` (XML 1.0 §2.11).
fn normalize_eol(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Decodes a run of character data (no `<` inside): entities, character references and line
/// ends. `base` is the run's offset in the document, for error positions.
fn decode(run: &str, base: usize) -> Result<Cow<'_, str>, LexError> {
    let bytes = run.as_bytes();
    let Some(first) = memchr::memchr2(b'&', b'\r', bytes) else {
        return Ok(Cow::Borrowed(run));
    };
    let mut out = String::with_capacity(run.len());
    let mut last = 0;
    let mut i = first;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                out.push_str(&run[last..i]);
                let (c, len) = entity(&bytes[i + 1..]).map_err(|reason| LexError { reason, at: base + i })?;
                out.push(c);
                i += 1 + len;
                last = i;
            }
            b'\r' => {
                out.push_str(&run[last..i]);
                out.push('\n');
                i += if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                last = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&run[last..]);
    Ok(Cow::Owned(out))
}

/// The reference after a `&`: the character and how many bytes it used (including `;`).
fn entity(after: &[u8]) -> Result<(char, usize), String> {
    // The predefined entities first, without searching (a pool listing has millions of them).
    match after {
        [b'l', b't', b';', ..] => return Ok(('<', 3)),
        [b'g', b't', b';', ..] => return Ok(('>', 3)),
        [b'a', b'm', b'p', b';', ..] => return Ok(('&', 4)),
        [b'q', b'u', b'o', b't', b';', ..] => return Ok(('"', 5)),
        [b'a', b'p', b'o', b's', b';', ..] => return Ok(('\'', 5)),
        _ => {}
    }
    // A character reference is at most `#x10FFFF` or a decimal with leading zeros; allow some
    // slack but do not scan far into a huge text for a `;`.
    let window = &after[..after.len().min(16)];
    let Some(semi) = window.iter().position(|&b| b == b';') else {
        return Err(format!(
            "'&' not followed by an entity reference: {:?}",
            excerpt(&String::from_utf8_lossy(window))
        ));
    };
    let name = &after[..semi];
    let c = match name {
        [b'#', b'x', hex @ ..] => char_ref(hex, 16)?,
        [b'#', dec @ ..] => char_ref(dec, 10)?,
        _ => {
            return Err(format!("unknown entity &{};", String::from_utf8_lossy(name)));
        }
    };
    Ok((c, semi + 1))
}

fn char_ref(digits: &[u8], radix: u32) -> Result<char, String> {
    let bad = || {
        format!("bad character reference &#{}{};", if radix == 16 { "x" } else { "" }, String::from_utf8_lossy(digits))
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut n: u32 = 0;
    for &d in digits {
        let v = (d as char).to_digit(radix).ok_or_else(bad)?;
        n = n.checked_mul(radix).and_then(|n| n.checked_add(v)).ok_or_else(bad)?;
    }
    match char::from_u32(n) {
        Some(c) if n != 0 => Ok(c),
        _ => Err(bad()),
    }
}
