//! `onevm` against a real oned with the dummy drivers and mm_sched.

use std::time::Duration;

use e2e::{Location, Oned, as_int, dummy_drivers, eventually, front_end, i, s};

const WAIT: Duration = Duration::from_secs(30);

/// Registers a dummy host and waits until it is monitored.
fn host_on(loc: &Location, name: &str) {
    loc.cli("onehost", &["create", name, "-i", "dummy", "-v", "dummy"]).ok();
    eventually(WAIT, "host monitored", || {
        let out = loc
            .cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT", "--filter", &format!("NAME={name}")])
            .ok()
            .to_string();
        (out == "on\n").then_some(())
    });
}

/// `STAT,HOST` of the VM with ID `vm` in `onevm list` ("" once it is gone).
fn stat(loc: &Location, vm: &str) -> String {
    let out = loc
        .cli("onevm", &["list", "--csv", "--no-header", "-l", "STAT,HOST", "--filter", &format!("ID={vm}")])
        .ok()
        .to_string();
    out.trim_end().to_string()
}

/// Waits until the VM's `STAT,HOST` is `want`.
fn wait_stat(loc: &Location, vm: &str, want: &str) {
    eventually(WAIT, &format!("VM {vm} to be {want}"), || (stat(loc, vm) == want).then_some(()));
}

