"""The video.generate job language: registration, defaults and the messages of refused params."""

from __future__ import annotations

import pytest

from engine.spec import JobRequest, SpecError, kinds, validate_request


def _validate(**params):
    return validate_request(JobRequest(kind="video.generate", params={"prompt": "a ball", **params}))


def test_registered_with_defaults():
    assert "video.generate" in kinds()
    p = _validate()
    assert (p.width, p.height, p.fps, p.mode, p.model, p.total_frames()) == (64, 64, 16, "full", "builtin:shapes", 17)
    assert _validate(seconds=2).total_frames() == 33
    assert kinds()["video.generate"].slots(_validate(workers=3)) == 3


@pytest.mark.parametrize("params, field, message", [
    ({"width": 70}, "width", "not a multiple of 16; use 64 or 80"),
    ({"height": 8}, "height", "greater than or equal to 16"),
    ({"steps": 0}, "steps", "greater than or equal to 1"),
    ({"steps": 5000}, "steps", "less than or equal to 200"),
    ({"seconds": 100000}, "seconds", "less than or equal to 3600"),
    ({"seconds": 3600, "fps": 60}, "params", "more than 57601"),
    ({"seconds": 2, "frames": 33}, "params", "seconds or frames, not both"),
    ({"mode": "magic"}, "mode", "'full', 'dualparal' or 'window'"),
    ({"prompt": " "}, "params", "prompt is empty"),
    ({"prompts": [{"start": 3, "end": 1, "text": "x"}]}, "prompts", "must be after start"),
    ({"block_frames": 2, "context_frames": 3}, "params", "context_frames must not exceed block_frames"),
    ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
])
def test_refused_with_a_message_naming_the_field(params, field, message):
    with pytest.raises(SpecError) as info:
        _validate(**params)
    assert message in str(info.value)
    assert field in str(info.value)


def test_timed_prompts_accepted():
    p = _validate(prompts=[{"start": 0, "end": 2, "text": "a red ball"},
                           {"start": 2, "end": 4, "text": "a blue ball", "transition": 0.5, "hard_cut": True}],
                  mode="dualparal", workers=2, block_frames=4, context_frames=2, seconds=4)
    assert p.prompts[1].hard_cut and p.mode == "dualparal"


def _keyed(*keyframes):
    return _validate(prompts=[{"start": 1, "end": 3, "text": "a red ball", "keyframes": list(keyframes)}],
                     mode="dualparal", seconds=4)


def test_prompt_keyframes_accepted():
    p = _keyed({"time": 0, "param": "guidance", "value": 7.5}, {"time": 2, "param": "weight", "value": 0.4})
    assert [(k.time, k.param, k.value) for k in p.prompts[0].keyframes] == [(0, "guidance", 7.5), (2, "weight", 0.4)]


@pytest.mark.parametrize("keyframe, where, message", [
    ({"time": 0, "param": "weight", "value": 3}, "prompts.0.keyframes.0", "value: a weight keyframe must lie in 0..2"),
    ({"time": 0, "param": "guidance", "value": -1}, "prompts.0.keyframes.0", "must lie in 0..30, got -1"),
    ({"time": 0, "param": "seed", "value": 1}, "prompts.0.keyframes.0.param", "'guidance' or 'weight'"),
    ({"time": 2.5, "param": "weight", "value": 1}, "prompts.0", "keyframes.0.time: 2.5s is after the prompt's end"),
    ({"time": -1, "param": "weight", "value": 1}, "prompts.0.keyframes.0.time", "greater than or equal to 0"),
    ({"param": "weight", "value": 1}, "prompts.0.keyframes.0.time", "Field required"),
])
def test_bad_keyframes_are_refused_naming_the_field(keyframe, where, message):
    with pytest.raises(SpecError) as info:
        _keyed(keyframe)
    assert f"params.{where}" in str(info.value)
    assert message in str(info.value)


def test_two_keyframes_of_one_parameter_at_one_time_are_refused():
    with pytest.raises(SpecError, match="keyframes.1: a second weight keyframe at 1s"):
        _keyed({"time": 1, "param": "weight", "value": 1}, {"time": 1, "param": "weight", "value": 0.5})


def test_keyframe_curves_interpolate_linearly_and_hold_at_the_ends():
    from engine.video.spec import keyframe_value

    points = [(1.0, 2.0), (3.0, 6.0)]
    assert [keyframe_value(points, t, 9.0) for t in (0.0, 1.0, 2.0, 2.5, 3.0, 5.0)] == [2, 2, 4, 5, 6, 6]
    assert keyframe_value([], 1.0, 9.0) == 9.0


def test_a_locked_prompt_carries_its_seed_and_a_bad_one_is_refused_by_name():
    p = _validate(prompts=[{"start": 0, "end": 2, "text": "a red ball"},
                           {"start": 2, "end": 4, "text": "a blue ball", "seed": 2**40}], seconds=4)
    assert [q.seed for q in p.prompts] == [None, 2**40]
    for bad, message in ((-1, "greater than or equal to 0"), (2**63, "less than or equal to"), ("x", "valid integer")):
        with pytest.raises(SpecError) as info:
            _validate(prompts=[{"start": 0, "end": 2, "text": "a red ball", "seed": bad}])
        assert "params.prompts.0.seed" in str(info.value) and message in str(info.value)


def test_an_unknown_noise_initialiser_is_refused_at_validation_naming_the_known_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NOISELOOM_PLUGIN_PATH", "")
    assert _validate(noise="look-back").noise == "look-back"      # a built-in plugin's, enabled by default
    with pytest.raises(SpecError) as info:
        _validate(noise="wobble")
    [error] = info.value.errors
    assert error["loc"] == ["params", "noise"]
    assert "no noise initialiser 'wobble'; available: pool, flow-warp, freenoise, look-back" in error["msg"]
