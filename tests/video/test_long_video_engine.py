"""Long multi-prompt video through a real engine: DualParal across worker processes, frames streamed
block by block, the same video from 1 and 2 workers, regeneration from a time reusing earlier blocks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from websockets.sync.client import connect

from app.engine_api import EngineAPI
from app.engine_process import LocalEngine
from engine.media.video_io import read_frames
from tests.video.tiny_models import make_model_folder

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def two_layer_model(tmp_path_factory) -> Path:
    return make_model_folder(tmp_path_factory.mktemp("two_layers"), layers=2, seed=3)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with LocalEngine(tmp_path_factory.mktemp("engine"), devices="cpu:2") as engine:
        client = EngineAPI(engine.url, engine.token)
        yield client
        client.close()


def _params(model: Path, **extra) -> dict:
    return {"prompts": [{"start": 0, "end": 2, "text": "a red ball moving right on green grass"},
                        {"start": 2, "end": 4, "text": "a blue square moving left on green grass",
                         "transition": 1.0}],
            "seconds": 4, "fps": 6, "steps": 3, "model": str(model), "mode": "dualparal",
            "block_frames": 3, "context_frames": 1, **extra}


def test_blocks_stream_in_order_and_two_workers_make_the_same_video(api, two_layer_model, tmp_path):
    events = []
    one = api.run("video.generate", _params(two_layer_model), on_event=events.append)
    assert one["status"] == "completed", one.get("error")
    stats = one["result"]
    assert stats["frames"] == 25 and stats["workers"] == 1 and stats["blocks"] == 9
    for key in ("seconds_sampling", "seconds_to_first_frames", "peak_memory_bytes", "bubble_fraction"):
        assert stats[key] is not None
    blocks = [e["payload"] for e in events if e["type"] == "block_done"]
    assert [b["block"] for b in blocks] == list(range(9))
    assert [b["frames"][0] for b in blocks[1:]] == [b["frames"][1] for b in blocks[:-1]], "contiguous frames"
    done_at = next(e["seq"] for e in events if e["type"] == "job.status" and e["payload"]["status"] == "completed")
    assert all(e["seq"] < done_at for e in events if e["type"] == "block_done")
    assert stats["seconds_to_first_frames"] < stats["seconds_total"]

    two = api.run("video.generate", _params(two_layer_model, workers=2))
    assert two["status"] == "completed", two.get("error")
    assert two["result"]["workers"] == 2 and two["result"]["layer_split"] == [1, 1]
    a = read_frames(api.download(one["id"], "video.mp4", tmp_path / "one.mp4")).astype(int)
    b = read_frames(api.download(two["id"], "video.mp4", tmp_path / "two.mp4")).astype(int)
    assert a.shape == b.shape == (25, 64, 64, 3)
    assert np.abs(a - b).mean() < 1.0, "1 and 2 workers make the same video (up to float rounding)"
    sidecar = json.loads(api.download(two["id"], "video.json", tmp_path / "two.json").read_text())
    assert sidecar["params"]["workers"] == 2 and sidecar["stats"]["blocks"] == 9


def test_regenerate_from_a_time_reuses_the_blocks_before_it(api, two_layer_model, tmp_path):
    first = api.run("video.generate", _params(two_layer_model))
    edited = _params(two_layer_model, regenerate_from=2.0, reuse_job=first["id"])
    edited["prompts"][1]["text"] = "a white triangle growing on green grass"
    second = api.run("video.generate", edited)
    assert second["status"] == "completed", second.get("error")
    assert second["result"]["reused_blocks"] >= 3
    a = read_frames(api.download(first["id"], "video.mp4", tmp_path / "a.mp4")).astype(int)
    b = read_frames(api.download(second["id"], "video.mp4", tmp_path / "b.mp4")).astype(int)
    kept = second["result"]["reused_blocks"] * 3
    assert np.abs(a[:kept] - b[:kept]).mean() < 1.0, "frames before the edit are kept"
    assert np.abs(a[-6:] - b[-6:]).mean() > 1.0, "frames after the edit follow the new prompt"


def test_a_missing_reuse_job_is_a_clear_error(api, two_layer_model):
    job = api.run("video.generate", _params(two_layer_model, regenerate_from=1.0, reuse_job="0" * 16))
    assert job["status"] == "failed" and "reuse_job" in job["error"]


def test_previews_arrive_as_binary_frames_during_the_run(api, two_layer_model):
    since = api.latest_seq()
    job = api.submit("video.generate", _params(two_layer_model))
    previews, done = 0, False
    url = api.url.replace("http", "ws") + f"/api/events?since={since}"
    with connect(url, additional_headers={"Authorization": f"Bearer {api.token}"}) as ws:
        while not done:
            message = ws.recv(timeout=120)
            if isinstance(message, bytes):
                header_len = int.from_bytes(message[:4], "big")
                header = json.loads(message[4:4 + header_len])
                assert header["job_id"] == job["id"] and message[4 + header_len:].startswith(b"\x89PNG")
                previews += 1
            else:
                event = json.loads(message)
                done = event["job_id"] == job["id"] and event["type"] == "job.status" and \
                    event["payload"]["status"] in ("completed", "failed")
    assert previews >= 9