/// A `KEY : value` line of `onevm show`.
fn field(show: &str, key: &str) -> String {
    show.lines()
        .find(|l| l.starts_with(&format!("{key:<22}:")))
        .map(|l| l[23..].trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in\n{show}"))
}

fn write(loc: &Location, name: &str, text: &str) -> String {
    let path = loc.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn onevm_create_list_show() {
    let (loc, _oned, _state) = front_end();
    host_on(&loc, "h1");

    // From a file, from options (with units and --hold), from stdin several times.
    let tmpl = write(&loc, "web.tmpl", "NAME = \"web\"\nCPU = 0.5\nMEMORY = 128\nNOTE = \"say \\\"hi\\\"\"\n");
    assert_eq!(loc.cli("onevm", &["create", &tmpl]).ok(), "ID: 0\n");
    assert_eq!(
        loc.cli("onevm", &["create", "--name", "db", "--cpu", "1", "--vcpu", "2", "--memory", "1G", "--hold"]).ok(),
        "ID: 1\n"
    );
    assert_eq!(
        loc.cli_stdin("onevm", &["create", "-", "-m", "2"], "NAME = batch\nCPU = 0.1\nMEMORY = 32\n").ok(),
        "ID: 2\nID: 3\n"
    );
    // File plus options: the options win, the rest of the file stays.
    assert_eq!(loc.cli("onevm", &["create", &tmpl, "--memory", "256M", "--name", "merged"]).ok(), "ID: 4\n");

    // The scheduler places the running ones on h1; the held one stays.
    wait_stat(&loc, "0", "runn,h1");
    let list = eventually(WAIT, "all placed", || {
        let out = loc.cli("onevm", &["list"]).ok().to_string();
        (out.matches(" runn ").count() == 4).then_some(out)
    });
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(
        lines[0],
        "    ID USER            GROUP           NAME            STAT  CPU     MEM HOST                   TIME"
    );
    let web = lines.iter().find(|l| l.trim_start().starts_with("0 ")).expect("vm 0 listed");
    assert!(
        web.starts_with("     0 oneadmin        oneadmin        web             runn  0.5    128M h1              "),
        "{list}"
    );
    assert!(list.contains("     1 oneadmin        oneadmin        db              hold    1   1024M"), "{list}");
    assert_eq!(
        loc.cli("onevm", &["list", "--csv", "-l", "ID,NAME,MEM,VCPU", "--filter", "NAME~batch"]).ok(),
        "ID,NAME,MEM,VCPU\n3,batch,32M,\n2,batch,32M,\n"
    );
    assert_eq!(
        loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "NAME,MEM", "--filter", "ID=4"]).ok(),
        "merged,256M\n"
    );

    // show: every section, real values.
    let show = loc.cli("onevm", &["show", "web"]).ok().to_string();
    for needle in [
        "VIRTUAL MACHINE 0 INFORMATION\n",
        "\nVIRTUAL MACHINE MONITORING\n",
        "\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : ---\nOTHER                 : ---\n",
        "\nVIRTUAL MACHINE HISTORY\n SEQ  UID   REQ HOST            ACTION            DS          START        TIME     PROLOG\n   0    0",
        "\nUSER TEMPLATE\n",
        "NOTE=\"say \\\"hi\\\"\"\n",
        "\nVIRTUAL MACHINE TEMPLATE\n",
        "CPU=\"0.5\"\n",
        "MEMORY=\"128\"\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    assert_eq!(field(&show, "NAME"), "web");
    assert_eq!(field(&show, "USER"), "oneadmin");
    assert_eq!(field(&show, "STATE"), "ACTIVE");
    assert_eq!(field(&show, "LCM_STATE"), "RUNNING");
    assert_eq!(field(&show, "HOST"), "h1");
    assert_eq!(field(&show, "LOCK"), "None");
    assert_eq!(field(&show, "RESCHED"), "No");
    assert_eq!(field(&show, "END TIME"), "-");
    assert_ne!(field(&show, "DEPLOY ID"), "-");
    let held = loc.cli("onevm", &["show", "1"]).ok().to_string();
    assert_eq!(field(&held, "STATE"), "HOLD");
    assert_eq!(field(&held, "HOST"), "-");
    assert!(held.contains("VCPU=\"2\"") && held.contains("MEMORY=\"1024\""), "{held}");
    assert!(!held.contains("VIRTUAL MACHINE HISTORY"), "{held}");

    // Machine-readable forms.
    let xml = loc.cli("onevm", &["show", "0", "-x"]).ok().to_string();
    assert!(xml.starts_with("<VM>\n  <ID>0</ID>\n") && xml.contains("<NAME>web</NAME>"), "{xml}");
    let json = loc.cli("onevm", &["list", "-j"]).ok().to_string();
    assert!(json.contains("\"NAME\": \"merged\""), "{json}");

    // NICs by network name and ID: leases and the NIC table.
    let c = loc.client();
    let net = "NAME = \"net1\"\nVN_MAD = \"bridge\"\nBRIDGE = \"br0\"\nAR = [ TYPE = \"IP4\", IP = \"10.0.0.1\", SIZE = \"4\" ]";
    let vn = as_int(&c.call("one.vn.allocate", vec![s(net), i(-1)]).expect("vnet"));
    assert_eq!(
        loc.cli("onevm", &["create", "--cpu", "0.1", "--memory", "64", "--nic", &format!("net1,{vn}"), "--hold"]).ok(),
        "ID: 5\n"
    );
    let show = loc.cli("onevm", &["show", "5"]).ok().to_string();
    assert!(show.contains("\nVM NICS\n ID NETWORK              BRIDGE       IP              MAC\n  0 net1                 br0          10.0.0.1        "), "{show}");
    assert!(show.contains("\n  1 net1                 br0          10.0.0.2        "), "{show}");
    assert_eq!(
        loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "IP", "--filter", "ID=5"]).ok(),
        "\"10.0.0.1,10.0.0.2\"\n"
    );
    // A disk naming an image that does not exist: oned's message, exit 1, nothing created.
    let err = loc.cli("onevm", &["create", "--cpu", "1", "--memory", "64", "--disk", "nosuch"]).fails(1).to_string();
    assert!(err.contains("does not own an image with name: nosuch"), "{err}");
    let err = loc.cli("onevm", &["create", "--cpu", "1", "--memory", "64", "--disk", "42"]).fails(1).to_string();
    assert!(err.contains("Image with ID: 42 does not exist"), "{err}");
    assert_eq!(loc.cli("onevm", &["list", "--no-header", "-l", "ID"]).ok().lines().count(), 6);

    // top stops after -n refreshes.
    let top = loc.cli("onevm", &["top", "-n", "2", "--delay", "0.1"]).ok().to_string();
    assert_eq!(top.matches("\x1b[H\x1b[2J").count(), 2, "{top:?}");
    assert!(top.contains("merged"), "{top:?}");
}

