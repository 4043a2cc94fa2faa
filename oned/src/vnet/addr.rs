//! Address arithmetic for virtual-network address ranges: 48-bit MACs, IPv4, IPv6 (SLAAC EUI-64
//! and static), and OpenNebula's text forms of them.
//!
//! Pure functions and small value types, no I/O. The rules follow OpenNebula 7.4
//! (`src/vnm/AddressRange.cc`: `mac_to_i`, `mac_to_s`, `ip_to_i`, `prefix6_to_i`, `ip6_to_s`;
//! `src/vnm/VirtualNetworkPool.cc` for `MAC_PREFIX`):
//! - a MAC is six `:`-separated groups of one or two hex digits; `ff:ff:ff:ff:ff:ff` is refused;
//!   it prints lower-case and zero-padded (`02:00:0a:00:00:01`);
//! - address `i` of a range has MAC = start MAC with `i` added to its **low 32 bits** (the 16-bit
//!   prefix never changes; the low part wraps modulo 2^32, as OpenNebula's `mac[0] + index`);
//! - an IPv4 is four dot-separated decimal numbers 0..=255 (leading zeros allowed, read as
//!   decimal: `10.0.0.010` is `10.0.0.10`);
//! - an IPv6 prefix (`GLOBAL_PREFIX`, `ULA_PREFIX`) is any IPv6 address text of which the first
//!   64 bits are kept (`2001:db8::`, `fd00:0:0:1::`);
//! - a SLAAC address is prefix (64 bits) + the modified EUI-64 of the MAC (RFC 4291 app. A):
//!   `m0^0x02 m1 m2 ff fe m3 m4 m5`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The link-local prefix `fe80::/64`, high 64 bits.
pub const LINK_LOCAL_PREFIX: u64 = 0xfe80_0000_0000_0000;

/// An address text that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    #[error("wrong format for MAC address: {0}")]
    Mac(String),
    #[error("wrong format for MAC_PREFIX (two hex octets such as \"02:00\"): {0}")]
    MacPrefix(String),
    #[error("wrong format for IPv4 address: {0}")]
    Ipv4(String),
    #[error("wrong format for IPv6 address: {0}")]
    Ipv6(String),
}

/// A 48-bit Ethernet MAC address: a 16-bit prefix and 32 low bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(u64);

impl Mac {
    /// The all-ones broadcast address, which OpenNebula refuses as a MAC.
    pub const BROADCAST: Mac = Mac(0xffff_ffff_ffff);

    /// The MAC made of a 16-bit prefix and 32 low bits.
    pub const fn from_parts(prefix: u16, low: u32) -> Mac {
        Mac(((prefix as u64) << 32) | low as u64)
    }

    /// The MAC whose value is the low 48 bits of `v`.
    pub const fn from_u64(v: u64) -> Mac {
        Mac(v & 0xffff_ffff_ffff)
    }

    pub const fn to_u64(self) -> u64 {
        self.0
    }

    /// The high 16 bits (OpenNebula's `mac[1]`).
    pub const fn prefix(self) -> u16 {
        (self.0 >> 32) as u16
    }

    /// The low 32 bits (OpenNebula's `mac[0]`).
    pub const fn low(self) -> u32 {
        self.0 as u32
    }

    pub fn octets(self) -> [u8; 6] {
        let b = self.0.to_be_bytes();
        [b[2], b[3], b[4], b[5], b[6], b[7]]
    }

    /// Address `index` of a range starting here: `index` added to the low 32 bits, modulo 2^32;
    /// the prefix is unchanged.
    pub const fn offset(self, index: u32) -> Mac {
        Mac::from_parts(self.prefix(), self.low().wrapping_add(index))
    }

    /// The index of `self` in a range starting at `start` (inverse of [`Mac::offset`]): `None`
    /// when the prefixes differ. The caller compares the result with the range size.
    pub const fn index_from(self, start: Mac) -> Option<u32> {
        if self.prefix() != start.prefix() {
            return None;
        }
        Some(self.low().wrapping_sub(start.low()))
    }

