//! The text-form printer.
//!
//! One attribute per line, names as stored, values in double quotes with `"` written `\"`
//! (OpenNebula's only escape; every other backslash is data):
//!
//! ```text
//! CPU="1"
//! DISK=[
//!   IMAGE_ID="0",
//!   TARGET="vda" ]
//! CONTEXT=[ ]
//! ```
//!
//! **Values that end in a backslash.** OpenNebula's quoting cannot end a quoted value with a
//! backslash: `"a\"` reads `\"` as an escaped quote and runs on to the next quote in the file.
//! No extension of the quoted syntax can fix this without changing how some input that
//! OpenNebula accepts is read (for example `A = "x\\"` followed by more quoted lines is valid
//! OpenNebula whose first value runs across the lines). So:
//! - such a value is written bare when the bare syntax can hold it (no blank, CR, newline,
//!   `=`, `#`, `,`, `[`, `]` or `"`), e.g. `PATH=C:\dir\`, which reads back exactly;
//! - otherwise a space is written between the final backslash and the closing quote
//!   (`"a b\ "`): the value reads back with one extra trailing space, which
//!   [`Template::parse_str_or_xml`](crate::template::Template::parse_str_or_xml) (the path oned
//!   uses) trims away, and the attributes after it are never swallowed.
//!
//! [`value_prints_exactly`] tells which values read back exactly.

use super::parser::ends_bare_value;
use crate::template::{Attribute, Template, Vector};

/// Appends the text form of `template`.
pub(super) fn write_template(template: &Template, out: &mut String) {
    for attribute in template.iter() {
        match attribute {
            Attribute::Single { name, value } => {
                out.push_str(name);
                out.push('=');
                write_value(value, out);
            }
            Attribute::Vector { name, vector } => write_vector(name, vector, out),
        }
        out.push('\n');
    }
}

/// `NAME=[\n  K="v",\n  K2="v2" ]`, or `NAME=[ ]` when empty.
fn write_vector(name: &str, vector: &Vector, out: &mut String) {
    out.push_str(name);
    out.push_str("=[");
    for (i, (key, value)) in vector.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("\n  ");
        out.push_str(key);
        out.push('=');
        write_value(value, out);
    }
    out.push_str(" ]");
}

/// One value: quoted, bare, or quoted with a space after a final backslash (see module doc).
fn write_value(value: &str, out: &mut String) {
    if !value.ends_with('\\') {
        write_quoted(value, out, "\"");
    } else if fits_bare(value) {
        out.push_str(value);
    } else {
        write_quoted(value, out, " \"");
    }
}

fn write_quoted(value: &str, out: &mut String, closing: &str) {
    out.push('"');
    let mut rest = value;
    while let Some(i) = rest.find('"') {
        out.push_str(&rest[..i]);
        out.push_str("\\\"");
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push_str(closing);
}

/// True if `value` can be written without quotes and reads back unchanged.
fn fits_bare(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| !ends_bare_value(b) && b != b'"')
}

/// True if the printer writes `value` so that the parser reads back exactly `value`: false
/// only for a value that ends in a backslash and cannot be written bare.
pub(crate) fn value_prints_exactly(value: &str) -> bool {
    !value.ends_with('\\') || fits_bare(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(value: &str) -> String {
        let mut out = String::new();
        write_value(value, &mut out);
        out
    }

    #[test]
    fn values_are_quoted_with_escaped_quotes() {
        assert_eq!(printed("1"), r#""1""#);
        assert_eq!(printed(""), r#""""#);
        assert_eq!(printed(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(printed("a\\nb"), r#""a\nb""#);
        assert_eq!(printed("two\nlines # not a comment"), "\"two\nlines # not a comment\"");
    }

    #[test]
    fn trailing_backslash_rule() {
        assert_eq!(printed("C:\\dir\\"), "C:\\dir\\");
        assert_eq!(printed("\\"), "\\");
        assert_eq!(printed("a b\\"), "\"a b\\ \"");
        assert_eq!(printed("q\"\\"), "\"q\\\"\\ \"");
        assert!(value_prints_exactly("C:\\dir\\"));
        assert!(value_prints_exactly("a\\b"));
        assert!(value_prints_exactly("a \\\" b"));
        assert!(!value_prints_exactly("a b\\"));
        assert!(!value_prints_exactly("a,b\\"));
        assert!(!value_prints_exactly("a\"\\"));
        assert!(!value_prints_exactly("a\r\\"));
    }
}
