//! Clusters: groups of hosts, datastores and virtual networks.

use super::NameKey;
use super::{ObjectKind, PoolObject};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The cluster every host, datastore and network joins unless told otherwise.
pub const DEFAULT_CLUSTER_ID: i32 = 0;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cluster {
    pub oid: i32,
    pub name: String,
    pub hosts: BTreeSet<i32>,
    pub datastores: BTreeSet<i32>,
    pub vnets: BTreeSet<i32>,
    pub template: Template,
}

impl PoolObject for Cluster {
    const KIND: ObjectKind = ObjectKind::Cluster;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((-1, self.name.clone()))
    }

    fn clusters(&self) -> Vec<i32> {
        vec![self.oid]
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "CLUSTER");
        xml::num(out, "ID", self.oid);
        xml::text(out, "NAME", &self.name);
        xml::ids(out, "HOSTS", &self.hosts);
        xml::ids(out, "DATASTORES", &self.datastores);
        xml::ids(out, "VNETS", &self.vnets);
        self.template.write_xml("TEMPLATE", out);
        xml::close(out, "CLUSTER");
    }
}
