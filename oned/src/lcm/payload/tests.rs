//! Property test of what reaches drivers: arbitrary strings in every template value that a
//! transfer line or a VMM action carries (disk sizes, formats, types, targets, sources, driver
//! names; also host names and datastore paths, which admins write) either make VM creation fail
//! with the attribute named, or travel in lines that read back as exactly the fields intended.

use super::*;
use crate::auth::Caller;
use crate::cloud::Settings;
use crate::dm;
use crate::objects::host::{Host, HostShare, HostState};
use crate::objects::image::Image;
use driver_proto::proto::{self, Request};
use driver_proto::transfer::parse_file;
use libone::template::{Template, Vector};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn oneadmin() -> Caller {
    Caller::oneadmin()
}

/// A cloud with a host named `host`, the system datastore at `sys_path` and an image whose
/// source, format and datastore path are given.
fn cloud(host: &str, sys_path: &str, img_path: &str, source: &str, format: &str) -> (Cloud, i32, i32) {
    let mut c = Cloud::empty(Settings::default());
    c.bootstrap("x".into(), "y".into()).unwrap();
    if let Some(d) = c.datastores.get_mut(0) {
        d.base_path = sys_path.to_string();
    }
    if let Some(d) = c.datastores.get_mut(1) {
        d.base_path = img_path.to_string();
    }
    let hid = c.hosts.allocate(|oid| Host {
        state: HostState::Monitored,
        share: HostShare {
            max_cpu: 100_000,
            max_mem: 1 << 40,
            total_cpu: 100_000,
            total_mem: 1 << 40,
            ..HostShare::default()
        },
        ..Host::new(oid, host, "dummy", "dummy", 0, "default", Template::new())
    });
    let owner = crate::rm::generic::new_ownership(&oneadmin());
    let iid = c.images.allocate(|oid| Image {
        oid,
        name: "img".into(),
        owner,
        lock: None,
        image_type: 0,
        disk_type: 0,
        persistent: false,
        regtime: 0,
        modtime: 0,
        source: source.to_string(),
        path: String::new(),
        format: format.to_string(),
        fs: String::new(),
        size: 1,
        state: crate::objects::image::state::READY,
        prev_state: crate::objects::image::state::READY,
        running_vms: 0,
        cloning_ops: 0,
        cloning_id: -1,
        target_snapshot: -1,
        datastore_id: 1,
        datastore: "default".into(),
        vms: BTreeSet::new(),
        clones: BTreeSet::new(),
        app_clones: BTreeSet::new(),
        template: Template::new(),
        pending: None,
        snapshots: Vec::new(),
        next_snapshot: 0,
    });
    (c, hid, iid)
}

/// Names of the disk values a template may carry, each filled with an arbitrary string.
const DISK_KEYS: &[&str] =
    &["SIZE", "FORMAT", "TYPE", "TARGET", "DEV_PREFIX", "DRIVER", "TM_MAD", "SOURCE", "CLONE", "DATASTORE_ID", "CACHE"];

/// A value that has the form `key` needs.
fn good(key: &str) -> BoxedStrategy<String> {
    match key {
        "SIZE" | "DATASTORE_ID" => "[0-9]{1,5}".boxed(),
        "FORMAT" | "DRIVER" | "CACHE" => {
            prop_oneof![Just("raw".to_string()), Just("qcow2".to_string()), "[a-z0-9_-]{1,8}"].boxed()
        }
        "TYPE" => prop_oneof![Just("fs".to_string()), Just("SWAP".to_string()), Just("cdrom".to_string())].boxed(),
        "TARGET" => "[a-z]{2}[a-z0-9]{1,3}".boxed(),
        "DEV_PREFIX" => "[a-z]{1,3}".boxed(),
        "TM_MAD" => "[a-z][a-z0-9_-]{0,8}".boxed(),
        "CLONE" => prop_oneof![Just("YES".to_string()), Just("no".to_string())].boxed(),
        "MODEL" => "[a-z0-9]{1,8}".boxed(),
        _ => "[ -~]{1,16}".boxed(),
    }
}

/// Mostly a well-formed value for `key`, sometimes one that would break lines and fields.
fn value(key: &'static str) -> BoxedStrategy<Option<String>> {
    prop::option::of(prop_oneof![
        12 => good(key),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
        1 => "(raw|1|ssh)[ \n\t\r#%:]{1,3}(DELETE|MV|-1) shared fe:/x 0 0".prop_map(|s| s.to_string()),
    ])
    .boxed()
}

/// One value per name of `keys`.
fn values(keys: &'static [&'static str]) -> Vec<BoxedStrategy<Option<String>>> {
    keys.iter().map(|k| value(k)).collect()
}

/// A path or host name as an admin might write it: anything without NUL.
fn admin_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-z0-9.-]{0,10}", "/[ -~]{1,16}", any::<String>()].prop_map(|s: String| {
        // Characters XML 1.0 cannot carry are refused on every input path, so they never get
        // into a name or path.
        let s: String = s.chars().filter(|c| *c != '\0' && libone::xmlchar::is_xml_char(*c)).collect();
        if s.is_empty() { "h".into() } else { s }
    })
}

