//! The XML form of templates: `<ROOT><NAME><![CDATA[v]]></NAME><VEC><K><![CDATA[v]]></K></VEC></ROOT>`.
//!
//! - [`Template::write_xml`] / [`Template::to_xml`]: OpenNebula's `to_xml` layout: attributes
//!   sorted by name (bytewise, stable, so repeated names keep their order), vector sub-elements
//!   sorted by sub-key, every value in CDATA (split around `]]>` by [`cdata`]). Differences:
//!   a CR inside a value is written `&#13;` between CDATA sections, because XML readers turn a
//!   literal CR into LF; attributes and sub-keys with an empty name are skipped (OpenNebula
//!   skips empty sub-keys). Names are written as stored: the parsers only store valid ones.
//!   A character XML 1.0 does not allow ([`crate::xmlchar`]), in a value or a name, is written
//!   as U+FFFD: the parsers refuse such characters, but a template may come from elsewhere (a
//!   database written by an older version), and one bad character must not make a whole pool
//!   listing unreadable.
//! - [`Template::parse_xml`]: see [`reader`] for which elements become single attributes,
//!   vectors, or nothing.
//! - [`Template::parse_str_or_xml`]: oned's entry point for templates sent over the API.

mod reader;

use super::trim::trim_values;
use super::{Attribute, ParseError, Template};
use crate::xmlchar::{find_forbidden, replace_forbidden};

/// Appends `<![CDATA[value]]>`, splitting any `]]>` inside the value so the output stays valid;
/// a character XML 1.0 does not allow is written as U+FFFD.
pub fn cdata(value: &str, out: &mut String) {
    cdata_as_is(&replace_forbidden(value), out);
}

/// [`cdata`] for a value known to hold only characters XML 1.0 allows (or whose output is
/// checked afterwards).
fn cdata_as_is(value: &str, out: &mut String) {
    out.push_str("<![CDATA[");
    let mut rest = value;
    while let Some(i) = rest.find("]]>") {
        // End the section between "]]" and ">" and reopen it: "]]]]><![CDATA[>".
        out.push_str(&rest[..i + 2]);
        out.push_str("]]><![CDATA[");
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped as XML entities; a character XML 1.0
/// does not allow is written as U+FFFD.
pub fn escape_xml(text: &str, out: &mut String) {
    let text = &*replace_forbidden(text);
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

impl Template {
    /// Parses the XML form; the root element's name is ignored.
    pub fn parse_xml(input: &str) -> Result<Template, ParseError> {
        reader::read_template(input)
    }

    /// oned's `parse_str_or_xml`: XML if the first byte is `<`, else text; then every value,
    /// single or in a vector, loses its leading and trailing white space (OpenNebula 7.4).
    pub fn parse_str_or_xml(input: &str) -> Result<Template, ParseError> {
        let mut template = match input.as_bytes().first() {
            Some(b'<') => Template::parse_xml(input)?,
            _ => Template::parse_text(input)?,
        };
        trim_values(&mut template);
        Ok(template)
    }

    /// Appends `<root>…</root>` with attributes sorted by name (stable), vector sub-keys sorted.
    pub fn write_xml(&self, root: &str, out: &mut String) {
        let start = out.len();
        let mut attributes: Vec<&Attribute> = self.iter().collect();
        attributes.sort_by(|a, b| a.name().cmp(b.name()));
        open_tag(root, out);
        for attribute in attributes {
            write_attribute(attribute, out);
        }
        close_tag(root, out);
        // Names and values are written as they are, then what was written is scanned once (one
        // fast pass instead of one per name and value): the markup around them is ASCII, so
        // replacing a refused character in the output replaces it in its name or value.
        if let Some((offset, _)) = find_forbidden(&out[start..]) {
            let rest = out.split_off(start + offset);
            out.push_str(&replace_forbidden(&rest));
        }
    }

    pub fn to_xml(&self, root: &str) -> String {
        let mut s = String::new();
        self.write_xml(root, &mut s);
        s
    }
}

/// `<NAME>value</NAME>` or `<NAME><K>v</K>…</NAME>`; nothing for an empty name.
fn write_attribute(attribute: &Attribute, out: &mut String) {
    match attribute {
        Attribute::Single { name, value } if !name.is_empty() => write_element(name, value, out),
        Attribute::Vector { name, vector } if !name.is_empty() => {
            let mut pairs: Vec<(&str, &str)> = vector.iter().filter(|(key, _)| !key.is_empty()).collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            open_tag(name, out);
            for (key, value) in pairs {
                write_element(key, value, out);
            }
            close_tag(name, out);
        }
        _ => {}
    }
}

fn write_element(name: &str, value: &str, out: &mut String) {
    open_tag(name, out);
    write_value(value, out);
    close_tag(name, out);
}

/// The value in CDATA; each CR as `&#13;` between sections, so that it survives XML's
/// line-end normalisation.
fn write_value(value: &str, out: &mut String) {
    let mut pieces = value.split('\r');
    cdata_as_is(pieces.next().unwrap_or_default(), out);
    for piece in pieces {
        out.push_str("&#13;");
        if !piece.is_empty() {
            cdata_as_is(piece, out);
        }
    }
}

fn open_tag(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close_tag(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}
