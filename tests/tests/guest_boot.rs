//! The test guest (`tests/guest/`, cached by `tests/guest/build.sh`) under plain
//! `qemu-system-x86_64` with TCG, as the kvm driver's tests will run it: its context CD
//! configures its NIC (on a tap in an isolated network namespace) and hostname, it counts,
//! answers on TCP port 7, reports hot-plugged disks, powers off on the ACPI power button, and
//! counts on its data disk how often it was seen (so a reset, and later a snapshot revert,
//! shows). Root only (network namespaces); every wait bounded.

use std::time::{Duration, Instant};
use testkit::guest::{Guest, GuestLine, TapNet, Vm, VmConfig, context_iso};

/// A boot under TCG takes 5–12 s on a busy machine; this bounds every wait for READY.
const BOOT: Duration = Duration::from_secs(60);
/// Ticks come every second.
const TICK: Duration = Duration::from_secs(10);

const MAC: &str = "02:00:c0:00:02:0a";
const GUEST_IP: &str = "192.0.2.10";

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn guest_takes_its_context_counts_and_powers_off_on_the_acpi_button() {
    let guest = Guest::ensure();
    let tmp = tempfile::tempdir().unwrap();
    let net = TapNet::new("192.0.2.1");
    let iso = context_iso(
        tmp.path(),
        &[
            ("ETH0_IP", GUEST_IP),
            ("ETH0_MASK", "255.255.255.0"),
            ("ETH0_GATEWAY", "192.0.2.1"),
            ("ETH0_MAC", MAC),
            ("HOSTNAME", "not-this-one"),
            ("SET_HOSTNAME", "guest-one"),
        ],
    );
    let started = Instant::now();
    let vm = Vm::start(&guest, VmConfig::new(tmp.path(), "g1").cdrom(&iso).nic(MAC, &net.netdev()).netns(&net.netns));
    let mut serial = vm.serial();

    // exactly one READY, with the context's address and hostname, after the NIC was set up
    let ready = serial.wait_event("READY", BOOT);
    eprintln!(
        "READY {:.1} s after qemu started (guest uptime {} s)",
        started.elapsed().as_secs_f64(),
        ready.num("uptime")
    );
    assert_eq!(ready.get("ip"), Some(GUEST_IP), "{}", ready.line);
    assert_eq!(ready.get("hostname"), Some("guest-one"), "SET_HOSTNAME wins over HOSTNAME: {}", ready.line);
    let before = serial.guest_lines();
    let nic = before.iter().find(|l| l.event == "NIC").unwrap_or_else(|| panic!("no NIC line: {before:?}"));
    assert_eq!((nic.get("dev"), nic.get("mac"), nic.get("ip")), (Some("eth0"), Some(MAC), Some(GUEST_IP)));
    assert!(before.iter().any(|l| l.event == "CONTEXT" && l.get("dev") == Some("sr0")), "{before:?}");

    // the counter counts, the uptime grows
    let t1 = serial.wait_event("TICK", TICK);
    let t2 = serial.wait_event("TICK", TICK);
    assert!(t2.num("n") > t1.num("n") && t2.num("uptime") > t1.num("uptime"), "{t1:?} then {t2:?}");

    // port 7 answers from the guest's address (from inside the namespace: the NIC works)
    let status = net.connect(GUEST_IP, 7, Duration::from_secs(20)).expect("port 7 of the guest answers");
    let status = GuestLine::parse(status.trim()).unwrap_or_else(|| panic!("not a status line: {status:?}"));
    assert_eq!((status.event.as_str(), status.get("hostname")), ("STATUS", Some("guest-one")), "{status:?}");
    assert!(status.num("n") >= t2.num("n"), "{status:?}");

    // a disk plugged in is reported with its size, and its removal
    let mut qmp = vm.qmp(Duration::from_secs(10));
    let hot = tmp.path().join("hot.qcow2");
    let out = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&hot)
        .arg("64M")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let node = serde_json::json!({"node-name": "hot1", "driver": "qcow2", "file": {"driver": "file", "filename": hot}});
    qmp.execute("blockdev-add", Some(node)).unwrap();
    qmp.execute("device_add", Some(serde_json::json!({"driver": "virtio-blk-pci", "drive": "hot1", "id": "hotdisk"})))
        .unwrap();
    let disk = serial.wait_event("DISK", TICK);
    assert_eq!((disk.get("dev"), disk.get("at")), (Some("vda"), Some("hotplug")), "{disk:?}");
    assert_eq!(disk.num("bytes"), (64 << 20) as f64, "{disk:?}");
    qmp.execute("device_del", Some(serde_json::json!({"id": "hotdisk"}))).unwrap();
    let gone = serial.wait_event("DISK-GONE", TICK);
    assert_eq!(gone.get("dev"), Some("vda"), "{gone:?}");

    // ACPI power button: the guest powers off and qemu (no -no-shutdown) exits
    let pressed = Instant::now();
    qmp.execute("system_powerdown", None).unwrap();
    serial.wait_event("POWEROFF", Duration::from_secs(20));
    assert!(vm.wait_exit(Duration::from_secs(20)), "qemu still runs 20 s after the power button");
    eprintln!("qemu exited {:.1} s after system_powerdown", pressed.elapsed().as_secs_f64());
    let readies = serial.guest_lines().iter().filter(|l| l.event == "READY").count();
    assert_eq!(readies, 1, "one READY line per boot");
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn guest_without_context_boots_and_counts_its_data_disk_across_a_reset() {
    let guest = Guest::ensure();
    let tmp = tempfile::tempdir().unwrap();
    // a data disk: a first line starting with NEPHELE-DATA; the guest keeps its count in sector 1
    let data = tmp.path().join("data.raw");
    let mut bytes = b"NEPHELE-DATA first disk\n".to_vec();
    bytes.resize(1 << 20, 0);
    std::fs::write(&data, &bytes).unwrap();
    let vm = Vm::start(&guest, VmConfig::new(tmp.path(), "g2").disk(&data, "raw"));
    let mut serial = vm.serial();

    let ready = serial.wait_event("READY", BOOT);
    assert_eq!((ready.get("ip"), ready.get("hostname")), (Some("none"), Some("nephele-guest")), "{}", ready.line);
    let lines = serial.guest_lines();
    assert!(lines.iter().any(|l| l.event == "CONTEXT" && l.line.ends_with("CONTEXT none")), "{lines:?}");
    let disk = lines.iter().find(|l| l.event == "DISK").unwrap_or_else(|| panic!("no DISK line: {lines:?}"));
    assert_eq!((disk.get("dev"), disk.get("at"), disk.get("seen")), (Some("vda"), Some("boot"), Some("1")), "{disk:?}");
    assert_eq!(disk.get("data"), Some("NEPHELE-DATA first disk"));
    serial.wait_event("TICK", TICK);

    // a hard reset boots it again: a new READY, and the disk was seen twice
    let mut qmp = vm.qmp(Duration::from_secs(10));
    qmp.execute("system_reset", None).unwrap();
    let again = serial.wait_event("READY", BOOT);
    assert!(again.num("uptime") < ready.num("uptime") + 30.0, "{again:?}");
    let disk = serial.guest_lines().into_iter().rfind(|l| l.event == "DISK").unwrap();
    assert_eq!(disk.get("seen"), Some("2"), "{disk:?}");
    let on_disk = std::fs::read(&data).unwrap();
    assert!(on_disk[512..].starts_with(b"NEPHELE-SEEN 2\n"), "sector 1 holds the count");
    qmp.execute("quit", None).ok();
    assert!(vm.wait_exit(Duration::from_secs(10)));
}
