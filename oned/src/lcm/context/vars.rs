//! OpenNebula's template variables (`vm_var_syntax.y` / `vm_var_parser.l`), the ones a CONTEXT
//! value may hold:
//!
//! ```text
//! $NAME                       a single attribute (or UID, UNAME, GID, GNAME, NAME, TEMPLATE)
//! $VECTOR[ATTR]               ATTR of the first VECTOR
//! $VECTOR[ATTR, KEY=value]    ATTR of the VECTOR whose KEY is value ("quoted" or alphanumeric)
//! ```
//!
//! Pure: [`substitute`] copies the text and asks a resolver for each variable's value (an
//! unknown one resolves to the empty string, as in OpenNebula). The scanner follows OpenNebula's:
//! `\$` is copied as it is (backslash included) and starts no variable; a variable ends at the
//! first character that cannot continue it, and that character is copied (a `$` starts the next
//! variable at once); names are `[A-Za-z0-9_]+` and are compared upper-cased (a filter's value
//! is kept as written); blanks are allowed inside `[ ]` around `,` and `=`. A `$` that starts
//! no variable (at the end, or before a blank) is a syntax error, as in OpenNebula.
//!
//! One deliberate difference: OpenNebula's scanner drops a line break that directly follows a
//! variable and then fails on the next word; here the line break is copied like any other
//! character.

use std::fmt;

/// One variable, names upper-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// `ATTR` of `$NAME[ATTR...]`.
    pub attr: Option<String>,
    /// `KEY` (upper-cased) and `value` (as written) of `$NAME[ATTR, KEY=value]`.
    pub filter: Option<(String, String)>,
}

/// A syntax error: what was expected, and where (1-based character column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarError {
    pub column: usize,
    pub expected: &'static str,
    pub found: String,
}

impl fmt::Display for VarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "syntax error, unexpected {}, expecting {} at column {}", self.found, self.expected, self.column)
    }
}

impl std::error::Error for VarError {}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Blanks as the scanner's `[[:blank:]]`: space and tab.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A cursor over the text, by characters.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn column(&self) -> usize {
        self.text[..self.pos].chars().count() + 1
    }

    fn error(&self, expected: &'static str) -> VarError {
        let found = match self.peek() {
            None => "end of text".to_string(),
            Some(c) => format!("{c:?}"),
        };
        VarError { column: self.column(), expected, found }
    }

    fn blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    /// `[A-Za-z0-9_]+`, upper-cased.
    fn name(&mut self, expected: &'static str) -> Result<String, VarError> {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error(expected));
        }
        Ok(self.text[start..self.pos].to_ascii_uppercase())
    }

    fn expect(&mut self, c: char, expected: &'static str) -> Result<(), VarError> {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// A filter's value: `"anything but a quote"` or `[A-Za-z0-9]+`.
    fn value(&mut self) -> Result<String, VarError> {
        if self.peek() == Some('"') {
            self.pos += 1;
            let rest = &self.text[self.pos..];
            let Some(end) = rest.find('"') else {
                self.pos = self.text.len();
                return Err(self.error("'\"'"));
            };
            let v = rest[..end].to_string();
            self.pos += end + 1;
            return Ok(v);
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("a value"));
        }
        Ok(self.text[start..self.pos].to_string())
    }

    /// One variable after its `$`.
    fn variable(&mut self) -> Result<VarRef, VarError> {
        let name = self.name("a variable name")?;
        if self.peek() != Some('[') {
            return Ok(VarRef { name, attr: None, filter: None });
        }
        self.pos += 1;
        self.blanks();
        let attr = self.name("an attribute name")?;
        self.blanks();
        let mut filter = None;
        if self.peek() == Some(',') {
            self.pos += 1;
            self.blanks();
            let key = self.name("an attribute name")?;
            self.blanks();
            self.expect('=', "'='")?;
            self.blanks();
            let value = self.value()?;
            self.blanks();
            filter = Some((key, value));
        }
        self.expect(']', "']'")?;
        Ok(VarRef { name, attr: Some(attr), filter })
    }
}

