"""Characters XML 1.0 cannot carry never get into oned, so pyone's listings always parse (issue 10,
item 4: one VM holding `&#1;` broke every pyone listing, for every user).

XML 1.0's Char production leaves out U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE and
U+FFFF (and the surrogates, which a Python str sent over XML-RPC cannot hold). Each of them is
tried on every way into oned: a character reference in an XML template (allocate, update in
both modes, of every kind that takes a template), the raw character in a text template (the
stdlib XML-RPC client sends it unescaped: oned refuses the whole request with a fault) and in a
new name (rename, allocate). Every attempt is refused, nothing stored changes, and every pool
listing still parses with pyone, for oneadmin and for a plain user.
"""

import pyone
import pytest

from helpers import as_list, make_user, raises, raises_fault, uniq, vm_template, wait_image_ready

FORBIDDEN = [cp for cp in range(0x20) if cp not in (0x09, 0x0A, 0x0D)] + [0xFFFE, 0xFFFF]

# Allowed text at the edges of XML 1.0's Char ranges, non-ASCII letters, an emoji, tab and newline
# inside the value (templates trim values at both ends).
ALLOWED = "ñ€😀 a\tb\nc \ud7ff\ue000\ufffd\U00010000\U0010ffff <&> ]]> end"

MARK = "ok"


def u(cp):
    return "U+%04X" % cp


def xml_ref(cp, hexadecimal):
    return ("&#x%X;" % cp) if hexadecimal else ("&#%d;" % cp)


def xml_template(cp, hexadecimal=False, extra=""):
    return "<TEMPLATE>%s<MARK>bad%sbad</MARK></TEMPLATE>" % (extra, xml_ref(cp, hexadecimal))


def refused_xml(exc, fn, *args, method, cp):
    """A template parse failure naming the character (U+0000 is refused by the reference reader
    with the same words)."""
    msg = raises(exc, fn, *args, contains=["[%s]" % method, "Parse error", u(cp), "XML 1.0 does not allow"])
    return msg


def refused_raw(fn, *args, cp):
    msg = raises_fault(fn, *args)
    assert u(cp) in msg and "XML 1.0 does not allow" in msg, msg
    return msg


class Objects:
    """One object of each kind that takes a template, owned by the caller of `one`."""

    def __init__(self, one, admin_one, owner=None):
        admin = owner is None
        self.one = one
        self.vm = one.vm.allocate(vm_template(uniq("xc-vm"), 'MARK = "%s"\n' % MARK))
        self.template = one.template.allocate(vm_template(uniq("xc-tmpl"), 'MARK = "%s"\n' % MARK))
        self.image = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "10"\nMARK = "%s"'
                                        % (uniq("xc-img"), MARK), 1)
        wait_image_ready(one, self.image)
        # Plain users may not create networks: oneadmin makes it and hands it over.
        self.vnet = admin_one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nMARK = "%s"\n'
                                    'AR = [ TYPE = "IP4", IP = "10.77.0.1", SIZE = "4" ]'
                                    % (uniq("xc-net"), MARK), -1)
        if owner is not None:
            admin_one.vn.chown(self.vnet, owner.id, owner.gid)
        self.host = self.user = None
        if admin:
            self.host = one.host.allocate(uniq("xc-host"), "dummy", "dummy", -1)
            one.host.update(self.host, 'MARK = "%s"' % MARK, 1)

    def marks(self):
        """The MARK attribute of every object (what a refused call must leave alone)."""
        one = self.one
        marks = {
            "vm": one.vm.info(self.vm).USER_TEMPLATE.get("MARK"),
            "template": one.template.info(self.template).TEMPLATE.get("MARK"),
            "image": one.image.info(self.image).TEMPLATE.get("MARK"),
            "vnet": one.vn.info(self.vnet).TEMPLATE.get("MARK"),
        }
        if self.host is not None:
            marks["host"] = one.host.info(self.host).TEMPLATE.get("MARK")
        return marks

    def updates(self):
        """(method, exception, function, id) of every template update."""
        one = self.one
        out = [
            ("one.vm.update", pyone.OneActionException, one.vm.update, self.vm),
            ("one.template.update", pyone.OneInternalException, one.template.update, self.template),
            ("one.image.update", pyone.OneInternalException, one.image.update, self.image),
            ("one.vn.update", pyone.OneInternalException, one.vn.update, self.vnet),
        ]
        if self.host is not None:
            out.append(("one.host.update", pyone.OneInternalException, one.host.update, self.host))
        return out

    def renames(self):
        one = self.one
        out = [(one.vm.rename, self.vm), (one.template.rename, self.template), (one.image.rename, self.image),
               (one.vn.rename, self.vnet)]
        if self.host is not None:
            out.append((one.host.rename, self.host))
        return out


