//! The context CD end to end: a real oned, the real datastore driver (`fs`, for a CONTEXT file
//! image in the files datastore) and transfer driver (`one_tm` + the `qcow2` scripts, whose
//! `context` is the `ssh` one), a host as a network namespace with its own sshd (testkit's
//! `netns::Cluster`) and the dummy VMM.
//!
//! A VM with a NIC and `CONTEXT = [ NETWORK = YES, …, FILES_DS, FILES ]` is deployed: oned writes
//! `var/vms/<id>/context.sh` on the front-end (OpenNebula's header, `KEY='value'` lines in key
//! order, the network values), and the prolog's CONTEXT line leaves `disk.<DISK_ID>` on the host:
//! an ISO9660 image labelled CONTEXT (read at byte 32808, the volume identifier of the primary
//! volume descriptor) holding that `context.sh`, the FILES_DS image under its name and the
//! allowed FILES file. Terminate removes it with the VM's directory.

use e2e::{Location, as_int, as_str, eventually, i, s, wait_vm, xml_int};
use libone::client::Client;
use std::path::{Path, PathBuf};
use std::time::Duration;
use testkit::netns::{Cluster, ClusterConfig};

const T: Duration = Duration::from_secs(60);
const RUNNING: (i64, i64) = (3, 3);

/// The text of `<tag>` (first), CDATA or not.
fn xml_text(body: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let Some(start) = body.find(&open).map(|p| p + open.len()) else { return String::new() };
    let end = body[start..].find(&format!("</{tag}>")).map_or(body.len(), |e| e + start);
    body[start..end].trim_start_matches("<![CDATA[").trim_end_matches("]]>").to_string()
}

