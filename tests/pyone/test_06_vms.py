"""one.vm.*, one.vmpool.info / infoextended / infoset."""

import re

import pyone
import pytest

from helpers import wait_image_ready, wait_vm_state, as_list, id_list, make_user, perms, raises, uniq, vm_template

PENDING, HOLD, ACTIVE, DONE = 1, 2, 3, 6
LCM_PROLOG = 1


# --------------------------------------------------------------------------------------------------
# allocate / info
# --------------------------------------------------------------------------------------------------

def test_vm_allocate_pending_and_hold(one):
    name = uniq("vm")
    vid = one.vm.allocate(vm_template(name, 'FOO = "bar"\n'), False)
    assert isinstance(vid, int) and vid >= 0
    v = one.vm.info(vid)
    assert v.ID == vid and v.NAME == name
    assert v.STATE == PENDING and v.LCM_STATE == 0
    assert v.UID == 0 and v.GID == 0 and v.UNAME == "oneadmin" and v.GNAME == "oneadmin"
    assert perms(v) == (1, 1, 0, 0, 0, 0, 0, 0, 0)
    assert v.STIME > 0 and v.ETIME == 0
    assert v.LOCK is None
    assert v.TEMPLATE["CPU"] == "1" and v.TEMPLATE["MEMORY"] == "128"
    assert v.TEMPLATE["VMID"] == str(vid)
    assert v.USER_TEMPLATE["FOO"] == "bar"
    assert "FOO" not in v.TEMPLATE
    assert "NAME" not in v.USER_TEMPLATE
    hid = one.vm.allocate(vm_template(uniq("vm")), True)
    assert hid == vid + 1
    assert one.vm.info(hid).STATE == HOLD


def test_vm_default_name(one):
    vid = one.vm.allocate(vm_template())
    assert one.vm.info(vid).NAME == "one-%d" % vid


def test_vm_allocate_validation(one):
    cases = [
        ('CPU = "1"', "MEMORY attribute must be a positive integer value."),
        ('CPU = "1"\nMEMORY = "abc"', "MEMORY attribute must be a positive integer value."),
        ('CPU = "1"\nMEMORY = "512.5"', "MEMORY attribute must be a positive integer value."),
        ('CPU = "1"\nMEMORY = "0"', "MEMORY attribute must be a positive integer value."),
        ('CPU = "1"\nMEMORY = "-64"', "MEMORY attribute must be a positive integer value."),
        ('MEMORY = "64"', "CPU attribute must be a positive float or integer value."),
        ('CPU = "0"\nMEMORY = "64"', "CPU attribute must be a positive float or integer value."),
        ('CPU = "-1"\nMEMORY = "64"', "CPU attribute must be a positive float or integer value."),
        ('CPU = "x"\nMEMORY = "64"', "CPU attribute must be a positive float or integer value."),
        ('CPU = "1"\nMEMORY = "64"\nVCPU = "0"', "VCPU attribute must be a positive integer value."),
        ('CPU = "1"\nMEMORY = "64"\nVCPU = "two"', "VCPU attribute must be a positive integer value."),
    ]
    for tmpl, msg in cases:
        raises(pyone.OneInternalException, one.vm.allocate, tmpl, False,
               contains="[one.vm.allocate] " + msg)
    vid = one.vm.allocate('CPU = "0.5"\nMEMORY = "64"\nVCPU = "2"')
    t = one.vm.info(vid).TEMPLATE
    assert t["CPU"] == "0.5" and t["VCPU"] == "2"


def test_vm_allocate_parse_error(one):
    raises(pyone.OneInternalException, one.vm.allocate, 'CPU = [', False,
           startswith="[one.vm.allocate] Parse error")


def test_failed_allocation_does_not_consume_an_id(one):
    a = one.vm.allocate(vm_template())
    raises(pyone.OneInternalException, one.vm.allocate, 'CPU = "1"', False)
    b = one.vm.allocate(vm_template())
    assert b == a + 1


# --------------------------------------------------------------------------------------------------
# update / rename / chown / chmod
# --------------------------------------------------------------------------------------------------

