//! The deployment file of a QEMU guest (`share/doc/kvm.md`, format 1): the VM's template turned
//! into the argument vector of `qemu-system-x86_64`, plus a few header lines the host's scripts
//! need (the taps to create, the VNC password). Pure: [`build`] reads a VM and the facts of its
//! host and returns a [`Deployment`] or the [`DeploymentError`] that names the bad value;
//! [`Deployment::encode`] writes the file.
//!
//! Every value that comes from a template is checked against an allow-list or a pattern before
//! it reaches an argument, values QEMU splits on commas have their commas doubled, and no value
//! may hold a line break: whatever a template says, it cannot add an option or a line. Kernel and
//! initrd paths must lie in the VM's directory (where `OS/KERNEL_DS` puts them), so no file of
//! the host is reachable through a template. The context CD (`CONTEXT/DISK_ID`, `TARGET`) is a
//! read-only raw disk of the VM's directory too.

use libone::template::{Template, Vector};
use std::fmt::Write as _;

/// The first line of a deployment file of this format.
pub const MAGIC: &str = "NEPHELE-DEPLOYMENT 1";

/// Acceleration of the host (its `KVM_ACCEL` monitoring attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    /// From the host's monitoring value; TCG unless the host says KVM works.
    pub fn from_host(value: Option<&str>) -> Accel {
        match value.map(|v| v.trim().to_ascii_lowercase()) {
            Some(v) if v == "kvm" => Accel::Kvm,
            _ => Accel::Tcg,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// What the deployment depends on besides the VM.
#[derive(Clone, Debug)]
pub struct HostFacts {
    pub accel: Accel,
    /// The VM's directory on the host (`<system datastore>/<vmid>`).
    pub vm_dir: String,
}

/// A tap device the host creates for a NIC, and the bridge it joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tap {
    pub name: String,
    pub bridge: Option<String>,
}

/// A built deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub vmid: i32,
    pub dir: String,
    pub taps: Vec<Tap>,
    pub vnc_password: Option<String>,
    pub args: Vec<String>,
}

/// Why a VM cannot be written as a deployment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeploymentError {
    #[error("{attr} is invalid: {value:?} ({why})")]
    Invalid { attr: String, value: String, why: &'static str },
    #[error("{0}")]
    Unsupported(String),
}

fn invalid(attr: &str, value: &str, why: &'static str) -> DeploymentError {
    DeploymentError::Invalid { attr: attr.to_string(), value: value.to_string(), why }
}

/// A value for a comma-separated QEMU option: no line breaks or NULs, commas doubled.
fn opt(attr: &str, value: &str) -> Result<String, DeploymentError> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(invalid(attr, value, "line breaks are not allowed"));
    }
    Ok(value.replace(',', ",,"))
}

/// A whole argument: no line breaks or NULs.
fn arg(attr: &str, value: &str) -> Result<String, DeploymentError> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(invalid(attr, value, "line breaks are not allowed"));
    }
    Ok(value.to_string())
}

/// `[A-Za-z0-9_.-]+`, at most `max` characters.
fn word(attr: &str, value: &str, max: usize) -> Result<String, DeploymentError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok { Ok(value.to_string()) } else { Err(invalid(attr, value, "letters, digits, '_', '.' and '-' only")) }
}

/// One of `allowed` (case-insensitive), returned as written in the list.
fn one_of(attr: &str, value: &str, allowed: &[&'static str]) -> Result<&'static str, DeploymentError> {
    allowed.iter().find(|a| a.eq_ignore_ascii_case(value.trim())).copied().ok_or_else(|| DeploymentError::Invalid {
        attr: attr.to_string(),
        value: value.to_string(),
        why: "not a supported value",
    })
}

fn yes(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "on" | "1"))
}

fn no(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "no" | "false" | "off" | "0"))
}

/// A positive integer.
fn count(attr: &str, value: &str) -> Result<u64, DeploymentError> {
    value.trim().parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(attr, value, "a positive integer"))
}

/// An absolute path inside `dir` (no `..`, no line breaks).
fn path_in(attr: &str, value: &str, dir: &str) -> Result<String, DeploymentError> {
    let inside = value.starts_with(&format!("{dir}/")) && !value.split('/').any(|p| p == "..");
    if !inside {
        return Err(invalid(attr, value, "must be a file of the VM's directory: use OS/KERNEL_DS or OS/INITRD_DS"));
    }
    arg(attr, value)
}

