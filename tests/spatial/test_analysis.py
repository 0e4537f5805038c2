"""Localisation of renders (FOA intensity, binaural GCC-PHAT, mic-array MUSIC/SRP), DCASE CSV, verify."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio.analysis.dcase_format import read_csv, rows_to_events, scene_rows, write_csv
from engine.audio.analysis.doa import binaural_lateral_doa, foa_intensity_doa, mic_array_doa
from engine.audio.analysis.seld_metrics import angular_distance
from engine.audio.analysis.verify import verify_scene
from engine.audio.spatial.render import RenderOptions, render_array
from engine.audio.spatial.scene_io import load_scene
from engine.audio.spatial.sofa import load_hrtf
from tests.spatial.helpers import one_source_scene, static

DIRECTIONS = [(0.0, 0.0), (90.0, 0.0), (-45.0, 20.0), (150.0, -30.0), (-120.0, 50.0)]


@pytest.mark.parametrize(("az", "el"), DIRECTIONS)
def test_foa_intensity_finds_static_sources(az, el):
    foa = render_array(one_source_scene(static(az, el, 2.0), duration=0.3), None, RenderOptions(fmt="foa"))
    est_az, est_el = foa_intensity_doa(foa, 48000)
    assert np.all(angular_distance(est_az, est_el, az, el) < 2.0)


@pytest.mark.parametrize("method", ["MUSIC", "SRP"])
def test_mic_array_doa_with_pyroomacoustics(method):
    mic = render_array(one_source_scene(static(-60.0, 25.0, 2.0), duration=0.2), None, RenderOptions(fmt="mic"))
    az, el = mic_array_doa(mic, 48000, method=method, grid_deg=4.0)
    assert np.all(angular_distance(az, el, -60.0, 25.0) < 5.0)


def test_binaural_lateral_angle_follows_the_source_side():
    hrtf = load_hrtf(None, 48000)
    for az, expected in ((60.0, 60.0), (-30.0, -30.0), (150.0, 30.0)):  # behind: same lateral angle as its mirror
        out = render_array(one_source_scene(static(az), duration=0.3), None, RenderOptions())
        lateral, _ = binaural_lateral_doa(out, 48000, hrtf)
        assert np.all(np.abs(lateral - expected) < 4.0)


def test_dcase_rows_of_the_minimal_scene(minimal_scene_file, tmp_path):
    scene, base_dir = load_scene(minimal_scene_file)
    rows = scene_rows(scene, base_dir)
    assert len(rows) == 100
    assert rows[0] == (0, 0, 0, 89, 0, 500) and rows[50][3] == -1 and rows[-1] == (99, 0, 0, -89, 0, 500)
    write_csv(rows, tmp_path / "meta.csv")
    assert (tmp_path / "meta.csv").read_text().splitlines()[0] == "0,0,0,89,0,500"
    assert read_csv(tmp_path / "meta.csv") == rows
    assert rows_to_events(rows)[3] == [(0, 0, 84.0, 0.0)]


def test_tracks_count_sources_of_the_same_class_and_activity_follows_the_audio(tmp_path):
    import soundfile as sf
    sf.write(tmp_path / "a.wav", np.ones(4800, dtype=np.float32) * 0.1, 48000)  # 0.1 s
    scene = one_source_scene(static(0.0), duration=1.0, class_index=3)
    second = scene.sources[0].model_validate({"name": "b", "audio": "a.wav", "class_index": 3, "start": 0.5,
                                              "trajectory": static(45.0)})
    scene = scene.model_copy(update={"sources": [scene.sources[0], second]})
    rows = scene_rows(scene, tmp_path)
    assert {(r[1], r[2]) for r in rows} == {(3, 0), (3, 1)}
    assert [r[0] for r in rows if r[2] == 1] == [5]


def test_verify_scores_a_moving_foa_render(minimal_scene_file):
    scene, base_dir = load_scene(minimal_scene_file)
    scene = scene.model_copy(update={"duration": 2.0})
    result = verify_scene(scene, base_dir, RenderOptions(fmt="foa"))
    assert result["seld"]["f_score"] == pytest.approx(1.0)
    assert result["seld"]["error_rate"] == pytest.approx(0.0)
    assert result["doa_error_mean_deg"] < 3.0


def test_verify_binaural_finds_no_side_swaps(minimal_scene_file):
    scene, base_dir = load_scene(minimal_scene_file)
    result = verify_scene(scene, base_dir, RenderOptions(fmt="binaural"))
    assert result["left_right_swapped_frames"] == 0 and result["scored_frames"] >= 90
    assert result["lateral_error_mean_deg"] < 3.0


def test_verify_can_localise_the_mixture(tmp_path):
    scene = one_source_scene([{"t": 0, "azimuth": 60}, {"t": 2, "azimuth": 120}], duration=2.0,
                             generator={"kind": "pink", "seed": 1})
    second = scene.sources[0].model_validate({"name": "t", "generator": {"kind": "white", "seed": 2},
                                              "trajectory": [{"t": 0, "azimuth": -90, "elevation": 30}]})
    scene = scene.model_copy(update={"sources": [scene.sources[0], second]})
    result = verify_scene(scene, None, RenderOptions(fmt="foa"), mode="mixture")
    assert result["mode"] == "mixture" and result["seld"]["f_score"] == pytest.approx(1.0)
    assert result["doa_error_mean_deg"] < 15.0
    with pytest.raises(ValueError, match="needs the foa format"):
        verify_scene(scene, None, RenderOptions(fmt="mic"), mode="mixture")
