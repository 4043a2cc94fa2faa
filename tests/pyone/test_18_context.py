"""Contextualization: the CONTEXT vector as one.vm.info shows it after one.vm.allocate (variables
replaced, NETWORK = YES expanded per NIC, the CD's DISK_ID and TARGET, FILES_DS resolved to
files-datastore images of type CONTEXT) and the refusals (wrong image type, missing image, a
malformed variable, a target taken; TOKEN = YES is kept and does nothing); then a deploy with the dummy drivers and the `context.sh` oned writes in
var/vms/<id>/ on the front-end.

A dedicated oned (its own ONE_LOCATION, so var/vms is this file's); every wait is bounded and what
is created is removed.
"""

import os
import shutil
import tempfile

import pyone
import pytest

from helpers import (IMAGE_READY, make_user, raises, uniq, vm_template, wait_image_gone, wait_image_state,
                     wait_vm_state)

FILES_DS = 2
CONTEXT_IMAGE = 5
ACTIVE, RUNNING = 3, 3


@pytest.fixture(scope="module")
def ctx_oned(oned_factory):
    o = oned_factory()
    o.start()
    yield o
    if o.alive():
        assert o.stop() == 0


@pytest.fixture(scope="module")
def cone(ctx_oned):
    return ctx_oned.client()


@pytest.fixture(scope="module")
def work():
    d = tempfile.mkdtemp(prefix="nephele-pyone-context-", dir="/var/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def net(cone):
    """A network with DNS on the network and GATEWAY / NETWORK_MASK on its address range."""
    name = uniq("ctxnet")
    vid = cone.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nDNS = "10.1.0.2"\n'
                           'SEARCH_DOMAIN = "example.org"\n'
                           'AR = [ TYPE = "IP4", IP = "10.1.0.10", SIZE = "20", GATEWAY = "10.1.0.1", '
                           'NETWORK_MASK = "255.255.255.0", NETWORK_ADDRESS = "10.1.0.0" ]' % name, -1)
    yield vid, name
    cone.vn.delete(vid)


def register(one, work, name, data, image_type):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    iid = one.image.allocate('NAME = "%s"\nPATH = "%s"\nTYPE = "%s"' % (name, path, image_type), FILES_DS)
    return wait_image_state(one, iid, IMAGE_READY)


@pytest.fixture(scope="module")
def files(cone, work):
    """A CONTEXT file image and a KERNEL file image in the files datastore."""
    c = register(cone, work, uniq("init") + ".sh", b"#!/bin/sh\necho context\n", "CONTEXT")
    k = register(cone, work, uniq("vmlinuz"), b"\x7fELF kernel", "KERNEL")
    yield c, k
    for i in (c, k):
        cone.image.delete(i.ID, False)
        wait_image_gone(cone, i.ID)


def context_of(one, vid):
    return one.vm.info(vid).TEMPLATE["CONTEXT"]


def test_network_context_after_allocate(cone, net):
    vnet, name = net
    t = vm_template(uniq("ctx"), 'NIC = [ NETWORK_ID = %d ]\nNIC = [ NETWORK = "%s", IP = "10.1.0.20" ]\n'
                                 'CONTEXT = [ NETWORK = "YES", HOSTNAME = "$NAME", GW = "$NETWORK[GATEWAY, NIC_ID=\\"0\\"]" ]'
                    % (vnet, name))
    vid = cone.vm.allocate(t)
    try:
        v = cone.vm.info(vid)
        ctx = v.TEMPLATE["CONTEXT"]
        nics = v.TEMPLATE["NIC"]
        assert ctx["ETH0_IP"] == "10.1.0.10"
        assert ctx["ETH0_MAC"] == nics[0]["MAC"]
        assert ctx["ETH0_GATEWAY"] == "10.1.0.1"
        assert ctx["ETH0_MASK"] == "255.255.255.0"
        assert ctx["ETH0_NETWORK"] == "10.1.0.0"
        assert ctx["ETH0_DNS"] == "10.1.0.2"
        assert ctx["ETH0_SEARCH_DOMAIN"] == "example.org"
        assert ctx["ETH1_IP"] == "10.1.0.20"
        assert ctx["ETH1_MAC"] == nics[1]["MAC"]
        for k in ("ETH0_IP6", "ETH0_IP6_GATEWAY", "ETH0_MTU", "ETH0_VLAN_ID", "ETH0_METHOD"):
            assert k in ctx, "%s: every variable is there, empty when nothing sets it" % k
        assert ctx["HOSTNAME"] == v.NAME
        assert ctx["GW"] == "10.1.0.1"
        assert ctx["DISK_ID"] == "0", "no disk: the CD is disk 0"
        assert ctx["TARGET"] == "hda"
    finally:
        cone.vm.action("terminate-hard", vid)


