"""Helpers for the pyone acceptance suite: the oned process wrapper and assertion helpers.

A real `oned` process (the Nephele daemon) is started in a temporary ONE_LOCATION on a free loopback
port, with a ONE_AUTH file holding a known oneadmin password, and the real `pyone` client talks to it.

Binary: env ONED if set, else <repo>/target/debug/oned (build it with `cargo build -p oned`).
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pyone

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ONED = os.environ.get("ONED") or os.path.join(REPO, "target", "debug", "oned")

ADMIN_PASSWORD = "Adm1n-" + uuid.uuid4().hex[:12]
USER_PASSWORD = "pw-" + uuid.uuid4().hex[:8]

START_TIMEOUT = 60.0   # seconds to wait for "oned listening on"
STOP_TIMEOUT = 30.0    # seconds to wait for a SIGTERM'd oned to exit
RPC_TIMEOUT = 30       # seconds for every XML-RPC call made by the suite

_counter = itertools.count()


def uniq(prefix):
    """A name unique within this test session."""
    return "%s-%d-%s" % (prefix, next(_counter), uuid.uuid4().hex[:6])


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class OnedStartError(RuntimeError):
    pass


class Oned:
    """One oned process on its own ONE_LOCATION and port. Can be stopped, killed and restarted."""

    def __init__(self, location, password=ADMIN_PASSWORD):
        self.location = location
        self.password = password
        self.port = None
        self.proc = None
        self.starts = 0
        self.ready_once = False
        self.extra_conf = ""    # appended to the generated oned.conf (set before start())
        os.makedirs(os.path.join(location, "etc"), exist_ok=True)
        self.auth_file = os.path.join(location, "one_auth_test")
        with open(self.auth_file, "w") as f:
            f.write("oneadmin:%s\n" % password)
        os.chmod(self.auth_file, 0o600)

    # -- paths ----------------------------------------------------------------------------------
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d/RPC2" % self.port

    @property
    def session(self):
        return "oneadmin:%s" % self.password

    @property
    def log_path(self):
        return os.path.join(self.location, "var", "oned.log")

    @property
    def stdout_path(self):
        return os.path.join(self.location, "oned.stdout.%d" % self.starts)

    def client(self, session=None):
        return pyone.OneServer(self.endpoint, session=session or self.session, timeout=RPC_TIMEOUT)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.readlines()
            return "".join(lines[-n:])
        except OSError as e:
            return "<no oned.log: %s>" % e

    def _write_conf(self):
        # The dummy drivers (built next to oned) so deploys and actions really run.
        state = os.path.join(self.location, "dummy-state")
        with open(os.path.join(self.location, "etc", "oned.conf"), "w") as f:
            f.write('PORT = %d\nLISTEN_ADDRESS = "127.0.0.1"\n' % self.port)
            f.write('IM_MAD = [ NAME = "dummy", EXECUTABLE = "one_im_dummy", ARGUMENTS = "--state-dir %s" ]\n' % state)
            f.write('VM_MAD = [ NAME = "dummy", EXECUTABLE = "one_vmm_dummy", ARGUMENTS = "--state-dir %s", TYPE = "dummy" ]\n' % state)
            f.write('TM_MAD = [ NAME = "dummy", EXECUTABLE = "one_tm_dummy", ARGUMENTS = "" ]\n')
            f.write(self.extra_conf)

    # -- life cycle -----------------------------------------------------------------------------
    def _spawn_once(self):
        self.starts += 1
        env = dict(os.environ)
        env["ONE_LOCATION"] = self.location
        env["ONE_AUTH"] = self.auth_file
        out = open(self.stdout_path, "wb")
        try:
            self.proc = subprocess.Popen([ONED, "-f"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.location)
        finally:
            out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with open(self.stdout_path, "rb") as f:
                text = f.read().decode(errors="replace")
            if "oned listening on" in text:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)
        raise OnedStartError("oned did not print 'oned listening on' within %ss\nstdout:\n%s\nlog:\n%s"
                             % (START_TIMEOUT, text, self.log_tail()))

    def _failure_text(self):
        with open(self.stdout_path, "rb") as f:
            return "exit code %s\nstdout:\n%s\nlog:\n%s" % (
                self.proc.returncode, f.read().decode(errors="replace"), self.log_tail())

    def start(self, new_port=False):
        """Start oned. On the first start (or with new_port) a free port is chosen, retrying on a
        collision; afterwards the same port is reused (retried a few times if briefly busy)."""
        assert self.proc is None or self.proc.poll() is not None, "oned already running"
        last = ""
        for _ in range(6):
            if self.port is None or new_port:
                self.port = free_port()
                new_port = False
            self._write_conf()
            if self._spawn_once():
                self.ready_once = True
                return self
            last = self._failure_text()
            if "in use" not in last.lower():
                break
            if self.ready_once:
                time.sleep(0.5)      # restart: keep the same port, wait for it
            else:
                new_port = True      # first start: someone else took the port, pick another
        raise OnedStartError("oned failed to start (%s): %s" % (ONED, last))

    def stop(self):
        """SIGTERM and wait for a clean exit. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise AssertionError("oned did not exit within %ss of SIGTERM\nlog:\n%s"
                                 % (STOP_TIMEOUT, self.log_tail()))

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def restart(self):
        """SIGTERM then start again on the same directory and port."""
        code = self.stop()
        assert code == 0, "oned exited with %r after SIGTERM\nlog:\n%s" % (code, self.log_tail())
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class User:
    def __init__(self, oned, uid, name, password, gid):
        self.id = uid
        self.name = name
        self.password = password
        self.gid = gid
        self.session = "%s:%s" % (name, password)
        self.one = oned.client(self.session)

    def __repr__(self):
        return "User(%d, %s, gid=%d)" % (self.id, self.name, self.gid)


