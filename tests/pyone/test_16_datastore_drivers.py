"""TM_MAD_CONF and DS_MAD_CONF (oned.conf): what a datastore's drivers put in its template.

OpenNebula's Datastore copies its TM_MAD's TM_MAD_CONF values into a new datastore's template (a
system datastore takes SHARED and the DS_MIGRATE flags, an image datastore LN_TARGET,
CLONE_TARGET, DRIVER ...), refuses drivers the configuration does not name and templates without
the DS_MAD's REQUIRED_ATTRS, and makes the images of a PERSISTENT_ONLY driver persistent. These
tests run against the session oned (the shipped entries, OpenNebula 7.4's) and against ones with
entries of their own.
"""

import re
import xmlrpc.client

import pyone
import pytest

from helpers import OnedStartError, delete_image, raises, uniq, wait_image_ready


def allocate(one, text, cluster=-1):
    return one.datastore.allocate('NAME = "%s"\n%s' % (uniq("dsconf"), text), cluster)


@pytest.fixture
def made(one):
    """Datastores created by a test, deleted after it."""
    ids = []
    yield ids
    for dsid in ids:
        try:
            one.datastore.delete(dsid)
        except pyone.OneException:
            pass


def test_system_datastore_shared_comes_from_its_tm_mad(one, made):
    for tm, shared in [("ssh", "NO"), ("local", "NO"), ("shared", "YES"), ("qcow2", "YES")]:
        dsid = allocate(one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "%s"' % tm)
        made.append(dsid)
        d = one.datastore.info(dsid)
        assert d.TYPE == 1 and d.TM_MAD == tm and d.DS_MAD == "-"
        assert d.TEMPLATE["SHARED"] == shared, tm
        assert d.TEMPLATE["DS_MIGRATE"] == "YES"
        assert "LN_TARGET" not in d.TEMPLATE and "CLONE_TARGET" not in d.TEMPLATE
    # ssh: orphans allowed, snapshots saved back, live DS migration.
    t = one.datastore.info(made[0]).TEMPLATE
    assert (t["ALLOW_ORPHANS"], t["PERSISTENT_SNAPSHOTS"], t["DS_LIVE_MIGRATE"], t["DS_MIGRATE_SNAP"]) == \
        ("YES", "YES", "YES", "YES")


def test_the_tm_mad_conf_wins_over_the_template(one, made):
    dsid = allocate(one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "ssh"\nSHARED = "YES"\nLN_TARGET = "NONE"\n'
                         'SAFE_DIRS = "/srv/images"')
    made.append(dsid)
    t = one.datastore.info(dsid).TEMPLATE
    assert t["SHARED"] == "NO"
    assert "LN_TARGET" not in t
    assert t["SAFE_DIRS"] == "/srv/images" and "RESTRICTED_DIRS" not in t


def test_image_datastore_targets_come_from_its_tm_mad(one, made):
    dsid = allocate(one, 'DS_MAD = "fs"\nTM_MAD = "ssh"\nLN_TARGET = "NONE"\nSHARED = "YES"')
    made.append(dsid)
    t = one.datastore.info(dsid).TEMPLATE
    assert (t["LN_TARGET"], t["CLONE_TARGET"]) == ("SYSTEM", "SYSTEM")
    assert "SHARED" not in t
    assert t["ALLOW_ORPHANS"] == "YES"

    dsid = allocate(one, 'DS_MAD = "fs"\nTM_MAD = "qcow2"')
    made.append(dsid)
    d = one.datastore.info(dsid)
    t = d.TEMPLATE
    assert (t["LN_TARGET"], t["CLONE_TARGET"], t["DRIVER"]) == ("NONE", "SYSTEM", "qcow2")
    assert (t["TM_MAD_SYSTEM"], t["LN_TARGET_SSH"], t["CLONE_TARGET_SSH"], t["DISK_TYPE_SSH"]) == \
        ("ssh", "SYSTEM", "SYSTEM", "FILE")
    assert d.DISK_TYPE == 0 and t["DISK_TYPE"] == "FILE"

    # fs_lvm forces BLOCK disks whatever the template says.
    dsid = allocate(one, 'DS_MAD = "fs"\nTM_MAD = "fs_lvm"\nDISK_TYPE = "FILE"')
    made.append(dsid)
    d = one.datastore.info(dsid)
    assert d.DISK_TYPE == 2 and d.TEMPLATE["DISK_TYPE"] == "BLOCK"


def test_unknown_drivers_are_refused(one):
    before = len(one.datastorepool.info().DATASTORE)
    raises(pyone.OneInternalException, allocate, one, 'DS_MAD = "fs"\nTM_MAD = "nosuch"',
           startswith='[one.datastore.allocate] TM_MAD named "nosuch" is not defined in oned.conf')
    raises(pyone.OneInternalException, allocate, one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "nosuch"',
           startswith='[one.datastore.allocate] TM_MAD named "nosuch" is not defined in oned.conf')
    raises(pyone.OneInternalException, allocate, one, 'DS_MAD = "nosuch"\nTM_MAD = "ssh"',
           startswith='[one.datastore.allocate] DS_MAD named "nosuch" is not defined in oned.conf')
    assert len(one.datastorepool.info().DATASTORE) == before


def test_required_attrs_are_enforced(one, made):
    raises(pyone.OneInternalException, allocate, one, 'DS_MAD = "ceph"\nTM_MAD = "ceph"\nDISK_TYPE = "RBD"',
           startswith='[one.datastore.allocate] Datastore template is missing the "BRIDGE_LIST" attribute '
                      "or it's empty.")
    raises(pyone.OneInternalException, allocate, one, 'DS_MAD = "dev"\nTM_MAD = "dev"',
           contains='missing the "DISK_TYPE" attribute')
    dsid = allocate(one, 'DS_MAD = "dev"\nTM_MAD = "dev"\nDISK_TYPE = "BLOCK"')
    made.append(dsid)
    # An update must keep them too; a refused update changes nothing.
    before = one.datastore.info(dsid).TEMPLATE
    raises(pyone.OneInternalException, one.datastore.update, dsid, 'DS_MAD = "dev"\nTM_MAD = "dev"', 0,
           startswith='[one.datastore.update] Cannot update template. Datastore template is missing the '
                      '"DISK_TYPE" attribute')
    raises(pyone.OneInternalException, one.datastore.update, dsid, 'TM_MAD = "nosuch"', 1,
           contains='Cannot update template. TM_MAD named "nosuch" is not defined in oned.conf')
    assert one.datastore.info(dsid).TEMPLATE == before
    assert one.datastore.info(dsid).TM_MAD == "dev"


def test_an_update_of_tm_mad_applies_its_values(one, made):
    dsid = allocate(one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "ssh"')
    made.append(dsid)
    assert one.datastore.update(dsid, 'TM_MAD = "shared"', 1) == dsid
    d = one.datastore.info(dsid)
    assert d.TM_MAD == "shared" and d.TEMPLATE["SHARED"] == "YES"
    # Without TM_MAD the template keeps the datastore's.
    assert one.datastore.update(dsid, 'NOTE = "x"', 0) == dsid
    t = one.datastore.info(dsid).TEMPLATE
    assert (t["TM_MAD"], t["NOTE"], t["TYPE"]) == ("shared", "x", "SYSTEM_DS")


# --------------------------------------------------------------------------------------------------
# entries of the site's own oned.conf
# --------------------------------------------------------------------------------------------------

SITE_CONF = """
TM_MAD_CONF = [ NAME = "SSH", LN_TARGET = "SELF", CLONE_TARGET = "NONE", SHARED = "YES" ]
TM_MAD_CONF = [ NAME = "site", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "NO",
                ALLOW_ORPHANS = "LINEAR", PERSISTENT_SNAPSHOTS = "NO" ]
DS_MAD_CONF = [ NAME = "sitefs", REQUIRED_ATTRS = "SITE_POOL", PERSISTENT_ONLY = "NO" ]
DS_MAD_CONF = [ NAME = "dummy", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "YES" ]
"""


@pytest.fixture(scope="module")
def site_oned(oned_factory):
    o = oned_factory()
    o.extra_conf = SITE_CONF
    o.start()
    yield o
    if o.alive():
        assert o.stop() == 0


def test_entries_of_oned_conf_replace_the_builtin_ones_by_name(site_oned):
    one = site_oned.client()
    d = one.datastore.info(allocate(one, 'DS_MAD = "fs"\nTM_MAD = "ssh"'))
    assert (d.TEMPLATE["LN_TARGET"], d.TEMPLATE["CLONE_TARGET"]) == ("SELF", "NONE")
    assert d.TEMPLATE["ALLOW_ORPHANS"] == "NO", "nothing of the built-in ssh entry is left"
    d = one.datastore.info(allocate(one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "site"'))
    assert (d.TEMPLATE["SHARED"], d.TEMPLATE["ALLOW_ORPHANS"], d.TEMPLATE["PERSISTENT_SNAPSHOTS"]) == \
        ("NO", "LINEAR", "NO")
    # The other built-in entries are still there.
    d = one.datastore.info(allocate(one, 'TYPE = "SYSTEM_DS"\nTM_MAD = "qcow2"'))
    assert d.TEMPLATE["SHARED"] == "YES"
    raises(pyone.OneInternalException, allocate, one, 'DS_MAD = "sitefs"\nTM_MAD = "site"',
           contains='Datastore template is missing the "SITE_POOL" attribute')
    d = one.datastore.info(allocate(one, 'DS_MAD = "sitefs"\nTM_MAD = "site"\nSITE_POOL = "p1"'))
    assert (d.DS_MAD, d.TEMPLATE["LN_TARGET"]) == ("sitefs", "NONE")
    # The built-in datastores were made with the site's entries too: "local" is still the built-in.
    assert one.datastore.info(0).TEMPLATE["SHARED"] == "NO"
    # one.system.config shows the entries in effect: the file's, then the other built-in ones.
    ok, xml = xmlrpc.client.ServerProxy(site_oned.endpoint).one.system.config(site_oned.session)[:2]
    assert ok
    names = re.findall(r"<TM_MAD_CONF>.*?<NAME><!\[CDATA\[([^]]*)\]\]></NAME>", xml)
    assert names[:2] == ["SSH", "site"] and "qcow2" in names and "ssh" not in names, names


def test_persistent_only_datastore_takes_only_persistent_images(site_oned):
    one = site_oned.client()
    dsid = allocate(one, 'DS_MAD = "dummy"\nTM_MAD = "dummy"')
    assert "PERSISTENT_ONLY" not in one.datastore.info(dsid).TEMPLATE   # read from oned.conf
    raises(pyone.OneException, one.image.allocate,  # ALLOCATE
           'NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % uniq("np"), dsid,
           startswith="[one.image.allocate] Error allocating a new image. This Datastore only accepts "
                      "persistent images.")
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"\nPERSISTENT = "yes"' % uniq("p"), dsid)
    assert wait_image_ready(one, iid).PERSISTENT == 1
    raises(pyone.OneInternalException, one.image.persistent, iid, False,
           startswith="[one.image.persistent] This Datastore only accepts persistent images.")
    assert one.image.persistent(iid, True) == iid
    assert one.image.info(iid).PERSISTENT == 1
    delete_image(one, iid)
    # Other datastores of that oned are not concerned.
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % uniq("np"), 1)
    assert wait_image_ready(one, iid).PERSISTENT == 0
    delete_image(one, iid)
    assert one.datastore.delete(dsid) == dsid


def test_a_bad_entry_stops_oned_at_start(oned_factory):
    o = oned_factory()
    o.extra_conf = 'TM_MAD_CONF = [ NAME = "bad", LN_TARGET = "HOST", CLONE_TARGET = "SYSTEM", SHARED = "NO" ]\n'
    with pytest.raises(OnedStartError) as e:
        o.start()
    assert 'TM_MAD_CONF "bad"/LN_TARGET must be "NONE", "SELF" or "SYSTEM", not "HOST"' in str(e.value)
    assert not o.alive()
