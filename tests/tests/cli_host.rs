//! `onehost` against a real oned with the dummy drivers and mm_sched.

use std::time::Duration;

use e2e::{eventually, front_end};

#[test]
fn onehost_create_list_show_and_actions() {
    let (loc, _oned, _state) = front_end();
    assert_eq!(loc.cli("onehost", &["create", "h1", "-i", "dummy", "-v", "dummy"]).ok(), "ID: 0\n");
    assert_eq!(
        loc.cli("onehost", &["create", "h2", "--im", "dummy", "--vm", "dummy", "--cluster", "default"]).ok(),
        "ID: 1\n"
    );

    // Wait for the first probe, then check the table's layout and values.
    let list = eventually(Duration::from_secs(30), "hosts monitored", || {
        let out = loc.cli("onehost", &["list"]).ok().to_string();
        (out.matches(" on\n").count() == 2).then_some(out)
    });
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[0], "  ID NAME            CLUSTER   TVM      ALLOCATED_CPU          ALLOCATED_MEM STAT");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("   0 h1              default     0       0 / 800 (0%)          0K / 16G (0%) on")),
        "{list}"
    );

    // Column selection, CSV, filters and machine-readable forms.
    assert_eq!(
        loc.cli("onehost", &["list", "--csv", "-l", "ID,NAME,STAT", "--filter", "NAME=h2"]).ok(),
        "ID,NAME,STAT\n1,h2,on\n"
    );
    assert_eq!(loc.cli("onehost", &["list", "--no-header", "-l", "NAME", "--filter", "ID>0"]).ok(), "h2\n");
    let xml = loc.cli("onehost", &["list", "-x"]).ok().to_string();
    assert!(xml.starts_with("<HOST_POOL>\n  <HOST>\n"), "{xml}");
    let json = loc.cli("onehost", &["show", "h1", "-j"]).ok().to_string();
    assert!(json.contains("\"NAME\": \"h1\""), "{json}");

    let show = loc.cli("onehost", &["show", "0"]).ok().to_string();
    for needle in [
        "HOST 0 INFORMATION",
        "NAME                  : h1",
        "STATE                 : MONITORED",
        "HOST SHARES",
        "MONITORING INFORMATION",
        "VIRTUAL MACHINES",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }

    // disable / offline / enable by name and by ID list.
    loc.cli("onehost", &["disable", "h1"]).ok();
    assert_eq!(loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT", "--filter", "ID=0"]).ok(), "dsbl\n");
    loc.cli("onehost", &["offline", "0,1"]).ok();
    assert_eq!(loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT"]).ok(), "off\noff\n");
    loc.cli("onehost", &["enable", "0..1"]).ok();
    let back = eventually(Duration::from_secs(30), "hosts back on", || {
        let out = loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT"]).ok().to_string();
        (out == "on\non\n").then_some(out)
    });
    assert_eq!(back, "on\non\n");

    // update --append, rename, sync, monitoring.
    let tmpl = loc.path().join("h.tmpl");
    std::fs::write(&tmpl, "RACK = \"r7\"\n").expect("write");
    loc.cli("onehost", &["update", "h1", tmpl.to_str().expect("utf8"), "--append"]).ok();
    assert!(loc.cli("onehost", &["show", "h1"]).ok().contains("RACK=\"r7\""));
    // Without a file, `update` opens the current template in $EDITOR and sends what it saved.
    let editor = loc.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/r7/r8/' \"$1\"\necho 'EDITED = \"yes\"' >> \"$1\"\n")
        .expect("editor");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let mut env = loc.cli_env();
    env.push(("EDITOR", editor.display().to_string()));
    e2e::run_cli("onehost", &["update", "h1"], &env, None).ok();
    let show = loc.cli("onehost", &["show", "h1"]).ok().to_string();
    assert!(show.contains("RACK=\"r8\"") && show.contains("EDITED=\"yes\"") && show.contains("HYPERVISOR="), "{show}");
    // An editor that fails changes nothing.
    assert!(loc.cli("onehost", &["update", "h1"]).fails(2).contains("editor"));
    assert!(loc.cli("onehost", &["show", "h1"]).ok().contains("RACK=\"r8\""));
    loc.cli("onehost", &["rename", "h2", "h2b"]).ok();
    assert!(loc.cli("onehost", &["list"]).ok().contains("h2b"));
    loc.cli("onehost", &["sync"]).ok();
    let mon = loc.cli("onehost", &["monitoring", "h1", "FREE_CPU"]).ok().to_string();
    assert!(mon.starts_with("TIME             FREE_CPU\n") && mon.lines().count() >= 2, "{mon}");

    // top stops after -n refreshes.
    let top = loc.cli("onehost", &["top", "-n", "2", "--delay", "0.1"]).ok().to_string();
    assert_eq!(top.matches("\x1b[H\x1b[2J").count(), 2, "{top:?}");

    loc.cli("onehost", &["delete", "h2b"]).ok();
    assert!(!loc.cli("onehost", &["list"]).ok().contains("h2b"));
}

#[test]
fn onehost_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    // oned's own error, printed as-is.
    let err = loc.cli("onehost", &["show", "42"]).fails(1).to_string();
    assert!(err.contains("[one.host.info]") && err.contains("42"), "{err}");
    // Names that do not exist, bad columns, bad filters: usage errors.
    assert!(loc.cli("onehost", &["disable", "nosuch"]).fails(2).contains("HOST named nosuch not found."));
    assert!(loc.cli("onehost", &["list", "-l", "NOPE"]).fails(2).contains("unknown column"));
    assert!(loc.cli("onehost", &["list", "--filter", "ID"]).fails(2).contains("bad filter"));
    // Missing required options: clap's usage error.
    assert!(loc.cli("onehost", &["create", "h9"]).fails(2).contains("--im"));
    // Duplicate names are refused by oned; nothing is lost.
    loc.cli("onehost", &["create", "h1", "-i", "dummy", "-v", "dummy"]).ok();
    assert!(!loc.cli("onehost", &["create", "h1", "-i", "dummy", "-v", "dummy"]).fails(1).is_empty());
    assert_eq!(loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "h1\n");
    // Several objects: each failure is reported, the others still run, exit 1.
    let err = loc.cli("onehost", &["disable", "0,77"]).fails(1).to_string();
    assert!(err.contains("HOST 77:"), "{err}");
    assert!(loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT"]).ok().contains("dsbl"));
    // No oned at the endpoint, or no credentials.
    let env = vec![
        ("ONE_XMLRPC", "http://127.0.0.1:1/RPC2".to_string()),
        ("ONE_AUTH", loc.path().join(".one/one_auth").display().to_string()),
    ];
    assert!(!e2e::run_cli("onehost", &["list"], &env, None).fails(3).is_empty());
    let env = vec![("ONE_XMLRPC", loc.endpoint()), ("ONE_AUTH", "/nonexistent/one_auth".to_string())];
    assert!(e2e::run_cli("onehost", &["list"], &env, None).fails(3).contains("/nonexistent/one_auth"));
    // Wrong password: oned's authentication error.
    assert!(!loc.cli("onehost", &["list", "--user", "oneadmin", "--password", "wrong"]).fails(1).is_empty());
}
