//! One address range (AR) of a virtual network and its leases: validation of the `AR = [...]`
//! vector (`one.vn.allocate`, `one.vn.add_ar`), `one.vn.update_ar`, lease allocation (first
//! free, or by IP / MAC / IP6), hold and release (`one.vn.hold` / `one.vn.release`), freeing by
//! owner, reservations (`one.vn.reserve`), the address attributes a VM NIC receives, and the
//! `<AR>` XML of `one.vn.info` and `one.vnpool.info`.
//!
//! Pure logic, no I/O. Semantics follow OpenNebula 7.4 (`src/vnm/AddressRange.cc`,
//! `AddressRangeInternal.cc`, `VirtualNetwork.cc`, `include/AddressRange.h`); where we differ on
//! purpose the item says so.
//!
//! Leases are not part of the serde form: the store keeps them in their own table and loads
//! them back with [`AddressRange::restore_lease`].
//!
//! Allocation gives the **lowest free index** in O(log n): besides the lease map the range keeps
//! its allocated indices as maximal runs, so the first free index is the end of the run that
//! starts at 0 (or 0), whatever the history of allocations and frees.

use super::addr::{self, Mac};
use libone::template::{Vector, cdata};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// The kind of addresses an AR hands out (OpenNebula `AddressRange::AddressType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArType {
    /// MAC only.
    #[serde(rename = "ETHER")]
    Ether,
    /// MAC + IPv4.
    #[serde(rename = "IP4")]
    Ip4,
    /// MAC + SLAAC IPv6 (link-local, and ULA / global when the prefixes are set).
    #[serde(rename = "IP6")]
    Ip6,
    /// MAC + static (non-SLAAC) IPv6 from `IP6` / `PREFIX_LENGTH`.
    #[serde(rename = "IP6_STATIC")]
    Ip6Static,
    /// MAC + IPv4 + SLAAC IPv6.
    #[serde(rename = "IP4_6")]
    Ip4Ip6,
    /// MAC + IPv4 + static IPv6.
    #[serde(rename = "IP4_6_STATIC")]
    Ip4Ip6Static,
}

impl ArType {
    /// Reads a `TYPE` value, case-insensitively (OpenNebula upper-cases it in `str_to_type`).
    pub fn parse(s: &str) -> Option<ArType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "ETHER" => ArType::Ether,
            "IP4" => ArType::Ip4,
            "IP6" => ArType::Ip6,
            "IP6_STATIC" => ArType::Ip6Static,
            "IP4_6" => ArType::Ip4Ip6,
            "IP4_6_STATIC" => ArType::Ip4Ip6Static,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArType::Ether => "ETHER",
            ArType::Ip4 => "IP4",
            ArType::Ip6 => "IP6",
            ArType::Ip6Static => "IP6_STATIC",
            ArType::Ip4Ip6 => "IP4_6",
            ArType::Ip4Ip6Static => "IP4_6_STATIC",
        }
    }

    pub fn has_ipv4(self) -> bool {
        matches!(self, ArType::Ip4 | ArType::Ip4Ip6 | ArType::Ip4Ip6Static)
    }

    /// SLAAC IPv6 (`IP6_LINK`, `IP6_ULA`, `IP6_GLOBAL` from the MAC).
    pub fn has_ipv6_slaac(self) -> bool {
        matches!(self, ArType::Ip6 | ArType::Ip4Ip6)
    }

    /// Static IPv6 (`IP6` = start + index).
    pub fn has_ipv6_static(self) -> bool {
        matches!(self, ArType::Ip6Static | ArType::Ip4Ip6Static)
    }
}

impl fmt::Display for ArType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who holds a lease. OpenNebula packs this as `object type bits | (id as u32)` in the AR's
/// `ALLOCATED` attribute (see [`LeaseOwner::to_packed`]); a hold is a lease of "VM -1".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LeaseOwner {
    /// A VM NIC (`<VM>id</VM>`).
    Vm(i32),
    /// Put on hold by `one.vn.hold` (`<VM>-1</VM>`). `Vm(-1)` is read as `Hold` everywhere.
    Hold,
    /// Given to the reservation virtual network with this id by `one.vn.reserve`
    /// (`<VNET>id</VNET>`; OpenNebula object type NET).
    Reserved(i32),
    /// A virtual router (`<VROUTER>id</VROUTER>`).
    VRouter(i32),
}

const OT_VM: i64 = 0x0000_0010_0000_0000;
const OT_NET: i64 = 0x0000_0040_0000_0000;
const OT_VROUTER: i64 = 0x0004_0000_0000_0000;

impl LeaseOwner {
    /// `Vm(-1)` becomes `Hold`; everything else is unchanged.
    pub fn canonical(self) -> LeaseOwner {
        match self {
            LeaseOwner::Vm(-1) => LeaseOwner::Hold,
            o => o,
        }
    }

    /// OpenNebula's packed owner (`PoolObjectSQL::ObjectType | (id & 0xFFFFFFFF)`), as written
    /// in `ALLOCATED`.
    pub fn to_packed(self) -> i64 {
        let (ot, id) = match self.canonical() {
            LeaseOwner::Vm(id) => (OT_VM, id),
            LeaseOwner::Hold => (OT_VM, -1),
            LeaseOwner::Reserved(id) => (OT_NET, id),
            LeaseOwner::VRouter(id) => (OT_VROUTER, id),
        };
        ot | (id as u32 as i64)
    }

    /// The inverse of [`LeaseOwner::to_packed`]; `None` for another object type.
    pub fn from_packed(v: i64) -> Option<LeaseOwner> {
        let id = v as u32 as i32;
        let o = match v & !0xffff_ffff {
            OT_VM => LeaseOwner::Vm(id),
            OT_NET => LeaseOwner::Reserved(id),
            OT_VROUTER => LeaseOwner::VRouter(id),
            _ => return None,
        };
        Some(o.canonical())
    }

    /// The `<LEASE>` child naming the owner and its id: `("VM", 3)`, `("VM", -1)`,
    /// `("VNET", 5)`, `("VROUTER", 2)`.
    pub fn xml_tag(self) -> (&'static str, i32) {
        match self.canonical() {
            LeaseOwner::Vm(id) => ("VM", id),
            LeaseOwner::Hold => ("VM", -1),
            LeaseOwner::Reserved(id) => ("VNET", id),
            LeaseOwner::VRouter(id) => ("VROUTER", id),
        }
    }
}

impl fmt::Display for LeaseOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.canonical() {
            LeaseOwner::Vm(id) => write!(f, "VM {id}"),
            LeaseOwner::Hold => f.write_str("hold"),
            LeaseOwner::Reserved(id) => write!(f, "reservation {id}"),
            LeaseOwner::VRouter(id) => write!(f, "virtual router {id}"),
        }
    }
}

