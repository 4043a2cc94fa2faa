//! The XML form: writer layout, reader rules, errors, and `parse_str_or_xml`.

use crate::template::{Attribute, ParseError, Template, Vector};

fn xml(input: &str) -> Template {
    match Template::parse_xml(input) {
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

fn assert_xml_error(input: &str, line: usize, column: usize, message_part: &str) {
    match Template::parse_xml(input) {
        Ok(t) => panic!("{input:?} should not parse, got {t:?}"),
        Err(ParseError { position, message }) => {
            assert!(message.contains(message_part), "{input:?}: {message:?} should contain {message_part:?}");
            assert_eq!((position.line, position.column), (line, column), "{input:?}: position of {message:?}");
        }
    }
}

// ---- writer -------------------------------------------------------------------------------

#[test]
fn writes_opennebula_layout_sorted_by_name_and_sub_key() {
    let t = Template::parse_text("CPU=1 DISK=[TARGET=\"vda\",IMAGE_ID=1]").unwrap();
    assert_eq!(
        t.to_xml("TEMPLATE"),
        "<TEMPLATE><CPU><![CDATA[1]]></CPU><DISK><IMAGE_ID><![CDATA[1]]></IMAGE_ID>\
         <TARGET><![CDATA[vda]]></TARGET></DISK></TEMPLATE>"
    );
}

#[test]
fn sort_is_bytewise_and_stable_for_repeated_names() {
    let t = Template::parse_text("b=x B=1 A_=0 A=2 B=3 DISK=[ID=0] DISK=[ID=1]").unwrap();
    assert_eq!(
        t.to_xml("T"),
        "<T><A><![CDATA[2]]></A><A_><![CDATA[0]]></A_><B><![CDATA[x]]></B><B><![CDATA[1]]></B>\
         <B><![CDATA[3]]></B><DISK><ID><![CDATA[0]]></ID></DISK><DISK><ID><![CDATA[1]]></ID></DISK></T>"
    );
}

#[test]
fn empty_values_and_empty_vectors() {
    let t = Template::parse_text("E = \"\"\nV = [ ]").unwrap();
    assert_eq!(t.to_xml("T"), "<T><E><![CDATA[]]></E><V></V></T>");
}

#[test]
fn cdata_is_split_around_its_terminator() {
    let mut t = Template::new();
    t.add("A", "x]]>y]]>");
    let written = t.to_xml("T");
    assert_eq!(written, "<T><A><![CDATA[x]]]]><![CDATA[>y]]]]><![CDATA[>]]></A></T>");
    assert_eq!(xml(&written), t);
}

#[test]
fn carriage_returns_are_written_as_references() {
    let mut t = Template::new();
    t.add("A", "l1\r\nl2\r");
    let written = t.to_xml("T");
    assert_eq!(written, "<T><A><![CDATA[l1]]>&#13;<![CDATA[\nl2]]>&#13;</A></T>");
    assert_eq!(xml(&written), t);
}

#[test]
fn appends_to_existing_output() {
    let mut out = String::from("<VM>");
    Template::parse_text("A=1").unwrap().write_xml("USER_TEMPLATE", &mut out);
    assert_eq!(out, "<VM><USER_TEMPLATE><A><![CDATA[1]]></A></USER_TEMPLATE>");
}

#[test]
fn characters_xml_cannot_carry_are_written_as_replacement_characters() {
    // Only a template that no parser produced can hold them (one loaded from an older database).
    let mut t = Template::new();
    t.add("A", "x\u{1}y\0\u{FFFF}\r\u{B}");
    t.push(vector("V\u{1F}", &[("K\u{FFFE}", "\u{8}")]));
    let written = t.to_xml("T");
    assert_eq!(
        written,
        "<T><A><![CDATA[x\u{FFFD}y\u{FFFD}\u{FFFD}]]>&#13;<![CDATA[\u{FFFD}]]></A>\
         <V\u{FFFD}><K\u{FFFD}><![CDATA[\u{FFFD}]]></K\u{FFFD}></V\u{FFFD}></T>"
    );
    assert!(Template::parse_xml(&written).is_ok());
    let mut out = String::new();
    crate::template::escape_xml("<\u{1}&\u{FFFF}>", &mut out);
    assert_eq!(out, "&lt;\u{FFFD}&amp;\u{FFFD}&gt;");
}

// ---- reader -------------------------------------------------------------------------------

#[test]
fn characters_xml_cannot_carry_are_refused_raw_and_as_references() {
    let refused = "which XML 1.0 does not allow";
    assert_xml_error(
        "<T><A>&#1;</A></T>",
        1,
        7,
        "the character reference &#1; stands for U+0001, which XML 1.0 does not allow",
    );
    assert_xml_error("<T>\n<A>x&#x1F;</A></T>", 2, 5, "&#x1F; stands for U+001F");
    assert_xml_error("<T><V><K>&#65535;</K></V></T>", 1, 10, "&#65535; stands for U+FFFF");
    assert_xml_error("<T><A>&#xfffe;</A></T>", 1, 7, "U+FFFE");
    assert_xml_error("<T><A>&#0;</A></T>", 1, 7, &format!("&#0; stands for U+0000, {refused}"));
    assert_xml_error("<T><A>&#x0000;</A></T>", 1, 7, "U+0000");
    assert_xml_error("<T><A>&#xD800;</A></T>", 1, 7, &format!("&#xD800; stands for U+D800, {refused}"));
    // references between elements and in skipped elements count too
    assert_xml_error("<T>&#1;<A>x</A></T>", 1, 4, "U+0001");
    assert_xml_error("<T><V><K><X>&#2;</X></K></V></T>", 1, 13, "U+0002");
    // raw, anywhere in the document (comments included: the document is malformed)
    assert_xml_error(
        "<T><A>x\u{1}</A></T>",
        1,
        8,
        "the template holds the character U+0001, which XML 1.0 does not allow",
    );
    assert_xml_error("<T><A><![CDATA[\u{FFFF}]]></A></T>", 1, 16, "U+FFFF");
    assert_xml_error("<T>\n<!-- \u{B} --><A>x</A></T>", 2, 6, "U+000B");
    // Every one of them, and nothing else (the BMP and astral samples); a reference to an allowed character reads back.
    for code in (0..=0xFFFF).chain([0x10000, 0x1F600, 0x10FFFF]) {
        let Some(c) = char::from_u32(code) else { continue };
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        match Template::parse_xml(&format!("<T><A>&#x{code:X};</A></T>")) {
            Ok(t) => assert!(allowed && t.get("A") == Some(c.to_string().as_str()), "{c:?}: {t:?}"),
            Err(e) => assert!(!allowed && e.message.contains(refused), "{c:?}: {e}"),
        }
    }
}

#[test]
fn reads_entities_character_references_and_mixed_cdata() {
    let t = xml("<T><A>a &amp; b &lt;c&gt; &quot;&apos; &#233;&#x41;</A><B>x<![CDATA[<y>&amp;]]>z</B></T>");
    assert_eq!(t.into_attributes(), [single("A", "a & b <c> \"' \u{e9}A"), single("B", "x<y>&amp;z")]);
}

#[test]
fn reads_pretty_printed_xml() {
    let input = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a VM -->\n<TEMPLATE>\n  <CPU>1</CPU>\n  \
                 <DISK>\n    <IMAGE_ID>0</IMAGE_ID>\n    <TARGET><![CDATA[vda]]></TARGET>\n  </DISK>\n</TEMPLATE>\n";
    assert_eq!(
        xml(input).into_attributes(),
        [single("CPU", "1"), vector("DISK", &[("IMAGE_ID", "0"), ("TARGET", "vda")])]
    );
}

#[test]
fn root_name_is_ignored_and_empty_root_is_empty() {
    assert_eq!(xml("<VM_TEMPLATE><A>1</A></VM_TEMPLATE>").into_attributes(), [single("A", "1")]);
    assert!(xml("<TEMPLATE/>").is_empty());
    assert!(xml("<TEMPLATE></TEMPLATE>").is_empty());
}

#[test]
fn empty_elements_are_dropped_but_empty_cdata_is_an_empty_value() {
    let t = xml("<T><FOO/><BAR></BAR><BAZ><![CDATA[]]></BAZ><C><!-- only a comment --></C></T>");
    assert_eq!(t.into_attributes(), [single("BAZ", "")]);
}

#[test]
fn white_space_only_text_is_a_value() {
    assert_eq!(xml("<T><A>  </A></T>").into_attributes(), [single("A", "  ")]);
}

#[test]
fn crlf_in_text_is_normalised_like_any_xml_reader() {
    assert_eq!(xml("<T><A>x\r\ny\rz</A></T>").into_attributes(), [single("A", "x\ny\nz")]);
}

#[test]
fn top_level_names_are_upper_cased_and_fixed_but_sub_elements_are_not() {
    let t = xml("<T><cpu>1</cpu><disk><image_id>0</image_id></disk><XMLX>2</XMLX><_a>3</_a></T>");
    assert_eq!(
        t.into_attributes(),
        [single("CPU", "1"), vector("DISK", &[("image_id", "0")]), single("ONE_XMLX", "2"), single("_A", "3")]
    );
}

#[test]
fn vector_sub_elements_rules() {
    // Repeated sub-key: the last value, at the first place.
    let t = xml("<T><V><A>1</A><B>2</B><A>3</A></V></T>");
    assert_eq!(
        t.into_attributes(),
        [Attribute::Vector {
            name: "V".into(),
            vector: {
                let mut v = Vector::new();
                v.set("A", "3");
                v.set("B", "2");
                v
            }
        }]
    );
    // Empty sub-elements and deeper elements are skipped; stray text in the vector is ignored.
    let t = xml("<T><V>text<A/><B></B><C><D>1</D></C><E><![CDATA[]]></E><F>f</F></V></T>");
    assert_eq!(t.into_attributes(), [vector("V", &[("E", ""), ("F", "f")])]);
    // An element whose children are all skipped is still a vector (empty), as in OpenNebula.
    assert_eq!(xml("<T><V><A/></V></T>").into_attributes(), [vector("V", &[])]);
}

#[test]
fn comments_and_processing_instructions_are_skipped() {
    let t = xml("<T><!-- c --><A>x<!-- c -->y<?pi z?></A></T><!-- after -->\n");
    assert_eq!(t.into_attributes(), [single("A", "xy")]);
}

#[test]
fn malformed_xml_is_an_error_with_position() {
    assert_xml_error("", 1, 1, "no root element");
    assert_xml_error("  \n ", 2, 2, "no root element");
    assert_xml_error("hello <T/>", 1, 1, "text before the root element");
    assert_xml_error("\n  hello <T/>", 2, 3, "text before the root element");
    assert_xml_error("<T><A>1</B></T>", 1, 8, "malformed XML");
    assert_xml_error("<T>\n  <A>1</A>\n", 3, 1, "the root element is not closed");
    assert_xml_error("<T>\n  <A>1", 2, 7, "element <A> is not closed");
    assert_xml_error("<T><A>&foo;</A></T>", 1, 7, "unknown entity &foo;");
    assert_xml_error("<T><A>x</A>\n <B>&#q;</B></T>", 2, 5, "invalid character reference &#q;");
    assert_xml_error("<T><A>&#x110000;</A></T>", 1, 7, "invalid character reference &#x110000;");
    assert_xml_error("<T><A><![CDATA[x</A></T>", 1, 7, "malformed XML");
    assert_xml_error("<T/><U/>", 1, 9, "content after the end of the root element");
    assert_xml_error("<T></T>junk", 1, 12, "content after the end of the root element");
    assert_xml_error("<T>\n<A>\u{e9}\u{e9}</A><B x=\"1></T>", 2, 10, "malformed XML");
}

// ---- parse_str_or_xml ---------------------------------------------------------------------

#[test]
fn parse_str_or_xml_picks_by_first_byte_and_trims_values() {
    let from_text = Template::parse_str_or_xml("A = \" x \"\nV = [ K = \"\ty\n\" ]").unwrap();
    assert_eq!(from_text.into_attributes(), [single("A", "x"), vector("V", &[("K", "y")])]);
    let from_xml = Template::parse_str_or_xml("<T><A> x </A><V><K>\n y \n</K></V></T>").unwrap();
    assert_eq!(from_xml.into_attributes(), [single("A", "x"), vector("V", &[("K", "y")])]);
    // A leading blank means text, as in oned, so XML after a blank is a text syntax error.
    assert!(Template::parse_str_or_xml(" <T><A>1</A></T>").is_err());
}
