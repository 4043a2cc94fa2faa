"""one.vn.*, one.vnpool.info and the leases VM NICs take and give back."""

import ipaddress

import pyone
import pytest

from helpers import as_list, id_list, perms, raises, uniq, vm_template


def mkvnet(one, ars, name=None, extra=""):
    name = name or uniq("net")
    text = 'NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\n%s' % (name, extra)
    text += "".join("AR = [ %s ]\n" % ar for ar in ars)
    return one.vn.allocate(text, -1), name


def ars(vnet):
    return as_list(vnet.AR_POOL.AR) if vnet.AR_POOL is not None else []


def leases(ar):
    if ar.LEASES is None:
        return []
    return as_list(ar.LEASES.LEASE)


def nics(vm):
    return as_list(vm.TEMPLATE.get("NIC"))


def mac_for_ip(ip):
    """MAC_PREFIX 02:00 followed by the IPv4 address."""
    return "02:00:" + ":".join("%02x" % int(b) for b in ip.split("."))


def eui64(prefix, mac):
    """prefix (a /64) + the modified EUI-64 interface id of mac."""
    b = [int(x, 16) for x in mac.split(":")]
    iid = bytes([b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]])
    net = ipaddress.IPv6Address(prefix).packed[:8]
    return ipaddress.IPv6Address(net + iid)


def used(one, vn):
    return one.vn.info(vn).USED_LEASES


# --------------------------------------------------------------------------------------------------
# allocate / info / pool
# --------------------------------------------------------------------------------------------------

def test_vnet_ip4_allocate_info(one):
    vn, name = mkvnet(one, ['TYPE = "IP4", IP = "10.20.0.1", SIZE = "8"'])
    assert isinstance(vn, int) and vn >= 0
    v = one.vn.info(vn)
    assert v.ID == vn and v.NAME == name
    assert v.STATE == 1                         # READY (Nephele: no IPAM driver round trip)
    assert v.UID == 0 and v.UNAME == "oneadmin" and v.GID == 0
    assert perms(v) == (1, 1, 0, 0, 0, 0, 0, 0, 0)
    assert v.BRIDGE == "br0"
    assert v.VN_MAD == "dummy"
    assert id_list(v.CLUSTERS) == [0]
    assert v.PARENT_NETWORK_ID in (-1, "", None) or str(v.PARENT_NETWORK_ID) == "-1"
    assert v.USED_LEASES == 0
    a = ars(v)
    assert len(a) == 1
    assert str(a[0].AR_ID) == "0"
    assert a[0].TYPE == "IP4"
    assert a[0].IP == "10.20.0.1"
    assert int(a[0].SIZE) == 8
    assert a[0].MAC == "02:00:0a:14:00:01"
    assert "AR" not in v.TEMPLATE               # ARs are moved into AR_POOL
    assert vn in id_list(one.cluster.info(0).VNETS)
    pool_ids = [x.ID for x in one.vnpool.info(-2, -1, -1).VNET]
    assert vn in pool_ids
    assert pool_ids == sorted(pool_ids, reverse=True)


def test_vnet_ip6_ula_global(one):
    ula, glob = "fd00:0:0:1::", "2001:db8:0:1::"
    vn, _ = mkvnet(one, ['TYPE = "IP6", ULA_PREFIX = "%s", GLOBAL_PREFIX = "%s", SIZE = "4"' % (ula, glob)])
    a = ars(one.vn.info(vn))[0]
    assert a.TYPE == "IP6"
    assert ipaddress.IPv6Address(a.ULA_PREFIX) == ipaddress.IPv6Address(ula)
    assert ipaddress.IPv6Address(a.GLOBAL_PREFIX) == ipaddress.IPv6Address(glob)
    assert a.MAC.startswith("02:00:")
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    nic = nics(one.vm.info(vid))[0]
    assert nic["MAC"] == a.MAC                  # first lease of the AR
    assert "IP" not in nic
    assert ipaddress.IPv6Address(nic["IP6_ULA"]) == eui64(ula, nic["MAC"])
    assert ipaddress.IPv6Address(nic["IP6_GLOBAL"]) == eui64(glob, nic["MAC"])
    assert used(one, vn) == 1