def test_vm_update(one):
    vid = one.vm.allocate(vm_template(extra='FOO = "1"\n'))
    assert one.vm.update(vid, 'A = "1"\nB = "2"', 0) == vid        # replace USER_TEMPLATE
    ut = one.vm.info(vid).USER_TEMPLATE
    assert ut["A"] == "1" and ut["B"] == "2" and "FOO" not in ut
    assert one.vm.update(vid, 'B = "3"\nC = "4"', 1) == vid        # merge
    v = one.vm.info(vid)
    assert v.USER_TEMPLATE["A"] == "1" and v.USER_TEMPLATE["B"] == "3" and v.USER_TEMPLATE["C"] == "4"
    assert v.TEMPLATE["MEMORY"] == "128"                            # TEMPLATE untouched
    raises(pyone.OneApiException, one.vm.update, vid, 'A = "1"', 2, contains="Wrong update type")
    raises(pyone.OneActionException, one.vm.update, vid, 'A = [', 1, startswith="[one.vm.update] Parse error")


def test_vm_rename(one):
    vid = one.vm.allocate(vm_template())
    new = uniq("renamed")
    assert one.vm.rename(vid, new) == vid
    assert one.vm.info(vid).NAME == new
    raises(pyone.OneActionException, one.vm.rename, vid, "",
           contains="[one.vm.rename] Invalid NAME, it cannot be empty")
    # VM names need not be unique
    other = one.vm.allocate(vm_template())
    assert one.vm.rename(other, new) == other


def test_vm_chown(one, user_a, other_group):
    vid = one.vm.allocate(vm_template())
    assert one.vm.chown(vid, user_a.id, 1) == vid
    v = one.vm.info(vid)
    assert (v.UID, v.UNAME, v.GID, v.GNAME) == (user_a.id, user_a.name, 1, "users")
    assert user_a.one.vm.info(vid).ID == vid          # now visible to its new owner
    assert one.vm.chown(vid, -1, other_group) == vid
    v = one.vm.info(vid)
    assert (v.UID, v.GID) == (user_a.id, other_group)
    raises(pyone.OneNoExistsException, one.vm.chown, vid, 987654, -1,
           contains="[one.vm.chown] Error getting user [987654].")
    raises(pyone.OneNoExistsException, one.vm.chown, vid, -1, 987654,
           contains="[one.vm.chown] Error getting group [987654].")
    raises(pyone.OneNoExistsException, one.vm.chown, 987654, 0, 0,
           contains="[one.vm.chown] Error getting virtual machine [987654].")


def test_vm_chmod(one):
    vid = one.vm.allocate(vm_template())
    assert one.vm.chmod(vid, 1, 1, 1, 1, 0, 0, 1, 0, 0) == vid
    assert perms(one.vm.info(vid)) == (1, 1, 1, 1, 0, 0, 1, 0, 0)
    assert one.vm.chmod(vid, -1, -1, 0, -1, 1, -1, 0, -1, -1) == vid
    assert perms(one.vm.info(vid)) == (1, 1, 0, 1, 1, 0, 0, 0, 0)
    raises(pyone.OneInternalException, one.vm.chmod, vid, 2, 1, 0, 0, 0, 0, 0, 0, 0,
           contains="New permission values must be -1, 0 or 1")
    assert perms(one.vm.info(vid)) == (1, 1, 0, 1, 1, 0, 0, 0, 0)


# --------------------------------------------------------------------------------------------------
# locks
# --------------------------------------------------------------------------------------------------

