"""The staged, resumable training run of the builtin shapes model.

Stages, in order, each resumable at any step:
1. ``vae``: the per-frame ``AutoencoderKL`` on random frames until it passes the gate (``gate.py``);
2. ``latents``: encode a fixed set of training clips (and held-out clips for validation) with the gated
   VAE and their captions with MiniLM, cached in chunk files under the run folder;
3. ``transformer``: the ``WanTransformer3DModel`` with flow matching on those latents; half of each batch
   carries one noise level per clip, half carries per-frame levels that rise along the clip (diffusion
   forcing, for block-wise long-video sampling); 10% of captions are dropped (zeros) for guidance.
   From ``state.tf_ema_from`` on, an exponential moving average of the weights (diffusers' ``EMAModel``) is
   kept beside them; the exported ``transformer/`` holds the average, which is what the studio samples.

Every batch is drawn from ``seed`` and the step number, so a resumed run sees the batches an unbroken run
would. The run folder (git-ignored) holds checkpoints every few minutes and ``log.jsonl``; the export
folder (``resources/models/shapes``) gets a diffusers model folder every ``--export-every-min`` minutes,
with ``training/`` holding the state and bfloat16 optimizer moments to resume from when the run folder is
gone. See README.md beside this file.

    PYTHONPATH=. python -m engine.video.training.driver train   # start or resume
    PYTHONPATH=. python -m engine.video.training.driver export  # copy the latest checkpoint out now
    PYTHONPATH=. python -m engine.video.training.driver train --device cuda   # the transformer stage on a GPU
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from diffusers import AutoencoderKL, WanTransformer3DModel
from diffusers.training_utils import EMAModel

from engine.video import shapes_model
from engine.video.text_minilm import encode as encode_text
from engine.video.training import gate
from engine.video.training.autoencoders import decode_unclamped, encode_mean, frame_autoencoder
from engine.video.training.checkpoint import (
    compact_optimizer_state,
    load_optimizer_state,
    replace_folder,
    save_atomic,
    write_json_atomic,
)
from engine.video.training.data import clip_tensor, examples, frame_batch, latent_object_mask, object_mask

VAE_CLIPS_PER_STEP = 8  # one random frame of each
VAE_GATE_EVERY = 250
TRAIN_CLIPS = 6000
HELD_OUT_CLIPS = 256
CHUNK = 500
BATCH = 16
TF_LR_STEPS = ((10_000, 3e-4),)  # (until transformer step, lr); then TF_LR_FINAL
TF_LR_FINAL = 1e-4
TF_WARMUP = 200
TF_EVAL_EVERY = 500
TEXT_DROP = 0.1
FORCING_FRACTION = 0.5
LOG_EVERY = 25
OBJECT_WEIGHT = 8.0  # extra weight of object pixels in the autoencoder loss, from state.object_weight_from
OBJECT_WEIGHT_FROM = 2662  # the step where the run switched to the object-weighted loss
TF_OBJECT_WEIGHT = 5.0  # weight of the object's latent positions in the flow loss, from state.tf_object_weight_from
TF_OBJECT_THRESHOLD = 2.0  # latent distance from the frame's median that marks the object (latent_object_mask)
TF_OBJECT_WEIGHT_FROM = 2005  # the transformer step where the run switched to the object-weighted flow loss
TF_EMA_DECAY = 0.999  # the weights' moving average (exported for sampling) from state.tf_ema_from on


VAE_LR_STEPS = ((3000, 1e-3), (6000, 5e-4), (7000, 2.5e-4), (10000, 1e-4))  # (until step, lr); then 5e-5


def vae_lr(step: int) -> float:
    return next((lr for until, lr in VAE_LR_STEPS if step < until), 5e-5)


def transformer_lr(step: int) -> float:
    """The transformer's learning rate: a linear warm-up over ``TF_WARMUP`` steps, then ``TF_LR_STEPS``."""
    lr = next((lr for until, lr in TF_LR_STEPS if step < until), TF_LR_FINAL)
    return lr * min(1.0, (step + 1) / TF_WARMUP)


@dataclass
class State:
    seed: int = 0
    stage: str = "vae"
    vae_step: int = 0
    transformer_step: int = 0
    seconds: dict = field(default_factory=lambda: {"vae": 0.0, "latents": 0.0, "transformer": 0.0})
    gate: dict = field(default_factory=dict)
    latents_mean: list = field(default_factory=list)
    latents_std: list = field(default_factory=list)
    last_eval: dict = field(default_factory=dict)
    object_weight_from: int = OBJECT_WEIGHT_FROM
    tf_object_weight_from: int = TF_OBJECT_WEIGHT_FROM
    tf_ema_from: int | None = None


