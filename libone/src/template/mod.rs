//! OpenNebula's template language: one data model, a text parser/printer and an XML
//! parser/printer.
//!
//! The model is a multimap that keeps insertion order: a name may occur several times
//! (`DISK = [...]` twice means two disks). Top-level names and vector sub-keys are upper-cased
//! when parsed; a top-level name that does not start with a letter or `_`, or that starts with
//! `XML` (in any case), gets the prefix `ONE_` (OpenNebula's fix-up). Values are untyped strings.
//!
//! - [`Template::parse_text`] reads `KEY = value`, `KEY = "quoted \" value"`,
//!   `VEC = [ A = "x", B = 1 ]`, `KEY =` (empty) and `#` comments, the grammar of OpenNebula
//!   templates and of `oned.conf` / `sched.conf`; [`parse_text_located`] also returns where each
//!   attribute starts, for configuration error messages.
//! - [`Template::parse_xml`] reads `<ANY_ROOT><NAME><![CDATA[v]]></NAME><VEC><K>v</K></VEC></ANY_ROOT>`.
//! - [`Template::parse_str_or_xml`] picks one of the two like oned does (first byte `<` means XML)
//!   and trims values (OpenNebula 7.4 behaviour).
//! - [`Template::to_text`] and [`Template::write_xml`] print; printing then parsing gives the same
//!   template back (property-tested and fuzzed, `libone/fuzz/`), with two exceptions that come
//!   from OpenNebula's formats: a value that ends in a backslash and needs quotes reads back
//!   from text with one extra trailing space ([`Template::text_round_trips`] detects it;
//!   `parse_str_or_xml` trims it away), and XML has no empty vectors (`<NAME></NAME>` is
//!   dropped when read, as OpenNebula does) and comes back sorted by name.
//! - Characters XML 1.0 cannot carry ([`crate::xmlchar`]) are refused by both parsers (in text
//!   values, and anywhere in XML, raw or as character references), so parsed templates never
//!   hold them; a template built otherwise is written to XML with U+FFFD in their place.
//!
//! Positions in [`ParseError`] are 1-based lines and columns counted in characters, for both
//! forms. Both parsers take near-linear time (at worst O(n log n), for vectors with many
//! sub-keys) and use no recursion, so hostile input can neither stall nor overflow them.

mod locate;
mod model;
mod names;
mod text;
mod trim;
mod xml;

#[cfg(test)]
mod tests;

pub use model::{Attribute, Template, Vector};
pub use text::parse_text_located;
pub use xml::{cdata, escape_xml};

/// Where something starts in a text template: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A template that could not be parsed: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {}, column {}: {message}", position.line, position.column)]
pub struct ParseError {
    pub position: Position,
    pub message: String,
}