def test_vm_lock_levels(one):
    vid = one.vm.allocate(vm_template())
    assert one.vm.lock(vid, 1) == vid
    v = one.vm.info(vid)                      # info ignores locks
    assert v.LOCK is not None
    assert v.LOCK.LOCKED == 1 and v.LOCK.OWNER == 0
    assert v.LOCK.TIME > 0
    raises(pyone.OneAuthorizationException, one.vm.rename, vid, uniq("x"),
           contains="[one.vm.rename] User [0] : VM is locked. [%d]" % vid)
    # test=true on a locked object: ACTION whose message is the lock time
    msg = raises(pyone.OneActionException, one.vm.lock, vid, 2, True)
    assert re.fullmatch(r"\[one\.vm\.lock\] \d+", msg), msg
    assert one.vm.unlock(vid) == vid
    assert one.vm.info(vid).LOCK is None
    assert one.vm.rename(vid, uniq("ok")) == vid
    # level 4 (ALL) is stored as 1
    one.vm.lock(vid, 4)
    assert one.vm.info(vid).LOCK.LOCKED == 1
    one.vm.unlock(vid)
    # level 3 (ADMIN) blocks only ADMIN operations
    one.vm.lock(vid, 3)
    assert one.vm.rename(vid, uniq("ok")) == vid
    raises(pyone.OneAuthorizationException, one.vm.recover, vid, 3, contains="VM is locked")
    assert one.vm.info(vid).STATE == PENDING
    one.vm.unlock(vid)
    raises(pyone.OneActionException, one.vm.lock, vid, 5, contains="Wrong lock level specified")
    raises(pyone.OneActionException, one.vm.lock, vid, 0, contains="Wrong lock level specified")


def test_vm_locked_by_oneadmin_blocks_both_users(one, user_a, user_b):
    vid = user_a.one.vm.allocate(vm_template(uniq("locked")))
    assert one.vm.lock(vid, 2) == vid         # MANAGE
    # rename needs MANAGE: refused for the owner and for oneadmin
    raises(pyone.OneAuthorizationException, user_a.one.vm.rename, vid, uniq("x"),
           contains="[one.vm.rename] User [%d] : Not authorized to perform MANAGE VM [%d]" % (user_a.id, vid))
    raises(pyone.OneAuthorizationException, one.vm.rename, vid, uniq("x"),
           contains="VM is locked")
    raises(pyone.OneAuthorizationException, user_a.one.vm.action, "hold", vid)
    # info still works
    assert user_a.one.vm.info(vid).LOCK.LOCKED == 2
    assert one.vm.info(vid).LOCK.OWNER == 0
    # only the lock owner or an admin may unlock
    raises(pyone.OneActionException, user_a.one.vm.unlock, vid,
           contains="Cannot unlock: Lock is owned by another user")
    raises(pyone.OneAuthorizationException, user_b.one.vm.lock, vid, 1)
    assert one.vm.unlock(vid) == vid
    new = uniq("after-unlock")
    assert user_a.one.vm.rename(vid, new) == vid
    assert one.vm.info(vid).NAME == new


def test_vm_lock_by_owner(user_a):
    vid = user_a.one.vm.allocate(vm_template())
    assert user_a.one.vm.lock(vid, 1) == vid
    assert user_a.one.vm.info(vid).LOCK.OWNER == user_a.id
    raises(pyone.OneAuthorizationException, user_a.one.vm.rename, vid, uniq("x"))
    assert user_a.one.vm.unlock(vid) == vid
    assert user_a.one.vm.rename(vid, uniq("x")) == vid


# --------------------------------------------------------------------------------------------------
# actions
# --------------------------------------------------------------------------------------------------

def test_hold_release(one):
    vid = one.vm.allocate(vm_template())
    assert one.vm.action("hold", vid) == vid
    assert one.vm.info(vid).STATE == HOLD
    raises(pyone.OneActionException, one.vm.action, "hold", vid,
           contains='[one.vm.action] Error performing action "hold": This action is not available for state HOLD')
    assert one.vm.action("release", vid) == vid
    assert one.vm.info(vid).STATE == PENDING
    raises(pyone.OneActionException, one.vm.action, "release", vid,
           contains='Error performing action "release": This action is not available for state PENDING')


@pytest.mark.parametrize("action", ["poweroff", "poweroff-hard", "reboot", "reboot-hard", "suspend", "stop",
                                    "undeploy", "undeploy-hard", "resume", "resched", "unresched"])
def test_action_not_available_for_pending(one, action):
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneActionException, one.vm.action, action, vid,
           contains='[one.vm.action] Error performing action "%s": This action is not available for state PENDING'
           % action)
    assert one.vm.info(vid).STATE == PENDING


