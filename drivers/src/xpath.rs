//! The logic of `one_xpath`, the helper the datastore scripts call to read values out of the
//! drv message oned sends them (`<DS_DRIVER_ACTION_DATA>`, base64 on the scripts' stdin):
//!
//! ```text
//! one_xpath [-b | -p] [-m] [INPUT] XPATH...
//! ```
//!
//! - `INPUT`: a file name, or `-` for stdin. With a single word after the options, that word is
//!   the XPATH and the input is stdin; with more, the first is always INPUT (so
//!   `one_xpath - /A/B /A/C` reads two values from stdin, `one_xpath /tmp/f /A/B` one from a file).
//! - `-b` (the default): the input is base64 (blanks and line breaks ignored); `-p`: plain XML.
//! - `XPATH`: an absolute element path, `/DS_DRIVER_ACTION_DATA/IMAGE/PATH` (element names
//!   only: no predicates, attributes or wildcards).
//! - Output: for each XPATH, one line with the text of the first element at that path
//!   (entities and CDATA resolved, text of nested elements left out); an empty line when there
//!   is no such element. With `-m`, every element at the path, one line each (none when there is
//!   none), for each XPATH in turn.
//! - Exit 0 on success; 1 (message on stderr) when the input cannot be read or decoded, or is
//!   malformed XML; 2 for a bad command line.
//!
//! The parsing is pure ([`parse_args`], [`parse_path`], [`select`]); the binary only does I/O.

use crate::xml::{XmlError, decode_payload, element_texts};
use thiserror::Error;

/// How the input is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Plain,
}

/// A parsed `one_xpath` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub encoding: Encoding,
    /// Every match instead of the first.
    pub all: bool,
    /// `None`: stdin.
    pub input: Option<String>,
    pub paths: Vec<String>,
}

/// What can go wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XpathError {
    #[error("usage: one_xpath [-b | -p] [-m] [FILE | -] /ROOT/ELEMENT/... [...]: {0}")]
    Usage(String),
    #[error("invalid xpath '{path}': {why}")]
    Path { path: String, why: &'static str },
    #[error("{0}")]
    Xml(#[from] XmlError),
}

/// Reads the command line (without the program name).
pub fn parse_args(words: &[String]) -> Result<Args, XpathError> {
    let mut args = Args { encoding: Encoding::Base64, all: false, input: None, paths: Vec::new() };
    let mut positional = Vec::new();
    let mut options_done = false;
    for word in words {
        match word.as_str() {
            "-b" | "--base64" if !options_done => args.encoding = Encoding::Base64,
            "-p" | "--plain" if !options_done => args.encoding = Encoding::Plain,
            "-m" | "--all" if !options_done => args.all = true,
            "--" if !options_done => options_done = true,
            w if !options_done && w.starts_with('-') && w != "-" => {
                return Err(XpathError::Usage(format!("unknown option {w}")));
            }
            _ => positional.push(word.clone()),
        }
    }
    // one word: the xpath (stdin); more: the input, then the xpaths
    let mut rest = positional.into_iter();
    if rest.len() > 1 {
        args.input = rest.next().filter(|f| f != "-");
    }
    args.paths = rest.collect();
    if args.paths.is_empty() {
        return Err(XpathError::Usage("no xpath given".into()));
    }
    for path in &args.paths {
        parse_path(path)?;
    }
    Ok(args)
}

/// `/A/B/C` → `["A", "B", "C"]`.
pub fn parse_path(path: &str) -> Result<Vec<&str>, XpathError> {
    let bad = |why| XpathError::Path { path: path.to_string(), why };
    let rest = path.strip_prefix('/').ok_or_else(|| bad("it must start with '/'"))?;
    let names: Vec<&str> = rest.split('/').collect();
    for name in &names {
        if name.is_empty() {
            return Err(bad("empty element name"));
        }
        let first_ok = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if !first_ok || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')) {
            return Err(bad("only element names are supported (no predicates, attributes or wildcards)"));
        }
    }
    Ok(names)
}

/// The document text of `input` in `encoding`.
pub fn decode(input: &[u8], encoding: Encoding) -> Result<String, XpathError> {
    match encoding {
        Encoding::Plain => String::from_utf8(input.to_vec()).map_err(|_| XpathError::Xml(XmlError::NotUtf8)),
        Encoding::Base64 => {
            let text = std::str::from_utf8(input).map_err(|_| XmlError::Base64("not ASCII text".into()))?;
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            Ok(decode_payload(&compact)?)
        }
    }
}

