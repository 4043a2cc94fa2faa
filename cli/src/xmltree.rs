//! A small element tree for oned's documents (`<VM>…</VM>`, `<VM_POOL>…`): enough to read
//! values by path, walk repeated children, pretty-print XML and convert to JSON the way
//! OpenNebula's CLI does (`-j`).

use quick_xml::Reader;
use quick_xml::events::Event;

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

impl Node {
    /// Parses a document and returns its root element.
    pub fn parse(xml: &str) -> Result<Node, XmlError> {
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<Node> = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = e.name().as_ref().to_string();
                    stack.push(Node {
                        name,
                        ..Node::default()
                    });
                }
                Ok(Event::Empty(e)) => {
                    let name = e.name().as_ref().to_string();
                    let node = Node {
                        name,
                        ..Node::default()
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Ok(Event::End(_)) => {
                    let node = stack
                        .pop()
                        .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Ok(Event::Text(t)) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    if let Some(top) = stack.last_mut() {
                        if let Ok(Some(c)) = r.resolve_char_ref() {
                            top.text.push(c);
                        } else {
                            let name: &str = r.as_ref();
                            top.text.push_str(match name {
                                "lt" => "<",
                                "gt" => ">",
                                "amp" => "&",
                                "quot" => "\"",
                                "apos" => "'",
                                _ => "",
                            });
                        }
                    }
                }
                Ok(Event::CData(t)) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Ok(Event::Eof) => return Err(XmlError("no root element".into())),
                Ok(_) => {}
                Err(e) => return Err(XmlError(e.to_string())),
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
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(self, |n, part| n.child(part))
    }

    /// The text at `path`, or `""` when the element is absent.
    pub fn text(&self, path: &str) -> &str {
        self.get(path).map(|n| n.text.as_str()).unwrap_or("")
    }

    /// The text at `path` as an integer (absent or not a number: 0).
    pub fn int(&self, path: &str) -> i64 {
        let t = self.text(path).trim();
        t.parse::<i64>()
            .ok()
            .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
            .unwrap_or(0)
    }

    /// The text at `path` as a float (absent or not a number: 0).
    pub fn float(&self, path: &str) -> f64 {
        self.text(path).trim().parse::<f64>().unwrap_or(0.0)
    }

    /// The texts of the `ID` children of the element at `path` (`HOSTS/ID`, `VMS/ID`).
    pub fn ids(&self, path: &str) -> Vec<String> {
        self.get(path)
            .map(|n| n.all("ID").map(|c| c.text.clone()).collect())
            .unwrap_or_default()
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
        assert_eq!(
            three.to_json()["P"]["X"],
            serde_json::json!(["1", "2", "3"])
        );
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
    fn broken_documents_are_errors() {
        assert!(Node::parse("<VM><ID>1</VM>").is_err());
        assert!(Node::parse("").is_err());
        assert!(Node::parse("<VM><ID>1</ID>").is_err());
    }
}
