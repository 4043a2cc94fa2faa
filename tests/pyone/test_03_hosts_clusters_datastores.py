"""one.host.*, one.cluster.*, one.datastore.* and their pools."""

import pyone
import pytest

from helpers import id_list, perms, raises, uniq


def new_host(one, cluster=-1):
    name = uniq("h")
    return one.host.allocate(name, "dummy", "dummy", cluster), name


# --------------------------------------------------------------------------------------------------
# hosts
# --------------------------------------------------------------------------------------------------

def test_host_allocate_info(one):
    hid, name = new_host(one)
    assert isinstance(hid, int) and hid >= 0
    h = one.host.info(hid)
    assert h.ID == hid
    assert h.NAME == name
    assert h.STATE in (0, 2)                  # INIT, or already MONITORED by the dummy IM driver
    assert h.IM_MAD == "dummy"
    assert h.VM_MAD == "dummy"
    assert h.CLUSTER_ID == 0
    assert h.CLUSTER == "default"
    assert h.HOST_SHARE.RUNNING_VMS == 0
    assert h.HOST_SHARE.CPU_USAGE == 0
    assert h.HOST_SHARE.MEM_USAGE == 0
    assert id_list(h.VMS) == []
    assert h.TEMPLATE["IM_MAD"] == "dummy"
    assert h.TEMPLATE["VM_MAD"] == "dummy"
    assert hid in id_list(one.cluster.info(0).HOSTS)
    pool = one.hostpool.info()
    assert hid in [x.ID for x in pool.HOST]


def test_hostpool_order(one):
    a, _ = new_host(one)
    b, _ = new_host(one)
    ids = [h.ID for h in one.hostpool.info().HOST]
    assert {a, b} <= set(ids)
    assert ids == sorted(ids, reverse=True)


def test_host_allocate_errors(one):
    hid, name = new_host(one)
    raises(pyone.OneException, one.host.allocate, name, "dummy", "dummy", -1,
           contains="[one.host.allocate] Error allocating a new host. NAME is already taken by HOST %d." % hid)
    raises(pyone.OneException, one.host.allocate, "bad name", "dummy", "dummy", -1,
           contains=["Error allocating a new host.",
                     "Invalid HOSTNAME, ' ' is invalid character for a HOSTNAME"])
    raises(pyone.OneException, one.host.allocate, uniq("h"), "", "dummy", -1,
           contains="IM_MAD_NAME cannot be empty.")
    raises(pyone.OneException, one.host.allocate, uniq("h"), "dummy", "", -1,
           contains="VMM_MAD_NAME cannot be empty.")
    raises(pyone.OneNoExistsException, one.host.allocate, uniq("h"), "dummy", "dummy", 987654,
           contains="[one.host.allocate] Error getting cluster [987654].")


def test_host_update_rename(one):
    hid, name = new_host(one)
    assert one.host.update(hid, 'LABEL = "fast"', 1) == hid
    t = one.host.info(hid).TEMPLATE
    assert t["LABEL"] == "fast"
    assert t["IM_MAD"] == "dummy"             # merge keeps the rest
    new = uniq("renamed")
    assert one.host.rename(hid, new) == hid
    assert one.host.info(hid).NAME == new
    other, other_name = new_host(one)
    raises(pyone.OneActionException, one.host.rename, hid, other_name,
           contains="host cannot be renamed to %s because it collides with host %d" % (other_name, other))
    assert one.host.info(hid).NAME == new


def test_host_status(one):
    hid, _ = new_host(one)
    assert one.host.status(hid, 1) == hid
    assert one.host.info(hid).STATE == 4      # DISABLED
    assert one.host.status(hid, 2) == hid
    assert one.host.info(hid).STATE == 8      # OFFLINE
    assert one.host.status(hid, 0) == hid
    assert one.host.info(hid).STATE in (0, 2)  # enabled: INIT until the next probe, then MONITORED
    raises(pyone.OneInternalException, one.host.status, hid, 7,
           contains="[one.host.status] Wrong status code")


