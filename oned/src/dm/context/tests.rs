//! The CONTEXT vector after allocation: DISK_ID and TARGET, variables, network context,
//! FILES_DS and its errors, TOKEN ignored; and the generated context of the VM that comes out.

use super::*;
use crate::cloud::Settings;
use crate::dm::create;
use crate::lcm::context::{FileDirs, generate};
use crate::objects::image::Image;
use crate::objects::vm::VirtualMachine;
use crate::objects::vnet::{VirtualNetwork, state as vn_state};
use crate::vnet::ar::AddressRange;
use std::collections::BTreeSet;

fn oneadmin() -> Caller {
    Caller::oneadmin()
}

fn image(c: &mut Cloud, name: &str, image_type: i32, ds: i32, source: &str, state: i32) -> i32 {
    let owner = crate::access::new_ownership(&oneadmin());
    let template = Template::parse_text("DESCRIPTION = \"the image\"").expect("template");
    c.images.allocate(|oid| Image {
        image_type,
        source: source.into(),
        size: 1,
        state,
        prev_state: state,
        ..Image::new(oid, name.into(), owner, (ds, "files".into()), template)
    })
}

/// A network "pub" (DNS on the network, GATEWAY and NETWORK_MASK on its address range
/// 10.0.0.10–19, IPv6 prefix on the network), an OS image, a CONTEXT file image, and
/// oneadmin's SSH key.
struct Fixture {
    c: Cloud,
    vnet: i32,
    os: i32,
    file: i32,
}

fn fixture() -> Fixture {
    let mut c = Cloud::empty(Settings::default());
    c.bootstrap("x".into(), "y".into()).expect("bootstrap");
    if let Some(u) = c.users.get_mut(0) {
        u.template.set("SSH_PUBLIC_KEY", "ssh-ed25519 AAAA oneadmin@fe");
    }
    let ar = AddressRange::from_vector(
        0,
        &Vector::from_pairs([
            ("TYPE", "IP4"),
            ("IP", "10.0.0.10"),
            ("SIZE", "10"),
            ("GATEWAY", "10.0.0.1"),
            ("NETWORK_MASK", "255.255.255.0"),
        ]),
        c.settings.mac_prefix,
    )
    .expect("AR");
    let owner = crate::access::new_ownership(&oneadmin());
    let vnet = c.vnets.allocate(|oid| VirtualNetwork {
        oid,
        name: "pub".into(),
        owner,
        lock: None,
        clusters: BTreeSet::from([0]),
        bridge: "br0".into(),
        bridge_type: "linux".into(),
        state: vn_state::READY,
        prev_state: vn_state::READY,
        parent_network_id: -1,
        template_id: -1,
        vn_mad: "bridge".into(),
        phydev: String::new(),
        vlan_id: None,
        outer_vlan_id: None,
        vlan_id_automatic: false,
        outer_vlan_id_automatic: false,
        template: Template::parse_text(
            "DNS = \"10.0.0.2 10.0.0.3\"\nGATEWAY = \"10.9.9.9\"\nSEARCH_DOMAIN = \"example.org\"\nGUEST_MTU = \"1400\"",
        )
        .expect("vnet template"),
        ars: vec![ar],
        next_ar_id: 1,
    });
    let os = image(&mut c, "os", 0, 1, "/ds/1/os", img_state::READY);
    let file = image(&mut c, "init.sh", CONTEXT_IMAGE_TYPE, 2, "/ds/2/f00d", img_state::READY);
    Fixture { c, vnet, os, file }
}

fn allocate(c: &mut Cloud, text: &str) -> Result<VirtualMachine, String> {
    let t = Template::parse_text(&format!("NAME = \"web\"\nCPU = 1\nMEMORY = 128\n{text}")).expect("template parses");
    let vmid = c.vms.last_oid() + 1;
    let p = create::prepare(c, &oneadmin(), vmid, t).map_err(|e| e.to_string())?;
    let owner = crate::access::new_ownership(&oneadmin());
    let id = c.vms.allocate(|oid| create::new_vm(oid, p, owner, false));
    Ok(c.vms.get(id).cloned().expect("the VM"))
}

fn ctx(vm: &VirtualMachine) -> Vector {
    vm.template.vector("CONTEXT").cloned().expect("CONTEXT")
}

