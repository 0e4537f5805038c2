"""How well a video model draws the shapes world: 48 prompts (24 seen combinations, 24 held out), each
generated through the engine's ``video.generate`` runner and scored by the OpenCV detector
(``engine/video/world/detect.py``): object colour by hue, shape by contour fill, motion by centroid track;
also the background (nearest base colour of the frame border; no target, it shows whether the prompt's
background was drawn).

Targets (issue 3): colour >= 90%, motion >= 80%, shape >= 70% on both halves.

    PYTHONPATH=. python benchmarks/shapes_quality.py [--model builtin:shapes] [--steps 25] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from engine.jobs.context import LocalContext
from engine.media.video_io import read_frames
from engine.video.generate import run
from engine.video.spec import VideoGenerateParams
from engine.video.world import Scene, caption
from engine.video.world.detect import detect_clip
from engine.video.world.sample import scenes

PROMPTS_PER_HALF = 24
TABLE_SEED = 2024


def prompt_table() -> list[tuple[str, Scene]]:
    """The 48 (split, scene) rows: 24 seen in training, 24 held out; fixed by ``TABLE_SEED``."""
    rng = np.random.default_rng(TABLE_SEED)
    rows = []
    for split in ("train", "held_out"):
        pool = scenes(split)
        rows += [(split, pool[int(i)]) for i in rng.choice(len(pool), PROMPTS_PER_HALF, replace=False)]
    return rows


def evaluate(model: str, steps: int, guidance: float, limit: int | None) -> dict:
    rows = prompt_table()
    if limit:
        rows = rows[:limit // 2] + rows[PROMPTS_PER_HALF:PROMPTS_PER_HALF + limit - limit // 2]
    per_prompt = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (split, scene) in enumerate(rows):
            params = VideoGenerateParams(prompt=caption(scene), frames=17, steps=steps, guidance=guidance,
                                         seed=i, model=model)
            t0 = time.perf_counter()
            result = run(params, LocalContext(Path(tmp) / str(i)))
            found = detect_clip(read_frames(Path(result["video"])))
            per_prompt.append({
                "split": split, "prompt": params.prompt, "seconds": round(time.perf_counter() - t0, 2),
                "colour": found.colour, "shape": found.shape, "motion": found.motion,
                "background": found.background,
                "colour_ok": found.colour == scene.colour, "shape_ok": found.shape == scene.shape,
                "motion_ok": found.motion == scene.motion, "background_ok": found.background == scene.background,
            })
    summary = {}
    for split in ("train", "held_out"):
        part = [r for r in per_prompt if r["split"] == split]
        summary[split] = {k: round(float(np.mean([r[f"{k}_ok"] for r in part])), 3) if part else None
                          for k in ("colour", "shape", "motion", "background")}
        summary[split]["prompts"] = len(part)
    return {"model": model, "steps": steps, "guidance": guidance, "summary": summary, "prompts": per_prompt,
            "seconds_per_clip": round(float(np.mean([r["seconds"] for r in per_prompt])), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="builtin:shapes")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=4.5)
    parser.add_argument("--limit", type=int, default=None, help="only this many prompts (half from each split)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report = evaluate(args.model, args.steps, args.guidance, args.limit)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"model {report['model']}, {report['steps']} steps, guidance {report['guidance']}, "
          f"{report['seconds_per_clip']} s per 17-frame clip")
    print(f"{'split':<10}{'prompts':>8}{'colour':>8}{'shape':>8}{'motion':>8}{'background':>12}")
    for split, s in report["summary"].items():
        print(f"{split:<10}{s['prompts']:>8}{s['colour']!s:>8}{s['shape']!s:>8}{s['motion']!s:>8}"
              f"{s['background']!s:>12}")
    print(f"{'target':<10}{'':>8}{'0.9':>8}{'0.7':>8}{'0.8':>8}{'':>12}")


if __name__ == "__main__":
    main()