/// The output of `one_xpath` for `xml`: the lines described in the module doc, each ended by
/// `\n`.
pub fn select(xml: &str, paths: &[String], all: bool) -> Result<String, XpathError> {
    let mut out = String::new();
    for path in paths {
        let names = parse_path(path)?;
        let found = element_texts(xml, &names)?;
        if all {
            for text in found {
                out.push_str(&text);
                out.push('\n');
            }
        } else {
            out.push_str(found.first().map(String::as_str).unwrap_or(""));
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::b64_encode;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    const DATA: &str = "<DS_DRIVER_ACTION_DATA><IMAGE><ID>3</ID><PATH><![CDATA[/var/tmp/a b&c.img]]></PATH>\
        <TEMPLATE><MD5>abc</MD5><PATH>not this</PATH></TEMPLATE><SOURCE/></IMAGE>\
        <DATASTORE><ID>1</ID><BASE_PATH>/var/lib/one/datastores/1</BASE_PATH></DATASTORE>\
        <PREFETCH><HOST>h1</HOST><HOST>h2</HOST></PREFETCH></DS_DRIVER_ACTION_DATA>";

    #[test]
    fn command_lines() {
        let a = parse_args(&words(&["-b", "-", "/A/B"])).unwrap();
        assert_eq!(a, Args { encoding: Encoding::Base64, all: false, input: None, paths: words(&["/A/B"]) });
        let a = parse_args(&words(&["/A/B"])).unwrap();
        assert_eq!((a.input, a.paths), (None, words(&["/A/B"])));
        let a = parse_args(&words(&["/tmp/file", "/A/B", "/A/C"])).unwrap();
        assert_eq!((a.input, a.paths), (Some("/tmp/file".into()), words(&["/A/B", "/A/C"])));
        let a = parse_args(&words(&["-p", "-m", "file.xml", "/A"])).unwrap();
        assert_eq!((a.encoding, a.all, a.input), (Encoding::Plain, true, Some("file.xml".into())));
        let a = parse_args(&words(&["--", "-odd-file", "/A"])).unwrap();
        assert_eq!(a.input, Some("-odd-file".into()));
        assert!(matches!(parse_args(&words(&["-x", "/A"])), Err(XpathError::Usage(_))));
        assert!(matches!(parse_args(&words(&["file"])), Err(XpathError::Path { .. })));
        assert!(matches!(parse_args(&words(&[])), Err(XpathError::Usage(_))));
        assert!(matches!(parse_args(&words(&["-", "A/B"])), Err(XpathError::Path { .. })));
        assert!(matches!(parse_args(&words(&["-", "/A//B"])), Err(XpathError::Path { .. })));
        assert!(matches!(parse_args(&words(&["/A/B[1]"])), Err(XpathError::Path { .. })));
        assert!(matches!(parse_args(&words(&["/A/@x"])), Err(XpathError::Path { .. })));
        assert!(matches!(parse_args(&words(&["/A/*"])), Err(XpathError::Path { .. })));
    }

    #[test]
    fn selects_first_or_all() {
        let paths = words(&[
            "/DS_DRIVER_ACTION_DATA/IMAGE/PATH",
            "/DS_DRIVER_ACTION_DATA/IMAGE/TEMPLATE/MD5",
            "/DS_DRIVER_ACTION_DATA/IMAGE/TEMPLATE/SHA256",
            "/DS_DRIVER_ACTION_DATA/IMAGE/SOURCE",
            "/DS_DRIVER_ACTION_DATA/DATASTORE/BASE_PATH",
        ]);
        assert_eq!(select(DATA, &paths, false).unwrap(), "/var/tmp/a b&c.img\nabc\n\n\n/var/lib/one/datastores/1\n");
        let hosts = words(&["/DS_DRIVER_ACTION_DATA/PREFETCH/HOST"]);
        assert_eq!(select(DATA, &hosts, true).unwrap(), "h1\nh2\n");
        assert_eq!(select(DATA, &hosts, false).unwrap(), "h1\n");
        assert_eq!(select(DATA, &words(&["/DS_DRIVER_ACTION_DATA/NOPE"]), true).unwrap(), "");
        assert!(select("<A><B>x</A>", &words(&["/A/B"]), false).is_err());
    }

    #[test]
    fn decodes_input() {
        let b64 = b64_encode(DATA.as_bytes());
        let wrapped: String = b64.as_bytes().chunks(60).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect();
        assert_eq!(decode(wrapped.as_bytes(), Encoding::Base64).unwrap(), DATA);
        assert_eq!(decode(DATA.as_bytes(), Encoding::Plain).unwrap(), DATA);
        assert!(decode(b"<not base64>", Encoding::Base64).is_err());
        assert!(decode(&[0xff, 0xfe], Encoding::Base64).is_err());
        assert!(decode(&[0xff, 0xfe], Encoding::Plain).is_err());
    }
}