/// Everything that can go wrong with an address range. The messages of the validation errors
/// are OpenNebula's own where OpenNebula has one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArError {
    #[error("Unknown or missing address range TYPE.")]
    MissingType,
    #[error("Shared address ranges (SHARED = YES) are not supported.")]
    SharedUnsupported,
    #[error("External IPAM driver IPAM_MAD = \"{0}\" is not supported; leave IPAM_MAD unset or use \"internal\".")]
    ExternalIpam(String),
    #[error("Wrong or empty IP attribute")]
    BadIp,
    #[error("Wrong format for IP6 global address prefix")]
    BadGlobalPrefix,
    #[error("Wrong format for IP6 unique local address prefix")]
    BadUlaPrefix,
    #[error("Wrong or empty IP6 attribute")]
    BadIp6,
    #[error("Wrong or empty PREFIX_LENGTH")]
    BadPrefixLength,
    #[error("Wrong format for MAC attribute: {0}")]
    BadMac(String),
    #[error("Wrong SIZE for address range")]
    BadSize,
    #[error("Address range does not fit: IP {ip} with SIZE {size} goes past 255.255.255.255")]
    Ip4Overflow { ip: Ipv4Addr, size: u32 },
    #[error("Address range does not fit: IP6 {ip6} with SIZE {size} goes past the end of the IPv6 space")]
    Ip6Overflow { ip6: Ipv6Addr, size: u32 },
    #[error("Attribute {0} of an address range cannot be updated")]
    Immutable(&'static str),
    #[error("Unable to read the SIZE attribute, it must be a number > 0")]
    BadUpdateSize,
    #[error("The SIZE of a reservation cannot be changed.")]
    ReservationSize,
    #[error("New SIZE cannot be applied. There are used leases that would fall outside the range.")]
    ShrinkInUse,
    #[error("Address {addr} is not part of address range {ar_id}")]
    NotInRange { addr: String, ar_id: u32 },
    #[error("Address {addr} in address range {ar_id} is already in use")]
    InUse { addr: String, ar_id: u32 },
    #[error("Address {addr} in address range {ar_id} is not {}", owned_phrase(*.expected))]
    NotOwned { addr: String, ar_id: u32, expected: LeaseOwner, actual: Option<LeaseOwner> },
    #[error("Lease index {index} is outside address range {ar_id} (SIZE {size})")]
    IndexOutOfRange { index: u32, ar_id: u32, size: u32 },
    #[error("Lease index {index} of address range {ar_id} is already leased")]
    AlreadyLeased { index: u32, ar_id: u32 },
    #[error("Reservation SIZE must be a greater than 0")]
    BadReservationSize,
    #[error("Not enough free addresses in address range {ar_id}")]
    NoSpace { ar_id: u32 },
}

/// "on hold", "leased to VM 3", … for [`ArError::NotOwned`].
fn owned_phrase(owner: LeaseOwner) -> String {
    match owner.canonical() {
        LeaseOwner::Hold => "on hold".to_string(),
        o => format!("leased to {o}"),
    }
}

/// A block of forwarded ports that goes with a lease when the AR has `PORT_START` and
/// `PORT_SIZE` (OpenNebula 7 `AddressRange::set_port_ranges`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    /// First external port: `PORT_START + index * PORT_SIZE + 1`.
    pub first: u64,
    pub size: u32,
}

impl PortRange {
    /// `EXTERNAL_PORT_RANGE`: `first:last`.
    pub fn external(&self) -> String {
        format!("{}:{}", self.first, self.first + self.size as u64 - 1)
    }

    /// `INTERNAL_PORT_RANGE`: `1-size/first`.
    pub fn internal(&self) -> String {
        format!("1-{}/{}", self.size, self.first)
    }
}

/// The addresses of one lease: what a VM NIC receives, and what a `<LEASE>` element shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub ar_id: u32,
    /// Index of the address in its range (0 ≤ index < SIZE).
    pub index: u32,
    pub mac: Mac,
    pub ip: Option<Ipv4Addr>,
    pub ip6_link: Option<Ipv6Addr>,
    pub ip6_ula: Option<Ipv6Addr>,
    pub ip6_global: Option<Ipv6Addr>,
    /// The static IPv6 of IP6_STATIC / IP4_6_STATIC ranges.
    pub ip6: Option<Ipv6Addr>,
    pub ports: Option<PortRange>,
}

impl Lease {
    /// Writes the lease's attributes into a NIC: `MAC`, `IP`, `IP6_LINK`, `IP6_ULA`,
    /// `IP6_GLOBAL`, `IP6`, `EXTERNAL_PORT_RANGE`, `INTERNAL_PORT_RANGE` (those that exist) and
    /// `AR_ID`, replacing values already there.
    pub fn write_nic(&self, nic: &mut Vector) {
        nic.set("MAC", self.mac.to_string());
        if let Some(p) = self.ports {
            nic.set("EXTERNAL_PORT_RANGE", p.external());
            nic.set("INTERNAL_PORT_RANGE", p.internal());
        }
        let ips: [(&str, Option<String>); 5] = [
            ("IP", self.ip.map(|a| a.to_string())),
            ("IP6_LINK", self.ip6_link.map(|a| a.to_string())),
            ("IP6_ULA", self.ip6_ula.map(|a| a.to_string())),
            ("IP6_GLOBAL", self.ip6_global.map(|a| a.to_string())),
            ("IP6", self.ip6.map(|a| a.to_string())),
        ];
        for (k, v) in ips {
            if let Some(v) = v {
                nic.set(k, v);
            }
        }
        nic.set("AR_ID", self.ar_id.to_string());
    }

    /// Appends `<LEASE>…</LEASE>` as oned does: children in name order, values in CDATA.
    pub fn write_xml(&self, owner: LeaseOwner, out: &mut String) {
        out.push_str("<LEASE>");
        if let Some(p) = self.ports {
            elem(out, "EXTERNAL_PORT_RANGE", &p.external());
            elem(out, "INTERNAL_PORT_RANGE", &p.internal());
        }
        let opt = |out: &mut String, name: &str, v: Option<String>| {
            if let Some(v) = v {
                elem(out, name, &v);
            }
        };
        opt(out, "IP", self.ip.map(|a| a.to_string()));
        opt(out, "IP6", self.ip6.map(|a| a.to_string()));
        opt(out, "IP6_GLOBAL", self.ip6_global.map(|a| a.to_string()));
        opt(out, "IP6_LINK", self.ip6_link.map(|a| a.to_string()));
        opt(out, "IP6_ULA", self.ip6_ula.map(|a| a.to_string()));
        elem(out, "MAC", &self.mac.to_string());
        let (tag, id) = owner.xml_tag();
        elem(out, tag, &id.to_string());
        out.push_str("</LEASE>");
    }
}

