//! Unit and property tests of the line codec.

use super::*;
use proptest::prelude::*;

fn action(verb: &str, id: i64, payload: &str) -> Request {
    Request::Action { verb: verb.into(), id, payload: payload.into() }
}

fn reply(verb: &str, ok: bool, id: i64, info: &str) -> Reply {
    Reply::Action { verb: verb.into(), ok, id, info: info.into() }
}

fn log(severity: Severity, id: i64, text: &str) -> Reply {
    Reply::Log { severity, id, text: text.into() }
}

// ---- requests ---------------------------------------------------------------------------

#[test]
fn opennebula_deploy_request_with_empty_status() {
    let line = "DEPLOY  42 PFZNTV9EUklWRVJfQUNUSU9OX0RBVEE+PEhPU1Q+bm9kZTE8L0hPU1Q+\n";
    assert_eq!(
        parse_request(line),
        Ok(action("DEPLOY", 42, "PFZNTV9EUklWRVJfQUNUSU9OX0RBVEE+PEhPU1Q+bm9kZTE8L0hPU1Q+"))
    );
}

#[test]
fn opennebula_transfer_request() {
    let line = "TRANSFER  42 /var/lib/one/vms/42/transfer.0.prolog\n";
    assert_eq!(parse_request(line), Ok(action("TRANSFER", 42, "/var/lib/one/vms/42/transfer.0.prolog")));
}

#[test]
fn init_and_finalize_requests() {
    assert_eq!(parse_request("INIT\n"), Ok(Request::Init));
    assert_eq!(parse_request("INIT"), Ok(Request::Init));
    assert_eq!(parse_request("INIT\r\n"), Ok(Request::Init));
    assert_eq!(parse_request("FINALIZE\n"), Ok(Request::Finalize));
    assert_eq!(parse_request("  FINALIZE  \n"), Ok(Request::Finalize));
}

#[test]
fn driver_cancel_with_and_without_trailing_blank() {
    assert_eq!(parse_request("DRIVER_CANCEL  42 \n"), Ok(Request::DriverCancel { id: 42 }));
    assert_eq!(parse_request("DRIVER_CANCEL 42"), Ok(Request::DriverCancel { id: 42 }));
    assert_eq!(
        parse_request("DRIVER_CANCEL  \n"),
        Err(ProtoError::Missing { field: "id", after: "DRIVER_CANCEL".into() })
    );
}

#[test]
fn request_fields_split_on_runs_of_any_blank() {
    assert_eq!(parse_request("POLL\t \t7\t\tabc"), Ok(action("POLL", 7, "abc")));
    assert_eq!(parse_request("POLL \x0b7\x0cabc"), Ok(action("POLL", 7, "abc")));
}

#[test]
fn request_payload_keeps_inner_and_trailing_blanks() {
    assert_eq!(parse_request("X  1 a  b\tc  \n"), Ok(action("X", 1, "a  b\tc  ")));
    assert_eq!(parse_request("X  1 a b\r\n"), Ok(action("X", 1, "a b")));
    assert_eq!(parse_request("X  1 a b\r\r\n\n"), Ok(action("X", 1, "a b")));
    assert_eq!(parse_request("X  1 a\rb"), Ok(action("X", 1, "a\rb")));
}

#[test]
fn request_payload_may_be_empty() {
    assert_eq!(parse_request("POLL  3 \n"), Ok(action("POLL", 3, "")));
    assert_eq!(parse_request("POLL  3"), Ok(action("POLL", 3, "")));
}

#[test]
fn request_ids_may_be_negative_and_extreme() {
    assert_eq!(parse_request("X  -1 p"), Ok(action("X", -1, "p")));
    assert_eq!(parse_request(&format!("X  {} p", i64::MIN)), Ok(action("X", i64::MIN, "p")));
    assert_eq!(parse_request(&format!("X  {} p", i64::MAX)), Ok(action("X", i64::MAX, "p")));
    assert_eq!(parse_request("X  9223372036854775808 p"), Err(ProtoError::BadId("9223372036854775808".into())));
}

