"""Time of one clip through the ``video.generate`` runner with the builtin model's architecture.

Uses the shipped ``builtin:shapes`` weights when their transformer is there, else the same architecture
randomly initialised (the cost does not depend on the weights). Prints the runner's stats per setting.

    PYTHONPATH=. python benchmarks/video_generate_speed.py [--frames 17] [--steps 25] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
from pathlib import Path

import torch

from engine.jobs.context import LocalContext
from engine.video import models, shapes_model
from engine.video.generate import run
from engine.video.spec import VideoGenerateParams
from engine.video.training.autoencoders import frame_autoencoder


def _untrained_folder(folder: Path) -> Path:
    torch.manual_seed(0)
    vae = frame_autoencoder()
    vae.save_pretrained(folder / "vae")
    shapes_model.transformer().save_pretrained(folder / "transformer")
    shapes_model.scheduler().save_pretrained(folder / "scheduler")
    shapes_model.write_model_index(folder, "AutoencoderKL")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=4.5)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        shipped = (models.BUILTIN_MODELS["builtin:shapes"] / "transformer").is_dir()
        model = "builtin:shapes" if shipped else str(_untrained_folder(Path(tmp) / "model"))
        rows = []
        for i in range(args.repeat):
            params = VideoGenerateParams(prompt="a red ball moving to the left on green grass", frames=args.frames,
                                         steps=args.steps, guidance=args.guidance, seed=i, model=model)
            before = resource.getrusage(resource.RUSAGE_SELF)
            stats = run(params, LocalContext(Path(tmp) / f"out{i}"))
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            rows.append({**{k: stats[k] for k in ("frames", "steps", "seconds_total", "seconds_sampling",
                                                  "seconds_to_first_frames", "peak_memory_bytes")},
                         "cpu_seconds": round(cpu, 2)})
    report = {"weights": "shipped" if shipped else "untrained (same architecture)", "threads": args.threads,
              "load_average_1min": round(os.getloadavg()[0], 2), "runs": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"weights: {report['weights']}, {args.threads} threads, load average {report['load_average_1min']}")
    print("(cpu s: CPU time of this process; on an idle machine the wall time is about cpu s / threads)")
    print(f"{'frames':>7}{'steps':>7}{'total s':>9}{'sampling s':>12}{'first frames s':>16}{'cpu s':>8}{'peak MB':>9}")
    for r in rows:
        print(f"{r['frames']:>7}{r['steps']:>7}{r['seconds_total']:>9}{r['seconds_sampling']:>12}"
              f"{r['seconds_to_first_frames']:>16}{r['cpu_seconds']:>8}{r['peak_memory_bytes'] / 2**20:>9.0f}")


if __name__ == "__main__":
    main()