/// `<name><![CDATA[value]]></name>`, oned's form for template and AR attribute values
/// (`one_util::escape_xml` wraps in CDATA).
fn elem(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    cdata(value, out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

// ---------------------------------------------------------------------------------------------
// Lease bookkeeping
// ---------------------------------------------------------------------------------------------

/// The leases of a range, indexed three ways: by index (the owner), by owner (for freeing all
/// leases of a VM or reservation), and as maximal runs of allocated indices (for the lowest free
/// index and free blocks). All operations are O(log n) except those that return many indices.
#[derive(Clone, Debug, Default)]
struct Leases {
    owners: BTreeMap<u32, LeaseOwner>,
    by_owner: BTreeSet<(LeaseOwner, u32)>,
    /// start → end (inclusive) of each maximal run of allocated indices.
    runs: BTreeMap<u32, u32>,
}

impl PartialEq for Leases {
    fn eq(&self, other: &Self) -> bool {
        self.owners == other.owners
    }
}

impl Eq for Leases {}

impl Leases {
    fn len(&self) -> usize {
        self.owners.len()
    }

    fn get(&self, i: u32) -> Option<LeaseOwner> {
        self.owners.get(&i).copied()
    }

    /// Records a lease; false (and no change) if the index is taken.
    fn insert(&mut self, i: u32, owner: LeaseOwner) -> bool {
        if self.owners.contains_key(&i) {
            return false;
        }
        self.owners.insert(i, owner);
        self.by_owner.insert((owner, i));
        // Join the run ending at i - 1 and the run starting at i + 1, if any.
        let end = i.checked_add(1).and_then(|n| self.runs.remove(&n)).unwrap_or(i);
        match self.runs.range_mut(..i).next_back() {
            Some((_, e)) if *e as u64 + 1 == i as u64 => *e = end,
            _ => {
                self.runs.insert(i, end);
            }
        }
        true
    }

    fn remove(&mut self, i: u32) -> Option<LeaseOwner> {
        let owner = self.owners.remove(&i)?;
        self.by_owner.remove(&(owner, i));
        // Split the run holding i into [s, i - 1] and [i + 1, e].
        let (start, end) = match self.runs.range_mut(..=i).next_back() {
            Some((&s, e)) => {
                let end = *e;
                debug_assert!(end >= i);
                if s < i {
                    *e = i - 1;
                }
                (s, end)
            }
            None => return Some(owner),
        };
        if start == i {
            self.runs.remove(&start);
        }
        if i < end {
            self.runs.insert(i + 1, end);
        }
        Some(owner)
    }

    /// The lowest index below `size` with no lease.
    fn lowest_free(&self, size: u32) -> Option<u32> {
        let candidate = match self.runs.first_key_value() {
            Some((&0, &end)) => end.checked_add(1)?,
            _ => 0,
        };
        (candidate < size).then_some(candidate)
    }

    /// The lowest start of `count` consecutive free indices below `size`.
    fn free_block(&self, count: u32, size: u32) -> Option<u32> {
        if count == 0 {
            return None;
        }
        let mut cursor: u64 = 0;
        for (&s, &e) in &self.runs {
            if s as u64 >= cursor + count as u64 {
                break;
            }
            cursor = e as u64 + 1;
        }
        (cursor + count as u64 <= size as u64).then_some(cursor as u32)
    }

    /// True when no index in `first .. first + count` is leased.
    fn all_free(&self, first: u32, count: u32) -> bool {
        let end = first as u64 + count as u64;
        match self.owners.range(first..).next() {
            Some((&i, _)) => i as u64 >= end,
            None => true,
        }
    }

    fn indices_of(&self, owner: LeaseOwner) -> Vec<u32> {
        self.by_owner.range((owner, 0)..=(owner, u32::MAX)).map(|&(_, i)| i).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The address range
// ---------------------------------------------------------------------------------------------

/// Names oned owns in an AR vector: never kept among the user attributes (they are either held
/// in typed fields or computed for XML). `PREFIX_LENGTH` is also owned by static-IPv6 ranges.
const OWNED_NAMES: &[&str] = &[
    "AR_ID",
    "TYPE",
    "SIZE",
    "MAC",
    "IP",
    "IP6",
    "GLOBAL_PREFIX",
    "ULA_PREFIX",
    "SHARED",
    "NEXT_INDEX",
    "ALLOCATED",
    "USED_LEASES",
    "LEASES",
    "PARENT_NETWORK_AR_ID",
    "PARENT_NETWORK",
    "MAC_END",
    "IP_END",
    "IP6_END",
    "IP6_ULA",
    "IP6_ULA_END",
    "IP6_GLOBAL",
    "IP6_GLOBAL_END",
];

/// True for the sub-keys oned owns in an AR of this type (see [`OWNED_NAMES`]).
fn is_owned(kind: ArType, key: &str) -> bool {
    OWNED_NAMES.contains(&key) || (kind.has_ipv6_static() && key == "PREFIX_LENGTH")
}

/// One address range of a virtual network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRange {
    ar_id: u32,
    kind: ArType,
    /// First MAC.
    mac: Mac,
    /// First IPv4 (IPv4 types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip: Option<Ipv4Addr>,
    /// `ULA_PREFIX` as the network address of its /64 (SLAAC types; `None` when unset or `::`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ula_prefix: Option<Ipv6Addr>,
    /// `GLOBAL_PREFIX`, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    global_prefix: Option<Ipv6Addr>,
    /// First static IPv6 (static types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip6: Option<Ipv6Addr>,
    /// `PREFIX_LENGTH` of static types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_length: Option<u8>,
    size: u32,
    /// `PARENT_NETWORK_AR_ID`: set on the ARs of a reservation network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_ar_id: Option<u32>,
    /// The other attributes of the AR vector, as given (`GATEWAY`, `DNS`, `VN_MAD`, `BRIDGE`,
    /// `SECURITY_GROUPS`, `PORT_START`, …).
    attrs: Vector,
    #[serde(skip)]
    leases: Leases,
}

/// A non-empty value of a sub-key (OpenNebula's `vector_value` treats empty as missing).
fn value<'a>(v: &'a Vector, key: &str) -> Option<&'a str> {
    v.get(key).filter(|s| !s.is_empty())
}

/// `SIZE` as OpenNebula reads an unsigned number (surrounding blanks allowed, no sign), limited
/// to 1 ..= u32::MAX.
fn parse_size(s: &str) -> Option<u32> {
    let t = s.trim();
    if t.starts_with('-') || t.starts_with('+') {
        return None;
    }
    t.parse::<u32>().ok().filter(|&n| n > 0)
}

fn parse_prefix_length(s: &str) -> Option<u8> {
    s.trim().parse::<u8>().ok().filter(|&n| n <= 128)
}

fn is_yes(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case("YES")
}

/// The prefix as stored: the network address of its /64, `None` for `::`.
fn prefix_from(s: Option<&str>, err: ArError) -> Result<Option<Ipv6Addr>, ArError> {
    match s {
        None => Ok(None),
        Some(s) => {
            let p = addr::parse_prefix64(s).map_err(|_| err)?;
            Ok((p != 0).then(|| addr::prefix64_addr(p)))
        }
    }
}

/// A random u32 from the standard library's per-process random hashing keys (fine for MAC
/// randomisation; not for secrets).
fn std_random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish() as u32
}

