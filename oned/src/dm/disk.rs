//! VM disk operations: `one.vm.disksnapshot{create,revert,delete,rename}`, `one.vm.diskresize`
//! and `one.vm.disksaveas`. Each checks the VM's state and the disk, records the operation
//! ([`DiskOp`]) and moves the VM to the state that waits for its transfer; the transfer's
//! answer settles it (`lcm::disks`). Snapshots, resize and save-as of a powered-off VM, and
//! save-as of a running one, as OpenNebula (live snapshots need the hypervisor driver).

use crate::access::{self, get, get_mut};
use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::lcm::machine::{self, Transition, tm};
use crate::objects::PoolObject;
use crate::objects::image::{DsAction, IMAGE_TYPES, Image, ImageSnapshot, image_type_from_str, state as img_state};
use crate::objects::vm::{DiskOp, LcmState, Stage, VirtualMachine, VmState};
use crate::objects::{ObjectKind, now};

fn err(id: i32, m: String) -> ApiError {
    ApiError::with_id(ErrorCode::Action, m, id)
}

/// The DISK with `disk_id`, or OpenNebula's error.
fn disk_of(vm: &VirtualMachine, disk_id: i32) -> ApiResult<&libone::template::Vector> {
    let key = disk_id.to_string();
    vm.template
        .vectors("DISK")
        .find(|d| d.get("DISK_ID") == Some(key.as_str()))
        .ok_or_else(|| err(vm.oid, format!("VM disk does not exist: {disk_id}")))
}

fn powered_off(vm: &VirtualMachine) -> bool {
    vm.state == VmState::Poweroff
}

fn wait_for(lcm: LcmState, stage: Stage) -> Transition {
    Transition { state: VmState::Active, lcm, step: Some(tm(stage)) }
}

/// Starts `op` on VM `id`: the VM waits in `lcm` for the transfer of `stage`.
fn start(cloud: &mut Cloud, id: i32, op: DiskOp, lcm: LcmState, stage: Stage) -> ApiResult<()> {
    get_mut::<VirtualMachine>(cloud, id)?.disk_op = Some(op);
    crate::lcm::apply::enter(cloud, id, wait_for(lcm, stage), None);
    Ok(())
}

/// Refuses a disk operation while another one is under way or the disk is a CD-ROM.
fn check_disk(vm: &VirtualMachine, disk_id: i32, what: &str) -> ApiResult<()> {
    let d = disk_of(vm, disk_id)?;
    if vm.disk_op.is_some() {
        return Err(err(vm.oid, format!("Cannot {what}: another disk operation is in progress")));
    }
    if d.get("TYPE").is_some_and(|t| t.eq_ignore_ascii_case("CDROM")) {
        return Err(err(vm.oid, format!("Cannot {what} of a CDROM disk")));
    }
    Ok(())
}

/// `one.vm.disksnapshotcreate`: the new snapshot's id.
pub fn snapshot_create(cloud: &mut Cloud, id: i32, disk_id: i32, name: &str) -> ApiResult<i32> {
    let vm = get::<VirtualMachine>(cloud, id)?;
    if !powered_off(vm) {
        return Err(err(
            id,
            format!("Could not create a new disk snapshot for VM {id}, wrong state {}.", vm.state_for_message()),
        ));
    }
    check_disk(vm, disk_id, "create a snapshot")?;
    let size = disk_of(vm, disk_id)?.get("SIZE").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let vm = get_mut::<VirtualMachine>(cloud, id)?;
    let snaps = vm.disk_snapshots.entry(disk_id).or_default();
    let snap = snaps.next;
    snaps.next += 1;
    let parent = snaps.list.iter().find(|s| s.active).map_or(-1, |s| s.id);
    let name = if name.is_empty() { format!("snapshot-{snap}") } else { name.to_string() };
    snaps.list.push(ImageSnapshot { id: snap, name, date: now(), parent, size, active: false });
    start(cloud, id, DiskOp::SnapCreate { disk: disk_id, snap }, LcmState::DiskSnapshotPoweroff, Stage::SnapCreate)?;
    Ok(snap)
}

