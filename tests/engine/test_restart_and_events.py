"""Jobs survive an engine restart; event clients that reconnect with ``since`` miss nothing."""

from __future__ import annotations

import json
import os
import signal

from websockets.sync.client import connect

from app.engine_api import EngineAPI
from app.engine_process import LocalEngine
from tests.engine.conftest import status_is, wait_for


def _events(engine: LocalEngine, since: int, until_job_done: str | None = None, count: int | None = None):
    url = engine.url.replace("http", "ws") + f"/api/events?since={since}"
    received = []
    with connect(url, additional_headers={"Authorization": f"Bearer {engine.token}"}) as ws:
        while True:
            message = ws.recv(timeout=30)
            if isinstance(message, bytes):
                continue
            event = json.loads(message)
            received.append(event)
            if count is not None and len(received) >= count:
                return received
            if (until_job_done and event["job_id"] == until_job_done and event["type"] == "job.status"
                    and event["payload"]["status"] in ("completed", "failed", "canceled")):
                return received


def test_restart_keeps_pending_jobs_and_interrupts_running_ones(tmp_path):
    data = tmp_path / "engine"
    first = LocalEngine(data, devices="cpu:1").start()
    api = EngineAPI(first.url, first.token)
    running = api.submit("test.stubborn", {"seconds": 120})
    wait_for(api, running["id"], lambda j: j["status"] == "running" and j["worker_pid"])
    worker_pid = api.job(running["id"])["worker_pid"]
    pending = api.submit("test.busy", {"seconds": 0.5})
    api.close()
    first.process.send_signal(signal.SIGKILL)  # a crash, not a polite stop
    first.process.wait(10)
    wait_gone = 0
    while wait_gone < 100:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            break
        wait_gone += 1
        __import__("time").sleep(0.05)
    assert wait_gone < 100, "the worker outlived its engine"

    with LocalEngine(data, devices="cpu:1") as second:
        api = EngineAPI(second.url, second.token)
        interrupted = api.job(running["id"])
        assert interrupted["status"] == "interrupted"
        assert interrupted["history"][-1]["message"].startswith("the engine stopped")
        assert wait_for(api, pending["id"], status_is("completed"), timeout_s=30)["result"]["units"] > 0
        resumed = api._call("POST", f"/api/jobs/{running['id']}/resume")
        assert resumed["status"] == "pending"
        wait_for(api, running["id"], status_is("running"))
        api.cancel(running["id"])
        done = wait_for(api, running["id"], status_is("canceled"), timeout_s=10)
        assert [h["status"] for h in done["history"]] == [
            "pending", "running", "interrupted", "pending", "running", "canceled"]
        assert done["attempts"] == 2
        api.close()


def test_a_reconnecting_client_receives_every_missed_event_in_order(tmp_path):
    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)
        first = api.submit("test.busy", {"seconds": 0.5})
        seen = _events(engine, 0, until_job_done=first["id"])
        last_seen = seen[-1]["seq"]
        # disconnected: a job runs and emits while nobody listens
        missed_job = api.submit("test.busy", {"seconds": 1.0})
        wait_for(api, missed_job["id"], status_is("completed"))
        replay = _events(engine, last_seen, until_job_done=missed_job["id"])
        seqs = [e["seq"] for e in replay]
        assert seqs == sorted(seqs) and seqs[0] == last_seen + 1
        assert seqs == list(range(seqs[0], seqs[-1] + 1)), "a gap in the replay"
        kinds = {e["type"] for e in replay if e["job_id"] == missed_job["id"]}
        assert {"job.status", "progress"} <= kinds
        full = _events(engine, 0, count=len(seen) + len(replay))
        assert [e["seq"] for e in full] == [e["seq"] for e in seen + replay]
        api.close()
