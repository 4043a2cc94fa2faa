//! Datastores: where images (type 0), running VMs' disks (system, type 1) and files (type 2) live.
//!
//! A new datastore's template is completed as OpenNebula's `Datastore::insert` does it
//! ([`prepare`]): its DS_MAD must have a `DS_MAD_CONF` entry whose REQUIRED_ATTRS the template
//! has, its TM_MAD a `TM_MAD_CONF` entry, whose values then replace the template's own (a
//! system datastore takes SHARED and the DS_MIGRATE flags, an image or file datastore
//! LN_TARGET, CLONE_TARGET, the TM_MAD_SYSTEM modes, DRIVER and DISK_TYPE; both ALLOW_ORPHANS
//! and PERSISTENT_SNAPSHOTS). `one.datastore.update` applies them again when the new template
//! names a TM_MAD ([`Datastore::update_template`], OpenNebula's `post_update_template`).
//! PERSISTENT_ONLY is not copied: it is read from the DS_MAD's entry when images are made
//! ([`Datastore::is_persistent_only`]), as OpenNebula does.

use super::NameKey;
use super::{ObjectKind, Ownership, PoolObject};
use crate::config::{DiskType, StorageConf};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const SYSTEM_DS_ID: i32 = 0;
pub const DEFAULT_DS_ID: i32 = 1;
pub const FILES_DS_ID: i32 = 2;

/// Datastore types (`TYPE` element): 0 images, 1 system, 2 files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i32)]
pub enum DsType {
    Image = 0,
    System = 1,
    File = 2,
}

impl DsType {
    /// From the template's `TYPE` (`IMAGE_DS`, `SYSTEM_DS`, `FILE_DS`; default image).
    pub fn parse(s: Option<&str>) -> Option<DsType> {
        match s.map(|s| s.trim().to_ascii_uppercase()) {
            None => Some(DsType::Image),
            Some(s) if s.is_empty() || s == "IMAGE_DS" => Some(DsType::Image),
            Some(s) if s == "SYSTEM_DS" => Some(DsType::System),
            Some(s) if s == "FILE_DS" => Some(DsType::File),
            Some(_) => None,
        }
    }

    pub fn template_name(self) -> &'static str {
        match self {
            DsType::Image => "IMAGE_DS",
            DsType::System => "SYSTEM_DS",
            DsType::File => "FILE_DS",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Datastore {
    pub oid: i32,
    pub name: String,
    pub owner: Ownership,
    pub ds_mad: String,
    pub tm_mad: String,
    pub base_path: String,
    pub ds_type: DsType,
    pub disk_type: i32,
    /// 0 READY, 1 DISABLED.
    pub state: i32,
    pub clusters: BTreeSet<i32>,
    pub total_mb: i64,
    pub free_mb: i64,
    pub used_mb: i64,
    pub images: BTreeSet<i32>,
    pub template: Template,
}

/// What [`prepare`] makes of a new datastore's template: the values kept in fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDatastore {
    pub ds_type: DsType,
    pub ds_mad: String,
    pub tm_mad: String,
    pub disk_type: i32,
}

/// A single attribute's value, trimmed; `None` when absent or blank.
fn single<'t>(t: &'t Template, name: &str) -> Option<&'t str> {
    t.get(name).map(str::trim).filter(|s| !s.is_empty())
}

fn yes_no(b: bool) -> &'static str {
    if b { "YES" } else { "NO" }
}

