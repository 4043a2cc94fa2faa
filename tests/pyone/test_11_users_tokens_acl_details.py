"""User tokens, group scoping, automatic ACL clean-up and bootstrap details (checked against release-7.4.0)."""

import pyone
import pytest

from helpers import datablock, id_list, make_user, raises, uniq, vm_template, wait_image_gone


def test_new_user_template_has_token_password(one):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.info(uid).TEMPLATE.get("TOKEN_PASSWORD")      # random, for OneGate tokens


def test_passwd_resets_login_tokens(oned, one):
    u = make_user(oned, one)
    token = u.one.user.login(u.name, "", 600, -1)
    tok = oned.client("%s:%s" % (u.name, token))
    assert tok.user.info(-1).ID == u.id
    one.user.passwd(u.id, "changed-pw")
    raises(pyone.OneAuthenticationException, tok.user.info, -1)
    assert not one.user.info(u.id).LOGIN_TOKEN


def test_group_scoped_token(oned, one, other_group):
    u = make_user(oned, one, gid=other_group)
    one.user.addgroup(u.id, 1)
    raises(pyone.OneApiException, u.one.user.login, u.name, "", 600, 0,
           contains="[one.user.login] EGID is not in user group list")
    token = u.one.user.login(u.name, "", 600, 1)
    scoped = oned.client("%s:%s" % (u.name, token))
    vid = scoped.vm.allocate(vm_template())
    v = one.vm.info(vid)
    assert v.UID == u.id and v.GID == 1            # the token's group, not the primary group
    raises(pyone.OneApiException, scoped.user.login, u.name, "", 600, -1,
           contains="Cannot create a full token with a specific group token")


def test_max_ten_tokens(oned, one):
    u = make_user(oned, one)
    for _ in range(10):
        u.one.user.login(u.name, "", 600, -1)
    raises(pyone.OneApiException, u.one.user.login, u.name, "", 600, -1,
           contains="Max number of tokens limit reached.")
    # valid=0 with an empty token removes them all
    u.one.user.login(u.name, "", 0, -1)
    assert not one.user.info(u.id).LOGIN_TOKEN


def test_deleting_user_removes_its_acl_rules(one):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    rid = one.acl.addrule("%x" % (0x100000000 + uid), "%x" % (0x2000000000 | 0x400000000), "1")
    one.user.delete(uid)
    assert rid not in [r.ID for r in one.acl.info().ACL]


def test_deleting_host_removes_rules_on_it(one, user_c):
    hid = one.host.allocate(uniq("h"), "dummy", "dummy", -1)
    rid = one.acl.addrule("%x" % (0x100000000 + user_c.id), "%x" % (0x2000000000 | 0x100000000 | hid), "1")
    rule = [r for r in one.acl.info().ACL if r.ID == rid][0]
    assert rule.STRING == "#%d HOST/#%d USE #0" % (user_c.id, hid)
    assert user_c.one.host.info(hid).ID == hid        # the rule grants USE on that host only
    one.host.delete(hid)
    left = [r.STRING for r in one.acl.info().ACL if r.ID == rid]
    assert left == [], "rule %d on the deleted host is still there: %s" % (rid, left)


@pytest.mark.parametrize("kind,type_bit", [("template", 0x20000000000), ("image", 0x8000000000),
                                           ("vn", 0x4000000000), ("cluster", 0x200000000000)])
def test_deleting_object_removes_rules_on_it(one, user_c, kind, type_bit):
    if kind == "template":
        oid = one.template.allocate(vm_template(uniq("t")))
    elif kind == "image":
        oid = datablock(one, uniq("i"))
    elif kind == "vn":
        oid = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"' % uniq("n"), -1)
    else:
        oid = one.cluster.allocate(uniq("c"))
    rid = one.acl.addrule("%x" % (0x100000000 + user_c.id), "%x" % (type_bit | 0x100000000 | oid), "1")
    assert getattr(user_c.one, kind).info(oid).ID == oid
    if kind in ("template", "image"):
        getattr(one, kind).delete(oid, False)
        if kind == "image":
            wait_image_gone(one, oid)      # in DELETE until the datastore driver removed the files
    else:
        getattr(one, kind).delete(oid)
    left = [r.STRING for r in one.acl.info().ACL if r.ID == rid]
    assert left == [], "rule %d on the deleted %s is still there: %s" % (rid, kind, left)


def test_new_host_template(one):
    hid = one.host.allocate(uniq("h"), "dummy", "dummy", -1)
    t = one.host.info(hid).TEMPLATE
    assert t.get("RESERVED_CPU", "missing") in ("", None, {})
    assert t.get("RESERVED_MEM", "missing") in ("", None, {})


def test_chgrp_to_current_group_is_a_noop(one):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.chgrp(uid, 1) == uid
    u = one.user.info(uid)
    assert u.GID == 1 and id_list(u.GROUPS) == [1]


def test_users_group_template(one):
    t = one.group.info(1).TEMPLATE
    assert t["SUNSTONE"]["DEFAULT_VIEW"] == "cloud"
    assert t["SUNSTONE"]["VIEWS"] == "cloud"
