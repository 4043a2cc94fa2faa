"""Two (three) users with different permissions: umask, chmod, chown, locks on every lockable type."""

import pyone
import pytest

from helpers import datablock, perms, raises, uniq, vm_template


def vm_ids(client, flt=-2):
    return [v.ID for v in (client.vmpool.info(flt, -1, -1, -2).VM or [])]


def tmpl_ids(client, flt=-2):
    return [t.ID for t in (client.templatepool.info(flt, -1, -1).VMTEMPLATE or [])]


def test_new_objects_get_umask_177(user_a):
    tid = user_a.one.template.allocate(vm_template(uniq("t")))
    vid = user_a.one.vm.allocate(vm_template())
    iid = datablock(user_a.one, uniq("i"))
    for obj in (user_a.one.template.info(tid), user_a.one.vm.info(vid), user_a.one.image.info(iid)):
        assert (obj.UID, obj.UNAME, obj.GID, obj.GNAME) == (user_a.id, user_a.name, 1, "users")
        assert perms(obj) == (1, 1, 0, 0, 0, 0, 0, 0, 0)


def test_plain_user_cannot_see_oneadmin_vm(one, user_a):
    vid = one.vm.allocate(vm_template())
    raises(pyone.OneAuthorizationException, user_a.one.vm.info, vid,
           contains="[one.vm.info] User [%d] : Not authorized to perform USE VM [%d]" % (user_a.id, vid))
    assert vid not in vm_ids(user_a.one)
    # a missing VM is NO_EXISTS even for an unauthorized user
    raises(pyone.OneNoExistsException, user_a.one.vm.info, 987654,
           contains="Error getting virtual machine [987654].")


def test_vm_shared_with_group_after_chmod(user_a, user_b, user_c):
    vid = user_a.one.vm.allocate(vm_template(uniq("shared")))
    assert vid not in vm_ids(user_b.one, -2)
    assert vid not in vm_ids(user_b.one, -1)
    raises(pyone.OneAuthorizationException, user_b.one.vm.info, vid,
           contains="Not authorized to perform USE VM [%d]" % vid)
    assert user_a.one.vm.chmod(vid, -1, -1, -1, 1, -1, -1, -1, -1, -1) == vid      # GROUP_U = 1
    assert vid in vm_ids(user_b.one, -2)
    assert vid in vm_ids(user_b.one, -1)       # mine + my groups
    assert vid in vm_ids(user_b.one, -4)       # my primary group
    assert vid not in vm_ids(user_b.one, -3)   # mine only
    assert vid in vm_ids(user_b.one, user_a.id)
    assert user_b.one.vm.info(vid).NAME.startswith("shared")
    # USE does not give MANAGE
    raises(pyone.OneAuthorizationException, user_b.one.vm.rename, vid, uniq("x"),
           contains="Not authorized to perform MANAGE VM [%d]" % vid)
    raises(pyone.OneAuthorizationException, user_b.one.vm.action, "hold", vid,
           contains="Not authorized to perform MANAGE VM [%d]" % vid)
    # another group still sees nothing
    assert vid not in vm_ids(user_c.one, -2)
    raises(pyone.OneAuthorizationException, user_c.one.vm.info, vid)
    # OTHER_U opens it to everyone
    user_a.one.vm.chmod(vid, -1, -1, -1, -1, -1, -1, 1, -1, -1)
    assert vid in vm_ids(user_c.one, -2)
    assert user_c.one.vm.info(vid).ID == vid
    # GROUP_M lets the group manage it
    user_a.one.vm.chmod(vid, -1, -1, -1, -1, 1, -1, -1, -1, -1)
    assert user_b.one.vm.action("hold", vid) == vid


def test_template_shared_with_group(user_a, user_b, user_c):
    tid = user_a.one.template.allocate(vm_template(uniq("t")))
    raises(pyone.OneAuthorizationException, user_b.one.template.info, tid,
           contains="[one.template.info] User [%d] : Not authorized to perform USE TEMPLATE [%d]" % (user_b.id, tid))
    assert tid not in tmpl_ids(user_b.one)
    raises(pyone.OneAuthorizationException, user_b.one.template.delete, tid, False,
           contains="[one.template.delete] User [%d] : Not authorized to perform MANAGE TEMPLATE [%d]"
           % (user_b.id, tid))
    user_a.one.template.chmod(tid, -1, -1, -1, 1, -1, -1, -1, -1, -1)
    assert user_b.one.template.info(tid).ID == tid
    assert tid in tmpl_ids(user_b.one)
    vid = user_b.one.template.instantiate(tid, "", False, "", False)     # USE is enough
    assert user_b.one.vm.info(vid).UID == user_b.id
    raises(pyone.OneAuthorizationException, user_b.one.template.update, tid, 'X = "1"', 1,
           contains="Not authorized to perform MANAGE TEMPLATE [%d]" % tid)
    raises(pyone.OneAuthorizationException, user_b.one.template.delete, tid, False,
           contains="Not authorized to perform MANAGE TEMPLATE [%d]" % tid)
    raises(pyone.OneAuthorizationException, user_c.one.template.info, tid)
    user_a.one.template.chmod(tid, -1, -1, -1, -1, -1, -1, 1, -1, -1)
    assert user_c.one.template.info(tid).ID == tid
    assert user_a.one.template.delete(tid, False) == tid