impl AddressRange {
    /// Builds and validates an AR from its vector (`one.vn.add_ar`, the `AR` of
    /// `one.vn.allocate`). `mac_prefix` is oned.conf's `MAC_PREFIX`; a range without `MAC` and
    /// without IPv4 gets random low MAC bits from the standard library's random keys — use
    /// [`AddressRange::from_vector_with`] to choose the source.
    pub fn from_vector(ar_id: u32, v: &Vector, mac_prefix: u16) -> Result<AddressRange, ArError> {
        Self::from_vector_with(ar_id, v, mac_prefix, &mut std_random_u32)
    }

    /// [`AddressRange::from_vector`] with the random source for MAC low bits given.
    ///
    /// Checks, in OpenNebula's order (`AddressRange::from_attr`): `TYPE`; `SHARED` and
    /// `IPAM_MAD` (unsupported here); `IP` for IPv4 types; `GLOBAL_PREFIX` / `ULA_PREFIX` for
    /// SLAAC types; `IP6` and `PREFIX_LENGTH` for static types (a missing `SIZE` is then the rest
    /// of the prefix, at most 2^32 − 1); `MAC`; `SIZE` (1 ..= 2^32 − 1); that the IPv4 / IPv6
    /// range does not run past the end of its address space. Address sub-keys that the type
    /// does not use are dropped, as OpenNebula does; the remaining sub-keys are kept as given.
    pub fn from_vector_with(
        ar_id: u32,
        v: &Vector,
        mac_prefix: u16,
        random_u32: &mut dyn FnMut() -> u32,
    ) -> Result<AddressRange, ArError> {
        let kind = value(v, "TYPE").and_then(ArType::parse).ok_or(ArError::MissingType)?;
        if value(v, "SHARED").is_some_and(is_yes) {
            return Err(ArError::SharedUnsupported);
        }
        if let Some(m) = value(v, "IPAM_MAD").filter(|m| *m != "internal") {
            return Err(ArError::ExternalIpam(m.to_string()));
        }

        let ip = if kind.has_ipv4() {
            let s = value(v, "IP").ok_or(ArError::BadIp)?;
            Some(addr::parse_ipv4(s).map_err(|_| ArError::BadIp)?)
        } else {
            None
        };

        let (global_prefix, ula_prefix) = if kind.has_ipv6_slaac() {
            (
                prefix_from(value(v, "GLOBAL_PREFIX"), ArError::BadGlobalPrefix)?,
                prefix_from(value(v, "ULA_PREFIX"), ArError::BadUlaPrefix)?,
            )
        } else {
            (None, None)
        };

        let mut auto_size = None;
        let (ip6, prefix_length) = if kind.has_ipv6_static() {
            let s = value(v, "IP6").ok_or(ArError::BadIp6)?;
            let ip6 = addr::parse_ipv6(s).map_err(|_| ArError::BadIp6)?;
            let pl = value(v, "PREFIX_LENGTH").and_then(parse_prefix_length).ok_or(ArError::BadPrefixLength)?;
            if value(v, "SIZE").is_none() {
                let n = addr::ipv6_static_auto_size(ip6, pl);
                auto_size = Some(u32::try_from(n).unwrap_or(u32::MAX));
            }
            (Some(ip6), Some(pl))
        } else {
            (None, None)
        };

        let mac = match value(v, "MAC") {
            Some(s) => Mac::parse(s).map_err(|_| ArError::BadMac(s.to_string()))?,
            None => Mac::from_parts(mac_prefix, ip.map(u32::from).unwrap_or_else(random_u32)),
        };

        let size = match auto_size {
            Some(n) => Some(n).filter(|&n| n > 0),
            None => value(v, "SIZE").and_then(parse_size),
        }
        .ok_or(ArError::BadSize)?;

        check_fits(ip, ip6, size)?;

        let attrs = Vector::from_pairs(v.iter().filter(|(k, _)| !is_owned(kind, k)));

        Ok(AddressRange {
            ar_id,
            kind,
            mac,
            ip,
            ula_prefix,
            global_prefix,
            ip6,
            prefix_length,
            size,
            parent_ar_id: None,
            attrs,
            leases: Leases::default(),
        })
    }

