"""Param model of the video job kind (pure pydantic: imported by the GUI through engine.spec).

``video.generate`` makes one clip from a prompt, or (with ``prompts`` and ``mode`` ``dualparal`` or
``window``) a long video from a timeline of prompts. Sizes and lengths are checked here against limits
that hold for every model; model-specific checks (the VAE's size factor, the frame granularity of a
Wan VAE) happen when the runner has loaded the model, with messages that name the field.

A timed prompt may carry keyframes: its guidance scale or its weight (its strength against the negative
prompt) at times from the prompt's start, linearly interpolated between keyframes and held before the
first and after the last (``keyframe_value``; the studio draws its curves with the same function), and a
``seed`` (seed lock: the initial noise of the latent frames it holds comes from that seed, so it stays
when the job's seed changes or other prompts are edited).

Names of extension points (``transition_curve``, a prompt's ``curve``, ``noise``) are checked against
their registries here, at submission, so an unknown one is a 422 naming the field and the known names.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from engine.spec import JobKind, Params, register_kind
from engine.video.noise_registry import BUILTIN as BUILTIN_NOISE
from engine.video.noise_registry import NOISE_INITIALISERS
from engine.video.transitions import DEFAULT as DEFAULT_TRANSITION
from engine.video.transitions import PROMPT_TRANSITIONS

SIZE_MULTIPLE = 16  # every supported model: VAE factor x transformer patch (Wan 8 x 2, builtin 4 x 4)
MAX_SECONDS = 3600.0
MAX_FRAMES = 57_601
MAX_STEPS = 200
MAX_SEED = 2**63 - 1


KEYFRAME_RANGES: dict[str, tuple[float, float]] = {"guidance": (0.0, 30.0), "weight": (0.0, 2.0)}


def keyframe_value(points: Sequence[tuple[float, float]], t: float, default: float) -> float:
    """The value at ``t`` of the curve through ``points`` ((time, value), sorted by time): linear between
    points, the first value before them, the last after them, ``default`` without points."""
    if not points:
        return default
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t <= t1:
            return v0 if t1 <= t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


class PromptKeyframe(Params):
    """The prompt's ``param`` is ``value`` at ``time`` seconds after the prompt's start."""

    time: float = Field(..., ge=0.0, le=MAX_SECONDS, description="seconds from the prompt's start")
    param: Literal["guidance", "weight"] = Field(
        ..., description="guidance: the guidance scale while this prompt holds; weight: the prompt's strength "
                         "(1 as written, 0 none, up to 2)")
    value: float = Field(..., description="guidance 0..30, weight 0..2")

    @model_validator(mode="after")
    def _in_range(self) -> PromptKeyframe:
        low, high = KEYFRAME_RANGES[self.param]
        if not low <= self.value <= high:
            raise ValueError(f"value: a {self.param} keyframe must lie in {low:g}..{high:g}, got {self.value:g}")
        return self


class TimedPrompt(Params):
    """``text`` holds from ``start`` to ``end`` seconds and blends in over ``transition`` seconds."""

    start: float = Field(..., ge=0.0, le=MAX_SECONDS, description="seconds from the start of the video")
    end: float = Field(..., gt=0.0, le=MAX_SECONDS, description="seconds from the start of the video")
    text: str = Field(..., min_length=1, max_length=2000)
    transition: float = Field(0.5, ge=0.0, le=60.0, description="seconds of blending into this prompt")
    hard_cut: bool = Field(False, description="switch to this prompt at once instead of blending")
    keyframes: list[PromptKeyframe] = Field(default_factory=list, max_length=1000,
                                            description="guidance or weight of this prompt over its time")
    curve: str | None = Field(None, min_length=1, max_length=100,
                              description="this prompt's transition curve (default: the job's transition_curve)")
    seed: int | None = Field(None, ge=0, le=MAX_SEED,
                             description="seed lock: the initial noise of the frames this prompt holds comes "
                                         "from this seed instead of the job's")

    @field_validator("curve")
    @classmethod
    def _known_curve(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else PROMPT_TRANSITIONS.check(value, info.field_name)

    @model_validator(mode="after")
    def _ordered(self) -> TimedPrompt:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start}); swap or fix the times")
        length = self.end - self.start
        seen: set[tuple[str, float]] = set()
        for n, key in enumerate(self.keyframes):
            if key.time > length + 1e-6:
                raise ValueError(f"keyframes.{n}.time: {key.time:g}s is after the prompt's end ({length:g}s "
                                 "after its start); move the keyframe inside the prompt or remove it")
            if (key.param, key.time) in seen:
                raise ValueError(f"keyframes.{n}: a second {key.param} keyframe at {key.time:g}s; keep one")
            seen.add((key.param, key.time))
        return self


class VideoGenerateParams(Params):
    prompt: str = Field("", max_length=2000, description="what the video shows (the global prompt)")
    negative_prompt: str = Field("", max_length=2000, description="what to steer away from")
    seconds: float | None = Field(None, gt=0.0, le=MAX_SECONDS,
                                  description="length in seconds; frames = round(seconds * fps) + 1")
    frames: int | None = Field(None, ge=1, le=MAX_FRAMES, description="length in frames (instead of seconds)")
    fps: int = Field(16, ge=1, le=60, description="frames per second")
    width: int = Field(64, ge=SIZE_MULTIPLE, le=4096, description=f"pixels, a multiple of {SIZE_MULTIPLE}")
    height: int = Field(64, ge=SIZE_MULTIPLE, le=4096, description=f"pixels, a multiple of {SIZE_MULTIPLE}")
    steps: int = Field(25, ge=1, le=MAX_STEPS, description="denoising steps")
    guidance: float = Field(4.5, ge=0.0, le=30.0, description="classifier-free guidance scale (<= 1: off)")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="the same seed and settings give the same video")
    model: str = Field("builtin:shapes", min_length=1, max_length=4096,
                       description="'builtin:shapes' or the path of a local diffusers Wan model folder")
    prompts: list[TimedPrompt] = Field(default_factory=list, max_length=1000,
                                       description="timed prompts of a long video (start, end, text, transition, hard_cut, "
                                                   "curve, keyframes, seed)")
    mode: Literal["full", "dualparal", "window"] = Field(
        "full", description="full: one pass over the whole clip; dualparal: block-wise pipelined; "
                            "window: overlapping-window co-denoising")
    workers: int = Field(1, ge=1, le=64, description="worker processes (devices) of a dualparal group")
    block_frames: int | None = Field(None, ge=1, le=1024, description="latent frames per block (dualparal)")
    context_frames: int | None = Field(None, ge=0, le=1024, description="latent context frames (dualparal)")
    noise: str = Field(BUILTIN_NOISE, min_length=1, max_length=100,
                       description="initial noise: 'pool' (FreeNoise-style shared pool) or a plugin's "
                                   "noise initialiser, e.g. 'flow-warp', 'freenoise', 'look-back'")
    noise_options: dict[str, Any] = Field(default_factory=dict, description="the noise initialiser's options")
    transition_curve: str = Field(DEFAULT_TRANSITION, min_length=1, max_length=100,
                                  description="how prompts blend into each other: 'linear', 'smoothstep', "
                                              "'cosine', 'cut' or a plugin's prompt transition")
    regenerate_from: float | None = Field(None, ge=0.0, le=MAX_SECONDS,
                                          description="seconds: reuse reuse_job's blocks wholly before this time")
    reuse_job: str | None = Field(None, pattern=r"^[0-9a-f]{16}$",
                                  description="the earlier job (same settings) whose cached blocks to reuse")

    @field_validator("transition_curve")
    @classmethod
    def _known_transition(cls, value: str, info: ValidationInfo) -> str:
        return PROMPT_TRANSITIONS.check(value, info.field_name)

    @field_validator("noise")
    @classmethod
    def _known_noise(cls, value: str, info: ValidationInfo) -> str:
        return NOISE_INITIALISERS.check(value, info.field_name)

    @field_validator("width", "height")
    @classmethod
    def _multiple(cls, value: int, info: ValidationInfo) -> int:
        if value % SIZE_MULTIPLE:
            lower = max(SIZE_MULTIPLE, value - value % SIZE_MULTIPLE)
            raise ValueError(f"{info.field_name} {value} is not a multiple of {SIZE_MULTIPLE}; "
                             f"use {lower} or {lower + SIZE_MULTIPLE}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VideoGenerateParams:
        if self.seconds is not None and self.frames is not None:
            raise ValueError("give seconds or frames, not both")
        if not self.prompt.strip() and not self.prompts:
            raise ValueError("prompt is empty: describe the video in prompt (or give timed prompts)")
        if self.total_frames() > MAX_FRAMES:
            raise ValueError(f"seconds x fps makes {self.total_frames()} frames, more than {MAX_FRAMES}; "
                             "shorten the video or lower fps")
        if self.context_frames is not None and self.block_frames is not None \
                and self.context_frames > self.block_frames:
            raise ValueError("context_frames must not exceed block_frames")
        if (self.regenerate_from is None) != (self.reuse_job is None):
            raise ValueError("regenerate_from and reuse_job go together: the time to regenerate from and "
                             "the earlier job whose blocks before it are kept")
        if self.regenerate_from is not None and self.mode != "dualparal":
            raise ValueError("regenerate_from needs mode 'dualparal' (blocks are what is reused)")
        return self

    def total_frames(self) -> int:
        """The number of frames asked for (17 when neither seconds nor frames is given)."""
        if self.frames is not None:
            return self.frames
        if self.seconds is not None:
            return round(self.seconds * self.fps) + 1
        return 17


register_kind(JobKind(
    name="video.generate",
    params=VideoGenerateParams,
    runner="engine.video.generate:run",
    description="Generate a video from a prompt (or a timeline of prompts) with the builtin model or a "
                "local Wan diffusers folder; writes an H.264 MP4 and a JSON sidecar.",
    slots=lambda params: params.workers,
))
