//! Interoperability with the real Python `xmlrpc.client` (what pyone is built on), both ways:
//! Python must read what we write, and we must read what Python writes, with the same values.
//! Needs `python3` on `PATH`; without it the test says so on stderr and passes vacuously.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value as Json, json};

use super::tests::arb_value;
use super::*;

/// Loads every document in `ours` with `xmlrpc.client.loads`, and dumps sample parameters (plus
/// the re-dumped parameters of each of our calls) with `xmlrpc.client.dumps`. Values travel as
/// tagged JSON so that Python's types survive.
const SCRIPT: &str = r#"
import sys, json, datetime, xmlrpc.client as x
def tag(v):
    if isinstance(v, bool): return {"b": v}
    if isinstance(v, int): return {"i": v}
    if isinstance(v, float): return {"d": repr(v)}
    if isinstance(v, str): return {"s": v}
    if v is None: return {"n": None}
    if isinstance(v, (bytes, bytearray)): return {"b64": v.hex()}
    if isinstance(v, datetime.datetime):
        return {"dt": "%04d%02d%02dT%02d:%02d:%02d" % (v.year, v.month, v.day, v.hour, v.minute, v.second)}
    if isinstance(v, (list, tuple)): return {"a": [tag(i) for i in v]}
    if isinstance(v, dict): return {"st": {k: tag(w) for k, w in v.items()}}
    raise TypeError(type(v))
req = json.load(sys.stdin)
out = {"parsed": [], "theirs": []}
def theirs(params):
    try:
        doc = x.dumps(tuple(params), "one.test", allow_none=True)
    except OverflowError:
        return  # Python cannot send i8
    back, _ = x.loads(doc, use_builtin_types=True)
    out["theirs"].append({"xml": doc, "value": [tag(p) for p in back]})
for doc in req["ours"]:
    try:
        params, method = x.loads(doc, use_builtin_types=True)
        out["parsed"].append({"ok": [tag(p) for p in params], "method": method})
        theirs(params)
    except x.Fault as f:
        out["parsed"].append({"fault": [f.faultCode, f.faultString]})
    except Exception as e:
        out["parsed"].append({"error": repr(e)})
theirs(["oneadmin:pw", 5, -2**31, 2**31 - 1, True, False, 1.5, -0.0, 1e300, 5e-324, float("inf"),
        "", " ", "a&<>\"'\r\n\t]]>", "\u00e9\u4e2d\U0001F600", None, b"\x00\x01\xff",
        datetime.datetime(2024, 2, 29, 23, 59, 59), [], {}, [1, [2, [3]]],
        {"a": {"b": [None, "x"]}, "": 1, " k ": "v"}])
theirs([])
json.dump(out, sys.stdout)
"#;

/// Python's ints have one type; ours two. Compare with `Long` narrowed where it fits.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Long(l) => i32::try_from(*l).map_or(Value::Long(*l), Value::Integer),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::Struct(m) => Value::Struct(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

