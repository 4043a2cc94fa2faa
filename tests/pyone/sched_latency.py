"""Scheduler latency and idle cost, measured against a real oned + mm_sched (shipped config).

    cargo build --release --bins && .venv/bin/python tests/pyone/sched_latency.py .

Starts target/release/oned in a fresh ONE_LOCATION (API on the default port 2633, so no other
oned may run), registers one dummy host, allocates 20 VMs one after another and times
allocate -> ACTIVE, then reads the CPU time of mm_sched and oned over 30 idle seconds.
A benchmark, not a test: it prints figures (docs/benchmarks.md) and asserts nothing.
"""
import os, subprocess, time, tempfile, sys, pyone, statistics
root = sys.argv[1]
loc = tempfile.mkdtemp(prefix="lat-")
os.makedirs(loc + "/etc")
env = dict(os.environ, ONE_LOCATION=loc)
p = subprocess.Popen([root + "/target/release/oned", "-f"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    auth = loc + "/.one/one_auth"
    for _ in range(100):
        if os.path.exists(auth):
            break
        time.sleep(0.1)
    time.sleep(1)
    one = pyone.OneServer("http://127.0.0.1:2633/RPC2", session=open(auth).read().strip())
    hid = one.host.allocate("lat-node", "dummy", "dummy", -1)
    while one.host.info(hid).STATE != 2:
        time.sleep(0.05)
    lats = []
    for i in range(20):
        t0 = time.time()
        vid = one.vm.allocate('NAME="l%d" CPU="0.01" MEMORY="1"' % i, False)
        while True:
            info = one.vm.info(vid)
            if info.STATE == 3:
                break
            time.sleep(0.002)
        lats.append(time.time() - t0)
        time.sleep(0.3)
    lats.sort()
    print("allocate->ACTIVE (scheduled+deployed) median %.1f ms, max %.1f ms over %d VMs" % (statistics.median(lats)*1000, lats[-1]*1000, len(lats)))
    # idle CPU of mm_sched
    pid = subprocess.check_output(["pgrep", "-f", "mm_sched", "-P", str(p.pid)]).split()[0].decode()
    def ticks(pid):
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    def oticks(): return ticks(str(p.pid))
    time.sleep(2)
    a, ao = ticks(pid), oticks(); time.sleep(30); b, bo = ticks(pid), oticks()
    hz = os.sysconf("SC_CLK_TCK")
    print("idle 30 s: mm_sched CPU %.3f s (%.3f%% of a core), oned CPU %.3f s" % ((b-a)/hz, (b-a)/hz/30*100, (bo-ao)/hz))
finally:
    p.terminate(); p.wait(10)
