//! Small helpers for writing oned's XML documents by hand (fast, exact element order). Text
//! goes through libone's writers, which put U+FFFD in place of a character XML 1.0 cannot
//! carry, so no stored value (whatever wrote it) makes a document unreadable.

use libone::template::{cdata, escape_xml};
use std::fmt::{Display, Write as _};

/// Appends `<name>value</name>` for a number.
pub fn num(out: &mut String, name: &str, value: impl Display) {
    let _ = write!(out, "<{name}>{value}</{name}>");
}

/// Appends `<name>escaped text</name>`.
pub fn text(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_xml(value, out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `<name><![CDATA[value]]></name>`.
pub fn cdata_elem(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    cdata(value, out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `<name><ID>a</ID><ID>b</ID></name>`.
pub fn ids<'a>(out: &mut String, name: &str, ids: impl IntoIterator<Item = &'a i32>) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    for id in ids {
        let _ = write!(out, "<ID>{id}</ID>");
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

pub fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

pub fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_cdata_never_write_what_xml_cannot_carry() {
        let mut out = String::new();
        text(&mut out, "NAME", "a\u{1}<b>\u{FFFF}");
        cdata_elem(&mut out, "V", "x\0]]>\u{1F}");
        assert_eq!(out, "<NAME>a\u{FFFD}&lt;b&gt;\u{FFFD}</NAME><V><![CDATA[x\u{FFFD}]]]]><![CDATA[>\u{FFFD}]]></V>");
    }
}
