//! `onevnet`: create, list, show and top virtual networks; manage their address ranges
//! (`addar`, `rmar`, `free`, `updatear`), leases (`hold`, `release`) and reservations
//! (`reserve`); update, rename, chown, chgrp, chmod, lock and unlock.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand};
use libone::template::{Template, Vector};

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, One, b, i, s};
use crate::error::{CliError, Result};
use crate::show::Page;
use crate::states;
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name, col_user};
use crate::xmltree::Node;

pub const VNET: common::Kind =
    common::Kind { noun: "VNET", element: "VNET", prefix: "one.vn", pool: "one.vnpool.info", pool_args: &[-2, -1, -1] };

/// Manages OpenNebula virtual networks
#[derive(Parser, Debug)]
#[command(name = "onevnet", version, about = "Manages OpenNebula virtual networks")]
pub struct OneVnet {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The first address and size of a new address range (`addar` without a file).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ArOptions {
    /// Number of addresses
    #[arg(short = 's', long)]
    pub size: Option<String>,
    /// First MAC address, in `:` notation
    #[arg(short = 'm', long)]
    pub mac: Option<String>,
    /// First IPv4 address, in `.` notation
    #[arg(short = 'i', long)]
    pub ip: Option<String>,
    /// First static IPv6 address with its prefix length (for example 2001:db8::1/64)
    #[arg(short = '6', long)]
    pub ip6: Option<String>,
    /// IPv6 global prefix for SLAAC addresses (for example 2001:db8:1::)
    #[arg(short = 'g', long = "ip6-global", value_name = "PREFIX")]
    pub ip6_global: Option<String>,
    /// IPv6 ULA prefix for SLAAC addresses (for example fd00:1::)
    #[arg(short = 'u', long = "ip6-ula", value_name = "PREFIX")]
    pub ip6_ula: Option<String>,
    /// Gateway of the range
    #[arg(long, value_name = "IP")]
    pub gateway: Option<String>,
    /// Netmask of the range, in `.` notation
    #[arg(long, value_name = "MASK")]
    pub netmask: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a virtual network from a template file (`-` for stdin)
    Create {
        file: PathBuf,
        /// Cluster name or ID (default: the default cluster)
        #[arg(short = 'c', long)]
        cluster: Option<String>,
    },
    /// Deletes virtual networks
    Delete(ObjectsArgs),
    /// Lists virtual networks
    List(ListArgs),
    /// Shows a virtual network, its address ranges and leases
    Show {
        vnet: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists virtual networks again and again
    Top(TopArgs),
    /// Adds an address range, from a file (`AR = [ ... ]`) or from the options
    Addar {
        vnet: String,
        /// Template file with the AR vector (`-` for stdin)
        file: Option<PathBuf>,
        #[command(flatten)]
        ar: ArOptions,
    },
    /// Removes an address range
    Rmar {
        vnet: String,
        ar_id: u32,
        /// Remove it even if it has leases in use
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Frees a reserved address range, giving its addresses back to the parent network
    Free { vnet: String, ar_id: u32 },
    /// Updates the attributes of an address range from a file
    Updatear {
        vnet: String,
        ar_id: u32,
        /// Template file: `AR = [ ... ]` or plain `KEY = value` lines (`-` for stdin)
        file: PathBuf,
    },
    /// Puts an address (IP, MAC or IPv6) on hold, so that no VM gets it
    Hold {
        vnet: String,
        address: String,
        /// Only look in this address range
        #[arg(short = 'a', long = "ar-id")]
        ar_id: Option<u32>,
    },
    /// Releases an address on hold
    Release {
        vnet: String,
        address: String,
        /// Only look in this address range
        #[arg(short = 'a', long = "ar-id")]
        ar_id: Option<u32>,
    },
    /// Reserves addresses into a new network named TARGET, or into the reservation TARGET
    Reserve {
        vnet: String,
        /// Name of a new reservation network, or the name or ID of an existing reservation
        target: String,
        /// Number of addresses to reserve
        #[arg(short = 's', long)]
        size: u32,
        /// Take the addresses from this address range
        #[arg(short = 'a', long = "ar-id")]
        ar_id: Option<u32>,
        /// First IPv4 address of the reservation (needs --ar-id)
        #[arg(short = 'i', long)]
        ip: Option<String>,
        /// First MAC address of the reservation (needs --ar-id)
        #[arg(short = 'm', long)]
        mac: Option<String>,
    },
    /// Replaces (or with --append, merges) a network's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames a virtual network
    Rename(RenameArgs),
    /// Changes the owner (and optionally the group) of virtual networks
    Chown(ChownArgs),
    /// Changes the group of virtual networks
    Chgrp(ChgrpArgs),
    /// Changes the permissions of virtual networks (octal, for example 640)
    Chmod(ChmodArgs),
    /// Locks virtual networks
    Lock(LockArgs),
    /// Unlocks virtual networks
    Unlock(ObjectsArgs),
}

pub fn command() -> clap::Command {
    OneVnet::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneVnet) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { file, cluster } => create(&one, &file, cluster.as_deref()),
        Cmd::Delete(a) => common::delete(&one, &VNET, &a.objects),
        Cmd::List(list) => common::list(&one, &VNET, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &VNET, &TABLE, &top),
        Cmd::Show { vnet, out } => {
            if let Some(vn) = common::show(&one, &VNET, &vnet, &out)? {
                common::out(&show_page(&vn));
            }
            Ok(())
        }
        Cmd::Addar { vnet, file, ar } => {
            let id = common::resolve_one(&one, &VNET, &vnet)?;
            let text = addar_template(file.as_deref(), &ar)?;
            one.run("one.vn.add_ar", vec![i(id), s(text)])
        }
        Cmd::Rmar { vnet, ar_id, force } => {
            let id = common::resolve_one(&one, &VNET, &vnet)?;
            one.run("one.vn.rm_ar", vec![i(id), i(ar_int(ar_id)?), b(force)])
        }
        Cmd::Free { vnet, ar_id } => {
            let id = common::resolve_one(&one, &VNET, &vnet)?;
            one.run("one.vn.free_ar", vec![i(id), i(ar_int(ar_id)?)])
        }
        Cmd::Updatear { vnet, ar_id, file } => {
            let id = common::resolve_one(&one, &VNET, &vnet)?;
            let text = updatear_template(&common::read_template(&file)?, ar_id)?;
            one.run("one.vn.update_ar", vec![i(id), s(text)])
        }
        Cmd::Hold { vnet, address, ar_id } => lease(&one, "one.vn.hold", &vnet, &address, ar_id),
        Cmd::Release { vnet, address, ar_id } => lease(&one, "one.vn.release", &vnet, &address, ar_id),
        Cmd::Reserve { vnet, target, size, ar_id, ip, mac } => {
            let id = common::resolve_one(&one, &VNET, &vnet)?;
            let target = reservation_target(&one, &target)?;
            let text = reserve_template(&target, size, ar_id, ip.as_deref(), mac.as_deref());
            let rid = one.id("one.vn.reserve", vec![i(id), s(text)])?;
            common::out(&format!("Reservation VNET ID: {rid}\n"));
            Ok(())
        }
        Cmd::Update(a) => common::update(&one, &VNET, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &VNET, &a),
        Cmd::Chown(a) => common::chown(&one, &VNET, &a),
        Cmd::Chgrp(a) => common::chgrp(&one, &VNET, &a),
        Cmd::Chmod(a) => common::chmod(&one, &VNET, &a),
        Cmd::Lock(a) => common::lock(&one, &VNET, &a),
        Cmd::Unlock(a) => common::unlock(&one, &VNET, &a.objects),
    }
}

fn create(one: &One, file: &Path, cluster: Option<&str>) -> Result<()> {
    let text = common::read_template(file)?;
    let cid = match cluster {
        Some(c) => common::resolve_one(one, &common::CLUSTER, c)?,
        None => -1,
    };
    common::print_id(one.id("one.vn.allocate", vec![s(text), i(cid)])?);
    Ok(())
}

fn ar_int(ar_id: u32) -> Result<i32> {
    i32::try_from(ar_id).map_err(|_| CliError::usage(format!("bad address range ID {ar_id}")))
}

/// The single attributes of a template as the sub-keys of one vector.
fn singles_as_vector(t: &Template) -> Vector {
    Vector::from_pairs(t.iter().filter_map(|a| a.as_single().map(|v| (a.name().to_string(), v.to_string()))))
}

/// `AR = [ ... ]` text for `addar`: the file as given (plain lines are wrapped into an AR), or
/// a range built from the options.
pub fn addar_template(file: Option<&Path>, opts: &ArOptions) -> Result<String> {
    let from_options = opts.size.is_some()
        || opts.mac.is_some()
        || opts.ip.is_some()
        || opts.ip6.is_some()
        || opts.ip6_global.is_some()
        || opts.ip6_ula.is_some()
        || opts.gateway.is_some()
        || opts.netmask.is_some();
    if let Some(f) = file {
        if from_options {
            return Err(CliError::usage("give either a template file or the address range options, not both"));
        }
        let text = common::read_template(f)?;
        let t = common::check_template(&text).map_err(CliError::usage)?;
        if t.vector("AR").is_some() {
            return Ok(text);
        }
        let mut wrapped = Template::new();
        wrapped.add_vector("AR", singles_as_vector(&t));
        return Ok(wrapped.to_text());
    }
    let Some(size) = &opts.size else {
        return Err(CliError::usage("an address range needs its size (--size N) or a template file"));
    };
    let slaac = opts.ip6_global.is_some() || opts.ip6_ula.is_some();
    let kind = match (&opts.ip, &opts.ip6) {
        (Some(_), Some(_)) => "IP4_6_STATIC",
        (None, Some(_)) => "IP6_STATIC",
        (Some(_), None) if slaac => "IP4_6",
        (Some(_), None) => "IP4",
        (None, None) if slaac => "IP6",
        (None, None) => "ETHER",
    };
    let mut pairs: Vec<(String, String)> = vec![("TYPE".into(), kind.into()), ("SIZE".into(), size.clone())];
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            pairs.push((k.to_string(), v.clone()));
        }
    };
    put("IP", &opts.ip);
    put("MAC", &opts.mac);
    put("GLOBAL_PREFIX", &opts.ip6_global);
    put("ULA_PREFIX", &opts.ip6_ula);
    put("GATEWAY", &opts.gateway);
    put("NETMASK", &opts.netmask);
    if let Some(ip6) = &opts.ip6 {
        let (addr, len) = ip6.split_once('/').ok_or_else(|| {
            CliError::usage(format!("bad --ip6 {ip6:?}: expected ADDRESS/PREFIX_LENGTH, for example 2001:db8::1/64"))
        })?;
        pairs.push(("IP6".into(), addr.to_string()));
        pairs.push(("PREFIX_LENGTH".into(), len.to_string()));
    }
    let mut t = Template::new();
    t.add_vector("AR", Vector::from_pairs(pairs));
    Ok(t.to_text())
}

