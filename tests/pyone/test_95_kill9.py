"""kill -9 durability: no acknowledged change is lost.

A burst of up to 1,000 one.vm.allocate calls from 8 threads (each with its own pyone client) runs against a
dedicated oned; after ~400 acknowledgements oned gets SIGKILL. After a restart every acknowledged VM must exist
with its name and template, and the next id must be above every id ever acknowledged.
"""

import threading
import time

import pyone
import pytest

from helpers import RPC_TIMEOUT, as_list, uniq, wait_image_ready

TOTAL = 1000
THREADS = 8
KILL_AFTER = 400
BURST_TIMEOUT = 180.0          # seconds to reach KILL_AFTER acknowledgements


def burst_template(t, seq):
    memory = 64 + (t * 131 + seq * 17) % 512
    name = "burst-%d-%d" % (t, seq)
    tag = "%d:%d" % (t, seq)
    text = 'NAME = "%s"\nCPU = "0.5"\nMEMORY = "%d"\nBURST_TAG = "%s"\n' % (name, memory, tag)
    return text, name, str(memory), tag


@pytest.fixture
def burst_oned(oned_factory):
    o = oned_factory()
    o.start()
    yield o
    if o.alive():
        o.stop()


def test_kill9_loses_no_acknowledged_vm(burst_oned):
    o = burst_oned
    one = o.client()

    # some acknowledged non-VM changes before the burst
    user_name = uniq("k9user")
    uid = one.user.allocate(user_name, "k9-pass", "", [])
    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.99.0.1", '
                         'SIZE = "50" ]' % uniq("k9net"), -1)
    one.vn.hold(vn, 'LEASES = [ IP = "10.99.0.7" ]')
    lease_vm = one.vm.allocate('NAME = "k9-lease"\nCPU = "1"\nMEMORY = "64"\nNIC = [ NETWORK_ID = "%d" ]' % vn)
    tid = one.template.allocate('NAME = "%s"\nCPU = "1"\nMEMORY = "64"' % uniq("k9tmpl"))

    lock = threading.Lock()
    acked = {}                 # vid -> (name, memory, tag)
    duplicates = []
    issued = [0]
    stop = threading.Event()
    enough = threading.Event()
    errors = []

    def worker(t):
        client = o.client()
        seq = 0
        while not stop.is_set():
            with lock:
                if issued[0] >= TOTAL:
                    return
                issued[0] += 1
            text, name, memory, tag = burst_template(t, seq)
            seq += 1
            try:
                vid = client.vm.allocate(text, False)
            except Exception as e:          # connection refused/reset once oned is killed
                errors.append(repr(e))
                return
            with lock:
                if vid in acked:
                    duplicates.append(vid)
                acked[vid] = (name, memory, tag)
                if len(acked) >= KILL_AFTER:
                    enough.set()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(THREADS)]
    for th in threads:
        th.start()
    reached = enough.wait(timeout=BURST_TIMEOUT)
    o.kill9()
    stop.set()
    for th in threads:
        th.join(timeout=RPC_TIMEOUT + 10)
    assert not any(th.is_alive() for th in threads), "burst threads did not finish after oned was killed"
    assert reached, "only %d allocations acknowledged within %ss (errors: %s)" % (len(acked), BURST_TIMEOUT,
                                                                                  errors[:3])
    with lock:
        acked = dict(acked)
    assert duplicates == [], "the same VM id was acknowledged twice: %s" % duplicates
    print("acknowledged %d of %d issued allocations before SIGKILL" % (len(acked), issued[0]))

    # ------------------------------------------------------------------ restart on the same dir/port
    o.start()
    one = o.client()
    pool = one.vmpool.infoextended(-2, -1, -1, -2)
    by_id = {v.ID: v for v in (pool.VM or [])}
    missing = sorted(set(acked) - set(by_id))
    assert missing == [], "%d acknowledged VMs lost after kill -9, e.g. %s" % (len(missing), missing[:10])
    wrong = []
    for vid, (name, memory, tag) in acked.items():
        v = by_id[vid]
        if v.NAME != name or v.TEMPLATE.get("MEMORY") != memory or (v.USER_TEMPLATE or {}).get("BURST_TAG") != tag \
                or v.STATE != 1:
            wrong.append((vid, v.NAME, name))
    assert wrong == [], "acknowledged VMs with wrong content: %s" % wrong[:10]
    # a VM that committed but whose reply was lost is fine, but it must be a whole burst VM
    for vid, v in by_id.items():
        if vid not in acked and vid != lease_vm:
            assert v.NAME.startswith("burst-") and "BURST_TAG" in (v.USER_TEMPLATE or {}), vid

    # the next id is above every id ever acknowledged (and every id present)
    new = one.vm.allocate('CPU = "1"\nMEMORY = "64"')
    assert new > max(acked)
    assert new > max(by_id)

    # the earlier acknowledged changes survived too
    assert one.user.info(uid).NAME == user_name
    assert o.client("%s:k9-pass" % user_name).user.info(-1).ID == uid
    assert one.template.info(tid).ID == tid
    v = one.vn.info(vn)
    leases = sorted((l.IP, l.VM) for a in as_list(v.AR_POOL.AR) for l in as_list(a.LEASES.LEASE))
    assert leases == [("10.99.0.1", lease_vm), ("10.99.0.7", -1)]
    assert as_list(one.vm.info(lease_vm).TEMPLATE["NIC"])[0]["IP"] == "10.99.0.1"