    /// Applies `one.vn.update_ar`. As in OpenNebula (`AddressRange::update_attributes`) the
    /// vector **replaces** the user attributes (a sub-key left out is removed), and:
    /// - `SIZE` may grow, or shrink if no lease lies at or above the new size; missing keeps it;
    ///   a reservation's size cannot change;
    /// - `GLOBAL_PREFIX` / `ULA_PREFIX` (SLAAC types) are re-read, missing clears them;
    /// - `PREFIX_LENGTH` (static types) is re-read, missing keeps it;
    /// - `TYPE`, `MAC`, `IP`, `IP6`: OpenNebula silently keeps the old values; we accept the
    ///   same value (so a shown AR can be sent back) and refuse a different one;
    /// - `IPAM_MAD` and `PARENT_NETWORK_AR_ID` keep their old values; computed and internal
    ///   sub-keys (`AR_ID`, `USED_LEASES`, `MAC_END`, …) are ignored.
    ///
    /// Nothing changes when an error is returned.
    pub fn update(&mut self, v: &Vector) -> Result<(), ArError> {
        if let Some(t) = value(v, "TYPE")
            && ArType::parse(t) != Some(self.kind)
        {
            return Err(ArError::Immutable("TYPE"));
        }
        if let Some(m) = value(v, "MAC")
            && Mac::parse(m).ok() != Some(self.mac)
        {
            return Err(ArError::Immutable("MAC"));
        }
        if self.kind.has_ipv4()
            && let Some(s) = value(v, "IP")
            && addr::parse_ipv4(s).ok() != self.ip
        {
            return Err(ArError::Immutable("IP"));
        }
        if self.kind.has_ipv6_static()
            && let Some(s) = value(v, "IP6")
            && addr::parse_ipv6(s).ok() != self.ip6
        {
            return Err(ArError::Immutable("IP6"));
        }
        if value(v, "SHARED").is_some_and(is_yes) {
            return Err(ArError::SharedUnsupported);
        }
        if let Some(m) = value(v, "IPAM_MAD").filter(|m| *m != "internal") {
            return Err(ArError::ExternalIpam(m.to_string()));
        }

        let prefix_length = if self.kind.has_ipv6_static() {
            match value(v, "PREFIX_LENGTH") {
                Some(s) => Some(parse_prefix_length(s).ok_or(ArError::BadPrefixLength)?),
                None => self.prefix_length,
            }
        } else {
            None
        };

        let (global_prefix, ula_prefix) = if self.kind.has_ipv6_slaac() {
            (
                prefix_from(value(v, "GLOBAL_PREFIX"), ArError::BadGlobalPrefix)?,
                prefix_from(value(v, "ULA_PREFIX"), ArError::BadUlaPrefix)?,
            )
        } else {
            (None, None)
        };

        let size = match value(v, "SIZE") {
            None => self.size,
            Some(s) => {
                let n = parse_size(s).ok_or(ArError::BadUpdateSize)?;
                if self.is_reservation() && n != self.size {
                    return Err(ArError::ReservationSize);
                }
                if self.leases.owners.range(n..).next().is_some() {
                    return Err(ArError::ShrinkInUse);
                }
                check_fits(self.ip, self.ip6, n)?;
                n
            }
        };

        let kind = self.kind;
        let mut attrs = Vector::from_pairs(v.iter().filter(|(k, _)| !is_owned(kind, k) && *k != "IPAM_MAD"));
        if let Some(m) = self.attrs.get("IPAM_MAD") {
            attrs.set("IPAM_MAD", m);
        }

        self.prefix_length = prefix_length;
        self.global_prefix = global_prefix;
        self.ula_prefix = ula_prefix;
        self.size = size;
        self.attrs = attrs;
        Ok(())
    }

    /// The AR a reservation of `size` addresses starting at `first` gets in the reservation
    /// network (OpenNebula `reserve_addr_by_index`): the same type and attributes with the
    /// start addresses moved to `first`, `SIZE = size`, `PARENT_NETWORK_AR_ID` = this AR's id,
    /// no `IPAM_MAD`, and (unlike OpenNebula, which leaves it) `PORT_START` moved so the child's
    /// leases keep the parent's port blocks. No lease is recorded here: see
    /// [`AddressRange::reserve`].
    pub fn reservation_child(&self, child_ar_id: u32, first: u32, size: u32) -> Result<AddressRange, ArError> {
        if size == 0 {
            return Err(ArError::BadReservationSize);
        }
        if first as u64 + size as u64 > self.size as u64 {
            return Err(ArError::IndexOutOfRange {
                index: first.saturating_add(size - 1),
                ar_id: self.ar_id,
                size: self.size,
            });
        }
        let mut attrs = self.attrs.clone();
        attrs.remove("IPAM_MAD");
        if let Some(p) = self.port_range(first) {
            attrs.set("PORT_START", (p.first - 1).to_string());
        }
        Ok(AddressRange {
            ar_id: child_ar_id,
            kind: self.kind,
            mac: self.mac.offset(first),
            ip: self.ip.and_then(|ip| addr::ipv4_add(ip, first)),
            ula_prefix: self.ula_prefix,
            global_prefix: self.global_prefix,
            ip6: self.ip6.and_then(|ip6| addr::ipv6_add(ip6, first as u128)),
            prefix_length: self.prefix_length,
            size,
            parent_ar_id: Some(self.ar_id),
            attrs,
            leases: Leases::default(),
        })
    }

    /// `one.vn.reserve` on this AR: leases `size` consecutive addresses to
    /// `LeaseOwner::Reserved(vnet_id)` — starting at `first` if given (all must be free), else
    /// at the lowest free block — and returns the reservation's AR (see
    /// [`AddressRange::reservation_child`]) with id `child_ar_id`.
    pub fn reserve(
        &mut self,
        vnet_id: i32,
        size: u32,
        first: Option<u32>,
        child_ar_id: u32,
    ) -> Result<AddressRange, ArError> {
        if size == 0 {
            return Err(ArError::BadReservationSize);
        }
        let first = match first {
            Some(f) => {
                if f as u64 + size as u64 > self.size as u64 {
                    return Err(ArError::NoSpace { ar_id: self.ar_id });
                }
                if !self.leases.all_free(f, size) {
                    let taken = self.leases.owners.range(f..).next().map(|(&i, _)| i).unwrap_or(f);
                    return Err(ArError::InUse { addr: self.describe(taken), ar_id: self.ar_id });
                }
                f
            }
            None => self.find_free_block(size).ok_or(ArError::NoSpace { ar_id: self.ar_id })?,
        };
        let child = self.reservation_child(child_ar_id, first, size)?;
        let owner = LeaseOwner::Reserved(vnet_id);
        for i in first..first + size {
            self.leases.insert(i, owner);
        }
        Ok(child)
    }

    // ----------------------------------------------------------------------------- accessors

    pub fn ar_id(&self) -> u32 {
        self.ar_id
    }

    pub fn kind(&self) -> ArType {
        self.kind
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// The first MAC.
    pub fn mac_start(&self) -> Mac {
        self.mac
    }

    /// The first IPv4 (IPv4 types).
    pub fn ip_start(&self) -> Option<Ipv4Addr> {
        self.ip
    }

    /// The first static IPv6 (static types).
    pub fn ip6_start(&self) -> Option<Ipv6Addr> {
        self.ip6
    }

    pub fn prefix_length(&self) -> Option<u8> {
        self.prefix_length
    }

    /// `GLOBAL_PREFIX` as the network address of its /64.
    pub fn global_prefix(&self) -> Option<Ipv6Addr> {
        self.global_prefix
    }

    /// `ULA_PREFIX` as the network address of its /64.
    pub fn ula_prefix(&self) -> Option<Ipv6Addr> {
        self.ula_prefix
    }

    /// `PARENT_NETWORK_AR_ID` of a reservation's AR.
    pub fn parent_ar_id(&self) -> Option<u32> {
        self.parent_ar_id
    }

    pub fn is_reservation(&self) -> bool {
        self.parent_ar_id.is_some()
    }

    /// The user attributes (everything but the sub-keys oned owns).
    pub fn attrs(&self) -> &Vector {
        &self.attrs
    }

    /// Changes the AR id (the pool assigns ids).
    pub fn set_ar_id(&mut self, ar_id: u32) {
        self.ar_id = ar_id;
    }

    /// Marks this AR as the child of AR `parent` (a reservation loaded from elsewhere).
    pub fn set_parent_ar_id(&mut self, parent: Option<u32>) {
        self.parent_ar_id = parent;
    }

    /// Number of leased addresses (`USED_LEASES`).
    pub fn used(&self) -> u32 {
        self.leases.len() as u32
    }

    pub fn free_count(&self) -> u32 {
        self.size - self.used().min(self.size)
    }

    /// The owner of the lease at `index`, if leased.
    pub fn owner(&self, index: u32) -> Option<LeaseOwner> {
        self.leases.get(index)
    }

    /// All leases in index order.
    pub fn leases(&self) -> impl Iterator<Item = (u32, LeaseOwner)> + '_ {
        self.leases.owners.iter().map(|(&i, &o)| (i, o))
    }

