//! The deployment builder: what each template attribute becomes, and that no template value can
//! add an argument, an option or a line.

use super::*;
use proptest::prelude::*;

const DIR: &str = "/var/lib/one/datastores/0/42";

fn facts() -> HostFacts {
    HostFacts { accel: Accel::Tcg, vm_dir: DIR.into() }
}

fn tmpl(text: &str) -> Template {
    Template::parse_text(text).expect("template parses")
}

fn build_text(text: &str) -> Result<Deployment, DeploymentError> {
    build(42, &tmpl(text), &facts())
}

/// The value following `flag` (first occurrence).
fn after<'a>(d: &'a Deployment, flag: &str) -> Vec<&'a str> {
    d.args.windows(2).filter(|w| w[0] == flag).map(|w| w[1].as_str()).collect()
}

#[test]
fn a_minimal_vm() {
    let d = build_text("MEMORY = 256\nCPU = 0.5\nOS = [ UUID = \"0f6c4d1e-1a2b-4c3d-8e9f-001122334455\" ]").unwrap();
    assert_eq!(after(&d, "-name"), ["guest=one-42,process=one-42,debug-threads=on"]);
    assert_eq!(after(&d, "-uuid"), ["0f6c4d1e-1a2b-4c3d-8e9f-001122334455"]);
    assert_eq!(after(&d, "-machine"), ["q35"]);
    assert_eq!(after(&d, "-accel"), ["tcg"]);
    assert_eq!((after(&d, "-m"), after(&d, "-smp")), (vec!["256"], vec!["1"]));
    assert_eq!(after(&d, "-qmp"), [format!("unix:{DIR}/qmp.sock,server=on,wait=off")]);
    assert_eq!(after(&d, "-chardev"), [format!("file,id=serial0,path={DIR}/serial.log")]);
    assert_eq!(after(&d, "-serial"), ["chardev:serial0"]);
    assert_eq!(after(&d, "-pidfile"), [format!("{DIR}/qemu.pid")]);
    for f in ["-nodefaults", "-no-user-config", "-no-shutdown", "-daemonize"] {
        assert!(d.args.iter().any(|a| a == f), "{f}");
    }
    assert_eq!(after(&d, "-display"), ["none"]);
    let text = d.encode();
    assert!(
        text.starts_with("NEPHELE-DEPLOYMENT 1\nVMID 42\nDIR /var/lib/one/datastores/0/42\nARGS\n-name\n"),
        "{text}"
    );
}

#[test]
fn kvm_hosts_and_cpu_models() {
    let kvm = HostFacts { accel: Accel::Kvm, vm_dir: DIR.into() };
    let d = build(42, &tmpl("MEMORY = 64\nVCPU = 4\nCPU_MODEL = [ MODEL = \"host-passthrough\" ]"), &kvm).unwrap();
    assert_eq!((after(&d, "-accel"), after(&d, "-cpu"), after(&d, "-smp")), (vec!["kvm"], vec!["host"], vec!["4"]));
    let e = build_text("MEMORY = 64\nCPU_MODEL = [ MODEL = \"host-passthrough\" ]").unwrap_err();
    assert!(e.to_string().contains("needs KVM"), "{e}");
    let d = build_text("MEMORY = 64\nCPU_MODEL = [ MODEL = \"Skylake-Server\" ]").unwrap();
    assert_eq!(after(&d, "-cpu"), ["Skylake-Server"]);
    assert!(build_text("MEMORY = 64\nCPU_MODEL = [ MODEL = \"max,+vmx\" ]").is_err());
    assert_eq!(Accel::from_host(Some("KVM")), Accel::Kvm);
    assert_eq!(Accel::from_host(Some("tcg")), Accel::Tcg);
    assert_eq!(Accel::from_host(None), Accel::Tcg);
}

#[test]
fn kernel_boot_only_from_the_vm_directory() {
    let d = build_text(&format!(
        "MEMORY = 64\nOS = [ KERNEL = \"{DIR}/kernel\", INITRD = \"{DIR}/initrd\", ROOT = \"vda\", KERNEL_CMD = \"console=ttyS0 quiet\" ]"
    ))
    .unwrap();
    assert_eq!(after(&d, "-kernel"), [format!("{DIR}/kernel")]);
    assert_eq!(after(&d, "-initrd"), [format!("{DIR}/initrd")]);
    assert_eq!(after(&d, "-append"), ["root=/dev/vda console=ttyS0 quiet"]);
    for bad in [
        "/etc/shadow",
        "/var/lib/one/datastores/0/42/../../../../etc/shadow",
        "kernel",
        "/var/lib/one/datastores/0/421/kernel",
    ] {
        let e = build_text(&format!("MEMORY = 64\nOS = [ KERNEL = \"{bad}\" ]")).unwrap_err();
        assert!(e.to_string().contains("KERNEL_DS"), "{bad}: {e}");
        let e =
            build_text(&format!("MEMORY = 64\nOS = [ KERNEL = \"{DIR}/kernel\", INITRD = \"{bad}\" ]")).unwrap_err();
        assert!(e.to_string().contains("OS/INITRD"), "{bad}: {e}");
    }
    assert!(build_text("MEMORY = 64\nOS = [ ARCH = \"aarch64\" ]").is_err());
    assert!(build_text("MEMORY = 64\nOS = [ MACHINE = \"q35,smm=on\" ]").is_err());
}

