"""The DualParal block-queue sampler, run by every worker of a pipeline group.

Rank 0 owns the latents: it starts each block from coordinated noise, builds each forward's token
window (the older block's last ``context_frames`` frames, the block itself, and, without the feature
cache, the newer block's first frames), runs the patch embedding and its slice of transformer
blocks, applies the scheduler step when the guided velocity comes back, and decodes and emits each
block as it leaves the queue. Middle ranks run their slice; the last rank runs the head and
classifier-free guidance and returns the velocity to rank 0. All ranks follow the same ``BlockPlan``,
so only hidden states and velocities travel. With one rank, the same code runs in one process.
"""

from __future__ import annotations

import copy
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.video.dualparal.attention import WindowAttnProcessor
from engine.video.dualparal.cache import BlockCache
from engine.video.dualparal.decode import make_decoder
from engine.video.dualparal.group import PipelineGroup
from engine.video.dualparal.memory import release_freed_memory
from engine.video.dualparal.parts import WanParts
from engine.video.dualparal.plan import Task
from engine.video.dualparal.request import LongVideoRequest
from engine.video.dualparal.stages import StagedWan
from engine.video.prompts import PromptEmbeddings


@dataclass
class BlockOutput:
    """A finished block's frames, emitted as soon as it leaves the queue (or is reused from the cache)."""

    block: int
    start_frame: int
    frames: np.ndarray  # (n, H, W, 3) uint8
    start_s: float
    end_s: float
    latents: torch.Tensor  # (1, C, block_frames, h, w) final normalised latents
    reused: bool = False
    weights: dict[str, float] = field(default_factory=dict)  # the block's prompt blend (text -> weight)


@dataclass
class WorkerReport:
    """What one worker measured in the sampling loop."""

    rank: int
    layers: tuple[int, int]
    wall_s: float
    cpu_s: float  # CPU time of the whole process in the loop (all its threads)
    wait_s: float
    forwards: int
    peak_rss_mb: float
    peak_state_mb: float  # the sampler's own tensors: latents, contexts, feature cache, prompt projections
    first_block_s: float | None
    blocks: int  # blocks of the whole video (including reused ones)


BlockCallback = Callable[[BlockOutput], None]


class BlockConditioning:
    """Each block's prompt blend (cond, and uncond for guidance), text-projected once per block, and its
    guidance scale (the prompts' guidance keyframes averaged over the block's frames)."""

    def __init__(self, parts: WanParts, request: LongVideoRequest, staged: StagedWan, spans: list[tuple[int, int]]):
        self._timeline = request.timeline(parts.temporal_factor)
        texts = self._timeline.texts(request.duration)
        self._embeds = PromptEmbeddings([*texts, request.negative_prompt], parts.encode_prompts)
        self._negative = {request.negative_prompt: 1.0}
        self._guided = request.guided
        self._request, self._parts, self._staged, self._spans = request, parts, staged, spans
        self._projected: dict[int, torch.Tensor] = {}

    def _times(self, block: int) -> list[float]:
        start, end = self._spans[block]
        end = min(end, self._request.num_frames)
        return [f / self._request.fps for f in range(start, max(end, start + 1))]

    def weights(self, block: int) -> dict[str, float]:
        return self._timeline.span_weights(self._times(block), self._request.duration)

    def guidance(self, block: int) -> float:
        """The block's guidance scale (at least 1: below that guidance is off)."""
        return max(1.0, self._timeline.span_guidance(self._times(block), self._request.duration,
                                                     self._request.guidance))

    def text(self, block: int) -> torch.Tensor:
        if block not in self._projected:
            cond = self._embeds.blend(self.weights(block), rest=self._request.negative_prompt)
            rows = [cond, self._embeds.blend(self._negative)] if self._guided else [cond]
            device = self._staged.model.proj_out.weight.device
            self._projected[block] = self._staged.text(torch.stack(rows).to(device))
        return self._projected[block]

    def release(self, block: int) -> None:
        self._projected.pop(block, None)

    def nbytes(self) -> int:
        return sum(t.nbytes for t in self._projected.values())


