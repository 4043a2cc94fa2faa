"""one.system.*, one.acl.*, authentication."""

import pyone
import pytest

from helpers import first, make_user, raises, uniq

# ACL bit layout (include/AclRule.h)
INDIVIDUAL = 0x100000000
GROUP = 0x200000000
ALL = 0x400000000
T_HOST = 0x2000000000
T_NET = 0x4000000000

DEFAULT_RULES = [  # (id, USER, RESOURCE, RIGHTS, ZONE, STRING) in acl.info order on a fresh install
    (0, "200000001", "121429400000000", "8", "400000000",
     "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *"),
    (3, "200000001", "2400000000", "2", "100000000", "@1 HOST/* MANAGE #0"),
    (4, "200000001", "4400000000", "1", "100000000", "@1 NET/* USE #0"),
    (5, "200000001", "100400000000", "1", "100000000", "@1 DATASTORE/* USE #0"),
    (1, "400000000", "800400000000", "1", "400000000", "* ZONE/* USE *"),
    (2, "400000000", "18000400000000", "1", "400000000", "* MARKETPLACE+MARKETPLACEAPP/* USE *"),
]


def acl_rules(one):
    return one.acl.info().ACL or []


# --------------------------------------------------------------------------------------------------
# system
# --------------------------------------------------------------------------------------------------

def test_system_version(one, user_a):
    assert one.system.version() == "7.4.0"
    assert user_a.one.system.version() == "7.4.0"


def test_system_config_oneadmin_sees_db(one, oned):
    conf = one.system.config()
    assert type(conf).__name__ == "OPENNEBULA_CONFIGURATIONSub"
    assert conf.DB is not None
    assert conf.DB.BACKEND == "sqlite"
    assert str(first(conf.PORT)) == str(oned.port)
    assert str(first(conf.DEFAULT_UMASK)) == "177"


def test_system_config_hides_db_for_non_oneadmin_group(user_a):
    conf = user_a.one.system.config()
    assert conf.DB is not None
    assert conf.DB.BACKEND == "***"
    # the rest of the configuration is still there
    assert str(first(conf.DEFAULT_UMASK)) == "177"


def test_system_config_visible_to_member_of_oneadmin_group(oned, one):
    u = make_user(oned, one, gid=0)
    conf = u.one.system.config()
    assert conf.DB.BACKEND == "sqlite"


# --------------------------------------------------------------------------------------------------
# authentication
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("session", ["oneadmin:wrong-password", "nosuchuser:whatever", "oneadmin", ""])
def test_bad_session_is_authentication_error(oned, session):
    bad = oned.client(session=session or ":")
    raises(pyone.OneAuthenticationException, bad.system.version,
           contains="[one.system.version] User couldn't be authenticated, aborting call.")


def test_wrong_password_on_object_call(oned, one):
    vid = one.vm.allocate('CPU="1"\nMEMORY="64"')
    bad = oned.client(session="oneadmin:not-the-password")
    raises(pyone.OneAuthenticationException, bad.vm.info, vid,
           contains="[one.vm.info] User couldn't be authenticated, aborting call.")
    # nothing happened to the VM
    assert one.vm.info(vid).STATE == 1


def test_wrong_password_of_plain_user(oned, user_a):
    bad = oned.client(session="%s:wrong" % user_a.name)
    raises(pyone.OneAuthenticationException, bad.user.info, -1,
           contains="User couldn't be authenticated")


# --------------------------------------------------------------------------------------------------
# ACLs
# --------------------------------------------------------------------------------------------------

def test_acl_default_rules_and_order(one):
    rules = acl_rules(one)
    defaults = [r for r in rules if r.ID < 6]
    got = [(r.ID, str(r.USER), str(r.RESOURCE), str(r.RIGHTS), str(r.ZONE), r.STRING) for r in defaults]
    assert got == DEFAULT_RULES


def test_acl_rules_sorted_by_user_then_insertion(one, other_group):
    """acl.info is ordered by the USER value (multimap), not by rule id."""
    rules = acl_rules(one)
    users = [int(str(r.USER), 16) for r in rules]
    assert users == sorted(users)


def test_group_allocate_adds_vdc_rules(one, other_group):
    user = "%x" % (GROUP + other_group)
    strings = sorted(r.STRING for r in acl_rules(one) if str(r.USER) == user)
    assert strings == sorted(["@%d HOST/* MANAGE #0" % other_group,
                              "@%d NET/* USE #0" % other_group,
                              "@%d DATASTORE/* USE #0" % other_group])


