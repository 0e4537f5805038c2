"""Spatial renderers as an extension point: a plugin's output format rendered by a real engine job,
unknown formats refused (by the job language and by the CLI) with the known ones listed, and a
plugin whose format fails to import failing only its job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.engine_api import EngineAPI, EngineError
from app.engine_process import LocalEngine
from engine.audio.spatial.spec import SPATIAL_RENDERERS
from tests.plugin_folders import enable, use_plugin_folder, write_plugin

ROOT = Path(__file__).resolve().parents[2]
CORE = "binaural, foa, stereo, mic, foa_binaural"

MID_SIDE = """
import numpy as np

from engine.audio.spatial.encoders import Encoder
from engine.audio.spatial.formats import SpatialFormat


class MidSide(Encoder):
    channels = 2

    def spectra(self, azimuth, elevation, nfft):
        az, el = np.radians(np.atleast_1d(azimuth)), np.radians(np.atleast_1d(elevation))
        gains = np.stack([np.ones_like(az), np.sin(az) * np.cos(el)], axis=-1)
        return gains[..., None].astype(np.complex64)


make_mid_side = SpatialFormat(lambda sample_rate, hrtf, options: MidSide())
"""


def _scene(azimuth: float) -> dict:
    return {"duration": 0.5, "sources": [{"name": "hum", "generator": {"kind": "pink", "seed": 3},
                                          "trajectory": [{"t": 0, "azimuth": azimuth, "distance": 1}]}]}


def test_a_plugin_output_format_renders_through_the_engine(tmp_path, monkeypatch):
    folder = use_plugin_folder(monkeypatch, tmp_path)
    write_plugin(folder, "mid_side_fmt", "spatial_renderers", {"mid-side": "make_mid_side"}, MID_SIDE)
    write_plugin(folder, "broken_fmt", "spatial_renderers", {"ambi7": "make_ambi7"}, "raise ImportError('no such sdk')\n")

    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        api = EngineAPI(engine.url, engine.token)
        with pytest.raises(EngineError) as refused:
            api.submit("spatial.render", {"scene": _scene(90), "format": "mid-side"})
        assert refused.value.status == 422
        assert refused.value.detail[0]["loc"] == ["body", "params", "format"]
        assert f"no output format 'mid-side'; available: {CORE}" in refused.value.detail[0]["msg"]
        enable("mid_side_fmt", "broken_fmt")

        broken = api.run("spatial.render", {"scene": _scene(90), "format": "ambi7"})
        assert broken["status"] == "failed"
        assert "broken_fmt" in broken["error"] and "ImportError: no such sdk" in broken["error"]
        with pytest.raises(EngineError, match="verify localises the core formats only"):
            api.submit("spatial.render", {"scene": _scene(90), "format": "mid-side", "verify": True})

        sides = {}
        for azimuth in (90, -90, 0):
            job = api.run("spatial.render", {"scene": _scene(azimuth), "format": "mid-side", "output": "ms.wav"})
            assert job["status"] == "completed", job.get("error")
            assert job["result"]["render"]["format"] == "mid-side" and job["result"]["render"]["channels"] == 2
            data, _ = sf.read(api.download(job["id"], "ms.wav", tmp_path / f"ms{azimuth}.wav"), always_2d=True)
            mid, side = data[:, 0], data[:, 1]
            sides[azimuth] = float(np.dot(side, mid) / np.dot(mid, mid))
        api.close()
    assert sides[90] == pytest.approx(1.0, abs=0.02) and sides[-90] == pytest.approx(-1.0, abs=0.02)
    assert abs(sides[0]) < 0.02, "a source in front has no side signal"


def test_the_cli_lists_contributions_and_refuses_unknown_formats_before_starting_an_engine(tmp_path, monkeypatch):
    folder = use_plugin_folder(monkeypatch, tmp_path)
    write_plugin(folder, "mid_side_cli", "spatial_renderers", {"mid-side": "make_mid_side"}, MID_SIDE)
    enable("mid_side_cli")
    assert SPATIAL_RENDERERS.names()[-1] == "mid-side"
    cli = [sys.executable, "-m", "app.cli"]
    env_run = {"capture_output": True, "text": True, "cwd": ROOT}
    listed = json.loads(subprocess.run([*cli, "plugins", "list", "--json"], check=True, **env_run).stdout)
    [plugin] = [p for p in listed["plugins"] if p["name"] == "mid_side_cli"]
    assert plugin["contributes"] == {"spatial_renderers": ["mid-side"]}
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(_scene(0)))
    done = subprocess.run([*cli, "spatial", "render", str(scene), "--format", "ambi7", "--out", str(tmp_path / "x.wav")],
                          **env_run)
    assert done.returncode == 2
    assert f"--format: no output format 'ambi7'; available: {CORE}, mid-side" in done.stderr
