import hashlib
"""one.user.*, one.userpool.info, one.group.*, one.grouppool.info."""

import pyone

from helpers import USER_PASSWORD, User, id_list, make_user, raises, uniq


# --------------------------------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------------------------------

def test_bootstrap_users_and_groups(one):
    users = {u.ID: u for u in one.userpool.info().USER}
    assert users[0].NAME == "oneadmin" and users[0].GID == 0
    assert users[1].NAME == "serveradmin" and users[1].GID == 0
    groups = {g.ID: g.NAME for g in one.grouppool.info().GROUP}
    assert groups[0] == "oneadmin"
    assert groups[1] == "users"


def test_user_allocate_defaults_to_users_group(oned, one):
    name = uniq("u")
    uid = one.user.allocate(name, "secret1", "", [])
    assert isinstance(uid, int) and uid >= 2
    u = one.user.info(uid)
    assert u.ID == uid
    assert u.NAME == name
    assert u.GID == 1
    assert u.GNAME == "users"
    assert id_list(u.GROUPS) == [1]
    assert u.AUTH_DRIVER == "core"
    assert u.ENABLED == 1
    assert u.PASSWORD and u.PASSWORD != "secret1"      # stored hashed
    assert uid in id_list(one.group.info(1).USERS)
    # the new user can authenticate with its password
    me = oned.client("%s:secret1" % name).user.info(-1)
    assert me.ID == uid and me.NAME == name


def test_user_allocate_in_given_group(one, other_group):
    uid = one.user.allocate(uniq("u"), "pw", "core", [other_group])
    u = one.user.info(uid)
    assert u.GID == other_group
    assert id_list(u.GROUPS) == [other_group]
    assert uid in id_list(one.group.info(other_group).USERS)


def test_user_allocate_with_primary_and_secondary_groups(one, other_group):
    uid = one.user.allocate(uniq("u"), "pw", "", [other_group, 1])
    u = one.user.info(uid)
    assert u.GID == other_group
    assert sorted(id_list(u.GROUPS)) == sorted([1, other_group])


def test_user_allocate_errors(one, user_a):
    raises(pyone.OneInternalException, one.user.allocate, user_a.name, "pw", "", [],
           contains="[one.user.allocate] NAME is already taken by USER %d." % user_a.id)
    raises(pyone.OneInternalException, one.user.allocate, "bad:name", "pw", "", [],
           contains="[one.user.allocate] Invalid NAME, char ':' is not allowed")
    raises(pyone.OneInternalException, one.user.allocate, "", "pw", "", [],
           contains="[one.user.allocate] Invalid NAME, it cannot be empty")
    raises(pyone.OneInternalException, one.user.allocate, uniq("u"), "", "", [],
           contains="[one.user.allocate] Invalid password, it cannot be empty.")
    raises(pyone.OneNoExistsException, one.user.allocate, uniq("u"), "pw", "", [987654],
           contains="[one.user.allocate] Error getting group [987654].")


def test_user_info_self_and_others(one, user_a, user_b):
    me = user_a.one.user.info(-1)
    assert me.ID == user_a.id
    assert me.NAME == user_a.name
    assert one.user.info(-1).ID == 0
    raises(pyone.OneAuthorizationException, user_a.one.user.info, user_b.id,
           contains="[one.user.info] User [%d] : Not authorized to perform USE USER [%d]" % (user_a.id, user_b.id))


def test_userpool_info(one, user_a, user_b):
    ids = [u.ID for u in one.userpool.info().USER]
    assert {0, 1, user_a.id, user_b.id} <= set(ids)
    assert ids == sorted(ids, reverse=True)          # API_LIST_ORDER defaults to DESC
    # a plain user sees only himself
    assert [u.ID for u in user_a.one.userpool.info().USER] == [user_a.id]
    # OpenNebula's schema requires the pool's default quotas after the users
    assert one.userpool.info().DEFAULT_USER_QUOTAS is not None
    assert one.grouppool.info().DEFAULT_GROUP_QUOTAS is not None


def test_user_passwd(oned, one):
    u = make_user(oned, one)
    assert u.one.user.info(-1).ID == u.id
    assert u.one.user.passwd(u.id, "n3w-pass") == u.id      # a user may change his own password
    raises(pyone.OneAuthenticationException, u.one.user.info, -1)   # old password no longer valid
    new = oned.client("%s:n3w-pass" % u.name)
    assert new.user.info(-1).ID == u.id
    # oneadmin may change it too
    assert one.user.passwd(u.id, "third") == u.id
    raises(pyone.OneAuthenticationException, new.user.info, -1)
    assert oned.client("%s:third" % u.name).user.info(-1).ID == u.id
    raises(pyone.OneActionException, one.user.passwd, u.id, "",
           contains="Invalid password, it cannot be empty")