class Run:
    """One training run: its folders, state, models and optimizers."""

    def __init__(self, run_dir: Path, export_dir: Path, seed: int, read_only: bool = False, device: str = "cpu"):
        self.run_dir, self.export_dir = run_dir, export_dir
        self.device = torch.device(device)
        self.read_only = read_only
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = run_dir / "log.jsonl"
        self.stop = False
        self.vae: AutoencoderKL
        self.transformer: WanTransformer3DModel | None = None
        self.tf_opt: torch.optim.Optimizer | None = None
        self.ema: EMAModel | None = None
        self._load(seed)

    # ----- state -----
    def _load(self, seed: int) -> None:
        state_path = self.run_dir / "state.json"
        exported = self.export_dir / "training" / "state.json"
        if state_path.exists():
            self.state = State(**json.loads(state_path.read_text()))
            vae_path = self.run_dir / "vae.pt"
            ckpt = torch.load(vae_path, weights_only=True, map_location="cpu") if vae_path.exists() else None
            self.vae = frame_autoencoder()
            self.vae_opt = torch.optim.Adam(self.vae.parameters(), lr=vae_lr(0))
            if ckpt:
                self.vae.load_state_dict(ckpt["model"])
                self.vae_opt.load_state_dict(ckpt["opt"])
            if self.state.stage == "transformer" and (self.run_dir / "transformer.pt").exists():
                ckpt = torch.load(self.run_dir / "transformer.pt", weights_only=True, map_location="cpu")
                self._make_transformer()
                self.transformer.load_state_dict(ckpt["model"])
                self.tf_opt.load_state_dict(ckpt["opt"])
                self._start_ema(ckpt.get("ema"))
            self.log({"event": "resumed", "from": str(self.run_dir)})
        elif exported.exists():
            self.state = State(**json.loads(exported.read_text()))
            self.vae = AutoencoderKL.from_pretrained(self.export_dir / "vae", local_files_only=True)
            self.vae_opt = torch.optim.Adam(self.vae.parameters(), lr=vae_lr(0))
            opt_path = self.export_dir / "training" / "vae_optimizer.pt"
            if self.state.stage == "vae" and opt_path.exists():
                self.vae_opt.load_state_dict(load_optimizer_state(opt_path))
            if (self.export_dir / "transformer").exists() and self.state.stage == "transformer":
                self._make_transformer()
                self.transformer.load_state_dict(WanTransformer3DModel.from_pretrained(
                    self.export_dir / "transformer", local_files_only=True).state_dict())
                opt_path = self.export_dir / "training" / "transformer_optimizer.pt"
                if opt_path.exists():
                    self.tf_opt.load_state_dict(load_optimizer_state(opt_path))
            if (self.export_dir / "training" / "log.jsonl").exists() and not self.log_path.exists():
                shutil.copy(self.export_dir / "training" / "log.jsonl", self.log_path)
            self.log({"event": "resumed", "from": str(self.export_dir)})
        else:
            torch.manual_seed(seed)
            self.state = State(seed=seed)
            self.vae = frame_autoencoder()
            self.vae_opt = torch.optim.Adam(self.vae.parameters(), lr=vae_lr(0))
            self.log({"event": "started", "seed": seed})

    def _make_transformer(self) -> None:
        torch.manual_seed(self.state.seed + 1)
        self.transformer = shapes_model.transformer().to(self.device)
        self.tf_opt = torch.optim.AdamW(self.transformer.parameters(), lr=transformer_lr(0), betas=(0.9, 0.99),
                                        weight_decay=0.01)

    def _start_ema(self, saved: dict | None) -> None:
        """The weights' moving average: restored from a checkpoint, else started from the current weights
        (a resume from the export folder starts both from the exported average)."""
        self.ema = EMAModel(self.transformer.parameters(), decay=TF_EMA_DECAY)
        if saved is not None:
            self.ema.load_state_dict(saved)
        self.ema.to(self.device)
        if self.state.tf_ema_from is None:
            self.state.tf_ema_from = self.state.transformer_step

    def log(self, record: dict) -> None:
        if self.read_only and record.get("event") in ("resumed", "started"):
            return
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record}
        with open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def checkpoint(self) -> None:
        save_atomic({"model": self.vae.state_dict(), "opt": self.vae_opt.state_dict()}, self.run_dir / "vae.pt")
        if self.transformer is not None:
            save_atomic({"model": self.transformer.state_dict(), "opt": self.tf_opt.state_dict(),
                         "ema": self.ema.state_dict() if self.ema else None}, self.run_dir / "transformer.pt")
        write_json_atomic(asdict(self.state), self.run_dir / "state.json")

    def export(self) -> None:
        """Write the export folder (diffusers layout + training/ resume files), atomically swapped in."""
        staging = Path(tempfile.mkdtemp(dir=self.export_dir.parent, prefix=self.export_dir.name + ".staging"))
        if self.state.latents_mean:
            self.vae.register_to_config(latents_mean=self.state.latents_mean, latents_std=self.state.latents_std)
        self.vae.save_pretrained(staging / "vae")
        shapes_model.scheduler().save_pretrained(staging / "scheduler")
        training = staging / "training"
        training.mkdir()
        if self.transformer is not None:
            with self._averaged_weights():
                self.transformer.save_pretrained(staging / "transformer")
            torch.save(compact_optimizer_state(self.tf_opt.state_dict()), training / "transformer_optimizer.pt")
        else:
            torch.save(compact_optimizer_state(self.vae_opt.state_dict()), training / "vae_optimizer.pt")
        shapes_model.write_model_index(staging, "AutoencoderKL")
        write_json_atomic(asdict(self.state), training / "state.json")
        if self.log_path.exists():
            shutil.copy(self.log_path, training / "log.jsonl")
        replace_folder(staging, self.export_dir)
        self.log({"event": "exported", "to": str(self.export_dir), "stage": self.state.stage})

    @contextlib.contextmanager
    def _averaged_weights(self):
        """The transformer holds the moving average inside the block (the training weights otherwise)."""
        if self.ema is None:
            yield
            return
        self.ema.store(self.transformer.parameters())
        self.ema.copy_to(self.transformer.parameters())
        try:
            yield
        finally:
            self.ema.restore(self.transformer.parameters())

    # ----- stage 1: the autoencoder -----
    def train_vae(self, periodic) -> None:
        self.vae.train()
        losses = []
        while self.state.stage == "vae" and not self.stop:
            step = self.state.vae_step
            t0 = time.monotonic()
            for group in self.vae_opt.param_groups:
                group["lr"] = vae_lr(step)
            x = frame_batch(self.state.seed * 100_003 + step, VAE_CLIPS_PER_STEP, 1)
            posterior = self.vae.encode(x).latent_dist
            rec = decode_unclamped(self.vae, posterior.mode())
            weights = 1.0 + OBJECT_WEIGHT * object_mask(x) if step >= self.state.object_weight_from else 1.0
            loss = (weights * (rec - x) ** 2).mean() + 1e-6 * posterior.kl().mean()
            self.vae_opt.zero_grad(set_to_none=True)
            loss.backward()
            self.vae_opt.step()
            losses.append(loss.item())
            self.state.vae_step += 1
            self.state.seconds["vae"] += time.monotonic() - t0
            if self.state.vae_step % LOG_EVERY == 0:
                self.log({"stage": "vae", "step": self.state.vae_step, "loss": sum(losses) / len(losses),
                          "lr": vae_lr(step), "stage_seconds": round(self.state.seconds["vae"], 1)})
                losses = []
            if self.state.vae_step % VAE_GATE_EVERY == 0:
                t0 = time.monotonic()
                figures = gate.measure(self.vae)
                self.vae.train()
                self.state.seconds["vae"] += time.monotonic() - t0
                self.state.gate = {**figures, "step": self.state.vae_step}
                self.log({"stage": "vae", "gate": self.state.gate})
                if figures["passed"]:
                    self.state.stage = "latents"
                    self.checkpoint()
                    self.export()
            periodic()

    # ----- stage 2: cached latents and text embeddings -----
    def _chunk_path(self, name: str) -> Path:
        return self.run_dir / "latents" / f"{name}.pt"

    @torch.no_grad()
    def _encode_chunk(self, name: str, seed: int, count: int, split: str) -> None:
        path = self._chunk_path(name)
        if path.exists():
            return
        self.vae.eval()
        exs = examples(seed, count, split)
        latents = []
        for ex in exs:
            frames = clip_tensor(ex.clip).permute(1, 0, 2, 3)
            latents.append(encode_mean(self.vae, frames).permute(1, 0, 2, 3))  # C x F x h x w
        text = torch.cat([encode_text([e.caption for e in exs[i:i + 64]]) for i in range(0, len(exs), 64)])
        save_atomic({"latents": torch.stack(latents).half(), "text": text.half(),
                     "captions": [e.caption for e in exs],
                     "scenes": [asdict(e.scene) for e in exs]}, path)

    def ensure_latents(self, periodic) -> None:
        t0 = time.monotonic()
        chunks = math.ceil(TRAIN_CLIPS / CHUNK)
        for k in range(chunks):
            if self.stop:
                return
            self._encode_chunk(f"train_{k:03d}", self.state.seed * 1000 + 10 + k, CHUNK, "train")
            if k == 0 and not self.state.latents_mean:
                lat = torch.load(self._chunk_path("train_000"), weights_only=False)["latents"].float()
                self.state.latents_mean = lat.mean(dim=(0, 2, 3, 4)).tolist()
                self.state.latents_std = lat.std(dim=(0, 2, 3, 4)).tolist()
            periodic()
        self._encode_chunk("held_out", self.state.seed * 1000 + 5, HELD_OUT_CLIPS, "held_out")
        self.state.seconds["latents"] += time.monotonic() - t0
        if self.state.stage == "latents":
            self.state.stage = "transformer"
            self.log({"stage": "latents", "event": "done", "seconds": round(self.state.seconds["latents"], 1)})

    def _load_cache(self):
        parts = [torch.load(self._chunk_path(f"train_{k:03d}"), weights_only=False)
                 for k in range(math.ceil(TRAIN_CLIPS / CHUNK))]
        held = torch.load(self._chunk_path("held_out"), weights_only=False)
        return (torch.cat([p["latents"] for p in parts]), torch.cat([p["text"] for p in parts]),
                held["latents"], held["text"])

    # ----- stage 3: the transformer -----
    def _flow_batch(self, latents, text, gen: torch.Generator, forcing: bool = True):
        mean = torch.tensor(self.state.latents_mean).view(1, -1, 1, 1, 1)
        std = torch.tensor(self.state.latents_std).view(1, -1, 1, 1, 1)
        x0 = (latents.float() - mean) / std
        b, _, f, h, w = x0.shape
        noise = torch.randn(x0.shape, generator=gen)
        u = torch.rand(b, 1, generator=gen).expand(b, f)
        staggered = torch.rand(b, f, generator=gen).sort(dim=1).values
        if forcing:
            u = torch.where(torch.rand(b, 1, generator=gen) < FORCING_FRACTION, staggered, u)
        shift = shapes_model.FLOW_SHIFT
        sigma = shift * u / (1 + (shift - 1) * u)
        s = sigma[:, None, :, None, None]
        xt = (1 - s) * x0 + s * noise
        _, patch_h, patch_w = self.transformer.config.patch_size
        tokens_per_frame = (h // patch_h) * (w // patch_w)
        timestep = (sigma * 1000).repeat_interleave(tokens_per_frame, dim=1)
        return tuple(t.to(self.device) for t in (xt, timestep, text.float(), noise - x0, x0))

    def _flow_loss(self, pred: torch.Tensor, target: torch.Tensor, x0: torch.Tensor, step: int) -> torch.Tensor:
        """The flow-matching MSE; from ``tf_object_weight_from`` on, the object's latent positions weigh
        ``TF_OBJECT_WEIGHT`` times the background's (normalised so a uniform weight gives the plain MSE)."""
        if step < self.state.tf_object_weight_from:
            return torch.nn.functional.mse_loss(pred, target)
        weights = 1.0 + (TF_OBJECT_WEIGHT - 1.0) * latent_object_mask(x0, TF_OBJECT_THRESHOLD)
        return (weights * (pred - target) ** 2).mean() / weights.mean()

    def train_transformer(self, periodic) -> None:
        self.ensure_latents(periodic)
        if self.stop:
            return
        if self.transformer is None:
            self._make_transformer()
        if self.ema is None:
            self._start_ema(None)
        lat, txt, held_lat, held_txt = self._load_cache()
        self.transformer.train()
        losses = []
        while not self.stop:
            step = self.state.transformer_step
            t0 = time.monotonic()
            for group in self.tf_opt.param_groups:
                group["lr"] = transformer_lr(step)
            gen = torch.Generator().manual_seed(self.state.seed * 7_919 + step)
            idx = torch.randint(len(lat), (BATCH,), generator=gen)
            text = txt[idx].float()
            text[torch.rand(BATCH, generator=gen) < TEXT_DROP] = 0.0
            xt, timestep, text, target, x0 = self._flow_batch(lat[idx], text, gen)
            pred = self.transformer(xt, timestep, text, return_dict=False)[0]
            loss = self._flow_loss(pred, target, x0, step)
            self.tf_opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.transformer.parameters(), 1.0)
            self.tf_opt.step()
            self.ema.step(self.transformer.parameters())
            losses.append(loss.item())
            self.state.transformer_step += 1
            self.state.seconds["transformer"] += time.monotonic() - t0
            if self.state.transformer_step % LOG_EVERY == 0:
                self.log({"stage": "transformer", "step": self.state.transformer_step,
                          "loss": sum(losses) / len(losses), "lr": self.tf_opt.param_groups[0]["lr"],
                          "stage_seconds": round(self.state.seconds["transformer"], 1)})
                losses = []
            if self.state.transformer_step % TF_EVAL_EVERY == 0:
                t0 = time.monotonic()
                self.state.last_eval = {"step": self.state.transformer_step,
                                        "val_loss_train_split": self._val_loss(lat[:64], txt[:64]),
                                        "val_loss_held_out": self._val_loss(held_lat[:64], held_txt[:64])}
                with self._averaged_weights():
                    self.state.last_eval.update(ema_val_loss_train_split=self._val_loss(lat[:64], txt[:64]),
                                                ema_val_loss_held_out=self._val_loss(held_lat[:64], held_txt[:64]))
                self.state.seconds["transformer"] += time.monotonic() - t0
                self.log({"stage": "transformer", "eval": self.state.last_eval})
            periodic()

    @torch.no_grad()
    def _val_loss(self, latents, text) -> float:
        self.transformer.eval()
        gen = torch.Generator().manual_seed(12345)
        total = 0.0
        for i in range(0, len(latents), BATCH):
            xt, timestep, t, target, _ = self._flow_batch(latents[i:i + BATCH], text[i:i + BATCH], gen, forcing=False)
            total += torch.nn.functional.mse_loss(
                self.transformer(xt, timestep, t, return_dict=False)[0], target).item() * len(xt)
        self.transformer.train()
        return round(total / len(latents), 5)


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    run = Run(Path(args.run_dir), Path(args.export_dir), args.seed, device=args.device)
    started = last_ckpt = last_export = time.monotonic()

    def on_signal(*_):
        run.stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def periodic() -> None:
        nonlocal last_ckpt, last_export
        now = time.monotonic()
        if args.max_minutes and now - started > args.max_minutes * 60:
            run.stop = True
        stage_step = run.state.vae_step if run.state.stage == "vae" else run.state.transformer_step
        if args.stop_at_step and stage_step >= args.stop_at_step:
            run.stop = True
        if now - last_ckpt > args.checkpoint_every_min * 60:
            run.checkpoint()
            last_ckpt = now
        if now - last_export > args.export_every_min * 60:
            run.export()
            last_export = now

    if run.state.stage == "vae":
        run.train_vae(periodic)
    if run.state.stage in ("latents", "transformer") and not run.stop:
        run.train_transformer(periodic)
    run.checkpoint()
    run.export()
    run.log({"event": "stopped", "state": asdict(run.state)})


def export(args: argparse.Namespace) -> None:
    if not (Path(args.run_dir) / "state.json").exists():
        raise SystemExit(f"no run in {args.run_dir}: nothing to export")
    Run(Path(args.run_dir), Path(args.export_dir), args.seed, read_only=True).export()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("train", "export"))
    parser.add_argument("--run-dir", default="runs/shapes")
    parser.add_argument("--export-dir", default="resources/models/shapes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu",
                        help="where the transformer stage trains (cpu, cuda, cuda:1...); batches are drawn on the CPU "
                             "as on a CPU run, the autoencoder and the latent cache stay on the CPU")
    parser.add_argument("--checkpoint-every-min", type=float, default=4.0)
    parser.add_argument("--export-every-min", type=float, default=20.0)
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop after this long (0: never)")
    parser.add_argument("--stop-at-step", type=int, default=0,
                        help="stop when the current stage's step counter reaches this (0: never)")
    args = parser.parse_args(argv)
    {"train": train, "export": export}[args.command](args)


if __name__ == "__main__":
    main()
