//! Turning a submitted template into a VM: splitting it into the system TEMPLATE and the
//! USER_TEMPLATE, checking CPU/MEMORY/VCPU, acquiring the images of its disks and the leases of
//! its NICs (all or nothing), and the attributes oned adds (VMID, OS/UUID,
//! AUTOMATIC_REQUIREMENTS ...). Follows `VirtualMachine::insert` of OpenNebula 7.4.

use crate::access::{authorize, check_lock, get};
use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::lcm::release::Held;
use crate::objects::image::{IMAGE_TYPES, Image, state as img_state};
use crate::objects::vm::{LcmState, VirtualMachine, VmState};
use crate::objects::{PoolObject, now};
use crate::perms::AuthOp;
use libone::template::{Attribute, Template, Vector};
use std::collections::BTreeSet;

/// Attributes that move from what the user wrote into the system TEMPLATE.
const SYSTEM_ATTRS: &[&str] = &[
    "MEMORY",
    "CPU",
    "VCPU",
    "MEMORY_RESIZE_MODE",
    "MEMORY_MAX",
    "MEMORY_SLOTS",
    "VCPU_MAX",
    "CPU_COST",
    "MEMORY_COST",
    "DISK_COST",
    "EMULATOR",
    "INPUT",
    "RAW",
    "CLONING_TEMPLATE_ID",
    "TOPOLOGY",
    "NUMA_NODE",
    "HYPERV_OPTIONS",
    "SPICE_OPTIONS",
    "FEATURES",
    "OS",
    "CPU_MODEL",
    "IOMMU",
    "PCI",
    "NIC_DEFAULT",
    "NIC",
    "NIC_ALIAS",
    "DISK",
    "CONTEXT",
    "GRAPHICS",
    "VIDEO",
    "VMGROUP",
    "SECURITY_GROUP_RULE",
    "TM_MAD_SYSTEM",
    "AUTOMATIC_REQUIREMENTS",
    "AUTOMATIC_DS_REQUIREMENTS",
    "AUTOMATIC_NIC_REQUIREMENTS",
    "IMPORTED",
    "TEMPLATE_ID",
    "SCHED_ACTION",
];

/// An allocation failure: code and message (without the method prefix).
pub type CreateError = ApiError;

fn internal(m: impl Into<String>) -> CreateError {
    ApiError::new(ErrorCode::Internal, m)
}

/// Parses a number the way OpenNebula does: the whole trimmed string must be the number.
fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Checks CPU, MEMORY, VCPU and the costs, normalising nothing (values are kept as written).
fn check_capacity(t: &Template) -> Result<(), CreateError> {
    match t.get("MEMORY").and_then(|m| m.trim().parse::<i64>().ok()) {
        Some(m) if m > 0 => {}
        _ => return Err(internal("MEMORY attribute must be a positive integer value.")),
    }
    match t.get("CPU").and_then(parse_f64) {
        Some(c) if c > 0.0 => {}
        _ => return Err(internal("CPU attribute must be a positive float or integer value.")),
    }
    if let Some(v) = t.get("VCPU")
        && !v.trim().parse::<i64>().is_ok_and(|v| v > 0)
    {
        return Err(internal("VCPU attribute must be a positive integer value."));
    }
    for cost in ["CPU_COST", "MEMORY_COST", "DISK_COST"] {
        if let Some(v) = t.get(cost)
            && !parse_f64(v).is_some_and(|v| v >= 0.0)
        {
            return Err(internal(format!("{cost} attribute must be a positive float or integer value.")));
        }
    }
    if t.get_all("OS").count() > 1 {
        return Err(internal("Only one OS attribute can be defined."));
    }
    if let Some(g) = t.vector("GRAPHICS")
        && let Some(p) = g.get("PORT")
        && !p.trim().parse::<i64>().is_ok_and(|p| (0..=65535).contains(&p))
    {
        return Err(internal("Wrong PORT number in GRAPHICS attribute"));
    }
    Ok(())
}