    /// Parses OpenNebula's MAC text: six groups of one or two hex digits separated by `:`,
    /// case-insensitive. The broadcast address is refused (as `AddressRange::mac_to_i`).
    pub fn parse(s: &str) -> Result<Mac, AddrError> {
        let err = || AddrError::Mac(s.to_string());
        let mut v: u64 = 0;
        let mut groups = 0;
        for part in s.split(':') {
            groups += 1;
            if groups > 6 || part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err());
            }
            let octet = u8::from_str_radix(part, 16).map_err(|_| err())?;
            v = (v << 8) | octet as u64;
        }
        if groups != 6 || v == Mac::BROADCAST.0 {
            return Err(err());
        }
        Ok(Mac(v))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.octets();
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3], o[4], o[5])
    }
}

impl FromStr for Mac {
    type Err = AddrError;
    fn from_str(s: &str) -> Result<Mac, AddrError> {
        Mac::parse(s)
    }
}

impl serde::Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Mac {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Mac, D::Error> {
        let s = String::deserialize(d)?;
        // The store may hold the broadcast address only if someone wrote it by hand; read the
        // digits without that check so a stored value always loads.
        parse_mac_digits(&s).ok_or_else(|| serde::de::Error::custom(AddrError::Mac(s)))
    }
}

fn parse_mac_digits(s: &str) -> Option<Mac> {
    let mut v: u64 = 0;
    let mut groups = 0;
    for part in s.split(':') {
        groups += 1;
        if groups > 6 || part.is_empty() || part.len() > 2 {
            return None;
        }
        v = (v << 8) | u8::from_str_radix(part, 16).ok()? as u64;
    }
    (groups == 6).then_some(Mac(v))
}

/// Parses oned.conf's `MAC_PREFIX`: two `:`-separated octets of one or two hex digits
/// (`"02:00"` → `0x0200`). OpenNebula logs a warning and uses `00:01` on a malformed value; we
/// refuse it so the administrator sees the mistake.
pub fn parse_mac_prefix(s: &str) -> Result<u16, AddrError> {
    let err = || AddrError::MacPrefix(s.to_string());
    let (hi, lo) = s.trim().split_once(':').ok_or_else(err)?;
    let octet = |p: &str| -> Result<u16, AddrError> {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        u16::from_str_radix(p, 16).map_err(|_| err())
    };
    Ok((octet(hi)? << 8) | octet(lo)?)
}

/// The text form of a MAC prefix: `0x0200` → `"02:00"`.
pub fn format_mac_prefix(prefix: u16) -> String {
    format!("{:02x}:{:02x}", prefix >> 8, prefix & 0xff)
}

/// Parses an IPv4 address as OpenNebula's `ip_to_i`: only digits and dots, exactly four decimal
/// numbers each at most 255. Leading zeros are decimal (`010` is 10), unlike `Ipv4Addr::from_str`
/// which refuses them.
pub fn parse_ipv4(s: &str) -> Result<Ipv4Addr, AddrError> {
    let err = || AddrError::Ipv4(s.to_string());
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 || part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let digits = part.trim_start_matches('0');
        if digits.len() > 3 {
            return Err(err());
        }
        let v: u32 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| err())? };
        octets[n] = u8::try_from(v).map_err(|_| err())?;
        n += 1;
    }
    if n != 4 {
        return Err(err());
    }
    Ok(Ipv4Addr::from(octets))
}

/// `ip + index`, or `None` past 255.255.255.255.
pub fn ipv4_add(ip: Ipv4Addr, index: u32) -> Option<Ipv4Addr> {
    u32::from(ip).checked_add(index).map(Ipv4Addr::from)
}

