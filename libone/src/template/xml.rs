//! The XML form of templates: `<ROOT><NAME><![CDATA[v]]></NAME><VEC><K><![CDATA[v]]></K></VEC></ROOT>`.
//!
//! CONTRACT (implemented by the template work item):
//! - `Template::parse_xml(&str) -> Result<Template, ParseError>` (root name ignored)
//! - `Template::parse_str_or_xml(&str) -> Result<Template, ParseError>`
//! - `Template::write_xml(&self, root: &str, out: &mut String)` / `to_xml(root) -> String`
//! - `cdata(value, out)` and `escape_xml(text, out)` helpers for other XML writers.

use super::{ParseError, Template};

/// Appends `<![CDATA[value]]>`, splitting any `]]>` inside the value so the output stays valid.
pub fn cdata(_value: &str, _out: &mut String) {
    todo!()
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped as XML entities.
pub fn escape_xml(_text: &str, _out: &mut String) {
    todo!()
}

impl Template {
    /// Parses the XML form; the root element's name is ignored.
    pub fn parse_xml(_input: &str) -> Result<Template, ParseError> {
        todo!()
    }

    /// oned's `parse_str_or_xml`: XML if the first byte is `<`, else text; values are trimmed.
    pub fn parse_str_or_xml(_input: &str) -> Result<Template, ParseError> {
        todo!()
    }

    /// Appends `<root>…</root>` with attributes sorted by name (stable), vector sub-keys sorted.
    pub fn write_xml(&self, _root: &str, _out: &mut String) {
        todo!()
    }

    pub fn to_xml(&self, root: &str) -> String {
        let mut s = String::new();
        self.write_xml(root, &mut s);
        s
    }
}