/// `AR = [ AR_ID = n, ... ]` text for `updatear` from a file holding an AR vector or plain lines.
pub fn updatear_template(text: &str, ar_id: u32) -> Result<String> {
    let t = common::check_template(text).map_err(CliError::usage)?;
    let mut v = match t.vector("AR") {
        Some(v) => v.clone(),
        None => singles_as_vector(&t),
    };
    v.remove("AR_ID");
    let mut pairs = vec![("AR_ID".to_string(), ar_id.to_string())];
    pairs.extend(v.iter().map(|(k, x)| (k.to_string(), x.to_string())));
    let mut out = Template::new();
    out.add_vector("AR", Vector::from_pairs(pairs));
    Ok(out.to_text())
}

/// True for a MAC address in `:` notation (`02:00:0a:00:00:01`).
fn is_mac(addr: &str) -> bool {
    let parts: Vec<&str> = addr.split(':').collect();
    parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `LEASES = [ IP|MAC|IP6 = addr, AR_ID = n ]` for `hold` and `release`.
pub fn lease_template(address: &str, ar_id: Option<u32>) -> String {
    let key = if is_mac(address) {
        "MAC"
    } else if address.contains(':') {
        "IP6"
    } else {
        "IP"
    };
    let mut pairs = vec![(key.to_string(), address.to_string())];
    if let Some(a) = ar_id {
        pairs.push(("AR_ID".into(), a.to_string()));
    }
    let mut t = Template::new();
    t.add_vector("LEASES", Vector::from_pairs(pairs));
    t.to_text()
}

fn lease(one: &One, method: &str, vnet: &str, address: &str, ar_id: Option<u32>) -> Result<()> {
    let id = common::resolve_one(one, &VNET, vnet)?;
    one.run(method, vec![i(id), s(lease_template(address, ar_id))])
}

/// Where a reservation goes: a new network called `Name`, or an existing one.
#[derive(Debug, PartialEq)]
pub enum Target {
    Name(String),
    Network(i32),
}

/// A number, or the name of an existing network, is a reservation to add to; any other name
/// makes a new reservation network.
fn reservation_target(one: &One, target: &str) -> Result<Target> {
    if let Ok(n) = target.trim().parse::<i32>() {
        return Ok(Target::Network(n));
    }
    let pool = common::pool(one, &VNET)?;
    if pool.all("VNET").any(|v| v.text("NAME") == target) {
        return Ok(Target::Network(common::by_name(&pool, &VNET, target)?));
    }
    Ok(Target::Name(target.to_string()))
}

/// The template of `one.vn.reserve`.
pub fn reserve_template(target: &Target, size: u32, ar_id: Option<u32>, ip: Option<&str>, mac: Option<&str>) -> String {
    let mut t = Template::new();
    t.add("SIZE", size.to_string());
    match target {
        Target::Name(n) => t.add("NAME", n.clone()),
        Target::Network(id) => t.add("NETWORK_ID", id.to_string()),
    }
    if let Some(a) = ar_id {
        t.add("AR_ID", a.to_string());
    }
    if let Some(ip) = ip {
        t.add("IP", ip);
    }
    if let Some(mac) = mac {
        t.add("MAC", mac);
    }
    t.to_text()
}

// ------------------------------------------------------------------------------- columns

fn col_clusters(v: &Node) -> String {
    let ids = v.ids("CLUSTERS");
    if ids.is_empty() { "-".to_string() } else { ids.join(",") }
}
fn col_bridge(v: &Node) -> String {
    v.text("BRIDGE").to_string()
}
fn col_state(v: &Node) -> String {
    states::vnet_short(v.int("STATE")).to_string()
}
fn col_leases(v: &Node) -> String {
    v.text("USED_LEASES").to_string()
}
fn col_updated(v: &Node) -> String {
    v.ids("UPDATED_VMS").len().to_string()
}
fn col_outdated(v: &Node) -> String {
    v.ids("OUTDATED_VMS").len().to_string()
}
fn col_error(v: &Node) -> String {
    v.ids("ERROR_VMS").len().to_string()
}
fn col_vn_mad(v: &Node) -> String {
    v.text("VN_MAD").to_string()
}
/// Total addresses of all address ranges.
fn col_size(v: &Node) -> String {
    v.get("AR_POOL").map(|p| p.all("AR").map(|ar| ar.int("SIZE")).sum::<i64>()).unwrap_or(0).to_string()
}
/// The network a reservation was taken from.
fn parent_id(v: &Node) -> Option<i64> {
    let text = v.text("PARENT_NETWORK_ID").trim();
    text.parse::<i64>().ok().filter(|n| *n >= 0)
}
fn col_parent(v: &Node) -> String {
    parent_id(v).map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// `onevnet list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("USER", 15, col_user),
        Column::left("GROUP", 12, col_group),
        Column::left("NAME", 19, col_name),
        Column::left("CLUSTERS", 10, col_clusters),
        Column::left("BRIDGE", 8, col_bridge),
        Column::left("STATE", 6, col_state),
        Column::right("LEASES", 6, col_leases),
        Column::right("UPDATED", 4, col_updated),
        Column::right("OUTDATED", 4, col_outdated),
        Column::right("ERROR", 4, col_error),
        Column::left("VN_MAD", 8, col_vn_mad),
        Column::right("SIZE", 6, col_size),
        Column::right("PARENT", 6, col_parent),
    ],
    default: &["ID", "USER", "GROUP", "NAME", "CLUSTERS", "BRIDGE", "STATE", "LEASES", "OUTDATED", "ERROR"],
};

