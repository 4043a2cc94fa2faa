//! OpenNebula's template language: one data model, a text parser/printer and an XML
//! parser/printer.
//!
//! The model is a multimap that keeps insertion order: a name may occur several times
//! (`DISK = [...]` twice means two disks). Top-level names and vector sub-keys are upper-cased
//! when parsed; a top-level name that does not start with a letter or `_`, or that starts with
//! `XML`, gets the prefix `ONE_` (OpenNebula's fix-up). Values are untyped strings.
//!
//! - [`Template::parse_text`] reads `KEY = value`, `KEY = "quoted \" value"`,
//!   `VEC = [ A = "x", B = 1 ]`, `KEY =` (empty) and `#` comments, the grammar of OpenNebula
//!   templates and of `oned.conf` / `sched.conf`; [`parse_text_located`] also returns where each
//!   attribute starts, for configuration error messages.
//! - [`Template::parse_xml`] reads `<ANY_ROOT><NAME><![CDATA[v]]></NAME><VEC><K>v</K></VEC></ANY_ROOT>`.
//! - [`Template::parse_str_or_xml`] picks one of the two like oned does (first byte `<` means XML)
//!   and trims values (OpenNebula 7.4 behaviour).
//! - [`Template::to_text`] and [`Template::write_xml`] print; printing then parsing gives the same
//!   template back (property-tested).

mod model;
mod text;
mod xml;

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