def test_unknown_action(one):
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneActionException, one.vm.action, "foo", vid,
           contains='[one.vm.action] Action "foo" is not supported')
    raises(pyone.OneActionException, one.vm.action, "delete", vid,
           contains='Action "delete" is not supported')
    raises(pyone.OneNoExistsException, one.vm.action, "hold", 987654,
           contains="[one.vm.action] Error getting virtual machine [987654].")


def test_terminate_pending_and_hold(one):
    v1 = one.vm.allocate(vm_template())
    v2 = one.vm.allocate(vm_template(), True)
    assert one.vm.action("terminate", v1) == v1
    assert one.vm.action("terminate-hard", v2) == v2
    for vid in (v1, v2):
        v = one.vm.info(vid)
        assert v.STATE == DONE
        assert v.ETIME > 0
    raises(pyone.OneActionException, one.vm.action, "hold", v1,
           contains='Error performing action "hold": This action is not available for state DONE')


def test_terminate_done_vm_is_a_noop(one):
    vid = one.vm.allocate(vm_template())
    one.vm.action("terminate", vid)
    assert one.vm.action("terminate", vid) == vid
    assert one.vm.info(vid).STATE == DONE


def test_recover(one):
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneActionException, one.vm.recover, vid, 9, contains="Wrong recovery operation code")
    raises(pyone.OneActionException, one.vm.recover, vid, 0,
           contains="Could not perform a recover operation on VM %d, wrong state PENDING." % vid)
    assert one.vm.recover(vid, 3) == vid
    assert one.vm.info(vid).STATE == DONE
    raises(pyone.OneNoExistsException, one.vm.recover, 987654, 3,
           contains="[one.vm.recover] Error getting virtual machine [987654].")


def test_plain_user_actions_on_own_vm(user_a, host_id):
    vid = user_a.one.vm.allocate(vm_template())
    assert user_a.one.vm.action("hold", vid) == vid
    assert user_a.one.vm.action("release", vid) == vid
    # recover and deploy are ADMIN operations
    raises(pyone.OneAuthorizationException, user_a.one.vm.recover, vid, 3,
           contains="Not authorized to perform ADMIN VM [%d]" % vid)
    raises(pyone.OneAuthorizationException, user_a.one.vm.deploy, vid, host_id, False, -1,
           contains="Not authorized to perform ADMIN VM [%d]" % vid)
    assert user_a.one.vm.action("terminate", vid) == vid
    assert user_a.one.vm.info(vid).STATE == DONE


# --------------------------------------------------------------------------------------------------
# deploy (through the dummy drivers)
# --------------------------------------------------------------------------------------------------

def test_deploy_records_history_and_host_usage(one):
    hname = uniq("deployhost")
    hid = one.host.allocate(hname, "dummy", "dummy", -1)
    vid = one.vm.allocate(vm_template(extra='VCPU = "2"\n').replace('MEMORY = "128"', 'MEMORY = "256"'))
    assert one.vm.deploy(vid, hid, False, -1) == vid
    v = one.vm.info(vid)
    assert v.STATE == ACTIVE and v.LCM_STATE in (LCM_PROLOG, 2, 3)     # PROLOG, BOOT or RUNNING
    v = wait_vm_state(one, vid, ACTIVE, 3)
    hist = as_list(v.HISTORY_RECORDS.HISTORY)
    assert len(hist) == 1
    assert hist[0].HID == hid and hist[0].HOSTNAME == hname
    assert hist[0].OID == vid and hist[0].SEQ == 0
    assert hist[0].DS_ID == 0
    h = one.host.info(hid)
    assert h.HOST_SHARE.RUNNING_VMS == 1
    assert h.HOST_SHARE.CPU_USAGE == 100
    assert h.HOST_SHARE.MEM_USAGE == 256 * 1024
    assert id_list(h.VMS) == [vid]
    # the short pool body carries the history too
    pv = [x for x in one.vmpool.info(-2, vid, vid, -2).VM][0]
    assert as_list(pv.HISTORY_RECORDS.HISTORY)[0].HID == hid

    raises(pyone.OneActionException, one.vm.deploy, vid, hid, False, -1,
           contains="Deploy action is not available for state RUNNING")   # LCM state name when ACTIVE
    raises(pyone.OneActionException, one.host.delete, hid,
           contains="[one.host.delete] Cannot delete host. Can not remove a host with running VMs")
    raises(pyone.OneActionException, one.vm.action, "hold", vid,
           contains='Error performing action "hold": This action is not available for state RUNNING')

    # recover delete cleans up through the drivers and frees the host capacity
    assert one.vm.recover(vid, 3) == vid
    wait_vm_state(one, vid, DONE)
    h = one.host.info(hid)
    assert h.HOST_SHARE.RUNNING_VMS == 0
    assert h.HOST_SHARE.CPU_USAGE == 0
    assert h.HOST_SHARE.MEM_USAGE == 0
    assert id_list(h.VMS) == []
    assert one.host.delete(hid) == hid


