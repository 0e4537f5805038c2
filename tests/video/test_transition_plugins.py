"""Prompt transition schedules as an extension point: the core's curves registered as plugins' are,
chosen per job and per prompt, unknown names refused by field, and a plugin's curve changing each
block's conditioning in a real generation through the engine (a broken one failing only its job)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.engine_api import EngineAPI, EngineError
from app.engine_process import LocalEngine
from engine.video.prompts import PromptTimeline, TimedPrompt
from engine.video.spec import VideoGenerateParams
from engine.video.transitions import PROMPT_TRANSITIONS
from tests.plugin_folders import enable, use_plugin_folder, write_plugin
from tests.video.tiny_models import make_model_folder

pytestmark = pytest.mark.timeout(600)

RED, BLUE = "red circle, grey floor", "blue square, grey floor"


def _timeline(curve: str | None = None, default: str = "linear") -> PromptTimeline:
    return PromptTimeline("grey floor", (TimedPrompt(0, 4, "red circle"),
                                         TimedPrompt(4, 8, "blue square", transition=2.0, curve=curve)), default)


def test_core_curves_are_registered_entries_that_shape_the_blend(tmp_path, monkeypatch):
    use_plugin_folder(monkeypatch, tmp_path)
    assert PROMPT_TRANSITIONS.names() == ["linear", "smoothstep", "cosine", "cut"]
    at = {curve: _timeline(curve).weights_at(3.5, 8.0)[BLUE] for curve in ("linear", "smoothstep", "cosine")}
    assert at == pytest.approx({"linear": 0.25, "smoothstep": 0.15625, "cosine": 0.1464466})
    for curve in ("linear", "smoothstep", "cosine"):
        assert _timeline(curve).weights_at(4.0, 8.0) == pytest.approx({RED: 0.5, BLUE: 0.5})
        assert _timeline(curve).weights_at(4.5, 8.0)[RED] == pytest.approx(at[curve]), "symmetric around the cut"
    assert _timeline(default="smoothstep").weights_at(3.5, 8.0) == _timeline("smoothstep").weights_at(3.5, 8.0)
    cut = _timeline("cut")
    assert cut.weights_at(3.99, 8.0) == {RED: 1.0} and cut.weights_at(4.0, 8.0) == {BLUE: 1.0}
    assert cut.hard_cuts(8.0) == [4.0]


def test_unknown_curves_are_refused_naming_the_field(tmp_path, monkeypatch):
    use_plugin_folder(monkeypatch, tmp_path)
    with pytest.raises(ValidationError) as job_level:
        VideoGenerateParams(prompt="a red ball", transition_curve="wobble")
    [error] = job_level.value.errors()
    assert error["loc"] == ("transition_curve",)
    assert "no prompt transition 'wobble'; available: linear, smoothstep, cosine, cut" in error["msg"]
    with pytest.raises(ValidationError) as clip_level:
        VideoGenerateParams(prompts=[{"start": 0, "end": 2, "text": "a red ball", "curve": "wobble"}])
    assert clip_level.value.errors()[0]["loc"] == ("prompts", 0, "curve")
    params = VideoGenerateParams(prompts=[{"start": 0, "end": 2, "text": "a red ball", "curve": "cosine"}])
    assert params.prompts[0].curve == "cosine" and params.transition_curve == "linear"


LATE = """
def make_late(progress):
    return progress ** 4
"""


def _blue_share(t: float, curve) -> float:
    """The blue prompt's share at ``t`` for a 1 s transition centred on 2 s (an independent reckoning)."""
    return 0.0 if t <= 1.5 else 1.0 if t >= 2.5 else curve(t - 1.5)


def test_a_plugin_transition_reaches_each_blocks_conditioning_through_the_engine(tmp_path, monkeypatch):
    folder = use_plugin_folder(monkeypatch, tmp_path)
    write_plugin(folder, "late_blend", "prompt_transitions", {"late": "make_late"}, LATE)
    write_plugin(folder, "broken_blend", "prompt_transitions", {"shaky": "make_shaky"},
                 "raise RuntimeError('transition plugin broke at import')\n")
    model = make_model_folder(tmp_path / "model")
    red, blue = "a red ball moving right on green grass", "a blue square moving left on green grass"
    params = {"prompts": [{"start": 0, "end": 2, "text": red}, {"start": 2, "end": 4, "text": blue, "transition": 1.0}],
              "seconds": 4, "fps": 6, "steps": 2, "model": str(model), "mode": "dualparal", "block_frames": 3}

    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)
        with pytest.raises(EngineError) as disabled:
            api.submit("video.generate", {**params, "transition_curve": "late"})
        assert disabled.value.status == 422
        assert disabled.value.detail[0]["loc"] == ["body", "params", "transition_curve"]
        assert "no prompt transition 'late'" in disabled.value.detail[0]["msg"]
        enable("late_blend", "broken_blend")

        broken = api.run("video.generate", {**params, "transition_curve": "shaky"})
        assert broken["status"] == "failed"
        assert "broken_blend" in broken["error"] and "transition plugin broke at import" in broken["error"]
        state = {p["name"]: p for p in api._call("GET", "/api/plugins")["plugins"]}
        assert not state["broken_blend"]["enabled"] and "RuntimeError" in state["broken_blend"]["error"]

        blends = {}
        for curve in ("linear", "late"):
            events = []
            job = api.run("video.generate", {**params, "transition_curve": curve}, on_event=events.append)
            assert job["status"] == "completed", job.get("error")
            blends[curve] = [e["payload"] for e in events if e["type"] == "block_done"]
        api.close()

    for curve, shape in (("linear", lambda p: p), ("late", lambda p: p ** 4)):
        for block in blends[curve]:
            start, end = block["frames"]
            expected = sum(_blue_share(f / 6, shape) for f in range(start, end)) / (end - start)
            assert block["prompts"].get(blue, 0.0) == pytest.approx(expected, abs=1e-5), (curve, block)
    changed = [a["block"] for a, b in zip(blends["linear"], blends["late"]) if a["prompts"] != b["prompts"]]
    assert changed, "the plugin's curve changes the blocks inside the transition"
    assert all(1.5 < blends["late"][k]["end"] and blends["late"][k]["start"] < 2.5 for k in changed)