#[test]
fn onevm_lifecycle_actions() {
    let (loc, _oned, _state) = front_end();
    host_on(&loc, "h1");
    assert_eq!(loc.cli("onevm", &["create", "--name", "a", "--cpu", "0.1", "--memory", "64"]).ok(), "ID: 0\n");
    wait_stat(&loc, "0", "runn,h1");

    // Each action reaches its state; VMs are given by name or ID.
    loc.cli("onevm", &["poweroff", "a"]).ok();
    wait_stat(&loc, "0", "poff,h1");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["suspend", "0"]).ok();
    wait_stat(&loc, "0", "susp,h1");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["stop", "0"]).ok();
    wait_stat(&loc, "0", "stop,");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["undeploy", "0"]).ok();
    wait_stat(&loc, "0", "unde,");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["reboot", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["reboot", "0", "--hard"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["poweroff", "--hard", "0"]).ok();
    wait_stat(&loc, "0", "poff,h1");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    loc.cli("onevm", &["undeploy", "--hard", "0"]).ok();
    wait_stat(&loc, "0", "unde,");
    loc.cli("onevm", &["resume", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");

    // The history grows with each placement.
    let show = loc.cli("onevm", &["show", "0"]).ok().to_string();
    let history = show.split("VIRTUAL MACHINE HISTORY\n").nth(1).expect("history").split("\n\n").next().expect("table");
    assert!(history.lines().count() >= 4, "{history}");
    assert!(history.lines().skip(1).all(|l| l.contains(" h1 ")), "{history}");
    // Closed records name the action that ended them (here the resume out of STOPPED or
    // UNDEPLOYED); the current one has none yet.
    let actions: Vec<&str> = history.lines().skip(1).filter_map(|l| l.split_whitespace().nth(4)).collect();
    assert_eq!(actions.first(), Some(&"resume"), "{history}");
    assert_eq!(actions.last(), Some(&"none"), "{history}");

    // monitoring: the records as XML; an attribute no record has is a usage error.
    let xml = loc.cli("onevm", &["monitoring", "a", "CPU", "-x"]).ok().to_string();
    assert!(xml.starts_with("<MONITORING_DATA"), "{xml}");
    let err = loc.cli("onevm", &["monitoring", "0", "NO_SUCH_ATTR"]).fails(2).to_string();
    assert!(err.contains("no monitoring records of NO_SUCH_ATTR for VM 0"), "{err}");

    // resched / unresched: the flag in show and in the RESCHED column.
    loc.cli("onevm", &["resched", "0"]).ok();
    assert_eq!(field(loc.cli("onevm", &["show", "0"]).ok(), "RESCHED"), "Yes");
    assert_eq!(loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "RESCHED"]).ok(), "1\n");
    loc.cli("onevm", &["unresched", "0"]).ok();
    assert_eq!(field(loc.cli("onevm", &["show", "0"]).ok(), "RESCHED"), "No");

    // Several VMs at once, then terminate (soft and hard): DONE VMs leave the list.
    assert_eq!(
        loc.cli("onevm", &["create", "--name", "b", "--cpu", "0.1", "--memory", "64", "-m", "2"]).ok(),
        "ID: 1\nID: 2\n"
    );
    wait_stat(&loc, "1", "runn,h1");
    wait_stat(&loc, "2", "runn,h1");
    loc.cli("onevm", &["poweroff", "1,2"]).ok();
    wait_stat(&loc, "1", "poff,h1");
    wait_stat(&loc, "2", "poff,h1");
    loc.cli("onevm", &["resume", "1..2"]).ok();
    wait_stat(&loc, "1", "runn,h1");
    wait_stat(&loc, "2", "runn,h1");
    loc.cli("onevm", &["terminate", "0"]).ok();
    wait_stat(&loc, "0", "");
    loc.cli("onevm", &["terminate", "--hard", "1", "2"]).ok();
    wait_stat(&loc, "1", "");
    wait_stat(&loc, "2", "");
    assert_eq!(loc.cli("onevm", &["list", "--no-header"]).ok(), "");
    // DONE VMs can still be shown.
    let done = loc.cli("onevm", &["show", "0"]).ok().to_string();
    assert_eq!(field(&done, "STATE"), "DONE");
    assert_ne!(field(&done, "END TIME"), "-");
}

