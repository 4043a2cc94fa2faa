"""one.template.*, one.templatepool.info, one.image.*, one.imagepool.info."""

import os
import tempfile

import pyone
import pytest

from helpers import (IMAGE_LOCKED, IMAGE_READY, as_list, delete_image, id_list, perms, raises, uniq,
                     vm_template, wait_image_gone, wait_image_state)


def mktemplate(one, name=None, extra=""):
    name = name or uniq("tmpl")
    return one.template.allocate(vm_template(name, extra)), name


# --------------------------------------------------------------------------------------------------
# templates
# --------------------------------------------------------------------------------------------------

def test_template_allocate_info(one):
    tid, name = mktemplate(one, extra='DESCRIPTION = "web"\n')
    assert isinstance(tid, int) and tid >= 0
    t = one.template.info(tid)
    assert t.ID == tid and t.NAME == name
    assert t.UID == 0 and t.GID == 0 and t.UNAME == "oneadmin" and t.GNAME == "oneadmin"
    assert perms(t) == (1, 1, 0, 0, 0, 0, 0, 0, 0)      # DEFAULT_UMASK 177
    assert t.REGTIME > 0
    assert t.TEMPLATE["CPU"] == "1"
    assert t.TEMPLATE["MEMORY"] == "128"
    assert t.TEMPLATE["DESCRIPTION"] == "web"
    assert "NAME" not in t.TEMPLATE
    ids = [x.ID for x in one.templatepool.info(-2, -1, -1).VMTEMPLATE]
    assert tid in ids
    assert ids == sorted(ids, reverse=True)


def test_template_allocate_xml_and_pyone_dict(one):
    name = uniq("xmltmpl")
    tid = one.template.allocate("<TEMPLATE><NAME>%s</NAME><CPU>2</CPU><MEMORY>64</MEMORY></TEMPLATE>" % name)
    t = one.template.info(tid)
    assert t.NAME == name and t.TEMPLATE["CPU"] == "2" and t.TEMPLATE["MEMORY"] == "64"
    name2 = uniq("dicttmpl")
    tid2 = one.template.allocate({"TEMPLATE": {"NAME": name2, "CPU": "1", "MEMORY": "32",
                                               "DISK": {"SIZE": "10", "TYPE": "fs"}}})
    t2 = one.template.info(tid2)
    assert t2.NAME == name2
    assert t2.TEMPLATE["MEMORY"] == "32"
    assert t2.TEMPLATE["DISK"] == {"SIZE": "10", "TYPE": "fs"}


def test_template_update(one):
    tid, _ = mktemplate(one, extra='LABEL = "a"\n')
    assert one.template.update(tid, 'VCPU = "2"', 1) == tid               # merge
    t = one.template.info(tid).TEMPLATE
    assert t["VCPU"] == "2" and t["CPU"] == "1" and t["LABEL"] == "a"
    assert one.template.update(tid, 'CPU = "4"\nMEMORY = "256"', 0) == tid  # replace
    t = one.template.info(tid).TEMPLATE
    assert t["CPU"] == "4" and t["MEMORY"] == "256"
    assert "VCPU" not in t and "LABEL" not in t
    raises(pyone.OneInternalException, one.template.update, tid, 'CPU = [', 0,
           contains="Cannot update template. Parse error")
    raises(pyone.OneApiException, one.template.update, tid, 'CPU = "1"', 5,
           contains="Wrong update type")
    assert one.template.info(tid).TEMPLATE["CPU"] == "4"


def test_template_rename(one):
    tid, _ = mktemplate(one)
    other, other_name = mktemplate(one)
    new = uniq("tmpl-renamed")
    assert one.template.rename(tid, new) == tid
    assert one.template.info(tid).NAME == new
    raises(pyone.OneActionException, one.template.rename, tid, other_name,
           contains="virtual machine template cannot be renamed to %s because it collides with "
                    "virtual machine template %d" % (other_name, other))
    assert one.template.rename(tid, new) == tid        # same name: no-op success


def test_template_clone(one):
    tid, _ = mktemplate(one, extra='LABEL = "x"\n')
    cname = uniq("clone")
    cid = one.template.clone(tid, cname, False)
    assert isinstance(cid, int) and cid != tid
    c = one.template.info(cid)
    assert c.NAME == cname
    assert c.TEMPLATE == one.template.info(tid).TEMPLATE
    raises(pyone.OneInternalException, one.template.clone, tid, cname, False,
           contains="NAME is already taken by TEMPLATE %d." % cid)
    raises(pyone.OneNoExistsException, one.template.clone, 987654, uniq("c"), False,
           contains="[one.template.clone] Error getting virtual machine template [987654].")


