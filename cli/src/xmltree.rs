//! A small element tree for oned's documents (`<VM>…</VM>`, `<VM_POOL>…`): enough to read
//! values by path, walk repeated children, pretty-print XML and convert to JSON the way
//! OpenNebula's CLI does (`-j`).

/// One element: its name, its text (CDATA included) and its child elements in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

/// A document oned sent that is not well-formed XML.
#[derive(Debug, thiserror::Error)]
#[error("cannot parse oned's XML answer: {0}")]
pub struct XmlError(String);

/// One piece of markup.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Start(&'a str),
    Empty(&'a str),
    End(&'a str),
    /// Character data as written (entities not yet replaced).
    Text(&'a str),
    CData(&'a str),
}

/// A scanner for the XML that oned and OpenNebula write: elements without attributes (any are
/// skipped), text with the five entities and character references, CDATA sections; the
/// declaration, comments and DOCTYPE are skipped. It borrows from the input and allocates
/// nothing, which is what makes `onevm list` over a large pool fast (see `docs/benchmarks.md`).
struct Scanner<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Self {
        Scanner { s, pos: 0 }
    }

    fn find(&self, from: usize, pat: &str) -> Result<usize, XmlError> {
        let hay = &self.s.as_bytes()[from..];
        let found = match pat.as_bytes() {
            [b] => memchr::memchr(*b, hay),
            [first, tail @ ..] => {
                // Short terminators (`]]>`, `-->`, `?>`): find the first byte, then compare;
                // cheaper than building a substring searcher for every CDATA section.
                let mut at = 0;
                loop {
                    match memchr::memchr(*first, &hay[at..]) {
                        Some(i) if hay[at + i + 1..].starts_with(tail) => break Some(at + i),
                        Some(i) => at += i + 1,
                        None => break None,
                    }
                }
            }
            [] => Some(0),
        };
        found.map(|i| from + i).ok_or_else(|| XmlError(format!("unterminated markup at byte {}", self.pos)))
    }

    fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
        loop {
            let rest = &self.s[self.pos..];
            if rest.is_empty() {
                return Ok(None);
            }
            if !rest.starts_with('<') {
                let end = memchr::memchr(b'<', rest.as_bytes()).map_or(self.s.len(), |i| self.pos + i);
                let text = &self.s[self.pos..end];
                self.pos = end;
                return Ok(Some(Token::Text(text)));
            }
            if rest.starts_with("<![CDATA[") {
                let end = self.find(self.pos + 9, "]]>")?;
                let data = &self.s[self.pos + 9..end];
                self.pos = end + 3;
                return Ok(Some(Token::CData(data)));
            }
            let skip_to = if rest.starts_with("<!--") {
                Some("-->")
            } else if rest.starts_with("<?") {
                Some("?>")
            } else if rest.starts_with("<!") {
                Some(">")
            } else {
                None
            };
            if let Some(pat) = skip_to {
                self.pos = self.find(self.pos + 2, pat)? + pat.len();
                continue;
            }
            let close = self.find(self.pos + 1, ">")?;
            let inner = &self.s[self.pos + 1..close];
            self.pos = close + 1;
            if let Some(name) = inner.strip_prefix('/') {
                return Ok(Some(Token::End(name.trim())));
            }
            let (body, empty) = match inner.strip_suffix('/') {
                Some(b) => (b, true),
                None => (inner, false),
            };
            let name = match body.bytes().position(|b| b.is_ascii_whitespace()) {
                Some(i) => &body[..i],
                None => body,
            };
            if name.is_empty() {
                return Err(XmlError(format!("element without a name at byte {close}")));
            }
            return Ok(Some(if empty { Token::Empty(name) } else { Token::Start(name) }));
        }
    }
}

/// Appends `raw` character data with its entity and character references replaced.
fn push_text(out: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..semi];
        let ch = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Deepest nesting accepted (oned's documents are about 5 deep).
const MAX_DEPTH: usize = 128;

fn unterminated(name: &str) -> XmlError {
    XmlError(format!("<{name}> is never closed"))
}

/// Reads the content of `node`, whose start tag was just read, up to and including its end
/// tag. The node's text and children are overwritten in place, reusing their allocations, so
/// parsing object after object into the same `Node` allocates almost nothing.
fn fill(node: &mut Node, sc: &mut Scanner<'_>, depth: usize) -> Result<(), XmlError> {
    if depth > MAX_DEPTH {
        return Err(XmlError(format!("elements nested deeper than {MAX_DEPTH}")));
    }
    node.text.clear();
    let mut used = 0;
    loop {
        match sc.next()? {
            None => return Err(unterminated(&node.name)),
            Some(Token::Start(name)) => {
                let child = slot(node, used, name);
                used += 1;
                fill(child, sc, depth + 1)?;
            }
            Some(Token::Empty(name)) => {
                let child = slot(node, used, name);
                used += 1;
                child.text.clear();
                child.children.clear();
            }
            Some(Token::End(name)) => {
                if name != node.name {
                    return Err(XmlError(format!("</{name}> closes <{}>", node.name)));
                }
                node.children.truncate(used);
                return Ok(());
            }
            Some(Token::Text(t)) => push_text(&mut node.text, t),
            Some(Token::CData(t)) => node.text.push_str(t),
        }
    }
}

/// The `n`th child of `node`, reused or appended, renamed to `name`.
fn slot<'n>(node: &'n mut Node, n: usize, name: &str) -> &'n mut Node {
    if n == node.children.len() {
        node.children.push(Node::default());
    }
    let child = &mut node.children[n];
    child.name.clear();
    child.name.push_str(name);
    child
}