/// Copies `text`, replacing each variable by what `resolve` returns for it.
pub fn substitute(text: &str, resolve: &mut dyn FnMut(&VarRef) -> String) -> Result<String, VarError> {
    let mut out = String::with_capacity(text.len());
    let mut c = Cursor { text, pos: 0 };
    while let Some(ch) = c.bump() {
        match ch {
            '\\' => {
                // `\$` and `\x` are copied as they are; `\$` starts no variable.
                out.push('\\');
                if let Some(next) = c.bump() {
                    out.push(next);
                }
            }
            '$' => loop {
                let v = c.variable()?;
                out.push_str(&resolve(&v));
                match c.peek() {
                    // Another variable right after this one.
                    Some('$') => {
                        c.pos += 1;
                    }
                    // The character that ends a variable is copied as it is, a backslash too
                    // (so in `$A\$B` the second variable is one).
                    Some('\\') => {
                        c.pos += 1;
                        out.push('\\');
                        break;
                    }
                    _ => break,
                }
            },
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The variables of `text`, in order (for checks and tests).
pub fn variables(text: &str) -> Result<Vec<VarRef>, VarError> {
    let mut found = Vec::new();
    substitute(text, &mut |v| {
        found.push(v.clone());
        String::new()
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Resolves `$A` to "a", `$V[X]` to "V.X", `$V[X, K=v]` to "V.X@K=v", others to "".
    fn demo(v: &VarRef) -> String {
        match (&v.attr, &v.filter) {
            (None, _) if v.name == "A" => "a".into(),
            (None, _) => String::new(),
            (Some(a), None) => format!("{}.{a}", v.name),
            (Some(a), Some((k, val))) => format!("{}.{a}@{k}={val}", v.name),
        }
    }

    fn sub(text: &str) -> Result<String, VarError> {
        substitute(text, &mut demo)
    }

    #[test]
    fn singles_vectors_and_filters() {
        assert_eq!(sub("x $A y").unwrap(), "x a y");
        assert_eq!(sub("$a").unwrap(), "a", "names are upper-cased");
        assert_eq!(sub("$UNKNOWN").unwrap(), "", "unknown variables are empty");
        assert_eq!(sub("$USER[ssh_public_key]").unwrap(), "USER.SSH_PUBLIC_KEY");
        assert_eq!(sub("$NIC[IP, NETWORK=\"my net\"]").unwrap(), "NIC.IP@NETWORK=my net");
        assert_eq!(sub("$NIC[ IP ,network_id = 3 ]").unwrap(), "NIC.IP@NETWORK_ID=3");
        assert_eq!(sub("$NETWORK[GATEWAY, NIC_ID=\"0\"]").unwrap(), "NETWORK.GATEWAY@NIC_ID=0");
        assert_eq!(sub("$NIC[IP, NAME=\"\"]").unwrap(), "NIC.IP@NAME=", "an empty quoted value");
    }

    #[test]
    fn what_ends_a_variable_is_copied() {
        assert_eq!(sub("$A-$A.$A/x").unwrap(), "a-a.a/x");
        assert_eq!(sub("$A$A").unwrap(), "aa", "a $ starts the next variable");
        assert_eq!(sub("$A [X]").unwrap(), "a [X]", "a blank before [ ends the variable");
        assert_eq!(sub("$A\nnext").unwrap(), "a\nnext");
        assert_eq!(sub("$A é").unwrap(), "a é");
        assert_eq!(sub("$Aé").unwrap(), "aé");
        assert_eq!(sub("$V[X]]").unwrap(), "V.X]");
        assert_eq!(sub("$A\\$A").unwrap(), "a\\a", "the backslash ends the variable and escapes nothing");
    }

    #[test]
    fn escapes_are_kept() {
        assert_eq!(sub("echo \\$HOME").unwrap(), "echo \\$HOME");
        assert_eq!(sub("a\\nb").unwrap(), "a\\nb");
        assert_eq!(sub("end\\").unwrap(), "end\\");
        assert_eq!(sub("\\\\$A").unwrap(), "\\\\a", "an escaped backslash does not escape the $");
    }

    #[test]
    fn syntax_errors() {
        for (text, expected) in [
            ("cost: 5$", "a variable name"),
            ("$ A", "a variable name"),
            ("$-", "a variable name"),
            ("$V[", "an attribute name"),
            ("$V[X", "']'"),
            ("$V[X,]", "an attribute name"),
            ("$V[X, K]", "'='"),
            ("$V[X, K=]", "a value"),
            ("$V[X, K=a-b]", "']'"),
            ("$V[X, K=\"open]", "'\"'"),
            ("$A$", "a variable name"),
        ] {
            let e = sub(text).unwrap_err();
            assert_eq!(e.expected, expected, "{text:?}: {e}");
        }
        let e = sub("ab $V[X").unwrap_err();
        assert_eq!(e.to_string(), "syntax error, unexpected end of text, expecting ']' at column 8");
    }

    #[test]
    fn variables_are_listed() {
        let v = variables("$A and $NIC[IP, NIC_ID=0]").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[1],
            VarRef { name: "NIC".into(), attr: Some("IP".into()), filter: Some(("NIC_ID".into(), "0".into())) }
        );
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}|[$\\[\\]=,\" a-zA-Z0-9_\\\\]{0,40}") {
            let _ = sub(&text);
        }

        #[test]
        fn text_without_dollar_is_unchanged(text in "[^$]{0,80}") {
            prop_assert_eq!(sub(&text).unwrap(), text);
        }

        #[test]
        fn a_variable_resolves_in_any_surrounding(pre in "[^$\\\\]{0,20}", post in "[^$A-Za-z0-9_\\[\\\\][^$\\\\]{0,20}|") {
            prop_assert_eq!(sub(&format!("{pre}$A{post}")).unwrap(), format!("{pre}a{post}"));
        }
    }
}
