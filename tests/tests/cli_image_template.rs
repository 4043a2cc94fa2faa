//! `oneimage` and `onetemplate` against a real oned. VMs made by `onetemplate instantiate` are
//! checked over XML-RPC (`one.vm.info`), not with `onevm`.

use e2e::{Location, SafeFile, as_str, front_end, i, wait_image_gone, wait_image_ready, xml_int, xml_text};
use std::time::Duration;

fn write(loc: &Location, name: &str, text: &str) -> String {
    let p = loc.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

/// One column of one object, as CSV without header.
fn cell(loc: &Location, tool: &str, name: &str, col: &str) -> String {
    let out = loc.cli(tool, &["list", "--csv", "--no-header", "-l", &format!("NAME,{col}")]).ok().to_string();
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name},")))
        .unwrap_or_else(|| panic!("{name} not in\n{out}"))
        .to_string()
}

/// `one.vm.info` of a VM.
fn vm_info(loc: &Location, id: i32) -> String {
    let v = loc.client().call("one.vm.info", vec![i(id)]).expect("vm.info");
    as_str(&v).to_string()
}

/// The SOURCE of a READY image, checked to be a file of the front-end's datastore 1.
fn source_file(loc: &Location, body: &str) -> std::path::PathBuf {
    let source = std::path::PathBuf::from(xml_text(body, "SOURCE").expect("SOURCE"));
    assert_eq!(source.parent(), Some(loc.path().join("var/datastores/1").as_path()), "{body}");
    assert!(source.is_file(), "{} missing:\n{body}", source.display());
    source
}

