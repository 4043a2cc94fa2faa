//! `TM_MAD_CONF` and `DS_MAD_CONF`: how each transfer driver and each datastore driver behaves,
//! which OpenNebula's `Datastore` copies into a new datastore's template (`objects::datastore`).
//!
//! ```text
//! TM_MAD_CONF = [ NAME = "ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO",
//!                 ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", ... ]
//! DS_MAD_CONF = [ NAME = "fs", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO",
//!                 MARKETPLACE_ACTIONS = "export" ]
//! ```
//!
//! Values are checked when the file is read: a target that is not NONE, SELF or SYSTEM, a
//! boolean that is not YES or NO, an unknown ALLOW_ORPHANS mode or DISK_TYPE, a missing NAME or
//! a NAME given twice stop start-up with `file:line:column`. A key an entry leaves out is not an
//! error (OpenNebula accepts it too): a datastore that needs it is refused at
//! `one.datastore.allocate` with OpenNebula's message, and the file gets a warning.
//! Names are matched case-insensitively, as OpenNebula's `get_conf_attribute` does.

use libone::template::Vector;

/// `LN_TARGET` / `CLONE_TARGET`: where a VM's copy (or link) of an image lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmTarget {
    /// The image is used in place.
    None,
    /// Copied inside the image datastore.
    SelfDs,
    /// Copied to the system datastore.
    System,
}

impl TmTarget {
    /// NONE, SELF or SYSTEM, any case.
    pub fn parse(s: &str) -> Option<TmTarget> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NONE" => Some(TmTarget::None),
            "SELF" => Some(TmTarget::SelfDs),
            "SYSTEM" => Some(TmTarget::System),
            _ => None,
        }
    }

    /// As OpenNebula writes it in a datastore template (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            TmTarget::None => "NONE",
            TmTarget::SelfDs => "SELF",
            TmTarget::System => "SYSTEM",
        }
    }
}

/// OpenNebula's `Image::DiskType`, with its numbers (the `DISK_TYPE` element of datastores).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum DiskType {
    File = 0,
    Cdrom = 1,
    Block = 2,
    Rbd = 3,
    RbdCdrom = 4,
    Gluster = 5,
    GlusterCdrom = 6,
    Sheepdog = 7,
    SheepdogCdrom = 8,
    Iscsi = 9,
    Filesystem = 10,
}

impl DiskType {
    const ALL: [DiskType; 11] = [
        DiskType::File,
        DiskType::Cdrom,
        DiskType::Block,
        DiskType::Rbd,
        DiskType::RbdCdrom,
        DiskType::Gluster,
        DiskType::GlusterCdrom,
        DiskType::Sheepdog,
        DiskType::SheepdogCdrom,
        DiskType::Iscsi,
        DiskType::Filesystem,
    ];

    /// `Image::str_to_disk_type`: the names below, any case.
    pub fn parse(s: &str) -> Option<DiskType> {
        let s = s.trim().to_ascii_uppercase();
        DiskType::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// `Image::disk_type_to_str`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskType::File => "FILE",
            DiskType::Cdrom => "CDROM",
            DiskType::Block => "BLOCK",
            DiskType::Rbd => "RBD",
            DiskType::RbdCdrom => "RBD_CDROM",
            DiskType::Gluster => "GLUSTER",
            DiskType::GlusterCdrom => "GLUSTER_CDROM",
            DiskType::Sheepdog => "SHEEPDOG",
            DiskType::SheepdogCdrom => "SHEEPDOG_CDROM",
            DiskType::Iscsi => "ISCSI",
            DiskType::Filesystem => "FILESYSTEM",
        }
    }

    pub fn from_number(n: i32) -> Option<DiskType> {
        DiskType::ALL.into_iter().find(|d| *d as i32 == n)
    }
}

/// The snapshot trees OpenNebula knows (`ALLOW_ORPHANS`).
const ORPHAN_MODES: [&str; 5] = ["YES", "NO", "MIXED", "FORMAT", "LINEAR"];

/// How an image datastore of this TM_MAD is reached from a system datastore of another
/// (`TM_MAD_SYSTEM = "ssh"` with `LN_TARGET_SSH`, `CLONE_TARGET_SSH`, `DISK_TYPE_SSH`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemMode {
    /// The system datastore's TM_MAD, upper case (the suffix of the keys).
    pub tm_mad: String,
    pub ln_target: Option<TmTarget>,
    pub clone_target: Option<TmTarget>,
    /// As written (OpenNebula copies it verbatim).
    pub disk_type: Option<String>,
}

