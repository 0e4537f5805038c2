"""``noiseloom soundscape`` and ``noiseloom spatial`` through a running engine: files come back right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
TRAFFIC = ROOT / "resources" / "examples" / "traffic_street.flac"


def _noiseloom(engine, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args, "--engine", engine.url, "--token", engine.token],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_soundscape_search_prints_the_ranking_and_render_writes_the_mix(engine, tmp_path):
    done = _noiseloom(engine, "soundscape", "search", "--soundscape", str(TRAFFIC), "--snr", "-6:6:3",
                      "--top", "5", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["combinations"] >= 12 * 5 and len(result["ranking"]) == 5
    isopl = [row["isopl"] for row in result["ranking"]]
    assert isopl == sorted(isopl, reverse=True)
    best = result["ranking"][0]
    out = tmp_path / "augmented.wav"
    rendered = _noiseloom(engine, "soundscape", "render", "--soundscape", str(TRAFFIC), "--masker",
                          best["masker"], "--snr-db", str(best["snr_db"]), "--out", str(out))
    assert rendered.returncode == 0, rendered.stderr
    info = sf.info(out)
    assert info.samplerate in (44100, 48000) and info.duration > 5


def test_spatial_render_writes_foa_and_annotations_and_verifies(engine, tmp_path):
    sf.write(tmp_path / "car.wav", 0.3 * np.random.default_rng(0).standard_normal(48000 * 3), 48000)
    scene = {"version": 1, "sample_rate": 48000, "duration": 3, "room": None,
             "sources": [{"name": "car", "audio": "car.wav", "gain_db": 0,
                          "trajectory": [{"t": 0, "azimuth": 90, "elevation": 0, "distance": 5},
                                         {"t": 3, "azimuth": -90, "elevation": 0, "distance": 5}]}]}
    (tmp_path / "scene.json").write_text(json.dumps(scene))
    out, csv = tmp_path / "scene_foa.wav", tmp_path / "scene.csv"
    done = _noiseloom(engine, "spatial", "render", str(tmp_path / "scene.json"), "--format", "foa",
                      "--out", str(out), "--annotations", str(csv), "--verify", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert sf.info(out).channels == 4 and sf.info(out).samplerate == 48000
    assert len(csv.read_text().strip().splitlines()) == result["annotation_rows"]
    assert result["verify"]["seld"]["f_score"] > 0.9