def make_user(oned, one, gid=None, name=None):
    name = name or uniq("user")
    groups = [] if gid is None else [gid]
    uid = one.user.allocate(name, USER_PASSWORD, "", groups)
    return User(oned, uid, name, USER_PASSWORD, 1 if gid is None else gid)


VM_TMPL = 'CPU = "1"\nMEMORY = "128"\n'


def wait_vm_state(one, vid, state, lcm=None, timeout=30):
    """Waits (bounded) until the VM reaches STATE (and LCM_STATE); returns its info."""
    deadline = time.time() + timeout
    while True:
        v = one.vm.info(vid)
        if v.STATE == state and (lcm is None or v.LCM_STATE == lcm):
            return v
        if time.time() > deadline:
            raise AssertionError("VM %d stuck in STATE %s LCM_STATE %s (wanted %s/%s)" % (vid, v.STATE, v.LCM_STATE, state, lcm))
        time.sleep(0.05)


# OpenNebula's image states (Image::ImageState).
IMAGE_STATES = {0: "INIT", 1: "READY", 2: "USED", 3: "DISABLED", 4: "LOCKED", 5: "ERROR", 6: "CLONE",
                7: "DELETE", 8: "USED_PERS", 9: "LOCKED_USED", 10: "LOCKED_USED_PERS"}
IMAGE_READY, IMAGE_LOCKED, IMAGE_ERROR, IMAGE_DELETE = 1, 4, 5, 7


def _image_error(i):
    try:
        return i.TEMPLATE.get("ERROR")
    except AttributeError:
        return None


def wait_image_state(one, iid, state, timeout=30):
    """Waits (bounded) until image `iid` is in `state` (a number or a list of numbers), as real
    clients do after one.image.allocate / clone (LOCKED until the datastore driver answers).
    Returns its info. Fails at once if it reaches ERROR unless ERROR is wanted."""
    wanted = list(state) if isinstance(state, (list, tuple, set)) else [state]
    deadline = time.time() + timeout
    while True:
        i = one.image.info(iid)
        if i.STATE in wanted:
            return i
        if i.STATE == IMAGE_ERROR:
            raise AssertionError("image %d went to ERROR (wanted %s): %s"
                                 % (iid, [IMAGE_STATES.get(s, s) for s in wanted], _image_error(i)))
        if time.time() > deadline:
            raise AssertionError("image %d stuck in %s for %ss (wanted %s); TEMPLATE/ERROR=%r"
                                 % (iid, IMAGE_STATES.get(i.STATE, i.STATE), timeout,
                                    [IMAGE_STATES.get(s, s) for s in wanted], _image_error(i)))
        time.sleep(0.05)