def test_user_passwd_of_another_user_not_authorized(user_a, user_b):
    raises(pyone.OneAuthorizationException, user_a.one.user.passwd, user_b.id, "x",
           contains="Not authorized to perform MANAGE USER [%d]" % user_b.id)


def test_user_login_token(oned, one):
    u = make_user(oned, one)
    token = u.one.user.login(u.name, "", 3600, -1)
    assert isinstance(token, str) and len(token) >= 16
    tok_client = oned.client("%s:%s" % (u.name, token))
    assert tok_client.user.info(-1).ID == u.id
    info = one.user.info(u.id)
    tokens = [t.TOKEN for t in (info.LOGIN_TOKEN or [])]
    # Nephele keeps only the SHA-256 of a token (a stored token is a usable credential), so
    # LOGIN_TOKEN/TOKEN shows the digest; the token itself still deletes it (below).
    assert hashlib.sha256(token.encode()).hexdigest() in tokens, (tokens, token)
    assert token not in tokens
    # a caller-chosen token
    assert u.one.user.login(u.name, "my-own-token-1234", 600, -1) == "my-own-token-1234"
    assert oned.client("%s:my-own-token-1234" % u.name).user.info(-1).ID == u.id
    # valid=0 deletes the token
    assert u.one.user.login(u.name, token, 0, -1) == token
    raises(pyone.OneAuthenticationException, tok_client.user.info, -1)
    raises(pyone.OneApiException, u.one.user.login, u.name, "no-such-token", 0, -1,
           contains="Could not find token: no-such-token")
    raises(pyone.OneApiException, u.one.user.login, u.name, "", -5, -1,
           contains="Wrong valid period for token")
    raises(pyone.OneNoExistsException, one.user.login, uniq("nobody"), "", 60, -1,
           contains="[one.user.login] Error getting user Pool.")


def test_user_chgrp(one, other_group):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.chgrp(uid, other_group) == uid
    u = one.user.info(uid)
    assert u.GID == other_group
    assert id_list(u.GROUPS) == [other_group]
    assert uid in id_list(one.group.info(other_group).USERS)
    assert uid not in id_list(one.group.info(1).USERS)
    raises(pyone.OneNoExistsException, one.user.chgrp, uid, 987654,
           contains="[one.user.chgrp] Error getting group [987654].")
    raises(pyone.OneNoExistsException, one.user.chgrp, 987654, 1,
           contains="[one.user.chgrp] Error getting user [987654].")
    raises(pyone.OneInternalException, one.user.chgrp, 0, 1,
           contains="user [0] oneadmin cannot be moved outside of the group [0] oneadmin")


def test_user_addgroup_delgroup(one, other_group):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.addgroup(uid, other_group) == uid
    u = one.user.info(uid)
    assert u.GID == 1
    assert sorted(id_list(u.GROUPS)) == sorted([1, other_group])
    assert uid in id_list(one.group.info(other_group).USERS)
    raises(pyone.OneActionException, one.user.addgroup, uid, other_group,
           contains="User is already in this group")
    assert one.user.delgroup(uid, other_group) == uid
    assert id_list(one.user.info(uid).GROUPS) == [1]
    assert uid not in id_list(one.group.info(other_group).USERS)
    raises(pyone.OneActionException, one.user.delgroup, uid, other_group,
           contains="User is not part of this group")
    raises(pyone.OneActionException, one.user.delgroup, uid, 1,
           contains="Cannot remove user from the primary group")


def test_user_enable_disable(oned, one):
    u = make_user(oned, one)
    assert u.one.user.info(-1).ID == u.id
    assert one.user.enable(u.id, False) == u.id
    assert one.user.info(u.id).ENABLED == 0
    raises(pyone.OneAuthenticationException, u.one.user.info, -1)
    assert one.user.enable(u.id, True) == u.id
    assert one.user.info(u.id).ENABLED == 1
    assert u.one.user.info(-1).ID == u.id
    raises(pyone.OneActionException, one.user.enable, 0, False,
           contains="Cannot enable/disable oneadmin user")
    # a user cannot enable/disable himself (ADMIN on USER)
    raises(pyone.OneAuthorizationException, u.one.user.enable, u.id, False,
           contains="Not authorized to perform ADMIN USER [%d]" % u.id)


