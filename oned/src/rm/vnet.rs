//! `one.vn.*`, `one.vnpool.info`: virtual networks, their address ranges and leases (a VM's NICs
//! take theirs in `dm::nic` and give them back in `lcm::release`).
//!
//! Leases are stored one row each (`leases` table), not inside the network's body, so taking a
//! lease writes a few bytes however large the network is. Every lease change here records its
//! store operation in `Cloud::lease_ops` (a `cloud::LeaseLog`).
//!
//! Networks are READY as soon as they are created: Nephele has no IPAM driver process, the
//! address ranges are checked synchronously, and a bad range fails `one.vn.allocate` with a
//! clear error (OpenNebula would accept the call and put the network in ERROR).

use super::generic::{self, get, get_for, get_mut};
use super::host::resolve_cluster;
use super::{Core, Handler, Mutate, Reply, Request};
use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::cluster::Cluster;
use crate::objects::vnet::{VirtualNetwork, state};
use crate::objects::{Ownership, PoolObject};
use crate::perms::AuthOp;
use crate::vnet::addr::{Addr, Mac, parse_ipv4, parse_ipv6};
use crate::vnet::ar::{AddressRange, LeaseOwner};
use libone::template::{Template, Vector};
use std::collections::{BTreeSet, HashMap};

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.vn.allocate", allocate);
    m.insert("one.vn.delete", delete);
    m.insert("one.vn.info", generic::info::<VirtualNetwork>);
    m.insert("one.vn.update", generic::update::<VirtualNetwork>);
    m.insert("one.vn.rename", generic::rename::<VirtualNetwork>);
    m.insert("one.vn.chown", generic::chown::<VirtualNetwork>);
    m.insert("one.vn.chmod", generic::chmod::<VirtualNetwork>);
    m.insert("one.vn.lock", generic::lock::<VirtualNetwork>);
    m.insert("one.vn.unlock", generic::unlock::<VirtualNetwork>);
    m.insert("one.vn.add_ar", add_ar);
    m.insert("one.vn.rm_ar", rm_ar);
    m.insert("one.vn.free_ar", free_ar);
    m.insert("one.vn.update_ar", update_ar);
    m.insert("one.vn.hold", hold);
    m.insert("one.vn.release", release);
    m.insert("one.vn.reserve", reserve);
    m.insert("one.vnpool.info", generic::pool_info::<VirtualNetwork>);
}

/// The network drivers OpenNebula 7.4 ships in `VN_MAD_CONF`, with their bridge type.
const VN_MADS: [(&str, &str); 9] = [
    ("dummy", "linux"),
    ("802.1Q", "linux"),
    ("fw", "linux"),
    ("ovswitch", "openvswitch"),
    ("vxlan", "linux"),
    ("ovswitch_vxlan", "openvswitch"),
    ("bridge", "linux"),
    ("elastic", "linux"),
    ("nodeport", "linux"),
];

/// Validates the driver settings of a network template (`VirtualNetwork::insert`).
fn check_driver(t: &Template) -> Result<(String, String), String> {
    let vn_mad =
        t.get("VN_MAD").map(str::trim).filter(|s| !s.is_empty()).ok_or("No VN_MAD in template for Virtual Network.")?;
    let bridge_type = VN_MADS
        .iter()
        .find(|(n, _)| *n == vn_mad)
        .map(|(_, b)| *b)
        .ok_or_else(|| format!("VN_MAD named \"{vn_mad}\" is not defined in oned.conf"))?;
    let has = |k: &str| t.get(k).is_some_and(|v| !v.trim().is_empty());
    if vn_mad == "dummy" && !has("BRIDGE") {
        return Err("BRIDGE is mandatory for driver dummy".into());
    }
    if matches!(vn_mad, "802.1Q" | "vxlan") {
        if !has("PHYDEV") {
            return Err(format!("PHYDEV is mandatory for driver {vn_mad}"));
        }
        if !has("VLAN_ID") && !t.get("AUTOMATIC_VLAN_ID").is_some_and(|v| v.eq_ignore_ascii_case("YES")) {
            return Err(format!("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver {vn_mad}"));
        }
    }
    if vn_mad == "ovswitch_vxlan"
        && !has("OUTER_VLAN_ID")
        && !t.get("AUTOMATIC_OUTER_VLAN_ID").is_some_and(|v| v.eq_ignore_ascii_case("YES"))
    {
        return Err("OUTER_VLAN_ID (or AUTOMATIC) is mandatory for driver ovswitch_vxlan".into());
    }
    Ok((vn_mad.to_string(), bridge_type.to_string()))
}