/// One `TM_MAD_CONF` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmMadConf {
    pub name: String,
    pub ln_target: Option<TmTarget>,
    pub clone_target: Option<TmTarget>,
    pub shared: Option<bool>,
    pub ds_migrate: Option<bool>,
    pub ds_live_migrate: Option<bool>,
    pub ds_migrate_snap: Option<bool>,
    pub persistent_snapshots: Option<bool>,
    /// YES, NO, MIXED, FORMAT or LINEAR, as written (OpenNebula copies it verbatim).
    pub allow_orphans: Option<String>,
    /// The image format of this driver's disks (`DRIVER`), e.g. `qcow2`.
    pub driver: Option<String>,
    /// Forced on the image datastores of this driver.
    pub disk_type: Option<DiskType>,
    /// `TM_MAD_SYSTEM` as written, and one entry per driver it names.
    pub tm_mad_system: Option<String>,
    pub system_modes: Vec<SystemMode>,
}

/// One `DS_MAD_CONF` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DsMadConf {
    pub name: String,
    /// Attributes a datastore of this driver must have (upper case).
    pub required_attrs: Vec<String>,
    /// Images of these datastores can only be persistent.
    pub persistent_only: bool,
    /// Written to the datastore's template when set.
    pub capacity_check: Option<bool>,
    /// What marketplaces may do with these images (`export`); kept, not used by Nephele.
    pub marketplace_actions: Vec<String>,
}

/// Every `TM_MAD_CONF` and `DS_MAD_CONF` entry in effect (the file's, then the built-in ones
/// whose NAME the file does not use).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageConf {
    pub tm: Vec<TmMadConf>,
    pub ds: Vec<DsMadConf>,
}

impl StorageConf {
    /// The entry of a transfer driver (case-insensitive, as OpenNebula).
    pub fn tm(&self, name: &str) -> Option<&TmMadConf> {
        let name = name.trim();
        self.tm.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The entry of a datastore driver (case-insensitive, as OpenNebula).
    pub fn ds(&self, name: &str) -> Option<&DsMadConf> {
        let name = name.trim();
        self.ds.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The built-in entries alone (what an oned.conf without any of these keys gets).
    pub fn builtin() -> StorageConf {
        let mut conf = StorageConf::default();
        let Ok(items) = libone::template::parse_text_located(super::DEFAULTS) else { return conf };
        for (attr, _) in items {
            match (attr.name(), attr.as_vector()) {
                ("TM_MAD_CONF", Some(v)) => conf.tm.extend(TmMadConf::from_vector(v).ok().map(|(t, _)| t)),
                ("DS_MAD_CONF", Some(v)) => conf.ds.extend(DsMadConf::from_vector(v).ok()),
                _ => {}
            }
        }
        conf
    }

    /// Adds an entry read from the file; a NAME given twice is an error.
    pub(super) fn push_tm(&mut self, t: TmMadConf) -> Result<(), String> {
        if self.tm(&t.name).is_some() {
            return Err(format!("TM_MAD_CONF {:?} is defined twice", t.name));
        }
        self.tm.push(t);
        Ok(())
    }

    pub(super) fn push_ds(&mut self, d: DsMadConf) -> Result<(), String> {
        if self.ds(&d.name).is_some() {
            return Err(format!("DS_MAD_CONF {:?} is defined twice", d.name));
        }
        self.ds.push(d);
        Ok(())
    }
}

/// The vector's NAME, trimmed and non-empty.
fn name_of(key: &str, v: &Vector) -> Result<String, String> {
    match v.get("NAME").map(str::trim) {
        Some(n) if !n.is_empty() => Ok(n.to_string()),
        _ => Err(format!("{key} needs NAME")),
    }
}

/// A sub-key's value, absent when missing or blank (OpenNebula's defaults write `DRIVER = ""`).
fn value<'v>(v: &'v Vector, key: &str) -> Option<&'v str> {
    v.get(key).map(str::trim).filter(|s| !s.is_empty())
}

fn yes_no(entry: &str, v: &Vector, key: &str) -> Result<Option<bool>, String> {
    match value(v, key) {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("YES") => Ok(Some(true)),
        Some(s) if s.eq_ignore_ascii_case("NO") => Ok(Some(false)),
        Some(s) => Err(format!("{entry}/{key} must be \"YES\" or \"NO\", not {s:?}")),
    }
}