def test_acl_addrule_grants_and_delrule_revokes(one, user_c, host_id):
    # by default a plain user sees no hosts (the VDC rule grants MANAGE, not USE)
    assert host_id not in [h.ID for h in (user_c.one.hostpool.info().HOST or [])]
    raises(pyone.OneAuthorizationException, user_c.one.host.info, host_id,
           contains="Not authorized to perform USE HOST [%d]" % host_id)

    user = "%x" % (INDIVIDUAL + user_c.id)
    resource = "%x" % (T_HOST | ALL)
    rid = one.acl.addrule(user, resource, "1")
    assert isinstance(rid, int) and rid >= 6
    rule = [r for r in acl_rules(one) if r.ID == rid]
    assert len(rule) == 1
    assert str(rule[0].USER) == user
    assert str(rule[0].RESOURCE) == resource
    assert str(rule[0].RIGHTS) == "1"
    assert str(rule[0].ZONE) == "100000000"      # no zone given: the local zone #0
    assert rule[0].STRING == "#%d HOST/* USE #0" % user_c.id

    assert host_id in [h.ID for h in user_c.one.hostpool.info().HOST]
    assert user_c.one.host.info(host_id).ID == host_id

    # same rule again
    raises(pyone.OneInternalException, one.acl.addrule, user, resource, "1",
           contains="[one.acl.addrule] Rule #%d HOST/* USE #0 already exists" % user_c.id)

    assert one.acl.delrule(rid) == rid
    assert rid not in [r.ID for r in acl_rules(one)]
    assert host_id not in [h.ID for h in (user_c.one.hostpool.info().HOST or [])]
    raises(pyone.OneAuthorizationException, user_c.one.host.info, host_id)


def test_acl_addrule_accepts_0x_prefix_and_zone(one, user_c):
    user = "0x%x" % (INDIVIDUAL + user_c.id)
    resource = "0x%x" % (T_NET | ALL)
    rid = one.acl.addrule(user, resource, "0x3", "0x%x" % ALL)
    try:
        rule = [r for r in acl_rules(one) if r.ID == rid][0]
        assert rule.STRING == "#%d NET/* USE+MANAGE *" % user_c.id
        assert str(rule.ZONE) == "400000000"
    finally:
        one.acl.delrule(rid)


def test_acl_ids_are_sequential(one, user_c):
    user = "%x" % (INDIVIDUAL + user_c.id)
    a = one.acl.addrule(user, "%x" % (T_NET | ALL), "4")
    b = one.acl.addrule(user, "%x" % (T_HOST | ALL), "4")
    one.acl.delrule(a)
    one.acl.delrule(b)
    assert b == a + 1


def test_acl_malformed_rules(one, user_c):
    user = "%x" % (INDIVIDUAL + user_c.id)
    raises(pyone.OneInternalException, one.acl.addrule, user, "%x" % (T_HOST | ALL), "0",
           contains=["[one.acl.addrule] Rule ", "is malformed", "wrong [rights], it cannot be 0"])
    raises(pyone.OneInternalException, one.acl.addrule, user, "%x" % (T_HOST | ALL), "1f",
           contains=["is malformed", "wrong [rights], it cannot be bigger than 0xF"])
    raises(pyone.OneInternalException, one.acl.addrule, "%x" % user_c.id, "%x" % (T_HOST | ALL), "1",
           contains=["is malformed", "[user] is missing one of the INDIVIDUAL, GROUP or ALL bits"])


def test_acl_delrule_missing(one):
    raises(pyone.OneInternalException, one.acl.delrule, 987654,
           contains="[one.acl.delrule] Rule 987654 does not exist")


def test_acl_calls_are_admin_only(user_a):
    raises(pyone.OneAuthorizationException, user_a.one.acl.info,
           contains="[one.acl.info] User [%d] : Not authorized to perform MANAGE ACL" % user_a.id)
    raises(pyone.OneAuthorizationException, user_a.one.acl.addrule,
           "%x" % (INDIVIDUAL + user_a.id), "%x" % (T_HOST | ALL), "1",
           contains="Not authorized to perform MANAGE ACL")
    raises(pyone.OneAuthorizationException, user_a.one.acl.delrule, 1,
           contains="Not authorized to perform MANAGE ACL")


def test_acl_rules_of_deleted_group_are_removed(one):
    gid = one.group.allocate(uniq("tmpgrp"))
    user = "%x" % (GROUP + gid)
    assert len([r for r in acl_rules(one) if str(r.USER) == user]) == 3
    one.group.delete(gid)
    assert [r for r in acl_rules(one) if str(r.USER) == user] == []
