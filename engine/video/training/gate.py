"""The autoencoder gate: reconstruction PSNR and detector accuracy on held-out shapes-world clips.

The builtin model's transformer is trained only on latents of an autoencoder that passes this gate:
PSNR >= 30 dB and the OpenCV detector recognising the object's colour and shape on >= 95% of the
reconstructed frames.

    PYTHONPATH=. python -m engine.video.training.gate [--vae resources/models/shapes/vae] [--clips 16]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from diffusers import AutoencoderKL

from engine.video.training.autoencoders import decode_unclamped, encode_mean
from engine.video.training.data import clip_tensor, examples
from engine.video.world.detect import detect_frame

MIN_PSNR_DB = 30.0
MIN_DETECTED = 0.95
GATE_SEED = 424242


@torch.no_grad()
def reconstruct_frames(vae: AutoencoderKL, clip: np.ndarray) -> np.ndarray:
    """F x H x W x 3 uint8 -> the autoencoder's reconstruction, same shape and type."""
    frames = clip_tensor(clip).permute(1, 0, 2, 3)
    rec = decode_unclamped(vae, encode_mean(vae, frames)).clamp(-1, 1)
    return ((rec.permute(0, 2, 3, 1) + 1.0) * 127.5).round().to(torch.uint8).numpy()


def measure(vae: AutoencoderKL, clips: int = 16, seed: int = GATE_SEED) -> dict:
    """Gate figures on ``clips`` held-out clips: PSNR (dB, uint8 frames), detector accuracy, passed."""
    vae.eval()
    sq_err, n_values, frames_ok, frames_total, truth_ok = 0.0, 0, 0, 0, 0
    for ex in examples(seed, clips, "held_out"):
        rec = reconstruct_frames(vae, ex.clip)
        sq_err += float(((rec.astype(np.float64) - ex.clip) ** 2).sum())
        n_values += rec.size
        for original, frame in zip(ex.clip, rec):
            d = detect_frame(frame)
            frames_ok += d is not None and d.colour == ex.scene.colour and d.shape == ex.scene.shape
            t = detect_frame(original)
            truth_ok += t is not None and t.colour == ex.scene.colour and t.shape == ex.scene.shape
            frames_total += 1
    mse = sq_err / n_values
    psnr = float(10 * np.log10(255.0**2 / max(mse, 1e-12)))
    detected = frames_ok / frames_total
    return {
        "clips": clips, "frames": frames_total, "psnr_db": round(psnr, 2),
        "detected_colour_and_shape": round(detected, 4),
        "detected_on_originals": round(truth_ok / frames_total, 4),
        "passed": psnr >= MIN_PSNR_DB and detected >= MIN_DETECTED,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vae", default="resources/models/shapes/vae", help="a saved AutoencoderKL folder")
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    figures = measure(AutoencoderKL.from_pretrained(args.vae, local_files_only=True), args.clips)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'figure':<28}{'value':>10}{'gate':>10}")
    print(f"{'PSNR (dB)':<28}{figures['psnr_db']:>10}{'>= 30':>10}")
    print(f"{'colour+shape detected':<28}{figures['detected_colour_and_shape']:>10}{'>= 0.95':>10}")
    print(f"{'  (on the originals)':<28}{figures['detected_on_originals']:>10}{'':>10}")
    print(f"{'passed':<28}{figures['passed']!s:>10}")


if __name__ == "__main__":
    main()
