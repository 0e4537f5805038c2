"""The document without a GUI: clips, tracks, events, invariants, job conversion."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.project.jobspec import ProjectNotReady, project_to_request
from app.project.model import PlacementError, Project, PromptClip, Track


def _project() -> Project:
    project = Project()
    track = project.prompt_track
    track.add_clip(PromptClip(start=0, end=4, text="a red square drifts left"))
    track.add_clip(PromptClip(start=4, end=8, text="a blue circle grows", hard_cut=True))
    track.add_clip(PromptClip(start=8, end=12, text="green stripes", transition="cut"))
    return project


def test_model_modules_do_not_import_qt():
    code = ("import sys, app.project.model, app.project.fileio, app.project.autosave, app.project.snap, "
            "app.project.jobspec; bad=[m for m in sys.modules if m.startswith(('PySide6','torch'))]; "
            "print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_clips_stay_sorted_and_refuse_overlap():
    project = _project()
    track = project.prompt_track
    assert [c.start for c in track] == [0, 4, 8]
    with pytest.raises(PlacementError, match="overlaps"):
        track.add_clip(PromptClip(start=3, end=5, text="x"))
    with pytest.raises(PlacementError, match="before 0s"):
        track.check_span(-1, 2)
    assert len(track) == 3
    first = track.clips[0]
    with pytest.raises(PlacementError):
        track.set_span(first.id, 2, 6)
    assert (first.start, first.end) == (0, 4)   # refused edit changed nothing
    track.set_span(first.id, 12, 14)
    assert [c.text for c in track][-1] == "a red square drifts left"


def test_clip_validation_names_the_field():
    with pytest.raises(ValidationError, match="end"):
        PromptClip(start=3, end=3.01)
    clip = PromptClip(start=0, end=2)
    with pytest.raises(ValidationError, match="transition"):
        clip.transition = "wipe"


def test_change_events_reach_the_project():
    project = _project()
    seen = []
    project.changed.connect(lambda: seen.append(1))
    clip = project.prompt_track.clips[1]
    clip.text = "changed"
    project.settings.fps = 12
    project.prompt_track.remove_clip(clip.id)
    assert len(seen) == 3
    clip.text = "after removal"          # a removed clip no longer reports
    assert len(seen) == 3


def test_prompt_history_keeps_earlier_texts():
    clip = PromptClip(text="one")
    clip.set_text("two")
    clip.set_text("three")
    clip.set_text("two")
    assert clip.text == "two"
    assert clip.history == ["one", "three"]


def test_project_to_request_builds_the_schedule():
    project = _project()
    project.settings.duration = 10
    request = project_to_request(project)
    params = request["params"]
    assert request["kind"] == "video.generate"
    assert params["seconds"] == 10 and params["fps"] == project.settings.fps
    assert [p["end"] for p in params["prompts"]] == [4, 8, 10]      # clipped to the video length
    assert params["prompts"][1]["hard_cut"] is True
    assert params["prompts"][2]["hard_cut"] is True and params["prompts"][2]["transition"] == 0.0
    assert params["prompt"] == ""          # the global prompt is appended to every clip by the engine


def test_empty_project_is_not_ready():
    with pytest.raises(ProjectNotReady, match="add a prompt clip"):
        project_to_request(Project())


def test_track_round_trip():
    track = _project().prompt_track
    again = Track.from_dict(track.to_dict())
    assert [c.model_dump() for c in again] == [c.model_dump() for c in track]


def test_a_single_clip_is_the_whole_videos_prompt():
    project = Project()
    project.settings.prompt = "flat colours"
    project.prompt_track.add_clip(PromptClip(start=1, end=3, text="a red ball bouncing"))
    params = project_to_request(project)["params"]
    assert params["prompt"] == "a red ball bouncing, flat colours"
    assert params["prompts"] == []


def test_regeneration_fields_only_when_the_job_language_has_them():
    from app.project.jobspec import add_regeneration

    project = _project()
    request = project_to_request(project)
    before = dict(request["params"])
    assert add_regeneration(request, 4.0, None) is False
    assert request["params"] == before


def test_keyframes_reach_the_request_and_the_job_language_checks_them():
    from app.project.jobspec import check_request
    from app.project.model import Keyframe

    project = _project()
    project.settings.duration = 10
    first, _second, last = project.prompt_track.clips
    first.keyframes = [Keyframe(time=3.0, param="weight", value=0.5), Keyframe(time=1.0, param="guidance", value=8)]
    last.keyframes = [Keyframe(time=0.5, param="guidance", value=2.0), Keyframe(time=3.0, param="guidance", value=9)]
    request = project_to_request(project)
    prompts = request["params"]["prompts"]
    assert prompts[0]["keyframes"] == [{"time": 1.0, "param": "guidance", "value": 8.0},
                                       {"time": 3.0, "param": "weight", "value": 0.5}]
    # the last clip is cut at the video's end (10 s): its keyframe beyond that is not sent
    assert prompts[2]["end"] - prompts[2]["start"] < 3.0
    assert prompts[2]["keyframes"] == [{"time": 0.5, "param": "guidance", "value": 2.0}]
    assert check_request(request) == []
    request["params"]["prompts"][0]["keyframes"][1]["value"] = 5.0
    errors = check_request(request)
    assert errors[0]["loc"][:5] == ["params", "prompts", 0, "keyframes", 1]
    assert "weight keyframe must lie in 0..2" in errors[0]["msg"]


def test_a_single_clip_with_keyframes_stays_a_timed_prompt():
    from app.project.model import Keyframe

    project = Project()
    project.prompt_track.add_clip(PromptClip(start=0, end=3, text="a red ball", keyframes=[
        Keyframe(time=1.0, param="guidance", value=2.0)]))
    params = project_to_request(project)["params"]
    assert params["prompts"][0]["keyframes"] == [{"time": 1.0, "param": "guidance", "value": 2.0}]


def test_keyframe_values_are_checked_and_interpolated_like_the_engine():
    from pydantic import ValidationError

    from app.project.model import Keyframe

    with pytest.raises(ValidationError, match="weight keyframe's value must lie in 0..2"):
        Keyframe(param="weight", value=2.5)
    clip = PromptClip(start=0, end=4, keyframes=[Keyframe(time=1, param="guidance", value=4),
                                                 Keyframe(time=3, param="guidance", value=8)])
    assert [clip.value_at("guidance", t, 5.0) for t in (0, 2, 4)] == [4, 6, 8]
    assert clip.value_at("weight", 2, 1.0) == 1.0


def test_locked_seeds_and_blend_curves_reach_the_request():
    from app.project.jobspec import check_request

    project = _project()
    project.settings.seed = 3
    first, second, third = project.prompt_track.clips
    first.seed, first.curve = 41, "smoothstep"
    third.curve = "cosine"      # a cut clip does not blend: its curve is not sent
    request = project_to_request(project)
    prompts = request["params"]["prompts"]
    assert (prompts[0]["seed"], prompts[0]["curve"]) == (41, "smoothstep")
    assert "seed" not in prompts[1] and "curve" not in prompts[1] and "curve" not in prompts[2]
    assert request["params"]["seed"] == 3
    assert check_request(request) == []


def test_a_lone_locked_clip_holds_the_whole_video_so_its_seed_is_the_jobs():
    project = Project()
    project.settings.seed = 3
    project.prompt_track.add_clip(PromptClip(start=1, end=3, text="a red ball bouncing", seed=8))
    params = project_to_request(project)["params"]
    assert params["prompts"] == [] and params["seed"] == 8
    project.prompt_track.clips[0].seed = None
    assert project_to_request(project)["params"]["seed"] == 3
