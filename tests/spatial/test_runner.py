"""The spatial.render job through a real LocalContext: files, annotations, verification, cancel."""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from engine.audio.analysis.dcase_format import read_csv
from engine.audio.spatial.runner import run
from engine.jobs.context import JobCanceled, LocalContext
from engine.spec import JobRequest, validate_request


def _params(**params):
    return validate_request(JobRequest(kind="spatial.render", params=params))


def test_render_job_writes_wav_annotations_and_metrics(minimal_scene_file, tmp_path):
    scene = json.loads(minimal_scene_file.read_text())
    scene["duration"] = 2
    minimal_scene_file.write_text(json.dumps(scene))
    ctx = LocalContext(tmp_path / "out")
    result = run(_params(scene_path=str(minimal_scene_file), format="foa", output="scene.wav",
                         annotations="scene.csv", verify=True), ctx)
    data, rate = sf.read(tmp_path / "out" / "scene.wav", always_2d=True)
    assert rate == 48000 and data.shape == (96000, 4)
    assert len(read_csv(tmp_path / "out" / "scene.csv")) == result["annotation_rows"] == 20
    assert result["verify"]["seld"]["f_score"] == pytest.approx(1.0)
    assert ctx.events[-1][1]["fraction"] == 1.0


def test_inline_scene_and_bad_output_name(tmp_path):
    scene = {"duration": 0.2, "sources": [{"name": "g", "generator": {"kind": "white"},
                                           "trajectory": [{"t": 0, "azimuth": 10}]}]}
    result = run(_params(scene=scene, format="stereo", output="g.wav"), LocalContext(tmp_path))
    assert result["render"]["channels"] == 2 and (tmp_path / "g.wav").is_file()
    with pytest.raises(ValueError, match=".wav"):
        run(_params(scene=scene, output="g.mp3"), LocalContext(tmp_path))


def test_cancel_stops_the_render_and_leaves_no_file(tmp_path):
    scene = {"duration": 5, "sources": [{"name": "g", "generator": {"kind": "white"},
                                         "trajectory": [{"t": 0, "azimuth": 10}]}]}
    ctx = LocalContext(tmp_path)
    ctx.cancel()
    with pytest.raises(JobCanceled):
        run(_params(scene=scene, output="g.wav"), ctx)
    assert list(tmp_path.iterdir()) == []
