"""The engine over real loopback HTTP: auth, origins, validation, jobs, outputs, cancel, crashes."""

from __future__ import annotations

import json
import os
import signal
import time

import httpx
import pytest
from websockets.sync.client import connect

from app.engine_api import EngineAPI, EngineError
from tests.engine.conftest import status_is, wait_for


def test_health_is_open_but_everything_else_needs_the_token(engine):
    assert httpx.get(f"{engine.url}/api/health").json()["status"] == "ok"
    assert httpx.get(f"{engine.url}/api/jobs").status_code == 401
    wrong = httpx.get(f"{engine.url}/api/devices", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = httpx.get(f"{engine.url}/api/devices", headers={"Authorization": f"Bearer {engine.token}"})
    assert [d["id"] for d in right.json()] == ["cpu:0", "cpu:1"]


def test_token_file_is_private(engine):
    assert (engine.data_dir / "token").stat().st_mode & 0o777 == 0o600


def test_foreign_origin_is_refused_own_origin_allowed(engine):
    headers = {"Authorization": f"Bearer {engine.token}"}
    evil = httpx.get(f"{engine.url}/api/jobs", headers={**headers, "Origin": "https://evil.example"})
    assert evil.status_code == 403
    own = httpx.get(f"{engine.url}/api/jobs", headers={**headers, "Origin": engine.url})
    assert own.status_code == 200
    ws_url = engine.url.replace("http", "ws") + "/api/events"
    with pytest.raises(Exception):
        with connect(ws_url, additional_headers={**headers, "Origin": "https://evil.example"}) as ws:
            ws.recv(timeout=5)


def test_bad_specs_get_422_naming_the_field(api):
    with pytest.raises(EngineError) as unknown:
        api.submit("no.such.kind", {})
    assert unknown.value.status == 422
    assert unknown.value.detail[0]["loc"] == ["body", "kind"]
    assert "media.probe" in unknown.value.detail[0]["msg"]

    with pytest.raises(EngineError) as missing:
        api.submit("media.probe", {"loudness": True})
    assert missing.value.detail[0]["loc"] == ["body", "params", "path"]

    with pytest.raises(EngineError) as wrong_type:
        api.submit("test.busy", {"seconds": "a while"})
    assert wrong_type.value.detail[0]["loc"] == ["body", "params", "seconds"]

    response = api.http.post("/api/jobs", json={"kind": "media.probe", "params": {}, "version": 99})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "version"]


def test_probe_job_runs_and_its_output_downloads(api, tone_wav, tmp_path):
    job = api.run("media.probe", {"path": str(tone_wav)})
    assert job["status"] == "completed", job
    stream = job["result"]["streams"][0]
    assert (stream["type"], stream["sample_rate"], stream["channels"]) == ("audio", 48000, 1)
    assert job["result"]["loudness"]["sample_peak_dbfs"] == pytest.approx(-6.02, abs=0.05)
    assert [o["name"] for o in api.outputs(job["id"])] == ["probe.json"]
    downloaded = api.download(job["id"], "probe.json", tmp_path / "probe.json")
    assert json.loads(downloaded.read_text())["streams"] == job["result"]["streams"]
    statuses = [h["status"] for h in job["history"]]
    assert statuses == ["pending", "running", "completed"]


def test_a_job_on_a_missing_file_fails_with_a_clear_error(api, tmp_path):
    job = api.run("media.probe", {"path": str(tmp_path / "nope.wav")})
    assert job["status"] == "failed"
    assert "params.path" in job["error"] and "nope.wav" in job["error"]


def test_output_names_cannot_escape_the_job_folder(api, tone_wav):
    job = api.run("media.probe", {"path": str(tone_wav)})
    for name in ("..%2F..%2Ftoken", "%2E%2E", ".probe.json", "a%00b", "..%2Fjobs"):
        response = api.http.get(f"/api/jobs/{job['id']}/outputs/{name}")
        assert response.status_code in (400, 404), name
    assert api.http.get("/api/jobs/nope/outputs/probe.json").status_code == 404


