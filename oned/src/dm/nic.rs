//! The leases a VM's NICs take when it is created: the network each NIC names, the
//! authorization to use it, an address (the one asked for, or the next free one), and the
//! network's attributes copied into the NIC. Leases are given back in `lcm::release`.

use crate::access::{authorize, check_lock, get, get_mut};
use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::objects::PoolObject;
use crate::objects::vnet::{VirtualNetwork, state};
use crate::perms::AuthOp;
use crate::vnet::addr::{Addr, Mac, parse_ipv4, parse_ipv6};
use crate::vnet::ar::{Lease, LeaseOwner};
use libone::template::Vector;

fn nic_error(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Internal, m)
}

/// Resolves the network of a NIC (`NETWORK_ID`, or `NETWORK` + `NETWORK_UNAME`/`NETWORK_UID`).
fn nic_network(cloud: &Cloud, caller: &Caller, nic: &Vector) -> Result<Option<i32>, ApiError> {
    if let Some(id) = nic.get("NETWORK_ID") {
        let vid = id.trim().parse::<i32>().ok().filter(|v| cloud.vnets.contains(*v));
        return vid.map(Some).ok_or_else(|| nic_error(format!("Virtual network with ID: {id} does not exist")));
    }
    if let Some(name) = nic.get("NETWORK") {
        let owner = match (nic.get("NETWORK_UID"), nic.get("NETWORK_UNAME")) {
            (Some(uid), _) => uid.trim().parse::<i32>().unwrap_or(-1),
            (None, Some(uname)) => cloud.users.lookup_name(-1, uname).unwrap_or(-1),
            (None, None) => caller.uid,
        };
        return cloud.vnets.lookup_name(owner, name).map(Some).ok_or_else(|| {
            nic_error(format!(
                "User {owner} does not own a network with name: {name} . Set NETWORK_UNAME or NETWORK_UID of owner in NIC."
            ))
        });
    }
    if nic.get("NETWORK_MODE").is_some_and(|m| m.eq_ignore_ascii_case("auto")) {
        return Ok(None);
    }
    Err(nic_error("NIC must name its network with NETWORK_ID, NETWORK or NETWORK_MODE = \"auto\""))
}

/// Gives NIC `nic_id` of VM `vmid` a lease and the network's attributes.
pub fn acquire(cloud: &mut Cloud, caller: &Caller, vmid: i32, nic_id: usize, nic: &mut Vector) -> Result<(), ApiError> {
    nic.set("NIC_ID", nic_id.to_string());
    let Some(vid) = nic_network(cloud, caller, nic)? else {
        // Placed by the scheduler later.
        return Ok(());
    };
    let vn = get::<VirtualNetwork>(cloud, vid)?;
    check_lock(caller, vn, AuthOp::Use)?;
    authorize(cloud, caller, &vn.auth(), AuthOp::Use)?;
    if vn.state != state::READY {
        return Err(nic_error(format!("Virtual network {vid} is not ready (state {})", state::name(vn.state))));
    }
    let wanted: Vec<&str> = ["IP", "MAC", "IP6"].into_iter().filter(|k| nic.get(k).is_some()).collect();
    if wanted.len() > 1 {
        return Err(nic_error("Only one attribute MAC, IP or IP6 can be set."));
    }
    let only_ar = nic.get("AR_ID").and_then(|a| a.trim().parse::<u32>().ok());
    let owner = LeaseOwner::Vm(vmid);
    let fail = || nic_error(format!("Cannot get IP/MAC lease from virtual network {vid}."));
    let request = match wanted.first() {
        None => None,
        Some(&"IP") => Some(Addr::Ip(parse_ipv4(nic.get("IP").unwrap_or("")).map_err(|_| fail())?)),
        Some(&"MAC") => Some(Addr::Mac(Mac::parse(nic.get("MAC").unwrap_or("")).map_err(|_| fail())?)),
        Some(_) => Some(Addr::Ip6(parse_ipv6(nic.get("IP6").unwrap_or("")).map_err(|_| fail())?)),
    };
    let (name, uname, bridge, bridge_type, vn_mad, phydev, vlan, clusters, sgs) = (
        vn.name.clone(),
        vn.owner.uname.clone(),
        vn.bridge.clone(),
        vn.bridge_type.clone(),
        vn.vn_mad.clone(),
        vn.phydev.clone(),
        vn.vlan_id.clone(),
        vn.clusters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(","),
        vn.template.get("SECURITY_GROUPS").unwrap_or("0").to_string(),
    );
    let vn = get_mut::<VirtualNetwork>(cloud, vid)?;
    let mut got: Option<(Lease, u32)> = None;
    for ar in vn.ars.iter_mut().filter(|a| only_ar.is_none_or(|o| o == a.ar_id())) {
        let lease = match &request {
            None => ar.allocate(owner),
            Some(Addr::Ip(ip)) => ar.allocate_by_ip(*ip, owner).ok(),
            Some(Addr::Mac(m)) => ar.allocate_by_mac(*m, owner).ok(),
            Some(Addr::Ip6(ip6)) => ar.allocate_by_ip6(*ip6, owner).ok(),
        };
        if let Some(l) = lease {
            ar.write_nic_overrides(nic, &[]);
            got = Some((l, ar.ar_id()));
            break;
        }
    }
    let (lease, ar_id) = got.ok_or_else(fail)?;
    cloud.lease_ops.taken(vid, ar_id, lease.index, owner);
    lease.write_nic(nic);
    nic.set("NETWORK", name);
    nic.set("NETWORK_ID", vid.to_string());
    nic.set("NETWORK_UNAME", uname);
    if nic.get("BRIDGE").is_none() {
        nic.set("BRIDGE", bridge);
    }
    nic.set("BRIDGE_TYPE", bridge_type);
    if nic.get("VN_MAD").is_none() {
        nic.set("VN_MAD", vn_mad);
    }
    if !phydev.is_empty() && nic.get("PHYDEV").is_none() {
        nic.set("PHYDEV", phydev);
    }
    if let Some(v) = vlan
        && nic.get("VLAN_ID").is_none()
    {
        nic.set("VLAN_ID", v);
    }
    nic.set("CLUSTER_ID", clusters);
    nic.set("SECURITY_GROUPS", sgs);
    nic.set("TARGET", format!("one-{vmid}-{nic_id}"));
    Ok(())
}
