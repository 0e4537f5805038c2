"""Sound studio tests: offscreen, with the studio's leak checks, and one real engine per module."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.app.conftest import no_leaks, shown_window  # noqa: F401  (no_leaks is autouse: nothing outlives a test)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A real engine process on loopback (one per test module)."""
    from app.engine_process import LocalEngine

    with LocalEngine(tmp_path_factory.mktemp("engine"), devices="cpu:2") as running:
        yield running


@pytest.fixture(scope="module")
def client(engine, qapp):
    from app.client import EngineClient
    from app.loop_monitor import run_until

    c = EngineClient()
    c.connect_to(engine.url, engine.token)
    assert run_until(lambda: c.state == "connected", 30), c.state
    yield c
    c.close()
    c.deleteLater()
