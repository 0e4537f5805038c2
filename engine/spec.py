"""The job language: what the GUI, the CLI and scripts send to the engine.

A job request is an envelope ``{"version": 1, "kind": "...", "params": {...}}``. Each job kind is
registered here with a pydantic model for its params and the dotted path of the function that runs it
(imported only inside a worker process, so this module and the kinds' param models stay free of torch).

Param models live beside the code that runs them, in ``<room>/spec.py`` modules that import nothing
but pydantic and this module; ``_BUILTIN_SPEC_MODULES`` lists them. Plugins register further kinds with
``register_kind`` (see ``engine.plugins.register_enabled_job_kinds``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SPEC_VERSION = 1

_BUILTIN_SPEC_MODULES = (
    "engine.media.spec",
    "engine.video.spec",
    "engine.audio.spatial.spec",
    "engine.audio.soundscape.spec",
)


class Params(BaseModel):
    """Base class of every job kind's params: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class JobRequest(BaseModel):
    """The envelope POSTed to ``/api/jobs``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(SPEC_VERSION, ge=1, le=SPEC_VERSION, description="job language version")
    kind: str = Field(..., min_length=1, max_length=100, description="a registered job kind, see /api/kinds")
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's params")
    name: str | None = Field(None, max_length=200, description="a label for people")
    priority: int = Field(0, ge=-100, le=100, description="higher runs first among pending jobs")


@dataclass(frozen=True)
class JobKind:
    """A registered job kind.

    ``runner`` is ``"module:function"``; the function takes ``(params, ctx: JobContext)`` and returns
    a JSON-able result dict. ``slots`` says how many device slots a job needs (a DualParal group of
    W workers needs W).
    """

    name: str
    params: type[Params]
    runner: str
    description: str
    slots: Callable[[Params], int] = field(default=lambda _params: 1)


class SpecError(ValueError):
    """A request that does not fit the job language; ``errors`` are pydantic-style dicts."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))


_KINDS: dict[str, JobKind] = {}
_builtins_loaded = False


def register_kind(kind: JobKind) -> None:
    """Register a job kind; a second registration of the same name is refused."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"job kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in _BUILTIN_SPEC_MODULES:
            importlib.import_module(module)


def kinds() -> dict[str, JobKind]:
    """Every registered job kind by name."""
    _load_builtins()
    return dict(_KINDS)


def get_kind(name: str) -> JobKind:
    """The kind called ``name``; raises ``SpecError`` naming the field and the known kinds."""
    known = kinds()
    if name not in known:
        raise SpecError([{
            "loc": ["kind"],
            "msg": f"unknown job kind {name!r}; known kinds: {', '.join(sorted(known))}",
            "type": "value_error.unknown_kind",
        }])
    return known[name]


def validate_request(request: JobRequest) -> Params:
    """Validate the params of ``request`` against its kind; raises ``SpecError`` with field paths."""
    kind = get_kind(request.kind)
    try:
        return kind.params.model_validate(request.params)
    except ValidationError as exc:
        raise SpecError([
            {"loc": ["params", *err["loc"]], "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]) from None
