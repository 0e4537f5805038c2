"""Fuzz the engine's published OpenAPI with schemathesis (bounded): no request may cause a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from app.engine_process import LocalEngine


def test_no_request_makes_the_engine_fail(tmp_path: Path):
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is part of the test extra"
    with LocalEngine(tmp_path / "engine", devices="cpu:1") as engine:
        done = subprocess.run(
            [st, "run", f"{engine.url}/openapi.json", "--header", f"Authorization: Bearer {engine.token}",
             "--checks", "not_a_server_error", "--max-examples", "30", "--seed", "1",
             "--generation-deterministic", "--request-timeout", "20", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert engine.process.poll() is None, "the engine died under fuzzing"
    assert done.returncode == 0, output[-6000:]
    assert "passed" in output.lower(), output[-3000:]


