use super::*;
use proptest::prelude::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn parses_the_lines_oned_writes() {
    let text = "# prolog\n\nCLONE.ssh shared fe:/img/a h1:/ds/0/5/disk.0 5 1\n  MKIMAGE ssh 10 raw h1:/ds/0/5/disk.1 5 0  \nDELETE shared h1:/ds/0/5 5 0\n";
    let lines = parse_file(text).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].action(), TransferAction::Clone);
    assert_eq!(lines[0].system(), Some("ssh"));
    assert_eq!(lines[0].script_names(), vec!["clone.ssh".to_string(), "clone".to_string()]);
    assert_eq!(lines[0].args(), s(&["fe:/img/a", "h1:/ds/0/5/disk.0", "5", "1"]));
    assert_eq!(lines[1].tm_mad(), "ssh");
    assert_eq!(lines[1].script_names(), vec!["mkimage".to_string()]);
    assert_eq!(lines[2].args(), s(&["h1:/ds/0/5", "5", "0"]));
}

#[test]
fn refuses_odd_names_and_unknown_actions() {
    assert!(matches!(parse_file("CLONE"), Err(TransferError::NoDriver(1))));
    assert!(parse_file("CLONE ../x a b 1 2").is_err());
    assert!(parse_file("../CLONE ssh a").is_err());
    assert!(parse_file("CLONE.a/b ssh a b 1 2").is_err());
    assert!(parse_file("CLONE. ssh a b 1 2").is_err());
    assert!(parse_file("clone ssh a b 1 2").is_err(), "actions are upper case");
    let e = parse_file("RMRF ssh /x 1 2").unwrap_err();
    assert_eq!(e.to_string(), "transfer line 1: unknown transfer action \"RMRF\"");
    // A hostile line cannot make the message as long as itself.
    let e = parse_file(&format!("{} ssh /x 1 2", "X".repeat(5000))).unwrap_err();
    assert!(e.to_string().len() < 120, "{e}");
    assert!(parse_file("").unwrap().is_empty());
}

#[test]
fn refuses_wrong_field_counts_and_kinds() {
    // A value that shifted the arguments (a blank inside a size or format) is refused.
    let shifted = "MKIMAGE ssh 1 raw fe:/x/disk.0 0 0 extra\n";
    let e = parse_file(shifted).unwrap_err();
    assert_eq!(e.to_string(), "transfer line 1: MKIMAGE takes 5 arguments after the driver, not 6");
    let e = parse_file("MKIMAGE ssh 1x raw h:/d 0 0").unwrap_err();
    assert!(e.to_string().contains("argument 0 of MKIMAGE must be an integer"), "{e}");
    let e = parse_file("MKIMAGE ssh 1 ra/w h:/d 0 0").unwrap_err();
    assert!(e.to_string().contains("argument 1 of MKIMAGE must be a word"), "{e}");
    let e = parse_file("DELETE ssh h:/d 0").unwrap_err();
    assert!(e.to_string().contains("DELETE takes 3 arguments after the driver, not 2"), "{e}");
    // The whole file fails on its first bad line, even after good ones.
    assert!(parse_file("DELETE ssh h:/d 0 0\nDELETE ssh h:/d 0").is_err());
}

#[test]
fn context_takes_any_number_of_files() {
    let t = parse_file("CONTEXT ssh /v/5/context.sh /a /b h:/ds/0/5/disk.1 5 0").unwrap();
    assert_eq!(t[0].args().len(), 6);
    assert!(parse_file("CONTEXT ssh /v/5/context.sh h:/ds/0/5/disk.1 5 0").is_ok());
    assert!(parse_file("CONTEXT ssh h:/ds/0/5/disk.1 5 0").is_err());
    assert!(parse_file("CONTEXT ssh /v/5/context.sh /a h:/d x 0").is_err());
}