// ---------------------------------------------------------------------------------- show

/// OpenNebula's name of a lock level (`LOCK/LOCKED`).
pub fn lock_str(obj: &Node) -> &'static str {
    match obj.int("LOCK/LOCKED") {
        1 => "Use",
        2 => "Manage",
        3 => "Admin",
        4 => "All",
        _ => "None",
    }
}

/// `ip + n` for an IPv4 text address.
fn ip4_offset(ip: &str, n: i64) -> Option<String> {
    let ip: Ipv4Addr = ip.trim().parse().ok()?;
    let v = i64::from(u32::from(ip)).checked_add(n)?;
    Some(Ipv4Addr::from(u32::try_from(v).ok()?).to_string())
}

/// `mac + n` for a MAC address in `:` notation.
fn mac_offset(mac: &str, n: i64) -> Option<String> {
    if !is_mac(mac.trim()) {
        return None;
    }
    let v = i64::from_str_radix(&mac.trim().replace(':', ""), 16).ok()?;
    let end = v.checked_add(n).filter(|e| *e < 1 << 48)?;
    let hex = format!("{end:012x}");
    Some((0..6).map(|k| &hex[k * 2..k * 2 + 2]).collect::<Vec<_>>().join(":"))
}

/// The last address of a range: oned's `<KEY>_END`, or computed from the first and SIZE.
fn range_end(ar: &Node, key: &str) -> String {
    let end = ar.text(&format!("{key}_END"));
    if !end.is_empty() {
        return end.to_string();
    }
    let last = ar.int("SIZE") - 1;
    let start = ar.text(key);
    let computed = match key {
        "IP" => ip4_offset(start, last),
        "MAC" => mac_offset(start, last),
        _ => None,
    };
    computed.unwrap_or_else(|| "-".to_string())
}