@pytest.fixture(scope="module")
def plain(oned, one):
    """A plain user of group `users` with an own client."""
    return make_user(oned, one, name=uniq("xc-user"))


@pytest.fixture(scope="module")
def admin_objects(one):
    return Objects(one, one)


@pytest.fixture(scope="module")
def user_objects(one, plain):
    return Objects(plain.one, one, owner=plain)


def assert_listings_parse(one, vids):
    """Every pool listing pyone knows parses, and so does each VM's info."""
    vms = as_list(one.vmpool.info(-2, -1, -1, -1).VM)
    assert set(vids) <= {v.ID for v in vms}
    for vid in vids:
        assert one.vm.info(vid).ID == vid
    one.templatepool.info(-2, -1, -1)
    one.hostpool.info()
    one.userpool.info()
    one.vnpool.info(-2, -1, -1)
    one.imagepool.info(-2, -1, -1)


@pytest.mark.parametrize("cp", FORBIDDEN, ids=u)
def test_forbidden_character_never_gets_in(one, plain, admin_objects, user_objects, cp):
    for objs, caller in ((admin_objects, one), (user_objects, plain.one)):
        before = objs.marks()
        assert set(before.values()) == {MARK}
        # allocate with an XML template: a decimal and a hexadecimal character reference
        for hexadecimal in (False, True):
            vm_xml = xml_template(cp, hexadecimal, "<CPU>1</CPU><MEMORY>64</MEMORY>")
            refused_xml(pyone.OneInternalException, caller.vm.allocate, vm_xml, method="one.vm.allocate", cp=cp)
            refused_xml(pyone.OneInternalException, caller.template.allocate, vm_xml,
                        method="one.template.allocate", cp=cp)
        name_ref = "<TEMPLATE><NAME>n%s</NAME><CPU>1</CPU><MEMORY>64</MEMORY></TEMPLATE>" % xml_ref(cp, True)
        refused_xml(pyone.OneInternalException, caller.vm.allocate, name_ref, method="one.vm.allocate", cp=cp)
        refused_xml(pyone.OneInternalException, caller.vn.allocate,
                    "<TEMPLATE><NAME>%s</NAME><VN_MAD>dummy</VN_MAD><BRIDGE>br%s</BRIDGE></TEMPLATE>"
                    % (uniq("xc"), xml_ref(cp, False)), -1, method="one.vn.allocate", cp=cp)
        refused_xml(pyone.OneInternalException, caller.image.allocate,
                    "<TEMPLATE><NAME>%s</NAME><TYPE>DATABLOCK</TYPE><SIZE>1</SIZE><D>%s</D></TEMPLATE>"
                    % (uniq("xc"), xml_ref(cp, True)), 1, method="one.image.allocate", cp=cp)
        # the other calls that take a template
        refused_xml(pyone.OneInternalException, caller.template.instantiate, objs.template, "", False,
                    xml_template(cp), False, method="one.template.instantiate", cp=cp)
        ar = "<TEMPLATE><AR><AR_ID>0</AR_ID><TYPE>IP4</TYPE><IP>10.78.0.1</IP><SIZE>2</SIZE><X>%s</X></AR></TEMPLATE>" \
            % xml_ref(cp, True)
        refused_xml(pyone.OneInternalException, caller.vn.add_ar, objs.vnet, ar, method="one.vn.add_ar", cp=cp)
        refused_xml(pyone.OneInternalException, caller.vn.update_ar, objs.vnet, ar, method="one.vn.update_ar", cp=cp)
        refused_xml(pyone.OneActionException, caller.vn.reserve, objs.vnet,
                    "<TEMPLATE><SIZE>1</SIZE><NAME>r%s</NAME></TEMPLATE>" % xml_ref(cp, False),
                    method="one.vn.reserve", cp=cp)
        # update, replace and append, with the reference in a single value and in a vector
        for method, exc, update, oid in objs.updates():
            for mode in (0, 1):
                refused_xml(exc, update, oid, xml_template(cp, mode == 1), mode, method=method, cp=cp)
                vector = "<TEMPLATE><V><K>%s</K></V></TEMPLATE>" % xml_ref(cp, mode == 0)
                refused_xml(exc, update, oid, vector, mode, method=method, cp=cp)
            # the raw character in a text template: the request itself is refused
            refused_raw(update, oid, 'MARK = "bad%sbad"' % chr(cp), 1, cp=cp)
        # the raw character in a text template at allocation, and in a new name
        refused_raw(caller.vm.allocate, vm_template(extra='MARK = "%s"\n' % chr(cp)), cp=cp)
        for rename, oid in objs.renames():
            refused_raw(rename, oid, "bad%sname" % chr(cp), cp=cp)
        assert objs.marks() == before
    # users and hosts: names and templates
    refused_xml(pyone.OneInternalException, one.user.update, plain.id, xml_template(cp), 1,
                method="one.user.update", cp=cp)
    refused_xml(pyone.OneInternalException, one.user.update, plain.id, xml_template(cp, True), 0,
                method="one.user.update", cp=cp)
    refused_raw(one.user.allocate, "u%s%s" % (chr(cp), uniq("x")), "pw", "", [], cp=cp)
    refused_raw(one.host.allocate, "h%s%s" % (chr(cp), uniq("x")), "dummy", "dummy", -1, cp=cp)
    vids = [admin_objects.vm, user_objects.vm]
    assert_listings_parse(one, vids)
    assert_listings_parse(plain.one, [user_objects.vm])


