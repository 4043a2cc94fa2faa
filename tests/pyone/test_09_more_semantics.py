"""More OpenNebula 7.4 semantics, each checked against release-7.4.0's source."""

import pyone

from helpers import as_list, datablock, raises, uniq, vm_template


def test_chown_of_done_vm(one, user_a):
    vid = one.vm.allocate(vm_template())
    one.vm.action("terminate", vid)
    raises(pyone.OneActionException, one.vm.chown, vid, user_a.id, -1,
           contains="[one.vm.chown] Could not change VM ownership, wrong state")
    assert one.vm.info(vid).UID == 0


def test_image_chtype_incompatible(one):
    iid = datablock(one, uniq("img"))
    raises(pyone.OneActionException, one.image.chtype, iid, "KERNEL",
           contains="Cannot change image type to an incompatible type for the current datastore.")
    assert one.image.info(iid).TYPE == 2


def test_invalid_names(one):
    raises(pyone.OneInternalException, one.template.allocate, vm_template("a|b"),
           contains="Invalid NAME, char '|' is not allowed")
    raises(pyone.OneInternalException, one.template.allocate, vm_template("x" * 129),
           contains="Invalid NAME, max length is 128 chars")
    assert isinstance(one.template.allocate(vm_template(uniq("y") + "y" * 100)), int)
    raises(pyone.OneInternalException, one.vm.allocate, vm_template("a#b"), False,
           contains="[one.vm.allocate] Invalid NAME, char '#' is not allowed")
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneActionException, one.vm.rename, vid, "a;b",
           contains="[one.vm.rename] Invalid NAME, char ';' is not allowed")
    raises(pyone.OneInternalException, one.vn.allocate, 'NAME = "a/b"\nVN_MAD = "dummy"\nBRIDGE = "br0"', -1,
           contains="Invalid NAME, char '/' is not allowed")


def test_plain_user_can_reserve_from_usable_vnet(one, user_a):
    """vn.reserve needs only USE on the parent (no CREATE NET); the reservation belongs to the caller."""
    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.80.0.1", '
                         'SIZE = "8" ]' % uniq("net"), -1)
    rname = uniq("user-resv")
    rid = user_a.one.vn.reserve(vn, 'SIZE = "2"\nNAME = "%s"' % rname)
    r = user_a.one.vn.info(rid)
    assert r.NAME == rname and r.UID == user_a.id
    assert str(r.PARENT_NETWORK_ID) == str(vn)
    assert one.vn.info(vn).USED_LEASES == 2
    vid = user_a.one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % rid))
    assert as_list(user_a.one.vm.info(vid).TEMPLATE["NIC"])[0]["IP"] == "10.80.0.1"


def test_datastorepool_order(one):
    ids = [d.ID for d in one.datastorepool.info().DATASTORE]
    assert ids == sorted(ids, reverse=True)


def test_deploy_datastore_checks(one, host_id):
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneInternalException, one.vm.deploy, vid, host_id, False, 1,
           contains="[one.vm.deploy] Trying to use datastore [1] to deploy the VM, but it is not of type "
                    "system datastore.")
    raises(pyone.OneNoExistsException, one.vm.deploy, vid, host_id, False, 987654,
           contains="[one.vm.deploy] Error getting datastore [987654].")
    assert one.vm.info(vid).STATE == 1
    assert one.vm.deploy(vid, host_id, False, 0) == vid
    v = one.vm.info(vid)
    assert v.STATE == 3
    assert as_list(v.HISTORY_RECORDS.HISTORY)[0].DS_ID == 0
    assert v.TEMPLATE["TM_MAD_SYSTEM"] == "local"     # added at deploy (check_tm_mad_disks)
    one.vm.recover(vid, 3)


def test_vm_name_from_template_name_prefix(one):
    """A VM without NAME gets <TEMPLATE_NAME>-<id> when instantiated, else one-<id>."""
    tname = uniq("pref")
    tid = one.template.allocate(vm_template(tname))
    vid = one.template.instantiate(tid, "", False, "", False)
    assert one.vm.info(vid).NAME == "%s-%d" % (tname, vid)
    assert "TEMPLATE_NAME" not in (one.vm.info(vid).USER_TEMPLATE or {})


def test_recover_delete_of_done_vm_is_a_noop(one):
    vid = one.vm.allocate(vm_template())
    one.vm.recover(vid, 3)
    etime = one.vm.info(vid).ETIME
    assert one.vm.recover(vid, 3) == vid
    v = one.vm.info(vid)
    assert v.STATE == 6 and v.ETIME == etime


def test_instantiate_extra_template_restricted_for_plain_user(user_a):
    tid = user_a.one.template.allocate(vm_template(uniq("t")))
    raises(pyone.OneAuthorizationException, user_a.one.template.instantiate, tid, "", False, 'CPU_COST = "1"', False,
           contains="[one.template.instantiate] User [%d] : User Template includes a restricted attribute CPU_COST"
           % user_a.id)
    vid = user_a.one.template.instantiate(tid, "", False, 'MEMORY = "64"', False)
    assert user_a.one.vm.info(vid).TEMPLATE["MEMORY"] == "64"
