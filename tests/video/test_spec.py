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
