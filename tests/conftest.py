import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the two demo municipalities, as a real installation would.

    Tests add their own municipalities with factories; the demo's records are the "other
    municipality" that scoping must hide, and the pages that browser tests open.
    """
    from fixtures import demo

    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail("refusing to seed a database that is not a test database (mark the test django_db)")
        demo.seed()


@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    return bool(cls and issubclass(cls, TransactionTestCase) and not issubclass(cls, TestCase))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run transactional tests last: they empty the tables, demo included, when they finish."""
    items.sort(key=_is_transactional)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the server process: end when the test run ends, even a killed one (Linux PR_SET_PDEATHSIG);
    an orphaned server keeps connections to the test database open and the next run cannot drop it."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


@pytest.fixture(scope="session")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The platform served by a real server process on 127.0.0.1, against the test database.

    Its log goes to a file: a pipe nobody reads fills up after a few hundred requests (a map's
    tiles) and the server then blocks on writing its log."""
    with django_db_blocker.unblock():
        db = connection.settings_dict
    port = _free_port()
    host, port_ = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}:{db['PASSWORD']}@{host}:{port_}/{db['NAME']}",
        "DEBUG": "true",
        "THESABAN_DEMO": "true",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    log = tmp_path_factory.mktemp("demo_site") / "server.log"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        preexec_fn=_die_with_parent,
    )
    # A few seconds usually; on a machine busy with other test runs (CI on 2 shared cores) it has
    # taken more than 30 s, so wait up to two minutes before calling it failed.
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"the test server did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)
