//! Tests of the address-range logic: validation, addresses, allocation, hold/release, update,
//! reservations, serde and XML, a 50,000-lease run, and a property test against a simple model.

use super::*;
use proptest::prelude::*;

const PREFIX: u16 = 0x0200;

fn vec_of(pairs: &[(&str, &str)]) -> Vector {
    Vector::from_pairs(pairs.iter().copied())
}

fn ar(pairs: &[(&str, &str)]) -> AddressRange {
    AddressRange::from_vector_with(0, &vec_of(pairs), PREFIX, &mut || 0x1234_5678).expect("valid AR")
}

fn err(pairs: &[(&str, &str)]) -> ArError {
    AddressRange::from_vector_with(0, &vec_of(pairs), PREFIX, &mut || 0x1234_5678).expect_err("invalid AR")
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn ip6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn mac(s: &str) -> Mac {
    Mac::parse(s).unwrap()
}

fn ip4_ar(size: u32) -> AddressRange {
    ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", &size.to_string())])
}

// ------------------------------------------------------------------ parsing and validation

#[test]
fn type_is_case_insensitive() {
    assert_eq!(ArType::parse("ip4_6_static"), Some(ArType::Ip4Ip6Static));
    assert_eq!(ArType::parse("Ether"), Some(ArType::Ether));
    assert_eq!(ArType::parse("IP5"), None);
    let a = ar(&[("TYPE", "ip4"), ("IP", "10.0.0.1"), ("SIZE", "2")]);
    assert_eq!(a.kind(), ArType::Ip4);
    assert_eq!(a.to_vector().get("TYPE"), Some("IP4"));
}

#[test]
fn missing_or_unknown_type() {
    assert_eq!(err(&[("IP", "10.0.0.1"), ("SIZE", "2")]), ArError::MissingType);
    assert_eq!(err(&[("TYPE", ""), ("SIZE", "2")]), ArError::MissingType);
    assert_eq!(err(&[("TYPE", "IPX"), ("SIZE", "2")]), ArError::MissingType);
    assert_eq!(ArError::MissingType.to_string(), "Unknown or missing address range TYPE.");
}

#[test]
fn shared_and_external_ipam_are_refused() {
    assert_eq!(
        err(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "2"), ("SHARED", "yes")]),
        ArError::SharedUnsupported
    );
    assert_eq!(
        err(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "2"), ("IPAM_MAD", "infoblox")]),
        ArError::ExternalIpam("infoblox".into())
    );
    let a = ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "2"), ("SHARED", "NO"), ("IPAM_MAD", "internal")]);
    assert_eq!(a.attrs().get("IPAM_MAD"), Some("internal"));
    assert_eq!(a.attrs().get("SHARED"), None);
}

#[test]
fn ip_required_and_valid_for_ipv4_types() {
    for t in ["IP4", "IP4_6", "IP4_6_STATIC"] {
        assert_eq!(err(&[("TYPE", t), ("SIZE", "2")]), ArError::BadIp, "{t}");
        assert_eq!(err(&[("TYPE", t), ("IP", "10.0.0.256"), ("SIZE", "2")]), ArError::BadIp, "{t}");
        assert_eq!(err(&[("TYPE", t), ("IP", "10.0.0"), ("SIZE", "2")]), ArError::BadIp, "{t}");
    }
    assert_eq!(ArError::BadIp.to_string(), "Wrong or empty IP attribute");
}

#[test]
fn ipv6_prefixes_validated() {
    assert_eq!(err(&[("TYPE", "IP6"), ("SIZE", "2"), ("GLOBAL_PREFIX", "2001:db8:::")]), ArError::BadGlobalPrefix);
    assert_eq!(
        err(&[("TYPE", "IP4_6"), ("IP", "10.0.0.1"), ("SIZE", "2"), ("ULA_PREFIX", "fd00")]),
        ArError::BadUlaPrefix
    );
    assert_eq!(ArError::BadGlobalPrefix.to_string(), "Wrong format for IP6 global address prefix");
    assert_eq!(ArError::BadUlaPrefix.to_string(), "Wrong format for IP6 unique local address prefix");
    // GLOBAL_PREFIX is checked before ULA_PREFIX, as in OpenNebula
    assert_eq!(
        err(&[("TYPE", "IP6"), ("SIZE", "2"), ("GLOBAL_PREFIX", "x"), ("ULA_PREFIX", "y")]),
        ArError::BadGlobalPrefix
    );
    // both optional; "::" counts as unset
    let a = ar(&[("TYPE", "IP6"), ("SIZE", "2"), ("ULA_PREFIX", "::")]);
    assert_eq!((a.ula_prefix(), a.global_prefix()), (None, None));
}

#[test]
fn static_ipv6_fields_required() {
    for t in ["IP6_STATIC", "IP4_6_STATIC"] {
        let base: Vec<(&str, &str)> = vec![("TYPE", t), ("IP", "10.0.0.1"), ("SIZE", "4")];
        assert_eq!(err(&base), ArError::BadIp6, "{t}");
        let mut v = base.clone();
        v.push(("IP6", "2001:db8::g"));
        assert_eq!(err(&v), ArError::BadIp6, "{t}");
        let mut v = base.clone();
        v.push(("IP6", "2001:db8::1"));
        assert_eq!(err(&v), ArError::BadPrefixLength, "{t}");
        for pl in ["129", "-1", "x", "64.5"] {
            let mut v = base.clone();
            v.extend([("IP6", "2001:db8::1"), ("PREFIX_LENGTH", pl)]);
            assert_eq!(err(&v), ArError::BadPrefixLength, "{t} {pl}");
        }
    }
    assert_eq!(ArError::BadIp6.to_string(), "Wrong or empty IP6 attribute");
    assert_eq!(ArError::BadPrefixLength.to_string(), "Wrong or empty PREFIX_LENGTH");
}

#[test]
fn static_ipv6_size_defaults_to_rest_of_prefix() {
    let a = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::10"), ("PREFIX_LENGTH", "120")]);
    assert_eq!(a.size(), 256 - 16);
    let a = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::10"), ("PREFIX_LENGTH", "64")]);
    assert_eq!(a.size(), u32::MAX, "clamped to the 32-bit index space");
    let a = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::10"), ("PREFIX_LENGTH", "64"), ("SIZE", "8")]);
    assert_eq!(a.size(), 8);
    assert_eq!(
        err(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::ffff:ffff:ffff:ffff"), ("PREFIX_LENGTH", "64")]),
        ArError::BadSize
    );
}

#[test]
fn bad_mac() {
    assert_eq!(
        err(&[("TYPE", "ETHER"), ("SIZE", "2"), ("MAC", "02:00:zz:00:00:01")]),
        ArError::BadMac("02:00:zz:00:00:01".into())
    );
    assert_eq!(ArError::BadMac("x".into()).to_string(), "Wrong format for MAC attribute: x");
}

#[test]
fn bad_size() {
    for s in [None, Some(""), Some("abc"), Some("-1"), Some("0"), Some("+5"), Some("4294967296"), Some("1.5")] {
        let mut v = vec![("TYPE", "IP4"), ("IP", "10.0.0.1")];
        if let Some(s) = s {
            v.push(("SIZE", s));
        }
        assert_eq!(err(&v), ArError::BadSize, "{s:?}");
    }
    assert_eq!(ar(&[("TYPE", "ETHER"), ("SIZE", " 4294967295 ")]).size(), u32::MAX);
    assert_eq!(ArError::BadSize.to_string(), "Wrong SIZE for address range");
}

#[test]
fn errors_come_in_opennebula_order() {
    // bad IP before bad MAC before bad SIZE
    assert_eq!(err(&[("TYPE", "IP4"), ("IP", "x"), ("MAC", "y"), ("SIZE", "z")]), ArError::BadIp);
    assert_eq!(err(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("MAC", "y"), ("SIZE", "z")]), ArError::BadMac("y".into()));
    // static IPv6 before MAC
    assert_eq!(err(&[("TYPE", "IP6_STATIC"), ("MAC", "y"), ("SIZE", "2")]), ArError::BadIp6);
}

