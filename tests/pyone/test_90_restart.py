"""Persistence across a clean restart (SIGTERM + start on the same ONE_LOCATION and port).

Runs late (file order) because it restarts the session oned; all session fixtures keep working after it.
"""

import pyone

from helpers import (USER_PASSWORD, as_list, id_list, make_user, perms, raises, uniq, vm_template, wait_vm_state,
                     wait_image_gone, wait_image_ready)


def _vm_state(one, vid):
    v = one.vm.info(vid)
    return {
        "NAME": v.NAME, "UID": v.UID, "GID": v.GID, "STATE": v.STATE, "LCM_STATE": v.LCM_STATE,
        "PERMS": perms(v), "TEMPLATE": dict(v.TEMPLATE), "USER_TEMPLATE": dict(v.USER_TEMPLATE or {}),
        "LOCK": None if v.LOCK is None else (v.LOCK.LOCKED, v.LOCK.OWNER, v.LOCK.TIME),
        "STIME": v.STIME, "ETIME": v.ETIME,
        "HISTORY": [(h.SEQ, h.HID, h.HOSTNAME, h.DS_ID) for h in
                    as_list(v.HISTORY_RECORDS.HISTORY if v.HISTORY_RECORDS is not None else None)],
    }


def _vnet_state(one, vn):
    v = one.vn.info(vn)
    ars = as_list(v.AR_POOL.AR) if v.AR_POOL is not None else []
    return {
        "NAME": v.NAME, "USED_LEASES": v.USED_LEASES, "PERMS": perms(v), "CLUSTERS": id_list(v.CLUSTERS),
        "TEMPLATE": dict(v.TEMPLATE),
        "ARS": [(str(a.AR_ID), a.TYPE, a.IP, a.MAC, int(a.SIZE),
                 sorted((l.IP, l.MAC, l.VM) for l in (as_list(a.LEASES.LEASE) if a.LEASES is not None else [])))
                for a in ars],
    }


def _host_state(one, hid):
    h = one.host.info(hid)
    return {"NAME": h.NAME, "CLUSTER_ID": h.CLUSTER_ID, "IM_MAD": h.IM_MAD, "VM_MAD": h.VM_MAD,
            "RUNNING_VMS": h.HOST_SHARE.RUNNING_VMS, "CPU_USAGE": h.HOST_SHARE.CPU_USAGE,
            "MEM_USAGE": h.HOST_SHARE.MEM_USAGE, "VMS": id_list(h.VMS), "LABEL": h.TEMPLATE.get("LABEL")}


def _user_state(one, uid):
    u = one.user.info(uid)
    return {"NAME": u.NAME, "GID": u.GID, "GROUPS": sorted(id_list(u.GROUPS)), "PASSWORD": u.PASSWORD,
            "ENABLED": u.ENABLED, "TEMPLATE": dict(u.TEMPLATE or {})}


def _image_state(one, iid):
    i = one.image.info(iid)
    return {"NAME": i.NAME, "TYPE": i.TYPE, "STATE": i.STATE, "SIZE": i.SIZE, "PERSISTENT": i.PERSISTENT,
            "RUNNING_VMS": i.RUNNING_VMS, "VMS": id_list(i.VMS), "DATASTORE_ID": i.DATASTORE_ID,
            "PERMS": perms(i), "UID": i.UID}


def _template_state(one, tid):
    t = one.template.info(tid)
    return {"NAME": t.NAME, "UID": t.UID, "PERMS": perms(t), "REGTIME": t.REGTIME, "TEMPLATE": dict(t.TEMPLATE)}


def _max_vm_id(one):
    return max(v.ID for v in one.vmpool.info(-2, -1, -1, -2).VM)


