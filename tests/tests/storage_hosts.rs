//! Storage end to end with real files on real hosts: a real oned, the real datastore driver
//! (`one_datastore` + the `fs` scripts) and transfer driver (`one_tm` + the `qcow2` scripts),
//! two hosts as network namespaces each with its own sshd and its own private datastores
//! directory (testkit's `netns::Cluster`), and the dummy VMM (the hypervisor comes later).
//!
//! Checked on the hosts' and the front-end's files: the registered image's checksum, the
//! qcow2 overlay whose backing file is the host's cached base, a second deploy that copies
//! nothing, a persistent disk's changes coming back to the datastore on terminate, save-as
//! yielding a new READY image with the disk's content, a disk snapshot reverting content,
//! and delete removing every file.

use e2e::{Location, as_int, as_str, eventually, i, s, wait_vm, xml_int};
use libone::client::Client;
use std::path::{Path, PathBuf};
use std::time::Duration;
use testkit::netns::{Cluster, ClusterConfig};

const T: Duration = Duration::from_secs(60);
const RUNNING: (i64, i64) = (3, 3);
const POWEROFF: i64 = 8;

fn sha256(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

fn image_body(c: &Client, id: i32) -> String {
    as_str(&c.call("one.image.info", vec![i(id)]).expect("image.info")).to_string()
}

/// The text of `<tag>` (first), CDATA or not.
fn xml_text(body: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let Some(start) = body.find(&open).map(|p| p + open.len()) else { return String::new() };
    let end = body[start..].find(&format!("</{tag}>")).map_or(body.len(), |e| e + start);
    body[start..end].trim_start_matches("<![CDATA[").trim_end_matches("]]>").to_string()
}

fn wait_image(c: &Client, id: i32, state: i64) -> String {
    eventually(T, &format!("image {id} in state {state}"), || {
        let body = image_body(c, id);
        let st = xml_int(&body, "STATE");
        assert_ne!(st, Some(5), "image {id} went to ERROR: {}", xml_text(&body, "ERROR"));
        (st == Some(state)).then_some(body)
    })
}

/// `qemu-img info --output=json` of a file on a host, run on the host.
fn host_qemu_info(cl: &Cluster, host: &str, path: &str) -> String {
    cl.run_ok(host, &["qemu-img", "info", "-U", "--output=json", path])
}

/// One byte pattern check with qemu-io on a host (`read -P`): true if the first 64 KiB of the
/// image as the guest sees it are all `byte`.
fn host_reads(cl: &Cluster, host: &str, path: &str, byte: u8) -> bool {
    let pat = format!("read -P 0x{byte:02x} 0 64k");
    let out = cl.run_on(host, &["qemu-io", "-r", "-U", "-c", &pat, path]);
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success() && !text.contains("Pattern verification failed")
}

fn host_write(cl: &Cluster, host: &str, path: &str, byte: u8) {
    let pat = format!("write -P 0x{byte:02x} 0 64k");
    cl.run_ok(host, &["qemu-io", "-c", &pat, path]);
}

struct Setup {
    cl: Cluster,
    _loc_guard: Location,
    _oned: e2e::Oned,
    c: Client,
    ds_loc: PathBuf,
    _tmp: tempfile::TempDir,
    _state: tempfile::TempDir,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ds_loc = tmp.path().join("datastores");
    std::fs::create_dir_all(&ds_loc).expect("datastores dir");
    let cl = Cluster::start(ClusterConfig::new(&tmp.path().join("cluster"), 2, &ds_loc));
    let state = tempfile::tempdir().expect("state dir");
    let sd = state.path().display();
    let conf = format!(
        "DATASTORE_LOCATION = \"{}\"\n\
         IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {sd}\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd}\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"qcow2\", EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 15 -w 300 -d ssh,local,qcow2,shared\" ]\n\
         MONITORING_INTERVAL_HOST = 1\n\
         MONITORING_INTERVAL_DATASTORE = 2\n",
        ds_loc.display()
    );
    let loc = Location::new(&conf);
    // The drivers reach the hosts with the cluster's key and known hosts.
    std::fs::create_dir_all(loc.path().join("etc/mad")).expect("etc/mad");
    let rc: String = cl.driver_env().iter().map(|(k, v)| format!("{k}=\"{v}\"\n")).collect();
    std::fs::write(loc.path().join("etc/mad/defaultrc"), rc).expect("defaultrc");
    let oned = loc.start();
    let c = loc.client();
    // The system and image datastores use the qcow2 transfer driver.
    for ds in [0, 1] {
        c.call("one.datastore.update", vec![i(ds), s("TM_MAD = \"qcow2\""), i(1)]).expect("datastore update");
    }
    Setup { cl, _loc_guard: loc, _oned: oned, c, ds_loc, _tmp: tmp, _state: state }
}

fn host(c: &Client, name: &str) -> i32 {
    as_int(&c.call("one.host.allocate", vec![s(name), s("dummy"), s("dummy"), i(-1)]).expect("host"))
}

fn vm(c: &Client, disks: &str) -> i32 {
    let t = format!("NAME = \"v\"\nCPU = \"0.1\"\nMEMORY = \"32\"\n{disks}");
    as_int(&c.call("one.vm.allocate", vec![s(&t), e2e::b(true)]).expect("vm.allocate"))
}

fn deploy(c: &Client, vid: i32, hid: i32) {
    c.call("one.vm.deploy", vec![i(vid), i(hid), e2e::b(false), i(0)]).expect("deploy");
    wait_vm(c, vid, T, |st, l| (st, l) == RUNNING);
}

#[test]
fn images_reach_hosts_through_the_cache_and_come_back() {
    let Setup { cl, c, ds_loc, _loc_guard, _oned, _tmp, _state } = setup();
    let h1 = cl.hosts[0].addr.clone();
    let h2 = cl.hosts[1].addr.clone();
    let (hid1, hid2) = (host(&c, &h1), host(&c, &h2));

    // Register a raw image from a file: LOCKED, then READY with the file's SHA-256.
    let src = tempfile::Builder::new().prefix("nephele-e2e-").tempfile_in("/var/tmp").expect("image file");
    let data: Vec<u8> = (0..8u32 * 1024 * 1024).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(src.path(), &data).expect("write image");
    let want = sha256(src.path());
    let t = format!("NAME = \"base\"\nPATH = \"{}\"", src.path().display());
    let img = as_int(&c.call("one.image.allocate", vec![s(&t), i(1)]).expect("allocate"));
    let body = wait_image(&c, img, 1);
    assert_eq!(xml_text(&body, "SHA256"), want);
    let source = PathBuf::from(xml_text(&body, "SOURCE"));
    assert_eq!(sha256(&source), want, "the datastore copy is the file");
    assert!(source.starts_with(ds_loc.join("1")));

    // A persistent datablock.
    let t = "NAME = \"data\"\nTYPE = \"DATABLOCK\"\nSIZE = \"4\"\nPERSISTENT = \"YES\"";
    let pimg = as_int(&c.call("one.image.allocate", vec![s(t), i(1)]).expect("allocate datablock"));
    let pbody = wait_image(&c, pimg, 1);
    let psource = PathBuf::from(xml_text(&pbody, "SOURCE"));
    let p_before = sha256(&psource);

    // VM 1 on host 1: the image through the cache, as a qcow2 overlay; the datablock copied.
    let v1 = vm(&c, &format!("DISK = [ IMAGE_ID = {img} ]\nDISK = [ IMAGE_ID = {pimg} ]"));
    deploy(&c, v1, hid1);
    let cache = ds_loc.join(".cache").join(&want);
    let disk0 = ds_loc.join(format!("0/{v1}/disk.0"));
    let info = host_qemu_info(&cl, &h1, &disk0.display().to_string());
    assert!(info.contains("\"format\": \"qcow2\""), "disk.0 is an overlay: {info}");
    assert!(
        info.contains(&format!("\"backing-filename\": \"{}\"", cache.display())),
        "the overlay's backing file is the cached base {}: {info}",
        cache.display()
    );
    let cached = cl.host_path(&h1, &cache);
    assert_eq!(sha256(&cached), want, "the host's cache holds the verified image");

    // VM 2 on the same host: the cached base is used as it is (same inode, same mtime).
    use std::os::unix::fs::MetadataExt;
    let m1 = std::fs::metadata(&cached).expect("cache entry");
    let v2 = vm(&c, &format!("DISK = [ IMAGE_ID = {img} ]"));
    deploy(&c, v2, hid1);
    let m2 = std::fs::metadata(&cached).expect("cache entry");
    assert_eq!((m1.ino(), m1.mtime()), (m2.ino(), m2.mtime()), "a second deploy copies nothing");

    // VM 3 on host 2 gets its own verified copy.
    let v3 = vm(&c, &format!("DISK = [ IMAGE_ID = {img} ]"));
    deploy(&c, v3, hid2);
    assert_eq!(sha256(&cl.host_path(&h2, &cache)), want);

    // The persistent disk changes on the host and comes back to the datastore on terminate.
    let pdisk = ds_loc.join(format!("0/{v1}/disk.1"));
    host_write(&cl, &h1, &pdisk.display().to_string(), 0x5a);
    c.call("one.vm.action", vec![s("terminate"), i(v1)]).expect("terminate");
    eventually(T, "VM 1 done", || {
        (xml_int(as_str(&c.call("one.vm.info", vec![i(v1)]).ok()?), "STATE") == Some(6)).then_some(())
    });
    let p_after = sha256(&psource);
    assert_ne!(p_after, p_before, "the persistent image holds the VM's writes");
    let sidecar = std::fs::read_to_string(format!("{}.sha256", psource.display())).expect("sidecar");
    assert_eq!(sidecar.trim(), p_after, "the sidecar follows the new content");
    assert!(!cl.host_path(&h1, &ds_loc.join(format!("0/{v1}"))).exists(), "VM 1's directory is gone from host 1");

    // Snapshot → write → revert on a powered-off VM restores the content.
    c.call("one.vm.action", vec![s("poweroff"), i(v2)]).expect("poweroff");
    wait_vm(&c, v2, T, |st, _| st == POWEROFF);
    let d2 = ds_loc.join(format!("0/{v2}/disk.0")).display().to_string();
    host_write(&cl, &h1, &d2, 0x11);
    let snap = as_int(&c.call("one.vm.disksnapshotcreate", vec![i(v2), i(0), s("before")]).expect("snapshot"));
    wait_vm(&c, v2, T, |st, _| st == POWEROFF);
    host_write(&cl, &h1, &d2, 0x22);
    assert!(host_reads(&cl, &h1, &d2, 0x22));
    c.call("one.vm.disksnapshotrevert", vec![i(v2), i(0), i(snap)]).expect("revert");
    wait_vm(&c, v2, T, |st, _| st == POWEROFF);
    assert!(host_reads(&cl, &h1, &d2, 0x11), "the revert brought back the snapshot's content");

    // Save-as: a new READY image with the disk's content, flattened (no backing file).
    let saved = as_int(&c.call("one.vm.disksaveas", vec![i(v2), i(0), s("saved"), s(""), i(-1)]).expect("disksaveas"));
    let sbody = wait_image(&c, saved, 1);
    wait_vm(&c, v2, T, |st, _| st == POWEROFF);
    let ssource = xml_text(&sbody, "SOURCE");
    let out = std::process::Command::new("qemu-io")
        .args(["-r", "-U", "-c", "read -P 0x11 0 64k", &ssource])
        .output()
        .expect("qemu-io runs");
    assert!(
        out.status.success() && !String::from_utf8_lossy(&out.stdout).contains("verification failed"),
        "the saved image holds the disk's content: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sinfo = std::process::Command::new("qemu-img")
        .args(["info", "-U", "--output=json", &ssource])
        .output()
        .expect("qemu-img");
    assert!(!String::from_utf8_lossy(&sinfo.stdout).contains("backing-filename"), "the saved image stands alone");

    // Terminate the rest and delete the images: every file goes.
    for v in [v2, v3] {
        c.call("one.vm.action", vec![s("terminate-hard"), i(v)]).expect("terminate");
    }
    for v in [v2, v3] {
        eventually(T, "VM done", || {
            (xml_int(as_str(&c.call("one.vm.info", vec![i(v)]).ok()?), "STATE") == Some(6)).then_some(())
        });
    }
    assert!(!cl.host_path(&h2, &ds_loc.join(format!("0/{v3}"))).exists(), "VM 3's directory is gone from host 2");
    for id in [img, pimg, saved] {
        let src = PathBuf::from(xml_text(&image_body(&c, id), "SOURCE"));
        c.call("one.image.delete", vec![i(id)]).expect("image delete");
        eventually(T, "image gone", || c.call("one.image.info", vec![i(id)]).is_err().then_some(()));
        assert!(!src.exists(), "{} removed", src.display());
        assert!(!Path::new(&format!("{}.sha256", src.display())).exists(), "its sidecar removed");
    }
    // The datastores were monitored.
    let ds = as_str(&c.call("one.datastore.info", vec![i(1)]).expect("ds info")).to_string();
    assert!(xml_int(&ds, "TOTAL_MB").unwrap_or(0) > 0, "datastore 1 monitored: {ds}");
}

#[test]
fn kernel_and_initrd_come_from_the_files_datastore() {
    let Setup { cl, c, ds_loc, _loc_guard, _oned, _tmp, _state } = setup();
    let h1 = cl.hosts[0].addr.clone();
    let hid1 = host(&c, &h1);
    // Files datastore 2 keeps OpenNebula 7's TM_MAD "local" (the ssh scripts).
    let mut files = Vec::new();
    for (name, ty, fill) in [("vmlinuz", "KERNEL", 0x4bu8), ("initrd", "RAMDISK", 0x52u8)] {
        let f = tempfile::Builder::new().prefix("nephele-e2e-").tempfile_in("/var/tmp").expect("file");
        std::fs::write(f.path(), vec![fill; 300 * 1024]).expect("write");
        let t = format!("NAME = \"{name}\"\nTYPE = \"{ty}\"\nPATH = \"{}\"", f.path().display());
        let id = as_int(&c.call("one.image.allocate", vec![s(&t), i(2)]).expect("allocate"));
        wait_image(&c, id, 1);
        files.push((id, sha256(f.path()), f));
    }
    let (kid, ksha) = (files[0].0, files[0].1.clone());
    let (rid, rsha) = (files[1].0, files[1].1.clone());
    let v = vm(
        &c,
        &format!(
            "OS = [ KERNEL_DS = \"$FILE[IMAGE_ID={kid}]\", INITRD_DS = \"$FILE[IMAGE_ID={rid}]\", KERNEL_CMD = \"ro\" ]"
        ),
    );
    deploy(&c, v, hid1);
    let dir = ds_loc.join(format!("0/{v}"));
    assert_eq!(sha256(&cl.host_path(&h1, &dir.join("kernel"))), ksha, "the kernel file on the host");
    assert_eq!(sha256(&cl.host_path(&h1, &dir.join("initrd"))), rsha, "the initrd file on the host");
    let body = as_str(&c.call("one.vm.info", vec![i(v)]).expect("vm.info")).to_string();
    assert_eq!(xml_text(&body, "KERNEL"), dir.join("kernel").display().to_string(), "OS/KERNEL points there");
    assert_eq!(xml_text(&body, "INITRD"), dir.join("initrd").display().to_string());
    c.call("one.vm.action", vec![s("terminate"), i(v)]).expect("terminate");
    eventually(T, "VM done", || {
        (xml_int(as_str(&c.call("one.vm.info", vec![i(v)]).ok()?), "STATE") == Some(6)).then_some(())
    });
    assert!(!cl.host_path(&h1, &dir).exists(), "the VM's directory (kernel included) is gone from the host");
    let kbody = image_body(&c, kid);
    assert_eq!(xml_text(&kbody, "RUNNING_VMS"), "0", "a kernel file is not held by the VM");
}
