"""What reading the PENDING VMs costs oned: short bodies (one.vmpool.info) against full bodies
(one.vmpool.infoextended, what mm_sched reads every cycle), measured against a real oned.

    cargo build --release --bins && .venv/bin/python tests/pyone/vmpool_read_cost.py [VMS]

Starts target/release/oned in a fresh ONE_LOCATION on a free loopback port (no scheduler, so the
VMs stay PENDING), allocates VMS (10,000) VMs, each with an image disk, a leased NIC, CONTEXT, OS,
FEATURES, GRAPHICS and SCHED_REQUIREMENTS, then times each listing 7 times from a raw HTTP client
(request sent to reply read; nothing parsed on the client side). The short bodies are cached by
oned (the first call renders them); full bodies are written on every call.
A benchmark, not a test: it prints figures (docs/benchmarks.md) and asserts nothing.
"""
import os
import statistics
import sys
import tempfile
import time
import xmlrpc.client

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

VMS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
helpers.ONED = os.path.join(helpers.REPO, "target", "release", "oned")

o = helpers.Oned(os.path.join(tempfile.mkdtemp(prefix="vmpool-read-"), "one"))
o.start()
try:
    one = o.client()
    image = one.image.allocate('NAME = "img"\nTYPE = "DATABLOCK"\nSIZE = "10"', 1)
    net = one.vn.allocate('NAME = "net"\nVN_MAD = "dummy"\nBRIDGE = "br0"\n'
                          'AR = [ TYPE = "IP4", IP = "10.0.0.1", SIZE = "%d" ]' % (VMS + 10), -1)
    template = ('CPU = "1"\nMEMORY = "128"\nVCPU = "2"\nDISK = [ IMAGE_ID = "%d" ]\nNIC = [ NETWORK_ID = "%d" ]\n'
                'GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]\n'
                'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@host" ]\n'
                'OS = [ ARCH = "x86_64", BOOT = "disk0" ]\nFEATURES = [ ACPI = "yes" ]\n'
                'SCHED_REQUIREMENTS = "ID >= 0"\nLABELS = "a,b"\nDESCRIPTION = "a VM"\n') % (image, net)
    for _ in range(VMS):
        one.vm.allocate(template)

    def call(method, *params):
        body = xmlrpc.client.dumps((o.session,) + params, method).encode()
        t = time.perf_counter()
        r = requests.post(o.endpoint, data=body, headers={"Content-Type": "text/xml"}, timeout=300)
        return (time.perf_counter() - t) * 1000, len(r.content)

    for method in ("one.vmpool.info", "one.vmpool.infoextended"):
        runs = [call(method, -2, -1, -1, 1) for _ in range(7)]
        ms = [t for t, _ in runs]
        print("%s(-2, -1, -1, PENDING) over %d VMs: median %.1f ms (first %.1f ms, min %.1f ms), reply %.1f MB"
              % (method, VMS, statistics.median(ms), ms[0], min(ms), runs[0][1] / 1e6))
finally:
    o.stop()
