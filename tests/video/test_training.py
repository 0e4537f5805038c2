"""The training driver: a run stopped and resumed gives bit for bit what an unbroken run gives."""

from __future__ import annotations

import json

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
