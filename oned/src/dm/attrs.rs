//! Typed checks of the VM attributes that reach drivers (disk sizes and formats, device
//! prefixes, driver names, NIC models and interfaces).
//!
//! Driver payloads and transfer files are built from these values. Transfer lines encode what
//! they carry (`driver_proto::transfer`), so no value can add a field or a line there; these checks
//! add the rest: a value that does not have its attribute's form is refused when the VM is
//! created, with the attribute named, whoever asks (oneadmin included), instead of reaching a
//! driver. Which attributes a user may set at all is the restricted-attribute lists' business
//! (`VM_RESTRICTED_ATTR`).

use libone::template::{Template, Vector};

/// The form a value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// A non-negative integer that fits an `i64` (sizes in MiB, ids).
    Count,
    /// A lower-case token: `[a-z0-9_-]+` (formats, bus drivers, cache modes, models).
    Token,
    /// A device prefix: `[a-z]+` (`hd`, `sd`, `vd`, `xvd`).
    Prefix,
    /// A device target: `[a-z0-9]+` (`sda`, `vdb`, `hdc`).
    Target,
    /// A driver name: `[A-Za-z0-9_-]+` (TM_MAD).
    Driver,
    /// A network driver or device name: `[A-Za-z0-9_.-]+` not starting with `.` (`802.1Q`,
    /// `vxlan`, `one-7-0`).
    NetDriver,
    /// A network interface name as Linux allows it: 1–15 of `[A-Za-z0-9_.-]`.
    Interface,
    /// `YES` or `NO`, any case.
    YesNo,
    /// One of OpenNebula's disk types, any case.
    DiskType,
    /// Where a TM driver puts links and clones: `NONE`, `SELF` or `SYSTEM`, any case.
    TargetMode,
}

impl Form {
    fn accepts(self, v: &str) -> bool {
        let all = |f: fn(u8) -> bool| !v.is_empty() && v.bytes().all(f);
        match self {
            Form::Count => all(|b| b.is_ascii_digit()) && v.parse::<i64>().is_ok(),
            Form::Token => all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'),
            Form::Prefix => all(|b| b.is_ascii_lowercase()),
            Form::Target => all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            Form::Driver => driver_proto::transfer::is_driver_name(v),
            Form::NetDriver => {
                !v.starts_with('.') && all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            }
            Form::Interface => v.len() <= 15 && all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')),
            Form::YesNo => v.eq_ignore_ascii_case("yes") || v.eq_ignore_ascii_case("no"),
            Form::DiskType => DISK_TYPES.iter().any(|t| t.eq_ignore_ascii_case(v)),
            Form::TargetMode => ["NONE", "SELF", "SYSTEM"].iter().any(|t| t.eq_ignore_ascii_case(v)),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Form::Count => "a non-negative integer",
            Form::Token => "a lower-case word of letters, digits, '_' and '-'",
            Form::Prefix => "lower-case letters (like sd or vd)",
            Form::Target => "lower-case letters and digits (like sda)",
            Form::Driver => "a driver name of letters, digits, '_' and '-'",
            Form::NetDriver => "a name of letters, digits, '_', '.' and '-', not starting with '.'",
            Form::Interface => "an interface name of at most 15 letters, digits, '_', '.' and '-'",
            Form::YesNo => "YES or NO",
            Form::TargetMode => "NONE, SELF or SYSTEM",
            Form::DiskType => {
                "one of FS, SWAP, FILE, CDROM, BLOCK, RBD, RBD_CDROM, GLUSTER, GLUSTER_CDROM, SHEEPDOG, SHEEPDOG_CDROM, ISCSI, NONE"
            }
        }
    }
}

/// Disk TYPE values: OpenNebula's image disk types and the volatile ones.
const DISK_TYPES: &[&str] = &[
    "FS",
    "SWAP",
    "FILE",
    "CDROM",
    "BLOCK",
    "RBD",
    "RBD_CDROM",
    "GLUSTER",
    "GLUSTER_CDROM",
    "SHEEPDOG",
    "SHEEPDOG_CDROM",
    "ISCSI",
    "NONE",
];

/// `DISK` sub-attributes and their forms.
const DISK: &[(&str, Form)] = &[
    ("SIZE", Form::Count),
    ("ORIGINAL_SIZE", Form::Count),
    ("IMAGE_ID", Form::Count),
    ("IMAGE_UID", Form::Count),
    ("DATASTORE_ID", Form::Count),
    ("DISK_ID", Form::Count),
    ("FORMAT", Form::Token),
    ("DRIVER", Form::Token),
    ("CACHE", Form::Token),
    ("IO", Form::Token),
    ("DISCARD", Form::Token),
    ("DEV_PREFIX", Form::Prefix),
    ("TARGET", Form::Target),
    ("TM_MAD", Form::Driver),
    ("TM_MAD_SYSTEM", Form::Driver),
    ("LN_TARGET", Form::TargetMode),
    ("CLONE_TARGET", Form::TargetMode),
    ("READONLY", Form::YesNo),
    ("CLONE", Form::YesNo),
    ("SAVE", Form::YesNo),
    ("PERSISTENT", Form::YesNo),
    ("TYPE", Form::DiskType),
];

/// `NIC` (and `NIC_ALIAS`, `NIC_DEFAULT`) sub-attributes and their forms.
const NIC: &[(&str, Form)] = &[
    ("MODEL", Form::Token),
    ("VN_MAD", Form::NetDriver),
    ("BRIDGE", Form::Interface),
    ("PHYDEV", Form::Interface),
    ("TARGET", Form::NetDriver),
    ("VLAN_ID", Form::Count),
    ("NETWORK_ID", Form::Count),
    ("AR_ID", Form::Count),
];

