//! The text form of templates: parser (nom) and printer.
//!
//! CONTRACT (implemented by the template work item):
//! - `Template::parse_text(&str) -> Result<Template, ParseError>`
//! - `parse_text_located(&str) -> Result<Vec<(Attribute, Position)>, ParseError>`
//! - `Template::to_text(&self) -> String`

use super::{Attribute, ParseError, Position, Template};

/// Parses a text template and returns each attribute with the position of its name.
pub fn parse_text_located(_input: &str) -> Result<Vec<(Attribute, Position)>, ParseError> {
    todo!("template text parser")
}

impl Template {
    /// Parses OpenNebula's text template syntax.
    pub fn parse_text(input: &str) -> Result<Template, ParseError> {
        Ok(Template::from_attributes(parse_text_located(input)?.into_iter().map(|(a, _)| a).collect()))
    }

    /// Prints the text form; `parse_text(to_text(t)) == t`.
    pub fn to_text(&self) -> String {
        todo!("template text printer")
    }
}
