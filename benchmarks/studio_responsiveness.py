"""How responsive the studio's UI thread stays while the engine generates a video.

Starts the main window offscreen with a private local engine, generates a video with the given model
(a tiny random-weights diffusers folder is made in a child process when none is given), and runs a
5 ms heartbeat timer on the UI thread the whole time. Prints the distribution of the gaps between
beats (the event loop's stalls) and what arrived meanwhile.

    PYTHONPATH=. python benchmarks/studio_responsiveness.py [--model DIR] [--seconds 4] [--steps 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def tiny_model(folder: Path) -> Path:
    code = ("from pathlib import Path; from tests.video.conftest import make_model_folder; "
            f"make_model_folder(Path({str(folder)!r}))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
    return folder


def run(model: str | None, seconds: float, steps: int, size: int, devices: str) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.loop_monitor import LoopMonitor
    from app.main_window import MainWindow
    from app.screenshots import wait_for
    from app.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = model or str(tiny_model(root / "model"))
        win = MainWindow(settings=QSettings(str(root / "s.ini"), QSettings.Format.IniFormat),
                         autosave_dir=root / "auto", cache_dir=root / "cache")
        win.confirm_close = False
        win.resize(1600, 960)
        win.show()
        win.client.start_local(root / "engine", devices)
        wait_for(lambda: win.client.state == "connected", 120, "the engine")
        s = win.project.settings
        s.model, s.mode, s.width, s.height, s.duration, s.fps, s.steps = model, "full", size, size, seconds, 8, steps
        win.timeline.add_clip(0.0, "a red ball bouncing on green grass")
        counts = {"events": 0, "previews": 0}
        win.client.event.connect(lambda _e: counts.__setitem__("events", counts["events"] + 1))
        win.client.preview.connect(lambda _m, _i: counts.__setitem__("previews", counts["previews"] + 1))
        started = time.perf_counter()
        cpu_started = time.thread_time()
        with LoopMonitor() as loop:
            win.generate()
            gen = win.generation
            wait_for(lambda: gen.status in ("completed", "failed", "canceled"), 900, "the generation")
            wait_for(lambda: gen.status != "completed" or (len(gen.frames) >= gen.total_frames
                                                        and not win.loader.busy), 120, "the frames")
        wall = time.perf_counter() - started
        ui_cpu = time.thread_time() - cpu_started
        status = gen.status
        win.close()
    gaps_ms = sorted(g * 1000 for g in loop.gaps[1:])
    return {"status": status, "wall_s": round(wall, 2), "ui_thread_cpu_s": round(ui_cpu, 2),
            "load_average_1min": round(os.getloadavg()[0], 2), "cpu_cores": os.cpu_count(),
            "beats": len(gaps_ms), "events": counts["events"],
            "previews": counts["previews"], "gap_median_ms": round(statistics.median(gaps_ms), 2),
            "gap_p99_ms": round(gaps_ms[int(0.99 * (len(gaps_ms) - 1))], 2), "gap_max_ms": round(gaps_ms[-1], 2),
            "gaps_over_16ms": sum(g > 16 for g in gaps_ms), "gaps_over_50ms": sum(g > 50 for g in gaps_ms),
            "busy_max_ms": round(loop.worst_busy_s * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a diffusers model folder or builtin:shapes (default: a tiny random one)")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--devices", default="cpu:1")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.model, args.seconds, args.steps, args.size, args.devices)
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        print(f"{'measure':<{width}}  value")
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0 if result["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
