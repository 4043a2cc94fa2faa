//! The example templates shipped in `share/examples` work against a real oned.

use e2e::{Location, as_int, as_str, b, i, s};

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
    let img = as_int(&c.call("one.image.allocate", vec![s(&example("image-datablock.tmpl")), i(1)]).unwrap());
    let tpl = as_int(&c.call("one.template.allocate", vec![s(&example("vm-small.tmpl"))]).unwrap());
    let vm = as_int(&c.call("one.template.instantiate", vec![i(tpl), s(""), b(false), s(""), b(false)]).unwrap());
    let body = as_str(&c.call("one.vm.info", vec![i(vm)]).unwrap()).to_string();
    assert!(body.contains(&format!("<NAME>small-{vm}</NAME>")), "{body}");
    assert!(body.contains("<IP><![CDATA[192.168.100.1]]></IP>"), "{body}");
    assert!(body.contains(&format!("<NETWORK_ID><![CDATA[{vn}]]></NETWORK_ID>")), "{body}");
    let image = as_str(&c.call("one.image.info", vec![i(img)]).unwrap()).to_string();
    assert!(image.contains("<PERSISTENT>1</PERSISTENT>") && image.contains("<SIZE>1024</SIZE>"), "{image}");
}