def test_restart_preserves_objects_leases_and_counters(oned, one, restart_oned, user_a, host_id):
    # ---------------------------------------------------------------- create a bit of everything
    gid = one.group.allocate(uniq("pg"))
    u = make_user(oned, one, gid=gid)
    one.user.update(u.id, 'PREF = "dark"', 1)
    one.user.addgroup(u.id, 1)
    cid = one.cluster.allocate(uniq("pc"))
    one.cluster.adddatastore(cid, 0)          # a system datastore to deploy to
    hid = one.host.allocate(uniq("ph"), "dummy", "dummy", cid)
    one.host.update(hid, 'LABEL = "persist"', 1)
    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br9"\nAR = [ TYPE = "IP4", IP = "10.90.0.1", '
                         'SIZE = "10" ]\nAR = [ TYPE = "ETHER", MAC = "02:00:00:00:99:01", SIZE = "4" ]'
                         % uniq("pnet"), -1)
    one.vn.hold(vn, 'LEASES = [ IP = "10.90.0.5" ]')
    tid = one.template.allocate(vm_template(uniq("ptmpl"), 'NIC = [ NETWORK_ID = "%d" ]\nLABEL = "t"\n' % vn))
    one.template.chmod(tid, -1, -1, -1, 1, 0, 0, 0, 0, 0)
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "20"' % uniq("pimg"), 1)
    wait_image_ready(one, iid)                # LOCKED until the datastore driver's MKFS
    vm_nic = one.template.instantiate(tid, "", False, "", False)            # lease 10.90.0.1
    vm_disk = one.vm.allocate(vm_template(uniq("pvm"), 'DISK = [ IMAGE_ID = "%d" ]\nNIC = [ NETWORK_ID = "%d" ]\n'
                                          % (iid, vn)), True)               # lease 10.90.0.2, HOLD
    vm_user = u.one.vm.allocate(vm_template(uniq("uvm"), 'NOTE = "user"\n'))
    vm_dep = one.vm.allocate(vm_template(uniq("dvm")))
    one.vm.deploy(vm_dep, hid, False, -1)
    wait_vm_state(one, vm_dep, 3, 3)                 # RUNNING through the dummy drivers
    one.vm.lock(vm_nic, 2)
    one.vm.chmod(vm_user, -1, -1, -1, 1, 0, 0, 0, 0, 0)
    vm_done = one.vm.allocate(vm_template(uniq("donevm"), 'NIC = [ NETWORK_ID = "%d" ]\n' % vn))
    one.vm.recover(vm_done, 3)
    rule = one.acl.addrule("%x" % (0x100000000 + u.id), "%x" % (0x2000000000 | 0x400000000), "1")

    # the highest id of several pools is deleted: it must never be handed out again
    tmp_tmpl = one.template.allocate(vm_template(uniq("gone")))
    one.template.delete(tmp_tmpl, False)
    tmp_host = one.host.allocate(uniq("gone"), "dummy", "dummy", -1)
    one.host.delete(tmp_host)
    tmp_img = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % uniq("gone"), 1)
    wait_image_ready(one, tmp_img)
    one.image.delete(tmp_img, False)
    wait_image_gone(one, tmp_img)             # DELETE until the driver's RM
    tmp_vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("gone"), -1)
    one.vn.delete(tmp_vn)
    tmp_user = one.user.allocate(uniq("gone"), "pw", "", [])
    one.user.delete(tmp_user)
    tmp_group = one.group.allocate(uniq("gone"))
    one.group.delete(tmp_group)
    tmp_cluster = one.cluster.allocate(uniq("gone"))
    one.cluster.delete(tmp_cluster)
    tmp_vm = one.vm.allocate(vm_template(uniq("gone")))
    one.vm.recover(tmp_vm, 3)
    tmp_rule = one.acl.addrule("%x" % (0x100000000 + u.id), "%x" % (0x4000000000 | 0x400000000), "1")
    one.acl.delrule(tmp_rule)

    vms = [vm_nic, vm_disk, vm_user, vm_dep, vm_done, tmp_vm]
    before = {
        "vms": {v: _vm_state(one, v) for v in vms},
        "vnet": _vnet_state(one, vn),
        "hosts": {h: _host_state(one, h) for h in (hid, host_id)},
        "user": _user_state(one, u.id),
        "image": _image_state(one, iid),
        "template": _template_state(one, tid),
        "group": (one.group.info(gid).NAME, sorted(id_list(one.group.info(gid).USERS))),
        "cluster": (one.cluster.info(cid).NAME, id_list(one.cluster.info(cid).HOSTS)),
        "acl": sorted((r.ID, r.STRING) for r in one.acl.info().ACL),
        "vm_ids": sorted(v.ID for v in one.vmpool.info(-2, -1, -1, -2).VM),
        "user_ids": sorted(x.ID for x in one.userpool.info().USER),
        "ds": sorted((d.ID, d.NAME, tuple(id_list(d.IMAGES))) for d in one.datastorepool.info().DATASTORE),
    }
    max_vm = _max_vm_id(one)
    assert max_vm == tmp_vm

    # ---------------------------------------------------------------- restart
    restart_oned()

    after = {
        "vms": {v: _vm_state(one, v) for v in vms},
        "vnet": _vnet_state(one, vn),
        "hosts": {h: _host_state(one, h) for h in (hid, host_id)},
        "user": _user_state(one, u.id),
        "image": _image_state(one, iid),
        "template": _template_state(one, tid),
        "group": (one.group.info(gid).NAME, sorted(id_list(one.group.info(gid).USERS))),
        "cluster": (one.cluster.info(cid).NAME, id_list(one.cluster.info(cid).HOSTS)),
        "acl": sorted((r.ID, r.STRING) for r in one.acl.info().ACL),
        "vm_ids": sorted(v.ID for v in one.vmpool.info(-2, -1, -1, -2).VM),
        "user_ids": sorted(x.ID for x in one.userpool.info().USER),
        "ds": sorted((d.ID, d.NAME, tuple(id_list(d.IMAGES))) for d in one.datastorepool.info().DATASTORE),
    }
    for key in before:
        assert after[key] == before[key], "%s changed across the restart" % key

    # users still authenticate with their passwords, old ones included
    assert u.one.user.info(-1).ID == u.id
    assert user_a.one.user.info(-1).ID == user_a.id
    assert oned.client("%s:%s" % (u.name, USER_PASSWORD)).user.info(-1).NAME == u.name
    assert u.one.vm.info(vm_user).USER_TEMPLATE["NOTE"] == "user"

    # the lock still holds
    raises(pyone.OneAuthorizationException, one.vm.rename, vm_nic, uniq("x"), contains="VM is locked")

    # leases: 10.90.0.1 (vm_nic), .2 (vm_disk) used, .5 held -> the next VM gets .3, then .4, then .6
    got = []
    for _ in range(3):
        v = one.vm.allocate(vm_template(extra='NIC = [ NETWORK_ID = "%d" ]' % vn))
        got.append(as_list(one.vm.info(v).TEMPLATE["NIC"])[0]["IP"])
    assert got == ["10.90.0.3", "10.90.0.4", "10.90.0.6"]
    raises(pyone.OneInternalException, one.vn.hold, vn, 'LEASES = [ IP = "10.90.0.5" ]')

    # id counters: never reused, continue after the highest id ever handed out
    first_new_vm = max_vm + 1
    new_vm = one.vm.allocate(vm_template())
    assert new_vm == first_new_vm + 3      # the three VMs just above took max+1..max+3
    assert one.template.allocate(vm_template(uniq("new"))) == tmp_tmpl + 1
    assert one.host.allocate(uniq("new"), "dummy", "dummy", -1) == tmp_host + 1
    assert one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % uniq("new"), 1) == tmp_img + 1
    assert one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("new"), -1) == tmp_vn + 1
    assert one.user.allocate(uniq("new"), "pw", "", []) == tmp_user + 1
    assert one.acl.addrule("%x" % (0x100000000 + u.id), "%x" % (0x8000000000 | 0x400000000), "1") == tmp_rule + 1
    assert one.group.allocate(uniq("new")) == tmp_group + 1      # (adds 3 ACL rules, so after the ACL check)
    assert one.cluster.allocate(uniq("new")) == tmp_cluster + 1

    # the recovered/terminated VMs stay DONE and their leases stay free
    assert one.vm.info(vm_done).STATE == 6
    assert one.vm.info(tmp_vm).STATE == 6


def test_second_restart_and_sigterm_exit_code(oned, one, restart_oned):
    """Two restarts in a row; a VM allocated between them survives; oned exits 0 on SIGTERM."""
    vid = one.vm.allocate(vm_template(uniq("twice")))
    restart_oned()
    restart_oned()
    assert one.vm.info(vid).NAME.startswith("twice")
    assert one.vm.allocate(vm_template()) == vid + 1
