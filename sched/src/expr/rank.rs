//! RANK: the arithmetic grammar, its AST, evaluation and canonical printing.

use std::fmt;
use std::str::FromStr;

use super::cursor::Cursor;
use super::lexer::Tok;
use super::number::read_float;
use super::text::{write_float, write_string};
use super::{ExprError, Lookup};

/// A parsed `SCHED_RANK`-style expression. The empty expression ranks every object 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rank(Option<Arith>);

/// An arithmetic expression. `Sum` and `Product` are flat left-to-right chains (no recursion
/// for long chains); the parser never puts a `Sum` first in a `Sum` nor a `Product` first in a
/// `Product` (`(a + b) - c` is spliced into `a + b - c`: same evaluation order, same AST), and
/// their `rest` is never empty.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arith {
    Int(i64),
    /// The literal as `atof` reads it (OpenNebula then narrows it to `float`).
    Float(f64),
    /// Never empty.
    Name(String),
    Neg(Box<Arith>),
    Sum {
        first: Box<Arith>,
        rest: Vec<(AddOp, Arith)>,
    },
    Product {
        first: Box<Arith>,
        rest: Vec<(MulOp, Arith)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AddOp {
    Add,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MulOp {
    Mul,
    Div,
}

impl Rank {
    /// Parses a rank expression; the empty (or all-blank) string ranks everything 0.
    pub fn parse(s: &str) -> Result<Rank, ExprError> {
        let mut cur = Cursor::new(s)?;
        if cur.at_end() {
            return Ok(Rank(None));
        }
        let expr = parse_sum(&mut cur, 0)?;
        if !cur.at_end() {
            return Err(cur.unexpected("an operator or the end of the expression"));
        }
        Ok(Rank(Some(expr)))
    }

    /// The object's rank, computed in `f32` as OpenNebula does: a literal is narrowed to `f32`,
    /// a name is the first of its values that reads as a float (0 if none does). Differences from
    /// OpenNebula, where it has undefined or surprising behaviour:
    /// - `x / 0` is **0** (for any `x`, including 0; OpenNebula divides unguarded, giving ±inf or
    ///   NaN and then an undefined `int` conversion);
    /// - a NaN result (e.g. `inf - inf` after an `f32` overflow) is 0; ±inf are returned as such;
    /// - the result is not truncated to an integer (OpenNebula ends with `static_cast<int>`, so
    ///   ranks 1.2 and 1.9 tie there; apply `f64::trunc` to reproduce that).
    pub fn eval(&self, obj: &dyn Lookup) -> f64 {
        let Some(expr) = &self.0 else { return 0.0 };
        let r = expr.eval(obj);
        if r.is_nan() { 0.0 } else { f64::from(r) }
    }

    /// True for the empty expression.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl FromStr for Rank {
    type Err = ExprError;
    fn from_str(s: &str) -> Result<Self, ExprError> {
        Rank::parse(s)
    }
}

// ------------------------------------------------------------------------------------------------
// Parsing

fn parse_sum(cur: &mut Cursor<'_>, depth: usize) -> Result<Arith, ExprError> {
    let first = parse_product(cur, depth)?;
    let mut rest = Vec::new();
    loop {
        let op = if cur.eat('+') {
            AddOp::Add
        } else if cur.eat('-') {
            AddOp::Sub
        } else {
            break;
        };
        rest.push((op, parse_product(cur, depth)?));
    }
    if rest.is_empty() {
        return Ok(first);
    }
    Ok(match first {
        Arith::Sum { first, rest: mut head } => {
            head.append(&mut rest);
            Arith::Sum { first, rest: head }
        }
        first => Arith::Sum { first: Box::new(first), rest },
    })
}

fn parse_product(cur: &mut Cursor<'_>, depth: usize) -> Result<Arith, ExprError> {
    let first = parse_factor(cur, depth)?;
    let mut rest = Vec::new();
    loop {
        let op = if cur.eat('*') {
            MulOp::Mul
        } else if cur.eat('/') {
            MulOp::Div
        } else {
            break;
        };
        rest.push((op, parse_factor(cur, depth)?));
    }
    if rest.is_empty() {
        return Ok(first);
    }
    Ok(match first {
        Arith::Product { first, rest: mut head } => {
            head.append(&mut rest);
            Arith::Product { first, rest: head }
        }
        first => Arith::Product { first: Box::new(first), rest },
    })
}

fn parse_factor(cur: &mut Cursor<'_>, depth: usize) -> Result<Arith, ExprError> {
    cur.check_depth(depth)?;
    match cur.peek() {
        Some(Tok::Op('-')) => {
            cur.next();
            Ok(Arith::Neg(Box::new(parse_factor(cur, depth + 1)?)))
        }
        Some(Tok::Op('(')) => {
            cur.next();
            let inner = parse_sum(cur, depth + 1)?;
            if !cur.eat(')') {
                return Err(cur.unexpected("')' or an operator"));
            }
            Ok(inner)
        }
        Some(Tok::Int(n)) => {
            cur.next();
            Ok(Arith::Int(n))
        }
        Some(Tok::Float(x)) => {
            cur.next();
            Ok(Arith::Float(x))
        }
        Some(Tok::Str(name)) => {
            cur.next();
            if name.is_empty() {
                return Err(cur.error_at_previous("the null string \"\" cannot be a name"));
            }
            Ok(Arith::Name(name.to_string()))
        }
        _ => Err(cur.unexpected("a number, a name, '-' or '('")),
    }
}

// ------------------------------------------------------------------------------------------------
// Evaluation

impl Arith {
    fn eval(&self, obj: &dyn Lookup) -> f32 {
        match self {
            Arith::Int(n) => *n as f32,
            Arith::Float(x) => *x as f32,
            Arith::Name(name) => obj.values(name).iter().find_map(|v| read_float(v)).unwrap_or(0.0),
            Arith::Neg(inner) => -inner.eval(obj),
            Arith::Sum { first, rest } => rest.iter().fold(first.eval(obj), |acc, (op, term)| {
                let t = term.eval(obj);
                match op {
                    AddOp::Add => acc + t,
                    AddOp::Sub => acc - t,
                }
            }),
            Arith::Product { first, rest } => {
                rest.iter().fold(first.eval(obj), |acc, (op, factor)| {
                    let t = factor.eval(obj);
                    match op {
                        MulOp::Mul => acc * t,
                        // Documented on Rank::eval: division by zero is 0.
                        MulOp::Div if t == 0.0 => 0.0,
                        MulOp::Div => acc / t,
                    }
                })
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Printing: a canonical form that parses back to the same AST.

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => Ok(()),
            Some(expr) => expr.fmt(f),
        }
    }
}

/// Binding strength, for deciding parentheses.
fn level(e: &Arith) -> u8 {
    match e {
        Arith::Sum { .. } => 1,
        Arith::Product { .. } => 2,
        _ => 3,
    }
}

/// Writes `e`, parenthesized unless it binds at least as tightly as `min`.
fn write_at(f: &mut fmt::Formatter<'_>, e: &Arith, min: u8) -> fmt::Result {
    if level(e) >= min { write!(f, "{e}") } else { write!(f, "({e})") }
}

impl fmt::Display for Arith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arith::Int(n) => write!(f, "{n}"),
            Arith::Float(x) => write_float(f, *x),
            Arith::Name(name) => write_string(f, name),
            // "- x", never "-x": "-1" would lex as the number -1.
            Arith::Neg(inner) => {
                f.write_str("- ")?;
                write_at(f, inner, 3)
            }
            // A chain's later operands of the same level keep their parentheses (a - (b - c)),
            // and so does a first operand of the same level (never built by the parser).
            Arith::Sum { first, rest } => {
                write_at(f, first, 2)?;
                for (op, term) in rest {
                    f.write_str(match op {
                        AddOp::Add => " + ",
                        AddOp::Sub => " - ",
                    })?;
                    write_at(f, term, 2)?;
                }
                Ok(())
            }
            Arith::Product { first, rest } => {
                write_at(f, first, 3)?;
                for (op, factor) in rest {
                    f.write_str(match op {
                        MulOp::Mul => " * ",
                        MulOp::Div => " / ",
                    })?;
                    write_at(f, factor, 3)?;
                }
                Ok(())
            }
        }
    }
}