def test_template_instantiate(one):
    tid, name = mktemplate(one, extra='FOO = "bar"\n')
    vid = one.template.instantiate(tid, "", False, "", False)
    v = one.vm.info(vid)
    assert v.NAME == "%s-%d" % (name, vid)
    assert v.STATE == 1
    assert v.TEMPLATE["TEMPLATE_ID"] == str(tid)
    assert v.TEMPLATE["CPU"] == "1" and v.TEMPLATE["MEMORY"] == "128"
    assert v.USER_TEMPLATE["FOO"] == "bar"
    vid2 = one.template.instantiate(tid, "given-name", True, 'MEMORY = "512"', False)
    v2 = one.vm.info(vid2)
    assert v2.NAME == "given-name"
    assert v2.STATE == 2                       # HOLD
    assert v2.TEMPLATE["MEMORY"] == "512"
    assert vid2 == vid + 1
    raises(pyone.OneNoExistsException, one.template.instantiate, 987654, "", False, "", False,
           contains="[one.template.instantiate] Error getting virtual machine template [987654].")


def test_template_delete(one):
    tid, _ = mktemplate(one)
    assert one.template.delete(tid, False) == tid
    raises(pyone.OneNoExistsException, one.template.info, tid,
           contains="[one.template.info] Error getting virtual machine template [%d]." % tid)
    assert tid not in [x.ID for x in (one.templatepool.info(-2, -1, -1).VMTEMPLATE or [])]
    raises(pyone.OneNoExistsException, one.template.delete, tid, False,
           contains="[one.template.delete] Error getting virtual machine template [%d]." % tid)


def test_template_allocate_errors(one):
    tid, name = mktemplate(one)
    raises(pyone.OneInternalException, mktemplate, one, name,
           contains="[one.template.allocate] NAME is already taken by TEMPLATE %d." % tid)
    raises(pyone.OneInternalException, one.template.allocate, 'NAME = "x"\nCPU = [',
           startswith="[one.template.allocate] Parse error")
    raises(pyone.OneInternalException, one.template.allocate, 'NAME = "x"\nCPU = "1" "2"',
           startswith="[one.template.allocate] Parse error")
    raises(pyone.OneInternalException, one.template.allocate, 'CPU = "1"',
           contains="Invalid NAME, it cannot be empty")


def test_template_malformed_xml(one):
    raises(pyone.OneInternalException, one.template.allocate, '<TEMPLATE><NAME>x</NAME>',
           startswith="[one.template.allocate] Parse error: XML Template malformed.")


def test_template_same_name_other_owner_is_fine(one, user_a):
    _, name = mktemplate(one)
    tid = user_a.one.template.allocate(vm_template(name))
    assert user_a.one.template.info(tid).NAME == name


# --------------------------------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def safe_file():
    """A small file under the default SAFE_DIRS (/var/tmp)."""
    fd, path = tempfile.mkstemp(prefix="nephele-pyone-", suffix=".img", dir="/var/tmp")
    os.write(fd, b"\0" * 4096)
    os.close(fd)
    yield path
    os.unlink(path)


def mkimage(one, name=None, ds=1, extra='TYPE = "DATABLOCK"\nSIZE = "10"', wait=True):
    """Registers an image; waits (bounded) until the datastore driver has made it READY, as real
    clients do (it is LOCKED until the driver's MKFS/CP answer)."""
    name = name or uniq("img")
    iid = one.image.allocate('NAME = "%s"\n%s' % (name, extra), ds)
    if wait:
        wait_image_state(one, iid, IMAGE_READY)
    return iid, name


def _state_or_gone(one, iid):
    """The image's STATE, or None once it is gone."""
    try:
        return one.image.info(iid).STATE
    except pyone.OneNoExistsException:
        return None


def test_image_allocate_datablock(one):
    iid, name = mkimage(one, wait=False)
    assert isinstance(iid, int) and iid >= 0
    assert one.image.info(iid).STATE in (IMAGE_LOCKED, IMAGE_READY)   # LOCKED until the driver's MKFS
    i = wait_image_state(one, iid, IMAGE_READY)
    assert i.ID == iid and i.NAME == name
    assert i.TYPE == 2                        # DATABLOCK
    assert int(i.SIZE) == 10
    assert i.PERSISTENT == 0
    assert i.DATASTORE_ID == 1 and i.DATASTORE == "default"
    assert i.RUNNING_VMS == 0
    assert i.UID == 0 and i.UNAME == "oneadmin"
    assert perms(i) == (1, 1, 0, 0, 0, 0, 0, 0, 0)
    assert iid in id_list(one.datastore.info(1).IMAGES)
    ids = [x.ID for x in one.imagepool.info(-2, -1, -1).IMAGE]
    assert iid in ids
    assert ids == sorted(ids, reverse=True)


