"""The NoiseLoom desktop launcher: the small frozen program that the desktop bundle starts.

The bundle carries only this launcher and NoiseLoom's wheel. On first run per device type it creates
the runtime virtualenv (``$XDG_DATA_HOME/noiseloom/runtime/<cpu|cuda>``) with the matching torch build
and the wheel with its GUI extra, using the system's Python >= 3.11; later runs start at once. Then it
hands over to ``noiseloom`` with the same arguments.

    noiseloom-launcher [--print-runtime] [noiseloom arguments...]
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from runtime import detect_device, ensure_runtime  # bundled beside this file (installer/runtime.py)


def bundle_dir() -> Path:
    """Where the bundle's data lies: PyInstaller's unpack folder when frozen, else this file's folder."""
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))


def find_wheel(folder: Path) -> Path:
    wheels = sorted(folder.glob("noiseloom-*.whl"))
    if not wheels:
        raise SystemExit(f"noiseloom-launcher: no NoiseLoom wheel in the bundle ({folder}); rebuild the bundle")
    return wheels[-1]


def data_root() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "noiseloom"


def runtime_root() -> Path:
    return data_root() / "runtime"


def find_resources() -> Path:
    """The bundle's resources: beside the launcher executable, else the installed copy."""
    for folder in (Path(sys.argv[0]).resolve().parent / "resources", data_root() / "resources"):
        if folder.is_dir():
            return folder
    raise SystemExit("noiseloom-launcher: the bundle's resources folder is missing; rebuild or reinstall")


def system_python() -> str:
    for name in ("python3.13", "python3.12", "python3.11", "python3"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("noiseloom-launcher: NoiseLoom needs Python >= 3.11 on this machine (python3.11 or newer)")


def main(argv: list[str]) -> int:
    device = detect_device()
    venv_dir = runtime_root() / device
    wheel = find_wheel(bundle_dir())
    if argv[:1] == ["--print-runtime"]:
        print(f"device={device}\nruntime={venv_dir}\nwheel={wheel.name}\nresources={find_resources()}")
        return 0
    if getattr(sys, "frozen", False):
        # the venv module needs a real interpreter: re-run this launcher's logic with the system Python
        if "NOISELOOM_RESOURCES" not in os.environ:
            os.environ["NOISELOOM_RESOURCES"] = str(find_resources())
        os.execv(system_python(), [system_python(), str(bundle_dir() / "launcher.py"), *argv])
    print(f"NoiseLoom: preparing the {device} runtime in {venv_dir} (first run only)...", file=sys.stderr)
    python = ensure_runtime(venv_dir, f"noiseloom[gui] @ {wheel.as_uri()}", device)
    if "NOISELOOM_RESOURCES" not in os.environ:
        os.environ["NOISELOOM_RESOURCES"] = str(find_resources())
    os.execv(str(python), [str(python), "-m", "app.cli", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