#[test]
fn disks_by_bus_with_their_options() {
    let d = build_text(
        "MEMORY = 64\nOS = [ BOOT = \"disk1,nic0\" ]\n\
         DISK = [ DISK_ID = 0, TARGET = vda, DRIVER = qcow2, CACHE = none, IO = native, DISCARD = unmap ]\n\
         DISK = [ DISK_ID = 1, TARGET = sda, READONLY = YES ]\n\
         DISK = [ DISK_ID = 2, TARGET = hdc, TYPE = CDROM ]",
    )
    .unwrap();
    let drives = after(&d, "-drive");
    assert_eq!(
        drives,
        [
            format!("file={DIR}/disk.0,format=qcow2,if=none,id=disk0,cache=none,aio=native,discard=unmap"),
            format!("file={DIR}/disk.1,format=raw,if=none,id=disk1,readonly=on"),
            format!("file={DIR}/disk.2,format=raw,if=none,id=disk2,readonly=on,media=cdrom"),
        ]
    );
    let devices = after(&d, "-device");
    assert!(devices.contains(&"virtio-scsi-pci,id=scsi0"), "{devices:?}");
    assert!(devices.contains(&"virtio-blk-pci,drive=disk0,id=dev-disk0"), "{devices:?}");
    assert!(devices.contains(&"scsi-hd,bus=scsi0.0,drive=disk1,id=dev-disk1,bootindex=1"), "{devices:?}");
    assert!(devices.contains(&"ide-cd,bus=ide.2,drive=disk2,id=dev-disk2"), "q35: hdc on AHCI port 2: {devices:?}");
    let d =
        build_text("MEMORY = 64\nOS = [ MACHINE = pc ]\nDISK = [ DISK_ID = 3, TARGET = hdc, TYPE = CDROM ]").unwrap();
    assert!(after(&d, "-device").contains(&"ide-cd,bus=ide.1,unit=0,drive=disk3,id=dev-disk3"));
    for bad in [
        "DISK = [ DISK_ID = 0, TARGET = vda, DRIVER = \"qcow2,file.locking=off\" ]",
        "DISK = [ DISK_ID = 0, TARGET = vda, CACHE = fast ]",
        "DISK = [ DISK_ID = 0, TARGET = vda, IO = native ]",
        "DISK = [ DISK_ID = 0, TARGET = xda ]",
        "DISK = [ DISK_ID = 0, TARGET = \"vd a\" ]",
        "DISK = [ DISK_ID = x, TARGET = vda ]",
        "DISK = [ DISK_ID = 0, TARGET = hdh ]",
        "OS = [ BOOT = \"disk0;reboot\" ]",
    ] {
        assert!(build_text(&format!("MEMORY = 64\n{bad}")).is_err(), "{bad} accepted");
    }
}

#[test]
fn the_context_cd_is_a_read_only_raw_disk_of_the_vm_directory() {
    // hd (OpenNebula's default for machines that are not q35): a CD-ROM on the IDE/AHCI bus.
    let d = build_text(
        "MEMORY = 64\nDISK = [ DISK_ID = 0, TARGET = sda ]\nCONTEXT = [ DISK_ID = 1, TARGET = hda, X = \"y\" ]",
    )
    .unwrap();
    let drives = after(&d, "-drive");
    assert_eq!(drives[1], format!("file={DIR}/disk.1,format=raw,if=none,id=disk1,readonly=on,media=cdrom"));
    assert!(after(&d, "-device").contains(&"ide-cd,bus=ide.0,drive=disk1,id=dev-disk1"), "{:?}", d.args);
    let d = build_text("MEMORY = 64\nOS = [ MACHINE = pc ]\nCONTEXT = [ DISK_ID = 0, TARGET = hdb ]").unwrap();
    assert!(after(&d, "-device").contains(&"ide-cd,bus=ide.0,unit=1,drive=disk0,id=dev-disk0"), "{:?}", d.args);
    // sd (q35 machines): a SCSI CD-ROM, with its controller.
    let d = build_text("MEMORY = 64\nOS = [ MACHINE = q35 ]\nCONTEXT = [ DISK_ID = 0, TARGET = sda ]").unwrap();
    let devices = after(&d, "-device");
    assert!(devices.contains(&"virtio-scsi-pci,id=scsi0"), "{devices:?}");
    assert!(devices.contains(&"scsi-cd,bus=scsi0.0,drive=disk0,id=dev-disk0"), "{devices:?}");
    // vd: a read-only virtio disk.
    let d = build_text("MEMORY = 64\nCONTEXT = [ DISK_ID = 2, TARGET = vdc ]").unwrap();
    assert_eq!(after(&d, "-drive"), [format!("file={DIR}/disk.2,format=raw,if=none,id=disk2,readonly=on")]);
    assert!(after(&d, "-device").contains(&"virtio-blk-pci,drive=disk2,id=dev-disk2"));
    // No DISK_ID (a context without a disk): no CD. A bad target: refused.
    let d = build_text("MEMORY = 64\nCONTEXT = [ NETWORK = YES ]").unwrap();
    assert!(after(&d, "-drive").is_empty());
    for bad in [
        "DISK_ID = 1, TARGET = xda",
        "DISK_ID = 1, TARGET = \"hd,a\"",
        "DISK_ID = 1, TARGET = hdh",
        "DISK_ID = \"1,file=/etc/shadow\", TARGET = hda",
    ] {
        assert!(build_text(&format!("MEMORY = 64\nCONTEXT = [ {bad} ]")).is_err(), "{bad} accepted");
    }
}