fn existing_snapshot(vm: &VirtualMachine, disk_id: i32, snap: i32) -> ApiResult<&ImageSnapshot> {
    vm.disk_snapshots
        .get(&disk_id)
        .and_then(|s| s.list.iter().find(|x| x.id == snap))
        .ok_or_else(|| err(vm.oid, format!("Snapshot {snap} does not exist for disk {disk_id}")))
}

/// `one.vm.disksnapshotrevert` and `one.vm.disksnapshotdelete`.
pub fn snapshot_change(cloud: &mut Cloud, id: i32, disk_id: i32, snap: i32, delete: bool) -> ApiResult<()> {
    let vm = get::<VirtualMachine>(cloud, id)?;
    let what = if delete { "delete disk snapshot" } else { "revert disk snapshot" };
    if !powered_off(vm) {
        return Err(err(id, format!("Could not {what} for VM {id}, wrong state {}.", vm.state_for_message())));
    }
    check_disk(vm, disk_id, what)?;
    let s = existing_snapshot(vm, disk_id, snap)?;
    if delete && s.active {
        return Err(err(id, format!("Cannot delete the active snapshot {snap}")));
    }
    if delete {
        start(
            cloud,
            id,
            DiskOp::SnapDelete { disk: disk_id, snap },
            LcmState::DiskSnapshotDeletePoweroff,
            Stage::SnapDelete,
        )
    } else {
        start(
            cloud,
            id,
            DiskOp::SnapRevert { disk: disk_id, snap },
            LcmState::DiskSnapshotRevertPoweroff,
            Stage::SnapRevert,
        )
    }
}

/// `one.vm.disksnapshotrename`: only the record changes.
pub fn snapshot_rename(cloud: &mut Cloud, id: i32, disk_id: i32, snap: i32, name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(err(id, "Snapshot name cannot be empty".into()));
    }
    let vm = get::<VirtualMachine>(cloud, id)?;
    disk_of(vm, disk_id)?;
    existing_snapshot(vm, disk_id, snap)?;
    let vm = get_mut::<VirtualMachine>(cloud, id)?;
    if let Some(s) = vm.disk_snapshots.get_mut(&disk_id).and_then(|s| s.list.iter_mut().find(|x| x.id == snap)) {
        s.name = name.to_string();
    }
    Ok(())
}

/// `one.vm.diskresize`: grows a disk of a powered-off VM (`size` in MiB).
pub fn resize(cloud: &mut Cloud, id: i32, disk_id: i32, size: &str) -> ApiResult<()> {
    let vm = get::<VirtualMachine>(cloud, id)?;
    let size: i64 = size
        .trim()
        .parse()
        .ok()
        .filter(|s| *s > 0)
        .ok_or_else(|| err(id, format!("Wrong size {size:?}: a positive number of MiB is needed")))?;
    if !powered_off(vm) {
        return Err(err(id, format!("Could not resize disk of VM {id}, wrong state {}.", vm.state_for_message())));
    }
    check_disk(vm, disk_id, "resize the disk")?;
    let d = disk_of(vm, disk_id)?;
    let old = d.get("SIZE").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    if size <= old {
        return Err(err(id, format!("New size ({size}) has to be bigger than current one ({old})")));
    }
    if vm.disk_snapshots.get(&disk_id).is_some_and(|s| !s.list.is_empty()) {
        return Err(err(id, "Cannot resize a disk with snapshots".into()));
    }
    start(cloud, id, DiskOp::Resize { disk: disk_id, size, old }, LcmState::DiskResizePoweroff, Stage::Resize)
}