#[test]
fn ipv4_range_must_fit() {
    assert_eq!(
        err(&[("TYPE", "IP4"), ("IP", "255.255.255.250"), ("SIZE", "7")]),
        ArError::Ip4Overflow { ip: ip("255.255.255.250"), size: 7 }
    );
    let a = ar(&[("TYPE", "IP4"), ("IP", "255.255.255.250"), ("SIZE", "6")]);
    assert_eq!(a.lease(5).unwrap().ip, Some(Ipv4Addr::BROADCAST));
    assert_eq!(
        err(&[("TYPE", "IP4"), ("IP", "0.0.0.2"), ("SIZE", "4294967295")]),
        ArError::Ip4Overflow { ip: ip("0.0.0.2"), size: u32::MAX }
    );
    assert_eq!(ar(&[("TYPE", "IP4"), ("IP", "0.0.0.1"), ("SIZE", "4294967295")]).size(), u32::MAX);
}

#[test]
fn ipv6_range_must_fit() {
    let top = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe";
    assert_eq!(
        err(&[("TYPE", "IP6_STATIC"), ("IP6", top), ("PREFIX_LENGTH", "64"), ("SIZE", "3")]),
        ArError::Ip6Overflow { ip6: ip6(top), size: 3 }
    );
    ar(&[("TYPE", "IP6_STATIC"), ("IP6", top), ("PREFIX_LENGTH", "64"), ("SIZE", "2")]);
}

#[test]
fn mac_derivation() {
    // MAC_PREFIX 02:00 + IP 10.0.0.1
    let a = ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "4")]);
    assert_eq!(a.mac_start().to_string(), "02:00:0a:00:00:01");
    assert_eq!(a.lease(3).unwrap().mac.to_string(), "02:00:0a:00:00:04");
    // an explicit MAC wins, and is stored lower-case
    let a = ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "4"), ("MAC", "AA:BB:CC:DD:EE:00")]);
    assert_eq!(a.to_vector().get("MAC"), Some("aa:bb:cc:dd:ee:00"));
    // no IPv4: prefix + random low bits
    for t in ["ETHER", "IP6", "IP6_STATIC"] {
        let mut v = vec![("TYPE", t), ("SIZE", "4")];
        if t == "IP6_STATIC" {
            v.extend([("IP6", "2001:db8::1"), ("PREFIX_LENGTH", "64")]);
        }
        let a = AddressRange::from_vector_with(0, &vec_of(&v), 0x0abc, &mut || 0xdead_beef).unwrap();
        assert_eq!(a.mac_start().to_string(), "0a:bc:de:ad:be:ef", "{t}");
    }
    // the std-backed default source gives the prefix and some low bits
    let a = AddressRange::from_vector(3, &vec_of(&[("TYPE", "ETHER"), ("SIZE", "4")]), 0x0abc).unwrap();
    assert_eq!(a.mac_start().prefix(), 0x0abc);
    assert_eq!(a.ar_id(), 3);
}

#[test]
fn user_attributes_kept_owned_ones_dropped() {
    let a = ar(&[
        ("TYPE", "IP4"),
        ("IP", "10.0.0.1"),
        ("SIZE", "4"),
        ("GATEWAY", "10.0.0.254"),
        ("DNS", "8.8.8.8"),
        ("VN_MAD", "bridge"),
        ("AR_ID", "77"),
        ("USED_LEASES", "3"),
        ("MAC_END", "x"),
        ("IP6_GLOBAL", "x"),
        ("GLOBAL_PREFIX", "2001:db8::"),
        ("IP6", "2001:db8::1"),
        ("PARENT_NETWORK_AR_ID", "4"),
        ("PREFIX_LENGTH", "24"),
    ]);
    let keys: Vec<&str> = a.attrs().iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["GATEWAY", "DNS", "VN_MAD", "PREFIX_LENGTH"]);
    assert_eq!(a.ar_id(), 0);
    assert_eq!(a.global_prefix(), None);
    assert!(!a.is_reservation());
}

// ------------------------------------------------------------------------------- leases

#[test]
fn lease_addresses_ip4_6() {
    let a = ar(&[
        ("TYPE", "IP4_6"),
        ("IP", "10.0.0.1"),
        ("SIZE", "16"),
        ("ULA_PREFIX", "fd00:0:0:1::"),
        ("GLOBAL_PREFIX", "2001:db8::"),
    ]);
    let l = a.lease(1).unwrap();
    // MAC 02:00:0a:00:00:02 -> EUI-64 0000:0aff:fe00:0002
    assert_eq!(l.mac.to_string(), "02:00:0a:00:00:02");
    assert_eq!(l.ip, Some(ip("10.0.0.2")));
    assert_eq!(l.ip6_link, Some(ip6("fe80::aff:fe00:2")));
    assert_eq!(l.ip6_ula, Some(ip6("fd00:0:0:1:0:aff:fe00:2")));
    assert_eq!(l.ip6_global, Some(ip6("2001:db8::aff:fe00:2")));
    assert_eq!(l.ip6, None);
    let mut nic = vec_of(&[("NETWORK", "net"), ("IP", "stale")]);
    l.write_nic(&mut nic);
    assert_eq!(nic.get("IP"), Some("10.0.0.2"));
    assert_eq!(nic.get("MAC"), Some("02:00:0a:00:00:02"));
    assert_eq!(nic.get("IP6_LINK"), Some("fe80::aff:fe00:2"));
    assert_eq!(nic.get("IP6_ULA"), Some("fd00::1:0:aff:fe00:2"));
    assert_eq!(nic.get("IP6_GLOBAL"), Some("2001:db8::aff:fe00:2"));
    assert_eq!(nic.get("AR_ID"), Some("0"));
    assert_eq!(nic.get("IP6"), None);
    assert_eq!(nic.get("NETWORK"), Some("net"));
    assert_eq!(a.lease(16), None);
}