def test_host_delete(one):
    hid, _ = new_host(one)
    assert one.host.delete(hid) == hid
    raises(pyone.OneNoExistsException, one.host.info, hid,
           contains="[one.host.info] Error getting host [%d]." % hid)
    assert hid not in id_list(one.cluster.info(0).HOSTS)
    assert hid not in [h.ID for h in (one.hostpool.info().HOST or [])]
    raises(pyone.OneNoExistsException, one.host.delete, hid,
           contains="[one.host.delete] Error getting host [%d]." % hid)


def test_plain_user_and_hosts(one, user_a):
    hid, _ = new_host(one)
    raises(pyone.OneAuthorizationException, user_a.one.host.allocate, uniq("h"), "dummy", "dummy", -1,
           contains="[one.host.allocate] User [%d] : Not authorized to perform CREATE HOST" % user_a.id)
    # no USE on hosts by default: not listed, no info
    assert hid not in [h.ID for h in (user_a.one.hostpool.info().HOST or [])]
    raises(pyone.OneAuthorizationException, user_a.one.host.info, hid,
           contains="Not authorized to perform USE HOST [%d]" % hid)
    raises(pyone.OneAuthorizationException, user_a.one.host.delete, hid,
           contains="Not authorized to perform ADMIN HOST [%d]" % hid)


# --------------------------------------------------------------------------------------------------
# clusters
# --------------------------------------------------------------------------------------------------

def test_default_cluster(one):
    c = one.cluster.info(0)
    assert c.NAME == "default"
    assert {0, 1, 2} <= set(id_list(c.DATASTORES))
    assert 0 in [x.ID for x in one.clusterpool.info().CLUSTER]


def test_cluster_allocate_info_update_rename(one):
    name = uniq("c")
    cid = one.cluster.allocate(name)
    assert isinstance(cid, int) and cid >= 100
    c = one.cluster.info(cid)
    assert c.NAME == name
    assert id_list(c.HOSTS) == [] and id_list(c.DATASTORES) == [] and id_list(c.VNETS) == []
    assert "RESERVED_CPU" in c.TEMPLATE and "RESERVED_MEM" in c.TEMPLATE
    assert one.cluster.update(cid, 'OWNER_TEAM = "blue"', 1) == cid
    assert one.cluster.info(cid).TEMPLATE["OWNER_TEAM"] == "blue"
    new = uniq("c-renamed")
    assert one.cluster.rename(cid, new) == cid
    assert one.cluster.info(cid).NAME == new
    ids = [x.ID for x in one.clusterpool.info().CLUSTER]
    assert cid in ids and 0 in ids
    assert ids == sorted(ids, reverse=True)
    raises(pyone.OneException, one.cluster.allocate, new,
           contains="[one.cluster.allocate] Error allocating a new cluster. NAME is already taken by CLUSTER %d."
           % cid)
    raises(pyone.OneActionException, one.cluster.rename, cid, "default",
           contains="cluster cannot be renamed to default because it collides with cluster 0")


def test_cluster_hosts(one):
    cid = one.cluster.allocate(uniq("c"))
    hid, _ = new_host(one)
    assert one.cluster.addhost(cid, hid) == cid
    h = one.host.info(hid)
    assert h.CLUSTER_ID == cid
    assert h.CLUSTER == one.cluster.info(cid).NAME
    assert hid in id_list(one.cluster.info(cid).HOSTS)
    assert hid not in id_list(one.cluster.info(0).HOSTS)
    raises(pyone.OneActionException, one.cluster.delete, cid,
           contains="[one.cluster.delete] Cannot delete cluster. Cluster %d is not empty, it contains 1 hosts."
           % cid)
    assert one.cluster.delhost(cid, hid) == cid
    assert one.host.info(hid).CLUSTER_ID == 0
    assert hid in id_list(one.cluster.info(0).HOSTS)
    assert id_list(one.cluster.info(cid).HOSTS) == []
    # a host allocated straight into the cluster
    hid2, _ = new_host(one, cluster=cid)
    assert one.host.info(hid2).CLUSTER_ID == cid
    assert hid2 in id_list(one.cluster.info(cid).HOSTS)
    raises(pyone.OneNoExistsException, one.cluster.addhost, cid, 987654,
           contains="Error getting host [987654].")