fn ar_section(p: &mut Page, ar: &Node) {
    p.header(&format!("AR {}", ar.text("AR_ID")))
        .field("TYPE", ar.text("TYPE"))
        .field("SIZE", ar.text("SIZE"))
        .field("LEASES", ar.int("USED_LEASES").to_string());
    for key in ["VN_MAD", "IPAM_MAD", "GATEWAY", "NETMASK"] {
        if !ar.text(key).is_empty() {
            p.field(key, ar.text(key));
        }
    }
    let mut ranges = format!("\n{:<10} {:>34} {:>34}\n", "RANGE", "FIRST", "LAST");
    for key in ["MAC", "IP", "IP6_GLOBAL", "IP6_ULA", "IP6"] {
        if !ar.text(key).is_empty() {
            ranges.push_str(&format!("{key:<10} {:>34} {:>34}\n", ar.text(key), range_end(ar, key)));
        }
    }
    p.raw(&ranges);
}

fn lease_ar(l: &Node) -> String {
    l.text("AR_ID").to_string()
}
fn lease_owner(l: &Node) -> String {
    for (tag, letter) in [("VM", "V"), ("VNET", "N"), ("VROUTER", "R")] {
        if l.get(tag).is_some() {
            return format!("{letter}:{}", l.text(tag));
        }
    }
    "-".to_string()
}
fn lease_mac(l: &Node) -> String {
    l.text("MAC").to_string()
}
fn lease_ip(l: &Node) -> String {
    match l.text("IP") {
        "" => "-".to_string(),
        ip => ip.to_string(),
    }
}
fn lease_ip6(l: &Node) -> String {
    [l.text("IP6"), l.text("IP6_GLOBAL")].into_iter().find(|a| !a.is_empty()).unwrap_or("-").to_string()
}