def test_vnet_ip4_6(one):
    ula = "fd00:0:0:2::"
    vn, _ = mkvnet(one, ['TYPE = "IP4_6", IP = "10.30.0.1", ULA_PREFIX = "%s", SIZE = "4"' % ula])
    a = ars(one.vn.info(vn))[0]
    assert a.TYPE == "IP4_6"
    assert a.IP == "10.30.0.1"
    assert a.MAC == "02:00:0a:1e:00:01"
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    nic = nics(one.vm.info(vid))[0]
    assert nic["IP"] == "10.30.0.1"
    assert nic["MAC"] == "02:00:0a:1e:00:01"
    assert ipaddress.IPv6Address(nic["IP6_ULA"]) == eui64(ula, nic["MAC"])


def test_vnet_ether(one):
    vn, _ = mkvnet(one, ['TYPE = "ETHER", MAC = "02:00:00:00:aa:01", SIZE = "3"'])
    a = ars(one.vn.info(vn))[0]
    assert a.TYPE == "ETHER"
    assert a.MAC == "02:00:00:00:aa:01"
    v1 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    v2 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    n1, n2 = nics(one.vm.info(v1))[0], nics(one.vm.info(v2))[0]
    assert n1["MAC"] == "02:00:00:00:aa:01"
    assert n2["MAC"] == "02:00:00:00:aa:02"
    assert "IP" not in n1


def test_vnet_ether_without_mac_uses_prefix(one):
    vn, _ = mkvnet(one, ['TYPE = "ETHER", SIZE = "2"'])
    a = ars(one.vn.info(vn))[0]
    assert a.MAC.startswith("02:00:")


@pytest.mark.parametrize("ar,message", [
    ('TYPE = "FOO", IP = "10.0.0.1", SIZE = "4"', "Unknown or missing address range TYPE."),
    ('IP = "10.0.0.1", SIZE = "4"', "Unknown or missing address range TYPE."),
    ('TYPE = "IP4", SIZE = "4"', "Wrong or empty IP attribute"),
    ('TYPE = "IP4", IP = "10.0.0.1"', "Wrong SIZE for address range"),
    ('TYPE = "IP6", ULA_PREFIX = "not-a-prefix", SIZE = "4"', "Wrong format for IP6 unique local address prefix"),
])
def test_vnet_bad_ar_fails_allocate(one, ar, message):
    name = uniq("badnet")
    raises(pyone.OneInternalException, mkvnet, one, [ar], name,
           contains=["[one.vn.allocate]", message])
    assert name not in [x.NAME for x in (one.vnpool.info(-2, -1, -1).VNET or [])]


def test_vnet_allocate_errors(one):
    raises(pyone.OneInternalException, one.vn.allocate, 'NAME = "%s"\nBRIDGE = "br0"' % uniq("n"), -1,
           contains="No VN_MAD in template for Virtual Network.")
    raises(pyone.OneInternalException, one.vn.allocate, 'NAME = "%s"\nVN_MAD = "dummy"' % uniq("n"), -1,
           contains="BRIDGE is mandatory for driver dummy")
    vn, name = mkvnet(one, [])
    raises(pyone.OneInternalException, mkvnet, one, [], name,
           contains="NAME is already taken by NET %d." % vn)
    raises(pyone.OneNoExistsException, one.vn.allocate,
           'NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("n"), 987654,
           contains="Error getting cluster [987654].")
    raises(pyone.OneInternalException, one.vn.allocate, 'NAME = "%s"\nVN_MAD = [' % uniq("n"), -1,
           startswith="[one.vn.allocate] Parse error")


