//! Tests of the codec: exact writer output, every value type and document form the readers
//! accept or refuse, real-client fixtures (Python `xmlrpc.client`, Ruby `xmlrpc`, xmlrpc-c as
//! used by OpenNebula), property-based round trips with dxr as an oracle, and robustness.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

const OK_HEAD: &str = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>\
<value><boolean>1</boolean></value><value>";
const OK_TAIL: &str = "</value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>";
const RESP_HEAD: &str = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value>";
const RESP_TAIL: &str = "</value></param></params></methodResponse>";

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn dt(text: &str) -> Value {
    Value::DateTime(text.parse().expect("valid dateTime"))
}

fn strukt(members: &[(&str, Value)]) -> Value {
    Value::Struct(members.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

/// A call to `m` with one parameter whose `<value>` content is `inner`.
fn call_with(inner: &str) -> String {
    format!("<methodCall><methodName>m</methodName><params><param><value>{inner}</value></param></params></methodCall>")
}

fn param(inner: &str) -> Value {
    match parse_call(&call_with(inner)) {
        Ok(Call { method, mut params }) if method == "m" && params.len() == 1 => params.remove(0),
        other => panic!("{inner:?} parsed as {other:?}"),
    }
}

fn malformed_call(doc: &str) -> String {
    match parse_call(doc) {
        Err(CodecError::Malformed(m)) => m,
        Ok(c) => panic!("{doc:?} should be refused, parsed as {c:?}"),
    }
}

fn ok_array(v: Value) -> Response {
    Response::Value(Value::Array(vec![Value::Boolean(true), v, Value::Integer(0)]))
}

// ---------------------------------------------------------------------------------------------
// Writers: exact output

#[test]
fn escape_string_escapes_amp_lt_gt_only() {
    let mut out = String::from("keep:");
    escape_string("a&b<c>d \"q\" 'a' ]]> é\u{1F600}\r\n", &mut out);
    assert_eq!(out, "keep:a&amp;b&lt;c&gt;d \"q\" 'a' ]]&gt; é\u{1F600}\r\n");
    let mut out = String::new();
    escape_string("", &mut out);
    assert_eq!(out, "");
    let mut out = String::new();
    escape_string("<<&&>>", &mut out);
    assert_eq!(out, "&lt;&lt;&amp;&amp;&gt;&gt;");
    let mut out = String::new();
    escape_string("plain text without specials", &mut out);
    assert_eq!(out, "plain text without specials");
}

#[test]
fn escape_string_replaces_what_xml_cannot_carry() {
    let mut out = String::new();
    escape_string("a\u{1}b&\0<\u{FFFF}\u{FFFE}\u{B}\t\u{FFFD}", &mut out);
    assert_eq!(out, "a\u{FFFD}b&amp;\u{FFFD}&lt;\u{FFFD}\u{FFFD}\u{FFFD}\t\u{FFFD}");
    let call = write_call(
        "m\u{1}",
        &[Value::Struct(BTreeMap::from([("k\u{1F}".to_string(), Value::String("\u{1}".into()))]))],
    );
    assert_eq!(
        parse_call(&call),
        Ok(Call {
            method: "m\u{FFFD}".into(),
            params: vec![Value::Struct(BTreeMap::from([("k\u{FFFD}".to_string(), Value::String("\u{FFFD}".into()))]))],
        })
    );
}

#[test]
fn ok_string_exact() {
    assert_eq!(
        ok_string("<VM><NAME>a & b</NAME></VM>"),
        "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>\
         <value><boolean>1</boolean></value>\
         <value><string>&lt;VM&gt;&lt;NAME&gt;a &amp; b&lt;/NAME&gt;&lt;/VM&gt;</string></value>\
         <value><i4>0</i4></value></data></array></value></param></params></methodResponse>"
    );
    assert_eq!(ok_string(""), format!("{OK_HEAD}<string></string>{OK_TAIL}"));
}

#[test]
fn ok_escaped_parts_concatenates_without_escaping_again() {
    let mut a = String::new();
    escape_string("<VM_POOL>", &mut a);
    let mut b = String::new();
    escape_string("<VM><ID>1</ID></VM>", &mut b);
    let out = ok_escaped_parts([a.as_str(), b.as_str(), "&lt;/VM_POOL&gt;"], 10);
    assert_eq!(
        out,
        format!(
            "{OK_HEAD}<string>&lt;VM_POOL&gt;&lt;VM&gt;&lt;ID&gt;1&lt;/ID&gt;&lt;/VM&gt;&lt;/VM_POOL&gt;</string>{OK_TAIL}"
        )
    );
    assert_eq!(ok_escaped_parts(std::iter::empty(), 0), ok_string(""));
    assert_eq!(parse_response(&out), Ok(ok_array(s("<VM_POOL><VM><ID>1</ID></VM></VM_POOL>"))));
}

#[test]
fn ok_int_i8_bool_exact() {
    assert_eq!(ok_int(42), format!("{OK_HEAD}<i4>42</i4>{OK_TAIL}"));
    assert_eq!(ok_int(-2147483648), format!("{OK_HEAD}<i4>-2147483648</i4>{OK_TAIL}"));
    assert_eq!(ok_i8(9_000_000_000), format!("{OK_HEAD}<i8>9000000000</i8>{OK_TAIL}"));
    assert_eq!(ok_i8(i64::MIN), format!("{OK_HEAD}<i8>-9223372036854775808</i8>{OK_TAIL}"));
    assert_eq!(ok_bool(true), format!("{OK_HEAD}<boolean>1</boolean>{OK_TAIL}"));
    assert_eq!(ok_bool(false), format!("{OK_HEAD}<boolean>0</boolean>{OK_TAIL}"));
}

#[test]
fn failure_exact() {
    assert_eq!(
        failure("[one.vm.info] Error getting <VM> [7].", 0x400, 7),
        "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>\
         <value><boolean>0</boolean></value>\
         <value><string>[one.vm.info] Error getting &lt;VM&gt; [7].</string></value>\
         <value><i4>1024</i4></value><value><i4>7</i4></value><value><i8>0</i8></value>\
         </data></array></value></param></params></methodResponse>"
    );
    assert_eq!(
        parse_response(&failure("no & way", 256, -1)),
        Ok(Response::Value(Value::Array(vec![
            Value::Boolean(false),
            s("no & way"),
            Value::Integer(256),
            Value::Integer(-1),
            Value::Long(0),
        ])))
    );
}

#[test]
fn fault_exact() {
    assert_eq!(
        fault(-501, "Parameter <2> is not an integer & that's bad"),
        "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct>\
         <member><name>faultCode</name><value><int>-501</int></value></member>\
         <member><name>faultString</name><value><string>Parameter &lt;2&gt; is not an integer &amp; that's bad</string></value></member>\
         </struct></value></fault></methodResponse>"
    );
}

#[test]
fn ok_value_exact_for_every_variant() {
    let cases: Vec<(Value, &str)> = vec![
        (Value::Integer(-7), "<i4>-7</i4>"),
        (Value::Long(1 << 40), "<i8>1099511627776</i8>"),
        (Value::Boolean(true), "<boolean>1</boolean>"),
        (s("a<b"), "<string>a&lt;b</string>"),
        (s(""), "<string></string>"),
        (Value::Double(1.5), "<double>1.5</double>"),
        (Value::Double(-0.0), "<double>-0</double>"),
        (Value::Double(1e21), "<double>1000000000000000000000</double>"),
        (Value::Double(f64::INFINITY), "<double>inf</double>"),
        (dt("19980717T14:08:55"), "<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"),
        (Value::Base64(b"hello".to_vec()), "<base64>aGVsbG8=</base64>"),
        (Value::Base64(Vec::new()), "<base64></base64>"),
        (Value::Nil, "<nil/>"),
        (Value::Array(vec![]), "<array><data></data></array>"),
        (
            Value::Array(vec![Value::Integer(1), s("x")]),
            "<array><data><value><i4>1</i4></value><value><string>x</string></value></data></array>",
        ),
        (Value::Struct(BTreeMap::new()), "<struct></struct>"),
        (
            strukt(&[("b&", Value::Nil), ("a", Value::Array(vec![Value::Boolean(false)]))]),
            "<struct><member><name>a</name><value><array><data><value><boolean>0</boolean></value></data></array></value></member>\
             <member><name>b&amp;</name><value><nil/></value></member></struct>",
        ),
    ];
    for (v, inner) in cases {
        let doc = ok_value(&v);
        assert_eq!(doc, format!("{RESP_HEAD}{inner}{RESP_TAIL}"), "{v:?}");
        assert_eq!(parse_response(&doc), Ok(Response::Value(v)));
    }
}

#[test]
fn write_call_exact() {
    assert_eq!(
        write_call("one.vm.info", &[s("oneadmin:pw&"), Value::Integer(5), Value::Boolean(false)]),
        "<?xml version=\"1.0\"?>\n<methodCall><methodName>one.vm.info</methodName><params>\
         <param><value><string>oneadmin:pw&amp;</string></value></param>\
         <param><value><i4>5</i4></value></param>\
         <param><value><boolean>0</boolean></value></param>\
         </params></methodCall>"
    );
    assert_eq!(
        write_call("one.system.version", &[]),
        "<?xml version=\"1.0\"?>\n<methodCall><methodName>one.system.version</methodName><params></params></methodCall>"
    );
}

// ---------------------------------------------------------------------------------------------
// parse_call: value types and document forms

#[test]
fn parse_every_value_type() {
    assert_eq!(param("<int>5</int>"), Value::Integer(5));
    assert_eq!(param("<i4>-2147483648</i4>"), Value::Integer(i32::MIN));
    assert_eq!(param("<int> +12 </int>"), Value::Integer(12));
    assert_eq!(param("<i8>9223372036854775807</i8>"), Value::Long(i64::MAX));
    assert_eq!(param("<ex:i8>-1</ex:i8>"), Value::Long(-1));
    assert_eq!(param("<boolean>1</boolean>"), Value::Boolean(true));
    assert_eq!(param("<boolean>0</boolean>"), Value::Boolean(false));
    assert_eq!(param("<string>x</string>"), s("x"));
    assert_eq!(param("<string>  spaced\tout \n</string>"), s("  spaced\tout \n"));
    assert_eq!(param("<double>1.5</double>"), Value::Double(1.5));
    assert_eq!(param("<double>-3</double>"), Value::Double(-3.0));
    assert_eq!(param("<double>1e10</double>"), Value::Double(1e10));
    assert_eq!(param("<base64>aGVsbG8=</base64>"), Value::Base64(b"hello".to_vec()));
    assert_eq!(param("<base64>\naGVs\nbG8=\n</base64>"), Value::Base64(b"hello".to_vec()));
    assert_eq!(param("<base64/>"), Value::Base64(Vec::new()));
    assert_eq!(param("<dateTime.iso8601>20240229T23:59:59</dateTime.iso8601>"), dt("20240229T23:59:59"));
    assert_eq!(param("<nil/>"), Value::Nil);
    assert_eq!(param("<nil></nil>"), Value::Nil);
    assert_eq!(param("<ex:nil/>"), Value::Nil);
    assert_eq!(
        param(
            "<array><data><value><int>1</int></value><value>two</value><value><array><data/></array></value></data></array>"
        ),
        Value::Array(vec![Value::Integer(1), s("two"), Value::Array(vec![])])
    );
    assert_eq!(param("<array><data></data></array>"), Value::Array(vec![]));
    assert_eq!(param("<array/>"), Value::Array(vec![]));
    assert_eq!(param("<array></array>"), Value::Array(vec![]));
    assert_eq!(
        param(
            "<struct><member><name>a</name><value><i4>1</i4></value></member>\
             <member><value>v</value><name>b</name></member><member><name></name><value/></member></struct>"
        ),
        strukt(&[("a", Value::Integer(1)), ("b", s("v")), ("", s(""))])
    );
    assert_eq!(param("<struct/>"), Value::Struct(BTreeMap::new()));
    assert_eq!(
        param(
            "<struct><member><name>k</name><value>1</value></member><member><name>k</name><value>2</value></member></struct>"
        ),
        strukt(&[("k", s("2"))]),
        "a repeated member name keeps the last value"
    );
}

#[test]
fn untyped_and_empty_strings() {
    assert_eq!(param("text"), s("text"));
    assert_eq!(param("  text with space  "), s("  text with space  "));
    assert_eq!(param("   "), s("   "), "whitespace-only untyped value is kept (as Python does)");
    assert_eq!(param(""), s(""));
    assert_eq!(param("<string/>"), s(""));
    assert_eq!(param("<string></string>"), s(""));
    assert_eq!(param("\n  <string>x</string>\n"), s("x"));
    assert_eq!(param("a &amp; b"), s("a & b"));
    let doc = "<methodCall><methodName>m</methodName><params><param><value/></param></params></methodCall>";
    assert_eq!(parse_call(doc).map(|c| c.params), Ok(vec![s("")]));
}

#[test]
fn text_decoding() {
    assert_eq!(param("<string>&lt;&gt;&amp;&quot;&apos;</string>"), s("<>&\"'"));
    assert_eq!(param("<string>&#65;&#x42;&#x1F600;&#13;</string>"), s("AB\u{1F600}\r"));
    assert_eq!(param("<string>a<![CDATA[<b>&amp;]]>c</string>"), s("a<b>&amp;c"));
    assert_eq!(param("<string><![CDATA[]]></string>"), s(""));
    assert_eq!(param("<string>a<!-- comment -->b<?pi x?>c</string>"), s("abc"));
    assert_eq!(param("<string>a\r\nb\rc\n</string>"), s("a\nb\nc\n"), "XML end-of-line normalisation");
    assert_eq!(param("<string>é ü 中文 \u{1F600}</string>"), s("é ü 中文 \u{1F600}"));
    assert_eq!(param("<string>a > b ]]></string>"), s("a > b ]]>"));
    assert_eq!(param("<string attr=\"x > y\">v</string>"), s("v"), "attributes are skipped");
}

#[test]
fn document_forms() {
    let bare = "<methodCall><methodName>one.system.version</methodName></methodCall>";
    assert_eq!(parse_call(bare), Ok(Call { method: "one.system.version".into(), params: vec![] }));
    for doc in [
        "<methodCall><methodName>x</methodName><params/></methodCall>",
        "<methodCall><methodName>x</methodName><params></params></methodCall>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>x</methodName></methodCall>",
        "\u{feff}<?xml version='1.0'?>\r\n<!-- hi -->\r\n<methodCall>\r\n <methodName>x</methodName>\r\n</methodCall>\r\n<!-- bye -->\n",
        "<methodCall ><methodName >x</methodName ></methodCall >",
    ] {
        assert_eq!(parse_call(doc), Ok(Call { method: "x".into(), params: vec![] }), "{doc:?}");
    }
}

/// Exactly what Python 3's `xmlrpc.client.dumps(params, "one.vm.info")` emits (captured from
/// CPython 3; pyone sends the same through its requests transport).
#[test]
fn python_xmlrpc_client_call() {
    let doc = "<?xml version='1.0'?>\n<methodCall>\n<methodName>one.vm.info</methodName>\n<params>\n\
<param>\n<value><string>oneadmin:secret</string></value>\n</param>\n\
<param>\n<value><int>5</int></value>\n</param>\n\
<param>\n<value><boolean>0</boolean></value>\n</param>\n\
<param>\n<value><double>1.5</double></value>\n</param>\n\
<param>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>a</string></value>\n</data></array></value>\n</param>\n\
<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><string>v</string></value>\n</member>\n</struct></value>\n</param>\n\
<param>\n<value><string>a&amp;&lt;&gt;\n\"</string></value>\n</param>\n\
<param>\n<value><nil/></value></param>\n\
</params>\n</methodCall>\n";
    assert_eq!(
        parse_call(doc),
        Ok(Call {
            method: "one.vm.info".into(),
            params: vec![
                s("oneadmin:secret"),
                Value::Integer(5),
                Value::Boolean(false),
                Value::Double(1.5),
                Value::Array(vec![Value::Integer(1), s("a")]),
                strukt(&[("k", s("v"))]),
                s("a&<>\n\""),
                Value::Nil,
            ],
        })
    );
}

/// The shape Ruby's `XMLRPC::Client` (ruby-xmlrpc 0.3) emits: no newlines, `<i4>`.
#[test]
fn ruby_xmlrpc_call() {
    let doc = "<?xml version=\"1.0\" ?><methodCall><methodName>one.vmpool.info</methodName><params>\
<param><value><string>oneadmin:pw</string></value></param><param><value><i4>-2</i4></value></param>\
<param><value><i4>-1</i4></value></param><param><value><i4>-1</i4></value></param>\
<param><value><boolean>1</boolean></value></param></params></methodCall>\n";
    assert_eq!(
        parse_call(doc),
        Ok(Call {
            method: "one.vmpool.info".into(),
            params: vec![
                s("oneadmin:pw"),
                Value::Integer(-2),
                Value::Integer(-1),
                Value::Integer(-1),
                Value::Boolean(true)
            ],
        })
    );
}

// ---------------------------------------------------------------------------------------------
// parse_call: refusals

#[test]
fn malformed_documents_are_refused_with_a_reason() {
    let cases: &[(&str, &str)] = &[
        ("", "empty document"),
        ("   \n", "empty document"),
        ("garbage", "unexpected text \"garbage\""),
        ("<foo><methodName>x</methodName></foo>", "expected root element <methodCall>, found <foo>"),
        ("<methodResponse><params/></methodResponse>", "found <methodResponse>"),
        ("<methodCall/>", "without a methodName"),
        ("<methodCall></methodCall>", "expected <methodName>"),
        ("<methodCall><methodName></methodName></methodCall>", "empty methodName"),
        ("<methodCall><methodName>x</methodName>", "expected <params> or </methodCall>, found the end"),
        ("<methodCall><methodName>x</methodName></methodCallX>", "found </methodCallX>"),
        ("<methodCall><methodName>x</methodName></methodCall><extra/>", "<extra> after the root element"),
        ("<methodCall><methodName>x</methodName></methodCall>trailing", "unexpected text"),
        ("<methodCall>text<methodName>x</methodName></methodCall>", "unexpected text"),
        ("<!DOCTYPE x [<!ENTITY e \"y\">]><methodCall><methodName>&e;</methodName></methodCall>", "DTD"),
        ("<methodCall><methodName>a&e;</methodName></methodCall>", "unknown entity &e;"),
        ("<methodCall><methodName>a & b</methodName></methodCall>", "'&' not followed"),
        ("<methodCall><methodName>&#0;</methodName></methodCall>", "bad character reference"),
        ("<methodCall><methodName>&#xD800;</methodName></methodCall>", "bad character reference"),
        ("<methodCall><methodName>&#99999999999;</methodName></methodCall>", "bad character reference"),
        ("<methodCall><methodName>x</methodName><!-- open", "unterminated comment"),
        ("<methodCall><methodName><![CDATA[x</methodName>", "unterminated CDATA"),
        ("<methodCall <methodName>", "bad attribute in tag <methodCall>"),
        ("<methodCall a=1>", "unquoted attribute value"),
        ("<methodCall a>", "attribute without a value"),
        ("<methodCall a=\"1></methodCall>", "unterminated attribute value"),
        ("<methodCall/ >", "stray '/'"),
        ("< methodCall>", "not followed by a tag name"),
    ];
    for (doc, reason) in cases {
        let m = malformed_call(doc);
        assert!(m.contains(reason), "{doc:?}: {m:?} should mention {reason:?}");
        assert!(m.contains("at byte"), "{m:?}");
    }
}

#[test]
fn malformed_values_are_refused() {
    let cases: &[(&str, &str)] = &[
        ("<int></int>", "bad <int> value"),
        ("<int/>", "bad <int> value"),
        ("<int>0x10</int>", "bad <int> value"),
        ("<i4>2147483648</i4>", "bad <i4> value"),
        ("<i8>9223372036854775808</i8>", "bad <i8> value"),
        ("<boolean>true</boolean>", "bad <boolean> value"),
        ("<boolean>2</boolean>", "bad <boolean> value"),
        ("<double>1,5</double>", "bad <double> value"),
        ("<base64>!!!</base64>", "bad <base64> value"),
        ("<dateTime.iso8601>2024-02-29T23:59:59</dateTime.iso8601>", "bad <dateTime.iso8601>"),
        ("<dateTime.iso8601>20230229T00:00:00</dateTime.iso8601>", "bad <dateTime.iso8601>"),
        ("<unknown>1</unknown>", "unknown value type <unknown>"),
        ("<int>5</int><int>6</int>", "expected </value>, found <int>"),
        ("<string>x</string>trailing", "unexpected text"),
        ("text<int>5</int>", "mixed with <int>"),
        ("<value>nested</value>", "unknown value type <value>"),
        ("<string><b>x</b></string>", "expected text in <string>"),
        ("<nil>x</nil>", "unexpected text"),
        ("<array><value>1</value></array>", "expected <data>"),
        ("<array><data><int>1</int></data></array>", "expected <value> or </data>"),
        ("<array><data/><data/></array>", "expected </array>"),
        ("<struct><member><name>a</name></member></struct>", "without <value>"),
        ("<struct><member><value>1</value></member></struct>", "without <name>"),
        (
            "<struct><member><name>a</name><name>b</name><value>1</value></member></struct>",
            "one <name> and one <value>",
        ),
        ("<struct><value>1</value></struct>", "expected <member>"),
    ];
    for (inner, reason) in cases {
        let m = malformed_call(&call_with(inner));
        assert!(m.contains(reason), "{inner:?}: {m:?} should mention {reason:?}");
    }
    let m = malformed_call("<methodCall><methodName>x</methodName><params><param></param></params></methodCall>");
    assert!(m.contains("expected <value> in <param>"), "{m}");
    let m = malformed_call("<methodCall><methodName>x</methodName><params><foo/></params></methodCall>");
    assert!(m.contains("expected <param> or </params>"), "{m}");
}

#[test]
fn nesting_is_bounded() {
    let nest = |n: usize| {
        let mut inner = String::from("<int>1</int>");
        for _ in 1..n {
            inner = format!("<array><data><value>{inner}</value></data></array>");
        }
        call_with(&inner)
    };
    assert!(parse_call(&nest(MAX_DEPTH)).is_ok());
    let m = malformed_call(&nest(MAX_DEPTH + 1));
    assert!(m.contains("nested deeper than"), "{m}");
    // Far deeper input is refused without exhausting the stack.
    let deep = "<methodCall><methodName>m</methodName><params><param><value>".to_owned()
        + &"<array><data><value>".repeat(100_000);
    assert!(parse_call(&deep).is_err());
}

#[test]
fn error_messages_never_echo_a_huge_body() {
    let huge_name = "N".repeat(3_000_000);
    for doc in [
        format!("<{huge_name}/>"),
        call_with(&format!("<{huge_name}>1</{huge_name}>")),
        call_with(&format!("<int>{huge_name}</int>")),
        call_with(&format!("<string>{huge_name}</string>{huge_name}")),
        format!("<methodCall><methodName>{huge_name}"),
        call_with(&format!("<string>&{huge_name};</string>")),
        call_with(&format!("<string>&#{huge_name};</string>")),
    ] {
        let m = malformed_call(&doc);
        assert!(m.len() < 300, "message of {} bytes: {}…", m.len(), &m[..200]);
    }
}

// ---------------------------------------------------------------------------------------------
// parse_response

#[test]
fn parse_our_writers() {
    assert_eq!(parse_response(&ok_string("<VM/>")), Ok(ok_array(s("<VM/>"))));
    assert_eq!(parse_response(&ok_int(3)), Ok(ok_array(Value::Integer(3))));
    assert_eq!(parse_response(&ok_i8(-5_000_000_000)), Ok(ok_array(Value::Long(-5_000_000_000))));
    assert_eq!(parse_response(&ok_bool(true)), Ok(ok_array(Value::Boolean(true))));
    assert_eq!(
        parse_response(&fault(-501, "Not enough parameters <&>")),
        Ok(Response::Fault { code: -501, message: "Not enough parameters <&>".into() })
    );
}

/// The layout of xmlrpc-c 1.x responses as oned sends them: CRLF line ends, `<i4>`, `<i8>`,
/// CR escaped as `&#x0d;`, an `encoding` in the declaration.
#[test]
fn opennebula_xmlrpc_c_responses() {
    let ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n<param><value><array><data>\r\n\
<value><boolean>1</boolean></value>\r\n\
<value><string>&lt;VM_POOL&gt;&lt;VM&gt;&lt;ID&gt;0&lt;/ID&gt;&lt;NAME&gt;a&amp;b&lt;/NAME&gt;&lt;TEMPLATE&gt;&lt;CONTEXT&gt;&lt;![CDATA[x&#x0d;\r\ny]]&gt;&lt;/CONTEXT&gt;&lt;/TEMPLATE&gt;&lt;/VM&gt;&lt;/VM_POOL&gt;</string></value>\r\n\
<value><i4>0</i4></value>\r\n\
</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n";
    assert_eq!(
        parse_response(ok),
        Ok(ok_array(s(
            "<VM_POOL><VM><ID>0</ID><NAME>a&b</NAME><TEMPLATE><CONTEXT><![CDATA[x\r\ny]]></CONTEXT></TEMPLATE></VM></VM_POOL>"
        )))
    );
    let failure = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n<param><value><array><data>\r\n\
<value><boolean>0</boolean></value>\r\n<value><string>[one.vm.info] Error getting virtual machine [42].</string></value>\r\n\
<value><i4>1024</i4></value>\r\n<value><i4>42</i4></value>\r\n<value><i8>0</i8></value>\r\n\
</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n";
    assert_eq!(
        parse_response(failure),
        Ok(Response::Value(Value::Array(vec![
            Value::Boolean(false),
            s("[one.vm.info] Error getting virtual machine [42]."),
            Value::Integer(1024),
            Value::Integer(42),
            Value::Long(0),
        ])))
    );
    let fault = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<fault>\r\n<value><struct>\r\n\
<member><name>faultCode</name>\r\n<value><i4>-501</i4></value></member>\r\n\
<member><name>faultString</name>\r\n<value><string>Not enough parameters</string></value></member>\r\n\
</struct></value>\r\n</fault>\r\n</methodResponse>\r\n";
    assert_eq!(parse_response(fault), Ok(Response::Fault { code: -501, message: "Not enough parameters".into() }));
}

/// Python's `xmlrpc.client.dumps(..., methodresponse=True)` and `dumps(Fault(...))` output.
#[test]
fn python_responses() {
    let ok = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n\
<value><boolean>1</boolean></value>\n<value><string>ok</string></value>\n<value><int>0</int></value>\n\
</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
    assert_eq!(parse_response(ok), Ok(ok_array(s("ok"))));
    let fault = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n\
<value><int>4</int></value>\n</member>\n<member>\n<name>faultString</name>\n\
<value><string>bad &lt;x&gt;</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
    assert_eq!(parse_response(fault), Ok(Response::Fault { code: 4, message: "bad <x>".into() }));
}

#[test]
fn fault_members_in_any_order_and_untyped_string() {
    let doc = "<methodResponse><fault><value><struct>\
<member><name>faultString</name><value>Too many</value></member>\
<member><name>extra</name><value><int>1</int></value></member>\
<member><name>faultCode</name><value><i8>4</i8></value></member>\
</struct></value></fault></methodResponse>";
    assert_eq!(parse_response(doc), Ok(Response::Fault { code: 4, message: "Too many".into() }));
}

#[test]
fn malformed_responses() {
    let cases: &[(&str, &str)] = &[
        ("<methodCall><methodName>x</methodName></methodCall>", "expected root element <methodResponse>"),
        ("<methodResponse/>", "empty <methodResponse/>"),
        ("<methodResponse><params/></methodResponse>", "without a value"),
        ("<methodResponse><params></params></methodResponse>", "expected <param>"),
        (
            "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>",
            "exactly one <param>",
        ),
        ("<methodResponse><fault><value><int>1</int></value></fault></methodResponse>", "must be a struct"),
        (
            "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
            "without faultCode",
        ),
        (
            "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>",
            "without faultString",
        ),
        (
            "<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
            "faultCode must be an integer",
        ),
        (
            "<methodResponse><params><param><value>1</value></param></params></methodResponse><x/>",
            "after the root element",
        ),
        ("<methodResponse><params><param><value>1</value></param></params>", "expected </methodResponse>"),
    ];
    for (doc, reason) in cases {
        match parse_response(doc) {
            Err(CodecError::Malformed(m)) => assert!(m.contains(reason), "{doc:?}: {m:?} should mention {reason:?}"),
            Ok(r) => panic!("{doc:?} should be refused, parsed as {r:?}"),
        }
    }
}

/// Correctness on a large body (the speed is measured by `examples/xmlrpc_parse_speed.rs`).
#[test]
fn large_escaped_string_response() {
    let mut xml = String::from("<VM_POOL>");
    let mut i = 0;
    while xml.len() < 8_000_000 {
        xml.push_str(&format!(
            "<VM><ID>{i}</ID><NAME>vm-{i} & \"co\"</NAME><TEMPLATE><CPU><![CDATA[1]]></CPU></TEMPLATE></VM>\n"
        ));
        i += 1;
    }
    xml.push_str("</VM_POOL>");
    let doc = ok_string(&xml);
    assert!(doc.len() > 10_000_000);
    match parse_response(&doc) {
        Ok(Response::Value(Value::Array(items))) => {
            assert_eq!(items.len(), 3);
            assert_eq!(items[0], Value::Boolean(true));
            assert_eq!(items[2], Value::Integer(0));
            match &items[1] {
                Value::String(got) => {
                    assert_eq!(got.len(), xml.len());
                    assert!(got == &xml, "decoded string differs");
                }
                other => panic!("not a string: {:?}", std::mem::discriminant(other)),
            }
        }
        other => panic!("unexpected {:?}", other.map(|_| ())),
    }
}

// ---------------------------------------------------------------------------------------------
// dxr as an oracle on a rich fixed value

fn rich_value() -> Value {
    strukt(&[
        ("int", Value::Integer(-20)),
        ("long", Value::Long(1 << 50)),
        ("bool", Value::Boolean(true)),
        ("str", s(" a <b> & c \n\t")),
        ("double", Value::Double(-12.214)),
        ("dt", dt("20010203T04:05:06")),
        ("b64", Value::Base64(vec![0, 1, 2, 255])),
        ("nil", Value::Nil),
        ("empty", s("")),
        ("arr", Value::Array(vec![Value::Integer(1), Value::Array(vec![]), Value::Struct(BTreeMap::new())])),
    ])
}

#[test]
fn dxr_agrees_on_a_rich_value() {
    let v = rich_value();
    let call = write_call("one.test", std::slice::from_ref(&v));
    let theirs = dxr::MethodCall::from_xml(&call).expect("dxr parses our call");
    assert_eq!(theirs.name, "one.test");
    assert_eq!(theirs.params, vec![v.clone()]);
    let resp = ok_value(&v);
    let theirs = dxr::MethodResponse::from_xml(&resp).expect("dxr parses our response");
    assert_eq!(theirs.value, v);
    // And we read dxr's own serialisation.
    let dxr_call = dxr::MethodCall { name: "one.test".into(), params: vec![v.clone()] }.to_xml().expect("dxr writes");
    assert_eq!(parse_call(&dxr_call), Ok(Call { method: "one.test".into(), params: vec![v.clone()] }));
    let dxr_resp = dxr::MethodResponse { value: v.clone() }.to_xml().expect("dxr writes");
    assert_eq!(parse_response(&dxr_resp), Ok(Response::Value(v)));
    let dxr_fault = dxr::FaultResponse { fault: dxr::Fault::new(7, "x < y".into()) }.to_xml().expect("dxr writes");
    assert_eq!(parse_response(&dxr_fault), Ok(Response::Fault { code: 7, message: "x < y".into() }));
}

// ---------------------------------------------------------------------------------------------
// Property tests

/// Characters XML 1.0 can carry literally in our output: tab, newline and everything from
/// U+0020 except U+FFFE/U+FFFF (surrogates are not `char`s). Excluded: the C0 controls that
/// XML 1.0 forbids, and `\r`, which a reader must normalise to `\n` because `escape_string`
/// (by contract) does not turn it into `&#13;`.
const XML_TEXT: &str = "[\t\n\u{20}-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]{0,24}";

fn xml_string() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(XML_TEXT).expect("valid regex"),
        // Bias towards markup-looking text.
        proptest::collection::vec(
            prop_oneof![
                Just("<"),
                Just(">"),
                Just("&"),
                Just("&amp;"),
                Just("]]>"),
                Just("<![CDATA["),
                Just(" "),
                Just("\n"),
                Just("a"),
                Just("é"),
                Just("<!--"),
                Just("\""),
                Just("'"),
                Just(";")
            ],
            0..10
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn arb_datetime() -> impl Strategy<Value = Value> {
    (0u32..10000, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60)
        .prop_map(|(y, mo, d, h, mi, se)| dt(&format!("{y:04}{mo:02}{d:02}T{h:02}:{mi:02}:{se:02}")))
}

fn arb_double() -> impl Strategy<Value = f64> {
    use proptest::num::f64 as F;
    (F::POSITIVE | F::NEGATIVE | F::NORMAL | F::SUBNORMAL | F::ZERO | F::INFINITE)
        .prop_filter("not NaN", |d| !d.is_nan())
}

pub(super) fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        any::<i64>().prop_map(Value::Long),
        any::<bool>().prop_map(Value::Boolean),
        xml_string().prop_map(Value::String),
        arb_double().prop_map(Value::Double),
        arb_datetime(),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Base64),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(xml_string(), inner, 0..6).prop_map(Value::Struct),
        ]
    })
}