/// Completes the template of a new datastore (NAME already taken out) as OpenNebula's
/// `Datastore::insert`: drivers checked against `conf` and their behaviour copied in, BASE_PATH
/// dropped (oned sets it), DISK_TYPE checked for the type, SAFE_DIRS / RESTRICTED_DIRS defaulted.
/// The error is OpenNebula's message.
pub fn prepare(t: &mut Template, conf: &StorageConf) -> Result<NewDatastore, String> {
    // An unknown TYPE becomes an image datastore, as in OpenNebula.
    let ds_type = DsType::parse(t.get("TYPE")).unwrap_or(DsType::Image);
    let ds_mad = match (ds_type, single(t, "DS_MAD")) {
        (DsType::System, Some(_)) => return Err("SYSTEM datastores cannot have DS_MAD defined.".into()),
        (DsType::System, None) => "-".to_string(),
        (_, Some(d)) => d.to_string(),
        (_, None) => return Err("No DS_MAD in template.".into()),
    };
    set_ds_mad(t, ds_type, &ds_mad, conf)?;
    let tm_mad = single(t, "TM_MAD").unwrap_or("").to_string();
    set_tm_mad(t, ds_type, &tm_mad, conf)?;
    t.remove("BASE_PATH");
    let asked = take_disk_type(t);
    let disk_type = set_disk_type(t, ds_type, asked.as_deref())?;
    if single(t, "SAFE_DIRS").is_none() && single(t, "RESTRICTED_DIRS").is_none() {
        t.set("SAFE_DIRS", "/var/tmp");
        t.set("RESTRICTED_DIRS", "/");
    }
    t.set("TYPE", ds_type.template_name());
    Ok(NewDatastore { ds_type, ds_mad, tm_mad, disk_type })
}