def test_vnet_update_rename_delete(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.21.0.1", SIZE = "4"'], extra='DESCRIPTION = "one"\n')
    assert one.vn.update(vn, 'DESCRIPTION = "two"\nGATEWAY = "10.21.0.254"', 1) == vn
    v = one.vn.info(vn)
    assert v.TEMPLATE["DESCRIPTION"] == "two"
    assert v.TEMPLATE["GATEWAY"] == "10.21.0.254"
    assert v.VN_MAD == "dummy"
    new = uniq("net-renamed")
    assert one.vn.rename(vn, new) == vn
    assert one.vn.info(vn).NAME == new
    assert one.vn.delete(vn) == vn
    raises(pyone.OneNoExistsException, one.vn.info, vn,
           contains="[one.vn.info] Error getting virtual network [%d]." % vn)
    assert vn not in id_list(one.cluster.info(0).VNETS)


# --------------------------------------------------------------------------------------------------
# address ranges
# --------------------------------------------------------------------------------------------------

def test_add_update_free_rm_ar(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.40.0.1", SIZE = "4"'])
    assert one.vn.add_ar(vn, 'AR = [ TYPE = "IP4", IP = "10.40.1.1", SIZE = "5" ]') == vn
    a = ars(one.vn.info(vn))
    assert [str(x.AR_ID) for x in a] == ["0", "1"]
    assert a[1].IP == "10.40.1.1" and int(a[1].SIZE) == 5
    assert a[1].MAC == "02:00:0a:28:01:01"

    assert one.vn.update_ar(vn, 'AR = [ AR_ID = "1", SIZE = "10" ]') == vn
    assert int(ars(one.vn.info(vn))[1].SIZE) == 10

    assert one.vn.hold(vn, 'LEASES = [ IP = "10.40.1.3" ]') == vn
    assert used(one, vn) == 1
    raises(pyone.OneInternalException, one.vn.rm_ar, vn, 1,
           contains="Address Range has leases in use")
    # in 7.4 free_ar is rm_ar without force
    raises(pyone.OneInternalException, one.vn.free_ar, vn, 1,
           contains="Address Range has leases in use")
    assert one.vn.release(vn, 'LEASES = [ IP = "10.40.1.3" ]') == vn
    assert used(one, vn) == 0
    assert one.vn.free_ar(vn, 1) == vn
    assert [str(x.AR_ID) for x in ars(one.vn.info(vn))] == ["0"]
    # rm_ar with force removes an AR that still has leases
    assert one.vn.hold(vn, 'LEASES = [ IP = "10.40.0.2" ]') == vn
    assert one.vn.rm_ar(vn, 0, True) == vn
    assert ars(one.vn.info(vn)) == []
    assert used(one, vn) == 0

    raises(pyone.OneInternalException, one.vn.rm_ar, vn, 7, contains="Address Range does not exist")
    raises(pyone.OneInternalException, one.vn.free_ar, vn, 7, contains="Address Range does not exist")
    raises(pyone.OneInternalException, one.vn.add_ar, vn, 'AR = [ TYPE = "BAD", SIZE = "2" ]',
           contains="Unknown or missing address range TYPE.")
    raises(pyone.OneInternalException, one.vn.add_ar, vn, 'FOO = "bar"',
           contains="Wrong AR definition. AR vector attribute is missing.")
    raises(pyone.OneInternalException, one.vn.update_ar, vn, 'AR = [ AR_ID = "9", SIZE = "3" ]',
           contains="Address Range with ID 9 was not found.")
    # a new AR gets the next id (ids of removed ARs are not reused)
    one.vn.add_ar(vn, 'AR = [ TYPE = "IP4", IP = "10.40.2.1", SIZE = "2" ]')
    assert [str(x.AR_ID) for x in ars(one.vn.info(vn))] == ["2"]


def test_hold_release(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.41.0.1", SIZE = "4"'])
    assert one.vn.hold(vn, 'LEASES = [ IP = "10.41.0.1" ]') == vn
    v = one.vn.info(vn)
    assert v.USED_LEASES == 1
    held = leases(ars(v)[0])
    assert [(x.IP, x.VM) for x in held] == [("10.41.0.1", -1)]
    assert held[0].MAC == "02:00:0a:29:00:01"
    # a held address is not handed to a VM
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    assert nics(one.vm.info(vid))[0]["IP"] == "10.41.0.2"
    raises(pyone.OneInternalException, one.vn.hold, vn, 'LEASES = [ IP = "10.41.0.1" ]',
           contains="Address is not part of the address range or in use")
    raises(pyone.OneInternalException, one.vn.hold, vn, 'LEASES = [ IP = "192.168.99.1" ]',
           contains="Address is not part of the address range or in use")
    assert one.vn.release(vn, 'LEASES = [ IP = "10.41.0.1" ]') == vn
    assert used(one, vn) == 1                   # only the VM's lease is left
    # by MAC
    assert one.vn.hold(vn, 'LEASES = [ MAC = "02:00:0a:29:00:04" ]') == vn
    assert "10.41.0.4" in [x.IP for x in leases(ars(one.vn.info(vn))[0])]
    assert one.vn.release(vn, 'LEASES = [ MAC = "02:00:0a:29:00:04" ]') == vn
    raises(pyone.OneInternalException, one.vn.hold, vn, 'FOO = "1"', contains="Empty lease description.")
    raises(pyone.OneInternalException, one.vn.hold, vn, 'LEASES = [ AR_ID = "0" ]',
           contains="Missing MAC, IP or IP6.")
    raises(pyone.OneInternalException, one.vn.hold, vn, 'LEASES = [ IP = "10.41.0.3", MAC = "02:00:0a:29:00:03" ]',
           contains="Only one attribute MAC, IP or IP6 can be set.")


def test_reserve(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.42.0.1", SIZE = "10"'])
    rname = uniq("resv")
    rid = one.vn.reserve(vn, 'SIZE = "3"\nNAME = "%s"' % rname)
    assert isinstance(rid, int) and rid != vn
    r = one.vn.info(rid)
    assert r.NAME == rname
    assert str(r.PARENT_NETWORK_ID) == str(vn)
    ra = ars(r)
    assert len(ra) == 1 and int(ra[0].SIZE) == 3
    assert ra[0].IP == "10.42.0.1"
    assert str(ra[0].PARENT_NETWORK_AR_ID) == "0"
    parent = one.vn.info(vn)
    assert parent.USED_LEASES == 3
    assert sorted(x.IP for x in leases(ars(parent)[0])) == ["10.42.0.1", "10.42.0.2", "10.42.0.3"]
    assert all(x.VNET == rid for x in leases(ars(parent)[0]))
    # a VM on the reservation takes from the reserved addresses
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % rid))
    assert nics(one.vm.info(vid))[0]["IP"] == "10.42.0.1"
    assert one.vn.info(rid).USED_LEASES == 1
    # a VM on the parent skips them
    vid2 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    assert nics(one.vm.info(vid2))[0]["IP"] == "10.42.0.4"
    # freeing the reservation's AR gives the addresses back to the parent
    one.vm.recover(vid, 3)
    assert one.vn.free_ar(rid, 0) == rid
    assert ars(one.vn.info(rid)) == []
    assert one.vn.info(vn).USED_LEASES == 1          # only vid2's lease is left
    raises(pyone.OneActionException, one.vn.reserve, vn, 'SIZE = "0"\nNAME = "%s"' % uniq("r"),
           contains="Reservation SIZE must be a greater than 0")
    raises(pyone.OneActionException, one.vn.reserve, vn, 'SIZE = "1"',
           contains="NAME for reservation has to be set")


# --------------------------------------------------------------------------------------------------
# leases taken by VM NICs
# --------------------------------------------------------------------------------------------------

def test_nic_lease_by_network_id_and_name(one):
    vn, name = mkvnet(one, ['TYPE = "IP4", IP = "10.50.0.1", SIZE = "8"'])
    v1 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    v2 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK = "%s" ]' % name))
    n1 = nics(one.vm.info(v1))
    n2 = nics(one.vm.info(v2))
    assert len(n1) == 1 and len(n2) == 1
    n1, n2 = n1[0], n2[0]
    assert n1["IP"] == "10.50.0.1" and n1["MAC"] == mac_for_ip("10.50.0.1")
    assert n2["IP"] == "10.50.0.2" and n2["MAC"] == mac_for_ip("10.50.0.2")
    for n, vid in ((n1, v1), (n2, v2)):
        assert n["NETWORK"] == name
        assert n["NETWORK_ID"] == str(vn)
        assert n["NIC_ID"] == "0"
        assert n["AR_ID"] == "0"
        assert n["BRIDGE"] == "br0"
        assert n["VN_MAD"] == "dummy"
        assert n["TARGET"] == "one-%d-0" % vid
    v = one.vn.info(vn)
    assert v.USED_LEASES == 2
    assert sorted((x.IP, x.VM) for x in leases(ars(v)[0])) == [("10.50.0.1", v1), ("10.50.0.2", v2)]


def test_two_nics_and_explicit_ip(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.51.0.1", SIZE = "8"'])
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]\nNIC = [ NETWORK_ID = "%d", IP = "10.51.0.6" ]'
                                      % (vn, vn)))
    n = nics(one.vm.info(vid))
    assert [x["NIC_ID"] for x in n] == ["0", "1"]
    assert [x["IP"] for x in n] == ["10.51.0.1", "10.51.0.6"]
    assert used(one, vn) == 2
    raises(pyone.OneInternalException, one.vm.allocate,
           vm_template(extra='NIC = [ NETWORK_ID = "%d", IP = "10.51.0.6" ]' % vn),
           contains="Cannot get IP/MAC lease from virtual network %d." % vn)
    assert used(one, vn) == 2