def test_deploy_hold_vm_and_errors(one):
    hid = one.host.allocate(uniq("deployhost"), "dummy", "dummy", -1)
    vid = one.vm.allocate(vm_template(), True)
    raises(pyone.OneNoExistsException, one.vm.deploy, vid, 987654, False, -1,
           contains="[one.vm.deploy] Error getting host [987654].")
    raises(pyone.OneNoExistsException, one.vm.deploy, 987654, hid, False, -1,
           contains="[one.vm.deploy] Error getting virtual machine [987654].")
    one.host.status(hid, 2)
    raises(pyone.OneActionException, one.vm.deploy, vid, hid, False, -1,
           contains="Host is offline, cannot use it to deploy VM")
    one.host.status(hid, 0)
    assert one.vm.deploy(vid, hid, False, -1) == vid     # HOLD VMs can be deployed
    assert one.vm.info(vid).STATE == ACTIVE
    wait_vm_state(one, vid, ACTIVE, 3)
    done = one.vm.allocate(vm_template())
    one.vm.action("terminate", done)
    raises(pyone.OneActionException, one.vm.deploy, done, hid, False, -1,
           contains="Deploy action is not available for state DONE")
    one.vm.recover(vid, 3)


# --------------------------------------------------------------------------------------------------
# pools
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pool_user(oned, one):
    """A fresh user with 5 VMs: v[1] HOLD, v[2] DONE, the rest PENDING."""
    u = make_user(oned, one)
    vids = [u.one.vm.allocate(vm_template(uniq("p"))) for _ in range(5)]
    u.one.vm.action("hold", vids[1])
    u.one.vm.action("terminate", vids[2])
    return u, vids


def pool_ids(client, *args, extended=False):
    pool = (client.vmpool.infoextended if extended else client.vmpool.info)(*args)
    return [v.ID for v in (pool.VM or [])]


def test_vmpool_state_filter(pool_user):
    u, v = pool_user
    desc = list(reversed(v))
    assert pool_ids(u.one, -3, -1, -1, -1) == [x for x in desc if x != v[2]]   # -1: all but DONE
    assert pool_ids(u.one, -3, -1, -1, -2) == desc                             # -2: all incl. DONE
    assert pool_ids(u.one, -3, -1, -1, HOLD) == [v[1]]
    assert pool_ids(u.one, -3, -1, -1, DONE) == [v[2]]
    assert pool_ids(u.one, -3, -1, -1, PENDING) == [v[4], v[3], v[0]]
    assert pool_ids(u.one, -3, -1, -1, ACTIVE) == []
    for bad in (12, -3, 100):
        raises(pyone.OneApiException, u.one.vmpool.info, -3, -1, -1, bad,
               contains="[one.vmpool.info] Incorrect state filter")
        raises(pyone.OneApiException, u.one.vmpool.infoextended, -3, -1, -1, bad,
               contains="Incorrect state filter")


def test_vmpool_ranges_and_paging(pool_user):
    u, v = pool_user
    assert pool_ids(u.one, -3, v[1], v[3], -2) == [v[3], v[2], v[1]]
    assert pool_ids(u.one, -3, v[3], -1, -2) == [v[4], v[3]]
    assert pool_ids(u.one, -3, v[4] + 1, -1, -2) == []
    # end < -1: page of -end rows starting at offset `start`
    assert pool_ids(u.one, -3, 0, -2, -2) == [v[4], v[3]]
    assert pool_ids(u.one, -3, 2, -2, -2) == [v[2], v[1]]
    assert pool_ids(u.one, -3, 4, -2, -2) == [v[0]]
    assert pool_ids(u.one, -3, 0, -10, -1) == [v[4], v[3], v[1], v[0]]


