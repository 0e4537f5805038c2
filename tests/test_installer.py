"""The installer: torch build choice, the runtime venv the launcher creates once, the desktop recipe."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "installer"))

import runtime  # noqa: E402  (installer/runtime.py is a stdlib-only script, not a package)


def test_the_cpu_build_of_torch_is_chosen_without_a_gpu():
    if shutil.which("nvidia-smi") is None:
        assert runtime.detect_device() == "cpu"
    first = runtime.torch_install_commands("cpu")[0]
    assert first == ["install", "torch==2.13.0+cpu"]
    assert runtime.torch_install_commands("cpu")[1][-2:] == ["--index-url", runtime.CPU_INDEX]
    assert runtime.torch_install_commands("cuda") == [["install", runtime.CUDA_TORCH]]


def _tiny_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "tinypkg"
    (source / "tinypkg").mkdir(parents=True)
    (source / "tinypkg" / "__init__.py").write_text("VALUE = 42\n")
    (source / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tinypkg"
        version = "1.0"
    """))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "wheels"), str(source)], check=True)
    return next((tmp_path / "wheels").glob("tinypkg-*.whl"))


def test_the_runtime_venv_is_created_once_then_reused(tmp_path):
    wheel = _tiny_wheel(tmp_path)
    venv_dir = tmp_path / "runtime" / "cpu"
    requirement = f"tinypkg @ {wheel.as_uri()}"
    python = runtime.ensure_runtime(venv_dir, requirement, "cpu", with_torch=False)
    check = subprocess.run([str(python), "-c", "import tinypkg; print(tinypkg.VALUE)"],
                           capture_output=True, text=True, check=True)
    assert check.stdout.strip() == "42"
    stamp = venv_dir / runtime.STAMP
    first_mtime = stamp.stat().st_mtime_ns
    started = time.monotonic()
    assert runtime.ensure_runtime(venv_dir, requirement, "cpu", with_torch=False) == python
    assert time.monotonic() - started < 0.5, "a second run must not reinstall"
    assert stamp.stat().st_mtime_ns == first_mtime


@pytest.mark.slow
def test_the_desktop_recipe_builds_a_launcher_that_finds_its_runtime(tmp_path):
    out = tmp_path / "bundle"
    done = subprocess.run(["bash", str(ROOT / "installer/desktop/build.sh"), str(out)],
                          capture_output=True, text=True, timeout=600,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
                               "PYTHON": sys.executable})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    launcher = out / "noiseloom-launcher"
    assert launcher.stat().st_mode & 0o111
    [wheel] = list(out.glob("noiseloom-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/server/app.py" in names and "app/cli.py" in names
    assert (out / "resources").is_dir(), "the bundle carries the resources beside the launcher"
    printed = subprocess.run([str(launcher), "--print-runtime"], capture_output=True, text=True, timeout=60,
                             env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
                                  "PATH": "/usr/bin:/bin"})
    assert printed.returncode == 0, printed.stderr
    assert f"runtime={tmp_path / 'data' / 'noiseloom' / 'runtime'}" in printed.stdout
    assert f"wheel={wheel.name}" in printed.stdout
    assert f"resources={out / 'resources'}" in printed.stdout
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(out / "noiseloom.desktop")
    assert entry["Desktop Entry"]["Exec"].startswith("noiseloom-launcher")
    assert entry["Desktop Entry"]["Type"] == "Application"