def test_cluster_datastores_and_vnets(one):
    cid = one.cluster.allocate(uniq("c"))
    assert one.cluster.adddatastore(cid, 1) == cid
    assert cid in id_list(one.datastore.info(1).CLUSTERS)
    assert 1 in id_list(one.cluster.info(cid).DATASTORES)
    raises(pyone.OneActionException, one.cluster.delete, cid,
           contains="Cannot delete cluster. Cluster %d is not empty, it contains 1 datastores." % cid)
    assert one.cluster.deldatastore(cid, 1) == cid
    assert cid not in id_list(one.datastore.info(1).CLUSTERS)
    assert id_list(one.cluster.info(cid).DATASTORES) == []

    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("net"), -1)
    assert one.cluster.addvnet(cid, vn) == cid
    assert cid in id_list(one.vn.info(vn).CLUSTERS)
    assert vn in id_list(one.cluster.info(cid).VNETS)
    raises(pyone.OneActionException, one.cluster.delete, cid,
           contains="Cannot delete cluster. Cluster %d is not empty, it contains 1 vnets." % cid)
    assert one.cluster.delvnet(cid, vn) == cid
    assert cid not in id_list(one.vn.info(vn).CLUSTERS)
    assert id_list(one.cluster.info(cid).VNETS) == []

    assert one.cluster.delete(cid) == cid
    raises(pyone.OneNoExistsException, one.cluster.info, cid,
           contains="[one.cluster.info] Error getting cluster [%d]." % cid)


def test_system_cluster_cannot_be_deleted(one):
    raises(pyone.OneActionException, one.cluster.delete, 0,
           contains="[one.cluster.delete] Cannot delete cluster. System Clusters (ID < 100) cannot be deleted.")


def test_plain_user_and_clusters(one, user_a):
    raises(pyone.OneAuthorizationException, user_a.one.cluster.allocate, uniq("c"),
           contains="Not authorized to perform CREATE CLUSTER")
    raises(pyone.OneAuthorizationException, user_a.one.cluster.delete, 0,
           contains="Not authorized to perform ADMIN CLUSTER [0]")


# --------------------------------------------------------------------------------------------------
# datastores
# --------------------------------------------------------------------------------------------------

def test_default_datastores(one):
    pool = {d.ID: d for d in one.datastorepool.info().DATASTORE}
    assert {0, 1, 2} <= set(pool)
    expected = {0: ("system", 1), 1: ("default", 0), 2: ("files", 2)}
    for dsid, (name, dstype) in expected.items():
        d = one.datastore.info(dsid)
        assert (d.NAME, d.TYPE) == (name, dstype)
        assert (pool[dsid].NAME, pool[dsid].TYPE) == (name, dstype)
        assert d.UID == 0 and d.GID == 0
        assert d.UNAME == "oneadmin"
        assert perms(d) == (1, 1, 0, 1, 0, 0, 0, 0, 0)
        assert 0 in id_list(d.CLUSTERS)
        assert d.STATE == 0
        assert d.TM_MAD == "local"
    assert one.datastore.info(1).DS_MAD == "fs"
    assert one.datastore.info(2).DS_MAD == "fs"
    assert one.datastore.info(1).TEMPLATE["SAFE_DIRS"] == "/var/tmp"
    assert one.datastore.info(0).TEMPLATE["TYPE"] == "SYSTEM_DS"
    assert one.datastore.info(1).TEMPLATE["TYPE"] == "IMAGE_DS"
    assert one.datastore.info(2).TEMPLATE["TYPE"] == "FILE_DS"


