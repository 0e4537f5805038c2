"""The sound half of the document: audio tracks of clips, and the spatial scene (sources with paths).

Plain psygnal/pydantic objects without Qt, like the rest of ``app.project``. An audio clip plays a file
(a recording of the place, a masker of the bank, a render) from ``start`` on the timeline for ``duration``
seconds at ``gain_db`` with linear fades, reading its source from the in-point ``offset`` on (a clip longer
than what is left of its source loops it, as maskers do); clips of one track may overlap (they are mixed).
``AudioSpan`` is where a clip sits and which part of its source it plays: moves, trims and splits are
computed on it (a trim changes the in-point and length, never the playback speed; fades are clamped so
that no fade is longer than its clip). The spatial scene keeps, per source,
its keyframes in the engine's own ``Keyframe`` model (``engine.audio.spatial.spec``, pure pydantic), so
the scene the GUI edits is the scene the engine renders: ``SpatialDocument.scene()`` builds it.

Every change emits ``AudioDocument.changed`` (the project re-emits it for autosave and dirty state).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Literal, Self

from psygnal import EventedModel, Signal
from pydantic import ConfigDict, Field, model_validator

from engine.audio.spatial.spec import Keyframe, Room, Scene, Source

ROOM_PRESETS: dict[str, Room | None] = {
    "free field": None,
    "living room": Room(dimensions=[5.0, 4.0, 2.6], listener=[2.5, 2.0, 1.2], rt60=0.4),
    "hall": Room(dimensions=[20.0, 14.0, 8.0], listener=[10.0, 7.0, 1.7], rt60=1.6),
}
FORMATS = ("binaural", "foa", "stereo")
MIN_AUDIO_SECONDS = 0.05


def _id() -> str:
    return uuid.uuid4().hex[:12]


class _Evented(EventedModel):
    model_config = ConfigDict(validate_assignment=True, extra="forbid")


class AudioClip(_Evented):
    """A sound file laid on an audio track from ``start`` for ``duration`` seconds."""

    id: str = Field(default_factory=_id)
    name: str = ""
    path: str = Field(..., min_length=1, description="the audio file")
    kind: Literal["file", "masker", "recording", "render"] = "file"
    start: float = Field(0.0, ge=0.0)
    duration: float = Field(..., gt=0.0)
    offset: float = Field(0.0, ge=0.0, description="the in-point: where in the source the clip starts, seconds")
    gain_db: float = Field(0.0, ge=-80.0, le=40.0)
    fade_in: float = Field(0.0, ge=0.0)
    fade_out: float = Field(0.0, ge=0.0)

    @model_validator(mode="after")
    def _fades_fit(self) -> Self:
        for name in ("fade_in", "fade_out"):
            if getattr(self, name) > self.duration + 1e-9:
                raise ValueError(f"{name} ({getattr(self, name):g} s) is longer than the clip "
                                 f"({self.duration:g} s); shorten the fade or lengthen the clip")
        return self

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class AudioSpan:
    """Where a clip sits on its track and which part of its source it plays (the fields a drag changes)."""

    start: float
    duration: float
    offset: float
    fade_in: float
    fade_out: float

    @classmethod
    def of(cls, clip: AudioClip) -> AudioSpan:
        return cls(clip.start, clip.duration, clip.offset, clip.fade_in, clip.fade_out)

    @property
    def end(self) -> float:
        return self.start + self.duration

    def moved_to(self, start: float) -> AudioSpan:
        return replace(self, start=max(0.0, start))

    def _with_duration(self, start: float, duration: float, offset: float) -> AudioSpan:
        """This span with a new extent; fades are this span's own, cut to the new length."""
        return AudioSpan(start, duration, offset, min(self.fade_in, duration), min(self.fade_out, duration))

    def trimmed_start(self, at: float) -> AudioSpan:
        """The left edge dragged to ``at``: the in-point moves with it (never before the source's start)."""
        at = min(max(at, self.start - self.offset, 0.0), self.end - MIN_AUDIO_SECONDS)
        return self._with_duration(at, self.end - at, self.offset + at - self.start)

    def trimmed_end(self, at: float) -> AudioSpan:
        """The right edge dragged to ``at`` (past the source's end the source loops)."""
        return self._with_duration(self.start, max(at, self.start + MIN_AUDIO_SECONDS) - self.start, self.offset)

    def split(self, at: float) -> tuple[AudioSpan, AudioSpan]:
        """The two halves at ``at``: the left keeps the fade in, the right the fade out."""
        left = self._with_duration(self.start, at - self.start, self.offset)
        right = self._with_duration(at, self.end - at, self.offset + at - self.start)
        return replace(left, fade_out=0.0), replace(right, fade_in=0.0)


