//! REQUIREMENTS: the boolean grammar, its AST, evaluation and canonical printing.

use std::fmt;
use std::str::FromStr;

use super::cursor::Cursor;
use super::glob::Glob;
use super::lexer::Tok;
use super::number::{read_float, read_int};
use super::text::{write_float, write_string};
use super::{ExprError, Lookup};

/// A parsed `SCHED_REQUIREMENTS`-style expression. The empty expression is true for every object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Requirements(Option<Bool>);

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bool {
    Cmp(Comparison),
    Not(Box<Bool>),
    /// `first op1 t1 op2 t2 ...` evaluated left to right (`&` and `|` have equal precedence). Kept
    /// flat so that a long chain costs no recursion. Invariant (from the parser): `first` is not
    /// itself a chain (a parenthesized chain in first place is spliced in: `(A & B) | C` and
    /// `A & B | C` are the same AST), and `rest` is not empty.
    Chain {
        first: Box<Bool>,
        rest: Vec<(Logic, Bool)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Logic {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    /// Never empty (the parser refuses `""` as a name).
    pub name: String,
    pub op: CmpOp,
    pub rhs: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Gt,
    Lt,
    /// `@>`: any value.
    Has,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Int(i64),
    /// The literal as `atof` reads it; compared as `f32`, as OpenNebula's `float` does.
    Float(f64),
    Text(Pattern),
}

/// A text literal and its compiled glob; `glob` is `None` for the null string `""`, which no
/// comparison matches.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    pub text: String,
    pub glob: Option<Glob>,
}

impl Pattern {
    pub(crate) fn new(text: &str) -> Pattern {
        Pattern { text: text.to_string(), glob: (!text.is_empty()).then(|| Glob::new(text)) }
    }
}

impl Requirements {
    /// Parses a requirements expression; the empty (or all-blank) string is "always true".
    pub fn parse(s: &str) -> Result<Requirements, ExprError> {
        let mut cur = Cursor::new(s)?;
        if cur.at_end() {
            return Ok(Requirements(None));
        }
        let expr = parse_chain(&mut cur, 0)?;
        if !cur.at_end() {
            return Err(cur.unexpected("'&', '|' or the end of the expression"));
        }
        Ok(Requirements(Some(expr)))
    }

    /// True if the object meets the requirements (see the module docs for the exact semantics).
    pub fn eval(&self, obj: &dyn Lookup) -> bool {
        self.0.as_ref().is_none_or(|expr| expr.eval(obj))
    }

    /// True for the empty expression.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl FromStr for Requirements {
    type Err = ExprError;
    fn from_str(s: &str) -> Result<Self, ExprError> {
        Requirements::parse(s)
    }
}

// ------------------------------------------------------------------------------------------------
// Parsing

fn parse_chain(cur: &mut Cursor<'_>, depth: usize) -> Result<Bool, ExprError> {
    let first = parse_term(cur, depth)?;
    let mut rest = Vec::new();
    loop {
        let op = if cur.eat('&') {
            Logic::And
        } else if cur.eat('|') {
            Logic::Or
        } else {
            break;
        };
        rest.push((op, parse_term(cur, depth)?));
    }
    if rest.is_empty() {
        return Ok(first);
    }
    // Left-associative with equal precedence: `(a & b) | c` is `a & b | c`.
    Ok(match first {
        Bool::Chain { first, rest: mut head } => {
            head.append(&mut rest);
            Bool::Chain { first, rest: head }
        }
        first => Bool::Chain { first: Box::new(first), rest },
    })
}

fn parse_term(cur: &mut Cursor<'_>, depth: usize) -> Result<Bool, ExprError> {
    cur.check_depth(depth)?;
    match cur.peek() {
        Some(Tok::Op('!')) => {
            cur.next();
            Ok(Bool::Not(Box::new(parse_term(cur, depth + 1)?)))
        }
        Some(Tok::Op('(')) => {
            cur.next();
            let inner = parse_chain(cur, depth + 1)?;
            if !cur.eat(')') {
                return Err(cur.unexpected("')', '&' or '|'"));
            }
            Ok(inner)
        }
        Some(Tok::Str(name)) => {
            cur.next();
            if name.is_empty() {
                return Err(cur.error_at_previous("the null string \"\" cannot be a name"));
            }
            parse_comparison(cur, name).map(Bool::Cmp)
        }
        _ => Err(cur.unexpected("a name, '!' or '('")),
    }
}

fn parse_comparison(cur: &mut Cursor<'_>, name: &str) -> Result<Comparison, ExprError> {
    let op = match cur.peek() {
        Some(Tok::Op('=')) => CmpOp::Eq,
        Some(Tok::Op('>')) => CmpOp::Gt,
        Some(Tok::Op('<')) => CmpOp::Lt,
        Some(Tok::Op('!')) => {
            cur.next();
            if cur.peek() != Some(Tok::Op('=')) {
                return Err(cur.unexpected("'=' after '!' (to write \"not equal\")"));
            }
            CmpOp::Ne
        }
        Some(Tok::Op('@')) => {
            cur.next();
            if cur.peek() != Some(Tok::Op('>')) {
                return Err(cur.unexpected("'>' after '@' (to write \"@>\")"));
            }
            CmpOp::Has
        }
        _ => return Err(cur.unexpected("'=', '!=', '>', '<' or '@>' after a name")),
    };
    cur.next();
    let rhs = match cur.peek() {
        Some(Tok::Int(n)) => Operand::Int(n),
        Some(Tok::Float(x)) => Operand::Float(x),
        Some(Tok::Str(s)) if !matches!(op, CmpOp::Gt | CmpOp::Lt) => Operand::Text(Pattern::new(s)),
        Some(Tok::Str(_)) => return Err(cur.unexpected("a number ('>' and '<' compare numbers)")),
        _ if matches!(op, CmpOp::Gt | CmpOp::Lt) => return Err(cur.unexpected("a number")),
        _ => return Err(cur.unexpected("a number or a text")),
    };
    cur.next();
    Ok(Comparison { name: name.to_string(), op, rhs })
}

// ------------------------------------------------------------------------------------------------
// Evaluation

impl Bool {
    fn eval(&self, obj: &dyn Lookup) -> bool {
        match self {
            Bool::Cmp(cmp) => cmp.eval(obj),
            Bool::Not(inner) => !inner.eval(obj),
            Bool::Chain { first, rest } => {
                let mut acc = first.eval(obj);
                for (op, term) in rest {
                    // Short-circuit: terms have no side effects, so skipping one is invisible.
                    acc = match op {
                        Logic::And => acc && term.eval(obj),
                        Logic::Or => acc || term.eval(obj),
                    };
                }
                acc
            }
        }
    }
}

impl CmpOp {
    fn holds<T: PartialOrd>(self, value: T, literal: T) -> bool {
        match self {
            CmpOp::Eq | CmpOp::Has => value == literal,
            CmpOp::Ne => value != literal,
            CmpOp::Gt => value > literal,
            CmpOp::Lt => value < literal,
        }
    }
}

/// The scheduler's pseudo-attribute: the VMs on the host, dispatched ones included.
const CURRENT_VMS: &str = "CURRENT_VMS";

impl Comparison {
    fn eval(&self, obj: &dyn Lookup) -> bool {
        let op = self.op;
        match &self.rhs {
            Operand::Text(Pattern { glob: None, .. }) => false,
            Operand::Text(Pattern { glob: Some(glob), .. }) => {
                let values = obj.values(&self.name);
                match op {
                    CmpOp::Has => values.iter().any(|v| glob.matches(v)),
                    CmpOp::Eq => values.first().is_some_and(|v| glob.matches(v)),
                    CmpOp::Ne => values.first().is_some_and(|v| !glob.matches(v)),
                    // The parser never builds these.
                    CmpOp::Gt | CmpOp::Lt => false,
                }
            }
            Operand::Int(n) => {
                let values = obj.values(&self.name);
                let mut numbers = values.iter().filter_map(|v| read_int(v));
                match op {
                    CmpOp::Has => numbers.any(|v| v == *n),
                    // The pseudo-attribute of VM-group (anti-)affinity: a set test (see the
                    // module docs), not a first-value comparison.
                    CmpOp::Eq if self.name == CURRENT_VMS => numbers.any(|v| v == *n),
                    CmpOp::Ne if self.name == CURRENT_VMS => !numbers.any(|v| v == *n),
                    // OpenNebula's search() keeps the values that read as a number and takes the
                    // first of those.
                    _ => numbers.next().is_some_and(|v| op.holds(v, *n)),
                }
            }
            Operand::Float(x) => {
                let literal = *x as f32;
                let values = obj.values(&self.name);
                let mut numbers = values.iter().filter_map(|v| read_float(v));
                match op {
                    CmpOp::Has => numbers.any(|v| v == literal),
                    _ => numbers.next().is_some_and(|v| op.holds(v, literal)),
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Printing: a canonical form that parses back to the same AST.

impl fmt::Display for Requirements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => Ok(()),
            Some(expr) => expr.fmt(f),
        }
    }
}

impl fmt::Display for Bool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bool::Cmp(cmp) => cmp.fmt(f),
            // `!` binds to one term, so only a chain needs parentheses; adding them around a
            // comparison would nest the printed text one level deeper than the AST.
            Bool::Not(inner) => match inner.as_ref() {
                Bool::Chain { .. } => write!(f, "!({inner})"),
                _ => write!(f, "!{inner}"),
            },
            Bool::Chain { first, rest } => {
                write_operand(f, first)?;
                for (op, term) in rest {
                    f.write_str(match op {
                        Logic::And => " & ",
                        Logic::Or => " | ",
                    })?;
                    write_operand(f, term)?;
                }
                Ok(())
            }
        }
    }
}

/// A chain's operand: parenthesized if it is a chain itself.
fn write_operand(f: &mut fmt::Formatter<'_>, term: &Bool) -> fmt::Result {
    match term {
        Bool::Chain { .. } => write!(f, "({term})"),
        _ => write!(f, "{term}"),
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_string(f, &self.name)?;
        f.write_str(match self.op {
            CmpOp::Eq => " = ",
            CmpOp::Ne => " != ",
            CmpOp::Gt => " > ",
            CmpOp::Lt => " < ",
            CmpOp::Has => " @> ",
        })?;
        match &self.rhs {
            Operand::Int(n) => write!(f, "{n}"),
            Operand::Float(x) => write_float(f, *x),
            Operand::Text(p) => write_string(f, &p.text),
        }
    }
}
