"""Images with real files: the `fs` datastore driver (`one_datastore` + `remotes/datastore/fs/*`).

A dedicated oned (MONITORING_INTERVAL_DATASTORE = 1) registers images from real files under
/var/tmp (the default SAFE_DIRS), from an http:// URL served by this test on loopback, and from
compressed files; the tests check the files the driver writes in the datastore's BASE_PATH
(content, SIZE, FORMAT, MD5/SHA-256 in the template and in the SOURCE.md5 / SOURCE.sha256
sidecars), the failures (ERROR with TEMPLATE/ERROR, nothing left behind), delete, clone, datablocks,
monitoring, and a kill -9 of oned in the middle of a copy. Every wait is bounded; everything
created is removed.
"""

import functools
import hashlib
import http.server
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time

import pyone
import pytest

from helpers import (IMAGE_DELETE, IMAGE_ERROR, IMAGE_LOCKED, IMAGE_READY, as_list, free_port, id_list, raises,
                     uniq, vm_template, wait_image_gone, wait_image_state)

MIB = 1 << 20
IMAGE_CLONE = 6
IMAGE_USED = 2


# --------------------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def storage_oned(oned_factory):
    """An oned of its own (so BASE_PATH holds only this file's images), monitoring datastores
    every second."""
    o = oned_factory()
    o.extra_conf = "MONITORING_INTERVAL_DATASTORE = 1\n"
    o.start()
    yield o
    if o.alive():
        assert o.stop() == 0


@pytest.fixture(scope="module")
def sone(storage_oned):
    return storage_oned.client()