/// True if `v` has a struct member whose name is empty or whitespace somewhere (dxr 0.9 trims
/// member names to nothing and then refuses them).
fn has_empty_member_name(v: &Value) -> bool {
    match v {
        Value::Struct(m) => m.iter().any(|(k, v)| k.trim().is_empty() || has_empty_member_name(v)),
        Value::Array(a) => a.iter().any(has_empty_member_name),
        _ => false,
    }
}

/// Pieces for mutating valid documents into near-valid garbage.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("/".to_owned()),
        Just("&".to_owned()),
        Just("</value>".to_owned()),
        Just("<value>".to_owned()),
        Just("<array><data>".to_owned()),
        Just("<struct><member>".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("]]>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("&#x".to_owned()),
        Just(";".to_owned()),
        Just("<?".to_owned()),
        Just("\"".to_owned()),
        Just("=".to_owned()),
        Just("<nil/>".to_owned()),
        ".{0,4}".prop_map(|s: String| s),
    ]
}

proptest! {
    // No regression files: failures print the minimal input instead.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn call_round_trip(method in "[A-Za-z0-9._:&<> -]{1,30}", params in proptest::collection::vec(arb_value(), 0..5)) {
        let doc = write_call(&method, &params);
        prop_assert_eq!(parse_call(&doc), Ok(Call { method, params }));
    }

    /// Every prefix of a call either gives exactly its method and first parameter, or an error;
    /// the whole body gives them whenever there is a parameter.
    #[test]
    fn call_head_of_every_prefix(method in "[A-Za-z0-9._:&<> -]{1,30}", params in proptest::collection::vec(arb_value(), 0..4)) {
        let doc = write_call(&method, &params);
        let mut seen_ok = false;
        for cut in (0..=doc.len()).filter(|i| doc.is_char_boundary(*i)) {
            match parse_call_head(&doc[..cut]) {
                Ok((m, first)) => {
                    prop_assert_eq!(&m, &method);
                    prop_assert_eq!(Some(&first), params.first());
                    seen_ok = true;
                }
                Err(_) => prop_assert!(!seen_ok, "a longer prefix lost the head at {}", cut),
            }
        }
        prop_assert_eq!(seen_ok, !params.is_empty());
    }

    #[test]
    fn response_round_trip(v in arb_value()) {
        prop_assert_eq!(parse_response(&ok_value(&v)), Ok(Response::Value(v)));
    }

    #[test]
    fn fault_round_trip(code in any::<i32>(), message in xml_string()) {
        prop_assert_eq!(parse_response(&fault(code, &message)), Ok(Response::Fault { code, message }));
    }

    #[test]
    fn failure_round_trip(message in xml_string(), code in any::<i32>(), id in any::<i32>()) {
        prop_assert_eq!(
            parse_response(&failure(&message, code, id)),
            Ok(Response::Value(Value::Array(vec![
                Value::Boolean(false), Value::String(message), Value::Integer(code), Value::Integer(id), Value::Long(0),
            ])))
        );
    }

    #[test]
    fn ok_string_round_trip(text in xml_string()) {
        prop_assert_eq!(parse_response(&ok_string(&text)), Ok(ok_array(Value::String(text))));
    }

    /// Whatever a string holds, every writer's document is well-formed XML 1.0 (quick-xml reads
    /// it through, and it holds no character XML 1.0 refuses) and reads back with U+FFFD in
    /// place of each such character.
    #[test]
    fn writers_never_emit_what_xml_cannot_carry(text in any::<String>(), bad in "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x{FFFE}\\x{FFFF}]{1,3}") {
        let text = format!("{bad}{text}{bad}");
        let member = Value::Struct(BTreeMap::from([(text.clone(), Value::String(text.clone()))]));
        let docs = [
            ok_string(&text),
            failure(&text, 1, 2),
            fault(3, &text),
            ok_value(&member),
            write_call(&text, &[Value::String(text.clone()), member]),
        ];
        for doc in &docs {
            prop_assert_eq!(crate::xmlchar::find_forbidden(doc), None, "{:?}", doc);
            let mut reader = quick_xml::Reader::from_str(doc);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => prop_assert!(false, "quick-xml: {} in {:?}", e, doc),
                }
            }
        }
        let want = crate::xmlchar::replace_forbidden(&text).replace("\r\n", "\n").replace('\r', "\n");
        prop_assert_eq!(parse_response(&docs[0]), Ok(ok_array(Value::String(want))));
    }

    /// Where dxr can read our output, it reads the same values we do.
    #[test]
    fn dxr_oracle(v in arb_value()) {
        let call = write_call("m", std::slice::from_ref(&v));
        match dxr::MethodCall::from_xml(&call) {
            Ok(theirs) => prop_assert_eq!(theirs.params, vec![v.clone()]),
            Err(_) => prop_assert!(has_empty_member_name(&v), "dxr refused {:?}", call),
        }
        if let Ok(theirs) = dxr::MethodResponse::from_xml(&ok_value(&v)) {
            prop_assert_eq!(theirs.value, v);
        }
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in ".{0,200}") {
        let _ = parse_call_head(&text);
        let _ = parse_call(&text);
        let _ = parse_response(&text);
    }

    #[test]
    fn parse_never_panics_on_mutated_documents(
        v in arb_value(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0usize..6, fragment()), 1..6),
    ) {
        for mut doc in [write_call("m", std::slice::from_ref(&v)), ok_value(&v), fault(1, "x")] {
            for (at, cut, piece) in &edits {
                let mut i = at.index(doc.len() + 1);
                while !doc.is_char_boundary(i) { i -= 1; }
                let mut j = (i + cut).min(doc.len());
                while !doc.is_char_boundary(j) { j -= 1; }
                doc.replace_range(i..j.max(i), piece);
            }
            for r in [parse_call(&doc).err(), parse_response(&doc).err()].into_iter().flatten() {
                let CodecError::Malformed(m) = r;
                prop_assert!(m.len() < 300, "long message {}", m);
            }
        }
    }
}