/// `ip - start` when `ip >= start`.
pub fn ipv4_index(start: Ipv4Addr, ip: Ipv4Addr) -> Option<u32> {
    u32::from(ip).checked_sub(u32::from(start))
}

/// Parses an IPv6 address (the forms `inet_pton(AF_INET6)` accepts, including an embedded
/// dotted IPv4 tail).
pub fn parse_ipv6(s: &str) -> Result<Ipv6Addr, AddrError> {
    Ipv6Addr::from_str(s).map_err(|_| AddrError::Ipv6(s.to_string()))
}

/// Parses a 64-bit IPv6 prefix as OpenNebula's `prefix6_to_i`: any IPv6 address text, of which
/// the high 64 bits are returned (`"2001:db8::"` → `0x2001_0db8_0000_0000`).
pub fn parse_prefix64(s: &str) -> Result<u64, AddrError> {
    Ok(prefix64_of(parse_ipv6(s)?))
}

/// The high 64 bits of an IPv6 address.
pub fn prefix64_of(ip: Ipv6Addr) -> u64 {
    (u128::from(ip) >> 64) as u64
}

/// The network address of a 64-bit prefix (`0x2001_0db8_0000_0000` → `2001:db8::`).
pub fn prefix64_addr(prefix: u64) -> Ipv6Addr {
    Ipv6Addr::from((prefix as u128) << 64)
}

/// The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A): the MAC split in
/// two halves around `ff:fe`, with the universal/local bit (0x02 of the first octet) inverted.
pub fn eui64(mac: Mac) -> u64 {
    let o = mac.octets();
    u64::from_be_bytes([o[0] ^ 0x02, o[1], o[2], 0xff, 0xfe, o[3], o[4], o[5]])
}

/// The SLAAC address of `mac` in a 64-bit prefix.
pub fn ipv6_slaac(prefix: u64, mac: Mac) -> Ipv6Addr {
    Ipv6Addr::from(((prefix as u128) << 64) | eui64(mac) as u128)
}

/// The link-local address (`fe80::/64`) of `mac`.
pub fn ipv6_link_local(mac: Mac) -> Ipv6Addr {
    ipv6_slaac(LINK_LOCAL_PREFIX, mac)
}

/// `ip + index` over the whole 128 bits, or `None` past `ffff:…:ffff`. (OpenNebula adds the index
/// to the low 32 bits only, without carry; we carry, which gives the same addresses whenever
/// OpenNebula's are right.)
pub fn ipv6_add(ip: Ipv6Addr, index: u128) -> Option<Ipv6Addr> {
    u128::from(ip).checked_add(index).map(Ipv6Addr::from)
}

/// `ip - start` when `ip >= start`.
pub fn ipv6_index(start: Ipv6Addr, ip: Ipv6Addr) -> Option<u128> {
    u128::from(ip).checked_sub(u128::from(start))
}

/// The number of addresses from `first` to the end of its `/prefix_len` network, as OpenNebula's
/// `init_ipv6_static` computes a missing `SIZE`: for a prefix of 64 bits or less,
/// `2^64 - 1 - (low 64 bits of first)`; for a longer one, `2^(128-len) - host part`.
/// `prefix_len` must be at most 128.
pub fn ipv6_static_auto_size(first: Ipv6Addr, prefix_len: u8) -> u128 {
    let first = u128::from(first);
    if prefix_len <= 64 {
        (u64::MAX - first as u64) as u128
    } else {
        let host_bits = 128 - prefix_len as u32; // 0..=63
        let span: u128 = 1u128 << host_bits;
        span - (first & (span - 1))
    }
}

