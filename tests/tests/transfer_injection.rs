//! Finding 1 of the hardening issue: template values must never add fields or lines to the
//! transfer files oned writes for the TM driver. A real oned drives the real `one_tm` with the
//! shipped `tm/shared` scripts (on the front-end), the dummy VMM and IM; the system datastore
//! lives under a path with a blank in it, so locations must travel encoded.

use e2e::{Location, as_int, as_str, b, dummy_drivers, i, s, wait_image_ready, wait_vm, xml_int};
use libone::client::{Client, ClientError};
use std::time::Duration;

const AUTHORIZATION: i32 = 0x0200;
const INTERNAL: i32 = 0x2000;

fn refused(r: Result<libone::xmlrpc::Value, ClientError>) -> (i32, String) {
    match r {
        Err(ClientError::One { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn template_values_cannot_inject_transfers() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep"), "precious").unwrap();
    let datastores = tmp.path().join("data stores");
    let state = tmp.path().join("dummy");
    let drivers = dummy_drivers(&state, "").replace(
        "TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"\" ]",
        "TM_MAD = [ NAME = \"shared\", EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 4 -w 60 -d shared\" ]",
    );
    let loc = Location::new(&format!("{drivers}DATASTORE_LOCATION = \"{}\"\n", datastores.display()));
    let _oned = loc.start();
    let c = loc.client();
    c.call("one.datastore.update", vec![i(0), s("TM_MAD = \"shared\""), i(1)]).unwrap();
    let hid = as_int(&c.call("one.host.allocate", vec![s("node1"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    let uid = as_int(
        &c.call("one.user.allocate", vec![s("mallory"), s("m-pass"), s(""), libone::xmlrpc::Value::Array(vec![])])
            .unwrap(),
    );
    assert!(uid > 0);
    let mallory = Client::new(&loc.endpoint(), "mallory:m-pass").unwrap();

    // What the finding sent: FORMAT with a line break and a DELETE of another directory.
    let injected = format!(
        "NAME = \"x\"\nCPU = 1\nMEMORY = 64\nDISK = [ SIZE = \"1\", FORMAT = \"raw fe:{dir}/disk.0 0 0\nDELETE shared fe:{victim} 0 0\n#\" ]",
        dir = victim.display(),
        victim = victim.display()
    );
    for (who, client) in [("mallory", &mallory), ("oneadmin", &c)] {
        let (code, msg) = refused(client.call("one.vm.allocate", vec![s(&injected), b(false)]));
        assert_eq!(code, INTERNAL, "{who}: {msg}");
        assert!(msg.contains("DISK/FORMAT must be a lower-case word"), "{who}: {msg}");
        // Blanks alone shift arguments (a size aimed at another path).
        let shifted =
            format!("CPU = 1\nMEMORY = 64\nDISK = [ SIZE = \"1 fe:{}/x\", FORMAT = \"raw\" ]", victim.display());
        let (_, msg) = refused(client.call("one.vm.allocate", vec![s(&shifted), b(false)]));
        assert!(msg.contains("DISK/SIZE must be a non-negative integer"), "{who}: {msg}");
    }

    // Attributes that select drivers or storage are oneadmin's: a user is refused ...
    let img = as_int(
        &c.call("one.image.allocate", vec![s("NAME = \"blank\"\nTYPE = \"DATABLOCK\"\nSIZE = 1"), i(1)]).unwrap(),
    );
    wait_image_ready(&c, img); // LOCKED until the datastore driver's MKFS (under the path with a blank)
    c.call("one.image.chmod", vec![i(img), i(1), i(1), i(0), i(1), i(0), i(0), i(1), i(0), i(0)]).unwrap();
    let with_tm = format!("CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = \"{img}\", TM_MAD = \"dummy\" ]");
    let (code, msg) = refused(mallory.call("one.vm.allocate", vec![s(&with_tm), b(false)]));
    assert_eq!(code, AUTHORIZATION, "{msg}");
    assert!(msg.contains("restricted attribute TM_MAD"), "{msg}");
    for attr in ["SOURCE = \"/etc\"", "LN_TARGET = \"NONE\""] {
        let t = format!("CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = \"{img}\", {attr} ]");
        let (code, msg) = refused(mallory.call("one.vm.allocate", vec![s(&t), b(false)]));
        assert_eq!(code, AUTHORIZATION, "{attr}: {msg}");
    }
    // ... and on an image disk oneadmin's own TM_MAD gives way to the datastore's.
    let vm = as_int(&c.call("one.vm.allocate", vec![s(&with_tm), b(true)]).unwrap());
    let body = as_str(&c.call("one.vm.info", vec![i(vm)]).unwrap()).to_string();
    let ds = as_str(&c.call("one.datastore.info", vec![i(1)]).unwrap()).to_string();
    let ds_tm = ds.split("<TM_MAD><![CDATA[").nth(1).and_then(|r| r.split("]]>").next()).unwrap_or("?").to_string();
    assert!(
        body.contains(&format!("<TM_MAD><![CDATA[{ds_tm}]]></TM_MAD>")),
        "DISK/TM_MAD is the datastore's ({ds_tm}):\n{body}"
    );
    assert!(!body.contains("<TM_MAD><![CDATA[dummy]]></TM_MAD>"), "{body}");

    // A well-formed volatile disk reaches the real scripts intact, under a path with a blank.
    let ok = as_int(
        &mallory
            .call("one.vm.allocate", vec![s("NAME = \"ok\"\nCPU = 1\nMEMORY = 64\nDISK = [ SIZE = \" 2 \", FORMAT = \"raw\", TYPE = \"fs\" ]"), b(false)])
            .unwrap(),
    );
    c.call("one.vm.deploy", vec![i(ok), i(hid)]).unwrap();
    let body = wait_vm(&c, ok, Duration::from_secs(60), |st, l| (st, l) == (3, 3) || l == 7 || st == 3 && l >= 36);
    assert_eq!(
        (xml_int(&body, "STATE"), xml_int(&body, "LCM_STATE")),
        (Some(3), Some(3)),
        "{body}\nlog:\n{}",
        loc.log()
    );
    let disk = datastores.join(format!("0/{ok}/disk.0"));
    assert_eq!(
        std::fs::metadata(&disk).map(|m| m.len()).ok(),
        Some(2 * 1024 * 1024),
        "the disk file at {}",
        disk.display()
    );
    let vm_dir = loc.path().join(format!("var/vms/{ok}"));
    let transfer = std::fs::read_dir(&vm_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".prolog"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(transfer.contains("/data%20stores/0/"), "locations travel encoded:\n{transfer}");
    c.call("one.vm.action", vec![s("terminate"), i(ok)]).unwrap();
    wait_vm(&c, ok, Duration::from_secs(60), |st, _| st == 6);
    assert!(!disk.exists(), "the epilog removed the VM directory");
    assert_eq!(std::fs::read_to_string(victim.join("keep")).unwrap(), "precious", "nothing else was touched");
}