def test_datastore_allocate_update_rename_enable_delete(one):
    name = uniq("ds")
    dsid = one.datastore.allocate('NAME = "%s"\nDS_MAD = "fs"\nTM_MAD = "local"' % name, -1)
    assert isinstance(dsid, int) and dsid >= 100
    d = one.datastore.info(dsid)
    assert d.NAME == name
    assert d.TYPE == 0                       # IMAGE_DS by default
    assert d.DS_MAD == "fs" and d.TM_MAD == "local"
    assert id_list(d.CLUSTERS) == [0]
    assert d.STATE == 0
    assert perms(d)[:4] == (1, 1, 0, 1)      # GROUP_U forced on datastores
    assert dsid in id_list(one.cluster.info(0).DATASTORES)
    assert dsid in [x.ID for x in one.datastorepool.info().DATASTORE]

    assert one.datastore.update(dsid, 'NOTE = "x"', 1) == dsid
    assert one.datastore.info(dsid).TEMPLATE["NOTE"] == "x"
    new = uniq("ds-renamed")
    assert one.datastore.rename(dsid, new) == dsid
    assert one.datastore.info(dsid).NAME == new

    assert one.datastore.enable(dsid, False) == dsid
    assert one.datastore.info(dsid).STATE == 1
    assert one.datastore.enable(dsid, True) == dsid
    assert one.datastore.info(dsid).STATE == 0

    assert one.datastore.delete(dsid) == dsid
    raises(pyone.OneNoExistsException, one.datastore.info, dsid,
           contains="[one.datastore.info] Error getting datastore [%d]." % dsid)
    assert dsid not in id_list(one.cluster.info(0).DATASTORES)


def test_datastore_disk_types(one):
    # OpenNebula's Image::DiskType numbers: FILE 0, BLOCK 2, RBD 3, GLUSTER 5
    for name, number in [("FILE", 0), ("BLOCK", 2), ("RBD", 3), ("GLUSTER", 5)]:
        dsid = one.datastore.allocate('NAME = "dt-%s"\nDS_MAD = "fs"\nTM_MAD = "local"\nDISK_TYPE = "%s"' % (name, name), -1)
        assert one.datastore.info(dsid).DISK_TYPE == number
        one.datastore.delete(dsid)


def test_system_datastore_allocate(one):
    dsid = one.datastore.allocate('NAME = "%s"\nTYPE = "SYSTEM_DS"\nTM_MAD = "local"' % uniq("sys"), -1)
    assert one.datastore.info(dsid).TYPE == 1


def test_datastore_allocate_errors(one):
    raises(pyone.OneInternalException, one.datastore.allocate, 'NAME = "%s"\nTM_MAD = "local"' % uniq("ds"), -1,
           contains="No DS_MAD in template.")
    raises(pyone.OneInternalException, one.datastore.allocate, 'NAME = "%s"\nDS_MAD = "fs"' % uniq("ds"), -1,
           contains="No TM_MAD in template.")
    raises(pyone.OneInternalException, one.datastore.allocate,
           'NAME = "default"\nDS_MAD = "fs"\nTM_MAD = "local"', -1,
           contains="NAME is already taken by DATASTORE 1.")
    raises(pyone.OneNoExistsException, one.datastore.allocate,
           'NAME = "%s"\nDS_MAD = "fs"\nTM_MAD = "local"' % uniq("ds"), 987654,
           contains="Error getting cluster [987654].")


def test_plain_user_and_datastores(user_a):
    ids = [d.ID for d in user_a.one.datastorepool.info().DATASTORE]
    assert {0, 1, 2} <= set(ids)            # rule "@1 DATASTORE/* USE #0"
    assert user_a.one.datastore.info(1).NAME == "default"
    raises(pyone.OneAuthorizationException, user_a.one.datastore.allocate,
           'NAME = "%s"\nDS_MAD = "fs"\nTM_MAD = "local"' % uniq("ds"), -1,
           contains="Not authorized to perform CREATE DATASTORE")
    raises(pyone.OneAuthorizationException, user_a.one.datastore.delete, 1,
           contains="Not authorized to perform MANAGE DATASTORE [1]")


@pytest.mark.parametrize("method", ["host.info", "cluster.info", "datastore.info"])
def test_missing_infra_objects(one, method):
    objname = {"host": "host", "cluster": "cluster", "datastore": "datastore"}[method.split(".")[0]]
    obj, meth = method.split(".")
    raises(pyone.OneNoExistsException, getattr(getattr(one, obj), meth), 987654,
           contains="[one.%s] Error getting %s [987654]." % (method, objname))
