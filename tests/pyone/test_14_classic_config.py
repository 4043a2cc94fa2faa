"""oned.conf keys of OpenNebula 1.4 that admins still carry (HOST_MONITORING_INTERVAL,
VM_POLLING_INTERVAL, VM_DIR, top-level DEBUG_LEVEL, NETWORK_SIZE) are read as today's keys:
an oned of its own is started with them, and the values show through the API
(one.system.config, under today's names) and take effect (the VMs' files land in VM_DIR, the
log keeps DEBUG_LEVEL's level), with one deprecation line per classic key in oned.log."""

import os
import re
import xmlrpc.client

import pytest

from helpers import first, uniq, vm_template, wait_vm_state

ACTIVE, RUNNING = 3, 3

# Lines 1-5 of the generated oned.conf are PORT, LISTEN_ADDRESS and the dummy drivers
# (helpers.Oned._write_conf); these follow, from line 6 on.
CLASSIC = ('HOST_MONITORING_INTERVAL = 7\n'
           'VM_POLLING_INTERVAL      = 11\n'
           'VM_DIR={vm_dir}\n'
           'DEBUG_LEVEL=1\n'
           'NETWORK_SIZE = 100\n')


def the_log(conf):
    """The one LOG vector of a configuration (pyone's binding gives a list)."""
    logs = conf.LOG if isinstance(conf.LOG, list) else [conf.LOG]
    assert len(logs) == 1, logs
    return logs[0]


def log_text(o):
    with open(o.log_path, errors="replace") as f:
        return f.read()


@pytest.fixture
def classic_oned(oned_factory, monkeypatch):
    # RUST_LOG would override the log level this test checks.
    monkeypatch.delenv("RUST_LOG", raising=False)
    o = oned_factory()
    o.vm_dir = os.path.join(o.location, "classic-vms")
    o.extra_conf = CLASSIC.format(vm_dir=o.vm_dir)
    o.start()
    yield o
    if o.alive():
        assert o.stop() == 0


def test_classic_keys_take_effect_under_todays_names(classic_oned):
    o = classic_oned
    one = o.client()
    conf = one.system.config()
    assert str(first(conf.MONITORING_INTERVAL_HOST)) == "7"
    assert str(first(conf.MONITORING_INTERVAL_VM)) == "11"
    assert str(first(the_log(conf).DEBUG_LEVEL)) == "1"
    assert str(first(the_log(conf).SYSTEM)) == "file"
    assert str(first(conf.NETWORK_SIZE)) == "100"
    # pyone's bindings drop keys outside OpenNebula 7's schema: VM_DIR is read from the XML.
    ok, xml = xmlrpc.client.ServerProxy(o.endpoint).one.system.config(o.session)[:2]
    assert ok and "<VM_DIR><![CDATA[%s]]></VM_DIR>" % o.vm_dir in xml, xml

    # VM_DIR: the transfer files of a deployed VM are written there, not under var/vms.
    hid = one.host.allocate(uniq("classic"), "dummy", "dummy", -1)
    vid = one.vm.allocate(vm_template(uniq("classic")))
    one.vm.deploy(vid, hid, False, -1)
    wait_vm_state(one, vid, ACTIVE, RUNNING)
    written = os.listdir(os.path.join(o.vm_dir, str(vid)))
    assert any(name.startswith("transfer.") and name.endswith(".prolog") for name in written), written
    assert not os.path.exists(os.path.join(o.location, "var", "vms", str(vid)))

    # DEBUG_LEVEL = 1 (warnings): no INFO or DEBUG line in the log, the default 3 would have many.
    text = log_text(o)
    assert not re.search(r"\b(INFO|DEBUG)\b", text), text[:2000]
    # One deprecation line per classic key, with file:line and today's key; none for NETWORK_SIZE.
    conf_file = os.path.join(o.location, "etc", "oned.conf")
    expected = [
        "%s:6: HOST_MONITORING_INTERVAL is deprecated (OpenNebula 1.4), read as MONITORING_INTERVAL_HOST" % conf_file,
        "%s:7: VM_POLLING_INTERVAL is deprecated (OpenNebula 1.4), read as MONITORING_INTERVAL_VM" % conf_file,
        "%s:8: VM_DIR is deprecated (OpenNebula 1.4), still read as the VMs' directory on the front-end" % conf_file,
        "%s:9: DEBUG_LEVEL is deprecated (OpenNebula 1.4), read as LOG/DEBUG_LEVEL" % conf_file,
    ]
    warn_lines = [line for line in text.splitlines() if " WARN " in line and "deprecated" in line]
    for e in expected:
        assert sum(e in line for line in warn_lines) == 1, (e, warn_lines)
    assert len(warn_lines) == 4, warn_lines
    one.vm.action("terminate-hard", vid)
    wait_vm_state(one, vid, 6)


def test_todays_keys_win_over_classic_ones(oned_factory, monkeypatch):
    monkeypatch.delenv("RUST_LOG", raising=False)
    o = oned_factory()
    o.extra_conf = ('HOST_MONITORING_INTERVAL = 7\n'
                    'MONITORING_INTERVAL_HOST = 60\n'
                    'DEBUG_LEVEL = 0\n'
                    'LOG = [ SYSTEM = "file", DEBUG_LEVEL = 2 ]\n')
    o.start()
    try:
        conf = o.client().system.config()
        assert str(first(conf.MONITORING_INTERVAL_HOST)) == "60"
        assert str(first(the_log(conf).DEBUG_LEVEL)) == "2"
        text = log_text(o)
        conf_file = os.path.join(o.location, "etc", "oned.conf")
        assert ("%s:6: HOST_MONITORING_INTERVAL is deprecated (OpenNebula 1.4) and ignored: "
                "MONITORING_INTERVAL_HOST (line 7) is set too and wins" % conf_file) in text
        assert ("%s:8: DEBUG_LEVEL is deprecated (OpenNebula 1.4) and ignored: "
                "LOG/DEBUG_LEVEL (line 9) is set too and wins" % conf_file) in text
        assert " INFO " in text, "LOG/DEBUG_LEVEL 2 (info) is the level in effect, not DEBUG_LEVEL 0"
    finally:
        assert o.stop() == 0