/// Top-level attributes and their forms.
const TOP: &[(&str, Form)] = &[("TM_MAD_SYSTEM", Form::Driver)];

/// Checks the values of `v` named in `rules`, trimming each in place; `Err` is the first bad one:
/// `(attribute, value, form)`.
fn check_vector(v: &mut Vector, rules: &[(&'static str, Form)]) -> Result<(), (&'static str, String, Form)> {
    for (name, form) in rules {
        let Some(val) = v.get(name) else { continue };
        let trimmed = val.trim();
        if !form.accepts(trimmed) {
            return Err((name, val.to_string(), *form));
        }
        if trimmed.len() != val.len() {
            let trimmed = trimmed.to_string();
            v.set(*name, trimmed);
        }
    }
    Ok(())
}

/// `ATTR/SUB must be <form>, not "<value>"`, the value cut to a readable length.
fn message(path: &str, value: &str, form: Form) -> String {
    let mut shown: String = value.chars().take(60).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{path} must be {}, not {shown:?}", form.describe())
}

/// Checks every value of `t` that reaches a driver, and stores it without surrounding blanks
/// (read as OpenNebula reads numbers). `Err` names the first bad attribute.
pub fn check_driver_values(t: &mut Template) -> Result<(), String> {
    for (name, form) in TOP {
        if let Some(v) = t.get(name) {
            let trimmed = v.trim().to_string();
            if !form.accepts(&trimmed) {
                return Err(message(name, v, *form));
            }
            t.set(*name, trimmed);
        }
    }
    for kind in ["DISK", "NIC", "NIC_ALIAS", "NIC_DEFAULT"] {
        let rules = if kind == "DISK" { DISK } else { NIC };
        for v in t.vectors_mut(kind) {
            check_vector(v, rules).map_err(|(sub, val, form)| message(&format!("{kind}/{sub}"), &val, form))?;
        }
    }
    Ok(())
}

/// Whether an image FORMAT can travel to drivers (`[a-z0-9_-]+`).
pub fn is_format(v: &str) -> bool {
    Form::Token.accepts(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), String> {
        check_driver_values(&mut Template::parse_text(text).unwrap())
    }

    #[test]
    fn accepts_what_opennebula_templates_hold() {
        assert_eq!(
            check(
                "DISK = [ SIZE = \"1024\", FORMAT = \"qcow2\", TYPE = \"fs\", DEV_PREFIX = \"vd\", TARGET = \"vdb\", CACHE = \"none\", IO = \"io_uring\" ]"
            ),
            Ok(())
        );
        assert_eq!(
            check(
                "DISK = [ IMAGE_ID = \"3\", READONLY = \"yes\", TYPE = \"CDROM\" ]\nNIC = [ NETWORK_ID = \"0\", MODEL = \"virtio\" ]"
            ),
            Ok(())
        );
        let mut t = Template::parse_text("DISK = [ SIZE = \" 10 \" ]\nTM_MAD_SYSTEM = \" ssh\"").unwrap();
        assert_eq!(check_driver_values(&mut t), Ok(()), "surrounding blanks are read as OpenNebula reads numbers");
        assert_eq!(t.vector("DISK").and_then(|d| d.get("SIZE")), Some("10"), "and stored without them");
        assert_eq!(t.get("TM_MAD_SYSTEM"), Some("ssh"));
        assert_eq!(check("NIC = [ BRIDGE = \"br0\", PHYDEV = \"eth0.100\", VN_MAD = \"802.1Q\" ]"), Ok(()));
        assert!(check("NIC = [ VN_MAD = \"../x\" ]").unwrap_err().starts_with("NIC/VN_MAD"));
    }

    #[test]
    fn refuses_values_that_would_reach_drivers_malformed() {
        // The finding: FORMAT carrying a line break and a second transfer.
        let e = check("DISK = [ SIZE = \"1\", FORMAT = \"raw fe:/x/disk.0 0 0\nDELETE shared fe:/some/dir 0 0\n#\" ]")
            .unwrap_err();
        assert!(e.starts_with("DISK/FORMAT must be a lower-case word"), "{e}");
        assert_eq!(
            check("DISK = [ SIZE = \"1 /etc/passwd\" ]").unwrap_err(),
            "DISK/SIZE must be a non-negative integer, not \"1 /etc/passwd\""
        );
        assert!(check("DISK = [ SIZE = \"-1\" ]").is_err());
        assert!(check("DISK = [ SIZE = \"1e3\" ]").is_err());
        assert!(check("DISK = [ TM_MAD = \"../ssh\" ]").unwrap_err().starts_with("DISK/TM_MAD"));
        assert!(check("DISK = [ TYPE = \"fs;rm\" ]").unwrap_err().starts_with("DISK/TYPE"));
        assert!(check("DISK = [ DEV_PREFIX = \"s d\" ]").unwrap_err().starts_with("DISK/DEV_PREFIX"));
        assert!(check("NIC = [ BRIDGE = \"br0 x\" ]").unwrap_err().starts_with("NIC/BRIDGE"));
        assert!(check("NIC = [ BRIDGE = \"a-very-long-bridge-name\" ]").is_err());
        assert!(check("NIC_ALIAS = [ MODEL = \"E1000\" ]").unwrap_err().starts_with("NIC_ALIAS/MODEL"));
        assert!(check("TM_MAD_SYSTEM = \"ssh shared\"").unwrap_err().starts_with("TM_MAD_SYSTEM"));
        let long = format!("DISK = [ FORMAT = \"{}\" ]", "x ".repeat(100));
        assert!(check(&long).unwrap_err().ends_with("…\""));
    }
}
