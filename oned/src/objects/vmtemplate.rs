//! VM templates: a stored template that `one.template.instantiate` turns into a VM.

use super::NameKey;
use super::{Lock, ObjectKind, Ownership, PoolObject};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VmTemplate {
    pub oid: i32,
    pub name: String,
    pub owner: Ownership,
    pub lock: Option<Lock>,
    pub regtime: i64,
    pub template: Template,
}

impl PoolObject for VmTemplate {
    const KIND: ObjectKind = ObjectKind::Template;

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

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "VMTEMPLATE");
        xml::num(out, "ID", self.oid);
        self.owner.write_ids(out);
        xml::text(out, "NAME", &self.name);
        if let Some(l) = &self.lock {
            l.write_xml(out);
        }
        self.owner.perms.write_xml(out);
        xml::num(out, "REGTIME", self.regtime);
        self.template.write_xml("TEMPLATE", out);
        xml::close(out, "VMTEMPLATE");
    }
}
