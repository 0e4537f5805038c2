"""OpenTimelineIO interchange: round trip, readable by OTIO itself, foreign timelines, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from app.project.audio import AudioClip
from app.project.fileio import load_project, save_project
from app.project.model import Project, ProjectSettings, PromptClip, Track
from plugins.otio.interchange import INTERCHANGE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project() -> Project:
    clips = [PromptClip(start=0.0, end=2.5, text="a red ball bouncing on green grass"),
             PromptClip(start=3.0, end=5.0, text="a blue square moving left", transition="cut", hard_cut=True),
             PromptClip(start=5.0, end=8.0, text="a white triangle growing at night", seed=1234)]
    project = Project(ProjectSettings(fps=16, duration=8.0, seed=9), [Track("Prompts", clips=clips)], name="demo")
    project.audio.tracks[0].add_clip(AudioClip(name="street", path="/tmp/street.flac", start=1.0, duration=5.0,
                                               offset=2.0, gain_db=-3.0, fade_in=0.5))
    return project


def test_round_trip_keeps_times_prompts_and_settings(project, tmp_path):
    out = INTERCHANGE.export(project.to_dict(), tmp_path / "demo.otio", media=tmp_path / "demo.mp4")
    back = Project.from_dict(INTERCHANGE.import_project(out, ProjectSettings().model_dump()))
    assert back.to_dict()["tracks"] == project.to_dict()["tracks"]
    assert back.to_dict()["audio"] == project.to_dict()["audio"]
    assert back.settings == project.settings


def test_the_export_opens_with_opentimelineio(project, tmp_path):
    out = INTERCHANGE.export(project.to_dict(), tmp_path / "demo.otio", media=tmp_path / "demo.mp4")
    timeline = otio.adapters.read_from_file(str(out))
    prompts, generated = timeline.video_tracks()
    street_track = timeline.audio_tracks()[0]
    assert len(timeline.audio_tracks()) == len(project.audio.tracks)
    [street] = [c for c in street_track if isinstance(c, otio.schema.Clip)]
    assert street_track.range_of_child(street).start_time.to_seconds() == 1.0
    assert street.source_range.start_time.to_seconds() == 2.0          # the in-point into the recording
    assert street.media_reference.target_url == "file:///tmp/street.flac"
    clips = [c for c in prompts if isinstance(c, otio.schema.Clip)]
    assert [c.name for c in clips] == [c.text for c in project.prompt_track]
    spans = [prompts.range_of_child(c) for c in clips]
    assert [(s.start_time.to_seconds(), s.end_time_exclusive().to_seconds()) for s in spans] == [
        (0.0, 2.5), (3.0, 5.0), (5.0, 8.0)]
    assert any(isinstance(item, otio.schema.Gap) for item in prompts), "the hole at 2.5-3 s is a gap"
    [video] = list(generated)
    assert video.media_reference.target_url.endswith("demo.mp4")
    assert [m.marked_range.start_time.to_seconds() for m in video.markers] == [0.0, 3.0, 5.0]


def test_a_timeline_from_another_editor_becomes_prompt_clips(tmp_path):
    timeline = otio.schema.Timeline(name="from resolve")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    rate = 24
    track.append(otio.schema.Clip(name="sunrise over sand", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(48, rate))))
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(24, rate))))
    track.append(otio.schema.Clip(name="a green ball", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(100, rate), otio.opentime.RationalTime(36, rate))))
    timeline.tracks.append(track)
    path = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(timeline, str(path))
    project = Project.from_dict(INTERCHANGE.import_project(path, ProjectSettings().model_dump()))
    clips = project.prompt_track.clips
    assert [(c.text, c.start, c.end) for c in clips] == [("sunrise over sand", 0.0, 2.0), ("a green ball", 3.0, 4.5)]
    assert project.settings.fps == 24 and project.settings.duration >= 4.5


def test_the_command_line_exports_and_imports(project, tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    save_project(project, tmp_path / "demo.nloom")
    run = [sys.executable, "-m", "app.cli"]
    done = subprocess.run([*run, "export", "otio", str(tmp_path / "demo.nloom"), str(tmp_path / "demo.otio")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*run, "import", "otio", str(tmp_path / "demo.otio"), str(tmp_path / "back.nloom")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert load_project(tmp_path / "back.nloom").to_dict()["tracks"] == project.to_dict()["tracks"]
    bad = subprocess.run([*run, "import", "otio", str(tmp_path / "demo.nloom"), str(tmp_path / "x.nloom")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "not a readable OpenTimelineIO file" in bad.stderr
    assert json.loads((tmp_path / "demo.nloom").read_text())["format"] == "noiseloom-project"
