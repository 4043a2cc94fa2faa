//! Property tests: print/parse round trips for both forms, and parsers that never panic.

use crate::template::trim::trim_values;
use crate::template::{Attribute, ParseError, Template, Vector, parse_text_located};
use crate::xmlchar::{find_forbidden, replace_forbidden};
use proptest::prelude::*;

/// Top-level names that need no fix-up: upper case, starting with a letter or `_`, not `XML…`.
fn top_name() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_]{0,8}".prop_filter("the XML prefix is fixed up", |n| !n.starts_with("XML"))
}

/// Vector sub-keys: upper case, may start with a digit or `XML`.
fn sub_key() -> impl Strategy<Value = String> {
    "[A-Z0-9_]{1,6}"
}

/// Values built from the pieces that stress both grammars, or any string at all.
fn value() -> impl Strategy<Value = String> + Clone {
    let piece = prop_oneof![
        Just("\""),
        Just("\\"),
        Just("#"),
        Just("="),
        Just(","),
        Just("["),
        Just("]"),
        Just("]]>"),
        Just(" "),
        Just("\t"),
        Just("\r"),
        Just("\n"),
        Just("x"),
        Just("Z9"),
        Just("\u{e9}"),
        Just("\u{1F600}"),
        Just("<"),
        Just("&amp;"),
        Just("<![CDATA["),
        Just("\0"),
    ];
    prop_oneof![prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat()), any::<String>(),]
}

/// Values the text form holds exactly: all but [`text_can_hold`]'s one exception.
fn text_value() -> impl Strategy<Value = String> + Clone {
    value().prop_filter("ends in a backslash that only quotes could hold", |v| text_can_hold(v))
}

fn attribute(values: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (top_name(), values.clone()).prop_map(|(name, value)| Attribute::Single { name, value }),
        (top_name(), prop::collection::vec((sub_key(), values), 0..5))
            .prop_map(|(name, pairs)| Attribute::Vector { name, vector: Vector::from_pairs(pairs) }),
    ]
}

/// Any template whose names need no fix-up.
fn template() -> impl Strategy<Value = Template> {
    prop::collection::vec(attribute(value()), 0..8).prop_map(Template::from_attributes)
}

/// Templates that the text form holds exactly.
fn text_template() -> impl Strategy<Value = Template> {
    prop::collection::vec(attribute(text_value()), 0..8).prop_map(Template::from_attributes)
}

/// The one value shape the text form cannot hold exactly (see the printer's doc): it ends in
/// a backslash and holds a character that the bare syntax cannot.
fn text_can_hold(value: &str) -> bool {
    !value.ends_with('\\') || value.chars().all(|c| !" \t\r\n=#,[]\"".contains(c))
}

fn values_of(template: &Template) -> Vec<&str> {
    template
        .iter()
        .flat_map(|a| match a {
            Attribute::Single { value, .. } => vec![value.as_str()],
            Attribute::Vector { vector, .. } => vector.iter().map(|(_, v)| v).collect(),
        })
        .collect()
}

/// What the text parser gives back for a value the text form cannot hold: one more space.
/// `template` with every value (single or in a vector) passed through `fix`.
fn map_values(template: &Template, fix: impl Fn(&str) -> String) -> Template {
    Template::from_attributes(
        template
            .iter()
            .map(|a| match a {
                Attribute::Single { name, value } => Attribute::Single { name: name.clone(), value: fix(value) },
                Attribute::Vector { name, vector } => Attribute::Vector {
                    name: name.clone(),
                    vector: Vector::from_pairs(vector.iter().map(|(k, v)| (k.to_string(), fix(v)))),
                },
            })
            .collect(),
    )
}

fn as_printed_then_read(template: &Template) -> Template {
    let fix = |v: &str| if text_can_hold(v) { v.to_string() } else { format!("{v} ") };
    map_values(template, fix)
}

/// What the XML reader gives back for the writer's output: attributes stably sorted by name,
/// sub-keys sorted, empty vectors gone (an empty element is dropped, as in OpenNebula).
fn xml_normal_form(template: &Template) -> Template {
    let mut attributes: Vec<Attribute> = template
        .iter()
        .filter_map(|a| match a {
            Attribute::Single { .. } => Some(a.clone()),
            Attribute::Vector { vector, .. } if vector.is_empty() => None,
            Attribute::Vector { name, vector } => {
                let mut pairs: Vec<(&str, &str)> = vector.iter().collect();
                pairs.sort_by(|a, b| a.0.cmp(b.0));
                Some(Attribute::Vector { name: name.clone(), vector: Vector::from_pairs(pairs) })
            }
        })
        .collect();
    attributes.sort_by(|a, b| a.name().cmp(b.name()));
    Template::from_attributes(attributes)
}