def test_user_ssh_key_is_substituted(cone, ctx_oned):
    u = make_user(ctx_oned, cone)
    try:
        cone.user.update(u.id, 'SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3Nz %s@laptop"' % u.name, 1)
        vid = u.one.vm.allocate(vm_template(uniq("ctx"), 'CONTEXT = [ SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]", '
                                                         'USERNAME = "$UNAME", UNKNOWN = "x$NO_SUCH_THING.y", '
                                                         'START_SCRIPT = "echo \\$HOME" ]'))
        try:
            ctx = context_of(cone, vid)
            assert ctx["SSH_PUBLIC_KEY"] == "ssh-ed25519 AAAAC3Nz %s@laptop" % u.name
            assert ctx["USERNAME"] == u.name
            assert ctx["UNKNOWN"] == "x.y", "unknown variables are empty"
            assert ctx["START_SCRIPT"] == "echo \\$HOME", "an escaped $ is kept"
        finally:
            cone.vm.action("terminate-hard", vid)
    finally:
        cone.user.delete(u.id)


def test_files_ds_of_a_context_image(cone, files):
    c, _ = files
    vid = cone.vm.allocate(vm_template(uniq("ctx"), 'CONTEXT = [ FILES_DS = "$FILE[IMAGE_ID=%d] $FILE[IMAGE=\\"%s\\"]" ]'
                                       % (c.ID, c.NAME)))
    try:
        assert context_of(cone, vid)["FILES_DS"] == "%s:'%s' %s:'%s' " % (c.SOURCE, c.NAME, c.SOURCE, c.NAME)
        assert cone.image.info(c.ID).RUNNING_VMS == 0, "a context file is not held by the VM"
    finally:
        cone.vm.action("terminate-hard", vid)


def test_files_ds_for_users(cone, ctx_oned, files):
    """FILES_DS is not a restricted attribute: a user may name the CONTEXT images they may use."""
    c, _ = files
    u = make_user(ctx_oned, cone)
    try:
        t = vm_template(uniq("ctx"), 'CONTEXT = [ FILES_DS = "$FILE[IMAGE_ID=%d]" ]' % c.ID)
        raises(pyone.OneInternalException, u.one.vm.allocate, t, contains="User not authorize to use image.")
        cone.image.chmod(c.ID, 1, 1, 0, 0, 0, 0, 1, 0, 0)  # others may use it
        vid = u.one.vm.allocate(t)
        try:
            assert context_of(cone, vid)["FILES_DS"] == "%s:'%s' " % (c.SOURCE, c.NAME)
        finally:
            cone.vm.action("terminate-hard", vid)
    finally:
        cone.image.chmod(c.ID, 1, 1, 0, 0, 0, 0, 0, 0, 0)
        cone.user.delete(u.id)


def test_files_ds_errors(cone, files):
    _, k = files
    cases = [
        ("$FILE[IMAGE_ID=%d]" % k.ID, "Only images of type CONTEXT can be used in FILE_DS attribute."),
        ("$FILE[IMAGE_ID=999999]", "Image with ID: 999999 does not exist"),
        ('$FILE[IMAGE=\\"no-such-file\\"]', "does not own an image with name: no-such-file"),
        ("/etc/passwd", "Error parsing: /etc/passwd."),
    ]
    for value, message in cases:
        raises(pyone.OneInternalException, cone.vm.allocate,
               vm_template(uniq("ctx"), 'CONTEXT = [ FILES_DS = "%s" ]' % value), contains=message)