/// `SECURITY_GROUPS`: the given list plus 0, deduplicated and sorted.
fn security_groups(t: &Template) -> String {
    let mut ids: BTreeSet<i64> =
        t.get("SECURITY_GROUPS").unwrap_or("").split(',').filter_map(|s| s.trim().parse().ok()).collect();
    ids.insert(0);
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// Builds a network from a template, ARs included (shared by allocate and reserve).
fn build(
    cloud: &Cloud,
    oid: i32,
    mut t: Template,
    owner: Ownership,
    clusters: BTreeSet<i32>,
    parent: i32,
) -> Result<VirtualNetwork, String> {
    let name =
        t.remove("NAME").into_iter().find_map(|a| a.as_single().map(|s| s.trim().to_string())).unwrap_or_default();
    if name.is_empty() {
        return Err("No NAME in template for Virtual Network.".into());
    }
    let (vn_mad, default_bridge_type) = check_driver(&t)?;
    t.remove("TEMPLATE_NAME");
    let template_id = t
        .remove("TEMPLATE_ID")
        .into_iter()
        .find_map(|a| a.as_single().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(-1);
    let ar_vectors: Vec<Vector> = t.remove("AR").into_iter().filter_map(|a| a.as_vector().cloned()).collect();
    let vlan_id = t.get("VLAN_ID").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let bridge_type = t
        .get("BRIDGE_TYPE")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(default_bridge_type.as_str())
        .to_string();
    let bridge = match t.get("BRIDGE").map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => b.to_string(),
        None => match &vlan_id {
            Some(v) => format!("onebr.{v}"),
            None => format!("onebr{oid}"),
        },
    };
    let phydev = t.get("PHYDEV").unwrap_or("").trim().to_string();
    t.set("BRIDGE", bridge.clone());
    t.set("BRIDGE_TYPE", bridge_type.clone());
    t.set("PHYDEV", phydev.clone());
    t.set("SECURITY_GROUPS", security_groups(&t));
    t.set("VN_MAD", vn_mad.clone());
    let mut ars = Vec::new();
    for (i, v) in ar_vectors.iter().enumerate() {
        ars.push(AddressRange::from_vector(i as u32, v, cloud.settings.mac_prefix).map_err(|e| e.to_string())?);
    }
    Ok(VirtualNetwork {
        oid,
        name,
        owner,
        lock: None,
        clusters,
        bridge,
        bridge_type,
        state: state::READY,
        prev_state: state::READY,
        parent_network_id: parent,
        template_id,
        vn_mad,
        phydev,
        outer_vlan_id: t.get("OUTER_VLAN_ID").filter(|s| !s.is_empty()).map(str::to_string),
        vlan_id_automatic: t.get("AUTOMATIC_VLAN_ID").is_some_and(|v| v.eq_ignore_ascii_case("YES")),
        outer_vlan_id_automatic: t.get("AUTOMATIC_OUTER_VLAN_ID").is_some_and(|v| v.eq_ignore_ascii_case("YES")),
        vlan_id,
        next_ar_id: ars.len() as u32,
        ars,
        template: t,
    })
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let text = req.args.string(1)?;
    let cluster_id = req.args.int(2)?;
    let t = generic::parse_template(text).map_err(ApiError::internal)?;
    core.mutate(req, |cloud, caller| {
        let cid = resolve_cluster(cloud, cluster_id)?;
        generic::authorize_create::<VirtualNetwork>(cloud, caller)?;
        generic::authorize(cloud, caller, &get::<Cluster>(cloud, cid)?.auth(), AuthOp::Admin)?;
        generic::check_restricted(caller, &t, &cloud.settings.vnet_restricted_attr, "VNET Template")?;
        let name = t.get("NAME").unwrap_or("").trim().to_string();
        if !name.is_empty()
            && let Some(m) = generic::new_name_problem::<VirtualNetwork>(cloud, caller.uid, &name)
        {
            return Err(ApiError::internal(m));
        }
        let oid = cloud.vnets.last_oid() + 1;
        let vnet = build(cloud, oid, t.clone(), generic::new_ownership(caller), BTreeSet::from([cid]), -1)
            .map_err(ApiError::internal)?;
        let oid = cloud.vnets.allocate(|_| vnet);
        get_mut::<Cluster>(cloud, cid)?.vnets.insert(oid);
        tracing::info!(vnet_id = oid, "virtual network {name} created");
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let vn = get_for::<VirtualNetwork>(cloud, caller, id, AuthOp::Manage)?;
        let in_use = vn.ars.iter().flat_map(|a| a.leases()).any(|(_, o)| !matches!(o, LeaseOwner::Reserved(_)));
        let reserved = vn.ars.iter().flat_map(|a| a.leases()).any(|(_, o)| matches!(o, LeaseOwner::Reserved(_)));
        if in_use || reserved {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                "Cannot delete virtual network. Can not remove a virtual network with leases in use",
                id,
            ));
        }
        let parent = vn.parent_network_id;
        let clusters: Vec<i32> = vn.clusters.iter().copied().collect();
        // A reservation gives its addresses back to its parent.
        if parent >= 0
            && let Some(p) = cloud.vnets.get_mut(parent)
        {
            for ar in &mut p.ars {
                let ar_id = ar.ar_id();
                for i in ar.free_owner(LeaseOwner::Reserved(id)) {
                    cloud.lease_ops.freed(parent, ar_id, i);
                }
            }
        }
        for c in clusters {
            if let Some(cl) = cloud.clusters.get_mut(c) {
                cl.vnets.remove(&id);
            }
        }
        cloud.lease_ops.all_freed(id, None);
        cloud.vnets.remove(id);
        generic::remove_object_rules(cloud, crate::objects::ObjectKind::Vnet, id);
        Ok(Reply::Id(id))
    })
}

