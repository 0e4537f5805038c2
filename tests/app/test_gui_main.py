"""``python -m app.gui`` starts the studio and keeps running (a crash at start-up fails this)."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_studio_starts_and_stays_up(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "app.gui", "--engine", "http://127.0.0.1:9", "--token", "t"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        time.sleep(6)
        alive = process.poll() is None
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert alive, f"the studio exited at start-up:\n{output}"
    assert "Traceback" not in output, output


def test_bad_command_line_is_refused():
    result = subprocess.run([sys.executable, "-m", "app.gui", "--engine", "http://127.0.0.1:9"], check=False,
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "--engine needs --token" in result.stderr
