//! Reading the few values the exec drivers need from the XML documents oned sends
//! (`<VMM_DRIVER_ACTION_DATA>`, `<HOST>`): the direct children of the root element.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use thiserror::Error;

/// A document that is not the XML expected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum XmlError {
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("no root element in the XML")]
    NoRoot,
    #[error("expected <{expected}> as the root element, found <{found}>")]
    WrongRoot { expected: String, found: String },
}

/// One direct child of the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child<'a> {
    pub name: String,
    /// Its character data (text, CDATA, references), without the text of nested elements.
    pub text: String,
    /// The element as written, start tag to end tag.
    pub raw: &'a str,
}

/// The root element's name and its direct children, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevel<'a> {
    pub root: String,
    pub children: Vec<Child<'a>>,
}

impl<'a> TopLevel<'a> {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Child<'a>> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child called `name`, trimmed; empty when there is none.
    pub fn text(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.trim().to_string()).unwrap_or_default()
    }

    /// Fails unless the root element is `expected`.
    pub fn expect_root(self, expected: &str) -> Result<Self, XmlError> {
        if self.root == expected {
            Ok(self)
        } else {
            Err(XmlError::WrongRoot { expected: expected.into(), found: self.root })
        }
    }
}

/// Parses `xml` down to the children of its root.
pub fn top_level(xml: &str) -> Result<TopLevel<'_>, XmlError> {
    let mut reader = Reader::from_str(xml);
    let malformed =
        |reader: &Reader<&[u8]>, message: String| XmlError::Malformed { position: reader.buffer_position(), message };
    // the root
    let root = loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => break qname(start.name()),
            Ok(Event::Empty(empty)) => {
                return Ok(TopLevel { root: qname(empty.name()), children: Vec::new() });
            }
            Ok(Event::Eof) => return Err(XmlError::NoRoot),
            Ok(_) => {}
            Err(e) => return Err(malformed(&reader, e.to_string())),
        }
    };
    let mut children = Vec::new();
    // (name, start offset, text, depth below the child)
    let mut current: Option<(String, usize, String, usize)> = None;
    loop {
        let before = offset(&reader);
        let event = reader.read_event().map_err(|e| malformed(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => match current.as_mut() {
                Some((_, _, _, depth)) => *depth += 1,
                None => {
                    let name = qname(start.name());
                    current = Some((name, before, String::new(), 0));
                }
            },
            Event::Empty(empty) => {
                if current.is_none() {
                    let name = qname(empty.name());
                    let raw = slice(xml, before, offset(&reader));
                    children.push(Child { name, text: String::new(), raw });
                }
            }
            Event::End(_) => match current.take() {
                Some((name, start, text, 0)) => {
                    let raw = slice(xml, start, offset(&reader));
                    children.push(Child { name, text, raw });
                }
                Some((name, start, text, depth)) => current = Some((name, start, text, depth - 1)),
                None => return Ok(TopLevel { root, children }),
            },
            Event::Text(text) => {
                if let Some((_, _, buffer, 0)) = current.as_mut() {
                    buffer.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some((_, _, buffer, 0)) = current.as_mut() {
                    buffer.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => return Err(malformed(&reader, format!("invalid character reference &{};", &*reference))),
                    }
                } else {
                    match resolve_predefined_entity(&reference) {
                        Some(s) => s.to_string(),
                        None => return Err(malformed(&reader, format!("unknown entity &{};", &*reference))),
                    }
                };
                if let Some((_, _, buffer, 0)) = current.as_mut() {
                    buffer.push_str(&resolved);
                }
            }
            Event::Eof => return Err(malformed(&reader, format!("element <{root}> is not closed"))),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
    }
}

fn qname(name: quick_xml::name::QName<'_>) -> String {
    let name: &str = name.as_ref();
    name.to_owned()
}

fn offset(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

fn slice(xml: &str, start: usize, end: usize) -> &str {
    xml.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = "<?xml version=\"1.0\"?>\n<VMM_DRIVER_ACTION_DATA><HOST>h1</HOST><MIGR_HOST/>\
        <DEPLOY_ID><![CDATA[one-7]]></DEPLOY_ID><CHECKPOINT_FILE>/var/a &amp; b</CHECKPOINT_FILE>\
        <VM><ID>7</ID><DEPLOY_ID>nested</DEPLOY_ID><TEMPLATE><HOST>not me</HOST></TEMPLATE></VM>\
        </VMM_DRIVER_ACTION_DATA>";

    #[test]
    fn reads_direct_children_only() {
        let top = top_level(DATA).unwrap().expect_root("VMM_DRIVER_ACTION_DATA").unwrap();
        assert_eq!(top.text("HOST"), "h1");
        assert_eq!(top.text("MIGR_HOST"), "");
        assert_eq!(top.text("DEPLOY_ID"), "one-7");
        assert_eq!(top.text("CHECKPOINT_FILE"), "/var/a & b");
        assert_eq!(top.text("MISSING"), "");
        let vm = top.child("VM").unwrap();
        assert!(vm.raw.starts_with("<VM><ID>7</ID>") && vm.raw.ends_with("</TEMPLATE></VM>"), "{}", vm.raw);
        let vm_top = top_level(vm.raw).unwrap();
        assert_eq!(vm_top.root, "VM");
        assert_eq!(vm_top.text("ID"), "7");
        assert_eq!(vm_top.text("DEPLOY_ID"), "nested");
    }

    #[test]
    fn errors() {
        assert_eq!(top_level(""), Err(XmlError::NoRoot));
        assert!(matches!(top_level("<A><B>x</A>"), Err(XmlError::Malformed { .. })));
        assert!(matches!(top_level("<A><B>x</B>"), Err(XmlError::Malformed { .. })));
        assert!(matches!(top_level("<A>&bogus;</A>"), Err(XmlError::Malformed { .. })));
        assert!(matches!(top_level("<HOST/>").unwrap().expect_root("VM"), Err(XmlError::WrongRoot { .. })));
    }

    #[test]
    fn character_references() {
        let top = top_level("<HOST><NAME>a&#x41;&#66;&lt;</NAME></HOST>").unwrap();
        assert_eq!(top.text("NAME"), "aAB<");
    }
}