#[test]
fn network_context_and_variables_at_allocation() {
    let Fixture { mut c, vnet, os, .. } = fixture();
    let vm = allocate(
        &mut c,
        &format!(
            "DISK = [ IMAGE_ID = {os} ]\nNIC = [ NETWORK_ID = {vnet} ]\nNIC = [ NETWORK = \"pub\", IP = \"10.0.0.15\", DNS = \"1.1.1.1\" ]\n\
             LABEL = \"blue\"\n\
             CONTEXT = [ NETWORK = \"YES\", SSH_PUBLIC_KEY = \"$USER[SSH_PUBLIC_KEY]\", HOSTNAME = \"$NAME-$VMID\",\n\
               MEM = \"$MEMORY MB for $UNAME ($UID/$GID $GNAME)\", LABEL = \"$LABEL\",\n\
               IP1 = \"$NIC[IP, NIC_ID=\\\"1\\\"]\", FIRST_IP = \"$NIC[IP]\", GW = \"$NETWORK[GATEWAY, NETWORK=\\\"pub\\\"]\",\n\
               IMG = \"$IMAGE[DESCRIPTION, IMAGE_ID=\\\"{os}\\\"]\", UNKNOWN = \"[$NOPE]\", ESCAPED = \"\\$HOME\",\n\
               PASSWORD = \"it's\" ]"
        ),
    )
    .expect("allocated");
    let x = ctx(&vm);
    let get = |k: &str| x.get(k).unwrap_or("<none>").to_string();
    assert_eq!(get("DISK_ID"), "1", "the CD comes after the one disk");
    assert_eq!(get("TARGET"), "hda", "hd on a machine that is not q35");
    assert_eq!(get("SSH_PUBLIC_KEY"), "ssh-ed25519 AAAA oneadmin@fe");
    assert_eq!(get("HOSTNAME"), format!("web-{}", vm.oid));
    assert_eq!(get("MEM"), "128 MB for oneadmin (0/0 oneadmin)");
    assert_eq!(get("LABEL"), "blue", "a user template attribute");
    assert_eq!(get("IP1"), "10.0.0.15");
    assert_eq!(get("FIRST_IP"), "10.0.0.10");
    assert_eq!(get("GW"), "10.0.0.1", "the address range's value before the network's");
    assert_eq!(get("IMG"), "the image");
    assert_eq!(get("UNKNOWN"), "[]");
    assert_eq!(get("ESCAPED"), "\\$HOME", "an escaped $ stays, backslash included");
    assert_eq!(get("PASSWORD"), "it's");
    // NETWORK = YES: the NIC's own values, else the AR's, else the network's.
    assert_eq!(get("ETH0_IP"), "10.0.0.10");
    assert_eq!(get("ETH0_MAC"), vm.template.vectors("NIC").next().and_then(|n| n.get("MAC")).unwrap_or(""));
    assert_eq!(get("ETH0_MASK"), "255.255.255.0");
    assert_eq!(get("ETH0_GATEWAY"), "10.0.0.1");
    assert_eq!(get("ETH0_DNS"), "10.0.0.2 10.0.0.3");
    assert_eq!(get("ETH0_SEARCH_DOMAIN"), "example.org");
    assert_eq!(get("ETH0_MTU"), "1400");
    assert_eq!(get("ETH0_NETWORK"), "", "no NETWORK_ADDRESS anywhere: empty");
    assert_eq!(get("ETH0_IP6"), "");
    assert_eq!(get("ETH0_VROUTER_IP"), "");
    assert_eq!(get("ETH1_IP"), "10.0.0.15");
    assert_eq!(get("ETH1_DNS"), "1.1.1.1", "the NIC's own value first");
    assert!(x.get("ETH2_IP").is_none());
}

