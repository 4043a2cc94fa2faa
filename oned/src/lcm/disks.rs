//! Settling a VM's disk operation (snapshot create / revert / delete, resize, save-as) when the
//! transfer that carries it out answers; and starting a save-as's transfer once the datastore
//! driver has named the new image's file.

use crate::cloud::Cloud;
use crate::objects::image::state as img_state;
use crate::objects::vm::{DiskOp, LcmState, Stage, VmState};

/// True for the LCM states that wait for a disk operation's transfer.
pub fn is_disk_op_state(l: LcmState) -> bool {
    use LcmState::*;
    matches!(
        l,
        DiskSnapshotPoweroff
            | DiskSnapshotRevertPoweroff
            | DiskSnapshotDeletePoweroff
            | DiskResizePoweroff
            | HotplugSaveas
            | HotplugSaveasPoweroff
    )
}

/// Records the outcome of VM `id`'s disk operation (its transfer answered `success`).
pub fn finish(cloud: &mut Cloud, id: i32, success: bool, info: &str) {
    let Some(op) = cloud.vms.get_mut(id).and_then(|vm| vm.disk_op.take()) else { return };
    let disk = op.disk();
    let msg = info.trim();
    match op {
        DiskOp::SnapCreate { snap, .. } => {
            let Some(vm) = cloud.vms.get_mut(id) else { return };
            if let Some(s) = vm.disk_snapshots.get_mut(&disk) {
                if success {
                    for x in &mut s.list {
                        x.active = x.id == snap;
                    }
                } else {
                    s.list.retain(|x| x.id != snap);
                }
            }
            vm.disk_snapshots.retain(|_, s| !s.list.is_empty());
        }
        DiskOp::SnapRevert { snap, .. } if success => {
            if let Some(s) = cloud.vms.get_mut(id).and_then(|vm| vm.disk_snapshots.get_mut(&disk)) {
                for x in &mut s.list {
                    x.active = x.id == snap;
                }
            }
        }
        DiskOp::SnapDelete { snap, .. } if success => {
            if let Some(vm) = cloud.vms.get_mut(id) {
                if let Some(s) = vm.disk_snapshots.get_mut(&disk) {
                    s.list.retain(|x| x.id != snap);
                }
                vm.disk_snapshots.retain(|_, s| !s.list.is_empty());
            }
        }
        DiskOp::Resize { size, .. } if success => {
            if let Some(vm) = cloud.vms.get_mut(id) {
                let key = disk.to_string();
                for d in vm.template.vectors_mut("DISK") {
                    if d.get("DISK_ID") == Some(key.as_str()) {
                        d.set("SIZE", size.to_string());
                    }
                }
            }
        }
        DiskOp::Saveas { image, .. } => {
            let size = cloud
                .vms
                .get(id)
                .and_then(|vm| {
                    vm.template
                        .vectors("DISK")
                        .find(|d| d.get("DISK_ID") == Some(disk.to_string().as_str()))
                        .and_then(|d| d.get("SIZE").and_then(|s| s.parse::<i64>().ok()))
                })
                .unwrap_or(0);
            if let Some(img) = cloud.images.get_mut(image) {
                img.pending = None;
                if success {
                    img.state = img_state::READY;
                    img.size = size.max(img.size);
                    img.template.remove("ERROR");
                    tracing::info!(image_id = image, vm_id = id, "disk {disk} of VM {id} saved as image {image}");
                } else {
                    img.set_error(&format!("Error saving disk {disk} of VM {id}: {msg}"));
                }
            }
        }
        _ => {}
    }
    if !success {
        tracing::error!(vm_id = id, "disk {disk} operation failed: {msg}");
    }
}

/// The datastore driver named the file of image `image`, which saves a VM disk: the VM's
/// save-as transfer (CPDS) can start. If the VM no longer waits for it, the image fails.
pub fn saveas_source_ready(cloud: &mut Cloud, image: i32, source: &str) {
    let vm_id = cloud.images.get(image).and_then(|i| i.template.get("SAVED_VM_ID")).and_then(|v| v.parse().ok());
    let waiting = vm_id.and_then(|vid: i32| {
        let vm = cloud.vms.get(vid)?;
        match &vm.disk_op {
            Some(DiskOp::Saveas { image: i, .. })
                if *i == image && matches!(vm.lcm_state, LcmState::HotplugSaveas | LcmState::HotplugSaveasPoweroff) =>
            {
                Some(vid)
            }
            _ => None,
        }
    });
    let Some(vid) = waiting else {
        if let Some(img) = cloud.images.get_mut(image) {
            img.set_error("Image created to save as disk but VM is no longer waiting for it");
        }
        return;
    };
    if let Some(Some(DiskOp::Saveas { source: s, .. })) = cloud.vms.get_mut(vid).map(|v| v.disk_op.as_mut()) {
        *s = source.to_string();
    }
    super::apply::set_pending(cloud, vid, super::machine::tm(Stage::Saveas));
}

/// The datastore driver could not create a save-as image: the VM goes back where it was.
pub fn saveas_failed(cloud: &mut Cloud, image: i32) {
    let Some(vid) = cloud.images.get(image).and_then(|i| i.template.get("SAVED_VM_ID")).and_then(|v| v.parse().ok())
    else {
        return;
    };
    let Some(vm) = cloud.vms.get(vid) else { return };
    if !matches!(&vm.disk_op, Some(DiskOp::Saveas { image: i, .. }) if *i == image) {
        return;
    }
    let back = match vm.lcm_state {
        LcmState::HotplugSaveasPoweroff => super::machine::rest(VmState::Poweroff),
        _ => super::machine::active_rest(LcmState::Running),
    };
    if let Some(vm) = cloud.vms.get_mut(vid) {
        vm.disk_op = None;
    }
    super::apply::enter(cloud, vid, back, Some("Error creating the image to save the disk"));
}