class DualParalSampler:
    """One worker's share of a DualParal generation."""

    def __init__(self, parts: WanParts, request: LongVideoRequest, group: PipelineGroup, layers: range,
                 *, cache: BlockCache | None = None, first_block: int = 0):
        self.request, self.group = request, group
        self.plan = request.plan(parts.temporal_factor, first_block)
        self.staged = StagedWan(parts.transformer, layers, first=group.first, last=group.last)
        ratio = parts.spatial_ratio
        multiple = ratio * self.staged.patch[1]
        for name, size in (("height", request.height), ("width", request.width)):
            if size % multiple:
                raise ValueError(f"{name} must be a multiple of {multiple} for this model, got {size}")
        self.lat_h, self.lat_w = request.height // ratio, request.width // ratio
        self.tpf = self.staged.tokens_per_frame(self.lat_h, self.lat_w)
        self.channels = parts.latent_channels
        self.scheduler = copy.deepcopy(parts.scheduler)
        self.scheduler.set_timesteps(request.steps)
        self.level = [float(t) for t in self.scheduler.timesteps] + [0.0]  # timestep after i steps
        self.batch = 2 if request.guided else 1
        self.spans = [self.plan.video_span(k) for k in range(self.plan.blocks)]
        self.cond = BlockConditioning(parts, request, self.staged, self.spans)
        self.fps = request.fps
        self.cache = cache
        self.forwards = 0
        self.peak_state = 0
        if group.first:
            self.noise = request.initialiser(self.channels, self.lat_h, self.lat_w, parts.temporal_factor)
            self.decoder = make_decoder(parts.vae) if parts.vae is not None else None
            self.latents: dict[int, torch.Tensor] = {}
            self.schedulers: dict[int, object] = {}
            self.inputs: dict[int, torch.Tensor] = {}
            self.trajectory: dict[int, list[torch.Tensor]] = {}
            self.delivered = -1

    # ---- the token window -------------------------------------------------------------------
    def _frames(self, task: Task) -> tuple[int, int, int]:
        return self.plan.window_frames(task, self.request.feature_cache)

    def _frame_timesteps(self, task: Task) -> torch.Tensor:
        old, own, newer = self._frames(task)
        levels = ([self.level[task.old_steps_done]] * old + [self.level[task.step]] * own
                  + [self.level[task.step - 1]] * newer)
        return torch.tensor(levels, device=self.staged.model.proj_out.weight.device)

    def _hidden_shape(self, task: Task) -> tuple[int, int, int]:
        return (self.batch, sum(self._frames(task)) * self.tpf, self.staged.dim)

    def _tail(self, latents: torch.Tensor) -> torch.Tensor:
        return latents[:, :, latents.shape[2] - self.plan.context_frames:].clone()

    def _window_latents(self, task: Task) -> torch.Tensor:
        k = task.block
        if task.step == 0:
            self.latents[k] = self.noise.block_noise(k, self.plan.block_frames).to(self.group.device)
            self.schedulers[k] = copy.deepcopy(self.scheduler)
            self.trajectory[k] = [self._tail(self.latents[k])]
        self.inputs[k] = self.latents[k]
        parts = [self.latents[k]]
        old, _, newer = self._frames(task)
        if old:
            parts.insert(0, self.trajectory[k - 1][task.old_steps_done])
        if newer:
            parts.append(self.inputs[k + 1][:, :, :newer])
        return torch.cat(parts, dim=2)

    # ---- one forward through this worker's layers --------------------------------------------
    def _layers(self, task: Task, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        old, own, newer = self._frames(task)
        cached = self.plan.context_frames if task.reads_cache and self.request.feature_cache else 0
        temb, modulation = self.staged.time(self._frame_timesteps(task), self.tpf)
        cos, sin = self.staged.rope(old + own + newer + cached, self.lat_h, self.lat_w)
        split = (old + own + newer) * self.tpf
        window = self.staged.window
        window.read_cache = cached > 0
        window.cached_rope = (cos[:, split:], sin[:, split:]) if cached else None
        writes = task.writes_cache and self.request.feature_cache
        window.write_tokens = slice(old * self.tpf, (old + self.plan.context_frames) * self.tpf) if writes else None
        hidden = self.staged.run_layers(hidden, self.cond.text(task.block), modulation, (cos[:, :split], sin[:, :split]))
        self.forwards += 1
        self.peak_state = max(self.peak_state, self._state_bytes())
        return hidden, temb

    def _state_bytes(self) -> int:
        """Bytes of the tensors this worker keeps between forwards."""
        held = self.cond.nbytes()
        for block in self.staged.model.blocks:
            cache = getattr(getattr(block, "attn1", None), "processor", None)
            if isinstance(cache, WindowAttnProcessor) and cache.cache is not None:
                held += sum(t.nbytes for t in cache.cache)
        if self.group.first:
            stores = (self.latents.values(), self.inputs.values(), *self.trajectory.values())
            held += sum(t.nbytes for store in stores for t in store)
        return held

    def _head(self, task: Task, hidden: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        old, own, _ = self._frames(task)
        block = slice(old * self.tpf, (old + own) * self.tpf)
        out = self.staged.head(hidden[:, block], temb[:, block], own, self.lat_h, self.lat_w).float()
        if self.batch == 2:
            out = out[1:] + self.cond.guidance(task.block) * (out[:1] - out[1:])
        return out

    # ---- rank 0: scheduler steps, finished blocks ---------------------------------------------
    def _deliver(self, task: Task, velocity: torch.Tensor, on_block: BlockCallback) -> None:
        k = task.block
        scheduler = self.schedulers[k]
        self.latents[k] = scheduler.step(velocity, scheduler.timesteps[task.step], self.latents[k],
                                         return_dict=False)[0]
        self.trajectory[k].append(self._tail(self.latents[k]))
        self.delivered = task.index
        if task.step == self.plan.steps - 1:
            self._finish(k, on_block)

    def _finish(self, k: int, on_block: BlockCallback) -> None:
        start, end = self.spans[k]
        end = min(end, self.request.num_frames)
        frames = self.decoder.decode(self.latents[k])[: end - start] if self.decoder is not None else np.zeros((0,))
        if self.cache is not None:
            self.cache.save(k, frames, self.latents[k], torch.stack(self.trajectory[k]), self.decoder.state())
        on_block(BlockOutput(k, start, frames, start / self.fps, end / self.fps, self.latents[k],
                             weights=self.cond.weights(k)))
        if self.first_block_s is None:
            self.first_block_s = time.perf_counter() - self.started
        for store in (self.latents, self.schedulers, self.inputs):
            store.pop(k, None)
        self.trajectory.pop(k - 1, None)
        self.cond.release(k)
        release_freed_memory()

    def _drain(self, upto: int, on_block: BlockCallback) -> None:
        shape = (1, self.channels, self.plan.block_frames, self.lat_h, self.lat_w)
        while self.delivered < upto:
            velocity = self.group.recv(shape, torch.float32, self.group.world - 1)
            self._deliver(self.plan.tasks[self.delivered + 1], velocity, on_block)

    def _resume_from_cache(self, on_block: BlockCallback) -> None:
        for k in range(self.plan.first_block):
            record = self.cache.load(k)
            start, _ = self.spans[k]
            frames = record["frames"]
            on_block(BlockOutput(k, start, frames, start / self.fps, (start + len(frames)) / self.fps,
                                 record["latents"], reused=True, weights=self.cond.weights(k)))
            if k == self.plan.first_block - 1:
                self.trajectory[k] = list(record["tail_trajectory"].unbind(0))
                if self.decoder is not None:
                    self.decoder.load_state(record["decoder_state"])

    # ---- the loop ------------------------------------------------------------------------------
    @torch.no_grad()
    def run(self, on_block: BlockCallback | None = None,
            check_cancel: Callable[[], None] | None = None) -> WorkerReport:
        on_block = on_block or (lambda _out: None)
        self.group.barrier()
        self.started = time.perf_counter()
        cpu_started = time.process_time()
        self.first_block_s = None
        group = self.group
        if group.first:
            if self.plan.first_block:
                if self.cache is None:
                    raise ValueError("regenerating from a time needs the job's block cache (cache_dir)")
                self._resume_from_cache(on_block)
            for task in self.plan.tasks:
                if check_cancel is not None:
                    check_cancel()
                if group.world > 1:
                    self._drain(self.plan.needs(task), on_block)
                hidden = self.staged.embed(self._window_latents(task))
                hidden, temb = self._layers(task, hidden.expand(self.batch, -1, -1))
                if group.world == 1:
                    self._deliver(task, self._head(task, hidden, temb), on_block)
                else:
                    group.send(hidden, 1)
            self._drain(len(self.plan.tasks) - 1, on_block)
        else:
            for task in self.plan.tasks:
                hidden = group.recv(self._hidden_shape(task), self.staged.dtype, group.rank - 1)
                hidden, temb = self._layers(task, hidden)
                if group.last:
                    group.send(self._head(task, hidden, temb), 0)
                else:
                    group.send(hidden, group.rank + 1)
                if task.step == self.plan.steps - 1:
                    self.cond.release(task.block)
                    release_freed_memory()
        group.flush()
        wall = time.perf_counter() - self.started
        layers = self.staged.layers
        cpu = time.process_time() - cpu_started
        return WorkerReport(group.rank, (layers.start, layers.stop), wall, cpu, group.wait_s, self.forwards,
                            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, self.peak_state / 2**20, self.first_block_s, self.plan.blocks)