/// True if a value of `template` holds a character XML 1.0 does not allow (names never do here).
fn holds_forbidden(template: &Template) -> bool {
    values_of(template).into_iter().any(|v| find_forbidden(v).is_some())
}

/// `template` with each character XML 1.0 does not allow replaced by U+FFFD, as the XML
/// writer writes it.
fn replaced(template: &Template) -> Template {
    let fix = |v: &str| replace_forbidden(v).into_owned();
    map_values(template, fix)
}

/// Reads a whole document with quick-xml (an independent reader), failing on any error.
fn quick_xml_reads(document: &str) -> Result<(), TestCaseError> {
    let mut reader = quick_xml::Reader::from_str(document);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => prop_assert!(false, "quick-xml: {} in {:?}", e, document),
        }
    }
}

/// A text parse of a template holding a character XML 1.0 does not allow: refused, saying so.
fn refused_for_xml(result: Result<Template, ParseError>) -> Result<(), TestCaseError> {
    match result {
        Ok(t) => prop_assert!(false, "should be refused, parsed {:?}", t),
        Err(e) => prop_assert!(e.message.contains("which XML 1.0 does not allow"), "{}", e),
    }
    Ok(())
}

fn trimmed(template: &Template) -> Template {
    let mut t = template.clone();
    trim_values(&mut t);
    t
}

/// Strings made of grammar tokens, to reach deep parser states more often than random text.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("A"),
        Just("b_1"),
        Just("="),
        Just("\""),
        Just("\\"),
        Just("["),
        Just("]"),
        Just(","),
        Just("#"),
        Just(" "),
        Just("\n"),
        Just("\r"),
        Just("\u{e9}"),
        Just("-"),
        Just("<"),
        Just(">"),
        Just("</"),
        Just("/>"),
        Just("<![CDATA["),
        Just("]]>"),
        Just("&amp;"),
        Just("&"),
        Just("&#13;"),
        Just("<T>"),
        Just("</T>"),
        Just("<A>"),
        Just("</A>"),
        Just("<!--"),
        Just("-->"),
        Just("<?x?>"),
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

/// The invariants of any text input that parses.
fn check_parsed_text(input: &str) -> Result<(), TestCaseError> {
    let Ok(located) = parse_text_located(input) else { return Ok(()) };
    let positions: Vec<_> = located.iter().map(|(_, p)| (p.line, p.column)).collect();
    prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "positions must increase: {positions:?}");
    let t = Template::from_attributes(located.into_iter().map(|(a, _)| a).collect());
    prop_assert!(!holds_forbidden(&t), "parsed a value XML 1.0 cannot carry: {:?}", t);
    let printed = t.to_text();
    let back = Template::parse_text(&printed);
    prop_assert_eq!(back.as_ref().ok(), Some(&as_printed_then_read(&t)), "printed: {:?}", printed);
    prop_assert_eq!(t.text_round_trips(), values_of(&t).into_iter().all(text_can_hold));
    prop_assert_eq!(Template::parse_xml(&t.to_xml("T")).ok(), Some(xml_normal_form(&t)));
    Ok(())
}

