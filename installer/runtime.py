"""Runtime environments: the virtualenv that holds NoiseLoom's heavy dependencies, per device type.

Used by ``installer/bootstrap.sh`` (to pick and install the right torch build) and by the desktop
launcher (to create the runtime venv on first run, as ComfyUI Desktop and Invoke's launcher do).
Standard library only: it runs before anything else is installed.

    python installer/runtime.py device            # prints cuda or cpu
    python installer/runtime.py torch --python P  # installs the matching torch build with P's pip
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

CPU_TORCH = "torch==2.13.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_TORCH = "torch>=2.4"
STAMP = ".noiseloom-runtime"


def detect_device() -> str:
    """``cuda`` when an NVIDIA driver answers with at least one GPU, else ``cpu``."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "cpu"
    done = subprocess.run([smi, "-L"], capture_output=True, text=True, check=False)
    return "cuda" if done.returncode == 0 and "GPU" in done.stdout else "cpu"


def torch_install_commands(device: str) -> list[list[str]]:
    """pip arguments to try in order: the CPU build comes from a local wheel or the CPU index."""
    if device == "cuda":
        return [["install", CUDA_TORCH]]
    return [["install", f"{CPU_TORCH}+cpu"], ["install", CPU_TORCH, "--index-url", CPU_INDEX]]


def _pip(python: Path, args: list[str]) -> bool:
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args]
    return subprocess.run(command, check=False).returncode == 0


def install_torch(python: Path, device: str) -> None:
    """Install the torch build for ``device`` into the environment of ``python``."""
    for args in torch_install_commands(device):
        if _pip(python, args):
            return
    raise RuntimeError(f"could not install torch for {device}; tried: {torch_install_commands(device)}")


def venv_python(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_runtime(venv_dir: Path, requirement: str, device: str, with_torch: bool = True) -> Path:
    """Create (first run) or reuse the runtime venv for ``requirement`` on ``device``.

    The venv is reused as long as its stamp names the same requirement and device; otherwise it is
    brought up to date. Returns the venv's python.
    """
    stamp = venv_dir / STAMP
    wanted = f"{requirement} {device}"
    python = venv_python(venv_dir)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=False).create(venv_dir)
    if with_torch:
        install_torch(python, device)
    if not _pip(python, ["install", requirement]):
        raise RuntimeError(f"could not install {requirement} into {venv_dir}")
    tmp = stamp.with_name(STAMP + ".tmp")
    tmp.write_text(wanted)
    tmp.replace(stamp)
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("device", help="print cuda or cpu")
    torch = sub.add_parser("torch", help="install the torch build for this machine")
    torch.add_argument("--python", type=Path, default=Path(sys.executable))
    args = parser.parse_args(argv)
    if args.command == "device":
        print(detect_device())
    else:
        install_torch(args.python, detect_device())
    return 0


if __name__ == "__main__":
    sys.exit(main())
