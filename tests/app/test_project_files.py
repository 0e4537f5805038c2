"""Project files: round trip, atomic writes, migration, refusal of corrupt files, autosave recovery."""

import json
import os

import pytest

from app.project.autosave import Autosaver, autosave_path_for, pending_recoveries
from app.project.fileio import VERSION, ProjectFileError, load_project, save_project
from app.project.model import Project, PromptClip


def _project() -> Project:
    project = Project()
    project.settings.fps = 12
    project.settings.seed = 1234
    project.prompt_track.add_clip(PromptClip(start=0, end=3, text="sunrise over hills", seed=7))
    project.prompt_track.add_clip(PromptClip(start=3, end=6.5, text="storm", hard_cut=True))
    return project


def test_save_load_round_trip(tmp_path):
    path = tmp_path / "film.nloom"
    project = _project()
    save_project(project, path)
    again = load_project(path)
    assert again.name == "film"
    assert again.settings == project.settings
    assert [c.model_dump() for c in again.prompt_track] == [c.model_dump() for c in project.prompt_track]
    data = json.loads(path.read_text())
    assert data["format"] == "noiseloom-project" and data["version"] == VERSION
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "film.nloom"
    save_project(_project(), path)
    before = path.read_bytes()
    broken = _project()
    broken.to_dict = lambda: {"bad": object()}      # not JSON-serialisable: the write fails midway
    with pytest.raises(TypeError):
        save_project(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["film.nloom"]


@pytest.mark.parametrize("content, message", [
    (b"{not json", "not valid JSON"),
    (b'{"format": "something-else", "version": 1}', "is not a NoiseLoom project"),
    (b'{"format": "noiseloom-project", "version": 99, "project": {}}', "newer NoiseLoom"),
    (b'{"format": "noiseloom-project", "version": 2, "project": {"settings": {"fps": -3}, "tracks": []}}',
     "fps"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_corrupt_files_are_refused_and_untouched(tmp_path, content, message):
    path = tmp_path / "bad.nloom"
    path.write_bytes(content)
    stamp = path.stat().st_mtime_ns
    with pytest.raises(ProjectFileError, match=message):
        load_project(path)
    assert path.read_bytes() == content and path.stat().st_mtime_ns == stamp


def test_version_1_is_migrated(tmp_path):
    path = tmp_path / "old.nloom"
    path.write_text(json.dumps({"format": "noiseloom-project", "version": 1, "project": {
        "name": "old", "fps": 8, "frames": 80, "width": 128, "height": 96, "seed": 5,
        "prompts": [{"start_frame": 0, "end_frame": 40, "text": "a"},
                    {"start_frame": 40, "end_frame": 80, "text": "b", "hard_cut": True}]}}))
    project = load_project(path)
    assert project.settings.duration == 10 and project.settings.width == 128
    assert [(c.start, c.end, c.text, c.hard_cut) for c in project.prompt_track] == [
        (0, 5, "a", False), (5, 10, "b", True)]


def test_autosave_writes_side_file_only_when_changed(tmp_path):
    path = tmp_path / "film.nloom"
    project = _project()
    save_project(project, path)
    saver = Autosaver(project, path, autosave_dir=tmp_path / "auto")
    assert saver.save_now() is False
    project.prompt_track.clips[0].text = "sunset"
    assert saver.save_now() is True
    side = autosave_path_for(path)
    assert side.exists() and load_project(side).prompt_track.clips[0].text == "sunset"
    assert saver.save_now() is False
    saver.saved(path)
    assert not side.exists()


def test_crash_leaves_a_recovery(tmp_path):
    auto = tmp_path / "auto"
    project = _project()
    saver = Autosaver(project, None, autosave_dir=auto)
    project.settings.steps = 3
    saver.save_now()
    # the process "crashes" here: no discard. The next session finds it:
    found = pending_recoveries(auto, [])
    assert len(found) == 1 and found[0].project_path is None
    restored = found[0].load()
    assert restored.settings.steps == 3 and len(restored.prompt_track) == 2
    saver.discard()
    assert pending_recoveries(auto, []) == []


def test_recovery_beside_a_saved_project_only_when_newer(tmp_path):
    path = tmp_path / "film.nloom"
    project = _project()
    save_project(project, path)
    saver = Autosaver(project, path, autosave_dir=tmp_path / "auto")
    project.settings.seed = 9
    saver.save_now()
    assert [r.project_path for r in pending_recoveries(tmp_path / "auto", [path])] == [path]
    side = autosave_path_for(path)
    old = path.stat().st_mtime - 100
    os.utime(side, (old, old))
    assert pending_recoveries(tmp_path / "auto", [path]) == []


def test_keyframes_round_trip(tmp_path):
    from app.project.model import Keyframe

    project = _project()
    clip = project.prompt_track.clips[0]
    clip.keyframes = [Keyframe(time=0.5, param="guidance", value=7.5), Keyframe(time=2.0, param="weight", value=0.3)]
    save_project(project, tmp_path / "k.nloom")
    again = load_project(tmp_path / "k.nloom").prompt_track.clips[0]
    assert [(k.time, k.param, k.value) for k in again.keyframes] == [(0.5, "guidance", 7.5), (2.0, "weight", 0.3)]


def test_version_3_is_migrated_with_the_engines_default_curve(tmp_path):
    path = tmp_path / "v3.nloom"
    body = json.loads(json.dumps({"format": "noiseloom-project", "version": 3, "project": _project().to_dict()}))
    for clip in body["project"]["tracks"][0]["clips"]:
        del clip["curve"]       # version 3 had no per-clip curve
    path.write_text(json.dumps(body))
    project = load_project(path)
    assert [c.curve for c in project.prompt_track] == [None, None]
    assert [c.seed for c in project.prompt_track] == [7, None]


def test_a_clips_curve_round_trips_and_a_damaged_old_file_is_refused(tmp_path):
    project = _project()
    project.prompt_track.clips[1].curve = "late"      # a plugin's curve: the document keeps any name
    save_project(project, tmp_path / "c.nloom")
    assert [c.curve for c in load_project(tmp_path / "c.nloom").prompt_track] == [None, "late"]
    damaged = tmp_path / "damaged.nloom"
    damaged.write_text(json.dumps({"format": "noiseloom-project", "version": 3, "project": {"settings": {}}}))
    with pytest.raises(ProjectFileError, match="damaged"):
        load_project(damaged)