#[test]
fn onevm_hold_release_deploy_migrate_recover() {
    let (loc, _oned, _state) = front_end();
    host_on(&loc, "h1");

    // hold / release: a held VM is not placed; released, it runs.
    assert_eq!(loc.cli("onevm", &["create", "--cpu", "0.1", "--memory", "64", "--hold"]).ok(), "ID: 0\n");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(stat(&loc, "0"), "hold,");
    loc.cli("onevm", &["release", "0"]).ok();
    wait_stat(&loc, "0", "runn,h1");
    // A VM too big for any host stays pending: it can be held and released again.
    assert_eq!(loc.cli("onevm", &["create", "--name", "big", "--cpu", "64", "--memory", "64"]).ok(), "ID: 1\n");
    assert_eq!(stat(&loc, "1"), "pend,");
    loc.cli("onevm", &["hold", "big"]).ok();
    assert_eq!(stat(&loc, "1"), "hold,");
    loc.cli("onevm", &["release", "big"]).ok();
    assert_eq!(stat(&loc, "1"), "pend,");
    loc.cli("onevm", &["recover", "--delete", "big"]).ok();
    wait_stat(&loc, "1", "");

    // deploy a held VM onto a host given by name, in the default system datastore.
    assert_eq!(loc.cli("onevm", &["create", "--cpu", "0.1", "--memory", "64", "--hold"]).ok(), "ID: 2\n");
    host_on(&loc, "h2");
    loc.cli("onevm", &["deploy", "2", "h2", "0"]).ok();
    wait_stat(&loc, "2", "runn,h2");
    // deploy --enforce refuses a VM that does not fit.
    assert_eq!(loc.cli("onevm", &["create", "--cpu", "64", "--memory", "64", "--hold"]).ok(), "ID: 3\n");
    let err = loc.cli("onevm", &["deploy", "3", "h1", "--enforce"]).fails(1).to_string();
    assert!(err.contains("does not fit"), "{err}");

    // migrate (cold, then live) by host name and by ID.
    loc.cli("onevm", &["migrate", "2", "h1"]).ok();
    wait_stat(&loc, "2", "runn,h1");
    loc.cli("onevm", &["migrate", "2", "1", "--live"]).ok();
    wait_stat(&loc, "2", "runn,h2");
    let show = loc.cli("onevm", &["show", "2"]).ok().to_string();
    let history = show.split("VIRTUAL MACHINE HISTORY\n").nth(1).expect("history");
    let rows: Vec<(String, String)> = history
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_string(), cells[3].to_string())
        })
        .collect();
    let want: Vec<(String, String)> =
        [("0", "h2"), ("1", "h1"), ("2", "h2")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(rows, want, "{history}");
    let err = loc.cli("onevm", &["migrate", "2", "h2"]).fails(1).to_string();
    assert!(err.contains("already running on host"), "{err}");
    assert!(loc.cli("onevm", &["migrate", "2", "h1", "--live", "--poff"]).fails(2).contains("--poff"));
    // A power-off migration: the record it leaves says so.
    loc.cli("onevm", &["migrate", "2", "h1", "--poff"]).ok();
    wait_stat(&loc, "2", "runn,h1");
    let show = loc.cli("onevm", &["show", "2"]).ok().to_string();
    let history = show.split("VIRTUAL MACHINE HISTORY\n").nth(1).expect("history");
    let actions: Vec<&str> =
        history.lines().skip(1).take_while(|l| !l.is_empty()).filter_map(|l| l.split_whitespace().nth(4)).collect();
    assert_eq!(actions, ["migrate", "live-migrate", "poweroff-migrate", "none"], "{history}");

    // recover: --recreate sends a VM back to PENDING (and the scheduler places it again),
    // --delete-db forgets it.
    loc.cli("onevm", &["recover", "--recreate", "2"]).ok();
    eventually(WAIT, "recreated VM running again", || {
        let show = loc.cli("onevm", &["show", "2"]).ok().to_string();
        (field(&show, "LCM_STATE") == "RUNNING" && show.matches(" h").count() >= 4).then_some(())
    });
    loc.cli("onevm", &["recover", "--delete-db", "3"]).ok();
    assert!(loc.cli("onevm", &["show", "3"]).fails(1).contains("[one.vm.info]"));
}

