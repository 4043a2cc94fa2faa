"""Failure paths shared by every object: missing ids, XML-RPC faults for wrong argument types."""

import pyone
import pytest

from helpers import call, raises, raises_fault, uniq

MISSING = 987654

OBJ_NAMES = {
    "vm": "virtual machine", "host": "host", "vn": "virtual network", "image": "image",
    "template": "virtual machine template", "user": "user", "group": "group",
    "datastore": "datastore", "cluster": "cluster",
}

NO_EXISTS_CALLS = [
    ("vm.info", (MISSING,)),
    ("vm.update", (MISSING, 'A = "1"', 0)),
    ("vm.chmod", (MISSING, 1, 1, 0, 0, 0, 0, 0, 0, 0)),
    ("vm.lock", (MISSING, 1)),
    ("vm.unlock", (MISSING,)),
    ("host.info", (MISSING,)),
    ("host.update", (MISSING, 'A = "1"', 1)),
    ("host.rename", (MISSING, "x")),
    ("host.status", (MISSING, 1)),
    ("host.delete", (MISSING,)),
    ("vn.info", (MISSING,)),
    ("vn.delete", (MISSING,)),
    ("vn.update", (MISSING, 'A = "1"', 1)),
    ("vn.rename", (MISSING, "x")),
    ("vn.add_ar", (MISSING, 'AR = [ TYPE = "IP4", IP = "10.0.0.1", SIZE = "1" ]')),
    ("vn.rm_ar", (MISSING, 0)),
    ("vn.hold", (MISSING, 'LEASES = [ IP = "10.0.0.1" ]')),
    ("vn.release", (MISSING, 'LEASES = [ IP = "10.0.0.1" ]')),
    ("vn.chown", (MISSING, 0, 0)),
    ("image.info", (MISSING,)),
    ("image.delete", (MISSING, False)),
    ("image.update", (MISSING, 'A = "1"', 1)),
    ("image.rename", (MISSING, "x")),
    ("image.enable", (MISSING, True)),
    ("image.persistent", (MISSING, True)),
    ("image.chtype", (MISSING, "OS")),
    ("image.lock", (MISSING, 1)),
    ("template.info", (MISSING,)),
    ("template.update", (MISSING, 'A = "1"', 1)),
    ("template.rename", (MISSING, "x")),
    ("template.chmod", (MISSING, 1, 1, 0, 0, 0, 0, 0, 0, 0)),
    ("template.delete", (MISSING, False)),
    ("user.info", (MISSING,)),
    ("user.passwd", (MISSING, "x")),
    ("user.update", (MISSING, 'A = "1"', 1)),
    ("user.enable", (MISSING, True)),
    ("user.delete", (MISSING,)),
    ("group.info", (MISSING,)),
    ("group.delete", (MISSING,)),
    ("datastore.info", (MISSING,)),
    ("datastore.update", (MISSING, 'A = "1"', 1)),
    ("datastore.rename", (MISSING, "x")),
    ("datastore.enable", (MISSING, False)),
    ("datastore.delete", (MISSING,)),
    ("cluster.info", (MISSING,)),
    ("cluster.update", (MISSING, 'A = "1"', 1)),
    ("cluster.rename", (MISSING, "x")),
    ("cluster.delete", (MISSING,)),
]


@pytest.mark.parametrize("method,args", NO_EXISTS_CALLS, ids=[m for m, _ in NO_EXISTS_CALLS])
def test_missing_object(one, method, args):
    objname = OBJ_NAMES[method.split(".")[0]]
    raises(pyone.OneNoExistsException, call, one, method, *args,
           contains="[one.%s] Error getting %s [%d]." % (method, objname, MISSING))


def test_missing_object_in_cluster_calls(one):
    cid = one.cluster.allocate(uniq("c"))
    raises(pyone.OneNoExistsException, one.cluster.addhost, MISSING, 0,
           contains="Error getting cluster [%d]." % MISSING)
    raises(pyone.OneNoExistsException, one.cluster.adddatastore, cid, MISSING,
           contains="Error getting datastore [%d]." % MISSING)
    raises(pyone.OneNoExistsException, one.cluster.addvnet, cid, MISSING,
           contains="Error getting virtual network [%d]." % MISSING)


WRONG_TYPES = [
    ("vm.info", ("3",)),
    ("vm.action", ("hold", "3")),
    ("vm.action", (3, 3)),
    ("vm.allocate", (12,)),
    ("vm.chmod", (0, "1", 1, 0, 0, 0, 0, 0, 0, 0)),
    ("vmpool.info", ("-2", -1, -1, -1)),
    ("host.allocate", ("h", "dummy", "dummy", "zero")),
    ("host.status", (0, "1")),
    ("user.allocate", ("u", 123, "", [])),
    ("template.instantiate", (0, 5, False, "", False)),
    ("vn.allocate", ('NAME = "x"', "-1")),
    ("image.allocate", ('NAME = "x"', "1")),
    ("acl.delrule", ("1",)),
    ("vm.info", (3.5,)),
]


@pytest.mark.parametrize("method,args", WRONG_TYPES, ids=["%s%r" % (m, a) for m, a in WRONG_TYPES])
def test_wrong_argument_type_is_a_fault(one, method, args):
    raises_fault(call, one, method, *args)


def test_missing_arguments_are_a_fault(one):
    raises_fault(one.vm.info)
    raises_fault(one.vm.action, "hold")
    raises_fault(one.host.allocate, "h", "dummy")


def test_unknown_method_is_a_fault(one):
    raises_fault(one.vm.nosuchmethod, 1)
    raises_fault(one.nosuchobject.info, 1)


def test_extra_trailing_arguments_are_ignored(one):
    assert one.system.version("extra", 1) == "7.4.0"
    assert 0 in [u.ID for u in one.userpool.info(-2, -1, -1).USER]     # opennebula-cli sends these


def test_oned_still_healthy_after_faults(oned, one):
    assert oned.alive()
    assert one.system.version() == "7.4.0"
    vid = one.vm.allocate('CPU = "1"\nMEMORY = "32"')
    assert one.vm.info(vid).ID == vid


def test_name_taken_is_per_owner_for_owned_objects(one, user_a):
    name = uniq("shared-name")
    one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % name, -1)
    one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % name, 1)
    iid = user_a.one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % name, 1)
    assert user_a.one.image.info(iid).NAME == name


def test_host_rename_applies_only_generic_name_rules(one):
    """7.4 checks the HOSTNAME rules (2..63 chars, charset) in host.allocate only; host.rename goes through
    PoolObjectSQL::set_name (generic NAME rules)."""
    hid = one.host.allocate(uniq("h"), "dummy", "dummy", -1)
    assert one.host.rename(hid, "x") == hid
    assert one.host.info(hid).NAME == "x"
    raises(pyone.OneActionException, one.host.rename, hid, "a:b", contains="Invalid NAME, char ':' is not allowed")


def test_host_name_taken_is_global_even_after_rename(one):
    name = uniq("h")
    hid = one.host.allocate(name, "dummy", "dummy", -1)
    raises(pyone.OneException, one.host.allocate, name, "dummy", "dummy", -1,
           contains="NAME is already taken by HOST %d." % hid)
    one.host.rename(hid, uniq("h"))
    assert isinstance(one.host.allocate(name, "dummy", "dummy", -1), int)
