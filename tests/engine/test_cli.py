"""The command line against real engines: a private one per command, or a running one with --engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _noiseloom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_probe_with_a_private_engine_prints_json(tone_wav):
    done = _noiseloom("probe", str(tone_wav), "--json", "--devices", "cpu:1")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["streams"][0]["sample_rate"] == 48000
    assert result["loudness"]["duration_s"] == 2.0


def test_probe_with_a_running_engine_and_its_data_dir(engine, tone_wav):
    done = _noiseloom("probe", str(tone_wav), "--json", "--engine", engine.url,
                      "--engine-data-dir", str(engine.data_dir))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "wav"
    listed = _noiseloom("jobs", "--json", "--engine", engine.url, "--token", engine.token)
    assert any(j["kind"] == "media.probe" for j in json.loads(listed.stdout))


def test_a_failing_job_exits_nonzero_with_the_reason(engine, tmp_path):
    done = _noiseloom("probe", str(tmp_path / "missing.wav"), "--engine", engine.url, "--token", engine.token)
    assert done.returncode == 1
    assert "params.path" in done.stderr and "missing.wav" in done.stderr


def test_engine_refuses_a_non_loopback_host_without_allow_remote(tmp_path):
    done = subprocess.run([sys.executable, "-m", "engine.server.main", "serve", "--host", "0.0.0.0",
                           "--data-dir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "--allow-remote" in done.stderr
    assert not (tmp_path / "token").exists()


def test_doctor_reports_engine_devices_audio_and_qt():
    done = _noiseloom("doctor", "--json", "--devices", "cpu:2")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["engine"]["status"] == "ok"
    assert [d["id"] for d in report["devices"]] == ["cpu:0", "cpu:1"]
    assert report["audio_output"] and report["qt"]
    assert report["versions"]["torch"] != "not installed"