def test_allowed_text_round_trips_exactly(one, plain, admin_objects, user_objects):
    for objs, caller in ((admin_objects, one), (user_objects, plain.one)):
        # a text template (raw characters) and an XML one (CDATA and character references)
        refs = "".join("&#x%X;" % ord(c) for c in ALLOWED)
        text = 'TEXT = "%s"' % ALLOWED
        xml = "<TEMPLATE><CDATA><![CDATA[%s]]></CDATA><REFS>%s</REFS></TEMPLATE>" % (ALLOWED.replace("]]>", "]]]]><![CDATA[>"), refs)
        for method, _, update, oid in objs.updates():
            assert update(oid, text, 1) == oid
            assert update(oid, xml, 1) == oid
        vm = caller.vm.info(objs.vm)
        assert vm.USER_TEMPLATE["TEXT"] == ALLOWED
        assert vm.USER_TEMPLATE["CDATA"] == ALLOWED
        assert vm.USER_TEMPLATE["REFS"] == ALLOWED
        for t in (caller.template.info(objs.template).TEMPLATE, caller.image.info(objs.image).TEMPLATE,
                  caller.vn.info(objs.vnet).TEMPLATE):
            assert (t["TEXT"], t["CDATA"], t["REFS"]) == (ALLOWED, ALLOWED, ALLOWED)
        vid = caller.vm.allocate(vm_template(extra='TEXT = "%s"\n' % ALLOWED))
        assert caller.vm.info(vid).USER_TEMPLATE["TEXT"] == ALLOWED
        name = uniq("ñ€😀")
        assert caller.vm.rename(vid, name) == vid
        assert caller.vm.info(vid).NAME == name
        listed = {v.ID: v for v in as_list(caller.vmpool.info(-2, -1, -1, -1).VM)}
        assert listed[vid].NAME == name
        assert listed[vid].USER_TEMPLATE["TEXT"] == ALLOWED
    assert_listings_parse(one, [admin_objects.vm, user_objects.vm])
    assert_listings_parse(plain.one, [user_objects.vm])
