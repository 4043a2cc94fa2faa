"""Odd but legal (or plainly bad) input must get a clear answer and never take oned down."""

import pyone
import requests

from helpers import raises, raises_fault, uniq, vm_template

I32_MAX = 2**31 - 1
I32_MIN = -2**31


def test_extreme_ids(one):
    for oid in (I32_MAX, I32_MIN, -1, -7):
        raises(pyone.OneNoExistsException, one.vm.info, oid,
               contains="[one.vm.info] Error getting virtual machine [%d]." % oid)
        raises(pyone.OneNoExistsException, one.template.info, oid,
               contains="Error getting virtual machine template [%d]." % oid)
    # pools with extreme ranges / page sizes
    assert (one.vmpool.info(-2, I32_MAX, -1, -2).VM or []) == []
    assert isinstance(one.vmpool.info(-2, 0, I32_MIN, -2).VM, list)
    assert isinstance(one.vmpool.info(-2, I32_MIN, I32_MAX, -2).VM, list)


def test_big_template(one):
    attrs = "\n".join('ATTR_%d = "%s"' % (i, "v" * 50) for i in range(5000))
    vid = one.vm.allocate(vm_template(uniq("big"), attrs + '\nHUGE = "%s"\n' % ("x" * 1_000_000)))
    v = one.vm.info(vid)
    assert v.USER_TEMPLATE["ATTR_4999"] == "v" * 50
    assert len(v.USER_TEMPLATE["HUGE"]) == 1_000_000


def test_unicode_and_escaping(one):
    name = "vm-ñ-日本-%s" % uniq("u")
    vid = one.vm.allocate(vm_template(name, 'NOTE = "a < b & c > d ]]> e"\n'))
    v = one.vm.info(vid)
    assert v.NAME == name
    assert v.USER_TEMPLATE["NOTE"] == "a < b & c > d ]]> e"
    tid = one.template.allocate(vm_template(uniq("esc"), 'DESC = "quote \\" inside"\n'))
    assert one.template.info(tid).TEMPLATE["DESC"] == 'quote " inside'


def test_bad_templates(one):
    for bad in ['A = [ B = [ C = "1" ] ]', 'A = "unterminated', '= "x"', 'A = [ B = "1" ', "A B C"]:
        raises(pyone.OneInternalException, one.vm.allocate, bad, False, startswith="[one.vm.allocate] Parse error")
    raises(pyone.OneInternalException, one.vm.allocate, vm_template("x" * 10000), False,
           contains="Invalid NAME, max length is 128 chars")


def test_garbage_http_does_not_hurt(oned, one):
    url = oned.endpoint
    for body in (b"garbage", b"<?xml version='1.0'?><methodCall>", b"",
                 b"<?xml version='1.0'?><methodCall><methodName>one.vm.info</methodName><params><param>"
                 b"<value><string>oneadmin:x</string></value></param><param><value><i8>99999999999</i8></value>"
                 b"</param></params></methodCall>"):
        r = requests.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=10)
        assert r.status_code < 600
    r = requests.get(url, timeout=10)
    assert r.status_code < 600
    assert one.system.version() == "7.4.0"


def test_i8_argument_is_a_type_fault(oned, one):
    """xmlrpc-c getInt accepts only <int>/<i4>: an <i8> is a type fault (sent with the stdlib client since pyone
    cannot send i8)."""
    body = ("<?xml version='1.0'?><methodCall><methodName>one.vm.info</methodName><params>"
            "<param><value><string>%s</string></value></param><param><value><i8>5</i8></value></param>"
            "</params></methodCall>" % oned.session)
    r = requests.post(oned.endpoint, data=body.encode(), headers={"Content-Type": "text/xml"}, timeout=10)
    assert r.status_code == 200
    assert b"<fault>" in r.content
    raises_fault(one.vm.info, "5")
