//! Which characters XML 1.0 can carry, the one definition every reader and writer uses.
//!
//! XML 1.0's `Char` production is `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
//! [#x10000-#x10FFFF]`. A Rust `char` is never a surrogate (U+D800–U+DFFF), so the characters it
//! can hold that XML 1.0 refuses are the C0 controls other than tab, LF and CR (U+0000–U+0008,
//! U+000B, U+000C, U+000E–U+001F) and the two non-characters U+FFFE and U+FFFF. They cannot be
//! written even as character references (`&#1;` is not well-formed either), so a document holding
//! one is unreadable for every conforming parser (expat in pyone, libxml2 in OpenNebula).
//!
//! - Readers refuse them after decoding: [`find_forbidden`] gives the first one and where it is.
//! - Writers never emit them: [`replace_forbidden`] turns each into U+FFFD ([`REPLACEMENT`]),
//!   for text already in memory that no reader checked (a database written by an older version).
//!
//! Both scan clean text in 32-byte blocks with a test that the compiler turns into vector
//! instructions, and look closer only at blocks holding a byte that may start a refused
//! character, so the writers keep their speed on the pool-listing path.

use std::borrow::Cow;

/// What writers put in place of a character XML 1.0 cannot carry.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True if XML 1.0 allows `c` in a document (its `Char` production).
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// How many bytes the block scan tests at once.
const BLOCK: usize = 32;

/// True if `byte` may be the first byte of a character that [`is_xml_char`] refuses: a C0
/// control other than tab, LF and CR (one byte each), or 0xEF, which starts U+F000–U+FFFF and
/// so U+FFFE and U+FFFF. Only a pre-filter, written with non-short-circuit operators so that it
/// vectorizes; [`is_xml_char`] decides. The test `prefilter_flags_every_refused_char` checks it
/// against every `char`.
#[inline(always)]
fn may_start_forbidden(byte: u8) -> bool {
    ((byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r')) | (byte == 0xEF)
}

/// True if some byte of `bytes` may start a refused character (no early exit: it vectorizes).
#[inline(always)]
fn any_may_start_forbidden(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |seen, &b| seen | may_start_forbidden(b))
}

/// The first character in `text` that XML 1.0 does not allow, with its byte offset.
pub fn find_forbidden(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut blocks = bytes.chunks_exact(BLOCK);
    let mut start = 0;
    for block in blocks.by_ref() {
        if any_may_start_forbidden(block)
            && let Some(found) = find_in(text, start, start + BLOCK)
        {
            return Some(found);
        }
        start += BLOCK;
    }
    if any_may_start_forbidden(blocks.remainder()) { find_in(text, start, bytes.len()) } else { None }
}

/// [`find_forbidden`] within the bytes `from..to` of `text` (a refused character starting there).
fn find_in(text: &str, from: usize, to: usize) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    (from..to).filter(|&i| may_start_forbidden(bytes[i])).find_map(|i| {
        // A byte below 0x80 or a lead byte (0xEF) is always at a char boundary.
        let c = text.get(i..).and_then(|rest| rest.chars().next())?;
        (!is_xml_char(c)).then_some((i, c))
    })
}

/// `text` with every character XML 1.0 does not allow replaced by U+FFFD; borrowed (no copy)
/// when there is none.
pub fn replace_forbidden(text: &str) -> Cow<'_, str> {
    let Some((first, _)) = find_forbidden(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(&text[..first]);
    out.extend(text[first..].chars().map(|c| if is_xml_char(c) { c } else { REPLACEMENT }));
    Cow::Owned(out)
}

/// `U+0001`: how messages name a character.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REFUSED: &[char] = &['\u{0}', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'];

    #[test]
    fn the_char_production() {
        for c in REFUSED {
            assert!(!is_xml_char(*c), "{c:?}");
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            '~',
            '\u{7F}',
            '\u{85}',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{10000}',
            '\u{10FFFF}',
        ] {
            assert!(is_xml_char(c), "{c:?}");
        }
        let refused = (0..=u32::from(char::MAX)).filter_map(char::from_u32).filter(|&c| !is_xml_char(c)).count();
        assert_eq!(refused, 0x20 - 3 + 2, "the C0 controls but tab, LF, CR; U+FFFE; U+FFFF");
    }

    #[test]
    fn prefilter_flags_every_refused_char() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32).filter(|&c| !is_xml_char(c)) {
            let mut buf = [0; 4];
            assert!(may_start_forbidden(c.encode_utf8(&mut buf).as_bytes()[0]), "{c:?}");
        }
    }

    #[test]
    fn finds_the_first_refused_char_in_any_block() {
        assert_eq!(find_forbidden(""), None);
        assert_eq!(find_forbidden("tab\tlf\ncr\r ñ€😀 \u{FFFD}\u{EFFF}\u{FFEE}"), None);
        for len in [0, 1, 31, 32, 33, 64, 100] {
            for c in REFUSED {
                let text = format!("{}{c}x{c}", "a".repeat(len));
                assert_eq!(find_forbidden(&text), Some((len, *c)), "len {len}, {c:?}");
            }
        }
        // 0xEF starts allowed characters too: a block holding them is looked at, and passed.
        let text = format!("{}\u{FFFF}", "\u{FF21}".repeat(40));
        assert_eq!(find_forbidden(&text), Some((120, '\u{FFFF}')));
    }

    #[test]
    fn replaces_refused_chars_and_borrows_clean_text() {
        assert!(matches!(replace_forbidden("clean\ttext ñ"), Cow::Borrowed(_)));
        assert_eq!(replace_forbidden("a\u{1}b\u{FFFF}\u{FFFE}c\0"), "a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}");
        assert_eq!(code_point('\u{1}'), "U+0001");
        assert_eq!(code_point('\u{FFFF}'), "U+FFFF");
    }

    proptest! {
        #[test]
        fn find_and_replace_agree_with_the_char_production(
            pieces in prop::collection::vec(prop_oneof![any::<String>(), "[\\x00-\\x1F\\x{FFFE}\\x{FFFF}]"], 0..6)
        ) {
            let text = pieces.concat();
            let first = text.char_indices().find(|&(_, c)| !is_xml_char(c));
            prop_assert_eq!(find_forbidden(&text), first);
            let replaced = replace_forbidden(&text);
            prop_assert!(replaced.chars().all(is_xml_char));
            prop_assert_eq!(replaced.chars().count(), text.chars().count());
            prop_assert!(replaced.chars().zip(text.chars()).all(|(r, t)| r == t || (r == REPLACEMENT && !is_xml_char(t))));
        }
    }
}