/// Takes DISK_TYPE out of the template (OpenNebula's `erase_template_attribute`).
fn take_disk_type(t: &mut Template) -> Option<String> {
    t.remove("DISK_TYPE")
        .into_iter()
        .find_map(|a| a.as_single().map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// OpenNebula's `set_ds_mad`: the DS_MAD must be configured and the template must have its
/// REQUIRED_ATTRS; DATASTORE_CAPACITY_CHECK is copied. Nothing for system datastores.
fn set_ds_mad(t: &mut Template, ds_type: DsType, ds_mad: &str, conf: &StorageConf) -> Result<(), String> {
    if ds_type == DsType::System {
        return Ok(());
    }
    let entry = conf.ds(ds_mad).ok_or_else(|| format!("DS_MAD named \"{ds_mad}\" is not defined in oned.conf"))?;
    if let Some(check) = entry.capacity_check {
        t.set("DATASTORE_CAPACITY_CHECK", yes_no(check));
    }
    match entry.required_attrs.iter().find(|a| single(t, a).is_none()) {
        Some(a) => Err(format!("Datastore template is missing the \"{a}\" attribute or it's empty.")),
        None => Ok(()),
    }
}

/// OpenNebula's `set_tm_mad`: the TM_MAD must be configured, and its entry's values replace the
/// template's.
fn set_tm_mad(t: &mut Template, ds_type: DsType, tm_mad: &str, conf: &StorageConf) -> Result<(), String> {
    if tm_mad.is_empty() {
        return Err("No TM_MAD in template.".into());
    }
    let entry = conf.tm(tm_mad).ok_or_else(|| format!("TM_MAD named \"{tm_mad}\" is not defined in oned.conf"))?;
    let wrong = || {
        format!(
            "Attribute shared, ln_target or clone_target in TM_MAD_CONF for {tm_mad} is missing or has wrong value \
             in oned.conf"
        )
    };
    if ds_type == DsType::System {
        let shared = entry.shared.ok_or_else(wrong)?;
        t.set("SHARED", yes_no(shared));
        t.set("DS_MIGRATE", yes_no(entry.ds_migrate.unwrap_or(true)));
        t.set("DS_LIVE_MIGRATE", yes_no(entry.ds_live_migrate.unwrap_or(false)));
        t.set("DS_MIGRATE_SNAP", yes_no(entry.ds_migrate_snap.unwrap_or(false)));
        t.remove("LN_TARGET");
        t.remove("CLONE_TARGET");
    } else {
        if let Some(modes) = &entry.tm_mad_system {
            t.set("TM_MAD_SYSTEM", modes.as_str());
            for m in &entry.system_modes {
                let (ln, clone) = (m.ln_target.ok_or_else(wrong)?, m.clone_target.ok_or_else(wrong)?);
                let disk_type = m.disk_type.as_deref().ok_or_else(wrong)?;
                t.set(format!("LN_TARGET_{}", m.tm_mad), ln.as_str());
                t.set(format!("CLONE_TARGET_{}", m.tm_mad), clone.as_str());
                t.set(format!("DISK_TYPE_{}", m.tm_mad), disk_type);
            }
        }
        t.set("LN_TARGET", entry.ln_target.ok_or_else(wrong)?.as_str());
        t.set("CLONE_TARGET", entry.clone_target.ok_or_else(wrong)?.as_str());
        if let Some(d) = &entry.driver {
            t.set("DRIVER", d.as_str());
        }
        if let Some(d) = entry.disk_type {
            t.set("DISK_TYPE", d.as_str());
        }
        t.remove("SHARED");
    }
    t.set("ALLOW_ORPHANS", entry.allow_orphans.as_deref().unwrap_or("NO"));
    t.set("PERSISTENT_SNAPSHOTS", yes_no(entry.persistent_snapshots.unwrap_or(true)));
    Ok(())
}

/// OpenNebula's `set_ds_disk_type`: the disk type a datastore of this type may have (FILE when
/// not given; always FILE for file datastores), written back to the template in its canonical
/// form (not for file datastores). Returns its number.
fn set_disk_type(t: &mut Template, ds_type: DsType, asked: Option<&str>) -> Result<i32, String> {
    use DiskType::*;
    let disk_type = match (ds_type, asked.map(DiskType::parse)) {
        (DsType::File, _) => File,
        (_, None) => File,
        (_, Some(None)) => return Err("Unknown DISK_TYPE in template.".into()),
        (DsType::Image, Some(Some(Cdrom | RbdCdrom | SheepdogCdrom | GlusterCdrom))) => {
            return Err("Invalid DISK_TYPE for an Image Datastore.".into());
        }
        (DsType::System, Some(Some(Gluster | Sheepdog | Iscsi | Cdrom | RbdCdrom | SheepdogCdrom | GlusterCdrom))) => {
            return Err("Invalid DISK_TYPE for a System Datastore.".into());
        }
        (_, Some(Some(d))) => d,
    };
    if ds_type != DsType::File {
        t.add("DISK_TYPE", disk_type.as_str());
    }
    Ok(disk_type as i32)
}

impl Datastore {
    /// Whether the DS_MAD's `DS_MAD_CONF` says PERSISTENT_ONLY (read when images are made, so a
    /// change of oned.conf applies to existing datastores, as in OpenNebula).
    pub fn is_persistent_only(&self, conf: &StorageConf) -> bool {
        conf.ds(&self.ds_mad).is_some_and(|d| d.persistent_only)
    }

    /// After `one.datastore.update` put a new template in place (OpenNebula's
    /// `post_update_template`): TYPE (datastore 0 stays a system datastore), DISK_TYPE when
    /// given, TM_MAD (its `TM_MAD_CONF` values applied again when the template names one), DS_MAD
    /// and its REQUIRED_ATTRS. A changed driver clears the capacity until the next monitoring.
    /// On error the datastore is left as it was, `old` (the template before the update) included.
    pub fn update_template(&mut self, conf: &StorageConf, old: Template) -> Result<(), String> {
        let before_fields = (self.ds_type, self.disk_type, self.tm_mad.clone(), self.ds_mad.clone());
        let before_mb = (self.total_mb, self.free_mb, self.used_mb);
        let result = self.apply_update(conf);
        if result.is_err() {
            (self.ds_type, self.disk_type, self.tm_mad, self.ds_mad) = before_fields;
            (self.total_mb, self.free_mb, self.used_mb) = before_mb;
            self.template = old;
        }
        result
    }

    fn apply_update(&mut self, conf: &StorageConf) -> Result<(), String> {
        let t = &mut self.template;
        let asked_type = single(t, "TYPE").map(|s| DsType::parse(Some(s)).unwrap_or(DsType::Image));
        self.ds_type = if self.oid == SYSTEM_DS_ID { DsType::System } else { asked_type.unwrap_or(self.ds_type) };
        t.set("TYPE", self.ds_type.template_name());
        if let Some(asked) = take_disk_type(t) {
            self.disk_type = set_disk_type(t, self.ds_type, Some(&asked))?;
        }
        match single(t, "TM_MAD").map(str::to_string) {
            Some(tm) => {
                set_tm_mad(t, self.ds_type, &tm, conf)?;
                if self.ds_type == DsType::System && tm != self.tm_mad {
                    // System datastores are monitored through their TM_MAD.
                    (self.total_mb, self.free_mb, self.used_mb) = (0, 0, 0);
                }
                self.tm_mad = tm;
            }
            None => t.set("TM_MAD", self.tm_mad.as_str()),
        }
        if self.ds_type == DsType::System {
            self.ds_mad = "-".into();
            t.remove("DS_MAD");
        } else {
            match single(t, "DS_MAD").map(str::to_string) {
                None => t.set("DS_MAD", self.ds_mad.as_str()),
                Some(d) if d != self.ds_mad => {
                    self.ds_mad = d;
                    (self.total_mb, self.free_mb, self.used_mb) = (0, 0, 0);
                }
                Some(_) => {}
            }
        }
        set_ds_mad(&mut self.template, self.ds_type, &self.ds_mad, conf)
    }
}

impl PoolObject for Datastore {
    const KIND: ObjectKind = ObjectKind::Datastore;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((-1, self.name.clone()))
    }

    fn ownership(&self) -> Option<&Ownership> {
        Some(&self.owner)
    }

    fn clusters(&self) -> Vec<i32> {
        self.clusters.iter().copied().collect()
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "DATASTORE");
        xml::num(out, "ID", self.oid);
        self.owner.write_ids(out);
        xml::text(out, "NAME", &self.name);
        self.owner.perms.write_xml(out);
        xml::text(out, "DS_MAD", &self.ds_mad);
        xml::text(out, "TM_MAD", &self.tm_mad);
        xml::text(out, "BASE_PATH", &self.base_path);
        xml::num(out, "TYPE", self.ds_type as i32);
        xml::num(out, "DISK_TYPE", self.disk_type);
        xml::num(out, "STATE", self.state);
        xml::ids(out, "CLUSTERS", &self.clusters);
        xml::num(out, "TOTAL_MB", self.total_mb);
        xml::num(out, "FREE_MB", self.free_mb);
        xml::num(out, "USED_MB", self.used_mb);
        xml::ids(out, "IMAGES", &self.images);
        self.template.write_xml("TEMPLATE", out);
        xml::close(out, "DATASTORE");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Ownership;
    use crate::perms::Permissions;

    fn conf() -> StorageConf {
        StorageConf::builtin()
    }

    /// `prepare` of a template in text form; the template after it and the fields.
    fn made(text: &str) -> Result<(Template, NewDatastore), String> {
        let mut t = Template::parse_text(text).unwrap();
        prepare(&mut t, &conf()).map(|n| (t, n))
    }

    /// The template as `NAME=value` lines, sorted (as the XML is).
    fn lines(t: &Template) -> Vec<String> {
        let mut v: Vec<String> =
            t.iter().map(|a| format!("{}={}", a.name(), a.as_single().unwrap_or("[..]"))).collect();
        v.sort();
        v
    }

    fn datastore(text: &str, oid: i32) -> Datastore {
        let (template, n) = made(text).unwrap();
        Datastore {
            oid,
            name: "ds".into(),
            owner: Ownership {
                uid: 0,
                gid: 0,
                uname: "oneadmin".into(),
                gname: "oneadmin".into(),
                perms: Permissions::from_mode(0o640),
            },
            ds_mad: n.ds_mad,
            tm_mad: n.tm_mad,
            base_path: format!("/var/lib/one/datastores/{oid}"),
            ds_type: n.ds_type,
            disk_type: n.disk_type,
            state: 0,
            clusters: BTreeSet::from([0]),
            total_mb: 100,
            free_mb: 60,
            used_mb: 40,
            images: BTreeSet::new(),
            template,
        }
    }

    #[test]
    fn a_system_datastore_takes_shared_and_the_migration_flags_of_its_tm_mad() {
        for (tm, shared) in [("ssh", "NO"), ("local", "NO"), ("shared", "YES"), ("qcow2", "YES"), ("dummy", "YES")] {
            let (t, n) = made(&format!("TYPE = SYSTEM_DS\nTM_MAD = {tm}")).unwrap();
            assert_eq!(t.get("SHARED"), Some(shared), "{tm}");
            assert_eq!((n.ds_type, n.ds_mad.as_str(), n.tm_mad.as_str()), (DsType::System, "-", tm));
        }
        let (t, _) = made("TYPE = SYSTEM_DS\nTM_MAD = ssh").unwrap();
        assert_eq!(
            lines(&t),
            [
                "ALLOW_ORPHANS=YES",
                "DISK_TYPE=FILE",
                "DS_LIVE_MIGRATE=YES",
                "DS_MIGRATE=YES",
                "DS_MIGRATE_SNAP=YES",
                "PERSISTENT_SNAPSHOTS=YES",
                "RESTRICTED_DIRS=/",
                "SAFE_DIRS=/var/tmp",
                "SHARED=NO",
                "TM_MAD=ssh",
                "TYPE=SYSTEM_DS",
            ]
        );
        // ceph: no DS migration; the dummy TM has no ALLOW_ORPHANS, which means NO.
        let (t, _) = made("TYPE = SYSTEM_DS\nTM_MAD = ceph").unwrap();
        assert_eq!((t.get("DS_MIGRATE"), t.get("ALLOW_ORPHANS")), (Some("NO"), Some("mixed")));
        let (t, _) = made("TYPE = SYSTEM_DS\nTM_MAD = dummy").unwrap();
        assert_eq!(t.get("ALLOW_ORPHANS"), Some("NO"));
    }

    #[test]
    fn an_image_datastore_takes_the_targets_driver_and_disk_type_of_its_tm_mad() {
        let (t, n) = made("NAME = x\nDS_MAD = fs\nTM_MAD = qcow2").unwrap();
        assert_eq!(
            lines(&t),
            [
                "ALLOW_ORPHANS=FORMAT",
                "CLONE_TARGET=SYSTEM",
                "CLONE_TARGET_SSH=SYSTEM",
                "DISK_TYPE=FILE",
                "DISK_TYPE_SSH=FILE",
                "DRIVER=qcow2",
                "DS_MAD=fs",
                "LN_TARGET=NONE",
                "LN_TARGET_SSH=SYSTEM",
                "NAME=x",
                "PERSISTENT_SNAPSHOTS=YES",
                "RESTRICTED_DIRS=/",
                "SAFE_DIRS=/var/tmp",
                "TM_MAD=qcow2",
                "TM_MAD_SYSTEM=ssh",
                "TYPE=IMAGE_DS",
            ]
        );
        assert_eq!((n.ds_type, n.ds_mad.as_str(), n.disk_type), (DsType::Image, "fs", 0));
        let (t, _) = made("DS_MAD = fs\nTM_MAD = ssh").unwrap();
        assert_eq!(
            (t.get("LN_TARGET"), t.get("CLONE_TARGET"), t.get("SHARED")),
            (Some("SYSTEM"), Some("SYSTEM"), None)
        );
        // fs_lvm forces BLOCK disks; a file datastore is always FILE and has no DISK_TYPE.
        let (t, n) = made("DS_MAD = fs\nTM_MAD = fs_lvm\nDISK_TYPE = FILE").unwrap();
        assert_eq!((t.get("DISK_TYPE"), n.disk_type), (Some("BLOCK"), 2));
        let (t, n) = made("TYPE = FILE_DS\nDS_MAD = fs\nTM_MAD = fs_lvm").unwrap();
        assert_eq!((t.get("DISK_TYPE"), n.disk_type), (None, 0));
    }

    #[test]
    fn the_tm_mad_conf_wins_over_the_template_and_safe_dirs_are_the_templates() {
        // OpenNebula's replace_template_attribute: the driver's values replace the user's.
        let (t, _) = made(
            "TYPE = SYSTEM_DS\nTM_MAD = ssh\nSHARED = YES\nDS_MIGRATE = NO\nLN_TARGET = NONE\nCLONE_TARGET = SELF\n\
             ALLOW_ORPHANS = LINEAR\nBASE_PATH = /elsewhere\nSAFE_DIRS = /srv",
        )
        .unwrap();
        assert_eq!(
            (t.get("SHARED"), t.get("DS_MIGRATE"), t.get("ALLOW_ORPHANS")),
            (Some("NO"), Some("YES"), Some("YES"))
        );
        assert_eq!((t.get("LN_TARGET"), t.get("CLONE_TARGET"), t.get("BASE_PATH")), (None, None, None));
        assert_eq!((t.get("SAFE_DIRS"), t.get("RESTRICTED_DIRS")), (Some("/srv"), None), "kept: one of them is set");
        let (t, _) = made("DS_MAD = fs\nTM_MAD = shared\nLN_TARGET = SYSTEM\nSHARED = NO\nDRIVER = raw").unwrap();
        assert_eq!((t.get("LN_TARGET"), t.get("SHARED")), (Some("NONE"), None));
        assert_eq!(t.get("DRIVER"), Some("raw"), "kept: the shared TM has no DRIVER");
        let (t, _) = made("DS_MAD = fs\nTM_MAD = qcow2\nDRIVER = raw").unwrap();
        assert_eq!(t.get("DRIVER"), Some("qcow2"));
        // Names are matched in any case; the template keeps what was written.
        let (t, n) = made("DS_MAD = FS\nTM_MAD = Ssh").unwrap();
        assert_eq!((t.get("LN_TARGET"), n.tm_mad.as_str(), n.ds_mad.as_str()), (Some("SYSTEM"), "Ssh", "FS"));
    }

    #[test]
    fn drivers_not_in_the_configuration_and_missing_attributes_are_refused() {
        let e = |text: &str| made(text).unwrap_err();
        assert_eq!(e("DS_MAD = fs\nTM_MAD = nosuch"), "TM_MAD named \"nosuch\" is not defined in oned.conf");
        assert_eq!(e("TYPE = SYSTEM_DS\nTM_MAD = nosuch"), "TM_MAD named \"nosuch\" is not defined in oned.conf");
        assert_eq!(e("DS_MAD = nosuch\nTM_MAD = ssh"), "DS_MAD named \"nosuch\" is not defined in oned.conf");
        // DS_MAD is checked first, as in OpenNebula.
        assert_eq!(e("DS_MAD = nosuch\nTM_MAD = other"), "DS_MAD named \"nosuch\" is not defined in oned.conf");
        assert_eq!(e("DS_MAD = fs"), "No TM_MAD in template.");
        assert_eq!(e("TM_MAD = ssh"), "No DS_MAD in template.");
        assert_eq!(e("TYPE = SYSTEM_DS\nDS_MAD = fs\nTM_MAD = ssh"), "SYSTEM datastores cannot have DS_MAD defined.");
        assert_eq!(
            e("DS_MAD = ceph\nTM_MAD = ceph\nDISK_TYPE = RBD"),
            "Datastore template is missing the \"BRIDGE_LIST\" attribute or it's empty."
        );
        assert_eq!(
            e("DS_MAD = dev\nTM_MAD = dev\nDISK_TYPE = \"\""),
            "Datastore template is missing the \"DISK_TYPE\" attribute or it's empty."
        );
        assert!(made("DS_MAD = ceph\nTM_MAD = ceph\nDISK_TYPE = RBD\nBRIDGE_LIST = \"h1 h2\"").is_ok());
        assert_eq!(e("DS_MAD = fs\nTM_MAD = ssh\nDISK_TYPE = CDROM"), "Invalid DISK_TYPE for an Image Datastore.");
        assert_eq!(e("TYPE = SYSTEM_DS\nTM_MAD = ssh\nDISK_TYPE = ISCSI"), "Invalid DISK_TYPE for a System Datastore.");
        assert_eq!(e("DS_MAD = fs\nTM_MAD = ssh\nDISK_TYPE = FLOPPY"), "Unknown DISK_TYPE in template.");
        // An entry without the keys a datastore needs: OpenNebula's message, at allocate.
        let mut half = conf();
        let (entry, _) = crate::config::TmMadConf::from_vector(
            Template::parse_text("X = [ NAME = half, SHARED = YES ]").unwrap().vector("X").unwrap(),
        )
        .unwrap();
        half.tm.push(entry);
        let mut t = Template::parse_text("DS_MAD = fs\nTM_MAD = half").unwrap();
        assert_eq!(
            prepare(&mut t, &half).unwrap_err(),
            "Attribute shared, ln_target or clone_target in TM_MAD_CONF for half is missing or has wrong value in oned.conf"
        );
        let mut t = Template::parse_text("TYPE = SYSTEM_DS\nTM_MAD = half").unwrap();
        assert!(prepare(&mut t, &half).is_ok(), "a system datastore needs only SHARED");
    }

    #[test]
    fn persistent_only_comes_from_the_ds_mad_conf() {
        let dev = datastore("DS_MAD = dev\nTM_MAD = dev\nDISK_TYPE = BLOCK", 100);
        assert!(dev.is_persistent_only(&conf()));
        assert_eq!(dev.template.get("PERSISTENT_ONLY"), None, "read from oned.conf, not the template");
        assert!(!datastore("DS_MAD = fs\nTM_MAD = ssh", 101).is_persistent_only(&conf()));
    }

    #[test]
    fn an_update_that_names_a_tm_mad_applies_its_values_again() {
        let mut ds = datastore("TYPE = SYSTEM_DS\nTM_MAD = ssh", 100);
        let old = ds.template.clone();
        ds.template.set("TM_MAD", "shared");
        ds.update_template(&conf(), old).unwrap();
        assert_eq!((ds.tm_mad.as_str(), ds.template.get("SHARED")), ("shared", Some("YES")));
        assert_eq!((ds.total_mb, ds.free_mb), (0, 0), "a new TM_MAD monitors it anew");

        // An image datastore updated without TM_MAD keeps it (and its values).
        let mut ds = datastore("DS_MAD = fs\nTM_MAD = qcow2", 101);
        let old = std::mem::replace(&mut ds.template, Template::parse_text("NOTE = x\nLN_TARGET = SELF").unwrap());
        ds.update_template(&conf(), old).unwrap();
        assert_eq!(
            (ds.template.get("TM_MAD"), ds.template.get("DS_MAD"), ds.template.get("LN_TARGET")),
            (Some("qcow2"), Some("fs"), Some("SELF"))
        );
        assert_eq!(ds.template.get("TYPE"), Some("IMAGE_DS"));
        assert_eq!((ds.total_mb, ds.free_mb), (100, 60));
        // ... and with TM_MAD it gets them back.
        let old = ds.template.clone();
        ds.template.set("TM_MAD", "qcow2");
        ds.update_template(&conf(), old).unwrap();
        assert_eq!(ds.template.get("LN_TARGET"), Some("NONE"));
        // Datastore 0 stays a system datastore.
        let mut ds = datastore("TYPE = SYSTEM_DS\nTM_MAD = local", 0);
        let old = std::mem::replace(&mut ds.template, Template::parse_text("TYPE = IMAGE_DS\nDS_MAD = fs").unwrap());
        ds.update_template(&conf(), old).unwrap();
        assert_eq!((ds.ds_type, ds.ds_mad.as_str(), ds.template.get("DS_MAD")), (DsType::System, "-", None));
    }

    #[test]
    fn a_refused_update_leaves_the_datastore_as_it_was() {
        for change in ["TM_MAD = nosuch", "DS_MAD = nosuch\nTM_MAD = ssh", "DS_MAD = ceph", "DISK_TYPE = CDROM"] {
            let mut ds = datastore("DS_MAD = fs\nTM_MAD = ssh\nNOTE = kept", 100);
            let before = ds.clone();
            let old = ds.template.clone();
            ds.template.merge(Template::parse_text(change).unwrap());
            let err = ds.update_template(&conf(), old).unwrap_err();
            assert!(!err.is_empty());
            assert_eq!(ds.to_xml(), before.to_xml(), "{change}: {err}");
        }
    }
}