/// `one.vm.disksaveas`: a new image (LOCKED) with the disk's (or one of its snapshots')
/// content. The datastore driver first names the image's file (MKFS with SAVED_VM_ID), then
/// the VM's CPDS transfer copies the disk into it. Returns the new image's id.
pub fn saveas(
    cloud: &mut Cloud,
    caller: &Caller,
    id: i32,
    disk_id: i32,
    name: &str,
    type_name: &str,
    snap: i32,
) -> ApiResult<i32> {
    let vm = get::<VirtualMachine>(cloud, id)?;
    let (lcm, running) = match (vm.state, vm.lcm_state) {
        (VmState::Poweroff, _) => (LcmState::HotplugSaveasPoweroff, false),
        (VmState::Active, LcmState::Running) => (LcmState::HotplugSaveas, true),
        _ => {
            return Err(err(
                id,
                format!("Could not save disk {disk_id} of VM {id}, wrong state {}.", vm.state_for_message()),
            ));
        }
    };
    check_disk(vm, disk_id, "save the disk")?;
    if snap >= 0 {
        existing_snapshot(vm, disk_id, snap)?;
    } else if running && vm.disk_snapshots.get(&disk_id).is_some_and(|s| !s.list.is_empty()) {
        return Err(err(id, "Cannot save a running disk with snapshots; power the VM off first".into()));
    }
    let d = disk_of(vm, disk_id)?.clone();
    let src_img = d.get("IMAGE_ID").and_then(|i| i.parse::<i32>().ok());
    let Some(src_img) = src_img.and_then(|i| cloud.images.get(i)) else {
        return Err(err(id, format!("Cannot save disk {disk_id}: it has no image (a volatile disk)")));
    };
    let ds_id = src_img.datastore_id;
    let ds = get::<crate::objects::datastore::Datastore>(cloud, ds_id)?;
    access::authorize_create::<Image>(cloud, caller)?;
    access::authorize(cloud, caller, &ds.auth(), crate::perms::AuthOp::Use)?;
    if !crate::lcm::images::has_ds_driver(ds) {
        return Err(err(id, format!("Datastore {ds_id} has no datastore driver to save the disk into")));
    }
    if let Some(m) = access::new_name_problem::<Image>(cloud, caller.uid, name) {
        return Err(ApiError::allocate(ObjectKind::Image.object_name(), m));
    }
    let image_type = if type_name.trim().is_empty() {
        src_img.image_type
    } else {
        image_type_from_str(type_name).ok_or_else(|| err(id, format!("Unknown image type {type_name}")))?
    };
    if matches!(image_type, 3..=6) {
        return Err(err(id, format!("Cannot save a disk as an image of type {}", IMAGE_TYPES[image_type as usize])));
    }
    let size = d.get("SIZE").and_then(|s| s.parse::<i64>().ok()).unwrap_or(src_img.size);
    let format = d.get("FORMAT").or(d.get("DRIVER")).unwrap_or(&src_img.format).to_string();
    let mut t = libone::template::Template::new();
    t.set("SAVED_VM_ID", id.to_string());
    t.set("SAVED_DISK_ID", disk_id.to_string());
    t.set("SAVED_SNAPSHOT_ID", snap.to_string());
    t.set("SAVED_IMAGE_ID", src_img.oid.to_string());
    if let Some(p) = src_img.template.get("DEV_PREFIX") {
        t.set("DEV_PREFIX", p);
    }
    let (ds_name, fs, disk_type) = (ds.name.clone(), src_img.fs.clone(), src_img.disk_type);
    let owner = access::new_ownership(caller);
    let oid = cloud.images.allocate(|oid| Image {
        image_type,
        disk_type,
        format,
        fs,
        size,
        state: img_state::LOCKED,
        ..Image::new(oid, name.to_string(), owner, (ds_id, ds_name), t)
    });
    get_mut::<Image>(cloud, oid)?.start_job(DsAction::Mkfs);
    cloud.outbox.images.push(oid);
    get_mut::<crate::objects::datastore::Datastore>(cloud, ds_id)?.images.insert(oid);
    // The VM waits (no driver step yet) until the datastore driver has named the file.
    get_mut::<VirtualMachine>(cloud, id)?.disk_op =
        Some(DiskOp::Saveas { disk: disk_id, snap, image: oid, source: String::new() });
    crate::lcm::apply::enter(cloud, id, machine::active_rest(lcm), None);
    tracing::info!(vm_id = id, image_id = oid, "saving disk {disk_id} as image {name}");
    Ok(oid)
}