#[test]
fn lease_addresses_static_ipv6_carry() {
    let a = ar(&[
        ("TYPE", "IP4_6_STATIC"),
        ("IP", "10.0.0.1"),
        ("IP6", "2001:db8::ffff:fffe"),
        ("PREFIX_LENGTH", "64"),
        ("SIZE", "4"),
    ]);
    let l = a.lease(3).unwrap();
    assert_eq!(l.ip6, Some(ip6("2001:db8::1:0:1")));
    assert_eq!((l.ip6_link, l.ip6_ula), (None, None));
    let mut nic = Vector::new();
    l.write_nic(&mut nic);
    assert_eq!(nic.get("IP6"), Some("2001:db8::1:0:1"));
    assert_eq!(nic.get("IP"), Some("10.0.0.4"));
    assert_eq!(a.index_of_ip6(ip6("2001:db8::1:0:1")), Some(3));
}

#[test]
fn ether_leases_have_only_a_mac() {
    let a = ar(&[("TYPE", "ETHER"), ("SIZE", "4"), ("MAC", "02:00:00:00:00:10")]);
    let l = a.lease(2).unwrap();
    assert_eq!(l.mac.to_string(), "02:00:00:00:00:12");
    assert_eq!((l.ip, l.ip6, l.ip6_link), (None, None, None));
}

#[test]
fn allocation_order_is_lowest_free() {
    let mut a = ip4_ar(8);
    let got: Vec<u32> = (0..3).map(|i| a.allocate(LeaseOwner::Vm(i)).unwrap().index).collect();
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(a.free_index(1), Some(LeaseOwner::Vm(1)));
    assert_eq!(a.next_index(), 1);
    assert_eq!(a.allocate(LeaseOwner::Vm(9)).unwrap().ip, Some(ip("10.0.0.2")));
    assert_eq!(a.allocate(LeaseOwner::Vm(10)).unwrap().index, 3);
    // a specific address above does not move the "lowest free" position
    a.allocate_by_ip(ip("10.0.0.7"), LeaseOwner::Vm(11)).unwrap();
    assert_eq!(a.allocate(LeaseOwner::Vm(12)).unwrap().index, 4);
    a.free_index(0);
    assert_eq!(a.allocate(LeaseOwner::Vm(13)).unwrap().index, 0);
    assert_eq!(a.used(), 6);
    a.check_invariants();
}

#[test]
fn exhaustion() {
    let mut a = ip4_ar(3);
    for i in 0..3 {
        assert!(a.allocate(LeaseOwner::Vm(i)).is_some());
    }
    assert_eq!(a.allocate(LeaseOwner::Vm(3)), None);
    assert_eq!((a.used(), a.free_count(), a.next_index()), (3, 0, 0));
    assert_eq!(a.find_free_block(1), None);
    a.free_vm(1);
    assert_eq!(a.allocate(LeaseOwner::Vm(3)).unwrap().index, 1);
    assert_eq!(a.allocate(LeaseOwner::Vm(4)), None);
}

#[test]
fn allocate_by_address() {
    let mut a = ip4_ar(4);
    let l = a.allocate_by_ip(ip("10.0.0.3"), LeaseOwner::Vm(1)).unwrap();
    assert_eq!((l.index, l.mac.to_string()), (2, "02:00:0a:00:00:03".to_string()));
    assert_eq!(
        a.allocate_by_ip(ip("10.0.0.3"), LeaseOwner::Vm(2)),
        Err(ArError::InUse { addr: "10.0.0.3".into(), ar_id: 0 })
    );
    assert_eq!(
        a.allocate_by_ip(ip("10.0.0.5"), LeaseOwner::Vm(2)),
        Err(ArError::NotInRange { addr: "10.0.0.5".into(), ar_id: 0 })
    );
    assert_eq!(
        a.allocate_by_ip(ip("10.0.0.0"), LeaseOwner::Vm(2)).unwrap_err().to_string(),
        "Address 10.0.0.0 is not part of address range 0"
    );
    let l = a.allocate_by_mac(mac("02:00:0a:00:00:01"), LeaseOwner::Vm(2)).unwrap();
    assert_eq!(l.ip, Some(ip("10.0.0.1")));
    assert_eq!(
        a.allocate_by_mac(mac("02:00:0a:00:00:01"), LeaseOwner::Vm(3)).unwrap_err().to_string(),
        "Address 02:00:0a:00:00:01 in address range 0 is already in use"
    );
    assert!(matches!(a.allocate_by_mac(mac("02:01:0a:00:00:02"), LeaseOwner::Vm(3)), Err(ArError::NotInRange { .. })));
    // IP6 look-ups only match static ranges
    assert!(matches!(a.allocate_by_ip6(ip6("fe80::aff:fe00:2"), LeaseOwner::Vm(3)), Err(ArError::NotInRange { .. })));
    let mut e = ar(&[("TYPE", "ETHER"), ("SIZE", "4"), ("MAC", "02:00:00:00:00:10")]);
    assert!(matches!(e.allocate_by_ip(ip("0.0.0.16"), LeaseOwner::Vm(1)), Err(ArError::NotInRange { .. })));
    let mut s = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::100"), ("PREFIX_LENGTH", "64"), ("SIZE", "16")]);
    assert_eq!(s.allocate_by_ip6(ip6("2001:db8::10f"), LeaseOwner::Vm(1)).unwrap().index, 15);
    assert!(matches!(s.allocate_by_ip6(ip6("2001:db8::110"), LeaseOwner::Vm(1)), Err(ArError::NotInRange { .. })));
    a.check_invariants();
}

#[test]
fn mac_ranges_wrap_their_low_32_bits() {
    let mut a = ar(&[("TYPE", "ETHER"), ("SIZE", "4"), ("MAC", "02:00:ff:ff:ff:fe")]);
    assert_eq!(a.lease(3).unwrap().mac.to_string(), "02:00:00:00:00:01");
    assert_eq!(a.allocate_by_mac(mac("02:00:00:00:00:01"), LeaseOwner::Vm(1)).unwrap().index, 3);
    let mut x = String::new();
    a.write_xml(&mut x, false);
    assert!(x.contains("<MAC_END><![CDATA[02:00:00:00:00:01]]></MAC_END>"));
}