#[test]
fn request_errors_say_what_is_wrong() {
    assert_eq!(parse_request(""), Err(ProtoError::Empty));
    assert_eq!(parse_request(" \t\r\n"), Err(ProtoError::Empty));
    assert_eq!(parse_request("deploy  1 x"), Err(ProtoError::BadVerb("deploy".into())));
    assert_eq!(parse_request("DEPLOY  x y"), Err(ProtoError::BadId("x".into())));
    assert_eq!(parse_request("DEPLOY - 42 payload"), Err(ProtoError::BadId("-".into())));
    assert_eq!(parse_request("DEPLOY"), Err(ProtoError::Missing { field: "id", after: "DEPLOY".into() }));
    assert_eq!(parse_request("DEPLOY  1 a\nb"), Err(ProtoError::EmbeddedNewline));
    assert_eq!(parse_request("DÉPLOY  1 x"), Err(ProtoError::BadVerb("DÉPLOY".into())));
    assert_eq!(ProtoError::BadId("x".into()).to_string(), "bad id \"x\" (expected an integer)");
    assert_eq!(ProtoError::Missing { field: "id", after: "DEPLOY".into() }.to_string(), "missing id after \"DEPLOY\"");
}

#[test]
fn long_fields_are_cut_in_error_messages() {
    let long = "é".repeat(100);
    let Err(ProtoError::BadId(quoted)) = parse_request(&format!("X  {long} p")) else {
        panic!("expected a bad id");
    };
    assert!(quoted.len() <= QUOTE_MAX + '…'.len_utf8());
    assert!(quoted.ends_with('…'));
    assert!(long.starts_with(quoted.trim_end_matches('…')));
}

#[test]
fn encode_request_writes_opennebula_spacing() {
    assert_eq!(encode_request(&Request::Init), "INIT\n");
    assert_eq!(encode_request(&Request::Finalize), "FINALIZE\n");
    assert_eq!(encode_request(&Request::DriverCancel { id: 42 }), "DRIVER_CANCEL  42 \n");
    assert_eq!(encode_request(&action("DEPLOY", 42, "PFZN")), "DEPLOY  42 PFZN\n");
    assert_eq!(encode_request(&action("POLL", -1, "")), "POLL  -1 \n");
}

#[test]
fn encode_flattens_newlines_into_blanks() {
    assert_eq!(encode_request(&action("X", 1, "a\nb\r\nc")), "X  1 a b  c\n");
    assert_eq!(
        encode_reply(&reply("DEPLOY", false, 1, "line one\nline two\n")),
        "DEPLOY FAILURE 1 line one line two \n"
    );
    assert_eq!(encode_reply(&log(Severity::Error, 2, "a\rb")), "LOG E 2 a b\n");
}

// ---- replies ----------------------------------------------------------------------------

#[test]
fn opennebula_reply_lines() {
    assert_eq!(
        parse_reply("DEPLOY SUCCESS 42 8d3f0c9e-61a4-4c55-b1a7-3b0e4c0f2a11\n"),
        Ok(reply("DEPLOY", true, 42, "8d3f0c9e-61a4-4c55-b1a7-3b0e4c0f2a11"))
    );
    assert_eq!(
        parse_reply("LOG I 42 Successfully execute network driver operation: pre.\n"),
        Ok(log(Severity::Info, 42, "Successfully execute network driver operation: pre."))
    );
    assert_eq!(parse_reply("INIT SUCCESS - -\n"), Ok(Reply::Init { ok: true, info: "- -".into() }));
    assert_eq!(parse_reply("SHUTDOWN SUCCESS 42 -\n"), Ok(reply("SHUTDOWN", true, 42, "-")));
    assert_eq!(
        parse_reply("DEPLOY FAILURE 42 Could not create domain from /var/lib/one//datastores/0/42/deployment.0\n"),
        Ok(reply("DEPLOY", false, 42, "Could not create domain from /var/lib/one//datastores/0/42/deployment.0"))
    );
    assert_eq!(
        parse_reply("POLL SUCCESS 42 STATE=a CPU=12 MEMORY=524288"),
        Ok(reply("POLL", true, 42, "STATE=a CPU=12 MEMORY=524288"))
    );
    assert_eq!(parse_reply("LOG E -1 driver broken"), Ok(log(Severity::Error, -1, "driver broken")));
}

