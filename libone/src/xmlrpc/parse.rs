//! Recursive-descent reader for `methodCall` and `methodResponse` documents over the tokens of
//! [`super::lex`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;

use super::lex::{LexError, Lexer, Token, excerpt};
use super::{Call, CodecError, MAX_DEPTH, Response, Value};

/// Internal error: reason plus byte offset.
struct Fail {
    reason: String,
    at: usize,
}

impl From<LexError> for Fail {
    fn from(e: LexError) -> Self {
        Fail { reason: e.reason, at: e.at }
    }
}

impl From<Fail> for CodecError {
    fn from(f: Fail) -> Self {
        CodecError::Malformed(format!("{} (at byte {})", f.reason, f.at))
    }
}

type R<T> = Result<T, Fail>;

pub(super) fn call(body: &str) -> Result<Call, CodecError> {
    let mut p = Parser::new(body);
    let call = p.call()?;
    Ok(call)
}

pub(super) fn call_head(prefix: &str) -> Result<(String, Value), CodecError> {
    let mut p = Parser::new(prefix);
    Ok(p.call_head()?)
}

pub(super) fn response(body: &str) -> Result<Response, CodecError> {
    let mut p = Parser::new(body);
    let response = p.response()?;
    Ok(response)
}

fn describe(t: &Token<'_>) -> String {
    match t {
        Token::Start { name, .. } => format!("<{}>", excerpt(name)),
        Token::End { name } => format!("</{}>", excerpt(name)),
        Token::Text(s) => format!("text {:?}", excerpt(s)),
        Token::Eof => "the end of the document".to_owned(),
    }
}

fn is_space(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// XML whitespace around a scalar (`<int> 5 </int>` is accepted, like Python and dxr do).
fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

struct Parser<'a> {
    lx: Lexer<'a>,
}

impl<'a> Parser<'a> {
    fn new(body: &'a str) -> Self {
        Parser { lx: Lexer::new(body) }
    }

    fn fail<T>(&self, reason: impl Into<String>) -> R<T> {
        Err(Fail { reason: reason.into(), at: self.lx.pos() })
    }