#[test]
fn nics_get_taps_and_checked_macs() {
    let d = build_text(
        "MEMORY = 64\nNIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:05\", BRIDGE = br0, TARGET = \"one-42-0\" ]\n\
         NIC = [ NIC_ID = 1, MAC = \"02:00:0a:00:00:06\", MODEL = e1000 ]",
    )
    .unwrap();
    assert_eq!(
        d.taps,
        vec![
            Tap { name: "one-42-0".into(), bridge: Some("br0".into()) },
            Tap { name: "one-42-1".into(), bridge: None }
        ]
    );
    assert_eq!(
        after(&d, "-netdev"),
        ["tap,id=net0,ifname=one-42-0,script=no,downscript=no", "tap,id=net1,ifname=one-42-1,script=no,downscript=no"]
    );
    let devices = after(&d, "-device");
    assert!(devices.contains(&"virtio-net-pci,netdev=net0,mac=02:00:0a:00:00:05,id=dev-net0"), "{devices:?}");
    assert!(devices.contains(&"e1000,netdev=net1,mac=02:00:0a:00:00:06,id=dev-net1"), "{devices:?}");
    assert!(d.encode().contains("\nTAP one-42-0 br0\nTAP one-42-1 -\nARGS\n"));
    for bad in [
        "NIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:05,romfile=/etc/shadow\" ]",
        "NIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:05\", MODEL = \"e1000,romfile=/etc/shadow\" ]",
        "NIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:05\", BRIDGE = \"br0 eth0\" ]",
        "NIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:05\", TARGET = \"a-very-long-device-name\" ]",
    ] {
        assert!(build_text(&format!("MEMORY = 64\n{bad}")).is_err(), "{bad} accepted");
    }
}

#[test]
fn vnc_input_features_and_raw() {
    let d = build_text(
        "MEMORY = 64\nGRAPHICS = [ TYPE = vnc, LISTEN = \"0.0.0.0\", PORT = 5942, PASSWD = \"s3cr3t\" ]\n\
         INPUT = [ TYPE = tablet, BUS = usb ]\nFEATURES = [ ACPI = no, LOCALTIME = yes ]\n\
         RAW = [ TYPE = kvm, DATA = \"-global 'kvm-pit.lost_tick_policy=delay' -msg timestamp=on\" ]",
    )
    .unwrap();
    assert_eq!(after(&d, "-vnc"), ["0.0.0.0:42,password=on"]);
    assert_eq!(d.vnc_password.as_deref(), Some("s3cr3t"));
    assert!(!d.args.iter().any(|a| a.contains("s3cr3t")), "the password is not an argument");
    assert!(d.encode().contains("\nVNC_PASSWORD s3cr3t\n"));
    assert!(after(&d, "-device").contains(&"usb-tablet"));
    assert_eq!(after(&d, "-machine"), ["q35,acpi=off"]);
    assert_eq!(after(&d, "-rtc"), ["base=localtime"]);
    assert_eq!(after(&d, "-global"), ["kvm-pit.lost_tick_policy=delay"]);
    assert_eq!(after(&d, "-msg"), ["timestamp=on"]);
    assert!(after(&d, "-display").is_empty(), "VNC instead of no display");
    let d = build_text("MEMORY = 64\nGRAPHICS = [ TYPE = VNC, LISTEN = \"::\" ]").unwrap();
    assert_eq!(after(&d, "-vnc"), ["[::]:42"], "default port 5900 + VM id");
    assert!(build_text("MEMORY = 64\nGRAPHICS = [ TYPE = VNC, LISTEN = \"0.0.0.0,tls-creds=x\" ]").is_err());
    assert!(build_text("MEMORY = 64\nGRAPHICS = [ TYPE = VNC, PORT = 22 ]").is_err());
    assert!(build_text("MEMORY = 64\nGRAPHICS = [ TYPE = SPICE ]").is_err());
    assert!(build_text("MEMORY = 64\nINPUT = [ TYPE = joystick ]").is_err());
    assert!(build_text("MEMORY = 64\nRAW = [ TYPE = kvm, DATA = \"-a 'b\" ]").is_err());
}