#[test]
fn oneimage_create_list_show_and_actions() {
    let (loc, _oned, _state) = front_end();
    let c = loc.client();
    // Registering really copies (CP) or creates (MKFS): the image is LOCKED until then.
    assert_eq!(
        loc.cli("oneimage", &["create", "--name", "blank", "--type", "datablock", "--size", "8", "-d", "default"]).ok(),
        "ID: 0\n"
    );
    // A real qcow2 (FORMAT comes from the content; SIZE is the file's, in MiB rounded up).
    let os_file = SafeFile::qcow2("os", "2G");
    let os = write(
        &loc,
        "os.tmpl",
        &format!("NAME = \"os\"\nTYPE = \"OS\"\nPATH = \"{}\"\nSIZE = \"2048\"\n", os_file.path()),
    );
    assert_eq!(loc.cli("oneimage", &["create", &os, "-d", "1"]).ok(), "ID: 1\n");
    let cd_file = SafeFile::new("cd", &vec![0x5a; 3 << 20]);
    let cd = format!("NAME = \"cd\"\nTYPE = \"CDROM\"\nPATH = \"{}\"\nSIZE = \"300\"\n", cd_file.path());
    assert_eq!(loc.cli_stdin("oneimage", &["create", "-", "--datastore", "default"], &cd).ok(), "ID: 2\n");
    let blank = source_file(&loc, &wait_image_ready(&c, 0));
    assert_eq!(std::fs::metadata(&blank).expect("blank").len(), 8 << 20);
    let os_source = source_file(&loc, &wait_image_ready(&c, 1));
    let cd_source = source_file(&loc, &wait_image_ready(&c, 2));
    assert_eq!(std::fs::read(&cd_source).expect("cd"), std::fs::read(cd_file.path()).expect("cd file"));
    drop((os_file, cd_file));

    let list = loc.cli("oneimage", &["list"]).ok().to_string();
    assert_eq!(
        list,
        "  ID USER       GROUP      NAME            DATASTORE     SIZE TYPE PER STAT RVMS\n   \
         2 oneadmin   oneadmin   cd              default         3M CD    No rdy     0\n   \
         1 oneadmin   oneadmin   os              default         1M OS    No rdy     0\n   \
         0 oneadmin   oneadmin   blank           default         8M DB    No rdy     0\n"
    );
    assert!(loc.cli("oneimage", &["list", "-x"]).ok().starts_with("<IMAGE_POOL>\n  <IMAGE>\n"));
    assert!(loc.cli("oneimage", &["show", "os", "-j"]).ok().contains("\"FORMAT\": \"qcow2\""));

    let show = loc.cli("oneimage", &["show", "os"]).ok().to_string();
    let path_line = format!("PATH                  : {}\n", os_source_path(&c));
    assert!(show.contains(&path_line), "{path_line:?} not in\n{show}");
    for needle in [
        "IMAGE 1 INFORMATION\n",
        "NAME                  : os\n",
        "USER                  : oneadmin\n",
        "LOCK                  : None\n",
        "DATASTORE             : default\n",
        "TYPE                  : OS\n",
        "PERSISTENT            : No\n",
        "FORMAT                : qcow2\n",
        "SIZE                  : 1M\n",
        "STATE                 : rdy\n",
        "RUNNING_VMS           : 0\n",
        "\nPERMISSIONS\nOWNER                 : um-\n",
        "\nIMAGE TEMPLATE\n",
        "DEV_PREFIX=\"sd\"\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    assert!(show.contains("SOURCE                : /") && !show.contains("VIRTUAL MACHINES"), "{show}");

    // persistent / nonpersistent.
    loc.cli("oneimage", &["persistent", "blank,os"]).ok();
    assert_eq!(cell(&loc, "oneimage", "blank", "PERSISTENT"), "Yes");
    assert_eq!(cell(&loc, "oneimage", "os", "PERSISTENT"), "Yes");
    loc.cli("oneimage", &["nonpersistent", "0"]).ok();
    assert_eq!(cell(&loc, "oneimage", "blank", "PERSISTENT"), "No");
    assert!(loc.cli("oneimage", &["show", "os"]).ok().contains("PERSISTENT            : Yes\n"));
    let err = loc.cli("oneimage", &["persistent", "cd"]).fails(1).to_string();
    assert!(err.contains("must be non-persistent"), "{err}");

    // disable / enable.
    loc.cli("oneimage", &["disable", "blank"]).ok();
    assert_eq!(cell(&loc, "oneimage", "blank", "STAT"), "disa");
    loc.cli("oneimage", &["enable", "blank"]).ok();
    assert_eq!(cell(&loc, "oneimage", "blank", "STAT"), "rdy");

    // chtype, and a type the datastore cannot hold.
    loc.cli("oneimage", &["chtype", "blank", "os"]).ok();
    assert_eq!(cell(&loc, "oneimage", "blank", "TYPE"), "OS");
    assert!(loc.cli("oneimage", &["show", "blank"]).ok().contains("TYPE                  : OS\n"));
    assert!(loc.cli("oneimage", &["chtype", "blank", "KERNEL"]).fails(1).contains("incompatible type"));

    // update --append, rename, chown/chgrp/chmod, lock/unlock.
    let extra = write(&loc, "extra.tmpl", "DESCRIPTION = \"base system\"\n");
    loc.cli("oneimage", &["update", "os", &extra, "--append"]).ok();
    let show = loc.cli("oneimage", &["show", "os"]).ok().to_string();
    assert!(show.contains("DESCRIPTION=\"base system\"\n") && show.contains("DEV_PREFIX=\"sd\""), "{show}");
    loc.cli("oneimage", &["rename", "cd", "iso"]).ok();
    assert_eq!(cell(&loc, "oneimage", "iso", "ID"), "2");
    loc.cli("oneimage", &["chown", "iso", "serveradmin", "users"]).ok();
    assert_eq!(cell(&loc, "oneimage", "iso", "USER"), "serveradmin");
    assert_eq!(cell(&loc, "oneimage", "iso", "GROUP"), "users");
    loc.cli("oneimage", &["chgrp", "iso", "0"]).ok();
    assert_eq!(cell(&loc, "oneimage", "iso", "GROUP"), "oneadmin");
    loc.cli("oneimage", &["chmod", "iso", "640"]).ok();
    let show = loc.cli("oneimage", &["show", "iso"]).ok().to_string();
    assert!(
        show.contains("OWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n"),
        "{show}"
    );
    loc.cli("oneimage", &["lock", "iso"]).ok();
    assert!(loc.cli("oneimage", &["show", "iso"]).ok().contains("LOCK                  : Use\n"));
    assert!(!loc.cli("oneimage", &["rename", "iso", "x"]).fails(1).is_empty());
    loc.cli("oneimage", &["unlock", "iso"]).ok();
    assert!(loc.cli("oneimage", &["show", "iso"]).ok().contains("LOCK                  : None\n"));

    // An image used by a VM: RVMS, the VM list in show, and delete refused.
    assert_eq!(
        loc.cli_stdin(
            "onetemplate",
            &["create", "-"],
            "NAME = \"t\"\nCPU = \"0.1\"\nMEMORY = \"64\"\nDISK = [ IMAGE_ID = \"1\" ]\n"
        )
        .ok(),
        "ID: 0\n"
    );
    assert_eq!(loc.cli("onetemplate", &["instantiate", "t", "--name", "user-of-os", "--hold"]).ok(), "VM ID: 0\n");
    assert_eq!(cell(&loc, "oneimage", "os", "RVMS"), "1");
    assert_eq!(cell(&loc, "oneimage", "os", "STAT"), "used");
    let show = loc.cli("oneimage", &["show", "os"]).ok().to_string();
    assert!(show.contains("RUNNING_VMS           : 1\n") && show.contains("\nVIRTUAL MACHINES\n"), "{show}");
    assert!(show.contains("user-of-os"), "{show}");
    let err = loc.cli("oneimage", &["delete", "os"]).fails(1).to_string();
    assert!(err.contains("VMs using it"), "{err}");

    // top stops after -n refreshes.
    let top = loc.cli("oneimage", &["top", "-n", "1", "--delay", "0.1"]).ok().to_string();
    assert!(top.starts_with("\x1b[H\x1b[2J  ID USER") && top.contains(" iso "), "{top:?}");

    // delete: DELETE until the driver's RM has removed the files (and sidecars), then gone.
    loc.cli("oneimage", &["delete", "blank,iso"]).ok();
    wait_image_gone(&c, 0, Duration::from_secs(30));
    wait_image_gone(&c, 2, Duration::from_secs(30));
    assert_eq!(loc.cli("oneimage", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "os\n");
    for f in [&blank, &cd_source] {
        for ext in ["", ".md5", ".sha256"] {
            let p = format!("{}{ext}", f.display());
            assert!(!std::path::Path::new(&p).exists(), "{p} left after delete");
        }
    }
    assert!(os_source.is_file());
}

/// The PATH image 1 was registered from.
fn os_source_path(c: &libone::client::Client) -> String {
    let body = as_str(&c.call("one.image.info", vec![i(1)]).expect("image.info")).to_string();
    xml_text(&body, "PATH").expect("PATH")
}

#[test]
fn oneimage_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    let bad = write(&loc, "bad.tmpl", "NAME = \"x\"\nTYPE = [ OS\n");
    assert!(!loc.cli("oneimage", &["create", &bad, "-d", "default"]).fails(2).is_empty());
    // The datastore is mandatory, as in OpenNebula.
    assert!(loc.cli("oneimage", &["create", "--name", "n"]).fails(2).contains("--datastore"));
    assert!(loc.cli("oneimage", &["create", "--type", "OS", "-d", "default"]).fails(2).contains("--name"));
    let ok = write(&loc, "ok.tmpl", "NAME = \"x\"\nTYPE = \"DATABLOCK\"\nSIZE = \"1\"\n");
    assert!(loc.cli("oneimage", &["create", &ok, "--name", "y", "-d", "default"]).fails(2).contains("not both"));
    assert!(
        loc.cli("oneimage", &["create", &ok, "-d", "nosuch"]).fails(2).contains("DATASTORE named nosuch not found.")
    );
    // oned's refusals: a datastore that does not exist, a system datastore, a forbidden PATH.
    let err = loc.cli("oneimage", &["create", &ok, "-d", "99"]).fails(1).to_string();
    assert!(err.contains("99"), "{err}");
    assert!(loc.cli("oneimage", &["create", &ok, "-d", "system"]).fails(1).contains("files or image datastore"));
    let secret = write(&loc, "secret.tmpl", "NAME = \"s\"\nPATH = \"/etc/shadow\"\n");
    assert!(loc.cli("oneimage", &["create", &secret, "-d", "default"]).fails(1).contains("Not allowed"));
    assert!(
        loc.cli("oneimage", &["create", "--name", "n", "--type", "bogus", "--size", "1", "-d", "default"])
            .fails(2)
            .contains("type should be one of")
    );
    assert!(loc.cli("oneimage", &["show", "nosuch"]).fails(2).contains("IMAGE named nosuch not found."));
    assert!(loc.cli("oneimage", &["show", "7"]).fails(1).contains("[one.image.info]"));
    assert!(loc.cli("oneimage", &["chmod", "0", "999"]).fails(2).contains("bad mode"));
    assert_eq!(loc.cli("oneimage", &["list", "--no-header"]).ok(), "");
    // Several images: each failure is reported, the others still run.
    loc.cli("oneimage", &["create", &ok, "-d", "default"]).ok();
    wait_image_ready(&loc.client(), 0);
    let err = loc.cli("oneimage", &["disable", "0,5"]).fails(1).to_string();
    assert!(err.contains("IMAGE 5:"), "{err}");
    assert_eq!(cell(&loc, "oneimage", "x", "STAT"), "disa");
}

#[test]
fn onetemplate_create_instantiate_clone_and_actions() {
    let (loc, _oned, _state) = front_end();
    let small = write(&loc, "small.tmpl", "NAME = \"small\"\nCPU = \"0.5\"\nMEMORY = \"128\"\n");
    assert_eq!(loc.cli("onetemplate", &["create", &small]).ok(), "ID: 0\n");
    assert_eq!(
        loc.cli(
            "onetemplate",
            &["create", "--name", "web", "--cpu", "1", "--memory", "256", "--nic", "net,3", "--disk", "ubuntu"]
        )
        .ok(),
        "ID: 1\n"
    );

    let list = loc.cli("onetemplate", &["list"]).ok().to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[0], "  ID USER            GROUP           NAME                                REGTIME");
    assert!(
        lines[1].starts_with("   1 oneadmin        oneadmin        web                         ")
            && lines[1].len() == 80,
        "{list}"
    );
    assert!(lines[2].starts_with("   0 oneadmin        oneadmin        small                       "), "{list}");
    assert_eq!(lines.len(), 3);
    assert!(loc.cli("onetemplate", &["list", "-x"]).ok().starts_with("<VMTEMPLATE_POOL>\n  <VMTEMPLATE>\n"));

    let show = loc.cli("onetemplate", &["show", "web"]).ok().to_string();
    for needle in [
        "TEMPLATE 1 INFORMATION\n",
        "NAME                  : web\n",
        "USER                  : oneadmin\n",
        "LOCK                  : None\n",
        "REGISTER TIME         : ",
        "\nPERMISSIONS\nOWNER                 : um-\n",
        "\nTEMPLATE CONTENTS\n",
        "CPU=\"1\"\n",
        "MEMORY=\"256\"\n",
        "NIC=[\n  NETWORK=\"net\" ]\n",
        "NIC=[\n  NETWORK_ID=\"3\" ]\n",
        "DISK=[\n  IMAGE=\"ubuntu\" ]\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }

    // instantiate several VMs with numbered names.
    assert_eq!(
        loc.cli("onetemplate", &["instantiate", "small", "--name", "vm-%i", "-m", "2"]).ok(),
        "VM ID: 0\nVM ID: 1\n"
    );
    for (id, name) in [(0, "vm-0"), (1, "vm-1")] {
        let vm = vm_info(&loc, id);
        assert!(vm.contains(&format!("<NAME>{name}</NAME>")), "{vm}");
        assert!(
            vm.contains("<TEMPLATE_ID><![CDATA[0]]></TEMPLATE_ID>") || vm.contains("<TEMPLATE_ID>0</TEMPLATE_ID>"),
            "{vm}"
        );
        assert_ne!(xml_int(&vm, "STATE"), Some(2), "not on hold: {vm}");
    }
    // on hold, with extra attributes from a file.
    let extra = write(&loc, "extra.tmpl", "MEMORY = \"512\"\nLABEL = \"blue\"\n");
    assert_eq!(loc.cli("onetemplate", &["instantiate", "0", &extra, "--hold"]).ok(), "VM ID: 2\n");
    let vm = vm_info(&loc, 2);
    assert_eq!(xml_int(&vm, "STATE"), Some(2), "{vm}");
    assert!(vm.contains("<MEMORY><![CDATA[512]]></MEMORY>"), "{vm}");
    assert!(vm.contains("blue"), "{vm}");

    // clone.
    assert_eq!(loc.cli("onetemplate", &["clone", "small", "big"]).ok(), "ID: 2\n");
    assert!(loc.cli("onetemplate", &["show", "big"]).ok().contains("MEMORY=\"128\"\n"));

    // update --append, rename, chown/chgrp/chmod, lock/unlock.
    let more = write(&loc, "more.tmpl", "MEMORY = \"1024\"\n");
    loc.cli("onetemplate", &["update", "big", &more, "--append"]).ok();
    let show = loc.cli("onetemplate", &["show", "big"]).ok().to_string();
    assert!(show.contains("MEMORY=\"1024\"\n") && show.contains("CPU=\"0.5\"\n"), "{show}");
    loc.cli("onetemplate", &["update", "big", &more]).ok();
    assert!(!loc.cli("onetemplate", &["show", "big"]).ok().contains("CPU="), "replaced");
    loc.cli("onetemplate", &["rename", "big", "huge"]).ok();
    assert_eq!(cell(&loc, "onetemplate", "huge", "ID"), "2");
    loc.cli("onetemplate", &["chown", "huge", "serveradmin"]).ok();
    assert_eq!(cell(&loc, "onetemplate", "huge", "USER"), "serveradmin");
    loc.cli("onetemplate", &["chgrp", "huge", "users"]).ok();
    assert_eq!(cell(&loc, "onetemplate", "huge", "GROUP"), "users");
    loc.cli("onetemplate", &["chmod", "huge", "664"]).ok();
    let show = loc.cli("onetemplate", &["show", "huge"]).ok().to_string();
    assert!(
        show.contains("OWNER                 : um-\nGROUP                 : um-\nOTHER                 : u--\n"),
        "{show}"
    );
    // ALL is stored as USE, as OpenNebula does.
    loc.cli("onetemplate", &["lock", "small", "--level", "all"]).ok();
    assert!(loc.cli("onetemplate", &["show", "small"]).ok().contains("LOCK                  : Use\n"));
    assert!(!loc.cli("onetemplate", &["instantiate", "small"]).fails(1).is_empty());
    loc.cli("onetemplate", &["unlock", "small"]).ok();
    assert!(loc.cli("onetemplate", &["show", "small"]).ok().contains("LOCK                  : None\n"));
    assert_eq!(loc.cli("onetemplate", &["instantiate", "small"]).ok(), "VM ID: 3\n");

    let top = loc.cli("onetemplate", &["top", "-n", "1", "--delay", "0.1"]).ok().to_string();
    assert!(top.starts_with("\x1b[H\x1b[2J  ID USER") && top.contains(" huge "), "{top:?}");

    loc.cli("onetemplate", &["delete", "1..2"]).ok();
    assert_eq!(loc.cli("onetemplate", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "small\n");
}

#[test]
fn onetemplate_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    let bad = write(&loc, "bad.tmpl", "NAME = \"x\"\nDISK = [ IMAGE = \"a\"\n");
    assert!(!loc.cli("onetemplate", &["create", &bad]).fails(2).is_empty());
    assert!(loc.cli("onetemplate", &["create"]).fails(2).contains("--name"));
    assert!(loc.cli("onetemplate", &["instantiate", "nosuch"]).fails(2).contains("TEMPLATE named nosuch not found."));
    assert!(loc.cli("onetemplate", &["show", "3"]).fails(1).contains("[one.template.info]"));
    let ok = write(&loc, "ok.tmpl", "NAME = \"t\"\nCPU = \"0.1\"\nMEMORY = \"32\"\n");
    assert!(loc.cli("onetemplate", &["create", &ok, "--cpu", "2"]).fails(2).contains("not both"));
    loc.cli("onetemplate", &["create", &ok]).ok();
    assert!(!loc.cli("onetemplate", &["instantiate", "t", &bad]).fails(2).is_empty());
    assert!(loc.cli("onetemplate", &["instantiate", "t", "-m", "0"]).fails(2).contains("--multiple"));
    // oned's refusals: persistent instantiation, a duplicate name, a bad NIC.
    assert!(
        loc.cli("onetemplate", &["instantiate", "t", "--persistent"]).fails(1).contains("Persistent instantiation")
    );
    assert!(!loc.cli("onetemplate", &["create", &ok]).fails(1).is_empty());
    assert!(!loc.cli("onetemplate", &["clone", "t", "t"]).fails(1).is_empty());
    let nic = write(&loc, "nic.tmpl", "NIC = [ NETWORK_ID = \"42\" ]\n");
    let err = loc.cli("onetemplate", &["instantiate", "t", &nic]).fails(1).to_string();
    assert!(err.contains("42"), "{err}");
    // Nothing was created by the failures.
    let vms =
        as_str(&loc.client().call("one.vmpool.info", vec![i(-2), i(-1), i(-1), i(-1)]).expect("pool")).to_string();
    assert!(!vms.contains("<VM>"), "{vms}");
    assert_eq!(loc.cli("onetemplate", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "t\n");
}