def test_user_update(one, user_a):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.update(uid, 'COLOR = "red"\nSIZE = "3"', 1) == uid
    t = one.user.info(uid).TEMPLATE
    assert t["COLOR"] == "red" and t["SIZE"] == "3"
    one.user.update(uid, 'SIZE = "4"', 1)                 # merge
    t = one.user.info(uid).TEMPLATE
    assert t["COLOR"] == "red" and t["SIZE"] == "4"
    one.user.update(uid, 'SHAPE = "round"', 0)            # replace
    t = one.user.info(uid).TEMPLATE
    assert t["SHAPE"] == "round"
    assert "COLOR" not in t and "SIZE" not in t
    # a user may update his own template
    assert user_a.one.user.update(user_a.id, 'NOTE = "mine"', 1) == user_a.id
    assert one.user.info(user_a.id).TEMPLATE["NOTE"] == "mine"


def test_user_delete(one):
    uid = one.user.allocate(uniq("u"), "pw", "", [])
    assert one.user.delete(uid) == uid
    raises(pyone.OneNoExistsException, one.user.info, uid,
           contains="[one.user.info] Error getting user [%d]." % uid)
    assert uid not in [u.ID for u in one.userpool.info().USER]
    assert uid not in id_list(one.group.info(1).USERS)
    raises(pyone.OneNoExistsException, one.user.delete, uid,
           contains="[one.user.delete] Error getting user [%d]." % uid)
    raises(pyone.OneActionException, one.user.delete, 0,
           contains="[one.user.delete] Cannot delete user. oneadmin cannot be deleted.")


def test_plain_user_cannot_manage_users(user_a, user_b):
    raises(pyone.OneAuthorizationException, user_a.one.user.allocate, uniq("u"), "pw", "", [],
           contains="[one.user.allocate] User [%d] : Not authorized to perform CREATE USER" % user_a.id)
    raises(pyone.OneAuthorizationException, user_a.one.user.delete, user_b.id,
           contains="Not authorized to perform ADMIN USER [%d]" % user_b.id)
    raises(pyone.OneAuthorizationException, user_a.one.user.delete, user_a.id,
           contains="Not authorized to perform ADMIN USER [%d]" % user_a.id)


# --------------------------------------------------------------------------------------------------
# groups
# --------------------------------------------------------------------------------------------------

def test_group_allocate_info(one):
    name = uniq("g")
    gid = one.group.allocate(name)
    assert isinstance(gid, int) and gid >= 100
    g = one.group.info(gid)
    assert g.ID == gid and g.NAME == name
    assert id_list(g.USERS) == []
    assert gid in [x.ID for x in one.grouppool.info().GROUP]
    raises(pyone.OneInternalException, one.group.allocate, name,
           contains="[one.group.allocate] NAME is already taken by GROUP %d." % gid)
    raises(pyone.OneInternalException, one.group.allocate, "has space",
           contains="Invalid NAME, char ' ' is not allowed")


def test_grouppool_info_order(one, other_group):
    ids = [g.ID for g in one.grouppool.info().GROUP]
    assert {0, 1, other_group} <= set(ids)
    assert ids == sorted(ids, reverse=True)


def test_group_info_as_member(user_a, user_c, other_group):
    assert user_c.one.group.info(-1).ID == other_group       # -1 = caller's primary group
    assert user_a.one.group.info(-1).ID == 1
    assert user_a.one.group.info(1).NAME == "users"
    raises(pyone.OneAuthorizationException, user_a.one.group.info, other_group,
           contains="Not authorized to perform USE GROUP [%d]" % other_group)


def test_group_delete(one):
    gid = one.group.allocate(uniq("g"))
    uid = one.user.allocate(uniq("u"), "pw", "", [gid])
    raises(pyone.OneActionException, one.group.delete, gid,
           contains="[one.group.delete] Cannot delete group. Group %d is not empty." % gid)
    one.user.delete(uid)
    assert one.group.delete(gid) == gid
    raises(pyone.OneNoExistsException, one.group.info, gid,
           contains="[one.group.info] Error getting group [%d]." % gid)
    assert gid not in [g.ID for g in one.grouppool.info().GROUP]


def test_system_groups_cannot_be_deleted(one):
    for gid in (0, 1):
        raises(pyone.OneActionException, one.group.delete, gid,
               contains="[one.group.delete] Cannot delete group. System Groups (ID < 100) cannot be deleted.")
    assert one.group.info(0).NAME == "oneadmin"
    assert one.group.info(1).NAME == "users"


def test_group_missing(one):
    raises(pyone.OneNoExistsException, one.group.info, 987654,
           contains="[one.group.info] Error getting group [987654].")
    raises(pyone.OneNoExistsException, one.group.delete, 987654,
           contains="[one.group.delete] Error getting group [987654].")


def test_plain_user_cannot_create_or_delete_groups(user_a, other_group):
    raises(pyone.OneAuthorizationException, user_a.one.group.allocate, uniq("g"),
           contains="Not authorized to perform CREATE GROUP")
    raises(pyone.OneAuthorizationException, user_a.one.group.delete, other_group,
           contains="Not authorized to perform ADMIN GROUP [%d]" % other_group)
