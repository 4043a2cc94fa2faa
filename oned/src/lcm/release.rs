//! Giving back what a VM holds: its images and NIC leases (when it reaches DONE, or when its
//! creation fails half way), and its share of a host (when it leaves it). `finish` is the way
//! to DONE that frees them all.

use crate::cloud::Cloud;
use crate::error::ApiError;
use crate::objects::image::state as img_state;
use crate::objects::now;
use crate::objects::vm::{LcmState, VirtualMachine, VmState};
use crate::vnet::addr::Mac;
use crate::vnet::ar::LeaseOwner;
use libone::template::Vector;

/// What a VM holds from other objects (images, leases), so it can be given back.
#[derive(Default)]
pub struct Held {
    pub images: Vec<i32>,
    pub nics: Vec<Vector>,
}

/// Gives back what a VM (or a creation that failed half way) held: images and leases.
pub fn release(cloud: &mut Cloud, vmid: i32, acquired: &Held) {
    for img in &acquired.images {
        release_image(cloud, *img, vmid);
    }
    for nic in &acquired.nics {
        release_nic(cloud, vmid, nic);
    }
}

/// Gives back the images and leases of a VM's current template.
pub fn release_vm_resources(cloud: &mut Cloud, vm: &VirtualMachine) {
    let acquired = Held {
        images: vm.template.vectors("DISK").filter_map(|d| d.get("IMAGE_ID").and_then(|s| s.parse().ok())).collect(),
        nics: vm.template.vectors("NIC").cloned().collect(),
    };
    release(cloud, vm.oid, &acquired);
}

fn release_image(cloud: &mut Cloud, image_id: i32, vmid: i32) {
    if let Some(img) = cloud.images.get_mut(image_id)
        && img.vms.remove(&vmid)
    {
        img.running_vms = (img.running_vms - 1).max(0);
        if img.running_vms == 0 && matches!(img.state, img_state::USED | img_state::USED_PERS) {
            img.state = img_state::READY;
        }
    }
}

/// Frees the lease a VM's NIC holds (if the network and range still exist).
pub fn release_nic(cloud: &mut Cloud, vmid: i32, nic: &Vector) {
    let (Some(vid), Some(ar_id), Some(mac)) = (
        nic.get("NETWORK_ID").and_then(|s| s.trim().parse::<i32>().ok()),
        nic.get("AR_ID").and_then(|s| s.trim().parse::<u32>().ok()),
        nic.get("MAC").and_then(|m| Mac::parse(m).ok()),
    ) else {
        return;
    };
    let Some(vn) = cloud.vnets.get_mut(vid) else { return };
    let Some(ar) = vn.ar_mut(ar_id) else { return };
    if let Some(index) = ar.index_of_mac(mac)
        && ar.free_owned(index, LeaseOwner::Vm(vmid))
    {
        cloud.lease_ops.freed(vid, ar_id, index);
    }
}

/// Moves a VM to DONE and frees what it holds: leases, images and host capacity.
pub fn finish(cloud: &mut Cloud, id: i32) -> Result<(), ApiError> {
    let Some(vm) = cloud.vms.get(id).cloned() else {
        return Err(ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id));
    };
    release_vm_resources(cloud, &vm);
    if vm.state == VmState::Active {
        release_current_host(cloud, id);
    }
    if let Some(v) = cloud.vms.get_mut(id) {
        v.prev_state = v.state;
        v.prev_lcm_state = v.lcm_state;
        v.state = VmState::Done;
        v.lcm_state = LcmState::LcmInit;
        v.etime = now();
        v.resched = 0;
        if let Some(h) = v.history.last_mut()
            && h.etime == 0
        {
            h.etime = v.etime;
        }
    }
    tracing::info!(vm_id = id, "New state is DONE");
    Ok(())
}

/// Takes the VM's share off the host of its current stay.
pub fn release_current_host(cloud: &mut Cloud, id: i32) {
    let Some(vm) = cloud.vms.get(id) else { return };
    let Some(h) = vm.history.last() else { return };
    let (hid, (cpu, mem)) = (h.hid, vm.host_request());
    release_host(cloud, id, hid, cpu, mem);
}

/// Takes a VM's share off host `hid`.
pub fn release_host(cloud: &mut Cloud, vmid: i32, hid: i32, cpu: i64, mem: i64) {
    if let Some(host) = cloud.hosts.get_mut(hid)
        && host.vms.remove(&vmid)
    {
        host.share.running_vms = (host.share.running_vms - 1).max(0);
        host.share.cpu_usage = (host.share.cpu_usage - cpu).max(0);
        host.share.mem_usage = (host.share.mem_usage - mem).max(0);
    }
}

/// Adds a VM's share to host `hid`.
pub fn take_host(cloud: &mut Cloud, vmid: i32, hid: i32, cpu: i64, mem: i64) {
    if let Some(host) = cloud.hosts.get_mut(hid)
        && host.vms.insert(vmid)
    {
        host.share.running_vms += 1;
        host.share.cpu_usage += cpu;
        host.share.mem_usage += mem;
    }
}