/// An address a lease is asked for by: IPv4, MAC or IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    Ip(std::net::Ipv4Addr),
    Mac(Mac),
    Ip6(std::net::Ipv6Addr),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_parse_and_format() {
        let m = Mac::parse("02:00:0A:00:00:01").unwrap();
        assert_eq!(m.to_string(), "02:00:0a:00:00:01");
        assert_eq!(m.prefix(), 0x0200);
        assert_eq!(m.low(), 0x0a00_0001);
        // one-digit groups are accepted, as OpenNebula's regex allows
        assert_eq!(Mac::parse("2:0:a:0:0:1").unwrap(), m);
        assert_eq!("00:00:00:00:00:00".parse::<Mac>().unwrap().to_u64(), 0);
    }

    #[test]
    fn mac_parse_errors() {
        for bad in [
            "",
            "02:00:0a:00:00",
            "02:00:0a:00:00:01:02",
            "02:00:0a:00:00:001",
            "02:00:0a:00:00:0g",
            "02-00-0a-00-00-01",
            "02:00:0a:00::01",
            "ff:ff:ff:ff:ff:ff",
            " 02:00:0a:00:00:01",
        ] {
            assert_eq!(Mac::parse(bad), Err(AddrError::Mac(bad.to_string())), "{bad:?}");
        }
    }

    #[test]
    fn mac_offset_keeps_prefix_and_wraps_low_bits() {
        let m = Mac::from_parts(0x0200, 0xffff_fffe);
        assert_eq!(m.offset(1).to_string(), "02:00:ff:ff:ff:ff");
        assert_eq!(m.offset(2).to_string(), "02:00:00:00:00:00");
        assert_eq!(m.offset(2).index_from(m), Some(2));
        assert_eq!(Mac::from_parts(0x0300, 0).index_from(m), None);
    }

    #[test]
    fn mac_prefix() {
        assert_eq!(parse_mac_prefix("02:00"), Ok(0x0200));
        assert_eq!(parse_mac_prefix("a:B"), Ok(0x0a0b));
        assert_eq!(format_mac_prefix(0x0a0b), "0a:0b");
        for bad in ["", "02", "02:00:00", "0200", "02:000", "0x:00", ":00", "02:"] {
            assert!(parse_mac_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mac_from_ipv4_and_prefix() {
        // IP = 10.0.0.1 with MAC_PREFIX 02:00 gives 02:00:0a:00:00:01.
        let ip = parse_ipv4("10.0.0.1").unwrap();
        assert_eq!(Mac::from_parts(0x0200, u32::from(ip)).to_string(), "02:00:0a:00:00:01");
        // The 1.4 example in the reference: prefix 00:03 + 192.168.0.5.
        let ip = parse_ipv4("192.168.0.5").unwrap();
        assert_eq!(Mac::from_parts(0x0003, u32::from(ip)).to_string(), "00:03:c0:a8:00:05");
    }

    #[test]
    fn ipv4_parse() {
        assert_eq!(parse_ipv4("10.0.0.1"), Ok(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(parse_ipv4("010.000.0.0010"), Ok(Ipv4Addr::new(10, 0, 0, 10)));
        for bad in
            ["", "10.0.0", "10.0.0.1.2", "10.0.0.256", "10.0.0.-1", "10.0..1", "a.b.c.d", " 10.0.0.1", "10.0.0.1 "]
        {
            assert!(parse_ipv4(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ipv4_arith() {
        let ip = Ipv4Addr::new(10, 0, 0, 250);
        assert_eq!(ipv4_add(ip, 10), Some(Ipv4Addr::new(10, 0, 1, 4)));
        assert_eq!(ipv4_add(Ipv4Addr::new(255, 255, 255, 250), 5), Some(Ipv4Addr::BROADCAST));
        assert_eq!(ipv4_add(Ipv4Addr::new(255, 255, 255, 250), 6), None);
        assert_eq!(ipv4_index(ip, Ipv4Addr::new(10, 0, 1, 4)), Some(10));
        assert_eq!(ipv4_index(ip, Ipv4Addr::new(10, 0, 0, 1)), None);
    }

    #[test]
    fn eui64_known_values() {
        // By hand: MAC 02:00:0a:00:00:01 -> flip bit 0x02 of the first octet -> 00, insert ff:fe
        // in the middle -> 00 00 0a ff fe 00 00 01 -> interface id 0000:0aff:fe00:0001.
        let m = Mac::parse("02:00:0a:00:00:01").unwrap();
        assert_eq!(eui64(m), 0x0000_0aff_fe00_0001);
        assert_eq!(ipv6_link_local(m).to_string(), "fe80::aff:fe00:1");
        assert_eq!(ipv6_slaac(parse_prefix64("fd00::").unwrap(), m).to_string(), "fd00::aff:fe00:1");
        assert_eq!(ipv6_slaac(parse_prefix64("2001:db8::").unwrap(), m).to_string(), "2001:db8::aff:fe00:1");
        // The textbook example: 00:25:96:12:34:56 -> 02 25 96 ff fe 12 34 56.
        let m = Mac::parse("00:25:96:12:34:56").unwrap();
        assert_eq!(ipv6_link_local(m).to_string(), "fe80::225:96ff:fe12:3456");
        // OpenNebula's own formula (AddressRange::ip6_to_s) on the same MAC, word by word:
        //   eui64[1] = ((mac[1]^0x0200)<<16) + ((mlow & 0xFF000000)>>16) + 0xFF
        //   eui64[0] = 0xFE000000 + (mlow & 0x00FFFFFF)
        let (hi, lo) = (m.prefix() as u32, m.low());
        let one_hi = ((hi ^ 0x0200) << 16) + ((lo & 0xff00_0000) >> 16) + 0xff;
        let one_lo = 0xfe00_0000u32 + (lo & 0x00ff_ffff);
        assert_eq!(eui64(m), ((one_hi as u64) << 32) | one_lo as u64);
    }

    #[test]
    fn prefixes() {
        assert_eq!(parse_prefix64("fd00:0:0:1::"), Ok(0xfd00_0000_0000_0001));
        // only the first 64 bits count
        assert_eq!(parse_prefix64("2001:db8::1"), Ok(0x2001_0db8_0000_0000));
        assert_eq!(prefix64_addr(0x2001_0db8_0000_0000).to_string(), "2001:db8::");
        assert!(parse_prefix64("2001:db8:").is_err());
        assert!(parse_prefix64("fd00::/64").is_err());
    }

    #[test]
    fn ipv6_static_arith() {
        let ip = parse_ipv6("2001:db8::ffff:fffe").unwrap();
        assert_eq!(ipv6_add(ip, 3).unwrap().to_string(), "2001:db8::1:0:1");
        assert_eq!(ipv6_index(ip, parse_ipv6("2001:db8::1:0:1").unwrap()), Some(3));
        assert_eq!(ipv6_index(ip, parse_ipv6("2001:db8::1").unwrap()), None);
        assert_eq!(ipv6_add(Ipv6Addr::from(u128::MAX), 1), None);
    }

    #[test]
    fn ipv6_auto_size() {
        let ip = parse_ipv6("2001:db8::10").unwrap();
        assert_eq!(ipv6_static_auto_size(ip, 120), 256 - 16);
        assert_eq!(ipv6_static_auto_size(ip, 128), 1);
        assert_eq!(ipv6_static_auto_size(ip, 64), u64::MAX as u128 - 16);
        assert_eq!(ipv6_static_auto_size(ip, 0), u64::MAX as u128 - 16);
        assert_eq!(ipv6_static_auto_size(parse_ipv6("2001:db8::").unwrap(), 96), 1u128 << 32);
    }

    #[test]
    fn mac_serde_is_text() {
        let m = Mac::parse("02:00:0a:00:00:01").unwrap();
        let js = serde_json::to_string(&m).unwrap();
        assert_eq!(js, "\"02:00:0a:00:00:01\"");
        assert_eq!(serde_json::from_str::<Mac>(&js).unwrap(), m);
        assert!(serde_json::from_str::<Mac>("\"02:00\"").is_err());
    }
}