def test_image_allocate_from_safe_path(one, safe_file):
    iid, _ = mkimage(one, extra='PATH = "%s"' % safe_file)
    i = one.image.info(iid)
    assert i.STATE == IMAGE_READY
    assert i.TYPE == 0                        # OS by default
    assert i.PATH == safe_file


def test_image_kernel_in_files_datastore(one, safe_file):
    iid, _ = mkimage(one, ds=2, extra='TYPE = "KERNEL"\nPATH = "%s"' % safe_file)
    i = one.image.info(iid)
    assert i.TYPE == 3 and i.DATASTORE_ID == 2 and i.STATE == IMAGE_READY
    delete_image(one, iid)


def test_image_path_outside_safe_dirs_refused(one):
    name = uniq("unsafe")
    fd, path = tempfile.mkstemp(prefix="nephele-pyone-", dir=os.path.dirname(os.path.abspath(__file__)))
    os.close(fd)
    try:
        # OpenNebula's fs driver: RESTRICTED_DIRS="/" and SAFE_DIRS="/var/tmp" -> "Not allowed to copy images
        # from ..."; Nephele checks it at allocation
        with pytest.raises(pyone.OneException) as ei:
            one.image.allocate('NAME = "%s"\nPATH = "%s"' % (name, path), 1)
        assert "Not allowed to copy image" in str(ei.value), str(ei.value)
        with pytest.raises(pyone.OneException) as ei:
            one.image.allocate('NAME = "%s"\nPATH = "/etc/passwd"' % uniq("unsafe"), 1)
        assert "Not allowed to copy image" in str(ei.value), str(ei.value)
        # a path that only looks like it is under /var/tmp is refused too (any clear error)
        with pytest.raises(pyone.OneException):
            one.image.allocate('NAME = "%s"\nPATH = "/var/tmp/../../etc/passwd"' % uniq("unsafe"), 1)
    finally:
        os.unlink(path)
    assert name not in [x.NAME for x in (one.imagepool.info(-2, -1, -1).IMAGE or [])]


def test_image_allocate_errors(one):
    iid, name = mkimage(one, wait=False)
    raises(pyone.OneException, mkimage, one, name,
           contains="[one.image.allocate] Error allocating a new image. NAME is already taken by IMAGE %d." % iid)
    raises(pyone.OneException, mkimage, one, None, 0,
           contains="New images can only be allocated in a files or image datastore.")
    raises(pyone.OneNoExistsException, mkimage, one, None, 987654,
           contains="[one.image.allocate] Error getting datastore [987654].")
    raises(pyone.OneInternalException, mkimage, one, None, 1, 'TYPE = "DATABLOCK"',
           contains="Cannot parse image SIZE: Wrong number or missing SIZE attribute.")
    raises(pyone.OneInternalException, one.image.allocate, 'NAME = "x"\nSIZE = [', 1,
           startswith="[one.image.allocate] Parse error")
    with pytest.raises(pyone.OneException) as ei:
        mkimage(one, None, 1, 'TYPE = "KERNEL"\nSOURCE = "/x"\nFORMAT = "raw"\nSIZE = "1"')
    assert "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore" in str(ei.value)


def test_image_enable_persistent_chtype(one):
    iid, _ = mkimage(one)
    assert one.image.enable(iid, False) == iid
    assert one.image.info(iid).STATE == 3     # DISABLED
    assert one.image.enable(iid, True) == iid
    assert one.image.info(iid).STATE == 1
    assert one.image.persistent(iid, True) == iid
    assert one.image.info(iid).PERSISTENT == 1
    assert one.image.persistent(iid, False) == iid
    assert one.image.info(iid).PERSISTENT == 0
    assert one.image.chtype(iid, "CDROM") == iid
    assert one.image.info(iid).TYPE == 1
    assert one.image.chtype(iid, "DATABLOCK") == iid
    assert one.image.info(iid).TYPE == 2