/// `add_ar`/`rm_ar` need ADMIN on networks not made from a network template (MANAGE otherwise).
fn ar_op(vn: &VirtualNetwork) -> AuthOp {
    if vn.template_id == -1 { AuthOp::Admin } else { AuthOp::Manage }
}

fn check_ready(vn: &VirtualNetwork, method: &str) -> ApiResult<()> {
    if matches!(vn.state, state::READY | state::UPDATE_FAILURE) {
        Ok(())
    } else {
        Err(ApiError::with_id(
            ErrorCode::Action,
            format!("Could not execute {method}Virtual Network is in wrong state: {}", state::name(vn.state)),
            vn.oid,
        ))
    }
}

fn add_ar(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let text = req.args.string(2)?;
    let method = req.method.to_string();
    let t = generic::parse_template(text).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?;
    core.mutate(req, |cloud, caller| {
        let vn = generic::get::<VirtualNetwork>(cloud, id)?;
        get_for::<VirtualNetwork>(cloud, caller, id, ar_op(vn))?;
        check_ready(vn, &method)?;
        let v = t.vector("AR").ok_or_else(|| {
            ApiError::with_id(ErrorCode::Internal, "Wrong AR definition. AR vector attribute is missing.", id)
        })?;
        if !caller.is_admin() {
            let restricted: Vec<String> = cloud
                .settings
                .vnet_restricted_attr
                .iter()
                .filter_map(|r| r.strip_prefix("AR/").map(str::to_string))
                .collect();
            let as_t = Template::from_attributes(v.iter().map(|(k, x)| crate::dm::create::single(k, x)).collect());
            if let Some(a) = generic::restricted_attr(&as_t, &restricted) {
                return Err(ApiError::with_id(
                    ErrorCode::Authorization,
                    format!("User [{}] : AR includes a restricted attribute {a}.", caller.uid),
                    id,
                ));
            }
        }
        let ar_id = vn.next_ar_id;
        let ar = AddressRange::from_vector(ar_id, v, cloud.settings.mac_prefix)
            .map_err(|e| ApiError::with_id(ErrorCode::Internal, e.to_string(), id))?;
        let vn = get_mut::<VirtualNetwork>(cloud, id)?;
        vn.ars.push(ar);
        vn.next_ar_id += 1;
        Ok(Reply::Id(id))
    })
}

fn rm_ar(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let ar_id = req.args.int(2)?;
    let force = req.args.opt_bool(3, false)?;
    core.mutate(req, |cloud, caller| {
        let vn = generic::get::<VirtualNetwork>(cloud, id)?;
        get_for::<VirtualNetwork>(cloud, caller, id, ar_op(vn))?;
        remove_ar(cloud, id, ar_id, force)?;
        Ok(Reply::Id(id))
    })
}

