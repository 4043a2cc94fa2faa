//! The scheduler's expression language: `SCHED_REQUIREMENTS` (boolean) and `SCHED_RANK`
//! (arithmetic), with OpenNebula's modern (6.10 / 7.x) semantics.
//!
//! An expression is parsed once ([`Requirements::parse`], [`Rank::parse`]) and evaluated many times
//! against objects (hosts, datastores, networks) that answer name look-ups through [`Lookup`].
//! Parsing reports a [`ExprError`] with the 1-based column of the offending token; evaluation never
//! fails. Both ASTs print back to a canonical text (`Display`) that parses to the same AST.
//!
//! # Tokens
//! ```text
//! IDENT    = LETTER , { LETTER | DIGIT | "_" } ;          (* LETTER = A-Z | a-z *)
//! QSTRING  = '"' , { CHAR - '"' } , '"' ;                  (* no escapes; "" is the null string *)
//! INTEGER  = [ "-" ] , DIGIT , { DIGIT } ;                 (* the sign belongs to the number *)
//! FLOAT    = [ "-" ] , DIGIT , { DIGIT } , "." , DIGIT , { DIGIT } ;
//! OPERATOR = "!" | "&" | "|" | "=" | ">" | "<" | "(" | ")" | "*" | "+" | "/" | "-" | "^" | "@" ;
//! BLANK    = " " | TAB | CR | LF ;                         (* skipped between tokens *)
//! ```
//! The longest token wins, so `FREE_CPU-1` is `FREE_CPU` followed by the number `-1` (a syntax
//! error in both grammars: write `FREE_CPU - 1`), and `2 -1` is two numbers. `^` is a token that
//! no rule uses. `.5` is not a number.
//!
//! # Boolean grammar (REQUIREMENTS)
//! ```text
//! requirements = [ bexpr ] ;                                (* empty (or blank) -> true *)
//! bexpr  = bterm , { ( "&" | "|" ) , bterm } ;              (* equal precedence, left-assoc *)
//! bterm  = "!" , bterm | "(" , bexpr , ")" | cmp ;
//! cmp    = name , ( "=" | "!" "=" | ">" | "<" ) , number
//!        | name , ( "=" | "!" "=" ) , text
//!        | name , "@" ">" , ( number | text ) ;
//! name   = IDENT | QSTRING ;    text = IDENT | QSTRING ;    number = INTEGER | FLOAT ;
//! ```
//! `A | B & C` is `(A | B) & C`; `!` applies to the next term only (`!A = 1 & B = 2` is
//! `(!(A = 1)) & (B = 2)`); `! =` and `@ >` may have blanks inside (they are two tokens).
//!
//! Semantics, per comparison (the values of a name come from [`Lookup::values`], in document
//! order):
//! - **number** (`=`, `!=`, `>`, `<`): the name's value is the first of its values that reads as a
//!   number of the literal's type — an integer for an INTEGER literal, a single-precision float for
//!   a FLOAT literal, read as C++ `istream >> value` does (leading blanks skipped, the longest
//!   numeric prefix, so `"12abc"` reads 12 and `"1.9"` reads 1 as an integer). If no value reads,
//!   the comparison is **false**, for `!=` too.
//! - **text** (`=`, `!=`): the pattern is a shell glob (`fnmatch(3)` with no flags: `*`, `?`,
//!   `[...]` with ranges, `!`/`^` negation and `[:class:]`, `\` escapes; case-sensitive; see
//!   [`glob`]). `=` is "the first value matches", `!=` is "the first value does not match"; both are
//!   **false** if the name has no value or the pattern is the null string `""`.
//! - **`@>`**: true if **any** value of the name equals the number (values that do not read as a
//!   number are skipped) or matches the glob (never for `""`).
//!
//! So `!(X = 1)` is true for a host without `X`, while `X != 1` is false.
//!
//! **`CURRENT_VMS`** (VM-group affinity, `CURRENT_VMS = 7` / `CURRENT_VMS != 7`) is a set test in
//! OpenNebula (`HostXML::search` looks the literal up among the host's VMs and the VMs dispatched
//! to it this cycle), which a first-value comparison cannot express. So for the name
//! `CURRENT_VMS` with an INTEGER literal, `=` is true if **any** value equals it and `!=` if
//! **none** does (also when there is no value). The caller's [`Lookup`] returns those VM ids, in
//! any order, for the name `CURRENT_VMS`; no other name is special.
//!
//! # Arithmetic grammar (RANK)
//! ```text
//! rank   = [ aexpr ] ;                                      (* empty (or blank) -> 0 *)
//! aexpr  = aterm , { ( "+" | "-" ) , aterm } ;
//! aterm  = afact , { ( "*" | "/" ) , afact } ;
//! afact  = "-" , afact | "(" , aexpr , ")" | INTEGER | FLOAT | name ;
//! ```
//! Evaluation is in single precision (`f32`) like OpenNebula; a name is the first of its values
//! that reads as a float, **0** if none does. Deliberate differences, all documented on
//! [`Rank::eval`]: `x / 0` is 0 (OpenNebula divides unguarded), a NaN result is 0, and the result
//! is not truncated to an integer (OpenNebula's `static_cast<int>`; a caller wanting OpenNebula's
//! ties applies `trunc()`).
//!
//! # Where Nephele differs from OpenNebula's flex/bison parser, on purpose
//! - A character that is no token (`.`, `_` at a name's start, `$`, an unterminated `"`...) is a
//!   syntax error; OpenNebula's scanner silently drops it (flex's default rule echoes it), so
//!   `A = .5` meant `A = 5` there. Line breaks are blanks in both.
//! - The null string `""` as a *name* is a syntax error (OpenNebula dereferences a null pointer).
//! - Integers are 64-bit (literals and values); OpenNebula reads values into a C `int`, so a value
//!   beyond ±2³¹ (e.g. `TOTAL_MEM` in KiB of a host with more than 2 TiB) never compared there. An
//!   integer literal beyond 64 bits, or a float literal beyond `f64`, is a syntax error.
//! - Globs match characters (Unicode scalar values), not bytes; character classes are those of the
//!   C locale.
//! - Nesting (parentheses, `!`, unary `-`) is limited to [`MAX_DEPTH`] levels.
//!
//! Names are resolved by the caller: `Lookup` implements the object's prefix list (a name starting
//! with `/` is absolute) and supplies the values of `CURRENT_VMS`.

mod cursor;
mod error;
pub mod glob;
mod lexer;
mod number;
mod rank;
mod requirements;
mod text;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use error::ExprError;
pub use rank::Rank;
pub use requirements::Requirements;

/// How deeply parentheses, `!` and unary `-` may nest before parsing gives up with an error
/// (keeps parsing, printing, evaluation and dropping within a small, fixed stack).
pub const MAX_DEPTH: usize = 128;

/// Looks names up in an object (a host): every value of the name, in document order, trying the
/// object's prefixes (the caller implements prefixes; a name starting with '/' is absolute).
pub trait Lookup {
    fn values(&self, name: &str) -> Vec<String>;
}