def test_kill9_right_after_mutations(burst_oned):
    """Every kind of acknowledged update survives a SIGKILL sent right after the last reply."""
    o = burst_oned
    one = o.client()
    uid = one.user.allocate(uniq("k9u"), "old-pass", "", [])
    hid = one.host.allocate(uniq("k9h"), "dummy", "dummy", -1)
    vn = one.vn.allocate('NAME = "%s"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.98.0.1", '
                         'SIZE = "8" ]' % uniq("k9n"), -1)
    tid = one.template.allocate('NAME = "%s"\nCPU = "1"\nMEMORY = "64"' % uniq("k9t"))
    gone = one.template.allocate('NAME = "%s"\nCPU = "1"\nMEMORY = "64"' % uniq("k9gone"))
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "5"' % uniq("k9i"), 1)
    wait_image_ready(one, iid)                # LOCKED until the datastore driver's MKFS
    vid = one.vm.allocate('NAME = "k9vm"\nCPU = "1"\nMEMORY = "64"\nNIC = [ NETWORK_ID = "%d" ]' % vn)
    done = one.vm.allocate('NAME = "k9done"\nCPU = "1"\nMEMORY = "64"\nNIC = [ NETWORK_ID = "%d" ]' % vn)

    new_name = uniq("k9renamed")
    one.vm.rename(vid, new_name)
    one.vm.update(vid, 'K9 = "yes"', 1)
    one.vm.chown(vid, uid, 1)
    one.vm.chmod(vid, 1, 1, 0, 1, 0, 0, 0, 0, 0)
    one.vm.action("hold", vid)
    one.vm.lock(vid, 3)
    one.vm.recover(done, 3)
    one.vn.hold(vn, 'LEASES = [ IP = "10.98.0.8" ]')
    one.host.status(hid, 1)
    one.host.update(hid, 'K9 = "host"', 1)
    one.image.enable(iid, False)
    one.image.persistent(iid, True)
    one.template.update(tid, 'K9 = "tmpl"', 1)
    one.template.delete(gone, False)
    one.user.passwd(uid, "new-pass")
    rid = one.acl.addrule("%x" % (0x100000000 + uid), "%x" % (0x2000000000 | 0x400000000), "1")
    o.kill9()

    o.start()
    one = o.client()
    v = one.vm.info(vid)
    assert v.NAME == new_name
    assert v.USER_TEMPLATE["K9"] == "yes"
    assert (v.UID, v.GID) == (uid, 1)
    assert v.PERMISSIONS.GROUP_U == 1
    assert v.STATE == 2
    assert v.LOCK is not None and v.LOCK.LOCKED == 3
    assert one.vm.info(done).STATE == 6
    net = one.vn.info(vn)
    leases = sorted((l.IP, l.VM) for a in as_list(net.AR_POOL.AR) for l in as_list(a.LEASES.LEASE))
    assert leases == [("10.98.0.1", vid), ("10.98.0.8", -1)]
    assert net.USED_LEASES == 2
    h = one.host.info(hid)
    assert h.STATE == 4 and h.TEMPLATE["K9"] == "host"
    i = one.image.info(iid)
    assert i.STATE == 3 and i.PERSISTENT == 1
    assert one.template.info(tid).TEMPLATE["K9"] == "tmpl"
    with pytest.raises(pyone.OneNoExistsException):
        one.template.info(gone)
    assert one.template.allocate('NAME = "%s"\nCPU = "1"\nMEMORY = "64"' % uniq("k9next")) == gone + 1
    with pytest.raises(pyone.OneAuthenticationException):
        o.client("%s:old-pass" % one.user.info(uid).NAME).user.info(-1)
    assert o.client("%s:new-pass" % one.user.info(uid).NAME).user.info(-1).ID == uid
    assert rid in [r.ID for r in one.acl.info().ACL]