/// The vector of `pairs` (name → value), skipping `None`s.
fn disk(pairs: &[(&str, Option<String>)]) -> Vector {
    Vector::from_pairs(pairs.iter().filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v))))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn template_values_never_add_fields_or_lines(
        image_disk in values(DISK_KEYS),
        volatile_disk in values(DISK_KEYS),
        nic_model in value("MODEL"),
        host in admin_text(),
        sys_path in admin_text(),
        img_path in admin_text(),
        source in admin_text(),
        format in value("FORMAT").prop_map(|f| f.unwrap_or_else(|| "raw".into())),
    ) {
        let (mut c, hid, iid) = cloud(&host, &sys_path, &img_path, &source, &format);
        let mut t = Template::new();
        t.set("CPU", "1");
        t.set("MEMORY", "64");
        let mut img: Vec<(&str, Option<String>)> = DISK_KEYS.iter().copied().zip(image_disk).collect();
        img.push(("IMAGE_ID", Some(iid.to_string())));
        t.add_vector("DISK", disk(&img));
        let vol: Vec<(&str, Option<String>)> = DISK_KEYS.iter().copied().zip(volatile_disk).filter(|(k, _)| *k != "SOURCE").collect();
        t.add_vector("DISK", disk(&vol));
        if let Some(m) = nic_model {
            t.add_vector("NIC", Vector::from_pairs([("MODEL", m), ("NETWORK_MODE", "auto".to_string())]));
        }
        let vmid = c.vms.last_oid() + 1;
        let prepared = match dm::create::prepare(&mut c, &oneadmin(), vmid, t) {
            Ok(p) => p,
            Err(e) => {
                // Refused, with the attribute named; nothing was taken.
                let msg = e.to_string();
                prop_assert!(msg.contains("DISK/") || msg.contains("NIC/"), "{}", msg);
                prop_assert_eq!(c.images.get(iid).map(|i| i.running_vms), Some(0));
                return Ok(());
            }
        };
        let owner = crate::rm::generic::new_ownership(&oneadmin());
        let id = c.vms.allocate(|oid| dm::create::new_vm(oid, prepared, owner, false));
        prop_assert!(dm::deploy(&mut c, id, hid, -1, false, 0, 0).is_ok());
        let vm = c.vms.get(id).cloned().expect("the VM");
        let disks: Vec<Vector> = vm.template.vectors("DISK").cloned().collect();

        // Every stage's transfer file reads back as the transfers intended.
        for stage in [Stage::Prolog, Stage::Epilog, Stage::EpilogStop, Stage::EpilogLocal, Stage::PrologResume, Stage::Delete, Stage::Migrate] {
            let list = transfers(&c, &vm, stage).expect("values were checked at creation");
            let file = driver_proto::transfer::encode_file(stage.as_str(), &list);
            prop_assert_eq!(parse_file(&file).expect("oned's own file parses"), list.clone());
            prop_assert_eq!(file.matches('\n').count(), list.len() + 1, "one line per transfer");
        }
        let prolog = transfers(&c, &vm, Stage::Prolog).expect("prolog");
        prop_assert_eq!(prolog.len(), 2);
        let dir = format!("{sys_path}/{id}");
        // The image disk: its source (on the front-end unless it names a host) to the VM dir.
        let src = if source.contains(':') { source.clone() } else { format!("{}:{source}", frontend()) };
        prop_assert!(matches!(prolog[0].action(), TransferAction::Clone | TransferAction::Ln));
        prop_assert_eq!(prolog[0].tm_mad(), c.datastores.get(1).map(|d| d.tm_mad.clone()).unwrap_or_default());
        prop_assert_eq!(prolog[0].args().to_vec(), vec![src, format!("{host}:{dir}/disk.0"), id.to_string(), "1".to_string()]);
        // The volatile disk: its checked size and format.
        let size = disks[1].get("SIZE").unwrap_or("0").to_string();
        let fmt = disks[1].get("FORMAT").unwrap_or("raw").to_string();
        if disks[1].get("TYPE").is_some_and(|t| t.eq_ignore_ascii_case("swap")) {
            // A swap disk: its size only.
            prop_assert_eq!(prolog[1].action(), TransferAction::Mkswap);
            prop_assert_eq!(prolog[1].args().to_vec(), vec![size, format!("{host}:{dir}/disk.1"), id.to_string(), "0".to_string()]);
        } else {
            prop_assert_eq!(prolog[1].action(), TransferAction::Mkimage);
            prop_assert_eq!(prolog[1].args().to_vec(), vec![size, fmt, format!("{host}:{dir}/disk.1"), id.to_string(), "0".to_string()]);
        }

        // The VMM line carries the action document intact.
        let payload = vmm_payload(&c, &vm, Verb::Deploy, None);
        let line = proto::encode_request(&Request::Action { verb: "DEPLOY".into(), id: id as i64, payload: payload.clone() });
        prop_assert_eq!(line.matches('\n').count(), 1);
        let back = proto::parse_request(&line).expect("the line parses");
        prop_assert_eq!(back, Request::Action { verb: "DEPLOY".into(), id: id as i64, payload: payload.clone() });
        let xml = String::from_utf8(proto::b64_decode(&payload).expect("base64")).expect("UTF-8");
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => prop_assert!(false, "the action document is not XML: {}", e),
            }
        }
        prop_assert!(xml.starts_with("<VMM_DRIVER_ACTION_DATA>"));
    }
}

