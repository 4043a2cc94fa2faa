//! Printing names and text literals back in token form.

use std::fmt;

/// True if `s` is an IDENT token: `[A-Za-z][A-Za-z0-9_]*`.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Writes a name or a text literal: bare if it is an IDENT, else quoted. Both forms are the same
/// STRING token to the grammar. Strings never contain `"` (no token can carry one).
pub(crate) fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if is_ident(s) { f.write_str(s) } else { write!(f, "\"{s}\"") }
}

/// Writes a FLOAT literal so that it lexes back as a FLOAT with the same `f64` value: Rust's
/// shortest round-trip form (never in exponent notation), with `.0` added if it has no point.
pub(crate) fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    let s = x.to_string();
    if s.contains('.') { f.write_str(&s) } else { write!(f, "{s}.0") }
}
