//! oned writes the QEMU deployment file (`share/doc/kvm.md`, format 1) for VM_MADs of TYPE kvm:
//! `var/vms/<id>/deployment.<n>`, mode 0600, named in the DEPLOY action's LOCAL_DEPLOYMENT_FILE
//! and sent by the exec driver on the deploy script's stdin; a VM whose template cannot be
//! written as QEMU arguments fails its boot with the reason. Real oned, dummy drivers (a VM_MAD
//! named "kvm" of TYPE kvm run by the dummy VMM); what the exec driver sends is tested in the
//! drivers crate.

use e2e::{Location, as_int, as_str, b, i, s, wait_vm};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

#[test]
fn deployment_files_for_kvm_hosts() {
    let state = tempfile::tempdir().expect("state");
    let sd = state.path().display();
    let conf = format!(
        "IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {sd}\" ]\n\
         VM_MAD = [ NAME = \"kvm\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd}\", TYPE = \"kvm\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd}\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"\" ]\n\
         MONITORING_INTERVAL_HOST = 1\nDRIVER_ACTION_TIMEOUT = 5\n"
    );
    let loc = Location::new(&conf);
    let _oned = loc.start();
    let c = loc.client();
    let kvm = as_int(&c.call("one.host.allocate", vec![s("kvm-01"), s("dummy"), s("kvm"), i(-1)]).expect("host"));
    let dummy = as_int(&c.call("one.host.allocate", vec![s("dummy-01"), s("dummy"), s("dummy"), i(-1)]).expect("host"));
    let deploy = |template: &str, host: i32| {
        let id = as_int(&c.call("one.vm.allocate", vec![s(template), b(true)]).expect("allocate"));
        c.call("one.vm.deploy", vec![i(id), i(host), b(false), i(0)]).expect("deploy");
        id
    };
    let net = as_int(
        &c.call(
            "one.vn.allocate",
            vec![s("NAME = n\nVN_MAD = dummy\nBRIDGE = br7\nAR = [ TYPE = ETHER, SIZE = 4 ]"), i(-1)],
        )
        .expect("vnet"),
    );

    // A VM on the kvm host: its deployment file.
    let good = deploy(
        &format!(
            "NAME = g\nCPU = 0.1\nMEMORY = 96\nVCPU = 2\nNIC = [ NETWORK_ID = {net} ]\n\
             DISK = [ TYPE = fs, SIZE = 4, FORMAT = raw, TARGET = vdb ]\n\
             GRAPHICS = [ TYPE = VNC, LISTEN = \"127.0.0.1\", PASSWD = \"pw8\" ]"
        ),
        kvm,
    );
    wait_vm(&c, good, T, |st, l| (st, l) == (3, 3));
    let path = loc.path().join(format!("var/vms/{good}/deployment.0"));
    let text = std::fs::read_to_string(&path).expect("deployment.0 written");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the file may hold the VNC password");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("NEPHELE-DEPLOYMENT 1"));
    assert!(text.contains(&format!("\nVMID {good}\n")), "{text}");
    assert!(text.contains(&format!("\nTAP one-{good}-0 br7\n")), "{text}");
    assert!(text.contains("\nVNC_PASSWORD pw8\n"), "{text}");
    let args: Vec<&str> = text.split("\nARGS\n").nth(1).expect("ARGS").lines().collect();
    let after = |f: &str| args.windows(2).find(|w| w[0] == f).map(|w| w[1]).unwrap_or("");
    assert_eq!((after("-m"), after("-smp"), after("-accel")), ("96", "2", "tcg"), "{args:?}");
    assert!(after("-name").starts_with(&format!("guest=one-{good},process=one-{good}")));
    assert!(after("-drive").contains("/disk.0,format=raw,if=none,id=disk0"), "{args:?}");
    assert_eq!(after("-vnc"), format!("127.0.0.1:{good},password=on"));
    assert!(!args.iter().any(|a| a.contains("pw8")), "no password in the arguments");
    // The same template on a dummy host: no deployment file.
    let plain = deploy("NAME = p\nCPU = 0.1\nMEMORY = 32", dummy);
    wait_vm(&c, plain, T, |st, l| (st, l) == (3, 3));
    assert!(!loc.path().join(format!("var/vms/{plain}/deployment.0")).exists(), "only kvm VM_MADs get one");

    // A kernel path outside the VM's directory: the boot fails with the reason, nothing starts.
    let bad = deploy("NAME = b\nCPU = 0.1\nMEMORY = 32\nOS = [ KERNEL = \"/etc/passwd\" ]", kvm);
    let deadline = Instant::now() + T;
    let body = loop {
        let body = as_str(&c.call("one.vm.info", vec![i(bad)]).expect("info")).to_string();
        if body.contains("must be a file of the VM's directory") {
            break body;
        }
        assert!(Instant::now() < deadline, "no failure with the reason:\n{body}\nlog:\n{}", loc.log());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!body.contains("<LCM_STATE>3</LCM_STATE>"), "not RUNNING:\n{body}");
    assert!(!loc.path().join(format!("var/vms/{bad}/deployment.0")).exists());
}
