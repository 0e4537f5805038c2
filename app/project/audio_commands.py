"""Undo commands of the sound edits: audio clips on tracks, and the spatial scene's sources and paths.

Like ``app.project.commands``: each is a ``QUndoCommand`` pushed with ``commands.push``; a drag of a
source in the spatial view carries a gesture number and its commands merge into one undo step.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtGui import QUndoCommand

from app.project.audio import AudioClip, AudioTrack, SpatialDocument, SpatialSettings, SpatialSource
from app.project.commands import Edit
from app.project.model import PlacementError
from engine.audio.spatial.spec import Keyframe

_AUDIO_PROPERTY_ID, _KEYFRAME_ID = 2001, 2002


class AddAudioClip(Edit):
    """Put a clip on an audio track (an imported file, an applied masker, a recording)."""

    def __init__(self, track: AudioTrack, clip: AudioClip, text: str = "Add audio clip"):
        super().__init__(text)
        self.track, self.clip = track, clip

    def redo(self) -> None:
        self.track.add_clip(self.clip)

    def undo(self) -> None:
        self.track.remove_clip(self.clip.id)


class RemoveAudioClip(Edit):
    def __init__(self, track: AudioTrack, clip: AudioClip):
        super().__init__("Delete audio clip")
        self.track, self.clip = track, clip

    def redo(self) -> None:
        self.track.remove_clip(self.clip.id)

    def undo(self) -> None:
        self.track.add_clip(self.clip)


class SetField(Edit):
    """Change one field of an audio clip or of the spatial settings; edits of one field merge."""

    def __init__(self, target: AudioClip | SpatialSettings, field: str, value: Any):
        super().__init__(f"Set {field.replace('_', ' ')}")
        self.target, self.field, self.value = target, field, value
        self.old = getattr(target, field)

    def check(self) -> None:
        try:
            type(self.target).model_validate({**self.target.model_dump(), self.field: self.value})
        except ValidationError as exc:
            raise PlacementError(f"{self.field}: {exc.errors(include_url=False)[0]['msg']}") from None

    def id(self) -> int:
        return _AUDIO_PROPERTY_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetField) or other.target is not self.target or other.field != self.field:
            return False
        self.value = other.value
        return True

    def redo(self) -> None:
        setattr(self.target, self.field, self.value)

    def undo(self) -> None:
        setattr(self.target, self.field, self.old)


class AddSource(Edit):
    def __init__(self, doc: SpatialDocument, source: SpatialSource):
        super().__init__(f"Add source {source.name}")
        self.doc, self.source = doc, source

    def check(self) -> None:
        if any(s.name == self.source.name for s in self.doc.sources):
            raise PlacementError(f"a source named {self.source.name!r} is already in the scene")

    def redo(self) -> None:
        self.doc.add_source(self.source)

    def undo(self) -> None:
        self.doc.remove_source(self.source.id)


class SetTrajectory(Edit):
    """Replace a source's keyframes (a phrase's proposal, a keyframe added or deleted, a drag).

    Commands with the same non-zero ``gesture`` on the same source merge: one drag, one undo step."""

    def __init__(self, source: SpatialSource, keyframes: list[Keyframe], text: str = "Edit path",
                 gesture: int = 0, interpolation: str | None = None):
        super().__init__(text)
        self.source, self.new, self.gesture = source, list(keyframes), gesture
        self.old = list(source.trajectory)
        self.old_interpolation = source.interpolation
        self.interpolation = interpolation or source.interpolation

    def check(self) -> None:
        try:
            SpatialSource.model_validate({**self.source.model_dump(), "trajectory": self.new})
        except ValidationError as exc:
            raise PlacementError(f"path of {self.source.name}: {exc.errors(include_url=False)[0]['msg']}") from None

    def id(self) -> int:
        return _KEYFRAME_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (not isinstance(other, SetTrajectory) or not self.gesture or other.gesture != self.gesture
                or other.source is not self.source):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.source.interpolation = self.interpolation
        self.source.trajectory = self.new

    def undo(self) -> None:
        self.source.interpolation = self.old_interpolation
        self.source.trajectory = self.old


def keyframes_with(trajectory: list[Keyframe], t: float, azimuth: float, distance: float,
                   elevation: float | None = None, tolerance_s: float = 0.05) -> list[Keyframe]:
    """The trajectory with the keyframe at time ``t`` set to a new direction (added when none is near)."""
    kept = [k for k in trajectory if abs(k.t - t) > tolerance_s]
    near = [k for k in trajectory if abs(k.t - t) <= tolerance_s]
    at = near[0].t if near else t
    el = elevation if elevation is not None else (near[0].elevation if near else 0.0)
    return sorted([*kept, Keyframe(t=at, azimuth=azimuth, elevation=el, distance=distance)], key=lambda k: k.t)