fn from_tagged(j: &Json) -> Value {
    let obj = j.as_object().expect("tagged object");
    let (tag, inner) = obj.iter().next().expect("one tag");
    match tag.as_str() {
        "b" => Value::Boolean(inner.as_bool().expect("bool")),
        "i" => {
            let n = inner.as_i64().expect("int within i64");
            i32::try_from(n).map_or(Value::Long(n), Value::Integer)
        }
        "d" => Value::Double(inner.as_str().expect("repr").parse().expect("Python float repr parses")),
        "s" => Value::String(inner.as_str().expect("str").to_owned()),
        "n" => Value::Nil,
        "b64" => {
            let hex = inner.as_str().expect("hex");
            Value::Base64(
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect(),
            )
        }
        "dt" => Value::DateTime(inner.as_str().expect("dt").parse().expect("dateTime")),
        "a" => Value::Array(inner.as_array().expect("list").iter().map(from_tagged).collect()),
        "st" => Value::Struct(
            inner
                .as_object()
                .expect("dict")
                .iter()
                .map(|(k, v)| (k.clone(), from_tagged(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
        other => panic!("unknown tag {other}"),
    }
}

/// Python's `datetime` has no year 0.
fn python_can_hold(v: &Value) -> bool {
    match v {
        Value::DateTime(dt) => dt.year() >= 1,
        Value::Array(a) => a.iter().all(python_can_hold),
        Value::Struct(m) => m.values().all(python_can_hold),
        _ => true,
    }
}

#[test]
fn python_xmlrpc_client_agrees_both_ways() {
    let python = match Command::new("python3").arg("-c").arg("import xmlrpc.client").status() {
        Ok(s) if s.success() => "python3",
        _ => {
            eprintln!("SKIPPED python_xmlrpc_client_agrees_both_ways: no python3 with xmlrpc.client on PATH");
            return;
        }
    };

    // Deterministic random values plus fixed documents.
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let mut values = Vec::new();
    while values.len() < 300 {
        let v = arb_value().new_tree(&mut runner).expect("strategy").current();
        if python_can_hold(&v) {
            values.push(v);
        }
    }
    let mut ours: Vec<(String, Json)> = Vec::new();
    for v in &values {
        ours.push((ok_value(v), json!({ "value": true })));
        ours.push((write_call("one.test", std::slice::from_ref(v)), json!({ "call": true })));
    }
    ours.push((ok_string("<VM_POOL>&</VM_POOL>"), json!({})));
    ours.push((failure("[one.vm.info] Error <x> & y", 0x400, 7), json!({})));
    ours.push((fault(-501, "Not enough parameters <&>"), json!({})));
    // Characters XML 1.0 does not allow reach Python as U+FFFD instead of breaking the document.
    let forbidden: String =
        (0..=0xFFFFu32).filter_map(char::from_u32).filter(|&c| !crate::xmlchar::is_xml_char(c)).collect();
    assert_eq!(forbidden.chars().count(), 31);
    ours.push((ok_string(&format!("a{forbidden}b")), json!({})));

    let input = json!({ "ours": ours.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>() }).to_string();
    let mut child = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("feed python3");
    let output = child.wait_with_output().expect("python3 runs");
    assert!(output.status.success(), "python3 failed");
    let out: Json = serde_json::from_slice(&output.stdout).expect("python3 prints JSON");

    // Python reads ours.
    let parsed = out["parsed"].as_array().expect("parsed list");
    assert_eq!(parsed.len(), ours.len());
    for (i, v) in values.iter().enumerate() {
        for doc in [&parsed[2 * i], &parsed[2 * i + 1]] {
            let got = doc["ok"].as_array().unwrap_or_else(|| panic!("Python refused our document for {v:?}: {doc}"));
            assert_eq!(got.len(), 1);
            assert_eq!(from_tagged(&got[0]), normalize(v), "Python read {v:?} differently");
        }
        assert_eq!(parsed[2 * i + 1]["method"], "one.test");
    }
    let n = values.len() * 2;
    assert_eq!(
        from_tagged(&parsed[n]["ok"][0]),
        Value::Array(vec![Value::Boolean(true), Value::String("<VM_POOL>&</VM_POOL>".into()), Value::Integer(0)])
    );
    assert_eq!(
        from_tagged(&parsed[n + 1]["ok"][0]),
        Value::Array(vec![
            Value::Boolean(false),
            Value::String("[one.vm.info] Error <x> & y".into()),
            Value::Integer(0x400),
            Value::Integer(7),
            Value::Integer(0),
        ])
    );
    assert_eq!(parsed[n + 2]["fault"], json!([-501, "Not enough parameters <&>"]));
    assert_eq!(
        from_tagged(&parsed[n + 3]["ok"][0]),
        Value::Array(vec![
            Value::Boolean(true),
            Value::String(format!("a{}b", "\u{FFFD}".repeat(31))),
            Value::Integer(0)
        ]),
        "{}",
        parsed[n + 3]
    );

    // We read Python's.
    let theirs = out["theirs"].as_array().expect("theirs list");
    assert!(theirs.len() > values.len(), "Python re-dumped too few documents: {}", theirs.len());
    for t in theirs {
        let xml = t["xml"].as_str().expect("xml");
        let want: Vec<Value> = t["value"].as_array().expect("values").iter().map(from_tagged).collect();
        match parse_call(xml) {
            Ok(call) => {
                assert_eq!(call.method, "one.test");
                assert_eq!(call.params.iter().map(normalize).collect::<Vec<_>>(), want, "for {xml}");
            }
            Err(e) => panic!("we refused Python's document: {e}\n{xml}"),
        }
    }
}
