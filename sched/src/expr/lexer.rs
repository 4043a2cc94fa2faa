//! The scanner shared by both grammars (OpenNebula's `expr_parser.l`), written with nom.

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::take_while,
    character::complete::{char, digit1, one_of, satisfy},
    combinator::{map, opt, recognize},
    sequence::{delimited, pair},
};

use super::ExprError;

/// What a token is. Strings borrow from the expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok<'a> {
    /// IDENT or QSTRING (OpenNebula's STRING token); a QSTRING's text without its quotes.
    Str(&'a str),
    Int(i64),
    Float(f64),
    /// One of `! & | = > < ( ) * + / - ^ @`.
    Op(char),
}

/// A token and where it starts (byte offset into the expression).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub at: usize,
    /// Byte offset just past the token.
    pub end: usize,
}

/// A token as scanned, before numbers are converted.
enum Raw<'a> {
    Str(&'a str),
    Int(&'a str),
    Float(&'a str),
    Op(char),
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn raw_token(input: &str) -> IResult<&str, Raw<'_>> {
    alt((
        map(
            recognize(pair(
                satisfy(|c| c.is_ascii_alphabetic()),
                take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
            )),
            Raw::Str,
        ),
        map(delimited(char('"'), take_while(|c| c != '"'), char('"')), Raw::Str),
        map(recognize((opt(char('-')), digit1, char('.'), digit1)), Raw::Float),
        map(recognize(pair(opt(char('-')), digit1)), Raw::Int),
        map(one_of("!&|=><()*+/-^@"), Raw::Op),
    ))
    .parse(input)
}

/// Splits an expression into tokens.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, ExprError> {
    let mut tokens = Vec::new();
    let mut rest = src;
    loop {
        rest = rest.trim_start_matches(is_blank);
        if rest.is_empty() {
            return Ok(tokens);
        }
        let at = src.len() - rest.len();
        let Ok((after, raw)) = raw_token(rest) else {
            let message = match rest.chars().next() {
                Some('"') => "unterminated string: a '\"' without its closing '\"'".to_string(),
                Some(c) => format!("unexpected character {c:?}"),
                None => "unexpected end of expression".to_string(),
            };
            return Err(ExprError::at_byte(src, at, message));
        };
        let tok = match raw {
            Raw::Str(s) => Tok::Str(s),
            Raw::Op(c) => Tok::Op(c),
            Raw::Int(s) => match s.parse::<i64>() {
                Ok(n) => Tok::Int(n),
                Err(_) => {
                    return Err(ExprError::at_byte(src, at, format!("integer {s} out of range")));
                }
            },
            Raw::Float(s) => match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Tok::Float(x),
                _ => {
                    return Err(ExprError::at_byte(src, at, format!("number {s} out of range")));
                }
            },
        };
        tokens.push(Token { tok, at, end: src.len() - after.len() });
        rest = after;
    }
}