#[test]
fn hold_and_release() {
    let mut a = ip4_ar(4);
    assert_eq!(a.hold_by_ip(ip("10.0.0.2")), Ok(1));
    assert_eq!(a.owner(1), Some(LeaseOwner::Hold));
    // a held address is not handed out
    assert_eq!(a.allocate(LeaseOwner::Vm(5)).unwrap().index, 0);
    assert_eq!(a.allocate(LeaseOwner::Vm(6)).unwrap().index, 2);
    assert!(matches!(a.hold_by_ip(ip("10.0.0.2")), Err(ArError::InUse { .. })));
    assert!(matches!(a.hold_by_ip(ip("10.0.0.1")), Err(ArError::InUse { .. })));
    // release frees holds only
    assert_eq!(
        a.release_by_ip(ip("10.0.0.1")),
        Err(ArError::NotOwned {
            addr: "10.0.0.1".into(),
            ar_id: 0,
            expected: LeaseOwner::Hold,
            actual: Some(LeaseOwner::Vm(5))
        })
    );
    assert_eq!(
        a.release_by_ip(ip("10.0.0.1")).unwrap_err().to_string(),
        "Address 10.0.0.1 in address range 0 is not on hold"
    );
    assert_eq!(a.owner(0), Some(LeaseOwner::Vm(5)));
    assert!(matches!(a.release_by_ip(ip("10.0.0.4")), Err(ArError::NotOwned { actual: None, .. })));
    assert!(matches!(a.release_by_ip(ip("10.0.0.9")), Err(ArError::NotInRange { .. })));
    assert_eq!(a.release_by_ip(ip("10.0.0.2")), Ok(1));
    assert_eq!(a.owner(1), None);
    // by MAC, and Vm(-1) is the same as Hold
    assert_eq!(a.hold_by_mac(mac("02:00:0a:00:00:04")), Ok(3));
    assert_eq!(a.free_by_mac(mac("02:00:0a:00:00:04"), LeaseOwner::Vm(-1)), Ok(3));
    a.allocate_index(3, LeaseOwner::Vm(-1)).unwrap();
    assert_eq!(a.owner(3), Some(LeaseOwner::Hold));
    assert_eq!(a.release_by_mac(mac("02:00:0a:00:00:04")), Ok(3));
    // a VM frees its own lease with free_by_*
    assert_eq!(
        a.free_by_ip(ip("10.0.0.3"), LeaseOwner::Vm(5)).unwrap_err().to_string(),
        "Address 10.0.0.3 in address range 0 is not leased to VM 5"
    );
    assert_eq!(a.free_by_ip(ip("10.0.0.3"), LeaseOwner::Vm(6)), Ok(2));
    // IP6 hold on a static range
    let mut s = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::100"), ("PREFIX_LENGTH", "64"), ("SIZE", "16")]);
    assert_eq!(s.hold_by_ip6(ip6("2001:db8::101")), Ok(1));
    assert_eq!(s.release_by_ip6(ip6("2001:db8::101")), Ok(1));
    a.check_invariants();
    s.check_invariants();
}

#[test]
fn free_vm_frees_only_that_vm() {
    let mut a = ip4_ar(10);
    for owner in [LeaseOwner::Vm(7), LeaseOwner::Vm(8), LeaseOwner::Vm(7), LeaseOwner::Hold, LeaseOwner::Vm(7)] {
        a.allocate(owner).unwrap();
    }
    assert_eq!(a.indices_of(LeaseOwner::Vm(7)), [0, 2, 4]);
    assert_eq!(a.free_vm(7), [0, 2, 4]);
    assert_eq!(a.free_vm(7), Vec::<u32>::new());
    assert_eq!(a.leases().collect::<Vec<_>>(), [(1, LeaseOwner::Vm(8)), (3, LeaseOwner::Hold)]);
    assert_eq!(a.free_owner(LeaseOwner::Vm(-1)), [3]);
    assert_eq!(a.used(), 1);
    a.check_invariants();
}

#[test]
fn find_free_block() {
    let mut a = ip4_ar(10);
    for i in [0, 1, 5] {
        a.allocate_index(i, LeaseOwner::Vm(1)).unwrap();
    }
    assert_eq!(a.find_free_block(0), None);
    assert_eq!(a.find_free_block(1), Some(2));
    assert_eq!(a.find_free_block(3), Some(2));
    assert_eq!(a.find_free_block(4), Some(6));
    assert_eq!(a.find_free_block(5), None);
    a.free_index(5);
    assert_eq!(a.find_free_block(8), Some(2));
    assert_eq!(a.find_free_block(9), None);
    assert_eq!(ip4_ar(10).find_free_block(10), Some(0));
    assert_eq!(ip4_ar(10).find_free_block(11), None);
}

#[test]
fn reservation() {
    let mut p =
        ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "10"), ("GATEWAY", "10.0.0.254"), ("IPAM_MAD", "internal")]);
    p.set_ar_id(2);
    p.allocate(LeaseOwner::Vm(1)).unwrap();
    p.allocate(LeaseOwner::Vm(2)).unwrap();
    let c = p.reserve(5, 3, None, 0).unwrap();
    assert_eq!((c.ar_id(), c.size(), c.parent_ar_id(), c.kind()), (0, 3, Some(2), ArType::Ip4));
    assert!(c.is_reservation());
    assert_eq!(c.ip_start(), Some(ip("10.0.0.3")));
    assert_eq!(c.mac_start().to_string(), "02:00:0a:00:00:03");
    assert_eq!(c.attrs().get("GATEWAY"), Some("10.0.0.254"));
    assert_eq!(c.attrs().get("IPAM_MAD"), None);
    assert_eq!(c.used(), 0);
    for i in 0..3 {
        assert_eq!(c.lease(i).unwrap().ip, p.lease(2 + i).unwrap().ip);
        assert_eq!(c.lease(i).unwrap().mac, p.lease(2 + i).unwrap().mac);
    }
    assert_eq!(p.indices_of(LeaseOwner::Reserved(5)), [2, 3, 4]);
    assert_eq!(p.allocate(LeaseOwner::Vm(3)).unwrap().index, 5);
    // at a given start: must be free and inside
    assert_eq!(p.reserve(6, 2, Some(4), 0), Err(ArError::InUse { addr: "10.0.0.5".into(), ar_id: 2 }));
    assert_eq!(p.reserve(6, 2, Some(9), 0), Err(ArError::NoSpace { ar_id: 2 }));
    let c2 = p.reserve(6, 2, Some(8), 1).unwrap();
    assert_eq!(c2.ip_start(), Some(ip("10.0.0.9")));
    assert_eq!(p.reserve(7, 3, None, 0), Err(ArError::NoSpace { ar_id: 2 }));
    assert_eq!(p.find_free_block(2), Some(6));
    assert_eq!(p.reserve(7, 0, None, 0), Err(ArError::BadReservationSize));
    assert_eq!(p.reservation_child(0, 8, 3), Err(ArError::IndexOutOfRange { index: 10, ar_id: 2, size: 10 }));
    assert_eq!(
        p.allocate_index(10, LeaseOwner::Vm(1)),
        Err(ArError::IndexOutOfRange { index: 10, ar_id: 2, size: 10 })
    );
    // removing the reservation's AR frees its block in the parent
    assert_eq!(p.free_range(2, 3, LeaseOwner::Reserved(5)), 3);
    assert_eq!(p.free_range(8, 2, LeaseOwner::Reserved(5)), 0);
    assert_eq!(p.used(), 5);
    p.check_invariants();
    // a reservation of a static IPv6 range moves IP6 too
    let mut s = ar(&[
        ("TYPE", "IP4_6_STATIC"),
        ("IP", "10.0.0.1"),
        ("IP6", "2001:db8::100"),
        ("PREFIX_LENGTH", "64"),
        ("SIZE", "16"),
    ]);
    s.allocate(LeaseOwner::Vm(1)).unwrap();
    let c = s.reserve(9, 4, None, 0).unwrap();
    assert_eq!((c.ip6_start(), c.prefix_length()), (Some(ip6("2001:db8::101")), Some(64)));
}