/// The invariants of any XML input that parses.
fn check_parsed_xml(input: &str) -> Result<(), TestCaseError> {
    let Ok(t) = Template::parse_xml(input) else { return Ok(()) };
    prop_assert!(!holds_forbidden(&t), "parsed a value XML 1.0 cannot carry: {:?}", t);
    let written = t.to_xml("TEMPLATE");
    prop_assert_eq!(Template::parse_xml(&written).ok(), Some(xml_normal_form(&t)), "written: {:?}", written);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Printed then read: the same template, or refused when a value holds a character XML
    /// 1.0 does not allow.
    #[test]
    fn text_round_trip(t in text_template()) {
        prop_assert!(t.text_round_trips());
        let printed = t.to_text();
        if holds_forbidden(&t) {
            return refused_for_xml(Template::parse_text(&printed));
        }
        prop_assert_eq!(Template::parse_text(&printed).ok(), Some(t), "printed: {:?}", printed);
    }

    #[test]
    fn text_round_trip_of_values_ending_in_backslash(t in template()) {
        let printed = t.to_text();
        if holds_forbidden(&t) {
            refused_for_xml(Template::parse_str_or_xml(&printed))?;
            return refused_for_xml(Template::parse_text(&printed));
        }
        prop_assert_eq!(Template::parse_text(&printed).ok(), Some(as_printed_then_read(&t)), "printed: {:?}", printed);
        prop_assert_eq!(Template::parse_str_or_xml(&printed).ok(), Some(trimmed(&t)), "printed: {:?}", printed);
    }

    #[test]
    fn text_positions_are_the_printed_lines(t in template()) {
        let t = replaced(&t);
        let printed = t.to_text();
        let located = parse_text_located(&printed).unwrap_or_default();
        let mut line = 1;
        for ((attribute, position), original) in located.iter().zip(t.iter()) {
            prop_assert_eq!((position.line, position.column), (line, 1));
            prop_assert_eq!(attribute.name(), original.name());
            let mut one = Template::new();
            one.push(original.clone());
            line += one.to_text().matches('\n').count();
        }
        prop_assert_eq!(located.len(), t.len());
    }

    /// Whatever the template holds, the writer's XML is well-formed (quick-xml reads it, no
    /// character XML 1.0 refuses is in it) and reads back, with U+FFFD for each such character.
    #[test]
    fn xml_round_trip(t in template()) {
        let written = t.to_xml("TEMPLATE");
        prop_assert_eq!(find_forbidden(&written), None, "written: {:?}", written);
        quick_xml_reads(&written)?;
        let expected = xml_normal_form(&replaced(&t));
        prop_assert_eq!(Template::parse_xml(&written).ok(), Some(expected.clone()), "written: {:?}", written);
        prop_assert_eq!(Template::parse_str_or_xml(&written).ok(), Some(trimmed(&expected)));
    }

    /// Any string as a value: written as character references or raw in CDATA in an XML
    /// template, and printed in a text template, it is refused if it holds a character XML 1.0
    /// does not allow, and otherwise read back exactly.
    #[test]
    fn any_value_is_refused_or_read_back(
        pieces in prop::collection::vec(prop_oneof![any::<String>(), "[\\x00-\\x1F\\x{FFFE}\\x{FFFF}]"], 1..4)
    ) {
        let value = pieces.concat();
        let clean = find_forbidden(&value).is_none();
        let references: String = value.chars().map(|c| format!("&#x{:X};", u32::from(c))).collect();
        let by_reference = Template::parse_xml(&format!("<T><A>{references}</A></T>"));
        // By hand: `cdata` would write U+FFFD in place of the raw characters.
        let raw = format!("<T><A><![CDATA[{}]]></A></T>", value.replace("]]>", "]]]]><![CDATA[>"));
        let by_cdata = Template::parse_xml(&raw);
        let mut one = Template::new();
        one.add("A", value.clone());
        let printed = one.to_text();
        if !clean {
            refused_for_xml(by_reference)?;
            refused_for_xml(by_cdata)?;
            return refused_for_xml(Template::parse_text(&printed));
        }
        let read = by_reference.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read.get("A"), if value.is_empty() { None } else { Some(value.as_str()) });
        let cdata_value = value.replace("\r\n", "\n").replace('\r', "\n");
        let by_cdata = by_cdata.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(by_cdata.get("A"), Some(cdata_value.as_str()));
        prop_assert_eq!(Template::parse_text(&printed).ok(), Some(as_printed_then_read(&one)));
    }

    #[test]
    fn text_parser_never_panics(input in any::<String>()) {
        check_parsed_text(&input)?;
    }

    #[test]
    fn text_parser_never_panics_on_tokens(input in token_soup()) {
        check_parsed_text(&input)?;
    }

    #[test]
    fn xml_parser_never_panics(input in any::<String>()) {
        check_parsed_xml(&input)?;
        let _ = Template::parse_str_or_xml(&input);
    }

    #[test]
    fn xml_parser_never_panics_on_tokens(input in token_soup()) {
        check_parsed_xml(&input)?;
        let _ = Template::parse_str_or_xml(&input);
    }
}