/// A random RFC 4122 version-4 UUID for `OS/UUID`.
fn new_uuid() -> Result<String, CreateError> {
    let mut b = [0u8; 16];
    crate::auth::random_bytes(&mut b).map_err(|e| internal(e.to_string()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}

/// Everything decided before the VM is inserted.
pub struct Prepared {
    pub name: String,
    pub template: Template,
    pub user_template: Template,
}

/// Splits and checks `submitted` for the VM that will get id `vmid`, acquiring images and
/// leases. On error everything acquired is released again.
pub fn prepare(cloud: &mut Cloud, caller: &Caller, vmid: i32, submitted: Template) -> Result<Prepared, CreateError> {
    let mut user = submitted;
    let mut sys = Template::new();
    for a in user.iter() {
        if SYSTEM_ATTRS.contains(&a.name()) {
            sys.push(a.clone());
        }
    }
    user.retain(|a| !SYSTEM_ATTRS.contains(&a.name()));
    let name = user.remove("NAME").into_iter().find_map(|a| a.as_single().map(|s| s.trim().to_string()));
    let prefix = user
        .remove("TEMPLATE_NAME")
        .into_iter()
        .find_map(|a| a.as_single().map(str::to_string))
        .unwrap_or_else(|| "one".to_string());
    user.remove("VMID");
    let name = match name {
        Some(n) if !n.is_empty() => {
            crate::objects::check_name(&n).map_err(internal)?;
            n
        }
        _ => format!("{prefix}-{vmid}"),
    };
    check_capacity(&sys)?;

    // Kernel and initrd from the files datastore (nothing is acquired for them).
    if let Some(os) = sys.vector_mut("OS") {
        super::osfile::set_os_file(cloud, caller, os, "KERNEL", 3)?;
        super::osfile::set_os_file(cloud, caller, os, "INITRD", 4)?;
    }

    let mut acquired = Held::default();
    // Values that reach drivers are checked once everything (image and network attributes
    // included) is in place; a bad one gives back what was taken.
    let result = attach_devices(cloud, caller, vmid, &mut sys, &mut acquired)
        .and_then(|()| super::attrs::check_driver_values(&mut sys).map_err(internal))
        .and_then(|()| {
            // The context last: its variables may name the disks' images and the NICs' leases.
            let xml = |t: &Template| provisional_xml(caller, vmid, &name, t, &user);
            super::context::prepare(cloud, caller, vmid, &name, &mut sys, &user, &xml)
        });
    if let Err(e) = result {
        crate::lcm::release::release(cloud, vmid, &acquired);
        return Err(e);
    }

    // OS always exists and carries the VM's UUID.
    let uuid = new_uuid()?;
    match sys.vector_mut("OS") {
        Some(os) => {
            if os.get("UUID").is_none() {
                os.set("UUID", uuid);
            }
        }
        None => sys.add_vector("OS", Vector::from_pairs([("UUID", uuid)])),
    }
    sys.set("AUTOMATIC_REQUIREMENTS", automatic_requirements(cloud, &sys));
    if sys.vectors("NIC").next().is_some() {
        let clusters = nic_clusters(&sys);
        if !clusters.is_empty() {
            sys.set("AUTOMATIC_NIC_REQUIREMENTS", clusters_clause("\"CLUSTERS/ID\" @> ", &clusters));
        }
    }
    if sys.vectors("DISK").any(|d| d.get("DATASTORE_ID").is_some()) {
        let clusters = disk_clusters(cloud, &sys);
        if !clusters.is_empty() {
            sys.set("AUTOMATIC_DS_REQUIREMENTS", clusters_clause("\"CLUSTERS/ID\" @> ", &clusters));
        }
    }
    sys.set("VMID", vmid.to_string());
    Ok(Prepared { name, template: sys, user_template: user })
}

/// The XML of the VM being created, as far as it is known (for the context's `$TEMPLATE`).
fn provisional_xml(caller: &Caller, vmid: i32, name: &str, sys: &Template, user: &Template) -> String {
    let p = Prepared { name: name.to_string(), template: sys.clone(), user_template: user.clone() };
    new_vm(vmid, p, crate::access::new_ownership(caller), false).to_xml()
}

/// `(A = 0 | A = 1)` for the given clusters.
fn clusters_clause(lhs: &str, clusters: &BTreeSet<i32>) -> String {
    let parts: Vec<String> = clusters.iter().map(|c| format!("{lhs}{c}")).collect();
    format!("({})", parts.join(" | "))
}

fn nic_clusters(sys: &Template) -> BTreeSet<i32> {
    let mut out: Option<BTreeSet<i32>> = None;
    for nic in sys.vectors("NIC") {
        let ids: BTreeSet<i32> =
            nic.get("CLUSTER_ID").unwrap_or("").split(',').filter_map(|s| s.trim().parse().ok()).collect();
        if ids.is_empty() {
            continue;
        }
        out = Some(match out {
            None => ids,
            Some(prev) => prev.intersection(&ids).copied().collect(),
        });
    }
    out.unwrap_or_default()
}

fn disk_clusters(cloud: &Cloud, sys: &Template) -> BTreeSet<i32> {
    let mut out: Option<BTreeSet<i32>> = None;
    for d in sys.vectors("DISK") {
        let Some(ds) =
            d.get("DATASTORE_ID").and_then(|s| s.parse::<i32>().ok()).and_then(|id| cloud.datastores.get(id))
        else {
            continue;
        };
        out = Some(match out {
            None => ds.clusters.clone(),
            Some(prev) => prev.intersection(&ds.clusters).copied().collect(),
        });
    }
    out.unwrap_or_default()
}

/// The clusters where both the kernel's and the initrd's files datastores are (empty: no
/// restriction).
fn os_clusters(sys: &Template) -> BTreeSet<i32> {
    let Some(os) = sys.vector("OS") else { return BTreeSet::new() };
    let mut out: Option<BTreeSet<i32>> = None;
    for base in ["KERNEL", "INITRD"] {
        let Some(list) = os.get(&format!("{base}_DS_CLUSTER_ID")) else { continue };
        let ids: BTreeSet<i32> = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
        out = Some(match out {
            None => ids,
            Some(prev) => prev.intersection(&ids).copied().collect(),
        });
    }
    out.unwrap_or_default()
}

/// `!(PIN_POLICY = PINNED)`, restricted to the clusters the VM's disks, NICs and kernel files
/// can reach.
fn automatic_requirements(cloud: &Cloud, sys: &Template) -> String {
    let mut clusters: Option<BTreeSet<i32>> = None;
    for set in [nic_clusters(sys), disk_clusters(cloud, sys), os_clusters(sys)] {
        if set.is_empty() {
            continue;
        }
        clusters = Some(match clusters {
            None => set,
            Some(prev) => prev.intersection(&set).copied().collect(),
        });
    }
    match clusters {
        Some(c) if !c.is_empty() => format!("{} & !(PIN_POLICY = PINNED)", clusters_clause("CLUSTER_ID = ", &c)),
        _ => "!(PIN_POLICY = PINNED)".to_string(),
    }
}

/// Resolves DISKs (images) and NICs (leases) in order; what succeeded is in `acquired`.
fn attach_devices(
    cloud: &mut Cloud,
    caller: &Caller,
    vmid: i32,
    sys: &mut Template,
    acquired: &mut Held,
) -> Result<(), CreateError> {
    let mut used_targets: BTreeSet<String> =
        sys.vectors("DISK").filter_map(|d| d.get("TARGET").map(str::to_string)).collect();
    for (disk_id, disk) in sys.vectors_mut("DISK").enumerate() {
        attach_disk(cloud, caller, vmid, disk, &mut used_targets, acquired)?;
        disk.set("DISK_ID", disk_id.to_string());
    }
    for (nic_id, nic) in sys.vectors_mut("NIC").enumerate() {
        super::nic::acquire(cloud, caller, vmid, nic_id, nic)?;
        acquired.nics.push(nic.clone());
    }
    Ok(())
}

/// The first free target with `prefix` (`sda`, `sdb`, ...).
fn next_target(prefix: &str, used: &mut BTreeSet<String>) -> String {
    for c in b'a'..=b'z' {
        let t = format!("{prefix}{}", c as char);
        if !used.contains(&t) {
            used.insert(t.clone());
            return t;
        }
    }
    format!("{prefix}z")
}

fn attach_disk(
    cloud: &mut Cloud,
    caller: &Caller,
    vmid: i32,
    disk: &mut Vector,
    used_targets: &mut BTreeSet<String>,
    acquired: &mut Held,
) -> Result<(), CreateError> {
    let image_id = if let Some(id) = disk.get("IMAGE_ID") {
        let id: i32 = id.trim().parse().map_err(|_| internal(format!("Image with ID: {id} does not exist")))?;
        if cloud.images.get(id).is_none() {
            return Err(internal(format!("Image with ID: {id} does not exist")));
        }
        Some(id)
    } else if let Some(name) = disk.get("IMAGE") {
        let owner = match (disk.get("IMAGE_UID"), disk.get("IMAGE_UNAME")) {
            (Some(uid), _) => uid.trim().parse::<i32>().unwrap_or(-1),
            (None, Some(uname)) => cloud.users.lookup_name(-1, uname).unwrap_or(-1),
            (None, None) => caller.uid,
        };
        Some(cloud.images.lookup_name(owner, name).ok_or_else(|| {
            internal(format!(
                "User {owner} does not own an image with name: {name} . Set IMAGE_UNAME or IMAGE_UID of owner in DISK."
            ))
        })?)
    } else {
        None
    };
    let Some(image_id) = image_id else {
        // A volatile disk: only a target is added.
        if disk.get("TARGET").is_none() {
            let prefix = disk.get("DEV_PREFIX").unwrap_or("sd").to_string();
            disk.set("TARGET", next_target(&prefix, used_targets));
        }
        return Ok(());
    };
    let img = get::<Image>(cloud, image_id)?;
    check_lock(caller, img, AuthOp::Use)?;
    authorize(cloud, caller, &img.auth(), AuthOp::Use)?;
    if matches!(img.image_type, 3..=6) {
        return Err(internal(format!(
            "Image {} ({}) of type {} cannot be used as DISK.",
            img.oid, img.name, IMAGE_TYPES[img.image_type as usize]
        )));
    }
    if img.persistent && img.running_vms > 0 {
        return Err(internal(format!("Cannot acquire image {image_id}, it is persistent and already in use")));
    }
    if !matches!(img.state, img_state::READY | img_state::USED | img_state::USED_PERS) {
        return Err(internal(format!(
            "Cannot acquire image {image_id}, it is not ready (state {})",
            img_state::name(img.state)
        )));
    }
    let ds = cloud.datastores.get(img.datastore_id);
    let prefix = disk.get("DEV_PREFIX").or(img.template.get("DEV_PREFIX")).unwrap_or("sd").to_string();
    let mut attrs: Vec<(&str, String)> = vec![
        ("IMAGE", img.name.clone()),
        ("IMAGE_ID", img.oid.to_string()),
        ("IMAGE_UNAME", img.owner.uname.clone()),
        ("IMAGE_UID", img.owner.uid.to_string()),
        ("IMAGE_STATE", img.state.to_string()),
        ("SOURCE", img.source.clone()),
        ("SIZE", img.size.to_string()),
        ("ORIGINAL_SIZE", img.size.to_string()),
        ("TYPE", if img.image_type == 1 { "CDROM".into() } else { "FILE".into() }),
        ("FORMAT", img.format.clone()),
        ("DRIVER", img.format.clone()),
        ("DEV_PREFIX", prefix.clone()),
        ("PERSISTENT", if img.persistent { "YES".into() } else { "NO".into() }),
        ("CLONE", if img.persistent { "NO".into() } else { "YES".into() }),
        ("SAVE", if img.persistent { "YES".into() } else { "NO".into() }),
        ("READONLY", if img.image_type == 1 { "YES".into() } else { "NO".into() }),
        ("DATASTORE", img.datastore.clone()),
        ("DATASTORE_ID", img.datastore_id.to_string()),
    ];
    if let Some(ds) = ds {
        attrs.push(("TM_MAD", ds.tm_mad.clone()));
        attrs.push(("CLUSTER_ID", ds.clusters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")));
        for k in ["LN_TARGET", "CLONE_TARGET"] {
            if let Some(v) = ds.template.get(k) {
                attrs.push((k, v.to_string()));
            }
        }
    }
    // What selects storage and drivers always comes from the image and its datastore, never
    // from the template; a template may only choose the size, the bus driver, the device
    // prefix and read-only access.
    for k in ["TM_MAD", "TM_MAD_SYSTEM", "DS_MAD", "LN_TARGET", "CLONE_TARGET", "CLUSTER_ID"] {
        disk.remove(k);
    }
    for (k, v) in attrs {
        if disk.get(k).is_none() || !matches!(k, "SIZE" | "DRIVER" | "DEV_PREFIX" | "READONLY") {
            disk.set(k, v);
        }
    }
    if disk.get("TARGET").is_none() {
        disk.set("TARGET", next_target(&prefix, used_targets));
    }
    let img =
        cloud.images.get_mut(image_id).ok_or_else(|| internal(format!("Image with ID: {image_id} does not exist")))?;
    img.vms.insert(vmid);
    img.running_vms += 1;
    if img.state == img_state::READY {
        img.state = if img.persistent { img_state::USED_PERS } else { img_state::USED };
    }
    acquired.images.push(image_id);
    Ok(())
}

/// Builds the VM object from a prepared template.
pub fn new_vm(oid: i32, p: Prepared, owner: crate::objects::Ownership, hold: bool) -> VirtualMachine {
    let st = if hold { VmState::Hold } else { VmState::Pending };
    VirtualMachine {
        oid,
        name: p.name,
        owner,
        lock: None,
        last_poll: 0,
        state: st,
        lcm_state: LcmState::LcmInit,
        prev_state: st,
        prev_lcm_state: LcmState::LcmInit,
        resched: 0,
        stime: now(),
        etime: 0,
        deploy_id: String::new(),
        monitoring: Template::new(),
        template: p.template,
        user_template: p.user_template,
        history: Vec::new(),
        pending: None,
        action_seq: 0,
        state_changed_at: now(),
        disk_snapshots: Default::default(),
        disk_op: None,
    }
}

/// A single attribute, for building templates from vectors.
pub fn single(name: &str, value: &str) -> Attribute {
    Attribute::Single { name: name.into(), value: value.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_checks() {
        let t = |s: &str| Template::parse_text(s).unwrap();
        assert!(check_capacity(&t("CPU = 1\nMEMORY = 128")).is_ok());
        assert!(check_capacity(&t("CPU = 0.5\nMEMORY = 128\nVCPU = 2")).is_ok());
        let msg = |s: &str| match check_capacity(&t(s)).unwrap_err() {
            ApiError::One { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(msg("CPU = 1"), "MEMORY attribute must be a positive integer value.");
        assert_eq!(msg("CPU = 1\nMEMORY = 512.5"), "MEMORY attribute must be a positive integer value.");
        assert_eq!(msg("MEMORY = 128"), "CPU attribute must be a positive float or integer value.");
        assert_eq!(msg("CPU = -1\nMEMORY = 128"), "CPU attribute must be a positive float or integer value.");
        assert_eq!(msg("CPU = 1\nMEMORY = 128\nVCPU = 0"), "VCPU attribute must be a positive integer value.");
        assert_eq!(
            msg("CPU = 1\nMEMORY = 128\nOS = [ A = 1 ]\nOS = [ B = 2 ]"),
            "Only one OS attribute can be defined."
        );
    }

    #[test]
    fn uuid_shape() {
        let u = new_uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn targets_skip_used() {
        let mut used = BTreeSet::from(["sda".to_string()]);
        assert_eq!(next_target("sd", &mut used), "sdb");
        assert_eq!(next_target("sd", &mut used), "sdc");
        assert_eq!(next_target("vd", &mut used), "vda");
    }
}