#[test]
fn init_reply_forms() {
    assert_eq!(parse_reply("INIT SUCCESS"), Ok(Reply::Init { ok: true, info: String::new() }));
    assert_eq!(parse_reply("INIT SUCCESS -"), Ok(Reply::Init { ok: true, info: "-".into() }));
    assert_eq!(parse_reply("INIT FAILURE no libvirt"), Ok(Reply::Init { ok: false, info: "no libvirt".into() }));
    assert_eq!(parse_reply("INIT"), Err(ProtoError::Missing { field: "status", after: "INIT".into() }));
    assert_eq!(parse_reply("INIT OK"), Err(ProtoError::UnknownStatus("OK".into())));
}

#[test]
fn reply_info_may_be_empty_or_dash() {
    assert_eq!(parse_reply("CANCEL SUCCESS 3"), Ok(reply("CANCEL", true, 3, "")));
    assert_eq!(parse_reply("CANCEL SUCCESS 3 \n"), Ok(reply("CANCEL", true, 3, "")));
    assert_eq!(parse_reply("CANCEL FAILURE 3 -"), Ok(reply("CANCEL", false, 3, "-")));
    assert_eq!(parse_reply("CANCEL FAILURE 3 - error text"), Ok(reply("CANCEL", false, 3, "- error text")));
}

#[test]
fn log_severity_is_its_first_character() {
    assert_eq!(parse_reply("LOG E 1 x"), Ok(log(Severity::Error, 1, "x")));
    assert_eq!(parse_reply("LOG ERROR 1 x"), Ok(log(Severity::Error, 1, "x")));
    assert_eq!(parse_reply("LOG W 1 x"), Ok(log(Severity::Warning, 1, "x")));
    assert_eq!(parse_reply("LOG D 1 x"), Ok(log(Severity::Debug, 1, "x")));
    assert_eq!(parse_reply("LOG I 1 x"), Ok(log(Severity::Info, 1, "x")));
    assert_eq!(parse_reply("LOG - 1 x"), Ok(log(Severity::Info, 1, "x")));
    assert_eq!(parse_reply("LOG e 1 x"), Ok(log(Severity::Info, 1, "x")));
    assert_eq!(parse_reply("LOG I 1"), Ok(log(Severity::Info, 1, "")));
    assert_eq!(parse_reply("LOG"), Err(ProtoError::Missing { field: "severity", after: "LOG".into() }));
    assert_eq!(parse_reply("LOG I"), Err(ProtoError::Missing { field: "id", after: "I".into() }));
    assert_eq!(parse_reply("LOG I x y"), Err(ProtoError::BadId("x".into())));
}

#[test]
fn reply_errors_say_what_is_wrong() {
    assert_eq!(parse_reply(""), Err(ProtoError::Empty));
    assert_eq!(parse_reply("DEPLOY DONE 1 x"), Err(ProtoError::UnknownStatus("DONE".into())));
    assert_eq!(parse_reply("DEPLOY success 1 x"), Err(ProtoError::UnknownStatus("success".into())));
    assert_eq!(parse_reply("DEPLOY SUCCESS"), Err(ProtoError::Missing { field: "id", after: "SUCCESS".into() }));
    assert_eq!(parse_reply("DEPLOY FAILURE x"), Err(ProtoError::BadId("x".into())));
    assert_eq!(parse_reply("DEPLOY"), Err(ProtoError::Missing { field: "status", after: "DEPLOY".into() }));
    assert_eq!(parse_reply("Deploy SUCCESS 1"), Err(ProtoError::BadVerb("Deploy".into())));
    assert_eq!(parse_reply("DEPLOY SUCCESS 1 a\nDEPLOY SUCCESS 2 b\n"), Err(ProtoError::EmbeddedNewline));
    assert_eq!(
        ProtoError::UnknownStatus("DONE".into()).to_string(),
        "unknown status \"DONE\" (expected SUCCESS or FAILURE)"
    );
}