#[test]
fn memory_and_paths() {
    assert!(build_text("CPU = 1").is_err(), "MEMORY is required");
    assert!(build_text("MEMORY = 0").is_err());
    assert!(build_text("MEMORY = 64\nVCPU = -1").is_err());
    let long = format!("/{}", "d".repeat(100));
    let e = build(1, &tmpl("MEMORY = 64"), &HostFacts { accel: Accel::Tcg, vm_dir: long }).unwrap_err();
    assert!(e.to_string().contains("UNIX socket"), "{e}");
    let comma = HostFacts { accel: Accel::Tcg, vm_dir: "/srv/a,b/0/42".into() };
    let d = build(42, &tmpl("MEMORY = 64\nDISK = [ DISK_ID = 0, TARGET = vda ]"), &comma).unwrap();
    assert_eq!(after(&d, "-drive"), ["file=/srv/a,,b/0/42/disk.0,format=raw,if=none,id=disk0"]);
    assert_eq!(after(&d, "-qmp"), ["unix:/srv/a,,b/0/42/qmp.sock,server=on,wait=off"]);
    assert_eq!(after(&d, "-chardev"), ["file,id=serial0,path=/srv/a,,b/0/42/serial.log"]);
}

/// Reads a deployment file back the way the host's scripts do: header lines to `ARGS`, then one
/// argument per line.
fn read_back(text: &str) -> Vec<String> {
    let mut lines = text.split('\n');
    assert_eq!(lines.next(), Some(MAGIC));
    for l in lines.by_ref() {
        if l == "ARGS" {
            break;
        }
    }
    let mut args: Vec<String> = lines.map(str::to_string).collect();
    assert_eq!(args.pop().as_deref(), Some(""), "the file ends with a newline");
    args
}

proptest! {
    /// Any string in any attribute that reaches an argument either fails the build or leaves the
    /// argument vector exactly as built: same count when read back, no option splitting.
    #[test]
    fn no_template_value_adds_an_argument_or_option(value in "\\PC{0,24}|[,\n\r\"' =-]{0,6}[a-z]{0,4}", slot in 0usize..12) {
        let v = value.replace('\\', "\\\\").replace('"', "\\\"");
        let attrs = [
            format!("OS = [ KERNEL = \"{DIR}/kernel\", KERNEL_CMD = \"{v}\" ]"),
            format!("OS = [ MACHINE = \"{v}\" ]"),
            format!("CPU_MODEL = [ MODEL = \"{v}\" ]"),
            format!("DISK = [ DISK_ID = 0, TARGET = \"{v}\" ]"),
            format!("DISK = [ DISK_ID = 0, TARGET = vda, CACHE = \"{v}\" ]"),
            format!("DISK = [ DISK_ID = 0, TARGET = vda, DRIVER = \"{v}\" ]"),
            format!("NIC = [ NIC_ID = 0, MAC = \"{v}\" ]"),
            format!("NIC = [ NIC_ID = 0, MAC = \"02:00:00:00:00:01\", BRIDGE = \"{v}\" ]"),
            format!("NIC = [ NIC_ID = 0, MAC = \"02:00:00:00:00:01\", MODEL = \"{v}\" ]"),
            format!("GRAPHICS = [ TYPE = VNC, LISTEN = \"{v}\" ]"),
            format!("GRAPHICS = [ TYPE = VNC, PASSWD = \"{v}\" ]"),
            format!("OS = [ BOOT = \"{v}\" ]"),
        ];
        let Ok(t) = Template::parse_text(&format!("MEMORY = 64\n{}", attrs[slot])) else { return Ok(()) };
        if let Ok(d) = build(42, &t, &facts()) {
            prop_assert_eq!(read_back(&d.encode()), d.args.clone());
            // Every option value keeps its commas doubled or holds none from the template.
            for w in d.args.windows(2) {
                if w[0] == "-netdev" || w[0] == "-drive" {
                    prop_assert!(!w[1].contains("romfile") && !w[1].contains("file.locking"));
                }
            }
            if let Some(pw) = &d.vnc_password {
                prop_assert!(!pw.contains('\n') && !pw.contains('\r'));
            }
        }
    }
}
