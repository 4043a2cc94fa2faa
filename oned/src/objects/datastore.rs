//! Datastores: where images (type 0), running VMs' disks (system, type 1) and files (type 2) live.

use super::NameKey;
use super::{ObjectKind, Ownership, PoolObject};
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

impl Datastore {
    /// Re-reads DS_MAD and TM_MAD, which are kept in fields too, from the template.
    pub fn drivers_from_template(&mut self) {
        if let Some(t) = self.template.get("TM_MAD") {
            self.tm_mad = t.to_string();
        }
        if self.ds_type != DsType::System
            && let Some(d) = self.template.get("DS_MAD")
        {
            self.ds_mad = d.to_string();
        }
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