#[test]
fn port_ranges() {
    let mut a = ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "10"), ("PORT_START", "2000"), ("PORT_SIZE", "10")]);
    let l = a.allocate(LeaseOwner::Vm(0)).unwrap();
    let mut nic = Vector::new();
    l.write_nic(&mut nic);
    assert_eq!(nic.get("EXTERNAL_PORT_RANGE"), Some("2001:2010"));
    assert_eq!(nic.get("INTERNAL_PORT_RANGE"), Some("1-10/2001"));
    assert_eq!(a.lease(3).unwrap().ports.unwrap().external(), "2031:2040");
    let c = a.reserve(1, 2, Some(3), 0).unwrap();
    assert_eq!(c.lease(0).unwrap().ports, a.lease(3).unwrap().ports);
    assert_eq!(ip4_ar(2).lease(0).unwrap().ports, None);
}

#[test]
fn nic_overrides() {
    let a = ar(&[
        ("TYPE", "IP4"),
        ("IP", "10.0.0.1"),
        ("SIZE", "2"),
        ("BRIDGE", "br1"),
        ("VLAN_ID", "7"),
        ("GATEWAY", "10.0.0.254"),
        ("DNS", "1.1.1.1"),
        ("PHYDEV", ""),
    ]);
    let mut nic = vec_of(&[("BRIDGE", "br0"), ("PHYDEV", "eth0"), ("DNS", "9.9.9.9")]);
    a.write_nic_overrides(&mut nic, &["GATEWAY", "DNS", "MTU"]);
    assert_eq!(nic.get("BRIDGE"), Some("br1"));
    assert_eq!(nic.get("VLAN_ID"), Some("7"));
    assert_eq!(nic.get("PHYDEV"), Some("eth0"));
    assert_eq!(nic.get("GATEWAY"), Some("10.0.0.254"));
    assert_eq!(nic.get("DNS"), Some("9.9.9.9"), "the NIC's own value wins over inheritance");
    assert_eq!(nic.get("MTU"), None);
}

#[test]
fn restore_leases() {
    let mut a = ip4_ar(4);
    a.restore_lease(2, LeaseOwner::Vm(3)).unwrap();
    a.restore_lease(0, LeaseOwner::Vm(-1)).unwrap();
    assert_eq!(a.owner(0), Some(LeaseOwner::Hold));
    assert_eq!(a.restore_lease(2, LeaseOwner::Vm(4)), Err(ArError::AlreadyLeased { index: 2, ar_id: 0 }));
    assert_eq!(a.restore_lease(4, LeaseOwner::Vm(4)), Err(ArError::IndexOutOfRange { index: 4, ar_id: 0, size: 4 }));
    assert_eq!(a.allocate(LeaseOwner::Vm(5)).unwrap().index, 1);
    assert_eq!(a.allocate(LeaseOwner::Vm(5)).unwrap().index, 3);
    a.check_invariants();
}

#[test]
fn owner_packing_matches_opennebula() {
    // PoolObjectSQL::VM = 0x0000001000000000, NET = 0x0000004000000000, VROUTER = 0x0004000000000000
    assert_eq!(LeaseOwner::Vm(0).to_packed(), 68_719_476_736);
    assert_eq!(LeaseOwner::Hold.to_packed(), 0x0000_0010_ffff_ffff);
    assert_eq!(LeaseOwner::Vm(-1).to_packed(), LeaseOwner::Hold.to_packed());
    assert_eq!(LeaseOwner::Reserved(5).to_packed(), 0x0000_0040_0000_0005);
    assert_eq!(LeaseOwner::VRouter(2).to_packed(), 0x0004_0000_0000_0002);
    for o in
        [LeaseOwner::Vm(0), LeaseOwner::Vm(i32::MAX), LeaseOwner::Hold, LeaseOwner::Reserved(5), LeaseOwner::VRouter(2)]
    {
        assert_eq!(LeaseOwner::from_packed(o.to_packed()), Some(o));
    }
    assert_eq!(LeaseOwner::from_packed(0x0000_0020_0000_0001), None, "HOST is not a lease owner");
    let mut a = ip4_ar(4);
    a.allocate(LeaseOwner::Vm(0)).unwrap();
    a.hold_by_ip(ip("10.0.0.3")).unwrap();
    assert_eq!(a.allocated_string(), " 0 68719476736 2 73014444031");
}

// -------------------------------------------------------------------------------- update

#[test]
fn update_size_grow_and_shrink() {
    let mut a = ip4_ar(10);
    a.allocate_index(7, LeaseOwner::Vm(1)).unwrap();
    let before = a.clone();
    assert_eq!(a.update(&vec_of(&[("SIZE", "7")])), Err(ArError::ShrinkInUse));
    assert_eq!(
        ArError::ShrinkInUse.to_string(),
        "New SIZE cannot be applied. There are used leases that would fall outside the range."
    );
    assert_eq!(a, before);
    a.update(&vec_of(&[("SIZE", "8")])).unwrap();
    assert_eq!(a.size(), 8);
    a.update(&vec_of(&[("SIZE", "100")])).unwrap();
    assert_eq!(a.size(), 100);
    a.update(&vec_of(&[("GATEWAY", "10.0.0.254")])).unwrap();
    assert_eq!(a.size(), 100, "missing SIZE keeps it");
    for bad in ["0", "-3", "x", "4294967296"] {
        assert_eq!(a.update(&vec_of(&[("SIZE", bad)])), Err(ArError::BadUpdateSize), "{bad}");
    }
    let mut b = ar(&[("TYPE", "IP4"), ("IP", "255.255.255.0"), ("SIZE", "10")]);
    assert_eq!(b.update(&vec_of(&[("SIZE", "300")])), Err(ArError::Ip4Overflow { ip: ip("255.255.255.0"), size: 300 }));
    b.update(&vec_of(&[("SIZE", "256")])).unwrap();
}

#[test]
fn update_replaces_user_attributes_and_keeps_owned_ones() {
    let mut a = ar(&[
        ("TYPE", "IP4_6"),
        ("IP", "10.0.0.1"),
        ("SIZE", "10"),
        ("GATEWAY", "10.0.0.254"),
        ("DNS", "8.8.8.8"),
        ("IPAM_MAD", "internal"),
        ("ULA_PREFIX", "fd00::"),
        ("GLOBAL_PREFIX", "2001:db8::"),
    ]);
    a.update(&vec_of(&[
        ("AR_ID", "0"),
        ("TYPE", "ip4_6"),
        ("IP", "10.0.0.1"),
        ("MAC", "02:00:0A:00:00:01"),
        ("GATEWAY", "10.0.0.1"),
        ("MTU", "9000"),
        ("GLOBAL_PREFIX", "2001:db8:1::"),
        ("USED_LEASES", "0"),
        ("MAC_END", "x"),
        ("IP6_ULA", "x"),
    ]))
    .unwrap();
    assert_eq!(
        a.attrs().iter().collect::<Vec<_>>(),
        [("GATEWAY", "10.0.0.1"), ("MTU", "9000"), ("IPAM_MAD", "internal")]
    );
    assert_eq!(a.global_prefix(), Some(ip6("2001:db8:1::")));
    assert_eq!(a.ula_prefix(), None, "a prefix left out is cleared, as in OpenNebula");
    assert_eq!(a.lease(0).unwrap().ip6_global, Some(ip6("2001:db8:1:0:0:aff:fe00:1")));
}

