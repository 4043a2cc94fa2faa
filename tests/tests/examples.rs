//! The example templates shipped in `share/examples` work against a real oned.

use e2e::{Location, as_int, as_str, b, i, s, wait_image_ready, xml_text};

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../share/examples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn shipped_examples_allocate_and_instantiate() {
    let loc = Location::new("");
    let _oned = loc.start();
    let c = loc.client();
    let vn = as_int(&c.call("one.vn.allocate", vec![s(&example("vnet-bridge.tmpl")), i(-1)]).unwrap());
    // The datastore driver really creates the datablock (MKFS): 8 MiB instead of the example's 1 GiB.
    let datablock = example("image-datablock.tmpl");
    assert!(datablock.contains("SIZE       = \"1024\"\n"), "{datablock}");
    let datablock = datablock.replace("SIZE       = \"1024\"\n", "SIZE       = \"8\"\n");
    let img = as_int(&c.call("one.image.allocate", vec![s(&datablock), i(1)]).unwrap());
    let tpl = as_int(&c.call("one.template.allocate", vec![s(&example("vm-small.tmpl"))]).unwrap());
    let vm = as_int(&c.call("one.template.instantiate", vec![i(tpl), s(""), b(false), s(""), b(false)]).unwrap());
    let body = as_str(&c.call("one.vm.info", vec![i(vm)]).unwrap()).to_string();
    assert!(body.contains(&format!("<NAME>small-{vm}</NAME>")), "{body}");
    assert!(body.contains("<IP><![CDATA[192.168.100.1]]></IP>"), "{body}");
    assert!(body.contains(&format!("<NETWORK_ID><![CDATA[{vn}]]></NETWORK_ID>")), "{body}");
    let image = wait_image_ready(&c, img);
    assert!(image.contains("<PERSISTENT>1</PERSISTENT>") && image.contains("<SIZE>8</SIZE>"), "{image}");
    let source = xml_text(&image, "SOURCE").expect("SOURCE");
    assert!(source.starts_with(&format!("{}/var/datastores/1/", loc.path().display())), "{image}");
    assert_eq!(std::fs::metadata(&source).map(|m| m.len()).ok(), Some(8 << 20), "{source}");
}