/// Splits RAW/DATA into words: blanks separate, single and double quotes group, no expansion.
fn split_words(data: &str) -> Result<Vec<String>, DeploymentError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in data.chars() {
        match (quote, c) {
            (_, '\n' | '\r' | '\0') => return Err(invalid("RAW/DATA", data, "line breaks are not allowed")),
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if quote.is_some() {
        return Err(invalid("RAW/DATA", data, "unterminated quote"));
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The bus and device of a disk, from its target's prefix and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bus {
    Virtio,
    Scsi,
    Ide,
}

/// Builds the deployment of VM `id` with system template `t` on a host with `facts`.
pub fn build(id: i32, t: &Template, facts: &HostFacts) -> Result<Deployment, DeploymentError> {
    let dir = &facts.vm_dir;
    if !dir.starts_with('/') || dir.split('/').any(|p| p == "..") || dir.contains(['\n', '\r', '\0']) {
        return Err(invalid("the VM directory", dir, "an absolute path without '..'"));
    }
    let qmp = format!("{dir}/qmp.sock");
    if qmp.len() > 107 {
        return Err(DeploymentError::Unsupported(format!(
            "the QMP socket path {qmp} is longer than a UNIX socket path may be (107 bytes): use a shorter DATASTORE_LOCATION"
        )));
    }
    let empty = Vector::new();
    let os = t.vector("OS").unwrap_or(&empty);
    let features = t.vector("FEATURES").unwrap_or(&empty);
    let mut a: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));

    push(&["-name", &format!("guest=one-{id},process=one-{id},debug-threads=on")]);
    if let Some(uuid) = os.get("UUID") {
        let ok = uuid.len() == 36 && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !ok {
            return Err(invalid("OS/UUID", uuid, "a UUID"));
        }
        push(&["-uuid", uuid]);
    }
    if let Some(arch) = os.get("ARCH")
        && !arch.trim().eq_ignore_ascii_case("x86_64")
    {
        return Err(DeploymentError::Unsupported(format!("OS/ARCH {arch} is not supported (only x86_64)")));
    }
    let machine = word("OS/MACHINE", os.get("MACHINE").map(str::trim).unwrap_or("q35"), 64)?;
    let q35 = machine.starts_with("q35") || machine.contains("-q35");
    let mut machine_arg = machine.clone();
    if no(features.get("ACPI")) {
        machine_arg.push_str(",acpi=off");
    }
    push(&["-machine", &machine_arg, "-accel", facts.accel.name()]);
    let cpu_model = t.vector("CPU_MODEL").and_then(|c| c.get("MODEL")).map(str::trim).filter(|m| !m.is_empty());
    match cpu_model {
        Some(m) if m.eq_ignore_ascii_case("host-passthrough") || m == "host" => {
            if facts.accel != Accel::Kvm {
                return Err(DeploymentError::Unsupported(
                    "CPU_MODEL host-passthrough needs KVM acceleration, and the host reports TCG".into(),
                ));
            }
            push(&["-cpu", "host"]);
        }
        Some(m) => push(&["-cpu", &word("CPU_MODEL/MODEL", m, 64)?]),
        None => {}
    }
    let memory = count("MEMORY", t.get("MEMORY").unwrap_or(""))?;
    let vcpu = match t.get("VCPU") {
        Some(v) => count("VCPU", v)?,
        None => 1,
    };
    push(&["-m", &memory.to_string(), "-smp", &vcpu.to_string()]);

    // Direct kernel boot, from files in the VM's directory only.
    if let Some(k) = os.get("KERNEL").map(str::trim).filter(|k| !k.is_empty()) {
        push(&["-kernel", &path_in("OS/KERNEL", k, dir)?]);
        if let Some(i) = os.get("INITRD").map(str::trim).filter(|i| !i.is_empty()) {
            push(&["-initrd", &path_in("OS/INITRD", i, dir)?]);
        }
        let mut cmdline = String::new();
        if let Some(root) = os.get("ROOT").map(str::trim).filter(|r| !r.is_empty()) {
            cmdline = format!("root=/dev/{}", word("OS/ROOT", root, 32)?);
        }
        if let Some(cmd) = os.get("KERNEL_CMD").map(str::trim).filter(|c| !c.is_empty()) {
            if !cmdline.is_empty() {
                cmdline.push(' ');
            }
            cmdline.push_str(&arg("OS/KERNEL_CMD", cmd)?);
        }
        if !cmdline.is_empty() {
            push(&["-append", &cmdline]);
        }
    } else if os.get("INITRD").is_some_and(|i| !i.trim().is_empty()) {
        return Err(DeploymentError::Unsupported("OS/INITRD needs OS/KERNEL (or KERNEL_DS)".into()));
    }
    if yes(features.get("LOCALTIME")) {
        push(&["-rtc", "base=localtime"]);
    }

    // Boot order: OS/BOOT = "disk1,nic0" gives those devices boot indexes in that order.
    let boot: Vec<String> = os
        .get("BOOT")
        .map(|b| b.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    for b in &boot {
        let ok = b.strip_prefix("disk").or_else(|| b.strip_prefix("nic")).is_some_and(|n| n.parse::<u32>().is_ok());
        if !ok {
            return Err(invalid("OS/BOOT", b, "a list of disk<id> and nic<id>"));
        }
    }
    let bootindex = |dev: &str| boot.iter().position(|b| b == dev).map(|i| format!(",bootindex={}", i + 1));

    // Disks, then the context CD (`<dir>/disk.<CONTEXT/DISK_ID>`, made by the transfer's
    // CONTEXT line): read-only, raw, on the bus its TARGET's prefix names (a CD-ROM on IDE/AHCI
    // or SCSI; a read-only virtio disk for vd).
    let context_cd = t.vector("CONTEXT").and_then(|c| {
        let id = c.get("DISK_ID")?.trim();
        let target = c.get("TARGET").map(str::trim).unwrap_or("");
        let mut v = Vector::from_pairs([("DISK_ID", id), ("TARGET", target), ("FORMAT", "raw"), ("READONLY", "YES")]);
        if !target.starts_with("vd") {
            v.set("TYPE", "CDROM");
        }
        Some(v)
    });
    let mut scsi = false;
    for d in t.vectors("DISK").chain(context_cd.iter()) {
        let disk_id: u32 = d
            .get("DISK_ID")
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| invalid("DISK/DISK_ID", d.get("DISK_ID").unwrap_or(""), "a disk id"))?;
        let target = d.get("TARGET").map(str::trim).unwrap_or("");
        let letters = target.trim_start_matches(|c: char| c.is_ascii_lowercase());
        if target.is_empty() || !letters.is_empty() || target.len() < 3 {
            return Err(invalid("DISK/TARGET", target, "a device name such as vda, sdb or hdc"));
        }
        let (prefix, unit) = target.split_at(2);
        let index = unit.bytes().fold(0usize, |acc, b| acc * 26 + (b - b'a') as usize);
        let cdrom = d.get("TYPE").is_some_and(|ty| ty.eq_ignore_ascii_case("CDROM"));
        let bus = match prefix {
            "vd" => Bus::Virtio,
            "sd" => Bus::Scsi,
            "hd" => Bus::Ide,
            _ => return Err(invalid("DISK/TARGET", target, "the prefix must be vd, sd or hd")),
        };
        let format = match d.get("DRIVER").or(d.get("FORMAT")).map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => one_of("DISK/DRIVER", f, &["raw", "qcow2"])?,
            None => "raw",
        };
        let cache = match d.get("CACHE").map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => {
                one_of("DISK/CACHE", c, &["default", "none", "writethrough", "writeback", "directsync", "unsafe"])?
            }
            None => "default",
        };
        let io = match d.get("IO").map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(one_of("DISK/IO", c, &["threads", "native", "io_uring"])?),
            None => None,
        };
        if io == Some("native") && !matches!(cache, "none" | "directsync") {
            return Err(DeploymentError::Unsupported(format!(
                "DISK {disk_id}: IO = native needs CACHE = none or directsync"
            )));
        }
        let discard = match d.get("DISCARD").map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(one_of("DISK/DISCARD", c, &["ignore", "unmap"])?),
            None => None,
        };
        let readonly = cdrom || yes(d.get("READONLY"));
        let mut drive =
            format!("file={},format={format},if=none,id=disk{disk_id}", opt("DISK", &format!("{dir}/disk.{disk_id}"))?);
        if cache != "default" {
            let _ = write!(drive, ",cache={cache}");
        }
        if let Some(io) = io {
            let _ = write!(drive, ",aio={io}");
        }
        if let Some(dsc) = discard {
            let _ = write!(drive, ",discard={dsc}");
        }
        if readonly {
            drive.push_str(",readonly=on");
        }
        if cdrom {
            drive.push_str(",media=cdrom");
        }
        let mut device = match (bus, cdrom) {
            (Bus::Virtio, _) => format!("virtio-blk-pci,drive=disk{disk_id},id=dev-disk{disk_id}"),
            (Bus::Scsi, false) => format!("scsi-hd,bus=scsi0.0,drive=disk{disk_id},id=dev-disk{disk_id}"),
            (Bus::Scsi, true) => format!("scsi-cd,bus=scsi0.0,drive=disk{disk_id},id=dev-disk{disk_id}"),
            (Bus::Ide, cd) => {
                let kind = if cd { "ide-cd" } else { "ide-hd" };
                // q35: one unit per AHCI port (ide.0 … ide.5); pc: two units on ide.0 and ide.1.
                let (max, place) = if q35 {
                    (6, format!("bus=ide.{index}"))
                } else {
                    (4, format!("bus=ide.{},unit={}", index / 2, index % 2))
                };
                if index >= max {
                    return Err(invalid("DISK/TARGET", target, "beyond the machine's IDE ports"));
                }
                format!("{kind},{place},drive=disk{disk_id},id=dev-disk{disk_id}")
            }
        };
        scsi |= bus == Bus::Scsi;
        if let Some(b) = bootindex(&format!("disk{disk_id}")) {
            device.push_str(&b);
        }
        a.extend(["-drive".to_string(), drive, "-device".to_string(), device]);
    }
    if scsi {
        // The controller goes before its disks are used; QEMU resolves bus names at realize.
        a.splice(0..0, ["-device".to_string(), "virtio-scsi-pci,id=scsi0".to_string()]);
    }

    // NICs: a tap per NIC, created by the host's deploy script.
    let mut taps = Vec::new();
    for n in t.vectors("NIC") {
        let nic_id: u32 = n
            .get("NIC_ID")
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| invalid("NIC/NIC_ID", n.get("NIC_ID").unwrap_or(""), "a NIC id"))?;
        let tap = match n.get("TARGET").map(str::trim).filter(|s| !s.is_empty()) {
            Some(tgt) => word("NIC/TARGET", tgt, 15)?,
            None => format!("one-{id}-{nic_id}"),
        };
        if tap.len() > 15 {
            return Err(invalid("NIC/TARGET", &tap, "a device name of at most 15 characters"));
        }
        let bridge = match n.get("BRIDGE").map(str::trim).filter(|s| !s.is_empty()) {
            Some(b) => Some(word("NIC/BRIDGE", b, 15)?),
            None => None,
        };
        let mac = n.get("MAC").map(str::trim).unwrap_or("");
        let mac_ok = mac.len() == 17
            && mac.split(':').count() == 6
            && mac.split(':').all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
        if !mac_ok {
            return Err(invalid("NIC/MAC", mac, "a MAC address aa:bb:cc:dd:ee:ff"));
        }
        let model = match n.get("MODEL").map(str::trim).filter(|s| !s.is_empty()) {
            Some(m) => match one_of("NIC/MODEL", m, &["virtio", "virtio-net-pci", "e1000", "e1000e", "rtl8139"])? {
                "virtio" => "virtio-net-pci",
                other => other,
            },
            None => "virtio-net-pci",
        };
        let mut device = format!("{model},netdev=net{nic_id},mac={mac},id=dev-net{nic_id}");
        if let Some(b) = bootindex(&format!("nic{nic_id}")) {
            device.push_str(&b);
        }
        a.extend([
            "-netdev".to_string(),
            format!("tap,id=net{nic_id},ifname={tap},script=no,downscript=no"),
            "-device".to_string(),
            device,
        ]);
        taps.push(Tap { name: tap, bridge });
    }

    // Graphics: VNC on LISTEN:PORT, the password set through QMP.
    let mut vnc_password = None;
    let mut display = false;
    if let Some(g) = t.vector("GRAPHICS") {
        let ty = g.get("TYPE").map(|s| s.trim().to_ascii_uppercase()).unwrap_or_default();
        if ty == "VNC" {
            let port: u32 = g.get("PORT").and_then(|p| p.trim().parse().ok()).unwrap_or(5900 + id as u32);
            if !(5900..=65535).contains(&port) {
                return Err(invalid("GRAPHICS/PORT", &port.to_string(), "a port from 5900 to 65535"));
            }
            let listen = g.get("LISTEN").map(str::trim).filter(|l| !l.is_empty()).unwrap_or("0.0.0.0");
            let ip: std::net::IpAddr =
                listen.parse().map_err(|_| invalid("GRAPHICS/LISTEN", listen, "an IP address"))?;
            let host = if ip.is_ipv6() { format!("[{ip}]") } else { ip.to_string() };
            let mut v = format!("{host}:{}", port - 5900);
            if let Some(pw) = g.get("PASSWD").filter(|p| !p.is_empty()) {
                if pw.chars().any(|c| c.is_control()) {
                    return Err(invalid("GRAPHICS/PASSWD", "(hidden)", "printable characters only"));
                }
                vnc_password = Some(pw.to_string());
                v.push_str(",password=on");
            }
            a.extend(["-vnc".to_string(), v, "-device".to_string(), "VGA".to_string()]);
            display = true;
        } else if !ty.is_empty() {
            return Err(DeploymentError::Unsupported(format!("GRAPHICS TYPE {ty} is not supported (VNC only)")));
        }
    }

    // Input devices.
    let mut usb = false;
    for i in t.vectors("INPUT") {
        let ty = one_of("INPUT/TYPE", i.get("TYPE").unwrap_or(""), &["tablet", "mouse", "keyboard"])?;
        let bus = one_of("INPUT/BUS", i.get("BUS").unwrap_or("usb"), &["usb", "ps2", "virtio"])?;
        let dev = match (bus, ty) {
            ("usb", "tablet") => Some("usb-tablet"),
            ("usb", "mouse") => Some("usb-mouse"),
            ("usb", _) => Some("usb-kbd"),
            ("virtio", "tablet") => Some("virtio-tablet-pci"),
            ("virtio", "mouse") => Some("virtio-mouse-pci"),
            ("virtio", _) => Some("virtio-keyboard-pci"),
            _ => None, // PS/2 devices are built into the machine
        };
        if let Some(dev) = dev {
            if bus == "usb" && !usb {
                a.extend(["-device".to_string(), "qemu-xhci,id=usb".to_string()]);
                usb = true;
            }
            a.extend(["-device".to_string(), dev.to_string()]);
        }
    }

    // RAW arguments (a restricted attribute: only administrators write it).
    for r in t.vectors("RAW") {
        let ty = r.get("TYPE").map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default();
        if matches!(ty.as_str(), "kvm" | "qemu")
            && let Some(data) = r.get("DATA")
        {
            a.extend(split_words(data)?);
        }
    }

    // Host-side plumbing.
    a.extend(["-nodefaults", "-no-user-config", "-no-shutdown"].map(String::from));
    if !display {
        a.extend(["-display", "none"].map(String::from));
    }
    a.extend([
        // A chardev, not `-serial file:<path>`: QEMU splits a chardev's options on commas (so
        // doubled commas are read back as one), while `file:` takes its path as written.
        "-chardev".to_string(),
        format!("file,id=serial0,path={}", opt("the VM directory", &format!("{dir}/serial.log"))?),
        "-serial".to_string(),
        "chardev:serial0".to_string(),
        "-qmp".to_string(),
        format!("unix:{},server=on,wait=off", opt("the VM directory", &qmp)?),
        "-daemonize".to_string(),
        "-pidfile".to_string(),
        arg("the VM directory", &format!("{dir}/qemu.pid"))?,
    ]);
    Ok(Deployment { vmid: id, dir: dir.clone(), taps, vnc_password, args: a })
}

impl Deployment {
    /// The file's text (format 1).
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(64 + self.args.iter().map(|a| a.len() + 1).sum::<usize>());
        let _ = writeln!(s, "{MAGIC}");
        let _ = writeln!(s, "VMID {}", self.vmid);
        let _ = writeln!(s, "DIR {}", self.dir);
        for t in &self.taps {
            let _ = writeln!(s, "TAP {} {}", t.name, t.bridge.as_deref().unwrap_or("-"));
        }
        if let Some(pw) = &self.vnc_password {
            let _ = writeln!(s, "VNC_PASSWORD {pw}");
        }
        s.push_str("ARGS\n");
        for a in &self.args {
            s.push_str(a);
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests;