/// Removes an address range (`force`: even with leases), giving reserved addresses back.
fn remove_ar(cloud: &mut Cloud, id: i32, ar_id: i32, force: bool) -> ApiResult<()> {
    let vn = generic::get::<VirtualNetwork>(cloud, id)?;
    let ar = u32::try_from(ar_id)
        .ok()
        .and_then(|a| vn.ar(a))
        .ok_or_else(|| ApiError::with_id(ErrorCode::Internal, "Address Range does not exist", id))?;
    if ar.used() > 0 && !force {
        return Err(ApiError::with_id(ErrorCode::Internal, "Address Range has leases in use", id));
    }
    let parent = vn.parent_network_id;
    let parent_ar = ar.parent_ar_id();
    let (mac, size) = (ar.mac_start(), ar.size());
    if parent >= 0
        && let (Some(p), Some(par)) = (cloud.vnets.get_mut(parent), parent_ar)
        && let Some(par) = p.ar_mut(par)
        && let Some(first) = par.index_of_mac(mac)
    {
        for i in first..first.saturating_add(size) {
            if par.free_owned(i, LeaseOwner::Reserved(id)) {
                cloud.lease_ops.freed(parent, par.ar_id(), i);
            }
        }
    }
    let vn = get_mut::<VirtualNetwork>(cloud, id)?;
    vn.ars.retain(|a| a.ar_id() as i32 != ar_id);
    cloud.lease_ops.all_freed(id, Some(ar_id));
    Ok(())
}

/// `one.vn.free_ar`: drops an address range of a reservation, giving its addresses back to the
/// parent network (leases of the range must be free).
fn free_ar(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let ar_id = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualNetwork>(cloud, caller, id, AuthOp::Manage)?;
        remove_ar(cloud, id, ar_id, false)?;
        Ok(Reply::Id(id))
    })
}

fn update_ar(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let text = req.args.string(2)?;
    let method = req.method.to_string();
    let t = generic::parse_template(text).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?;
    core.mutate(req, |cloud, caller| {
        let vn = get_for::<VirtualNetwork>(cloud, caller, id, AuthOp::Manage)?;
        check_ready(vn, &method)?;
        let v = t
            .vector("AR")
            .filter(|v| v.get("AR_ID").is_some())
            .ok_or_else(|| ApiError::with_id(ErrorCode::Internal, "AR/AR_ID attribute is missing.", id))?;
        let ar_id = v.get("AR_ID").unwrap_or("");
        let ar_num = ar_id.trim().parse::<u32>().ok().filter(|a| vn.ar(*a).is_some()).ok_or_else(|| {
            ApiError::with_id(ErrorCode::Internal, format!("Address Range with ID {ar_id} was not found."), id)
        })?;
        let mut v = v.clone();
        v.remove("AR_ID");
        let vn = get_mut::<VirtualNetwork>(cloud, id)?;
        let ar = vn.ar_mut(ar_num).ok_or_else(|| {
            ApiError::with_id(ErrorCode::Internal, format!("Address Range with ID {ar_id} was not found."), id)
        })?;
        ar.update(&v).map_err(|e| ApiError::with_id(ErrorCode::Internal, e.to_string(), id))?;
        Ok(Reply::Id(id))
    })
}

/// The address a `LEASES = [ IP | MAC | IP6 = ..., AR_ID = ... ]` names.
fn parse_lease_request(t: &Template) -> Result<(Addr, Option<u32>), String> {
    let v = t.vector("LEASES").ok_or("Empty lease description.")?;
    let given: Vec<&str> = ["IP", "MAC", "IP6"].into_iter().filter(|k| v.get(k).is_some()).collect();
    if given.is_empty() {
        return Err("Missing MAC, IP or IP6.".into());
    }
    if given.len() > 1 {
        return Err("Only one attribute MAC, IP or IP6 can be set.".into());
    }
    let raw = v.get(given[0]).unwrap_or("");
    let bad = || format!("Wrong {} address {raw:?}", given[0]);
    let addr = match given[0] {
        "IP" => Addr::Ip(parse_ipv4(raw).map_err(|_| bad())?),
        "MAC" => Addr::Mac(Mac::parse(raw).map_err(|_| bad())?),
        _ => Addr::Ip6(parse_ipv6(raw).map_err(|_| bad())?),
    };
    let ar = match v.get("AR_ID") {
        Some(a) => Some(a.trim().parse::<u32>().map_err(|_| format!("Wrong AR_ID {a:?}"))?),
        None => None,
    };
    Ok((addr, ar))
}

fn hold(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    lease_action(core, req, true)
}

fn release(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    lease_action(core, req, false)
}