/// Like `front_end()`, plus a VM_MAD `faildeploy` whose DEPLOY always fails.
fn front_end_with_failing_deploy() -> (Location, Oned, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("tempdir");
    let sd = state.path().display();
    let conf = format!(
        "{}VM_MAD = [ NAME = \"faildeploy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd} --fail DEPLOY\", TYPE = \"dummy\" ]\n\
         SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {sd}/sched.conf\" ]\n",
        dummy_drivers(state.path(), "-t 16"),
    );
    std::fs::write(state.path().join("sched.conf"), "SCHED_INTERVAL = 1\nDEFAULT_SCHED = [ POLICY = 1 ]\n")
        .expect("sched.conf");
    let loc = Location::new(&conf);
    let oned = loc.start();
    (loc, oned, state)
}

#[test]
fn onevm_recover_operations() {
    let (loc, _oned, _state) = front_end_with_failing_deploy();
    loc.cli("onehost", &["create", "bad", "-i", "dummy", "-v", "faildeploy"]).ok();
    eventually(WAIT, "host monitored", || {
        (loc.cli("onehost", &["list", "--csv", "--no-header", "-l", "STAT"]).ok() == "on\n").then_some(())
    });
    assert_eq!(
        loc.cli("onevm", &["create", "--cpu", "0.1", "--memory", "64", "--hold", "-m", "3"]).ok(),
        "ID: 0\nID: 1\nID: 2\n"
    );
    loc.cli("onevm", &["deploy", "0..2", "bad"]).ok();
    for vm in ["0", "1", "2"] {
        wait_stat(&loc, vm, "fail,bad");
    }
    let show = loc.cli("onevm", &["show", "0"]).ok().to_string();
    assert_eq!(field(&show, "LCM_STATE"), "BOOT_FAILURE");

    // --success: as if the driver had booted it.
    loc.cli("onevm", &["recover", "--success", "0"]).ok();
    let show = loc.cli("onevm", &["show", "0"]).ok().to_string();
    assert_eq!(field(&show, "LCM_STATE"), "RUNNING", "{show}");
    // --retry: DEPLOY runs again and fails again.
    loc.cli("onevm", &["recover", "--retry", "1"]).ok();
    wait_stat(&loc, "1", "fail,bad");
    assert_eq!(field(loc.cli("onevm", &["show", "1"]).ok(), "LCM_STATE"), "BOOT_FAILURE");
    // --failure in a failure state keeps it there.
    loc.cli("onevm", &["recover", "--failure", "1"]).ok();
    assert_eq!(field(loc.cli("onevm", &["show", "1"]).ok(), "LCM_STATE"), "BOOT_FAILURE");
    // --delete cleans up and ends the VM; --delete-db forgets it at once.
    loc.cli("onevm", &["recover", "--delete", "1"]).ok();
    wait_stat(&loc, "1", "");
    assert_eq!(field(loc.cli("onevm", &["show", "1"]).ok(), "STATE"), "DONE");
    loc.cli("onevm", &["recover", "--delete-db", "2"]).ok();
    assert!(loc.cli("onevm", &["show", "2"]).fails(1).contains("[one.vm.info]"));
    // A DONE VM cannot be recreated: oned's message.
    let err = loc.cli("onevm", &["recover", "--recreate", "1"]).fails(1).to_string();
    assert!(err.contains("DONE"), "{err}");
}

