"""The VM life cycle through oned's real dummy driver processes, driven with pyone: deploy,
every action to its end state, failures and recover."""

import pyone

from helpers import as_list, raises, uniq, vm_template, wait_vm_state

ACTIVE, RUNNING = 3, 3


def deploy_running(one, host_id):
    vid = one.vm.allocate(vm_template(uniq("lc")))
    assert one.vm.deploy(vid, host_id, False, -1) == vid
    return wait_vm_state(one, vid, ACTIVE, RUNNING)


def test_every_action_reaches_its_end_state(one, host_id):
    v = deploy_running(one, host_id)
    vid = v.ID
    assert v.DEPLOY_ID == "dummy-%d" % vid
    steps = [
        ("poweroff", 8, 0), ("resume", ACTIVE, RUNNING),
        ("reboot", ACTIVE, RUNNING), ("reboot-hard", ACTIVE, RUNNING),
        ("suspend", 5, 0), ("resume", ACTIVE, RUNNING),
        ("poweroff-hard", 8, 0), ("resume", ACTIVE, RUNNING),
        ("stop", 4, 0), ("resume", 1, 0),
    ]
    for action, st, lcm in steps:
        assert one.vm.action(action, vid) == vid
        wait_vm_state(one, vid, st, lcm)
    one.vm.deploy(vid, host_id, False, -1)
    wait_vm_state(one, vid, ACTIVE, RUNNING)
    for action, st, lcm in [("undeploy", 9, 0), ("resume", 1, 0)]:
        one.vm.action(action, vid)
        wait_vm_state(one, vid, st, lcm)
    one.vm.deploy(vid, host_id, False, -1)
    wait_vm_state(one, vid, ACTIVE, RUNNING)
    one.vm.action("resched", vid)
    assert one.vm.info(vid).RESCHED == 1
    one.vm.action("unresched", vid)
    assert one.vm.info(vid).RESCHED == 0
    one.vm.action("terminate-hard", vid)
    v = wait_vm_state(one, vid, 6)
    hist = as_list(v.HISTORY_RECORDS.HISTORY)
    assert len(hist) == 3 and all(h.ETIME > 0 for h in hist)
    # Each record keeps the last action asked of it (OpenNebula's VMActions numbers) and who
    # asked: resume (11) left STOPPED and UNDEPLOYED, terminate-hard (28) ended the last one.
    assert [h.ACTION for h in hist] == [11, 11, 28]
    assert all(h.UID == 0 and h.GID == 0 for h in hist)
    assert int(hist[-1].REQUEST_ID) > 0                 # a string in the XSD


def test_migrate_moves_capacity_between_hosts(one, host_id):
    other = one.host.allocate(uniq("lchost"), "dummy", "dummy", -1)
    v = deploy_running(one, host_id)
    vid = v.ID
    before = one.host.info(other).HOST_SHARE.RUNNING_VMS
    one.vm.migrate(vid, other, False, False, -1)
    v = wait_vm_state(one, vid, ACTIVE, RUNNING)
    assert as_list(v.HISTORY_RECORDS.HISTORY)[-1].HID == other
    assert one.host.info(other).HOST_SHARE.RUNNING_VMS == before + 1
    one.vm.migrate(vid, host_id, True, False, -1)
    v = wait_vm_state(one, vid, ACTIVE, RUNNING)
    hist = as_list(v.HISTORY_RECORDS.HISTORY)
    assert hist[-1].HID == host_id
    assert [h.ACTION for h in hist] == [1, 2, 0]        # migrate, live-migrate, (current)
    assert one.host.info(other).HOST_SHARE.RUNNING_VMS == before
    one.vm.action("terminate", vid)
    wait_vm_state(one, vid, 6)


def test_wrong_state_and_recover(one, host_id):
    vid = one.vm.allocate(vm_template(uniq("lcw")))
    raises(pyone.OneActionException, one.vm.action, "suspend", vid,
           contains='Error performing action "suspend": This action is not available for state PENDING')
    raises(pyone.OneActionException, one.vm.recover, vid, 2,
           contains="Could not perform a retry on VM %d, wrong state PENDING." % vid)
    raises(pyone.OneActionException, one.vm.migrate, vid, host_id, False, False, -1,
           contains="Migrate action is not available for state PENDING")
    one.vm.deploy(vid, host_id, False, -1)
    wait_vm_state(one, vid, ACTIVE, RUNNING)
    # delete-recreate: the VM is cleaned up and PENDING again, off the host.
    one.vm.recover(vid, 4)
    wait_vm_state(one, vid, 1, 0)
    one.vm.action("terminate", vid)
    wait_vm_state(one, vid, 6)