def wait_image_ready(one, iid, timeout=30):
    return wait_image_state(one, iid, IMAGE_READY, timeout)


def wait_image_gone(one, iid, timeout=30):
    """Waits (bounded) until one.image.info(iid) answers NO_EXISTS (after one.image.delete the image
    stays in DELETE until the datastore driver has removed its files)."""
    deadline = time.time() + timeout
    while True:
        try:
            i = one.image.info(iid)
        except pyone.OneNoExistsException:
            return
        if i.STATE == IMAGE_ERROR:
            raise AssertionError("image %d went to ERROR while being deleted: %s" % (iid, _image_error(i)))
        if time.time() > deadline:
            raise AssertionError("image %d still there after %ss, in %s; TEMPLATE/ERROR=%r"
                                 % (iid, timeout, IMAGE_STATES.get(i.STATE, i.STATE), _image_error(i)))
        time.sleep(0.05)


def delete_image(one, iid, timeout=30):
    """one.image.delete and wait until the image is gone."""
    assert one.image.delete(iid, False) == iid
    wait_image_gone(one, iid, timeout)


def datablock(one, name=None, size=1, ds=1, extra="", wait=True):
    """A DATABLOCK image of `size` MiB (the driver really creates the file); READY unless wait=False."""
    iid = one.image.allocate('NAME = "%s"\nTYPE = "DATABLOCK"\nSIZE = "%d"\n%s' % (name or uniq("img"), size, extra), ds)
    if wait:
        wait_image_ready(one, iid)
    return iid


def vm_template(name=None, extra=""):
    t = VM_TMPL
    if name is not None:
        t = 'NAME = "%s"\n' % name + t
    return t + extra


def raises(exc_type, fn, *args, contains=None, startswith=None):
    """Call fn(*args); assert it raises exactly exc_type (not a subclass) and return the message."""
    try:
        result = fn(*args)
    except pyone.OneException as e:
        msg = str(e)
        assert type(e) is exc_type, "expected %s, got %s: %s" % (exc_type.__name__, type(e).__name__, msg)
        if contains is not None:
            items = contains if isinstance(contains, (list, tuple)) else [contains]
            for c in items:
                assert c in msg, "expected %r in message %r" % (c, msg)
        if startswith is not None:
            assert msg.startswith(startswith), "expected message to start with %r: %r" % (startswith, msg)
        return msg
    raise AssertionError("expected %s, but the call succeeded and returned %r" % (exc_type.__name__, result))


def raises_fault(fn, *args):
    """An XML-RPC <fault> (wrong argument type, missing argument, unknown method): pyone raises a
    plain OneException whose text is the stdlib Fault's repr."""
    try:
        result = fn(*args)
    except pyone.OneException as e:
        msg = str(e)
        assert type(e) is pyone.OneException, "expected a plain OneException for an XML-RPC fault, got %s: %s" % (
            type(e).__name__, msg)
        assert msg.startswith("<Fault "), "expected an XML-RPC fault, got %r" % msg
        return msg
    raise AssertionError("expected an XML-RPC fault, but the call succeeded and returned %r" % (result,))


def call(client, method, *args):
    """call(one, "vm.info", 3) == one.vm.info(3)."""
    f = client
    for part in method.split("."):
        f = getattr(f, part)
    return f(*args)


def ids_of(pool, attr):
    return [o.ID for o in (getattr(pool, attr) or [])]


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def id_list(ids_elem):
    """The ids of an IDS-style element (HOSTS, VMS, CLUSTERS, GROUPS, ...); [] when empty/absent."""
    if ids_elem is None:
        return []
    return list(getattr(ids_elem, "ID", None) or [])


def perms(obj):
    p = obj.PERMISSIONS
    return (p.OWNER_U, p.OWNER_M, p.OWNER_A, p.GROUP_U, p.GROUP_M, p.GROUP_A, p.OTHER_U, p.OTHER_M, p.OTHER_A)


def first(x):
    """pyone turns some single-valued elements into lists; take the scalar."""
    if isinstance(x, list):
        return x[0] if x else None
    return x
