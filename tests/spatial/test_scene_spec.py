"""The scene model: the minimal scene loads, conventions and bad input are handled with clear messages."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine.audio.spatial.scene_io import load_scene, parse_scene, save_scene
from engine.audio.spatial.spec import Scene, SpatialRenderParams
from engine.audio.spatial.trajectory import Trajectory
from engine.spec import JobRequest, SpecError, kinds, validate_request
from tests.spatial.helpers import MINIMAL_SCENE, one_source_scene, static


def test_minimal_scene_loads_with_audio_relative_to_the_file(minimal_scene_file):
    scene, base_dir = load_scene(minimal_scene_file)
    assert scene.sample_rate == 48000 and scene.duration == 10 and scene.room is None
    assert (base_dir / scene.sources[0].audio).is_file()
    assert [k.azimuth for k in scene.sources[0].trajectory] == [90, -90]


def test_scene_round_trips_through_json(tmp_path):
    scene = parse_scene(MINIMAL_SCENE)
    save_scene(scene, tmp_path / "again.json")
    assert load_scene(tmp_path / "again.json")[0] == scene


def test_spatial_render_is_a_registered_job_kind(minimal_scene_file):
    assert "spatial.render" in kinds()
    params = validate_request(JobRequest(kind="spatial.render", params={
        "scene_path": str(minimal_scene_file), "format": "foa"}))
    assert isinstance(params, SpatialRenderParams) and params.format == "foa"
    with pytest.raises(SpecError, match="format"):
        validate_request(JobRequest(kind="spatial.render", params={"scene_path": "x.json", "format": "5.1"}))
    with pytest.raises(SpecError, match="exactly one of 'scene_path'"):
        validate_request(JobRequest(kind="spatial.render", params={"format": "foa"}))


@pytest.mark.parametrize(("given", "wrapped"), [(270, -90), (-190, 170), (540, 180), (-180, 180), (45, 45)])
def test_azimuth_is_wrapped(given, wrapped):
    scene = one_source_scene(static(given))
    assert scene.sources[0].trajectory[0].azimuth == pytest.approx(wrapped)


def test_elevation_out_of_range_is_refused_with_a_message():
    with pytest.raises(ValueError, match="elevation must be within -90..90"):
        one_source_scene(static(0, elevation=120))


@pytest.mark.parametrize("field", ["azimuth", "elevation", "distance", "t"])
def test_nan_is_refused(field):
    key = {"t": 0, "azimuth": 0, "elevation": 0, "distance": 1}
    key[field] = math.nan
    with pytest.raises(ValueError, match=field):
        one_source_scene([key])


def test_empty_scene_is_rejected():
    with pytest.raises(ValueError, match="at least one source"):
        parse_scene({**MINIMAL_SCENE, "sources": []})


def test_bad_scenes_name_the_field():
    with pytest.raises(ValueError, match="strictly increase"):
        one_source_scene([{"t": 1, "azimuth": 0}, {"t": 1, "azimuth": 10}])
    with pytest.raises(ValueError, match="exactly one of 'audio'"):
        parse_scene({**MINIMAL_SCENE, "sources": [{**MINIMAL_SCENE["sources"][0], "generator": {"kind": "pink"}}]})
    with pytest.raises(ValueError, match="sample_rate"):
        parse_scene({**MINIMAL_SCENE, "sample_rate": 22050})
    with pytest.raises(ValueError, match="outside the room"):
        one_source_scene(static(0, distance=5), room={"dimensions": [4, 4, 3], "listener": [2, 2, 1.5], "rt60": 0.4})
    with pytest.raises(ValueError, match="unknown_field|Extra inputs"):
        parse_scene({**MINIMAL_SCENE, "unknown_field": 1})


def test_scene_file_errors_are_explained(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_scene(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        load_scene(tmp_path / "bad.json")
    (tmp_path / "worse.json").write_text(json.dumps({**MINIMAL_SCENE, "duration": -1}))
    with pytest.raises(ValueError, match="duration"):
        load_scene(tmp_path / "worse.json")


def test_linear_trajectory_half_turn_passes_in_front():
    traj = Trajectory(Scene.model_validate(MINIMAL_SCENE).sources[0])
    az, _, dist = traj.at(np.array([0.0, 2.5, 5.0, 7.5, 10.0, 12.0]))
    assert az == pytest.approx([90, 45, 0, -45, -90, -90])
    assert dist == pytest.approx([5] * 6)
    back = Trajectory(one_source_scene([{"t": 0, "azimuth": -90}, {"t": 2, "azimuth": 90}]).sources[0])
    assert back.at(np.array([1.0]))[0] == pytest.approx([0.0])


def test_linear_trajectory_takes_the_shorter_arc_across_the_back():
    traj = Trajectory(one_source_scene([{"t": 0, "azimuth": 170}, {"t": 2, "azimuth": -170}]).sources[0])
    az = traj.at(np.array([0.5, 1.0, 1.5]))[0]
    assert az == pytest.approx([175, 180, -175])


def test_smooth_trajectory_hits_keyframes_without_overshoot():
    keys = [{"t": 0, "azimuth": 0, "distance": 1}, {"t": 1, "azimuth": 60, "distance": 4},
            {"t": 2, "azimuth": 60, "distance": 4}, {"t": 3, "azimuth": -30, "distance": 2}]
    traj = Trajectory(one_source_scene(keys, interpolation="smooth").sources[0])
    az, _, dist = traj.at(np.array([0.0, 1.0, 2.0, 3.0]))
    assert az == pytest.approx([0, 60, 60, -30]) and dist == pytest.approx([1, 4, 4, 2])
    az, _, dist = traj.at(np.linspace(0, 3, 301))
    assert az.max() <= 60 + 1e-9 and az.min() >= -30 - 1e-9 and dist.max() <= 4 + 1e-9
    assert np.max(np.abs(np.diff(az))) < 2.0  # smooth: no jumps


def test_distance_is_interpolated_in_the_log_domain():
    traj = Trajectory(one_source_scene([{"t": 0, "distance": 1}, {"t": 2, "distance": 4}]).sources[0])
    assert traj.at(np.array([1.0]))[2] == pytest.approx([2.0])


def test_the_scene_language_stays_free_of_the_audio_stack():
    import subprocess
    import sys

    code = ("import sys, engine.audio.spatial.spec; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy', 'h5py', 'pyroomacoustics')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
