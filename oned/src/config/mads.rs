//! Driver (MAD) entries of oned.conf: `IM_MAD`, `VM_MAD`, `TM_MAD`.
//!
//! Both the modern form (`VM_MAD = [ NAME = "kvm", EXECUTABLE = "one_vmm_exec", ARGUMENTS = "-t 15
//! kvm", DEFAULT = "...", TYPE = "kvm" ]`) and the classic lower-case one (`IM_MAD = [ name =
//! "im_kvm", executable = "one_im_ssh", arguments = "kvm" ]`) parse to the same entry, because
//! the template parser upper-cases vector keys. Executables are resolved when drivers start.

use super::Locations;
use libone::template::Vector;

/// The name of the datastore driver (`DATASTORE_MAD` has no NAME).
pub const DS_DRIVER: &str = "datastore";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MadKind {
    Im,
    Vm,
    Tm,
    /// `DATASTORE_MAD`: the one datastore driver process (OpenNebula's `one_datastore`).
    Ds,
}

impl MadKind {
    pub fn key(self) -> &'static str {
        match self {
            MadKind::Im => "IM_MAD",
            MadKind::Vm => "VM_MAD",
            MadKind::Tm => "TM_MAD",
            MadKind::Ds => "DATASTORE_MAD",
        }
    }
}

/// One configured driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadConfig {
    pub kind: MadKind,
    pub name: String,
    /// As written: relative names are looked up in the driver directory.
    pub executable: String,
    /// Passed to the driver as written.
    pub arguments: String,
    /// `DEFAULT`: the driver's defaults file (VM_MAD).
    pub default: Option<String>,
    /// `TYPE` (VM_MAD): the hypervisor type.
    pub mad_type: Option<String>,
    /// Every sub-attribute, for drivers that read more.
    pub attrs: Vector,
}

impl MadConfig {
    pub fn from_vector(kind: MadKind, v: &Vector, _loc: &Locations) -> Result<MadConfig, String> {
        let key = kind.key();
        let executable = v
            .get("EXECUTABLE")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{key} needs EXECUTABLE"))?
            .to_string();
        let name = match (kind, v.get("NAME").map(str::trim)) {
            (_, Some(n)) if !n.is_empty() => n.to_string(),
            (MadKind::Tm, _) => "tm".to_string(),
            // One datastore driver serves every DS_MAD, as in OpenNebula: its name is fixed.
            (MadKind::Ds, _) => DS_DRIVER.to_string(),
            _ => return Err(format!("{key} needs NAME")),
        };
        if name.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(format!("{key} NAME {name:?} cannot contain blanks or '/'"));
        }
        if let Some(t) = v.get("THREADS")
            && t.trim().parse::<u32>().map(|n| n == 0).unwrap_or(true)
        {
            return Err(format!("{key} THREADS must be a positive integer, not {t:?}"));
        }
        Ok(MadConfig {
            kind,
            name,
            executable,
            arguments: v.get("ARGUMENTS").unwrap_or("").to_string(),
            default: v.get("DEFAULT").map(str::to_string),
            mad_type: v.get("TYPE").map(str::to_string),
            attrs: v.clone(),
        })
    }
}

/// Driver names must be unique within each kind.
pub fn check_unique(im: &[MadConfig], vm: &[MadConfig], tm: &[MadConfig]) -> Result<(), String> {
    for list in [im, vm, tm] {
        for (i, m) in list.iter().enumerate() {
            if list[..i].iter().any(|o| o.name == m.name) {
                return Err(format!("{} {:?} is defined twice", m.kind.key(), m.name));
            }
        }
    }
    Ok(())
}