#[test]
fn cd_targets() {
    let Fixture { mut c, .. } = fixture();
    let target =
        |c: &mut Cloud, text: &str| allocate(c, text).map(|vm| ctx(&vm).get("TARGET").unwrap_or("").to_string());
    assert_eq!(target(&mut c, "CONTEXT = [ A = 1 ]").as_deref(), Ok("hda"));
    assert_eq!(target(&mut c, "OS = [ MACHINE = \"pc-q35-7.2\" ]\nCONTEXT = [ A = 1 ]").as_deref(), Ok("sda"));
    assert_eq!(
        target(
            &mut c,
            "DISK = [ SIZE = 1, TARGET = \"hda\" ]\nDISK = [ SIZE = 1, TARGET = \"hdb\" ]\nCONTEXT = [ A = 1 ]"
        )
        .as_deref(),
        Ok("hdc")
    );
    assert_eq!(target(&mut c, "CONTEXT = [ DEV_PREFIX = \"vd\" ]").as_deref(), Ok("vda"));
    assert_eq!(target(&mut c, "CONTEXT = [ TARGET = \"hdd\" ]").as_deref(), Ok("hdd"));
    let e = target(&mut c, "DISK = [ SIZE = 1, TARGET = \"hda\" ]\nCONTEXT = [ TARGET = \"hda\" ]").unwrap_err();
    assert!(e.contains("Two disks have defined the same target hda"), "{e}");
    let e = target(&mut c, "CONTEXT = [ TARGET = \"hd a\" ]").unwrap_err();
    assert!(e.contains("CONTEXT/TARGET must be lower-case letters"), "{e}");
    let e = target(&mut c, "CONTEXT = [ DEV_PREFIX = \"../\" ]").unwrap_err();
    assert!(e.contains("CONTEXT/DEV_PREFIX"), "{e}");
    assert_eq!(free_target("hd", &BTreeSet::new()), "hda");
    let used: BTreeSet<String> = (b'a'..=b'z').map(|l| format!("sd{}", l as char)).collect();
    assert_eq!(free_target("sd", &used), "sdaa", "after z comes aa, as OpenNebula counts");
}

#[test]
fn files_ds_resolves_to_context_images_only() {
    let Fixture { mut c, os, file, .. } = fixture();
    let vm =
        allocate(&mut c, &format!("CONTEXT = [ FILES_DS = \"$FILE[IMAGE_ID={file}] $FILE[IMAGE=\\\"init.sh\\\"]\" ]"))
            .expect("allocated");
    assert_eq!(ctx(&vm).get("FILES_DS"), Some("/ds/2/f00d:'init.sh' /ds/2/f00d:'init.sh' "));
    let cases = [
        (format!("$FILE[IMAGE_ID={os}]"), "Only images of type CONTEXT can be used in FILE_DS attribute.".to_string()),
        (
            "$FILE[IMAGE_ID=999]".to_string(),
            "Error parsing: $FILE[IMAGE_ID=999]. Image with ID: 999 does not exist".into(),
        ),
        ("$FILE[IMAGE=\\\"nope\\\"]".to_string(), "does not own an image with name: nope".into()),
        ("/etc/passwd".to_string(), "Error parsing: /etc/passwd.".into()),
        ("$DISK[IMAGE_ID=1]".to_string(), "Must use FILE variable for attribute.".into()),
    ];
    for (value, message) in cases {
        let e = allocate(&mut c, &format!("CONTEXT = [ FILES_DS = \"{value}\" ]")).unwrap_err();
        assert!(e.contains(&message), "{value}: {e}");
    }
    let locked = image(&mut c, "later.sh", CONTEXT_IMAGE_TYPE, 2, "/ds/2/beef", img_state::LOCKED);
    let e = allocate(&mut c, &format!("CONTEXT = [ FILES_DS = \"$FILE[IMAGE_ID={locked}]\" ]")).unwrap_err();
    assert!(e.contains(&format!("CONTEXT Image '{locked}' not in READY state.")), "{e}");
    let odd = image(&mut c, "a'b", CONTEXT_IMAGE_TYPE, 2, "/ds/2/cafe", img_state::READY);
    let e = allocate(&mut c, &format!("CONTEXT = [ FILES_DS = \"$FILE[IMAGE_ID={odd}]\" ]")).unwrap_err();
    assert!(e.contains("cannot be a file of the context CD"), "{e}");
}