#[test]
fn update_refuses_changes_to_identity() {
    let mut a = ar(&[
        ("TYPE", "IP4_6_STATIC"),
        ("IP", "10.0.0.1"),
        ("IP6", "2001:db8::1"),
        ("PREFIX_LENGTH", "64"),
        ("SIZE", "10"),
    ]);
    let before = a.clone();
    assert_eq!(a.update(&vec_of(&[("TYPE", "IP4")])), Err(ArError::Immutable("TYPE")));
    assert_eq!(a.update(&vec_of(&[("IP", "10.0.0.2")])), Err(ArError::Immutable("IP")));
    assert_eq!(a.update(&vec_of(&[("MAC", "02:00:0a:00:00:02")])), Err(ArError::Immutable("MAC")));
    assert_eq!(a.update(&vec_of(&[("MAC", "junk")])), Err(ArError::Immutable("MAC")));
    assert_eq!(a.update(&vec_of(&[("IP6", "2001:db8::2")])), Err(ArError::Immutable("IP6")));
    assert_eq!(a.update(&vec_of(&[("PREFIX_LENGTH", "200")])), Err(ArError::BadPrefixLength));
    assert_eq!(a.update(&vec_of(&[("SHARED", "YES")])), Err(ArError::SharedUnsupported));
    assert_eq!(a.update(&vec_of(&[("IPAM_MAD", "aws")])), Err(ArError::ExternalIpam("aws".into())));
    assert_eq!(ArError::Immutable("IP").to_string(), "Attribute IP of an address range cannot be updated");
    assert_eq!(a, before);
    a.update(&vec_of(&[("IP6", "2001:DB8:0::1"), ("PREFIX_LENGTH", "48")])).unwrap();
    assert_eq!(a.prefix_length(), Some(48));
    a.update(&vec_of(&[])).unwrap();
    assert_eq!(a.prefix_length(), Some(48), "missing PREFIX_LENGTH keeps it");
    // IP on a range without IPv4 is ignored, as OpenNebula drops it
    let mut e = ar(&[("TYPE", "ETHER"), ("SIZE", "4")]);
    e.update(&vec_of(&[("IP", "1.2.3.4")])).unwrap();
    assert_eq!(e.ip_start(), None);
    assert_eq!(e.attrs().get("IP"), None);
}

#[test]
fn update_of_reservation_size() {
    let mut p = ip4_ar(10);
    let mut c = p.reserve(3, 4, None, 0).unwrap();
    assert_eq!(c.update(&vec_of(&[("SIZE", "5")])), Err(ArError::ReservationSize));
    c.update(&vec_of(&[("SIZE", "4"), ("DNS", "1.1.1.1")])).unwrap();
    assert_eq!(c.parent_ar_id(), Some(0));
}

// ------------------------------------------------------------------------------- serde

#[test]
fn serde_form_has_no_leases() {
    let mut a = ar(&[
        ("TYPE", "IP4_6"),
        ("IP", "10.0.0.1"),
        ("SIZE", "10"),
        ("GLOBAL_PREFIX", "2001:db8::"),
        ("DNS", "8.8.8.8"),
    ]);
    a.allocate(LeaseOwner::Vm(1)).unwrap();
    let js = serde_json::to_string(&a).unwrap();
    assert_eq!(
        js,
        r#"{"ar_id":0,"kind":"IP4_6","mac":"02:00:0a:00:00:01","ip":"10.0.0.1","global_prefix":"2001:db8::","size":10,"attrs":[["DNS","8.8.8.8"]]}"#
    );
    let mut back: AddressRange = serde_json::from_str(&js).unwrap();
    assert_eq!(back.used(), 0);
    back.restore_lease(0, LeaseOwner::Vm(1)).unwrap();
    assert_eq!(back, a);
}

// --------------------------------------------------------------------------------- XML

