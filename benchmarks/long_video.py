"""Long-video benchmark: DualParal cost, memory, pipeline speed-up, feature cache, streaming.

Runs every configuration in a fresh process (so peak memory is that run's own) and prints a table
(or ``--json``). Rows:

- cost: time per frame and peak memory (all workers) at the base length and at 4x, DualParal vs the
  plain full-sequence pass (``full``) and overlapping-window co-denoising (``window``); memory is the
  processes' peak resident size (which carries some +-10% noise from heap fragmentation) and the
  peak of the sampler's own tensors kept between forwards ("state");
- parallel: 2 CPU worker processes (1 thread each) vs 1 worker (1 thread) on the same long video,
  the largest latent difference between them, and the pipeline bubble fraction; besides the wall
  clock it prints the CPU-bound speed-up (1-worker CPU time over the busiest worker's), which other
  load on the machine does not distort (the load average is printed);
- feature cache: sampling time with the cache vs recomputing the newer block's context, and the
  difference between the two videos (PSNR of the frames, mean absolute latent difference);
- streaming: time to the first frames as a fraction of the total for a 60-second (961-frame) video.

The model is the tiny randomly initialised Wan from ``engine.video.dualparal.parts`` (``--layers``
transformer blocks); quality figures (prompt adherence, seams) need the trained builtin model and are
not computed here. Usage: ``PYTHONPATH=. python benchmarks/long_video.py [--quick] [--json]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _one(config: dict) -> dict:
    """Run one configuration in this process; save its latents and frames; return its stats."""
    import torch

    from engine.video.dualparal.api import generate_long_video
    from engine.video.dualparal.parts import tiny_random_parts
    from engine.video.dualparal.request import LongVideoRequest
    from engine.video.prompts import PromptTimeline, TimedPrompt

    torch.set_num_threads(config["threads"])
    seconds = config["seconds"]
    timeline = PromptTimeline("on a grey background", tuple(
        TimedPrompt(start, min(start + 4.0, seconds), text, transition=1.0)
        for start, text in zip(np.arange(0.0, seconds, 4.0), ["a red circle moving right", "a blue square moving left"] * 64)))
    request = LongVideoRequest(
        prompts=timeline, num_frames=int(seconds * 16) + 1, height=config["size"], width=config["size"],
        steps=config["steps"], guidance=4.5, seed=1, block_frames=config["block_frames"],
        context_frames=config["context_frames"], feature_cache=config.get("feature_cache", True), mode=config["mode"])
    factory = functools.partial(tiny_random_parts, 0, layers=config["layers"])
    blocks = []
    stats = generate_long_video(factory, request, workers=config["workers"], threads_per_worker=config["threads"],
                                on_block=blocks.append)
    out = Path(config["out"])
    torch.save(torch.cat([b.latents for b in blocks], dim=2), out.with_suffix(".pt"))
    np.save(out.with_suffix(".npy"), np.concatenate([b.frames for b in blocks]))
    stats.pop("worker_reports")
    return stats


def run(config: dict, tmp: Path, name: str) -> dict:
    config = dict(config, out=str(tmp / name))
    proc = subprocess.run([sys.executable, __file__, "--one", json.dumps(config)], capture_output=True, text=True,
                          check=False,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(config["threads"]),
                                         "PATH": "/usr/bin:/bin"})
    if proc.returncode:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _cpu_per_frame(row: dict) -> float:
    return row["max_worker_cpu_s"] / row["frames"]


def _print_parallel(rows: dict, same: float, load_before: tuple, as_json: bool) -> None:
    one, two = rows["parallel/1 worker"], rows["parallel/2 workers"]
    summary = {"parallel_speedup_2_workers": one["sampling_s"] / two["sampling_s"],
               "parallel_cpu_bound_speedup": one["max_worker_cpu_s"] / two["max_worker_cpu_s"],
               "parallel_max_latent_difference": same, "parallel_bubble_fraction": two["bubble_fraction"],
               "layer_split": two["layer_split"]}
    if as_json:
        print(json.dumps({"rows": rows, "summary": summary, "load_average": [load_before, os.getloadavg()]}))
        return
    print(f"load average before/after: {load_before} / {os.getloadavg()}")
    for name, row in rows.items():
        print(f"{name:20} sampling {row['sampling_s']:8.2f} s   busiest worker CPU {row['max_worker_cpu_s']:8.2f} s")
    for key, value in summary.items():
        print(f"{key:36} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description="DualParal long-video benchmark")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true", help="shorter videos and fewer steps (a smoke run)")
    parser.add_argument("--layers", type=int, default=8, help="transformer blocks of the tiny random model")
    parser.add_argument("--steps", type=int, default=10, help="denoising steps (the queue holds steps + 1 blocks)")
    parser.add_argument("--parallel-only", action="store_true",
                        help="only the 1-worker vs 2-worker rows, back to back (for a quiet moment)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(json.loads(args.one))))
        return
    import torch

    steps = 4 if args.quick else args.steps
    # the base length holds twice a full queue (steps + 1 blocks of 3 latent frames): memory and the
    # allocator have settled there; `full` is quadratic in length, so it runs at a quarter of that
    base_s = round(2 * (steps + 1) * 3 * 4 / 16)
    long_s, minute_s = 4 * base_s, (15.0 if args.quick else 60.0)
    lengths = {"dualparal": base_s, "window": base_s, "full": base_s / 4}
    common = {"size": 64, "steps": steps, "block_frames": 3, "context_frames": 1, "layers": args.layers,
              "threads": 1, "workers": 1, "mode": "dualparal"}
    rows: dict[str, dict] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.parallel_only:
            rows["parallel/1 worker"] = run(dict(common, seconds=long_s), tmp, "dualparal_4x")
            rows["parallel/2 workers"] = run(dict(common, seconds=long_s, workers=2), tmp, "par2")
            same = torch.load(tmp / "par2.pt").sub(torch.load(tmp / "dualparal_4x.pt")).abs().max().item()
            _print_parallel(rows, same, load_before, args.json)
            return
        for mode in ("dualparal", "full", "window"):
            for tag, seconds in (("base", lengths[mode]), ("4x", 4 * lengths[mode])):
                rows[f"cost/{mode}/{tag}"] = run(dict(common, mode=mode, seconds=seconds), tmp, f"{mode}_{tag}")
        rows["parallel/1 worker"] = rows["cost/dualparal/4x"]
        rows["parallel/2 workers"] = run(dict(common, seconds=long_s, workers=2), tmp, "par2")
        same = torch.load(tmp / "par2.pt").sub(torch.load(tmp / "dualparal_4x.pt")).abs().max().item()
        rows["cache/recompute"] = run(dict(common, seconds=long_s, feature_cache=False), tmp, "recompute")
        cache_psnr = _psnr(np.load(tmp / "recompute.npy"), np.load(tmp / "dualparal_4x.npy"))
        cache_latent = torch.load(tmp / "recompute.pt").sub(torch.load(tmp / "dualparal_4x.pt")).abs().mean().item()
        rows["streaming/60s"] = run(dict(common, seconds=minute_s), tmp, "minute")

    def ratio(a: str, b: str, key: str) -> float:
        return rows[a][key] / rows[b][key]

    summary = {
        "dualparal_time_per_frame_4x_over_base": ratio("cost/dualparal/4x", "cost/dualparal/base", "time_per_frame_s"),
        "dualparal_cpu_per_frame_4x_over_base": _cpu_per_frame(rows["cost/dualparal/4x"])
        / _cpu_per_frame(rows["cost/dualparal/base"]),
        "dualparal_memory_4x_over_base": ratio("cost/dualparal/4x", "cost/dualparal/base", "peak_rss_mb_total"),
        "dualparal_state_memory_4x_over_base": ratio("cost/dualparal/4x", "cost/dualparal/base",
                                                     "peak_state_mb_total"),
        "full_time_per_frame_4x_over_base": ratio("cost/full/4x", "cost/full/base", "time_per_frame_s"),
        "full_memory_4x_over_base": ratio("cost/full/4x", "cost/full/base", "peak_rss_mb_total"),
        "full_state_memory_4x_over_base": ratio("cost/full/4x", "cost/full/base", "peak_state_mb_total"),
        "window_time_per_frame_4x_over_base": ratio("cost/window/4x", "cost/window/base", "time_per_frame_s"),
        "parallel_speedup_2_workers": ratio("parallel/1 worker", "parallel/2 workers", "sampling_s"),
        "parallel_cpu_bound_speedup": ratio("parallel/1 worker", "parallel/2 workers", "max_worker_cpu_s"),
        "parallel_max_latent_difference": same,
        "parallel_bubble_fraction": rows["parallel/2 workers"]["bubble_fraction"],
        "feature_cache_speedup": ratio("cache/recompute", "cost/dualparal/4x", "sampling_s"),
        "feature_cache_cpu_speedup": ratio("cache/recompute", "cost/dualparal/4x", "max_worker_cpu_s"),
        "feature_cache_vs_recompute_psnr_db": cache_psnr,
        "feature_cache_vs_recompute_mean_abs_latent": cache_latent,
        "first_frames_fraction_60s": rows["streaming/60s"]["first_frames_fraction"],
        "total_s_60s": rows["streaming/60s"]["sampling_s"],
    }
    if args.json:
        print(json.dumps({"settings": common, "rows": rows, "summary": summary,
                          "load_average": [load_before, os.getloadavg()]}, indent=1))
        return
    print(f"load average before/after: {load_before} / {os.getloadavg()}")
    print(f"tiny random Wan ({args.layers} layers), {common['size']}x{common['size']}, {common['steps']} steps, "
          f"block_frames={common['block_frames']}, context_frames={common['context_frames']}, 1 thread per worker")
    print(f"{'run':28} {'frames':>6} {'blocks':>6} {'fwd':>5} {'sampling s':>10} {'cpu s':>7} {'s/frame':>8} "
          f"{'first %':>7} {'bubble':>6} {'peak MB':>8} {'state MB':>8}")
    for name, r in rows.items():
        first = r["first_frames_fraction"]
        print(f"{name:28} {r['frames']:6d} {r['blocks']:6d} {r['forwards']:5d} {r['sampling_s']:10.2f} "
              f"{r['max_worker_cpu_s']:7.2f} "
              f"{r['time_per_frame_s']:8.4f} {100 * first if first is not None else float('nan'):7.1f} "
              f"{r['bubble_fraction']:6.3f} {r['peak_rss_mb_total']:8.0f} {r['peak_state_mb_total']:8.2f}")
    targets = {
        "dualparal_time_per_frame_4x_over_base": "<= 1.15", "dualparal_memory_4x_over_base": "<= 1.10",
        "parallel_speedup_2_workers": ">= 1.6", "first_frames_fraction_60s": "<= 0.15",
    }
    for key, value in summary.items():
        print(f"{key:48} {value:10.4f} {targets.get(key, '')}")


if __name__ == "__main__":
    main()
