"""The video.generate runner on tiny real models: outputs, determinism, the WanPipeline cross-check, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import WanPipeline

from engine.jobs.context import LocalContext
from engine.media.video_io import read_frames
from engine.video import models
from engine.video.generate import run
from engine.video.sampler import denoise, initial_noise
from engine.video.spec import VideoGenerateParams

SHIPPED = models.BUILTIN_MODELS["builtin:shapes"]


def _params(model: Path | str, **kw) -> VideoGenerateParams:
    base = {"prompt": "a red ball moving to the left on green grass", "frames": 5, "width": 32, "height": 32,
            "steps": 3, "guidance": 3.0, "seed": 7, "model": str(model)}
    return VideoGenerateParams(**{**base, **kw})


def test_writes_mp4_sidecar_and_stats(tiny_model, tmp_path):
    ctx = LocalContext(tmp_path)
    result = run(_params(tiny_model), ctx)
    frames = read_frames(Path(result["video"]))
    assert frames.shape == (5, 32, 32, 3)
    sidecar = json.loads(Path(result["sidecar"]).read_text())
    assert sidecar["params"]["seed"] == 7 and sidecar["params"]["prompt"].startswith("a red ball")
    for key in ("frames", "latent_frames", "steps", "workers", "mode", "seconds_total", "seconds_sampling",
                "seconds_to_first_frames", "peak_memory_bytes"):
        assert key in result and key in sidecar["stats"]
    assert result["frames"] == 5 and result["latent_frames"] == 5 and result["steps"] == 3
    assert result["mode"] == "full" and result["workers"] == 1 and result["peak_memory_bytes"] > 0
    assert len(ctx.previews) == 3 and ctx.previews[0][0].shape == (32, 32, 3)
    fractions = [p["fraction"] for t, p in ctx.events if t == "progress"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_same_seed_same_frames_bitwise(tiny_model, tmp_path):
    a = run(_params(tiny_model), LocalContext(tmp_path / "a"))
    b = run(_params(tiny_model), LocalContext(tmp_path / "b"))
    c = run(_params(tiny_model, seed=8), LocalContext(tmp_path / "c"))
    assert a["frames_sha256"] == b["frames_sha256"] != c["frames_sha256"]


def _cross_check(model_name: str, frames: int, size: int, steps: int, guidance: float) -> None:
    model = models.load(model_name)
    cond = model.encode_prompts(["a blue square bouncing on sand"])
    uncond = model.encode_prompts([""])
    noise = initial_noise(model, frames, size, size, seed=3)
    ours = denoise(model, noise.clone(), cond, uncond, steps, guidance)
    pipe = WanPipeline.from_pretrained(model.folder, local_files_only=True, text_encoder=None, tokenizer=None)
    theirs = pipe(prompt_embeds=cond, negative_prompt_embeds=uncond, latents=noise.clone(), height=size,
                  width=size, num_frames=frames, num_inference_steps=steps, guidance_scale=guidance,
                  output_type="latent").frames
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_matches_diffusers_wan_pipeline(tiny_model):
    _cross_check(str(tiny_model), frames=5, size=32, steps=4, guidance=4.0)


@pytest.mark.skipif(not (SHIPPED / "transformer").is_dir(), reason="the shipped transformer is not trained yet")
def test_shipped_model_matches_diffusers_wan_pipeline():
    _cross_check("builtin:shapes", frames=17, size=64, steps=3, guidance=4.5)


def test_wan_vae_folder_rounds_frames_to_4k_plus_1(tiny_wan_vae_model, tmp_path):
    result = run(_params(tiny_wan_vae_model, frames=6, steps=2), LocalContext(tmp_path))
    assert result["frames"] == 9 and result["latent_frames"] == 3
    assert read_frames(Path(result["video"])).shape == (9, 32, 32, 3)


def test_wan_folder_with_its_own_text_encoder_matches_wan_pipeline(tiny_wan_folder, tmp_path):
    result = run(_params(tiny_wan_folder, frames=5, steps=2, negative_prompt="green grass"), LocalContext(tmp_path))
    assert result["frames"] == 5 and result["latent_frames"] == 2
    model = models.load(str(tiny_wan_folder))
    assert not model.builtin
    noise = initial_noise(model, 5, 32, 32, seed=1)
    prompt, negative = "a blue square moving left", "red ball"
    ours = denoise(model, noise.clone(), model.encode_prompts([prompt]), model.encode_prompts([negative]), 3, 5.0)
    pipe = WanPipeline.from_pretrained(tiny_wan_folder, local_files_only=True)
    theirs = pipe(prompt=prompt, negative_prompt=negative, latents=noise.clone(), height=32, width=32,
                  num_frames=5, num_inference_steps=3, guidance_scale=5.0, output_type="latent").frames
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        run(_params(tmp_path / "nowhere"), LocalContext(tmp_path / "out"))


def test_folder_without_model_index_is_refused(tmp_path):
    (tmp_path / "m").mkdir()
    with pytest.raises(ValueError, match="no model_index.json"):
        run(_params(tmp_path / "m"), LocalContext(tmp_path / "out"))


def test_other_pipeline_is_refused(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(ValueError, match="not a supported text-to-video pipeline"):
        run(_params(tmp_path / "m"), LocalContext(tmp_path / "out"))


def test_unreadable_weights_are_a_clear_error(tiny_model, tmp_path):
    broken = shutil.copytree(tiny_model, tmp_path / "broken")
    (broken / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="cannot be loaded"):
        run(_params(broken), LocalContext(tmp_path / "out"))


@pytest.mark.parametrize("field, value, message", [
    ("workers", 2, "workers must be 1 for mode 'full'"),
    ("frames", 2000, "too long for one clip"),
])
def test_single_clip_runner_refuses_what_it_cannot_do(tiny_model, tmp_path, field, value, message):
    with pytest.raises(ValueError, match=message):
        run(_params(tiny_model, **{field: value}), LocalContext(tmp_path))


def test_preview_shows_the_clean_estimate_not_noise(tiny_model, tmp_path):
    ctx = LocalContext(tmp_path)
    run(_params(tiny_model, steps=2), ctx)
    assert all(img.dtype == np.uint8 for img, _ in ctx.previews)
    assert [meta["step"] for _, meta in ctx.previews] == [1, 2]
