//! A tiny XML extraction helper for driver payloads: the text of one element found by its
//! path from the root (`["VMM_DRIVER_ACTION_DATA", "HOST"]`, `["HOST", "NAME"]`), and the
//! decoding of a base64 XML payload.

use crate::proto::b64_decode;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};
use thiserror::Error;

/// Why a payload could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum XmlError {
    /// The payload is not base64.
    #[error("payload is not base64: {0}")]
    Base64(String),
    /// The decoded payload is not UTF-8.
    #[error("payload is not UTF-8 text")]
    NotUtf8,
    /// The XML is malformed (or ends inside the element being read).
    #[error("malformed XML: {0}")]
    Malformed(String),
}

/// The text of a base64 payload.
pub fn decode_payload(payload: &str) -> Result<String, XmlError> {
    let bytes = b64_decode(payload.trim()).map_err(|e| XmlError::Base64(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)
}

/// The character data of the first element at `path` (names from the root element down),
/// with entities and CDATA resolved and the text of nested elements left out; `Some("")` for
/// an empty element, `None` when there is no such element. Only what is read up to that
/// element must be well-formed.
pub fn element_text(xml: &str, path: &[&str]) -> Result<Option<String>, XmlError> {
    if path.is_empty() {
        return Ok(None);
    }
    let mut reader = Reader::from_str(xml);
    // `depth`: elements open now; `matched`: how many of them are the first entries of `path`.
    let mut depth = 0usize;
    let mut matched = 0usize;
    loop {
        match reader.read_event().map_err(|e| XmlError::Malformed(e.to_string()))? {
            Event::Start(start) => {
                if matched == depth && start.name().as_ref() == path[depth] {
                    matched += 1;
                    if matched == path.len() {
                        return text_until_end(&mut reader).map(Some);
                    }
                }
                depth += 1;
            }
            Event::Empty(empty)
                if matched == depth && depth + 1 == path.len() && empty.name().as_ref() == path[depth] =>
            {
                return Ok(Some(String::new()));
            }
            Event::End(_) => {
                if matched == depth {
                    matched = matched.saturating_sub(1);
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    // The root element is closed: nothing after it can match.
                    return Ok(None);
                }
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// The character data of every element at `path` (names from the root element down), in
/// document order, each read as [`element_text`] reads one; empty when there is none. The
/// whole document up to the root's end must be well-formed.
pub fn element_texts(xml: &str, path: &[&str]) -> Result<Vec<String>, XmlError> {
    let mut found = Vec::new();
    if path.is_empty() {
        return Ok(found);
    }
    let mut reader = Reader::from_str(xml);
    // as in `element_text`; a matched element is consumed whole, so `depth` does not change
    let mut depth = 0usize;
    let mut matched = 0usize;
    loop {
        match reader.read_event().map_err(|e| XmlError::Malformed(e.to_string()))? {
            Event::Start(start) => {
                if matched == depth && start.name().as_ref() == path[depth] {
                    if matched + 1 == path.len() {
                        found.push(text_until_end(&mut reader)?);
                        continue;
                    }
                    matched += 1;
                }
                depth += 1;
            }
            Event::Empty(empty)
                if matched == depth && depth + 1 == path.len() && empty.name().as_ref() == path[depth] =>
            {
                found.push(String::new());
            }
            Event::End(_) => {
                if matched == depth {
                    matched = matched.saturating_sub(1);
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(found);
                }
            }
            Event::Eof => return Ok(found),
            _ => {}
        }
    }
}

/// The direct character data of the element just opened, up to its end tag.
fn text_until_end(reader: &mut Reader<&[u8]>) -> Result<String, XmlError> {
    let mut text = String::new();
    let mut nested = 0usize;
    loop {
        match reader.read_event().map_err(|e| XmlError::Malformed(e.to_string()))? {
            Event::Text(data) if nested == 0 => text.push_str(&data.xml10_content()),
            Event::CData(data) if nested == 0 => text.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) if nested == 0 => push_reference(&mut text, &reference)?,
            Event::Start(_) => nested += 1,
            Event::End(_) if nested == 0 => return Ok(text),
            Event::End(_) => nested -= 1,
            Event::Eof => return Err(XmlError::Malformed("the document ends inside the element".into())),
            _ => {}
        }
    }
}

fn push_reference(text: &mut String, reference: &BytesRef<'_>) -> Result<(), XmlError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => {
                text.push(c);
                Ok(())
            }
            _ => Err(XmlError::Malformed(format!("invalid character reference &{};", &**reference))),
        };
    }
    let resolved = resolve_predefined_entity(reference)
        .ok_or_else(|| XmlError::Malformed(format!("unknown entity &{};", &**reference)))?;
    text.push_str(resolved);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::b64_encode;

    const ACTION: &str = "<VMM_DRIVER_ACTION_DATA><HOST>node1</HOST><MIGR_HOST/><DEPLOY_ID></DEPLOY_ID>\
        <VM><ID>42</ID><HOST>not this one</HOST><TEMPLATE><NAME>x</NAME></TEMPLATE></VM></VMM_DRIVER_ACTION_DATA>";

    #[test]
    fn finds_elements_by_path_from_the_root() {
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "HOST"]), Ok(Some("node1".into())));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "VM", "HOST"]), Ok(Some("not this one".into())));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "VM", "ID"]), Ok(Some("42".into())));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "MIGR_HOST"]), Ok(Some(String::new())));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "DEPLOY_ID"]), Ok(Some(String::new())));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "CHECKPOINT_FILE"]), Ok(None));
        assert_eq!(element_text(ACTION, &["HOST"]), Ok(None));
        assert_eq!(element_text(ACTION, &["VMM_DRIVER_ACTION_DATA", "NAME"]), Ok(None));
        assert_eq!(element_text(ACTION, &[]), Ok(None));
    }

    #[test]
    fn resolves_entities_and_cdata_and_skips_nested_text() {
        let xml = "<HOST><NAME>a&amp;b&#33;<![CDATA[<c>]]><X>nested</X>d</NAME></HOST>";
        assert_eq!(element_text(xml, &["HOST", "NAME"]), Ok(Some("a&b!<c>d".into())));
    }

    #[test]
    fn reports_malformed_xml() {
        assert!(matches!(element_text("<HOST><NAME>a</HOST>", &["HOST", "NAME"]), Err(XmlError::Malformed(_))));
        assert!(matches!(element_text("<HOST><NAME>a", &["HOST", "NAME"]), Err(XmlError::Malformed(_))));
        assert!(matches!(
            element_text("<HOST><NAME>&nope;</NAME></HOST>", &["HOST", "NAME"]),
            Err(XmlError::Malformed(_))
        ));
        assert_eq!(element_text("not xml at all", &["HOST", "NAME"]), Ok(None));
    }

    #[test]
    fn finds_every_element_at_a_path() {
        let xml = "<D><P><H>h1</H><X><H>nested</H></X><H/><H>h&amp;3</H></P><H>top</H><P><H>h4</H></P></D>";
        assert_eq!(
            element_texts(xml, &["D", "P", "H"]),
            Ok(vec!["h1".into(), String::new(), "h&3".into(), "h4".into()])
        );
        assert_eq!(element_texts(xml, &["D", "H"]), Ok(vec!["top".into()]));
        assert_eq!(element_texts(xml, &["D", "Q"]), Ok(vec![]));
        assert_eq!(element_texts(xml, &[]), Ok(vec![]));
        assert!(matches!(element_texts("<D><H>a</D>", &["D", "H"]), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn decodes_base64_payloads() {
        assert_eq!(decode_payload(&b64_encode(b"<HOST/>")), Ok("<HOST/>".into()));
        assert!(matches!(decode_payload("***"), Err(XmlError::Base64(_))));
        assert_eq!(decode_payload(&b64_encode(&[0xff, 0xfe])), Err(XmlError::NotUtf8));
    }
}