/// The `LEASES` table of `onevnet show`.
const LEASES: TableSpec = TableSpec {
    columns: &[
        Column::left("AR", 3, lease_ar),
        Column::left("OWNER", 10, lease_owner),
        Column::left("MAC", 17, lease_mac),
        Column::left("IP", 15, lease_ip),
        Column::left("IP6", 39, lease_ip6),
    ],
    default: &["AR", "OWNER", "MAC", "IP", "IP6"],
};

/// Every lease of the network's address ranges, each with its `AR_ID`.
fn leases(vn: &Node) -> Vec<Node> {
    let Some(pool) = vn.get("AR_POOL") else {
        return Vec::new();
    };
    pool.all("AR")
        .flat_map(|ar| {
            let ar_id = ar.text("AR_ID").to_string();
            ar.get("LEASES").into_iter().flat_map(|l| l.all("LEASE")).map(move |l| {
                let mut l = l.clone();
                l.children.push(Node { name: "AR_ID".into(), text: ar_id.clone(), children: Vec::new() });
                l
            })
        })
        .collect()
}

/// The `onevnet show` page.
pub fn show_page(vn: &Node) -> String {
    let mut p = Page::new();
    p.header(&format!("VIRTUAL NETWORK {} INFORMATION", vn.text("ID")))
        .field("ID", vn.text("ID"))
        .field("NAME", vn.text("NAME"))
        .field("USER", vn.text("UNAME"))
        .field("GROUP", vn.text("GNAME"))
        .field("LOCK", lock_str(vn))
        .field("CLUSTERS", col_clusters(vn))
        .field("BRIDGE", vn.text("BRIDGE"))
        .field("VN_MAD", vn.text("VN_MAD"))
        .field("STATE", states::vnet_state(vn.int("STATE")));
    if !vn.text("PHYDEV").is_empty() {
        p.field("PHYSICAL DEVICE", vn.text("PHYDEV"));
    }
    if !vn.text("VLAN_ID").is_empty() {
        p.field("VLAN ID", vn.text("VLAN_ID"));
    }
    if let Some(parent) = parent_id(vn) {
        p.field("PARENT NETWORK", parent.to_string());
    }
    p.field("USED LEASES", vn.text("USED_LEASES"));
    p.permissions(vn);
    p.template("VIRTUAL NETWORK TEMPLATE", vn.get("TEMPLATE"));
    p.header("ADDRESS RANGE POOL");
    if let Some(pool) = vn.get("AR_POOL") {
        for ar in pool.all("AR") {
            ar_section(&mut p, ar);
        }
    }
    let all = leases(vn);
    if !all.is_empty() {
        p.header("LEASES");
        let refs: Vec<&Node> = all.iter().collect();
        p.raw(&LEASES.render_default(&refs));
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VNET_XML: &str = "<VNET><ID>3</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
        <NAME>private</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>\
        <GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M>\
        <OTHER_A>0</OTHER_A></PERMISSIONS><CLUSTERS><ID>0</ID><ID>100</ID></CLUSTERS><BRIDGE>br0</BRIDGE>\
        <BRIDGE_TYPE>linux</BRIDGE_TYPE><STATE>1</STATE><PREV_STATE>1</PREV_STATE><PARENT_NETWORK_ID>-1</PARENT_NETWORK_ID>\
        <TEMPLATE_ID>-1</TEMPLATE_ID><VN_MAD>dummy</VN_MAD><PHYDEV></PHYDEV><USED_LEASES>2</USED_LEASES>\
        <VROUTERS></VROUTERS><UPDATED_VMS></UPDATED_VMS><OUTDATED_VMS><ID>4</ID><ID>5</ID></OUTDATED_VMS>\
        <UPDATING_VMS></UPDATING_VMS><ERROR_VMS><ID>6</ID></ERROR_VMS>\
        <TEMPLATE><BRIDGE><![CDATA[br0]]></BRIDGE><VN_MAD><![CDATA[dummy]]></VN_MAD></TEMPLATE>\
        <AR_POOL><AR><AR_ID><![CDATA[0]]></AR_ID><IP><![CDATA[10.0.0.1]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC>\
        <SIZE><![CDATA[10]]></SIZE><TYPE><![CDATA[IP4]]></TYPE><MAC_END><![CDATA[02:00:0a:00:00:0a]]></MAC_END>\
        <IP_END><![CDATA[10.0.0.10]]></IP_END><USED_LEASES>2</USED_LEASES><LEASES>\
        <LEASE><IP><![CDATA[10.0.0.3]]></IP><MAC><![CDATA[02:00:0a:00:00:03]]></MAC><VM><![CDATA[-1]]></VM></LEASE>\
        <LEASE><IP><![CDATA[10.0.0.4]]></IP><MAC><![CDATA[02:00:0a:00:00:04]]></MAC><VNET><![CDATA[7]]></VNET></LEASE>\
        </LEASES></AR><AR><AR_ID><![CDATA[1]]></AR_ID><MAC><![CDATA[02:00:00:00:00:ff]]></MAC>\
        <SIZE><![CDATA[2]]></SIZE><TYPE><![CDATA[ETHER]]></TYPE></AR></AR_POOL></VNET>";

    fn vnet() -> Node {
        Node::parse(VNET_XML).expect("xml")
    }

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let out = TABLE.render(&[&vnet()], &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID USER            GROUP        NAME                CLUSTERS   BRIDGE   STATE  LEASES OUTD ERRO\n   \
             3 oneadmin        oneadmin     private             0,100      br0      rdy         2    2    1\n"
        );
    }

    #[test]
    fn extra_columns() {
        let args = ListArgs {
            csv: true,
            list: vec!["VN_MAD".into(), "SIZE".into(), "PARENT".into(), "UPDATED".into()],
            ..ListArgs::default()
        };
        let out = TABLE.render(&[&vnet()], &args).expect("renders");
        assert_eq!(out, "VN_MAD,SIZE,PARENT,UPDATED\ndummy,12,-,0\n");
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let page = show_page(&vnet());
        for needle in [
            "VIRTUAL NETWORK 3 INFORMATION\n",
            "NAME                  : private\n",
            "LOCK                  : None\n",
            "CLUSTERS              : 0,100\n",
            "STATE                 : READY\n",
            "USED LEASES           : 2\n",
            "\nPERMISSIONS\nOWNER                 : um-\n",
            "\nVIRTUAL NETWORK TEMPLATE\nBRIDGE=\"br0\"\n",
            "\nADDRESS RANGE POOL\n\nAR 0\nTYPE                  : IP4\nSIZE                  : 10\nLEASES                : 2\n",
            "MAC                         02:00:0a:00:00:01                  02:00:0a:00:00:0a\n",
            "IP                                   10.0.0.1                          10.0.0.10\n",
            // The pool form has no MAC_END: computed.
            "AR 1\nTYPE                  : ETHER\nSIZE                  : 2\nLEASES                : 0\n",
            "MAC                         02:00:00:00:00:ff                  02:00:00:00:01:00\n",
            "\nLEASES\nAR  OWNER      MAC               IP              IP6\n",
            "0   V:-1       02:00:0a:00:00:03 10.0.0.3        -\n",
            "0   N:7        02:00:0a:00:00:04 10.0.0.4        -\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
    }

    #[test]
    fn address_range_templates() {
        let ar = ArOptions { size: Some("10".into()), ip: Some("10.0.0.1".into()), ..ArOptions::default() };
        let t = Template::parse_text(&addar_template(None, &ar).expect("ok")).expect("parses");
        let v = t.vector("AR").expect("AR");
        assert_eq!((v.get("TYPE"), v.get("SIZE"), v.get("IP")), (Some("IP4"), Some("10"), Some("10.0.0.1")));
        let ar = ArOptions { size: Some("4".into()), ip6: Some("2001:db8::1/64".into()), ..ArOptions::default() };
        let t = Template::parse_text(&addar_template(None, &ar).expect("ok")).expect("parses");
        let v = t.vector("AR").expect("AR");
        assert_eq!(
            (v.get("TYPE"), v.get("IP6"), v.get("PREFIX_LENGTH")),
            (Some("IP6_STATIC"), Some("2001:db8::1"), Some("64"))
        );
        let e = addar_template(None, &ArOptions::default()).expect_err("no size");
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
        let bad = ArOptions { size: Some("4".into()), ip6: Some("2001:db8::1".into()), ..ArOptions::default() };
        assert!(addar_template(None, &bad).is_err());

        let up = updatear_template("AR = [ AR_ID = 9, GATEWAY = \"10.0.0.254\" ]", 1).expect("ok");
        let t = Template::parse_text(&up).expect("parses");
        let v = t.vector("AR").expect("AR");
        assert_eq!((v.get("AR_ID"), v.get("GATEWAY")), (Some("1"), Some("10.0.0.254")));
        let up = updatear_template("DNS = \"1.1.1.1\"\n", 0).expect("ok");
        let t = Template::parse_text(&up).expect("parses");
        assert_eq!(t.vector("AR").and_then(|v| v.get("DNS")), Some("1.1.1.1"));
    }

    #[test]
    fn lease_and_reservation_templates() {
        let t = Template::parse_text(&lease_template("10.0.0.3", Some(0))).expect("parses");
        let v = t.vector("LEASES").expect("LEASES");
        assert_eq!((v.get("IP"), v.get("AR_ID")), (Some("10.0.0.3"), Some("0")));
        let t = Template::parse_text(&lease_template("02:00:0A:00:00:03", None)).expect("parses");
        assert_eq!(t.vector("LEASES").and_then(|v| v.get("MAC")), Some("02:00:0A:00:00:03"));
        let t = Template::parse_text(&lease_template("2001:db8::5", None)).expect("parses");
        assert_eq!(t.vector("LEASES").and_then(|v| v.get("IP6")), Some("2001:db8::5"));

        let t = reserve_template(&Target::Name("r1".into()), 4, Some(0), Some("10.0.0.5"), None);
        let t = Template::parse_text(&t).expect("parses");
        assert_eq!(
            (t.get("SIZE"), t.get("NAME"), t.get("AR_ID"), t.get("IP"), t.get("NETWORK_ID")),
            (Some("4"), Some("r1"), Some("0"), Some("10.0.0.5"), None)
        );
        let t = Template::parse_text(&reserve_template(&Target::Network(5), 1, None, None, None)).expect("parses");
        assert_eq!((t.get("NETWORK_ID"), t.get("NAME")), (Some("5"), None));
    }

    #[test]
    fn address_arithmetic() {
        assert_eq!(ip4_offset("10.0.0.250", 10).as_deref(), Some("10.0.1.4"));
        assert_eq!(ip4_offset("255.255.255.255", 1), None);
        assert_eq!(mac_offset("02:00:0a:00:00:ff", 1).as_deref(), Some("02:00:0a:00:01:00"));
        assert_eq!(mac_offset("nope", 1), None);
    }
}
