//! Property tests: print/parse round trips for both forms, and parsers that never panic.

use crate::template::trim::trim_values;
use crate::template::{Attribute, Template, Vector, parse_text_located};
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
fn as_printed_then_read(template: &Template) -> Template {
    let fix = |v: &str| if text_can_hold(v) { v.to_string() } else { format!("{v} ") };
    Template::from_attributes(
        template
            .iter()
            .map(|a| match a {
                Attribute::Single { name, value } => {
                    Attribute::Single { name: name.clone(), value: fix(value) }
                }
                Attribute::Vector { name, vector } => Attribute::Vector {
                    name: name.clone(),
                    vector: Vector::from_pairs(vector.iter().map(|(k, v)| (k.to_string(), fix(v)))),
                },
            })
            .collect(),
    )
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
    let written = t.to_xml("TEMPLATE");
    prop_assert_eq!(Template::parse_xml(&written).ok(), Some(xml_normal_form(&t)), "written: {:?}", written);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn text_round_trip(t in text_template()) {
        prop_assert!(t.text_round_trips());
        let printed = t.to_text();
        prop_assert_eq!(Template::parse_text(&printed).ok(), Some(t), "printed: {:?}", printed);
    }

    #[test]
    fn text_round_trip_of_values_ending_in_backslash(t in template()) {
        let printed = t.to_text();
        prop_assert_eq!(Template::parse_text(&printed).ok(), Some(as_printed_then_read(&t)), "printed: {:?}", printed);
        prop_assert_eq!(Template::parse_str_or_xml(&printed).ok(), Some(trimmed(&t)), "printed: {:?}", printed);
    }

    #[test]
    fn text_positions_are_the_printed_lines(t in template()) {
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

    #[test]
    fn xml_round_trip(t in template()) {
        let written = t.to_xml("TEMPLATE");
        prop_assert_eq!(Template::parse_xml(&written).ok(), Some(xml_normal_form(&t)), "written: {:?}", written);
        prop_assert_eq!(Template::parse_str_or_xml(&written).ok(), Some(trimmed(&xml_normal_form(&t))));
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