#[test]
fn onevm_rename_update_chmod_chown_lock() {
    let (loc, _oned, _state) = front_end();
    assert_eq!(
        loc.cli("onevm", &["create", "--name", "a", "--cpu", "0.1", "--memory", "64", "--hold", "-m", "2"]).ok(),
        "ID: 0\nID: 1\n"
    );

    // rename, then address the VM by its new name.
    loc.cli("onevm", &["rename", "0", "alpha"]).ok();
    assert_eq!(field(loc.cli("onevm", &["show", "alpha"]).ok(), "ID"), "0");

    // update: --append merges into USER_TEMPLATE, without it the template is replaced.
    let t1 = write(&loc, "u1.tmpl", "OWNER_NOTE = \"first\"\nTEAM = \"ops\"\n");
    let t2 = write(&loc, "u2.tmpl", "TEAM = \"dev\"\n");
    loc.cli("onevm", &["update", "alpha", &t1]).ok();
    loc.cli("onevm", &["update", "alpha", &t2, "--append"]).ok();
    let show = loc.cli("onevm", &["show", "alpha"]).ok().to_string();
    let user = show.split("USER TEMPLATE\n").nth(1).expect("user template").split("\n\n").next().expect("section");
    assert!(user.contains("OWNER_NOTE=\"first\"") && user.contains("TEAM=\"dev\"") && !user.contains("ops"), "{user}");
    loc.cli("onevm", &["update", "alpha", &t2]).ok();
    let show = loc.cli("onevm", &["show", "alpha"]).ok().to_string();
    assert!(!show.contains("OWNER_NOTE"), "{show}");
    // With no file the editor runs ($EDITOR is `false` here): nothing changes, exit 2.
    assert!(loc.cli("onevm", &["update", "alpha"]).fails(2).contains("editor"));

    // chmod: the permissions section.
    loc.cli("onevm", &["chmod", "0,1", "640"]).ok();
    let show = loc.cli("onevm", &["show", "1"]).ok().to_string();
    assert!(
        show.contains(
            "PERMISSIONS\nOWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n"
        ),
        "{show}"
    );

    // chown to a new user (and group), chgrp.
    let c = loc.client();
    let gid = as_int(&c.call("one.group.allocate", vec![s("devs")]).expect("group"));
    let uid = as_int(&c.call("one.user.allocate", vec![s("bob"), s("pw"), s("")]).expect("user"));
    loc.cli("onevm", &["chown", "alpha", "bob"]).ok();
    let show = loc.cli("onevm", &["show", "0"]).ok().to_string();
    assert_eq!(field(&show, "USER"), "bob");
    assert_eq!(loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "USER", "--filter", "ID=0"]).ok(), "bob\n");
    loc.cli("onevm", &["chown", "1", &uid.to_string(), "devs"]).ok();
    let show = loc.cli("onevm", &["show", "1"]).ok().to_string();
    assert_eq!((field(&show, "USER"), field(&show, "GROUP")), ("bob".to_string(), "devs".to_string()));
    loc.cli("onevm", &["chgrp", "alpha", &gid.to_string()]).ok();
    assert_eq!(field(loc.cli("onevm", &["show", "0"]).ok(), "GROUP"), "devs");
    assert!(loc.cli("onevm", &["chown", "0", "nobody"]).fails(2).contains("USER named nobody not found."));

    // lock: a locked VM refuses terminate; unlock lets it through.
    loc.cli("onevm", &["lock", "alpha"]).ok();
    let show = loc.cli("onevm", &["show", "alpha"]).ok().to_string();
    assert_eq!(field(&show, "LOCK"), "Use");
    let err = loc.cli("onevm", &["terminate", "alpha"]).fails(1).to_string();
    assert!(err.contains("locked"), "{err}");
    loc.cli("onevm", &["lock", "1", "--level", "admin"]).ok();
    assert_eq!(loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "ID,LOCK"]).ok(), "1,Admin\n0,Use\n");
    loc.cli("onevm", &["unlock", "0,1"]).ok();
    assert_eq!(loc.cli("onevm", &["list", "--csv", "--no-header", "-l", "LOCK"]).ok(), "None\nNone\n");
    loc.cli("onevm", &["terminate", "alpha"]).ok();
    wait_stat(&loc, "0", "");
    assert!(loc.cli("onevm", &["lock", "1", "--level", "most"]).fails(2).contains("most"));
}

