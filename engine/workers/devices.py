"""Device discovery: CUDA GPUs through torch (probed in a child process) or CPU worker slots.

The server process never imports torch: ``auto`` asks a short-lived child interpreter for the CUDA
devices, and only when the machine shows signs of an NVIDIA driver at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

_PROBE = (
    "import json, torch\n"
    "out = []\n"
    "if torch.cuda.is_available():\n"
    "    for i in range(torch.cuda.device_count()):\n"
    "        free, total = torch.cuda.mem_get_info(i)\n"
    "        out.append({'index': i, 'name': torch.cuda.get_device_name(i), 'total': total, 'free': free})\n"
    "print(json.dumps(out))\n"
)


@dataclass
class Device:
    """One schedulable device slot."""

    id: str
    kind: str
    name: str
    threads: int
    total_memory_bytes: int | None = None
    free_memory_bytes: int | None = None
    job_id: str | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


class DeviceSpecError(ValueError):
    """A ``--devices`` value that cannot be understood."""


def _total_ram() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def cpu_slots(count: int) -> list[Device]:
    """``count`` CPU worker slots sharing the machine's cores evenly (at least one thread each)."""
    if count < 1:
        raise DeviceSpecError("--devices cpu:N needs N >= 1")
    cores = os.cpu_count() or 1
    threads = max(1, cores // count)
    ram = _total_ram()
    return [Device(f"cpu:{i}", "cpu", f"CPU worker slot {i} ({threads} thread{'s' * (threads > 1)})",
                   threads, ram) for i in range(count)]


def probe_cuda(timeout_s: float = 60.0) -> list[dict]:
    """CUDA devices seen by torch in a child interpreter ([] when there is no driver or no torch)."""
    if not (shutil.which("nvidia-smi") or Path("/dev/nvidia0").exists()):
        return []
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                              timeout=timeout_s, check=False)
        return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else []
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError):
        return []


def discover(spec: str = "auto") -> list[Device]:
    """Devices for ``--devices``: ``auto``, ``cpu``, ``cpu:N`` or ``cuda:0,1``."""
    spec = spec.strip().lower()
    if spec == "auto":
        gpus = probe_cuda()
        if gpus:
            return [_gpu_device(g) for g in gpus]
        return cpu_slots(1)
    if spec == "cpu":
        return cpu_slots(1)
    if spec.startswith("cpu:"):
        try:
            return cpu_slots(int(spec[4:]))
        except ValueError:
            raise DeviceSpecError(f"--devices {spec!r}: expected cpu:N with N a whole number") from None
    if spec.startswith("cuda:"):
        try:
            wanted = [int(i) for i in spec[5:].split(",") if i]
        except ValueError:
            raise DeviceSpecError(f"--devices {spec!r}: expected cuda:0,1,... (GPU indices)") from None
        found = {g["index"]: g for g in probe_cuda()}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise DeviceSpecError(f"--devices {spec!r}: no CUDA GPU with index {missing}; "
                                  f"found {sorted(found) or 'none'}")
        return [_gpu_device(found[i]) for i in wanted]
    raise DeviceSpecError(f"--devices {spec!r}: use auto, cpu, cpu:N or cuda:0,1")


def _gpu_device(gpu: dict) -> Device:
    return Device(f"cuda:{gpu['index']}", "cuda", gpu["name"], 1, gpu["total"], gpu["free"])


def worker_memory(pid: int | None) -> int | None:
    """Resident memory of a worker process (with its children), or None when there is none."""
    if pid is None:
        return None
    import psutil

    try:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
    except psutil.Error:
        return None