def test_image_update_rename_delete(one):
    iid, _ = mkimage(one, extra='TYPE = "DATABLOCK"\nSIZE = "10"\nDESCRIPTION = "a"')
    assert one.image.update(iid, 'DESCRIPTION = "b"\nDEV_PREFIX = "vd"', 1) == iid
    t = one.image.info(iid).TEMPLATE
    assert t["DESCRIPTION"] == "b" and t["DEV_PREFIX"] == "vd"
    new = uniq("img-renamed")
    assert one.image.rename(iid, new) == iid
    assert one.image.info(iid).NAME == new
    assert one.image.delete(iid, False) == iid
    # DELETE (7) until the datastore driver has removed the files, then gone
    state = _state_or_gone(one, iid)
    assert state in (7, None), state
    wait_image_gone(one, iid)
    raises(pyone.OneNoExistsException, one.image.info, iid,
           contains="[one.image.info] Error getting image [%d]." % iid)
    assert iid not in id_list(one.datastore.info(1).IMAGES)


def test_image_used_by_vm(one):
    iid, name = mkimage(one)
    vid = one.vm.allocate(vm_template(extra='DISK = [ IMAGE_ID = "%d" ]' % iid))
    i = one.image.info(iid)
    assert i.STATE == 2                       # USED
    assert i.RUNNING_VMS == 1
    assert id_list(i.VMS) == [vid]
    disk = as_list(one.vm.info(vid).TEMPLATE["DISK"])[0]
    assert disk["IMAGE_ID"] == str(iid)
    assert disk["IMAGE"] == name
    assert disk["DATASTORE_ID"] == "1"
    assert disk["DISK_ID"] == "0"
    raises(pyone.OneActionException, one.image.delete, iid, False,
           contains="Cannot delete image. There are 1 VMs using it.")
    # a second (non-persistent) user is fine
    vid2 = one.vm.allocate(vm_template(extra='DISK = [ IMAGE = "%s" ]' % name))
    assert one.image.info(iid).RUNNING_VMS == 2
    one.vm.action("terminate", vid)
    one.vm.recover(vid2, 3)
    i = one.image.info(iid)
    assert i.STATE == 1 and i.RUNNING_VMS == 0 and id_list(i.VMS) == []
    delete_image(one, iid)


def test_persistent_image_single_user(one):
    iid, _ = mkimage(one, extra='TYPE = "DATABLOCK"\nSIZE = "10"\nPERSISTENT = "YES"')
    assert one.image.info(iid).PERSISTENT == 1
    vid = one.vm.allocate(vm_template(extra='DISK = [ IMAGE_ID = "%d" ]' % iid))
    assert one.image.info(iid).STATE == 8     # USED_PERS
    raises(pyone.OneInternalException, one.vm.allocate, vm_template(extra='DISK = [ IMAGE_ID = "%d" ]' % iid),
           contains="Cannot acquire image %d, it is persistent and already in use" % iid)
    one.vm.action("terminate", vid)
    assert one.image.info(iid).STATE == 1


def test_disk_with_missing_image(one):
    raises(pyone.OneInternalException, one.vm.allocate, vm_template(extra='DISK = [ IMAGE_ID = "987654" ]'),
           contains="Image with ID: 987654 does not exist")


def test_datastore_with_images_cannot_be_deleted(one):
    dsid = one.datastore.allocate('NAME = "%s"\nDS_MAD = "fs"\nTM_MAD = "local"' % uniq("ds"), -1)
    iid, _ = mkimage(one, ds=dsid)
    raises(pyone.OneActionException, one.datastore.delete, dsid,
           contains="[one.datastore.delete] Cannot delete datastore. Datastore %d is not empty." % dsid)
    delete_image(one, iid)
    assert one.datastore.delete(dsid) == dsid


def test_plain_user_images(one, user_a):
    admin_img, _ = mkimage(one)
    iid, _ = mkimage(user_a.one)
    i = user_a.one.image.info(iid)
    assert i.UID == user_a.id and i.GID == 1
    assert perms(i) == (1, 1, 0, 0, 0, 0, 0, 0, 0)
    ids = [x.ID for x in user_a.one.imagepool.info(-2, -1, -1).IMAGE]
    assert iid in ids and admin_img not in ids
    raises(pyone.OneAuthorizationException, user_a.one.image.info, admin_img,
           contains="Not authorized to perform USE IMAGE [%d]" % admin_img)
    raises(pyone.OneAuthorizationException, mkimage, user_a.one, None, 1,
           'TYPE = "DATABLOCK"\nSOURCE = "/x"\nFORMAT = "raw"\nSIZE = "1"',
           contains="Template includes a restricted attribute SOURCE")
