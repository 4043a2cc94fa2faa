//! Virtual networks: bridge and driver settings, clusters, and address ranges with leases.
//! The address-range logic lives in [`crate::vnet::ar`].

use super::NameKey;
use super::{Lock, ObjectKind, Ownership, PoolObject};
use crate::vnet::ar::{AddressRange, LeaseOwner};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Virtual network states (`include/VirtualNetwork.h`).
pub mod state {
    pub const INIT: i32 = 0;
    pub const READY: i32 = 1;
    pub const LOCK_CREATE: i32 = 2;
    pub const LOCK_DELETE: i32 = 3;
    pub const DONE: i32 = 4;
    pub const ERROR: i32 = 5;
    pub const UPDATE_FAILURE: i32 = 6;

    pub fn name(s: i32) -> &'static str {
        match s {
            INIT => "INIT",
            READY => "READY",
            LOCK_CREATE => "LOCK_CREATE",
            LOCK_DELETE => "LOCK_DELETE",
            DONE => "DONE",
            ERROR => "ERROR",
            UPDATE_FAILURE => "UPDATE_FAILURE",
            _ => "UNKNOWN",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VirtualNetwork {
    pub oid: i32,
    pub name: String,
    pub owner: Ownership,
    pub lock: Option<Lock>,
    pub clusters: BTreeSet<i32>,
    pub bridge: String,
    pub bridge_type: String,
    pub state: i32,
    pub prev_state: i32,
    /// The network this one reserves addresses from, or -1.
    pub parent_network_id: i32,
    pub template_id: i32,
    pub vn_mad: String,
    pub phydev: String,
    pub vlan_id: Option<String>,
    pub outer_vlan_id: Option<String>,
    pub vlan_id_automatic: bool,
    pub outer_vlan_id_automatic: bool,
    pub template: Template,
    pub ars: Vec<AddressRange>,
    /// The id the next address range gets.
    pub next_ar_id: u32,
}

impl VirtualNetwork {
    /// Leases in use over all address ranges (VMs, holds, reservations).
    pub fn used_leases(&self) -> u64 {
        self.ars.iter().map(|a| a.used() as u64).sum()
    }

    pub fn ar(&self, ar_id: u32) -> Option<&AddressRange> {
        self.ars.iter().find(|a| a.ar_id() == ar_id)
    }

    pub fn ar_mut(&mut self, ar_id: u32) -> Option<&mut AddressRange> {
        self.ars.iter_mut().find(|a| a.ar_id() == ar_id)
    }

    /// Puts back a lease read from the store (`owner` is OpenNebula's packed form).
    pub fn restore_lease(&mut self, ar_id: i32, index: i64, owner: &str) -> Result<(), String> {
        let packed: i64 = owner.trim().parse().map_err(|_| format!("bad lease owner {owner:?}"))?;
        let owner = LeaseOwner::from_packed(packed).ok_or_else(|| format!("bad lease owner {owner:?}"))?;
        let ar = self.ar_mut(ar_id as u32).ok_or_else(|| format!("address range {ar_id} does not exist"))?;
        let index = u32::try_from(index).map_err(|_| format!("bad lease index {index}"))?;
        ar.restore_lease(index, owner).map_err(|e| e.to_string())
    }

    fn write_head(&self, out: &mut String) {
        xml::num(out, "ID", self.oid);
        self.owner.write_ids(out);
        xml::text(out, "NAME", &self.name);
        if let Some(l) = &self.lock {
            l.write_xml(out);
        }
        self.owner.perms.write_xml(out);
        xml::ids(out, "CLUSTERS", &self.clusters);
        xml::text(out, "BRIDGE", &self.bridge);
        xml::text(out, "BRIDGE_TYPE", &self.bridge_type);
        xml::num(out, "STATE", self.state);
        xml::num(out, "PREV_STATE", self.prev_state);
        xml::num(out, "PARENT_NETWORK_ID", self.parent_network_id);
        xml::num(out, "TEMPLATE_ID", self.template_id);
        xml::text(out, "VN_MAD", &self.vn_mad);
        xml::text(out, "PHYDEV", &self.phydev);
        if let Some(v) = &self.vlan_id {
            xml::cdata_elem(out, "VLAN_ID", v);
        }
        if let Some(v) = &self.outer_vlan_id {
            xml::cdata_elem(out, "OUTER_VLAN_ID", v);
        }
        xml::num(out, "VLAN_ID_AUTOMATIC", self.vlan_id_automatic as i32);
        xml::num(out, "OUTER_VLAN_ID_AUTOMATIC", self.outer_vlan_id_automatic as i32);
        xml::num(out, "USED_LEASES", self.used_leases());
        out.push_str(
            "<VROUTERS></VROUTERS><UPDATED_VMS></UPDATED_VMS><OUTDATED_VMS></OUTDATED_VMS>\
             <UPDATING_VMS></UPDATING_VMS><ERROR_VMS></ERROR_VMS>",
        );
        self.template.write_xml("TEMPLATE", out);
    }
}

impl VirtualNetwork {
    /// Re-reads the settings kept in fields (VN_MAD, BRIDGE, BRIDGE_TYPE, PHYDEV, VLAN_ID) from
    /// the template after an update.
    pub fn settings_from_template(&mut self) -> Result<(), String> {
        let vn_mad = self.template.get("VN_MAD").map(str::trim).filter(|s| !s.is_empty());
        let Some(vn_mad) = vn_mad else {
            return Err("No VN_MAD in template for Virtual Network.".into());
        };
        self.vn_mad = vn_mad.to_string();
        if let Some(b) = self.template.get("BRIDGE").filter(|s| !s.is_empty()) {
            self.bridge = b.to_string();
        }
        if let Some(b) = self.template.get("BRIDGE_TYPE").filter(|s| !s.is_empty()) {
            self.bridge_type = b.to_string();
        }
        self.phydev = self.template.get("PHYDEV").unwrap_or("").to_string();
        self.vlan_id = self.template.get("VLAN_ID").filter(|s| !s.is_empty()).map(str::to_string);
        Ok(())
    }
}

impl PoolObject for VirtualNetwork {
    const KIND: ObjectKind = ObjectKind::Vnet;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((self.owner.uid, self.name.clone()))
    }

    fn ownership(&self) -> Option<&Ownership> {
        Some(&self.owner)
    }

    fn lock(&self) -> Option<&Lock> {
        self.lock.as_ref()
    }

    fn clusters(&self) -> Vec<i32> {
        self.clusters.iter().copied().collect()
    }

    /// `one.vn.info`: address ranges with their leases.
    fn write_xml(&self, out: &mut String) {
        xml::open(out, "VNET");
        self.write_head(out);
        xml::open(out, "AR_POOL");
        for ar in &self.ars {
            ar.write_xml(out, true);
        }
        xml::close(out, "AR_POOL");
        xml::close(out, "VNET");
    }

    /// `one.vnpool.info`: address ranges without their leases.
    fn write_pool_xml(&self, out: &mut String) {
        xml::open(out, "VNET");
        self.write_head(out);
        xml::open(out, "AR_POOL");
        for ar in &self.ars {
            ar.write_pool_xml(out);
        }
        xml::close(out, "AR_POOL");
        xml::close(out, "VNET");
    }
}
