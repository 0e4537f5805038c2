"""The engine client against a real engine process on loopback (media.probe jobs; no video needed)."""

import os
import signal
import time

import pytest
from PySide6.QtCore import QTimer

from app.client import EngineClient

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def client(qtbot, tmp_path):
    engine = EngineClient()
    engine.start_local(tmp_path / "engine", devices="cpu:1")
    with qtbot.waitSignal(engine.state_changed, timeout=60_000,
                          check_params_cb=lambda state, _m: state == "connected"):
        pass
    yield engine
    engine.close()
    engine.deleteLater()


def _call(qtbot, client, method, path, body=None):
    result = {}
    client.call(method, path, body, lambda ok, status, data: result.update(ok=ok, status=status, data=data))
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result


def test_submit_follow_and_errors(qtbot, client, tmp_path):
    assert _call(qtbot, client, "GET", "/api/health")["data"]["status"] == "ok"
    bad = _call(qtbot, client, "POST", "/api/jobs", {"version": 1, "kind": "media.probe", "params": {}})
    assert bad["status"] == 422 and "params.path" in bad["data"]
    events = []
    client.event.connect(events.append)
    missing = tmp_path / "nothing-here.wav"
    done = {}
    client.submit({"version": 1, "kind": "media.probe", "params": {"path": str(missing)}},
                  lambda ok, status, body: done.update(ok=ok, body=body))
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    job_id = done["body"]["id"]
    qtbot.waitUntil(lambda: client.jobs.get(job_id, {}).get("status") in ("completed", "failed"), timeout=60_000)
    statuses = [e["payload"]["status"] for e in events if e["type"] == "job.status" and e["job_id"] == job_id]
    assert statuses[0] == "pending" and statuses[-1] == "failed"
    assert client.jobs[job_id]["error"]


def test_event_stream_reconnects_after_engine_restart_without_losing_events(qtbot, client):
    seq_before = client.stream.last_seq
    old_pid = client.launcher.pid
    states = []
    client.state_changed.connect(lambda state, _m: states.append(state))
    os.kill(old_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: client.state == "dead", timeout=20_000)
    client.restart_engine()
    qtbot.waitUntil(lambda: client.state == "connected", timeout=60_000)
    assert client.launcher.pid != old_pid
    assert states[:2] == ["dead", "starting"] or "dead" in states
    # the replayed log continues from where it was: no event seen twice, none missing
    assert client.stream.last_seq >= seq_before


def test_the_ui_thread_keeps_beating_while_the_client_works(qtbot, client):
    gaps, last = [], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    timer.start()
    for _ in range(30):
        client.refresh()
    qtbot.wait(1500)
    timer.stop()
    assert max(gaps) < 0.05, f"worst gap {max(gaps) * 1000:.1f} ms"