#[test]
fn a_failed_context_gives_back_the_leases_and_images() {
    let Fixture { mut c, vnet, os, .. } = fixture();
    let e = allocate(
        &mut c,
        &format!("DISK = [ IMAGE_ID = {os} ]\nNIC = [ NETWORK_ID = {vnet} ]\nCONTEXT = [ A = \"$\" ]"),
    )
    .unwrap_err();
    assert!(e.contains("Error parsing: $. syntax error"), "{e}");
    assert_eq!(c.images.get(os).map(|i| i.running_vms), Some(0), "the image was released");
    assert_eq!(c.vnets.get(vnet).map(|v| v.used_leases()), Some(0), "the lease was released");
}

#[test]
fn token_is_kept_and_adds_nothing() {
    let Fixture { mut c, .. } = fixture();
    let vm = allocate(&mut c, "CONTEXT = [ TOKEN = \"yes\", NETWORK = \"YES\" ]").expect("allocated");
    let x = ctx(&vm);
    assert_eq!(x.get("TOKEN"), Some("yes"));
    assert!(x.get("ONEGATE_ENDPOINT").is_none());
    let g = generate(&c, &vm, &FileDirs::default()).expect("generated").expect("a context");
    assert!(g.files.is_empty(), "no token file: {:?}", g.files);
}

#[test]
fn template_variable_is_the_vm_xml_in_base64() {
    let Fixture { mut c, .. } = fixture();
    let vm = allocate(&mut c, "CONTEXT = [ T = \"$TEMPLATE\" ]").expect("allocated");
    let t = ctx(&vm).get("T").unwrap_or("").to_string();
    use base64::Engine as _;
    let xml = base64::engine::general_purpose::STANDARD.decode(t).expect("base64");
    let xml = String::from_utf8(xml).expect("utf-8");
    assert!(xml.starts_with("<VM><ID>") && xml.contains("<NAME>web</NAME>"), "{xml}");
}

#[test]
fn generated_context_of_an_allocated_vm() {
    let Fixture { mut c, vnet, file, .. } = fixture();
    let mut vm = allocate(
        &mut c,
        &format!(
            "NIC = [ NETWORK_ID = {vnet} ]\nCONTEXT = [ NETWORK = YES, HOSTNAME = \"$NAME\", START_SCRIPT = \"echo 'hi'\",\n\
             FILES_DS = \"$FILE[IMAGE_ID={file}]\" ]"
        ),
    )
    .expect("allocated");
    let dirs = FileDirs::default();
    let g = generate(&c, &vm, &dirs).expect("generated").expect("a context");
    assert_eq!(g.disk_id, 0);
    assert_eq!(g.files, ["/ds/2/f00d:'init.sh'"]);
    let lines: Vec<&str> = g.text.lines().collect();
    assert_eq!(lines[0], "# Context variables generated by OpenNebula");
    let mut keys: Vec<&str> = lines[1..].iter().map(|l| l.split('=').next().unwrap_or("")).collect();
    let sorted = {
        let mut k = keys.clone();
        k.sort();
        k
    };
    assert_eq!(keys, sorted, "keys in order");
    keys.dedup();
    assert_eq!(keys.len(), lines.len() - 1, "each key once");
    for l in ["DISK_ID='0'", "ETH0_IP='10.0.0.10'", "ETH0_GATEWAY='10.0.0.1'", "HOSTNAME='web'", "TARGET='hda'"] {
        assert!(lines.contains(&l), "{l} in {}", g.text);
    }
    assert!(lines.contains(&"START_SCRIPT='echo '\\''hi'\\'''"), "{}", g.text);
    assert!(lines.contains(&"FILES_DS='/ds/2/f00d:'\\''init.sh'\\'' '"), "{}", g.text);

    // The network is read again at every generation.
    if let Some(v) = c.vnets.get_mut(vnet) {
        v.template.set("DNS", "9.9.9.9");
    }
    let g = generate(&c, &vm, &dirs).expect("generated").expect("a context");
    assert!(g.text.contains("ETH0_DNS='9.9.9.9'"), "{}", g.text);

    // A FILES_DS that is not (or no longer) a CONTEXT image's file is refused.
    if let Some(x) = vm.template.vector_mut("CONTEXT") {
        x.set("FILES_DS", "/etc/shadow:'shadow' ");
    }
    let e = generate(&c, &vm, &dirs).unwrap_err();
    assert!(e.contains("is no longer a READY image of type CONTEXT"), "{e}");
}
