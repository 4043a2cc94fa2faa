//! The XML reader: quick-xml events to a [`Template`], with OpenNebula's `from_xml` rules.
//!
//! Per element child of the root (whose name is ignored):
//! - only character data (text, CDATA sections, entity and character references, in any mix;
//!   comments and processing instructions are skipped) -> a single attribute whose value is
//!   all of it joined, whitespace included;
//! - at least one element child -> a vector of those child elements that hold only character
//!   data; other text in the element (the indentation of pretty-printed XML) is ignored, child
//!   elements that hold elements are skipped (templates have two levels), empty child elements
//!   (`<K/>`) are skipped, and a repeated sub-key keeps its LAST value (OpenNebula's
//!   `VectorAttribute::replace`) at the place of its first;
//! - nothing at all (`<FOO/>`, `<FOO></FOO>`) -> dropped, as OpenNebula does. So an empty
//!   vector, which the writer prints `<NAME></NAME>`, does not come back from XML: the same as
//!   in OpenNebula. An empty single value is written `<NAME><![CDATA[]]></NAME>` and comes back.
//!
//! Top-level names are upper-cased and get the `ONE_` fix-up; sub-element names are kept as
//! written. Line ends are normalised as XML 1.0 requires (CR LF and lone CR become LF);
//! `&#13;` gives a CR. Entities other than the five predefined ones are an error, and so is a
//! character XML 1.0 does not allow ([`crate::xmlchar`]), written raw anywhere in the document
//! or as a character reference (`&#1;`, `&#x1;`, `&#0;`, `&#xFFFF;`): such a template would be
//! stored and then written into every listing that shows it, where no client could read it.
//!
//! Differences from OpenNebula (libxml2): text split in several nodes (`a<!-- -->b`, CDATA
//! next to text, CDATA split around `]]>`) is joined where libxml2 would drop the attribute or
//! keep only the first piece; a sub-element holding elements is skipped where libxml2 would
//! take its leading whitespace as the value.

use crate::template::locate::position_of;
use crate::template::names::top_level_name;
use crate::template::{Attribute, ParseError, Template, Vector};
use crate::xmlchar::{code_point, find_forbidden, is_xml_char};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};

/// Reads the XML form of a template.
pub(super) fn read_template(input: &str) -> Result<Template, ParseError> {
    // A raw character XML 1.0 does not allow makes the document malformed wherever it is;
    // the ones character references stand for are refused as they are decoded.
    if let Some((offset, c)) = find_forbidden(input) {
        let message = format!("the template holds the character {}, which XML 1.0 does not allow", code_point(c));
        return Err(ParseError { position: position_of(input, offset), message });
    }
    let mut document = Document { input, reader: Reader::from_str(input) };
    let attributes = document.root()?;
    document.after_root()?;
    Ok(Template::from_attributes(attributes))
}

/// The character data of one element, or what it held instead.
enum Content {
    /// Only character data (possibly empty, e.g. one empty CDATA section).
    Text(String),
    /// At least one child element.
    Elements(Vec<(String, String)>),
    /// Nothing.
    Nothing,
}

struct Document<'a> {
    input: &'a str,
    reader: Reader<&'a [u8]>,
}

impl<'a> Document<'a> {
    /// Up to the root element's start; then its attributes, up to its end.
    fn root(&mut self) -> Result<Vec<Attribute>, ParseError> {
        loop {
            match self.next()? {
                Event::Start(_) => return self.root_children(),
                Event::Empty(_) => return Ok(Vec::new()),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
                Event::Text(text) if is_xml_blank(&text) => {}
                Event::Text(text) => {
                    let blanks = text.len() - text.trim_start_matches([' ', '\t', '\r', '\n']).len();
                    let message = "text before the root element of the XML".to_string();
                    return Err(self.error_before(text.len() - blanks, message));
                }
                Event::Eof => {
                    return Err(self.error_here("no root element (such as <TEMPLATE>) in the XML".into()));
                }
                _ => return Err(self.error_here("content before the root element of the XML".into())),
            }
        }
    }