/// A file of the ISO image `iso` (Rock Ridge names), read with `isoinfo` when it is installed.
fn iso_file(iso: &Path, name: &str) -> Option<Vec<u8>> {
    let out = std::process::Command::new("isoinfo")
        .args(["-R", "-i"])
        .arg(iso)
        .args(["-x", &format!("/{name}")])
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

#[test]
fn the_context_cd_reaches_the_host() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ds_loc = tmp.path().join("datastores");
    std::fs::create_dir_all(&ds_loc).expect("datastores dir");
    let cl = Cluster::start(ClusterConfig::new(&tmp.path().join("cluster"), 1, &ds_loc));
    // The only directory CONTEXT/FILES may name files of.
    let safe = tmp.path().join("context-files");
    std::fs::create_dir_all(&safe).expect("safe dir");
    let extra = safe.join("extra.txt");
    std::fs::write(&extra, "an admin's file\n").expect("extra file");
    let state = tempfile::tempdir().expect("state dir");
    let sd = state.path().display();
    let conf = format!(
        "DATASTORE_LOCATION = \"{}\"\n\
         IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {sd}\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd}\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"qcow2\", EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 15 -w 300 -d ssh,local,qcow2,shared\" ]\n\
         CONTEXT_SAFE_DIRS = \"{}\"\n\
         MONITORING_INTERVAL_HOST = 1\n\
         MONITORING_INTERVAL_DATASTORE = 2\n",
        ds_loc.display(),
        safe.display()
    );
    let loc = Location::new(&conf);
    std::fs::create_dir_all(loc.path().join("etc/mad")).expect("etc/mad");
    let rc: String = cl.driver_env().iter().map(|(k, v)| format!("{k}=\"{v}\"\n")).collect();
    std::fs::write(loc.path().join("etc/mad/defaultrc"), rc).expect("defaultrc");
    let _oned = loc.start();
    let c: Client = loc.client();
    c.call("one.datastore.update", vec![i(0), s("TM_MAD = \"qcow2\""), i(1)]).expect("datastore update");
    let h1 = cl.hosts[0].addr.clone();
    let hid = as_int(&c.call("one.host.allocate", vec![s(&h1), s("dummy"), s("dummy"), i(-1)]).expect("host"));

    // oneadmin's key, a network, and a CONTEXT file image in the files datastore.
    c.call("one.user.update", vec![i(0), s("SSH_PUBLIC_KEY = \"ssh-ed25519 AAAAe2e admin@fe\""), i(1)])
        .expect("user update");
    let net = "NAME = \"ctxnet\"\nVN_MAD = \"dummy\"\nBRIDGE = \"br0\"\nDNS = \"10.2.0.2\"\n\
               AR = [ TYPE = \"IP4\", IP = \"10.2.0.10\", SIZE = \"8\", GATEWAY = \"10.2.0.1\", NETWORK_MASK = \"255.255.255.0\" ]";
    let vnet = as_int(&c.call("one.vn.allocate", vec![s(net), i(-1)]).expect("vn.allocate"));
    let script = b"#!/bin/sh\necho from the files datastore\n";
    let src = tempfile::Builder::new().prefix("nephele-e2e-").tempfile_in("/var/tmp").expect("file");
    std::fs::write(src.path(), script).expect("write");
    let t = format!("NAME = \"init.sh\"\nTYPE = \"CONTEXT\"\nPATH = \"{}\"", src.path().display());
    let img = as_int(&c.call("one.image.allocate", vec![s(&t), i(2)]).expect("image allocate"));
    eventually(T, "the CONTEXT image READY", || {
        let body = as_str(&c.call("one.image.info", vec![i(img)]).ok()?).to_string();
        assert_ne!(xml_int(&body, "STATE"), Some(5), "image in ERROR: {body}");
        (xml_int(&body, "STATE") == Some(1)).then_some(())
    });

    let t = format!(
        "NAME = \"ctxvm\"\nCPU = \"0.1\"\nMEMORY = \"32\"\nDISK = [ SIZE = 1, TYPE = \"fs\" ]\nNIC = [ NETWORK_ID = {vnet} ]\n\
         CONTEXT = [ NETWORK = \"YES\", SET_HOSTNAME = \"$NAME\", SSH_PUBLIC_KEY = \"$USER[SSH_PUBLIC_KEY]\",\n\
           START_SCRIPT = \"echo 'started' > /tmp/x\", FILES_DS = \"$FILE[IMAGE_ID={img}]\", FILES = \"{}\" ]",
        extra.display()
    );
    let vid = as_int(&c.call("one.vm.allocate", vec![s(&t), e2e::b(true)]).expect("vm.allocate"));
    c.call("one.vm.deploy", vec![i(vid), i(hid), e2e::b(false), i(0)]).expect("deploy");
    let body = wait_vm(&c, vid, T, |st, l| (st, l) == RUNNING);

    // context.sh on the front-end.
    let ctx_sh = loc.path().join(format!("var/vms/{vid}/context.sh"));
    let text = std::fs::read_to_string(&ctx_sh).expect("context.sh on the front-end");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# Context variables generated by OpenNebula");
    let keys: Vec<&str> = lines[1..].iter().map(|l| l.split('=').next().unwrap_or("")).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "keys in order");
    for want in [
        "DISK_ID='1'",
        "TARGET='hda'",
        "NETWORK='YES'",
        "ETH0_IP='10.2.0.10'",
        "ETH0_MASK='255.255.255.0'",
        "ETH0_GATEWAY='10.2.0.1'",
        "ETH0_DNS='10.2.0.2'",
        "SET_HOSTNAME='ctxvm'",
        "SSH_PUBLIC_KEY='ssh-ed25519 AAAAe2e admin@fe'",
        "START_SCRIPT='echo '\\''started'\\'' > /tmp/x'",
    ] {
        assert!(lines.contains(&want), "{want} in context.sh:\n{text}");
    }
    let mac = xml_text(&body, "MAC");
    assert!(lines.contains(&format!("ETH0_MAC='{mac}'").as_str()), "ETH0_MAC {mac}:\n{text}");

    // disk.1 on the host: the ISO labelled CONTEXT with the three files.
    let iso = cl.host_path(&h1, &ds_loc.join(format!("0/{vid}/disk.1")));
    let bytes = std::fs::read(&iso).unwrap_or_else(|e| panic!("{} on the host: {e}", iso.display()));
    assert!(bytes.len() > 32808 + 32, "an ISO image: {} bytes", bytes.len());
    assert_eq!(&bytes[32769..32774], b"CD001", "an ISO9660 primary volume descriptor");
    assert_eq!(String::from_utf8_lossy(&bytes[32808..32840]).trim_end(), "CONTEXT", "the volume label");
    if let Some(on_cd) = iso_file(&iso, "context.sh") {
        assert_eq!(String::from_utf8_lossy(&on_cd), text, "the CD's context.sh is the front-end's");
        assert_eq!(iso_file(&iso, "init.sh").as_deref(), Some(&script[..]), "the FILES_DS image, by its name");
        assert_eq!(iso_file(&iso, "extra.txt").as_deref(), Some(&b"an admin's file\n"[..]), "the allowed FILES file");
    } else {
        // Without isoinfo: the files' bytes are in the image.
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(text.as_bytes()) && has(script) && has(b"an admin's file\n"), "the files are on the CD");
    }

    c.call("one.vm.action", vec![s("terminate"), i(vid)]).expect("terminate");
    eventually(T, "VM done", || {
        (xml_int(as_str(&c.call("one.vm.info", vec![i(vid)]).ok()?), "STATE") == Some(6)).then_some(())
    });
    let dir: PathBuf = cl.host_path(&h1, &ds_loc.join(format!("0/{vid}")));
    assert!(!dir.exists(), "the VM's directory (context CD included) is gone from the host");
}