/// `one.vn.hold` / `one.vn.release`: put an address on hold (VM -1) or free a held one.
fn lease_action(core: &Core, req: &mut Request, hold: bool) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let text = req.args.string(2)?;
    let method = req.method.to_string();
    let t = generic::parse_template(text).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?;
    let (addr, only_ar) = parse_lease_request(&t).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?;
    core.mutate(req, |cloud, caller| {
        let vn = get_for::<VirtualNetwork>(cloud, caller, id, AuthOp::Manage)?;
        check_ready(vn, &method)?;
        let vn = get_mut::<VirtualNetwork>(cloud, id)?;
        for ar in vn.ars.iter_mut().filter(|a| only_ar.is_none_or(|o| o == a.ar_id())) {
            let ar_id = ar.ar_id();
            let r = match (&addr, hold) {
                (Addr::Ip(ip), true) => ar.hold_by_ip(*ip),
                (Addr::Mac(m), true) => ar.hold_by_mac(*m),
                (Addr::Ip6(ip6), true) => ar.hold_by_ip6(*ip6),
                (Addr::Ip(ip), false) => ar.release_by_ip(*ip),
                (Addr::Mac(m), false) => ar.release_by_mac(*m),
                (Addr::Ip6(ip6), false) => ar.release_by_ip6(*ip6),
            };
            if let Ok(index) = r {
                if hold {
                    cloud.lease_ops.taken(id, ar_id, index, LeaseOwner::Hold);
                } else {
                    cloud.lease_ops.freed(id, ar_id, index);
                }
                return Ok(Reply::Id(id));
            }
        }
        if hold {
            Err(ApiError::with_id(ErrorCode::Internal, "Address is not part of the address range or in use.", id))
        } else {
            // OpenNebula answers success when there was nothing held to release.
            Ok(Reply::Id(id))
        }
    })
}

/// `one.vn.reserve(id, template)`: moves `SIZE` addresses of network `id` to a reservation
/// network (a new one named `NAME`, or the existing `NETWORK_ID`) owned by the caller.
fn reserve(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let text = req.args.string(2)?;
    let t = generic::parse_template(text).map_err(|m| ApiError::with_id(ErrorCode::Action, m, id))?;
    core.mutate(req, |cloud, caller| reserve_in(cloud, caller, id, &t).map(Reply::Id))
}