#[test]
fn locations_are_percent_encoded() {
    let t = Transfer::new(TransferAction::Delete, None, "shared", s(&["h 1:/a b\n%c\tñ", "5", "0"])).unwrap();
    let line = t.encode();
    assert_eq!(line, "DELETE shared h%201:/a%20b%0A%25c%09%C3%B1 5 0");
    assert_eq!(parse_file(&line).unwrap(), vec![t]);
    assert!(matches!(parse_file("DELETE shared h:/a%2 5 0"), Err(TransferError::Line { .. })));
    assert!(matches!(parse_file("DELETE shared h:/a%00 5 0"), Err(TransferError::Line { .. })));
    assert!(matches!(parse_file("DELETE shared h:/a%FF 5 0"), Err(TransferError::Line { .. })), "invalid UTF-8");
}

#[test]
fn building_checks_everything() {
    assert!(Transfer::new(TransferAction::Delete, None, "sh ared", s(&["h:/d", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Delete, Some("a b"), "ssh", s(&["h:/d", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Delete, None, "ssh", s(&["", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Delete, None, "ssh", s(&["h:/\0", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Mkimage, None, "ssh", s(&["1 0", "raw", "h:/d", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Mkimage, None, "ssh", s(&["10", "raw\nDELETE", "h:/d", "1", "0"])).is_err());
    assert!(Transfer::new(TransferAction::Mkimage, None, "ssh", s(&["10", "qcow2", "h:/d", "1", "0"])).is_ok());
}

#[test]
fn header_line_breaks_are_folded() {
    let t = Transfer::new(TransferAction::Delete, None, "ssh", s(&["h:/d", "1", "0"])).unwrap();
    let file = encode_file("prolog\nDELETE ssh h:/etc 1 0", std::slice::from_ref(&t));
    assert_eq!(parse_file(&file).unwrap(), vec![t]);
}

/// A valid value for a field kind, from an arbitrary string.
fn value_for(kind: FieldKind, raw: String, n: i64) -> String {
    match kind {
        FieldKind::Int => n.to_string(),
        FieldKind::Word => {
            let w: String = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if w.is_empty() { "raw".into() } else { w }
        }
        FieldKind::Loc => {
            let v: String = raw.chars().filter(|c| *c != '\0').collect();
            if v.is_empty() { "x".into() } else { v }
        }
    }
}

fn arb_transfer() -> impl Strategy<Value = Transfer> {
    (
        prop::sample::select(TransferAction::ALL.to_vec()),
        prop::option::of("[a-z][a-z0-9_-]{0,8}"),
        "[a-z][a-z0-9_-]{0,8}",
        prop::collection::vec((any::<String>(), any::<i64>()), 6),
        0usize..3,
    )
        .prop_map(|(action, system, tm, raws, extra)| {
            let mut kinds: Vec<FieldKind> = action.fields().to_vec();
            if let Some(at) = action.repeated_at() {
                for _ in 0..extra {
                    kinds.insert(at + 1, FieldKind::Loc);
                }
            }
            let args = kinds.iter().zip(raws.iter().cycle()).map(|(k, (r, n))| value_for(*k, r.clone(), *n)).collect();
            Transfer::new(action, system.as_deref(), &tm, args).expect("valid by construction")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever a location holds (blanks, line breaks, `#`, `%`, any Unicode), the file reads
    /// back as exactly the transfers written: no field or line is ever added.
    #[test]
    fn values_never_add_fields_or_lines(ts in prop::collection::vec(arb_transfer(), 0..6), header in any::<String>()) {
        let file = encode_file(&header, &ts);
        prop_assert_eq!(parse_file(&file).unwrap(), ts.clone());
        // One line per transfer plus the header.
        prop_assert_eq!(file.matches('\n').count(), ts.len() + 1);
    }

    /// Building refuses, rather than mangles, any value that does not fit its field.
    #[test]
    fn arbitrary_arguments_are_refused_or_round_trip(args in prop::collection::vec(any::<String>(), 0..7)) {
        for action in TransferAction::ALL {
            if let Ok(t) = Transfer::new(action, None, "ssh", args.clone()) {
                prop_assert_eq!(parse_file(&t.encode()).unwrap(), vec![t]);
            }
        }
    }

    /// The reader never panics, whatever the text.
    #[test]
    fn parsing_never_panics(text in any::<String>()) {
        let _ = parse_file(&text);
    }
}
