//! Attribute names as OpenNebula stores them.
//!
//! A top-level name is upper-cased (ASCII only, like C's `toupper`) and, when it does not start
//! with a letter or `_`, or starts with `XML` in any case, gets the prefix `ONE_` so that it is
//! a valid XML element name (`1FOO` -> `ONE_1FOO`, `XMLRPC` and `xmlrpc` -> `ONE_XMLRPC`).
//! Vector sub-keys read from text are upper-cased and never prefixed; sub-keys read from XML
//! are kept as written.
//!
//! Difference from OpenNebula: it tests for `XML` case-sensitively on the name as written, so
//! `xmlrpc` is stored as `XMLRPC`, which becomes `ONE_XMLRPC` the next time it is read (from
//! its own XML, e.g. after oned reloads it from the database). We give `ONE_XMLRPC` at once, so
//! that a stored name never changes when it is printed and read again (the fix-up is
//! idempotent).

/// The characters of a name in the text form: ASCII letters, digits and `_`.
pub(crate) fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// True if `name` is a non-empty run of [`is_name_byte`] characters.
pub(crate) fn is_text_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_name_byte)
}

/// The stored form of a top-level name: upper-cased, with the `ONE_` fix-up.
pub(crate) fn top_level_name(written: &str) -> String {
    let mut name = String::with_capacity(written.len() + 4);
    if needs_one_prefix(written) {
        name.push_str("ONE_");
    }
    name.push_str(written);
    name.make_ascii_uppercase();
    name
}

/// The stored form of a vector sub-key read from text: upper-cased.
pub(crate) fn text_sub_key(written: &str) -> String {
    written.to_ascii_uppercase()
}

/// The first character is not a letter or `_`, or the name starts with `XML` in any case.
fn needs_one_prefix(written: &str) -> bool {
    let bad_start = written.bytes().next().is_some_and(|b| !(b.is_ascii_alphabetic() || b == b'_'));
    let xml_start = written.as_bytes().get(..3).is_some_and(|start| start.eq_ignore_ascii_case(b"XML"));
    bad_start || xml_start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_cases_and_fixes_top_level_names() {
        assert_eq!(top_level_name("cpu"), "CPU");
        assert_eq!(top_level_name("_x1"), "_X1");
        assert_eq!(top_level_name("1foo"), "ONE_1FOO");
        assert_eq!(top_level_name("XMLRPC"), "ONE_XMLRPC");
        assert_eq!(top_level_name("XML"), "ONE_XML");
        // Any case of the XML prefix (OpenNebula only tests upper case as written).
        assert_eq!(top_level_name("xmlrpc"), "ONE_XMLRPC");
        assert_eq!(top_level_name("XmL"), "ONE_XML");
        assert_eq!(top_level_name("XM"), "XM");
        // Non-ASCII first character (possible in XML element names).
        assert_eq!(top_level_name("éa"), "ONE_éA");
        assert_eq!(top_level_name(""), "");
    }

    #[test]
    fn fix_up_is_idempotent() {
        for written in ["cpu", "1foo", "xmlrpc", "XMLRPC", "_x", "xml", "ONE_1", "éa", "", "x"] {
            let once = top_level_name(written);
            assert_eq!(top_level_name(&once), once, "{written:?}");
        }
    }

    #[test]
    fn sub_keys_are_upper_cased_only() {
        assert_eq!(text_sub_key("image_id"), "IMAGE_ID");
        assert_eq!(text_sub_key("1st"), "1ST");
        assert_eq!(text_sub_key("xml"), "XML");
    }

    #[test]
    fn text_name_alphabet() {
        assert!(is_text_name("A_1"));
        assert!(is_text_name("1"));
        assert!(!is_text_name(""));
        assert!(!is_text_name("A-B"));
        assert!(!is_text_name("A.B"));
        assert!(!is_text_name("É"));
    }
}
