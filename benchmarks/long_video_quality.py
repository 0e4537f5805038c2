"""Quality of long multi-prompt videos on a real model (issue 4): prompt adherence per segment, jumps at
block seams and background stability, scored by the OpenCV detector (``engine/video/world/timeline_score.py``).

Timelines (every prompt on the same background, 1 s transitions, DualParal through the engine's
``video.generate`` runner):

- colour: a ball bouncing, red -> blue -> yellow (3 s each);
- direction: a white square moving right -> left -> right (2.5 s each, so it stays in the frame);
- shape: a green ball -> square -> triangle standing still (3 s each);
- minute (``--minute``): a 60-second (961-frame) video of 15 four-second prompts cycling colours and
  shapes, bouncing or standing still; its wall time is the issue's "60-second video" figure.

Targets: each segment away from its transitions matches its prompt on >= 85% of frames (colour, shape;
motion over 13-frame windows); seam steps within 2x the median step; the background stable throughout.

    PYTHONPATH=. python benchmarks/long_video_quality.py [--model builtin:shapes] [--steps 25] [--minute]
        [--only colour,direction,shape] [--threads 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from engine.jobs.context import LocalContext
from engine.media.video_io import read_frames
from engine.video.generate import run
from engine.video.spec import TimedPrompt, VideoGenerateParams
from engine.video.world import Scene, caption
from engine.video.world.timeline_score import Segment, score_video
from engine.video.world.vocab import is_allowed

FPS = 16
TRANSITION_S = 1.0
TARGET = 0.85


def _timeline(scenes: list[Scene], seconds_each: float) -> list[tuple[float, float, Scene]]:
    return [(i * seconds_each, (i + 1) * seconds_each, scene) for i, scene in enumerate(scenes)]


def timelines() -> dict[str, list[tuple[float, float, Scene]]]:
    """The named timelines: (start, end, scene) per prompt."""
    cycle = [Scene(colour, shape, motion, "gray") for colour, shape, motion in (
        ("red", "ball", "bouncing"), ("blue", "square", "standing still"), ("yellow", "triangle", "bouncing"),
        ("green", "ball", "standing still"), ("purple", "square", "bouncing"), ("orange", "triangle", "standing still"),
        ("cyan", "ball", "bouncing"), ("white", "square", "standing still"), ("red", "triangle", "bouncing"),
        ("blue", "ball", "standing still"), ("yellow", "square", "bouncing"), ("green", "triangle", "standing still"),
        ("purple", "ball", "bouncing"), ("orange", "square", "standing still"), ("cyan", "triangle", "bouncing"))]
    return {
        "colour": _timeline([Scene(c, "ball", "bouncing", "gray") for c in ("red", "blue", "yellow")], 3.0),
        "direction": _timeline([Scene("white", "square", m, "black")
                                for m in ("moving right", "moving left", "moving right")], 2.5),
        "shape": _timeline([Scene("green", s, "standing still", "night") for s in ("ball", "square", "triangle")], 3.0),
        "minute": _timeline(cycle, 4.0),
    }


def evaluate(name: str, prompts: list[tuple[float, float, Scene]], model: str, steps: int, guidance: float,
             seed: int, workers: int) -> dict:
    assert all(is_allowed(scene) for _, _, scene in prompts), "every prompt's object must be visible"
    seconds = prompts[-1][1]
    params = VideoGenerateParams(
        prompts=[TimedPrompt(start=a, end=b, text=caption(scene), transition=TRANSITION_S) for a, b, scene in prompts],
        seconds=seconds, fps=FPS, steps=steps, guidance=guidance, seed=seed, model=model, mode="dualparal",
        workers=workers)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = LocalContext(Path(tmp))
        started = time.perf_counter()
        result = run(params, ctx)
        wall = time.perf_counter() - started
        frames = read_frames(ctx.output_path("video.mp4"))
    seams = [payload["frames"][0] for kind, payload in ctx.events if kind == "block_done"][1:]
    segments = [Segment(round(a * FPS), min(round(b * FPS), len(frames)), scene) for a, b, scene in prompts]
    margin = round(TRANSITION_S * FPS / 2) + 2
    score = score_video(frames, segments, seams, margin)
    return {"timeline": name, "seconds": seconds, "frames": len(frames), "wall_s": round(wall, 1),
            "blocks": result["blocks"], "block_frames": result["block_frames"], "prompts": [p.text for p in params.prompts],
            **score}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="builtin:shapes")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--guidance", type=float, default=4.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="colour,direction,shape", help="comma-separated timelines to run")
    parser.add_argument("--minute", action="store_true", help="also the 60-second (961-frame) video")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = [n for n in args.only.split(",") if n] + (["minute"] if args.minute else [])
    known = timelines()
    reports = [evaluate(n, known[n], args.model, args.steps, args.guidance, args.seed, args.workers) for n in names]
    if args.json:
        print(json.dumps({"model": args.model, "steps": args.steps, "guidance": args.guidance, "target": TARGET,
                          "timelines": reports}, indent=2))
        return
    print(f"model {args.model}, {args.steps} steps, guidance {args.guidance}, seed {args.seed}, "
          f"{args.workers} worker(s), {args.threads} thread(s)")
    print(f"{'timeline':<10}{'s':>5}{'wall s':>8}{'colour':>8}{'shape':>8}{'motion':>8}"
          f"{'seams<=2x':>10}{'max seam':>9}{'bg max':>8}{'bg ok':>7}{'found':>7}")
    for r in reports:
        seams = r["seams"]
        print(f"{r['timeline']:<10}{r['seconds']:>5.0f}{r['wall_s']:>8.1f}{r['min_colour']!s:>8}{r['min_shape']!s:>8}"
              f"{r['min_motion']!s:>8}{seams['seams_within_2x']!s:>10}{seams['max_seam_ratio']!s:>9}"
              f"{r['background_max_distance']:>8.1f}{r['background_stable_share']!s:>7}{r['detected_share']!s:>7}")
    print(f"(colour, shape, motion: the worst segment's share of frames matching its prompt; target {TARGET})")
    for r in reports:
        print(f"{r['timeline']}: " + "; ".join(
            f"{p[:40]}: {s['colour']}/{s['shape']}/{s['motion']}" for p, s in zip(r["prompts"], r["segments"])))


if __name__ == "__main__":
    main()