    /// The indices leased to `owner`, ascending.
    pub fn indices_of(&self, owner: LeaseOwner) -> Vec<u32> {
        self.leases.indices_of(owner.canonical())
    }

    /// The index the next [`AddressRange::allocate`] will use (`NEXT_INDEX`); 0 when full.
    pub fn next_index(&self) -> u32 {
        self.leases.lowest_free(self.size).unwrap_or(0)
    }

    /// The lowest start of `count` consecutive free addresses (for `one.vn.reserve`).
    pub fn find_free_block(&self, count: u32) -> Option<u32> {
        self.leases.free_block(count, self.size)
    }

    // ------------------------------------------------------------------------------ lookups

    /// The index of an IPv4 address in this range (IPv4 types only).
    pub fn index_of_ip(&self, ip: Ipv4Addr) -> Option<u32> {
        if !self.kind.has_ipv4() {
            return None;
        }
        addr::ipv4_index(self.ip?, ip).filter(|&i| i < self.size)
    }

    /// The index of a MAC in this range (same 16-bit prefix, low bits within SIZE).
    pub fn index_of_mac(&self, mac: Mac) -> Option<u32> {
        mac.index_from(self.mac).filter(|&i| i < self.size)
    }

    /// The index of a static IPv6 in this range (static types only; as OpenNebula, SLAAC
    /// addresses are not looked up).
    pub fn index_of_ip6(&self, ip6: Ipv6Addr) -> Option<u32> {
        if !self.kind.has_ipv6_static() {
            return None;
        }
        addr::ipv6_index(self.ip6?, ip6).filter(|&i| i < self.size as u128).map(|i| i as u32)
    }

    /// The addresses of index `index`; `None` when `index >= SIZE`.
    pub fn lease(&self, index: u32) -> Option<Lease> {
        if index >= self.size {
            return None;
        }
        let mac = self.mac.offset(index);
        let slaac = self.kind.has_ipv6_slaac();
        let in_prefix = |p: Option<Ipv6Addr>| p.filter(|_| slaac).map(|p| addr::ipv6_slaac(addr::prefix64_of(p), mac));
        Some(Lease {
            ar_id: self.ar_id,
            index,
            mac,
            ip: self.ip.filter(|_| self.kind.has_ipv4()).and_then(|ip| addr::ipv4_add(ip, index)),
            ip6_link: slaac.then(|| addr::ipv6_link_local(mac)),
            ip6_ula: in_prefix(self.ula_prefix),
            ip6_global: in_prefix(self.global_prefix),
            ip6: self.ip6.filter(|_| self.kind.has_ipv6_static()).and_then(|ip6| addr::ipv6_add(ip6, index as u128)),
            ports: self.port_range(index),
        })
    }

    /// The port block of index `index` when `PORT_START` and `PORT_SIZE` are positive numbers.
    fn port_range(&self, index: u32) -> Option<PortRange> {
        let start: u64 = self.attrs.get("PORT_START")?.trim().parse().ok().filter(|&n| n > 0)?;
        let size: u32 = self.attrs.get("PORT_SIZE")?.trim().parse().ok().filter(|&n| n > 0)?;
        Some(PortRange { first: start + index as u64 * size as u64 + 1, size })
    }

    /// The address used to name `index` in messages: IP, else static IP6, else MAC.
    fn describe(&self, index: u32) -> String {
        match self.lease(index) {
            Some(l) => match (l.ip, l.ip6) {
                (Some(ip), _) => ip.to_string(),
                (None, Some(ip6)) => ip6.to_string(),
                _ => l.mac.to_string(),
            },
            None => format!("#{index}"),
        }
    }

    /// Writes the AR's NIC overrides (OpenNebula `AddressRange::set_vnet`): `VN_MAD`, `BRIDGE`,
    /// `PHYDEV`, `VLAN_ID` when the AR sets them (replacing the network's), then each name of
    /// `inherit` (oned.conf `INHERIT_VNET_ATTR`) that the AR sets and the NIC does not.
    pub fn write_nic_overrides(&self, nic: &mut Vector, inherit: &[&str]) {
        for k in ["VN_MAD", "BRIDGE", "PHYDEV", "VLAN_ID"] {
            if let Some(v) = value(&self.attrs, k) {
                nic.set(k, v);
            }
        }
        for &k in inherit {
            if let Some(v) = value(&self.attrs, k)
                && value(nic, k).is_none()
            {
                nic.set(k, v);
            }
        }
    }

    // --------------------------------------------------------------------------- allocation

    /// Leases the lowest free address to `owner`; `None` when the range is full.
    pub fn allocate(&mut self, owner: LeaseOwner) -> Option<Lease> {
        let index = self.leases.lowest_free(self.size)?;
        self.leases.insert(index, owner.canonical());
        self.lease(index)
    }

    /// Leases the address at `index` to `owner`.
    pub fn allocate_index(&mut self, index: u32, owner: LeaseOwner) -> Result<Lease, ArError> {
        if index >= self.size {
            return Err(ArError::IndexOutOfRange { index, ar_id: self.ar_id, size: self.size });
        }
        if !self.leases.insert(index, owner.canonical()) {
            return Err(ArError::InUse { addr: self.describe(index), ar_id: self.ar_id });
        }
        self.lease(index).ok_or(ArError::IndexOutOfRange { index, ar_id: self.ar_id, size: self.size })
    }

    fn allocate_found(&mut self, index: Option<u32>, text: String, owner: LeaseOwner) -> Result<Lease, ArError> {
        let index = index.ok_or_else(|| ArError::NotInRange { addr: text.clone(), ar_id: self.ar_id })?;
        if self.leases.get(index).is_some() {
            return Err(ArError::InUse { addr: text, ar_id: self.ar_id });
        }
        self.allocate_index(index, owner)
    }

