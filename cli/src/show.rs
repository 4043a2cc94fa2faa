//! `show`'s layout: section headers, `KEY : value` lines, permissions and templates as
//! OpenNebula's CLI prints them.

use crate::xmltree::Node;

/// Builds the text of a `show` page.
#[derive(Default)]
pub struct Page {
    text: String,
}

impl Page {
    pub fn new() -> Page {
        Page::default()
    }

    /// A section header (`VIRTUAL MACHINE 3 INFORMATION`), preceded by a blank line unless first.
    pub fn header(&mut self, title: &str) -> &mut Page {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(title);
        self.text.push('\n');
        self
    }

    /// `KEY                : value`.
    pub fn field(&mut self, key: &str, value: impl AsRef<str>) -> &mut Page {
        self.text.push_str(&format!("{key:<22}: {}\n", value.as_ref()));
        self
    }

    /// Raw lines (a table, a template).
    pub fn raw(&mut self, text: &str) -> &mut Page {
        self.text.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            self.text.push('\n');
        }
        self
    }

    /// The `PERMISSIONS` section of an object that has one.
    pub fn permissions(&mut self, obj: &Node) -> &mut Page {
        if obj.get("PERMISSIONS").is_none() {
            return self;
        }
        self.header("PERMISSIONS");
        for (label, who) in [("OWNER", "OWNER"), ("GROUP", "GROUP"), ("OTHER", "OTHER")] {
            self.field(label, perm_triplet(obj, who));
        }
        self
    }

    /// A template section: header plus the template in OpenNebula's text syntax.
    pub fn template(&mut self, title: &str, template: Option<&Node>) -> &mut Page {
        self.header(title);
        if let Some(t) = template {
            let text = template_text(t);
            self.raw(&text);
        }
        self
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// `um-` style permission letters of OWNER/GROUP/OTHER.
pub fn perm_triplet(obj: &Node, who: &str) -> String {
    let bit = |suffix: &str, letter: char| {
        if obj.text(&format!("PERMISSIONS/{who}_{suffix}")) == "1" { letter } else { '-' }
    };
    [bit("U", 'u'), bit("M", 'm'), bit("A", 'a')].iter().collect()
}

/// The octal mode (`600`) of an object's permissions.
pub fn perm_octal(obj: &Node) -> String {
    ["OWNER", "GROUP", "OTHER"]
        .iter()
        .map(|who| {
            let v = |s: &str| obj.int(&format!("PERMISSIONS/{who}_{s}"));
            (v("U") * 4 + v("M") * 2 + v("A")).to_string()
        })
        .collect()
}

/// A `<TEMPLATE>` element in OpenNebula's text syntax: `KEY="value"` lines and vectors as
/// `KEY=[\n  A="x",\n  B="y" ]`.
pub fn template_text(template: &Node) -> String {
    let mut out = String::new();
    for attr in &template.children {
        if attr.is_leaf() {
            out.push_str(&format!("{}=\"{}\"\n", attr.name, escape(&attr.text)));
        } else {
            out.push_str(&format!("{}=[\n", attr.name));
            let parts: Vec<String> =
                attr.children.iter().map(|c| format!("  {}=\"{}\"", c.name, escape(&c.text))).collect();
            out.push_str(&parts.join(",\n"));
            out.push_str(" ]\n");
        }
    }
    out
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `yes`/`no` of a `0`/`1` flag.
pub fn yes_no(v: &str) -> &'static str {
    if v == "1" || v.eq_ignore_ascii_case("yes") { "Yes" } else { "No" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_print_in_text_syntax_and_parse_back() {
        let t = Node::parse(
            "<TEMPLATE><CPU><![CDATA[1]]></CPU><NIC><IP><![CDATA[10.0.0.1]]></IP><NAME><![CDATA[a \"q\"]]></NAME></NIC></TEMPLATE>",
        )
        .expect("xml");
        let text = template_text(&t);
        assert_eq!(text, "CPU=\"1\"\nNIC=[\n  IP=\"10.0.0.1\",\n  NAME=\"a \\\"q\\\"\" ]\n");
        let back = libone::template::Template::parse_text(&text).expect("our own output parses");
        assert_eq!(back.get("CPU"), Some("1"));
        assert_eq!(back.vector("NIC").and_then(|v| v.get("NAME")), Some("a \"q\""));
    }

    #[test]
    fn permissions() {
        let o = Node::parse(
            "<X><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U>\
             <GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS></X>",
        )
        .expect("xml");
        assert_eq!(perm_triplet(&o, "OWNER"), "um-");
        assert_eq!(perm_triplet(&o, "GROUP"), "u--");
        assert_eq!(perm_octal(&o), "640");
        let mut p = Page::new();
        p.header("X 1 INFORMATION").field("ID", "1").permissions(&o);
        assert_eq!(
            p.finish(),
            "X 1 INFORMATION\nID                    : 1\n\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n"
        );
    }
}
