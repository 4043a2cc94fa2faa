//! The text grammar, rule by rule, and every error with its position.

use crate::template::{Attribute, ParseError, Position, Template, Vector, parse_text_located};

fn parse(input: &str) -> Template {
    match Template::parse_text(input) {
        Ok(t) => t,
        Err(e) => panic!("{input:?} should parse, got: {e}"),
    }
}

fn single(name: &str, value: &str) -> Attribute {
    Attribute::Single { name: name.into(), value: value.into() }
}

fn vector(name: &str, pairs: &[(&str, &str)]) -> Attribute {
    Attribute::Vector { name: name.into(), vector: Vector::from_pairs(pairs.iter().copied()) }
}

fn attrs(input: &str) -> Vec<Attribute> {
    parse(input).into_attributes()
}

/// The error's (line, column, message).
fn error(input: &str) -> (usize, usize, String) {
    match Template::parse_text(input) {
        Ok(t) => panic!("{input:?} should not parse, got {t:?}"),
        Err(ParseError { position, message }) => (position.line, position.column, message),
    }
}

fn assert_error(input: &str, line: usize, column: usize, message_part: &str) {
    let (l, c, message) = error(input);
    assert!(message.contains(message_part), "{input:?}: message {message:?} should contain {message_part:?}");
    assert_eq!((l, c), (line, column), "{input:?}: position of {message:?}");
}

// ---- layout, empty input, comments -------------------------------------------------------

#[test]
fn empty_input_blank_input_and_only_comments_are_empty_templates() {
    for input in ["", "  \n\t\n", "# just a comment\n", "# no newline at the end", "\n  # a\n# b\n\n"] {
        assert!(parse(input).is_empty(), "{input:?}");
    }
}

#[test]
fn comments_on_their_own_line_and_after_values() {
    let input = "# header\nA = 1 # after a bare value\nB = \"x\" # after a quoted value\n  # indented\nC=2#glued";
    assert_eq!(attrs(input), [single("A", "1"), single("B", "x"), single("C", "2")]);
}

#[test]
fn hash_inside_quotes_is_data() {
    assert_eq!(attrs("A = \"x # y\""), [single("A", "x # y")]);
}

#[test]
fn comment_on_last_line_without_newline_is_accepted() {
    assert_eq!(attrs("A = 1\n# last line, no newline"), [single("A", "1")]);
    assert_eq!(attrs("A = 1 # trailing"), [single("A", "1")]);
}

#[test]
fn several_attributes_on_one_line() {
    assert_eq!(attrs("A=1 B=\"2\"\tC = 3"), [single("A", "1"), single("B", "2"), single("C", "3")]);
}

#[test]
fn layout_between_name_and_equals_as_in_opennebula() {
    assert_eq!(attrs("A\n= 1"), [single("A", "1")]);
    assert_eq!(attrs("A # comment\n  = 1"), [single("A", "1")]);
}

#[test]
fn crlf_files_read_like_lf_files() {
    let input = "A = 1\r\nB = \"x y\"\r\nC =\r\nD = [ K = 1,\r\n  L = \"2\" ]\r\n# c\r\n";
    assert_eq!(
        attrs(input),
        [single("A", "1"), single("B", "x y"), single("C", ""), vector("D", &[("K", "1"), ("L", "2")])]
    );
    // Inside quotes a CR is data.
    assert_eq!(attrs("A = \"x\r\ny\""), [single("A", "x\r\ny")]);
}

// ---- values ---------------------------------------------------------------------------------

#[test]
fn bare_values_end_at_blanks_and_separators() {
    assert_eq!(attrs("A = /var/lib/one:x.y-z"), [single("A", "/var/lib/one:x.y-z")]);
    assert_eq!(attrs("A = caf\u{e9}"), [single("A", "caf\u{e9}")]);
    assert_eq!(attrs("A = a\"b"), [single("A", "a\"b")]);
    // Bare values get OpenNebula's unescape too.
    assert_eq!(attrs("A = a\\\"b"), [single("A", "a\"b")]);
    assert_eq!(attrs("A = C:\\dir\\"), [single("A", "C:\\dir\\")]);
}

#[test]
fn quoted_values_keep_blanks_newlines_and_separators() {
    let input = "A = \"x = [1, 2] # y\n  second line\"";
    assert_eq!(attrs(input), [single("A", "x = [1, 2] # y\n  second line")]);
    assert_eq!(attrs("A = \"]]>\""), [single("A", "]]>")]);
}