def _emitter(signal, clip: AudioClip):
    def emit(*_args: object) -> None:
        signal.emit(clip)
    return emit


class AudioTrack:
    """A row of audio clips (overlapping clips are mixed)."""

    clip_added = Signal(object)
    clip_removed = Signal(object)
    clip_changed = Signal(object)

    def __init__(self, name: str = "Audio", track_id: str | None = None, clips: list[AudioClip] | None = None):
        self.id = track_id or _id()
        self.name = name
        self._clips: list[AudioClip] = []
        self._watchers: dict[str, object] = {}
        for clip in clips or []:
            self.add_clip(clip)

    def __iter__(self) -> Iterator[AudioClip]:
        return iter(self._clips)

    def __len__(self) -> int:
        return len(self._clips)

    @property
    def clips(self) -> list[AudioClip]:
        return list(self._clips)

    def clip(self, clip_id: str) -> AudioClip:
        for clip in self._clips:
            if clip.id == clip_id:
                return clip
        raise KeyError(f"no audio clip {clip_id!r} on track {self.name!r}")

    def add_clip(self, clip: AudioClip) -> AudioClip:
        self._clips.append(clip)
        self._clips.sort(key=lambda c: c.start)
        watcher = self._watchers[clip.id] = _emitter(self.clip_changed, clip)
        clip.events.connect(watcher)
        self.clip_added.emit(clip)
        return clip

    def remove_clip(self, clip_id: str) -> AudioClip:
        clip = self.clip(clip_id)
        self._clips.remove(clip)
        clip.events.disconnect(self._watchers.pop(clip.id))
        self.clip_removed.emit(clip)
        return clip

    def set_span(self, clip_id: str, span: AudioSpan) -> None:
        """Place a clip at ``span`` as one change (one ``clip_changed``); nothing changes if it is invalid."""
        clip = self.clip(clip_id)
        AudioClip.model_validate({**clip.model_dump(), **asdict(span)})
        with clip.events.blocked():      # in the order that keeps every fade within the clip at each step
            if span.duration >= clip.duration:
                clip.duration = span.duration
                clip.fade_in, clip.fade_out = span.fade_in, span.fade_out
            else:
                clip.fade_in, clip.fade_out = span.fade_in, span.fade_out
                clip.duration = span.duration
            clip.start, clip.offset = span.start, span.offset
        self._clips.sort(key=lambda c: c.start)
        self.clip_changed.emit(clip)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "clips": [c.model_dump() for c in self._clips]}

    @classmethod
    def from_dict(cls, data: dict) -> AudioTrack:
        return cls(data.get("name", "Audio"), data.get("id"), [AudioClip.model_validate(c) for c in data["clips"]])


class SpatialSource(_Evented):
    """A source of the spatial scene: a masker of the bank or a file, and its keyframed path."""

    id: str = Field(default_factory=_id)
    name: str = Field(..., min_length=1, max_length=100)
    masker: str | None = None
    audio: str | None = None
    gain_db: float = Field(0.0, ge=-120.0, le=40.0)
    interpolation: Literal["linear", "smooth"] = "linear"
    trajectory: list[Keyframe] = Field(..., min_length=1)

    def engine_source(self) -> Source:
        return Source(name=self.name, masker=self.masker, audio=self.audio, gain_db=self.gain_db,
                      trajectory=self.trajectory, interpolation=self.interpolation, fit="loop")