def test_vmpool_range_edge_cases(pool_user):
    """PoolSQL::oid_filter: with start = -1 the end id is ignored; start -1 with a page gives the first rows."""
    u, v = pool_user
    desc = list(reversed(v))
    assert pool_ids(u.one, -3, -1, v[1], -2) == desc
    assert pool_ids(u.one, -3, -1, -2, -2) == [v[4], v[3]]


def test_api_list_order_per_user(oned, one):
    """OPENNEBULA = [ API_LIST_ORDER = "ASC" ] in the user template overrides the DESC default."""
    u = make_user(oned, one)
    vids = [u.one.vm.allocate(vm_template()) for _ in range(3)]
    assert pool_ids(u.one, -3, -1, -1, -2) == list(reversed(vids))
    one.user.update(u.id, 'OPENNEBULA = [ API_LIST_ORDER = "ASC" ]', 1)
    assert pool_ids(u.one, -3, -1, -1, -2) == vids
    assert pool_ids(u.one, -3, 0, -2, -2) == vids[:2]          # paging follows the order
    assert pool_ids(one, u.id, -1, -1, -2) == list(reversed(vids))   # oneadmin's own order is unchanged


def test_vmpool_user_filters(one, pool_user, user_a):
    u, v = pool_user
    desc = list(reversed(v))
    assert pool_ids(one, u.id, -1, -1, -2) == desc                # by uid
    assert set(v).isdisjoint(pool_ids(one, -3, -1, -1, -2))       # oneadmin's own VMs only
    assert set(v) <= set(pool_ids(one, -2, -1, -1, -2))           # admin sees everything
    assert set(v).isdisjoint(pool_ids(one, -4, -1, -1, -2))       # primary group (oneadmin) only
    assert pool_ids(u.one, -4, -1, -1, -2) == desc
    assert pool_ids(u.one, -1, -1, -1, -2) == desc
    assert pool_ids(u.one, -2, -1, -1, -2) == desc
    # another plain user sees none of them
    assert set(v).isdisjoint(pool_ids(user_a.one, -2, -1, -1, -2))
    assert pool_ids(user_a.one, u.id, -1, -1, -2) == []
    raises(pyone.OneApiException, one.vmpool.info, -5, -1, -1, -2, contains="Incorrect filter_flag")


def test_vmpool_infoextended(one, pool_user):
    u, v = pool_user
    assert pool_ids(u.one, -3, -1, -1, -2, extended=True) == pool_ids(u.one, -3, -1, -1, -2)
    pool = u.one.vmpool.infoextended(-3, v[0], v[0], -2)
    assert [x.ID for x in pool.VM] == [v[0]]
    assert pool.VM[0].TEMPLATE["MEMORY"] == "128"
    assert pool.VM[0].UNAME == u.name


# What OpenNebula 7.4 puts in a VM's TEMPLATE in the short body of one.vmpool.info
# (VirtualMachine::to_xml_short, src/vm/VirtualMachine.cc, with VirtualMachineDisk::to_xml_short and
# VirtualMachineNic::to_xml_short): CPU, MEMORY and VCPU (always, empty when unset), each DISK and
# NIC cut down to the sub-elements below, and the GRAPHICS vector. Nothing else.
SHORT_DISK = ["DISK_ID", "DATASTORE", "DATASTORE_ID", "IMAGE", "IMAGE_ID", "SIZE", "TYPE", "CLONE",
              "CLONE_TARGET", "LN_TARGET", "DISK_SNAPSHOT_TOTAL_SIZE"]
# These NIC sub-elements come first and only when set; the rest always.
SHORT_NIC_IF_SET = ["IP", "EXTERNAL_IP", "IP6", "IP6_ULA", "IP6_LINK", "IP6_GLOBAL", "NETWORK_MODE",
                    "SCHED_REQUIREMENTS", "SCHED_RANK"]
SHORT_NIC_ALWAYS = ["MAC", "NETWORK", "NETWORK_ID", "NIC_ID", "SECURITY_GROUPS"]


