//! The text form of templates: parser and printer.
//!
//! - [`parse_text_located`] / [`Template::parse_text`]: OpenNebula's template grammar (see
//!   [`parser`] for the exact rules and the few deliberate differences).
//! - [`Template::to_text`]: one attribute per line, values quoted; see [`printer`] for the one
//!   value shape (a final backslash inside a value that needs quotes) that OpenNebula's quoting
//!   cannot express, and [`Template::text_round_trips`] to detect it.

mod parser;
mod printer;

use super::names::{is_text_name, text_sub_key, top_level_name};
use super::{Attribute, ParseError, Position, Template, Vector};
use printer::value_prints_exactly;

/// Parses a text template and returns each attribute with the position of its name.
pub fn parse_text_located(input: &str) -> Result<Vec<(Attribute, Position)>, ParseError> {
    parser::Parser::new(input).parse()
}

impl Template {
    /// Parses OpenNebula's text template syntax.
    pub fn parse_text(input: &str) -> Result<Template, ParseError> {
        Ok(Template::from_attributes(parse_text_located(input)?.into_iter().map(|(a, _)| a).collect()))
    }

    /// Prints the text form; `parse_text(to_text(t)) == t` whenever
    /// [`text_round_trips`](Self::text_round_trips) is true.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text_size_hint());
        printer::write_template(self, &mut out);
        out
    }

    /// True if `parse_text(to_text())` gives this template back unchanged: every name is as
    /// the parser stores it (valid characters, upper case, `ONE_` fix-up applied), vector
    /// sub-keys are unique, and no value ends in a backslash that only quotes could hold
    /// (see the printer's doc). Templates read by either parser fail only on that last point.
    pub fn text_round_trips(&self) -> bool {
        self.iter().all(|attribute| match attribute {
            Attribute::Single { name, value } => is_stored_name(name) && value_prints_exactly(value),
            Attribute::Vector { name, vector } => is_stored_name(name) && vector_round_trips(vector),
        })
    }

    /// Roughly the printed size, to allocate once.
    fn text_size_hint(&self) -> usize {
        self.iter()
            .map(|a| match a {
                Attribute::Single { name, value } => name.len() + value.len() + 4,
                Attribute::Vector { name, vector } => {
                    name.len() + 6 + vector.iter().map(|(k, v)| k.len() + v.len() + 7).sum::<usize>()
                }
            })
            .sum()
    }
}

fn is_stored_name(name: &str) -> bool {
    is_text_name(name) && top_level_name(name) == name
}

fn vector_round_trips(vector: &Vector) -> bool {
    let keys_ok = vector.iter().all(|(k, v)| is_text_name(k) && text_sub_key(k) == k && value_prints_exactly(v));
    let mut keys: Vec<&str> = vector.iter().map(|(k, _)| k).collect();
    keys.sort_unstable();
    keys_ok && keys.windows(2).all(|w| w[0] != w[1])
}
