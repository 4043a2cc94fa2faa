//! The one error type of the expression parsers.

/// A syntax error: where (a 0-based character offset into the expression) and what.
///
/// Displayed as `syntax error at column N: MESSAGE`, with the 1-based column `position + 1`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("syntax error at column {}: {message}", .position + 1)]
pub struct ExprError {
    /// 0-based offset, in characters (not bytes), of the offending token (the expression's length
    /// when the expression ends too early).
    pub position: usize,
    pub message: String,
}

impl ExprError {
    /// An error at byte offset `byte` of `src` (converted to a character offset).
    pub(crate) fn at_byte(src: &str, byte: usize, message: impl Into<String>) -> ExprError {
        let position = src.get(..byte).map_or(src.chars().count(), |s| s.chars().count());
        ExprError { position, message: message.into() }
    }
}