#[test]
fn encode_reply_forms() {
    assert_eq!(encode_reply(&Reply::Init { ok: true, info: "-".into() }), "INIT SUCCESS -\n");
    assert_eq!(encode_reply(&Reply::Init { ok: false, info: String::new() }), "INIT FAILURE\n");
    assert_eq!(encode_reply(&reply("DEPLOY", true, 42, "dummy-42")), "DEPLOY SUCCESS 42 dummy-42\n");
    assert_eq!(encode_reply(&reply("CANCEL", false, -7, "")), "CANCEL FAILURE -7\n");
    assert_eq!(encode_reply(&log(Severity::Warning, -1, "careful")), "LOG W -1 careful\n");
    assert_eq!(encode_reply(&log(Severity::Debug, 3, "")), "LOG D 3\n");
}

#[test]
fn canonical_predicates() {
    assert!(action("DEPLOY", 1, "x y ").is_canonical());
    assert!(!action("DEPLOY", 1, " x").is_canonical());
    assert!(!action("DEPLOY", 1, "x\ry").is_canonical());
    assert!(!action("INIT", 1, "").is_canonical());
    assert!(!action("DRIVER_CANCEL", 1, "").is_canonical());
    assert!(!action("deploy", 1, "").is_canonical());
    assert!(action("LOG", 1, "").is_canonical());
    assert!(!reply("LOG", true, 1, "").is_canonical());
    assert!(!reply("INIT", true, 1, "").is_canonical());
    assert!(reply("FINALIZE", true, 1, "").is_canonical());
    assert!(!log(Severity::Info, 1, "\tx").is_canonical());
    assert!(!Reply::Init { ok: true, info: "a\nb".into() }.is_canonical());
}

// ---- base64 -----------------------------------------------------------------------------

#[test]
fn base64_round_trip_and_leniency() {
    let xml = b"<VMM_DRIVER_ACTION_DATA><HOST>node1</HOST></VMM_DRIVER_ACTION_DATA>";
    let text = b64_encode(xml);
    assert!(!text.contains('\n'));
    assert_eq!(b64_decode(&text).as_deref(), Ok(&xml[..]));
    assert_eq!(b64_decode("aGk="), Ok(b"hi".to_vec()));
    assert_eq!(b64_decode("aGk"), Ok(b"hi".to_vec()));
    assert_eq!(b64_decode("aGVs\nbG8=\n"), Ok(b"hello".to_vec()));
    assert_eq!(b64_decode(""), Ok(Vec::new()));
    let Err(ProtoError::Base64(why)) = b64_decode("a*b=") else { panic!("expected a base64 error") };
    assert!(why.contains("Invalid"), "{why}");
}

// ---- properties -------------------------------------------------------------------------

/// A canonical last field: no `\r`/`\n`, no leading blank (the characters include every blank).
fn field() -> impl Strategy<Value = String> {
    "[ \t\x0b\x0ca-zA-Z0-9+/=:._é-]{0,80}".prop_map(|s| s.trim_start_matches([' ', '\t', '\x0b', '\x0c']).to_owned())
}

fn verb() -> impl Strategy<Value = String> {
    "[A-Z0-9_]{1,14}"
}

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![Just(Severity::Error), Just(Severity::Warning), Just(Severity::Info), Just(Severity::Debug)]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::Init),
        Just(Request::Finalize),
        any::<i64>().prop_map(|id| Request::DriverCancel { id }),
        (verb(), any::<i64>(), field())
            .prop_filter("reserved verb", |(v, _, _)| !matches!(v.as_str(), "INIT" | "FINALIZE" | "DRIVER_CANCEL"))
            .prop_map(|(verb, id, payload)| Request::Action { verb, id, payload }),
    ]
}

