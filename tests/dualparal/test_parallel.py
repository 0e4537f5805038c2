"""Pipeline parallelism over real worker processes (gloo on localhost) equals the one-process run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.jobs.context import JobCanceled, LocalContext
from engine.video.dualparal.api import generate_long_video, split_layers

from .conftest import FACTORY, Collector, small_request

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def one_process():
    out = Collector()
    generate_long_video(FACTORY, small_request(), on_block=out)
    return out


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_processes_equal_one_process(one_process, workers):
    out = Collector()
    stats = generate_long_video(FACTORY, small_request(), workers=workers, threads_per_worker=1, on_block=out)
    assert stats["workers"] == workers and sum(stats["layer_split"]) == 3
    assert [b.block for b in out.blocks] == [0, 1, 2, 3]
    assert torch.allclose(out.latents, one_process.latents, atol=1e-5)
    assert np.abs(out.frames.astype(int) - one_process.frames.astype(int)).max() <= 1
    assert 0.0 <= stats["bubble_fraction"] < 1.0


def test_torchrun_workers_equal_one_process(one_process, tmp_path):
    req = small_request()
    job = {"global_prompt": req.prompts.global_prompt,
           "timed": [vars(p) for p in req.prompts.timed],
           **{k: getattr(req, k) for k in ("num_frames", "height", "width", "steps", "guidance", "seed",
                                           "block_frames", "context_frames")}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    kwargs = {"seed": 3, "layers": 3, "heads": 2, "head_dim": 24}
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                    "-m", "engine.video.dualparal.worker", "--request", str(tmp_path / "job.json"),
                    "--out", str(tmp_path / "out"), "--parts-kwargs", json.dumps(kwargs), "--threads", "1"],
                   check=True, cwd=ROOT, env=env, timeout=120, capture_output=True)
    frames = np.load(tmp_path / "out" / "frames.npy")
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["workers"] == 2 and stats["blocks"] == 4
    assert np.abs(frames.astype(int) - one_process.frames.astype(int)).max() <= 1


def test_layer_split_gives_the_decoding_worker_fewer_layers():
    assert split_layers(8, 2, decode_layers=2.0) == [3, 5]
    assert split_layers(8, 2, decode_layers=0.0) == [4, 4]
    assert split_layers(6, 3, decode_layers=10.0) == [1, 2, 3]
    assert split_layers(6, 3, decode_layers=0.5) == [2, 2, 2]


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_after_the_first_block_stops_every_worker(tmp_path, workers):
    ctx = LocalContext(tmp_path)
    blocks = []

    def on_block(block):
        blocks.append(block)
        ctx.cancel()  # the user presses cancel when the first frames arrive

    with pytest.raises(JobCanceled):
        generate_long_video(FACTORY, small_request(), workers=workers, threads_per_worker=1,
                            on_block=on_block, check_cancel=ctx.check_cancel)
    assert len(blocks) == 1
    # the group is gone: a new run starts cleanly
    assert generate_long_video(FACTORY, small_request(num_frames=9), workers=workers, threads_per_worker=1)["blocks"] == 1