    fn next(&mut self) -> R<Token<'a>> {
        Ok(self.lx.next_token()?)
    }

    /// The next token that is not whitespace-only text; other text is an error.
    fn next_tag(&mut self) -> R<Token<'a>> {
        loop {
            match self.next()? {
                Token::Text(t) if is_space(&t) => continue,
                Token::Text(t) => return self.fail(format!("unexpected text {:?}", excerpt(&t))),
                t => return Ok(t),
            }
        }
    }

    /// `<name>` or `<name/>` (after optional whitespace); returns whether it was empty.
    fn expect_start(&mut self, name: &str, context: &str) -> R<bool> {
        match self.next_tag()? {
            Token::Start { name: n, empty } if n == name => Ok(empty),
            t => self.fail(format!("expected <{name}> {context}, found {}", describe(&t))),
        }
    }

    /// `</name>` (after optional whitespace).
    fn expect_end(&mut self, name: &str) -> R<()> {
        match self.next_tag()? {
            Token::End { name: n } if n == name => Ok(()),
            t => self.fail(format!("expected </{name}>, found {}", describe(&t))),
        }
    }

    /// Only whitespace, comments and PIs may follow the root element.
    fn expect_eof(&mut self) -> R<()> {
        match self.next_tag()? {
            Token::Eof => Ok(()),
            t => self.fail(format!("{} after the root element", describe(&t))),
        }
    }

    /// The root element, which must be `name`.
    fn root(&mut self, name: &str) -> R<bool> {
        match self.next_tag()? {
            Token::Start { name: n, empty } if n == name => Ok(empty),
            Token::Eof => self.fail(format!("empty document (expected <{name}>)")),
            t => self.fail(format!("expected root element <{name}>, found {}", describe(&t))),
        }
    }

    /// `<methodCall><methodName>…</methodName>`: the method's name, which may not be empty.
    fn method_name(&mut self) -> R<String> {
        if self.root("methodCall")? {
            return self.fail("<methodCall/> without a methodName");
        }
        let method = if self.expect_start("methodName", "in <methodCall>")? {
            String::new()
        } else {
            self.scalar_text("methodName")?.into_owned()
        };
        if method.is_empty() {
            return self.fail("empty methodName");
        }
        Ok(method)
    }

    fn call(&mut self) -> R<Call> {
        let method = self.method_name()?;
        let mut params = Vec::new();
        match self.next_tag()? {
            Token::End { name: "methodCall" } => {}
            Token::Start { name: "params", empty } => {
                if !empty {
                    loop {
                        match self.next_tag()? {
                            Token::Start { name: "param", empty: false } => {
                                params.push(self.param()?);
                            }
                            Token::End { name: "params" } => break,
                            t => {
                                return self.fail(format!("expected <param> or </params>, found {}", describe(&t)));
                            }
                        }
                    }
                }
                self.expect_end("methodCall")?;
            }
            t => {
                return self.fail(format!("expected <params> or </methodCall>, found {}", describe(&t)));
            }
        }
        self.expect_eof()?;
        Ok(Call { method, params })
    }

    /// The method and the first parameter, read up to the end of that parameter; what follows
    /// is not looked at.
    fn call_head(&mut self) -> R<(String, Value)> {
        let method = self.method_name()?;
        if self.expect_start("params", "in <methodCall>")? {
            return self.fail("no parameters");
        }
        match self.next_tag()? {
            Token::Start { name: "param", empty: false } => Ok((method, self.param()?)),
            t => self.fail(format!("expected <param>, found {}", describe(&t))),
        }
    }

    /// The inside of `<param>…</param>` (start tag already read).
    fn param(&mut self) -> R<Value> {
        let empty = self.expect_start("value", "in <param>")?;
        let v = self.value(empty, 1)?;
        self.expect_end("param")?;
        Ok(v)
    }

    fn response(&mut self) -> R<Response> {
        if self.root("methodResponse")? {
            return self.fail("empty <methodResponse/>");
        }
        let response = match self.next_tag()? {
            Token::Start { name: "params", empty: false } => {
                match self.next_tag()? {
                    Token::Start { name: "param", empty: false } => {}
                    t => {
                        return self.fail(format!("expected <param> in <params>, found {}", describe(&t)));
                    }
                }
                let v = self.param()?;
                match self.next_tag()? {
                    Token::End { name: "params" } => {}
                    Token::Start { name: "param", .. } => {
                        return self.fail("a methodResponse carries exactly one <param>");
                    }
                    t => return self.fail(format!("expected </params>, found {}", describe(&t))),
                }
                Response::Value(v)
            }
            Token::Start { name: "fault", empty: false } => {
                let empty = self.expect_start("value", "in <fault>")?;
                let v = self.value(empty, 1)?;
                self.expect_end("fault")?;
                self.fault(v)?
            }
            Token::Start { name: "params", empty: true } => return self.fail("a methodResponse without a value"),
            t => {
                return self.fail(format!("expected <params> or <fault>, found {}", describe(&t)));
            }
        };
        self.expect_end("methodResponse")?;
        self.expect_eof()?;
        Ok(response)
    }

    /// A fault's value: a struct with an integer `faultCode` and a string `faultString`, in any
    /// order (other members are ignored).
    fn fault(&self, v: Value) -> R<Response> {
        let Value::Struct(mut members) = v else {
            return self.fail("a <fault> value must be a struct");
        };
        let code = match members.remove("faultCode") {
            Some(Value::Integer(c)) => c,
            Some(Value::Long(c)) => match i32::try_from(c) {
                Ok(c) => c,
                Err(_) => return self.fail("faultCode out of range"),
            },
            Some(_) => return self.fail("faultCode must be an integer"),
            None => return self.fail("fault without faultCode"),
        };
        let message = match members.remove("faultString") {
            Some(Value::String(s)) => s,
            Some(_) => return self.fail("faultString must be a string"),
            None => return self.fail("fault without faultString"),
        };
        Ok(Response::Fault { code, message })
    }

    /// Text content up to `</name>` (start tag `<name>` already read, not empty).
    fn scalar_text(&mut self, name: &str) -> R<Cow<'a, str>> {
        match self.next()? {
            Token::End { name: n } if n == name => Ok(Cow::Borrowed("")),
            Token::Text(t) => match self.next()? {
                Token::End { name: n } if n == name => Ok(t),
                other => self.fail(format!("expected </{name}> after its text, found {}", describe(&other))),
            },
            other => self.fail(format!("expected text in <{name}>, found {}", describe(&other))),
        }
    }

    /// The content of `<value>` (start tag already read) through `</value>`.
    fn value(&mut self, empty: bool, depth: usize) -> R<Value> {
        if empty {
            return Ok(Value::String(String::new()));
        }
        if depth > MAX_DEPTH {
            return self.fail(format!("values nested deeper than {MAX_DEPTH} levels"));
        }
        match self.next()? {
            Token::End { name: "value" } => Ok(Value::String(String::new())),
            Token::Text(text) => match self.next()? {
                Token::End { name: "value" } => Ok(Value::String(text.into_owned())),
                Token::Start { name, empty } if is_space(&text) => {
                    let v = self.typed(name, empty, depth)?;
                    self.expect_end("value")?;
                    Ok(v)
                }
                t => self.fail(format!("text {:?} mixed with {} in <value>", excerpt(&text), describe(&t))),
            },
            Token::Start { name, empty } => {
                let v = self.typed(name, empty, depth)?;
                self.expect_end("value")?;
                Ok(v)
            }
            t => self.fail(format!("expected a value, found {}", describe(&t))),
        }
    }

    /// A typed value element `<name>…</name>` (start tag already read).
    fn typed(&mut self, name: &str, empty: bool, depth: usize) -> R<Value> {
        let text =
            |p: &mut Self| -> R<Cow<'a, str>> { if empty { Ok(Cow::Borrowed("")) } else { p.scalar_text(name) } };
        match name {
            "i4" | "int" => {
                let t = text(self)?;
                match trim(&t).parse::<i32>() {
                    Ok(i) => Ok(Value::Integer(i)),
                    Err(_) => self.fail(format!("bad <{name}> value {:?}", excerpt(&t))),
                }
            }
            "i8" => {
                let t = text(self)?;
                match trim(&t).parse::<i64>() {
                    Ok(i) => Ok(Value::Long(i)),
                    Err(_) => self.fail(format!("bad <i8> value {:?}", excerpt(&t))),
                }
            }
            "boolean" => {
                let t = text(self)?;
                match trim(&t) {
                    "1" => Ok(Value::Boolean(true)),
                    "0" => Ok(Value::Boolean(false)),
                    _ => self.fail(format!("bad <boolean> value {:?} (expected 0 or 1)", excerpt(&t))),
                }
            }
            "string" => Ok(Value::String(text(self)?.into_owned())),
            "double" => {
                let t = text(self)?;
                match trim(&t).parse::<f64>() {
                    Ok(d) => Ok(Value::Double(d)),
                    Err(_) => self.fail(format!("bad <double> value {:?}", excerpt(&t))),
                }
            }
            "dateTime.iso8601" => {
                let t = text(self)?;
                match trim(&t).parse::<dxr::DateTime>() {
                    Ok(dt) => Ok(Value::DateTime(dt)),
                    Err(_) => self.fail(format!("bad <dateTime.iso8601> value {:?}", excerpt(&t))),
                }
            }
            "base64" => {
                let t = text(self)?;
                let compact: Vec<u8> = t.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(&compact) {
                    Ok(bytes) => Ok(Value::Base64(bytes)),
                    Err(_) => self.fail("bad <base64> value"),
                }
            }
            "nil" => {
                if !empty {
                    self.expect_end("nil")?;
                }
                Ok(Value::Nil)
            }
            "array" => {
                let items = if empty { Vec::new() } else { self.array(depth)? };
                Ok(Value::Array(items))
            }
            "struct" => {
                let members = if empty { BTreeMap::new() } else { self.structure(depth)? };
                Ok(Value::Struct(members))
            }
            other => self.fail(format!("unknown value type <{}>", excerpt(other))),
        }
    }

    /// `<data>(<value>…</value>)*</data></array>`; `<array></array>` counts as empty.
    fn array(&mut self, depth: usize) -> R<Vec<Value>> {
        let mut items = Vec::new();
        match self.next_tag()? {
            Token::End { name: "array" } => return Ok(items),
            Token::Start { name: "data", empty: true } => {}
            Token::Start { name: "data", empty: false } => loop {
                match self.next_tag()? {
                    Token::Start { name: "value", empty } => items.push(self.value(empty, depth + 1)?),
                    Token::End { name: "data" } => break,
                    t => {
                        return self.fail(format!("expected <value> or </data> in <array>, found {}", describe(&t)));
                    }
                }
            },
            t => {
                return self.fail(format!("expected <data> in <array>, found {}", describe(&t)));
            }
        }
        self.expect_end("array")?;
        Ok(items)
    }

    /// `(<member><name>…</name><value>…</value></member>)*</struct>`; a repeated name keeps the
    /// last value. `<name>` and `<value>` may come in either order.
    fn structure(&mut self, depth: usize) -> R<BTreeMap<String, Value>> {
        let mut members = BTreeMap::new();
        loop {
            match self.next_tag()? {
                Token::Start { name: "member", empty: false } => {}
                Token::End { name: "struct" } => return Ok(members),
                t => {
                    return self.fail(format!("expected <member> or </struct>, found {}", describe(&t)));
                }
            }
            let mut name: Option<String> = None;
            let mut value: Option<Value> = None;
            loop {
                match self.next_tag()? {
                    Token::Start { name: "name", empty } if name.is_none() => {
                        name = Some(if empty { String::new() } else { self.scalar_text("name")?.into_owned() });
                    }
                    Token::Start { name: "value", empty } if value.is_none() => {
                        value = Some(self.value(empty, depth + 1)?);
                    }
                    Token::End { name: "member" } => break,
                    t => {
                        return self
                            .fail(format!("expected one <name> and one <value> in <member>, found {}", describe(&t)));
                    }
                }
            }
            match (name, value) {
                (Some(n), Some(v)) => {
                    members.insert(n, v);
                }
                (None, _) => return self.fail("struct <member> without <name>"),
                (_, None) => return self.fail("struct <member> without <value>"),
            }
        }
    }
}