    /// Leases exactly `ip` (a NIC with `IP`).
    pub fn allocate_by_ip(&mut self, ip: Ipv4Addr, owner: LeaseOwner) -> Result<Lease, ArError> {
        self.allocate_found(self.index_of_ip(ip), ip.to_string(), owner)
    }

    /// Leases exactly `mac` (a NIC with `MAC`).
    pub fn allocate_by_mac(&mut self, mac: Mac, owner: LeaseOwner) -> Result<Lease, ArError> {
        self.allocate_found(self.index_of_mac(mac), mac.to_string(), owner)
    }

    /// Leases exactly the static IPv6 `ip6` (a NIC with `IP6`).
    pub fn allocate_by_ip6(&mut self, ip6: Ipv6Addr, owner: LeaseOwner) -> Result<Lease, ArError> {
        self.allocate_found(self.index_of_ip6(ip6), ip6.to_string(), owner)
    }

    /// `one.vn.hold` by IP: the address becomes a lease of [`LeaseOwner::Hold`]. Returns its index.
    pub fn hold_by_ip(&mut self, ip: Ipv4Addr) -> Result<u32, ArError> {
        self.allocate_by_ip(ip, LeaseOwner::Hold).map(|l| l.index)
    }

    pub fn hold_by_mac(&mut self, mac: Mac) -> Result<u32, ArError> {
        self.allocate_by_mac(mac, LeaseOwner::Hold).map(|l| l.index)
    }

    pub fn hold_by_ip6(&mut self, ip6: Ipv6Addr) -> Result<u32, ArError> {
        self.allocate_by_ip6(ip6, LeaseOwner::Hold).map(|l| l.index)
    }

    // ------------------------------------------------------------------------------ freeing

    fn free_found(&mut self, index: Option<u32>, text: String, owner: LeaseOwner) -> Result<u32, ArError> {
        let index = index.ok_or_else(|| ArError::NotInRange { addr: text.clone(), ar_id: self.ar_id })?;
        let owner = owner.canonical();
        if self.free_owned(index, owner) {
            Ok(index)
        } else {
            Err(ArError::NotOwned { addr: text, ar_id: self.ar_id, expected: owner, actual: self.leases.get(index) })
        }
    }

    /// Frees the lease of `ip` if `owner` holds it (OpenNebula `free_addr_by_ip`: a lease of
    /// someone else is left alone). Returns the index.
    pub fn free_by_ip(&mut self, ip: Ipv4Addr, owner: LeaseOwner) -> Result<u32, ArError> {
        self.free_found(self.index_of_ip(ip), ip.to_string(), owner)
    }

    pub fn free_by_mac(&mut self, mac: Mac, owner: LeaseOwner) -> Result<u32, ArError> {
        self.free_found(self.index_of_mac(mac), mac.to_string(), owner)
    }

    pub fn free_by_ip6(&mut self, ip6: Ipv6Addr, owner: LeaseOwner) -> Result<u32, ArError> {
        self.free_found(self.index_of_ip6(ip6), ip6.to_string(), owner)
    }

    /// `one.vn.release` by IP: frees the address only if it is **on hold** (OpenNebula frees
    /// `VM -1` leases only; a VM's or a reservation's lease is not touched, and oned answers
    /// success anyway — the caller may ignore [`ArError::NotOwned`] to match that).
    pub fn release_by_ip(&mut self, ip: Ipv4Addr) -> Result<u32, ArError> {
        self.free_by_ip(ip, LeaseOwner::Hold)
    }

    pub fn release_by_mac(&mut self, mac: Mac) -> Result<u32, ArError> {
        self.free_by_mac(mac, LeaseOwner::Hold)
    }

    pub fn release_by_ip6(&mut self, ip6: Ipv6Addr) -> Result<u32, ArError> {
        self.free_by_ip6(ip6, LeaseOwner::Hold)
    }

    /// Frees `index` whoever holds it; returns the former owner.
    pub fn free_index(&mut self, index: u32) -> Option<LeaseOwner> {
        self.leases.remove(index)
    }

    /// Frees `index` only if `owner` holds it.
    pub fn free_owned(&mut self, index: u32, owner: LeaseOwner) -> bool {
        if self.leases.get(index) == Some(owner.canonical()) {
            self.leases.remove(index);
            true
        } else {
            false
        }
    }

    /// Frees every lease of `owner` (OpenNebula `free_addr_by_owner`); returns the indices.
    pub fn free_owner(&mut self, owner: LeaseOwner) -> Vec<u32> {
        let indices = self.leases.indices_of(owner.canonical());
        for &i in &indices {
            self.leases.remove(i);
        }
        indices
    }

    /// Frees every lease of VM `vmid` in this range; returns the indices.
    pub fn free_vm(&mut self, vmid: i32) -> Vec<u32> {
        self.free_owner(LeaseOwner::Vm(vmid))
    }

    /// Frees the leases of `owner` among `first .. first + count` (removing a reservation's AR
    /// frees its block in the parent: OpenNebula `free_addr_by_range`). Returns how many.
    pub fn free_range(&mut self, first: u32, count: u32, owner: LeaseOwner) -> u32 {
        let owner = owner.canonical();
        let end = (first as u64 + count as u64).min(u32::MAX as u64 + 1);
        let hits: Vec<u32> = self
            .leases
            .owners
            .range(first..)
            .take_while(|(i, _)| (**i as u64) < end)
            .filter(|(_, o)| **o == owner)
            .map(|(i, _)| *i)
            .collect();
        for &i in &hits {
            self.leases.remove(i);
        }
        hits.len() as u32
    }

    /// Records a lease read back from the store.
    pub fn restore_lease(&mut self, index: u32, owner: LeaseOwner) -> Result<(), ArError> {
        if index >= self.size {
            return Err(ArError::IndexOutOfRange { index, ar_id: self.ar_id, size: self.size });
        }
        if !self.leases.insert(index, owner.canonical()) {
            return Err(ArError::AlreadyLeased { index, ar_id: self.ar_id });
        }
        Ok(())
    }

    // ---------------------------------------------------------------------------------- XML