def text(v):
    """An element's text as pyone gives it: an empty element comes back as None."""
    return "" if v is None else v


@pytest.fixture(scope="module")
def rich_vm(one):
    """A PENDING VM with CPU, VCPU, MEMORY, an image DISK, a leased NIC, an automatic NIC,
    GRAPHICS, CONTEXT, OS, FEATURES and a user attribute."""
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "10"' % uniq("short-img"), 1)
    wait_image_ready(one, iid)                # LOCKED until the datastore driver's MKFS
    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\n'
                         'AR = [ TYPE = "IP4", IP = "10.77.0.1", SIZE = "8" ]' % uniq("short-net"), -1)
    vid = one.vm.allocate(vm_template(uniq("short"), (
        'VCPU = "2"\n'
        'DISK = [ IMAGE_ID = "%d" ]\n'
        'NIC = [ NETWORK_ID = "%d" ]\n'
        'NIC = [ NETWORK_MODE = "auto", SCHED_REQUIREMENTS = "ID > 0", SCHED_RANK = "-USED_LEASES" ]\n'
        'GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]\n'
        'CONTEXT = [ NETWORK = "YES", TOKEN = "YES" ]\n'
        'OS = [ ARCH = "x86_64" ]\n'
        'FEATURES = [ ACPI = "yes" ]\n'
        'FOO = "bar"\n') % (iid, vn)))
    return vid


def test_vmpool_short_template_is_opennebulas(one, rich_vm):
    full = one.vm.info(rich_vm).TEMPLATE
    short = [v for v in as_list(one.vmpool.info(-2, rich_vm, rich_vm, -2).VM)][0].TEMPLATE
    # Exactly these children, in OpenNebula's order.
    assert list(short.keys()) == ["CPU", "MEMORY", "VCPU", "DISK", "NIC", "GRAPHICS"], short
    assert (short["CPU"], short["MEMORY"], short["VCPU"]) == ("1", "128", "2")
    disks = as_list(short["DISK"])
    assert len(disks) == 1
    assert list(disks[0].keys()) == SHORT_DISK
    for k in SHORT_DISK:
        assert text(disks[0][k]) == as_list(full["DISK"])[0].get(k, ""), k
    nics = as_list(short["NIC"])
    full_nics = as_list(full["NIC"])
    assert len(nics) == 2
    for nic, full_nic in zip(nics, full_nics):
        wanted = [k for k in SHORT_NIC_IF_SET if full_nic.get(k, "")] + SHORT_NIC_ALWAYS
        assert list(nic.keys()) == wanted, nic
        for k in wanted:
            assert text(nic[k]) == full_nic.get(k, ""), k
    assert list(nics[0].keys())[0] == "IP"
    assert (nics[1]["NETWORK_MODE"], nics[1]["SCHED_REQUIREMENTS"], nics[1]["SCHED_RANK"]) == \
        ("auto", "ID > 0", "-USED_LEASES")
    assert short["GRAPHICS"] == full["GRAPHICS"]


def test_vmpool_short_template_without_vcpu_or_devices(one):
    """OpenNebula writes CPU, MEMORY and VCPU even when unset (empty) and nothing else."""
    vid = one.vm.allocate(vm_template(uniq("bare"), 'OS = [ ARCH = "x86_64" ]\n'))
    short = as_list(one.vmpool.info(-2, vid, vid, -2).VM)[0].TEMPLATE
    assert [(k, text(v)) for k, v in short.items()] == [("CPU", "1"), ("MEMORY", "128"), ("VCPU", "")]


def test_vmpool_infoextended_keeps_the_whole_template(one, rich_vm):
    full = one.vm.info(rich_vm)
    ext = as_list(one.vmpool.infoextended(-2, rich_vm, rich_vm, -2).VM)[0]
    assert ext.TEMPLATE == full.TEMPLATE
    assert ext.USER_TEMPLATE == full.USER_TEMPLATE and ext.USER_TEMPLATE["FOO"] == "bar"
    for k in ("CPU", "MEMORY", "VCPU", "DISK", "NIC", "GRAPHICS", "CONTEXT", "OS", "FEATURES", "VMID",
              "AUTOMATIC_REQUIREMENTS", "AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_NIC_REQUIREMENTS"):
        assert k in ext.TEMPLATE, k
    disk = as_list(ext.TEMPLATE["DISK"])[0]
    assert {"SOURCE", "TARGET", "IMAGE_UNAME", "DRIVER"} <= set(disk.keys()), disk
    assert {"BRIDGE", "VN_MAD", "AR_ID"} <= set(as_list(ext.TEMPLATE["NIC"])[0].keys())


