"""The document: a project with its settings, tracks, prompt clips and keyframes.

Plain Python objects with psygnal change events and no Qt, so the whole document can be built, edited
and checked without a GUI. Clips and settings are pydantic ``EventedModel``s (every field assignment is
validated and emits ``<obj>.events.<field>``); a track owns its clips and emits ``clip_added`` /
``clip_removed``; the project re-emits everything as one ``changed`` signal for autosave and dirty state.

A prompt track keeps its clips sorted and never overlapping; the edits that could break that
(``Track.check_span``) refuse with a ``PlacementError`` before anything changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Literal

from psygnal import EventedModel, Signal
from pydantic import ConfigDict, Field, field_validator, model_validator

from app.project.audio import AudioDocument
from engine.video.spec import KEYFRAME_RANGES, keyframe_value

MIN_CLIP_SECONDS = 0.05


def new_id() -> str:
    """A short unique id for a clip, track or keyframe."""
    return uuid.uuid4().hex[:12]


class PlacementError(ValueError):
    """An edit that would make clips overlap, go before zero or shrink below the minimum length."""


class _Evented(EventedModel):
    model_config = ConfigDict(validate_assignment=True, extra="forbid")


KeyframeParam = Literal["guidance", "weight"]
KEYFRAME_DEFAULT_WEIGHT = 1.0


class Keyframe(_Evented):
    """A value of a clip parameter at a time (seconds from the clip's start): ``guidance`` (the guidance
    scale while the clip's prompt holds) or ``weight`` (the prompt's strength, 1 as written). Between
    keyframes the engine interpolates linearly (``engine.video.spec.keyframe_value``)."""

    id: str = Field(default_factory=new_id)
    time: float = Field(0.0, ge=0.0)
    param: KeyframeParam = "guidance"
    value: float = 1.0

    @model_validator(mode="after")
    def _in_range(self) -> Keyframe:
        low, high = KEYFRAME_RANGES[self.param]
        if not low <= self.value <= high:
            raise ValueError(f"a {self.param} keyframe's value must lie in {low:g}..{high:g} (got {self.value:g})")
        return self


class PromptClip(_Evented):
    """A prompt laid on the timeline from ``start`` to ``end`` (seconds).

    ``transition`` is how this prompt takes over from the previous one: ``blend`` (the prompt
    embeddings are interpolated over ``transition_seconds`` along ``curve``, a transition curve the
    engine knows by that name; ``None``: the engine's default) or ``cut``; ``hard_cut`` also restarts
    the noise at the clip's first frame. ``seed`` set means the clip's seed is locked: the frames it
    covers start from that seed's noise whatever the project's seed. ``history`` keeps the clip's
    earlier prompt texts, newest last.
    """

    id: str = Field(default_factory=new_id)
    start: float = Field(0.0, ge=0.0)
    end: float = Field(4.0, gt=0.0)
    text: str = ""
    transition: Literal["blend", "cut"] = "blend"
    transition_seconds: float = Field(1.0, ge=0.0, le=30.0)
    curve: str | None = Field(None, min_length=1, max_length=100)
    hard_cut: bool = False
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    history: list[str] = Field(default_factory=list)
    keyframes: list[Keyframe] = Field(default_factory=list)

    @model_validator(mode="after")
    def _span(self) -> PromptClip:
        if self.end - self.start < MIN_CLIP_SECONDS - 1e-9:
            raise ValueError(
                f"clip end ({self.end:g}s) must be at least {MIN_CLIP_SECONDS}s after its start "
                f"({self.start:g}s)")
        return self

    @property
    def duration(self) -> float:
        return self.end - self.start

    def keyframes_of(self, param: str) -> list[Keyframe]:
        """This clip's keyframes of ``param``, by time."""
        return sorted((k for k in self.keyframes if k.param == param), key=lambda k: k.time)

    def keyframe(self, keyframe_id: str) -> Keyframe:
        for key in self.keyframes:
            if key.id == keyframe_id:
                return key
        raise KeyError(f"no keyframe {keyframe_id!r} on the clip {self.text[:30]!r}")

    def value_at(self, param: str, offset: float, default: float) -> float:
        """``param`` at ``offset`` seconds into the clip, as the engine will interpolate it."""
        return keyframe_value([(k.time, k.value) for k in self.keyframes_of(param)], offset, default)

    def set_text(self, text: str) -> None:
        """Change the prompt, remembering the previous text in ``history``."""
        if text == self.text:
            return
        previous = self.text
        self.text = text
        if previous:
            self.history = [*[h for h in self.history if h not in (previous, text)], previous][-50:]


class ProjectSettings(_Evented):
    """What the whole generation shares: model, size, timing, sampler, devices."""

    model: str = Field("builtin:shapes", min_length=1, description="builtin:<name> or a local folder")
    prompt: str = Field("", description="a global prompt appended to every clip's text (style, setting)")
    width: int = Field(128, ge=16, le=4096, multiple_of=16)
    height: int = Field(80, ge=16, le=4096, multiple_of=16)
    fps: int = Field(8, ge=1, le=60)
    duration: float = Field(12.0, gt=0.0, le=3600.0, description="length of the video in seconds")
    steps: int = Field(12, ge=1, le=200)
    guidance: float = Field(5.0, ge=0.0, le=30.0)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    negative_prompt: str = ""
    mode: Literal["dualparal", "full", "window"] = "dualparal"
    workers: int = Field(1, ge=1, le=64)
    devices: list[str] = Field(default_factory=list, description="engine device names; empty = any")
    block_frames: int = Field(4, ge=1, le=1024)
    context_frames: int = Field(1, ge=0, le=1024)

    @property
    def total_frames(self) -> int:
        return max(1, round(self.duration * self.fps))

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return value.strip()


class Track:
    """An ordered row of non-overlapping clips on the timeline."""

    clip_added = Signal(object)      # PromptClip
    clip_removed = Signal(object)    # PromptClip
    clip_changed = Signal(object)    # PromptClip (any field)

    def __init__(self, name: str = "Prompts", kind: str = "prompt", track_id: str | None = None,
                 clips: list[PromptClip] | None = None):
        self.id = track_id or new_id()
        self.name = name
        self.kind = kind
        self._clips: list[PromptClip] = []
        self._watchers: dict[str, object] = {}
        for clip in clips or []:
            self.add_clip(clip)

    def __iter__(self) -> Iterator[PromptClip]:
        return iter(self._clips)

    def __len__(self) -> int:
        return len(self._clips)

    @property
    def clips(self) -> list[PromptClip]:
        """The clips sorted by start (a copy)."""
        return list(self._clips)

    def clip(self, clip_id: str) -> PromptClip:
        for clip in self._clips:
            if clip.id == clip_id:
                return clip
        raise KeyError(f"no clip {clip_id!r} on track {self.name!r}")

    def clip_at(self, seconds: float) -> PromptClip | None:
        """The clip covering ``seconds`` (start inclusive, end exclusive)."""
        for clip in self._clips:
            if clip.start <= seconds < clip.end:
                return clip
        return None

    def check_span(self, start: float, end: float, ignore: tuple[str, ...] = ()) -> None:
        """Raise ``PlacementError`` unless a clip may occupy [start, end) (ignoring ``ignore`` ids)."""
        if start < -1e-9:
            raise PlacementError(f"a clip cannot start before 0s (got {start:g}s)")
        if end - start < MIN_CLIP_SECONDS - 1e-9:
            raise PlacementError(f"a clip must last at least {MIN_CLIP_SECONDS}s (got {end - start:g}s)")
        for other in self._clips:
            if other.id in ignore:
                continue
            if start < other.end - 1e-9 and other.start < end - 1e-9:
                raise PlacementError(
                    f"[{start:g}s, {end:g}s) overlaps the clip {other.text[:30]!r} at "
                    f"[{other.start:g}s, {other.end:g}s)")

    def add_clip(self, clip: PromptClip) -> PromptClip:
        """Insert ``clip`` keeping the order; refused if it overlaps."""
        if any(c.id == clip.id for c in self._clips):
            raise PlacementError(f"clip {clip.id!r} is already on track {self.name!r}")
        self.check_span(clip.start, clip.end)
        self._clips.append(clip)
        self._clips.sort(key=lambda c: c.start)
        watcher = self._watcher(clip)
        self._watchers[clip.id] = watcher
        clip.events.connect(watcher)
        self.clip_added.emit(clip)
        return clip

    def remove_clip(self, clip_id: str) -> PromptClip:
        clip = self.clip(clip_id)
        self._clips.remove(clip)
        clip.events.disconnect(self._watchers.pop(clip.id))
        self.clip_removed.emit(clip)
        return clip

    def set_span(self, clip_id: str, start: float, end: float) -> None:
        """Move or trim a clip to [start, end) as one change; refused (nothing changes) if it overlaps."""
        clip = self.clip(clip_id)
        self.check_span(start, end, ignore=(clip_id,))
        with clip.events.blocked():
            # assign in the order that keeps start < end valid at every step
            if start >= clip.end:
                clip.end, clip.start = end, start
            else:
                clip.start, clip.end = start, end
        self._clips.sort(key=lambda c: c.start)
        clip.events.start.emit(clip.start)
        clip.events.end.emit(clip.end)

    def _watcher(self, clip: PromptClip):
        def on_event(*_args: object) -> None:
            self._clips.sort(key=lambda c: c.start)
            self.clip_changed.emit(clip)
        return on_event

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "clips": [c.model_dump() for c in self._clips]}

    @classmethod
    def from_dict(cls, data: dict) -> Track:
        return cls(name=data.get("name", "Prompts"), kind=data.get("kind", "prompt"),
                   track_id=data.get("id"), clips=[PromptClip.model_validate(c) for c in data["clips"]])


