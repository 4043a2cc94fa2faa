//! Value trimming of `parse_str_or_xml` (OpenNebula 7.4 `Template::trim_attributes`).

use super::{Attribute, Template, Vector};

/// C's `isspace` set, which OpenNebula's `one_util::trim` strips.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn trimmed(value: &str) -> &str {
    value.trim_matches(is_c_space)
}

/// Strips leading and trailing white space from every value, single and in vectors.
pub(crate) fn trim_values(template: &mut Template) {
    for attribute in template.iter_mut() {
        match attribute {
            Attribute::Single { value, .. } => {
                if trimmed(value).len() != value.len() {
                    *value = trimmed(value).to_string();
                }
            }
            Attribute::Vector { vector, .. } => {
                if vector.iter().any(|(_, v)| trimmed(v).len() != v.len()) {
                    *vector = Vector::from_pairs(vector.iter().map(|(k, v)| (k, trimmed(v))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_single_and_vector_values() {
        let mut t = Template::new();
        t.add("A", " \t1 \r\n");
        t.add("B", "x y");
        t.add_vector("V", Vector::from_pairs([("K", " a "), ("L", "b")]));
        trim_values(&mut t);
        assert_eq!(t.get("A"), Some("1"));
        assert_eq!(t.get("B"), Some("x y"));
        let v = t.vector("V").unwrap();
        assert_eq!(v.iter().collect::<Vec<_>>(), [("K", "a"), ("L", "b")]);
    }

    #[test]
    fn does_not_trim_unicode_spaces() {
        let mut t = Template::new();
        t.add("A", "\u{a0}x\u{a0}");
        trim_values(&mut t);
        assert_eq!(t.get("A"), Some("\u{a0}x\u{a0}"));
    }
}
