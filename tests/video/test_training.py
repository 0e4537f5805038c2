"""The training driver: a run stopped and resumed gives bit for bit what an unbroken run gives."""

from __future__ import annotations

import json

import pytest
import torch
from diffusers import AutoencoderKL

from engine.video.training import driver


def _train(run_dir, export_dir, stop_at):
    driver.main(["train", "--run-dir", str(run_dir), "--export-dir", str(export_dir),
                 "--stop-at-step", str(stop_at), "--threads", "2"])


def test_stopped_and_resumed_run_equals_unbroken_run(tmp_path):
    _train(tmp_path / "straight", tmp_path / "export_a", 2)
    _train(tmp_path / "resumed", tmp_path / "export_b", 1)
    _train(tmp_path / "resumed", tmp_path / "export_b", 2)
    a = torch.load(tmp_path / "straight" / "vae.pt", weights_only=True)
    b = torch.load(tmp_path / "resumed" / "vae.pt", weights_only=True)
    assert json.loads((tmp_path / "resumed" / "state.json").read_text())["vae_step"] == 2
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), name
    exported = AutoencoderKL.from_pretrained(tmp_path / "export_b" / "vae", local_files_only=True)
    for name, tensor in exported.state_dict().items():
        assert torch.equal(tensor, b["model"][name]), name
    log = [json.loads(line) for line in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert [e.get("event") for e in log if "event" in e][:3] == ["started", "exported", "stopped"]


def test_the_latent_object_mask_finds_the_object_and_its_edge_only():
    latents = torch.randn(2, 4, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 0.3
    latents[0, :, 1, 5:8, 9:12] += 3.0                       # an object in the first clip's middle frame
    mask = driver.latent_object_mask(latents, 2.0)
    assert mask.shape == (2, 1, 3, 16, 16)
    assert mask[0, 0, 1, 5:8, 9:12].all(), "every object position"
    assert mask[0, 0, 1].sum() == 25, "and a ring of one position around the 3x3 object"
    assert mask[0, 0, 0].sum() == 0 and mask[1].sum() == 0, "nothing where there is only background noise"


def test_the_object_weighted_flow_loss_starts_at_its_step():
    run = driver.Run.__new__(driver.Run)
    run.state = driver.State(tf_object_weight_from=10)
    x0 = torch.zeros(1, 4, 1, 16, 16)
    x0[0, :, 0, 0:3, 0:3] = 5.0
    target, pred = torch.zeros_like(x0), torch.zeros_like(x0)
    pred[0, :, 0, 0, 0] = 1.0                                  # an error on the object only
    plain = run._flow_loss(pred, target, x0, step=9)
    weighted = run._flow_loss(pred, target, x0, step=10)
    assert plain == torch.nn.functional.mse_loss(pred, target)
    object_share = 16 / 256                                    # the 3x3 object and its ring, of 16x16
    assert weighted / plain == pytest.approx(
        driver.TF_OBJECT_WEIGHT / (1 + (driver.TF_OBJECT_WEIGHT - 1) * object_share))


def test_the_export_holds_the_weights_moving_average_and_training_goes_on_from_its_own_weights(tmp_path):
    run = driver.Run.__new__(driver.Run)
    run.run_dir, run.export_dir, run.read_only = tmp_path / "run", tmp_path / "export", False
    run.device = torch.device("cpu")
    run.run_dir.mkdir()
    run.log_path = run.run_dir / "log.jsonl"
    run.state = driver.State(stage="transformer", transformer_step=100)
    run.vae = driver.frame_autoencoder()
    run.vae_opt = torch.optim.Adam(run.vae.parameters())
    run._make_transformer()
    run._start_ema(None)
    assert run.state.tf_ema_from == 100
    for _ in range(3):                                        # three steps with made-up gradients
        for p in run.transformer.parameters():
            p.grad = torch.ones_like(p)
        run.tf_opt.step()
        run.ema.step(run.transformer.parameters())
    live = {k: v.clone() for k, v in run.transformer.state_dict().items()}
    run.export()
    run.checkpoint()
    exported = driver.WanTransformer3DModel.from_pretrained(run.export_dir / "transformer", local_files_only=True)
    averaged = dict(zip([n for n, _ in run.transformer.named_parameters()], run.ema.shadow_params))
    name = "blocks.0.attn1.to_q.weight"
    assert torch.equal(exported.state_dict()[name], averaged[name])
    assert not torch.equal(averaged[name], live[name]), "the average lags the training weights"
    for k, v in run.transformer.state_dict().items():
        assert torch.equal(v, live[k]), f"training weights restored after the export: {k}"
    saved = torch.load(run.run_dir / "transformer.pt", weights_only=True)
    assert saved["ema"]["optimization_step"] == 3
    assert json.loads((run.run_dir / "state.json").read_text())["tf_ema_from"] == 100