class Project:
    """A NoiseLoom project: settings and tracks; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, settings: ProjectSettings | None = None, tracks: list[Track] | None = None,
                 name: str = "Untitled", audio: AudioDocument | None = None):
        self.name = name
        self.settings = settings or ProjectSettings()
        self.tracks: list[Track] = tracks if tracks is not None else [Track("Prompts")]
        self.audio = audio or AudioDocument()
        self.settings.events.connect(self._emit_changed)
        self.audio.changed.connect(self._emit_changed)
        for track in self.tracks:
            self._watch(track)

    def _watch(self, track: Track) -> None:
        track.clip_added.connect(self._emit_changed)
        track.clip_removed.connect(self._emit_changed)
        track.clip_changed.connect(self._emit_changed)

    def _emit_changed(self, *_args: object) -> None:
        self.changed.emit()

    @property
    def prompt_track(self) -> Track:
        """The video prompt track (the first track of kind ``prompt``)."""
        for track in self.tracks:
            if track.kind == "prompt":
                return track
        raise LookupError("the project has no prompt track")

    def track(self, track_id: str) -> Track:
        for track in self.tracks:
            if track.id == track_id:
                return track
        raise KeyError(f"no track {track_id!r}")

    def find_clip(self, clip_id: str) -> tuple[Track, PromptClip]:
        for track in self.tracks:
            for clip in track:
                if clip.id == clip_id:
                    return track, clip
        raise KeyError(f"no clip {clip_id!r} in the project")

    @property
    def content_end(self) -> float:
        """Where the last clip ends (0 for an empty project)."""
        return max((c.end for t in self.tracks for c in t), default=0.0)

    def to_dict(self) -> dict:
        return {"name": self.name, "settings": self.settings.model_dump(),
                "tracks": [t.to_dict() for t in self.tracks], "audio": self.audio.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> Project:
        return cls(settings=ProjectSettings.model_validate(data["settings"]),
                   tracks=[Track.from_dict(t) for t in data["tracks"]], name=data.get("name", "Untitled"),
                   audio=AudioDocument.from_dict(data["audio"]))