    /// The attributes oned prints for the AR, merged with the user attributes and sorted by
    /// name like OpenNebula's `VectorAttribute` (a `std::map`).
    fn sorted_attributes(&self, with_allocated: bool) -> Vec<(&str, String)> {
        let mut a: Vec<(&str, String)> = Vec::with_capacity(self.attrs.len() + 12);
        a.push(("AR_ID", self.ar_id.to_string()));
        a.push(("TYPE", self.kind.as_str().to_string()));
        a.push(("SIZE", self.size.to_string()));
        a.push(("MAC", self.mac.to_string()));
        a.push(("NEXT_INDEX", self.next_index().to_string()));
        a.push(("SHARED", "NO".to_string()));
        if let Some(ip) = self.ip {
            a.push(("IP", ip.to_string()));
        }
        if let Some(p) = self.global_prefix {
            a.push(("GLOBAL_PREFIX", p.to_string()));
        }
        if let Some(p) = self.ula_prefix {
            a.push(("ULA_PREFIX", p.to_string()));
        }
        if let Some(ip6) = self.ip6 {
            a.push(("IP6", ip6.to_string()));
        }
        if let Some(pl) = self.prefix_length {
            a.push(("PREFIX_LENGTH", pl.to_string()));
        }
        if let Some(p) = self.parent_ar_id {
            a.push(("PARENT_NETWORK_AR_ID", p.to_string()));
        }
        if with_allocated && !self.leases.owners.is_empty() {
            a.push(("ALLOCATED", self.allocated_string()));
        }
        a.extend(self.attrs.iter().map(|(k, v)| (k, v.to_string())));
        a.sort_by(|x, y| x.0.cmp(y.0));
        a
    }

    /// The full attribute vector of the AR as oned keeps it (user and owned sub-keys, by name;
    /// no computed `*_END` values, no `ALLOCATED`): for `$NETWORK[...]` look-ups and templates.
    pub fn to_vector(&self) -> Vector {
        Vector::from_pairs(self.sorted_attributes(false))
    }

    /// OpenNebula's `ALLOCATED` text: ` index packed-owner` per lease, in index order.
    pub fn allocated_string(&self) -> String {
        let mut s = String::with_capacity(self.leases.len() * 16);
        for (&i, &o) in &self.leases.owners {
            use std::fmt::Write;
            let _ = write!(s, " {} {}", i, o.to_packed());
        }
        s
    }

    /// Appends the `<AR>` of `one.vn.info` (OpenNebula `AddressRange::to_xml`): the attributes
    /// by name in CDATA, then `MAC_END`, `IP_END`, `IP6_ULA`, `IP6_ULA_END`, `IP6_GLOBAL`,
    /// `IP6_GLOBAL_END`, `IP6_END` (those that apply, CDATA), `USED_LEASES` (bare integer) and,
    /// when `with_leases`, `LEASES` (`<LEASES/>` when there is none).
    pub fn write_xml(&self, out: &mut String, with_leases: bool) {
        if with_leases {
            self.write_xml_visible(out, &|_| true);
        } else {
            self.write_xml_inner(out, None);
        }
    }

    /// [`AddressRange::write_xml`] with `LEASES`, listing only the leases whose owner `visible`
    /// accepts (oned shows a user only the VMs, networks and routers the user may see).
    pub fn write_xml_visible(&self, out: &mut String, visible: &dyn Fn(LeaseOwner) -> bool) {
        self.write_xml_inner(out, Some(visible));
    }

    fn write_xml_inner(&self, out: &mut String, leases: Option<&dyn Fn(LeaseOwner) -> bool>) {
        out.push_str("<AR>");
        for (k, v) in self.sorted_attributes(false) {
            elem(out, k, &v);
        }
        let last = self.size.saturating_sub(1);
        elem(out, "MAC_END", &self.mac.offset(last).to_string());
        if self.kind.has_ipv4()
            && let Some(ip) = self.ip
        {
            elem(out, "IP_END", &Ipv4Addr::from(u32::from(ip).wrapping_add(last)).to_string());
        }
        if self.kind.has_ipv6_slaac() {
            let mac_end = self.mac.offset(last);
            for (name, name_end, p) in
                [("IP6_ULA", "IP6_ULA_END", self.ula_prefix), ("IP6_GLOBAL", "IP6_GLOBAL_END", self.global_prefix)]
            {
                if let Some(p) = p {
                    let p = addr::prefix64_of(p);
                    elem(out, name, &addr::ipv6_slaac(p, self.mac).to_string());
                    elem(out, name_end, &addr::ipv6_slaac(p, mac_end).to_string());
                }
            }
        }
        if self.kind.has_ipv6_static()
            && let Some(ip6) = self.ip6
        {
            let end = Ipv6Addr::from(u128::from(ip6).wrapping_add(last as u128));
            elem(out, "IP6_END", &end.to_string());
        }
        out.push_str("<USED_LEASES>");
        out.push_str(&self.used().to_string());
        out.push_str("</USED_LEASES>");
        if let Some(visible) = leases {
            if self.leases.owners.is_empty() {
                out.push_str("<LEASES/>");
            } else {
                out.push_str("<LEASES>");
                for (&i, &o) in &self.leases.owners {
                    if visible(o)
                        && let Some(l) = self.lease(i)
                    {
                        l.write_xml(o, out);
                    }
                }
                out.push_str("</LEASES>");
            }
        }
        out.push_str("</AR>");
    }

    /// Appends the `<AR>` of the stored body / `one.vnpool.info` (OpenNebula's `AR_POOL`
    /// template): the attributes by name in CDATA, with `ALLOCATED` when there are leases, and
    /// nothing computed.
    pub fn write_pool_xml(&self, out: &mut String) {
        out.push_str("<AR>");
        for (k, v) in self.sorted_attributes(true) {
            elem(out, k, &v);
        }
        out.push_str("</AR>");
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        let l = &self.leases;
        assert_eq!(l.owners.len(), l.by_owner.len());
        for (&i, &o) in &l.owners {
            assert!(i < self.size, "lease {i} beyond size {}", self.size);
            assert!(l.by_owner.contains(&(o, i)));
            assert_eq!(o, o.canonical());
        }
        // runs are maximal, disjoint, and cover exactly the leased indices
        let mut covered = 0u64;
        let mut prev_end: Option<u32> = None;
        for (&s, &e) in &l.runs {
            assert!(s <= e);
            if let Some(pe) = prev_end {
                assert!(s as u64 > pe as u64 + 1, "runs not maximal: ..{pe} then {s}..");
            }
            for i in s..=e {
                assert!(l.owners.contains_key(&i));
            }
            covered += (e - s) as u64 + 1;
            prev_end = Some(e);
        }
        assert_eq!(covered, l.owners.len() as u64);
    }
}

/// Refuses ranges that run past 255.255.255.255 or the end of the IPv6 space.
fn check_fits(ip: Option<Ipv4Addr>, ip6: Option<Ipv6Addr>, size: u32) -> Result<(), ArError> {
    let last = size.saturating_sub(1);
    if let Some(ip) = ip
        && addr::ipv4_add(ip, last).is_none()
    {
        return Err(ArError::Ip4Overflow { ip, size });
    }
    if let Some(ip6) = ip6
        && addr::ipv6_add(ip6, last as u128).is_none()
    {
        return Err(ArError::Ip6Overflow { ip6, size });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