def test_other_refusals(cone):
    raises(pyone.OneInternalException, cone.vm.allocate, vm_template(uniq("ctx"), 'CONTEXT = [ PRICE = "5$" ]'),
           contains="Error parsing: 5$. syntax error")
    raises(pyone.OneInternalException, cone.vm.allocate,
           vm_template(uniq("ctx"), 'DISK = [ SIZE = 1, TARGET = "hda" ]\nCONTEXT = [ TARGET = "hda" ]'),
           contains="Two disks have defined the same target hda")


def test_token_is_kept_without_onegate(cone):
    vid = cone.vm.allocate(vm_template(uniq("ctx"), 'CONTEXT = [ TOKEN = "YES", NETWORK = "YES" ]'))
    try:
        ctx = context_of(cone, vid)
        assert ctx["TOKEN"] == "YES"
        assert "ONEGATE_ENDPOINT" not in ctx
    finally:
        cone.vm.action("terminate-hard", vid)


def test_context_sh_is_written_at_deploy(cone, ctx_oned, net, files):
    vnet, _ = net
    c, _ = files
    host = cone.host.allocate(uniq("ctxhost"), "dummy", "dummy", -1)
    t = vm_template(uniq("ctx"), 'DISK = [ SIZE = 1, TYPE = "fs" ]\nNIC = [ NETWORK_ID = %d ]\n'
                                 'CONTEXT = [ NETWORK = "YES", HOSTNAME = "$NAME", PASSWORD = "it\'s",\n'
                                 '  FILES_DS = "$FILE[IMAGE_ID=%d]" ]' % (vnet, c.ID))
    vid = cone.vm.allocate(t)
    try:
        cone.vm.deploy(vid, host, False, -1)
        wait_vm_state(cone, vid, ACTIVE, RUNNING)
        path = os.path.join(ctx_oned.location, "var", "vms", str(vid), "context.sh")
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        with open(path) as f:
            lines = f.read().splitlines()
        assert lines[0] == "# Context variables generated by OpenNebula"
        keys = [ln.split("=", 1)[0] for ln in lines[1:]]
        assert keys == sorted(keys)
        name = cone.vm.info(vid).NAME
        for want in ["DISK_ID='1'", "TARGET='hda'", "NETWORK='YES'", "ETH0_IP='10.1.0.10'", "ETH0_GATEWAY='10.1.0.1'",
                     "ETH0_MASK='255.255.255.0'", "ETH0_DNS='10.1.0.2'", "HOSTNAME='%s'" % name,
                     "PASSWORD='it'\\''s'"]:
            assert want in lines, "%s in %s" % (want, lines)
        # The prolog's transfer file ends with the CONTEXT line of the system datastore's driver.
        vmdir = os.path.dirname(path)
        prolog = [f for f in os.listdir(vmdir) if f.startswith("transfer.") and f.endswith(".prolog")]
        with open(os.path.join(vmdir, sorted(prolog)[-1])) as f:
            last = [ln for ln in f.read().splitlines() if ln and not ln.startswith("#")][-1].split()
        assert last[0] == "CONTEXT"
        assert last[2] == path and last[3] == "%s:'%s'" % (c.SOURCE, c.NAME.replace(" ", "%20"))
        assert last[4].endswith("/%d/disk.1" % vid)
        assert last[5:] == [str(vid), "0"]
    finally:
        cone.vm.action("terminate-hard", vid)
        wait_vm_state(cone, vid, 6)
        cone.host.delete(host)


def test_context_files_need_a_safe_directory(cone, ctx_oned):
    """CONTEXT/FILES (an admin's attribute) is refused at the prolog unless CONTEXT_SAFE_DIRS holds
    its directory: none does by default, so the prolog fails with the reason."""
    host = cone.host.allocate(uniq("ctxhost"), "dummy", "dummy", -1)
    vid = cone.vm.allocate(vm_template(uniq("ctx"), 'CONTEXT = [ FILES = "/etc/hostname" ]'))
    try:
        cone.vm.deploy(vid, host, False, -1)
        v = wait_vm_state(cone, vid, ACTIVE, 39)  # PROLOG_FAILURE
        assert "CONTEXT/FILES cannot use /etc/hostname" in v.USER_TEMPLATE.get("ERROR", ""), v.USER_TEMPLATE
    finally:
        cone.vm.action("terminate-hard", vid)
        wait_vm_state(cone, vid, 6)
        cone.host.delete(host)