    /// The root's children: each element is an attribute (or dropped); other content is ignored.
    fn root_children(&mut self) -> Result<Vec<Attribute>, ParseError> {
        let mut attributes = Vec::new();
        loop {
            match self.next()? {
                Event::Start(start) => {
                    let name = top_level_name(start.name().as_ref());
                    if let Some(attribute) = self.attribute(name)? {
                        attributes.push(attribute);
                    }
                }
                Event::End(_) => return Ok(attributes),
                Event::GeneralRef(reference) => {
                    self.resolve(&reference)?;
                }
                Event::Eof => return Err(self.error_here("the root element is not closed".into())),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced_declaration()),
                Event::Empty(_) | Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
            }
        }
    }

    /// One top-level element, after its start tag.
    fn attribute(&mut self, name: String) -> Result<Option<Attribute>, ParseError> {
        Ok(match self.content(&name, true)? {
            Content::Text(value) => Some(Attribute::Single { name, value }),
            Content::Elements(pairs) => Some(Attribute::Vector { name, vector: vector_keeping_last(pairs) }),
            Content::Nothing => None,
        })
    }

    /// The content of an element up to its end tag. With `read_children`, child elements are
    /// read as `(name, text)` pairs (those holding only character data); otherwise they are
    /// skipped.
    fn content(&mut self, name: &str, read_children: bool) -> Result<Content, ParseError> {
        let mut text = String::new();
        let mut has_text = false;
        let mut children: Option<Vec<(String, String)>> = None;
        loop {
            match self.next()? {
                Event::Text(data) => {
                    push_text(&mut text, data.xml10_content());
                    has_text = true;
                }
                Event::CData(data) => {
                    push_text(&mut text, data.xml10_content());
                    has_text = true;
                }
                Event::GeneralRef(reference) => {
                    self.push_reference(&reference, &mut text)?;
                    has_text = true;
                }
                Event::Start(start) => {
                    let pairs = children.get_or_insert_with(Vec::new);
                    if read_children {
                        let key = start.name().as_ref().to_owned();
                        if let Content::Text(value) = self.content(&key, false)? {
                            pairs.push((key, value));
                        }
                    } else {
                        self.skip_element()?;
                    }
                }
                Event::Empty(_) => {
                    children.get_or_insert_with(Vec::new);
                }
                Event::End(_) => break,
                Event::Eof => return Err(self.error_here(format!("element <{name}> is not closed"))),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced_declaration()),
                Event::Comment(_) | Event::PI(_) => {}
            }
        }
        Ok(match (children, has_text) {
            (Some(pairs), _) => Content::Elements(pairs),
            (None, true) => Content::Text(text),
            (None, false) => Content::Nothing,
        })
    }

    /// Skips an element (after its start tag) and everything in it.
    fn skip_element(&mut self) -> Result<(), ParseError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::GeneralRef(reference) => {
                    self.resolve(&reference)?;
                }
                Event::Eof => return Err(self.error_here("an element is not closed".into())),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced_declaration()),
                _ => {}
            }
        }
        Ok(())
    }

    /// After the root: only blanks, comments and processing instructions.
    fn after_root(&mut self) -> Result<(), ParseError> {
        loop {
            match self.next()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if is_xml_blank(&text) => {}
                _ => return Err(self.error_here("content after the end of the root element".into())),
            }
        }
    }

    fn push_reference(&self, reference: &BytesRef<'_>, text: &mut String) -> Result<(), ParseError> {
        match self.resolve(reference)? {
            Resolved::Char(c) => text.push(c),
            Resolved::Str(s) => text.push_str(s),
        }
        Ok(())
    }

    /// A character reference (to a character XML 1.0 allows) or one of the five predefined
    /// entities.
    fn resolve(&self, reference: &BytesRef<'_>) -> Result<Resolved, ParseError> {
        // Errors point at the `&`: the reference is `&name;`, just read.
        let at_reference = |message: String| self.error_before(reference.len() + 2, message);
        if reference.is_char_ref() {
            let refused = |code: u32| {
                at_reference(format!(
                    "the character reference &{}; stands for U+{code:04X}, which XML 1.0 does not allow",
                    &**reference
                ))
            };
            return match reference.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => Ok(Resolved::Char(c)),
                Ok(Some(c)) => Err(refused(u32::from(c))),
                // quick-xml refuses U+0000 and the surrogates, which are not `char`s; the rest
                // are malformed or out of range.
                _ => match char_ref_code(reference) {
                    Some(code) if code <= u32::from(char::MAX) => Err(refused(code)),
                    _ => Err(at_reference(format!("invalid character reference &{};", &**reference))),
                },
            };
        }
        resolve_predefined_entity(reference)
            .map(Resolved::Str)
            .ok_or_else(|| at_reference(format!("unknown entity &{};", &**reference)))
    }

    fn next(&mut self) -> Result<Event<'a>, ParseError> {
        self.reader.read_event().map_err(|e| {
            let offset = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
            ParseError { position: position_of(self.input, offset), message: format!("malformed XML: {e}") }
        })
    }

    fn misplaced_declaration(&self) -> ParseError {
        self.error_here("XML or DOCTYPE declaration inside the root element".into())
    }

    /// An error at the reader's position (just after the event that was read).
    fn error_here(&self, message: String) -> ParseError {
        self.error_before(0, message)
    }

    /// An error `back` bytes before the reader's position (at the start of what was just read).
    fn error_before(&self, back: usize, message: String) -> ParseError {
        let offset = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        ParseError { position: position_of(self.input, offset.saturating_sub(back)), message }
    }
}

