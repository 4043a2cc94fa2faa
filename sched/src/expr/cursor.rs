//! A cursor over the tokens of one expression, with the error helpers both parsers share.

use super::lexer::{Tok, Token, tokenize};
use super::{ExprError, MAX_DEPTH};

pub(crate) struct Cursor<'a> {
    src: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str) -> Result<Cursor<'a>, ExprError> {
        Ok(Cursor { src, tokens: tokenize(src)?, pos: 0 })
    }

    pub fn peek(&self) -> Option<Tok<'a>> {
        self.tokens.get(self.pos).map(|t| t.tok)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// The current token, consumed.
    pub fn next(&mut self) -> Option<Tok<'a>> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Consumes the operator `op` if it is next.
    pub fn eat(&mut self, op: char) -> bool {
        if self.peek() == Some(Tok::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An error at the current token: "unexpected <token>, expected <what>", with a hint when a
    /// signed number directly follows an operand (`FREE_CPU-1`).
    pub fn unexpected(&self, expected: &str) -> ExprError {
        let Some(token) = self.tokens.get(self.pos) else {
            return ExprError::at_byte(
                self.src,
                self.src.len(),
                format!("unexpected end of expression, expected {expected}"),
            );
        };
        let text = &self.src[token.at..token.end];
        let mut message = format!("unexpected {}, expected {expected}", describe(token.tok, text));
        let signed = matches!(token.tok, Tok::Int(_) | Tok::Float(_)) && text.starts_with('-');
        let after_operand = self.pos > 0
            && matches!(self.tokens[self.pos - 1].tok, Tok::Str(_) | Tok::Int(_) | Tok::Float(_) | Tok::Op(')'));
        if signed && after_operand {
            message.push_str(" (a '-' written against a digit belongs to the number: write '- 1', not '-1')");
        }
        ExprError::at_byte(self.src, token.at, message)
    }

    /// An error at the token before the current one (the one just consumed).
    pub fn error_at_previous(&self, message: impl Into<String>) -> ExprError {
        let at = self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)).map_or(0, |t| t.at);
        ExprError::at_byte(self.src, at, message)
    }

    /// Fails when `depth` exceeds [`MAX_DEPTH`], at the current token.
    pub fn check_depth(&self, depth: usize) -> Result<(), ExprError> {
        if depth > MAX_DEPTH {
            let at = self.tokens.get(self.pos).map_or(self.src.len(), |t| t.at);
            Err(ExprError::at_byte(self.src, at, format!("expression nested more than {MAX_DEPTH} levels deep")))
        } else {
            Ok(())
        }
    }
}

/// A token as error messages name it.
fn describe(tok: Tok<'_>, text: &str) -> String {
    match tok {
        Tok::Str(_) if text.starts_with('"') => format!("string {text}"),
        Tok::Str(_) => format!("name {text}"),
        Tok::Int(_) | Tok::Float(_) => format!("number {text}"),
        Tok::Op(c) => format!("'{c}'"),
    }
}