/// A VM with `context` deployed on "h1", for the prolog's context transfer.
fn deployed_with_context(context: &str, settings: impl FnOnce(&mut Settings)) -> (Cloud, VirtualMachine) {
    let (mut c, hid, _) = cloud("h1", "/sys", "/img", "/img/src", "raw");
    settings(&mut c.settings);
    let t = Template::parse_text(&format!("NAME = \"ctx\"\nCPU = 1\nMEMORY = 64\n{context}")).expect("template");
    let vmid = c.vms.last_oid() + 1;
    let prepared = dm::create::prepare(&mut c, &oneadmin(), vmid, t).expect("allocated");
    let owner = crate::rm::generic::new_ownership(&oneadmin());
    let id = c.vms.allocate(|oid| dm::create::new_vm(oid, prepared, owner, false));
    dm::deploy(&mut c, id, hid, -1, false, 0, 0).expect("deployed");
    let vm = c.vms.get(id).cloned().expect("the VM");
    (c, vm)
}

fn pending(stage: Stage) -> PendingAction {
    PendingAction {
        driver: crate::objects::vm::DriverKind::Tm,
        verb: Verb::Transfer,
        stage,
        seq: 1,
        sent_at: 0,
        attempts: 0,
    }
}

#[test]
fn the_prolog_writes_context_sh_and_ends_with_the_context_transfer() {
    let vms = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let extra = files.path().join("extra.txt");
    std::fs::write(&extra, "x").expect("write");
    let safe = files.path().display().to_string();
    let (c, vm) = deployed_with_context(
        &format!("CONTEXT = [ HOSTNAME = \"$NAME\", PASSWORD = \"p'w\", FILES = \"{}\" ]", extra.display()),
        |s| s.context_safe_dirs = vec![safe],
    );
    let path = write_transfer(&c, &vm, &pending(Stage::Prolog), vms.path()).expect("written");
    let list = parse_file(&std::fs::read_to_string(&path).expect("transfer file")).expect("parses");
    let last = list.last().expect("a transfer");
    let ctx_sh = vms.path().join(format!("{}/context.sh", vm.oid));
    assert_eq!(last.action(), TransferAction::Context);
    assert_eq!(last.tm_mad(), system_tm_mad(&c, &vm));
    assert_eq!(
        last.args().to_vec(),
        vec![
            ctx_sh.display().to_string(),
            extra.display().to_string(),
            format!("h1:/sys/{}/disk.0", vm.oid),
            vm.oid.to_string(),
            "0".to_string()
        ]
    );
    let text = std::fs::read_to_string(&ctx_sh).expect("context.sh");
    assert!(text.starts_with("# Context variables generated by OpenNebula\n"), "{text}");
    assert!(text.contains("HOSTNAME='ctx'\n") && text.contains("PASSWORD='p'\\''w'\n"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&ctx_sh).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "context.sh may hold a password");
    // The stages after which the VM starts on a host make it again; the others do not.
    for stage in [Stage::PrologResume, Stage::PrologUndeploy, Stage::Migrate] {
        let path = write_transfer(&c, &vm, &pending(stage), vms.path()).expect("written");
        let list = parse_file(&std::fs::read_to_string(&path).expect("file")).expect("parses");
        assert_eq!(list.last().map(|t| t.action()), Some(TransferAction::Context), "{stage}");
    }
    for stage in [Stage::Epilog, Stage::EpilogStop, Stage::Delete] {
        let path = write_transfer(&c, &vm, &pending(stage), vms.path()).expect("written");
        let list = parse_file(&std::fs::read_to_string(&path).expect("file")).expect("parses");
        assert!(list.iter().all(|t| t.action() != TransferAction::Context), "{stage}");
    }
}

#[test]
fn context_files_outside_the_safe_directories_fail_the_prolog() {
    let vms = tempfile::tempdir().expect("tempdir");
    let (c, vm) = deployed_with_context("CONTEXT = [ FILES = \"/etc/hostname\" ]", |_| {});
    let e = write_transfer(&c, &vm, &pending(Stage::Prolog), vms.path()).unwrap_err();
    assert!(matches!(e, TransferFileError::Context(_)), "{e}");
    assert!(e.to_string().contains("CONTEXT/FILES cannot use /etc/hostname"), "{e}");
    assert!(!vms.path().join(format!("{}/context.sh", vm.oid)).exists(), "nothing written");
    // Without CONTEXT: no context line.
    let (c, vm) = deployed_with_context("", |_| {});
    let path = write_transfer(&c, &vm, &pending(Stage::Prolog), vms.path()).expect("written");
    let list = parse_file(&std::fs::read_to_string(&path).expect("file")).expect("parses");
    assert!(list.iter().all(|t| t.action() != TransferAction::Context));
}