def test_leases_freed_when_vm_done(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.52.0.1", SIZE = "8"'])
    v1 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    v2 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn), True)
    assert used(one, vn) == 2
    # terminate of a PENDING VM: DONE at once, lease freed
    assert one.vm.action("terminate", v1) == v1
    assert one.vm.info(v1).STATE == 6
    v = one.vn.info(vn)
    assert v.USED_LEASES == 1
    assert [x.VM for x in leases(ars(v)[0])] == [v2]
    # recover delete of a HOLD VM
    assert one.vm.recover(v2, 3) == v2
    assert one.vm.info(v2).STATE == 6
    assert used(one, vn) == 0
    assert leases(ars(one.vn.info(vn))[0]) == []
    # the lowest address is handed out again
    v3 = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    assert nics(one.vm.info(v3))[0]["IP"] == "10.52.0.1"


def test_lease_exhaustion(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.53.0.1", SIZE = "1"'])
    one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    raises(pyone.OneInternalException, one.vm.allocate, vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn),
           contains="[one.vm.allocate] Cannot get IP/MAC lease from virtual network %d." % vn)
    assert used(one, vn) == 1


def test_nic_on_missing_network(one):
    raises(pyone.OneInternalException, one.vm.allocate, vm_template(extra='NIC = [ NETWORK_ID = "987654" ]'),
           contains="Virtual network with ID: 987654 does not exist")