/// A parsed element: name, text (text and CDATA joined), children.
#[derive(Debug)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses with quick-xml, failing on anything that is not well-formed.
fn parse(xml: &str) -> Node {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node { name: String::new(), text: String::new(), children: vec![] }];
    loop {
        match r.read_event().unwrap_or_else(|e| panic!("malformed XML ({e}): {xml}")) {
            Event::Start(e) => {
                stack.push(Node { name: e.name().as_ref().to_string(), text: String::new(), children: vec![] })
            }
            Event::Empty(e) => {
                let n = Node { name: e.name().as_ref().to_string(), text: String::new(), children: vec![] };
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.into_inner()),
            Event::CData(c) => stack.last_mut().unwrap().text.push_str(&c.into_inner()),
            Event::GeneralRef(g) => panic!("unexpected entity {:?}", g.into_inner()),
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().unwrap();
    assert!(stack.is_empty(), "unclosed elements");
    assert_eq!(root.children.len(), 1, "exactly one root element");
    root.children.pop().unwrap()
}

#[test]
fn info_xml_order_and_values() {
    let mut a = ar(&[
        ("TYPE", "IP4_6"),
        ("IP", "10.0.0.1"),
        ("SIZE", "16"),
        ("ULA_PREFIX", "fd00::"),
        ("GLOBAL_PREFIX", "2001:db8::"),
        ("GATEWAY", "10.0.0.254"),
        ("DNS", "8.8.8.8"),
        ("VN_MAD", "bridge"),
    ]);
    a.allocate(LeaseOwner::Vm(3)).unwrap();
    a.hold_by_ip(ip("10.0.0.5")).unwrap();
    let mut x = String::new();
    a.write_xml(&mut x, true);
    let n = parse(&x);
    assert_eq!(n.name, "AR");
    assert_eq!(
        n.names(),
        [
            "AR_ID",
            "DNS",
            "GATEWAY",
            "GLOBAL_PREFIX",
            "IP",
            "MAC",
            "NEXT_INDEX",
            "SHARED",
            "SIZE",
            "TYPE",
            "ULA_PREFIX",
            "VN_MAD",
            "MAC_END",
            "IP_END",
            "IP6_ULA",
            "IP6_ULA_END",
            "IP6_GLOBAL",
            "IP6_GLOBAL_END",
            "USED_LEASES",
            "LEASES"
        ]
    );
    assert!(x.starts_with("<AR><AR_ID><![CDATA[0]]></AR_ID><DNS><![CDATA[8.8.8.8]]></DNS>"), "{x}");
    assert!(x.contains("<USED_LEASES>2</USED_LEASES>"), "USED_LEASES is a bare integer: {x}");
    assert_eq!(n.text_of("NEXT_INDEX"), Some("1"));
    assert_eq!(n.text_of("SHARED"), Some("NO"));
    assert_eq!(n.text_of("MAC_END"), Some("02:00:0a:00:00:10"));
    assert_eq!(n.text_of("IP_END"), Some("10.0.0.16"));
    assert_eq!(n.text_of("IP6_ULA"), Some("fd00::aff:fe00:1"));
    assert_eq!(n.text_of("IP6_ULA_END"), Some("fd00::aff:fe00:10"));
    assert_eq!(n.text_of("IP6_GLOBAL_END"), Some("2001:db8::aff:fe00:10"));
    let leases = n.child("LEASES").unwrap();
    assert_eq!(leases.names(), ["LEASE", "LEASE"]);
    let l0 = &leases.children[0];
    assert_eq!(l0.names(), ["IP", "IP6_GLOBAL", "IP6_LINK", "IP6_ULA", "MAC", "VM"]);
    assert_eq!(l0.text_of("VM"), Some("3"));
    assert_eq!(l0.text_of("IP6_LINK"), Some("fe80::aff:fe00:1"));
    let l1 = &leases.children[1];
    assert_eq!((l1.text_of("IP"), l1.text_of("VM")), (Some("10.0.0.5"), Some("-1")));
    // integer elements parse as integers
    for name in ["AR_ID", "SIZE", "NEXT_INDEX", "USED_LEASES"] {
        n.text_of(name).unwrap().parse::<u64>().unwrap();
    }
}

#[test]
fn info_xml_static_and_reservation() {
    let mut p = ar(&[("TYPE", "IP6_STATIC"), ("IP6", "2001:db8::100"), ("PREFIX_LENGTH", "64"), ("SIZE", "16")]);
    let mut c = p.reserve(4, 2, None, 1).unwrap();
    let mut x = String::new();
    p.write_xml(&mut x, true);
    let n = parse(&x);
    assert_eq!(
        n.names(),
        [
            "AR_ID",
            "IP6",
            "MAC",
            "NEXT_INDEX",
            "PREFIX_LENGTH",
            "SHARED",
            "SIZE",
            "TYPE",
            "MAC_END",
            "IP6_END",
            "USED_LEASES",
            "LEASES"
        ]
    );
    assert_eq!(n.text_of("IP6_END"), Some("2001:db8::10f"));
    let l = &n.child("LEASES").unwrap().children[1];
    assert_eq!(l.names(), ["IP6", "MAC", "VNET"]);
    assert_eq!((l.text_of("IP6"), l.text_of("VNET")), (Some("2001:db8::101"), Some("4")));
    c.allocate(LeaseOwner::VRouter(9)).unwrap();
    let mut x = String::new();
    c.write_xml(&mut x, true);
    let n = parse(&x);
    assert_eq!(n.text_of("PARENT_NETWORK_AR_ID"), Some("0"));
    assert_eq!(n.child("LEASES").unwrap().children[0].text_of("VROUTER"), Some("9"));
}

#[test]
fn info_xml_without_or_with_no_leases() {
    let mut a = ip4_ar(4);
    let mut x = String::new();
    a.write_xml(&mut x, true);
    assert!(x.ends_with("<USED_LEASES>0</USED_LEASES><LEASES/></AR>"), "{x}");
    parse(&x);
    a.allocate(LeaseOwner::Vm(1)).unwrap();
    a.allocate(LeaseOwner::Vm(2)).unwrap();
    let mut x = String::new();
    a.write_xml(&mut x, false);
    assert!(parse(&x).child("LEASES").is_none());
    let mut x = String::new();
    a.write_xml_visible(&mut x, &|o| o == LeaseOwner::Vm(2));
    let n = parse(&x);
    let leases = n.child("LEASES").unwrap();
    assert_eq!(leases.children.len(), 1);
    assert_eq!(leases.children[0].text_of("VM"), Some("2"));
    assert_eq!(n.text_of("USED_LEASES"), Some("2"), "USED_LEASES counts every lease");
}

#[test]
fn pool_xml_has_allocated_and_nothing_computed() {
    let mut a = ar(&[("TYPE", "IP4"), ("IP", "10.0.0.1"), ("SIZE", "4"), ("GATEWAY", "10.0.0.254")]);
    let mut x = String::new();
    a.write_pool_xml(&mut x);
    assert_eq!(parse(&x).names(), ["AR_ID", "GATEWAY", "IP", "MAC", "NEXT_INDEX", "SHARED", "SIZE", "TYPE"]);
    a.allocate(LeaseOwner::Vm(0)).unwrap();
    a.hold_by_ip(ip("10.0.0.4")).unwrap();
    let mut x = String::new();
    a.write_pool_xml(&mut x);
    let n = parse(&x);
    assert_eq!(n.names(), ["ALLOCATED", "AR_ID", "GATEWAY", "IP", "MAC", "NEXT_INDEX", "SHARED", "SIZE", "TYPE"]);
    assert_eq!(n.text_of("ALLOCATED"), Some(" 0 68719476736 3 73014444031"));
}

#[test]
fn xml_values_with_markup_stay_well_formed() {
    let nasty = "a]]>b<c>&d\"e'";
    let a = ar(&[("TYPE", "ETHER"), ("SIZE", "1"), ("DESCRIPTION", nasty)]);
    let mut x = String::new();
    a.write_xml(&mut x, true);
    assert_eq!(parse(&x).text_of("DESCRIPTION"), Some(nasty));
    let mut x = String::new();
    a.write_pool_xml(&mut x);
    assert_eq!(parse(&x).text_of("DESCRIPTION"), Some(nasty));
}

// ------------------------------------------------------------------------ scale

/// 50,000 VMs in a /16, then churn: every op stays O(log n). Prints the time; asserts only
/// the results (timings belong in benchmarks).
#[test]
fn fifty_thousand_allocations_in_a_slash_16() {
    let mut a = ar(&[("TYPE", "IP4"), ("IP", "10.1.0.0"), ("SIZE", "65536")]);
    let t = std::time::Instant::now();
    for vm in 0..50_000 {
        let l = a.allocate(LeaseOwner::Vm(vm)).unwrap();
        assert_eq!(l.index, vm as u32);
    }
    let fill = t.elapsed();
    assert_eq!(a.used(), 50_000);
    // churn: a VM goes, a new one takes the lowest free address, which is the freed one
    let t = std::time::Instant::now();
    for k in 0..50_000i32 {
        let victim = (k * 7919) % 50_000;
        let freed = a.free_vm(victim);
        if freed.is_empty() {
            continue;
        }
        let l = a.allocate(LeaseOwner::Vm(50_000 + k)).unwrap();
        assert_eq!(l.index, freed[0]);
    }
    let churn = t.elapsed();
    // fill the rest, then the range is full
    while a.allocate(LeaseOwner::Hold).is_some() {}
    assert_eq!((a.used(), a.free_count()), (65_536, 0));
    a.check_invariants();
    let mut x = String::new();
    let t = std::time::Instant::now();
    a.write_xml(&mut x, true);
    let xml = t.elapsed();
    eprintln!(
        "50k allocations: {fill:?}; 50k free_vm+allocate: {churn:?}; XML of 65,536 leases: {xml:?} ({} bytes)",
        x.len()
    );
}

// ---------------------------------------------------------------------- property test

#[derive(Clone, Debug)]
enum Op {
    Allocate(i32),
    AllocateAt(u32, i32),
    Hold(u32),
    Release(u32),
    FreeIndex(u32),
    FreeVm(i32),
    Reserve(u32, Option<u32>),
    Resize(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6i32).prop_map(Op::Allocate),
        2 => (0..40u32, 0..6i32).prop_map(|(i, v)| Op::AllocateAt(i, v)),
        2 => (0..40u32).prop_map(Op::Hold),
        2 => (0..40u32).prop_map(Op::Release),
        2 => (0..40u32).prop_map(Op::FreeIndex),
        1 => (0..6i32).prop_map(Op::FreeVm),
        1 => (1..6u32, proptest::option::of(0..40u32)).prop_map(|(n, f)| Op::Reserve(n, f)),
        1 => (1..40u32).prop_map(Op::Resize),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random operations against a plain Vec<Option<owner>> model.
    #[test]
    fn matches_a_simple_model(size in 1..32u32, ops in proptest::collection::vec(op(), 0..80)) {
        let mut a = ip4_ar(size);
        let mut model: Vec<Option<LeaseOwner>> = vec![None; size as usize];
        let addr = |i: u32| Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 1)) + i);
        for op in ops {
            match op {
                Op::Allocate(vm) => {
                    let want = model.iter().position(Option::is_none);
                    let got = a.allocate(LeaseOwner::Vm(vm)).map(|l| l.index as usize);
                    prop_assert_eq!(got, want);
                    if let Some(i) = want { model[i] = Some(LeaseOwner::Vm(vm)); }
                }
                Op::AllocateAt(i, vm) => {
                    let r = a.allocate_by_ip(addr(i), LeaseOwner::Vm(vm));
                    match model.get(i as usize) {
                        None => {
                            let ok = matches!(r, Err(ArError::NotInRange { .. }));
                            prop_assert!(ok, "{:?}", r)
                        }
                        Some(Some(_)) => {
                            let ok = matches!(r, Err(ArError::InUse { .. }));
                            prop_assert!(ok, "{:?}", r)
                        }
                        Some(None) => {
                            prop_assert_eq!(r.map(|l| l.index), Ok(i));
                            model[i as usize] = Some(LeaseOwner::Vm(vm));
                        }
                    }
                }
                Op::Hold(i) => {
                    let r = a.hold_by_mac(a.mac_start().offset(i));
                    match model.get(i as usize) {
                        Some(None) => { prop_assert_eq!(r, Ok(i)); model[i as usize] = Some(LeaseOwner::Hold); }
                        _ => prop_assert!(r.is_err()),
                    }
                }
                Op::Release(i) => {
                    let r = a.release_by_ip(addr(i));
                    match model.get(i as usize) {
                        Some(Some(LeaseOwner::Hold)) => { prop_assert_eq!(r, Ok(i)); model[i as usize] = None; }
                        None => {
                            let ok = matches!(r, Err(ArError::NotInRange { .. }));
                            prop_assert!(ok, "{:?}", r)
                        }
                        Some(other) => {
                            let is_not_owned =
                                matches!(&r, Err(ArError::NotOwned { actual, .. }) if actual == other);
                            prop_assert!(is_not_owned, "{:?}", r);
                        }
                    }
                }
                Op::FreeIndex(i) => {
                    let want = model.get_mut(i as usize).and_then(Option::take);
                    prop_assert_eq!(a.free_index(i), want);
                }
                Op::FreeVm(vm) => {
                    let mut want = vec![];
                    for (i, slot) in model.iter_mut().enumerate() {
                        if *slot == Some(LeaseOwner::Vm(vm)) { *slot = None; want.push(i as u32); }
                    }
                    prop_assert_eq!(a.free_vm(vm), want);
                }
                Op::Reserve(n, first) => {
                    let n = n as usize;
                    let fits = |f: usize| f + n <= model.len() && model[f..f + n].iter().all(Option::is_none);
                    let want = match first {
                        Some(f) => fits(f as usize).then_some(f as usize),
                        None => (0..model.len()).find(|&f| fits(f)),
                    };
                    let r = a.reserve(99, n as u32, first, 0);
                    prop_assert_eq!(r.as_ref().ok().and_then(|c| c.ip_start()), want.map(|f| addr(f as u32)));
                    if let Some(f) = want {
                        for slot in &mut model[f..f + n] { *slot = Some(LeaseOwner::Reserved(99)); }
                    }
                }
                Op::Resize(n) => {
                    let ok = model.iter().skip(n as usize).all(Option::is_none);
                    let r = a.update(&vec_of(&[("SIZE", &n.to_string())]));
                    prop_assert_eq!(r.is_ok(), ok);
                    if ok { model.resize(n as usize, None); }
                }
            }
            a.check_invariants();
            let want: Vec<(u32, LeaseOwner)> =
                model.iter().enumerate().filter_map(|(i, o)| o.map(|o| (i as u32, o))).collect();
            prop_assert_eq!(a.leases().collect::<Vec<_>>(), want);
            prop_assert_eq!(a.used() as usize, model.iter().filter(|o| o.is_some()).count());
            prop_assert_eq!(a.size() as usize, model.len());
            prop_assert_eq!(a.free_count() as usize, model.iter().filter(|o| o.is_none()).count());
            let lowest = model.iter().position(Option::is_none).unwrap_or(0) as u32;
            prop_assert_eq!(a.next_index(), lowest);
        }
    }

    /// Whatever the user attributes, both XML forms are well-formed and give the values back.
    #[test]
    fn xml_is_well_formed(
        vals in proptest::collection::vec("[ -~\u{e9}\u{4e2d}]{0,12}", 0..5),
        leased in proptest::collection::btree_set(0..8u32, 0..8),
    ) {
        let names = ["DESCRIPTION", "GATEWAY", "DNS", "ZZZ", "A_B"];
        let mut pairs: Vec<(&str, &str)> =
            vec![("TYPE", "IP4_6"), ("IP", "10.0.0.1"), ("SIZE", "8"), ("ULA_PREFIX", "fd00::")];
        for (n, v) in names.iter().zip(&vals) { pairs.push((n, v)); }
        let mut a = ar(&pairs);
        for i in &leased { a.allocate_index(*i, LeaseOwner::Vm(*i as i32)).unwrap(); }
        let mut x = String::new();
        a.write_xml(&mut x, true);
        let n = parse(&x);
        for (name, v) in names.iter().zip(&vals) {
            prop_assert_eq!(n.text_of(name), Some(v.as_str()));
        }
        prop_assert_eq!(n.child("LEASES").unwrap().children.len(), leased.len());
        let names_seen = n.names();
        let attrs_end = names_seen.iter().position(|&s| s == "MAC_END").unwrap();
        let mut sorted = names_seen[..attrs_end].to_vec();
        sorted.sort();
        prop_assert_eq!(&names_seen[..attrs_end], &sorted[..]);
        let mut x = String::new();
        a.write_pool_xml(&mut x);
        parse(&x);
    }
}