def test_vmpool_infoset(one, pool_user, user_a):
    u, v = pool_user
    got = [x.ID for x in u.one.vmpool.infoset("%d,%d,abc,987654" % (v[0], v[2]), False).VM]
    assert sorted(got) == sorted([v[0], v[2]])                     # DONE included, junk skipped
    got = [x.ID for x in u.one.vmpool.infoset("%d" % v[3], True).VM]
    assert got == [v[3]]
    assert (user_a.one.vmpool.infoset("%d,%d" % (v[0], v[1]), False).VM or []) == []
    assert (u.one.vmpool.infoset("junk", False).VM or []) == []


# --------------------------------------------------------------------------------------------------
# restricted attributes
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def restricted_vnet(one):
    return one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.70.0.1", '
                           'SIZE = "4" ]' % uniq("net"), -1)


@pytest.mark.parametrize("extra,attr", [
    ('NIC = [ NETWORK_ID = "{vn}", MAC = "02:00:0a:46:00:03" ]', "MAC"),
    ('NIC = [ NETWORK_ID = "{vn}", BRIDGE = "other" ]', "BRIDGE"),
    ('RAW = [ TYPE = "kvm", DATA = "<devices/>" ]', "DATA"),          # VM_RESTRICTED_ATTR = "RAW/DATA"
    ('CPU_COST = "1"', "CPU_COST"),
    ('CONTEXT = [ FILES = "/etc/passwd" ]', "FILES"),
])
def test_vm_restricted_attributes_for_plain_user(one, user_a, restricted_vnet, extra, attr):
    extra = extra.replace("{vn}", str(restricted_vnet))
    raises(pyone.OneAuthorizationException, user_a.one.vm.allocate, vm_template(extra=extra), False,
           contains="[one.vm.allocate] User [%d] : VM Template includes a restricted attribute %s"
           % (user_a.id, attr))
    assert one.vn.info(restricted_vnet).USED_LEASES == 0


def test_raw_without_data_is_not_restricted(user_a):
    """Only RAW/DATA is restricted in 7.4's oned.conf, not the whole RAW vector."""
    vid = user_a.one.vm.allocate(vm_template(extra='RAW = [ TYPE = "kvm" ]'), False)
    assert user_a.one.vm.info(vid).TEMPLATE["RAW"]["TYPE"] == "kvm"


def test_restricted_attributes_allowed_for_oneadmin(one, user_a, restricted_vnet):
    vid = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d", MAC = "02:00:0a:46:00:03" ]'
                                      % restricted_vnet))
    nic = as_list(one.vm.info(vid).TEMPLATE["NIC"])[0]
    assert nic["MAC"] == "02:00:0a:46:00:03" and nic["IP"] == "10.70.0.3"
    vid2 = one.vm.allocate(vm_template(extra='CPU_COST = "2"'))
    assert one.vm.info(vid2).TEMPLATE["CPU_COST"] == "2"
    # in a template too
    raises(pyone.OneAuthorizationException, user_a.one.template.allocate,
           vm_template(uniq("t"), 'CPU_COST = "1"'),
           contains="VM Template includes a restricted attribute CPU_COST")


def test_missing_vm(one):
    raises(pyone.OneNoExistsException, one.vm.info, 987654,
           contains="[one.vm.info] Error getting virtual machine [987654].")
    raises(pyone.OneNoExistsException, one.vm.rename, 987654, "x",
           contains="[one.vm.rename] Error getting virtual machine [987654].")
    raises(pyone.OneNoExistsException, one.vm.update, 987654, 'A = "1"', 0,
           contains="[one.vm.update] Error getting virtual machine [987654].")
