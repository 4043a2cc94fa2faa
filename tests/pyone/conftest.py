"""Fixtures for the pyone acceptance suite.

A real `oned` process (the Nephele daemon) is started in a temporary ONE_LOCATION on a free loopback
port, with a ONE_AUTH file holding a known oneadmin password, and the real `pyone` client talks to it.

Binary: env ONED if set, else <repo>/target/debug/oned (build it with `cargo build -p oned`).
Set KEEP_ONE_LOCATION=1 to keep the temporary directories (databases, logs) after the run.
"""

import os
import shutil
import tempfile

import pytest

from helpers import ONED, REPO, Oned, make_user, uniq


def _check_binary():
    if not (os.path.isfile(ONED) and os.access(ONED, os.X_OK)):
        pytest.exit("oned binary not found at %s: build it with `cd %s && cargo build -p oned` "
                    "or set ONED=/path/to/oned" % (ONED, REPO), returncode=2)


@pytest.fixture(scope="session")
def oned_factory():
    """Creates extra, independent oned instances (each in its own temporary ONE_LOCATION)."""
    _check_binary()
    made = []
    base = tempfile.mkdtemp(prefix="nephele-pyone-")

    def make():
        d = os.path.join(base, "one%d" % len(made))
        o = Oned(d)
        made.append(o)
        return o

    yield make
    for o in made:
        try:
            if o.alive():
                o.stop()
        except Exception:
            o.kill9()
    if not os.environ.get("KEEP_ONE_LOCATION"):
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def oned(oned_factory):
    """The session-wide oned."""
    o = oned_factory()
    o.start()
    yield o
    if o.alive():
        code = o.stop()
        assert code == 0, "oned exited with %r on SIGTERM at the end of the session" % code


@pytest.fixture(scope="session")
def restart_oned(oned):
    """Call it to SIGTERM the session oned and start it again on the same dir/port."""
    def _restart():
        oned.restart()
        return oned
    return _restart


@pytest.fixture(scope="session")
def one(oned):
    return oned.client()


@pytest.fixture(scope="session")
def other_group(one):
    """A second, non-system group."""
    return one.group.allocate(uniq("grp"))


@pytest.fixture(scope="session")
def user_a(oned, one):
    """A plain user in group `users` (1)."""
    return make_user(oned, one, name=uniq("alice"))


@pytest.fixture(scope="session")
def user_b(oned, one):
    """Another plain user in group `users` (1)."""
    return make_user(oned, one, name=uniq("bob"))


@pytest.fixture(scope="session")
def user_c(oned, one, other_group):
    """A plain user in another group."""
    return make_user(oned, one, gid=other_group, name=uniq("carol"))


@pytest.fixture(scope="session")
def host_id(one):
    """A host for deploys."""
    return one.host.allocate(uniq("host"), "dummy", "dummy", -1)