#[test]
fn onevm_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    // Template syntax is checked before anything is sent: exit 2 with the line.
    let bad = write(&loc, "bad.tmpl", "CPU = 1\nMEMORY = 64\nNIC = [ NETWORK = \"a\"\n");
    let err = loc.cli("onevm", &["create", &bad]).fails(2).to_string();
    assert!(err.contains("bad.tmpl") && err.contains("line"), "{err}");
    let err = loc.cli_stdin("onevm", &["create", "-"], "CPU = = 1\n").fails(2).to_string();
    assert!(err.contains("line 1"), "{err}");
    // Neither a file nor CPU and MEMORY; bad sizes.
    assert!(loc.cli("onevm", &["create"]).fails(2).contains("--cpu and --memory"));
    assert!(loc.cli("onevm", &["create", "--cpu", "1", "--name", "x"]).fails(2).contains("--cpu and --memory"));
    assert!(loc.cli("onevm", &["create", "--cpu", "1", "--memory", "12X"]).fails(2).contains("12X"));
    assert!(loc.cli("onevm", &["create", "--cpu", "0", "--memory", "1"]).fails(2).contains("CPU"));
    assert!(loc.cli("onevm", &["create", "/nonexistent/vm.tmpl"]).fails(2).contains("/nonexistent/vm.tmpl"));
    assert_eq!(loc.cli("onevm", &["list", "--no-header"]).ok(), "");

    // Unknown names, bad ranges: usage errors. Unknown IDs: oned's error.
    assert!(loc.cli("onevm", &["show", "nosuch"]).fails(2).contains("VM named nosuch not found."));
    assert!(loc.cli("onevm", &["terminate", "nosuch"]).fails(2).contains("VM named nosuch not found."));
    assert!(loc.cli("onevm", &["hold", "5..2"]).fails(2).contains("bad VM range"));
    let err = loc.cli("onevm", &["show", "42"]).fails(1).to_string();
    assert!(err.contains("[one.vm.info]") && err.contains("42"), "{err}");
    assert!(loc.cli("onevm", &["deploy", "0", "nohost"]).fails(2).contains("HOST named nohost not found."));

    // An action in the wrong state: oned's message, exit 1.
    assert_eq!(loc.cli("onevm", &["create", "--cpu", "0.1", "--memory", "64", "--hold"]).ok(), "ID: 0\n");
    let err = loc.cli("onevm", &["suspend", "0"]).fails(1).to_string();
    assert!(err.contains("Error performing action \"suspend\": This action is not available for state HOLD"), "{err}");
    let err = loc.cli("onevm", &["resched", "0"]).fails(1).to_string();
    assert!(err.contains("not available for state"), "{err}");
    // Several VMs: each failure is reported, the others still run, exit 1.
    assert_eq!(loc.cli("onevm", &["create", "--cpu", "64", "--memory", "64"]).ok(), "ID: 1\n");
    let err = loc.cli("onevm", &["hold", "0,1"]).fails(1).to_string();
    assert!(err.contains("VM 0:") && !err.contains("VM 1:"), "{err}");
    assert_eq!(stat(&loc, "1"), "hold,");
    // recover needs exactly one operation.
    assert!(loc.cli("onevm", &["recover", "0"]).fails(2).contains("--"));
    assert!(loc.cli("onevm", &["recover", "0", "--success", "--failure"]).fails(2).contains("cannot be used with"));
    // Bad modes.
    assert!(loc.cli("onevm", &["chmod", "0", "9"]).fails(2).contains("bad mode"));
}