def test_cancel_of_a_cooperative_running_job_ends_quickly(api):
    job = api.submit("test.busy", {"seconds": 60})
    wait_for(api, job["id"], lambda j: j["status"] == "running" and j["progress"] > 0)
    started = time.monotonic()
    api.cancel(job["id"])
    done = wait_for(api, job["id"], status_is("canceled"), timeout_s=6)
    assert time.monotonic() - started < 6
    assert done["history"][-1]["status"] == "canceled"


def test_cancel_of_a_job_that_ignores_it_kills_the_worker_within_6s(api):
    job = api.submit("test.stubborn", {"seconds": 60})
    running = wait_for(api, job["id"], lambda j: j["status"] == "running" and j["worker_pid"])
    started = time.monotonic()
    api.cancel(job["id"])
    wait_for(api, job["id"], status_is("canceled"), timeout_s=6.5)
    assert time.monotonic() - started < 6.0
    with pytest.raises(ProcessLookupError):
        os.kill(running["worker_pid"], 0)


def test_cancel_of_a_pending_job_and_of_a_finished_job(api, tone_wav):
    blockers = [api.submit("test.busy", {"seconds": 30}) for _ in range(2)]
    queued = api.submit("test.busy", {"seconds": 1})
    assert api.cancel(queued["id"])["status"] == "canceled"
    for blocker in blockers:
        api.cancel(blocker["id"])
        wait_for(api, blocker["id"], status_is("canceled"))
    finished = api.run("media.probe", {"path": str(tone_wav)})
    with pytest.raises(EngineError) as refused:
        api.cancel(finished["id"])
    assert refused.value.status == 409


def test_sigkill_of_a_worker_fails_the_job_and_the_server_keeps_serving(api, tone_wav):
    job = api.submit("test.stubborn", {"seconds": 60})
    running = wait_for(api, job["id"], lambda j: j["status"] == "running" and j["worker_pid"])
    os.kill(running["worker_pid"], signal.SIGKILL)
    failed = wait_for(api, job["id"], status_is("failed"), timeout_s=10)
    assert "SIGKILL" in failed["error"]
    assert api.health()["status"] == "ok"
    assert api.run("media.probe", {"path": str(tone_wav)})["status"] == "completed"


def test_retry_runs_the_same_request_as_a_new_job(api):
    job = api.submit("test.busy", {"seconds": 30})
    api.cancel(job["id"])
    wait_for(api, job["id"], status_is("canceled"))
    again = api._call("POST", f"/api/jobs/{job['id']}/retry")
    assert again["id"] != job["id"] and again["retry_of"] == job["id"]
    assert again["request"] == job["request"]
    api.cancel(again["id"])
    wait_for(api, again["id"], status_is("canceled"))


def _wait_devices_free(api: EngineAPI) -> None:
    deadline = time.monotonic() + 10
    while any(d["job_id"] for d in api.devices()) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_jobs_queue_beyond_the_free_devices(api):
    _wait_devices_free(api)
    jobs = [api.submit("test.busy", {"seconds": 1.5}) for _ in range(3)]
    time.sleep(0.8)
    statuses = [api.job(j["id"])["status"] for j in jobs]
    assert statuses.count("running") == 2 and statuses.count("pending") == 1
    for job in jobs:
        assert wait_for(api, job["id"], status_is("completed"), timeout_s=20)["result"]["units"] > 0


def test_devices_show_what_they_run(api):
    job = api.submit("test.busy", {"seconds": 30})
    wait_for(api, job["id"], status_is("running"))
    busy = [d for d in api.devices() if d["job_id"] == job["id"]]
    assert len(busy) == 1 and busy[0]["memory_used_bytes"] > 10 * 2**20
    api.cancel(job["id"])
    wait_for(api, job["id"], status_is("canceled"))
    _wait_devices_free(api)
    assert job["id"] not in [d["job_id"] for d in api.devices()]