/// The code point a character reference (`#10`, `#xA`) names, if its digits are well-formed.
fn char_ref_code(reference: &str) -> Option<u32> {
    let digits = reference.strip_prefix('#')?;
    let (digits, radix) = match digits.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (digits, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

enum Resolved {
    Char(char),
    Str(&'static str),
}

/// Appends a piece of character data; the first piece is taken whole (one allocation).
fn push_text(text: &mut String, piece: std::borrow::Cow<'_, str>) {
    if text.is_empty() {
        *text = piece.into_owned();
    } else {
        text.push_str(&piece);
    }
}

/// XML's white space: space, tab, CR, LF.
fn is_xml_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Above this many pairs, duplicates are found by sorting instead of scanning.
const SMALL_VECTOR: usize = 16;

/// A vector from pairs where a repeated key takes its last value at its first place
/// (`Vector::set` semantics), in O(n log n).
fn vector_keeping_last(mut pairs: Vec<(String, String)>) -> Vector {
    if pairs.len() <= SMALL_VECTOR {
        let mut kept = 0;
        for i in 0..pairs.len() {
            match pairs[..kept].iter().position(|(key, _)| *key == pairs[i].0) {
                Some(first) => pairs[first].1 = std::mem::take(&mut pairs[i].1),
                None => {
                    pairs.swap(kept, i);
                    kept += 1;
                }
            }
        }
        pairs.truncate(kept);
        return Vector::from_pairs(pairs);
    }
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0)); // stable: equal keys stay in order
    let mut dropped = vec![false; pairs.len()];
    let mut moves = Vec::new(); // (first place, last value) of each repeated key
    for run in order.chunk_by(|&a, &b| pairs[a].0 == pairs[b].0) {
        if let [first, .., last] = *run {
            moves.push((first, last));
            for &later in &run[1..] {
                dropped[later] = true;
            }
        }
    }
    for (first, last) in moves {
        pairs[first].1 = std::mem::take(&mut pairs[last].1);
    }
    let mut index = 0;
    pairs.retain(|_| {
        index += 1;
        !dropped[index - 1]
    });
    Vector::from_pairs(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeping_last_matches_set_for_small_and_large_vectors() {
        for n in [3usize, 40] {
            let pairs: Vec<(String, String)> =
                (0..n).map(|i| (format!("K{}", i % (n / 2 + 1)), i.to_string())).collect();
            let mut expected = Vector::new();
            for (k, v) in pairs.clone() {
                expected.set(k, v);
            }
            assert_eq!(vector_keeping_last(pairs), expected, "n = {n}");
        }
    }
}