/// Reads up to the root element's start tag; `Ok(None)` for an empty root (`<X/>`).
fn root_start<'a>(sc: &mut Scanner<'a>) -> Result<(&'a str, bool), XmlError> {
    loop {
        match sc.next()? {
            None => return Err(XmlError("no root element".into())),
            Some(Token::Start(name)) => return Ok((name, true)),
            Some(Token::Empty(name)) => return Ok((name, false)),
            Some(Token::Text(t)) if t.trim().is_empty() => {}
            Some(_) => return Err(XmlError("content before the root element".into())),
        }
    }
}

/// Checks that only whitespace (and comments) follow the root element.
fn epilogue(sc: &mut Scanner<'_>) -> Result<(), XmlError> {
    loop {
        match sc.next()? {
            None => return Ok(()),
            Some(Token::Text(t)) if t.trim().is_empty() => {}
            Some(_) => return Err(XmlError("content after the root element".into())),
        }
    }
}

impl Node {
    /// Parses a document and returns its root element.
    pub fn parse(xml: &str) -> Result<Node, XmlError> {
        let mut sc = Scanner::new(xml);
        let (name, open) = root_start(&mut sc)?;
        let mut root = Node { name: name.to_string(), ..Node::default() };
        if open {
            fill(&mut root, &mut sc, 0)?;
        }
        epilogue(&mut sc)?;
        Ok(root)
    }

    /// Streams a pool document: calls `f` with each child of the root element called `item`,
    /// one at a time, without keeping them: a 1,000-VM pool never exists as one tree, and
    /// each object is parsed into the allocations of the previous one.
    pub fn for_each_item(xml: &str, item: &str, mut f: impl FnMut(&Node)) -> Result<(), XmlError> {
        let mut sc = Scanner::new(xml);
        let (root, open) = root_start(&mut sc)?;
        if !open {
            return epilogue(&mut sc);
        }
        let mut cur = Node::default();
        loop {
            match sc.next()? {
                None => return Err(unterminated(root)),
                Some(Token::Start(name)) => {
                    cur.name.clear();
                    cur.name.push_str(name);
                    fill(&mut cur, &mut sc, 1)?;
                    if name == item {
                        f(&cur);
                    }
                }
                Some(Token::Empty(name)) => {
                    if name == item {
                        f(&Node { name: name.to_string(), ..Node::default() });
                    }
                }
                Some(Token::End(name)) if name == root => return epilogue(&mut sc),
                Some(Token::End(name)) => {
                    return Err(XmlError(format!("</{name}> closes <{root}>")));
                }
                Some(Token::Text(_) | Token::CData(_)) => {}
            }
        }
    }

    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a `/`-separated path below this one (`TEMPLATE/CPU`).
    pub fn get(&self, path: &str) -> Option<&Node> {
        path.split('/').filter(|p| !p.is_empty()).try_fold(self, |n, part| n.child(part))
    }

    /// The text at `path`, or `""` when the element is absent.
    pub fn text(&self, path: &str) -> &str {
        self.get(path).map(|n| n.text.as_str()).unwrap_or("")
    }

    /// The text at `path` as an integer (absent or not a number: 0).
    pub fn int(&self, path: &str) -> i64 {
        let t = self.text(path).trim();
        t.parse::<i64>().ok().or_else(|| t.parse::<f64>().ok().map(|f| f as i64)).unwrap_or(0)
    }

    /// The text at `path` as a float (absent or not a number: 0).
    pub fn float(&self, path: &str) -> f64 {
        self.text(path).trim().parse::<f64>().unwrap_or(0.0)
    }