def test_vnet_with_leases_in_use_cannot_be_deleted(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.54.0.1", SIZE = "2"'])
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    raises(pyone.OneActionException, one.vn.delete, vn,
           contains="[one.vn.delete] Cannot delete virtual network. Can not remove a virtual network with leases in use")
    assert one.vn.info(vn).ID == vn
    one.vm.recover(vid, 3)
    assert one.vn.delete(vn) == vn


# --------------------------------------------------------------------------------------------------
# plain users and vnets
# --------------------------------------------------------------------------------------------------

def test_plain_user_uses_admin_vnet(one, user_a):
    vn, name = mkvnet(one, ['TYPE = "IP4", IP = "10.60.0.1", SIZE = "4"'])
    assert vn in [x.ID for x in user_a.one.vnpool.info(-2, -1, -1).VNET]     # "@1 NET/* USE #0"
    assert user_a.one.vn.info(vn).NAME == name
    vid = user_a.one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    assert nics(user_a.one.vm.info(vid))[0]["IP"] == "10.60.0.1"
    # by name the network is looked up among the caller's own networks
    raises(pyone.OneInternalException, user_a.one.vm.allocate, vm_template(extra='NIC = [ NETWORK = "%s" ]' % name),
           contains="User %d does not own a network with name: %s . Set NETWORK_UNAME or NETWORK_UID of owner in NIC."
           % (user_a.id, name))
    vid2 = user_a.one.vm.allocate(vm_template(extra='NIC = [ NETWORK = "%s", NETWORK_UNAME = "oneadmin" ]' % name))
    assert nics(user_a.one.vm.info(vid2))[0]["IP"] == "10.60.0.2"
    # but cannot manage it nor create networks
    raises(pyone.OneAuthorizationException, user_a.one.vn.update, vn, 'X = "1"', 1,
           contains="Not authorized to perform MANAGE NET [%d]" % vn)
    raises(pyone.OneAuthorizationException, user_a.one.vn.hold, vn, 'LEASES = [ IP = "10.60.0.4" ]',
           contains="Not authorized to perform MANAGE NET [%d]" % vn)
    raises(pyone.OneAuthorizationException, user_a.one.vn.allocate,
           'NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("n"), -1,
           contains="Not authorized to perform CREATE NET")


# --------------------------------------------------------------------------------------------------
# attributes 7.4 adds at allocation (VirtualNetwork::insert, VirtualNetwork::nic_attribute,
# AddressRange::set_ip6)
# --------------------------------------------------------------------------------------------------

def test_vnet_template_defaults(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.55.0.1", SIZE = "2"'])
    v = one.vn.info(vn)
    assert v.BRIDGE_TYPE == "linux"                  # first BRIDGE_TYPE of VN_MAD_CONF "dummy"
    assert v.TEMPLATE["BRIDGE_TYPE"] == "linux"
    assert v.TEMPLATE["BRIDGE"] == "br0"
    assert v.TEMPLATE["VN_MAD"] == "dummy"
    assert v.TEMPLATE["SECURITY_GROUPS"] == "0"      # default security group added


def test_nic_cluster_bridge_type_security_groups(one):
    vn, _ = mkvnet(one, ['TYPE = "IP4", IP = "10.56.0.1", SIZE = "2"'])
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    nic = nics(one.vm.info(vid))[0]
    assert nic["CLUSTER_ID"] == "0"
    assert nic["BRIDGE_TYPE"] == "linux"
    assert nic["SECURITY_GROUPS"] == "0"


def test_ip6_addresses_text_and_link_local(one):
    ula, glob = "fd00:0:0:3::", "2001:db8:0:3::"
    vn, _ = mkvnet(one, ['TYPE = "IP6", ULA_PREFIX = "%s", GLOBAL_PREFIX = "%s", SIZE = "2"' % (ula, glob)])
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
    nic = nics(one.vm.info(vid))[0]
    # inet_ntop text (RFC 5952 compressed), as OpenNebula prints it
    assert nic["IP6_ULA"] == str(eui64(ula, nic["MAC"]))
    assert nic["IP6_GLOBAL"] == str(eui64(glob, nic["MAC"]))
    assert nic["IP6_LINK"] == str(eui64("fe80::", nic["MAC"]))
