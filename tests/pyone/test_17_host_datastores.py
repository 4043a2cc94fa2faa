"""HOST_SHARE/DATASTORES: the disk a host reports, as OpenNebula's HostShareDatastore keeps it.

A probe's DS_LOCATION_TOTAL_MB / _FREE_MB / _USED_MB become MAX_DISK / FREE_DISK / USED_DISK and
each `DS = [ ID, TOTAL_MB, FREE_MB, USED_MB ]` a `<DS>` element (what the scheduler reads for a
non-shared system datastore), in OpenNebula's order: DISK_USAGE, DS..., FREE_DISK, MAX_DISK,
USED_DISK, each DS's keys by name. Checked with the dummy IM (fixed figures) and with the real
`datastores.sh` probe run by `one_im_exec -l` on a temporary datastores directory.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import xmlrpc.client

import pytest

from helpers import uniq

MONITORED = 2


def wait_monitored(one, hid, timeout=30):
    deadline = time.time() + timeout
    while True:
        h = one.host.info(hid)
        if h.STATE == MONITORED and h.HOST_SHARE.DATASTORES.DS:
            return h
        assert time.time() < deadline, "host %d not monitored in %ss (STATE %s)" % (hid, timeout, h.STATE)
        time.sleep(0.05)


def info_xml(o, hid):
    ok, xml = xmlrpc.client.ServerProxy(o.endpoint).one.host.info(o.session, hid)[:2]
    assert ok, xml
    return xml


def datastores_element(xml):
    m = re.search(r"<DATASTORES>.*?</DATASTORES>", xml)
    assert m, xml
    return m.group(0)


def ds_element(ds_id, total, free, used):
    return "<DS><FREE_MB>%s</FREE_MB><ID>%d</ID><TOTAL_MB>%s</TOTAL_MB><USED_MB>%s</USED_MB></DS>" % (
        free, ds_id, total, used)


def test_dummy_host_reports_system_datastore_0(oned, one):
    hid = one.host.allocate(uniq("hds"), "dummy", "dummy", -1)
    try:
        h = wait_monitored(one, hid)
        d = h.HOST_SHARE.DATASTORES
        assert (d.MAX_DISK, d.FREE_DISK, d.USED_DISK) == (1048576, 983040, 65536)
        assert [(x.ID, x.TOTAL_MB, x.FREE_MB, x.USED_MB) for x in d.DS] == [(0, 1048576, 983040, 65536)]
        for k in ("DS_LOCATION_TOTAL_MB", "DS_LOCATION_FREE_MB", "DS_LOCATION_USED_MB", "DS"):
            assert k not in h.TEMPLATE, k
        assert datastores_element(info_xml(oned, hid)) == (
            "<DATASTORES><DISK_USAGE>0</DISK_USAGE>" + ds_element(0, 1048576, 983040, 65536) +
            "<FREE_DISK>983040</FREE_DISK><MAX_DISK>1048576</MAX_DISK><USED_DISK>65536</USED_DISK></DATASTORES>")
        # The pool listing carries the same element.
        pool = [x for x in one.hostpool.info().HOST if x.ID == hid][0]
        assert [x.ID for x in pool.HOST_SHARE.DATASTORES.DS] == [0]
    finally:
        one.host.delete(hid)


@pytest.fixture(scope="module")
def probe_oned(oned_factory):
    """An oned whose `probe` hosts are probed by the real probes on the front-end
    (`one_im_exec -l dummy`: remotes/im/dummy.d, which links the kvm datastores probe), with a
    datastores directory of its own holding system datastores 0 and 105."""
    o = oned_factory()
    work = tempfile.mkdtemp(prefix="nephele-pyone-hostds-")
    location = os.path.join(work, "datastores")
    for d in ("0", "105", "images", ".cache"):
        os.makedirs(os.path.join(location, d))
    o.extra_conf = ('IM_MAD = [ NAME = "probe", EXECUTABLE = "one_im_exec", ARGUMENTS = "-l -t 4 -w 60 dummy" ]\n'
                    "MONITORING_INTERVAL_HOST = 1\n")
    os.makedirs(os.path.join(o.location, "etc", "mad"), exist_ok=True)
    with open(os.path.join(o.location, "etc", "mad", "defaultrc"), "w") as f:
        f.write("DATASTORE_LOCATION=%s\nNEPHELE_DUMMY_DIR=%s\n" % (location, os.path.join(work, "dummy")))
    o.start()
    yield o, location
    if o.alive():
        assert o.stop() == 0
    shutil.rmtree(work, ignore_errors=True)


def df_mb(path):
    """`df -Pm`: total, used, free MB."""
    line = subprocess.run(["df", "-Pm", path], capture_output=True, text=True, check=True).stdout.splitlines()[1]
    return [int(x) for x in line.split()[1:4]]


def test_the_datastores_probe_fills_host_share(probe_oned):
    o, location = probe_oned
    one = o.client()
    hid = one.host.allocate(uniq("hprobe"), "probe", "dummy", -1)
    h = wait_monitored(one, hid, timeout=60)
    d = h.HOST_SHARE.DATASTORES
    total = df_mb(location)[0]
    assert d.MAX_DISK == total and 0 < d.FREE_DISK <= total
    assert [x.ID for x in d.DS] == [0, 105], "one per numeric directory, in id order"
    for x in d.DS:
        assert x.TOTAL_MB == total and x.FREE_MB <= x.TOTAL_MB
    xml = datastores_element(info_xml(o, hid))
    assert re.fullmatch(
        r"<DATASTORES><DISK_USAGE>0</DISK_USAGE>"
        r"<DS><FREE_MB>\d+</FREE_MB><ID>0</ID><TOTAL_MB>%d</TOTAL_MB><USED_MB>\d+</USED_MB></DS>"
        r"<DS><FREE_MB>\d+</FREE_MB><ID>105</ID><TOTAL_MB>%d</TOTAL_MB><USED_MB>\d+</USED_MB></DS>"
        r"<FREE_DISK>\d+</FREE_DISK><MAX_DISK>%d</MAX_DISK><USED_DISK>\d+</USED_DISK></DATASTORES>"
        % (total, total, total), xml), xml

    # A datastore directory that goes away leaves the next report.
    os.rmdir(os.path.join(location, "105"))
    deadline = time.time() + 30
    while [x.ID for x in one.host.info(hid).HOST_SHARE.DATASTORES.DS] != [0]:
        assert time.time() < deadline, "datastore 105 still reported"
        time.sleep(0.1)