def test_chmod_admin_bits_need_admin(user_a):
    tid = user_a.one.template.allocate(vm_template(uniq("t")))
    raises(pyone.OneAuthorizationException, user_a.one.template.chmod, tid, 1, 1, 1, 0, 0, 0, 0, 0, 0,
           contains="Not authorized to perform ADMIN TEMPLATE [%d]" % tid)
    # the same call with OWNER_A unchanged only needs MANAGE
    assert user_a.one.template.chmod(tid, 1, 1, 0, 1, 0, 0, 0, 0, 0) == tid
    assert perms(user_a.one.template.info(tid)) == (1, 1, 0, 1, 0, 0, 0, 0, 0)


def test_chown_by_plain_user(one, user_a, user_b):
    tid = user_a.one.template.allocate(vm_template(uniq("t")))
    raises(pyone.OneAuthorizationException, user_a.one.template.chown, tid, user_b.id, -1,
           contains="Not authorized to perform MANAGE USER [%d]" % user_b.id)
    assert one.template.chown(tid, user_b.id, -1) == tid
    t = user_b.one.template.info(tid)
    assert t.UID == user_b.id and t.UNAME == user_b.name
    assert user_b.one.template.update(tid, 'X = "1"', 1) == tid
    raises(pyone.OneAuthorizationException, user_a.one.template.info, tid)


def test_plain_user_cannot_lock_others_objects(user_a, user_b):
    vid = user_a.one.vm.allocate(vm_template())
    raises(pyone.OneAuthorizationException, user_b.one.vm.lock, vid, 1,
           contains="Not authorized to perform MANAGE VM [%d]" % vid)


# --------------------------------------------------------------------------------------------------
# chown / chmod / lock / unlock on templates, images, vnets (and VMs)
# --------------------------------------------------------------------------------------------------

def _new(one, kind):
    if kind == "template":
        return one.template.allocate(vm_template(uniq("t")))
    if kind == "image":
        return datablock(one, uniq("i"))     # READY (LOCKED until the driver's MKFS)
    if kind == "vn":
        return one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("n"), -1)
    if kind == "vm":
        return one.vm.allocate(vm_template())
    raise ValueError(kind)


TYPE_NAME = {"template": "TEMPLATE", "image": "IMAGE", "vn": "NET", "vm": "VM"}


@pytest.mark.parametrize("kind", ["template", "image", "vn", "vm"])
def test_chown_chmod_lock_unlock(one, user_a, other_group, kind):
    api = getattr(one, kind)
    oid = _new(one, kind)
    # chown
    assert api.chown(oid, user_a.id, 1) == oid
    o = api.info(oid)
    assert (o.UID, o.UNAME, o.GID, o.GNAME) == (user_a.id, user_a.name, 1, "users")
    assert getattr(user_a.one, kind).info(oid).ID == oid
    assert api.chown(oid, -1, other_group) == oid
    assert api.info(oid).GID == other_group
    assert api.chown(oid, -1, 1) == oid
    # chmod
    assert api.chmod(oid, 1, 1, 0, 1, 1, 0, 1, 0, 0) == oid
    assert perms(api.info(oid)) == (1, 1, 0, 1, 1, 0, 1, 0, 0)
    assert api.chmod(oid, -1, -1, -1, 0, 0, -1, 0, -1, -1) == oid
    assert perms(api.info(oid)) == (1, 1, 0, 0, 0, 0, 0, 0, 0)
    raises(pyone.OneInternalException, api.chmod, oid, 1, 1, 0, 0, 0, 0, 0, 0, 5,
           contains="New permission values must be -1, 0 or 1")
    # lock (USE level): info still works, MANAGE operations are refused even for oneadmin
    assert api.lock(oid, 1) == oid
    o = api.info(oid)
    assert o.LOCK is not None and o.LOCK.LOCKED == 1 and o.LOCK.OWNER == 0
    raises(pyone.OneAuthorizationException, api.rename, oid, uniq("x"),
           contains="User [0] : %s is locked. [%d]" % (TYPE_NAME[kind], oid))
    raises(pyone.OneAuthorizationException, getattr(user_a.one, kind).rename, oid, uniq("x"),
           contains="Not authorized to perform MANAGE %s [%d]" % (TYPE_NAME[kind], oid))
    assert getattr(user_a.one, kind).info(oid).LOCK.LOCKED == 1
    assert api.unlock(oid) == oid
    assert api.info(oid).LOCK is None
    new = uniq("renamed")
    assert getattr(user_a.one, kind).rename(oid, new) == oid
    assert api.info(oid).NAME == new



def test_pool_visibility_for_plain_users(one, user_a, user_c, other_group):
    """PoolSQL::acl_filter/usr_filter: a plain user sees his own groups, no clusters, all datastores."""
    assert [g.ID for g in user_a.one.grouppool.info().GROUP] == [1]
    assert [g.ID for g in user_c.one.grouppool.info().GROUP] == [other_group]
    assert (user_a.one.clusterpool.info().CLUSTER or []) == []
    assert {0, 1, 2} <= {d.ID for d in user_c.one.datastorepool.info().DATASTORE}


def test_mine_and_group_filter_for_oneadmin(one, user_a):
    """-1 = mine + my groups' objects, even for oneadmin (uid = 0 OR gid = 0)."""
    vid = user_a.one.vm.allocate(vm_template())
    assert vid in vm_ids(one, -2)
    assert vid not in vm_ids(one, -1)
    assert vid not in vm_ids(one, -3)
    assert vid not in vm_ids(one, -4)
    assert vid in vm_ids(one, user_a.id)