fn reply_strategy() -> impl Strategy<Value = Reply> {
    prop_oneof![
        (any::<bool>(), field()).prop_map(|(ok, info)| Reply::Init { ok, info }),
        (verb(), any::<bool>(), any::<i64>(), field())
            .prop_filter("reserved verb", |(v, ..)| !matches!(v.as_str(), "INIT" | "LOG"))
            .prop_map(|(verb, ok, id, info)| Reply::Action { verb, ok, id, info }),
        (severity(), any::<i64>(), field()).prop_map(|(severity, id, text)| Reply::Log { severity, id, text }),
    ]
}

/// Strings made of protocol-looking pieces, to reach deep into the parsers.
fn protocolish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("DEPLOY".to_owned()),
        Just("LOG".to_owned()),
        Just("INIT".to_owned()),
        Just("DRIVER_CANCEL".to_owned()),
        Just("SUCCESS".to_owned()),
        Just("FAILURE".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("\r".to_owned()),
        Just("\n".to_owned()),
        Just("-".to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        "[a-zé]{0,3}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// What encoding makes of a parsed value: an inner `\r` (the only non-canonical thing a parser
/// keeps) becomes a blank; everything else is already canonical.
fn flat(s: String) -> String {
    s.replace('\r', " ")
}

fn flat_request(r: Request) -> Request {
    match r {
        Request::Action { verb, id, payload } => Request::Action { verb, id, payload: flat(payload) },
        other => other,
    }
}

fn flat_reply(r: Reply) -> Reply {
    match r {
        Reply::Init { ok, info } => Reply::Init { ok, info: flat(info) },
        Reply::Action { verb, ok, id, info } => Reply::Action { verb, ok, id, info: flat(info) },
        Reply::Log { severity, id, text } => Reply::Log { severity, id, text: flat(text) },
    }
}

proptest! {
    #[test]
    fn requests_round_trip(r in request()) {
        prop_assert!(r.is_canonical());
        let line = encode_request(&r);
        prop_assert!(line.ends_with('\n'));
        prop_assert_eq!(line.matches('\n').count(), 1);
        prop_assert_eq!(parse_request(&line), Ok(r));
    }

    #[test]
    fn replies_round_trip(r in reply_strategy()) {
        prop_assert!(r.is_canonical());
        let line = encode_reply(&r);
        prop_assert!(line.ends_with('\n'));
        prop_assert_eq!(line.matches('\n').count(), 1);
        prop_assert_eq!(parse_reply(&line), Ok(r));
    }

    #[test]
    fn any_string_parses_without_panic(s in any::<String>()) {
        let _ = parse_request(&s);
        let _ = parse_reply(&s);
        let _ = b64_decode(&s);
    }

    #[test]
    fn accepted_lines_re_encode_to_the_same_value(s in protocolish()) {
        if let Ok(r) = parse_request(&s) {
            let line = encode_request(&r);
            prop_assert_eq!(line.matches('\n').count(), 1);
            prop_assert_eq!(parse_request(&line), Ok(flat_request(r)));
        }
        if let Ok(r) = parse_reply(&s) {
            let line = encode_reply(&r);
            prop_assert_eq!(line.matches('\n').count(), 1);
            prop_assert_eq!(parse_reply(&line), Ok(flat_reply(r)));
        }
    }

    #[test]
    fn arbitrary_values_encode_to_one_line(verb in verb(), id in any::<i64>(), text in any::<String>()) {
        let line = encode_reply(&Reply::Action { verb: verb.clone(), ok: false, id, info: text.clone() });
        prop_assert_eq!(line.matches('\n').count(), 1);
        let line = encode_request(&Request::Action { verb, id, payload: text });
        prop_assert_eq!(line.matches('\n').count(), 1);
    }

    #[test]
    fn base64_round_trips(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = b64_encode(&data);
        prop_assert_eq!(b64_decode(&text), Ok(data));
    }
}
