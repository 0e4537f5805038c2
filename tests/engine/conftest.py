"""Fixtures: real engine processes on loopback with the test job kinds loaded."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.engine_api import EngineAPI
from app.engine_process import LocalEngine
from engine.plugins import PluginManager

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="session")
def _busywork_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Engines started by these tests see the ``busywork`` test plugin, enabled, and the project."""
    patch = pytest.MonkeyPatch()
    patch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    patch.setenv("NOISELOOM_PLUGIN_PATH", str(ROOT / "tests" / "plugins"))
    patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    manager = PluginManager()
    manager.discover()
    manager.set_enabled("busywork", True)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    with LocalEngine(tmp_path_factory.mktemp("engine"), devices="cpu:2") as running:
        yield running


@pytest.fixture
def api(engine: LocalEngine) -> Iterator[EngineAPI]:
    client = EngineAPI(engine.url, engine.token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def tone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "tone.wav"
    t = np.arange(48000 * 2) / 48000
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * t), 48000)
    return path


def wait_for(api: EngineAPI, job_id: str, predicate: Callable[[dict], bool], timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = api.job(job_id)
        if predicate(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach the expected state: {api.job(job_id)}")


def status_is(*statuses: str) -> Callable[[dict], bool]:
    return lambda job: job["status"] in statuses