fn reserve_in(cloud: &mut Cloud, caller: &Caller, id: i32, t: &Template) -> ApiResult<i32> {
    let act = |m: &str| ApiError::with_id(ErrorCode::Action, m, id);
    let parent = get_for::<VirtualNetwork>(cloud, caller, id, AuthOp::Use)?;
    if parent.parent_network_id >= 0 {
        return Err(act("Cannot reserve addresses from a reserved VNET"));
    }
    let size = match t.get("SIZE").map(|s| s.trim().parse::<i64>()) {
        Some(Ok(s)) if s > 0 && s <= u32::MAX as i64 => s as u32,
        _ => return Err(act("Reservation SIZE must be a greater than 0")),
    };
    let target = match t.get("NETWORK_ID") {
        None => None,
        Some(s) => match s.trim().parse::<i32>() {
            Ok(n) if n >= 0 => Some(n),
            _ => return Err(act("NETWORK_ID must be equal or greater than 0")),
        },
    };
    let ar_req = match t.get("AR_ID") {
        None => None,
        Some(s) => match s.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Some(n as u32),
            _ => return Err(act("AR_ID must be equal or greater than 0")),
        },
    };
    let start = match (t.get("IP"), t.get("MAC")) {
        (None, None) => None,
        (ip, mac) => {
            let Some(ar_id) = ar_req else { return Err(act("AR_ID must be specified for IP/MAC based reservations")) };
            let ar = parent.ar(ar_id).ok_or_else(|| act(&format!("Address Range with ID {ar_id} was not found.")))?;
            let index = match (ip, mac) {
                (Some(ip), _) => parse_ipv4(ip).ok().and_then(|ip| ar.index_of_ip(ip)),
                (None, Some(mac)) => Mac::parse(mac).ok().and_then(|m| ar.index_of_mac(m)),
                _ => None,
            };
            Some(index.ok_or_else(|| act("The address is not part of the address range"))?)
        }
    };
    // Where the reservation goes: an existing reservation network, or a new one.
    if let Some(rid) = target {
        if rid == id {
            return Err(act("Cannot add a reservation from the same network"));
        }
        let r = get_for::<VirtualNetwork>(cloud, caller, rid, AuthOp::Manage)?;
        if r.parent_network_id < 0 {
            return Err(act("Cannot add reservations to a non-reservation VNET"));
        }
        if r.parent_network_id != id {
            return Err(act(&format!(
                "New reservations for virtual network {rid} have to be from network {}",
                r.parent_network_id
            )));
        }
    }
    let name = t.get("NAME").map(str::trim).unwrap_or("").to_string();
    if target.is_none() && name.is_empty() {
        return Err(act("NAME for reservation has to be set"));
    }
    if target.is_none()
        && let Some(m) = generic::new_name_problem::<VirtualNetwork>(cloud, caller.uid, &name)
    {
        return Err(act(&m));
    }
    let rid = target.unwrap_or(cloud.vnets.last_oid() + 1);
    let child_ar_id = target.and_then(|r| cloud.vnets.get(r)).map(|r| r.next_ar_id).unwrap_or(0);
    // Take the block from the first AR (or the one asked) with room.
    let parent = cloud
        .vnets
        .get_mut(id)
        .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vnet.object_name(), id))?;
    let mut child = None;
    let mut last_err = None;
    for ar in parent.ars.iter_mut().filter(|a| ar_req.is_none_or(|r| r == a.ar_id())) {
        match ar.reserve(rid, size, start, child_ar_id) {
            Ok(c) => {
                let first = ar.index_of_mac(c.mac_start()).unwrap_or(0);
                for i in first..first + size {
                    cloud.lease_ops.taken(id, ar.ar_id(), i, LeaseOwner::Reserved(rid));
                }
                child = Some(c);
                break;
            }
            Err(e) => last_err = Some(e.to_string()),
        }
    }
    let child = child
        .ok_or_else(|| act(&last_err.unwrap_or_else(|| "Not enough free addresses in an address range".into())))?;
    if let Some(rid) = target {
        let r = get_mut::<VirtualNetwork>(cloud, rid)?;
        r.ars.push(child);
        r.next_ar_id += 1;
        return Ok(rid);
    }
    // A new reservation network copies the parent's settings.
    let p = generic::get::<VirtualNetwork>(cloud, id)?;
    let mut nt = p.template.clone();
    nt.remove("AR");
    nt.set("NAME", name);
    let clusters = p.clusters.clone();
    let mut vnet = build(cloud, rid, nt, generic::new_ownership(caller), clusters.clone(), id).map_err(|m| act(&m))?;
    vnet.ars.push(child);
    vnet.next_ar_id = 1;
    let oid = cloud.vnets.allocate(|_| vnet);
    for c in clusters {
        if let Some(cl) = cloud.clusters.get_mut(c) {
            cl.vnets.insert(oid);
        }
    }
    tracing::info!(vnet_id = oid, "reservation of {size} addresses from network {id}");
    Ok(oid)
}

// ------------------------------------------------------------------------------ VM NICs

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_rules() {
        let t = |s: &str| Template::parse_text(s).unwrap();
        assert_eq!(check_driver(&t("VN_MAD = bridge")).unwrap(), ("bridge".to_string(), "linux".to_string()));
        assert_eq!(check_driver(&t("BRIDGE = br0")).unwrap_err(), "No VN_MAD in template for Virtual Network.");
        assert_eq!(check_driver(&t("VN_MAD = dummy")).unwrap_err(), "BRIDGE is mandatory for driver dummy");
        assert_eq!(check_driver(&t("VN_MAD = nope")).unwrap_err(), "VN_MAD named \"nope\" is not defined in oned.conf");
        assert_eq!(
            check_driver(&t("VN_MAD = vxlan\nPHYDEV = eth0")).unwrap_err(),
            "VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver vxlan"
        );
        assert_eq!(security_groups(&t("SECURITY_GROUPS = \"5,2,5\"")), "0,2,5");
    }

    #[test]
    fn lease_requests() {
        let t = |s: &str| Template::parse_text(s).unwrap();
        assert_eq!(parse_lease_request(&t("X = 1")).err().unwrap(), "Empty lease description.");
        assert_eq!(parse_lease_request(&t("LEASES = [ AR_ID = 0 ]")).err().unwrap(), "Missing MAC, IP or IP6.");
        assert_eq!(
            parse_lease_request(&t("LEASES = [ IP = 10.0.0.1, MAC = \"02:00:0a:00:00:01\" ]")).err().unwrap(),
            "Only one attribute MAC, IP or IP6 can be set."
        );
        assert!(matches!(parse_lease_request(&t("LEASES = [ IP = 10.0.0.1 ]")), Ok((Addr::Ip(_), None))));
    }
}
