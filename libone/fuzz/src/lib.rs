//! What the fuzz targets expect after a print/parse round trip, written with `libone`'s public
//! API only (the same rules as the property tests in `libone/src/template/tests/props.rs`).

use libone::template::{Attribute, Template, Vector};

/// What `Template::parse_xml` gives back for `to_xml`'s output: attributes stably sorted by
/// name, sub-keys sorted, empty vectors and empty names gone (the reader drops empty
/// elements, as OpenNebula does; the writer skips empty names).
pub fn xml_normal_form(template: &Template) -> Template {
    let mut attributes: Vec<Attribute> = template
        .iter()
        .filter(|a| !a.name().is_empty())
        .filter_map(|a| match a {
            Attribute::Single { .. } => Some(a.clone()),
            Attribute::Vector { name, vector } => {
                let mut pairs: Vec<(&str, &str)> = vector.iter().filter(|(k, _)| !k.is_empty()).collect();
                pairs.sort_by(|x, y| x.0.cmp(y.0));
                (!pairs.is_empty())
                    .then(|| Attribute::Vector { name: name.clone(), vector: Vector::from_pairs(pairs) })
            }
        })
        .collect();
    attributes.sort_by(|a, b| a.name().cmp(b.name()));
    Template::from_attributes(attributes)
}

/// Every value without leading or trailing C white space (what `parse_str_or_xml` does).
pub fn trimmed(template: &Template) -> Template {
    let trim = |v: &str| v.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']).to_string();
    Template::from_attributes(
        template
            .iter()
            .map(|a| match a {
                Attribute::Single { name, value } => {
                    Attribute::Single { name: name.clone(), value: trim(value) }
                }
                Attribute::Vector { name, vector } => Attribute::Vector {
                    name: name.clone(),
                    vector: Vector::from_pairs(vector.iter().map(|(k, v)| (k.to_string(), trim(v)))),
                },
            })
            .collect(),
    )
}

/// The text round trip: exact when `text_round_trips()` says so, and exact after trimming
/// always (a value ending in a backslash that only quotes could hold gains one space).
pub fn check_text_round_trip(template: &Template) {
    let printed = template.to_text();
    let back = match Template::parse_text(&printed) {
        Ok(back) => back,
        Err(e) => panic!("printed text does not parse: {e}\n{printed}"),
    };
    if template.text_round_trips() {
        assert_eq!(&back, template, "text round trip of {printed:?}");
    }
    let trimmed_back = Template::parse_str_or_xml(&printed).ok();
    assert_eq!(trimmed_back, Some(trimmed(template)), "trimmed text round trip of {printed:?}");
}

/// The XML round trip, up to [`xml_normal_form`].
pub fn check_xml_round_trip(template: &Template) {
    let written = template.to_xml("TEMPLATE");
    match Template::parse_xml(&written) {
        Ok(back) => assert_eq!(back, xml_normal_form(template), "XML round trip of {written:?}"),
        Err(e) => panic!("written XML does not parse: {e}\n{written}"),
    }
}

/// True if an XML-RPC writer writes `s` so that it reads back unchanged: no `\r` (XML turns it
/// into `\n`) and no character XML 1.0 does not allow (written as U+FFFD).
pub fn xmlrpc_writes_as_is(s: &str) -> bool {
    !s.contains('\r') && libone::xmlchar::find_forbidden(s).is_none()
}