class SpatialSettings(_Evented):
    """How the scene is rendered."""

    format: Literal["binaural", "foa", "stereo"] = "binaural"
    hrtf: str | None = Field(None, description="a SOFA file; None = the builtin MIT KEMAR")
    room: Literal["free field", "living room", "hall"] = "free field"
    duration: float = Field(8.0, gt=0.0, le=3600.0)
    sample_rate: Literal[44100, 48000] = 48000


class SpatialDocument:
    """The sources of the scene and its render settings."""

    changed = Signal()

    def __init__(self, sources: list[SpatialSource] | None = None, settings: SpatialSettings | None = None):
        self.settings = settings or SpatialSettings()
        self.settings.events.connect(lambda *_a: self.changed.emit())
        self.sources: list[SpatialSource] = []
        for source in sources or []:
            self.add_source(source)

    def add_source(self, source: SpatialSource, index: int | None = None) -> SpatialSource:
        if any(s.name == source.name for s in self.sources):
            raise ValueError(f"a source named {source.name!r} is already in the scene; pick another name")
        self.sources.insert(len(self.sources) if index is None else index, source)
        source.events.connect(self._source_changed)
        self.changed.emit()
        return source

    def remove_source(self, source_id: str) -> tuple[int, SpatialSource]:
        index = next(i for i, s in enumerate(self.sources) if s.id == source_id)
        source = self.sources.pop(index)
        source.events.disconnect(self._source_changed)
        self.changed.emit()
        return index, source

    def _source_changed(self, *_args: object) -> None:
        self.changed.emit()

    def source(self, source_id: str) -> SpatialSource:
        return next(s for s in self.sources if s.id == source_id)

    def scene(self) -> Scene:
        """The engine's scene for these sources and settings (validated by the engine's own model)."""
        room = ROOM_PRESETS[self.settings.room]
        return Scene(sample_rate=self.settings.sample_rate, duration=self.settings.duration,
                     sources=[s.engine_source() for s in self.sources], room=room)

    def to_dict(self) -> dict:
        return {"settings": self.settings.model_dump(), "sources": [s.model_dump() for s in self.sources]}

    @classmethod
    def from_dict(cls, data: dict) -> SpatialDocument:
        return cls([SpatialSource.model_validate(s) for s in data.get("sources", [])],
                   SpatialSettings.model_validate(data.get("settings", {})))


class AudioDocument:
    """Audio tracks and the spatial scene of a project."""

    changed = Signal()

    def __init__(self, tracks: list[AudioTrack] | None = None, spatial: SpatialDocument | None = None):
        self.tracks: list[AudioTrack] = tracks if tracks is not None else [
            AudioTrack("Soundscape"), AudioTrack("Maskers"), AudioTrack("Spatial")]
        self.spatial = spatial or SpatialDocument()
        self.spatial.changed.connect(self.changed.emit)
        for track in self.tracks:
            for signal in (track.clip_added, track.clip_removed, track.clip_changed):
                signal.connect(lambda *_a: self.changed.emit())

    def track(self, name: str) -> AudioTrack:
        for track in self.tracks:
            if track.name == name:
                return track
        raise KeyError(f"no audio track named {name!r}")

    def find_clip(self, clip_id: str) -> tuple[AudioTrack, AudioClip]:
        for track in self.tracks:
            for clip in track:
                if clip.id == clip_id:
                    return track, clip
        raise KeyError(f"no audio clip {clip_id!r}")

    @property
    def content_end(self) -> float:
        return max((c.end for t in self.tracks for c in t), default=0.0)

    def to_dict(self) -> dict:
        return {"tracks": [t.to_dict() for t in self.tracks], "spatial": self.spatial.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> AudioDocument:
        return cls([AudioTrack.from_dict(t) for t in data.get("tracks", [])] or None,
                   SpatialDocument.from_dict(data.get("spatial", {})))