    /// The texts of the `ID` children of the element at `path` (`HOSTS/ID`, `VMS/ID`).
    pub fn ids(&self, path: &str) -> Vec<String> {
        self.get(path).map(|n| n.all("ID").map(|c| c.text.clone()).collect()).unwrap_or_default()
    }

    /// True for an element with no children (a value).
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// The document re-indented by two spaces per level, values escaped.
    pub fn to_pretty_xml(&self) -> String {
        let mut out = String::new();
        self.write_pretty(0, &mut out);
        out
    }

    fn write_pretty(&self, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        if self.is_leaf() {
            if self.text.is_empty() {
                out.push_str(&format!("{pad}<{}/>\n", self.name));
            } else {
                let mut v = String::new();
                libone::template::escape_xml(&self.text, &mut v);
                out.push_str(&format!("{pad}<{0}>{v}</{0}>\n", self.name));
            }
            return;
        }
        out.push_str(&format!("{pad}<{}>\n", self.name));
        for c in &self.children {
            c.write_pretty(depth + 1, out);
        }
        out.push_str(&format!("{pad}</{}>\n", self.name));
    }

    /// OpenNebula's JSON form: `{"NAME": value}` where a value is a string for a leaf, an
    /// object for an element with children, and repeated children become an array.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        root.insert(self.name.clone(), self.json_value());
        serde_json::Value::Object(root)
    }

    fn json_value(&self) -> serde_json::Value {
        use serde_json::Value;
        if self.is_leaf() {
            return Value::String(self.text.clone());
        }
        let mut map = serde_json::Map::new();
        for c in &self.children {
            let v = c.json_value();
            match map.get_mut(&c.name) {
                Some(Value::Array(items)) if self.all(&c.name).count() > 1 => items.push(v),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, v]);
                }
                None => {
                    map.insert(c.name.clone(), v);
                }
            }
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM: &str = "<VM><ID>7</ID><NAME>a &amp; b</NAME><TEMPLATE><CPU><![CDATA[0.5]]></CPU>\
        <NIC><IP><![CDATA[10.0.0.1]]></IP></NIC><NIC><IP><![CDATA[10.0.0.2]]></IP></NIC></TEMPLATE>\
        <HISTORY_RECORDS/></VM>";

    #[test]
    fn paths_texts_and_numbers() {
        let n = Node::parse(VM).expect("parses");
        assert_eq!(n.name, "VM");
        assert_eq!(n.text("NAME"), "a & b");
        assert_eq!(n.text("TEMPLATE/CPU"), "0.5");
        assert_eq!(n.float("TEMPLATE/CPU"), 0.5);
        assert_eq!(n.int("ID"), 7);
        assert_eq!(n.text("TEMPLATE/MISSING"), "");
        assert_eq!(n.get("TEMPLATE").map(|t| t.all("NIC").count()), Some(2));
        assert!(n.get("HISTORY_RECORDS").is_some_and(Node::is_leaf));
    }

    #[test]
    fn json_turns_repeats_into_arrays() {
        let n = Node::parse(VM).expect("parses");
        let j = n.to_json();
        assert_eq!(j["VM"]["ID"], "7");
        assert_eq!(j["VM"]["TEMPLATE"]["NIC"][1]["IP"], "10.0.0.2");
        assert_eq!(j["VM"]["TEMPLATE"]["CPU"], "0.5");
        let three = Node::parse("<P><X>1</X><X>2</X><X>3</X></P>").expect("parses");
        assert_eq!(three.to_json()["P"]["X"], serde_json::json!(["1", "2", "3"]));
    }

    #[test]
    fn pretty_xml_round_trips() {
        let n = Node::parse(VM).expect("parses");
        let again = Node::parse(&n.to_pretty_xml()).expect("re-parses");
        // Indentation whitespace is only between elements, so texts survive.
        assert_eq!(again.text("NAME"), "a & b");
        assert_eq!(again.text("TEMPLATE/NIC/IP"), "10.0.0.1");
    }

    #[test]
    fn items_stream_one_at_a_time() {
        let pool = "<VM_POOL><VM><ID>1</ID><T><A>x &lt; y</A></T></VM><QUOTAS><ID>1</ID></QUOTAS><VM><ID>2</ID></VM><VM/></VM_POOL>";
        let mut seen = Vec::new();
        Node::for_each_item(pool, "VM", |n| seen.push((n.text("ID").to_string(), n.text("T/A").to_string())))
            .expect("parses");
        assert_eq!(seen, [("1".into(), "x < y".into()), ("2".into(), String::new()), (String::new(), String::new())]);
        assert!(Node::for_each_item("<P><VM><ID>1</VM></P>", "VM", |_| {}).is_err());
    }

    /// The reference: the same tree built with quick-xml.
    fn oracle(xml: &str) -> Option<Node> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut stack: Vec<Node> = Vec::new();
        loop {
            let ev = reader.read_event().ok()?;
            match ev {
                Event::Start(e) => stack.push(Node { name: e.name().as_ref().to_string(), ..Node::default() }),
                Event::Empty(e) => {
                    let n = Node { name: e.name().as_ref().to_string(), ..Node::default() };
                    match stack.last_mut() {
                        Some(p) => p.children.push(n),
                        None => return Some(n),
                    }
                }
                Event::End(_) => {
                    let n = stack.pop()?;
                    match stack.last_mut() {
                        Some(p) => p.children.push(n),
                        None => return Some(n),
                    }
                }
                Event::Text(t) => stack.last_mut()?.text.push_str(&t.xml10_content()),
                Event::CData(t) => stack.last_mut()?.text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().ok()? {
                        Some(c) => c,
                        None => match r.as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "quot" => '"',
                            "apos" => '\'',
                            _ => return None,
                        },
                    };
                    stack.last_mut()?.text.push(c);
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    }

    /// Writes `n` with the text escaped or in CDATA, as oned does for different elements.
    fn write(n: &Node, cdata: bool, out: &mut String) {
        if n.children.is_empty() && n.text.is_empty() {
            out.push_str(&format!("<{}/>", n.name));
            return;
        }
        out.push_str(&format!("<{}>", n.name));
        if !n.text.is_empty() {
            if cdata && !n.text.contains("]]>") {
                out.push_str(&format!("<![CDATA[{}]]>", n.text));
            } else {
                let mut e = String::new();
                libone::template::escape_xml(&n.text, &mut e);
                out.push_str(&e);
            }
        }
        for c in &n.children {
            write(c, !cdata, out);
        }
        out.push_str(&format!("</{}>", n.name));
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Node> {
        use proptest::prelude::*;
        let leaf = ("[A-Z_]{1,8}", "[ -~\u{e9}\u{4e2d}&<>\"']{0,12}").prop_map(|(name, text)| Node {
            name,
            text,
            children: Vec::new(),
        });
        leaf.prop_recursive(4, 48, 6, |inner| {
            ("[A-Z_]{1,8}", proptest::collection::vec(inner, 1..6)).prop_map(|(name, children)| Node {
                name,
                text: String::new(),
                children,
            })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The hand-written scanner builds the same tree as quick-xml, for CDATA and escaped
        /// text, with a declaration and a comment in front.
        #[test]
        fn scanner_agrees_with_quick_xml(t in tree(), cdata: bool) {
            let mut xml = String::from("<?xml version=\"1.0\"?><!-- c -->");
            write(&t, cdata, &mut xml);
            let ours = Node::parse(&xml).expect("our parser");
            let reference = oracle(&xml);
            proptest::prop_assert_eq!(Some(&ours), reference.as_ref());
            proptest::prop_assert_eq!(&ours, &t);
            let mut items = Vec::new();
            Node::for_each_item(&xml, &t.children.first().map(|c| c.name.clone()).unwrap_or_default(), |n| items.push(n.clone()))
                .expect("streams");
            let expected: Vec<Node> = t.children.iter().filter(|c| Some(&c.name) == t.children.first().map(|f| &f.name)).cloned().collect();
            proptest::prop_assert_eq!(items, expected);
        }

        /// Arbitrary input never panics.
        #[test]
        fn scanner_never_panics(s in "[<>/!?\\[\\]CDATA&;#x a-z]{0,40}") {
            let _ = Node::parse(&s);
            let _ = Node::for_each_item(&s, "a", |_| {});
        }
    }

    #[test]
    fn entities_attributes_and_whitespace() {
        let n = Node::parse(
            "<?xml version=\"1.0\"?>\n<A x=\"1\">\n  <B>&#65;&#x42;&amp;&bogus;&lt</B>\n  <C/>\n  <D k='v'/>\n</A>\n",
        )
        .expect("parses");
        assert_eq!(n.text("B"), "AB&&bogus;&lt");
        assert_eq!(n.children.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["B", "C", "D"]);
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(Node::parse("<A></B>").is_err());
        assert!(Node::parse("<A/><B/>").is_err());
        assert!(Node::parse("text<A/>").is_err());
        assert!(Node::parse("<A><![CDATA[x</A>").is_err());
        assert!(Node::parse("< >").is_err());
        assert!(Node::parse("<VM><ID>1</VM>").is_err());
        assert!(Node::parse("").is_err());
        assert!(Node::parse("<VM><ID>1</ID>").is_err());
    }
}
