"""Turning a project into a ``video.generate`` job request (the envelope POSTed to the engine).

The prompt track becomes the ``prompts`` schedule (start, end, text, transition, hard cut, a blending
clip's transition ``curve``, a locked clip's ``seed``, and the clip's guidance / weight keyframes that
lie inside the part of the clip that is generated); a single clip without keyframes is the whole video's
prompt (a lone timed prompt fills the video anyway) and goes in ``prompt`` with the global prompt
appended, so it also runs with the whole-clip sampler (``mode`` ``full``); its locked seed, if any, is
then the job's seed (it holds every frame). The project's settings become the sampler params. ``check_request`` validates the request locally with the
job language (``engine.spec``, pure pydantic) so that a mistake is shown next to the field before
anything is sent.
"""

from __future__ import annotations

from typing import Any

from app.project.model import Project, PromptClip

VIDEO_KIND = "video.generate"


class ProjectNotReady(ValueError):
    """The project cannot be generated yet; the message says what to add or fix."""


def project_to_params(project: Project) -> dict[str, Any]:
    """The ``video.generate`` params for the whole project."""
    settings = project.settings
    clips = [clip for clip in project.prompt_track if clip.text.strip()]
    if not clips:
        raise ProjectNotReady("the prompt track has no clip with text: add a prompt clip (press N) first")
    duration = settings.duration
    prompts = [_timed_prompt(clip, min(clip.end, duration)) for clip in clips if clip.start < duration]
    if not prompts:
        raise ProjectNotReady(
            f"every prompt clip starts after the end of the video ({duration:g}s): lengthen the video "
            "in Project settings or move the clips")
    seed = settings.seed
    if len(prompts) == 1 and not prompts[0]["keyframes"]:
        prompt = ", ".join(t for t in (prompts[0]["text"], settings.prompt.strip()) if t)
        seed = prompts[0].get("seed", seed)
        prompts = []
    else:
        prompt = settings.prompt.strip()
    params: dict[str, Any] = {
        "prompt": prompt,
        "negative_prompt": settings.negative_prompt,
        "seconds": duration,
        "fps": settings.fps,
        "width": settings.width,
        "height": settings.height,
        "steps": settings.steps,
        "guidance": settings.guidance,
        "seed": seed,
        "model": settings.model,
        "prompts": prompts,
        "mode": settings.mode,
        "workers": settings.workers,
        "block_frames": settings.block_frames,
        "context_frames": settings.context_frames,
    }
    return params


def _timed_prompt(clip: PromptClip, end: float) -> dict[str, Any]:
    """The timed prompt of ``clip`` generated up to ``end`` seconds."""
    blends = clip.transition == "blend"
    prompt: dict[str, Any] = {
        "start": round(clip.start, 6),
        "end": round(end, 6),
        "text": clip.text.strip(),
        "transition": clip.transition_seconds if blends else 0.0,
        "hard_cut": clip.hard_cut or not blends,
        "keyframes": [{"time": round(k.time, 6), "param": k.param, "value": k.value}
                      for k in sorted(clip.keyframes, key=lambda k: k.time) if k.time <= end - clip.start + 1e-9],
    }
    if blends and clip.curve is not None:
        prompt["curve"] = clip.curve
    if clip.seed is not None:
        prompt["seed"] = clip.seed
    return prompt


def project_to_request(project: Project, name: str | None = None, priority: int = 0) -> dict[str, Any]:
    """The job request envelope for generating ``project``."""
    return {"version": 1, "kind": VIDEO_KIND, "params": project_to_params(project),
            "name": (name or project.name)[:200], "priority": priority}


REGENERATE_FROM_FIELD = "regenerate_from"     # seconds: reuse the earlier run's blocks before this time
REUSE_JOB_FIELD = "reuse_job"                 # the earlier job whose block cache is reused


def add_regeneration(request: dict[str, Any], from_seconds: float, previous_job: str | None) -> bool:
    """Ask the engine to reuse ``previous_job``'s blocks before ``from_seconds`` (True). Only the block-wise
    mode has blocks to reuse; otherwise the request stays a whole run, which gives the same frames before
    the playhead anyway (same seed, same prompts there) and only costs the time to make them again."""
    if previous_job is None or request["params"].get("mode") != "dualparal":
        return False
    request["params"][REGENERATE_FROM_FIELD] = round(from_seconds, 6)
    request["params"][REUSE_JOB_FIELD] = previous_job
    return True


def temporal_factor(model: str) -> int:
    """Video frames per latent frame: 1 for the builtin per-frame VAE, 4 for a Wan folder's 3-D VAE."""
    return 1 if model.startswith("builtin:") else 4


def expected_frames(request: dict[str, Any], fallback: int) -> int:
    """How many frames the engine will make for ``request`` (the job language's count when it knows the
    kind, else ``fallback``)."""
    from engine.spec import JobRequest, SpecError, kinds, validate_request

    if request.get("kind") not in kinds():
        return fallback
    try:
        params = validate_request(JobRequest.model_validate(request))
    except SpecError:
        return fallback
    total = getattr(params, "total_frames", None)
    return int(total()) if callable(total) else fallback


def check_request(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate ``request`` with the job language; returns pydantic-style errors ([] when valid or
    when this build of the job language does not know the kind, leaving the check to the engine)."""
    from engine.spec import JobRequest, SpecError, kinds, validate_request

    if request.get("kind") not in kinds():
        return []
    try:
        validate_request(JobRequest.model_validate(request))
    except SpecError as exc:
        return exc.errors
    return []