fn target(entry: &str, v: &Vector, key: &str) -> Result<Option<TmTarget>, String> {
    match value(v, key) {
        None => Ok(None),
        Some(s) => TmTarget::parse(s)
            .map(Some)
            .ok_or_else(|| format!("{entry}/{key} must be \"NONE\", \"SELF\" or \"SYSTEM\", not {s:?}")),
    }
}

/// A comma-separated list, trimmed, upper-cased, blanks dropped.
fn list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("").split(',').map(|a| a.trim().to_ascii_uppercase()).filter(|a| !a.is_empty()).collect()
}

impl TmMadConf {
    /// Reads and checks one entry; also returns what deserves a warning (keys a datastore of
    /// this driver will need).
    pub fn from_vector(v: &Vector) -> Result<(TmMadConf, Vec<String>), String> {
        let name = name_of("TM_MAD_CONF", v)?;
        let entry = format!("TM_MAD_CONF {name:?}");
        let allow_orphans = match value(v, "ALLOW_ORPHANS") {
            Some(s) if !ORPHAN_MODES.contains(&s.to_ascii_uppercase().as_str()) => {
                return Err(format!("{entry}/ALLOW_ORPHANS must be one of YES, NO, MIXED, FORMAT, LINEAR, not {s:?}"));
            }
            other => other.map(str::to_string),
        };
        let disk_type = match value(v, "DISK_TYPE") {
            None => None,
            Some(s) => Some(DiskType::parse(s).ok_or_else(|| format!("{entry}/DISK_TYPE {s:?} is not a disk type"))?),
        };
        let tm_mad_system = value(v, "TM_MAD_SYSTEM").map(str::to_string);
        let mut system_modes = Vec::new();
        for tm in list(tm_mad_system.as_deref()) {
            system_modes.push(SystemMode {
                ln_target: target(&entry, v, &format!("LN_TARGET_{tm}"))?,
                clone_target: target(&entry, v, &format!("CLONE_TARGET_{tm}"))?,
                disk_type: value(v, &format!("DISK_TYPE_{tm}")).map(str::to_string),
                tm_mad: tm,
            });
        }
        let conf = TmMadConf {
            ln_target: target(&entry, v, "LN_TARGET")?,
            clone_target: target(&entry, v, "CLONE_TARGET")?,
            shared: yes_no(&entry, v, "SHARED")?,
            ds_migrate: yes_no(&entry, v, "DS_MIGRATE")?,
            ds_live_migrate: yes_no(&entry, v, "DS_LIVE_MIGRATE")?,
            ds_migrate_snap: yes_no(&entry, v, "DS_MIGRATE_SNAP")?,
            persistent_snapshots: yes_no(&entry, v, "PERSISTENT_SNAPSHOTS")?,
            allow_orphans,
            driver: value(v, "DRIVER").map(str::to_string),
            disk_type,
            tm_mad_system,
            system_modes,
            name,
        };
        let mut missing: Vec<String> = [
            ("SHARED", conf.shared.is_none()),
            ("LN_TARGET", conf.ln_target.is_none()),
            ("CLONE_TARGET", conf.clone_target.is_none()),
        ]
        .into_iter()
        .filter(|(_, gone)| *gone)
        .map(|(k, _)| k.to_string())
        .collect();
        for m in &conf.system_modes {
            for (k, gone) in [
                ("LN_TARGET_", m.ln_target.is_none()),
                ("CLONE_TARGET_", m.clone_target.is_none()),
                ("DISK_TYPE_", m.disk_type.is_none()),
            ] {
                if gone {
                    missing.push(format!("{k}{}", m.tm_mad));
                }
            }
        }
        let warnings = if missing.is_empty() {
            Vec::new()
        } else {
            vec![format!("{entry} has no {}: datastores using it will be refused", missing.join(", "))]
        };
        Ok((conf, warnings))
    }
}

impl DsMadConf {
    pub fn from_vector(v: &Vector) -> Result<DsMadConf, String> {
        let name = name_of("DS_MAD_CONF", v)?;
        let entry = format!("DS_MAD_CONF {name:?}");
        Ok(DsMadConf {
            required_attrs: list(v.get("REQUIRED_ATTRS")),
            persistent_only: yes_no(&entry, v, "PERSISTENT_ONLY")?.unwrap_or(false),
            capacity_check: yes_no(&entry, v, "DATASTORE_CAPACITY_CHECK")?,
            marketplace_actions: list(v.get("MARKETPLACE_ACTIONS"))
                .into_iter()
                .map(|a| a.to_ascii_lowercase())
                .collect(),
            name,
        })
    }
}