#[test]
fn only_backslash_quote_is_an_escape() {
    assert_eq!(attrs(r#"A = "say \"hi\"""#), [single("A", r#"say "hi""#)]);
    assert_eq!(attrs(r#"A = "a\nb\tc\\d""#), [single("A", r"a\nb\tc\\d")]);
    // `\\"` is a backslash followed by an escaped quote.
    assert_eq!(attrs(r#"A = "x\\"y""#), [single("A", r#"x\"y"#)]);
}

#[test]
fn quoted_string_closes_at_first_unescaped_quote() {
    // The backslash before the quote escapes it, so the string runs on to the next quote,
    // as OpenNebula's longest-match lexer does.
    assert_eq!(attrs("A = \"x\\\" B = \" C = 1"), [single("A", "x\" B = "), single("C", "1")]);
}

#[test]
fn quoted_string_without_unescaped_closing_ends_at_last_quote() {
    // flex's longest match: no unescaped quote follows, so the last quote closes.
    assert_eq!(attrs("A = \"x\\\"\n"), [single("A", "x\\")]);
    assert_eq!(attrs("A = \"x\\\" y\\\"\n"), [single("A", "x\" y\\")]);
}

#[test]
fn longer_bare_reading_wins_over_quoted_as_in_opennebula() {
    assert_eq!(attrs("A = \"ab\"cd"), [single("A", "\"ab\"cd")]);
    // Tie: the quoted reading wins.
    assert_eq!(attrs("A = \"ab\"\n"), [single("A", "ab")]);
    // The quoted reading is longer when the string holds a blank.
    assert_eq!(attrs("A = \"a b\"\nC=1"), [single("A", "a b"), single("C", "1")]);
}

#[test]
fn empty_values() {
    assert_eq!(attrs("A =\nB = 2"), [single("A", ""), single("B", "2")]);
    assert_eq!(attrs("A =   \t\nB = 2"), [single("A", ""), single("B", "2")]);
    assert_eq!(attrs("A ="), [single("A", "")]);
    assert_eq!(attrs("A = \"\"\nB = \"\""), [single("A", ""), single("B", "")]);
    assert_eq!(attrs("V = [ K = \"\" ]"), [vector("V", &[("K", "")])]);
}

// ---- vectors ------------------------------------------------------------------------------

#[test]
fn vectors_with_layout_after_open_around_commas_and_before_close() {
    let input = "DISK = [\n  image_id = 1 ,\n\n  target = \"vda\"\n\t]\nCPU=1";
    assert_eq!(attrs(input), [vector("DISK", &[("IMAGE_ID", "1"), ("TARGET", "vda")]), single("CPU", "1")]);
    assert_eq!(attrs("V=[A=1,B=2]"), [vector("V", &[("A", "1"), ("B", "2")])]);
}

#[test]
fn comments_inside_vectors() {
    let input = "V = [ # opening\n  A = 1, # first\n  # own line\n  B = 2 # last\n]";
    assert_eq!(attrs(input), [vector("V", &[("A", "1"), ("B", "2")])]);
}

#[test]
fn empty_vectors() {
    for input in ["V = [ ]", "V=[]", "V = [\n\n]", "V = [ # nothing\n]"] {
        assert_eq!(attrs(input), [vector("V", &[])], "{input:?}");
    }
}

#[test]
fn repeated_sub_key_keeps_the_first() {
    assert_eq!(attrs("V = [ A = 1, a = 2, B = 3 ]"), [vector("V", &[("A", "1"), ("B", "3")])]);
}

#[test]
fn repeated_names_are_all_kept_in_order() {
    let t = parse("DISK=[ID=0]\nCPU=1\nDISK=[ID=1]\nCPU=2");
    assert_eq!(t.names().collect::<Vec<_>>(), ["DISK", "CPU", "DISK", "CPU"]);
    assert_eq!(t.vectors("DISK").count(), 2);
    assert_eq!(t.get("CPU"), Some("1"));
}

// ---- names --------------------------------------------------------------------------------

#[test]
fn names_are_upper_cased_and_fixed_up() {
    let input = "cpu=1\n1foo=2\nXMLRPC=3\nxmlrpc=4\n_x=5\nV=[1a=1, xml=2, sub_key=3]";
    assert_eq!(
        attrs(input),
        [
            single("CPU", "1"),
            single("ONE_1FOO", "2"),
            single("ONE_XMLRPC", "3"),
            single("ONE_XMLRPC", "4"),
            single("_X", "5"),
            vector("V", &[("1A", "1"), ("XML", "2"), ("SUB_KEY", "3")]),
        ]
    );
}

// ---- positions ----------------------------------------------------------------------------

#[test]
fn positions_point_at_names_in_characters() {
    let located = parse_text_located("A=\"\u{e9}\" B=2\n\n  # c\n  DISK = [\n X = 1 ]\nE =\nF=1").unwrap();
    let positions: Vec<(String, Position)> = located.into_iter().map(|(a, p)| (a.name().to_string(), p)).collect();
    let expected = [("A", 1, 1), ("B", 1, 7), ("DISK", 4, 3), ("E", 6, 1), ("F", 7, 1)];
    assert_eq!(positions.len(), expected.len());
    for ((name, position), (n, line, column)) in positions.iter().zip(expected) {
        assert_eq!((name.as_str(), position.line, position.column), (n, line, column));
    }
}

// ---- errors -------------------------------------------------------------------------------

#[test]
fn error_display_is_line_column_message() {
    let e = Template::parse_text("A 1").unwrap_err();
    assert_eq!(e.to_string(), "line 1, column 3: expected \"=\" after A, found \"1\"");
}

#[test]
fn missing_equals() {
    assert_error("A 1", 1, 3, "expected \"=\" after A");
    assert_error("CPU = 1\nMEMORY\n", 3, 1, "expected \"=\" after MEMORY, found the end of the input");
    assert_error("A B = 1", 1, 3, "expected \"=\" after A, found \"B\"");
    assert_error("V = [ K 1 ]", 1, 9, "expected \"=\" after K in vector V, found \"1\"");
}

#[test]
fn bad_characters_in_names() {
    assert_error("MY-ATTR = 1", 1, 3, "invalid character \"-\" in name MY");
    assert_error("A.B = 1", 1, 2, "invalid character \".\" in name A");
    assert_error("V = [ K-1 = 1 ]", 1, 8, "invalid character \"-\" in name K");
    assert_error("\u{e9}t\u{e9} = 1", 1, 1, "expected an attribute name, found \"\u{e9}\"");
    assert_error("A\u{e9} = 1", 1, 2, "invalid character \"\u{e9}\" in name A");
}

#[test]
fn misplaced_tokens_where_a_name_is_expected() {
    assert_error("= 1", 1, 1, "expected an attribute name, found \"=\"");
    assert_error("A = 1 ]", 1, 7, "expected an attribute name, found \"]\"");
    assert_error("A = 1\n  , B = 2", 2, 3, "expected an attribute name, found \",\"");
    assert_error("\"A\" = 1", 1, 1, "expected an attribute name, found \"\"\"");
    assert_error("A = 1 \x7f", 1, 7, "expected an attribute name, found the control character U+007F");
}

#[test]
fn characters_xml_cannot_carry_are_refused_where_they_stand() {
    let refused = "which XML 1.0 does not allow";
    // In values, bare or quoted, single or in a vector (OpenNebula stores them, then writes XML
    // that no client can read).
    assert_error("A = 1\x01", 1, 6, "the value of A holds the character U+0001, which XML 1.0 does not allow");
    assert_error("A = \"x\ny\u{FFFF}\"", 2, 2, "the value of A holds the character U+FFFF");
    assert_error("V = [ K = \"\x1f\" ]", 1, 12, "the value of K in vector V holds the character U+001F");
    assert_error("A = \"\0\"", 1, 6, "U+0000");
    assert_error("A = x\u{FFFE}", 1, 6, "U+FFFE");
    // Anywhere else they are misplaced tokens.
    assert_error("A = 1 \x01", 1, 7, &format!("expected an attribute name, found the character U+0001, {refused}"));
    assert_error("\u{FFFF} = 1", 1, 1, &format!("found the character U+FFFF, {refused}"));
    // Every one of them, and nothing else (the BMP and astral samples).
    for code in (0..=0xFFFF).chain([0x10000, 0x1F600, 0x10FFFF]) {
        let Some(c) = char::from_u32(code) else { continue };
        let input = format!("A = \"{c}\"");
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        match Template::parse_text(&input) {
            Ok(_) => assert!(allowed, "{c:?} should be refused"),
            Err(e) => assert!(!allowed && e.message.contains(refused), "{c:?}: {e}"),
        }
    }
    // Comments are dropped, so they may hold anything.
    assert_eq!(attrs("# \x01\u{FFFE}\x0c\nA = \"\t\" # \x02"), [single("A", "\t")]);
}

#[test]
fn missing_values() {
    assert_error("A = # comment", 1, 5, "expected a value after \"=\" for A, found \"#\"");
    assert_error("A = ,", 1, 5, "expected a value after \"=\" for A, found \",\"");
    assert_error("A = ]", 1, 5, "found \"]\"");
    assert_error("A = =", 1, 5, "found \"=\"");
    assert_error("V = [ K = , L = 1 ]", 1, 11, "expected a value after \"=\" for K in vector V, found \",\"");
    assert_error("V = [ K =\n L = 1 ]", 1, 10, "found the end of the line (write K = \"\" for an empty value)");
    assert_error("V = [ K = ]", 1, 11, "for K in vector V");
}

#[test]
fn unterminated_quoted_string() {
    assert_error("A = \"abc", 1, 5, "unterminated quoted string");
    assert_error("A = 1\nB = \"x y\nC = 2\n", 2, 5, "unterminated quoted string: the value of B");
    assert_error("V = [ K = \"x ]", 1, 11, "unterminated quoted string: the value of K in vector V");
}

#[test]
fn unclosed_and_malformed_vectors() {
    assert_error("DISK = [ A = 1", 1, 15, "expected \"]\" to close vector DISK (opened at line 1, column 8)");
    assert_error("DISK = [\n A = 1,\n", 3, 1, "expected \"]\" to close vector DISK");
    assert_error("DISK = [", 1, 9, "expected \"]\" to close vector DISK");
    assert_error("V = [ A = 1 B = 2 ]", 1, 13, "expected \",\" or \"]\" after the value of A in vector V, found \"B\"");
    assert_error("V = [ A = 1\n B = 2 ]", 2, 2, "expected \",\" or \"]\"");
    assert_error("V = [ A = 1, ]", 1, 14, "expected a sub-attribute name after \",\" in vector V, found \"]\"");
    assert_error("V = [ , A = 1 ]", 1, 7, "expected a sub-attribute name or \"]\" in vector V");
    assert_error("V = [ A = [ B = 1 ] ]", 1, 11, "vectors cannot be nested");
}

#[test]
fn error_columns_count_characters_not_bytes() {
    assert_error("A = \"\u{e9}\u{e9}\" B C", 1, 12, "expected \"=\" after B");
}

// ---- printer ------------------------------------------------------------------------------

#[test]
fn printer_layout() {
    let mut t = Template::new();
    t.add("CPU", "1");
    t.add("NAME", "say \"hi\"");
    t.add_vector("DISK", Vector::from_pairs([("IMAGE_ID", "0"), ("TARGET", "vda")]));
    t.add_vector("CONTEXT", Vector::new());
    t.add("EMPTY", "");
    let expected =
        "CPU=\"1\"\nNAME=\"say \\\"hi\\\"\"\nDISK=[\n  IMAGE_ID=\"0\",\n  TARGET=\"vda\" ]\nCONTEXT=[ ]\nEMPTY=\"\"\n";
    assert_eq!(t.to_text(), expected);
    assert_eq!(Template::parse_text(expected).unwrap(), t);
    assert_eq!(Template::new().to_text(), "");
}

#[test]
fn printer_trailing_backslash_rule() {
    let mut t = Template::new();
    t.add("PATH", "C:\\dir\\");
    t.add("ODD", "a b\\");
    t.add("NEXT", "x");
    let text = t.to_text();
    assert_eq!(text, "PATH=C:\\dir\\\nODD=\"a b\\ \"\nNEXT=\"x\"\n");
    assert!(!t.text_round_trips());
    // The following attribute is not swallowed; the odd value gains one trailing space ...
    let back = Template::parse_text(&text).unwrap();
    assert_eq!(back.get("PATH"), Some("C:\\dir\\"));
    assert_eq!(back.get("ODD"), Some("a b\\ "));
    assert_eq!(back.get("NEXT"), Some("x"));
    // ... which oned's parse_str_or_xml trims away.
    assert_eq!(Template::parse_str_or_xml(&text).unwrap(), t);
}

#[test]
fn text_round_trips_checks_names_and_sub_keys() {
    let ok = parse("A=1\nV=[K=\"x\\\"\"]\nONE_1X=2");
    assert!(ok.text_round_trips());
    for bad in [
        Template::from_attributes(vec![single("lower", "1")]),
        Template::from_attributes(vec![single("1X", "1")]),
        Template::from_attributes(vec![single("A-B", "1")]),
        Template::from_attributes(vec![single("", "1")]),
        Template::from_attributes(vec![vector("V", &[("k", "1")])]),
        Template::from_attributes(vec![vector("V", &[("A B", "1")])]),
    ] {
        assert!(!bad.text_round_trips(), "{bad:?}");
    }
}
