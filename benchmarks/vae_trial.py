"""A short, equal-time training trial of the builtin model's autoencoder candidates on this machine.

Trains the small ``AutoencoderKLWan`` and the per-frame 2-D ``AutoencoderKL`` for the same wall-clock
budget each (same seed, Adam) and prints seconds per step and reconstruction PSNR on held-out clips.
This is the measurement behind the choice of autoencoder recorded in engine/video/training/README.md.

    PYTHONPATH=. python benchmarks/vae_trial.py --seconds 180 [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from engine.video.training.autoencoders import (
    decode_unclamped,
    encode_mean,
    frame_autoencoder,
    psnr,
    wan_autoencoder,
)
from engine.video.training.data import clip_batch, frame_batch


def _train(kind: str, seconds: float, lr: float, seed: int) -> dict:
    torch.manual_seed(seed)
    vae = wan_autoencoder() if kind == "wan" else frame_autoencoder()
    opt = torch.optim.Adam(vae.parameters(), lr=lr)
    held_out = clip_batch(seed + 999, 4, "held_out")
    steps, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        x = clip_batch(seed + steps, 2) if kind == "wan" else frame_batch(seed + steps, 8, 4)
        loss = torch.nn.functional.mse_loss(decode_unclamped(vae, encode_mean(vae, x)), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps += 1
    elapsed = time.monotonic() - start
    with torch.no_grad():
        if kind == "wan":
            rec = decode_unclamped(vae, encode_mean(vae, held_out))
        else:
            frames = held_out.permute(0, 2, 1, 3, 4).flatten(0, 1)
            rec = decode_unclamped(vae, encode_mean(vae, frames)).unflatten(0, held_out.shape[:1] + held_out.shape[2:3])
            rec = rec.permute(0, 2, 1, 3, 4)
    return {
        "autoencoder": kind, "parameters": sum(p.numel() for p in vae.parameters()),
        "steps": steps, "seconds": round(elapsed, 1), "s_per_step": round(elapsed / steps, 3),
        "last_loss": round(loss.item(), 5), "held_out_psnr_db": round(psnr(rec, held_out), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=180.0, help="training time per candidate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = [_train("frame2d", args.seconds, 1e-3, args.seed), _train("wan", args.seconds, 3e-4, args.seed)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'autoencoder':<12}{'params':>10}{'steps':>8}{'s/step':>9}{'loss':>10}{'PSNR dB':>9}")
    for r in rows:
        print(f"{r['autoencoder']:<12}{r['parameters']:>10}{r['steps']:>8}{r['s_per_step']:>9}"
              f"{r['last_loss']:>10}{r['held_out_psnr_db']:>9}")


if __name__ == "__main__":
    main()