@pytest.fixture(scope="module")
def work():
    """A directory under /var/tmp (default SAFE_DIRS) for the files images are registered from."""
    d = tempfile.mkdtemp(prefix="nephele-pyone-storage-", dir="/var/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def base_path(sone):
    """The default image datastore's directory on the front-end (BASE_PATH)."""
    return sone.datastore.info(1).BASE_PATH


def write_file(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def sample(size, seed):
    """Deterministic, incompressible-enough bytes."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def digests(data):
    return hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()


def file_digests(path):
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(functools.partial(f.read, MIB), b""):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def entries(base):
    """What is in BASE_PATH (hidden temp files included)."""
    return set(os.listdir(base)) if os.path.isdir(base) else set()


def tmp_entries(base):
    return sorted(e for e in entries(base) if e.endswith(".tmp"))


def unnamed_entries(one, base):
    """What is in BASE_PATH that no image of the pool names (its SOURCE, the SOURCE's sidecars
    and snapshot directory), sorted."""
    named = set()
    for i in as_list(one.imagepool.info(-2, -1, -1).IMAGE):
        if i.SOURCE and os.path.dirname(i.SOURCE) == base:
            name = os.path.basename(i.SOURCE)
            named |= {name, name + ".md5", name + ".sha256", name + ".snap"}
    return sorted(entries(base) - named)


def register(one, path, extra="", ds=1, name=None):
    name = name or uniq("st")
    return one.image.allocate('NAME = "%s"\nPATH = "%s"\n%s' % (name, path, extra), ds)


def error_of(i):
    return i.TEMPLATE.get("ERROR") or ""


def remove(one, iid):
    """Deletes an image and waits until it is gone (DELETE until the driver's RM)."""
    assert one.image.delete(iid, False) == iid
    wait_image_gone(one, iid)


def assert_stored(i, base, data):
    """The READY image i holds exactly `data` in BASE_PATH, with its checksums and sidecars."""
    md5, sha = digests(data)
    assert os.path.dirname(i.SOURCE) == base, i.SOURCE
    assert len(os.path.basename(i.SOURCE)) == 32, i.SOURCE
    with open(i.SOURCE, "rb") as f:
        assert f.read() == data
    assert i.TEMPLATE["MD5"] == md5
    assert i.TEMPLATE["SHA256"] == sha
    with open(i.SOURCE + ".md5") as f:
        assert f.read() == md5 + "\n"
    with open(i.SOURCE + ".sha256") as f:
        assert f.read() == sha + "\n"
    assert int(i.SIZE) == (len(data) + MIB - 1) // MIB


def assert_removed(source):
    for p in (source, source + ".md5", source + ".sha256", source + ".snap"):
        assert not os.path.exists(p), "%s left after the image was deleted" % p


def qemu_info(path):
    out = subprocess.run(["qemu-img", "info", "--output=json", path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


# --------------------------------------------------------------------------------------------------
# registering
# --------------------------------------------------------------------------------------------------

def test_register_local_raw_file(sone, work, base_path):
    data = sample(3 * MIB, "raw")
    path = write_file(work, "raw.img", data)
    iid = register(sone, path)
    assert sone.image.info(iid).STATE in (IMAGE_LOCKED, IMAGE_READY)     # LOCKED until the driver's CP
    i = wait_image_state(sone, iid, IMAGE_READY)
    assert i.FORMAT == "raw"
    assert int(i.SIZE) == 3
    assert i.PATH == path
    assert_stored(i, base_path, data)
    assert tmp_entries(base_path) == []
    source = i.SOURCE
    remove(sone, iid)
    assert_removed(source)
    os.unlink(path)


def test_register_qcow2_file(sone, work, base_path):
    path = os.path.join(work, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, "64M"], check=True)
    with open(path, "rb") as f:
        data = f.read()
    i = wait_image_state(sone, register(sone, path), IMAGE_READY)
    assert i.FORMAT == "qcow2"
    assert qemu_info(i.SOURCE)["format"] == "qcow2"
    assert_stored(i, base_path, data)
    remove(sone, i.ID)
    os.unlink(path)


@pytest.mark.parametrize("tool", ["gzip", "bzip2", "xz", "lzop"])
def test_register_compressed_file(sone, work, base_path, tool):
    data = sample(2 * MIB + 12345, "compressed-" + tool) + b"\0" * MIB
    plain = write_file(work, "plain-%s.img" % tool, data)
    packed = plain + "." + tool
    with open(packed, "wb") as out:
        subprocess.run([tool, "-c", plain], stdout=out, check=True)
    os.unlink(plain)
    with open(packed, "rb") as f:
        assert f.read() != data
    i = wait_image_state(sone, register(sone, packed), IMAGE_READY)
    assert i.FORMAT == "raw"
    assert_stored(i, base_path, data)       # decompressed while copying; checksums of the content
    remove(sone, i.ID)
    os.unlink(packed)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_dir(work):
    """An http.server on a free loopback port serving a directory of its own."""
    d = tempfile.mkdtemp(dir=work)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=d))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield d, "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()
    t.join(timeout=10)
    shutil.rmtree(d, ignore_errors=True)


def test_register_from_http_url(sone, base_path, http_dir):
    d, url = http_dir
    data = sample(2 * MIB, "http")
    write_file(d, "served.img", data)
    i = wait_image_state(sone, register(sone, url + "/served.img"), IMAGE_READY)
    assert i.PATH == url + "/served.img"
    assert i.FORMAT == "raw"
    assert_stored(i, base_path, data)
    remove(sone, i.ID)


# --------------------------------------------------------------------------------------------------
# failures: an error on the image, nothing left in BASE_PATH
# --------------------------------------------------------------------------------------------------

def test_path_outside_safe_dirs_refused_at_allocate(sone, storage_oned, base_path):
    # /etc and the test's own ONE_LOCATION (under /tmp) are under RESTRICTED_DIRS ("/") and
    # not under SAFE_DIRS ("/var/tmp"): OpenNebula's fs driver says "Not allowed to copy images from".
    before = entries(base_path)
    name = uniq("unsafe")
    outside = os.path.join(storage_oned.location, "etc", "oned.conf")
    for path in ("/etc/passwd", outside):
        with pytest.raises(pyone.OneException) as ei:
            register(sone, path, name=name)
        msg = str(ei.value)
        assert msg.startswith("[one.image.allocate]") and "Not allowed to copy images from" in msg, msg
    assert name not in [x.NAME for x in as_list(sone.imagepool.info(-2, -1, -1).IMAGE)]
    assert entries(base_path) == before


def _fails(one, base, path, extra=""):
    """Registers `path`; the image must end in ERROR with nothing left in BASE_PATH. Returns
    TEMPLATE/ERROR (the image is removed)."""
    before = entries(base)
    iid = register(one, path, extra)
    i = wait_image_state(one, iid, IMAGE_ERROR)
    msg = error_of(i)
    assert msg, "ERROR without TEMPLATE/ERROR"
    assert entries(base) == before, "left in BASE_PATH: %s" % sorted(entries(base) - before)
    remove(one, iid)
    return msg


def test_missing_file_is_an_error(sone, work, base_path):
    path = os.path.join(work, "does-not-exist.img")
    msg = _fails(sone, base_path, path)
    assert path in msg, msg


def test_wrong_md5_is_an_error_naming_both_digests(sone, work, base_path):
    data = sample(MIB, "md5")
    path = write_file(work, "md5.img", data)
    md5, _ = digests(data)
    wrong = "0123456789abcdef0123456789abcdef"
    msg = _fails(sone, base_path, path, 'MD5 = "%s"' % wrong)
    assert wrong in msg and md5 in msg, msg
    # the right one is accepted
    i = wait_image_state(sone, register(sone, path, 'MD5 = "%s"' % md5.upper()), IMAGE_READY)
    assert_stored(i, base_path, data)
    remove(sone, i.ID)
    os.unlink(path)


def test_wrong_sha256_is_an_error(sone, work, base_path):
    data = sample(MIB, "sha")
    path = write_file(work, "sha.img", data)
    _, sha = digests(data)
    wrong = "ab" * 32
    msg = _fails(sone, base_path, path, 'SHA256 = "%s"' % wrong)
    assert wrong in msg and sha in msg, msg
    os.unlink(path)


def test_corrupt_qcow2_is_an_error(sone, work, base_path):
    raw = write_file(work, "for-qcow2.raw", sample(MIB, "qcow2"))
    path = os.path.join(work, "corrupt.qcow2")
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", raw, path], check=True)
    os.unlink(raw)
    # zero the first refcount block: every allocated cluster then has refcount 0 (qemu-img check: corrupt)
    with open(path, "r+b") as f:
        head = f.read(64)
        cluster = 1 << struct.unpack(">I", head[20:24])[0]
        f.seek(struct.unpack(">Q", head[48:56])[0])
        block = struct.unpack(">Q", f.read(8))[0]
        f.seek(block)
        f.write(b"\0" * cluster)
    assert subprocess.run(["qemu-img", "check", "-q", path], capture_output=True).returncode == 2
    msg = _fails(sone, base_path, path)
    assert "qcow2" in msg.lower() and "corrupt" in msg.lower(), msg
    os.unlink(path)


def test_closed_port_url_is_an_error(sone, base_path):
    url = "http://127.0.0.1:%d/nothing.img" % free_port()
    msg = _fails(sone, base_path, url)
    assert url in msg, msg


def test_http_404_is_an_error(sone, base_path, http_dir):
    _, url = http_dir
    msg = _fails(sone, base_path, url + "/missing.img")
    assert "404" in msg, msg


# --------------------------------------------------------------------------------------------------
# datablocks, delete, clone, snapshots
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_datablock_mkfs(sone, base_path, fmt):
    iid = sone.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "4"\nFORMAT = "%s"' % (uniq("db"), fmt), 1)
    assert sone.image.info(iid).STATE in (IMAGE_LOCKED, IMAGE_READY)     # LOCKED until the driver's MKFS
    i = wait_image_state(sone, iid, IMAGE_READY)
    assert os.path.dirname(i.SOURCE) == base_path
    assert i.FORMAT == fmt and int(i.SIZE) == 4
    info = qemu_info(i.SOURCE)
    assert info["format"] == fmt
    assert info["virtual-size"] == 4 * MIB
    md5, sha = file_digests(i.SOURCE)
    with open(i.SOURCE + ".sha256") as f:
        assert f.read() == sha + "\n"
    with open(i.SOURCE + ".md5") as f:
        assert f.read() == md5 + "\n"
    source = i.SOURCE
    remove(sone, iid)
    assert_removed(source)


def test_delete_goes_through_delete_state(sone, work, base_path):
    data = sample(2 * MIB, "delete")
    path = write_file(work, "delete.img", data)
    i = wait_image_state(sone, register(sone, path), IMAGE_READY)
    os.unlink(path)
    source = i.SOURCE
    assert os.path.isfile(source)
    assert sone.image.delete(i.ID, False) == i.ID
    try:
        state = sone.image.info(i.ID).STATE
    except pyone.OneNoExistsException:
        state = None                         # the RM already answered
    assert state in (IMAGE_DELETE, None), state
    wait_image_gone(sone, i.ID)
    raises(pyone.OneNoExistsException, sone.image.info, i.ID, contains="Error getting image [%d]" % i.ID)
    assert_removed(source)
    assert i.ID not in id_list(sone.datastore.info(1).IMAGES)


def test_delete_of_an_image_in_use_is_refused(sone, work, base_path):
    data = sample(MIB, "in-use")
    path = write_file(work, "in-use.img", data)
    iid = wait_image_state(sone, register(sone, path), IMAGE_READY).ID
    os.unlink(path)
    vid = sone.vm.allocate(vm_template(uniq("st-vm"), 'DISK = [ IMAGE_ID = "%d" ]' % iid))
    i = sone.image.info(iid)
    assert i.STATE == IMAGE_USED and i.RUNNING_VMS == 1
    raises(pyone.OneActionException, sone.image.delete, iid, False,
           contains="[one.image.delete] Cannot delete image. There are 1 VMs using it.")
    assert sone.image.info(iid).STATE == IMAGE_USED
    assert os.path.isfile(i.SOURCE)
    sone.vm.recover(vid, 3)                  # delete the (PENDING) VM: the image is free again
    wait_image_state(sone, iid, IMAGE_READY)
    source = i.SOURCE
    remove(sone, iid)
    assert_removed(source)


def test_clone(sone, work, base_path):
    data = sample(3 * MIB, "clone")
    path = write_file(work, "clone.img", data)
    src = wait_image_state(sone, register(sone, path), IMAGE_READY)
    os.unlink(path)
    cid = sone.image.clone(src.ID, uniq("st-clone"))
    assert cid != src.ID
    assert sone.image.info(src.ID).STATE in (IMAGE_CLONE, IMAGE_READY)   # CLONE while copying
    c = wait_image_state(sone, cid, IMAGE_READY)
    assert c.TEMPLATE["SHA256"] == src.TEMPLATE["SHA256"]
    assert c.TEMPLATE["MD5"] == src.TEMPLATE["MD5"]
    assert c.SOURCE != src.SOURCE
    assert not os.path.samefile(c.SOURCE, src.SOURCE)
    assert_stored(c, base_path, data)
    assert_stored(src, base_path, data)
    assert c.PERSISTENT == 0 and c.DATASTORE_ID == 1
    s = wait_image_state(sone, src.ID, IMAGE_READY)
    assert cid in id_list(s.CLONES) or id_list(s.CLONES) == []
    for iid, source in ((cid, c.SOURCE), (src.ID, src.SOURCE)):
        remove(sone, iid)
        assert_removed(source)


def test_snapshot_methods_without_snapshots(sone):
    iid = sone.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "1"' % uniq("nosnap"), 1)
    wait_image_state(sone, iid, IMAGE_READY)
    for method in ("snapshotdelete", "snapshotrevert", "snapshotflatten"):
        raises(pyone.OneActionException, getattr(sone.image, method), iid, 0,
               startswith="[one.image.%s]" % method, contains="does not exist")
    assert sone.image.info(iid).STATE == IMAGE_READY
    remove(sone, iid)


# --------------------------------------------------------------------------------------------------
# monitoring
# --------------------------------------------------------------------------------------------------

def test_datastore_monitoring_fills_capacity(sone):
    deadline = time.time() + 30
    while True:
        got = {d: sone.datastore.info(d) for d in (1, 2)}
        sizes = {d: (x.TOTAL_MB, x.FREE_MB, x.USED_MB) for d, x in got.items()}
        if all(t > 0 and f > 0 and u > 0 for t, f, u in sizes.values()):
            break
        assert time.time() < deadline, "datastores not monitored within 30 s: %s" % sizes
        time.sleep(0.2)
    for t, f, u in sizes.values():
        assert f <= t and u <= t


# --------------------------------------------------------------------------------------------------
# kill -9 of oned in the middle of a copy
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def k9_oned(oned_factory):
    o = oned_factory()
    o.start()
    yield o
    if o.alive():
        o.stop()


def test_kill9_while_locked_never_leaves_the_image_locked(k9_oned, work):
    """oned killed (SIGKILL) in the middle of a CP: its datastore driver, its stdin at end of file,
    kills the running script (whose trap removes what it wrote) instead of letting it finish."""
    _stop_oned_in_the_middle_of_a_copy(k9_oned, work, k9_oned.kill9)


def test_sigterm_while_locked_never_leaves_an_unnamed_file(k9_oned, work):
    """oned stopped in order (SIGTERM) in the middle of a CP: it sends FINALIZE but kills its
    drivers as it exits, so the script runs on without them; it cannot write its answer (PIPE) and
    removes the image it made. The CP is sent again by the next oned."""
    def stop():
        assert k9_oned.stop() == 0
    _stop_oned_in_the_middle_of_a_copy(k9_oned, work, stop)


def _stop_oned_in_the_middle_of_a_copy(o, work, stop):
    """Registers a 300 MiB file, calls stop() as soon as the copy is under way, starts oned
    again: the image ends READY (right content) or ERROR (with a reason), never LOCKED, and once
    it is deleted nothing is left in BASE_PATH that no image names."""
    one = o.client()
    base = one.datastore.info(1).BASE_PATH
    path = os.path.join(work, "big.img")
    with open(path, "wb") as f, open("/dev/urandom", "rb") as r:
        for _ in range(300):
            f.write(r.read(MIB))
    want_md5, want_sha = file_digests(path)
    iid = register(one, path)
    assert one.image.info(iid).STATE == IMAGE_LOCKED
    # stop as soon as the copy is under way (its temp file exists), or at the latest after 10 s
    deadline = time.time() + 10
    while not tmp_entries(base) and time.time() < deadline and one.image.info(iid).STATE == IMAGE_LOCKED:
        time.sleep(0.02)
    stop()

    o.start()
    one = o.client()
    i = wait_image_state(one, iid, [IMAGE_READY, IMAGE_ERROR], timeout=180)
    # the copy the stopped oned had started is stopped or removes itself: whatever it had
    # written under a temporary name must go
    deadline = time.time() + 60
    while tmp_entries(base) and time.time() < deadline:
        time.sleep(0.2)
    assert tmp_entries(base) == [], "temporary files left in %s: %s" % (base, tmp_entries(base))
    if i.STATE == IMAGE_READY:
        assert os.path.dirname(i.SOURCE) == base
        assert file_digests(i.SOURCE) == (want_md5, want_sha)
        assert i.TEMPLATE["SHA256"] == want_sha and i.TEMPLATE["MD5"] == want_md5
        with open(i.SOURCE + ".sha256") as f:
            assert f.read() == want_sha + "\n"
    else:
        assert error_of(i), "ERROR without TEMPLATE/ERROR"
    source = i.SOURCE
    os.unlink(path)
    remove(one, iid)
    if source:
        assert_removed(source)
    # no file is left that no image names: neither a finished copy of the stopped oned's CP
    # (renamed into place for nobody) nor its sidecars. Bounded wait: a file on its way out
    # may take a moment, a leaked one stays.
    deadline = time.time() + 30
    while unnamed_entries(one, base) and time.time() < deadline:
        time.sleep(0.2)
    assert unnamed_entries(one, base) == [], "files no image names left in %s after the stop and delete: %s" % (
        base, unnamed_entries(one, base))


# --------------------------------------------------------------------------------------------------
# kernel and initrd from the files datastore (OS/KERNEL_DS, OS/INITRD_DS)
# --------------------------------------------------------------------------------------------------

FILES_DS = 2


@pytest.fixture(scope="module")
def kernel_files(sone, work):
    """A KERNEL and a RAMDISK file image in the files datastore, and an OS image (wrong type)."""
    k = wait_image_state(sone, register(sone, write_file(work, "vmlinuz", sample(8192, "kernel")), "TYPE = KERNEL",
                                        ds=FILES_DS), IMAGE_READY)
    r = wait_image_state(sone, register(sone, write_file(work, "initrd", sample(4096, "initrd")), "TYPE = RAMDISK",
                                        ds=FILES_DS), IMAGE_READY)
    o = wait_image_state(sone, register(sone, write_file(work, "os.img", sample(4096, "os"))), IMAGE_READY)
    yield k, r, o
    for i in (k, r, o):
        remove(sone, i.ID)


def test_kernel_ds_resolves_to_the_file_image(sone, kernel_files):
    k, r, _ = kernel_files
    os_vec = 'OS = [ KERNEL_DS = "$FILE[IMAGE_ID=%d]", INITRD_DS = "$FILE[IMAGE=\\"%s\\"]", KERNEL = "/etc/passwd",' \
             ' INITRD_DS_SOURCE = "/etc/shadow", KERNEL_CMD = "console=ttyS0" ]' % (k.ID, r.NAME)
    vid = sone.vm.allocate(vm_template(uniq("st-kern"), os_vec))
    try:
        os_attr = sone.vm.info(vid).TEMPLATE["OS"]
        assert os_attr["KERNEL_DS_ID"] == str(k.ID)
        assert os_attr["KERNEL_DS_SOURCE"] == k.SOURCE
        assert os_attr["KERNEL_DS_DSID"] == str(FILES_DS)
        assert os_attr["KERNEL_DS_TM"] == sone.datastore.info(FILES_DS).TM_MAD
        assert os_attr["KERNEL_DS_CLUSTER_ID"] == "0"
        assert os_attr["INITRD_DS_ID"] == str(r.ID)
        assert os_attr["INITRD_DS_SOURCE"] == r.SOURCE, "oned's value, not the template's"
        assert "KERNEL" not in os_attr, "a plain KERNEL path goes when KERNEL_DS is used"
        assert os_attr["KERNEL_CMD"] == "console=ttyS0"
        assert "CLUSTER_ID = 0" in sone.vm.info(vid).TEMPLATE["AUTOMATIC_REQUIREMENTS"]
    finally:
        sone.vm.action("terminate-hard", vid)


def test_derived_kernel_attributes_cannot_be_written_by_users(sone, kernel_files):
    vid = sone.vm.allocate(vm_template(uniq("st-kern"), 'OS = [ KERNEL_DS_SOURCE = "/etc/shadow",'
                                                        ' KERNEL_DS_TM = "ssh", KERNEL_DS_DSID = "2" ]'))
    try:
        os_attr = sone.vm.info(vid).TEMPLATE["OS"]
        for k in ("KERNEL_DS_SOURCE", "KERNEL_DS_TM", "KERNEL_DS_DSID"):
            assert k not in os_attr, "%s kept: %r" % (k, os_attr)
    finally:
        sone.vm.action("terminate-hard", vid)


@pytest.mark.parametrize("value,message", [
    ("$FILE[IMAGE_ID=999999]", "Error parsing: $FILE[IMAGE_ID=999999]. Image with ID: 999999 does not exist"),
    ("/boot/vmlinuz", "Error parsing: /boot/vmlinuz."),
    ("$DISK[IMAGE_ID=1]", "Must use FILE variable for attribute."),
    ("$FILE[NAME=x]", "Cannot get image, set IMAGE_ID or IMAGE."),
    ("$FILE[IMAGE=\\\"no-such-kernel\\\"]", "does not own an image with name: no-such-kernel"),
])
def test_kernel_ds_errors(sone, kernel_files, value, message):
    t = vm_template(uniq("st-kern"), 'OS = [ KERNEL_DS = "%s" ]' % value)
    raises(pyone.OneInternalException, sone.vm.allocate, t, contains=message)


def test_kernel_ds_needs_a_kernel_image_and_one_variable(sone, kernel_files):
    k, r, o = kernel_files
    raises(pyone.OneInternalException, sone.vm.allocate,
           vm_template(uniq("st-kern"), 'OS = [ KERNEL_DS = "$FILE[IMAGE_ID=%d]" ]' % o.ID),
           contains="KERNEL needs an image of type KERNEL and not OS")
    raises(pyone.OneInternalException, sone.vm.allocate,
           vm_template(uniq("st-kern"), 'OS = [ INITRD_DS = "$FILE[IMAGE_ID=%d]" ]' % k.ID),
           contains="INITRD needs an image of type RAMDISK and not KERNEL")
    raises(pyone.OneInternalException, sone.vm.allocate,
           vm_template(uniq("st-kern"), 'OS = [ KERNEL_DS = "$FILE[IMAGE_ID=%d] $FILE[IMAGE_ID=%d]" ]' % (k.ID, k.ID)),
           contains="Only one FILE variable can be used in:")


def test_kernel_ds_of_an_image_the_user_cannot_use(sone, storage_oned, kernel_files):
    from helpers import make_user
    k, _, _ = kernel_files
    sone.image.chmod(k.ID, 1, 1, 0, 0, 0, 0, 0, 0, 0)  # owner only
    u = make_user(storage_oned, sone)
    try:
        raises(pyone.OneInternalException, u.one.vm.allocate,
               vm_template(uniq("st-kern"), 'OS = [ KERNEL_DS = "$FILE[IMAGE_ID=%d]" ]' % k.ID),
               contains="User not authorize to use image.")
    finally:
        sone.user.delete(u.id)
